//! Hetzner Cloud: servers, actions and SSH keys through API v1.
//!
//! [`Hetzner`] implements [`ServerProvider`](crate::ServerProvider). A Hetzner token
//! belongs to one project, so "the account" is that project. Refusals are turned into
//! [`CloudError`]s here, by Hetzner's error codes (`{"error": {"code", "message",
//! "details"}}`), with Hetzner's own message and what to do about it.
//!
//! A project's server carries two labels: `slipway=true` and `slipway-project=<id>`,
//! and is found with the label selector `slipway-project=<id>` before anything is
//! created, so a rerun after a lost reply never makes a second server. In
//! [`Server::tags`](crate::Server::tags) these labels read `slipway` and
//! `slipway-project-<id>`, as at DigitalOcean; other labels read `key=value`.
//!
//! Images are named like `debian-12` and `ubuntu-24.04` ([`image_name`]); prices are
//! in euros including VAT and differ between locations, so the catalogue holds one
//! [`Size`](crate::Size) per server type and location. Only x86 server types are
//! offered: the pickers pair systems with locations, not with processor kinds.

mod catalogue;
mod servers;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::Url;
use serde::de::DeserializeOwned;
use serde_json::Value;
use slipway_secrets::Secret;

use crate::clock::Clock;
use crate::error::CloudError;
use crate::http::{
    Client, ClientConfig, DEFAULT_TIMEOUT, Failure, Method, QuotaReset, Refusal, RetryPolicy,
};
use crate::provider::{Provider, message_or_status};
use crate::server::{ProjectTag, SLIPWAY_TAG, ServerId};

pub use catalogue::{image_name, os_of_image};

/// The production API.
pub const API_URL: &str = "https://api.hetzner.cloud/v1";

/// Where the user makes API tokens: each project has its own.
pub const TOKENS_URL: &str =
    "https://console.hetzner.cloud (open the project, then Security → API tokens)";

/// The label every server Slipway creates carries, with the value `true`.
pub const SLIPWAY_LABEL: &str = SLIPWAY_TAG;

/// The label that names a server's project; its value is the project's id.
pub const PROJECT_LABEL: &str = "slipway-project";

/// The most user data Hetzner accepts: 32 KiB.
pub const USER_DATA_LIMIT: usize = 32 * 1024;

/// The provider's name in messages.
const PROVIDER: &str = "Hetzner Cloud";

/// How Hetzner Cloud is named and advised about in messages.
const API: Provider = Provider {
    name: PROVIDER,
    tokens_url: TOKENS_URL,
    lost_post_advice: "Look in Hetzner's Cloud Console before trying again",
};

/// How to reach Hetzner Cloud.
#[derive(Debug, Clone)]
pub struct HetznerConfig {
    /// The API root including `/v1`: [`API_URL`], or a fake's address in tests.
    pub base_url: Url,
    /// A project's API token, with Read & Write permission to create servers.
    pub token: Secret<String>,
    /// How long one request may take.
    pub timeout: Duration,
    /// How hard to retry rate limits and server failures.
    pub retry: RetryPolicy,
    /// How often to look at a server while waiting for it.
    pub poll_interval: Duration,
    /// Items asked for per page (1-50).
    pub per_page: u32,
}

impl HetznerConfig {
    /// The production API with `token` and the defaults: 30 s per request, the default
    /// retry policy, a look every 3 s, 50 items a page.
    pub fn new(token: Secret<String>) -> Self {
        Self {
            base_url: Url::parse(API_URL).expect("the API address is a URL"),
            token,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_secs(3),
            per_page: 50,
        }
    }
}

/// A Hetzner Cloud project reached with one token.
#[derive(Debug)]
pub struct Hetzner {
    client: Client,
    poll_interval: Duration,
    per_page: u32,
    /// Actions started by servers this client created and not yet seen to succeed:
    /// the create action, then the start.
    actions: Mutex<HashMap<ServerId, Vec<u64>>>,
}

/// A refusal's body: Hetzner's code, message and the fields at fault.
#[derive(Debug)]
pub(crate) struct Problem {
    pub code: String,
    pub message: String,
    pub fields: Vec<wire::WireField>,
}

impl Problem {
    /// Reads a refusal's body; one that is not Hetzner's error format still names the
    /// status.
    fn of(refusal: &Refusal) -> Self {
        let parsed: Option<wire::ErrorBody> = serde_json::from_slice(&refusal.body).ok();
        let (code, message, fields) = parsed.map_or_else(Default::default, |body| {
            let fields = body.error.details.map(|d| d.fields).unwrap_or_default();
            (body.error.code, body.error.message, fields)
        });
        Self {
            code,
            message: message_or_status(Some(&message), refusal.status),
            fields,
        }
    }

