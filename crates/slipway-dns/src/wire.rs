//! The DNS message format of RFC 1035 (section 4): a header, questions, and three
//! sections of resource records, with names compressed by pointers.
//!
//! Decoding is defensive, because a reply is data from the network: every length is
//! checked against the bytes present, and a name may follow at most [`MAX_POINTERS`]
//! compression pointers, so a pointer loop is an error rather than a hang. Encoding
//! writes names uncompressed, which every decoder accepts.
//!
//! Names are held as text without the trailing dot (`www.example.com`; the root is the
//! empty string). Bytes of a received label that are not printable ASCII, and `.` or `\`
//! inside a label, are shown as `\DDD` (decimal), as zone files write them. Only the
//! class IN is spoken: queries ask for it and the class of received records is not kept.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The most compression pointers one name may follow. A legal name has at most 127
/// labels, so it never needs more pointers than that.
pub const MAX_POINTERS: usize = 127;

/// The longest name on the wire, length bytes included (RFC 1035 section 2.3.4).
const MAX_NAME_LEN: usize = 255;

/// The longest label (RFC 1035 section 2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// The class IN (Internet).
const CLASS_IN: u16 = 1;

/// Why bytes are not a DNS message, or a message cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The message ends before something it announces.
    #[error("the message ends early, at byte {at}")]
    Truncated {
        /// Where more bytes were needed.
        at: usize,
    },
    /// A name follows more compression pointers than any legal name needs.
    #[error("a name's compression pointers loop (at byte {at})")]
    PointerLoop {
        /// Where the name starts.
        at: usize,
    },
    /// A label uses a type other than "length" (00) or "pointer" (11).
    #[error("unsupported label type {byte:#04x} at byte {at}")]
    LabelType {
        /// The first byte of the label.
        byte: u8,
        /// Where it is.
        at: usize,
    },
    /// A name is longer than 255 bytes.
    #[error("a name is longer than 255 bytes")]
    NameTooLong,
    /// A label is longer than 63 bytes.
    #[error("the label {label:?} is longer than 63 characters")]
    LabelTooLong {
        /// The label.
        label: String,
    },
    /// A name has an empty label, as in `www..example.com`.
    #[error("a name has an empty label (two dots in a row, or a leading dot)")]
    EmptyLabel,
    /// A name holds a character that cannot be written in a query.
    #[error("the character {character:?} cannot be used in a domain name{hint}")]
    BadCharacter {
        /// The character.
        character: char,
        /// Advice, such as the `xn--` form for international names.
        hint: &'static str,
    },
    /// A record's data does not have the shape its type requires.
    #[error("a {kind} record's data is malformed: {reason}")]
    BadData {
        /// The record type.
        kind: RecordType,
        /// What is wrong.
        reason: &'static str,
    },
    /// A section holds more entries than the header can count.
    #[error("a section holds more than 65535 entries")]
    TooManyEntries,
}

/// A record type (RFC 1035 section 3.2.2, RFC 3596 for AAAA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// An IPv4 address.
    A,
    /// An authoritative name server.
    Ns,
    /// The canonical name of an alias.
    Cname,
    /// The start of a zone of authority.
    Soa,
    /// An IPv6 address.
    Aaaa,
    /// Any other type, by number.
    Other(u16),
}

impl RecordType {
    /// The type's number on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::A => 1,
            Self::Ns => 2,
            Self::Cname => 5,
            Self::Soa => 6,
            Self::Aaaa => 28,
            Self::Other(code) => code,
        }
    }

    /// The type with this number.
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => Self::A,
            2 => Self::Ns,
            5 => Self::Cname,
            6 => Self::Soa,
            28 => Self::Aaaa,
            other => Self::Other(other),
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::A => f.write_str("A"),
            Self::Ns => f.write_str("NS"),
            Self::Cname => f.write_str("CNAME"),
            Self::Soa => f.write_str("SOA"),
            Self::Aaaa => f.write_str("AAAA"),
            Self::Other(code) => write!(f, "TYPE{code}"),
        }
    }
}

/// The response code in a header (RFC 1035 section 4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rcode {
    /// No error.
    NoError,
    /// The server could not understand the query.
    FormatError,
    /// The server failed to answer (for a resolver: often a DNSSEC or upstream failure).
    ServerFailure,
    /// The name does not exist (NXDOMAIN).
    NameError,
    /// The server does not support this kind of query.
    NotImplemented,
    /// The server refuses to answer, usually because it does not serve the name.
    Refused,
    /// Any other code, by number.
    Other(u8),
}

