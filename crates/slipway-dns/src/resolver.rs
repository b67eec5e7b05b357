//! Asking DNS servers one question: over UDP, and again over TCP when the reply was cut
//! short (the TC bit).
//!
//! Each query has a fresh random id and goes out from a fresh socket on a port the
//! operating system picks. Only a reply from the server asked, with the query's id and
//! the same question, is accepted; anything else that arrives is ignored until the
//! timeout, so a forged or stray datagram cannot answer for the server.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::wire::{
    self, Flags, Message, Question, Rcode, Record, RecordData, RecordType, WireError,
};

/// Whether the server is asked to resolve the name itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recursion {
    /// RD=1: for resolvers, which look the name up on the client's behalf.
    Desired,
    /// RD=0: for authoritative servers, which answer only from their own zones.
    NotDesired,
}

/// A client for a list of DNS servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolver {
    /// The servers, asked in this order.
    pub servers: Vec<SocketAddr>,
    /// How long to wait for each server's reply, per attempt.
    pub timeout: Duration,
    /// How many rounds through the servers before giving up (at least one is made).
    pub attempts: u32,
    /// Whether the servers are asked to recurse.
    pub recursion: Recursion,
}

impl Resolver {
    /// How long to wait for a reply when nothing else is said.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
    /// How many rounds through the servers when nothing else is said.
    pub const DEFAULT_ATTEMPTS: u32 = 2;

    /// A client asking `servers` to resolve names recursively, with the default timeout
    /// and attempts.
    pub fn new(servers: Vec<SocketAddr>) -> Self {
        Self {
            servers,
            timeout: Self::DEFAULT_TIMEOUT,
            attempts: Self::DEFAULT_ATTEMPTS,
            recursion: Recursion::Desired,
        }
    }

    /// Asks for `kind` records of `name`.
    ///
    /// Servers are tried in order, and the round repeated `attempts` times for servers
    /// that did not answer. The first NOERROR or NXDOMAIN reply is returned. A server
    /// that answers with another code (SERVFAIL, REFUSED, ...) is not asked again; its
    /// reply is returned only when no server gave a better one. When no server replied
    /// at all, the error says why.
    pub fn query(&self, name: &str, kind: RecordType) -> Result<Response, DnsError> {
        wire::check_name(name).map_err(|source| DnsError::InvalidName {
            name: name.to_owned(),
            source,
        })?;
        if self.servers.is_empty() {
            return Err(DnsError::NoServers);
        }
        let question = Question::new(name, kind);
        let mut settled = vec![false; self.servers.len()];
        let mut errors: Vec<Option<DnsError>> = self.servers.iter().map(|_| None).collect();
        let mut fallback = None;
        for _ in 0..self.attempts.max(1) {
            for (index, &server) in self.servers.iter().enumerate() {
                if settled[index] {
                    continue;
                }
                match self.exchange(server, &question) {
                    Ok(message) => {
                        let response = Response::new(server, message);
                        if matches!(response.rcode, Rcode::NoError | Rcode::NameError) {
                            return Ok(response);
                        }
                        settled[index] = true;
                        fallback.get_or_insert(response);
                    }
                    Err(error) => {
                        // Nothing listening is not going to change between rounds.
                        settled[index] = matches!(error, DnsError::Unreachable { .. });
                        errors[index] = Some(error);
                    }
                }
            }
        }
        if let Some(response) = fallback {
            return Ok(response);
        }
        let errors: Vec<DnsError> = errors.into_iter().flatten().collect();
        if errors.iter().all(|e| matches!(e, DnsError::Timeout { .. })) {
            return Err(DnsError::Timeout {
                servers: self.servers.clone(),
                timeout: self.timeout,
            });
        }
        Err(errors
            .into_iter()
            .rfind(|e| !matches!(e, DnsError::Timeout { .. }))
            .unwrap_or(DnsError::NoServers))
    }

    /// One question to one server: UDP first, then TCP if the reply was truncated.
    fn exchange(&self, server: SocketAddr, question: &Question) -> Result<Message, DnsError> {
        let id = query_id();
        let flags = match self.recursion {
            Recursion::Desired => Flags::RECURSION_DESIRED,
            Recursion::NotDesired => Flags::NONE,
        };
        let packet = Message::query(id, question.clone(), flags)
            .encode()
            .map_err(|source| DnsError::InvalidName {
                name: question.name.clone(),
                source,
            })?;
        let exchange = Exchange {
            server,
            id,
            question,
            timeout: self.timeout,
        };
        let reply = exchange.over_udp(&packet)?;
        if reply.flags.contains(Flags::TRUNCATED) {
            exchange.over_tcp(&packet)
        } else {
            Ok(reply)
        }
    }
}

