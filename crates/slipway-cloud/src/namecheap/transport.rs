//! Namecheap's transport: every command goes to one URL, as a `GET` with the
//! parameters in the query or a `POST` with them as a form, and every answer (errors
//! included) is XML with HTTP 200. The shared JSON client does not fit that, so this
//! sends through the same reqwest setup ([`http::blocking_client`]: the
//! `slipway/<version>` User-Agent, a timeout, no redirects) and reads replies and
//! transport errors the same way, with nothing that could carry the API key into a
//! message.

use std::time::Duration;

use reqwest::Url;
use reqwest::blocking::Client as ReqwestClient;
use reqwest::header::{self, HeaderMap};

use crate::error::CloudError;
use crate::http::{self, Failure};

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
        http::check_encrypted(&endpoint, "endpoint", "Namecheap API key")?;
        Ok(Self {
            inner: http::blocking_client(timeout)?,
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
            .map_err(|error| http::transport_failure(&error, self.timeout))?;
        let (status, headers, body) = http::read_reply(response, BODY_LIMIT)?;
        Ok(Answer {
            status,
            headers,
            body,
        })
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
            Transport::new(Url::parse(ok).expect("a URL"), Duration::from_secs(1)).expect(ok);
        }
        let error = Transport::new(
            Url::parse("http://api.namecheap.com/xml.response").expect("a URL"),
            Duration::from_secs(1),
        )
        .expect_err("plain http to a remote host");
        assert!(
            error
                .to_string()
                .starts_with("endpoint: http://api.namecheap.com is not an https:// address; the Namecheap API key may only travel encrypted"),
            "{error}"
        );
    }
}
