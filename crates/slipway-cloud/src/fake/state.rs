//! The fake's account: SSH keys, droplets and their create actions, domains and their
//! records, and the rules DigitalOcean applies beyond the schema (known image, open
//! region, key already in use, record data matching its type).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use serde_json::{Value, json};

use super::catalogue;
use super::openapi::Operation;
use super::transport::Incoming;
use crate::ssh_key::PublicKey;

/// When the fake's objects were made.
const CREATED_AT: &str = "2026-11-26T09:00:00Z";

/// How the fake's droplets come to life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// Looks (`GET /v2/droplets/{id}`) while a new droplet stays `new`.
    pub polls_until_active: u32,
    /// Further looks while an active droplet still has no addresses, as the real API
    /// sometimes does.
    pub polls_until_addresses: u32,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            polls_until_active: 2,
            polls_until_addresses: 1,
        }
    }
}

/// An answer from the account: status, body, and whether the reply should be lost.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl Answer {
    fn ok(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
        }
    }

    fn empty() -> Self {
        Self {
            status: 204,
            body: None,
        }
    }

    /// A DigitalOcean error: `{"id": ..., "message": ...}`.
    pub fn error(status: u16, id: &str, message: &str) -> Self {
        Self::ok(status, json!({"id": id, "message": message}))
    }

    fn not_found() -> Self {
        Self::error(
            404,
            "not_found",
            "The resource you were accessing could not be found.",
        )
    }

    fn unprocessable(message: &str) -> Self {
        Self::error(422, "unprocessable_entity", message)
    }
}

#[derive(Debug, Clone)]
struct Key {
    id: u64,
    name: String,
    text: String,
    fingerprint: String,
}

#[derive(Debug, Clone)]
struct Droplet {
    id: u64,
    name: String,
    region: String,
    size: String,
    image: String,
    tags: Vec<String>,
    ipv6: bool,
    looks: u32,
    action: u64,
}

#[derive(Debug, Clone)]
struct Record {
    id: u64,
    kind: String,
    name: String,
    data: String,
    ttl: u64,
}

#[derive(Debug, Clone)]
struct Domain {
    name: String,
    records: Vec<Record>,
}

/// A droplet being made, as a [`BootHook`] sees it.
#[derive(Debug, Clone)]
pub struct Boot {
    /// The droplet's id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// The cloud-init user data it was created with.
    pub user_data: Option<String>,
    /// The public keys (OpenSSH lines) of the SSH keys it was created with, as cloud-init
    /// would put them in root's `authorized_keys`.
    pub ssh_keys: Vec<String>,
}

/// Brings up a real machine for a droplet (cloud-init included) and gives its public
/// IPv4 address, which the droplet then reports. Runs on its own thread; the droplet
/// stays `new` until it returns.
pub type BootHook = Arc<dyn Fn(&Boot) -> Result<Ipv4Addr, BootError> + Send + Sync>;

/// Why a [`BootHook`] could not bring a droplet's machine up. The droplet then stays
/// `new`, as a real one whose machine never came up would.
#[derive(Debug, Clone)]
pub struct BootError(BootCause);

#[derive(Debug, Clone)]
enum BootCause {
    Message(String),
    Error(Arc<dyn std::error::Error + Send + Sync>),
}

impl BootError {
    /// An error that says `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(BootCause::Message(message.into()))
    }

    /// `error` itself: the same message, the same source.
    pub fn from_error(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(BootCause::Error(Arc::new(error)))
    }
}

impl From<String> for BootError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for BootError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

impl std::fmt::Display for BootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            BootCause::Message(message) => f.write_str(message),
            BootCause::Error(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for BootError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            BootCause::Message(_) => None,
            BootCause::Error(error) => error.source(),
        }
    }
}

/// Told of every A and AAAA record as it is created or changed: the full name, the type
/// and the address. Tests feed a local DNS server with it.
pub type RecordHook = Arc<dyn Fn(&str, &str, &str) + Send + Sync>;

