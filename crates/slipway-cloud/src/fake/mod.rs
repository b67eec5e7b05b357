//! A stateful DigitalOcean API on 127.0.0.1 that follows the published contract: for
//! this crate's tests and, through the `fake` feature, the CLI's end-to-end tests.
//!
//! Every request is checked against DigitalOcean's OpenAPI document before the fake acts
//! on it: the operation must exist for the method and path, path and query parameters
//! must fit their schemas, and the JSON body must fit the request schema ([`schema`]
//! explains the one way it is stricter than DigitalOcean). A request that does not fit
//! gets a DigitalOcean-shaped 422 *and* is recorded as a violation; every reply the fake
//! sends is checked against the documented reply schema too. Dropping a
//! [`FakeDigitalOcean`] that recorded violations panics, so a test whose client strayed
//! from the contract fails even if it expected an error. [`FakeDigitalOcean::take_violations`]
//! takes them for tests that stray on purpose.
//!
//! It also requires `User-Agent: slipway/…` and a bearer token, sends the
//! `ratelimit-*` headers on every reply, pages lists (`per_page`, `page`,
//! `links.pages`, `meta.total`), filters droplets by `tag_name`, and brings droplets
//! from `new` to `active` after a few looks, with their addresses a look later.
//!
//! [`Fault`]s play what the real API does on a bad day: rate limits, a server failure,
//! a reply lost after the droplet was made, a key lookup that misses.
//!
//! With the `sandbox` feature, `sandbox::SandboxDroplets` makes droplets real servers.

mod access;
mod catalogue;
pub mod cloudflare;
pub mod hetzner;
pub mod namecheap;
pub mod openapi;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod schema;
mod state;
mod transport;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;
use slipway_secrets::Secret;

use crate::digitalocean::DigitalOceanConfig;
use access::{Scope, Tokens, assert_no_violations, client_retry, epoch_secs};
use openapi::{Contract, Operation};
use state::{Account, Answer};
pub use state::{Boot, BootError, BootHook, Lifecycle, RecordHook};
use transport::{Incoming, Outgoing, Server};

/// Something to go wrong on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The next `times` requests get 429 `too_many_requests`, with `Retry-After` when
    /// given, and `ratelimit-remaining: 0` with `ratelimit-reset` `reset_in_secs` ahead.
    RateLimit {
        /// How many requests.
        times: u32,
        /// The `Retry-After` seconds, or none to make the client use `ratelimit-reset`.
        retry_after_secs: Option<u64>,
        /// Seconds until `ratelimit-reset`.
        reset_in_secs: u64,
    },
    /// The next `times` requests get 500 `server_error` and change nothing.
    ServerError {
        /// How many requests.
        times: u32,
    },
    /// The next `POST /v2/droplets` creates the droplet, then the connection is closed
    /// without a reply.
    LoseNextCreate,
    /// The next `POST /v2/droplets` gets 500 `server_error` and creates nothing.
    FailNextCreate,
    /// The next lookup of an SSH key by id or fingerprint answers 404 even if the key
    /// exists, as a lookup lost to another client's change would.
    MissNextKeyLookup,
}

/// What the fake saw and did for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query pairs.
    pub query: Vec<(String, String)>,
    /// The status sent, or `None` when the reply was dropped.
    pub status: Option<u16>,
}

/// Options for a fake.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FakeOptions {
    /// How droplets come to life.
    pub lifecycle: Lifecycle,
}

/// What the request threads share.
struct Shared {
    contract: Arc<Contract>,
    account: Mutex<Account>,
    faults: Mutex<VecDeque<Fault>>,
    tokens: Tokens,
    exchanges: Mutex<Vec<Exchange>>,
    violations: Mutex<Vec<String>>,
    remaining: AtomicU64,
}

/// A running fake DigitalOcean API. Stops when dropped, and panics then if it recorded
/// contract violations nobody took.
pub struct FakeDigitalOcean {
    shared: Arc<Shared>,
    server: Option<Server>,
    base_url: Url,
}

