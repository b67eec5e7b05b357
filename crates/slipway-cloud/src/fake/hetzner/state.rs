//! The fake's project: SSH keys, servers and their actions, and the rules Hetzner
//! applies to them beyond the shape of a request (known image, type sold in the
//! location, unique names and fingerprints).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::check;
use super::data;
use super::{Answer, Lifecycle};
use crate::fake::transport::Incoming;
use crate::ssh_key::PublicKey;

/// When the fake's objects were made.
const CREATED: &str = "2026-11-26T09:00:00+00:00";

/// The most user data Hetzner takes.
const USER_DATA_LIMIT: usize = 32 * 1024;

#[derive(Debug, Clone)]
pub struct Key {
    pub id: u64,
    pub name: String,
    pub fingerprint: String,
    /// The key as uploaded (an OpenSSH line).
    pub text: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub id: u64,
    pub name: String,
    /// The server type, as the API shows it.
    pub kind: Value,
    pub location: Value,
    pub image: Value,
    pub labels: BTreeMap<String, String>,
    pub ipv4: bool,
    pub ipv6: bool,
    pub user_data: Option<String>,
    pub ssh_keys: Vec<u64>,
    /// Looks at the server so far (`GET /servers/{id}`).
    pub looks: u32,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub id: u64,
    pub command: String,
    pub server: u64,
    pub looks: u32,
    /// Done from the start (as `delete_server` is, as far as the fake cares).
    pub instant: bool,
    pub doomed: bool,
}

/// Everything the fake project holds.
#[derive(Debug)]
pub struct Project {
    pub lifecycle: Lifecycle,
    pub locations: Vec<Value>,
    pub server_types: Vec<Value>,
    pub images: Vec<Value>,
    pub keys: Vec<Key>,
    pub servers: Vec<Server>,
    pub actions: Vec<Action>,
    /// `(server type, location)` pairs that are sold out for now.
    pub unavailable: BTreeSet<(String, String)>,
    next_id: u64,
}

/// One page of `items` under `key`, with `meta.pagination`.
pub fn page(request: &Incoming, key: &str, items: Vec<Value>) -> Answer {
    let (page, per_page) = match check::paging(request) {
        Ok(paging) => paging,
        Err((field, message)) => return Answer::invalid_input(field, message),
    };
    let total = items.len();
    let last = total.div_ceil(per_page).max(1);
    let chunk: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let body = json!({
        key: chunk,
        "meta": {"pagination": {
            "page": page,
            "per_page": per_page,
            "previous_page": (page > 1).then(|| (page - 1).min(last)),
            "next_page": (page < last).then_some(page + 1),
            "last_page": last,
            "total_entries": total,
        }},
    });
    Answer::ok(200, body)
}

/// The items whose labels meet the request's `label_selector`, if it has one.
fn selected<T>(
    request: &Incoming,
    items: impl Iterator<Item = T>,
    labels: impl Fn(&T) -> &BTreeMap<String, String>,
) -> Result<Vec<T>, Answer> {
    let requirements = match request.query("label_selector") {
        None => Vec::new(),
        Some(text) => check::selector(text)
            .map_err(|error| Answer::invalid_input("label_selector", &error.to_string()))?,
    };
    Ok(items
        .filter(|item| check::matches(&requirements, labels(item)))
        .collect())
}

/// Whether a catalogue item is the one `wanted` names, by name or by id.
fn named(item: &Value, wanted: &str) -> bool {
    item["name"] == wanted || wanted.parse::<u64>().is_ok_and(|id| item["id"] == id)
}

