//! A stateful Hetzner Cloud API on 127.0.0.1 that follows the published contract, under
//! `/v1` like the real one.
//!
//! It serves locations, server types (priced per location, one retired, one for Arm),
//! system images (`type`, `status`, `architecture`, `name` filters; deprecated ones
//! only with `include_deprecated=true`), SSH keys (`name`, `fingerprint`,
//! `label_selector` filters), servers (`name`, `status`, `label_selector`) and actions.
//! Lists are paged with `page` and `per_page` (1-50, 25 by default) and carry
//! `meta.pagination`. Every reply carries `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset` (epoch seconds when the quota is full again); errors are
//! `{"error": {"code", "message", "details"}}`.
//!
//! `POST /servers` answers 201 with `{server, action, next_actions, root_password}`;
//! the server goes `initializing` → `starting` → `running` as it is looked at, and its
//! actions go `running` with rising `progress` → `success`. It refuses as Hetzner does:
//! 422 `invalid_input` naming the field for an unknown image, server type or location,
//! 422 `placement_error` for a type not sold in the location, 422
//! `resource_unavailable` for one sold out there ([`FakeHetzner::make_unavailable`]),
//! 409 `uniqueness_error` for a taken server name or an SSH key whose fingerprint or
//! name the project has.
//!
//! It requires `Authorization: Bearer <token>` (401 `unauthorized` otherwise) and a
//! `User-Agent` starting `slipway/`; the read-only token gets 403 `token_readonly` on
//! every change. A request that strays from the contract (an undocumented path, query
//! parameter or body field, a missing required field, a field of the wrong kind, a page
//! size over 50, a malformed label selector) gets 422 `invalid_input` *and* is recorded
//! as a violation; dropping a [`FakeHetzner`] that recorded violations panics, so the
//! test fails even if it expected an error. [`Fault`]s play a bad day: rate limits,
//! server failures, a create whose reply is lost, a create whose action fails, a key
//! lookup that misses.

mod check;
mod data;
mod state;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use serde_json::{Value, json};
use slipway_secrets::Secret;

use super::access::{Scope, Tokens, assert_no_violations, client_retry, epoch_secs};
use super::lock;
use super::transport::{Incoming, Outgoing, Server};
use crate::hetzner::HetznerConfig;
use state::Project;

/// The path under which the API lives.
const PREFIX: &str = "/v1";

/// The hourly quota the fake announces.
const QUOTA: u64 = 3600;

/// Something to go wrong on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The next `times` requests get 429 `rate_limit_exceeded` with
    /// `RateLimit-Remaining: 0` and `RateLimit-Reset` `reset_in_secs` ahead, and
    /// `Retry-After` when given (Hetzner sends none).
    RateLimit {
        /// How many requests.
        times: u32,
        /// The `Retry-After` seconds, if any.
        retry_after_secs: Option<u64>,
        /// Seconds until `RateLimit-Reset`.
        reset_in_secs: u64,
    },
    /// The next `times` requests get 500 `server_error` and change nothing.
    ServerError {
        /// How many requests.
        times: u32,
    },
    /// The next `POST /servers` creates the server, then the connection is closed
    /// without a reply.
    LoseNextCreate,
    /// The next `POST /servers` creates the server, but its `create_server` action
    /// ends in `error` (`action_failed`).
    FailNextCreateAction,
    /// The next lookup of SSH keys by fingerprint finds none even if the project has
    /// the key, as a lookup racing another client's upload would.
    MissNextKeyLookup,
}

/// How the fake's servers and actions come to life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// Looks (`GET /servers/{id}`) after which a new server is `starting`.
    pub looks_until_starting: u32,
    /// Looks after which it is `running`.
    pub looks_until_running: u32,
    /// Looks (`GET /actions/{id}`) after which an action is done.
    pub action_looks: u32,
}

impl Default for Lifecycle {
    /// `initializing` at the first look, `starting` at the second, `running` from the
    /// third; actions done at their second look.
    fn default() -> Self {
        Self {
            looks_until_starting: 2,
            looks_until_running: 3,
            action_looks: 2,
        }
    }
}

/// What the fake saw and did for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// The method.
    pub method: String,
    /// The path, e.g. `/v1/servers`.
    pub path: String,
    /// The query pairs.
    pub query: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// The status sent, or `None` when the reply was dropped.
    pub status: Option<u16>,
}