/// A server's reply to a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The server that replied.
    pub server: SocketAddr,
    /// Its response code.
    pub rcode: Rcode,
    /// Whether the server says it is authoritative for the name (the AA bit).
    pub authoritative: bool,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section: the zone's SOA in a negative answer, NS records in a
    /// referral.
    pub authority: Vec<Record>,
    /// The additional section.
    pub additional: Vec<Record>,
}

impl Response {
    /// The response held in a reply from `server`.
    pub fn new(server: SocketAddr, message: Message) -> Self {
        Self {
            server,
            rcode: message.flags.rcode(),
            authoritative: message.flags.contains(Flags::AUTHORITATIVE),
            answers: message.answers,
            authority: message.authority,
            additional: message.additional,
        }
    }

    /// The zone named by an SOA record in the authority section, when that zone holds
    /// `name` (is `name` or one of its parents): its name, the record's TTL and data.
    pub fn zone_of(&self, name: &str) -> Option<(&str, u32, &wire::Soa)> {
        self.authority.iter().find_map(|record| match &record.data {
            RecordData::Soa(soa) if is_within(name, &record.name) => {
                Some((record.name.as_str(), record.ttl, soa))
            }
            _ => None,
        })
    }

    /// How long resolvers may cache this "no such name" or "no such record" answer
    /// about `name`: the lesser of the SOA record's TTL and its MINIMUM field (RFC
    /// 2308), when the reply carries the SOA of `name`'s zone.
    pub fn negative_ttl(&self, name: &str) -> Option<u32> {
        self.zone_of(name).map(|(_, ttl, soa)| ttl.min(soa.minimum))
    }
}

/// Whether `name` is `zone` or lies below it, compared without regard to case.
pub fn is_within(name: &str, zone: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let zone = zone.strip_suffix('.').unwrap_or(zone);
    if zone.is_empty() {
        return true;
    }
    let (name, zone) = (name.as_bytes(), zone.as_bytes());
    match name.len().checked_sub(zone.len()) {
        Some(0) => name.eq_ignore_ascii_case(zone),
        Some(start) => name[start - 1] == b'.' && name[start..].eq_ignore_ascii_case(zone),
        None => false,
    }
}

/// Why a query got no reply.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// The name cannot be put in a query.
    #[error("{name:?} is not a valid domain name: {source}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        source: WireError,
    },
    /// The resolver has no servers to ask.
    #[error("no DNS server to ask")]
    NoServers,
    /// No server replied in time.
    #[error("no reply from {} within {timeout:?}", list(servers))]
    Timeout {
        /// The servers asked.
        servers: Vec<SocketAddr>,
        /// How long each attempt waited.
        timeout: Duration,
    },
    /// Nothing answers at the server's address, or there is no route to it.
    #[error("{server} cannot be reached: {source}")]
    Unreachable {
        /// The server.
        server: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
    /// The server's reply is not a DNS message.
    #[error("{server} sent a malformed reply: {source}")]
    Malformed {
        /// The server.
        server: SocketAddr,
        /// What is wrong with the reply.
        source: WireError,
    },
    /// The server's reply over TCP answers another question.
    #[error("{server} replied over TCP to a question that was not asked")]
    Mismatched {
        /// The server.
        server: SocketAddr,
    },
    /// Another network error.
    #[error("talking to {server} failed: {source}")]
    Io {
        /// The server.
        server: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
}

fn list(servers: &[SocketAddr]) -> String {
    servers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A fresh query id. Ids must be unpredictable to someone forging replies: each comes
/// from a randomly keyed hash (the standard library seeds `RandomState` from the
/// operating system) of a counter and the clock.
fn query_id() -> u16 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    let [a, b, ..] = hasher.finish().to_le_bytes();
    u16::from_le_bytes([a, b])
}

/// One query in flight to one server.
struct Exchange<'a> {
    server: SocketAddr,
    id: u16,
    question: &'a Question,
    timeout: Duration,
}

