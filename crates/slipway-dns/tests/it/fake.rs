//! An in-process DNS server answering from a table, on 127.0.0.1 (UDP and TCP on the
//! same port), with misbehaviours on demand.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use slipway_dns::resolver::is_within;
use slipway_dns::wire::{Flags, Message, Question, Rcode, Record, RecordData, RecordType, Soa};

/// How the server behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answers every query.
    Answer,
    /// Reads queries and never answers.
    Silent,
    /// Before each real reply, sends one with another id and one for another question.
    ForgedFirst,
    /// Sends only those two forged replies.
    OnlyForged,
    /// Answers over UDP with the TC bit and no records; answers fully over TCP.
    Truncate,
}

/// A query the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub question: Question,
    pub recursion_desired: bool,
    pub over_tcp: bool,
}

/// What the server knows and how it behaves; change it at any time.
pub struct Table {
    pub records: Vec<Record>,
    /// Answer as an authoritative server (AA set) for the zones of the SOA records in
    /// the table, refusing other names; otherwise as a resolver that knows the table
    /// as the whole world.
    pub authoritative: bool,
    pub mode: Mode,
    pub seen: Vec<Seen>,
}

impl Table {
    fn zones(&self) -> impl Iterator<Item = &str> {
        self.records
            .iter()
            .filter(|r| r.kind() == RecordType::Soa)
            .map(|r| r.name.as_str())
    }

    fn in_scope(&self, name: &str) -> bool {
        !self.authoritative || self.zones().any(|zone| is_within(name, zone))
    }

    fn answer(&self, query: &Message) -> Message {
        let question = query.questions[0].clone();
        let mut reply = Message {
            id: query.id,
            flags: Flags::RESPONSE,
            questions: vec![question.clone()],
            ..Message::default()
        };
        if query.flags.contains(Flags::RECURSION_DESIRED) {
            reply.flags = reply.flags | Flags::RECURSION_DESIRED;
        }
        if self.authoritative {
            if !self.in_scope(&question.name) {
                reply.flags = reply.flags.with_rcode(Rcode::Refused);
                return reply;
            }
            reply.flags = reply.flags | Flags::AUTHORITATIVE;
        } else {
            reply.flags = reply.flags | Flags::RECURSION_AVAILABLE;
        }
        let mut current = question.name.clone();
        let mut found = false;
        for _ in 0..16 {
            let matching: Vec<&Record> = self
                .records
                .iter()
                .filter(|r| r.name.eq_ignore_ascii_case(&current) && r.kind() == question.kind)
                .collect();
            if !matching.is_empty() {
                reply.answers.extend(matching.into_iter().cloned());
                found = true;
                break;
            }
            let alias = self
                .records
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&current) && r.kind() == RecordType::Cname);
            match alias {
                Some(
                    record @ Record {
                        data: RecordData::Cname(target),
                        ..
                    },
                ) => {
                    reply.answers.push(record.clone());
                    current.clone_from(target);
                }
                _ => break,
            }
        }
        if !found && self.in_scope(&current) {
            let exists = self
                .records
                .iter()
                .any(|r| r.name.eq_ignore_ascii_case(&current));
            if !exists {
                reply.flags = reply.flags.with_rcode(Rcode::NameError);
            }
            let soa = self
                .records
                .iter()
                .filter(|r| r.kind() == RecordType::Soa && is_within(&current, &r.name))
                .max_by_key(|r| r.name.len());
            reply.authority.extend(soa.cloned());
        }
        reply
    }
}

