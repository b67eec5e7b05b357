//! Credentials: API tokens, SSH private keys, webhook URLs, passwords.
//!
//! A [`Secret`] holds one. It prints as `<redacted>` in `{}` and `{:?}`, has no
//! `Serialize`, wipes its memory when dropped, and gives its value only through
//! [`Secret::expose`], so every place a value leaves it is a call someone can find.
//!
//! Secrets are kept in a [`SecretStore`] under a [`SecretKey`] (`shop/ssh-key`). Front
//! ends call [`open`], which gives [`Stores`]: `SLIPWAY_SECRET_SHOP_SSH_KEY`-style
//! environment variables first, for CI and servers, then the OS [`Keychain`] (the Secret
//! Service on Linux, the Keychain on macOS, Credential Manager on Windows). Without a
//! keychain, secrets from the environment still work and everything else fails with
//! [`StoreError::NoKeychain`], which says what is missing and what to do instead; no
//! secret is ever written to a file or kept in memory as a stand-in.
//!
//! A [`Redactor`] scrubs known secret values out of command output, logs and errors.
//!
//! # Layout
//! - [`secret`]: the [`Secret`] type.
//! - [`key`]: [`SecretKey`], which secret.
//! - [`store`]: the [`SecretStore`] trait, [`Stores`] and [`open`].
//! - [`keychain`]: [`Keychain`], the OS keychain.
//! - [`env`]: [`EnvStore`], read-only environment variables.
//! - `memory`: `MemoryStore`, for tests, behind the `memory` cargo feature.
//! - [`redact`]: [`Redactor`], which scrubs secret values out of text.
//! - `probe`: what the keychain probe and the other crates' probes share, behind the
//!   `probe` cargo feature.
//! - [`error`]: [`StoreError`], everything that can go wrong.

pub mod env;
pub mod error;
pub mod key;
pub mod keychain;
#[cfg(any(test, feature = "memory"))]
pub mod memory;
#[cfg(any(test, feature = "probe"))]
pub mod probe;
pub mod redact;
pub mod secret;
pub mod store;

pub use env::EnvStore;
pub use error::{KeyPart, Operation, StoreError};
pub use key::SecretKey;
pub use keychain::{KEYCHAIN_SERVICE, Keychain};
#[cfg(any(test, feature = "memory"))]
pub use memory::MemoryStore;
pub use redact::{REDACTED, Redactor};
pub use secret::Secret;
pub use store::{SecretStore, Stores, open};
