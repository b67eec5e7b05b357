//! Secrets given as environment variables, for CI and servers without a keychain.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;

use crate::error::{Operation, StoreError};
use crate::key::SecretKey;
use crate::secret::Secret;
use crate::store::SecretStore;

/// The prefix of every variable [`EnvStore`] reads.
pub const PREFIX: &str = "SLIPWAY_SECRET_";

/// A read-only store over `SLIPWAY_SECRET_<PROJECT>_<NAME>` variables (see
/// [`SecretKey::env_var`]).
///
/// It keeps a snapshot of the variables with that prefix, taken when it is built: from the
/// process with [`EnvStore::from_process`], or from any list of pairs with
/// [`EnvStore::from_vars`], which is how tests give it an environment without changing
/// the process's own.
///
/// An empty variable counts as unset: CI systems expand a secret that was never defined
/// to an empty string, and an empty credential is never what was meant.
#[derive(Default)]
pub struct EnvStore {
    vars: BTreeMap<String, EnvValue>,
}

enum EnvValue {
    Text(Secret),
    NotUnicode,
}

impl EnvStore {
    /// The `SLIPWAY_SECRET_*` variables of this process, as they are now.
    pub fn from_process() -> Self {
        Self::from_vars(std::env::vars_os())
    }

    /// The `SLIPWAY_SECRET_*` variables among `vars`; other variables are ignored.
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut store = Self::default();
        for (name, value) in vars {
            // A name that is not UTF-8 cannot be one of ours: those are ASCII.
            let Ok(name) = name.into().into_string() else {
                continue;
            };
            if !name.starts_with(PREFIX) {
                continue;
            }
            let value = match value.into().into_string() {
                Ok(text) if text.is_empty() => continue,
                Ok(text) => EnvValue::Text(Secret::new(text)),
                Err(_) => EnvValue::NotUnicode,
            };
            store.vars.insert(name, value);
        }
        store
    }

    /// Whether `key`'s variable is set (and not empty).
    pub fn contains(&self, key: &SecretKey) -> bool {
        self.vars.contains_key(&key.env_var())
    }

    /// Whether no `SLIPWAY_SECRET_*` variable is set.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    fn read_only(key: &SecretKey, operation: Operation) -> StoreError {
        StoreError::ReadOnly {
            key: key.clone(),
            operation,
            variable: key.env_var(),
            action: match operation {
                Operation::Delete => "unset",
                Operation::Read | Operation::Save => "set",
            },
        }
    }
}

impl SecretStore for EnvStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, StoreError> {
        let variable = key.env_var();
        match self.vars.get(&variable) {
            None => Ok(None),
            Some(EnvValue::Text(value)) => Ok(Some(value.clone())),
            Some(EnvValue::NotUnicode) => Err(StoreError::EnvNotUnicode { variable }),
        }
    }

    fn set(&self, key: &SecretKey, _value: &Secret) -> Result<(), StoreError> {
        Err(Self::read_only(key, Operation::Save))
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, StoreError> {
        Err(Self::read_only(key, Operation::Delete))
    }

    fn name(&self) -> &'static str {
        "environment variables"
    }
}

impl fmt::Debug for EnvStore {
    /// Lists the variable names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvStore")
            .field("variables", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(project: &str, name: &str) -> SecretKey {
        SecretKey::new(project, name).expect("valid key")
    }

    fn read(store: &EnvStore, key: &SecretKey) -> Option<String> {
        store
            .get(key)
            .expect("readable")
            .map(|secret| secret.expose().clone())
    }

    #[test]
    fn reads_the_variable_named_after_the_key() {
        let store = EnvStore::from_vars([
            ("SLIPWAY_SECRET_SHOP_SSH_KEY", "key-canary-1"),
            ("SLIPWAY_SECRET_SHOP_ENV_DATABASE_URL", "postgres://canary"),
            ("HOME", "/root"),
        ]);
        assert_eq!(
            read(&store, &key("shop", "ssh-key")).as_deref(),
            Some("key-canary-1")
        );
        assert_eq!(
            read(&store, &key("shop", "env/DATABASE_URL")).as_deref(),
            Some("postgres://canary")
        );
        assert_eq!(read(&store, &key("blog", "ssh-key")), None);
        assert!(store.contains(&key("shop", "ssh-key")));
        assert!(!store.contains(&key("blog", "ssh-key")));
    }

    #[test]
    fn keeps_only_its_own_variables_and_treats_empty_as_unset() {
        let store = EnvStore::from_vars([
            ("PATH", "/usr/bin"),
            ("SLIPWAY_SECRET_SHOP_TWILIO_TOKEN", ""),
        ]);
        assert!(store.is_empty());
        assert_eq!(read(&store, &key("shop", "twilio-token")), None);
        assert_eq!(format!("{store:?}"), "EnvStore { variables: [] }");
    }

    #[cfg(unix)]
    #[test]
    fn reports_a_variable_that_is_not_utf8() {
        use std::os::unix::ffi::OsStringExt;

        let store = EnvStore::from_vars([(
            OsString::from("SLIPWAY_SECRET_SHOP_SSH_KEY"),
            OsString::from_vec(vec![0xff, 0xfe, b'k']),
        )]);
        let error = store.get(&key("shop", "ssh-key")).expect_err("not UTF-8");
        assert_eq!(
            error.to_string(),
            "The environment variable SLIPWAY_SECRET_SHOP_SSH_KEY is not valid UTF-8 text"
        );
    }

    #[test]
    fn refuses_to_save_or_delete_and_says_which_variable_to_use() {
        let store = EnvStore::from_vars([("SLIPWAY_SECRET_SHOP_SSH_KEY", "key-canary-2")]);
        let k = key("shop", "ssh-key");
        let saved = store
            .set(&k, &Secret::new("new-canary-3".to_owned()))
            .expect_err("read-only");
        assert_eq!(
            saved.to_string(),
            "shop/ssh-key cannot be saved: Slipway only reads environment variables; \
             set SLIPWAY_SECRET_SHOP_SSH_KEY yourself instead"
        );
        let deleted = store.delete(&k).expect_err("read-only");
        assert_eq!(
            deleted.to_string(),
            "shop/ssh-key cannot be deleted: Slipway only reads environment variables; \
             unset SLIPWAY_SECRET_SHOP_SSH_KEY yourself instead"
        );
        for shown in [
            saved.to_string(),
            format!("{saved:?}"),
            deleted.to_string(),
            format!("{deleted:?}"),
            format!("{store:?}"),
        ] {
            assert!(!shown.contains("canary"), "{shown}");
        }
    }
}
