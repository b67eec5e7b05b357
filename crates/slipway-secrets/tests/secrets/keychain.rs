//! The keychain against a real Secret Service (GNOME Keyring) in a private D-Bus session,
//! and what happens without one.
//!
//! Each test here starts a [`Session`] and runs one of the `#[ignore]`d tests below inside
//! it; the ignored tests are the halves that talk to D-Bus.

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};

use slipway_secrets::{
    EnvStore, Keychain, Redactor, Secret, SecretKey, SecretStore, StoreError, Stores,
};

use crate::session::{self, Keyring, Session};

/// The advice when no key is in hand, as from `open`.
const HINT: &str = "On a desktop, log in to a session with GNOME Keyring or KWallet \
     running; on a server or in CI, give each secret as an environment variable such as \
     SLIPWAY_SECRET_SHOP_SSH_KEY.";

fn key(project: &str, name: &str) -> SecretKey {
    SecretKey::new(project, name).expect("valid key")
}

fn secret(value: &str) -> Secret {
    Secret::new(value.to_owned())
}

fn read(store: &dyn SecretStore, key: &SecretKey) -> Option<String> {
    store
        .get(key)
        .expect("readable")
        .map(|value| value.expose().clone())
}

/// What `secret-tool` (libsecret, an independent client) reads for `user`.
fn secret_tool_lookup(user: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", "slipway", "username", user])
        .output()
        .expect("secret-tool runs");
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).expect("UTF-8 secret"))
}

/// What `secret-tool search` shows of the items for `user`, attributes and label included.
fn secret_tool_search(user: &str) -> String {
    let output = Command::new("secret-tool")
        .args(["search", "--all", "service", "slipway", "username", user])
        .output()
        .expect("secret-tool runs");
    String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout)
}

