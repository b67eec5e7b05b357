//! A domain's host records as Namecheap holds them, and the pure part of an upsert:
//! what the whole list should become once the wanted address records are in it.
//!
//! `setHosts` replaces every record of a domain, so the list sent back must hold every
//! record read, with the attributes that matter as they were read (name, type,
//! address, `MXPref`, `TTL`, and a CAA record's flag and tag), plus the result-level
//! `EmailType`. Only the wanted A and AAAA records are changed or added.

use std::net::IpAddr;

use super::domain::ZoneName;
use crate::dns::{
    DesiredRecord, ExistingRecord, RecordChange, RecordOutcome, RecordPlan, plan_record,
};

/// Record types that own their name: no A or AAAA record may sit beside them.
/// (A URL redirect is answered with Namecheap's own redirect address, so an A record
/// beside it would make visitors land on either.)
const EXCLUSIVE_TYPES: &[&str] = &["CNAME", "ALIAS", "URL", "URL301", "FRAME"];

/// One host record, as read from `getHosts` and sent back to `setHosts`. Read-only
/// attributes (`HostId`, `FriendlyName`, `AssociatedAppTitle`, `IsActive`,
/// `IsDDNSEnabled`) are not kept: `setHosts` takes none of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRecord {
    /// `Name`: `@`, `www`, `*`, `_dmarc`, … (sometimes the full domain, as read).
    pub name: String,
    /// `Type`: `A`, `MX`, `TXT`, …
    pub kind: String,
    /// `Address`: an IP, a target, a URL or a TXT text.
    pub address: String,
    /// `MXPref`, as read (Namecheap reports one on every record).
    pub mx_pref: Option<String>,
    /// `TTL`, as read.
    pub ttl: Option<String>,
    /// A CAA record's `Flag`, when Namecheap reports it apart from the address.
    pub flag: Option<String>,
    /// A CAA record's `Tag`, when Namecheap reports it apart from the address.
    pub tag: Option<String>,
}

impl HostRecord {
    /// The TTL as a number (Namecheap's default, 1800, when it gave none or nonsense).
    fn ttl_secs(&self) -> u32 {
        self.ttl
            .as_deref()
            .and_then(|ttl| ttl.trim().parse().ok())
            .unwrap_or(1800)
    }

    /// Whether this record says the same as `other` in what DNS serves: the same
    /// name, type and data (addresses compared by value, host targets without the
    /// final dot and case).
    pub fn same_data(&self, other: &Self, zone: &ZoneName) -> bool {
        zone.normalize(&self.name) == zone.normalize(&other.name)
            && self.kind.eq_ignore_ascii_case(&other.kind)
            && same_address(&self.kind, &self.address, &other.address)
    }

    /// `TYPE name address`, for messages.
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.kind, self.name, self.address)
    }
}

/// Whether two addresses of a record of type `kind` are the same.
fn same_address(kind: &str, left: &str, right: &str) -> bool {
    if let (Ok(left), Ok(right)) = (
        left.trim().parse::<IpAddr>(),
        right.trim().parse::<IpAddr>(),
    ) {
        return left == right;
    }
    if kind.eq_ignore_ascii_case("TXT") {
        return left == right;
    }
    let clean = |text: &str| text.trim().trim_end_matches('.').to_ascii_lowercase();
    clean(left) == clean(right)
}

/// A domain's records as `getHosts` returned them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostList {
    /// `Domain`, as Namecheap wrote it.
    pub domain: String,
    /// `EmailType` (`MXE`, `MX`, `FWD`, `OX`, …): sent back unchanged, or Namecheap
    /// resets the domain's mail routing.
    pub email_type: Option<String>,
    /// `IsUsingOurDNS`.
    pub using_our_dns: Option<bool>,
    /// The records, in the order read.
    pub hosts: Vec<HostRecord>,
}

/// A wanted name taken by a record that cannot share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The full name, e.g. `www.example.com`.
    pub fqdn: String,
    /// The record in the way.
    pub record: HostRecord,
}

/// What the list should become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// Every record to send to `setHosts`.
    pub hosts: Vec<HostRecord>,
    /// One line per wanted record, in the order wanted.
    pub changes: Vec<RecordChange>,
    /// The records Slipway added or changed, as sent (for checking afterwards).
    pub written: Vec<HostRecord>,
}

