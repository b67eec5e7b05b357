//! What a name resolves to, following aliases (CNAME), and which name servers are
//! authoritative for it.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;
use ts_rs::TS;

use crate::resolver::{DnsError, Resolver, Response};
use crate::wire::{Rcode, RecordData, RecordType};

/// The longest chain of aliases followed; longer chains are reported as loops. Real
/// chains (a CDN's, say) have two or three links.
pub const MAX_ALIASES: usize = 8;

/// An address family, and the record type that holds its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// IPv4: A records.
    Ipv4,
    /// IPv6: AAAA records.
    Ipv6,
}

impl Family {
    /// The record type holding this family's addresses.
    pub fn record_type(self) -> RecordType {
        match self {
            Self::Ipv4 => RecordType::A,
            Self::Ipv6 => RecordType::Aaaa,
        }
    }

    fn address(self, data: &RecordData) -> Option<IpAddr> {
        match (self, data) {
            (Self::Ipv4, RecordData::A(address)) => Some(IpAddr::V4(*address)),
            (Self::Ipv6, RecordData::Aaaa(address)) => Some(IpAddr::V6(*address)),
            _ => None,
        }
    }
}

/// What one server said about a name's addresses of one family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    /// The name has these addresses.
    Addresses {
        /// The aliases followed on the way, in order (empty when the name has the
        /// addresses itself).
        chain: Vec<String>,
        /// The addresses, without repeats.
        addresses: Vec<IpAddr>,
        /// The longest TTL among the records of the answer, in seconds: how long a
        /// cache may go on giving this answer.
        ttl: u32,
    },
    /// The name (or the last alias) exists but has no address of this family.
    NoRecord {
        /// The aliases followed on the way.
        chain: Vec<String>,
        /// How long resolvers may cache this answer, in seconds, when the server said.
        ttl: Option<u32>,
    },
    /// The name (or the last alias) does not exist: NXDOMAIN.
    NoSuchName {
        /// The aliases followed on the way.
        chain: Vec<String>,
        /// How long resolvers may cache this answer, in seconds, when the server said.
        ttl: Option<u32>,
    },
    /// The server gave no usable answer.
    Failed {
        /// The aliases followed before the failure.
        chain: Vec<String>,
        /// Why.
        failure: Failure,
    },
}

impl Answer {
    /// The addresses found, if any.
    pub fn addresses(&self) -> &[IpAddr] {
        match self {
            Self::Addresses { addresses, .. } => addresses,
            _ => &[],
        }
    }

    /// The aliases followed.
    pub fn chain(&self) -> &[String] {
        match self {
            Self::Addresses { chain, .. }
            | Self::NoRecord { chain, .. }
            | Self::NoSuchName { chain, .. }
            | Self::Failed { chain, .. } => chain,
        }
    }

    /// How long a cache may keep this answer, in seconds, when known.
    pub fn ttl(&self) -> Option<u32> {
        match self {
            Self::Addresses { ttl, .. } => Some(*ttl),
            Self::NoRecord { ttl, .. } | Self::NoSuchName { ttl, .. } => *ttl,
            Self::Failed { .. } => None,
        }
    }

    /// Why the server gave no usable answer, if it did not.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Failed { failure, .. } => Some(failure),
            _ => None,
        }
    }
}

/// Why a server gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// No reply came in time.
    TimedOut,
    /// The server refused (REFUSED): it does not serve this name, or not to us.
    Refused,
    /// The server failed (SERVFAIL); for a resolver, often broken DNSSEC or name
    /// servers that do not answer.
    ServerFailure,
    /// A server asked as authoritative replied without authority: it does not serve
    /// the zone (a "lame delegation").
    NotAuthoritative,
    /// The server replied with another error code.
    Error {
        /// The code, such as `NOTIMP`.
        rcode: String,
    },
    /// Nothing answers at the server's address, or there is no route to it.
    Unreachable {
        /// What the operating system said.
        reason: String,
    },
    /// The reply was not valid DNS.
    Malformed {
        /// What was wrong with it.
        reason: String,
    },
    /// The name cannot be asked about.
    InvalidName {
        /// What is wrong with it.
        reason: String,
    },
    /// The aliases loop, or the chain is longer than [`MAX_ALIASES`].
    AliasLoop,
}

