//! The JSON-over-HTTPS client every provider shares: a `slipway/<version>` User-Agent,
//! a bearer token that never leaves the `Authorization` header, a configurable base URL,
//! and retries with backoff for rate limits and server failures.
//!
//! It knows nothing about any provider's error format: a refusal comes back as a
//! [`Failure::Refused`] with the status and body, and the provider's module turns it into
//! a [`CloudError`] with the provider's own message and advice.
//!
//! # Retries
//! - **429** is retried for every method: a rate-limited request was not carried out.
//! - **5xx** is retried for `GET`, `PUT`, `PATCH` and `DELETE` only. A `POST` that failed
//!   on the provider's side may still have created something, and a blind retry could
//!   create a second server (and a second bill): the caller decides, usually by looking
//!   for what it meant to create.
//! - The wait is the provider's `Retry-After` (seconds or an HTTP date) when it sent
//!   one; else, on a 429, until the quota's reset time when no requests are left
//!   (`ratelimit-reset` in epoch seconds, or Cloudflare's `x-ratelimit-reset`), or for a
//!   provider whose quota refills evenly ([`QuotaReset::FullQuota`]) one request's share
//!   of that time; else an exponential backoff. Waits stop when the next one would pass
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

/// How long one request may take unless a provider's configuration says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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

/// The retries left for one request under a [`RetryPolicy`], and the time spent
/// waiting so far.
pub(crate) struct Retries<'a> {
    policy: &'a RetryPolicy,
    clock: &'a dyn Clock,
    waited: Duration,
    done: u32,
}

impl<'a> Retries<'a> {
    /// A request's retries, none spent yet, waited out on `clock`.
    pub(crate) fn new(policy: &'a RetryPolicy, clock: &'a dyn Clock) -> Self {
        Self {
            policy,
            clock,
            waited: Duration::ZERO,
            done: 0,
        }
    }

    /// Waits before the next attempt: `requested` (the provider's own wait) or else the
    /// backoff. False, without waiting, when the retries or the time to wait are used
    /// up.
    pub(crate) fn wait(&mut self, requested: Option<Duration>) -> bool {
        if self.done >= self.policy.max_retries {
            return false;
        }
        let delay = requested.unwrap_or_else(|| self.policy.backoff(self.done));
        if self.waited + delay > self.policy.max_total_wait {
            return false;
        }
        self.clock.sleep(delay);
        self.waited += delay;
        self.done += 1;
        true
    }
}

/// What a provider's quota reset time (`ratelimit-reset`) means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QuotaReset {
    /// When the oldest counted request expires, so one more may be sent then
    /// (DigitalOcean).
    #[default]
    NextRequest,
    /// When the whole quota is back; it refills evenly until then, so one more request
    /// may be sent after the reset time divided by the requests missing (Hetzner, whose
    /// 3,600 requests an hour come back one a second).
    FullQuota,
}

/// What a reply's headers say about when to retry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryHints {
    /// `Retry-After`, in seconds or as an HTTP date.
    pub retry_after: Option<Duration>,
    /// `ratelimit-reset` (epoch seconds), or else `x-ratelimit-reset` (epoch seconds,
    /// seconds from now, or an HTTP date): when the quota resets.
    pub reset_at: Option<SystemTime>,
    /// `ratelimit-remaining`, or else `x-ratelimit-remaining`.
    pub remaining: Option<u64>,
    /// `ratelimit-limit`, or else `x-ratelimit-limit`: the quota.
    pub limit: Option<u64>,
}

