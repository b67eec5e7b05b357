//! Why a call to a cloud provider failed, in words the user can act on.

use thiserror::Error;

/// What went wrong, with the provider's own words where it gave any. No variant holds a
/// token: requests carry it only in a header marked sensitive, and messages are built
/// from statuses, field names and the provider's error text.
#[derive(Debug, Error)]
pub enum CloudError {
    /// 401: the token is wrong, expired or revoked.
    #[error(
        "{provider} does not accept the API token: it is invalid or revoked ({message}). \
         Create a new token at {tokens_url} and store it in Slipway again"
    )]
    InvalidToken {
        /// "DigitalOcean".
        provider: &'static str,
        /// The provider's message, e.g. "Unable to authenticate you."
        message: String,
        /// Where tokens are made.
        tokens_url: &'static str,
    },

    /// 403 on a change: the token may read but not write.
    #[error(
        "{provider} refused to {action}: the token is read-only: create one with write scope \
         at {tokens_url} and store it in Slipway again ({provider} said: {message})"
    )]
    ReadOnlyToken {
        /// "DigitalOcean".
        provider: &'static str,
        /// What was refused: "create the server", "add the SSH key".
        action: String,
        /// The provider's message.
        message: String,
        /// Where tokens are made.
        tokens_url: &'static str,
    },

    /// 403 on a read: the token's scopes leave out this kind of resource.
    #[error(
        "{provider} refused to {action}: the token's scopes do not include it: create a token \
         with full access (or with the read and write scopes Slipway needs) at {tokens_url} \
         ({provider} said: {message})"
    )]
    MissingScope {
        /// "DigitalOcean".
        provider: &'static str,
        /// What was refused: "list the regions".
        action: String,
        /// The provider's message.
        message: String,
        /// Where tokens are made.
        tokens_url: &'static str,
    },

    /// 422 naming one field of the request: an image slug that was retired, a region
    /// that is full, a size not sold in the region.
    #[error("{provider} refused {field} \"{value}\": {message} {advice}")]
    InvalidField {
        /// "DigitalOcean".
        provider: &'static str,
        /// The field: `image`, `region`, `size`, `ssh_keys`, `name`.
        field: &'static str,
        /// The value sent.
        value: String,
        /// The provider's message.
        message: String,
        /// What to do.
        advice: &'static str,
    },

    /// Any other refusal (4xx), with the provider's words.
    #[error("{provider} refused to {action} (HTTP {status}{}): {message}", id_suffix(.id.as_deref()))]
    Refused {
        /// "DigitalOcean".
        provider: &'static str,
        /// What was asked: "add the DNS record".
        action: String,
        /// The HTTP status.
        status: u16,
        /// The provider's short error id, e.g. `unprocessable_entity`.
        id: Option<String>,
        /// The provider's message.
        message: String,
    },

    /// Something named in the request does not exist at the provider.
    #[error("{provider} has no {what}. {advice}")]
    NotFound {
        /// "DigitalOcean".
        provider: &'static str,
        /// "server 123", "domain example.com".
        what: String,
        /// What to do.
        advice: String,
    },

    /// Still rate limited after the waits the retry policy allows.
    #[error(
        "{provider} is limiting how fast this token may call its API ({message}). {}",
        retry_text(*.retry_in_secs)
    )]
    RateLimited {
        /// "DigitalOcean".
        provider: &'static str,
        /// The provider's message.
        message: String,
        /// When the provider said to come back, if it did.
        retry_in_secs: Option<u64>,
    },

    /// The provider kept failing on its side (5xx) after the retries.
    #[error(
        "{provider} failed on its side while trying to {action} (HTTP {status}: {message}). \
         This is usually brief: try again in a few minutes, and check the provider's status \
         page if it persists"
    )]
    ProviderFailure {
        /// "DigitalOcean".
        provider: &'static str,
        /// What was asked.
        action: String,
        /// The HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
    },

    /// The request could not be sent: no network, DNS failure, connection refused.
    #[error("could not reach {provider} at {origin}: {detail}. Check the network connection")]
    Unreachable {
        /// "DigitalOcean".
        provider: &'static str,
        /// Scheme, host and port of the API.
        origin: String,
        /// The cause, e.g. "Connection refused (os error 111)".
        detail: String,
    },

    /// The request was sent but no complete answer came back, so it may or may not have
    /// taken effect.
    #[error(
        "the connection to {provider} broke while trying to {action} ({detail}), so it may \
         have happened. {advice}"
    )]
    ResponseLost {
        /// "DigitalOcean".
        provider: &'static str,
        /// What was asked.
        action: String,
        /// The cause.
        detail: String,
        /// What to do: usually "run it again", when that is safe.
        advice: &'static str,
    },

    /// No answer in time.
    #[error(
        "{provider} did not answer within {secs} s while trying to {action}; check the network connection and try again"
    )]
    Timeout {
        /// "DigitalOcean".
        provider: &'static str,
        /// What was asked.
        action: String,
        /// The time allowed.
        secs: u64,
    },

    /// A server on this machine (the local sandbox) could not be made or found.
    #[error("could not {action} a sandbox server on this machine: {detail}")]
    Local {
        /// What was asked: "create", "find", "destroy".
        action: &'static str,
        /// What went wrong, and what to do.
        detail: String,
    },
    /// The provider answered with something that is not what its API documents.
    #[error("{provider} answered in an unexpected way while trying to {action}: {detail}")]
    UnexpectedReply {
        /// "DigitalOcean".
        provider: &'static str,
        /// What was asked.
        action: String,
        /// What was wrong.
        detail: String,
    },

    /// A server did not become ready in time.
    #[error(
        "server {name} is still \"{status}\" after {secs} s{}. Look at it in the provider's \
         console; if it stays stuck, destroy it and create it again",
        if *.has_ip { "" } else { " and has no public IPv4 address yet" }
    )]
    NotReady {
        /// The server's name.
        name: String,
        /// Its last status.
        status: String,
        /// Whether it had a public IPv4 address.
        has_ip: bool,
        /// How long Slipway waited.
        secs: u64,
    },

    /// The provider accepted a request but the work it started ended in an error (a
    /// Hetzner action whose status became `error`).
    #[error("{provider} could not {action}: {message} ({code}). {advice}")]
    ActionFailed {
        /// "Hetzner Cloud".
        provider: &'static str,
        /// What the work was: "create server shop-web".
        action: String,
        /// The provider's error code for the action.
        code: String,
        /// The provider's message.
        message: String,
        /// What to do.
        advice: &'static str,
    },

    /// More than one server carries the project's tag, so Slipway cannot tell which is
    /// the project's.
    #[error(
        "{count} servers carry the tag {tag} ({names}); Slipway expects one per project. \
         Destroy the ones you do not need in the provider's console, then try again"
    )]
    AmbiguousServers {
        /// The tag.
        tag: String,
        /// How many.
        count: usize,
        /// Their names, comma separated.
        names: String,
    },

    /// The confirmation typed to destroy a server is not its name.
    #[error(
        "not destroying server {name}: the confirmation \"{typed}\" is not its name. Type \
         the server's name exactly to destroy it"
    )]
    ConfirmationMismatch {
        /// The server's name.
        name: String,
        /// What was typed.
        typed: String,
    },

    /// A value given to Slipway cannot be sent as it is.
    #[error("{field}: {message}")]
    InvalidInput {
        /// The input: `project`, `name`, `public_key`.
        field: &'static str,
        /// What is wrong and what would be accepted.
        message: String,
    },

    /// Setting up the HTTP client failed (TLS roots, for instance).
    #[error("could not set up HTTPS: {0}")]
    Setup(String),
}

/// `, unprocessable_entity` after the status, when the provider gave an id.
fn id_suffix(id: Option<&str>) -> String {
    id.map(|id| format!(", {id}")).unwrap_or_default()
}

/// The advice at the end of a rate-limit message.
fn retry_text(secs: Option<u64>) -> String {
    match secs {
        Some(secs) => format!("Wait {secs} s and try again"),
        None => "Wait a minute and try again".to_owned(),
    }
}
