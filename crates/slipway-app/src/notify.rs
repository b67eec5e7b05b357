//! Telling the user how a run ended: the spec's `[notify]` channels with their
//! credentials from the secret store, and the outcome of a run in the notifier's terms.
//!
//! A channel whose credential is missing is not an error for the run: it becomes a
//! failed delivery that says which secret to set, like any channel that could not send.

use std::time::Duration;

use slipway_notify::{
    Channel, ChannelKind, Delivery, DeliveryStatus, Desktop, Endpoint, Finish, JsonWebhook, Kind,
    Notifier, Outcome, SlackWebhook, SmtpEmail, SmtpLogin, SmtpSecurity, TWILIO_BASE_URL,
    TwilioSms, When as NotifyWhen,
};
use slipway_secrets::{Secret, SecretKey, SecretStore};
use slipway_spec::notify::Security;
use slipway_spec::{Spec, When};

/// Where the services are, for people who run their own (and for tests).
#[derive(Debug, Clone)]
pub struct Services {
    /// Twilio's API (`https://api.twilio.com`).
    pub twilio: String,
}

impl Default for Services {
    fn default() -> Self {
        Self {
            twilio: TWILIO_BASE_URL.to_owned(),
        }
    }
}

impl Services {
    /// The defaults, with `SLIPWAY_TWILIO_URL` over Twilio's address.
    pub fn from_env() -> Self {
        let mut services = Self::default();
        if let Ok(url) = std::env::var("SLIPWAY_TWILIO_URL") {
            services.twilio = url;
        }
        services
    }
}

/// The spec's channels, ready to send; and, for each configured channel that cannot
/// send (its secret is missing), the failed delivery to report instead.
pub struct Channels {
    /// Channels that can send.
    pub ready: Vec<Channel>,
    /// Channels that cannot, as failed deliveries that say why.
    pub unavailable: Vec<Delivery>,
}

/// What a test message did on one channel, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct TestDelivery {
    /// The kind of channel: `desktop`, `SMS`, `Slack`, `email`, `webhook`.
    pub channel: String,
    /// Where it went.
    pub target: String,
    /// Why it did not go, when it did not.
    pub error: Option<String>,
}

/// Sends a test message on every channel `spec` configures (the channels' own
/// settings decide nothing here: a test always goes). A channel that cannot send says
/// why; nothing here fails.
pub fn send_tests(spec: &Spec, store: &dyn SecretStore, services: &Services) -> Vec<Delivery> {
    let channels = channels(spec, store, services, Desktop::new());
    let notifier = Notifier::default();
    let mut deliveries: Vec<Delivery> = channels
        .ready
        .iter()
        .map(|channel| notifier.send_test(&spec.app.name, channel))
        .collect();
    deliveries.extend(channels.unavailable);
    deliveries
}

impl From<&Delivery> for TestDelivery {
    fn from(delivery: &Delivery) -> Self {
        Self {
            channel: delivery.channel.to_string(),
            target: delivery.target.clone(),
            error: delivery.error().map(str::to_owned),
        }
    }
}

fn when(value: When) -> Option<NotifyWhen> {
    match value {
        When::Always => Some(NotifyWhen::Always),
        When::Failure => Some(NotifyWhen::Failure),
        When::Success => Some(NotifyWhen::Success),
        When::Never => None,
    }
}

fn parse_when(value: &str) -> Option<NotifyWhen> {
    when(value.parse().unwrap_or(When::Always))
}

/// The secret `name` of the spec's project: `Ok(None)` when it is not set.
fn secret(store: &dyn SecretStore, spec: &Spec, name: &str) -> Result<Option<Secret>, String> {
    let key = SecretKey::new(spec.app.name.clone(), name).map_err(|e| e.to_string())?;
    store.get(&key).map_err(|e| e.to_string())
}

/// A failed delivery for a channel that could not be set up.
fn unavailable(channel: ChannelKind, target: String, message: String) -> Delivery {
    Delivery {
        channel,
        target,
        status: DeliveryStatus::Failed { message },
    }
}

/// What to say when the secret `name` is not set.
fn missing(spec: &Spec, name: &str) -> String {
    format!(
        "not sent: no secret {}/{name}; set it with `slipway secret set {name}`",
        spec.app.name
    )
}

/// The spec's channels, with their secrets from `store`; `desktop` is how this front end
/// shows desktop notifications (the desktop app adds an "Open site" handler).
pub fn channels(
    spec: &Spec,
    store: &dyn SecretStore,
    services: &Services,
    desktop: Desktop,
) -> Channels {
    let mut channels = Channels {
        ready: Vec::new(),
        unavailable: Vec::new(),
    };
    if let Some(when) = when(spec.notify.desktop()) {
        channels
            .ready
            .push(Channel::new(when, Endpoint::Desktop(desktop)));
    }
    let configured = [
        email(spec, store),
        sms(spec, store, services),
        slack(spec, store),
        webhook(spec, store),
    ];
    for channel in configured.into_iter().flatten() {
        match channel {
            Ok(channel) => channels.ready.push(channel),
            Err(delivery) => channels.unavailable.push(delivery),
        }
    }
    channels
}

