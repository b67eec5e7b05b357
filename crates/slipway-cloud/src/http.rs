//! The JSON-over-HTTPS client every provider shares: a `slipway/<version>` User-Agent,
//! a bearer token that never leaves the `Authorization` header, a configurable base URL,
//! and retries with backoff for rate limits and server failures.
//!
//! It knows nothing about any provider's error format: a refusal comes back as a
//! [`Failure::Refused`] with the status and body, and the provider's module turns it into
//! a [`CloudError`](crate::CloudError) with the provider's own message and advice.
//!
//! # Retries
//! - **429** is retried for every method: a rate-limited request was not carried out.
//! - **5xx** is retried for `GET`, `PUT`, `PATCH` and `DELETE` only. A `POST` that failed
//!   on the provider's side may still have created something, and a blind retry could
//!   create a second server (and a second bill): the caller decides, usually by looking
//!   for what it meant to create.
//! - The wait is the provider's `Retry-After` (seconds) when it sent one; else, on a 429,
//!   until `ratelimit-reset` (epoch seconds) when `ratelimit-remaining` is 0; else an
//!   exponential backoff. Waits stop when the next one would pass
//!   [`RetryPolicy::max_total_wait`]: the refusal is returned with the wait the provider
//!   asked for, so the user can be told when to come back.
//! - Nothing else is retried: not a refused connection, not a lost response.

use std::io::Read as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::Url;
use reqwest::blocking::Client as ReqwestClient;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use slipway_secrets::Secret;

use crate::clock::Clock;
use crate::error::CloudError;

/// The User-Agent of every request, so providers (and their support staff) can tell who
/// is calling.
pub const USER_AGENT: &str = concat!("slipway/", env!("CARGO_PKG_VERSION"));

/// The most of a reply body read. The largest replies are lists of 200 images.
const BODY_LIMIT: u64 = 16 * 1024 * 1024;

/// How hard to retry rate limits and server failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; each later one doubles.
    pub first_delay: Duration,
    /// The longest backoff (a provider's own `Retry-After` may be longer).
    pub max_delay: Duration,
    /// The most time spent waiting over all retries of one request.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    /// Four retries, 1 s doubling to at most 16 s, at most 60 s of waiting in all: long
    /// enough for DigitalOcean's per-minute limit, short enough that a wizard never
    /// looks frozen.
    fn default() -> Self {
        Self {
            max_retries: 4,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(16),
            max_total_wait: Duration::from_mins(1),
        }
    }
}

impl RetryPolicy {
    /// The exponential backoff before retry number `retry` (0 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1_u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.first_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// What a reply's headers say about when to retry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryHints {
    /// `Retry-After`, in seconds.
    pub retry_after: Option<Duration>,
    /// `ratelimit-reset`: when the oldest counted request expires.
    pub reset_at: Option<SystemTime>,
    /// `ratelimit-remaining`.
    pub remaining: Option<u64>,
}

impl RetryHints {
    /// Reads the hints from a reply's headers (names compared case-insensitively).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|text| text.trim().parse::<u64>().ok())
        };
        Self {
            retry_after: number("retry-after").map(Duration::from_secs),
            reset_at: number("ratelimit-reset")
                .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
            remaining: number("ratelimit-remaining"),
        }
    }

    /// The wait the provider asked for, if any, as seen at `now`.
    pub fn requested_wait(&self, status: u16, now: SystemTime) -> Option<Duration> {
        if let Some(wait) = self.retry_after {
            return Some(wait);
        }
        if status == 429 && self.remaining.is_none_or(|left| left == 0) {
            let reset_at = self.reset_at?;
            let wait = reset_at.duration_since(now).unwrap_or_default();
            // A reset already past (clock skew) still deserves a pause.
            return Some(wait.max(Duration::from_secs(1)));
        }
        None
    }
}

/// The HTTP methods the providers' APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`: not idempotent, so never retried after a server failure.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// Whether repeating the request has the same effect as sending it once.
    pub fn is_idempotent(self) -> bool {
        self != Self::Post
    }

    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Post => reqwest::Method::POST,
            Self::Put => reqwest::Method::PUT,
            Self::Patch => reqwest::Method::PATCH,
            Self::Delete => reqwest::Method::DELETE,
        }
    }
}

/// Where and how to reach one provider's API.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API's root, e.g. `https://api.digitalocean.com`; tests use the fake's address.
    /// Must be `https` unless it is a loopback address.
    pub base_url: Url,
    /// The API token, sent as `Authorization: Bearer <token>`.
    pub token: Secret<String>,
    /// How long one request may take.
    pub timeout: Duration,
    /// How hard to retry.
    pub retry: RetryPolicy,
}

/// A successful (2xx) reply.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body (empty for 204).
    pub body: Vec<u8>,
}