impl Rcode {
    /// The code's number on the wire (the low four bits of the flags).
    pub fn code(self) -> u8 {
        match self {
            Self::NoError => 0,
            Self::FormatError => 1,
            Self::ServerFailure => 2,
            Self::NameError => 3,
            Self::NotImplemented => 4,
            Self::Refused => 5,
            Self::Other(code) => code & 0x0f,
        }
    }

    /// The code with this number (only the low four bits count).
    pub fn from_code(code: u8) -> Self {
        match code & 0x0f {
            0 => Self::NoError,
            1 => Self::FormatError,
            2 => Self::ServerFailure,
            3 => Self::NameError,
            4 => Self::NotImplemented,
            5 => Self::Refused,
            other => Self::Other(other),
        }
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoError => f.write_str("NOERROR"),
            Self::FormatError => f.write_str("FORMERR"),
            Self::ServerFailure => f.write_str("SERVFAIL"),
            Self::NameError => f.write_str("NXDOMAIN"),
            Self::NotImplemented => f.write_str("NOTIMP"),
            Self::Refused => f.write_str("REFUSED"),
            Self::Other(code) => write!(f, "RCODE{code}"),
        }
    }
}

/// The second 16 bits of a header: QR, opcode, AA, TC, RD, RA and the response code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u16);

impl Flags {
    /// No flag set: a standard query that does not ask for recursion.
    pub const NONE: Self = Self(0);
    /// QR: the message is a response.
    pub const RESPONSE: Self = Self(0x8000);
    /// AA: the answer comes from a server authoritative for the name.
    pub const AUTHORITATIVE: Self = Self(0x0400);
    /// TC: the message was cut to fit a datagram; ask again over TCP.
    pub const TRUNCATED: Self = Self(0x0200);
    /// RD: the client asks the server to resolve the name recursively.
    pub const RECURSION_DESIRED: Self = Self(0x0100);
    /// RA: the server offers recursion.
    pub const RECURSION_AVAILABLE: Self = Self(0x0080);

    /// The flags from their 16 bits.
    pub fn from_bits(bits: u16) -> Self {
        Self(bits)
    }

    /// The 16 bits.
    pub fn bits(self) -> u16 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// These flags with the flags of `other` set too.
    #[must_use]
    pub fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The opcode (0 for a standard query).
    pub fn opcode(self) -> u8 {
        let [high, _] = self.0.to_be_bytes();
        (high >> 3) & 0x0f
    }

    /// The response code.
    pub fn rcode(self) -> Rcode {
        let [_, low] = self.0.to_be_bytes();
        Rcode::from_code(low)
    }

    /// These flags with `rcode` as the response code.
    #[must_use]
    pub fn with_rcode(self, rcode: Rcode) -> Self {
        Self((self.0 & !0x0f) | u16::from(rcode.code()))
    }
}

impl std::ops::BitOr for Flags {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        self.with(other)
    }
}

/// A question: which records of which name are wanted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    /// The name, without the trailing dot.
    pub name: String,
    /// The record type.
    pub kind: RecordType,
}

impl Question {
    /// A question for `kind` records of `name` (a trailing dot is dropped).
    pub fn new(name: &str, kind: RecordType) -> Self {
        Self {
            name: name.strip_suffix('.').unwrap_or(name).to_owned(),
            kind,
        }
    }
}

/// The data of an SOA record: the zone's primary server, its contact and its timers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Soa {
    /// The primary name server (MNAME).
    pub primary: String,
    /// The mailbox of the person responsible, with `.` for `@` (RNAME).
    pub contact: String,
    /// The zone's serial number.
    pub serial: u32,
    /// Seconds between secondaries' refreshes.
    pub refresh: u32,
    /// Seconds before a failed refresh is retried.
    pub retry: u32,
    /// Seconds after which a secondary stops answering without a refresh.
    pub expire: u32,
    /// The MINIMUM field, which since RFC 2308 is how long resolvers cache "no such
    /// record" answers.
    pub minimum: u32,
}