/// A configured channel, or why it cannot send; `None` when not configured (or never).
type Configured = Option<Result<Channel, Delivery>>;

/// The secret `name`, or the failed delivery that says how to set it.
fn needed(
    store: &dyn SecretStore,
    spec: &Spec,
    name: &str,
    kind: ChannelKind,
    target: &str,
) -> Result<Secret, Delivery> {
    match secret(store, spec, name) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(unavailable(kind, target.to_owned(), missing(spec, name))),
        Err(error) => Err(unavailable(
            kind,
            target.to_owned(),
            format!("not sent: {error}"),
        )),
    }
}

fn email(spec: &Spec, store: &dyn SecretStore) -> Configured {
    let email = spec.notify.email.as_ref()?;
    let when = parse_when(&email.when)?;
    let target = format!("email to {}", email.to);
    let login = if email.username.is_empty() {
        None
    } else {
        match needed(store, spec, "smtp-password", ChannelKind::Email, &target) {
            Ok(password) => Some(SmtpLogin {
                username: email.username.clone(),
                password,
            }),
            Err(delivery) => return Some(Err(delivery)),
        }
    };
    let (host, port) = email.host_port();
    let security = match email.security() {
        Security::StartTls => SmtpSecurity::StartTls,
        Security::Tls => SmtpSecurity::Tls,
        Security::None => SmtpSecurity::Plain,
    };
    Some(Ok(Channel::new(
        when,
        Endpoint::Email(SmtpEmail {
            host,
            port,
            security,
            login,
            from: email.from.clone(),
            to: email.to.clone(),
            trusted_certificate: None,
        }),
    )))
}

fn sms(spec: &Spec, store: &dyn SecretStore, services: &Services) -> Configured {
    let sms = spec.notify.sms.as_ref()?;
    let when = parse_when(&sms.when)?;
    let target = format!("SMS to {}", sms.to);
    Some(
        needed(store, spec, "twilio-token", ChannelKind::Sms, &target).map(|auth_token| {
            Channel::new(
                when,
                Endpoint::Sms(TwilioSms {
                    account_sid: sms.account.clone(),
                    auth_token,
                    from: sms.from.clone(),
                    to: sms.to.clone(),
                    base_url: services.twilio.clone(),
                }),
            )
        }),
    )
}

fn slack(spec: &Spec, store: &dyn SecretStore) -> Configured {
    let when = parse_when(&spec.notify.slack.as_ref()?.when)?;
    Some(
        needed(store, spec, "slack-webhook", ChannelKind::Slack, "Slack")
            .map(|webhook_url| Channel::new(when, Endpoint::Slack(SlackWebhook { webhook_url }))),
    )
}

fn webhook(spec: &Spec, store: &dyn SecretStore) -> Configured {
    let webhook = spec.notify.webhook.as_ref()?;
    let when = parse_when(&webhook.when)?;
    Some(match secret(store, spec, "webhook-secret") {
        Ok(signing) => Ok(Channel::new(
            when,
            Endpoint::Webhook(JsonWebhook {
                url: webhook.url.clone(),
                secret: signing,
            }),
        )),
        Err(error) => Err(unavailable(
            ChannelKind::Webhook,
            format!("webhook at {}", webhook.url),
            format!("not sent: {error}"),
        )),
    })
}

/// How a run ended, as the notifier reports it.
pub enum Ended<'a> {
    /// The release is live.
    Live {
        /// The release.
        release: &'a str,
        /// The commit, short.
        commit: &'a str,
    },
    /// The run failed at `step`, with what the user can do about it.
    Failed {
        /// The step that failed.
        step: &'a str,
        /// The first line of the error or hint.
        hint: &'a str,
    },
}

/// The site's address: `https://` the domain, or `http://` the server.
pub fn site_url(spec: &Spec) -> String {
    match (&spec.domain, &spec.server) {
        (Some(domain), _) => format!("https://{}", domain.name),
        (None, Some(server)) => format!("http://{}", server.host),
        (None, None) => String::new(),
    }
}

/// Reports a finished deploy or rollback on every channel that wants it, and says what
/// happened on each, including channels that could not send. Never fails the run.
pub fn report(
    spec: &Spec,
    channels: &Channels,
    kind: Kind,
    ended: &Ended<'_>,
    duration: Duration,
) -> Vec<Delivery> {
    let finish = match ended {
        Ended::Live { release, commit } => Finish::Succeeded {
            release: (*release).to_owned(),
            commit: (*commit).to_owned(),
            url: site_url(spec),
        },
        Ended::Failed { step, hint } => Finish::Failed {
            step: (*step).to_owned(),
            hint: hint.lines().next().unwrap_or_default().to_owned(),
        },
    };
    let outcome = Outcome {
        kind,
        app: spec.app.name.clone(),
        duration,
        finish,
    };
    let mut deliveries = Notifier::default().send_all(&outcome, &channels.ready);
    deliveries.extend(channels.unavailable.iter().cloned());
    deliveries
}
