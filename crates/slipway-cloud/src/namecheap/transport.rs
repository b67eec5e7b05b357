//! Namecheap's transport: every command goes to one URL, as a `GET` with the
//! parameters in the query or a `POST` with them as a form, and every answer (errors
//! included) is XML with HTTP 200. The shared JSON client does not fit that, so this
//! is a small reqwest client with the same habits: the `slipway/<version>` User-Agent,
//! a timeout, no redirects, and nothing that could carry the API key into a message.

use std::io::Read as _;
use std::time::Duration;

use reqwest::Url;
use reqwest::blocking::Client as ReqwestClient;
use reqwest::header::{self, HeaderMap};
use reqwest::redirect::Policy;

use crate::error::CloudError;
use crate::http::{Failure, USER_AGENT};

/// The most of a reply body read: a domain's host list is a few kilobytes.
const BODY_LIMIT: u64 = 4 * 1024 * 1024;

/// How the parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// In the query string: reads.
    Get,
    /// As an `application/x-www-form-urlencoded` body: `setHosts`, whose parameters
    /// outgrow a URL.
    PostForm,
}

/// One attempt's answer, whatever its status.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers (for `Retry-After`).
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

/// A blocking client for the one endpoint.
#[derive(Debug)]
pub struct Transport {
    inner: ReqwestClient,
    endpoint: Url,
    timeout: Duration,
}

impl Transport {
    /// A client for `endpoint`, which must be `https` (or plain `http` on loopback).
    pub fn new(endpoint: Url, timeout: Duration) -> Result<Self, CloudError> {
        check_endpoint(&endpoint)?;
        let inner = ReqwestClient::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // A redirect could carry the API key to a host nobody configured.
            .redirect(Policy::none())
            .build()
            .map_err(|error| CloudError::Setup(cause(&error)))?;
        Ok(Self {
            inner,
            endpoint,
            timeout,
        })
    }

    /// Scheme, host and port of the endpoint, for messages.
    pub fn origin(&self) -> String {
        self.endpoint.origin().ascii_serialization()
    }

    /// Sends the parameters once.
    pub fn send(&self, verb: Verb, pairs: &[(&str, &str)]) -> Result<Answer, Failure> {
        let request = match verb {
            Verb::Get => {
                let mut url = self.endpoint.clone();
                url.set_query(None);
                url.query_pairs_mut().extend_pairs(pairs);
                self.inner.get(url)
            }
            Verb::PostForm => self
                .inner
                .post(self.endpoint.clone())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form_encode(pairs)),
        };
        let response = request
            .header(header::ACCEPT, "text/xml, application/xml")
            .send()
            .map_err(|error| self.transport(&error))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        response
            .take(BODY_LIMIT)
            .read_to_end(&mut body)
            .map_err(|error| Failure::Lost(format!("the reply broke off: {error}")))?;
        Ok(Answer {
            status,
            headers,
            body,
        })
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

/// `application/x-www-form-urlencoded`: letters, digits and `*-._` as they are, a space
/// as `+`, every other byte as `%XX`.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str, out: &mut String| {
        for byte in text.bytes() {
            match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(char::from(byte));
                }
                b' ' => out.push('+'),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789ABCDEF";
                    out.push('%');
                    out.push(char::from(HEX[usize::from(byte >> 4)]));
                    out.push(char::from(HEX[usize::from(byte & 0x0f)]));
                }
            }
        }
    };
    let mut out = String::new();
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        encode(key, &mut out);
        out.push('=');
        encode(value, &mut out);
    }
    out
}

/// Refuses an endpoint that would send the API key in clear text over a network.
fn check_endpoint(url: &Url) -> Result<(), CloudError> {
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
            field: "endpoint",
            message: format!(
                "{} is not an https:// address; the Namecheap API key may only travel \
                 encrypted (plain http is allowed for 127.0.0.1 and localhost only)",
                url.origin().ascii_serialization()
            ),
        }),
    }
}

/// The innermost cause of a reqwest error ("Connection refused (os error 111)"),
/// without reqwest's own text, which carries the URL and so, for a read, the API key.
fn cause(error: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = error;
    let mut depth = 0;
    while let Some(source) = inner.source() {
        inner = source;
        depth += 1;
    }
    if depth == 0 {
        "the request failed".to_owned()
    } else {
        inner.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_encoded_like_browsers_do() {
        assert_eq!(
            form_encode(&[
                ("Address1", "v=spf1 a:x ~all"),
                ("HostName1", "_dmarc"),
                ("k", "é&=")
            ]),
            "Address1=v%3Dspf1+a%3Ax+%7Eall&HostName1=_dmarc&k=%C3%A9%26%3D"
        );
    }

    #[test]
    fn the_key_may_travel_only_encrypted_or_to_loopback() {
        for ok in [
            "https://api.namecheap.com/xml.response",
            "http://127.0.0.1:4000/xml.response",
            "http://localhost:4000/xml.response",
        ] {
            check_endpoint(&Url::parse(ok).expect("a URL")).expect(ok);
        }
        let error =
            check_endpoint(&Url::parse("http://api.namecheap.com/xml.response").expect("a URL"))
                .expect_err("plain http to a remote host");
        assert!(
            error.to_string().contains("not an https:// address"),
            "{error}"
        );
    }
}