impl fmt::Display for Failure {
    /// A verb phrase, to follow the server's name: "1.1.1.1 did not answer in time".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TimedOut => f.write_str("did not answer in time"),
            Self::Refused => f.write_str("refused to answer"),
            Self::ServerFailure => f.write_str("failed to answer (SERVFAIL)"),
            Self::NotAuthoritative => {
                f.write_str("answered without authority (it does not serve this domain)")
            }
            Self::Error { rcode } => write!(f, "answered with the error {rcode}"),
            Self::Unreachable { reason } => write!(f, "could not be reached ({reason})"),
            Self::Malformed { reason } => write!(f, "sent a malformed reply ({reason})"),
            Self::InvalidName { reason } => {
                write!(f, "could not be asked: the name is not valid ({reason})")
            }
            Self::AliasLoop => write!(
                f,
                "gave aliases (CNAME) that loop or chain more than {MAX_ALIASES} times"
            ),
        }
    }
}

impl From<&DnsError> for Failure {
    fn from(error: &DnsError) -> Self {
        match error {
            DnsError::Timeout { .. } => Self::TimedOut,
            DnsError::InvalidName { source, .. } => Self::InvalidName {
                reason: source.to_string(),
            },
            DnsError::NoServers => Self::Unreachable {
                reason: "no DNS server to ask".into(),
            },
            DnsError::Unreachable { source, .. } | DnsError::Io { source, .. } => {
                Self::Unreachable {
                    reason: source.to_string(),
                }
            }
            DnsError::Malformed { source, .. } => Self::Malformed {
                reason: source.to_string(),
            },
            DnsError::Mismatched { .. } => Self::Malformed {
                reason: "it answered another question".into(),
            },
        }
    }
}

/// The addresses of one family that `name` resolves to at `resolver`, following
/// aliases. Never fails: a server that gives no usable answer is an
/// [`Answer::Failed`].
pub fn resolve(resolver: &Resolver, name: &str, family: Family) -> Answer {
    follow(resolver, resolver, Authority::Any, name, family)
}

/// The addresses of one family that `name` has at an authoritative server, which must
/// answer with authority (the AA bit). An alias to a name the server does not serve
/// is followed through `onward` (recursive resolvers), as Let's Encrypt would.
pub fn resolve_authoritative(
    server: &Resolver,
    onward: &Resolver,
    name: &str,
    family: Family,
) -> Answer {
    follow(server, onward, Authority::Required, name, family)
}

/// Whether a reply must carry the AA bit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Authority {
    Required,
    Any,
}

fn follow(
    first: &Resolver,
    onward: &Resolver,
    authority: Authority,
    name: &str,
    family: Family,
) -> Answer {
    let name = name.strip_suffix('.').unwrap_or(name);
    let mut chain: Vec<String> = Vec::new();
    let mut current = name.to_owned();
    let mut resolver = first;
    let mut authority = authority;
    let mut ttl = 0;
    loop {
        let response = match resolver.query(&current, family.record_type()) {
            Ok(response) => response,
            Err(error) => {
                return Answer::Failed {
                    chain,
                    failure: Failure::from(&error),
                };
            }
        };
        if let Some(failure) = failure_of(&response, authority) {
            return Answer::Failed { chain, failure };
        }
        let before = chain.len();
        // Follow the aliases this reply holds, as far as it holds them.
        loop {
            let mut addresses: Vec<IpAddr> = Vec::new();
            for record in response
                .answers
                .iter()
                .filter(|r| r.name.eq_ignore_ascii_case(&current))
            {
                if let Some(address) = family.address(&record.data) {
                    ttl = ttl.max(record.ttl);
                    if !addresses.contains(&address) {
                        addresses.push(address);
                    }
                }
            }
            if !addresses.is_empty() {
                return Answer::Addresses {
                    chain,
                    addresses,
                    ttl,
                };
            }
            let alias = response
                .answers
                .iter()
                .find_map(|record| match &record.data {
                    RecordData::Cname(target) if record.name.eq_ignore_ascii_case(&current) => {
                        Some((target, record.ttl))
                    }
                    _ => None,
                });
            let Some((target, alias_ttl)) = alias else {
                break;
            };
            let seen = target.eq_ignore_ascii_case(name)
                || chain.iter().any(|link| link.eq_ignore_ascii_case(target));
            if seen || chain.len() >= MAX_ALIASES {
                return Answer::Failed {
                    chain,
                    failure: Failure::AliasLoop,
                };
            }
            ttl = ttl.max(alias_ttl);
            chain.push(target.clone());
            current.clone_from(target);
        }
        let negative_ttl = response.negative_ttl(&current);
        // An NXDOMAIN code speaks of the last name in the chain (RFC 6604), and an
        // SOA of its zone means the server knows that zone and says "no such record".
        let settled = chain.len() == before
            || response.rcode == Rcode::NameError
            || response.zone_of(&current).is_some();
        if settled {
            return if response.rcode == Rcode::NameError {
                Answer::NoSuchName {
                    chain,
                    ttl: negative_ttl,
                }
            } else {
                Answer::NoRecord {
                    chain,
                    ttl: negative_ttl,
                }
            };
        }
        // The reply ends at an alias whose target it says nothing about, as an
        // authoritative server does for a name outside its zones: ask onward.
        resolver = onward;
        authority = Authority::Any;
    }
}

