//! Cloudflare: address records in a zone through API v4.
//!
//! [`Cloudflare`] implements [`DnsProvider`]. The zone is found by its exact name
//! (`GET /zones?name=…&status=active`), walking up from a subdomain to its parents
//! (`app.example.com`, then `example.com`); records by type and full name
//! (`GET /zones/{id}/dns_records?type=…&name=…`); a missing record is created with
//! `POST`, a wrong one overwritten in place with `PUT`, so a rerun never makes a
//! duplicate. The records Slipway manages are always left unproxied: the server needs
//! visitors to reach it directly to get its HTTP-01 certificate.
//!
//! Every reply is Cloudflare's envelope (`success`, `errors[{code,message}]`,
//! `messages`, `result`, `result_info`); a refusal is a 4xx with `success: false`, and
//! its codes and messages end up in the error with what to do about them.
//!
//! [`Cloudflare::check_token`] checks a token up front with `GET /user/tokens/verify`.
//! Rate limits are waited out as `Retry-After` says, or else until `X-RateLimit-Reset`
//! (an HTTP date, or seconds) when no requests are left.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use slipway_secrets::Secret;

use crate::clock::Clock;
use crate::dns::{
    AddressRecords, DesiredRecord, DnsProvider, DnsReport, ExistingRecord, RecordChange,
    RecordOutcome, RecordPlan, find_zone, plan_record, upsert_each,
};
use crate::error::CloudError;
use crate::http::{Client, ClientConfig, DEFAULT_TIMEOUT, Failure, Method, Refusal, RetryPolicy};
use crate::provider::Provider;

/// The production API.
pub const API_URL: &str = "https://api.cloudflare.com/client/v4";

/// Where the user makes API tokens.
pub const TOKENS_URL: &str = "https://dash.cloudflare.com/profile/api-tokens";

/// The provider's name in messages.
const PROVIDER: &str = "Cloudflare";

/// How Cloudflare is named and advised about in messages.
const API: Provider = Provider {
    name: PROVIDER,
    tokens_url: TOKENS_URL,
    lost_post_advice: "Run it again: Slipway looks for the record before adding one",
};

/// Why a proxied record was turned into a plain one.
pub const UNPROXIED_NOTE: &str = "Cloudflare's proxy was on for this name; Slipway turned it \
     off so visitors reach the server directly and it can get its HTTP-01 certificate";

/// How to reach Cloudflare.
#[derive(Debug, Clone)]
pub struct CloudflareConfig {
    /// The API root: [`API_URL`], or a fake's address in tests.
    pub base_url: Url,
    /// An API token with Zone:Read and Zone:DNS:Edit on the zone.
    pub token: Secret<String>,
    /// How long one request may take.
    pub timeout: Duration,
    /// How hard to retry rate limits and server failures.
    pub retry: RetryPolicy,
    /// Items asked for per page (5-50; zones allow no more than 50).
    pub per_page: u32,
}

impl CloudflareConfig {
    /// The production API with `token` and the defaults: 30 s per request, the default
    /// retry policy, 50 items a page.
    pub fn new(token: Secret<String>) -> Self {
        Self {
            base_url: Url::parse(API_URL).expect("the API address is a URL"),
            token,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            per_page: 50,
        }
    }
}

/// A Cloudflare account reached with one API token.
#[derive(Debug)]
pub struct Cloudflare {
    client: Client,
    per_page: u32,
}

/// Cloudflare's envelope around every reply.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiMessage>,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    result_info: Option<ResultInfo>,
}

/// One item of `errors[]`.
#[derive(Debug, Deserialize)]
struct ApiMessage {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

/// Paging of a list.
#[derive(Debug, Deserialize)]
struct ResultInfo {
    #[serde(default)]
    page: u32,
    #[serde(default)]
    total_pages: u32,
}

/// A token that Cloudflare says is active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStatus {
    /// The token's id (not the token itself).
    pub id: String,
    /// When it expires (as Cloudflare writes it, e.g. `2027-01-01T00:00:00Z`), if it
    /// does.
    pub expires_on: Option<String>,
}

