//! Who hears about finished and failed deploys (`[notify]` in `slipway.toml`).
//!
//! The spec holds where messages go; the credentials (the SMTP password, Twilio's auth
//! token, the Slack webhook URL, a webhook's signing secret) live in the keychain under
//! the names [`SECRET_NAMES`] lists, never in this file.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::check::{self, quote};
use crate::problem::Problems;
use crate::spec::record;

/// The keychain names of the notification credentials, per project.
pub const SECRET_NAMES: [(&str, &str); 4] = [
    ("smtp-password", "the SMTP password for [notify.email]"),
    ("twilio-token", "Twilio's auth token for [notify.sms]"),
    (
        "slack-webhook",
        "the Slack incoming webhook URL for [notify.slack]",
    ),
    (
        "webhook-secret",
        "the signing secret for [notify.webhook] (optional)",
    ),
];

/// When a channel hears about a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum When {
    /// After every run.
    Always,
    /// Only when a run failed.
    Failure,
    /// Only when a run succeeded.
    Success,
    /// Never.
    Never,
}

impl When {
    /// The value written in `slipway.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Failure => "failure",
            Self::Success => "success",
            Self::Never => "never",
        }
    }

    /// Whether a run that ended `ok` is reported.
    pub fn includes(self, ok: bool) -> bool {
        match self {
            Self::Always => true,
            Self::Failure => !ok,
            Self::Success => ok,
            Self::Never => false,
        }
    }
}

impl FromStr for When {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        [Self::Always, Self::Failure, Self::Success, Self::Never]
            .into_iter()
            .find(|w| w.key() == value)
            .ok_or_else(|| {
                format!(
                    "{} is not a choice; write \"always\", \"failure\", \"success\" or \"never\"",
                    quote(value)
                )
            })
    }
}

/// Who hears about finished and failed deploys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NotifySpec {
    /// A desktop notification on this computer: `always` (the default), `failure`,
    /// `success` or `never`.
    #[serde(default = "always", skip_serializing_if = "is_always")]
    #[ts(type = "When")]
    pub desktop: String,
    /// E-mail over SMTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub email: Option<EmailNotify>,
    /// A text message through Twilio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub sms: Option<SmsNotify>,
    /// A message to a Slack channel through an incoming webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub slack: Option<SlackNotify>,
    /// A JSON POST to any URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub webhook: Option<WebhookNotify>,
}

impl Default for NotifySpec {
    fn default() -> Self {
        Self {
            desktop: always(),
            email: None,
            sms: None,
            slack: None,
            webhook: None,
        }
    }
}

/// E-mail over SMTP; the password is the keychain's `smtp-password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct EmailNotify {
    /// Who receives it.
    pub to: String,
    /// Who it is from.
    pub from: String,
    /// The SMTP server, `host:port` (587 for STARTTLS, 465 for TLS).
    pub server: String,
    /// The SMTP login; empty for a server that needs none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// `starttls` (the default), `tls`, or `none` (only for a server on this computer).
    #[serde(default = "starttls", skip_serializing_if = "is_starttls")]
    pub security: String,
    /// When it is sent: `failure` by default.
    #[serde(default = "failure", skip_serializing_if = "is_failure")]
    #[ts(type = "When")]
    pub when: String,
}

/// A text message through Twilio; the auth token is the keychain's `twilio-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SmsNotify {
    /// The phone number that receives it, in international form (`+14155550123`).
    pub to: String,
    /// The Twilio number it comes from.
    pub from: String,
    /// The Twilio Account SID (`AC…`).
    pub account: String,
    /// When it is sent: `failure` by default.
    #[serde(default = "failure", skip_serializing_if = "is_failure")]
    #[ts(type = "When")]
    pub when: String,
}

/// A Slack message; the webhook URL is the keychain's `slack-webhook`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SlackNotify {
    /// When it is sent: `always` by default.
    #[serde(default = "always", skip_serializing_if = "is_always")]
    #[ts(type = "When")]
    pub when: String,
}

/// A JSON POST; signed with the keychain's `webhook-secret` when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct WebhookNotify {
    /// Where to POST: `https://`, or `http://` to this computer.
    pub url: String,
    /// When it is sent: `always` by default.
    #[serde(default = "always", skip_serializing_if = "is_always")]
    #[ts(type = "When")]
    pub when: String,
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the start (port 465).
    Tls,
    /// None: only for a server on this computer.
    None,
}

impl EmailNotify {
    /// How the connection is secured, once [`crate::Spec::validate`] has passed.
    pub fn security(&self) -> Security {
        match self.security.as_str() {
            "tls" => Security::Tls,
            "none" => Security::None,
            _ => Security::StartTls,
        }
    }

    /// The server's host and port, once [`crate::Spec::validate`] has passed.
    pub fn host_port(&self) -> (String, u16) {
        match self.server.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), port.parse().unwrap_or(587)),
            None => (self.server.clone(), 587),
        }
    }
}

