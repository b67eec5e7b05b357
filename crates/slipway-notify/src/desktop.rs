//! Desktop notifications through the freedesktop notification service (notify-rust over
//! zbus, no libdbus).
//!
//! Showing a notification is one D-Bus call, made on a thread of its own and given up
//! on after the timeout, so a hung notification daemon cannot hold up a deploy. Waiting
//! for the "Open site" button is left to that thread, which calls [`Desktop::on_open`]'s
//! handler when the user clicks it.

use std::fmt;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use notify_rust::{Notification, Urgency};

use crate::compose::{DesktopText, OPEN_ACTION};
use crate::error::NotifyError;

/// The name the notification is shown under.
pub const APP_NAME: &str = "Slipway";
/// The label of the button that opens the site.
pub const OPEN_LABEL: &str = "Open site";

/// Called with the site's URL when the user clicks "Open site".
pub type OpenHandler = Arc<dyn Fn(&str) + Send + Sync>;

/// Notifications on this computer's desktop.
#[derive(Clone, Default)]
pub struct Desktop {
    on_open: Option<OpenHandler>,
}

impl Desktop {
    /// Desktop notifications whose "Open site" button does nothing in this process (the
    /// notification daemon still shows it).
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `handler` with the site's URL when the user clicks "Open site". The wait
    /// happens on the thread that showed the notification, until the button is clicked or
    /// the notification is closed.
    #[must_use]
    pub fn on_open(mut self, handler: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_open = Some(Arc::new(handler));
        self
    }
}

impl fmt::Debug for Desktop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Desktop")
            .field("on_open", &self.on_open.as_ref().map(|_| "<handler>"))
            .finish()
    }
}

/// The notify-rust notification for `text`.
fn notification(text: &DesktopText) -> Notification {
    let mut notification = Notification::new();
    notification
        .appname(APP_NAME)
        .summary(&text.summary)
        .body(&text.body)
        .urgency(if text.critical {
            Urgency::Critical
        } else {
            Urgency::Normal
        });
    if text.open_url.is_some() {
        notification.action(OPEN_ACTION, OPEN_LABEL);
    }
    notification
}

/// Shows `text`; returns once the notification service has answered, or after `timeout`.
pub(crate) fn send(
    desktop: &Desktop,
    text: DesktopText,
    timeout: Duration,
) -> Result<(), NotifyError> {
    let (shown, answer) = mpsc::channel();
    let on_open = desktop.on_open.clone();
    thread::Builder::new()
        .name("slipway-desktop-notification".to_owned())
        .spawn(move || {
            let handle = match notification(&text).show() {
                Ok(handle) => handle,
                Err(error) => {
                    let _ = shown.send(Err(classify(&error.to_string())));
                    return;
                }
            };
            let _ = shown.send(Ok(()));
            if let (Some(url), Some(on_open)) = (text.open_url, on_open) {
                handle.wait_for_action(|action| {
                    if action == OPEN_ACTION {
                        on_open(&url);
                    }
                });
            }
        })
        .map_err(|error| NotifyError::Internal(format!("could not start a thread: {error}")))?;
    match answer.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(NotifyError::Timeout {
            service: "the desktop notification service".to_owned(),
            secs: timeout.as_secs().max(1),
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(NotifyError::Internal(
            "the desktop notification stopped unexpectedly".to_owned(),
        )),
    }
}

/// Sorts a D-Bus failure into "no service", "no bus" and the rest. notify-rust reports
/// zbus errors only as text, so the D-Bus error names are matched there.
fn classify(detail: &str) -> NotifyError {
    const NO_SERVICE: [&str; 3] = [
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "was not provided by any .service files",
    ];
    if NO_SERVICE.iter().any(|name| detail.contains(name)) {
        NotifyError::NoNotificationService
    } else if detail.contains("org.freedesktop.") {
        NotifyError::Desktop {
            detail: detail.to_owned(),
        }
    } else {
        NotifyError::NoSessionBus {
            detail: detail.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbus_errors_are_sorted_by_cause() {
        assert!(matches!(
            classify(
                "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.Notifications \
                 was not provided by any .service files"
            ),
            NotifyError::NoNotificationService
        ));
        assert!(matches!(
            classify("I/O error: No such file or directory (os error 2)"),
            NotifyError::NoSessionBus { .. }
        ));
        assert!(matches!(
            classify("org.freedesktop.DBus.Error.AccessDenied: nope"),
            NotifyError::Desktop { .. }
        ));
    }

    #[test]
    fn a_success_gets_an_open_action_and_a_failure_is_critical() {
        let text = DesktopText {
            summary: "shop is live".into(),
            body: "Release 1 (abc) deployed in 4.2 s.".into(),
            open_url: Some("https://shop.example.com".into()),
            critical: false,
        };
        let shown = notification(&text);
        assert_eq!(shown.appname, "Slipway");
        assert_eq!(shown.actions, ["open", "Open site"]);
        let failed = notification(&DesktopText {
            open_url: None,
            critical: true,
            ..text
        });
        assert!(failed.actions.is_empty());
    }
}
