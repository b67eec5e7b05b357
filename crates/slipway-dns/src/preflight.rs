//! The pre-flight check before a certificate is requested: does every name point at
//! the server, at the zone's own name servers and at public resolvers?
//!
//! Let's Encrypt looks a name up itself and then connects to what it finds; a request
//! made while DNS points elsewhere fails and counts against its rate limits. So the
//! check asks every source separately and reports what each one said, and a name is
//! [`Verdict::Ready`] only when every source that answered gives the server's
//! address.
//!
//! Sources are asked in parallel (one thread per name and source), so a check takes
//! about one round trip, or one timeout when a source is silent.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::thread;
use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use crate::lookup::{Answer, Family, Zone, find_zone, resolve, resolve_authoritative};
use crate::resolver::{Recursion, Resolver};
use crate::verdict;
use crate::wire;

/// Public resolvers asked when nothing else is said: Cloudflare, Google and Quad9.
pub const PUBLIC_RESOLVERS: [SocketAddr; 3] = [
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(1, 1, 1, 1), 53)),
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(8, 8, 8, 8), 53)),
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(9, 9, 9, 9), 53)),
];

/// How the check asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preflight {
    /// Recursive resolvers: each is a source of its own, and together they find the
    /// zone's name servers and their addresses.
    pub resolvers: Vec<SocketAddr>,
    /// Whether to ask the zone's authoritative name servers directly too. They show a
    /// change at once, where resolvers may show an old answer until it expires.
    pub authoritative: bool,
    /// The port authoritative servers are asked on: 53, except in tests.
    pub authoritative_port: u16,
    /// How long to wait for each reply.
    pub timeout: Duration,
    /// How many times to ask a silent server before counting it as not answering.
    pub attempts: u32,
}

impl Default for Preflight {
    fn default() -> Self {
        Self {
            resolvers: PUBLIC_RESOLVERS.to_vec(),
            authoritative: true,
            authoritative_port: 53,
            timeout: Resolver::DEFAULT_TIMEOUT,
            attempts: Resolver::DEFAULT_ATTEMPTS,
        }
    }
}

impl Preflight {
    /// The resolvers as one client, trying each in turn.
    fn recursive(&self) -> Resolver {
        self.client(self.resolvers.clone(), Recursion::Desired)
    }

    fn client(&self, servers: Vec<SocketAddr>, recursion: Recursion) -> Resolver {
        Resolver {
            servers,
            timeout: self.timeout,
            attempts: self.attempts,
            recursion,
        }
    }
}

/// The server's addresses: what every name must point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
pub struct Expected {
    /// The server's IPv4 address; every name needs an A record with it.
    pub ipv4: Ipv4Addr,
    /// The server's IPv6 address, if it has one. A name may then have an AAAA record
    /// with it; any other AAAA record is wrong.
    pub ipv6: Option<Ipv6Addr>,
}

/// Which kind of server a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// One of the zone's own name servers, asked without recursion: the truth as the
    /// DNS provider holds it now.
    Authoritative,
    /// A recursive resolver: what the world sees, possibly from its cache.
    Resolver,
}

/// A DNS server the check asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, TS)]
pub struct Source {
    /// Which kind of server.
    pub kind: SourceKind,
    /// How messages name it: a name server's host name, or a resolver's address.
    pub label: String,
    /// Where it was asked.
    pub address: SocketAddr,
}

impl Source {
    /// A recursive resolver at `address`, labelled by its IP (and port unless 53).
    pub fn resolver(address: SocketAddr) -> Self {
        let label = if address.port() == 53 {
            address.ip().to_string()
        } else {
            address.to_string()
        };
        Self {
            kind: SourceKind::Resolver,
            label,
            address,
        }
    }

    /// The authoritative name server `host`, asked at `address`.
    pub fn authoritative(host: &str, address: SocketAddr) -> Self {
        Self {
            kind: SourceKind::Authoritative,
            label: host.to_owned(),
            address,
        }
    }
}

