//! Slack through a local fake of an incoming webhook that follows PROVIDERS.md §6.1:
//! JSON `{"text": …}` in, `200 ok` or an HTTP error with a plain-text code out.

use slipway_notify::{Channel, DeliveryStatus, Endpoint, SlackWebhook, When, send_all, send_test};
use slipway_secrets::Secret;

use crate::fake_http::{FakeHttp, Reply, Request};
use crate::{USER_AGENT, deployed, failed};

/// The path of a webhook that works; the last segment plays the token.
pub const WORKING: &str = "/services/T0CANARY/B0CANARY/slack-canary-5b1e";

/// Slack's answer to a request, by webhook path.
pub fn slack_reply(request: &Request) -> Reply {
    if request.method != "POST" {
        return Reply::text(404, "no_service");
    }
    match request.path.rsplit('/').next().unwrap_or_default() {
        "slack-canary-5b1e" => {
            if request.header("content-type") != Some("application/json") {
                return Reply::text(400, "invalid_payload");
            }
            let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&request.body) else {
                return Reply::text(400, "invalid_payload");
            };
            match payload.get("text").and_then(serde_json::Value::as_str) {
                Some(text) if !text.is_empty() => Reply::text(200, "ok"),
                _ => Reply::text(400, "no_text"),
            }
        }
        "archived" => Reply::text(410, "channel_is_archived"),
        "deleted-channel" => Reply::text(404, "channel_not_found"),
        "prohibited" => Reply::text(403, "action_prohibited"),
        "busy" => Reply::text(429, "rate_limited"),
        "broken" => Reply::text(500, "rollup_error"),
        _ => Reply::text(404, "no_service"),
    }
}

fn channel(fake: &FakeHttp, path: &str) -> Channel {
    Channel::new(
        When::Always,
        Endpoint::Slack(SlackWebhook::new(Secret::new(format!(
            "{}{path}",
            fake.url()
        )))),
    )
}

#[test]
fn a_slack_message_is_posted_as_json_text() {
    let slack = FakeHttp::start(slack_reply);

    let deliveries = send_all(&deployed(), &[channel(&slack, WORKING)]);

    assert_eq!(deliveries[0].status, DeliveryStatus::Sent, "{deliveries:?}");
    assert_eq!(deliveries[0].target, "Slack");
    let request = slack.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, WORKING);
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
    assert_eq!(
        request.json(),
        serde_json::json!({
            "text": ":white_check_mark: *shop is live*\nRelease 20261126-141230 (a1b2c3d) \
                     deployed in 42 s. <https://shop.example.com>"
        })
    );
}

#[test]
fn a_failure_and_a_test_reach_slack_too() {
    let slack = FakeHttp::start(slack_reply);
    let channel = channel(&slack, WORKING);

    assert!(send_all(&failed(), std::slice::from_ref(&channel))[0].is_sent());
    assert!(send_test("shop", &channel).is_sent());

    let texts: Vec<_> = slack
        .requests()
        .iter()
        .map(|request| request.json()["text"].as_str().expect("text").to_owned())
        .collect();
    assert_eq!(
        texts,
        [
            ":x: *shop: deploy failed*\n\"Health check\" failed after 1 min 3 s: The app did \
             not answer on /health within 30 s.",
            ":bell: Slipway test: notifications for shop reach you here",
        ]
    );
}

#[test]
fn slack_errors_say_what_to_do() {
    let slack = FakeHttp::start(slack_reply);
    let cases = [
        (
            "/services/T0/B0/archived",
            "Slack refused the message (HTTP 410, channel_is_archived): the webhook's channel is \
             archived; unarchive it in Slack, or create a webhook for another channel and paste \
             its URL",
        ),
        (
            "/services/T0/B0/revoked",
            "Slack refused the message (HTTP 404, no_service): Slack no longer knows this \
             webhook (it was removed, or its app uninstalled); create a new incoming webhook in \
             Slack and paste its URL",
        ),
        (
            "/services/T0/B0/deleted-channel",
            "Slack refused the message (HTTP 404, channel_not_found): the webhook's channel no \
             longer exists; create a new incoming webhook for an existing channel and paste its \
             URL",
        ),
        (
            "/services/T0/B0/prohibited",
            "Slack refused the message (HTTP 403, action_prohibited): a Slack admin has \
             restricted what this webhook may post; ask them, or use another channel",
        ),
        (
            "/services/T0/B0/busy",
            "Slack refused the message (HTTP 429, rate_limited): Slack accepts about one \
             message per second from a webhook; try again in a moment",
        ),
        (
            "/services/T0/B0/broken",
            "Slack refused the message (HTTP 500, rollup_error): Slack had an internal error; \
             try again in a few minutes",
        ),
    ];
    for (path, expected) in cases {
        let deliveries = send_all(&failed(), &[channel(&slack, path)]);
        assert_eq!(deliveries[0].error(), Some(expected), "{path}");
    }
    assert_eq!(slack.requests().len(), cases.len());
}

#[test]
fn an_invalid_slack_url_is_reported_without_showing_it() {
    let webhook = SlackWebhook::new(Secret::new("hooks.slack.com/services/T/B/no-scheme".into()));

    let deliveries = send_all(
        &deployed(),
        &[Channel::new(When::Always, Endpoint::Slack(webhook))],
    );

    assert_eq!(
        deliveries[0].error(),
        Some(
            "the Slack webhook URL is not a valid URL (relative URL without a base); copy it \
             again from the Incoming Webhooks page of your Slack app"
        )
    );
}
