//! A stateful Namecheap XML API on 127.0.0.1 that follows the published contract.
//!
//! One endpoint, `/xml.response`, takes every command as a `GET` with the parameters
//! in the query or a `POST` with them as an `application/x-www-form-urlencoded` body,
//! and answers with Namecheap's `ApiResponse` XML and HTTP 200, errors included. It
//! serves `namecheap.domains.dns.getHosts` and `namecheap.domains.dns.setHosts`:
//!
//! - The global parameters are checked in Namecheap's order: `ApiUser`, `ApiKey`
//!   (error 1011102 when wrong), `ClientIp` against the account's whitelist (1011150,
//!   "Invalid request IP: …"), `UserName`, `Command`.
//! - Each domain has a host list, an `EmailType` and an `IsUsingOurDNS` flag. An
//!   unknown domain gets 2019166, one not on Namecheap's DNS gets 2030288.
//! - `getHosts` answers as the live API does: lower-case `<host>` elements with
//!   `HostId`, `AssociatedAppTitle`, `FriendlyName`, `IsActive` and `IsDDNSEnabled`,
//!   and `EmailType` on the result. CNAME targets are stored with a final dot.
//! - `setHosts` replaces the whole list. More records than the limit (150 unless set
//!   otherwise) get 3013288. An `EmailType` left out or changed resets the domain's
//!   mail routing, as Namecheap does, and the reset is recorded for tests to find. A
//!   `GET` with more than 10 hosts is refused with HTTP 414, like the live API's
//!   too-long URL.
//!
//! Requests that break the contract (a missing or malformed parameter, an unknown
//! command, no `User-Agent: slipway/…`) are answered with an error and recorded as
//! violations; dropping a [`FakeNamecheap`] that recorded violations nobody took
//! panics. [`Fault`]s play the bad days: HTTP 429 or 5xx, a body cut off mid-document,
//! a `setHosts` that fails with a 5xx before applying, one whose reply is lost after it
//! applied, or another writer's `setHosts` right after Slipway's.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quick_xml::escape::escape;
use reqwest::Url;
use slipway_secrets::Secret;

use super::access::{assert_no_violations, client_retry, nonce};
use super::lock;
use super::transport::{Incoming, Outgoing, Server};
use crate::namecheap::NamecheapConfig;

/// The path of the one endpoint.
pub const PATH: &str = "/xml.response";

/// The `ClientIp` the fake whitelists from the start (a documentation address).
pub const WHITELISTED_IP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);

/// The record limit per domain unless [`FakeNamecheap::set_max_records`] says
/// otherwise.
pub const DEFAULT_MAX_RECORDS: usize = 150;

/// The most hosts a `GET` `setHosts` may carry before its URL is too long.
const GET_HOSTS_LIMIT: usize = 10;

/// Record types `setHosts` accepts.
const RECORD_TYPES: &[&str] = &[
    "A", "AAAA", "ALIAS", "CAA", "CNAME", "MX", "MXE", "NS", "TXT", "URL", "URL301", "FRAME",
];

/// Error numbers and texts, as Namecheap sends them.
const BAD_KEY: (&str, &str) = (
    "1011102",
    "API Key is invalid or API access has not been enabled",
);
const NOT_USING_OUR_DNS: (&str, &str) = (
    "2030288",
    "Cannot complete this command as this domain is not using proper DNS servers",
);
const TOO_MANY_RECORDS: (&str, &str) = ("3013288", "Too many records");

/// One host record as the fake stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeHost {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub kind: String,
    /// `Address`.
    pub address: String,
    /// `MXPref`.
    pub mx_pref: String,
    /// `TTL`.
    pub ttl: String,
}

