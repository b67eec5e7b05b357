//! What every fake checks and keeps the same way: who may call (a bearer token with
//! its scope, Slipway's User-Agent), the tokens' made-up values, and the contract
//! violations that fail a test when the fake is dropped.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use slipway_secrets::Secret;

use super::transport::Incoming;
use crate::http::RetryPolicy;

/// How a token may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// Reads and changes.
    ReadWrite,
    /// Reads only: every change is refused.
    ReadOnly,
}

/// A fake's two bearer tokens: one that may change things and one that may only read.
#[derive(Debug)]
pub(super) struct Tokens {
    read_write: String,
    read_only: String,
}

impl Tokens {
    /// Tokens made of `prefix` and `width` hex digits, new for every fake so a test
    /// cannot pass with another fake's token.
    pub(super) fn new(prefix: &str, width: usize) -> Self {
        let nonce = nonce();
        Self {
            read_write: format!("{prefix}{nonce:0width$x}"),
            read_only: format!("{prefix}{:0width$x}", nonce ^ 0x5eed),
        }
    }

    /// The token that may read and change.
    pub(super) fn read_write(&self) -> Secret<String> {
        Secret::new(self.read_write.clone())
    }

    /// The token that may only read.
    pub(super) fn read_only(&self) -> Secret<String> {
        Secret::new(self.read_only.clone())
    }

    /// The scope of the request's `Authorization: Bearer` token, if it is one of these.
    pub(super) fn scope(&self, request: &Incoming) -> Option<Scope> {
        match request.bearer_token()? {
            token if token == self.read_write => Some(Scope::ReadWrite),
            token if token == self.read_only => Some(Scope::ReadOnly),
            _ => None,
        }
    }
}

/// A number new for every call, to make tokens and keys from.
pub(super) fn nonce() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// Seconds since the Unix epoch, for rate-limit reset headers.
pub(super) fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The retry policy of a client configured for a fake: the default, waiting at most
/// 30 s in all.
pub(super) fn client_retry() -> RetryPolicy {
    RetryPolicy {
        max_total_wait: Duration::from_secs(30),
        ..RetryPolicy::default()
    }
}

/// Fails the test with `what` (which fake saw what) and the violations nobody took,
/// unless it is failing already.
pub(super) fn assert_no_violations(what: &str, violations: &[String]) {
    assert!(
        violations.is_empty() || std::thread::panicking(),
        "{what}:\n  {}",
        violations.join("\n  ")
    );
}