/// Month names in HTTP dates.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days in a common year before each month.
const BEFORE_MONTH: [u64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// Numbers at least this large in `x-ratelimit-reset` are epoch seconds (2001 onwards);
/// smaller ones are seconds from now.
const EPOCH_THRESHOLD: u64 = 1_000_000_000;

impl RetryHints {
    /// Reads the hints from a reply's headers (names compared case-insensitively), as
    /// seen now by the system clock.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self::from_headers_at(headers, SystemTime::now())
    }

    /// Reads the hints from a reply's headers as seen at `now` (which turns relative
    /// times into absolute ones and dates into waits).
    pub fn from_headers_at(headers: &HeaderMap, now: SystemTime) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
        };
        let number = |name: &str| text(name).and_then(|text| text.parse::<u64>().ok());
        let epoch = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let retry_after = text("retry-after").and_then(|text| match text.parse::<u64>() {
            Ok(secs) => Some(Duration::from_secs(secs)),
            Err(_) => {
                parse_http_date(text).map(|date| date.duration_since(now).unwrap_or_default())
            }
        });
        let reset_at = number("ratelimit-reset").map(epoch).or_else(|| {
            let text = text("x-ratelimit-reset")?;
            match text.parse::<u64>() {
                Ok(secs) if secs >= EPOCH_THRESHOLD => Some(epoch(secs)),
                Ok(secs) => Some(now + Duration::from_secs(secs)),
                Err(_) => parse_http_date(text),
            }
        });
        Self {
            retry_after,
            reset_at,
            remaining: number("ratelimit-remaining").or_else(|| number("x-ratelimit-remaining")),
            limit: number("ratelimit-limit").or_else(|| number("x-ratelimit-limit")),
        }
    }

    /// The wait the provider asked for, if any, as seen at `now`, reading the reset time
    /// as DigitalOcean means it ([`QuotaReset::NextRequest`]).
    pub fn requested_wait(&self, status: u16, now: SystemTime) -> Option<Duration> {
        self.requested_wait_for(status, now, QuotaReset::NextRequest)
    }

    /// The wait the provider asked for, if any, as seen at `now`, reading the reset time
    /// as `reset` says. `Retry-After` always wins; the quota headers count only on a 429
    /// with no requests left (or no count given).
    pub fn requested_wait_for(
        &self,
        status: u16,
        now: SystemTime,
        reset: QuotaReset,
    ) -> Option<Duration> {
        if let Some(wait) = self.retry_after {
            return Some(wait);
        }
        if status == 429 && self.remaining.is_none_or(|left| left == 0) {
            let reset_at = self.reset_at?;
            let mut wait = reset_at.duration_since(now).unwrap_or_default();
            if reset == QuotaReset::FullQuota
                && let Some(missing) = self
                    .limit
                    .map(|limit| limit.saturating_sub(self.remaining.unwrap_or(0)))
                    .filter(|missing| *missing > 0)
            {
                // One request's share of the refill, in whole seconds.
                let share = wait.as_secs().div_ceil(missing);
                wait = wait.min(Duration::from_secs(share));
            }
            // A reset already past (clock skew) still deserves a pause.
            return Some(wait.max(Duration::from_secs(1)));
        }
        None
    }
}

