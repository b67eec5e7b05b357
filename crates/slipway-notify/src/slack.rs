//! Messages to a Slack channel through an incoming webhook.
//!
//! `POST <webhook URL>` with JSON `{"text": …}`. Success is HTTP 200 with the plain-text
//! body `ok`; errors are an HTTP status and a plain-text code such as
//! `channel_is_archived`. The URL is the credential: it never appears in an error.

use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use slipway_secrets::Secret;

use crate::error::{NotifyError, excerpt};
use crate::http::Http;

/// Posts to the Slack channel an incoming webhook belongs to.
#[derive(Debug, Clone)]
pub struct SlackWebhook {
    /// `https://hooks.slack.com/services/T…/B…/…`: whoever has it can post.
    pub webhook_url: Secret<String>,
}

impl SlackWebhook {
    /// Posts through the webhook at `webhook_url`.
    pub fn new(webhook_url: Secret<String>) -> Self {
        Self { webhook_url }
    }

    /// The URL, its path and the path's last segment (the token): each is scrubbed from
    /// messages.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        let url = self.webhook_url.expose().as_str();
        let mut secrets = vec![url];
        let path = url.find("://").and_then(|scheme| {
            url[scheme + 3..]
                .find('/')
                .map(|host| &url[scheme + 3 + host..])
        });
        if let Some(path) = path.filter(|path| path.len() > 1) {
            secrets.push(path);
            if let Some(token) = path.rsplit('/').next().filter(|token| token.len() >= 16) {
                secrets.push(token);
            }
        }
        secrets
    }
}

/// What to do about each error code Slack documents for incoming webhooks.
fn advice(code: &str) -> &'static str {
    match code {
        "invalid_payload" | "no_text" | "missing_text_or_fallback_or_attachments" => {
            "Slack could not read the message Slipway sent; please report this as a bug"
        }
        "invalid_blocks" => "Slack refused the message's layout; please report this as a bug",
        "user_not_found" => {
            "the person this webhook posts to no longer exists; create a new incoming webhook \
             in Slack and paste its URL"
        }
        "channel_not_found" => {
            "the webhook's channel no longer exists; create a new incoming webhook for an \
             existing channel and paste its URL"
        }
        "channel_is_archived" => {
            "the webhook's channel is archived; unarchive it in Slack, or create a webhook for \
             another channel and paste its URL"
        }
        "no_service" | "no_team" | "invalid_token" => {
            "Slack no longer knows this webhook (it was removed, or its app uninstalled); \
             create a new incoming webhook in Slack and paste its URL"
        }
        "action_prohibited" => {
            "a Slack admin has restricted what this webhook may post; ask them, or use \
             another channel"
        }
        "posting_to_general_channel_denied" => {
            "only admins may post in this workspace's general channel; create a webhook for \
             another channel and paste its URL"
        }
        "rollup_error" => "Slack had an internal error; try again in a few minutes",
        _ => "check that the webhook URL is the one Slack showed when the webhook was created",
    }
}

/// Posts `text`.
pub(crate) fn send(http: &Http, slack: &SlackWebhook, text: &str) -> Result<(), NotifyError> {
    let url = Url::parse(slack.webhook_url.expose()).map_err(|error| NotifyError::InvalidUrl {
        field: "Slack webhook URL",
        detail: error.to_string(),
        source_hint: "the Incoming Webhooks page of your Slack app",
    })?;
    let body = serde_json::json!({ "text": text }).to_string();
    let request = http
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(body);
    let reply = http.send("Slack", request)?;
    let code = reply.body.trim();
    match reply.status {
        200 if code == "ok" => Ok(()),
        429 => Err(NotifyError::Slack {
            status: 429,
            code: "rate_limited".to_owned(),
            advice: "Slack accepts about one message per second from a webhook; try again in a \
                     moment",
        }),
        400..600 if is_error_code(code) => Err(NotifyError::Slack {
            status: reply.status,
            code: code.to_owned(),
            advice: advice(code),
        }),
        status => Err(NotifyError::Unexpected {
            service: "Slack".to_owned(),
            status,
            excerpt: excerpt(&reply.body),
        }),
    }
}

/// Whether a body looks like one of Slack's error codes (`channel_is_archived`), rather
/// than a page from something in between.
fn is_error_code(body: &str) -> bool {
    !body.is_empty()
        && body.len() <= 64
        && body
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_and_its_token_path_are_secrets() {
        let slack = SlackWebhook::new(Secret::new(
            "https://hooks.slack.com/services/T0/B0/abcdef".into(),
        ));
        assert_eq!(
            slack.secrets(),
            [
                "https://hooks.slack.com/services/T0/B0/abcdef",
                "/services/T0/B0/abcdef"
            ]
        );
        let slack = SlackWebhook::new(Secret::new(
            "https://hooks.slack.com/services/T0/B0/0123456789abcdef".into(),
        ));
        assert_eq!(
            slack.secrets(),
            [
                "https://hooks.slack.com/services/T0/B0/0123456789abcdef",
                "/services/T0/B0/0123456789abcdef",
                "0123456789abcdef"
            ]
        );
        let slack = SlackWebhook::new(Secret::new("not a url".into()));
        assert_eq!(slack.secrets(), ["not a url"]);
    }

    #[test]
    fn only_short_lowercase_words_count_as_slack_error_codes() {
        assert!(is_error_code("channel_is_archived"));
        assert!(!is_error_code("<html>Bad gateway</html>"));
        assert!(!is_error_code(""));
    }
}