impl Project {
    pub fn new(lifecycle: Lifecycle) -> Self {
        Self {
            lifecycle,
            locations: data::locations(),
            server_types: data::server_types(),
            images: data::images(),
            keys: Vec::new(),
            servers: Vec::new(),
            actions: Vec::new(),
            unavailable: BTreeSet::new(),
            next_id: 4_711_000,
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn locations(&self, request: &Incoming) -> Answer {
        let items = self
            .locations
            .iter()
            .filter(|l| request.query("name").is_none_or(|name| l["name"] == name))
            .cloned()
            .collect();
        page(request, "locations", items)
    }

    pub fn server_types(&self, request: &Incoming) -> Answer {
        let items = self
            .server_types
            .iter()
            .filter(|t| request.query("name").is_none_or(|name| t["name"] == name))
            .cloned()
            .collect();
        page(request, "server_types", items)
    }

    /// `GET /images`: filtered by `type`, `status`, `architecture` and `name`;
    /// deprecated images only with `include_deprecated=true`.
    pub fn images(&self, request: &Incoming) -> Answer {
        let field_is = |image: &Value, field: &str, query: &str| {
            request
                .query(query)
                .is_none_or(|wanted| image[field].as_str() == Some(wanted))
        };
        let deprecated_too = request.query("include_deprecated") == Some("true");
        let items = self
            .images
            .iter()
            .filter(|image| field_is(image, "type", "type"))
            .filter(|image| field_is(image, "status", "status"))
            .filter(|image| field_is(image, "architecture", "architecture"))
            .filter(|image| field_is(image, "name", "name"))
            .filter(|image| deprecated_too || image["deprecated"].is_null())
            .cloned()
            .collect();
        page(request, "images", items)
    }

    pub fn key_json(key: &Key) -> Value {
        json!({
            "id": key.id, "name": key.name, "fingerprint": key.fingerprint,
            "public_key": key.text, "labels": key.labels, "created": CREATED,
        })
    }

    pub fn keys_list(&self, request: &Incoming) -> Answer {
        let keys = self
            .keys
            .iter()
            .filter(|key| request.query("name").is_none_or(|name| key.name == name))
            .filter(|key| {
                request
                    .query("fingerprint")
                    .is_none_or(|fingerprint| key.fingerprint == fingerprint)
            });
        match selected(request, keys, |key| &key.labels) {
            Ok(keys) => page(
                request,
                "ssh_keys",
                keys.into_iter().map(Self::key_json).collect(),
            ),
            Err(answer) => answer,
        }
    }

    /// Adds a key, or says why not: an invalid key, or a name or fingerprint the
    /// project already has.
    pub fn add_key(
        &mut self,
        name: &str,
        public_key: &str,
        labels: BTreeMap<String, String>,
    ) -> Result<Key, Answer> {
        let parsed = PublicKey::parse(public_key)
            .map_err(|_| Answer::invalid_input("public_key", "invalid public key"))?;
        let fingerprint = parsed.md5_fingerprint();
        if self.keys.iter().any(|key| key.fingerprint == fingerprint) {
            return Err(Answer::uniqueness(
                "public_key",
                "SSH key with the same fingerprint already exists",
            ));
        }
        if self.keys.iter().any(|key| key.name == name) {
            return Err(Answer::uniqueness(
                "name",
                "SSH key with the same name already exists",
            ));
        }
        let key = Key {
            id: self.id(),
            name: name.to_owned(),
            fingerprint,
            text: public_key.trim().to_owned(),
            labels,
        };
        self.keys.push(key.clone());
        Ok(key)
    }

    pub fn create_key(&mut self, body: &Value) -> Answer {
        let labels = match check::labels(body.get("labels")) {
            Ok(labels) => labels,
            Err(error) => return Answer::invalid_input("labels", &error.to_string()),
        };
        let name = body["name"].as_str().unwrap_or_default();
        let text = body["public_key"].as_str().unwrap_or_default();
        match self.add_key(name, text, labels) {
            Ok(key) => Answer::ok(201, json!({"ssh_key": Self::key_json(&key)})),
            Err(answer) => answer,
        }
    }

    pub fn key(&self, id: &str) -> Answer {
        match self.keys.iter().find(|key| key.id.to_string() == id) {
            Some(key) => Answer::ok(200, json!({"ssh_key": Self::key_json(key)})),
            None => Answer::not_found("ssh_key"),
        }
    }

    /// The server's status after `looks` looks.
    fn status(&self, server: &Server) -> &'static str {
        if server.looks >= self.lifecycle.looks_until_running {
            "running"
        } else if server.looks >= self.lifecycle.looks_until_starting {
            "starting"
        } else {
            "initializing"
        }
    }

    pub fn server_json(&self, server: &Server) -> Value {
        let number = server.id % 250 + 2;
        let ipv4 = server.ipv4.then(|| {
            json!({"id": server.id + 1, "ip": format!("203.0.113.{number}"), "blocked": false,
                   "dns_ptr": format!("static.{number}.113.0.203.clients.your-server.de")})
        });
        let ipv6 = server.ipv6.then(|| {
            json!({"id": server.id + 2, "ip": format!("2001:db8:4f8:{number:x}::/64"),
                   "blocked": false, "dns_ptr": []})
        });
        json!({
            "id": server.id,
            "name": server.name,
            "status": self.status(server),
            "created": CREATED,
            "public_net": {"ipv4": ipv4, "ipv6": ipv6, "floating_ips": [], "firewalls": []},
            "private_net": [],
            "server_type": server.kind,
            "datacenter": data::datacenter(&server.location),
            "image": server.image,
            "iso": null,
            "rescue_enabled": false,
            "locked": false,
            "backup_window": null,
            "outgoing_traffic": 0,
            "ingoing_traffic": 0,
            "included_traffic": 21_990_232_555_520_u64,
            "protection": {"delete": false, "rebuild": false},
            "labels": server.labels,
            "volumes": [],
            "load_balancers": [],
            "primary_disk_size": server.kind["disk"],
            "placement_group": null,
        })
    }

    pub fn servers_list(&self, request: &Incoming) -> Answer {
        let servers = self
            .servers
            .iter()
            .filter(|s| request.query("name").is_none_or(|name| s.name == name))
            .filter(|s| {
                request
                    .query("status")
                    .is_none_or(|status| self.status(s) == status)
            });
        match selected(request, servers, |server| &server.labels) {
            Ok(servers) => {
                let items = servers.into_iter().map(|s| self.server_json(s)).collect();
                page(request, "servers", items)
            }
            Err(answer) => answer,
        }
    }

    /// `GET /servers/{id}`: each look moves a new server along its life.
    pub fn look_at_server(&mut self, id: &str) -> Answer {
        let Some(server) = self.servers.iter_mut().find(|s| s.id.to_string() == id) else {
            return Answer::not_found("server");
        };
        server.looks += 1;
        let server = server.clone();
        Answer::ok(200, json!({"server": self.server_json(&server)}))
    }

    pub fn action_json(&self, action: &Action) -> Value {
        let looks = self.lifecycle.action_looks.max(1);
        let done = action.instant || action.looks >= looks;
        let progress = if done {
            100
        } else {
            action.looks * 100 / looks
        };
        let (status, error) = match (done, action.doomed) {
            (false, _) => ("running", Value::Null),
            (true, false) => ("success", Value::Null),
            (true, true) => (
                "error",
                json!({"code": "action_failed", "message": "Action failed"}),
            ),
        };
        json!({
            "id": action.id,
            "command": action.command,
            "status": status,
            "progress": progress,
            "started": CREATED,
            "finished": if done { json!(CREATED) } else { Value::Null },
            "resources": [{"id": action.server, "type": "server"}],
            "error": error,
        })
    }

    /// `GET /actions/{id}`: each look moves a running action along.
    pub fn look_at_action(&mut self, id: &str) -> Answer {
        let Some(action) = self.actions.iter_mut().find(|a| a.id.to_string() == id) else {
            return Answer::not_found("action");
        };
        action.looks += 1;
        let action = action.clone();
        Answer::ok(200, json!({"action": self.action_json(&action)}))
    }

    fn start_action(&mut self, command: &str, server: u64, instant: bool, doomed: bool) -> Action {
        let action = Action {
            id: self.id(),
            command: command.to_owned(),
            server,
            looks: 0,
            instant,
            doomed,
        };
        self.actions.push(action.clone());
        action
    }

    /// The server type, location and image a create asks for, or why they will not do.
    fn placement(&self, body: &Value) -> Result<(Value, Value, Value), Answer> {
        let wanted = |field: &str| body[field].as_str().unwrap_or_default().to_owned();
        let kind = self
            .server_types
            .iter()
            .find(|t| named(t, &wanted("server_type")))
            .cloned()
            .ok_or_else(|| Answer::invalid_input("server_type", "server type not found"))?;
        if kind["deprecated"] == true {
            return Err(Answer::invalid_input(
                "server_type",
                "server type is deprecated",
            ));
        }
        let location_name = if body.get("datacenter").is_some() {
            wanted("datacenter")
                .split('-')
                .next()
                .unwrap_or_default()
                .to_owned()
        } else if body.get("location").is_some() {
            wanted("location")
        } else {
            "fsn1".to_owned()
        };
        let location = self
            .locations
            .iter()
            .find(|l| l["name"] == location_name.as_str())
            .cloned()
            .ok_or_else(|| Answer::invalid_input("location", "location not found"))?;
        let architecture = kind["architecture"].as_str().unwrap_or("x86");
        let image = self
            .images
            .iter()
            .filter(|i| i["architecture"] == architecture && i["status"] == "available")
            .find(|i| named(i, &wanted("image")))
            .cloned()
            .ok_or_else(|| Answer::invalid_input("image", "image not found"))?;
        let sold_here = kind["prices"].as_array().is_some_and(|prices| {
            prices
                .iter()
                .any(|p| p["location"] == location_name.as_str())
        });
        if !sold_here {
            return Err(Answer::error(
                422,
                "placement_error",
                &format!(
                    "server type {} is not available in location {location_name}",
                    kind["name"].as_str().unwrap_or_default()
                ),
                &Value::Null,
            ));
        }
        let pair = (
            kind["name"].as_str().unwrap_or_default().to_owned(),
            location_name,
        );
        if self.unavailable.contains(&pair) {
            return Err(Answer::error(
                422,
                "resource_unavailable",
                "The requested resource is currently unavailable",
                &Value::Null,
            ));
        }
        Ok((kind, location, image))
    }

    /// The ids of the keys a create names (by id or name), or why one is unknown.
    fn key_ids(&self, body: &Value) -> Result<Vec<u64>, Answer> {
        let mut ids = Vec::new();
        for reference in body["ssh_keys"].as_array().into_iter().flatten() {
            let found = self.keys.iter().find(|key| match reference {
                Value::Number(id) => id.as_u64() == Some(key.id),
                Value::String(text) => key.name == *text || key.id.to_string() == *text,
                _ => false,
            });
            match found {
                Some(key) => ids.push(key.id),
                None => {
                    return Err(Answer::invalid_input(
                        "ssh_keys",
                        &format!("SSH key {reference} not found"),
                    ));
                }
            }
        }
        Ok(ids)
    }

    /// `POST /servers` for a body whose shape was checked: the rules on values, then
    /// the server, its create action and its start.
    pub fn create_server(&mut self, body: &Value, doomed: bool) -> Answer {
        let name = body["name"].as_str().unwrap_or_default();
        if !check::hostname(name) {
            return Answer::invalid_input("name", "name must be a valid hostname");
        }
        if body.get("location").is_some() && body.get("datacenter").is_some() {
            return Answer::invalid_input(
                "location",
                "location and datacenter are mutually exclusive",
            );
        }
        let public_net = body.get("public_net").cloned().unwrap_or_else(|| json!({}));
        let user_data = body["user_data"].as_str().map(str::to_owned);
        if user_data
            .as_ref()
            .is_some_and(|text| text.len() > USER_DATA_LIMIT)
        {
            return Answer::invalid_input("user_data", "user_data must be at most 32 KiB");
        }
        let labels = match check::labels(body.get("labels")) {
            Ok(labels) => labels,
            Err(error) => return Answer::invalid_input("labels", &error.to_string()),
        };
        let (server_type, location, image) = match self.placement(body) {
            Ok(placement) => placement,
            Err(answer) => return answer,
        };
        let ssh_keys = match self.key_ids(body) {
            Ok(ids) => ids,
            Err(answer) => return answer,
        };
        if self.servers.iter().any(|s| s.name == name) {
            return Answer::uniqueness("name", "server name is already used");
        }
        let server = Server {
            id: self.id(),
            name: name.to_owned(),
            kind: server_type,
            location,
            image,
            labels,
            ipv4: public_net["enable_ipv4"].as_bool().unwrap_or(true),
            ipv6: public_net["enable_ipv6"].as_bool().unwrap_or(true),
            user_data,
            ssh_keys,
            looks: 0,
        };
        self.servers.push(server.clone());
        let create = self.start_action("create_server", server.id, false, doomed);
        let start = self.start_action("start_server", server.id, false, false);
        Answer::ok(
            201,
            json!({
                "server": self.server_json(&server),
                "action": self.action_json(&create),
                "next_actions": [self.action_json(&start)],
                "root_password": if server.ssh_keys.is_empty() { json!("fake-root-password") } else { Value::Null },
            }),
        )
    }

    /// `DELETE /servers/{id}`: 200 with the `delete_server` action.
    pub fn delete_server(&mut self, id: &str) -> Answer {
        let Some(position) = self.servers.iter().position(|s| s.id.to_string() == id) else {
            return Answer::not_found("server");
        };
        let server = self.servers.remove(position);
        let action = self.start_action("delete_server", server.id, true, false);
        Answer::ok(200, json!({"action": self.action_json(&action)}))
    }

    /// Adds a running server as if made before.
    pub fn add_server(&mut self, name: &str, labels: BTreeMap<String, String>) -> u64 {
        let pick = |items: &[Value], name: &str| {
            items
                .iter()
                .find(|item| item["name"] == name)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let server = Server {
            id: self.id(),
            name: name.to_owned(),
            kind: pick(&self.server_types, "cx22"),
            location: pick(&self.locations, "fsn1"),
            image: pick(&self.images, "debian-12"),
            labels,
            ipv4: true,
            ipv6: true,
            user_data: None,
            ssh_keys: Vec::new(),
            looks: self.lifecycle.looks_until_running,
        };
        let id = server.id;
        self.servers.push(server);
        id
    }
}

/// Body checks shared by the routes: the fields and kinds of a `POST`.
pub fn check_body(body: &Value, fields: &[check::Field]) -> Vec<(String, String)> {
    let mut problems = check::body(body, fields);
    if let Some(public_net) = body.get("public_net").filter(|value| value.is_object()) {
        problems.extend(
            check::body(public_net, check::PUBLIC_NET)
                .into_iter()
                .map(|(field, message)| (format!("public_net.{field}"), message)),
        );
    }
    problems
}