/// An HTTP date in the IMF-fixdate form RFC 9110 requires of senders
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), as RFC 1123 dates are written.
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let mut fields = text.split_whitespace();
    let _weekday = fields.next()?.strip_suffix(',')?;
    let day: u64 = fields.next()?.parse().ok()?;
    let month = fields.next()?;
    let year: u64 = fields.next()?.parse().ok()?;
    let mut clock = fields.next()?.split(':').map(str::parse::<u64>);
    let (Some(Ok(hour)), Some(Ok(minute)), Some(Ok(second)), None) =
        (clock.next(), clock.next(), clock.next(), clock.next())
    else {
        return None;
    };
    if fields.next()? != "GMT" || fields.next().is_some() {
        return None;
    }
    let month = 1 + u64::try_from(MONTHS.iter().position(|name| *name == month)?).ok()?;
    let valid = (1970..=9999).contains(&year)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61;
    if !valid {
        return None;
    }
    let days = days_since_epoch(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// A time as an IMF-fixdate HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), to the
/// second; times before 1970 are written as 1970-01-01.
pub fn format_http_date(time: SystemTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut days = secs / 86_400;
    let weekday = WEEKDAYS[usize::try_from(days % 7).unwrap_or(0)];
    let leap = |year: u64| {
        (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
    };
    let mut year = 1970;
    loop {
        let length = if leap(year) { 366 } else { 365 };
        if days < length {
            break;
        }
        days -= length;
        year += 1;
    }
    let mut month = 0;
    loop {
        let length = match month {
            1 if leap(year) => 29,
            1 => 28,
            3 | 5 | 8 | 10 => 30,
            _ => 31,
        };
        if days < length {
            break;
        }
        days -= length;
        month += 1;
    }
    let rest = secs % 86_400;
    format!(
        "{weekday}, {:02} {} {year} {:02}:{:02}:{:02} GMT",
        days + 1,
        MONTHS[month],
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year 1970 or
/// later): whole years of 365 days plus their leap days, then whole months.
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let leap = |year: u64| {
        (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
    };
    let leap_days_before = |year: u64| {
        let y = year - 1;
        (y / 4 - y / 100 + y / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400)
    };
    let month_index = usize::try_from(month - 1).unwrap_or(0).min(11);
    let mut days = (year - 1970) * 365 + leap_days_before(year) + BEFORE_MONTH[month_index];
    if month > 2 && leap(year) {
        days += 1;
    }
    days + day - 1
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
    /// The API's root, e.g. `https://api.digitalocean.com` or
    /// `https://api.hetzner.cloud/v1`; tests use the fake's address. Must be `https`
    /// unless it is a loopback address.
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
    /// Whether this is a refusal with `status`.
    pub fn is_status(&self, status: u16) -> bool {
        matches!(self, Self::Refused(refusal) if refusal.status == status)
    }

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
    /// The base URL's path without a final `/`, e.g. `/v1`.
    prefix: String,
    authorization: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
    quota_reset: QuotaReset,
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
        check_encrypted(&config.base_url, "base_url", "API token")?;
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
        Ok(Self {
            inner: blocking_client(config.timeout)?,
            prefix: config.base_url.path().trim_end_matches('/').to_owned(),
            base_url: config.base_url,
            authorization,
            timeout: config.timeout,
            retry: config.retry,
            quota_reset: QuotaReset::default(),
            clock,
        })
    }

    /// The client, reading the provider's quota reset time as `reset` says (the default
    /// is [`QuotaReset::NextRequest`]).
    #[must_use]
    pub fn with_quota_reset(mut self, reset: QuotaReset) -> Self {
        self.quota_reset = reset;
        self
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
    /// The path replaces the base URL's own; see [`Self::api_url`] for one under it.
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(path);
        url.set_query(None);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// The absolute URL of `path` under the base URL's own path (`/servers` under
    /// `https://api.hetzner.cloud/v1` is `https://api.hetzner.cloud/v1/servers`), with
    /// `query` pairs encoded.
    pub fn api_url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        self.url(&format!("{}{path}", self.prefix), query)
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
        let mut retries = Retries::new(&self.retry, self.clock.as_ref());
        loop {
            let (status, headers, bytes) = self.send_once(method, url, payload.as_deref())?;
            if (200..300).contains(&status) {
                return Ok(Reply {
                    status,
                    body: bytes,
                });
            }
            let now = self.clock.now();
            let hints = RetryHints::from_headers_at(&headers, now);
            let requested = hints.requested_wait_for(status, now, self.quota_reset);
            let retryable = status == 429 || (status >= 500 && method.is_idempotent());
            if !retryable || !retries.wait(requested) {
                return Err(Failure::Refused(Refusal {
                    status,
                    body: bytes,
                    retry_after: requested,
                }));
            }
        }
    }

    /// Sends a request and parses the JSON reply.
    pub fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, Failure> {
        let reply = self.send(method, url, body)?;
        reply.json().map_err(|error| {
            Failure::Unparsable(format!(
                "the reply is not the JSON the API documents: {error}"
            ))
        })
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
        let response = request
            .send()
            .map_err(|error| transport_failure(&error, self.timeout))?;
        read_reply(response, BODY_LIMIT)
    }
}

/// A blocking reqwest client with Slipway's habits: the `slipway/<version>`
/// User-Agent, `timeout` per request, and no redirects (a redirect could carry the
/// credentials to a host nobody configured).
pub(crate) fn blocking_client(timeout: Duration) -> Result<ReqwestClient, CloudError> {
    ReqwestClient::builder()
        .user_agent(USER_AGENT)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(Policy::none())
        .build()
        .map_err(|error| CloudError::Setup(cause(&error)))
}

/// A reply's status, headers and body (at most `limit` bytes of it).
pub(crate) fn read_reply(
    response: reqwest::blocking::Response,
    limit: u64,
) -> Result<(u16, HeaderMap, Vec<u8>), Failure> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut bytes = Vec::new();
    response
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|error| Failure::Lost(format!("the reply broke off: {error}")))?;
    Ok((status, headers, bytes))
}

/// A transport error, classified by whether the request may have arrived.
pub(crate) fn transport_failure(error: &reqwest::Error, timeout: Duration) -> Failure {
    if error.is_timeout() {
        Failure::TimedOut(timeout)
    } else if error.is_connect() {
        Failure::Unreachable(cause(error))
    } else {
        Failure::Lost(cause(error))
    }
}

/// Refuses an address that would send `secret` (what it is, for the message: "API
/// token") in clear text over a network: it must be `https`, or plain `http` on
/// loopback. `field` names the setting in the error.
pub(crate) fn check_encrypted(
    url: &Url,
    field: &'static str,
    secret: &str,
) -> Result<(), CloudError> {
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
            field,
            message: format!(
                "{} is not an https:// address; the {secret} may only travel encrypted \
                 (plain http is allowed for 127.0.0.1 and localhost only)",
                url.origin().ascii_serialization()
            ),
        }),
    }
}