/// The value behind `mutex`, even if a request thread panicked holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FakeDigitalOcean {
    /// Starts a fake with the default options.
    ///
    /// # Panics
    /// When DigitalOcean's OpenAPI document is missing from this crate's `contracts` folder
    /// (the message says where it was looked for), or no port can be bound.
    pub fn start() -> Self {
        Self::with_options(FakeOptions::default())
    }

    /// Starts a fake with `options`.
    pub fn with_options(options: FakeOptions) -> Self {
        let contract = Contract::shared().unwrap_or_else(|error| panic!("{error}"));
        let tokens = Tokens::new("dop_v1_", 64);
        // The account needs the address for its links, and the address is known only
        // once the server listens: start with a placeholder and set it right after.
        let shared = Arc::new(Shared {
            contract,
            account: Mutex::new(Account::new(String::new(), options.lifecycle)),
            faults: Mutex::new(VecDeque::new()),
            tokens,
            exchanges: Mutex::new(Vec::new()),
            violations: Mutex::new(Vec::new()),
            remaining: AtomicU64::new(5000),
        });
        let handler = {
            let shared = Arc::clone(&shared);
            Arc::new(move |request: Incoming| shared.serve(request))
        };
        let server = Server::start(handler).expect("the fake binds a port on 127.0.0.1");
        let base_url = Url::parse(&format!("http://{}", server.addr())).expect("a URL");
        *lock(&shared.account) = Account::new(base_url.to_string(), options.lifecycle);
        Self {
            shared,
            server: Some(server),
            base_url,
        }
    }

    /// The API root, e.g. `http://127.0.0.1:40123/`.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// A token with read and write scope.
    pub fn token(&self) -> Secret<String> {
        self.shared.tokens.read_write()
    }

    /// A token with read scope only: every change gets 403.
    pub fn read_only_token(&self) -> Secret<String> {
        self.shared.tokens.read_only()
    }

    /// A client configuration for this fake with `token`: quick polls, small pages (so
    /// paging is exercised), and retries that wait at most 30 s in all.
    pub fn config(&self, token: Secret<String>) -> DigitalOceanConfig {
        DigitalOceanConfig {
            base_url: self.base_url(),
            token,
            timeout: Duration::from_secs(10),
            retry: client_retry(),
            poll_interval: Duration::from_secs(3),
            per_page: 2,
        }
    }

    /// Queues a fault; faults apply in the order queued.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push_back(fault);
    }

    /// Makes every droplet created from now on boot a real machine through `hook`
    /// (a sandbox server, in the end-to-end tests); the droplet is `new` until the hook
    /// returns, then reports the hook's address as its public IPv4 address.
    pub fn on_boot(&self, hook: BootHook) {
        lock(&self.shared.account).set_boot_hook(hook);
    }

    /// Tells `hook` of every A and AAAA record created or changed from now on.
    pub fn on_record(&self, hook: RecordHook) {
        lock(&self.shared.account).set_record_hook(hook);
    }

    /// Adds an SSH key as if uploaded before. Returns its id.
    pub fn add_ssh_key(&self, name: &str, public_key: &str) -> u64 {
        lock(&self.shared.account).add_key(name, public_key)
    }

    /// Adds a domain (with its NS and SOA records) as if created before.
    pub fn add_domain(&self, name: &str) {
        lock(&self.shared.account).add_domain(name);
    }

    /// Adds a DNS record as if created before. Returns its id.
    pub fn add_record(&self, domain: &str, kind: &str, name: &str, data: &str, ttl: u64) -> u64 {
        lock(&self.shared.account).add_record(domain, kind, name, data, ttl)
    }

    /// Every droplet, as the API shows it.
    pub fn droplets(&self) -> Vec<Value> {
        lock(&self.shared.account).droplets()
    }

    /// Every SSH key on the account.
    pub fn ssh_keys(&self) -> Vec<Value> {
        lock(&self.shared.account).keys()
    }

    /// Every record of `domain`.
    pub fn records(&self, domain: &str) -> Vec<Value> {
        lock(&self.shared.account).records(domain)
    }

    /// Every request so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.exchanges).clone()
    }

    /// How many requests had `method` on `path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        lock(&self.shared.exchanges)
            .iter()
            .filter(|exchange| exchange.method == method && exchange.path == path)
            .count()
    }

    /// The contract violations recorded so far, leaving them to fail the test.
    pub fn violations(&self) -> Vec<String> {
        lock(&self.shared.violations).clone()
    }

    /// Takes the violations recorded so far, for tests that break the contract on
    /// purpose.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.shared.violations))
    }
}

