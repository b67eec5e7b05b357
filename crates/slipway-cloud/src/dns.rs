//! Address records at a DNS provider: the apex and `www` of a domain pointed at a
//! server, idempotently, with a report of what changed.
//!
//! Deciding what to do with the records already there is pure ([`plan_record`]); the
//! [`DnsProvider`] only reads and writes them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::CloudError;

/// A name in the domain that Slipway points at the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host {
    /// The domain itself (`example.com`).
    Apex,
    /// `www.example.com`.
    Www,
}

impl Host {
    /// The name relative to the zone, as DNS providers store it: `@` or `www`.
    pub fn relative_name(self) -> &'static str {
        match self {
            Self::Apex => "@",
            Self::Www => "www",
        }
    }

    /// The full name in `domain`.
    pub fn fqdn(self, domain: &str) -> String {
        match self {
            Self::Apex => domain.to_owned(),
            Self::Www => format!("www.{domain}"),
        }
    }
}

/// An address record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// IPv4.
    A,
    /// IPv6.
    Aaaa,
}

impl RecordKind {
    /// The record type's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::Aaaa => "AAAA",
        }
    }
}

/// Which names of a domain should point at which addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRecords {
    /// The domain (zone), e.g. `example.com`.
    pub domain: String,
    /// The names to point: the apex, `www` or both.
    pub hosts: Vec<Host>,
    /// The server's IPv4 address (A records).
    pub ipv4: Ipv4Addr,
    /// The server's IPv6 address (AAAA records), if it has one.
    pub ipv6: Option<Ipv6Addr>,
    /// Time to live in seconds. Short (300) while a site is being set up, so a
    /// correction spreads quickly.
    pub ttl: u32,
}

impl AddressRecords {
    /// The domain in lowercase without a final dot, checked to be a domain name.
    pub fn zone(&self) -> Result<String, CloudError> {
        let domain = self
            .domain
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if domain.len() <= 253 && domain.contains('.') && domain.split('.').all(label_ok) {
            Ok(domain)
        } else {
            Err(CloudError::InvalidInput {
                field: "domain",
                message: format!(
                    "\"{}\" is not a domain name; write it like example.com, without \
                     https:// or a path",
                    self.domain
                ),
            })
        }
    }

    /// The records wanted, one per host and address family, apex first.
    pub fn desired(&self) -> Vec<DesiredRecord> {
        let mut hosts = self.hosts.clone();
        hosts.sort_by_key(|host| *host != Host::Apex);
        hosts.dedup();
        let mut records = Vec::new();
        for host in hosts {
            records.push(DesiredRecord {
                host,
                kind: RecordKind::A,
                address: IpAddr::V4(self.ipv4),
                ttl: self.ttl,
            });
            if let Some(ipv6) = self.ipv6 {
                records.push(DesiredRecord {
                    host,
                    kind: RecordKind::Aaaa,
                    address: IpAddr::V6(ipv6),
                    ttl: self.ttl,
                });
            }
        }
        records
    }
}

/// One record that should exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DesiredRecord {
    /// The name.
    pub host: Host,
    /// A or AAAA.
    pub kind: RecordKind,
    /// The address.
    pub address: IpAddr,
    /// Time to live in seconds.
    pub ttl: u32,
}

/// A record of the same type and name already at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingRecord {
    /// The provider's id.
    pub id: u64,
    /// Its data as stored (an address, possibly written differently).
    pub data: String,
    /// Its time to live.
    pub ttl: u32,
}

impl ExistingRecord {
    /// Whether the record holds `address` (so `2001:db8::1` equals `2001:0db8:0:0::1`).
    fn holds(&self, address: IpAddr) -> bool {
        self.data.trim().parse::<IpAddr>() == Ok(address)
    }
}

/// What to do about one desired record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordPlan {
    /// No record of this type and name: add one.
    Create,
    /// Change this record in place (address or TTL differs).
    Update {
        /// The record to change.
        id: u64,
        /// Its data before.
        previous: String,
    },
    /// A record already says exactly this.
    Unchanged {
        /// The record.
        id: u64,
    },
}