impl FakeHost {
    /// A record with Namecheap's defaults: `MXPref` 10, `TTL` 1800.
    pub fn new(name: &str, kind: &str, address: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind: kind.to_owned(),
            address: address.to_owned(),
            mx_pref: "10".to_owned(),
            ttl: "1800".to_owned(),
        }
    }

    /// The same record with `MXPref` `mx_pref`.
    #[must_use]
    pub fn mx_pref(mut self, mx_pref: u32) -> Self {
        self.mx_pref = mx_pref.to_string();
        self
    }

    /// The same record with `TTL` `ttl`.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = ttl.to_string();
        self
    }
}

/// Something to go wrong on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The next `times` requests get HTTP `status` (429, 503, …) and change nothing.
    Status {
        /// The HTTP status.
        status: u16,
        /// How many requests.
        times: u32,
        /// A `Retry-After` to send, in seconds.
        retry_after_secs: Option<u64>,
    },
    /// The next `times` requests get HTTP 200 with an XML body cut off in the middle of
    /// the host list, and change nothing.
    Malformed {
        /// How many requests.
        times: u32,
    },
    /// The next `setHosts` gets HTTP `status` and applies nothing.
    FailSetHosts {
        /// The HTTP status.
        status: u16,
    },
    /// The next `setHosts` applies, then the connection closes without a reply.
    LoseSetHostsReply,
    /// The next `setHosts` applies and says so, and right after it another writer's
    /// `setHosts` replaces the list with `hosts` (Namecheap has no locking, and keeps
    /// whichever list came last).
    OverwriteAfterSetHosts {
        /// The other writer's list.
        hosts: Vec<FakeHost>,
    },
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET` or `POST`.
    pub method: String,
    /// `Command`, as sent.
    pub command: String,
    /// Every parameter (query and form), `ApiKey`'s value replaced by `<redacted>`.
    pub params: Vec<(String, String)>,
    /// The HTTP status sent, or `None` when the reply was dropped.
    pub status: Option<u16>,
    /// The error numbers in the reply, if it was an error.
    pub errors: Vec<String>,
}

/// A mail-routing reset caused by a `setHosts` that left `EmailType` out or changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailReset {
    /// The domain.
    pub domain: String,
    /// `EmailType` before.
    pub before: String,
    /// What `setHosts` sent, or `None` when it left it out.
    pub sent: Option<String>,
}

/// A domain in the account.
#[derive(Debug, Clone)]
struct Domain {
    hosts: Vec<(u64, FakeHost)>,
    email_type: String,
    using_our_dns: bool,
}

/// What the request threads share.
#[derive(Debug)]
struct State {
    domains: BTreeMap<String, Domain>,
    whitelist: Vec<Ipv4Addr>,
    max_records: usize,
    faults: VecDeque<Fault>,
    requests: Vec<Request>,
    mail_resets: Vec<MailReset>,
    violations: Vec<String>,
    next_id: u64,
}

struct Shared {
    state: Mutex<State>,
    api_user: String,
    api_key: String,
}

/// A running fake Namecheap API. Stops when dropped, and panics then if it recorded
/// contract violations nobody took.
pub struct FakeNamecheap {
    shared: Arc<Shared>,
    server: Option<Server>,
    endpoint: Url,
}

impl FakeNamecheap {
    /// Starts a fake with no domains and [`WHITELISTED_IP`] on the whitelist.
    ///
    /// # Panics
    /// When no port can be bound on 127.0.0.1.
    pub fn start() -> Self {
        let nonce = nonce();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                domains: BTreeMap::new(),
                whitelist: vec![WHITELISTED_IP],
                max_records: DEFAULT_MAX_RECORDS,
                faults: VecDeque::new(),
                requests: Vec::new(),
                mail_resets: Vec::new(),
                violations: Vec::new(),
                next_id: 200_000,
            }),
            api_user: "slipwaytest".to_owned(),
            api_key: format!("{nonce:032x}"),
        });
        let handler = {
            let shared = Arc::clone(&shared);
            Arc::new(move |request: Incoming| shared.serve(&request))
        };
        let server = Server::start(handler).expect("the fake binds a port on 127.0.0.1");
        let endpoint = Url::parse(&format!("http://{}{PATH}", server.addr())).expect("a URL");
        Self {
            shared,
            server: Some(server),
            endpoint,
        }
    }

    /// The endpoint, e.g. `http://127.0.0.1:40123/xml.response`.
    pub fn endpoint(&self) -> Url {
        self.endpoint.clone()
    }

    /// The account's API user (also its user name).
    pub fn api_user(&self) -> String {
        self.shared.api_user.clone()
    }

    /// The account's API key.
    pub fn api_key(&self) -> Secret<String> {
        Secret::new(self.shared.api_key.clone())
    }

    /// A client configuration for this fake: the right user and key, the whitelisted
    /// [`WHITELISTED_IP`], and retries that wait at most 30 s in all.
    pub fn config(&self) -> NamecheapConfig {
        NamecheapConfig {
            endpoint: self.endpoint(),
            timeout: Duration::from_secs(10),
            retry: client_retry(),
            ..NamecheapConfig::new(self.api_user(), self.api_key(), WHITELISTED_IP)
        }
    }

    /// Adds a domain on Namecheap's DNS with `hosts` and `email_type` (`MXE`, `MX`,
    /// `FWD`, …), as if set up before.
    pub fn add_domain(&self, name: &str, hosts: &[FakeHost], email_type: &str) {
        let mut state = lock(&self.shared.state);
        let hosts = hosts
            .iter()
            .map(|host| (state.id(), stored(host.clone())))
            .collect();
        state.domains.insert(
            name.to_ascii_lowercase(),
            Domain {
                hosts,
                email_type: email_type.to_owned(),
                using_our_dns: true,
            },
        );
    }

    /// The host records of `domain`, in order (empty for an unknown domain).
    pub fn hosts(&self, domain: &str) -> Vec<FakeHost> {
        lock(&self.shared.state)
            .domains
            .get(&domain.to_ascii_lowercase())
            .map(|found| found.hosts.iter().map(|(_, host)| host.clone()).collect())
            .unwrap_or_default()
    }

    /// The `EmailType` of `domain`.
    pub fn email_type(&self, domain: &str) -> Option<String> {
        lock(&self.shared.state)
            .domains
            .get(&domain.to_ascii_lowercase())
            .map(|found| found.email_type.clone())
    }

    /// Whether `domain` uses Namecheap's DNS (what `setDefault` and `setCustom`
    /// would switch).
    ///
    /// # Panics
    /// When there is no such domain.
    pub fn set_using_our_dns(&self, domain: &str, using: bool) {
        lock(&self.shared.state)
            .domains
            .get_mut(&domain.to_ascii_lowercase())
            .expect("add the domain first")
            .using_our_dns = using;
    }

    /// Adds `ip` to the API whitelist.
    pub fn whitelist(&self, ip: Ipv4Addr) {
        let mut state = lock(&self.shared.state);
        if !state.whitelist.contains(&ip) {
            state.whitelist.push(ip);
        }
    }

    /// Takes `ip` off the API whitelist.
    pub fn unwhitelist(&self, ip: Ipv4Addr) {
        lock(&self.shared.state)
            .whitelist
            .retain(|known| *known != ip);
    }

    /// The most records a domain may hold.
    pub fn set_max_records(&self, max: usize) {
        lock(&self.shared.state).max_records = max;
    }

    /// Queues a fault; faults apply in the order queued.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.state).faults.push_back(fault);
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.state).requests.clone()
    }

    /// How many `setHosts` requests arrived, whatever became of them.
    pub fn set_hosts_calls(&self) -> usize {
        lock(&self.shared.state)
            .requests
            .iter()
            .filter(|request| {
                request
                    .command
                    .eq_ignore_ascii_case("namecheap.domains.dns.setHosts")
            })
            .count()
    }

    /// Every mail-routing reset so far.
    pub fn mail_resets(&self) -> Vec<MailReset> {
        lock(&self.shared.state).mail_resets.clone()
    }

    /// The contract violations recorded so far, leaving them to fail the test.
    pub fn violations(&self) -> Vec<String> {
        lock(&self.shared.state).violations.clone()
    }

    /// Takes the violations recorded so far, for tests that break the contract on
    /// purpose.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut lock(&self.shared.state).violations)
    }
}