impl Drop for FakeDigitalOcean {
    fn drop(&mut self) {
        self.server.take();
        assert_no_violations(
            "the fake DigitalOcean saw requests or sent replies that break the API contract",
            &self.take_violations(),
        );
    }
}

impl Shared {
    /// Handles one request and records it.
    fn serve(&self, request: Incoming) -> Outgoing {
        let (answer, headers, dropped) = self.answer(&request);
        lock(&self.exchanges).push(Exchange {
            method: request.method,
            path: request.path,
            query: request.query,
            status: (!dropped).then_some(answer.status),
        });
        if dropped {
            return Outgoing::Drop;
        }
        Outgoing::Reply {
            status: answer.status,
            headers,
            body: answer.body.map(|body| body.to_string().into_bytes()),
        }
    }

    fn violation(&self, text: String) {
        lock(&self.violations).push(text);
    }

    /// The answer, its extra headers, and whether the reply is to be dropped.
    fn answer(&self, request: &Incoming) -> (Answer, Vec<(String, String)>, bool) {
        let mut headers = self.rate_headers();
        let label = format!("{} {}", request.method, request.path);
        let Some(operation) = self.contract.operation(&request.method, &request.path) else {
            let reason = if self.contract.knows_path(&request.path) {
                "the method is not documented for this path"
            } else {
                "no such path in the API"
            };
            self.violation(format!("{label}: {reason}"));
            return (
                Answer::error(
                    404,
                    "not_found",
                    "The resource you were accessing could not be found.",
                ),
                headers,
                false,
            );
        };
        let (answer, dropped) = match self.gate(request, &operation, &label, &mut headers) {
            Err(answer) => (answer, false),
            Ok(body) => self.act(request, &operation, body.as_ref()),
        };
        for violation in
            self.contract
                .check_response(&operation, answer.status, answer.body.as_ref())
        {
            self.violation(format!(
                "{label}: the fake's {} reply: {violation}",
                answer.status
            ));
        }
        (answer, headers, dropped)
    }

    /// Authentication, faults, the token's scope and the contract, in that order. Ok
    /// carries the parsed body.
    fn gate(
        &self,
        request: &Incoming,
        operation: &Operation<'_>,
        label: &str,
        headers: &mut Vec<(String, String)>,
    ) -> Result<Option<Value>, Answer> {
        if !request.sent_by_slipway() {
            self.violation(format!(
                "{label}: no `User-Agent: slipway/<version>` header"
            ));
        }
        let Some(scope) = self.tokens.scope(request) else {
            return Err(Answer::error(
                401,
                "unauthorized",
                "Unable to authenticate you.",
            ));
        };
        if let Some(answer) = self.injected(operation, headers) {
            return Err(answer);
        }
        if scope == Scope::ReadOnly && request.method != "GET" {
            return Err(Answer::error(
                403,
                "forbidden",
                "You do not have access for the attempted action.",
            ));
        }
        let body = self.body(request, label)?;
        let violations = self
            .contract
            .check_request(operation, &request.query, body.as_ref());
        if violations.is_empty() {
            return Ok(body);
        }
        let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
        self.violation(format!("{label}: {}", text.join("; ")));
        Err(Answer::error(422, "unprocessable_entity", &text.join("; ")))
    }