/// The innermost cause of a reqwest error, which names the real problem ("Connection
/// refused (os error 111)"), without reqwest's own text, which carries the URL (and so,
/// for a request with its parameters in the query, any key among them).
pub(crate) fn cause(error: &reqwest::Error) -> String {
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
    fn retries_stop_at_the_count_or_the_total_wait() {
        let clock = crate::clock::ManualClock::new();
        let policy = RetryPolicy::default();
        let mut retries = Retries::new(&policy, &clock);
        assert!(retries.wait(None));
        assert!(retries.wait(Some(Duration::from_secs(30))));
        // 31 s waited: a backoff of 4 s fits, a requested 30 s does not.
        assert!(!retries.wait(Some(Duration::from_secs(30))));
        assert!(retries.wait(None));
        assert!(retries.wait(None));
        assert!(!retries.wait(None), "four retries at most");
        assert_eq!(
            clock.sleeps(),
            [1, 30, 4, 8].map(Duration::from_secs).to_vec()
        );
    }

    #[test]
    fn retry_after_wins_over_the_reset_time() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let hints = RetryHints {
            retry_after: Some(Duration::from_secs(3)),
            reset_at: Some(now + Duration::from_secs(50)),
            remaining: Some(0),
            limit: None,
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
            limit: None,
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
    fn hetzners_headers_are_read_and_its_reset_is_a_full_quota() {
        // Hetzner's reply to a request over its limit: no Retry-After, the reset is when
        // all 3,600 requests are back, one a second.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        headers.insert("RateLimit-Limit", HeaderValue::from_static("3600"));
        headers.insert("RateLimit-Remaining", HeaderValue::from_static("0"));
        headers.insert("RateLimit-Reset", HeaderValue::from_static("1700003600"));
        let hints = RetryHints::from_headers_at(&headers, now);
        assert_eq!(hints.limit, Some(3600));
        assert_eq!(hints.remaining, Some(0));
        assert_eq!(
            hints.reset_at,
            Some(now + Duration::from_hours(1)),
            "epoch seconds"
        );
        assert_eq!(
            hints.requested_wait_for(429, now, QuotaReset::FullQuota),
            Some(Duration::from_secs(1)),
            "one request's share of the refill"
        );
        assert_eq!(
            hints.requested_wait_for(429, now, QuotaReset::NextRequest),
            Some(Duration::from_hours(1))
        );
        // A small quota refills more slowly: 10 an hour is one every 6 minutes.
        let small = RetryHints {
            limit: Some(10),
            ..hints
        };
        assert_eq!(
            small.requested_wait_for(429, now, QuotaReset::FullQuota),
            Some(Duration::from_mins(6))
        );
    }

    #[test]
    fn cloudflares_reset_may_be_a_date_a_delta_or_an_epoch() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let reset = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert("X-RateLimit-Reset", HeaderValue::from_static(value));
            headers.insert("X-RateLimit-Remaining", HeaderValue::from_static("0"));
            RetryHints::from_headers_at(&headers, now)
        };
        // 1700000077 is Tue, 14 Nov 2023 22:14:37 GMT.
        let expected = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_077));
        assert_eq!(reset("Tue, 14 Nov 2023 22:14:37 GMT").reset_at, expected);
        assert_eq!(reset("1700000077").reset_at, expected);
        assert_eq!(reset("77").reset_at, expected);
        let hints = reset("77");
        assert_eq!(hints.remaining, Some(0));
        assert_eq!(
            hints.requested_wait(429, now),
            Some(Duration::from_secs(77))
        );
        // DigitalOcean's header wins over Cloudflare's when both are there.
        let mut headers = HeaderMap::new();
        headers.insert("ratelimit-reset", HeaderValue::from_static("1700000010"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("77"));
        assert_eq!(
            RetryHints::from_headers_at(&headers, now).reset_at,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_010))
        );
    }

    #[test]
    fn retry_after_may_be_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_770);
        let mut headers = HeaderMap::new();
        headers.insert(
            "Retry-After",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        let hints = RetryHints::from_headers_at(&headers, now);
        assert_eq!(hints.retry_after, Some(Duration::from_secs(7)));
    }

    #[test]
    fn http_dates_are_read_exactly_and_nonsense_is_not() {
        let at = |text: &str| {
            parse_http_date(text).map(|time| {
                time.duration_since(SystemTime::UNIX_EPOCH)
                    .expect("after 1970")
                    .as_secs()
            })
        };
        assert_eq!(at("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(at("Tue, 29 Feb 2000 12:00:00 GMT"), Some(951_825_600));
        assert_eq!(at("Wed, 01 Mar 2000 00:00:00 GMT"), Some(951_868_800));
        assert_eq!(at("Fri, 31 Dec 2100 23:59:59 GMT"), Some(4_133_980_799));
        assert_eq!(at("Thu, 26 Nov 2026 06:51:00 GMT"), Some(1_795_675_860));
        for secs in [0, 951_825_600, 951_868_800, 4_133_980_799, 1_795_675_860] {
            let time = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(at(&format_http_date(time)), Some(secs), "{secs}");
        }
        assert_eq!(
            format_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        for bad in [
            "",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_token_may_travel_only_encrypted_or_to_loopback() {
        for ok in [
            "https://api.digitalocean.com",
            "http://127.0.0.1:4000",
            "http://[::1]:4000",
            "http://localhost:4000",
        ] {
            check_encrypted(&Url::parse(ok).expect("a URL"), "base_url", "API token").expect(ok);
        }
        let error = check_encrypted(
            &Url::parse("http://api.example.com").expect("a URL"),
            "base_url",
            "API token",
        )
        .expect_err("plain http to a remote host");
        assert!(
            error.to_string().contains("not an https:// address"),
            "{error}"
        );
    }
}