/// An answer: status and JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn ok(status: u16, body: Value) -> Self {
        Self { status, body }
    }

    /// Hetzner's error shape.
    fn error(status: u16, code: &str, message: &str, details: &Value) -> Self {
        Self::ok(
            status,
            json!({"error": {"code": code, "message": message, "details": details}}),
        )
    }

    /// 422 `invalid_input` naming one field.
    fn invalid_input(field: &str, message: &str) -> Self {
        Self::error(
            422,
            "invalid_input",
            &format!("invalid input in field '{field}'"),
            &json!({"fields": [{"name": field, "messages": [message]}]}),
        )
    }

    /// 409 `uniqueness_error` naming the field.
    fn uniqueness(field: &str, message: &str) -> Self {
        Self::error(
            409,
            "uniqueness_error",
            message,
            &json!({"fields": [{"name": field}]}),
        )
    }

    fn not_found(what: &str) -> Self {
        Self::error(404, "not_found", &format!("{what} not found"), &Value::Null)
    }
}

/// What the request threads share.
#[derive(Debug)]
struct State {
    project: Project,
    faults: VecDeque<Fault>,
    exchanges: Vec<Exchange>,
    violations: Vec<String>,
    remaining: u64,
}

struct Shared {
    state: Mutex<State>,
    tokens: Tokens,
}

/// A running fake Hetzner Cloud API. Stops when dropped, and panics then if it
/// recorded contract violations nobody took.
pub struct FakeHetzner {
    shared: Arc<Shared>,
    server: Option<Server>,
    base_url: Url,
}

impl FakeHetzner {
    /// Starts a fake with an empty project and the default [`Lifecycle`].
    ///
    /// # Panics
    /// When no port can be bound on 127.0.0.1.
    pub fn start() -> Self {
        Self::with_lifecycle(Lifecycle::default())
    }

    /// Starts a fake whose servers and actions come to life as `lifecycle` says.
    pub fn with_lifecycle(lifecycle: Lifecycle) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                project: Project::new(lifecycle),
                faults: VecDeque::new(),
                exchanges: Vec::new(),
                violations: Vec::new(),
                remaining: QUOTA,
            }),
            tokens: Tokens::new("hz", 62),
        });
        let handler = {
            let shared = Arc::clone(&shared);
            Arc::new(move |request: Incoming| shared.serve(&request))
        };
        let server = Server::start(handler).expect("the fake binds a port on 127.0.0.1");
        let base_url = Url::parse(&format!("http://{}{PREFIX}", server.addr())).expect("a URL");
        Self {
            shared,
            server: Some(server),
            base_url,
        }
    }

    /// The API root, e.g. `http://127.0.0.1:40123/v1`.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// A token with Read & Write permission.
    pub fn token(&self) -> Secret<String> {
        self.shared.tokens.read_write()
    }

    /// A token with Read permission only: every change gets 403 `token_readonly`.
    pub fn read_only_token(&self) -> Secret<String> {
        self.shared.tokens.read_only()
    }

    /// A client configuration for this fake with `token`: a look every 2 s, pages of
    /// 2 (so paging is exercised) and retries that wait at most 30 s in all.
    pub fn config(&self, token: Secret<String>) -> HetznerConfig {
        HetznerConfig {
            base_url: self.base_url(),
            token,
            timeout: Duration::from_secs(10),
            retry: client_retry(),
            poll_interval: Duration::from_secs(2),
            per_page: 2,
        }
    }

    /// Queues a fault; faults apply in the order queued.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.state).faults.push_back(fault);
    }

    /// Makes `server_type` sold out in `location`: creates get 422
    /// `resource_unavailable`.
    pub fn make_unavailable(&self, server_type: &str, location: &str) {
        lock(&self.shared.state)
            .project
            .unavailable
            .insert((server_type.to_owned(), location.to_owned()));
    }

    /// Adds an SSH key as if uploaded before. Returns its id.
    ///
    /// # Panics
    /// When the key is not an OpenSSH public key or the project has it or its name.
    pub fn add_ssh_key(&self, name: &str, public_key: &str) -> u64 {
        let added = lock(&self.shared.state)
            .project
            .add_key(name, public_key, BTreeMap::new());
        match added {
            Ok(key) => key.id,
            Err(answer) => panic!("the fake refused the key: {}", answer.body),
        }
    }

    /// Adds a running server with `labels` as if made before. Returns its id.
    pub fn add_server(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let labels = labels
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        lock(&self.shared.state).project.add_server(name, labels)
    }

    /// Every server, as the API shows it (without counting as a look).
    pub fn servers(&self) -> Vec<Value> {
        let state = lock(&self.shared.state);
        state
            .project
            .servers
            .iter()
            .map(|server| state.project.server_json(server))
            .collect()
    }

    /// The user data and SSH key ids each server was created with, by server name.
    pub fn server_inputs(&self) -> BTreeMap<String, (Option<String>, Vec<u64>)> {
        lock(&self.shared.state)
            .project
            .servers
            .iter()
            .map(|s| (s.name.clone(), (s.user_data.clone(), s.ssh_keys.clone())))
            .collect()
    }

    /// Every SSH key of the project, as the API shows it.
    pub fn ssh_keys(&self) -> Vec<Value> {
        lock(&self.shared.state)
            .project
            .keys
            .iter()
            .map(Project::key_json)
            .collect()
    }

    /// Every request so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.state).exchanges.clone()
    }

    /// How many requests had `method` on `path` (e.g. `POST`, `/v1/servers`).
    pub fn count(&self, method: &str, path: &str) -> usize {
        lock(&self.shared.state)
            .exchanges
            .iter()
            .filter(|exchange| exchange.method == method && exchange.path == path)
            .count()
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

impl Drop for FakeHetzner {
    fn drop(&mut self) {
        self.server.take();
        assert_no_violations(
            "the fake Hetzner Cloud saw requests that break the API contract",
            &self.take_violations(),
        );
    }
}

/// The documented query parameters of each list.
fn list_parameters(collection: &str) -> &'static [&'static str] {
    match collection {
        "locations" | "server_types" => &["name", "sort", "page", "per_page"],
        "images" => &[
            "type",
            "status",
            "architecture",
            "name",
            "label_selector",
            "bound_to",
            "include_deprecated",
            "sort",
            "page",
            "per_page",
        ],
        "ssh_keys" => &[
            "name",
            "fingerprint",
            "label_selector",
            "sort",
            "page",
            "per_page",
        ],
        "servers" => &[
            "name",
            "label_selector",
            "status",
            "sort",
            "page",
            "per_page",
        ],
        _ => &[],
    }
}