/// How a hooked droplet's boot went: its address, or why it failed.
type Booted = Arc<Mutex<HashMap<u64, Result<Ipv4Addr, BootError>>>>;

/// Everything the fake account holds.
pub struct Account {
    base_url: String,
    lifecycle: Lifecycle,
    regions: Vec<Value>,
    sizes: Vec<Value>,
    images: Vec<Value>,
    keys: Vec<Key>,
    droplets: Vec<Droplet>,
    domains: Vec<Domain>,
    next_id: u64,
    boot: Option<BootHook>,
    booted: Booted,
    record_hook: Option<RecordHook>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("droplets", &self.droplets)
            .field("domains", &self.domains)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// An empty account served at `base_url`.
    pub fn new(base_url: String, lifecycle: Lifecycle) -> Self {
        Self {
            base_url,
            lifecycle,
            regions: catalogue::regions(),
            sizes: catalogue::sizes(),
            images: catalogue::images(),
            keys: Vec::new(),
            droplets: Vec::new(),
            domains: Vec::new(),
            next_id: 3_164_444,
            boot: None,
            booted: Booted::default(),
            record_hook: None,
        }
    }

    /// Makes every new droplet boot a real machine through `hook`.
    pub fn set_boot_hook(&mut self, hook: BootHook) {
        self.boot = Some(hook);
    }

    /// Reports every address record change to `hook`.
    pub fn set_record_hook(&mut self, hook: RecordHook) {
        self.record_hook = Some(hook);
    }

