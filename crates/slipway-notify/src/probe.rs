//! What the tests of Slipway's notifications run against: the outcomes they send, and
//! (with the `probe` feature) a desktop notification server that shows nothing and
//! records every notification it is asked to show.
//!
//! `slipway-notify-probe` serves it on a private session bus to check the desktop
//! channel; the end-to-end tests of the desktop app serve it in their desktop session to
//! see what the app told the user.

#[cfg(feature = "probe")]
mod server;

use std::time::Duration;

#[cfg(feature = "probe")]
pub use server::{BUS_NAME, Notice, NotificationRecorder, OBJECT_PATH, SERVER_NAME};

use crate::{Finish, Kind, Outcome};

/// A successful deploy of `shop`: release `20261126-141230`, commit `a1b2c3d`, live at
/// `https://shop.example.com` after 42.4 s.
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

/// A deploy of `shop` that failed at the health check after 63 s, with a two-line hint.
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