impl Drop for FakeNamecheap {
    fn drop(&mut self) {
        self.server.take();
        assert_no_violations(
            "the fake Namecheap saw requests that break the API contract",
            &self.take_violations(),
        );
    }
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The next queued fault that stops `command` before it is carried out, removed
    /// once spent. ([`Fault::LoseSetHostsReply`] acts after: see `set_hosts`.)
    fn fault(&mut self, command: &str) -> Option<Fault> {
        let set_hosts = command.eq_ignore_ascii_case("namecheap.domains.dns.setHosts");
        let index = self.faults.iter().position(|fault| match fault {
            Fault::Status { .. } | Fault::Malformed { .. } => true,
            Fault::FailSetHosts { .. } => set_hosts,
            Fault::LoseSetHostsReply | Fault::OverwriteAfterSetHosts { .. } => false,
        })?;
        let fault = self.faults[index].clone();
        let spent = match &mut self.faults[index] {
            Fault::Status { times, .. } | Fault::Malformed { times } => {
                *times = times.saturating_sub(1);
                *times == 0
            }
            Fault::FailSetHosts { .. }
            | Fault::LoseSetHostsReply
            | Fault::OverwriteAfterSetHosts { .. } => true,
        };
        if spent {
            self.faults.remove(index);
        }
        Some(fault)
    }
}

