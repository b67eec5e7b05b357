//! The keychain against a real Secret Service (GNOME Keyring) in a private D-Bus session,
//! and what happens without one.
//!
//! Each test here starts a [`Session`] and runs `slipway-secrets-probe` inside it with one
//! scenario (see `src/bin/slipway-secrets-probe.rs`); the probe is the half that talks to
//! D-Bus and checks every result, and these tests check what it leaves on disk.

use std::fs;

use crate::session::{Keyring, Session};

#[test]
fn keychain_saves_reads_and_deletes_in_a_real_secret_service() {
    let session = Session::new();
    session.run(Keyring::Unlocked, "unlocked-keyring", &[]);

    // The deploy key is still saved; gnome-keyring keeps it in its own file, encrypted
    // with the keyring password, so the canary is in no file in the session directory.
    let keyring = session.path().join("data/keyrings/login.keyring");
    let size = fs::metadata(&keyring)
        .expect("gnome-keyring wrote the login keyring")
        .len();
    assert!(size > 200, "{} is only {size} bytes", keyring.display());
    let files = session.files();
    assert!(files.contains(&keyring));
    for file in files {
        let bytes = fs::read(&file).expect("readable file");
        let found = bytes
            .windows(session.canary().len())
            .any(|window| window == session.canary().as_bytes());
        assert!(!found, "{} holds a secret in plain text", file.display());
    }
}

#[test]
fn a_locked_keyring_that_cannot_be_unlocked_is_no_keychain() {
    let session = Session::new();
    session.run(Keyring::Unlocked, "save-one-secret", &[]);
    session.run(Keyring::Locked, "locked-keyring", &[]);
}

#[test]
fn no_secret_service_on_the_bus_is_no_keychain() {
    let session = Session::new();
    let from_env = format!("{}-env", session.canary());
    session.run(
        Keyring::Absent,
        "no-secret-service",
        &[("SLIPWAY_SECRET_SHOP_SSH_KEY", &from_env)],
    );
}

#[test]
fn no_session_bus_at_all_is_no_keychain() {
    let session = Session::new();
    let from_env = format!("{}-env", session.canary());
    let nothing = format!("unix:path={}", session.path().join("run/no-bus").display());
    for address in [Some(nothing.as_str()), None] {
        session.run_without_bus(
            "no-session-bus",
            address,
            &[("SLIPWAY_SECRET_SHOP_SSH_KEY", &from_env)],
        );
    }
}

#[test]
fn the_probe_never_runs_outside_a_private_session() {
    let session = Session::new();
    let output = session.run_outside("unlocked-keyring");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert_eq!(output.status.code(), Some(1), "{shown}");
    let report = stdout.lines().next().unwrap_or_default();
    assert!(
        report.starts_with(r#"{"scenario":"unlocked-keyring","outcome":"failed","failure":"#),
        "{shown}"
    );
    assert!(
        report.contains("(SLIPWAY_SECRETS_TEST_SESSION is not set)"),
        "{shown}"
    );
}