/// The data of a record, decoded for the types this crate uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// The name this alias stands for.
    Cname(String),
    /// A name server for the zone.
    Ns(String),
    /// The zone's start of authority.
    Soa(Soa),
    /// A record of another type, undecoded.
    Other {
        /// The type's number.
        kind: u16,
        /// The raw data.
        data: Vec<u8>,
    },
}

/// A resource record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// Its owner name, without the trailing dot.
    pub name: String,
    /// Seconds it may be cached (as a resolver sends it: the time left in its cache).
    pub ttl: u32,
    /// Its data.
    pub data: RecordData,
}

impl Record {
    /// The record's type.
    pub fn kind(&self) -> RecordType {
        match &self.data {
            RecordData::A(_) => RecordType::A,
            RecordData::Aaaa(_) => RecordType::Aaaa,
            RecordData::Cname(_) => RecordType::Cname,
            RecordData::Ns(_) => RecordType::Ns,
            RecordData::Soa(_) => RecordType::Soa,
            RecordData::Other { kind, .. } => RecordType::from_code(*kind),
        }
    }
}

/// A whole DNS message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The id that pairs a response with its query.
    pub id: u16,
    /// The header flags and response code.
    pub flags: Flags,
    /// The question section.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section: NS records of a referral, or the SOA of a negative answer.
    pub authority: Vec<Record>,
    /// The additional section.
    pub additional: Vec<Record>,
}

impl Message {
    /// A standard query with one question.
    pub fn query(id: u16, question: Question, flags: Flags) -> Self {
        Self {
            id,
            flags,
            questions: vec![question],
            ..Self::default()
        }
    }

    /// The message on the wire. Names are not compressed.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.flags.bits().to_be_bytes());
        for count in [
            self.questions.len(),
            self.answers.len(),
            self.authority.len(),
            self.additional.len(),
        ] {
            let count = u16::try_from(count).map_err(|_| WireError::TooManyEntries)?;
            out.extend_from_slice(&count.to_be_bytes());
        }
        for question in &self.questions {
            encode_name(&mut out, &question.name)?;
            out.extend_from_slice(&question.kind.code().to_be_bytes());
            out.extend_from_slice(&CLASS_IN.to_be_bytes());
        }
        for record in self
            .answers
            .iter()
            .chain(&self.authority)
            .chain(&self.additional)
        {
            encode_record(&mut out, record)?;
        }
        Ok(out)
    }

    /// Reads a message.
    ///
    /// A message with the TC bit set was cut to fit a datagram, possibly in the middle
    /// of a record: its records are read as far as they are whole, and the rest is
    /// dropped instead of being an error, since such a message only says "ask over TCP".
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut reader = Reader { bytes, pos: 0 };
        let id = reader.u16()?;
        let flags = Flags::from_bits(reader.u16()?);
        let counts = [reader.u16()?, reader.u16()?, reader.u16()?, reader.u16()?];
        let mut message = Self {
            id,
            flags,
            ..Self::default()
        };
        for _ in 0..counts[0] {
            let name = reader.name()?;
            let kind = RecordType::from_code(reader.u16()?);
            let _class = reader.u16()?;
            message.questions.push(Question { name, kind });
        }
        let truncated = flags.contains(Flags::TRUNCATED);
        let sections = [
            (counts[1], &mut message.answers),
            (counts[2], &mut message.authority),
            (counts[3], &mut message.additional),
        ];
        'sections: for (count, section) in sections {
            for _ in 0..count {
                match reader.record() {
                    Ok(record) => section.push(record),
                    Err(_) if truncated => break 'sections,
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(message)
    }
}

/// Checks a name for a query: labels of 1 to 63 letters, digits, hyphens or
/// underscores (other printable ASCII is allowed too, as DNS itself allows it), and at
/// most 255 bytes in all.
pub fn check_name(name: &str) -> Result<(), WireError> {
    encode_name(&mut Vec::new(), name)
}

