//! slipway-notify against real parts: a notification server on a private D-Bus session
//! bus, local fakes that follow Twilio's, Slack's and a webhook receiver's contracts, and
//! a real SMTP server (aiosmtpd) on loopback.

mod canary;
mod desktop;
mod email;
mod fake_http;
mod slack;
mod smtp_server;
mod twilio;
mod webhook;

/// A successful deploy of `shop`, and one that failed at the health check.
pub use slipway_notify::probe::{deployed, failed};

/// The User-Agent every HTTP request must carry.
pub const USER_AGENT: &str = concat!("slipway/", env!("CARGO_PKG_VERSION"));