impl Reply {
    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// A non-2xx reply, after any retries.
#[derive(Debug)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// The body, in the provider's error format.
    pub body: Vec<u8>,
    /// The wait the provider asked for, if any.
    pub retry_after: Option<Duration>,
}

/// Why a request did not get a 2xx reply.
#[derive(Debug)]
pub enum Failure {
    /// The provider answered with an error status.
    Refused(Refusal),
    /// The connection could not be made; nothing was sent.
    Unreachable(String),
    /// The request may have been sent but no complete reply came back.
    Lost(String),
    /// No reply within the timeout; the request may have been carried out.
    TimedOut(Duration),
    /// A link in a reply points somewhere the token must not go.
    ForeignLink(String),
    /// A 2xx reply whose body is not what the API documents.
    Unparsable(String),
}

impl Failure {
    /// Everything but a refusal as the error a user can act on; a refusal is handed
    /// back for the provider to explain in its own terms. `lost_advice` says what to do
    /// when a reply was lost, which depends on whether the request can be repeated.
    pub fn into_error(
        self,
        provider: &'static str,
        origin: String,
        action: &str,
        lost_advice: &'static str,
    ) -> Result<Refusal, CloudError> {
        let action = action.to_owned();
        Err(match self {
            Self::Refused(refusal) => return Ok(refusal),
            Self::Unreachable(detail) => CloudError::Unreachable {
                provider,
                origin,
                detail,
            },
            Self::Lost(detail) => CloudError::ResponseLost {
                provider,
                action,
                detail,
                advice: lost_advice,
            },
            Self::TimedOut(timeout) => CloudError::Timeout {
                provider,
                action,
                secs: timeout.as_secs().max(1),
            },
            Self::Unparsable(detail) => CloudError::UnexpectedReply {
                provider,
                action,
                detail,
            },
            Self::ForeignLink(origin) => CloudError::UnexpectedReply {
                provider,
                action,
                detail: format!(
                    "a page link points to {origin}, not to the API; Slipway stopped so the \
                     token is not sent there"
                ),
            },
        })
    }
}

/// A blocking HTTP client for one provider. Build it on the thread that uses it:
/// reqwest's blocking client must not be created or dropped inside an async runtime.
pub struct Client {
    inner: ReqwestClient,
    base_url: Url,
    authorization: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the API at `config.base_url`.
    pub fn new(config: ClientConfig, clock: Arc<dyn Clock>) -> Result<Self, CloudError> {
        check_base_url(&config.base_url)?;
        let token = config.token.expose().trim();
        if token.is_empty() {
            return Err(CloudError::InvalidInput {
                field: "token",
                message: "the API token is empty; paste the token the provider showed you"
                    .to_owned(),
            });
        }
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                CloudError::InvalidInput {
                    field: "token",
                    message: "the API token contains characters no token has (spaces or line \
                          breaks inside it?); copy it again from the provider"
                        .to_owned(),
                }
            })?;
        authorization.set_sensitive(true);
        let inner = ReqwestClient::builder()
            .user_agent(USER_AGENT)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            // A redirect could carry the token to a host nobody configured.
            .redirect(Policy::none())
            .build()
            .map_err(|error| CloudError::Setup(cause(&error)))?;
        Ok(Self {
            inner,
            base_url: config.base_url,
            authorization,
            timeout: config.timeout,
            retry: config.retry,
            clock,
        })
    }

    /// Scheme, host and port of the API, for messages.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }

    /// The clock the client waits on.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The absolute URL of `path` (e.g. `/v2/droplets`) with `query` pairs encoded.
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(path);
        url.set_query(None);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Checks that a URL taken from a reply (a pagination link) points at the same API,
    /// so the token is never sent anywhere else.
    pub fn follow(&self, link: &str) -> Result<Url, Failure> {
        let url = Url::parse(link).map_err(|_| Failure::ForeignLink(link.to_owned()))?;
        if url.origin() == self.base_url.origin() {
            Ok(url)
        } else {
            Err(Failure::ForeignLink(url.origin().ascii_serialization()))
        }
    }

    /// Sends a request with an optional JSON body, retrying as the module describes.
    pub fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, Failure> {
        let payload = body.map(|value| value.to_string().into_bytes());
        let mut waited = Duration::ZERO;
        let mut retry = 0;
        loop {
            let (status, headers, bytes) = self.send_once(method, url, payload.as_deref())?;
            if (200..300).contains(&status) {
                return Ok(Reply {
                    status,
                    body: bytes,
                });
            }
            let hints = RetryHints::from_headers(&headers);
            let requested = hints.requested_wait(status, self.clock.now());
            let refusal = Refusal {
                status,
                body: bytes,
                retry_after: requested,
            };
            let retryable = status == 429 || (status >= 500 && method.is_idempotent());
            if !retryable || retry >= self.retry.max_retries {
                return Err(Failure::Refused(refusal));
            }
            let delay = requested.unwrap_or_else(|| self.retry.backoff(retry));
            if waited + delay > self.retry.max_total_wait {
                return Err(Failure::Refused(refusal));
            }
            self.clock.sleep(delay);
            waited += delay;
            retry += 1;
        }
    }

    /// One attempt: status, headers and body.
    fn send_once(
        &self,
        method: Method,
        url: &Url,
        payload: Option<&[u8]>,
    ) -> Result<(u16, HeaderMap, Vec<u8>), Failure> {
        let mut request = self
            .inner
            .request(method.to_reqwest(), url.clone())
            .header(header::AUTHORIZATION, self.authorization.clone())
            .header(header::ACCEPT, "application/json");
        if let Some(payload) = payload {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(payload.to_vec());
        }
        let response = request.send().map_err(|error| self.transport(&error))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut bytes = Vec::new();
        response
            .take(BODY_LIMIT)
            .read_to_end(&mut bytes)
            .map_err(|error| Failure::Lost(format!("the reply broke off: {error}")))?;
        Ok((status, headers, bytes))
    }

    /// A transport error, classified by whether the request may have arrived.
    fn transport(&self, error: &reqwest::Error) -> Failure {
        if error.is_timeout() {
            Failure::TimedOut(self.timeout)
        } else if error.is_connect() {
            Failure::Unreachable(cause(error))
        } else {
            Failure::Lost(cause(error))
        }
    }
}

