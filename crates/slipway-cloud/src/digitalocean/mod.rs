//! DigitalOcean: droplets, SSH keys and DNS records through API v2.
//!
//! One [`DigitalOcean`] value implements both [`ServerProvider`](crate::ServerProvider)
//! and [`DnsProvider`](crate::DnsProvider). Refusals are turned into
//! [`CloudError`]s here, with DigitalOcean's own message and what to do about it.

mod dns;
mod servers;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde::de::DeserializeOwned;
use slipway_secrets::Secret;

use crate::clock::Clock;
use crate::error::CloudError;
use crate::http::{Client, ClientConfig, DEFAULT_TIMEOUT, Failure, Method, Refusal, RetryPolicy};
use crate::provider::{Provider, message_or_status};

/// The production API.
pub const API_URL: &str = "https://api.digitalocean.com";

/// Where the user makes API tokens.
pub const TOKENS_URL: &str = "https://cloud.digitalocean.com/account/api/tokens";

/// The provider's name in messages.
const PROVIDER: &str = "DigitalOcean";

/// How DigitalOcean is named and advised about in messages.
const API: Provider = Provider {
    name: PROVIDER,
    tokens_url: TOKENS_URL,
    lost_post_advice: "Look in DigitalOcean's control panel before trying again",
};

/// How to reach DigitalOcean.
#[derive(Debug, Clone)]
pub struct DigitalOceanConfig {
    /// The API root: [`API_URL`], or a fake's address in tests.
    pub base_url: Url,
    /// A personal access token (`dop_v1_…`).
    pub token: Secret<String>,
    /// How long one request may take.
    pub timeout: Duration,
    /// How hard to retry rate limits and server failures.
    pub retry: RetryPolicy,
    /// How often to look at a server while waiting for it (DigitalOcean suggests 3-5 s).
    pub poll_interval: Duration,
    /// Items asked for per page (1-200). Fewer pages means fewer requests against the
    /// rate limit, which for SSH keys is 10 reads a minute.
    pub per_page: u32,
}

impl DigitalOceanConfig {
    /// The production API with `token` and the defaults: 30 s per request, the default
    /// retry policy, a look every 4 s, 200 items a page.
    pub fn new(token: Secret<String>) -> Self {
        Self {
            base_url: Url::parse(API_URL).expect("the API address is a URL"),
            token,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_secs(4),
            per_page: 200,
        }
    }
}

/// A DigitalOcean account reached with one token.
#[derive(Debug)]
pub struct DigitalOcean {
    client: Client,
    poll_interval: Duration,
    per_page: u32,
}

impl DigitalOcean {
    /// A client for the account `config.token` opens. Sends nothing yet.
    pub fn new(config: DigitalOceanConfig, clock: Arc<dyn Clock>) -> Result<Self, CloudError> {
        let client = Client::new(
            ClientConfig {
                base_url: config.base_url,
                token: config.token,
                timeout: config.timeout,
                retry: config.retry,
            },
            clock,
        )?;
        Ok(Self {
            client,
            poll_interval: config.poll_interval,
            per_page: config.per_page.clamp(1, 200),
        })
    }

    /// `GET` of one object.
    fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        action: &str,
    ) -> Result<T, CloudError> {
        let url = self.client.api_url(path, query);
        self.client
            .send_json(Method::Get, &url, None)
            .map_err(|failure| self.explain(failure, Method::Get, action))
    }

    /// Every item under `key` of a paged list, following `links.pages.next`.
    fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        key: &str,
        action: &str,
    ) -> Result<Vec<T>, CloudError> {
        let per_page = self.per_page.to_string();
        let mut query = query.to_vec();
        query.push(("per_page", &per_page));
        let explain = |failure| self.explain(failure, Method::Get, action);
        API.all_pages(action, self.client.api_url(path, &query), |url| {
            let mut page: serde_json::Value = self
                .client
                .send_json(Method::Get, &url, None)
                .map_err(explain)?;
            let list = page.get_mut(key).map(serde_json::Value::take);
            let list: Vec<T> =
                serde_json::from_value(list.unwrap_or_default()).map_err(|error| {
                    API.unexpected(
                        action,
                        format!("the list `{key}` is not as documented: {error}"),
                    )
                })?;
            let next = page
                .pointer("/links/pages/next")
                .and_then(serde_json::Value::as_str)
                .map(|link| self.client.follow(link).map_err(explain))
                .transpose()?;
            Ok((list, next))
        })
    }

    /// Turns a failure into an error the user can act on.
    fn explain(&self, failure: Failure, method: Method, action: &str) -> CloudError {
        API.explain(&self.client, failure, method, action, |refusal| {
            explain_refusal(refusal, method, action)
        })
    }
}

/// DigitalOcean's message in an error body, or a stand-in naming the status.
fn provider_message(refusal: &Refusal) -> (Option<String>, String) {
    let parsed: Option<wire::ErrorBody> = serde_json::from_slice(&refusal.body).ok();
    let (id, message) = parsed.map_or((None, None), |body| (body.id, body.message));
    (id, message_or_status(message.as_deref(), refusal.status))
}

/// A refusal as an error: a 403 by whether the request only read, anything else as
/// every API means its status.
fn explain_refusal(refusal: &Refusal, method: Method, action: &str) -> CloudError {
    let (id, message) = provider_message(refusal);
    match refusal.status {
        403 if method == Method::Get => API.missing_scope(action, message),
        403 => API.read_only_token(action, message),
        _ => API.refusal(refusal, action, id, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(status: u16, body: &str) -> Refusal {
        Refusal {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    #[test]
    fn refusals_carry_digitaloceans_message_and_what_to_do() {
        let unauthorized = refusal(
            401,
            r#"{"id":"unauthorized","message":"Unable to authenticate you."}"#,
        );
        let text = explain_refusal(&unauthorized, Method::Get, "check the API token").to_string();
        assert_eq!(
            text,
            "DigitalOcean does not accept the API token: it is invalid or revoked (Unable to \
             authenticate you.). Create a new token at \
             https://cloud.digitalocean.com/account/api/tokens and store it in Slipway again"
        );
        let forbidden = refusal(
            403,
            r#"{"id":"forbidden","message":"You do not have access for the attempted action."}"#,
        );
        let text = explain_refusal(&forbidden, Method::Post, "add the SSH key").to_string();
        assert!(text.contains("refused to add the SSH key: the token is read-only: create one with write scope at https://cloud.digitalocean.com/account/api/tokens"), "{text}");
        assert!(
            text.ends_with("(DigitalOcean said: You do not have access for the attempted action.)"),
            "{text}"
        );
        let text = explain_refusal(&forbidden, Method::Get, "list the regions").to_string();
        assert!(text.contains("scopes do not include it"), "{text}");
    }

    #[test]
    fn a_body_without_a_message_still_names_the_status() {
        let text =
            explain_refusal(&refusal(418, "<html>"), Method::Get, "list the sizes").to_string();
        assert_eq!(
            text,
            "DigitalOcean refused to list the sizes (HTTP 418): HTTP 418 with no message"
        );
        let text = explain_refusal(
            &refusal(409, r#"{"id":"conflict","message":"Busy."}"#),
            Method::Put,
            "update the DNS record",
        )
        .to_string();
        assert_eq!(
            text,
            "DigitalOcean refused to update the DNS record (HTTP 409, conflict): Busy."
        );
    }
}
