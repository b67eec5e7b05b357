//! A stateful Cloudflare API v4 (zones and DNS records) on 127.0.0.1, under
//! `/client/v4` like the real one.
//!
//! Every reply is Cloudflare's envelope; lists carry `result_info` and honour `page`
//! and `per_page`; zones filter by `name` and `status`, records by `type` and `name`
//! (full names, as Cloudflare stores them). It requires `User-Agent: slipway/…` and a
//! bearer token: an unknown one gets 401 with code 10000, a read-only one gets 403 on
//! every change. A `POST` of a record that already exists gets 400 with code 81057, as
//! Cloudflare answers a duplicate.
//!
//! `GET /user/tokens/verify` describes the token: `active` for the fake's tokens,
//! `expired` for [`FakeCloudflare::expired_token`] (which nothing else accepts), 401
//! with code 1000 for an unknown one. Every reply carries `X-RateLimit-Limit` and
//! `X-RateLimit-Remaining`; a rate-limited one is a 429 with code 10100, `Retry-After`
//! when asked for, and `X-RateLimit-Reset` as an HTTP date.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::Url;
use serde_json::{Value, json};
use slipway_secrets::Secret;

use super::access::{client_retry, nonce};
use super::lock;
use super::transport::{Incoming, Outgoing, Server};
use crate::cloudflare::CloudflareConfig;
use crate::http::format_http_date;

/// The path under which the API lives.
const PREFIX: &str = "/client/v4";

/// A zone.
#[derive(Debug, Clone)]
struct Zone {
    id: String,
    name: String,
    status: String,
}

/// What the request threads share.
#[derive(Debug, Default)]
struct State {
    zones: Vec<Zone>,
    records: Vec<Value>,
    next_id: u64,
    rate_limited: u32,
    /// The `Retry-After` of a rate-limited reply, if it has one.
    retry_after: Option<u64>,
    /// Seconds from now to the `X-RateLimit-Reset` of a rate-limited reply.
    reset_in: u64,
    /// Requests left in the quota, as `X-RateLimit-Remaining` says.
    remaining: Option<u64>,
    requests: Vec<(String, String)>,
}

impl State {
    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("{:032x}", 0x00c0_ffee_0000_u64 + self.next_id)
    }
}

struct Shared {
    state: Mutex<State>,
    write_token: String,
    read_token: String,
    expired_token: String,
}

/// A running fake Cloudflare API. Stops when dropped.
pub struct FakeCloudflare {
    shared: Arc<Shared>,
    _server: Server,
    base_url: Url,
}

