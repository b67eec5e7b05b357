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

use std::time::Duration;

use slipway_notify::{Finish, Kind, Outcome};

/// A successful deploy of `shop`.
pub fn deployed() -> Outcome {
    Outcome {
        kind: Kind::Deploy,
        app: "shop".into(),
        duration: Duration::from_millis(42_400),
        finish: Finish::Succeeded {
            release: "20261126-141230".into(),
            commit: "a1b2c3d".into(),
            url: "https://shop.example.com".into(),
        },
    }
}

/// A deploy of `shop` that failed at the health check.
pub fn failed() -> Outcome {
    Outcome {
        kind: Kind::Deploy,
        app: "shop".into(),
        duration: Duration::from_secs(63),
        finish: Finish::Failed {
            step: "Health check".into(),
            hint: "The app did not answer on /health within 30 s.\nLast log lines: ...".into(),
        },
    }
}

/// The User-Agent every HTTP request must carry.
pub const USER_AGENT: &str = concat!("slipway/", env!("CARGO_PKG_VERSION"));