/// A record as Namecheap stores it: a CNAME target gets its final dot.
fn stored(mut host: FakeHost) -> FakeHost {
    if host.kind.eq_ignore_ascii_case("CNAME") && !host.address.ends_with('.') {
        host.address.push('.');
    }
    host
}

/// The parameters of a request: the query, then a form body.
fn parameters(request: &Incoming) -> Vec<(String, String)> {
    let mut params = request.query.clone();
    if request.method == "POST" {
        let body = String::from_utf8_lossy(&request.body);
        params.extend(body.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(key), form_decode(value))
        }));
    }
    params
}

/// Decodes one form-encoded key or value (`+` is a space).
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                let byte = bytes
                    .get(index + 1..index + 3)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                if let Some(byte) = byte {
                    out.push(byte);
                    index += 2;
                } else {
                    out.push(b'%');
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A parameter's value, its name compared without regard to case as Namecheap does.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// What one request led to.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    errors: Vec<String>,
    drop: bool,
}

impl Reply {
    fn http(status: u16, headers: Vec<(String, String)>) -> Self {
        Self {
            status,
            headers,
            body: String::new(),
            errors: Vec::new(),
            drop: false,
        }
    }

    /// `Status="OK"` with `inner` as the command response.
    fn ok(command: &str, kind: &str, inner: &str) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: envelope("OK", "<Errors />", command, &command_response(kind, inner)),
            errors: Vec::new(),
            drop: false,
        }
    }

    /// `Status="ERROR"` with one error (HTTP 200, as Namecheap answers errors).
    fn error(command: &str, (number, text): (&str, &str), response: Option<(&str, &str)>) -> Self {
        let errors = format!(
            "<Errors>\n    <Error Number=\"{number}\">{}</Error>\n  </Errors>",
            escape(text)
        );
        let response = response
            .map(|(kind, inner)| command_response(kind, inner))
            .unwrap_or_default();
        Self {
            status: 200,
            headers: Vec::new(),
            body: envelope("ERROR", &errors, command, &response),
            errors: vec![number.to_owned()],
            drop: false,
        }
    }
}

fn command_response(kind: &str, inner: &str) -> String {
    format!("\n  <CommandResponse Type=\"{kind}\">\n    {inner}\n  </CommandResponse>")
}

