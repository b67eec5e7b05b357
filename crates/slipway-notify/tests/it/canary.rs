//! Canary credentials on every channel, sent to services that accept, refuse, echo the
//! request back or cannot be reached: no canary may show in a delivery, in the Debug
//! output of the channels, or in any message body a service receives.

use slipway_notify::{
    Channel, ChannelKind, Delivery, Endpoint, JsonWebhook, SlackWebhook, SmtpSecurity, TwilioSms,
    When, send_all,
};
use slipway_secrets::Secret;

use crate::fake_http::{FakeHttp, Reply, closed_port};
use crate::smtp_server::{Security, SmtpServer};
use crate::{email, failed, slack, twilio, webhook};

const WRONG_TWILIO_TOKEN: &str = "twilio-wrong-canary-1d2e";
const WRONG_SMTP_PASSWORD: &str = "smtp-wrong-canary-88bb";
const ECHOED_WEBHOOK_SECRET: &str = "webhook-echo-canary-4a4a";
const SLACK_ECHO_TOKEN: &str = "slack-echo-canary-6c6c";
const SLACK_DOWN_TOKEN: &str = "slack-down-canary-0f0f";

/// Every service the channels talk to.
struct Services {
    twilio: FakeHttp,
    slack: FakeHttp,
    /// A hostile service that repeats the request, headers and all, in its error.
    echo: FakeHttp,
    receiver: FakeHttp,
    smtp: SmtpServer,
}

impl Services {
    fn start() -> Self {
        Self {
            twilio: FakeHttp::start(twilio::twilio_reply),
            slack: FakeHttp::start(slack::slack_reply),
            echo: FakeHttp::start(|request| {
                Reply::text(
                    400,
                    &format!(
                        "bad request {} {:?} {}",
                        request.path,
                        request.headers,
                        String::from_utf8_lossy(&request.body)
                    ),
                )
            }),
            receiver: FakeHttp::start(webhook::receiver_reply),
            smtp: SmtpServer::start(Security::StartTls, Some((email::USER, email::PASSWORD))),
        }
    }

    /// The channels, each with canary credentials, and every canary value.
    fn channels(&self) -> (Vec<Channel>, Vec<String>) {
        let slack_url = format!("{}{}", self.slack.url(), slack::WORKING);
        let slack_echo_url = format!("{}/services/T0/B0/{SLACK_ECHO_TOKEN}", self.echo.url());
        let slack_down_url = format!(
            "http://127.0.0.1:{}/services/T0/B0/{SLACK_DOWN_TOKEN}",
            closed_port()
        );
        let sms = |token: &str| {
            Endpoint::Sms(
                TwilioSms::new(
                    twilio::SID,
                    Secret::new(token.to_owned()),
                    "+15005550006",
                    "+14155550100",
                )
                .with_base_url(self.twilio.url()),
            )
        };
        let slack = |url: &str| Endpoint::Slack(SlackWebhook::new(Secret::new(url.to_owned())));
        let hook = |url: String, secret: &str| {
            Endpoint::Webhook(JsonWebhook::new(url, Some(Secret::new(secret.to_owned()))))
        };
        let mail = |password: &str| {
            email::channel(
                &self.smtp,
                "localhost",
                SmtpSecurity::StartTls,
                Some((email::USER, password)),
                true,
            )
            .endpoint
        };
        let endpoints = [
            sms(twilio::TOKEN),
            sms(WRONG_TWILIO_TOKEN),
            slack(&slack_url),
            slack(&slack_echo_url),
            slack(&slack_down_url),
            hook(format!("{}/hooks/ok", self.receiver.url()), webhook::SECRET),
            hook(
                format!("{}/hooks/echo", self.echo.url()),
                ECHOED_WEBHOOK_SECRET,
            ),
            mail(email::PASSWORD),
            mail(WRONG_SMTP_PASSWORD),
        ];
        let channels = endpoints
            .into_iter()
            .map(|endpoint| Channel::new(When::Always, endpoint))
            .collect();
        let canaries = [
            twilio::TOKEN,
            WRONG_TWILIO_TOKEN,
            &slack_url,
            &slack_echo_url,
            &slack_down_url,
            "slack-canary-5b1e",
            SLACK_ECHO_TOKEN,
            SLACK_DOWN_TOKEN,
            webhook::SECRET,
            ECHOED_WEBHOOK_SECRET,
            email::PASSWORD,
            WRONG_SMTP_PASSWORD,
        ];
        (channels, canaries.map(str::to_owned).to_vec())
    }

    /// Every text that leaves the channels, with where it was seen.
    fn everything_seen(
        &self,
        channels: &[Channel],
        deliveries: &[Delivery],
    ) -> Vec<(&'static str, String)> {
        let mut seen = vec![
            ("the channels' Debug output", format!("{channels:?}")),
            ("the deliveries' Debug output", format!("{deliveries:?}")),
        ];
        for delivery in deliveries {
            seen.push(("a delivery's target", delivery.target.clone()));
            if let Some(error) = delivery.error() {
                seen.push(("a delivery's error", error.to_owned()));
            }
        }
        for fake in [&self.twilio, &self.slack, &self.echo, &self.receiver] {
            for request in fake.requests() {
                let body = String::from_utf8_lossy(&request.body).into_owned();
                seen.push(("a request body", body));
            }
        }
        for message in self.smtp.messages() {
            seen.push(("an email", message.to_string()));
        }
        seen
    }
}

#[test]
fn no_canary_appears_in_deliveries_debug_output_or_bodies() {
    let services = Services::start();
    let (channels, canaries) = services.channels();

    let deliveries = send_all(&failed(), &channels);

    let sent: Vec<(ChannelKind, bool)> = deliveries
        .iter()
        .map(|delivery| (delivery.channel, delivery.is_sent()))
        .collect();
    assert_eq!(
        sent,
        [
            (ChannelKind::Sms, true),
            (ChannelKind::Sms, false),
            (ChannelKind::Slack, true),
            (ChannelKind::Slack, false),
            (ChannelKind::Slack, false),
            (ChannelKind::Webhook, true),
            (ChannelKind::Webhook, false),
            (ChannelKind::Email, true),
            (ChannelKind::Email, false),
        ],
        "{deliveries:#?}"
    );
    // The echo did carry the webhook's path back; the message shows it redacted.
    let echoed = deliveries[3].error().expect("the echo's error");
    assert!(
        echoed
            .starts_with("Slack answered in an unexpected way (HTTP 400): bad request <redacted>"),
        "{echoed}"
    );
    for (place, text) in services.everything_seen(&channels, &deliveries) {
        for canary in &canaries {
            assert!(
                !text.contains(canary),
                "{canary:?} appears in {place}: {text}"
            );
        }
    }
}