impl FakeCloudflare {
    /// Starts a fake with no zones.
    ///
    /// # Panics
    /// When no port can be bound on 127.0.0.1.
    pub fn start() -> Self {
        let nonce = nonce();
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            write_token: format!("cf{nonce:038x}"),
            read_token: format!("cf{:038x}", nonce ^ 0x5eed),
            expired_token: format!("cf{:038x}", nonce ^ 0xdead),
        });
        let handler = {
            let shared = Arc::clone(&shared);
            Arc::new(move |request: Incoming| shared.serve(&request))
        };
        let server = Server::start(handler).expect("the fake binds a port on 127.0.0.1");
        let base_url = Url::parse(&format!("http://{}{PREFIX}", server.addr())).expect("a URL");
        Self {
            shared,
            _server: server,
            base_url,
        }
    }

    /// The API root, e.g. `http://127.0.0.1:40123/client/v4`.
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// A token with Zone:Read and Zone:DNS:Edit.
    pub fn token(&self) -> Secret<String> {
        Secret::new(self.shared.write_token.clone())
    }

    /// A token with Zone:Read and DNS:Read only: every change gets 403.
    pub fn read_only_token(&self) -> Secret<String> {
        Secret::new(self.shared.read_token.clone())
    }

    /// A token that has expired: `GET /user/tokens/verify` says so, and every other
    /// request gets 401.
    pub fn expired_token(&self) -> Secret<String> {
        Secret::new(self.shared.expired_token.clone())
    }

    /// A client configuration for this fake with `token`: the smallest pages Cloudflare
    /// allows (so paging is exercised) and retries that wait at most 30 s in all.
    pub fn config(&self, token: Secret<String>) -> CloudflareConfig {
        CloudflareConfig {
            base_url: self.base_url(),
            token,
            timeout: Duration::from_secs(10),
            retry: client_retry(),
            per_page: 5,
        }
    }

    /// Adds an active zone. Returns its id.
    pub fn add_zone(&self, name: &str) -> String {
        self.add_zone_with_status(name, "active")
    }

    /// Adds a zone in `status` (`pending`, `moved`, …). Returns its id.
    pub fn add_zone_with_status(&self, name: &str, status: &str) -> String {
        let mut state = lock(&self.shared.state);
        let id = state.id();
        state.zones.push(Zone {
            id: id.clone(),
            name: name.to_owned(),
            status: status.to_owned(),
        });
        id
    }

    /// Adds a record to zone `zone` (by name) as if made before. Returns its id.
    ///
    /// # Panics
    /// When there is no such zone.
    pub fn add_record(
        &self,
        zone: &str,
        kind: &str,
        name: &str,
        content: &str,
        proxied: bool,
    ) -> String {
        let mut state = lock(&self.shared.state);
        let zone = state
            .zones
            .iter()
            .find(|found| found.name == zone)
            .cloned()
            .expect("add the zone first");
        let id = state.id();
        let record = record_json(
            &id,
            &zone,
            kind,
            name,
            content,
            if proxied { 1 } else { 300 },
            proxied,
        );
        state.records.push(record);
        id
    }

    /// Every record of zone `zone` (by name), as the API shows it.
    pub fn records(&self, zone: &str) -> Vec<Value> {
        lock(&self.shared.state)
            .records
            .iter()
            .filter(|record| record["zone_name"] == zone)
            .cloned()
            .collect()
    }

    /// The next `times` requests get 429 with code 10100 and `Retry-After: 3`.
    pub fn rate_limit(&self, times: u32) {
        let mut state = lock(&self.shared.state);
        state.rate_limited = times;
        state.retry_after = Some(3);
        state.reset_in = 3;
    }

    /// The next `times` requests get 429 with code 10100, no `Retry-After`, and
    /// `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset` `reset_in_secs` from now as
    /// an HTTP date.
    pub fn rate_limit_until_reset(&self, times: u32, reset_in_secs: u64) {
        let mut state = lock(&self.shared.state);
        state.rate_limited = times;
        state.retry_after = None;
        state.reset_in = reset_in_secs;
    }

    /// Every request so far as `METHOD path`, in order.
    pub fn requests(&self) -> Vec<(String, String)> {
        lock(&self.shared.state).requests.clone()
    }
}

fn record_json(
    id: &str,
    zone: &Zone,
    kind: &str,
    name: &str,
    content: &str,
    ttl: u64,
    proxied: bool,
) -> Value {
    json!({
        "id": id,
        "type": kind,
        "name": name,
        "content": content,
        "proxiable": true,
        "proxied": proxied,
        "ttl": ttl,
        "zone_id": zone.id,
        "zone_name": zone.name,
        "created_on": "2026-01-01T00:00:00Z",
        "modified_on": "2026-01-01T00:00:00Z",
        "meta": {},
        "comment": null,
        "tags": [],
    })
}

/// `X-RateLimit-Limit` and `X-RateLimit-Remaining`, as on every Cloudflare reply: 1,200
/// requests per 5 minutes.
fn quota_headers(state: &mut State) -> Vec<(String, String)> {
    let remaining = state.remaining.unwrap_or(1200).saturating_sub(1);
    state.remaining = Some(remaining);
    vec![
        ("X-RateLimit-Limit".into(), "1200".into()),
        ("X-RateLimit-Remaining".into(), remaining.to_string()),
    ]
}

/// A reply in Cloudflare's envelope.
fn ok(result: &Value, info: Option<&Value>) -> Outgoing {
    let mut body = json!({"success": true, "errors": [], "messages": [], "result": result});
    if let Some(info) = info {
        body["result_info"] = info.clone();
    }
    reply(200, &body, Vec::new())
}

/// A refusal in Cloudflare's envelope.
fn refuse(status: u16, code: u32, message: &str) -> Outgoing {
    let body = json!({
        "success": false,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": null,
    });
    reply(status, &body, Vec::new())
}

fn reply(status: u16, body: &Value, headers: Vec<(String, String)>) -> Outgoing {
    Outgoing::Reply {
        status,
        headers,
        body: Some(body.to_string().into_bytes()),
    }
}