/// Namecheap's `ApiResponse` envelope.
fn envelope(status: &str, errors: &str, command: &str, response: &str) -> String {
    let requested = if command.is_empty() {
        "<RequestedCommand />".to_owned()
    } else {
        format!(
            "<RequestedCommand>{}</RequestedCommand>",
            escape(command.to_ascii_lowercase())
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ApiResponse Status=\"{status}\" \
         xmlns=\"http://api.namecheap.com/xml.response\">\n  {errors}\n  <Warnings />\n  \
         {requested}{response}\n  <Server>FAKE01</Server>\n  \
         <GMTTimeDifference>--5:00</GMTTimeDifference>\n  <ExecutionTime>0.01</ExecutionTime>\n\
         </ApiResponse>"
    )
}

impl Shared {
    fn serve(&self, request: &Incoming) -> Outgoing {
        let params = parameters(request);
        let command = param(&params, "Command").unwrap_or_default().to_owned();
        let mut state = lock(&self.state);
        let reply = self.answer(&mut state, request, &params, &command);
        state.requests.push(Request {
            method: request.method.clone(),
            command,
            params: params
                .into_iter()
                .map(|(key, value)| {
                    let redacted = key.eq_ignore_ascii_case("ApiKey");
                    (key, if redacted { "<redacted>".into() } else { value })
                })
                .collect(),
            status: (!reply.drop).then_some(reply.status),
            errors: reply.errors.clone(),
        });
        if reply.drop {
            return Outgoing::Drop;
        }
        Outgoing::Reply {
            status: reply.status,
            headers: reply.headers,
            body: (!reply.body.is_empty()).then(|| reply.body.into_bytes()),
        }
    }

    /// The transport and the global parameters, then the command.
    fn answer(
        &self,
        state: &mut State,
        request: &Incoming,
        params: &[(String, String)],
        command: &str,
    ) -> Reply {
        let label = format!("{} {} {command}", request.method, request.path);
        if request.path != PATH {
            state.violations.push(format!("{label}: no such path"));
            return Reply::http(404, Vec::new());
        }
        if !request.sent_by_slipway() {
            state.violations.push(format!(
                "{label}: no `User-Agent: slipway/<version>` header"
            ));
        }
        match request.method.as_str() {
            "GET" => {}
            "POST" => {
                let form = request
                    .header("content-type")
                    .is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
                if !form {
                    state.violations.push(format!(
                        "{label}: a POST without `Content-Type: application/x-www-form-urlencoded`"
                    ));
                }
            }
            _ => {
                state
                    .violations
                    .push(format!("{label}: only GET and POST exist"));
                return Reply::http(405, Vec::new());
            }
        }
        if let Some(reply) = Self::fault_reply(state, command) {
            return reply;
        }
        if let Err(reply) = self.gate(state, params, command, &label) {
            return reply;
        }
        if command.eq_ignore_ascii_case("namecheap.domains.dns.getHosts") {
            get_hosts(state, params, command, &label)
        } else if command.eq_ignore_ascii_case("namecheap.domains.dns.setHosts") {
            set_hosts(state, request, params, command, &label)
        } else {
            state
                .violations
                .push(format!("{label}: a command the fake does not serve"));
            Reply::error(
                command,
                ("2030166", "Edit permission for domain is not supported"),
                None,
            )
        }
    }

    /// The answer a queued fault gives, if one applies.
    fn fault_reply(state: &mut State, command: &str) -> Option<Reply> {
        match state.fault(command)? {
            Fault::Status {
                status,
                retry_after_secs,
                ..
            } => {
                let headers = retry_after_secs
                    .map(|secs| vec![("Retry-After".to_owned(), secs.to_string())])
                    .unwrap_or_default();
                Some(Reply::http(status, headers))
            }
            Fault::FailSetHosts { status } => Some(Reply::http(status, Vec::new())),
            Fault::Malformed { .. } => {
                let whole = Reply::ok(
                    command,
                    "namecheap.domains.dns.getHosts",
                    "<DomainDNSGetHostsResult Domain=\"example.com\" EmailType=\"MXE\" \
                     IsUsingOurDNS=\"true\">\n      <host HostId=\"1\" Name=\"@\" Type=\"A\" \
                     Address=\"192.0.2.1\" MXPref=\"10\" TTL=\"1800\" />\n      <host \
                     HostId=\"2\" Name=\"www\" Type=\"A\" Address=\"192.0.2.1\" />\n    \
                     </DomainDNSGetHostsResult>",
                );
                let cut = whole
                    .body
                    .find("<host HostId=\"2\"")
                    .unwrap_or(whole.body.len());
                Some(Reply {
                    body: whole.body[..cut].to_owned(),
                    ..whole
                })
            }
            Fault::LoseSetHostsReply | Fault::OverwriteAfterSetHosts { .. } => None,
        }
    }

    /// `ApiUser`, `ApiKey`, `ClientIp`, `UserName`, `Command`, in Namecheap's order.
    fn gate(
        &self,
        state: &mut State,
        params: &[(String, String)],
        command: &str,
        label: &str,
    ) -> Result<(), Reply> {
        let mut missing = |name: &str, number: &str| {
            state
                .violations
                .push(format!("{label}: no {name} parameter"));
            let text = format!("Parameter {name} is missing");
            Reply::error(command, (number, text.as_str()), None)
        };
        let Some(user) = param(params, "ApiUser") else {
            return Err(missing("ApiUser", "1010101"));
        };
        let Some(key) = param(params, "ApiKey") else {
            return Err(missing("ApiKey", "1010102"));
        };
        let Some(ip) = param(params, "ClientIp") else {
            return Err(missing("ClientIp", "1010105"));
        };
        let Some(user_name) = param(params, "UserName") else {
            return Err(missing("UserName", "1010103"));
        };
        if command.is_empty() {
            return Err(missing("Command", "1010104"));
        }
        for (name, value, max) in [
            ("ApiUser", user, 20),
            ("ApiKey", key, 50),
            ("UserName", user_name, 20),
            ("ClientIp", ip, 15),
            ("Command", command, 80),
        ] {
            if value.chars().count() > max {
                state
                    .violations
                    .push(format!("{label}: {name} is longer than {max} characters"));
            }
        }
        if user != self.api_user || key != self.api_key {
            return Err(Reply::error(command, BAD_KEY, None));
        }
        let whitelisted = ip
            .parse::<Ipv4Addr>()
            .is_ok_and(|ip| state.whitelist.contains(&ip));
        if !whitelisted {
            if ip.parse::<Ipv4Addr>().is_err() {
                state
                    .violations
                    .push(format!("{label}: ClientIp \"{ip}\" is not an IPv4 address"));
            }
            let text = format!("Invalid request IP: {ip}");
            return Err(Reply::error(command, ("1011150", text.as_str()), None));
        }
        if user_name != self.api_user {
            return Err(Reply::error(
                command,
                ("1016103", "UserName is not authorized to use this API"),
                None,
            ));
        }
        Ok(())
    }
}

/// The domain named by `SLD` and `TLD`, or the error Namecheap gives.
fn domain_of<'s>(
    state: &'s mut State,
    params: &[(String, String)],
    command: &str,
    label: &str,
    set_result: bool,
) -> Result<(String, &'s mut Domain), Reply> {
    let (Some(sld), Some(tld)) = (param(params, "SLD"), param(params, "TLD")) else {
        state.violations.push(format!("{label}: no SLD or TLD"));
        return Err(Reply::error(
            command,
            ("2011166", "SLD or TLD is missing"),
            None,
        ));
    };
    if sld.contains('.') || sld.len() > 70 || tld.len() > 10 {
        state.violations.push(format!(
            "{label}: SLD \"{sld}\" / TLD \"{tld}\" are not split right"
        ));
    }
    let name = format!("{sld}.{tld}").to_ascii_lowercase();
    let failed = |text: (&str, &str)| {
        let result = format!(
            "<DomainDNSSetHostsResult Domain=\"{}\" EmailType=\"\" IsSuccess=\"false\">\n      \
             <Warnings />\n    </DomainDNSSetHostsResult>",
            escape(&name)
        );
        let response = set_result.then_some(("namecheap.domains.dns.setHosts", result.as_str()));
        Reply::error(command, text, response)
    };
    let Some(domain) = state.domains.get_mut(&name) else {
        let text = format!("The domain ({name}) doesn't seem to be associated with your account.");
        return Err(failed(("2019166", text.as_str())));
    };
    if !domain.using_our_dns {
        return Err(failed(NOT_USING_OUR_DNS));
    }
    Ok((name, domain))
}

