//! `slipway-notify-probe SCENARIO`: sends desktop notifications through the real
//! notify-rust path in one scenario, checking every result on the way.
//!
//! It exists for the integration tests of slipway-notify, which start it on a private D-Bus
//! session bus (or with none), so that the desktop channel is exercised for real without a
//! notification reaching the desktop of whoever runs them. It is built only with the
//! `probe` feature and is part of no package.
//!
//! Like every probe (see `slipway_secrets::probe`), it prints exactly one JSON line on stdout:
//! - `{"scenario":"notification-with-action","outcome":"passed"}`, exit status 0, when every
//!   check held;
//! - `{"scenario":"…","outcome":"failed","failure":"…","location":"…"}`, exit status 1,
//!   with the first check that did not.
//!
//! An unknown scenario prints the list of scenarios on stderr and exits with status 2.
//!
//! It refuses to run (and reports a failure) unless [`PRIVATE_BUS`] is set, so run by hand
//! it never shows a notification on a real desktop.

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use slipway_notify::probe::{Notice, NotificationRecorder, SERVER_NAME, deployed, failed};
use slipway_notify::{Channel, DeliveryStatus, Desktop, Endpoint, When, send_all, send_test};
use slipway_secrets::probe;

/// Set by the integration tests when the session bus is a private one, or when there is
/// none. Required.
const PRIVATE_BUS: &str = "SLIPWAY_NOTIFY_TEST_INSIDE_BUS";

/// Every scenario, by the name given on the command line.
const SCENARIOS: &[(&str, fn())] = &[
    (
        "notification-with-action",
        notifications_are_shown_with_their_action,
    ),
    ("no-notification-service", no_notification_service),
    ("no-session-bus", no_session_bus),
];

fn main() -> ExitCode {
    probe::run("slipway-notify-probe", SCENARIOS, |scenario| {
        require_private_bus();
        scenario();
    })
}

fn require_private_bus() {
    assert!(
        std::env::var_os(PRIVATE_BUS).is_some(),
        "slipway-notify-probe runs on a private D-Bus, started by the slipway-notify \
         integration tests ({PRIVATE_BUS} is not set); run alone it would notify your desktop"
    );
}

fn desktop_channel(desktop: Desktop) -> Channel {
    Channel::new(When::Always, Endpoint::Desktop(desktop))
}

/// With a notification server on the bus: a deploy, a failure and a test notification are
/// shown as they should be, and clicking "Open site" opens the site.
fn notifications_are_shown_with_their_action() {
    let server = NotificationRecorder::on_session_bus()
        .expect("own org.freedesktop.Notifications on the private bus");
    let info = notify_rust::get_server_information().expect("server information");
    assert_eq!(info.name, SERVER_NAME);
    assert_eq!(
        notify_rust::get_capabilities().expect("capabilities"),
        ["actions", "body"]
    );

    let (opened, open_requests) = mpsc::channel();
    let desktop = Desktop::new().on_open(move |url| {
        let _ = opened.send(url.to_owned());
    });
    let deliveries = send_all(&deployed(), &[desktop_channel(desktop.clone())]);
    assert_eq!(deliveries[0].status, DeliveryStatus::Sent, "{deliveries:?}");
    assert_eq!(deliveries[0].target, "this computer's desktop");
    assert_eq!(
        server.notices()[0],
        Notice {
            app_name: "Slipway".into(),
            replaces_id: 0,
            app_icon: String::new(),
            summary: "shop is live".into(),
            body: "Release 20261126-141230 (a1b2c3d) deployed in 42 s.".into(),
            actions: vec!["open".into(), "Open site".into()],
            urgency: Some(1),
            expire_timeout: -1,
        }
    );

    // The user clicks "Open site". The signal is repeated until the handler has it: the
    // waiting side subscribes just after the notification is shown.
    let deadline = Instant::now() + Duration::from_secs(5);
    let url = loop {
        server.invoke_action(1, "open").expect("emit ActionInvoked");
        if let Ok(url) = open_requests.recv_timeout(Duration::from_millis(100)) {
            break url;
        }
        assert!(
            Instant::now() < deadline,
            "the open handler was never called"
        );
    };
    assert_eq!(url, "https://shop.example.com");

    let deliveries = send_all(&failed(), &[desktop_channel(desktop.clone())]);
    assert!(deliveries[0].is_sent(), "{deliveries:?}");
    assert!(send_test("shop", &desktop_channel(desktop)).is_sent());
    let calls = server.notices();
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls[1],
        Notice {
            app_name: "Slipway".into(),
            replaces_id: 0,
            app_icon: String::new(),
            summary: "shop: deploy failed".into(),
            body: "\"Health check\" failed after 1 min 3 s.\n\
                   The app did not answer on /health within 30 s."
                .into(),
            actions: vec![],
            urgency: Some(2),
            expire_timeout: -1,
        }
    );
    assert_eq!(
        calls[2].summary,
        "Slipway test: notifications for shop reach you here"
    );
    assert_eq!(calls[2].urgency, Some(1));
}

/// On a session bus where nothing owns org.freedesktop.Notifications.
fn no_notification_service() {
    let deliveries = send_all(&failed(), &[desktop_channel(Desktop::new())]);

    assert_eq!(
        deliveries[0].error(),
        Some(
            "no desktop notification service is running (nothing answers at \
             org.freedesktop.Notifications on the session bus). Desktop notifications \
             need a desktop session with a notification daemon; turn the desktop channel \
             off if Slipway runs without one"
        )
    );
}

/// With no session bus to reach.
fn no_session_bus() {
    let deliveries = send_all(&deployed(), &[desktop_channel(Desktop::new())]);

    let error = deliveries[0].error().expect("a failure");
    assert!(
        error.starts_with("could not reach the desktop session bus ("),
        "{error}"
    );
    assert!(
        error.ends_with(
            "). Desktop notifications need a logged-in desktop session; turn the desktop \
             channel off if Slipway runs without one"
        ),
        "{error}"
    );
}