    /// The request body as JSON, if it has one.
    fn body(&self, request: &Incoming, label: &str) -> Result<Option<Value>, Answer> {
        if request.body.is_empty() {
            return Ok(None);
        }
        let json_type = request
            .header("content-type")
            .is_some_and(|kind| kind.starts_with("application/json"));
        if !json_type {
            self.violation(format!(
                "{label}: a body without `Content-Type: application/json`"
            ));
        }
        serde_json::from_slice(&request.body)
            .map(Some)
            .map_err(|error| {
                self.violation(format!("{label}: the body is not JSON: {error}"));
                Answer::error(400, "bad_request", "The request body is not valid JSON.")
            })
    }

    /// The next queued fault that applies to this request, as an answer.
    fn injected(
        &self,
        operation: &Operation<'_>,
        headers: &mut Vec<(String, String)>,
    ) -> Option<Answer> {
        let mut faults = lock(&self.faults);
        let applies = |fault: &Fault| match fault {
            Fault::RateLimit { .. } | Fault::ServerError { .. } => true,
            Fault::LoseNextCreate => false,
            Fault::MissNextKeyLookup => operation.id == "sshKeys_get",
            Fault::FailNextCreate => operation.id == "droplets_create",
        };
        let index = faults.iter().position(applies)?;
        let answer = match &mut faults[index] {
            Fault::RateLimit {
                times,
                retry_after_secs,
                reset_in_secs,
            } => {
                *times -= 1;
                let reset = epoch_secs() + *reset_in_secs;
                headers
                    .retain(|(name, _)| name != "ratelimit-remaining" && name != "ratelimit-reset");
                headers.push(("ratelimit-remaining".into(), "0".into()));
                headers.push(("ratelimit-reset".into(), reset.to_string()));
                if let Some(wait) = retry_after_secs {
                    headers.push(("retry-after".into(), wait.to_string()));
                }
                Answer::error(429, "too_many_requests", "API Rate limit exceeded.")
            }
            Fault::ServerError { times } => {
                *times -= 1;
                Answer::error(
                    500,
                    "server_error",
                    "Server was unable to give you a response.",
                )
            }
            Fault::FailNextCreate => Answer::error(
                500,
                "server_error",
                "Server was unable to give you a response.",
            ),
            Fault::MissNextKeyLookup | Fault::LoseNextCreate => Answer::error(
                404,
                "not_found",
                "The resource you were accessing could not be found.",
            ),
        };
        let spent = match &faults[index] {
            Fault::RateLimit { times, .. } | Fault::ServerError { times } => *times == 0,
            Fault::MissNextKeyLookup | Fault::LoseNextCreate | Fault::FailNextCreate => true,
        };
        if spent {
            faults.remove(index);
        }
        Some(answer)
    }

    /// Carries the request out. True when the reply is to be dropped.
    fn act(
        &self,
        request: &Incoming,
        operation: &Operation<'_>,
        body: Option<&Value>,
    ) -> (Answer, bool) {
        let answer = lock(&self.account).handle(operation, request, body);
        let lose = operation.id == "droplets_create" && answer.status == 202 && {
            let mut faults = lock(&self.faults);
            let index = faults
                .iter()
                .position(|fault| *fault == Fault::LoseNextCreate);
            index.map(|index| faults.remove(index)).is_some()
        };
        (answer, lose)
    }

    /// `ratelimit-*` headers, as on every DigitalOcean reply.
    fn rate_headers(&self) -> Vec<(String, String)> {
        let remaining = self
            .remaining
            .fetch_sub(1, Ordering::SeqCst)
            .saturating_sub(1);
        let reset = epoch_secs() + 60;
        vec![
            ("ratelimit-limit".into(), "5000".into()),
            ("ratelimit-remaining".into(), remaining.to_string()),
            ("ratelimit-reset".into(), reset.to_string()),
        ]
    }
}
