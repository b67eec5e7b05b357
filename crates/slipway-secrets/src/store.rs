//! The [`SecretStore`] trait, and [`Stores`]: the environment in front of the keychain.

use std::fmt;

use crate::env::EnvStore;
use crate::error::{Operation, StoreError};
use crate::key::SecretKey;
use crate::keychain::{self, Keychain};
use crate::secret::Secret;

/// Somewhere secrets are kept.
///
/// Implementations: [`Keychain`] (the OS keychain), [`EnvStore`] (read-only environment
/// variables), [`Stores`] (both, environment first) and, for tests, `MemoryStore`.
///
/// Calls block: a keychain call is a D-Bus or system-service round trip, and may show the
/// user an unlock dialog. From async code, call them on a blocking thread
/// (`tokio::task::spawn_blocking`).
pub trait SecretStore: Send + Sync {
    /// The secret saved under `key`, or `None` if there is none.
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, StoreError>;

    /// Saves `value` under `key`, replacing any previous value.
    fn set(&self, key: &SecretKey, value: &Secret) -> Result<(), StoreError>;

    /// Deletes the secret under `key`; `false` if there was none.
    fn delete(&self, key: &SecretKey) -> Result<bool, StoreError>;

    /// What this store is, for messages: "the Secret Service", "environment variables".
    fn name(&self) -> &'static str;
}

/// The store Slipway uses: `SLIPWAY_SECRET_*` environment variables first (so CI and
/// servers can give or override a secret), then the OS keychain.
///
/// Opening never fails, because a machine without a keychain can still run on environment
/// variables. Without a keychain, a secret found in the environment is returned as usual;
/// anything that needs the keychain (reading a secret the environment does not give,
/// saving, deleting) returns [`StoreError::NoKeychain`] naming the variable to set
/// instead. [`Stores::keychain_status`] says up front whether the keychain is there, for a
/// warning at start-up.
///
/// Saving or deleting a secret whose variable is set returns [`StoreError::Overridden`]:
/// the change would be hidden by the variable, and a value that does not change when
/// saved is worse than an error.
pub struct Stores {
    env: EnvStore,
    keychain: Result<Box<dyn SecretStore>, String>,
}

impl Stores {
    /// `env` in front of the OS keychain, if one can be reached.
    ///
    /// A keychain that is present but locked is found out at the first call that needs it
    /// (which is also when a desktop shows its unlock dialog), not here.
    pub fn open(env: EnvStore) -> Self {
        let keychain = match Keychain::open() {
            Ok(keychain) => Ok(Box::new(keychain) as Box<dyn SecretStore>),
            Err(StoreError::NoKeychain { reason, .. }) => Err(reason),
            Err(other) => Err(other.to_string()),
        };
        Self { env, keychain }
    }

    /// `env` in front of any other store (a `MemoryStore` in tests).
    pub fn new(env: EnvStore, keychain: Box<dyn SecretStore>) -> Self {
        Self {
            env,
            keychain: Ok(keychain),
        }
    }

    /// `env` alone, as when no keychain can be reached; `reason` says why.
    pub fn without_keychain(env: EnvStore, reason: impl Into<String>) -> Self {
        Self {
            env,
            keychain: Err(reason.into()),
        }
    }

    /// The keychain's name, or the [`StoreError::NoKeychain`] explaining why there is none.
    pub fn keychain_status(&self) -> Result<&'static str, StoreError> {
        match &self.keychain {
            Ok(store) => Ok(store.name()),
            Err(reason) => Err(keychain::unavailable(reason.clone(), None)),
        }
    }

    /// The environment variables in front of the keychain.
    pub fn env(&self) -> &EnvStore {
        &self.env
    }

    fn keychain_for(&self, key: &SecretKey) -> Result<&dyn SecretStore, StoreError> {
        match &self.keychain {
            Ok(store) => Ok(store.as_ref()),
            Err(reason) => Err(keychain::unavailable(reason.clone(), Some(key))),
        }
    }

    fn check_not_overridden(
        &self,
        key: &SecretKey,
        operation: Operation,
    ) -> Result<(), StoreError> {
        if self.env.contains(key) {
            return Err(StoreError::Overridden {
                key: key.clone(),
                operation,
                variable: key.env_var(),
            });
        }
        Ok(())
    }
}