/// `namecheap.domains.dns.getHosts`.
fn get_hosts(state: &mut State, params: &[(String, String)], command: &str, label: &str) -> Reply {
    let (name, domain) = match domain_of(state, params, command, label, false) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let mut inner = format!(
        "<DomainDNSGetHostsResult Domain=\"{}\" EmailType=\"{}\" IsUsingOurDNS=\"true\">",
        escape(&name),
        escape(&domain.email_type)
    );
    for (id, host) in &domain.hosts {
        let app = if host.kind.eq_ignore_ascii_case("MXE") {
            "MXE"
        } else {
            ""
        };
        let _ = write!(
            inner,
            "\n      <host HostId=\"{id}\" Name=\"{}\" Type=\"{}\" Address=\"{}\" \
             MXPref=\"{}\" TTL=\"{}\" AssociatedAppTitle=\"{app}\" FriendlyName=\"\" \
             IsActive=\"true\" IsDDNSEnabled=\"false\" />",
            escape(&host.name),
            escape(&host.kind),
            escape(&host.address),
            escape(&host.mx_pref),
            escape(&host.ttl),
        );
    }
    inner.push_str("\n    </DomainDNSGetHostsResult>");
    Reply::ok(command, "namecheap.domains.dns.getHosts", &inner)
}