fn encode_name(out: &mut Vec<u8>, name: &str) -> Result<(), WireError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let mut length = 1;
    if !name.is_empty() {
        for label in name.split('.') {
            if label.is_empty() {
                return Err(WireError::EmptyLabel);
            }
            if let Some(character) = label.chars().find(|c| !c.is_ascii_graphic() || *c == '\\') {
                let hint = if character.is_ascii() {
                    ""
                } else {
                    " (write an international name in its xn-- form)"
                };
                return Err(WireError::BadCharacter { character, hint });
            }
            let len = u8::try_from(label.len())
                .ok()
                .filter(|len| usize::from(*len) <= MAX_LABEL_LEN)
                .ok_or_else(|| WireError::LabelTooLong {
                    label: label.to_owned(),
                })?;
            length += label.len() + 1;
            if length > MAX_NAME_LEN {
                return Err(WireError::NameTooLong);
            }
            out.push(len);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    Ok(())
}

fn encode_record(out: &mut Vec<u8>, record: &Record) -> Result<(), WireError> {
    encode_name(out, &record.name)?;
    out.extend_from_slice(&record.kind().code().to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    out.extend_from_slice(&record.ttl.to_be_bytes());
    let mut data = Vec::new();
    match &record.data {
        RecordData::A(address) => data.extend_from_slice(&address.octets()),
        RecordData::Aaaa(address) => data.extend_from_slice(&address.octets()),
        RecordData::Cname(name) | RecordData::Ns(name) => encode_name(&mut data, name)?,
        RecordData::Soa(soa) => {
            encode_name(&mut data, &soa.primary)?;
            encode_name(&mut data, &soa.contact)?;
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] {
                data.extend_from_slice(&value.to_be_bytes());
            }
        }
        RecordData::Other { data: raw, .. } => data.extend_from_slice(raw),
    }
    let len = u16::try_from(data.len()).map_err(|_| WireError::BadData {
        kind: record.kind(),
        reason: "longer than 65535 bytes",
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&data);
    Ok(())
}

/// A cursor over a received message.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        let end = end.ok_or(WireError::Truncated {
            at: self.bytes.len(),
        })?;
        let bytes: &'a [u8] = self.bytes;
        let slice = &bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        let bytes = self.take(2)?;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn name(&mut self) -> Result<String, WireError> {
        let (name, end) = read_name(self.bytes, self.pos)?;
        self.pos = end;
        Ok(name)
    }

    fn record(&mut self) -> Result<Record, WireError> {
        let name = self.name()?;
        let kind = RecordType::from_code(self.u16()?);
        let _class = self.u16()?;
        // RFC 2181 section 8: a TTL with the top bit set is treated as zero.
        let ttl = match self.u32()? {
            ttl if ttl > 0x7fff_ffff => 0,
            ttl => ttl,
        };
        let len = usize::from(self.u16()?);
        let start = self.pos;
        let raw = self.take(len)?;
        let end = self.pos;
        let bad = |reason| WireError::BadData { kind, reason };
        let data = match kind {
            RecordType::A => {
                let octets: [u8; 4] = raw.try_into().map_err(|_| bad("not 4 bytes long"))?;
                RecordData::A(Ipv4Addr::from(octets))
            }
            RecordType::Aaaa => {
                let octets: [u8; 16] = raw.try_into().map_err(|_| bad("not 16 bytes long"))?;
                RecordData::Aaaa(Ipv6Addr::from(octets))
            }
            RecordType::Cname | RecordType::Ns => {
                let (target, after) = read_name(self.bytes, start)?;
                if after != end {
                    return Err(bad("the name does not fill the record's data"));
                }
                if kind == RecordType::Cname {
                    RecordData::Cname(target)
                } else {
                    RecordData::Ns(target)
                }
            }
            RecordType::Soa => {
                let mut inner = Reader {
                    bytes: &self.bytes[..end],
                    pos: start,
                };
                let soa = Soa {
                    primary: inner.name()?,
                    contact: inner.name()?,
                    serial: inner.u32()?,
                    refresh: inner.u32()?,
                    retry: inner.u32()?,
                    expire: inner.u32()?,
                    minimum: inner.u32()?,
                };
                if inner.pos != end {
                    return Err(bad("longer than its fields"));
                }
                RecordData::Soa(soa)
            }
            RecordType::Other(code) => RecordData::Other {
                kind: code,
                data: raw.to_vec(),
            },
        };
        Ok(Record { name, ttl, data })
    }
}

