//! Channels, when each one speaks, and sending to all of them at once.

use std::fmt;
use std::thread;
use std::time::Duration;

use crate::compose;
use crate::desktop::{self, Desktop};
use crate::email::{self, SmtpEmail};
use crate::error::NotifyError;
use crate::http::Http;
use crate::outcome::{Notice, Outcome};
use crate::slack::{self, SlackWebhook};
use crate::twilio::{self, TwilioSms};
use crate::webhook::{self, JsonWebhook};

/// How long any one channel may take before it is reported as failed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which outcomes a channel reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum When {
    /// Only successes.
    Success,
    /// Only failures.
    Failure,
    /// Both.
    Always,
}

impl When {
    /// Whether a channel with this setting reports `outcome`.
    pub fn covers(self, outcome: &Outcome) -> bool {
        match self {
            When::Success => outcome.succeeded(),
            When::Failure => !outcome.succeeded(),
            When::Always => true,
        }
    }
}

/// Where a channel sends, with its settings and credentials.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// A notification on this computer's desktop.
    Desktop(Desktop),
    /// A text message through Twilio.
    Sms(TwilioSms),
    /// A message in a Slack channel, through an incoming webhook.
    Slack(SlackWebhook),
    /// An email through an SMTP server.
    Email(SmtpEmail),
    /// A JSON object sent by `POST` to a URL.
    Webhook(JsonWebhook),
}

impl Endpoint {
    /// The kind of channel.
    pub fn kind(&self) -> ChannelKind {
        match self {
            Endpoint::Desktop(_) => ChannelKind::Desktop,
            Endpoint::Sms(_) => ChannelKind::Sms,
            Endpoint::Slack(_) => ChannelKind::Slack,
            Endpoint::Email(_) => ChannelKind::Email,
            Endpoint::Webhook(_) => ChannelKind::Webhook,
        }
    }

    /// Where it goes, for people, with no secret in it: "SMS to +14155550100", "email
    /// to ops@example.com", "webhook at <https://hooks.example.com>".
    pub fn target(&self) -> String {
        match self {
            Endpoint::Desktop(_) => "this computer's desktop".to_owned(),
            Endpoint::Sms(sms) => format!("SMS to {}", sms.to),
            Endpoint::Slack(_) => "Slack".to_owned(),
            Endpoint::Email(email) => format!("email to {}", email.to),
            Endpoint::Webhook(hook) => format!("webhook at {}", hook.target()),
        }
    }

    /// The values that must never appear in a message.
    fn secrets(&self) -> Vec<&str> {
        match self {
            Endpoint::Desktop(_) => Vec::new(),
            Endpoint::Sms(sms) => vec![sms.auth_token.expose().as_str()],
            Endpoint::Slack(slack) => slack.secrets(),
            Endpoint::Email(email) => email.secrets(),
            Endpoint::Webhook(hook) => hook
                .secret
                .iter()
                .map(|secret| secret.expose().as_str())
                .collect(),
        }
    }

    /// Sends `notice` and waits for the answer, at most `timeout` (per request).
    fn send(&self, notice: Notice<'_>, timeout: Duration) -> Result<(), NotifyError> {
        match self {
            Endpoint::Desktop(desktop) => desktop::send(desktop, compose::desktop(notice), timeout),
            Endpoint::Sms(sms) => twilio::send(&Http::new(timeout)?, sms, &compose::sms(notice)),
            Endpoint::Slack(slack) => {
                slack::send(&Http::new(timeout)?, slack, &compose::slack(notice))
            }
            Endpoint::Email(email) => email::send(email, &compose::email(notice), timeout),
            Endpoint::Webhook(hook) => {
                webhook::send(&Http::new(timeout)?, hook, &compose::webhook(notice))
            }
        }
    }
}

/// A configured channel: where it sends, and for which outcomes.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Which outcomes it reports.
    pub when: When,
    /// Where it sends.
    pub endpoint: Endpoint,
}

