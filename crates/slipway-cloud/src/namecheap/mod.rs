//! Namecheap: address records through the XML API (`domains.dns.getHosts` and
//! `domains.dns.setHosts`).
//!
//! [`Namecheap`] implements [`DnsProvider`]. Namecheap has no call that changes one
//! record: `setHosts` replaces *every* record of the domain with the list sent. So an
//! upsert is a read-modify-write:
//!
//! 1. `getHosts` (a `GET`). Only a whole reply with `Status="OK"` and a host list is
//!    used; anything else stops the upsert before a write, since writing back a list
//!    read from a broken reply would delete the records it left out.
//! 2. The wanted A (and AAAA) records are put into the list: a matching record is kept,
//!    a wrong one changed in place, a missing one added. Every other record (MX, MXE,
//!    TXT, CNAME, CAA, URL redirects, …) is sent back with the name, type, address,
//!    `MXPref`, `TTL` (and CAA flag and tag) it was read with, and the domain's
//!    `EmailType` is sent back too, or Namecheap would reset its mail routing. A CNAME
//!    or redirect on a name that needs an A record is reported, never removed.
//! 3. When nothing changed, nothing is sent. Otherwise `setHosts` goes as a `POST`
//!    form (a `GET` with many records outgrows the URL), its records numbered 1..N.
//! 4. The records are read again to check that the change is there: Namecheap has no
//!    locking, so another writer at the same moment can undo it.
//!
//! `setHosts` is never repeated blindly. When its reply is lost or garbled, the records
//! are read again to find out whether it applied.
//!
//! Namecheap answers every call with HTTP 200 and reports refusals inside the XML. The
//! error numbers users meet (an address not on the API whitelist, a bad key, a domain
//! not in the account or not on Namecheap's DNS, too many records) are turned into what
//! to do. Reads are retried, with backoff on the [`Clock`], after HTTP 405, 429 or 5xx,
//! a lost or malformed reply, or an error number that may pass.
//!
//! The API key travels only in the request (Namecheap takes no header) and never
//! appears in an error or in `Debug` output.

mod domain;
mod errors;
mod hosts;
mod transport;
mod xml;

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use slipway_secrets::Secret;

use crate::clock::Clock;
use crate::dns::{AddressRecords, DesiredRecord, DnsProvider, DnsReport};
use crate::error::CloudError;
use crate::http::{DEFAULT_TIMEOUT, Failure, Refusal, Retries, RetryHints, RetryPolicy};
use domain::ZoneName;
use errors::Context;
use hosts::{HostList, HostRecord, Merge};
use transport::{Transport, Verb};
use xml::Envelope;

/// The production API.
pub const API_URL: &str = "https://api.namecheap.com/xml.response";

/// The sandbox API (a separate account at sandbox.namecheap.com, with its own key and
/// its own whitelist).
pub const SANDBOX_URL: &str = "https://api.sandbox.namecheap.com/xml.response";

/// Where the user turns API access on, finds the key and whitelists addresses.
pub const API_ACCESS_URL: &str = "https://ap.www.namecheap.com/settings/tools/apiaccess/";

/// The provider's name in messages.
const PROVIDER: &str = "Namecheap";

/// The lowest and highest TTL Namecheap accepts.
const TTL_RANGE: (u32, u32) = (60, 60_000);

/// What to say when a change's reply was lost and a new read showed it did not apply.
const NOT_APPLIED: &str = "Slipway read the records again and the change is not there, so \
     nothing was changed; run it again";

/// What to say when a change's reply was lost and the records could not be read again.
const UNKNOWN_IF_APPLIED: &str = "Slipway could not read the records again to see whether \
     the change applied. Look at the domain under Domain List > Manage > Advanced DNS at \
     Namecheap, then run it again: Slipway reads the records before changing them, so a \
     rerun never duplicates one";

/// How to reach Namecheap.
#[derive(Debug, Clone)]
pub struct NamecheapConfig {
    /// The API endpoint: [`API_URL`], [`SANDBOX_URL`], or a fake's address in tests.
    pub endpoint: Url,
    /// `ApiUser`: the account name used for API access.
    pub api_user: String,
    /// `UserName`: the account the commands act for; `None` means [`Self::api_user`],
    /// which is right unless one account manages another's domains.
    pub user_name: Option<String>,
    /// `ApiKey`, from Profile > Tools > Namecheap API Access.
    pub api_key: Secret<String>,
    /// `ClientIp`: this computer's public IPv4 address, which must be on the
    /// account's API whitelist. Namecheap compares it with the address requests come
    /// from, so the caller finds it out and passes it in.
    pub client_ip: Ipv4Addr,
    /// How long one request may take.
    pub timeout: Duration,
    /// How hard to retry reads.
    pub retry: RetryPolicy,
    /// Whether to read the records again after a change to check that it stuck.
    pub verify_writes: bool,
}