/// Whether `url`'s host is this computer.
fn is_local(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

impl NotifySpec {
    pub(crate) fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The desktop setting, once [`crate::Spec::validate`] has passed.
    pub fn desktop(&self) -> When {
        self.desktop.parse().unwrap_or(When::Always)
    }

    pub(crate) fn validate(&self, problems: &mut Problems) {
        let when = |problems: &mut Problems, field: &str, value: &str| {
            if let Err(message) = value.parse::<When>() {
                problems.push(field, message);
            }
        };
        when(problems, "notify.desktop", &self.desktop);
        if let Some(email) = &self.email {
            record(problems, "notify.email.to", check::email(&email.to));
            record(problems, "notify.email.from", check::email(&email.from));
            let (host, port) = email.server.rsplit_once(':').unwrap_or((&email.server, ""));
            if check::server_host(host).is_err() || port.parse::<u16>().map_or(true, |p| p == 0) {
                problems.push(
                    "notify.email.server",
                    format!(
                        "{} is not host:port; write the SMTP server such as smtp.example.com:587",
                        quote(&email.server)
                    ),
                );
            }
            match email.security.as_str() {
                "starttls" | "tls" => {}
                "none" if is_local(&email.server) => {}
                "none" => problems.push(
                    "notify.email.security",
                    "\"none\" sends the password in the clear; it is only for a server on this \
                     computer: use \"starttls\" or \"tls\"",
                ),
                other => problems.push(
                    "notify.email.security",
                    format!(
                        "{} is not a choice; write \"starttls\" or \"tls\"",
                        quote(other)
                    ),
                ),
            }
            when(problems, "notify.email.when", &email.when);
        }
        if let Some(sms) = &self.sms {
            record(problems, "notify.sms.to", check::phone(&sms.to));
            record(problems, "notify.sms.from", check::phone(&sms.from));
            let sid = sms.account.strip_prefix("AC").unwrap_or_default();
            if sid.len() != 32 || !sid.bytes().all(|b| b.is_ascii_hexdigit()) {
                problems.push(
                    "notify.sms.account",
                    format!(
                        "{} is not a Twilio Account SID; copy the one starting with AC from \
                         Twilio's console",
                        quote(&sms.account)
                    ),
                );
            }
            when(problems, "notify.sms.when", &sms.when);
        }
        if let Some(slack) = &self.slack {
            when(problems, "notify.slack.when", &slack.when);
        }
        if let Some(webhook) = &self.webhook {
            let url = &webhook.url;
            let secure = url.starts_with("https://") && url.len() > "https://".len();
            let local = url.starts_with("http://") && is_local(url);
            if !(secure || local) {
                problems.push(
                    "notify.webhook.url",
                    format!(
                        "{} is not an https:// URL; messages about your deploys must not \
                         cross the internet unencrypted",
                        quote(url)
                    ),
                );
            }
            when(problems, "notify.webhook.when", &webhook.when);
        }
    }
}

fn always() -> String {
    "always".into()
}
fn is_always(value: &str) -> bool {
    value == "always"
}
fn failure() -> String {
    "failure".into()
}
fn is_failure(value: &str) -> bool {
    value == "failure"
}
fn starttls() -> String {
    "starttls".into()
}
fn is_starttls(value: &str) -> bool {
    value == "starttls"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_channel_hears_about_the_runs_it_asks_for() {
        assert!(When::Always.includes(true) && When::Always.includes(false));
        assert!(When::Failure.includes(false) && !When::Failure.includes(true));
        assert!(When::Success.includes(true) && !When::Success.includes(false));
        assert!(!When::Never.includes(true) && !When::Never.includes(false));
        assert_eq!("failure".parse(), Ok(When::Failure));
        assert!("sometimes".parse::<When>().is_err());
    }

    #[test]
    fn only_a_local_smtp_server_may_go_without_encryption() {
        let mut email = EmailNotify {
            to: "ana@example.com".into(),
            from: "slipway@example.com".into(),
            server: "127.0.0.1:2525".into(),
            username: String::new(),
            security: "none".into(),
            when: "always".into(),
        };
        let spec = NotifySpec {
            email: Some(email.clone()),
            ..NotifySpec::default()
        };
        let mut problems = Problems::default();
        spec.validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(email.host_port(), ("127.0.0.1".to_owned(), 2525));
        assert_eq!(email.security(), Security::None);
        email.server = "smtp.example.com:587".into();
        let spec = NotifySpec {
            email: Some(email),
            ..NotifySpec::default()
        };
        let mut problems = Problems::default();
        spec.validate(&mut problems);
        assert_eq!(problems.0.len(), 1, "{problems:?}");
        assert_eq!(problems.0[0].field, "notify.email.security");
    }
}