impl Shared {
    /// Handles one request and records it.
    fn serve(&self, request: &Incoming) -> Outgoing {
        let mut state = lock(&self.state);
        let (answer, headers, dropped) = self.answer(&mut state, request);
        state.exchanges.push(Exchange {
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            body: serde_json::from_slice(&request.body).ok(),
            status: (!dropped).then_some(answer.status),
        });
        if dropped {
            return Outgoing::Drop;
        }
        Outgoing::Reply {
            status: answer.status,
            headers,
            body: Some(answer.body.to_string().into_bytes()),
        }
    }

    /// The answer, its headers, and whether the reply is to be dropped.
    fn answer(
        &self,
        state: &mut State,
        request: &Incoming,
    ) -> (Answer, Vec<(String, String)>, bool) {
        let mut headers = rate_headers(state);
        let label = format!("{} {}", request.method, request.path);
        let scope = match self.gate(state, request, &label) {
            Ok(scope) => scope,
            Err(answer) => return (answer, headers, false),
        };
        if let Some(answer) = injected(state, &mut headers) {
            return (answer, headers, false);
        }
        let Some(path) = request.path.strip_prefix(PREFIX) else {
            state
                .violations
                .push(format!("{label}: not under {PREFIX}"));
            return (Answer::not_found("route"), headers, false);
        };
        let parts: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        if request.method != "GET" && scope == Scope::ReadOnly {
            let answer = Answer::error(
                403,
                "token_readonly",
                "The token is read-only.",
                &Value::Null,
            );
            return (answer, headers, false);
        }
        let (answer, dropped) = route(state, request, &parts, &label);
        (answer, headers, dropped)
    }

    /// The user agent and the token. Ok carries the token's scope.
    fn gate(&self, state: &mut State, request: &Incoming, label: &str) -> Result<Scope, Answer> {
        if !request.sent_by_slipway() {
            state.violations.push(format!(
                "{label}: no `User-Agent: slipway/<version>` header"
            ));
            return Err(Answer::error(
                400,
                "invalid_input",
                "a User-Agent naming the client is required",
                &Value::Null,
            ));
        }
        self.tokens.scope(request).ok_or_else(|| {
            Answer::error(401, "unauthorized", "unable to authenticate", &Value::Null)
        })
    }
}

/// `RateLimit-*` headers, as on every Hetzner reply: the quota refills one request a
/// second, so it is full again `limit - remaining` seconds from now.
fn rate_headers(state: &mut State) -> Vec<(String, String)> {
    state.remaining = state.remaining.saturating_sub(1);
    let reset = epoch_secs() + (QUOTA - state.remaining);
    vec![
        ("RateLimit-Limit".into(), QUOTA.to_string()),
        ("RateLimit-Remaining".into(), state.remaining.to_string()),
        ("RateLimit-Reset".into(), reset.to_string()),
    ]
}