impl NamecheapConfig {
    /// The production API with the defaults: 30 s per request, the default retry
    /// policy, writes checked.
    pub fn new(api_user: impl Into<String>, api_key: Secret<String>, client_ip: Ipv4Addr) -> Self {
        Self {
            endpoint: Url::parse(API_URL).expect("the API address is a URL"),
            api_user: api_user.into(),
            user_name: None,
            api_key,
            client_ip,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            verify_writes: true,
        }
    }

    /// The sandbox API with the same defaults as [`Self::new`].
    pub fn sandbox(
        api_user: impl Into<String>,
        api_key: Secret<String>,
        client_ip: Ipv4Addr,
    ) -> Self {
        Self {
            endpoint: Url::parse(SANDBOX_URL).expect("the sandbox address is a URL"),
            ..Self::new(api_user, api_key, client_ip)
        }
    }

    /// `UserName` as sent: [`Self::user_name`] or else [`Self::api_user`].
    pub fn user_name(&self) -> &str {
        self.user_name.as_deref().unwrap_or(&self.api_user)
    }
}

/// A Namecheap account reached through its XML API.
pub struct Namecheap {
    transport: Transport,
    api_user: String,
    user_name: String,
    api_key: Secret<String>,
    client_ip: Ipv4Addr,
    retry: RetryPolicy,
    verify_writes: bool,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Namecheap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namecheap")
            .field("endpoint", &self.transport.origin())
            .field("api_user", &self.api_user)
            .field("user_name", &self.user_name)
            .field("api_key", &self.api_key)
            .field("client_ip", &self.client_ip)
            .finish_non_exhaustive()
    }
}

/// What is known about the records when a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// A read failed: nothing was written.
    Read,
    /// A write failed, and a new read showed it did not apply.
    NotApplied,
    /// A write failed, and whether it applied is unknown.
    Unknown,
}

/// How a `setHosts` ended.
enum Written {
    /// Namecheap said it applied the list.
    Applied,
    /// No usable reply: it may or may not have applied.
    Unknown(Failure),
}

impl Namecheap {
    /// A client for the account in `config`. Checks the settings; sends nothing yet.
    pub fn new(config: NamecheapConfig, clock: Arc<dyn Clock>) -> Result<Self, CloudError> {
        let user_name = config.user_name().trim().to_owned();
        check_account_name("api_user", config.api_user.trim())?;
        check_account_name("user_name", &user_name)?;
        check_key(config.api_key.expose())?;
        check_client_ip(config.client_ip)?;
        Ok(Self {
            transport: Transport::new(config.endpoint, config.timeout)?,
            api_user: config.api_user.trim().to_owned(),
            user_name,
            api_key: Secret::new(config.api_key.expose().trim().to_owned()),
            client_ip: config.client_ip,
            retry: config.retry,
            verify_writes: config.verify_writes,
            clock,
        })
    }