impl Channel {
    /// A channel reporting the outcomes `when` covers to `endpoint`.
    pub fn new(when: When, endpoint: Endpoint) -> Self {
        Self { when, endpoint }
    }
}

/// The kinds of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// Desktop notification.
    Desktop,
    /// SMS through Twilio.
    Sms,
    /// Slack incoming webhook.
    Slack,
    /// Email through SMTP.
    Email,
    /// Generic JSON webhook.
    Webhook,
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChannelKind::Desktop => "desktop",
            ChannelKind::Sms => "SMS",
            ChannelKind::Slack => "Slack",
            ChannelKind::Email => "email",
            ChannelKind::Webhook => "webhook",
        })
    }
}

/// What happened on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// The service accepted the message. (For SMS, Twilio has queued it: the phone
    /// network delivers it later.)
    Sent,
    /// The channel's [`When`] does not cover this outcome.
    Skipped,
    /// It did not go out.
    Failed {
        /// Why, for people. Never contains the channel's secrets.
        message: String,
    },
}

/// The result of one channel, in the order the channels were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The kind of channel.
    pub channel: ChannelKind,
    /// Where it went, e.g. "SMS to +14155550100" (see [`Endpoint::target`]).
    pub target: String,
    /// Sent, skipped or failed.
    pub status: DeliveryStatus,
}

impl Delivery {
    /// Whether the message went out.
    pub fn is_sent(&self) -> bool {
        self.status == DeliveryStatus::Sent
    }

    /// Why it failed, if it did.
    pub fn error(&self) -> Option<&str> {
        match &self.status {
            DeliveryStatus::Failed { message } => Some(message),
            _ => None,
        }
    }
}

/// Sends to channels, each with a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notifier {
    /// How long each request may take. [`DEFAULT_TIMEOUT`] unless changed.
    pub timeout: Duration,
}

impl Default for Notifier {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl Notifier {
    /// A notifier giving each request at most `timeout`.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self { timeout }
    }

    /// Reports `outcome` on every channel whose [`When`] covers it, all at once, and
    /// returns one [`Delivery`] per channel in the order given.
    ///
    /// Blocks until every channel has answered or timed out; call it from a thread that
    /// may block (not from inside an async task). A failing channel does not stop the
    /// others, and nothing here panics on a channel's behalf.
    pub fn send_all(&self, outcome: &Outcome, channels: &[Channel]) -> Vec<Delivery> {
        let notice = Notice::Outcome(outcome);
        let due: Vec<bool> = channels.iter().map(|c| c.when.covers(outcome)).collect();
        thread::scope(|scope| {
            let sending: Vec<_> = channels
                .iter()
                .zip(&due)
                .map(|(channel, &due)| {
                    due.then(|| {
                        thread::Builder::new()
                            .name(format!("slipway-notify-{}", channel.endpoint.kind()))
                            .spawn_scoped(scope, move || {
                                channel.endpoint.send(notice, self.timeout)
                            })
                    })
                })
                .collect();
            channels
                .iter()
                .zip(sending)
                .map(|(channel, sending)| {
                    let status = match sending {
                        None => DeliveryStatus::Skipped,
                        Some(thread) => settle(&channel.endpoint, join(thread)),
                    };
                    delivery(&channel.endpoint, status)
                })
                .collect()
        })
    }

    /// Sends the wizard's test message, "Slipway test: notifications for `app` reach you
    /// here", on `channel`, whatever its [`When`].
    pub fn send_test(&self, app: &str, channel: &Channel) -> Delivery {
        let endpoint = &channel.endpoint;
        let notice = Notice::Test { app };
        let result = thread::scope(|scope| {
            join(
                thread::Builder::new()
                    .name(format!("slipway-notify-{}", endpoint.kind()))
                    .spawn_scoped(scope, || endpoint.send(notice, self.timeout)),
            )
        });
        delivery(endpoint, settle(endpoint, result))
    }
}