/// Decides what to do given the records of the same type and name: keep one that
/// already matches, else change the one that holds the address (a TTL change) or the
/// first one, else create. Never creates a duplicate while one exists.
pub fn plan_record(desired: &DesiredRecord, existing: &[ExistingRecord]) -> RecordPlan {
    if let Some(same) = existing
        .iter()
        .find(|record| record.holds(desired.address) && record.ttl == desired.ttl)
    {
        return RecordPlan::Unchanged { id: same.id };
    }
    let target = existing
        .iter()
        .find(|record| record.holds(desired.address))
        .or_else(|| existing.first());
    match target {
        Some(record) => RecordPlan::Update {
            id: record.id,
            previous: record.data.clone(),
        },
        None => RecordPlan::Create,
    }
}

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Added.
    Created,
    /// Changed in place.
    Updated {
        /// The data before.
        previous: String,
    },
    /// Already right.
    Unchanged,
}

/// One record's line in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordChange {
    /// The name.
    pub host: Host,
    /// A or AAAA.
    pub kind: RecordKind,
    /// The address it now holds.
    pub data: String,
    /// What happened.
    pub outcome: RecordOutcome,
    /// Other records of the same type and name, left alone, which resolvers also
    /// serve: the caller should warn about them.
    pub others: Vec<String>,
    /// Why the record was changed beyond its address or TTL, when the provider had to
    /// change something else (a proxy turned off so the server gets its certificate).
    pub note: Option<String>,
}

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsReport {
    /// The domain asked for (for a subdomain, not its zone): the apex records' name.
    pub domain: String,
    /// One line per desired record, apex first.
    pub records: Vec<RecordChange>,
}

impl DnsReport {
    /// Whether anything was created or updated.
    pub fn changed(&self) -> bool {
        self.records
            .iter()
            .any(|record| record.outcome != RecordOutcome::Unchanged)
    }
}

/// The names a zone holding `domain` could have, longest first, down to two labels
/// (never a bare top-level domain): `a.b.example.com`, `b.example.com`, `example.com`.
pub fn zone_candidates(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.split('.').collect();
    (0..labels.len().saturating_sub(1).max(1))
        .map(|start| labels[start..].join("."))
        .collect()
}

/// `fqdn`'s name relative to `zone`, as DigitalOcean stores it: `@` for the zone
/// itself, `www.app` for `www.app.example.com` in `example.com`.
pub fn relative_name(fqdn: &str, zone: &str) -> String {
    if fqdn == zone {
        "@".to_owned()
    } else {
        fqdn.strip_suffix(&format!(".{zone}"))
            .unwrap_or(fqdn)
            .to_owned()
    }
}

/// The zone that holds `domain`: the first of its [`zone_candidates`], longest first,
/// that `lookup` finds at the provider (with what the provider knows of it, such as its
/// id), as `(name, found)`; else the error `not_found` makes of the names tried.
pub(crate) fn find_zone<Z>(
    domain: &str,
    mut lookup: impl FnMut(&str) -> Result<Option<Z>, CloudError>,
    not_found: impl FnOnce(&[String]) -> CloudError,
) -> Result<(String, Z), CloudError> {
    let candidates = zone_candidates(domain);
    for candidate in &candidates {
        if let Some(found) = lookup(candidate)? {
            return Ok((candidate.clone(), found));
        }
    }
    Err(not_found(&candidates))
}

/// An upsert at a provider that changes one record at a time: the domain checked, its
/// zone found by `find_zone`, then each desired record made right by `upsert` (given
/// the zone and the domain), apex first.
pub(crate) fn upsert_each<Z>(
    request: &AddressRecords,
    find_zone: impl FnOnce(&str) -> Result<Z, CloudError>,
    mut upsert: impl FnMut(&Z, &str, &DesiredRecord) -> Result<RecordChange, CloudError>,
) -> Result<DnsReport, CloudError> {
    let domain = request.zone()?;
    let zone = find_zone(&domain)?;
    let records = request
        .desired()
        .iter()
        .map(|desired| upsert(&zone, &domain, desired))
        .collect::<Result<_, _>>()?;
    Ok(DnsReport { domain, records })
}