    /// The parameters every command carries, then `extra`.
    fn params<'a>(
        &'a self,
        command: &'a str,
        client_ip: &'a str,
        extra: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a str)> {
        let mut pairs = vec![
            ("ApiUser", self.api_user.as_str()),
            ("ApiKey", self.api_key.expose().as_str()),
            ("UserName", self.user_name.as_str()),
            ("ClientIp", client_ip),
            ("Command", command),
        ];
        pairs.extend_from_slice(extra);
        pairs
    }

    /// Sends once and reads the envelope. HTTP statuses of 400 and up come back as
    /// [`Failure::Refused`], bodies that are not a whole reply as
    /// [`Failure::Unparsable`].
    fn attempt(&self, verb: Verb, pairs: &[(&str, &str)]) -> Result<Envelope, Failure> {
        let answer = self
            .transport
            .send(verb, pairs)
            .map_err(|failure| match failure {
                Failure::Lost(detail) => Failure::Lost(self.redact(&detail)),
                Failure::Unreachable(detail) => Failure::Unreachable(self.redact(&detail)),
                other => other,
            })?;
        if !(200..300).contains(&answer.status) {
            let hints = RetryHints::from_headers(&answer.headers);
            return Err(Failure::Refused(Refusal {
                status: answer.status,
                retry_after: hints.requested_wait(answer.status, self.clock.now()),
                body: Vec::new(),
            }));
        }
        // The message may quote the body, which may echo the request and so the key.
        xml::parse(&answer.body)
            .map_err(|error| Failure::Unparsable(self.redact(&error.to_string())))
    }

    /// `getHosts` for the domain, retried as the module describes.
    fn get_hosts(&self, zone: &ZoneName, context: &Context) -> Result<HostList, CloudError> {
        let ip = self.client_ip.to_string();
        let pairs = self.params(
            "namecheap.domains.dns.getHosts",
            &ip,
            &[("SLD", &zone.sld), ("TLD", &zone.tld)],
        );
        let mut retries = Retries::new(&self.retry, self.clock.as_ref());
        loop {
            let result = self.attempt(Verb::Get, &pairs).and_then(|envelope| {
                if envelope.ok && envelope.hosts.is_none() {
                    Err(Failure::Unparsable(
                        "the reply says OK but holds no DomainDNSGetHostsResult".to_owned(),
                    ))
                } else {
                    Ok(envelope)
                }
            });
            let (again, requested) = match &result {
                Ok(envelope) => (!envelope.ok && errors::transient(&envelope.errors), None),
                Err(Failure::Refused(refusal)) => (
                    matches!(refusal.status, 405 | 429 | 500..=599),
                    refusal.retry_after,
                ),
                Err(Failure::Unparsable(_) | Failure::Lost(_)) => (true, None),
                Err(_) => (false, None),
            };
            if again && retries.wait(requested) {
                continue;
            }
            return match result {
                Ok(envelope) => self.host_list(envelope, context),
                Err(failure) => Err(self.explain(failure, context, After::Read)),
            };
        }
    }

    /// The host list of an OK reply, or the refusal of an ERROR one.
    fn host_list(&self, envelope: Envelope, context: &Context) -> Result<HostList, CloudError> {
        if !envelope.ok {
            return Err(self.refusal(&envelope, context));
        }
        let list = envelope.hosts.unwrap_or_else(|| HostList {
            domain: String::new(),
            email_type: None,
            using_our_dns: None,
            hosts: Vec::new(),
        });
        if list.using_our_dns == Some(false) {
            return Err(CloudError::Refused {
                provider: PROVIDER,
                action: context.action.clone(),
                status: 200,
                id: None,
                message: errors::not_our_dns(
                    "The host list says IsUsingOurDNS=\"false\"",
                    &context.domain,
                ),
            });
        }
        Ok(list)
    }

    /// `setHosts` with the merged list, once.
    fn set_hosts(
        &self,
        zone: &ZoneName,
        list: &HostList,
        merged: &Merge,
        context: &Context,
    ) -> Result<Written, CloudError> {
        let ip = self.client_ip.to_string();
        let numbered = numbered_fields(&merged.hosts);
        let mut extra: Vec<(&str, &str)> = vec![("SLD", &zone.sld), ("TLD", &zone.tld)];
        if let Some(email_type) = list.email_type.as_deref().filter(|kind| !kind.is_empty()) {
            extra.push(("EmailType", email_type));
        }
        extra.extend(
            numbered
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        );
        let pairs = self.params("namecheap.domains.dns.setHosts", &ip, &extra);
        match self.attempt(Verb::PostForm, &pairs) {
            Ok(envelope) if !envelope.ok => Err(self.refusal(&envelope, context)),
            Ok(envelope) if envelope.set_success == Some(false) => Err(CloudError::Refused {
                provider: PROVIDER,
                action: context.action.clone(),
                status: 200,
                id: None,
                message: "Namecheap answered IsSuccess=\"false\" without saying why; the \
                          records were not changed. Try again later"
                    .to_owned(),
            }),
            Ok(_) => Ok(Written::Applied),
            // Nothing was sent.
            Err(failure @ Failure::Unreachable(_)) => {
                Err(self.explain(failure, context, After::NotApplied))
            }
            Err(failure) => Ok(Written::Unknown(failure)),
        }
    }

    /// Reads the records back and checks that the records Slipway wrote are there and
    /// the mail routing was kept; the inner `Err` lists what is missing.
    fn written_records_present(
        &self,
        zone: &ZoneName,
        list: &HostList,
        merged: &Merge,
        context: &Context,
    ) -> Result<Result<(), Vec<String>>, CloudError> {
        let after = self.get_hosts(zone, context)?;
        let mut missing: Vec<String> = merged
            .written
            .iter()
            .filter(|written| {
                !after
                    .hosts
                    .iter()
                    .any(|found| found.same_data(written, zone) && same_ttl(found, written))
            })
            .map(HostRecord::describe)
            .collect();
        let mail = |kind: Option<&str>| kind.filter(|kind| !kind.is_empty()).map(str::to_owned);
        if mail(list.email_type.as_deref()).is_some()
            && mail(list.email_type.as_deref()) != mail(after.email_type.as_deref())
        {
            missing.push(format!(
                "the mail setting EmailType={}",
                list.email_type.as_deref().unwrap_or_default()
            ));
        }
        Ok(if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        })
    }

    /// Writes the merged list and makes sure it took.
    fn write(
        &self,
        zone: &ZoneName,
        list: &HostList,
        merged: &Merge,
        context: &Context,
    ) -> Result<(), CloudError> {
        let context = Context {
            action: format!("replace the host records of {}", context.domain),
            records_sent: Some(merged.hosts.len()),
            ..context.clone()
        };
        let check = Context {
            action: format!("read the host records of {} again", context.domain),
            ..context.clone()
        };
        match self.set_hosts(zone, list, merged, &context)? {
            Written::Applied if !self.verify_writes => Ok(()),
            Written::Applied => match self.written_records_present(zone, list, merged, &check)? {
                Ok(()) => Ok(()),
                Err(missing) => Err(CloudError::UnexpectedReply {
                    provider: PROVIDER,
                    action: context.action.clone(),
                    detail: format!(
                        "Namecheap accepted the new records, but reading them back shows {} \
                         missing. Something else changed the domain's records at the same \
                         moment (another tool, or someone in Namecheap's dashboard), and \
                         Namecheap keeps whichever list came last. Check the records under \
                         Domain List > Manage > Advanced DNS, then run Slipway again",
                        missing.join(", ")
                    ),
                }),
            },
            Written::Unknown(failure) => {
                match self.written_records_present(zone, list, merged, &check) {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(_)) => Err(self.explain(failure, &context, After::NotApplied)),
                    Err(_) => Err(self.explain(failure, &context, After::Unknown)),
                }
            }
        }
    }

    /// An ERROR reply as the error to show.
    fn refusal(&self, envelope: &Envelope, context: &Context) -> CloudError {
        let errors: Vec<xml::ApiError> = envelope
            .errors
            .iter()
            .map(|error| xml::ApiError {
                number: self.redact(&error.number),
                message: self.redact(&error.message),
            })
            .collect();
        errors::explain(&errors, context)
    }

    /// A transport failure as the error to show, with what is known about whether
    /// anything was written.
    fn explain(&self, failure: Failure, context: &Context, after: After) -> CloudError {
        let action = context.action.as_str();
        let (lost_advice, note) = match after {
            After::Read => (
                "Try again",
                "Slipway wrote nothing: setHosts replaces every record, and a list taken from \
                 a broken reply would delete the rest",
            ),
            After::NotApplied => (NOT_APPLIED, NOT_APPLIED),
            After::Unknown => (UNKNOWN_IF_APPLIED, UNKNOWN_IF_APPLIED),
        };
        let origin = self.transport.origin();
        let refusal = match failure.into_error(PROVIDER, origin.clone(), action, lost_advice) {
            Ok(refusal) => refusal,
            Err(CloudError::UnexpectedReply {
                provider,
                action,
                detail,
            }) => {
                return CloudError::UnexpectedReply {
                    provider,
                    action,
                    detail: format!("{detail}. {note}"),
                };
            }
            Err(error) => return error,
        };
        let message = match after {
            After::Read => "no API reply".to_owned(),
            After::NotApplied | After::Unknown => format!("no API reply. {note}"),
        };
        match refusal.status {
            status @ (405 | 429) => CloudError::RateLimited {
                provider: PROVIDER,
                message: format!("HTTP {status}, {message}"),
                retry_in_secs: refusal.retry_after.map(|wait| wait.as_secs().max(1)),
            },
            status @ 500..=599 => CloudError::ProviderFailure {
                provider: PROVIDER,
                action: action.to_owned(),
                status,
                message,
            },
            status => CloudError::Refused {
                provider: PROVIDER,
                action: action.to_owned(),
                status,
                id: None,
                message: format!("{message}; check that the API address {origin} is Namecheap's"),
            },
        }
    }

    /// `text` with the API key blanked out, for text that came from outside.
    fn redact(&self, text: &str) -> String {
        let key = self.api_key.expose();
        if key.is_empty() {
            text.to_owned()
        } else {
            text.replace(key.as_str(), "<redacted>")
        }
    }
}