/// What one source said about one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SourceAnswer {
    /// Who was asked.
    pub source: Source,
    /// Its IPv4 answer (A records).
    pub ipv4: Answer,
    /// Its IPv6 answer (AAAA records).
    pub ipv6: Answer,
}

impl SourceAnswer {
    /// Whether the source answered at all: its A answer is not a failure.
    pub fn answered(&self) -> bool {
        self.ipv4.failure().is_none()
    }
}

/// Where a name stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// Every source that answered gives exactly the server's address.
    Ready,
    /// The name points somewhere other than the server (A, or an AAAA record that is
    /// not the server's IPv6 address).
    Elsewhere {
        /// The addresses found, other than or besides the server's.
        found: Vec<IpAddr>,
    },
    /// The name has no A record, or does not exist.
    Missing,
    /// The name points at a proxy that hides the server.
    Proxied {
        /// Whose proxy, such as `Cloudflare`.
        provider: String,
    },
    /// The zone's name servers give the server's address, but resolvers still give an
    /// old answer from their caches: nothing to change, only to wait.
    Propagating {
        /// The old addresses resolvers still give (empty when they still remember that
        /// the name had no address).
        found: Vec<IpAddr>,
        /// The longest time, in seconds, the old answers may stay in caches, when
        /// known.
        ttl: Option<u32>,
    },
    /// Nothing is known: no source answered. Not the same as wrong records.
    Unknown,
}

/// The check of one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NameReport {
    /// The name, such as `www.example.com`.
    pub name: String,
    /// Where it stands.
    pub verdict: Verdict,
    /// What to tell the user: what was found, where, and what is needed.
    pub message: String,
    /// Things the user may want to know that do not change the verdict: sources that
    /// did not answer, name servers that could not be found.
    pub notes: Vec<String>,
    /// The zone holding the name and its name servers, when they were found.
    pub zone: Option<Zone>,
    /// What each source said: the zone's name servers first, then the resolvers.
    pub sources: Vec<SourceAnswer>,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Report {
    /// What the names must point at.
    pub expected: Expected,
    /// One entry per name, in the order given.
    pub names: Vec<NameReport>,
}

impl Report {
    /// Whether every name is [`Verdict::Ready`]: only then may a certificate be
    /// requested. A report on no names is not ready: there is nothing to certify.
    pub fn ready(&self) -> bool {
        !self.names.is_empty() && self.names.iter().all(|n| n.verdict == Verdict::Ready)
    }

    /// The names that are not ready.
    pub fn pending(&self) -> impl Iterator<Item = &NameReport> {
        self.names.iter().filter(|n| n.verdict != Verdict::Ready)
    }
}

impl fmt::Display for Report {
    /// Each name's message, with its notes below it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, name) in self.names.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", name.message)?;
            for note in &name.notes {
                write!(f, "\n  {note}")?;
            }
        }
        Ok(())
    }
}