/// The running server; it stops when dropped.
pub struct FakeDns {
    pub addr: SocketAddr,
    table: Arc<Mutex<Table>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl FakeDns {
    /// A resolver that knows `records`.
    pub fn resolver(records: Vec<Record>) -> Self {
        Self::start(records, false)
    }

    /// An authoritative server for the zones of the SOA records among `records`.
    pub fn authoritative(records: Vec<Record>) -> Self {
        Self::start(records, true)
    }

    fn start(records: Vec<Record>, authoritative: bool) -> Self {
        let table = Arc::new(Mutex::new(Table {
            records,
            authoritative,
            mode: Mode::Answer,
            seen: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (udp, tcp) = bind_pair();
        let addr = udp.local_addr().expect("address");
        let threads = vec![
            {
                let (table, stop) = (table.clone(), stop.clone());
                thread::spawn(move || serve_udp(&udp, &table, &stop))
            },
            {
                let (table, stop) = (table.clone(), stop.clone());
                thread::spawn(move || serve_tcp(&tcp, &table, &stop))
            },
        ];
        Self {
            addr,
            table,
            stop,
            threads,
        }
    }

    /// The table, to read or change.
    pub fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().expect("table")
    }

    /// Sets the mode.
    pub fn set_mode(&self, mode: Mode) {
        self.table().mode = mode;
    }

    /// Replaces the records.
    pub fn set_records(&self, records: Vec<Record>) {
        self.table().records = records;
    }

    /// The queries received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.table().seen.clone()
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A UDP socket and a TCP listener on the same loopback port.
fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        if let Ok(tcp) = TcpListener::bind(udp.local_addr().expect("address")) {
            return (udp, tcp);
        }
    }
    panic!("no loopback port free for both UDP and TCP");
}

fn serve_udp(socket: &UdpSocket, table: &Mutex<Table>, stop: &AtomicBool) {
    socket
        .set_read_timeout(Some(Duration::from_millis(20)))
        .expect("timeout");
    let mut buffer = [0; 4096];
    while !stop.load(Ordering::SeqCst) {
        let Ok((len, peer)) = socket.recv_from(&mut buffer) else {
            continue;
        };
        let Ok(query) = Message::decode(&buffer[..len]) else {
            continue;
        };
        let (mode, reply) = {
            let mut table = table.lock().expect("table");
            table.seen.push(Seen {
                question: query.questions[0].clone(),
                recursion_desired: query.flags.contains(Flags::RECURSION_DESIRED),
                over_tcp: false,
            });
            (table.mode, table.answer(&query))
        };
        let send = |message: &Message| {
            let _ = socket.send_to(&message.encode().expect("encodes"), peer);
        };
        match mode {
            Mode::Silent => {}
            Mode::Answer => send(&reply),
            Mode::ForgedFirst | Mode::OnlyForged => {
                let mut forged = reply.clone();
                forged.id = reply.id.wrapping_add(1);
                forged.answers = vec![a(&reply.questions[0].name, "6.6.6.6", 60)];
                send(&forged);
                let mut other = forged.clone();
                other.id = reply.id;
                other.questions = vec![Question::new("evil.example.com", reply.questions[0].kind)];
                send(&other);
                if mode == Mode::ForgedFirst {
                    send(&reply);
                }
            }
            Mode::Truncate => {
                let mut cut = reply.clone();
                cut.flags = cut.flags | Flags::TRUNCATED;
                cut.answers.clear();
                cut.authority.clear();
                send(&cut);
            }
        }
    }
}

fn serve_tcp(listener: &TcpListener, table: &Mutex<Table>, stop: &AtomicBool) {
    listener.set_nonblocking(true).expect("nonblocking");
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = answer_tcp(stream, table);
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn answer_tcp(mut stream: TcpStream, table: &Mutex<Table>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut prefix = [0; 2];
    stream.read_exact(&mut prefix)?;
    let mut query = vec![0; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut query)?;
    let Ok(query) = Message::decode(&query) else {
        return Ok(());
    };
    let reply = {
        let mut table = table.lock().expect("table");
        table.seen.push(Seen {
            question: query.questions[0].clone(),
            recursion_desired: query.flags.contains(Flags::RECURSION_DESIRED),
            over_tcp: true,
        });
        table.answer(&query)
    };
    let bytes = reply.encode().expect("encodes");
    let len = u16::try_from(bytes.len()).expect("fits").to_be_bytes();
    stream.write_all(&[&len[..], &bytes].concat())
}

pub fn a(name: &str, address: &str, ttl: u32) -> Record {
    Record {
        name: name.into(),
        ttl,
        data: RecordData::A(address.parse().expect("IPv4 address")),
    }
}

pub fn aaaa(name: &str, address: &str, ttl: u32) -> Record {
    Record {
        name: name.into(),
        ttl,
        data: RecordData::Aaaa(address.parse().expect("IPv6 address")),
    }
}

pub fn cname(name: &str, target: &str, ttl: u32) -> Record {
    Record {
        name: name.into(),
        ttl,
        data: RecordData::Cname(target.into()),
    }
}

pub fn ns(zone: &str, host: &str) -> Record {
    Record {
        name: zone.into(),
        ttl: 86_400,
        data: RecordData::Ns(host.into()),
    }
}

/// An SOA record for `zone` whose negative answers may be cached for `minimum` seconds.
pub fn soa(zone: &str, minimum: u32) -> Record {
    Record {
        name: zone.into(),
        ttl: 3600,
        data: RecordData::Soa(Soa {
            primary: format!("ns1.{zone}"),
            contact: format!("hostmaster.{zone}"),
            serial: 1,
            refresh: 7200,
            retry: 900,
            expire: 1_209_600,
            minimum,
        }),
    }
}