    fn boot(&self, droplet: &Droplet, body: &Value) {
        let Some(hook) = self.boot.clone() else {
            return;
        };
        let ssh_keys = body["ssh_keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|key| {
                let identifier = key.as_u64().map_or_else(
                    || key.as_str().unwrap_or_default().to_owned(),
                    |id| id.to_string(),
                );
                self.find_key(&identifier).map(|key| key.text.clone())
            })
            .collect();
        let boot = Boot {
            id: droplet.id,
            name: droplet.name.clone(),
            user_data: body["user_data"].as_str().map(str::to_owned),
            ssh_keys,
        };
        let booted = Arc::clone(&self.booted);
        thread::spawn(move || {
            let result = hook(&boot);
            if let Err(error) = &result {
                eprintln!(
                    "fake DigitalOcean: droplet {} did not boot: {error}",
                    boot.id
                );
            }
            booted
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(boot.id, result);
        });
    }

    /// The address a hooked droplet booted with; `None` while it boots, or when no hook
    /// is set.
    fn booted_address(&self, droplet: &Droplet) -> Option<Result<Ipv4Addr, BootError>> {
        self.boot.as_ref()?;
        self.booted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&droplet.id)
            .cloned()
    }

    fn tell_record(&self, domain: &str, record: &Record) {
        if let Some(hook) = &self.record_hook
            && matches!(record.kind.as_str(), "A" | "AAAA")
        {
            hook(&fqdn(&record.name, domain), &record.kind, &record.data);
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Answers a request that passed authentication and the contract.
    pub fn handle(
        &mut self,
        operation: &Operation<'_>,
        request: &Incoming,
        body: Option<&Value>,
    ) -> Answer {
        let empty = Value::Null;
        let body = body.unwrap_or(&empty);
        match operation.id {
            "account_get" => Answer::ok(200, account()),
            "regions_list" => self.page(request, "regions", self.regions.clone()),
            "sizes_list" => self.page(request, "sizes", self.sizes.clone()),
            "images_list" => self.images_list(request),
            "sshKeys_list" => {
                let keys = self.keys.iter().map(key_json).collect();
                self.page(request, "ssh_keys", keys)
            }
            "sshKeys_create" => self.create_key(body),
            "sshKeys_get" => self.key(operation.parameter("ssh_key_identifier").unwrap_or("")),
            "sshKeys_delete" => {
                self.delete_key(operation.parameter("ssh_key_identifier").unwrap_or(""))
            }
            "droplets_list" => self.droplets_list(request),
            "droplets_create" => self.create_droplet(body),
            "droplets_get" => self.look_at_droplet(operation.parameter("droplet_id").unwrap_or("")),
            "droplets_destroy" => {
                self.destroy_droplet(operation.parameter("droplet_id").unwrap_or(""))
            }
            "droplets_destroy_byTag" => {
                self.destroy_by_tag(request.query("tag_name").unwrap_or(""))
            }
            "actions_get" => self.action(operation.parameter("action_id").unwrap_or("")),
            _ => self.handle_dns(operation, request, body),
        }
    }

    fn handle_dns(
        &mut self,
        operation: &Operation<'_>,
        request: &Incoming,
        body: &Value,
    ) -> Answer {
        let domain = operation.parameter("domain_name").unwrap_or("").to_owned();
        let record = operation
            .parameter("domain_record_id")
            .and_then(|id| id.parse::<u64>().ok())
            .unwrap_or(0);
        match operation.id {
            "domains_list" => {
                let domains = self.domains.iter().map(|d| domain_json(&d.name)).collect();
                self.page(request, "domains", domains)
            }
            "domains_create" => self.create_domain(body),
            "domains_get" => match self.domain(&domain) {
                Some(found) => Answer::ok(200, json!({"domain": domain_json(&found.name)})),
                None => Answer::not_found(),
            },
            "domains_delete" => {
                let before = self.domains.len();
                self.domains.retain(|d| d.name != domain);
                if self.domains.len() < before {
                    Answer::empty()
                } else {
                    Answer::not_found()
                }
            }
            "domains_list_records" => self.records_list(&domain, request),
            "domains_create_record" => self.create_record(&domain, body),
            "domains_get_record" => self.with_record(&domain, record, |found| {
                Answer::ok(200, json!({"domain_record": record_json(found)}))
            }),
            "domains_update_record" | "domains_patch_record" => {
                self.update_record(&domain, record, body)
            }
            "domains_delete_record" => match self.domain_mut(&domain) {
                Some(zone) if zone.records.iter().any(|r| r.id == record) => {
                    zone.records.retain(|r| r.id != record);
                    Answer::empty()
                }
                _ => Answer::not_found(),
            },
            other => Answer::error(
                501,
                "not_implemented",
                &format!("the fake does not implement {other}"),
            ),
        }
    }

    /// One page of `items` under `key`, with `links.pages` and `meta.total`.
    fn page(&self, request: &Incoming, key: &str, items: Vec<Value>) -> Answer {
        let number = |name: &str, default: usize| {
            request
                .query(name)
                .and_then(|text| text.parse::<usize>().ok())
                .unwrap_or(default)
                .max(1)
        };
        let per_page = number("per_page", 20);
        let page = number("page", 1);
        let total = items.len();
        let last = total.div_ceil(per_page).max(1);
        let shown: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let link = |to: usize| {
            let mut url = reqwest::Url::parse(&self.base_url).expect("the fake's own URL");
            url.set_path(&request.path);
            let mut pairs: Vec<(String, String)> = request
                .query
                .iter()
                .filter(|(name, _)| name != "page")
                .cloned()
                .collect();
            pairs.push(("page".to_owned(), to.to_string()));
            url.query_pairs_mut().extend_pairs(pairs);
            Value::from(url.to_string())
        };
        let mut pages = serde_json::Map::new();
        if page > 1 {
            pages.insert("first".into(), link(1));
            pages.insert("prev".into(), link(page - 1));
        }
        if page < last {
            pages.insert("next".into(), link(page + 1));
            pages.insert("last".into(), link(last));
        }
        let links = if pages.is_empty() {
            json!({})
        } else {
            json!({"pages": pages})
        };
        Answer::ok(
            200,
            json!({key: shown, "links": links, "meta": {"total": total}}),
        )
    }

    fn images_list(&self, request: &Incoming) -> Answer {
        // Every image here is a distribution image; `application` lists none.
        let images = match request.query("type") {
            Some("application") => Vec::new(),
            _ => self.images.clone(),
        };
        self.page(request, "images", images)
    }

    fn create_key(&mut self, body: &Value) -> Answer {
        let name = body["name"].as_str().unwrap_or_default().to_owned();
        let text = body["public_key"].as_str().unwrap_or_default().to_owned();
        let Ok(parsed) = PublicKey::parse(&text) else {
            return Answer::unprocessable(
                "Key invalid, key should be of the format `type key [comment]`",
            );
        };
        let fingerprint = parsed.md5_fingerprint();
        if self.keys.iter().any(|key| key.fingerprint == fingerprint) {
            return Answer::unprocessable("SSH Key is already in use on your account");
        }
        let key = Key {
            id: self.id(),
            name,
            text,
            fingerprint,
        };
        let answer = Answer::ok(201, json!({"ssh_key": key_json(&key)}));
        self.keys.push(key);
        answer
    }

    /// Adds a key directly, as if uploaded earlier. Returns its id.
    pub fn add_key(&mut self, name: &str, public_key: &str) -> u64 {
        let answer = self.create_key(&json!({"name": name, "public_key": public_key}));
        answer
            .body
            .as_ref()
            .and_then(|body| body.pointer("/ssh_key/id"))
            .and_then(Value::as_u64)
            .expect("a valid, new public key")
    }

    fn find_key(&self, identifier: &str) -> Option<&Key> {
        self.keys
            .iter()
            .find(|key| key.id.to_string() == identifier || key.fingerprint == identifier)
    }

    fn key(&self, identifier: &str) -> Answer {
        match self.find_key(identifier) {
            Some(key) => Answer::ok(200, json!({"ssh_key": key_json(key)})),
            None => Answer::not_found(),
        }
    }

    fn delete_key(&mut self, identifier: &str) -> Answer {
        let Some(id) = self.find_key(identifier).map(|key| key.id) else {
            return Answer::not_found();
        };
        self.keys.retain(|key| key.id != id);
        Answer::empty()
    }

    fn droplets_list(&self, request: &Incoming) -> Answer {
        let tag = request.query("tag_name");
        let name = request.query("name");
        let droplets = self
            .droplets
            .iter()
            .filter(|d| tag.is_none_or(|tag| d.tags.iter().any(|t| t == tag)))
            .filter(|d| name.is_none_or(|name| d.name == name))
            .map(|d| self.droplet_json(d))
            .collect();
        self.page(request, "droplets", droplets)
    }

    /// The rules of `POST /v2/droplets` beyond the schema, with DigitalOcean's words.
    fn refuse_create(&self, body: &Value) -> Option<String> {
        if body.get("names").is_some() {
            return Some("The fake creates one droplet per request; send `name`.".into());
        }
        let field = |name: &str| body[name].as_str().unwrap_or_default();
        let image_ok = self
            .images
            .iter()
            .any(|image| image["slug"] == body["image"] || image["id"] == body["image"]);
        if !image_ok {
            return Some("You specified an invalid image for Droplet creation.".into());
        }
        let Some(region) = self.regions.iter().find(|r| r["slug"] == field("region")) else {
            return Some("You specified an invalid region for Droplet creation.".into());
        };
        if region["available"] != json!(true) {
            return Some("Region is not available".into());
        }
        if !self.sizes.iter().any(|size| size["slug"] == field("size")) {
            return Some("You specified an invalid size for Droplet creation.".into());
        }
        if !region["sizes"]
            .as_array()
            .is_some_and(|sizes| sizes.contains(&body["size"]))
        {
            return Some("Size is not available in this region.".into());
        }
        let unknown: Vec<String> = body["ssh_keys"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|key| key.as_str().map_or_else(|| key.to_string(), str::to_owned))
            .filter(|key| self.find_key(key).is_none())
            .collect();
        if !unknown.is_empty() {
            return Some(format!(
                "{} are invalid key identifiers for Droplet creation.",
                unknown.join(", ")
            ));
        }
        if field("user_data").len() > 64 * 1024 {
            return Some("user_data must be at most 64 KiB.".into());
        }
        body["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(|tag| !valid_tag(tag))
            .map(|tag| format!("Tag name \"{tag}\" must contain only letters, numbers, colons, dashes and underscores."))
    }

    fn create_droplet(&mut self, body: &Value) -> Answer {
        if let Some(message) = self.refuse_create(body) {
            return Answer::unprocessable(&message);
        }
        let strings = |name: &str| -> Vec<String> {
            body[name]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let id = self.id();
        let action = self.id();
        let droplet = Droplet {
            id,
            name: body["name"].as_str().unwrap_or_default().to_owned(),
            region: body["region"].as_str().unwrap_or_default().to_owned(),
            size: body["size"].as_str().unwrap_or_default().to_owned(),
            image: body["image"]
                .as_str()
                .map_or_else(|| body["image"].to_string(), str::to_owned),
            tags: strings("tags"),
            ipv6: body["ipv6"] == json!(true),
            looks: 0,
            action,
        };
        self.boot(&droplet, body);
        let href = format!(
            "{}/v2/actions/{action}",
            self.base_url.trim_end_matches('/')
        );
        let answer = Answer::ok(
            202,
            json!({
                "droplet": self.droplet_json(&droplet),
                "links": {"actions": [{"id": action, "rel": "create", "href": href}]}
            }),
        );
        self.droplets.push(droplet);
        answer
    }

    fn look_at_droplet(&mut self, id: &str) -> Answer {
        let Some(droplet) = self.droplets.iter_mut().find(|d| d.id.to_string() == id) else {
            return Answer::not_found();
        };
        droplet.looks += 1;
        let droplet = droplet.clone();
        Answer::ok(200, json!({"droplet": self.droplet_json(&droplet)}))
    }

    fn destroy_droplet(&mut self, id: &str) -> Answer {
        let before = self.droplets.len();
        self.droplets.retain(|d| d.id.to_string() != id);
        if self.droplets.len() < before {
            Answer::empty()
        } else {
            Answer::not_found()
        }
    }

    fn destroy_by_tag(&mut self, tag: &str) -> Answer {
        self.droplets.retain(|d| !d.tags.iter().any(|t| t == tag));
        Answer::empty()
    }

    fn action(&self, id: &str) -> Answer {
        let Some(droplet) = self.droplets.iter().find(|d| d.action.to_string() == id) else {
            return Answer::not_found();
        };
        let done = self.status(droplet) == "active";
        Answer::ok(
            200,
            json!({"action": {
                "id": droplet.action, "status": if done { "completed" } else { "in-progress" },
                "type": "create", "started_at": CREATED_AT,
                "completed_at": if done { Value::from(CREATED_AT) } else { Value::Null },
                "resource_id": droplet.id, "resource_type": "droplet",
                "region": self.region_json(&droplet.region), "region_slug": droplet.region
            }}),
        )
    }

    fn status(&self, droplet: &Droplet) -> &'static str {
        let booting = self.boot.is_some() && !matches!(self.booted_address(droplet), Some(Ok(_)));
        if droplet.looks >= self.lifecycle.polls_until_active && !booting {
            "active"
        } else {
            "new"
        }
    }

    fn has_addresses(&self, droplet: &Droplet) -> bool {
        droplet.looks >= self.lifecycle.polls_until_active + self.lifecycle.polls_until_addresses
    }

    fn region_json(&self, slug: &str) -> Value {
        self.regions
            .iter()
            .find(|r| r["slug"] == slug)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn droplet_json(&self, droplet: &Droplet) -> Value {
        let size = self
            .sizes
            .iter()
            .find(|s| s["slug"] == droplet.size.as_str())
            .cloned()
            .unwrap_or(Value::Null);
        let image = self
            .images
            .iter()
            .find(|i| {
                i["slug"] == droplet.image.as_str()
                    || droplet.image.parse::<u64>().is_ok_and(|id| i["id"] == id)
            })
            .cloned()
            .unwrap_or(Value::Null);
        let networks = if self.has_addresses(droplet) && self.status(droplet) == "active" {
            let booted = self.booted_address(droplet).and_then(Result::ok);
            networks(droplet, booted)
        } else {
            json!({"v4": [], "v6": []})
        };
        let mut features = vec!["droplet_agent", "private_networking"];
        if droplet.ipv6 {
            features.push("ipv6");
        }
        json!({
            "id": droplet.id, "name": droplet.name, "memory": size["memory"], "vcpus": size["vcpus"],
            "disk": size["disk"], "disk_info": size["disk_info"], "locked": false,
            "status": self.status(droplet), "kernel": null, "created_at": CREATED_AT,
            "features": features, "backup_ids": [], "next_backup_window": null, "snapshot_ids": [],
            "image": image, "volume_ids": [], "size": size, "size_slug": droplet.size,
            "networks": networks, "region": self.region_json(&droplet.region), "tags": droplet.tags,
            "vpc_uuid": "5a4981aa-9653-4bd1-bef5-d6bff52042e4"
        })
    }

    fn domain(&self, name: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.name == name)
    }

    fn domain_mut(&mut self, name: &str) -> Option<&mut Domain> {
        self.domains.iter_mut().find(|d| d.name == name)
    }

    fn create_domain(&mut self, body: &Value) -> Answer {
        let name = body["name"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if name.is_empty() || !name.contains('.') {
            return Answer::unprocessable("Name is invalid.");
        }
        if self.domain(&name).is_some() {
            return Answer::unprocessable("Name already exists.");
        }
        let mut records = Vec::new();
        for server in ["ns1", "ns2", "ns3"] {
            let data = format!("{server}.digitalocean.com");
            records.push(Record {
                id: self.id(),
                kind: "NS".into(),
                name: "@".into(),
                data,
                ttl: 1800,
            });
        }
        records.push(Record {
            id: self.id(),
            kind: "SOA".into(),
            name: "@".into(),
            data: "1800".into(),
            ttl: 1800,
        });
        if let Some(address) = body["ip_address"].as_str() {
            records.push(Record {
                id: self.id(),
                kind: "A".into(),
                name: "@".into(),
                data: address.into(),
                ttl: 1800,
            });
        }
        self.domains.push(Domain {
            name: name.clone(),
            records,
        });
        Answer::ok(
            201,
            json!({"domain": {"name": name, "ttl": 1800, "zone_file": null}}),
        )
    }

    /// Adds a domain directly, as if created earlier.
    pub fn add_domain(&mut self, name: &str) {
        let answer = self.create_domain(&json!({"name": name}));
        assert_eq!(
            answer.status, 201,
            "the fake could not add domain {name}: {:?}",
            answer.body
        );
    }

    /// Adds a record directly. Returns its id.
    pub fn add_record(
        &mut self,
        domain: &str,
        kind: &str,
        name: &str,
        data: &str,
        ttl: u64,
    ) -> u64 {
        let answer = self.create_record(
            domain,
            &json!({"type": kind, "name": name, "data": data, "ttl": ttl}),
        );
        answer
            .body
            .as_ref()
            .and_then(|body| body.pointer("/domain_record/id"))
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("the fake could not add the record: {:?}", answer.body))
    }

    fn records_list(&self, domain: &str, request: &Incoming) -> Answer {
        let Some(zone) = self.domain(domain) else {
            return Answer::not_found();
        };
        let kind = request.query("type");
        let name = request.query("name");
        let records = zone
            .records
            .iter()
            .filter(|r| kind.is_none_or(|kind| r.kind == kind))
            .filter(|r| name.is_none_or(|name| fqdn(&r.name, domain) == name))
            .map(record_json)
            .collect();
        self.page(request, "domain_records", records)
    }

    fn create_record(&mut self, domain: &str, body: &Value) -> Answer {
        let record = Record {
            id: 0,
            kind: body["type"].as_str().unwrap_or_default().to_owned(),
            name: body["name"].as_str().unwrap_or("@").to_owned(),
            data: body["data"].as_str().unwrap_or_default().to_owned(),
            ttl: body["ttl"].as_u64().unwrap_or(1800),
        };
        if let Err(problem) = check_record(&record) {
            return Answer::unprocessable(&problem.to_string());
        }
        let id = self.id();
        let Some(zone) = self.domain_mut(domain) else {
            return Answer::not_found();
        };
        let record = Record { id, ..record };
        zone.records.push(record.clone());
        self.tell_record(domain, &record);
        Answer::ok(201, json!({"domain_record": record_json(&record)}))
    }

    fn with_record(&self, domain: &str, id: u64, answer: impl Fn(&Record) -> Answer) -> Answer {
        self.domain(domain)
            .and_then(|zone| zone.records.iter().find(|r| r.id == id))
            .map_or_else(Answer::not_found, answer)
    }

    fn update_record(&mut self, domain: &str, id: u64, body: &Value) -> Answer {
        let Some(zone) = self.domain_mut(domain) else {
            return Answer::not_found();
        };
        let Some(record) = zone.records.iter_mut().find(|r| r.id == id) else {
            return Answer::not_found();
        };
        let mut changed = record.clone();
        if let Some(kind) = body["type"].as_str()
            && kind != changed.kind
        {
            return Answer::unprocessable("The type of a record cannot be changed.");
        }
        if let Some(name) = body["name"].as_str() {
            name.clone_into(&mut changed.name);
        }
        if let Some(data) = body["data"].as_str() {
            data.clone_into(&mut changed.data);
        }
        if let Some(ttl) = body["ttl"].as_u64() {
            changed.ttl = ttl;
        }
        if let Err(problem) = check_record(&changed) {
            return Answer::unprocessable(&problem.to_string());
        }
        *record = changed.clone();
        self.tell_record(domain, &changed);
        Answer::ok(200, json!({"domain_record": record_json(&changed)}))
    }

    /// Every droplet, as the API shows it.
    pub fn droplets(&self) -> Vec<Value> {
        self.droplets.iter().map(|d| self.droplet_json(d)).collect()
    }

    /// Every SSH key.
    pub fn keys(&self) -> Vec<Value> {
        self.keys.iter().map(key_json).collect()
    }

    /// Every record of `domain`.
    pub fn records(&self, domain: &str) -> Vec<Value> {
        self.domain(domain)
            .map(|zone| zone.records.iter().map(record_json).collect())
            .unwrap_or_default()
    }
}

fn account() -> Value {
    json!({"account": {
        "droplet_limit": 25, "floating_ip_limit": 3, "email": "ada@example.com",
        "name": "Ada Lovelace", "uuid": "b6fr89dbf6d9156cace5f3c78dc9851d957381ef",
        "email_verified": true, "status": "active", "status_message": "",
        "team": {"uuid": "5df3e3004a1b4a3b8e5e6c1d2b3a4f5e", "name": "My Team"}
    }})
}

fn key_json(key: &Key) -> Value {
    json!({"id": key.id, "fingerprint": key.fingerprint, "public_key": key.text, "name": key.name})
}

fn domain_json(name: &str) -> Value {
    json!({"name": name, "ttl": 1800, "zone_file": format!("$ORIGIN {name}.\n$TTL 1800\n")})
}

fn record_json(record: &Record) -> Value {
    json!({
        "id": record.id, "type": record.kind, "name": record.name, "data": record.data,
        "priority": null, "port": null, "ttl": record.ttl, "weight": null, "flags": null, "tag": null
    })
}

/// A private and a public IPv4 address (private first, as DigitalOcean lists them),
/// and a public IPv6 address when asked for. Documentation ranges only, except a booted
/// droplet's public address.
fn networks(droplet: &Droplet, booted: Option<Ipv4Addr>) -> Value {
    let host = u8::try_from(droplet.id % 250).unwrap_or(0) + 2;
    let private = Ipv4Addr::new(10, 110, 0, host);
    let public = booted.unwrap_or(Ipv4Addr::new(203, 0, 113, host));
    let v6: Vec<Value> = if droplet.ipv6 {
        let address = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(host));
        vec![
            json!({"ip_address": address.to_string(), "netmask": 64, "gateway": "2001:db8::1", "type": "public"}),
        ]
    } else {
        Vec::new()
    };
    json!({
        "v4": [
            {"ip_address": private.to_string(), "netmask": "255.255.0.0", "gateway": "nil", "type": "private"},
            {"ip_address": public.to_string(), "netmask": "255.255.255.0", "gateway": "203.0.113.1", "type": "public"}
        ],
        "v6": v6
    })
}

fn fqdn(name: &str, domain: &str) -> String {
    if name == "@" {
        domain.to_owned()
    } else {
        format!("{name}.{domain}")
    }
}

/// Letters, digits, colons, dashes and underscores, at most 255.
fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 255
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_'))
}