/// Reads the name at `start`, following compression pointers; returns the name and
/// where the bytes after it begin.
fn read_name(bytes: &[u8], start: usize) -> Result<(String, usize), WireError> {
    let mut name = String::new();
    let mut pos = start;
    let mut after = None;
    let mut pointers = 0;
    let mut length = 1;
    loop {
        let &byte = bytes.get(pos).ok_or(WireError::Truncated { at: pos })?;
        match byte & 0xc0 {
            0x00 if byte == 0 => break,
            0x00 => {
                let len = usize::from(byte);
                let label = bytes
                    .get(pos + 1..pos + 1 + len)
                    .ok_or(WireError::Truncated { at: bytes.len() })?;
                length += len + 1;
                if length > MAX_NAME_LEN {
                    return Err(WireError::NameTooLong);
                }
                if !name.is_empty() {
                    name.push('.');
                }
                push_label(&mut name, label);
                pos += len + 1;
            }
            0xc0 => {
                let &low = bytes
                    .get(pos + 1)
                    .ok_or(WireError::Truncated { at: pos + 1 })?;
                after.get_or_insert(pos + 2);
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return Err(WireError::PointerLoop { at: start });
                }
                pos = usize::from(u16::from_be_bytes([byte & 0x3f, low]));
            }
            _ => return Err(WireError::LabelType { byte, at: pos }),
        }
    }
    Ok((name, after.unwrap_or(pos + 1)))
}