/// [`Notifier::send_all`] with the default timeout.
pub fn send_all(outcome: &Outcome, channels: &[Channel]) -> Vec<Delivery> {
    Notifier::default().send_all(outcome, channels)
}

/// [`Notifier::send_test`] with the default timeout.
pub fn send_test(app: &str, channel: &Channel) -> Delivery {
    Notifier::default().send_test(app, channel)
}

/// Waits for a sending thread; a thread that could not start is a failure to send.
fn join(
    spawned: std::io::Result<thread::ScopedJoinHandle<'_, Result<(), NotifyError>>>,
) -> thread::Result<Result<(), NotifyError>> {
    match spawned {
        Ok(thread) => thread.join(),
        Err(error) => Ok(Err(NotifyError::Internal(format!(
            "could not start sending: {error}"
        )))),
    }
}

/// A sending thread's result as a status, with the endpoint's secrets scrubbed from any
/// message.
fn settle(endpoint: &Endpoint, joined: thread::Result<Result<(), NotifyError>>) -> DeliveryStatus {
    let message = match joined {
        Ok(Ok(())) => return DeliveryStatus::Sent,
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!(
            "sending by {} stopped unexpectedly; please report this as a bug",
            endpoint.kind()
        ),
    };
    DeliveryStatus::Failed {
        message: scrub(message, &endpoint.secrets()),
    }
}

/// The delivery report of `endpoint`.
fn delivery(endpoint: &Endpoint, status: DeliveryStatus) -> Delivery {
    Delivery {
        channel: endpoint.kind(),
        target: scrub(endpoint.target(), &endpoint.secrets()),
        status,
    }
}

/// `text` with every occurrence of each secret replaced by `<redacted>`: the last line
/// of defence, should a library or a service ever echo a credential back.
fn scrub(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "<redacted>");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Finish, Kind};

    fn outcome(ok: bool) -> Outcome {
        Outcome {
            kind: Kind::Deploy,
            app: "shop".into(),
            duration: Duration::from_secs(3),
            finish: if ok {
                Finish::Succeeded {
                    release: "r1".into(),
                    commit: "abc1234".into(),
                    url: "http://192.0.2.1".into(),
                }
            } else {
                Finish::Failed {
                    step: "Health check".into(),
                    hint: "no answer".into(),
                }
            },
        }
    }

    #[test]
    fn when_selects_outcomes() {
        let (ok, failed) = (outcome(true), outcome(false));
        assert!(When::Success.covers(&ok) && !When::Success.covers(&failed));
        assert!(!When::Failure.covers(&ok) && When::Failure.covers(&failed));
        assert!(When::Always.covers(&ok) && When::Always.covers(&failed));
    }

    #[test]
    fn secrets_are_scrubbed_wherever_they_appear() {
        assert_eq!(
            scrub("token t0k3n and again t0k3n".into(), &["t0k3n", ""]),
            "token <redacted> and again <redacted>"
        );
    }

    #[test]
    fn skipped_channels_keep_their_place_and_send_nothing() {
        let channels = [
            Channel::new(
                When::Failure,
                Endpoint::Webhook(JsonWebhook::new("http://127.0.0.1:9/never", None)),
            ),
            Channel::new(
                When::Failure,
                Endpoint::Slack(SlackWebhook::new(
                    "https://hooks.slack.com/x".to_owned().into(),
                )),
            ),
        ];
        let deliveries = send_all(&outcome(true), &channels);
        assert_eq!(
            deliveries,
            [
                Delivery {
                    channel: ChannelKind::Webhook,
                    target: "webhook at http://127.0.0.1:9".into(),
                    status: DeliveryStatus::Skipped,
                },
                Delivery {
                    channel: ChannelKind::Slack,
                    target: "Slack".into(),
                    status: DeliveryStatus::Skipped,
                },
            ]
        );
    }
}
