//! Tells the user when a deploy, rollback or certificate check finishes: on the desktop,
//! by SMS (Twilio), in Slack, by email (SMTP) or to any URL as JSON.
//!
//! An [`Outcome`] says what ran, for which app, how long it took, and how it ended: the
//! release, commit and site address, or the failed step and the first line of its hint.
//! Each [`Channel`] pairs an [`Endpoint`] (where to send, with its credentials) with a
//! [`When`] (successes, failures or both). [`send_all`] sends to every channel at once,
//! each on its own thread with a short timeout, and returns one [`Delivery`] per
//! channel: sent, skipped or failed with a message. One channel failing never stops the
//! others. [`send_test`] sends the wizard's "Slipway test: notifications for shop reach
//! you here".
//!
//! The API is blocking and starts no async runtime in the caller; call it from a thread
//! that may block. Every credential travels as a [`Secret`](slipway_secrets::Secret):
//! messages name hosts and codes, never URLs that carry tokens, and each failure message
//! is scrubbed of the channel's secrets before it is returned.
//!
//! # What each channel sends
//! - **Desktop**: summary "shop is live" or "shop: deploy failed"; the body names the
//!   release, commit and time, or the failed step and the hint's first line. A success
//!   has an "Open site" action (key [`OPEN_ACTION`]); a failure has critical urgency. The
//!   app name is "Slipway". [`Desktop::on_open`] receives the URL when it is clicked.
//! - **SMS**: one line, shortened to one segment (160 GSM characters, or 70 otherwise)
//!   by cutting the hint.
//! - **Slack**: the same in Slack's `mrkdwn`, with the site as a link.
//! - **Email**: the headline as subject; a plain-text body listing the facts.
//! - **Webhook**: `POST` of this JSON object (`null` where a field does not apply):
//!
//!   ```json
//!   {"event": "deploy", "app": "shop", "ok": true,
//!    "release": "20261126-141230", "commit": "a1b2c3d", "duration_secs": 42.4,
//!    "url": "https://shop.example.com", "failed_step": null,
//!    "message": "shop is live. Release 20261126-141230 (a1b2c3d) deployed in 42 s. https://shop.example.com"}
//!   ```
//!
//!   `event` is `deploy`, `rollback`, `certificate_check` or `test` (also sent as the
//!   `X-Slipway-Event` header); on failure `ok` is false, `failed_step` names the step
//!   and `message` carries the hint. With a secret, `X-Slipway-Signature:
//!   sha256=<hex>` is the HMAC-SHA256 of the raw body keyed with it (see [`signature`]).
//!
//! Every HTTP request carries `User-Agent: slipway/<version>` ([`USER_AGENT`]).
//!
//! # Layout
//! - [`outcome`]: [`Outcome`], [`Kind`], [`Finish`].
//! - [`channel`]: [`Channel`], [`Endpoint`], [`When`], [`Delivery`], [`Notifier`],
//!   [`send_all`], [`send_test`].
//! - `compose`: the words for each channel, pure.
//! - `gsm`: SMS segment length.
//! - [`desktop`], [`twilio`], [`slack`], [`email`], [`webhook`]: one module per channel.
//! - `http`: the HTTP client every HTTP channel shares.
//! - [`error`]: [`NotifyError`], why a channel failed.
//! - `probe`: sample outcomes and a recording notification server, for tests, behind the
//!   `probe` cargo feature.

pub mod channel;
pub mod desktop;
pub mod email;
pub mod error;
pub mod outcome;
#[cfg(any(test, feature = "probe"))]
pub mod probe;
pub mod slack;
pub mod twilio;
pub mod webhook;

mod compose;
mod gsm;
mod http;

pub use channel::{
    Channel, ChannelKind, DEFAULT_TIMEOUT, Delivery, DeliveryStatus, Endpoint, Notifier, When,
    send_all, send_test,
};
pub use compose::OPEN_ACTION;
pub use desktop::{Desktop, OpenHandler};
pub use email::{SmtpEmail, SmtpLogin, SmtpSecurity};
pub use error::NotifyError;
pub use http::USER_AGENT;
pub use outcome::{Finish, Kind, Outcome};
pub use slack::SlackWebhook;
pub use twilio::{TWILIO_BASE_URL, TwilioSms};
pub use webhook::{JsonWebhook, signature};