/// Saves `value` for `user` with `secret-tool store`, which reads it from stdin.
fn secret_tool_store(user: &str, value: &str) {
    let mut store = Command::new("secret-tool")
        .args([
            "store",
            "--label=by hand",
            "service",
            "slipway",
            "username",
            user,
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool runs");
    store
        .stdin
        .take()
        .expect("stdin")
        .write_all(value.as_bytes())
        .expect("written");
    assert!(store.wait().expect("secret-tool exits").success());
}

fn assert_hidden(canary: &str, shown: &[String]) {
    for text in shown {
        assert!(!text.contains(canary), "a secret value was shown: {text}");
    }
}

/// A multi-line value shaped like an OpenSSH private key, carrying the canary.
fn ssh_key(canary: &str) -> String {
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n\
         b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n\
         {canary}QyNTUxOQAAACDgQ2Yf3Ff2rQ6lJ0xXo7CqS4ZxWlH0a4r4cZ8qH8vJ9g\n\
         -----END OPENSSH PRIVATE KEY-----\n"
    )
}

#[test]
fn keychain_saves_reads_and_deletes_in_a_real_secret_service() {
    let session = Session::new();
    session.run(
        Keyring::Unlocked,
        "keychain::inside_an_unlocked_keyring",
        &[],
    );

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
#[ignore = "runs inside the private session of keychain_saves_reads_and_deletes_in_a_real_secret_service"]
fn inside_an_unlocked_keyring() {
    let (_, canary) = session::inside();
    let keychain = Keychain::open().expect("the private Secret Service");
    assert_eq!(keychain.name(), "the Secret Service");
    assert_eq!(
        format!("{keychain:?}"),
        r#"Keychain { store: "the Secret Service" }"#
    );

    let token = key("shop", "twilio-token");
    assert_eq!(read(&keychain, &token), None);
    assert!(!keychain.delete(&token).expect("nothing to delete"));

    let first = format!("{canary}-first");
    let second = format!("{canary}-second");
    keychain.set(&token, &secret(&first)).expect("saved");
    assert_eq!(read(&keychain, &token), Some(first));
    keychain.set(&token, &secret(&second)).expect("overwritten");
    assert_eq!(read(&keychain, &token).as_deref(), Some(second.as_str()));

    // A second handle is a second D-Bus connection: the value is in the service, not in
    // the first handle.
    let fresh = Keychain::open().expect("a second connection");
    assert_eq!(read(&fresh, &token).as_deref(), Some(second.as_str()));

    // libsecret's own client finds it under the documented attributes and label.
    assert_eq!(
        secret_tool_lookup("shop/twilio-token"),
        Some(second.clone())
    );
    let listed = secret_tool_search("shop/twilio-token");
    assert!(
        listed.contains("label = Slipway: shop/twilio-token"),
        "{listed}"
    );

    // And Slipway reads what another program saved there.
    let by_hand = format!("postgres://app:{canary}@db/app");
    secret_tool_store("shop/env/DATABASE_URL", &by_hand);
    assert_eq!(
        read(&fresh, &key("shop", "env/DATABASE_URL")).as_deref(),
        Some(by_hand.as_str())
    );

    // A multi-line key keeps every byte, newlines included.
    let deploy = key("shop", "ssh-key");
    let pem = ssh_key(&canary);
    keychain.set(&deploy, &secret(&pem)).expect("saved");
    assert_eq!(read(&fresh, &deploy).as_deref(), Some(pem.as_str()));
    assert_eq!(
        secret_tool_lookup("shop/ssh-key").as_deref(),
        Some(pem.as_str())
    );

    // Deleting removes it from the service for every client.
    assert!(keychain.delete(&token).expect("deleted"));
    assert_eq!(read(&keychain, &token), None);
    assert_eq!(read(&fresh, &token), None);
    assert_eq!(secret_tool_lookup("shop/twilio-token"), None);
    assert!(!keychain.delete(&token).expect("already gone"));
    assert!(
        fresh
            .delete(&key("shop", "env/DATABASE_URL"))
            .expect("deleted")
    );

    environment_in_front_of_the_keychain(&canary, &deploy, &pem);

    // The deploy key stays saved, for the outer test to look for on disk.
    let redactor = Redactor::new([&secret(&pem)]);
    assert!(
        !redactor
            .redact(&format!("cat key:\n{pem}"))
            .contains(&canary)
    );
}

/// [`Stores`] over the real keychain: the environment first, the keychain for the rest.
fn environment_in_front_of_the_keychain(canary: &str, deploy: &SecretKey, pem: &str) {
    let token = key("shop", "twilio-token");
    let stores = Stores::open(EnvStore::from_vars([(
        "SLIPWAY_SECRET_SHOP_TWILIO_TOKEN",
        format!("{canary}-from-env"),
    )]));
    assert_eq!(
        stores.keychain_status().expect("present"),
        "the Secret Service"
    );
    assert_eq!(read(&stores, &token), Some(format!("{canary}-from-env")));
    assert_eq!(read(&stores, deploy).as_deref(), Some(pem));
    let refused = stores
        .set(&token, &secret(&format!("{canary}-refused")))
        .expect_err("the environment overrides it");
    assert!(matches!(refused, StoreError::Overridden { .. }));
    assert_hidden(
        canary,
        &[
            refused.to_string(),
            format!("{refused:?}"),
            format!("{stores:?}"),
        ],
    );
}

#[test]
fn a_locked_keyring_that_cannot_be_unlocked_is_no_keychain() {
    let session = Session::new();
    session.run(Keyring::Unlocked, "keychain::inside_save_one_secret", &[]);
    session.run(Keyring::Locked, "keychain::inside_a_locked_keyring", &[]);
}

#[test]
#[ignore = "runs inside the private session of a_locked_keyring_that_cannot_be_unlocked_is_no_keychain"]
fn inside_save_one_secret() {
    let (_, canary) = session::inside();
    let keychain = Keychain::open().expect("the private Secret Service");
    keychain
        .set(&key("shop", "ssh-key"), &secret(&canary))
        .expect("saved");
}

#[test]
#[ignore = "runs inside the private session of a_locked_keyring_that_cannot_be_unlocked_is_no_keychain"]
fn inside_a_locked_keyring() {
    let (_, canary) = session::inside();
    // Connecting works: the service is there. Reading needs the keyring unlocked, and with
    // no display the unlock prompt cannot be shown.
    let keychain = Keychain::open().expect("the Secret Service answers");
    let ssh = key("shop", "ssh-key");
    let error = keychain.get(&ssh).expect_err("locked");
    assert_eq!(
        error.to_string(),
        format!(
            "No keychain is available: the keyring is locked and the unlock prompt was \
             dismissed or could not be shown. On a desktop, log in to a session with GNOME \
             Keyring or KWallet running; on a server or in CI, give shop/ssh-key as the \
             environment variable SLIPWAY_SECRET_SHOP_SSH_KEY."
        )
    );
    let error = keychain
        .set(&ssh, &secret(&format!("{canary}-new")))
        .expect_err("locked");
    assert!(matches!(error, StoreError::NoKeychain { .. }), "{error}");
    assert_hidden(&canary, &[error.to_string(), format!("{error:?}")]);

    // The environment still gives what it has.
    let stores = Stores::open(EnvStore::from_vars([(
        "SLIPWAY_SECRET_SHOP_SSH_KEY",
        format!("{canary}-env"),
    )]));
    assert_eq!(read(&stores, &ssh), Some(format!("{canary}-env")));
}

#[test]
fn no_secret_service_on_the_bus_is_no_keychain() {
    let session = Session::new();
    let from_env = format!("{}-env", session.canary());
    session.run(
        Keyring::Absent,
        "keychain::inside_a_session_without_a_secret_service",
        &[("SLIPWAY_SECRET_SHOP_SSH_KEY", &from_env)],
    );
}

#[test]
#[ignore = "runs inside the private session of no_secret_service_on_the_bus_is_no_keychain"]
fn inside_a_session_without_a_secret_service() {
    let (_, canary) = session::inside();
    let expected = format!(
        "No keychain is available: nothing on the D-Bus session bus provides the Secret \
         Service (org.freedesktop.secrets). {HINT}"
    );
    let error = Keychain::open().expect_err("no Secret Service");
    assert_eq!(error.to_string(), expected);
    assert_no_keychain_but_the_environment_works(&canary, &expected);
}

#[test]
fn no_session_bus_at_all_is_no_keychain() {
    let session = Session::new();
    let from_env = format!("{}-env", session.canary());
    let nothing = format!("unix:path={}", session.path().join("run/no-bus").display());
    for address in [Some(nothing.as_str()), None] {
        session.run_without_bus(
            "keychain::inside_no_session_bus",
            address,
            &[("SLIPWAY_SECRET_SHOP_SSH_KEY", &from_env)],
        );
    }
}

#[test]
#[ignore = "runs without a session bus, started by no_session_bus_at_all_is_no_keychain"]
fn inside_no_session_bus() {
    let (dir, canary) = session::inside();
    let bus = match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        Ok(address) => address,
        Err(_) => format!("unix:path={}", dir.join("run/bus").display()),
    };
    let expected = format!(
        "No keychain is available: the D-Bus session bus cannot be reached (Failed to connect \
         to address `{bus}`: No such file or directory (os error 2)). {HINT}"
    );
    let error = Keychain::open().expect_err("no bus");
    assert_eq!(error.to_string(), expected);
    assert_no_keychain_but_the_environment_works(&canary, &expected);
}

/// Through [`slipway_secrets::open`] and the process environment, as the CLI does it.
fn assert_no_keychain_but_the_environment_works(canary: &str, expected: &str) {
    let stores = slipway_secrets::open();
    let status = stores.keychain_status().expect_err("no keychain");
    assert_eq!(status.to_string(), expected);

    let ssh = key("shop", "ssh-key");
    assert_eq!(read(&stores, &ssh), Some(format!("{canary}-env")));

    let token = key("shop", "twilio-token");
    let missing = stores.get(&token).expect_err("nowhere to look");
    assert!(matches!(missing, StoreError::NoKeychain { .. }));
    assert!(
        missing.to_string().ends_with(
            "on a server or in CI, give shop/twilio-token as the environment variable \
             SLIPWAY_SECRET_SHOP_TWILIO_TOKEN."
        ),
        "{missing}"
    );
    let saved = stores
        .set(&token, &secret(&format!("{canary}-token")))
        .expect_err("nowhere to save");
    assert!(matches!(saved, StoreError::NoKeychain { .. }));
    let overridden = stores
        .set(&ssh, &secret(&format!("{canary}-new")))
        .expect_err("overridden");
    assert!(matches!(overridden, StoreError::Overridden { .. }));
    assert_hidden(
        canary,
        &[
            status.to_string(),
            missing.to_string(),
            saved.to_string(),
            format!("{saved:?}"),
            overridden.to_string(),
            format!("{overridden:?}"),
            format!("{stores:?}"),
        ],
    );
}