    /// The message with each field's own messages: `invalid input in field 'image'
    /// (image: image not found)`.
    fn with_fields(&self) -> String {
        let details: Vec<String> = self
            .fields
            .iter()
            .filter(|field| !field.messages.is_empty())
            .map(|field| format!("{}: {}", field.name, field.messages.join(", ")))
            .collect();
        if details.is_empty() {
            self.message.clone()
        } else {
            format!("{} ({})", self.message, details.join("; "))
        }
    }

    fn id(&self) -> Option<String> {
        Some(self.code.clone()).filter(|code| !code.is_empty())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hetzner {
    /// A client for the project `config.token` opens. Sends nothing yet.
    pub fn new(config: HetznerConfig, clock: Arc<dyn Clock>) -> Result<Self, CloudError> {
        let client = Client::new(
            ClientConfig {
                base_url: config.base_url,
                token: config.token,
                timeout: config.timeout,
                retry: config.retry,
            },
            clock,
        )?
        // Hetzner's quota comes back one request a second; its reset time is when all
        // of it is back.
        .with_quota_reset(QuotaReset::FullQuota);
        Ok(Self {
            client,
            poll_interval: config.poll_interval,
            per_page: config.per_page.clamp(1, 50),
            actions: Mutex::new(HashMap::new()),
        })
    }

    /// One page of a list (the `key` list and `meta.pagination`), parsed.
    fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        key: &str,
        action: &str,
    ) -> Result<(Vec<T>, wire::Pagination), CloudError> {
        let url = self.client.api_url(path, query);
        let mut reply: Value = self
            .client
            .send_json(Method::Get, &url, None)
            .map_err(|failure| self.explain(failure, Method::Get, action))?;
        let list = reply
            .get_mut(key)
            .map(Value::take)
            .ok_or_else(|| API.unexpected(action, format!("the reply has no `{key}` list")))?;
        let items: Vec<T> = serde_json::from_value(list).map_err(|error| {
            API.unexpected(
                action,
                format!("the list `{key}` is not as documented: {error}"),
            )
        })?;
        let pagination = reply
            .pointer_mut("/meta/pagination")
            .map(Value::take)
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default();
        Ok((items, pagination))
    }

    /// Every item under `key` of a paged list, following `meta.pagination.next_page`.
    fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        key: &str,
        action: &str,
    ) -> Result<Vec<T>, CloudError> {
        let per_page = self.per_page.to_string();
        API.all_pages(action, 1, |page| {
            let number = page.to_string();
            let mut pairs = query.to_vec();
            pairs.push(("page", &number));
            pairs.push(("per_page", &per_page));
            let (chunk, pagination) = self.page(path, &pairs, key, action)?;
            let next = pagination
                .next_page
                .filter(|next| *next > page && !chunk.is_empty());
            Ok((chunk, next))
        })
    }

    /// Turns a failure into an error the user can act on.
    fn explain(&self, failure: Failure, method: Method, action: &str) -> CloudError {
        API.explain(&self.client, failure, method, action, |refusal| {
            explain_refusal(refusal, method, action)
        })
    }

    /// The actions still awaited for `server`.
    fn pending_actions(&self) -> MutexGuard<'_, HashMap<ServerId, Vec<u64>>> {
        lock(&self.actions)
    }
}

/// The label value for a project: Hetzner's rule for label values is at most 63
/// characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter
/// or digit. [`ProjectTag`] already keeps to 63 letters, digits, `-` and `_`.
pub fn project_label(project: &ProjectTag) -> Result<&str, CloudError> {
    let id = project.id();
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let valid = id.len() <= 63
        && alnum(id.chars().next())
        && alnum(id.chars().last())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(id)
    } else {
        Err(CloudError::InvalidInput {
            field: "project",
            message: format!(
                "\"{id}\" cannot label a server at Hetzner Cloud: a label value must start \
                 and end with a letter or digit; rename the project (for example to \
                 \"{}\")",
                id.trim_matches(|c: char| !c.is_ascii_alphanumeric())
            ),
        })
    }
}

/// The labels of a project's server: `slipway=true`, `slipway-project=<id>`.
fn server_labels(project_id: &str) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        (SLIPWAY_LABEL, "true".to_owned()),
        (PROJECT_LABEL, project_id.to_owned()),
    ])
}

/// A server's labels as tags: Slipway's two as at DigitalOcean (`slipway`,
/// `slipway-project-<id>`), the others as `key=value` (or `key` when empty), sorted.
pub(crate) fn labels_as_tags(labels: &BTreeMap<String, String>) -> Vec<String> {
    let mut tags: Vec<String> = labels
        .iter()
        .map(|(key, value)| match key.as_str() {
            SLIPWAY_LABEL if value == "true" => SLIPWAY_TAG.to_owned(),
            PROJECT_LABEL => format!("{PROJECT_LABEL}-{value}"),
            _ if value.is_empty() => key.clone(),
            _ => format!("{key}={value}"),
        })
        .collect();
    tags.sort();
    tags
}