/// The next queued fault that applies before the request is carried out, as an answer.
fn injected(state: &mut State, headers: &mut Vec<(String, String)>) -> Option<Answer> {
    let index = state
        .faults
        .iter()
        .position(|fault| matches!(fault, Fault::RateLimit { .. } | Fault::ServerError { .. }))?;
    let answer = match &mut state.faults[index] {
        Fault::RateLimit {
            times,
            retry_after_secs,
            reset_in_secs,
        } => {
            *times -= 1;
            headers.retain(|(name, _)| name == "RateLimit-Limit");
            headers.push(("RateLimit-Remaining".into(), "0".into()));
            headers.push((
                "RateLimit-Reset".into(),
                (epoch_secs() + *reset_in_secs).to_string(),
            ));
            if let Some(wait) = retry_after_secs {
                headers.push(("Retry-After".into(), wait.to_string()));
            }
            Answer::error(
                429,
                "rate_limit_exceeded",
                "limit of 3600 requests per hour reached",
                &Value::Null,
            )
        }
        Fault::ServerError { times } => {
            *times -= 1;
            Answer::error(500, "server_error", "Internal server error", &Value::Null)
        }
        Fault::LoseNextCreate | Fault::FailNextCreateAction | Fault::MissNextKeyLookup => {
            return None;
        }
    };
    if matches!(
        state.faults[index],
        Fault::RateLimit { times: 0, .. } | Fault::ServerError { times: 0 }
    ) {
        state.faults.remove(index);
    }
    Some(answer)
}

/// Takes a queued fault equal to `fault`, if there is one.
fn take_fault(state: &mut State, fault: &Fault) -> bool {
    let index = state.faults.iter().position(|queued| queued == fault);
    index.map(|index| state.faults.remove(index)).is_some()
}

/// Records a violation and answers 422 `invalid_input`.
fn violation(state: &mut State, label: &str, field: &str, message: &str) -> Answer {
    state.violations.push(format!("{label}: {field} {message}"));
    Answer::invalid_input(field, message)
}

/// Checks a list's query, then answers it.
fn list(state: &mut State, request: &Incoming, label: &str, collection: &str) -> Answer {
    let unknown = check::unknown_query(request, list_parameters(collection));
    if let Some(name) = unknown.first() {
        return violation(state, label, name, "is not a documented query parameter");
    }
    if let Err((field, message)) = check::paging(request) {
        return violation(state, label, field, message);
    }
    if let Some(text) = request.query("label_selector")
        && let Err(error) = check::selector(text)
    {
        return violation(state, label, "label_selector", &error.to_string());
    }
    if collection == "ssh_keys"
        && request.query("fingerprint").is_some()
        && take_fault(state, &Fault::MissNextKeyLookup)
    {
        return state::page(request, "ssh_keys", Vec::new());
    }
    let project = &state.project;
    match collection {
        "locations" => project.locations(request),
        "server_types" => project.server_types(request),
        "images" => project.images(request),
        "ssh_keys" => project.keys_list(request),
        _ => project.servers_list(request),
    }
}

/// The JSON body of a `POST`, checked against `fields`.
fn body(
    state: &mut State,
    request: &Incoming,
    label: &str,
    fields: &[check::Field],
) -> Result<Value, Answer> {
    if !request
        .header("content-type")
        .is_some_and(|kind| kind.starts_with("application/json"))
    {
        state.violations.push(format!(
            "{label}: a body without `Content-Type: application/json`"
        ));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(violation(state, label, "body", "is not JSON"));
    };
    let problems = state::check_body(&body, fields);
    if let Some((field, message)) = problems.first() {
        let text: Vec<String> = problems.iter().map(|(f, m)| format!("{f} {m}")).collect();
        state
            .violations
            .push(format!("{label}: {}", text.join("; ")));
        return Err(Answer::invalid_input(field, message));
    }
    Ok(body)
}

/// Carries the request out. True when the reply is to be dropped.
fn route(state: &mut State, request: &Incoming, parts: &[&str], label: &str) -> (Answer, bool) {
    let method = request.method.as_str();
    let answer = match (method, parts) {
        (
            "GET",
            [collection @ ("locations" | "server_types" | "images" | "ssh_keys" | "servers")],
        ) => list(state, request, label, collection),
        ("POST", ["ssh_keys"]) => match body(state, request, label, check::CREATE_SSH_KEY) {
            Ok(body) => state.project.create_key(&body),
            Err(answer) => answer,
        },
        ("GET", ["ssh_keys", id]) => state.project.key(id),
        ("POST", ["servers"]) => {
            let body = match body(state, request, label, check::CREATE_SERVER) {
                Ok(body) => body,
                Err(answer) => return (answer, false),
            };
            let doomed = take_fault(state, &Fault::FailNextCreateAction);
            let answer = state.project.create_server(&body, doomed);
            let lose = answer.status == 201 && take_fault(state, &Fault::LoseNextCreate);
            return (answer, lose);
        }
        ("GET", ["servers", id]) => state.project.look_at_server(id),
        ("DELETE", ["servers", id]) => state.project.delete_server(id),
        ("GET", ["actions", id]) => state.project.look_at_action(id),
        _ => {
            state
                .violations
                .push(format!("{label}: no such operation in the API"));
            Answer::not_found("route")
        }
    };
    (answer, false)
}
