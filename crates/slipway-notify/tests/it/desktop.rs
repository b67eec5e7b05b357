//! Desktop notifications through the real notify-rust path, received by a notification
//! server this test runs on a private D-Bus session bus.
//!
//! Each test here re-runs this test binary, filtered to one `inside::` test, under
//! `dbus-run-session` (or with no bus at all), so the notification service and the
//! session bus belong to that child process alone. The `inside::` tests are ignored in a
//! normal run and refuse to run without the environment flag the outer test sets.

use std::process::Command;

/// Set by the outer tests for the child process.
const INSIDE: &str = "SLIPWAY_NOTIFY_TEST_INSIDE_BUS";

/// A session bus configuration with no activatable services, so "nothing owns
/// org.freedesktop.Notifications" holds whatever daemons this machine has installed.
const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// Which bus the child process gets.
#[derive(Clone, Copy)]
enum Bus {
    /// A private session bus from `dbus-run-session` with [`BUS_CONFIG`].
    Private,
    /// None: the session bus address leads nowhere.
    Missing,
}

/// Runs the `inside::` test `name` in a child process with `bus`, and checks that
/// exactly that one test ran and passed.
fn run_inside(name: &str, bus: Bus) {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("the test binary");
    let mut command = match bus {
        Bus::Private => {
            let config = dir.path().join("session.conf");
            std::fs::write(&config, BUS_CONFIG).expect("bus config");
            let mut command = Command::new("dbus-run-session");
            command.arg("--config-file").arg(config).arg("--").arg(&exe);
            command
        }
        Bus::Missing => {
            let mut command = Command::new(&exe);
            command
                .env(
                    "DBUS_SESSION_BUS_ADDRESS",
                    format!("unix:path={}", dir.path().join("no-bus").display()),
                )
                .env("XDG_RUNTIME_DIR", dir.path());
            command
        }
    };
    command
        .args(["--ignored", "--exact", "--nocapture", "--test-threads=1"])
        .arg(format!("desktop::inside::{name}"))
        .env(INSIDE, "1");
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("could not run {command:?} (is dbus installed?): {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{command:?} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

#[test]
fn a_desktop_notification_reaches_the_notification_service() {
    run_inside("notifications_are_shown_with_their_action", Bus::Private);
}

#[test]
fn without_a_notification_service_the_desktop_channel_fails_clearly() {
    run_inside("no_notification_service", Bus::Private);
}

#[test]
fn without_a_session_bus_the_desktop_channel_fails_clearly() {
    run_inside("no_session_bus", Bus::Missing);
}

mod inside {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, mpsc};
    use std::time::{Duration, Instant};

    use slipway_notify::{Channel, DeliveryStatus, Desktop, Endpoint, When, send_all, send_test};
    use zbus::OwnedVariant;

    use super::INSIDE;
    use crate::{deployed, failed};

    const PATH: &str = "/org/freedesktop/Notifications";
    const INTERFACE: &str = "org.freedesktop.Notifications";

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

    fn require_private_bus() {
        assert!(
            std::env::var_os(INSIDE).is_some(),
            "this test runs inside a private D-Bus, started by the test in desktop.rs"
        );
    }

    fn desktop_channel(desktop: Desktop) -> Channel {
        Channel::new(When::Always, Endpoint::Desktop(desktop))
    }

    #[test]
    #[ignore = "runs inside a private D-Bus, started by a_desktop_notification_reaches_the_notification_service"]
    fn notifications_are_shown_with_their_action() {
        require_private_bus();
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

        // The user clicks "Open site". The signal is repeated until the handler has it:
        // the waiting side subscribes just after the notification is shown.
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

    #[test]
    #[ignore = "runs inside a private D-Bus, started by without_a_notification_service_the_desktop_channel_fails_clearly"]
    fn no_notification_service() {
        require_private_bus();

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

    #[test]
    #[ignore = "runs without a session bus, started by without_a_session_bus_the_desktop_channel_fails_clearly"]
    fn no_session_bus() {
        require_private_bus();

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
}