/// Why DigitalOcean refuses a record, in its words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum RecordProblem {
    #[error("Type \"{0}\" is not a record type you can create.")]
    UnknownType(String),
    #[error("TTL must be at least 30 seconds.")]
    ShortTtl,
    #[error("Name \"{0}\" is not a valid host name.")]
    BadName(String),
    #[error("IP address did not match IPv4 format (e.g. 127.0.0.1).")]
    NotIpv4,
    #[error("IP address did not match IPv6 format (e.g. 2001:db8::1).")]
    NotIpv6,
    #[error("Data needs to end with a dot (.)")]
    NoFinalDot,
}

/// DigitalOcean's checks on a record's fields.
fn check_record(record: &Record) -> Result<(), RecordProblem> {
    const TYPES: [&str; 8] = ["A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TXT"];
    if !TYPES.contains(&record.kind.as_str()) {
        return Err(RecordProblem::UnknownType(record.kind.clone()));
    }
    if record.ttl < 30 {
        return Err(RecordProblem::ShortTtl);
    }
    let name_ok = record.name == "@"
        || record.name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*'))
        });
    if !name_ok {
        return Err(RecordProblem::BadName(record.name.clone()));
    }
    match record.kind.as_str() {
        "A" if record.data.parse::<Ipv4Addr>().is_err() => Err(RecordProblem::NotIpv4),
        "AAAA" if record.data.parse::<Ipv6Addr>().is_err() => Err(RecordProblem::NotIpv6),
        "CNAME" | "MX" | "NS" if record.data != "@" && !record.data.ends_with('.') => {
            Err(RecordProblem::NoFinalDot)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the sandbox did not start")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_boot_error_reads_as_the_error_it_wraps() {
        let plain = BootError::new("no sandbox");
        assert_eq!(plain.to_string(), "no sandbox");
        assert!(std::error::Error::source(&plain).is_none());
        let wrapped = BootError::from_error(Outer(std::io::Error::other("disk full")));
        assert_eq!(wrapped.to_string(), "the sandbox did not start");
        let source = std::error::Error::source(&wrapped).expect("the wrapped error's source");
        assert_eq!(source.to_string(), "disk full");
        assert_eq!(BootError::from("late").clone().to_string(), "late");
    }
}
