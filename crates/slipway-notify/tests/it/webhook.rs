//! The generic JSON webhook, against a local receiver that checks the signature the way a
//! receiver should: HMAC-SHA256 over the raw body, computed here independently.

use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use slipway_notify::{Channel, DeliveryStatus, Endpoint, JsonWebhook, Notifier, When, send_all};
use slipway_secrets::Secret;

use crate::fake_http::{FakeHttp, Reply, Request};
use crate::{USER_AGENT, deployed, failed};

pub const SECRET: &str = "webhook-secret-canary-3f0e";

/// The receiver: 204 on `/hooks/ok`, 500 on `/hooks/fail`, silence on `/hooks/slow`.
pub fn receiver_reply(request: &Request) -> Reply {
    match request.path.as_str() {
        "/hooks/ok" => Reply::Respond {
            status: 204,
            content_type: "text/plain",
            body: String::new(),
        },
        "/hooks/slow" => Reply::Hang,
        _ => Reply::text(500, "boom\nstack trace follows"),
    }
}

/// What the receiver should find in the signature header for `body`.
fn expected_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: Vec<String> = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={}", hex.concat())
}

fn channel(fake: &FakeHttp, path: &str, secret: Option<&str>) -> Channel {
    Channel::new(
        When::Always,
        Endpoint::Webhook(JsonWebhook::new(
            format!("{}{path}", fake.url()),
            secret.map(|secret| Secret::new(secret.to_owned())),
        )),
    )
}

#[test]
fn a_webhook_receives_the_documented_json_signed() {
    let receiver = FakeHttp::start(receiver_reply);

    let deliveries = send_all(
        &deployed(),
        &[channel(&receiver, "/hooks/ok", Some(SECRET))],
    );

    assert_eq!(deliveries[0].status, DeliveryStatus::Sent, "{deliveries:?}");
    assert_eq!(
        deliveries[0].target,
        format!("webhook at {}", receiver.url())
    );
    let request = receiver.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks/ok");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
    assert_eq!(request.header("x-slipway-event"), Some("deploy"));
    assert_eq!(
        request.header("x-slipway-signature"),
        Some(expected_signature(&request.body).as_str())
    );
    assert_eq!(request.header("authorization"), None);
    assert_eq!(
        request.json(),
        json!({
            "event": "deploy",
            "app": "shop",
            "ok": true,
            "release": "20261126-141230",
            "commit": "a1b2c3d",
            "duration_secs": 42.4,
            "url": "https://shop.example.com",
            "failed_step": null,
            "message": "shop is live. Release 20261126-141230 (a1b2c3d) deployed in 42 s. \
                        https://shop.example.com"
        })
    );
    assert!(!request.text().contains(SECRET));
}

#[test]
fn a_failure_webhook_names_the_step_and_an_unsigned_one_has_no_signature() {
    let receiver = FakeHttp::start(receiver_reply);

    let deliveries = send_all(&failed(), &[channel(&receiver, "/hooks/ok", None)]);

    assert!(deliveries[0].is_sent(), "{deliveries:?}");
    let request = receiver.only_request();
    assert_eq!(request.header("x-slipway-signature"), None);
    assert_eq!(
        request.json(),
        json!({
            "event": "deploy",
            "app": "shop",
            "ok": false,
            "release": null,
            "commit": null,
            "duration_secs": 63.0,
            "url": null,
            "failed_step": "Health check",
            "message": "shop: deploy failed. \"Health check\" failed after 1 min 3 s: The app \
                        did not answer on /health within 30 s."
        })
    );
}

#[test]
fn a_webhook_error_names_the_origin_and_status_but_not_the_path() {
    let receiver = FakeHttp::start(receiver_reply);

    let deliveries = send_all(
        &deployed(),
        &[channel(&receiver, "/hooks/fail-t0ken", Some(SECRET))],
    );

    assert_eq!(
        deliveries[0].error(),
        Some(
            format!(
                "the webhook at {} answered HTTP 500: boom stack trace follows",
                receiver.url()
            )
            .as_str()
        )
    );
}

#[test]
fn a_webhook_that_never_answers_times_out_without_holding_up_the_others() {
    let receiver = FakeHttp::start(receiver_reply);
    let notifier = Notifier::with_timeout(Duration::from_secs(1));
    let channels = [
        channel(&receiver, "/hooks/slow", None),
        channel(&receiver, "/hooks/ok", None),
    ];

    let started = Instant::now();
    let deliveries = notifier.send_all(&deployed(), &channels);

    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        deliveries[0].error(),
        Some(
            format!(
                "the webhook at {} did not answer within 1 s; check the network connection \
                 and try again",
                receiver.url()
            )
            .as_str()
        )
    );
    assert!(deliveries[1].is_sent(), "{deliveries:?}");
}
