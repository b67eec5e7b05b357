//! A store that lives in memory, for tests.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::StoreError;
use crate::key::SecretKey;
use crate::secret::Secret;
use crate::store::SecretStore;

/// A [`SecretStore`] in a map, forgotten when dropped. **For tests only**: it exists only
/// with the `memory` cargo feature, which other crates enable under `[dev-dependencies]`;
/// nothing in Slipway ever falls back to it.
#[derive(Default)]
pub struct MemoryStore {
    secrets: Mutex<BTreeMap<SecretKey, Secret>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The keys saved, in order.
    pub fn keys(&self) -> Vec<SecretKey> {
        self.lock().keys().cloned().collect()
    }

    /// A panic in another test thread does not make the map unusable.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<SecretKey, Secret>> {
        self.secrets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, StoreError> {
        Ok(self.lock().get(key).cloned())
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<(), StoreError> {
        self.lock().insert(key.clone(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, StoreError> {
        Ok(self.lock().remove(key).is_some())
    }

    fn name(&self) -> &'static str {
        "memory (tests only)"
    }
}

impl fmt::Debug for MemoryStore {
    /// Lists the keys only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("keys", &self.keys())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_overwrites_and_deletes() {
        let store = MemoryStore::new();
        let key = SecretKey::new("shop", "ssh-key").expect("valid key");
        assert!(store.get(&key).expect("read").is_none());
        store
            .set(&key, &Secret::new("first-canary".to_owned()))
            .expect("saved");
        store
            .set(&key, &Secret::new("second-canary".to_owned()))
            .expect("saved");
        let value = store.get(&key).expect("read").expect("present");
        assert_eq!(value.expose(), "second-canary");
        assert_eq!(
            format!("{store:?}"),
            r#"MemoryStore { keys: [SecretKey { project: "shop", name: "ssh-key" }] }"#
        );
        assert!(store.delete(&key).expect("deleted"));
        assert!(!store.delete(&key).expect("nothing to delete"));
        assert!(store.get(&key).expect("read").is_none());
    }
}
