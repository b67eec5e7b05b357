//! The public API as other crates use it, with the `memory` feature on.

use std::sync::Arc;
use std::thread;

use slipway_secrets::{
    EnvStore, MemoryStore, Redactor, Secret, SecretKey, SecretStore, StoreError, Stores,
};

const CANARY: &str = "canary-7f3a9c";

fn key(project: &str, name: &str) -> SecretKey {
    SecretKey::new(project, name).expect("valid key")
}

fn secret(value: &str) -> Secret {
    Secret::new(value.to_owned())
}

#[test]
fn another_crate_tests_with_a_memory_store_behind_the_environment() {
    let store: Arc<dyn SecretStore> = Arc::new(Stores::new(
        EnvStore::from_vars([("SLIPWAY_SECRET_SHOP_SSH_KEY", "env-value-123")]),
        Box::new(MemoryStore::new()),
    ));
    let token = key("shop", "twilio-token");
    let writer = {
        let store = Arc::clone(&store);
        let token = token.clone();
        thread::spawn(move || store.set(&token, &secret("token-value-456")))
    };
    writer.join().expect("thread").expect("saved");
    let read = |k: &SecretKey| store.get(k).expect("readable").map(|s| s.expose().clone());
    assert_eq!(read(&token).as_deref(), Some("token-value-456"));
    assert_eq!(
        read(&key("shop", "ssh-key")).as_deref(),
        Some("env-value-123")
    );
    assert_eq!(store.name(), "environment variables, then the keychain");
}

#[test]
fn nothing_public_shows_a_secret_value() {
    let value = secret(&format!("{CANARY}-value"));
    let ssh = key("shop", "ssh-key");
    let token = key("shop", "twilio-token");

    let memory = MemoryStore::new();
    memory.set(&token, &value).expect("saved");
    let env = EnvStore::from_vars([("SLIPWAY_SECRET_SHOP_SSH_KEY", format!("{CANARY}-env"))]);
    let stores = Stores::new(
        EnvStore::from_vars([("SLIPWAY_SECRET_SHOP_SSH_KEY", format!("{CANARY}-env"))]),
        Box::new(MemoryStore::new()),
    );
    let offline = Stores::without_keychain(
        EnvStore::from_vars([("SLIPWAY_SECRET_SHOP_SSH_KEY", format!("{CANARY}-env"))]),
        "there is no D-Bus session bus",
    );
    let redactor = Redactor::new([&value, &secret(&format!("{CANARY}\nline-two-{CANARY}"))]);

    let errors: Vec<StoreError> = vec![
        env.set(&ssh, &value).expect_err("read-only"),
        env.delete(&ssh).expect_err("read-only"),
        stores.set(&ssh, &value).expect_err("overridden"),
        stores.delete(&ssh).expect_err("overridden"),
        offline.set(&token, &value).expect_err("no keychain"),
        offline.get(&token).expect_err("no keychain"),
        offline.keychain_status().expect_err("no keychain"),
        SecretKey::new("shop", "bad\u{0}name").expect_err("invalid"),
    ];

    let mut shown = vec![
        format!("{value} {value:?}"),
        format!("{ssh} {ssh:?}"),
        format!("{memory:?}"),
        format!("{env:?}"),
        format!("{stores:?}"),
        format!("{offline:?}"),
        format!("{redactor:?}"),
    ];
    for error in &errors {
        shown.push(error.to_string());
        shown.push(format!("{error:?}"));
    }
    for text in &shown {
        assert!(!text.contains(CANARY), "a secret value was shown: {text}");
    }
    assert_eq!(
        format!("{offline:?}"),
        "Stores { env: EnvStore { variables: [\"SLIPWAY_SECRET_SHOP_SSH_KEY\"] }, \
         keychain: Err(\"there is no D-Bus session bus\") }"
    );
}

#[test]
fn a_redactor_scrubs_what_a_store_gave_out() {
    let memory = MemoryStore::new();
    let token = key("shop", "twilio-token");
    memory
        .set(&token, &secret("AC0123456789abcdef"))
        .expect("saved");
    let value = memory.get(&token).expect("readable").expect("present");
    let redactor = Redactor::new([&value]);
    let output = "curl -u AC0123456789abcdef:x https://api.twilio.com/ -> 401";
    assert_eq!(
        redactor.redact(output),
        "curl -u <redacted>:x https://api.twilio.com/ -> 401"
    );
}
