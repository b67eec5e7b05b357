//! Integration tests of slipway-secrets: the public API as other crates use it, and the
//! keychain against a real Secret Service in a private D-Bus session.

mod api;
mod keychain;
mod session;
