//! SMS through a local fake of Twilio's Messages API that checks what PROVIDERS.md §5
//! says Twilio checks: the path with the Account SID, Basic auth, a form body with To,
//! From and Body; and answers 201 with the message resource, or Twilio's error JSON.

use serde_json::json;
use slipway_notify::{Channel, DeliveryStatus, Endpoint, Notifier, TwilioSms, When, send_all};
use slipway_secrets::Secret;

use crate::fake_http::{FakeHttp, Reply, Request, base64, closed_port};
use crate::{USER_AGENT, deployed, failed};

pub const SID: &str = "ACc4c268517530bb5fec0b659e3f88c6be";
pub const TOKEN: &str = "twilio-token-canary-9c4d";
const FROM: &str = "+15005550006";
const TO: &str = "+14155550100";

/// Twilio's answer to a request, as its API would give it.
pub fn twilio_reply(request: &Request) -> Reply {
    let error = |status: u16, code: u32, message: &str| {
        Reply::json(
            status,
            &json!({
                "code": code,
                "message": message,
                "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
                "status": status,
            }),
        )
    };
    if request.method != "POST"
        || request.path != format!("/2010-04-01/Accounts/{SID}/Messages.json")
    {
        return error(404, 20404, "The requested resource was not found");
    }
    let expected = format!("Basic {}", base64(format!("{SID}:{TOKEN}").as_bytes()));
    if request.header("authorization") != Some(expected.as_str()) {
        let mut body = json!({
            "code": 20003,
            "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": 401,
        });
        body["detail"] = json!("Your AccountSid or AuthToken was incorrect.");
        return Reply::json(401, &body);
    }
    if request.header("content-type") != Some("application/x-www-form-urlencoded") {
        return error(400, 20001, "Invalid request");
    }
    let Some(from) = request.form_field("From") else {
        return error(400, 21603, "A 'From' phone number is required.");
    };
    let to = request.form_field("To").unwrap_or_default();
    let valid_number =
        to.len() >= 9 && to.starts_with('+') && to[1..].chars().all(|c| c.is_ascii_digit());
    if !valid_number {
        return error(
            400,
            21211,
            &format!("The 'To' number {to} is not a valid phone number."),
        );
    }
    let Some(body) = request.form_field("Body") else {
        return error(400, 21602, "Message body is required.");
    };
    let sid = "SM29f4f980778e4621b72df75ac82f5000";
    Reply::json(
        201,
        &json!({
            "sid": sid,
            "date_created": "Tue, 27 Nov 2018 16:14:39 +0000",
            "date_updated": "Tue, 27 Nov 2018 16:14:39 +0000",
            "date_sent": null,
            "account_sid": SID,
            "to": to,
            "from": from,
            "messaging_service_sid": null,
            "body": body,
            "status": "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": null,
            "price_unit": "USD",
            "error_code": null,
            "error_message": null,
            "uri": format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json"),
        }),
    )
}

/// An SMS channel pointed at `fake`.
pub fn channel(fake: &FakeHttp, token: &str, to: &str) -> Channel {
    Channel::new(
        When::Always,
        Endpoint::Sms(
            TwilioSms::new(SID, Secret::new(token.to_owned()), FROM, to).with_base_url(fake.url()),
        ),
    )
}

#[test]
fn an_sms_reaches_twilio_as_a_form_with_basic_auth() {
    let twilio = FakeHttp::start(twilio_reply);

    let deliveries = send_all(&deployed(), &[channel(&twilio, TOKEN, TO)]);

    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, DeliveryStatus::Sent, "{deliveries:?}");
    assert_eq!(deliveries[0].target, "SMS to +14155550100");
    let request = twilio.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{SID}/Messages.json")
    );
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Basic {}", base64(format!("{SID}:{TOKEN}").as_bytes())).as_str())
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let text = "Slipway: shop is live. Release 20261126-141230 (a1b2c3d) deployed in 42 s. \
                https://shop.example.com";
    assert_eq!(
        request.form(),
        [
            ("To".to_owned(), TO.to_owned()),
            ("From".to_owned(), FROM.to_owned()),
            ("Body".to_owned(), text.to_owned()),
        ]
    );
}

#[test]
fn a_failure_sms_fits_one_segment() {
    let twilio = FakeHttp::start(twilio_reply);
    let mut outcome = failed();
    outcome.finish = slipway_notify::Finish::Failed {
        step: "Install dependencies".into(),
        hint: "pip could not build psycopg2 because pg_config is missing; install \
               libpq-dev on the server or depend on psycopg2-binary instead of psycopg2"
            .into(),
    };

    let deliveries = send_all(&outcome, &[channel(&twilio, TOKEN, TO)]);

    assert!(deliveries[0].is_sent(), "{deliveries:?}");
    let body = twilio.only_request().form_field("Body").expect("Body");
    assert!(
        body.starts_with(
            "Slipway: shop: deploy failed. \"Install dependencies\" failed after 1 min 3 s: \
             pip could not build psycopg2"
        ),
        "{body}"
    );
    assert!(body.ends_with("..."), "{body}");
    assert!(
        body.chars().count() <= 160,
        "{} characters: {body}",
        body.chars().count()
    );
}

#[test]
fn a_wrong_auth_token_is_reported_with_twilios_code_and_message() {
    let twilio = FakeHttp::start(twilio_reply);

    let deliveries = send_all(&failed(), &[channel(&twilio, "wrong-token", TO)]);

    assert_eq!(
        deliveries[0].error(),
        Some(
            "Twilio refused the SMS (error 20003, HTTP 401): Authenticate. Check the Account SID \
             and auth token (Twilio Console, Account info). More: \
             https://www.twilio.com/docs/errors/20003"
        )
    );
    assert_eq!(twilio.requests().len(), 1);
}

#[test]
fn an_invalid_number_is_reported_with_twilios_code_and_message() {
    let twilio = FakeHttp::start(twilio_reply);

    let deliveries = send_all(&deployed(), &[channel(&twilio, TOKEN, "0415 555")]);

    assert_eq!(
        deliveries[0].error(),
        Some(
            "Twilio refused the SMS (error 21211, HTTP 400): The 'To' number 0415 555 is not a \
             valid phone number. Check the phone number to text; write it in E.164 form, like \
             +14155550100. More: https://www.twilio.com/docs/errors/21211"
        )
    );
}

#[test]
fn an_unreachable_twilio_is_a_failed_delivery_not_a_panic() {
    let sms = TwilioSms::new(SID, Secret::new(TOKEN.to_owned()), FROM, TO)
        .with_base_url(format!("http://127.0.0.1:{}", closed_port()));

    let deliveries = send_all(
        &deployed(),
        &[Channel::new(When::Always, Endpoint::Sms(sms))],
    );

    let error = deliveries[0].error().expect("a failure");
    assert!(
        error.starts_with("could not reach Twilio: Connection refused"),
        "{error}"
    );
}

#[test]
fn a_twilio_that_never_answers_times_out() {
    let twilio = FakeHttp::start(|_| Reply::Hang);
    let notifier = Notifier::with_timeout(std::time::Duration::from_secs(1));

    let started = std::time::Instant::now();
    let deliveries = notifier.send_all(&deployed(), &[channel(&twilio, TOKEN, TO)]);

    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(
        deliveries[0].error(),
        Some("Twilio did not answer within 1 s; check the network connection and try again")
    );
}