fn failure_of(response: &Response, authority: Authority) -> Option<Failure> {
    match response.rcode {
        Rcode::NoError | Rcode::NameError => {}
        Rcode::Refused => return Some(Failure::Refused),
        Rcode::ServerFailure => return Some(Failure::ServerFailure),
        other => {
            return Some(Failure::Error {
                rcode: other.to_string(),
            });
        }
    }
    (authority == Authority::Required && !response.authoritative)
        .then_some(Failure::NotAuthoritative)
}

/// A zone and the name servers its NS records list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Zone {
    /// The zone's name, such as `example.com`.
    pub name: String,
    /// Its name servers' host names, such as `ns1.registrar.net`.
    pub name_servers: Vec<String>,
}

/// The zone that holds `name`, and its name servers, as `resolver` sees them.
///
/// Asks for NS records of the name, then of each parent in turn, until some are
/// found. A reply that carries the SOA of a zone above the name (as negative answers
/// do) jumps straight to that zone. `Ok(None)` means no NS records were found at all,
/// as with DNS servers that serve no NS records (test servers, for one); an error
/// means the resolvers did not answer.
pub fn find_zone(resolver: &Resolver, name: &str) -> Result<Option<Zone>, DnsError> {
    let mut candidate = name.strip_suffix('.').unwrap_or(name).to_owned();
    while !candidate.is_empty() {
        let response = resolver.query(&candidate, RecordType::Ns)?;
        let mut name_servers: Vec<String> = Vec::new();
        for record in &response.answers {
            if let RecordData::Ns(host) = &record.data
                && record.name.eq_ignore_ascii_case(&candidate)
                && !name_servers
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(host))
            {
                name_servers.push(host.to_ascii_lowercase());
            }
        }
        if !name_servers.is_empty() {
            return Ok(Some(Zone {
                name: candidate,
                name_servers,
            }));
        }
        let above = match response.rcode {
            Rcode::NoError | Rcode::NameError => response
                .zone_of(&candidate)
                .map(|(zone, _, _)| zone.to_ascii_lowercase())
                .filter(|zone| !zone.is_empty() && zone.len() < candidate.len()),
            _ => None,
        };
        candidate = match above {
            Some(zone) => zone,
            None => parent(&candidate).to_owned(),
        };
    }
    Ok(None)
}

/// The name one label up: `example.com` for `www.example.com`, and the root (empty)
/// for `com`.
fn parent(name: &str) -> &str {
    name.split_once('.').map_or("", |(_, rest)| rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_climb_to_the_root() {
        assert_eq!(parent("www.example.com"), "example.com");
        assert_eq!(parent("com"), "");
        assert_eq!(parent(""), "");
    }

    #[test]
    fn failures_read_after_the_server_name() {
        let failure = Failure::Error {
            rcode: Rcode::NotImplemented.to_string(),
        };
        assert_eq!(
            format!("ns1.example.net {failure}"),
            "ns1.example.net answered with the error NOTIMP"
        );
        assert_eq!(
            format!("9.9.9.9 {}", Failure::TimedOut),
            "9.9.9.9 did not answer in time"
        );
    }

    #[test]
    fn answers_serialise_with_a_kind_tag() {
        let answer = Answer::Addresses {
            chain: vec!["lb.example.net".into()],
            addresses: vec!["198.51.100.7".parse().expect("address")],
            ttl: 300,
        };
        assert_eq!(
            serde_json::to_value(&answer).expect("json"),
            serde_json::json!({
                "kind": "addresses",
                "chain": ["lb.example.net"],
                "addresses": ["198.51.100.7"],
                "ttl": 300
            })
        );
        let failed = Answer::Failed {
            chain: vec![],
            failure: Failure::TimedOut,
        };
        assert_eq!(
            serde_json::to_value(&failed).expect("json"),
            serde_json::json!({"kind": "failed", "chain": [], "failure": {"kind": "timed_out"}})
        );
    }
}