/// One page of `items` as asked by `page` and `per_page` (default 20/100, at most 50/5000).
fn page(request: &Incoming, items: Vec<Value>, default: usize, max: usize) -> Outgoing {
    let number = |name: &str| request.query(name).map(str::parse::<usize>);
    let page = match number("page") {
        None => 1,
        Some(Ok(page)) if page >= 1 => page,
        Some(_) => return refuse(400, 1001, "Invalid page"),
    };
    let per_page = match number("per_page") {
        None => default,
        Some(Ok(per_page)) if (5..=max).contains(&per_page) => per_page,
        Some(_) => return refuse(400, 1001, "Invalid per_page"),
    };
    let total = items.len();
    let chunk: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let info = json!({
        "page": page,
        "per_page": per_page,
        "count": chunk.len(),
        "total_count": total,
        "total_pages": total.div_ceil(per_page),
    });
    ok(&Value::Array(chunk), Some(&info))
}

impl Shared {
    /// Answers a request, with the quota headers every reply carries.
    fn serve(&self, request: &Incoming) -> Outgoing {
        let quota = quota_headers(&mut lock(&self.state));
        let mut outgoing = self.answer(request);
        if let Outgoing::Reply { headers, .. } = &mut outgoing {
            for (name, value) in quota {
                if !headers
                    .iter()
                    .any(|(known, _)| known.eq_ignore_ascii_case(&name))
                {
                    headers.push((name, value));
                }
            }
        }
        outgoing
    }