/// The result of `GET /user/tokens/verify`.
#[derive(Debug, Deserialize)]
struct WireToken {
    id: String,
    status: String,
    #[serde(default)]
    expires_on: Option<String>,
}

/// A zone, as far as Slipway reads it.
#[derive(Debug, Deserialize)]
struct WireZone {
    id: String,
    name: String,
}

/// A DNS record, as far as Slipway reads it.
#[derive(Debug, Clone, Deserialize)]
struct WireRecord {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    content: String,
    #[serde(default)]
    proxied: bool,
    #[serde(default)]
    ttl: u32,
}

impl Cloudflare {
    /// A client for the account `config.token` opens. Sends nothing yet.
    pub fn new(config: CloudflareConfig, clock: Arc<dyn Clock>) -> Result<Self, CloudError> {
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
            per_page: config.per_page.clamp(5, 50),
        })
    }

    /// Sends a request and returns the envelope's `result` and `result_info`.
    fn call(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        action: &str,
    ) -> Result<(Value, Option<ResultInfo>), CloudError> {
        let reply = self
            .client
            .send(method, url, body)
            .map_err(|failure| self.explain(failure, method, action))?;
        let envelope: Envelope = reply.json().map_err(|error| {
            API.unexpected(
                action,
                format!("the reply is not Cloudflare's JSON envelope: {error}"),
            )
        })?;
        if !envelope.success {
            return Err(CloudError::Refused {
                provider: PROVIDER,
                action: action.to_owned(),
                status: reply.status,
                id: None,
                message: describe(&envelope.errors, reply.status),
            });
        }
        Ok((envelope.result, envelope.result_info))
    }

    /// Every item of a paged list, page by page until `result_info.total_pages`.
    fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        action: &str,
    ) -> Result<Vec<T>, CloudError> {
        let per_page = self.per_page.to_string();
        API.all_pages(action, 1_u32, |page| {
            let page_text = page.to_string();
            let mut pairs = query.to_vec();
            pairs.push(("page", &page_text));
            pairs.push(("per_page", &per_page));
            let url = self.client.api_url(path, &pairs);
            let (result, info) = self.call(Method::Get, &url, None, action)?;
            let chunk: Vec<T> = serde_json::from_value(result).map_err(|error| {
                API.unexpected(
                    action,
                    format!("the list in `result` is not as documented: {error}"),
                )
            })?;
            let last = info.is_none_or(|info| info.page.max(page) >= info.total_pages);
            let next = (!last && !chunk.is_empty()).then_some(page + 1);
            Ok((chunk, next))
        })
    }

    /// The active zone that holds `domain`, as `(name, id)`: a zone named exactly
    /// `domain`, else one named after its parent, and so on up to the registered name
    /// (`app.example.com`, then `example.com`). Only exact names count: another zone of
    /// the account must never get the records.
    fn find_zone(&self, domain: &str) -> Result<(String, String), CloudError> {
        let lookup = |candidate: &str| {
            let zones: Vec<WireZone> = self.list(
                "/zones",
                &[("name", candidate), ("status", "active")],
                &format!("look up zone {candidate}"),
            )?;
            Ok(zones
                .into_iter()
                .find(|found| found.name.eq_ignore_ascii_case(candidate))
                .map(|found| found.id))
        };
        let not_found = |candidates: &[String]| {
            let apex = candidates.last().map_or(domain, String::as_str);
            CloudError::NotFound {
                provider: PROVIDER,
                what: format!("active zone {} on this account", candidates.join(" or ")),
                advice: format!(
                    "The domain is not on this Cloudflare account (or the token may not read \
                     it). Add {apex} at https://dash.cloudflare.com (Add a site) and point its \
                     name servers to Cloudflare's at the registrar, check the token has \
                     Zone:Read for it at {TOKENS_URL}, or choose the DNS provider that holds \
                     {apex} today"
                ),
            }
        };
        find_zone(domain, lookup, not_found)
    }

    /// Checks the token up front (`GET /user/tokens/verify`): it must exist and be
    /// active. Says when it expires, if it does. Whether it may read the zone and edit
    /// its records shows only when it is used.
    pub fn check_token(&self) -> Result<TokenStatus, CloudError> {
        let action = "check the API token";
        let url = self.client.api_url("/user/tokens/verify", &[]);
        let (result, _) = self.call(Method::Get, &url, None, action)?;
        let token: WireToken = serde_json::from_value(result).map_err(|error| {
            API.unexpected(
                action,
                format!("the token's description is not as documented: {error}"),
            )
        })?;
        let expiry = token
            .expires_on
            .as_deref()
            .map(|date| format!(" (it expires on {date})"))
            .unwrap_or_default();
        let message = match token.status.as_str() {
            "active" => {
                return Ok(TokenStatus {
                    id: token.id,
                    expires_on: token.expires_on,
                });
            }
            "expired" => format!(
                "the token has expired{}",
                token
                    .expires_on
                    .as_deref()
                    .map(|date| format!(" on {date}"))
                    .unwrap_or_default()
            ),
            "disabled" => format!("the token is disabled{expiry}"),
            other => format!("the token's status is \"{other}\", not \"active\"{expiry}"),
        };
        Err(API.invalid_token(message))
    }

    /// The records of the desired type and full name. Filtered again here so a filter
    /// the API ignored can never make Slipway change an unrelated record.
    fn records(
        &self,
        zone_id: &str,
        kind: &str,
        fqdn: &str,
    ) -> Result<Vec<WireRecord>, CloudError> {
        let records: Vec<WireRecord> = self.list(
            &format!("/zones/{zone_id}/dns_records"),
            &[("type", kind), ("name", fqdn)],
            &format!("list the {kind} records of {fqdn}"),
        )?;
        Ok(records
            .into_iter()
            .filter(|record| record.kind == kind && record.name.eq_ignore_ascii_case(fqdn))
            .collect())
    }

    /// Makes one record of `domain` right, unproxied, and says what that took.
    fn upsert_record(
        &self,
        domain: &str,
        zone_id: &str,
        desired: &DesiredRecord,
    ) -> Result<RecordChange, CloudError> {
        let kind = desired.kind.as_str();
        let fqdn = desired.host.fqdn(domain);
        let data = desired.address.to_string();
        let found = self.records(zone_id, kind, &fqdn)?;
        // The planner works on indexes; Cloudflare's ids are strings.
        let existing: Vec<ExistingRecord> = found
            .iter()
            .zip(0_u64..)
            .map(|(record, index)| ExistingRecord {
                id: index,
                data: record.content.clone(),
                ttl: record.ttl,
            })
            .collect();
        let plan = match plan_record(desired, &existing) {
            RecordPlan::Unchanged { id } if found[index(id)].proxied => RecordPlan::Update {
                id,
                previous: found[index(id)].content.clone(),
            },
            plan => plan,
        };
        let body = json!({
            "type": kind,
            "name": fqdn,
            "content": data,
            "ttl": desired.ttl,
            "proxied": false,
        });
        let records_path = format!("/zones/{zone_id}/dns_records");
        let (outcome, kept, note) = match plan {
            RecordPlan::Unchanged { id } => (RecordOutcome::Unchanged, Some(index(id)), None),
            RecordPlan::Create => {
                let url = self.client.api_url(&records_path, &[]);
                let action = format!("add the {kind} record for {fqdn}");
                self.call(Method::Post, &url, Some(&body), &action)?;
                (RecordOutcome::Created, None, None)
            }
            RecordPlan::Update { id, previous } => {
                let record = &found[index(id)];
                let url = self
                    .client
                    .api_url(&format!("{records_path}/{}", record.id), &[]);
                let action = format!("update the {kind} record for {fqdn}");
                self.call(Method::Put, &url, Some(&body), &action)?;
                let note = record.proxied.then(|| UNPROXIED_NOTE.to_owned());
                (RecordOutcome::Updated { previous }, Some(index(id)), note)
            }
        };
        Ok(RecordChange {
            host: desired.host,
            kind: desired.kind,
            data,
            outcome,
            others: found
                .into_iter()
                .enumerate()
                .filter(|(position, _)| Some(*position) != kept)
                .map(|(_, record)| record.content)
                .collect(),
            note,
        })
    }

    /// Turns a failure into an error the user can act on.
    fn explain(&self, failure: Failure, method: Method, action: &str) -> CloudError {
        API.explain(&self.client, failure, method, action, |refusal| {
            explain_refusal(refusal, action)
        })
    }
}

