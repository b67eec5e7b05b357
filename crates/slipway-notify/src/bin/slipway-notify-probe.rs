//! `slipway-notify-probe SCENARIO`: sends desktop notifications through the real
//! notify-rust path in one scenario, checking every result on the way.
//!
//! It exists for the integration tests of slipway-notify, which start it on a private D-Bus
//! session bus (or with none), so that the desktop channel is exercised for real without a
//! notification reaching the desktop of whoever runs them. It is built only with the
//! `probe` feature and is part of no package.
//!
//! It prints exactly one JSON line on stdout:
//! - `{"scenario":"notification-with-action","outcome":"passed"}`, exit status 0, when every
//!   check held;
//! - `{"scenario":"…","outcome":"failed","failure":"…","location":"…"}`, exit status 1,
//!   with the first check that did not.
//!
//! An unknown scenario prints the list of scenarios on stderr and exits with status 2.
//!
//! It refuses to run (and reports a failure) unless [`PRIVATE_BUS`] is set, so run by hand
//! it never shows a notification on a real desktop.

use std::collections::HashMap;
use std::io::{self, Write as _};
use std::panic::{self, PanicHookInfo};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use slipway_notify::{
    Channel, DeliveryStatus, Desktop, Endpoint, Finish, Kind, Outcome, When, send_all, send_test,
};
use zbus::OwnedVariant;

/// Set by the integration tests when the session bus is a private one, or when there is
/// none. Required.
const PRIVATE_BUS: &str = "SLIPWAY_NOTIFY_TEST_INSIDE_BUS";

const PATH: &str = "/org/freedesktop/Notifications";
const INTERFACE: &str = "org.freedesktop.Notifications";

/// Every scenario, by the name given on the command line.
const SCENARIOS: &[(&str, fn())] = &[
    (
        "notification-with-action",
        notifications_are_shown_with_their_action,
    ),
    ("no-notification-service", no_notification_service),
    ("no-session-bus", no_session_bus),
];

/// Where the last check that failed is, for the report.
static FAILED_AT: Mutex<Option<String>> = Mutex::new(None);

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(name), None) = (args.next(), args.next()) else {
        return usage();
    };
    let Some(&(_, scenario)) = SCENARIOS.iter().find(|(known, _)| *known == name) else {
        return usage();
    };

    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        if let (Some(location), Ok(mut slot)) = (info.location(), FAILED_AT.lock()) {
            *slot = Some(location.to_string());
        }
        default_hook(info);
    }));
    let outcome = panic::catch_unwind(|| {
        require_private_bus();
        scenario();
    });

    let (report, status) = match outcome {
        Ok(()) => (
            serde_json::json!({ "scenario": name, "outcome": "passed" }),
            ExitCode::SUCCESS,
        ),
        Err(payload) => {
            let failure = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("a check failed");
            let location = FAILED_AT
                .lock()
                .ok()
                .and_then(|slot| slot.clone())
                .unwrap_or_default();
            (
                serde_json::json!({
                    "scenario": name,
                    "outcome": "failed",
                    "failure": failure,
                    "location": location,
                }),
                ExitCode::FAILURE,
            )
        }
    };
    let mut stdout = io::stdout().lock();
    if writeln!(stdout, "{report}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    status
}

fn usage() -> ExitCode {
    let names: Vec<&str> = SCENARIOS.iter().map(|(name, _)| *name).collect();
    eprintln!(
        "usage: slipway-notify-probe SCENARIO\nscenarios: {}",
        names.join(", ")
    );
    ExitCode::from(2)
}

fn require_private_bus() {
    assert!(
        std::env::var_os(PRIVATE_BUS).is_some(),
        "slipway-notify-probe runs on a private D-Bus, started by the slipway-notify \
         integration tests ({PRIVATE_BUS} is not set); run alone it would notify your desktop"
    );
}

/// A successful deploy of `shop`.
fn deployed() -> Outcome {
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
fn failed() -> Outcome {
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

/// One `Notify` call as the server received it.
#[derive(Debug, Clone, PartialEq)]
struct NotifyCall {
    app_name: String,
    replaces_id: u32,
    app_icon: String,
    summary: String,
    body: String,
    actions: Vec<String>,
    urgency: Option<u8>,
    expire_timeout: i32,
}

/// A notification server that records every notification.
struct Recorder {
    calls: Arc<Mutex<Vec<NotifyCall>>>,
    closed: Mutex<Vec<u32>>,
}

// The method signatures are the D-Bus interface's, whatever the lints prefer.
#[zbus::interface(name = "org.freedesktop.Notifications")]
#[allow(clippy::unused_self, clippy::needless_pass_by_value)]
impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedVariant>,
        expire_timeout: i32,
    ) -> u32 {
        let urgency = hints
            .get("urgency")
            .and_then(|value| u8::try_from(value).ok());
        let mut calls = self.calls.lock().expect("calls lock");
        calls.push(NotifyCall {
            app_name,
            replaces_id,
            app_icon,
            summary,
            body,
            actions,
            urgency,
            expire_timeout,
        });
        u32::try_from(calls.len()).expect("few notifications")
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".to_owned(), "body".to_owned()]
    }

    #[zbus(out_args("name", "vendor", "version", "spec_version"))]
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "recorder".to_owned(),
            "slipway tests".to_owned(),
            "1.0".to_owned(),
            "1.2".to_owned(),
        )
    }

    fn close_notification(&self, id: u32) {
        self.closed.lock().expect("closed lock").push(id);
    }
}

fn desktop_channel(desktop: Desktop) -> Channel {
    Channel::new(When::Always, Endpoint::Desktop(desktop))
}

/// With a notification server on the bus: a deploy, a failure and a test notification are
/// shown as they should be, and clicking "Open site" opens the site.
fn notifications_are_shown_with_their_action() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let server = zbus::block_on(
        zbus::connection::Builder::session()
            .name(INTERFACE)
            .serve_at(
                PATH,
                Recorder {
                    calls: Arc::clone(&calls),
                    closed: Mutex::default(),
                },
            )
            .build(),
    )
    .expect("own org.freedesktop.Notifications on the private bus");
    let info = notify_rust::get_server_information().expect("server information");
    assert_eq!(info.name, "recorder");
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
        calls.lock().expect("calls")[0],
        NotifyCall {
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
        zbus::block_on(server.emit_signal(
            None::<&str>,
            PATH,
            INTERFACE,
            "ActionInvoked",
            &(1u32, "open"),
        ))
        .expect("emit ActionInvoked");
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
    let calls = calls.lock().expect("calls").clone();
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls[1],
        NotifyCall {
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