impl DnsProvider for Namecheap {
    fn upsert_addresses(&self, request: &AddressRecords) -> Result<DnsReport, CloudError> {
        let name = request.zone()?;
        let zone = ZoneName::split(&name)?;
        let domain = zone.domain();
        let context = Context {
            action: format!("read the host records of {domain}"),
            domain,
            sld: zone.sld.clone(),
            tld: zone.tld.clone(),
            client_ip: self.client_ip,
            api_user: self.api_user.clone(),
            user_name: self.user_name.clone(),
            records_sent: None,
        };
        let wanted: Vec<DesiredRecord> = request
            .desired()
            .into_iter()
            .map(|desired| DesiredRecord {
                ttl: desired.ttl.clamp(TTL_RANGE.0, TTL_RANGE.1),
                ..desired
            })
            .collect();
        let list = self.get_hosts(&zone, &context)?;
        let merged = hosts::merge(&zone, &list, &wanted)
            .map_err(|conflicts| conflict_error(&conflicts, &context))?;
        if merged.changed() {
            self.write(&zone, &list, &merged, &context)?;
        }
        Ok(DnsReport {
            domain: name,
            records: merged.changes,
        })
    }
}

/// `HostName{n}`, `RecordType{n}`, `Address{n}`, `MXPref{n}`, `TTL{n}` (and a CAA
/// record's `Flag{n}`, `Tag{n}`) for every record, numbered from 1.
fn numbered_fields(hosts: &[HostRecord]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (n, host) in (1..).zip(hosts) {
        let mut field =
            |key: &str, value: &str| fields.push((format!("{key}{n}"), value.to_owned()));
        field("HostName", &host.name);
        field("RecordType", &host.kind);
        field("Address", &host.address);
        for (key, value) in [
            ("MXPref", &host.mx_pref),
            ("TTL", &host.ttl),
            ("Flag", &host.flag),
            ("Tag", &host.tag),
        ] {
            if let Some(value) = value {
                field(key, value);
            }
        }
    }
    fields
}

