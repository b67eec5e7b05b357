//! `slipway-secrets-probe SCENARIO`: runs one keychain scenario against the Secret Service
//! of the D-Bus session it is started in, checking every result on the way.
//!
//! It exists for the integration tests of slipway-secrets, which start it in private D-Bus
//! sessions (with an unlocked GNOME Keyring, a locked one, none, or no bus at all), so that
//! the keychain is exercised for real without touching the keychain of whoever runs them.
//! It is built only with the `probe` feature and is part of no package.
//!
//! Like every probe (see `slipway_secrets::probe`), it prints exactly one JSON line on stdout:
//! - `{"scenario":"unlocked-keyring","outcome":"passed"}`, exit status 0, when every check
//!   held;
//! - `{"scenario":"unlocked-keyring","outcome":"failed","failure":"…","location":"…"}`,
//!   exit status 1, with the first check that did not.
//!
//! An unknown scenario prints the list of scenarios on stderr and exits with status 2.
//!
//! It refuses to run (and reports a failure) unless [`SESSION`] names the private session
//! directory, so run by hand it never reaches a real keychain.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use slipway_secrets::probe::{self, key, read, secret};
use slipway_secrets::{EnvStore, Keychain, Redactor, SecretKey, SecretStore, StoreError, Stores};

/// The private session directory (`HOME`, the XDG directories and the bus socket live
/// under it). Required.
const SESSION: &str = "SLIPWAY_SECRETS_TEST_SESSION";

/// A value unique to the session, which the scenarios store and which must never show in
/// an error message or a debug print. Required.
const CANARY: &str = "SLIPWAY_SECRETS_TEST_CANARY";

/// The advice when no key is in hand, as from `open`.
const HINT: &str = "On a desktop, log in to a session with GNOME Keyring or KWallet \
     running; on a server or in CI, give each secret as an environment variable such as \
     SLIPWAY_SECRET_SHOP_SSH_KEY.";

/// One scenario: its checks, run against the session it is given.
type Scenario = fn(&Probe);

/// Every scenario, by the name given on the command line.
const SCENARIOS: &[(&str, Scenario)] = &[
    ("unlocked-keyring", unlocked_keyring),
    ("save-one-secret", save_one_secret),
    ("locked-keyring", locked_keyring),
    ("no-secret-service", no_secret_service),
    ("no-session-bus", no_session_bus),
];

fn main() -> ExitCode {
    probe::run("slipway-secrets-probe", SCENARIOS, |scenario| {
        scenario(&Probe::from_env());
    })
}

/// What the session gives a scenario.
struct Probe {
    /// The private session directory.
    dir: PathBuf,
    /// The session's canary value.
    canary: String,
}

impl Probe {
    /// The session from the environment; panics outside one, so that the scenarios never
    /// reach a real keychain.
    fn from_env() -> Self {
        let dir = std::env::var_os(SESSION).unwrap_or_else(|| {
            panic!(
                "slipway-secrets-probe runs inside a private D-Bus session started by the \
                 slipway-secrets integration tests ({SESSION} is not set); run alone it \
                 would use your real keychain"
            )
        });
        let canary = std::env::var(CANARY).unwrap_or_else(|_| panic!("{CANARY} is not set"));
        Self {
            dir: PathBuf::from(dir),
            canary,
        }
    }
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
        .stdout(Stdio::null())
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

/// With an unlocked GNOME Keyring: save, overwrite, read, delete, through two connections
/// and libsecret's own client, and the environment in front of the keychain. The deploy
/// key stays saved, for the caller to look for on disk.
fn unlocked_keyring(probe: &Probe) {
    let canary = &probe.canary;
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
    let pem = ssh_key(canary);
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

    environment_in_front_of_the_keychain(canary, &deploy, &pem);

    // The deploy key stays saved, for the caller to look for on disk.
    let redactor = Redactor::new([&secret(&pem)]);
    assert!(
        !redactor
            .redact(&format!("cat key:\n{pem}"))
            .contains(canary.as_str())
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

/// With an unlocked GNOME Keyring: saves `shop/ssh-key`, for [`locked_keyring`] to find
/// locked away.
fn save_one_secret(probe: &Probe) {
    let keychain = Keychain::open().expect("the private Secret Service");
    keychain
        .set(&key("shop", "ssh-key"), &secret(&probe.canary))
        .expect("saved");
}

/// With a GNOME Keyring whose login keyring is locked and no display for the unlock
/// prompt: no keychain, and the environment still works.
fn locked_keyring(probe: &Probe) {
    let canary = &probe.canary;
    // Connecting works: the service is there. Reading needs the keyring unlocked, and with
    // no display the unlock prompt cannot be shown.
    let keychain = Keychain::open().expect("the Secret Service answers");
    let ssh = key("shop", "ssh-key");
    let error = keychain.get(&ssh).expect_err("locked");
    assert_eq!(
        error.to_string(),
        "No keychain is available: the keyring is locked and the unlock prompt was \
         dismissed or could not be shown. On a desktop, log in to a session with GNOME \
         Keyring or KWallet running; on a server or in CI, give shop/ssh-key as the \
         environment variable SLIPWAY_SECRET_SHOP_SSH_KEY."
    );
    let error = keychain
        .set(&ssh, &secret(&format!("{canary}-new")))
        .expect_err("locked");
    assert!(matches!(error, StoreError::NoKeychain { .. }), "{error}");
    assert_hidden(canary, &[error.to_string(), format!("{error:?}")]);

    // The environment still gives what it has.
    let stores = Stores::open(EnvStore::from_vars([(
        "SLIPWAY_SECRET_SHOP_SSH_KEY",
        format!("{canary}-env"),
    )]));
    assert_eq!(read(&stores, &ssh), Some(format!("{canary}-env")));
}

/// On a session bus where nothing provides the Secret Service.
fn no_secret_service(probe: &Probe) {
    let expected = format!(
        "No keychain is available: nothing on the D-Bus session bus provides the Secret \
         Service (org.freedesktop.secrets). {HINT}"
    );
    let error = Keychain::open().expect_err("no Secret Service");
    assert_eq!(error.to_string(), expected);
    assert_no_keychain_but_the_environment_works(&probe.canary, &expected);
}

/// With no session bus: `DBUS_SESSION_BUS_ADDRESS` leads nowhere, or is unset and the
/// session's `XDG_RUNTIME_DIR` has no `bus` socket.
fn no_session_bus(probe: &Probe) {
    let bus = match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        Ok(address) => address,
        Err(_) => format!("unix:path={}", probe.dir.join("run/bus").display()),
    };
    let expected = format!(
        "No keychain is available: the D-Bus session bus cannot be reached (Failed to connect \
         to address `{bus}`: No such file or directory (os error 2)). {HINT}"
    );
    let error = Keychain::open().expect_err("no bus");
    assert_eq!(error.to_string(), expected);
    assert_no_keychain_but_the_environment_works(&probe.canary, &expected);
}

/// Through [`slipway_secrets::open`] and the process environment, as the CLI does it.
/// `SLIPWAY_SECRET_SHOP_SSH_KEY` must be set to the canary followed by `-env`.
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