/// Refuses a base URL that would send the token in clear text over a network.
fn check_base_url(url: &Url) -> Result<(), CloudError> {
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(CloudError::InvalidInput {
            field: "base_url",
            message: format!(
                "{} is not an https:// address; the API token may only travel encrypted \
                 (plain http is allowed for 127.0.0.1 and localhost only)",
                url.origin().ascii_serialization()
            ),
        }),
    }
}

/// The innermost cause of a reqwest error, which names the real problem ("Connection
/// refused (os error 111)"), without the URL reqwest's own text carries.
fn cause(error: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = error;
    let mut depth = 0;
    while let Some(source) = inner.source() {
        inner = source;
        depth += 1;
    }
    if depth == 0 {
        if error.is_builder() {
            "the request could not be built".to_owned()
        } else {
            "the request failed".to_owned()
        }
    } else {
        inner.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let delays: Vec<u64> = (0..7).map(|n| policy.backoff(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 16, 16]);
        assert_eq!(policy.backoff(40), Duration::from_secs(16));
    }

    #[test]
    fn retry_after_wins_over_the_reset_time() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let hints = RetryHints {
            retry_after: Some(Duration::from_secs(3)),
            reset_at: Some(now + Duration::from_secs(50)),
            remaining: Some(0),
        };
        assert_eq!(hints.requested_wait(429, now), Some(Duration::from_secs(3)));
    }

    #[test]
    fn an_exhausted_quota_waits_until_the_reset() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let hints = RetryHints {
            retry_after: None,
            reset_at: Some(now + Duration::from_secs(7)),
            remaining: Some(0),
        };
        assert_eq!(hints.requested_wait(429, now), Some(Duration::from_secs(7)));
        // A reset in the past still pauses a second; a 500 ignores the quota headers.
        let past = RetryHints {
            reset_at: Some(now - Duration::from_secs(7)),
            ..hints
        };
        assert_eq!(past.requested_wait(429, now), Some(Duration::from_secs(1)));
        assert_eq!(hints.requested_wait(500, now), None);
    }

    #[test]
    fn headers_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert("Retry-After", HeaderValue::from_static("29"));
        headers.insert("RateLimit-Reset", HeaderValue::from_static("1402425459"));
        headers.insert("ratelimit-remaining", HeaderValue::from_static("0"));
        let hints = RetryHints::from_headers(&headers);
        assert_eq!(hints.retry_after, Some(Duration::from_secs(29)));
        assert_eq!(
            hints.reset_at,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_402_425_459))
        );
        assert_eq!(hints.remaining, Some(0));
    }

    #[test]
    fn the_token_may_travel_only_encrypted_or_to_loopback() {
        for ok in [
            "https://api.digitalocean.com",
            "http://127.0.0.1:4000",
            "http://[::1]:4000",
            "http://localhost:4000",
        ] {
            check_base_url(&Url::parse(ok).expect("a URL")).expect(ok);
        }
        let error = check_base_url(&Url::parse("http://api.example.com").expect("a URL"))
            .expect_err("plain http to a remote host");
        assert!(
            error.to_string().contains("not an https:// address"),
            "{error}"
        );
    }
}