impl Merge {
    /// Whether anything differs from what was read (if not, nothing is sent).
    pub fn changed(&self) -> bool {
        !self.written.is_empty()
    }
}

/// Puts the wanted records into `list`: a matching record is kept, a wrong one is
/// changed in place (address and TTL only), a missing one is added at the end; every
/// other record stays exactly as read. Fails, changing nothing, when a wanted name is
/// held by a CNAME, ALIAS or URL record.
pub fn merge(
    zone: &ZoneName,
    list: &HostList,
    wanted: &[DesiredRecord],
) -> Result<Merge, Vec<Conflict>> {
    let conflicts: Vec<Conflict> = wanted
        .iter()
        .flat_map(|desired| {
            let name = zone.host_name(desired.host);
            list.hosts
                .iter()
                .filter(move |record| {
                    zone.normalize(&record.name) == name
                        && EXCLUSIVE_TYPES
                            .iter()
                            .any(|kind| record.kind.eq_ignore_ascii_case(kind))
                })
                .map(move |record| Conflict {
                    fqdn: full_name(zone, desired.host),
                    record: record.clone(),
                })
        })
        .fold(Vec::new(), |mut unique, conflict| {
            if !unique.contains(&conflict) {
                unique.push(conflict);
            }
            unique
        });
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let mut hosts = list.hosts.clone();
    let mut changes = Vec::new();
    let mut written = Vec::new();
    for desired in wanted {
        let (change, record) = place(zone, &mut hosts, desired);
        changes.push(change);
        written.extend(record);
    }
    Ok(Merge {
        hosts,
        changes,
        written,
    })
}

/// Makes one wanted record right in `hosts`; returns its report line and, when it
/// changed, the record as it now is.
fn place(
    zone: &ZoneName,
    hosts: &mut Vec<HostRecord>,
    desired: &DesiredRecord,
) -> (RecordChange, Option<HostRecord>) {
    let name = zone.host_name(desired.host);
    let kind = desired.kind.as_str();
    let data = desired.address.to_string();
    let matching: Vec<usize> = hosts
        .iter()
        .enumerate()
        .filter(|(_, record)| {
            record.kind.eq_ignore_ascii_case(kind) && zone.normalize(&record.name) == name
        })
        .map(|(position, _)| position)
        .collect();
    // The planner's ids are indexes into `matching`.
    let existing: Vec<ExistingRecord> = matching
        .iter()
        .zip(0_u64..)
        .map(|(&position, id)| ExistingRecord {
            id,
            data: hosts[position].address.clone(),
            ttl: hosts[position].ttl_secs(),
        })
        .collect();
    let at = |id: u64| {
        usize::try_from(id)
            .ok()
            .and_then(|index| matching.get(index).copied())
            .unwrap_or(usize::MAX)
    };
    let (outcome, kept, record) = match plan_record(desired, &existing) {
        RecordPlan::Unchanged { id } => (RecordOutcome::Unchanged, Some(at(id)), None),
        RecordPlan::Update { id, previous } => {
            let record = &mut hosts[at(id)];
            record.address.clone_from(&data);
            record.ttl = Some(desired.ttl.to_string());
            (
                RecordOutcome::Updated { previous },
                Some(at(id)),
                Some(record.clone()),
            )
        }
        RecordPlan::Create => {
            let record = HostRecord {
                name,
                kind: kind.to_owned(),
                address: data.clone(),
                mx_pref: None,
                ttl: Some(desired.ttl.to_string()),
                flag: None,
                tag: None,
            };
            hosts.push(record.clone());
            (RecordOutcome::Created, None, Some(record))
        }
    };
    let others = matching
        .iter()
        .filter(|&&position| Some(position) != kept)
        .map(|&position| hosts[position].address.clone())
        .collect();
    let change = RecordChange {
        host: desired.host,
        kind: desired.kind,
        data,
        outcome,
        others,
        note: None,
    };
    (change, record)
}