/// Why a `setHosts` host list cannot be stored, as the fake's refusal says it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum HostsProblem {
    #[error("host {0} has no RecordType{0} or Address{0}")]
    Incomplete(usize),
    #[error("RecordType{n} \"{kind}\" is not a record type")]
    UnknownType { n: usize, kind: String },
    #[error("Address{n} \"{address}\" does not fit type {kind}")]
    AddressMismatch {
        n: usize,
        address: String,
        kind: String,
    },
    #[error("TTL{n} \"{ttl}\" is not 60-60000")]
    TtlOutOfRange { n: usize, ttl: String },
    #[error("MX host {0} has no MXPref{0}")]
    MxWithoutPref(usize),
    #[error("{numbered} HostName parameters, but only HostName1..{contiguous} are contiguous")]
    Gap { numbered: usize, contiguous: usize },
}

/// `HostName{n}`… read into records, or what is wrong with them.
fn read_hosts(params: &[(String, String)]) -> Result<Vec<FakeHost>, HostsProblem> {
    let mut hosts = Vec::new();
    for n in 1.. {
        let field = |name: &str| param(params, &format!("{name}{n}"));
        let Some(name) = field("HostName") else {
            break;
        };
        let (Some(kind), Some(address)) = (field("RecordType"), field("Address")) else {
            return Err(HostsProblem::Incomplete(n));
        };
        let kind = kind.to_ascii_uppercase();
        if !RECORD_TYPES.contains(&kind.as_str()) {
            return Err(HostsProblem::UnknownType { n, kind });
        }
        let ip = address.parse::<IpAddr>().ok();
        if (kind == "A" && !ip.is_some_and(|ip| ip.is_ipv4()))
            || (kind == "AAAA" && !ip.is_some_and(|ip| ip.is_ipv6()))
        {
            return Err(HostsProblem::AddressMismatch {
                n,
                address: address.to_owned(),
                kind,
            });
        }
        let ttl = field("TTL").unwrap_or("1800");
        if !ttl
            .parse::<u32>()
            .is_ok_and(|ttl| (60..=60_000).contains(&ttl))
        {
            return Err(HostsProblem::TtlOutOfRange {
                n,
                ttl: ttl.to_owned(),
            });
        }
        let mx_pref = field("MXPref");
        if kind == "MX" && mx_pref.is_none() {
            return Err(HostsProblem::MxWithoutPref(n));
        }
        hosts.push(stored(FakeHost {
            name: name.to_owned(),
            kind,
            address: address.to_owned(),
            mx_pref: mx_pref.unwrap_or("10").to_owned(),
            ttl: ttl.to_owned(),
        }));
    }
    let numbered = params
        .iter()
        .filter(|(key, _)| key.to_ascii_lowercase().starts_with("hostname"))
        .count();
    if numbered != hosts.len() {
        return Err(HostsProblem::Gap {
            numbered,
            contiguous: hosts.len(),
        });
    }
    Ok(hosts)
}