impl Exchange<'_> {
    /// Whether `reply` answers this query.
    fn answers(&self, reply: &Message) -> bool {
        reply.id == self.id
            && reply.flags.contains(Flags::RESPONSE)
            && reply.flags.opcode() == 0
            && matches!(reply.questions.as_slice(), [q]
                if q.kind == self.question.kind && q.name.eq_ignore_ascii_case(&self.question.name))
    }

    fn io(&self, source: io::Error) -> DnsError {
        match source.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::ConnectionReset => DnsError::Unreachable {
                server: self.server,
                source,
            },
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => self.timed_out(),
            _ => DnsError::Io {
                server: self.server,
                source,
            },
        }
    }

    fn timed_out(&self) -> DnsError {
        DnsError::Timeout {
            servers: vec![self.server],
            timeout: self.timeout,
        }
    }

    fn over_udp(&self, packet: &[u8]) -> Result<Message, DnsError> {
        let local: SocketAddr = if self.server.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).map_err(|e| self.io(e))?;
        // A connected socket only receives datagrams from the server, and reports
        // "port unreachable" as an error instead of waiting out the timeout.
        socket.connect(self.server).map_err(|e| self.io(e))?;
        socket.send(packet).map_err(|e| self.io(e))?;
        let deadline = Instant::now() + self.timeout;
        let mut buffer = vec![0; 65_535];
        let mut malformed = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(match malformed {
                    Some(source) => DnsError::Malformed {
                        server: self.server,
                        source,
                    },
                    None => self.timed_out(),
                });
            }
            socket
                .set_read_timeout(Some(left))
                .map_err(|e| self.io(e))?;
            let len = match socket.recv(&mut buffer) {
                Ok(len) => len,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(self.io(e)),
            };
            let datagram = &buffer[..len];
            match Message::decode(datagram) {
                Ok(reply) if self.answers(&reply) => return Ok(reply),
                // A stray or forged datagram: keep waiting for the real reply.
                Ok(_) => {}
                Err(source) => {
                    if datagram.starts_with(&self.id.to_be_bytes()) {
                        malformed = Some(source);
                    }
                }
            }
        }
    }

    fn over_tcp(&self, packet: &[u8]) -> Result<Message, DnsError> {
        let deadline = Instant::now() + self.timeout;
        let mut stream =
            TcpStream::connect_timeout(&self.server, self.timeout).map_err(|e| self.io(e))?;
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| self.io(e))?;
        stream
            .set_write_timeout(Some(left))
            .map_err(|e| self.io(e))?;
        // RFC 1035 section 4.2.2: each message is prefixed with its length.
        let len = u16::try_from(packet.len()).map_err(|_| DnsError::Io {
            server: self.server,
            source: io::Error::other("query longer than 65535 bytes"),
        })?;
        let mut framed = Vec::with_capacity(packet.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(packet);
        stream.write_all(&framed).map_err(|e| self.io(e))?;
        let mut prefix = [0; 2];
        stream.read_exact(&mut prefix).map_err(|e| self.io(e))?;
        let mut reply = vec![0; usize::from(u16::from_be_bytes(prefix))];
        stream.read_exact(&mut reply).map_err(|e| self.io(e))?;
        let reply = Message::decode(&reply).map_err(|source| DnsError::Malformed {
            server: self.server,
            source,
        })?;
        if self.answers(&reply) {
            Ok(reply)
        } else {
            Err(DnsError::Mismatched {
                server: self.server,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_within_a_zone() {
        assert!(is_within("www.example.com", "example.com"));
        assert!(is_within("WWW.Example.com.", "example.COM"));
        assert!(is_within("example.com", "example.com."));
        assert!(
            is_within("example.com", ""),
            "everything is within the root"
        );
        assert!(!is_within("wwwexample.com", "example.com"));
        assert!(!is_within("example.com", "www.example.com"));
        assert!(!is_within("app.example.test", "challtestsrv.invalid"));
    }

    #[test]
    fn query_ids_vary() {
        let ids: std::collections::HashSet<u16> = (0..64).map(|_| query_id()).collect();
        assert!(ids.len() > 56, "only {} distinct ids in 64", ids.len());
    }

    #[test]
    fn invalid_names_are_refused_before_anything_is_sent() {
        let resolver = Resolver::new(vec![]);
        let error = resolver
            .query("exa mple.com", RecordType::A)
            .expect_err("invalid");
        assert!(matches!(error, DnsError::InvalidName { .. }), "{error}");
        assert!(matches!(
            resolver.query("example.com", RecordType::A),
            Err(DnsError::NoServers)
        ));
    }
}
