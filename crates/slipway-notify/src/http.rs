//! The one HTTP client setup every HTTP channel shares: a `slipway/<version>` User-Agent,
//! a short timeout, no redirects, and errors that never carry the request's URL.

use std::io::Read as _;
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::redirect::Policy;

use crate::error::NotifyError;

/// The User-Agent of every request: services such as GitHub refuse requests without one,
/// and it tells a webhook's owner who is calling.
pub const USER_AGENT: &str = concat!("slipway/", env!("CARGO_PKG_VERSION"));

/// The most of a reply body read; replies here are a few hundred bytes.
const BODY_LIMIT: u64 = 64 * 1024;

/// A reply: status and (the start of) its body.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The body as text (lossy UTF-8), at most 64 KiB.
    pub body: String,
}

impl Reply {
    /// Whether the status is 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A blocking HTTP client. Build it on the thread that uses it: reqwest's blocking
/// client must not be created or dropped inside an async runtime.
pub(crate) struct Http {
    client: Client,
    timeout: Duration,
}

impl Http {
    /// A client whose requests give up after `timeout`.
    pub(crate) fn new(timeout: Duration) -> Result<Self, NotifyError> {
        let client = Client::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would re-send a signed body or a token to an address nobody
            // configured; services here never redirect a POST.
            .redirect(Policy::none())
            .build()
            .map_err(|error| {
                NotifyError::Internal(format!("could not set up HTTPS: {}", cause(&error)))
            })?;
        Ok(Self { client, timeout })
    }

    /// A POST request to `url`.
    pub(crate) fn post(&self, url: reqwest::Url) -> RequestBuilder {
        self.client.post(url)
    }

    /// Sends `request` and reads the reply. `service` names the other side in errors.
    pub(crate) fn send(
        &self,
        service: &str,
        request: RequestBuilder,
    ) -> Result<Reply, NotifyError> {
        let response = request
            .send()
            .map_err(|error| self.transport_error(service, &error))?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        response
            .take(BODY_LIMIT)
            .read_to_end(&mut bytes)
            .map_err(|error| NotifyError::Unreachable {
                service: service.to_owned(),
                detail: format!("the reply broke off: {error}"),
            })?;
        Ok(Reply {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// A failed request as a user-facing error. The URL is dropped first: for Slack it
    /// is the credential.
    fn transport_error(&self, service: &str, error: &reqwest::Error) -> NotifyError {
        if error.is_timeout() {
            NotifyError::Timeout {
                service: service.to_owned(),
                secs: self.timeout.as_secs().max(1),
            }
        } else {
            NotifyError::Unreachable {
                service: service.to_owned(),
                detail: cause(error),
            }
        }
    }
}

/// The innermost cause of a reqwest error, which names the real problem ("Connection
/// refused (os error 111)", "dns error: ..."), without any URL.
fn cause(error: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = error;
    let mut depth = 0;
    while let Some(source) = inner.source() {
        inner = source;
        depth += 1;
    }
    if depth == 0 {
        // No source: reqwest's own text, which may hold the URL, so it is not used.
        if error.is_builder() {
            "the request could not be built".to_owned()
        } else {
            "the request failed".to_owned()
        }
    } else {
        inner.to_string()
    }
}

/// Scheme, host and port of a URL: what may be shown of an address whose path could
/// hold a token.
pub(crate) fn origin(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}