/// A refusal as an error, by Hetzner's error code first and the status after.
fn explain_refusal(refusal: &Refusal, method: Method, action: &str) -> CloudError {
    let problem = Problem::of(refusal);
    let refused = |message: String| CloudError::Refused {
        provider: PROVIDER,
        action: action.to_owned(),
        status: refusal.status,
        id: problem.id(),
        message,
    };
    match (problem.code.as_str(), refusal.status) {
        ("unauthorized", _) | (_, 401) => API.invalid_token(problem.message),
        ("token_readonly", _) => API.read_only_token(action, problem.message),
        ("resource_limit_exceeded", _) => refused(format!(
            "{}. The project has reached a limit Hetzner sets on servers, cores or \
             addresses: destroy servers you no longer need, or ask Hetzner for a higher \
             limit in the Cloud Console (Limits, in the account menu)",
            problem.message
        )),
        ("forbidden", _) | (_, 403) if method == Method::Get => {
            API.missing_scope(action, problem.message)
        }
        ("forbidden", _) | (_, 403) => API.read_only_token(action, problem.message),
        ("rate_limit_exceeded", _) | (_, 429) => API.rate_limited(refusal, problem.message),
        ("locked" | "conflict", _) => refused(format!(
            "{}. Another action is running on it; wait a minute and try again",
            problem.message
        )),
        ("protected", _) => refused(format!(
            "{}. Protection is on for it: turn it off in the Cloud Console (the server's \
             Protection tab) and try again",
            problem.message
        )),
        _ => API.refusal(refusal, action, problem.id(), problem.with_fields()),
    }
}

/// Hetzner's error code of a refusal, if the failure is one.
fn error_code(failure: &Failure) -> Option<String> {
    match failure {
        Failure::Refused(refusal) => Some(Problem::of(refusal).code),
        _ => None,
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
    fn refusals_carry_hetzners_message_and_what_to_do() {
        let unauthorized = refusal(
            401,
            r#"{"error":{"code":"unauthorized","message":"unable to authenticate","details":null}}"#,
        );
        let text = explain_refusal(&unauthorized, Method::Get, "check the API token").to_string();
        assert_eq!(
            text,
            "Hetzner Cloud does not accept the API token: it is invalid or revoked (unable to \
             authenticate). Create a new token at https://console.hetzner.cloud (open the \
             project, then Security → API tokens) and store it in Slipway again"
        );
        let readonly = refusal(
            403,
            r#"{"error":{"code":"token_readonly","message":"The token is read-only.","details":{}}}"#,
        );
        let text = explain_refusal(&readonly, Method::Post, "add the SSH key").to_string();
        assert!(
            text.starts_with(
                "Hetzner Cloud refused to add the SSH key: the token is read-only: create one \
                 with write scope"
            ),
            "{text}"
        );
        let limit = refusal(
            403,
            r#"{"error":{"code":"resource_limit_exceeded","message":"server limit exceeded","details":{}}}"#,
        );
        let text = explain_refusal(&limit, Method::Post, "create server shop-web").to_string();
        assert!(
            text.starts_with(
                "Hetzner Cloud refused to create server shop-web (HTTP 403, \
                 resource_limit_exceeded): server limit exceeded. The project has reached a \
                 limit"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_body_that_is_not_hetzners_still_names_the_status() {
        let text =
            explain_refusal(&refusal(418, "<html>"), Method::Get, "list the images").to_string();
        assert_eq!(
            text,
            "Hetzner Cloud refused to list the images (HTTP 418): HTTP 418 with no message"
        );
        let text = explain_refusal(
            &refusal(
                422,
                r#"{"error":{"code":"invalid_input","message":"invalid input in field 'public_key'","details":{"fields":[{"name":"public_key","messages":["invalid public key"]}]}}}"#,
            ),
            Method::Post,
            "add the SSH key",
        )
        .to_string();
        assert_eq!(
            text,
            "Hetzner Cloud refused to add the SSH key (HTTP 422, invalid_input): invalid input \
             in field 'public_key' (public_key: invalid public key)"
        );
    }

    #[test]
    fn labels_read_as_digitalocean_tags() {
        let labels = BTreeMap::from([
            ("slipway".to_owned(), "true".to_owned()),
            ("slipway-project".to_owned(), "shop".to_owned()),
            ("env".to_owned(), "prod".to_owned()),
            ("backup".to_owned(), String::new()),
        ]);
        assert_eq!(
            labels_as_tags(&labels),
            ["backup", "env=prod", "slipway", "slipway-project-shop"]
        );
    }

    #[test]
    fn project_ids_must_make_valid_label_values() {
        let ok = ProjectTag::new("shop_2").expect("a project");
        assert_eq!(project_label(&ok).expect("a label"), "shop_2");
        let bad = ProjectTag::new("_shop-").expect("a project");
        let error = project_label(&bad).expect_err("starts with _");
        assert!(
            error
                .to_string()
                .starts_with("project: \"_shop-\" cannot label a server at Hetzner Cloud"),
            "{error}"
        );
        assert!(error.to_string().contains("\"shop\""), "{error}");
    }
}