/// `namecheap.domains.dns.setHosts`.
fn set_hosts(
    state: &mut State,
    request: &Incoming,
    params: &[(String, String)],
    command: &str,
    label: &str,
) -> Reply {
    let hosts = match read_hosts(params) {
        Ok(hosts) => hosts,
        Err(problem) => {
            let problem = problem.to_string();
            state.violations.push(format!("{label}: {problem}"));
            return Reply::error(command, ("2050900", problem.as_str()), None);
        }
    };
    if request.method == "GET" && hosts.len() > GET_HOSTS_LIMIT {
        state.violations.push(format!(
            "{label}: {} hosts in a GET; Namecheap asks for POST above {GET_HOSTS_LIMIT}",
            hosts.len()
        ));
        return Reply::http(414, Vec::new());
    }
    let max = state.max_records;
    let sent_email = param(params, "EmailType").map(str::to_owned);
    let mut ids: Vec<u64> = Vec::new();
    for _ in &hosts {
        ids.push(state.id());
    }
    let (name, domain) = match domain_of(state, params, command, label, true) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    if hosts.len() > max {
        return Reply::error(command, TOO_MANY_RECORDS, None);
    }
    domain.hosts = ids.into_iter().zip(hosts).collect();
    let reset = (sent_email.as_deref() != Some(domain.email_type.as_str())).then(|| {
        let reset = MailReset {
            domain: name.clone(),
            before: domain.email_type.clone(),
            sent: sent_email.clone(),
        };
        // Left out, Namecheap falls back to no mail service at all.
        domain.email_type = sent_email.clone().unwrap_or_else(|| "NONE".to_owned());
        reset
    });
    state.mail_resets.extend(reset);
    let overwrite = state
        .faults
        .iter()
        .position(|fault| matches!(fault, Fault::OverwriteAfterSetHosts { .. }));
    if let Some(Fault::OverwriteAfterSetHosts { hosts }) =
        overwrite.and_then(|index| state.faults.remove(index))
    {
        let hosts: Vec<(u64, FakeHost)> = hosts
            .into_iter()
            .map(|host| (state.id(), stored(host)))
            .collect();
        if let Some(domain) = state.domains.get_mut(&name) {
            domain.hosts = hosts;
        }
    }
    let lose = state
        .faults
        .iter()
        .position(|fault| *fault == Fault::LoseSetHostsReply);
    let inner = format!(
        "<DomainDNSSetHostsResult Domain=\"{}\" IsSuccess=\"true\">\n      <Warnings />\n    \
         </DomainDNSSetHostsResult>",
        escape(&name)
    );
    let mut reply = Reply::ok(command, "namecheap.domains.dns.setHosts", &inner);
    if let Some(index) = lose {
        state.faults.remove(index);
        reply.drop = true;
    }
    reply
}
