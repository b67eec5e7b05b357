//! What can go wrong when reading or saving a secret.
//!
//! No variant carries a secret value, and no variant wraps a keychain library's error:
//! some of those keep the bytes they failed to decode, which would print the secret.

use std::fmt;

use thiserror::Error;

use crate::key::SecretKey;

/// A failure of a [`crate::SecretStore`] or of building a [`SecretKey`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A [`SecretKey`] part is empty, has a control character, or (the project) a `/`.
    #[error("Invalid secret {part} {value:?}: {problem}")]
    InvalidKey {
        /// Which part is wrong.
        part: KeyPart,
        /// The rejected text (a name, never a secret value).
        value: String,
        /// Why it was rejected.
        problem: &'static str,
    },

    /// There is no OS keychain to use: no D-Bus session bus, no Secret Service on it, or a
    /// locked keychain that could not be unlocked.
    #[error("No keychain is available: {reason}. {hint}")]
    NoKeychain {
        /// What is missing, such as "nothing on the D-Bus session bus provides the Secret
        /// Service (org.freedesktop.secrets)".
        reason: String,
        /// What works instead.
        hint: String,
    },

    /// A read-only store, such as [`crate::EnvStore`], was asked to save or delete.
    #[error(
        "{key} cannot be {operation}: Slipway only reads environment variables; {action} {variable} yourself instead"
    )]
    ReadOnly {
        /// The secret.
        key: SecretKey,
        /// What was asked.
        operation: Operation,
        /// The variable that holds (or would hold) the secret.
        variable: String,
        /// What to do to the variable instead: "set" or "unset".
        action: &'static str,
    },

    /// A secret set in the environment hides the keychain's copy, so changing the
    /// keychain's copy would have no visible effect.
    #[error(
        "{key} was not {operation}: the environment variable {variable} is set and takes precedence over the keychain; unset it first"
    )]
    Overridden {
        /// The secret.
        key: SecretKey,
        /// What was asked.
        operation: Operation,
        /// The variable that overrides the keychain.
        variable: String,
    },

    /// The environment variable for a secret holds bytes that are not UTF-8.
    #[error("The environment variable {variable} is not valid UTF-8 text")]
    EnvNotUnicode {
        /// The variable.
        variable: String,
    },

    /// The keychain holds bytes that are not UTF-8 under this key (written by another
    /// program).
    #[error("The keychain entry for {key} is not UTF-8 text; delete it and save the secret again")]
    NotText {
        /// The secret.
        key: SecretKey,
    },

    /// More than one keychain entry matches the key (possible in the Secret Service, where
    /// other programs may add items with the same attributes).
    #[error(
        "{count} keychain entries match {key} (service {service}, user {key}); delete the extra ones in your keychain app"
    )]
    Ambiguous {
        /// The secret.
        key: SecretKey,
        /// How many entries match.
        count: usize,
        /// The keychain service, always [`crate::KEYCHAIN_SERVICE`].
        service: &'static str,
    },

    /// The keychain answered with an error.
    #[error("The keychain could not {verb} {key}: {message}", verb = operation.verb())]
    Keychain {
        /// The secret.
        key: SecretKey,
        /// What was asked.
        operation: Operation,
        /// The keychain's explanation, with any secret value that was being saved redacted.
        message: String,
    },
}

/// Which part of a [`SecretKey`] an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPart {
    /// The project, such as `shop`.
    Project,
    /// The secret's name, such as `ssh-key`.
    Name,
}

impl fmt::Display for KeyPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Project => "project",
            Self::Name => "name",
        })
    }
}

/// What a store was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// [`crate::SecretStore::get`].
    Read,
    /// [`crate::SecretStore::set`].
    Save,
    /// [`crate::SecretStore::delete`].
    Delete,
}

impl Operation {
    /// The operation as a verb: "read", "save", "delete".
    pub fn verb(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Save => "save",
            Self::Delete => "delete",
        }
    }
}

impl fmt::Display for Operation {
    /// The past participle, for "cannot be saved".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Read => "read",
            Self::Save => "saved",
            Self::Delete => "deleted",
        })
    }
}