impl SecretStore for Stores {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, StoreError> {
        if let Some(value) = self.env.get(key)? {
            return Ok(Some(value));
        }
        self.keychain_for(key)?.get(key)
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<(), StoreError> {
        self.check_not_overridden(key, Operation::Save)?;
        self.keychain_for(key)?.set(key, value)
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, StoreError> {
        self.check_not_overridden(key, Operation::Delete)?;
        self.keychain_for(key)?.delete(key)
    }

    fn name(&self) -> &'static str {
        "environment variables, then the keychain"
    }
}

impl fmt::Debug for Stores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keychain = match &self.keychain {
            Ok(store) => Ok(store.name()),
            Err(reason) => Err(reason),
        };
        f.debug_struct("Stores")
            .field("env", &self.env)
            .field("keychain", &keychain)
            .finish()
    }
}

/// The process's `SLIPWAY_SECRET_*` variables in front of the OS keychain: what the CLI
/// and the desktop app use. See [`Stores`].
pub fn open() -> Stores {
    Stores::open(EnvStore::from_process())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use crate::probe::{key, read, secret};

    #[test]
    fn the_environment_wins_over_the_keychain() {
        let keychain = MemoryStore::new();
        let ssh = key("shop", "ssh-key");
        let token = key("shop", "twilio-token");
        keychain
            .set(&ssh, &secret("keychain-canary-1"))
            .expect("saved");
        keychain
            .set(&token, &secret("keychain-canary-2"))
            .expect("saved");
        let stores = Stores::new(
            EnvStore::from_vars([("SLIPWAY_SECRET_SHOP_SSH_KEY", "env-canary-3")]),
            Box::new(keychain),
        );
        assert_eq!(read(&stores, &ssh).as_deref(), Some("env-canary-3"));
        assert_eq!(read(&stores, &token).as_deref(), Some("keychain-canary-2"));
        assert_eq!(read(&stores, &key("shop", "other")), None);
        assert_eq!(
            stores.keychain_status().expect("present"),
            "memory (tests only)"
        );
    }

    #[test]
    fn refuses_to_change_a_secret_the_environment_overrides() {
        let ssh = key("shop", "ssh-key");
        let stores = Stores::new(
            EnvStore::from_vars([("SLIPWAY_SECRET_SHOP_SSH_KEY", "env-canary-4")]),
            Box::new(MemoryStore::new()),
        );
        let error = stores
            .set(&ssh, &secret("new-canary-5"))
            .expect_err("overridden");
        assert_eq!(
            error.to_string(),
            "shop/ssh-key was not saved: the environment variable SLIPWAY_SECRET_SHOP_SSH_KEY \
             is set and takes precedence over the keychain; unset it first"
        );
        assert!(!format!("{error:?}").contains("canary"));
        let error = stores.delete(&ssh).expect_err("overridden");
        assert!(
            error
                .to_string()
                .starts_with("shop/ssh-key was not deleted: ")
        );
        assert_eq!(read(&stores, &ssh).as_deref(), Some("env-canary-4"));
    }

    #[test]
    fn saves_and_deletes_in_the_keychain() {
        let stores = Stores::new(EnvStore::default(), Box::new(MemoryStore::new()));
        let token = key("shop", "twilio-token");
        stores
            .set(&token, &secret("token-canary-6"))
            .expect("saved");
        assert_eq!(read(&stores, &token).as_deref(), Some("token-canary-6"));
        assert!(stores.delete(&token).expect("deleted"));
        assert!(!stores.delete(&token).expect("nothing to delete"));
        assert_eq!(read(&stores, &token), None);
    }

    #[test]
    fn without_a_keychain_reads_the_environment_and_explains_everything_else() {
        let stores = Stores::without_keychain(
            EnvStore::from_vars([("SLIPWAY_SECRET_SHOP_SSH_KEY", "env-canary-7")]),
            "there is no D-Bus session bus",
        );
        let ssh = key("shop", "ssh-key");
        let token = key("blog", "twilio-token");
        assert_eq!(read(&stores, &ssh).as_deref(), Some("env-canary-7"));

        let status = stores.keychain_status().expect_err("no keychain");
        assert!(matches!(status, StoreError::NoKeychain { .. }));
        assert!(
            status
                .to_string()
                .starts_with("No keychain is available: there is no D-Bus session bus. "),
            "{status}"
        );

        let missing = stores.get(&token).expect_err("nowhere to look");
        assert!(
            missing
                .to_string()
                .contains("SLIPWAY_SECRET_BLOG_TWILIO_TOKEN"),
            "{missing}"
        );
        let saved = stores
            .set(&token, &secret("token-canary-8"))
            .expect_err("nowhere to save");
        assert!(matches!(saved, StoreError::NoKeychain { .. }));
        for shown in [
            saved.to_string(),
            format!("{saved:?}"),
            format!("{stores:?}"),
        ] {
            assert!(!shown.contains("canary"), "{shown}");
        }
    }
}
