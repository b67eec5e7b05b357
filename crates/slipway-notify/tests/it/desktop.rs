//! Desktop notifications through the real notify-rust path, received by a notification
//! server on a private D-Bus session bus.
//!
//! Each test here runs `slipway-notify-probe` with one scenario (see
//! `src/bin/slipway-notify-probe.rs`) under `dbus-run-session` (or with no bus at all), so
//! the notification service and the session bus belong to that child process alone. The
//! probe sends the notifications, runs the notification server when the scenario has one,
//! checks every result, and reports on one JSON line; it refuses to run without the
//! environment flag these tests set.

use std::process::{Command, Output};

use serde_json::{Value, json};

/// Set by these tests for the probe.
const INSIDE: &str = "SLIPWAY_NOTIFY_TEST_INSIDE_BUS";

/// The probe, built by Cargo for these tests.
const PROBE: &str = env!("CARGO_BIN_EXE_slipway-notify-probe");

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

/// Runs the probe's `scenario` in a child process with `bus`, and checks that it ran and
/// every check held.
fn run_inside(scenario: &str, bus: Bus) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = match bus {
        Bus::Private => {
            let config = dir.path().join("session.conf");
            std::fs::write(&config, BUS_CONFIG).expect("bus config");
            let mut command = Command::new("dbus-run-session");
            command
                .arg("--config-file")
                .arg(config)
                .arg("--")
                .arg(PROBE);
            command
        }
        Bus::Missing => {
            let mut command = Command::new(PROBE);
            command
                .env(
                    "DBUS_SESSION_BUS_ADDRESS",
                    format!("unix:path={}", dir.path().join("no-bus").display()),
                )
                .env("XDG_RUNTIME_DIR", dir.path());
            command
        }
    };
    command.arg(scenario).env(INSIDE, "1");
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("could not run {command:?} (is dbus installed?): {error}"));
    let report = report(&output);
    assert!(
        output.status.success()
            && report == Some(json!({ "scenario": scenario, "outcome": "passed" })),
        "the desktop notification scenario {scenario} failed ({}): {command:?}\n{}",
        output.status,
        shown(&output)
    );
}

/// The probe's report: the one line of its stdout that is a JSON object.
fn report(output: &Output) -> Option<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| {
            serde_json::from_str::<Value>(line)
                .ok()
                .filter(Value::is_object)
        })
}

/// What the probe printed, for a failure message.
fn shown(output: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_desktop_notification_reaches_the_notification_service() {
    run_inside("notification-with-action", Bus::Private);
}

#[test]
fn without_a_notification_service_the_desktop_channel_fails_clearly() {
    run_inside("no-notification-service", Bus::Private);
}

#[test]
fn without_a_session_bus_the_desktop_channel_fails_clearly() {
    run_inside("no-session-bus", Bus::Missing);
}

#[test]
fn the_probe_never_notifies_outside_a_private_bus() {
    // Even if it ran, this bus leads nowhere: no desktop would see a notification.
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(PROBE)
        .arg("notification-with-action")
        .env_remove(INSIDE)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", dir.path().join("no-bus").display()),
        )
        .env("XDG_RUNTIME_DIR", dir.path())
        .output()
        .expect("the probe starts");
    let report = report(&output).unwrap_or_else(|| panic!("no report\n{}", shown(&output)));
    assert_eq!(output.status.code(), Some(1), "{}", shown(&output));
    assert_eq!(report["scenario"], "notification-with-action");
    assert_eq!(report["outcome"], "failed");
    let failure = report["failure"].as_str().expect("a failure message");
    assert!(
        failure.contains(&format!("({INSIDE} is not set)")),
        "{failure}"
    );
}