/// The full name of `host`, for messages.
pub fn full_name(zone: &ZoneName, host: crate::dns::Host) -> String {
    match zone.host_name(host).as_str() {
        "@" => zone.domain(),
        relative => format!("{relative}.{}", zone.domain()),
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::dns::{Host, RecordKind};

    fn host(name: &str, kind: &str, address: &str, ttl: &str) -> HostRecord {
        HostRecord {
            name: name.into(),
            kind: kind.into(),
            address: address.into(),
            mx_pref: Some("10".into()),
            ttl: Some(ttl.into()),
            flag: None,
            tag: None,
        }
    }

    fn list(hosts: Vec<HostRecord>) -> HostList {
        HostList {
            domain: "example.com".into(),
            email_type: Some("MXE".into()),
            using_our_dns: Some(true),
            hosts,
        }
    }

    fn wanted(host: Host, ip: [u8; 4]) -> DesiredRecord {
        DesiredRecord {
            host,
            kind: RecordKind::A,
            address: IpAddr::V4(Ipv4Addr::from(ip)),
            ttl: 300,
        }
    }

    #[test]
    fn other_records_stay_as_read_and_wrong_ones_change_in_place() {
        let zone = ZoneName::split("example.com").expect("a name");
        let read = list(vec![
            host("@", "MX", "mail.example.com.", "1800"),
            host("example.com", "A", "198.51.100.1", "1799"),
            host("www", "TXT", "v=spf1 -all", "60"),
        ]);
        let merged = merge(
            &zone,
            &read,
            &[
                wanted(Host::Apex, [203, 0, 113, 5]),
                wanted(Host::Www, [203, 0, 113, 5]),
            ],
        )
        .expect("no conflict");
        assert_eq!(merged.hosts.len(), 4);
        assert_eq!(merged.hosts[0], read.hosts[0]);
        assert_eq!(merged.hosts[2], read.hosts[2]);
        // Changed in place: the name as read, the MXPref kept.
        assert_eq!(merged.hosts[1].name, "example.com");
        assert_eq!(merged.hosts[1].address, "203.0.113.5");
        assert_eq!(merged.hosts[1].ttl.as_deref(), Some("300"));
        assert_eq!(merged.hosts[1].mx_pref.as_deref(), Some("10"));
        assert_eq!(merged.hosts[3].name, "www");
        assert_eq!(merged.hosts[3].mx_pref, None);
        assert_eq!(
            merged.changes[0].outcome,
            RecordOutcome::Updated {
                previous: "198.51.100.1".into()
            }
        );
        assert_eq!(merged.changes[1].outcome, RecordOutcome::Created);
        assert_eq!(merged.written.len(), 2);
    }

    #[test]
    fn a_right_record_changes_nothing_and_others_are_reported() {
        let zone = ZoneName::split("example.com").expect("a name");
        let read = list(vec![
            host("www", "A", "198.51.100.1", "300"),
            host("WWW", "A", "203.0.113.5", "300"),
        ]);
        let merged = merge(&zone, &read, &[wanted(Host::Www, [203, 0, 113, 5])]).expect("ok");
        assert!(!merged.changed());
        assert_eq!(merged.hosts, read.hosts);
        assert_eq!(merged.changes[0].outcome, RecordOutcome::Unchanged);
        assert_eq!(merged.changes[0].others, ["198.51.100.1"]);
    }

    #[test]
    fn a_cname_or_redirect_on_a_wanted_name_is_a_conflict() {
        let zone = ZoneName::split("example.com").expect("a name");
        let read = list(vec![
            host("www", "CNAME", "parkingpage.namecheap.com.", "1800"),
            host("@", "URL", "http://www.example.com/", "1800"),
            host("blog", "CNAME", "example.github.io.", "1800"),
        ]);
        let conflicts = merge(
            &zone,
            &read,
            &[
                wanted(Host::Apex, [203, 0, 113, 5]),
                wanted(Host::Www, [203, 0, 113, 5]),
            ],
        )
        .expect_err("conflicts");
        let names: Vec<&str> = conflicts.iter().map(|c| c.fqdn.as_str()).collect();
        assert_eq!(names, ["example.com", "www.example.com"]);
    }

    #[test]
    fn addresses_compare_by_value() {
        let zone = ZoneName::split("example.com").expect("a name");
        let cname = host("x", "CNAME", "Target.example.net.", "1");
        assert!(cname.same_data(
            &host("x.example.com", "cname", "target.example.net", "2"),
            &zone
        ));
        let aaaa = host("@", "AAAA", "2001:db8::1", "1");
        assert!(aaaa.same_data(&host("", "AAAA", "2001:0db8:0::1", "1"), &zone));
        let txt = host("@", "TXT", "A", "1");
        assert!(!txt.same_data(&host("@", "TXT", "a", "1"), &zone));
    }
}