    fn answer(&self, request: &Incoming) -> Outgoing {
        let mut state = lock(&self.state);
        state
            .requests
            .push((request.method.clone(), request.path.clone()));
        if !request.sent_by_slipway() {
            return refuse(
                400,
                6003,
                "Invalid request headers: a User-Agent is required",
            );
        }
        let token = request.bearer_token();
        let verify = request.method == "GET"
            && request.path.strip_prefix(PREFIX) == Some("/user/tokens/verify");
        let can_write = match token {
            Some(token) if token == self.write_token => true,
            Some(token) if token == self.read_token => false,
            Some(token) if verify && token == self.expired_token => {
                let result = json!({
                    "id": "ed17574386854bf78a67040be0a770b0",
                    "status": "expired",
                    "expires_on": "2026-01-01T00:00:00Z",
                });
                return ok(&result, None);
            }
            _ if verify => return refuse(401, 1000, "Invalid API Token"),
            _ => return refuse(401, 10000, "Authentication error"),
        };
        if state.rate_limited > 0 {
            state.rate_limited -= 1;
            let body = json!({
                "success": false,
                "errors": [{"code": 10100, "message": "More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed"}],
                "messages": [],
                "result": null,
            });
            let mut headers = vec![("X-RateLimit-Remaining".to_owned(), "0".to_owned())];
            let reset = SystemTime::now() + Duration::from_secs(state.reset_in);
            headers.push(("X-RateLimit-Reset".into(), format_http_date(reset)));
            if let Some(wait) = state.retry_after {
                headers.push(("Retry-After".into(), wait.to_string()));
            }
            return reply(429, &body, headers);
        }
        let Some(path) = request.path.strip_prefix(PREFIX) else {
            return refuse(404, 7000, "No route for that URI");
        };
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let method = request.method.as_str();
        if method != "GET" && !can_write {
            return refuse(403, 10000, "Authentication error");
        }
        match (method, parts.as_slice()) {
            ("GET", ["user", "tokens", "verify"]) => {
                let result = json!({
                    "id": if can_write { "ed17574386854bf78a67040be0a770b1" } else { "ed17574386854bf78a67040be0a770b2" },
                    "status": "active",
                    "not_before": "2026-01-01T00:00:00Z",
                    "expires_on": "2027-01-01T00:00:00Z",
                });
                ok(&result, None)
            }
            ("GET", ["zones"]) => {
                let zones = state
                    .zones
                    .iter()
                    .filter(|zone| request.query("name").is_none_or(|name| name == zone.name))
                    .filter(|zone| {
                        request
                            .query("status")
                            .is_none_or(|status| status == zone.status)
                    })
                    .map(|zone| {
                        json!({
                            "id": zone.id,
                            "name": zone.name,
                            "status": zone.status,
                            "paused": false,
                            "type": "full",
                            "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                        })
                    })
                    .collect();
                page(request, zones, 20, 50)
            }
            (_, ["zones", zone_id, "dns_records", rest @ ..]) => {
                records_route(&mut state, request, zone_id, rest)
            }
            _ => refuse(404, 7000, "No route for that URI"),
        }
    }
}

/// `/zones/{zone_id}/dns_records[/{id}]`.
fn records_route(state: &mut State, request: &Incoming, zone_id: &str, rest: &[&str]) -> Outgoing {
    let method = request.method.as_str();
    let Some(zone) = state.zones.iter().find(|zone| zone.id == zone_id).cloned() else {
        return refuse(
            404,
            7003,
            "Could not route to /zones, perhaps your object identifier is invalid?",
        );
    };
    match (method, rest) {
        ("GET", []) => {
            let records = state
                .records
                .iter()
                .filter(|record| record["zone_id"] == zone.id.as_str())
                .filter(|record| {
                    request
                        .query("type")
                        .is_none_or(|kind| record["type"] == kind)
                })
                .filter(|record| {
                    request
                        .query("name")
                        .is_none_or(|name| record["name"] == name)
                })
                .cloned()
                .collect();
            page(request, records, 100, 5000)
        }
        ("POST", []) => create(state, &zone, &request.body),
        ("PUT" | "PATCH", [record_id]) => {
            update(state, &zone, record_id, &request.body, method == "PATCH")
        }
        _ => refuse(404, 7000, "No route for that URI"),
    }
}

/// Checks a record body: `(type, name, content, ttl, proxied)` or a refusal.
fn check(zone: &Zone, body: &Value) -> Result<(String, String, String, u64, bool), Outgoing> {
    let text = |key: &str| body[key].as_str().map(str::to_owned);
    let (Some(kind), Some(name), Some(content)) = (text("type"), text("name"), text("content"))
    else {
        return Err(refuse(
            400,
            9005,
            "Content for A record is invalid. Must be a valid IPv4 address",
        ));
    };
    let address: Option<IpAddr> = content.parse().ok();
    let fits = match kind.as_str() {
        "A" => address.is_some_and(|ip| ip.is_ipv4()),
        "AAAA" => address.is_some_and(|ip| ip.is_ipv6()),
        _ => true,
    };
    if !fits {
        return Err(refuse(400, 9005, "Content for the record is invalid"));
    }
    if !(name == zone.name || name.ends_with(&format!(".{}", zone.name))) {
        return Err(refuse(400, 9007, "Record name is not in this zone"));
    }
    let ttl = body["ttl"].as_u64().unwrap_or(1);
    if ttl != 1 && !(60..=86_400).contains(&ttl) {
        return Err(refuse(
            400,
            9021,
            "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic",
        ));
    }
    let proxied = match &body["proxied"] {
        Value::Null => false,
        Value::Bool(proxied) => *proxied,
        _ => {
            return Err(refuse(
                400,
                9003,
                "Invalid 'proxied' value, must be a boolean",
            ));
        }
    };
    Ok((kind, name, content, ttl, proxied))
}

/// Whether another record of the zone has the same type, name and content.
fn duplicate(
    state: &State,
    zone: &Zone,
    kind: &str,
    name: &str,
    content: &str,
    except: &str,
) -> bool {
    state.records.iter().any(|record| {
        record["zone_id"] == zone.id.as_str()
            && record["id"] != except
            && record["type"] == kind
            && record["name"] == name
            && record["content"] == content
    })
}

fn create(state: &mut State, zone: &Zone, body: &[u8]) -> Outgoing {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return refuse(400, 9207, "Request body is invalid.");
    };
    let (kind, name, content, ttl, proxied) = match check(zone, &body) {
        Ok(fields) => fields,
        Err(refusal) => return refusal,
    };
    if duplicate(state, zone, &kind, &name, &content, "") {
        return refuse(400, 81057, "Record already exists.");
    }
    let id = state.id();
    let record = record_json(&id, zone, &kind, &name, &content, ttl, proxied);
    state.records.push(record.clone());
    ok(&record, None)
}

fn update(state: &mut State, zone: &Zone, id: &str, body: &[u8], partial: bool) -> Outgoing {
    let Ok(patch) = serde_json::from_slice::<Value>(body) else {
        return refuse(400, 9207, "Request body is invalid.");
    };
    let Some(position) = state
        .records
        .iter()
        .position(|record| record["id"] == id && record["zone_id"] == zone.id.as_str())
    else {
        return refuse(404, 81044, "Record does not exist.");
    };
    let mut merged = if partial {
        state.records[position].clone()
    } else {
        json!({})
    };
    if let (Some(target), Some(fields)) = (merged.as_object_mut(), patch.as_object()) {
        for (key, value) in fields {
            target.insert(key.clone(), value.clone());
        }
    }
    let (kind, name, content, ttl, proxied) = match check(zone, &merged) {
        Ok(fields) => fields,
        Err(refusal) => return refusal,
    };
    if duplicate(state, zone, &kind, &name, &content, id) {
        return refuse(
            400,
            81058,
            "A record with the same settings already exists.",
        );
    }
    let record = record_json(id, zone, &kind, &name, &content, ttl, proxied);
    state.records[position] = record.clone();
    ok(&record, None)
}