/// A provider that holds a domain's DNS records.
pub trait DnsProvider {
    /// Points the requested names at the addresses: creates missing A/AAAA records,
    /// updates wrong ones in place, leaves right ones alone, and reports each.
    fn upsert_addresses(&self, request: &AddressRecords) -> Result<DnsReport, CloudError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(address: &str, ttl: u32) -> DesiredRecord {
        DesiredRecord {
            host: Host::Apex,
            kind: RecordKind::A,
            address: address.parse().expect("an address"),
            ttl,
        }
    }

    fn existing(id: u64, data: &str, ttl: u32) -> ExistingRecord {
        ExistingRecord {
            id,
            data: data.into(),
            ttl,
        }
    }

    #[test]
    fn a_record_is_created_only_when_none_exists() {
        assert_eq!(
            plan_record(&desired("203.0.113.5", 300), &[]),
            RecordPlan::Create
        );
    }

    #[test]
    fn a_matching_record_is_left_alone_even_among_others() {
        let records = [
            existing(1, "198.51.100.1", 300),
            existing(2, "203.0.113.5", 300),
        ];
        assert_eq!(
            plan_record(&desired("203.0.113.5", 300), &records),
            RecordPlan::Unchanged { id: 2 }
        );
    }

    #[test]
    fn a_wrong_address_or_ttl_is_updated_in_place() {
        let records = [existing(1, "198.51.100.1", 300)];
        assert_eq!(
            plan_record(&desired("203.0.113.5", 300), &records),
            RecordPlan::Update {
                id: 1,
                previous: "198.51.100.1".into()
            }
        );
        let records = [
            existing(1, "198.51.100.1", 300),
            existing(2, "203.0.113.5", 1800),
        ];
        assert_eq!(
            plan_record(&desired("203.0.113.5", 300), &records),
            RecordPlan::Update {
                id: 2,
                previous: "203.0.113.5".into()
            }
        );
    }

    #[test]
    fn ipv6_addresses_compare_by_value() {
        let wanted = DesiredRecord {
            kind: RecordKind::Aaaa,
            ..desired("2001:db8::1", 300)
        };
        let records = [existing(7, "2001:0db8:0:0:0:0:0:1", 300)];
        assert_eq!(
            plan_record(&wanted, &records),
            RecordPlan::Unchanged { id: 7 }
        );
    }

    #[test]
    fn desired_records_cover_each_host_and_family_once() {
        let request = AddressRecords {
            domain: "Example.COM.".into(),
            hosts: vec![Host::Www, Host::Apex, Host::Www],
            ipv4: Ipv4Addr::new(203, 0, 113, 5),
            ipv6: Some("2001:db8::5".parse().expect("an address")),
            ttl: 300,
        };
        assert_eq!(request.zone().expect("a domain"), "example.com");
        let lines: Vec<String> = request
            .desired()
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.host.relative_name(),
                    r.kind.as_str(),
                    r.address
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                "@ A 203.0.113.5",
                "@ AAAA 2001:db8::5",
                "www A 203.0.113.5",
                "www AAAA 2001:db8::5"
            ]
        );
    }

    #[test]
    fn a_url_is_not_a_domain() {
        for bad in ["https://example.com", "localhost", "exa mple.com", "-x.com"] {
            let request = AddressRecords {
                domain: bad.into(),
                hosts: vec![Host::Apex],
                ipv4: Ipv4Addr::LOCALHOST,
                ipv6: None,
                ttl: 300,
            };
            let error = request.zone().expect_err(bad);
            assert!(error.to_string().starts_with("domain: "), "{error}");
        }
    }
}