impl DnsProvider for Cloudflare {
    /// For a subdomain (`app.example.com` in the zone `example.com`), the apex is the
    /// subdomain itself and `www` is `www.app.example.com`; the report's `domain` is the
    /// domain asked for.
    fn upsert_addresses(&self, request: &AddressRecords) -> Result<DnsReport, CloudError> {
        upsert_each(
            request,
            |domain| self.find_zone(domain).map(|(_, zone_id)| zone_id),
            |zone_id, domain, desired| self.upsert_record(domain, zone_id, desired),
        )
    }
}

/// A planner id back to a position in the list it was made from.
fn index(id: u64) -> usize {
    usize::try_from(id).unwrap_or(usize::MAX)
}

/// Cloudflare's `errors[]` as `message (code N); …`, or a stand-in naming the status.
fn describe(errors: &[ApiMessage], status: u16) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|error| format!("{} (code {})", error.message.trim(), error.code))
        .collect();
    if parts.is_empty() {
        format!("HTTP {status} with no message")
    } else {
        parts.join("; ")
    }
}

/// A refusal as an error, by Cloudflare's codes first and the status after.
fn explain_refusal(refusal: &Refusal, action: &str) -> CloudError {
    let errors = serde_json::from_slice::<Envelope>(&refusal.body)
        .map(|envelope| envelope.errors)
        .unwrap_or_default();
    let message = describe(&errors, refusal.status);
    let has = |codes: &[i64]| errors.iter().any(|error| codes.contains(&error.code));
    let first_code = errors.first().map(|error| error.code.to_string());
    match refusal.status {
        403 => CloudError::Refused {
            provider: PROVIDER,
            action: action.to_owned(),
            status: 403,
            id: first_code,
            message: format!(
                "{message}. The token lacks a permission: create a token with Zone:Read and \
                 Zone:DNS:Edit for this zone at {TOKENS_URL} and store it in Slipway again"
            ),
        },
        // 9109 "Invalid access token", 10000 "Authentication error", 1000 "Invalid API
        // Token", 6111 "Invalid format for Authorization header".
        400 if has(&[1000, 6111, 9109, 10000]) => API.invalid_token(message),
        401 | 429 | 500..=599 => API.refusal(refusal, action, first_code, message),
        status if has(&[81057, 81058]) => CloudError::Refused {
            provider: PROVIDER,
            action: action.to_owned(),
            status,
            id: first_code,
            message: format!(
                "{message}. Slipway looks for the record before adding one, so something \
                 else changed the zone at the same time; run it again and the record will be \
                 found and reused"
            ),
        },
        _ => API.refusal(refusal, action, first_code, message),
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
    fn refusals_carry_cloudflares_codes_and_what_to_do() {
        let duplicate = refusal(
            400,
            r#"{"result":null,"success":false,"errors":[{"code":81057,"message":"Record already exists."}],"messages":[]}"#,
        );
        let text = explain_refusal(&duplicate, "add the A record for example.com").to_string();
        assert!(
            text.starts_with(
                "Cloudflare refused to add the A record for example.com (HTTP 400, 81057): \
                 Record already exists. (code 81057). Slipway looks for the record"
            ),
            "{text}"
        );
        let invalid = refusal(
            400,
            r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}]}"#,
        );
        let text = explain_refusal(&invalid, "look up zone example.com").to_string();
        assert!(
            text.starts_with("Cloudflare does not accept the API token"),
            "{text}"
        );
        assert!(text.contains("Invalid access token (code 9109)"), "{text}");
        let text = explain_refusal(&refusal(418, "<html>"), "x").to_string();
        assert_eq!(
            text,
            "Cloudflare refused to x (HTTP 418): HTTP 418 with no message"
        );
    }
}
