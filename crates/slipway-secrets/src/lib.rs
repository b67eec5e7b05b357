//! Credentials: API tokens, SSH private keys, webhook URLs, passwords.
//!
//! A [`Secret`] holds one. It prints as `<redacted>` in `{}` and `{:?}`, has no
//! `Serialize`, wipes its memory when dropped, and gives its value only through
//! [`Secret::expose`], so every place a value leaves it is a call someone can find.
//!
//! # Layout
//! - [`secret`]: the [`Secret`] type.

pub mod secret;

pub use secret::Secret;
