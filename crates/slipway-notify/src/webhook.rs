//! A JSON object sent by `POST` to any URL, optionally signed with HMAC-SHA256.
//!
//! The request is `POST <url>` with `Content-Type: application/json`, the header
//! `X-Slipway-Event: deploy` (or `rollback`, `certificate_check`, `test`), and the body
//! described in the crate documentation. With a secret, the header
//! `X-Slipway-Signature: sha256=<hex>` carries the HMAC-SHA256 of the exact body bytes
//! keyed with the secret, the scheme GitHub's webhooks use: the receiver recomputes it
//! over the raw body and compares in constant time. The secret itself is never sent.
//! Any 2xx reply counts as delivered.

use hmac::{Hmac, KeyInit, Mac};
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use sha2::Sha256;
use slipway_secrets::Secret;

use crate::compose::WebhookPayload;
use crate::error::{NotifyError, excerpt};
use crate::http::{Http, origin};

/// The header holding the payload's signature.
pub const SIGNATURE_HEADER: &str = "X-Slipway-Signature";
/// The header naming the event.
pub const EVENT_HEADER: &str = "X-Slipway-Event";

/// POSTs a JSON description of each outcome to a URL.
#[derive(Debug, Clone)]
pub struct JsonWebhook {
    /// Where to POST.
    pub url: String,
    /// The key the body is signed with, if the receiver checks signatures.
    pub secret: Option<Secret<String>>,
}

impl JsonWebhook {
    /// POSTs to `url`, signing with `secret` when given.
    pub fn new(url: impl Into<String>, secret: Option<Secret<String>>) -> Self {
        Self {
            url: url.into(),
            secret,
        }
    }

    /// What may be shown of the URL: scheme, host and port.
    pub(crate) fn target(&self) -> String {
        Url::parse(&self.url).map_or_else(|_| "an invalid URL".to_owned(), |url| origin(&url))
    }
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    use std::fmt::Write as _;

    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut text = String::with_capacity(7 + digest.len() * 2);
    text.push_str("sha256=");
    for byte in digest {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// POSTs `payload`.
pub(crate) fn send(
    http: &Http,
    webhook: &JsonWebhook,
    payload: &WebhookPayload,
) -> Result<(), NotifyError> {
    let url = Url::parse(&webhook.url).map_err(|error| NotifyError::InvalidUrl {
        field: "webhook URL",
        detail: error.to_string(),
        source_hint: "the service that receives the webhook",
    })?;
    let target = origin(&url);
    let body = serde_json::to_vec(payload)
        .map_err(|error| NotifyError::Internal(format!("could not write the payload: {error}")))?;
    let mut request = http
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header(EVENT_HEADER, payload.event);
    if let Some(secret) = &webhook.secret {
        request = request.header(
            SIGNATURE_HEADER,
            signature(secret.expose().as_bytes(), &body),
        );
    }
    let reply = http.send(&format!("the webhook at {target}"), request.body(body))?;
    if reply.is_success() {
        Ok(())
    } else {
        Err(NotifyError::Webhook {
            target,
            status: reply.status,
            excerpt: excerpt(&reply.body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_rfc_4231_test_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_the_origin_of_the_url_is_shown() {
        let webhook = JsonWebhook::new("https://hooks.example.com:8443/in/t0ken?x=1", None);
        assert_eq!(webhook.target(), "https://hooks.example.com:8443");
        assert_eq!(JsonWebhook::new("nope", None).target(), "an invalid URL");
    }
}