/// Checks that every name points at the server, asking each source separately.
///
/// Names are compared without regard to case and may end with a dot; repeats are
/// checked once. The check itself never fails: what could not be learnt is part of
/// the report.
pub fn check(names: &[String], expected: &Expected, config: &Preflight) -> Report {
    let mut unique: Vec<String> = Vec::new();
    for name in names {
        let name = name.trim();
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    let names = thread::scope(|scope| {
        let handles: Vec<_> = unique
            .iter()
            .map(|name| scope.spawn(move || check_name(name, expected, config)))
            .collect();
        handles.into_iter().map(join).collect()
    });
    Report {
        expected: *expected,
        names,
    }
}

fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn check_name(name: &str, expected: &Expected, config: &Preflight) -> NameReport {
    if let Err(error) = wire::check_name(name) {
        return NameReport {
            name: name.to_owned(),
            verdict: Verdict::Unknown,
            message: format!(
                "{name:?} is not a valid domain name ({error}), so it cannot be checked or get \
                 a certificate. Correct it in the domain settings."
            ),
            notes: Vec::new(),
            zone: None,
            sources: Vec::new(),
        };
    }
    let (zone, sources, mut notes) = thread::scope(|scope| {
        let resolvers: Vec<_> = config
            .resolvers
            .iter()
            .map(|&server| {
                scope.spawn(move || {
                    let resolver = config.client(vec![server], Recursion::Desired);
                    SourceAnswer {
                        source: Source::resolver(server),
                        ipv4: resolve(&resolver, name, Family::Ipv4),
                        ipv6: resolve(&resolver, name, Family::Ipv6),
                    }
                })
            })
            .collect();
        let (zone, mut sources, notes) = if config.authoritative {
            ask_authorities(name, config)
        } else {
            (None, Vec::new(), Vec::new())
        };
        sources.extend(resolvers.into_iter().map(join));
        (zone, sources, notes)
    });
    let verdict = verdict::judge(expected, &sources);
    let message = verdict::describe(name, expected, &verdict, &sources);
    if verdict != Verdict::Unknown {
        notes.extend(verdict::silent_sources(name, &sources));
    }
    NameReport {
        name: name.to_owned(),
        verdict,
        message,
        notes,
        zone,
        sources,
    }
}

/// Finds the zone's name servers and asks each about `name`. Returns the zone, the
/// servers' answers, and notes on what could not be done.
fn ask_authorities(
    name: &str,
    config: &Preflight,
) -> (Option<Zone>, Vec<SourceAnswer>, Vec<String>) {
    let recursive = config.recursive();
    let zone = match find_zone(&recursive, name) {
        Ok(Some(zone)) => zone,
        Ok(None) => {
            let note = format!(
                "No name servers (NS records) were found for {name} or the domains above it, \
                 so its authoritative servers could not be asked; the verdict rests on the \
                 resolvers alone. (Some DNS servers, test servers among them, serve no NS \
                 records.)"
            );
            return (None, Vec::new(), vec![note]);
        }
        Err(error) => {
            let note = format!(
                "The name servers of {name} could not be looked up ({error}); the verdict rests \
                 on the resolvers alone."
            );
            return (None, Vec::new(), vec![note]);
        }
    };
    let mut notes = Vec::new();
    let sources = thread::scope(|scope| {
        let hosts: Vec<_> = zone
            .name_servers
            .iter()
            .map(|host| {
                let recursive = &recursive;
                scope.spawn(move || (host, resolve(recursive, host, Family::Ipv4)))
            })
            .collect();
        let mut asked = Vec::new();
        for (host, answer) in hosts.into_iter().map(join) {
            // One address per name server: several are the same server (anycast).
            if let Some(&address) = answer.addresses().first() {
                let source = Source::authoritative(
                    host,
                    SocketAddr::new(address, config.authoritative_port),
                );
                let server = config.client(vec![source.address], Recursion::NotDesired);
                let recursive = &recursive;
                asked.push(scope.spawn(move || SourceAnswer {
                    ipv4: resolve_authoritative(&server, recursive, name, Family::Ipv4),
                    ipv6: resolve_authoritative(&server, recursive, name, Family::Ipv6),
                    source,
                }));
            } else {
                let why = match &answer {
                    Answer::Failed { failure, .. } => format!("the resolvers {failure}"),
                    _ => "it has no IPv4 address".to_owned(),
                };
                notes.push(format!(
                    "The name server {host} of {zone} was not asked: its address could not be \
                     found ({why}).",
                    zone = zone.name
                ));
            }
        }
        asked.into_iter().map(join).collect::<Vec<_>>()
    });
    if sources.is_empty() {
        notes.push(format!(
            "None of the name servers of {} could be asked; the verdict rests on the \
             resolvers alone.",
            zone.name
        ));
    }
    (Some(zone), sources, notes)
}