fn push_label(name: &mut String, label: &[u8]) {
    use fmt::Write as _;
    for &byte in label {
        if byte.is_ascii_graphic() && byte != b'.' && byte != b'\\' {
            name.push(char::from(byte));
        } else {
            let _ = write!(name, "\\{byte:03}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header of a response with id 0xbeef, QR RD RA, and the given counts.
    fn header(counts: [u16; 4]) -> Vec<u8> {
        let mut bytes = vec![0xbe, 0xef, 0x81, 0x80];
        for count in counts {
            bytes.extend_from_slice(&count.to_be_bytes());
        }
        bytes
    }

    /// `www.example.com` as labels, without the root byte.
    const WWW_EXAMPLE_COM: &[u8] = b"\x03www\x07example\x03com";

    #[test]
    fn a_query_encodes_to_the_rfc_layout() {
        let query = Message::query(
            0x1234,
            Question::new("www.example.com.", RecordType::A),
            Flags::RECURSION_DESIRED,
        );
        let mut expected = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        expected.extend_from_slice(WWW_EXAMPLE_COM);
        expected.extend_from_slice(&[0, 0, 1, 0, 1]);
        assert_eq!(query.encode(), Ok(expected));
    }

    #[test]
    fn a_response_with_compression_pointers_decodes() {
        // Question www.example.com A; answers: www.example.com CNAME web.example.com
        // (both names as pointers), web.example.com A 198.51.100.7.
        let mut bytes = header([1, 2, 0, 0]);
        assert_eq!(bytes.len(), 12);
        bytes.extend_from_slice(WWW_EXAMPLE_COM); // "example" starts at 16, "com" at 24
        bytes.extend_from_slice(&[0, 0, 1, 0, 1]);
        // CNAME: owner = pointer to 12, rdata = "web" + pointer to 16 ("example.com").
        bytes.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0x0e, 0x10, 0, 6]);
        let web_at = bytes.len();
        bytes.extend_from_slice(&[3, b'w', b'e', b'b', 0xc0, 16]);
        // A: owner = pointer to the "web" label inside the CNAME's data.
        let low = u8::try_from(web_at).expect("small offset");
        bytes.extend_from_slice(&[0xc0, low, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 7]);

        let message = Message::decode(&bytes).expect("decodes");
        assert_eq!(message.id, 0xbeef);
        assert!(
            message
                .flags
                .contains(Flags::RESPONSE | Flags::RECURSION_AVAILABLE)
        );
        assert_eq!(message.flags.rcode(), Rcode::NoError);
        assert_eq!(
            message.questions,
            [Question::new("www.example.com", RecordType::A)]
        );
        assert_eq!(
            message.answers,
            [
                Record {
                    name: "www.example.com".into(),
                    ttl: 3600,
                    data: RecordData::Cname("web.example.com".into()),
                },
                Record {
                    name: "web.example.com".into(),
                    ttl: 60,
                    data: RecordData::A(Ipv4Addr::new(198, 51, 100, 7)),
                },
            ]
        );
    }

    #[test]
    fn aaaa_ns_and_soa_records_decode() {
        // Question example.com AAAA; answer: AAAA; authority: NS and SOA, all owned
        // by pointers to the question's name.
        let mut bytes = header([1, 1, 2, 0]);
        let zone_at = bytes.len();
        bytes.extend_from_slice(b"\x07example\x03com\x00\x00\x1c\x00\x01");
        let low = u8::try_from(zone_at).expect("small offset");
        bytes.extend_from_slice(&[0xc0, low, 0, 28, 0, 1, 0, 0, 1, 0, 0, 16]);
        bytes.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
        bytes.extend_from_slice(&[0xc0, low, 0, 2, 0, 1, 0, 0, 0, 10, 0, 6]);
        bytes.extend_from_slice(&[3, b'n', b's', b'1', 0xc0, low]);
        let mut soa = vec![
            3, b'n', b's', b'1', 0xc0, low, 4, b'h', b'o', b's', b't', 0xc0, low,
        ];
        for value in [2_026_112_701_u32, 7200, 900, 1_209_600, 300] {
            soa.extend_from_slice(&value.to_be_bytes());
        }
        bytes.extend_from_slice(&[0xc0, low, 0, 6, 0, 1, 0xff, 0xff, 0xff, 0xff, 0]);
        bytes.push(u8::try_from(soa.len()).expect("short"));
        bytes.extend_from_slice(&soa);

        let message = Message::decode(&bytes).expect("decodes");
        assert_eq!(
            message.answers[0].data,
            RecordData::Aaaa("2001:db8::7".parse().expect("address"))
        );
        assert_eq!(
            message.authority[0].data,
            RecordData::Ns("ns1.example.com".into())
        );
        assert_eq!(message.authority[1].kind(), RecordType::Soa);
        assert_eq!(
            message.authority[1].ttl, 0,
            "a TTL with the top bit set counts as 0"
        );
        assert_eq!(
            message.authority[1].data,
            RecordData::Soa(Soa {
                primary: "ns1.example.com".into(),
                contact: "host.example.com".into(),
                serial: 2_026_112_701,
                refresh: 7200,
                retry: 900,
                expire: 1_209_600,
                minimum: 300,
            })
        );
    }

    #[test]
    fn encoding_then_decoding_gives_the_same_message() {
        let message = Message {
            id: 7,
            flags: (Flags::RESPONSE | Flags::AUTHORITATIVE).with_rcode(Rcode::NameError),
            questions: vec![Question::new("nope.example.com", RecordType::Aaaa)],
            answers: vec![Record {
                name: "x.example.com".into(),
                ttl: 5,
                data: RecordData::Other {
                    kind: 16,
                    data: b"\x02hi".to_vec(),
                },
            }],
            authority: vec![Record {
                name: "example.com".into(),
                ttl: 300,
                data: RecordData::Soa(Soa {
                    primary: "ns1.example.com".into(),
                    contact: "hostmaster.example.com".into(),
                    serial: 1,
                    refresh: 2,
                    retry: 3,
                    expire: 4,
                    minimum: 60,
                }),
            }],
            additional: vec![],
        };
        let bytes = message.encode().expect("encodes");
        assert_eq!(Message::decode(&bytes), Ok(message));
    }

    #[test]
    fn a_pointer_loop_is_an_error() {
        // The question's name is a pointer to itself.
        let mut bytes = header([1, 0, 0, 0]);
        bytes.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert_eq!(
            Message::decode(&bytes),
            Err(WireError::PointerLoop { at: 12 })
        );

        // Two labels pointing at each other: "a" -> "b" -> "a" ...
        let mut bytes = header([1, 0, 0, 0]);
        bytes.extend_from_slice(&[1, b'a', 0xc0, 16, 1, b'b', 0xc0, 12, 0, 1, 0, 1]);
        assert!(matches!(
            Message::decode(&bytes),
            Err(WireError::PointerLoop { .. } | WireError::NameTooLong)
        ));
    }

    #[test]
    fn truncated_packets_are_errors() {
        let mut full = header([1, 1, 0, 0]);
        full.extend_from_slice(WWW_EXAMPLE_COM);
        full.extend_from_slice(&[0, 0, 1, 0, 1]);
        full.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 7]);
        assert!(Message::decode(&full).is_ok());
        for len in 0..full.len() {
            let error = Message::decode(&full[..len]).expect_err("every prefix is cut short");
            assert!(
                matches!(error, WireError::Truncated { .. }),
                "{len} bytes: {error:?}"
            );
        }
        // A pointer past the end of the message.
        let mut bytes = header([1, 0, 0, 0]);
        bytes.extend_from_slice(&[0xc0, 200, 0, 1, 0, 1]);
        assert_eq!(
            Message::decode(&bytes),
            Err(WireError::Truncated { at: 200 })
        );
    }

    #[test]
    fn a_truncated_datagram_with_the_tc_bit_keeps_its_header_and_question() {
        let mut bytes = vec![0xbe, 0xef, 0x83, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
        bytes.extend_from_slice(WWW_EXAMPLE_COM);
        bytes.extend_from_slice(&[0, 0, 1, 0, 1]);
        bytes.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 7]);
        bytes.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0]); // cut mid-record
        let message = Message::decode(&bytes).expect("decodes what is whole");
        assert!(message.flags.contains(Flags::TRUNCATED));
        assert_eq!(message.questions.len(), 1);
        assert_eq!(message.answers.len(), 1);
    }

    #[test]
    fn record_data_of_the_wrong_length_is_an_error() {
        let mut bytes = header([0, 1, 0, 0]);
        bytes.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 3, 198, 51, 100]);
        assert_eq!(
            Message::decode(&bytes),
            Err(WireError::BadData {
                kind: RecordType::A,
                reason: "not 4 bytes long"
            })
        );
        // A CNAME whose name runs past its data length.
        let mut bytes = header([0, 1, 0, 0]);
        bytes.extend_from_slice(&[0, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 1, b'x', 0]);
        assert!(matches!(
            Message::decode(&bytes),
            Err(WireError::BadData {
                kind: RecordType::Cname,
                ..
            })
        ));
    }

    #[test]
    fn reserved_label_types_are_errors() {
        let mut bytes = header([1, 0, 0, 0]);
        bytes.extend_from_slice(&[0x41, 0, 0, 1, 0, 1]);
        assert_eq!(
            Message::decode(&bytes),
            Err(WireError::LabelType { byte: 0x41, at: 12 })
        );
    }

    #[test]
    fn odd_label_bytes_are_escaped() {
        let mut bytes = header([1, 0, 0, 0]);
        bytes.extend_from_slice(&[3, b'a', b'.', b' ', 0, 0, 1, 0, 1]);
        let message = Message::decode(&bytes).expect("decodes");
        assert_eq!(message.questions[0].name, "a\\046\\032");
    }

    #[test]
    fn names_are_checked_before_they_are_sent() {
        assert_eq!(check_name("example.com"), Ok(()));
        assert_eq!(check_name("_acme-challenge.example.com."), Ok(()));
        assert_eq!(check_name(""), Ok(()), "the root");
        assert_eq!(check_name("www..example.com"), Err(WireError::EmptyLabel));
        assert_eq!(
            check_name("exa mple.com"),
            Err(WireError::BadCharacter {
                character: ' ',
                hint: ""
            })
        );
        let error = check_name("bücher.example").expect_err("not ASCII");
        assert!(error.to_string().contains("xn--"), "{error}");
        let long_label = "a".repeat(64);
        assert!(matches!(
            check_name(&format!("{long_label}.com")),
            Err(WireError::LabelTooLong { .. })
        ));
        let long_name = vec!["a".repeat(63); 4].join(".");
        assert_eq!(check_name(&long_name), Err(WireError::NameTooLong));
        assert_eq!(check_name(&long_name[2..]), Ok(()), "253 characters fit");
    }

    #[test]
    fn flags_and_codes_round_trip() {
        let flags = Flags::from_bits(0x8583);
        assert!(flags.contains(Flags::RESPONSE | Flags::AUTHORITATIVE | Flags::RECURSION_DESIRED));
        assert!(!flags.contains(Flags::TRUNCATED));
        assert_eq!(flags.rcode(), Rcode::NameError);
        assert_eq!(flags.opcode(), 0);
        assert_eq!(flags.with_rcode(Rcode::Refused).bits(), 0x8585);
        for code in 0..16 {
            assert_eq!(Rcode::from_code(code).code(), code);
        }
        for code in [1, 2, 5, 6, 28, 16, 257] {
            assert_eq!(RecordType::from_code(code).code(), code);
        }
    }
}