/// Whether two records have the same TTL (by value).
fn same_ttl(left: &HostRecord, right: &HostRecord) -> bool {
    let ttl = |record: &HostRecord| {
        record
            .ttl
            .as_deref()
            .and_then(|ttl| ttl.trim().parse::<u32>().ok())
    };
    ttl(left) == ttl(right)
}

/// The error for wanted names held by records that cannot share them.
fn conflict_error(conflicts: &[hosts::Conflict], context: &Context) -> CloudError {
    let names: Vec<String> = conflicts
        .iter()
        .map(|conflict| {
            format!(
                "{} has a {} record ({})",
                conflict.fqdn, conflict.record.kind, conflict.record.address
            )
        })
        .collect();
    CloudError::Refused {
        provider: PROVIDER,
        action: format!("point {} at the server", context.domain),
        status: 200,
        id: None,
        message: format!(
            "{}. A name with a CNAME, ALIAS or URL redirect record can hold no address record \
             beside it, so Slipway changed nothing and removed nothing. (Namecheap gives new \
             domains a parking-page CNAME on www and a redirect on the domain itself.) If the \
             site should be served from this server, delete those records under Domain List \
             > Manage > Advanced DNS, then run Slipway again",
            names.join("; ")
        ),
    }
}

/// `ApiUser` and `UserName`: 1-20 characters.
fn check_account_name(field: &'static str, name: &str) -> Result<(), CloudError> {
    if name.is_empty() || name.chars().count() > 20 || name.chars().any(char::is_whitespace) {
        return Err(CloudError::InvalidInput {
            field,
            message: "a Namecheap user name has 1 to 20 characters and no spaces; use the \
                      account name shown on Namecheap's API access page"
                .to_owned(),
        });
    }
    Ok(())
}

/// `ApiKey`: present, at most 50 characters, nothing a pasted key does not have.
fn check_key(key: &str) -> Result<(), CloudError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 50 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(CloudError::InvalidInput {
            field: "api_key",
            message: format!(
                "this is not a Namecheap API key (those are up to 50 letters and digits); \
                 copy it again from {API_ACCESS_URL}"
            ),
        });
    }
    Ok(())
}

/// `ClientIp`: a public IPv4 address, since Namecheap compares it with where requests
/// come from.
fn check_client_ip(ip: Ipv4Addr) -> Result<(), CloudError> {
    if ip.is_private()
        || ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
    {
        return Err(CloudError::InvalidInput {
            field: "client_ip",
            message: format!(
                "{ip} is not a public address; Namecheap needs this computer's public IPv4 \
                 address (the one websites see, not the one on the local network), and it \
                 must be on the account's API whitelist"
            ),
        });
    }
    Ok(())
}
