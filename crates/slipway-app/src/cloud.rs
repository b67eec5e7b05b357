//! The server and the domain's records, from the providers the spec names: a server
//! Slipway makes (or finds again) at DigitalOcean, Hetzner or in a local sandbox, and
//! the address records it points at that server.
//!
//! A new server's SSH host key is made here and handed to the server in its cloud-init
//! user data, so the first connection is already pinned: no "trust this key?" question,
//! and no window for a machine in the middle. That key has been seen by the provider
//! (and stays readable in the server's metadata), so it serves once: over the pinned
//! connection the server makes itself a new key, which is pinned in turn. The first key
//! is kept in the keychain until then, so a rerun after a crash pins the same key.

pub mod sandbox;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;
use serde::Serialize;
use slipway_cloud::{
    AddressRecords, Cloudflare, CloudflareConfig, DigitalOcean, DigitalOceanConfig, DnsReport,
    Host, ProjectTag, Provision, PublicKey, RecordOutcome, Server, ServerRequest, SystemClock,
};
use slipway_engine::Remote;
use slipway_secrets::{Secret, SecretKey, SecretStore};
use slipway_spec::{DnsProvider, ServerProvider, Spec};
use slipway_ssh::{Credentials, KnownHosts, SshRemote, Target, Trust, keys};

use crate::error::AppError;
use crate::secrets::{self, SSH_KEY};

/// The keychain name of the host key a new server is given, kept until it is pinned.
pub const HOST_KEY: &str = "server-host-key";

/// How long a new server may take to become reachable.
const READY_TIMEOUT: Duration = Duration::from_mins(10);

/// How long sshd may take to come back after switching to its new host key.
const SSHD_RESTART: Duration = Duration::from_secs(30);

/// The time to live of the records Slipway writes: short, so a correction spreads fast.
const RECORD_TTL: u32 = 300;

/// Where each provider's API is: production unless the environment says otherwise
/// (tests point them at local fakes).
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// `SLIPWAY_DIGITALOCEAN_API`.
    pub digitalocean: Option<Url>,
    /// `SLIPWAY_HETZNER_API`.
    pub hetzner: Option<Url>,
    /// `SLIPWAY_CLOUDFLARE_API`.
    pub cloudflare: Option<Url>,
    /// `SLIPWAY_NAMECHEAP_API`.
    pub namecheap: Option<Url>,
}

impl Endpoints {
    /// Reads the `SLIPWAY_*_API` variables; a value that is not a URL is an error naming
    /// the variable.
    pub fn from_env() -> Result<Self, AppError> {
        let read = |name: &'static str| -> Result<Option<Url>, AppError> {
            match std::env::var(name) {
                Ok(value) if !value.trim().is_empty() => Url::parse(value.trim())
                    .map(Some)
                    .map_err(|error| AppError::BadEndpoint {
                        variable: name,
                        message: error.to_string(),
                    }),
                _ => Ok(None),
            }
        };
        Ok(Self {
            digitalocean: read("SLIPWAY_DIGITALOCEAN_API")?,
            hetzner: read("SLIPWAY_HETZNER_API")?,
            cloudflare: read("SLIPWAY_CLOUDFLARE_API")?,
            namecheap: read("SLIPWAY_NAMECHEAP_API")?,
        })
    }
}

/// One thing that happened while getting the server or pointing the domain at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CloudEvent {
    /// The project had no SSH key; one was made and put in the keychain.
    KeyMade {
        /// `SHA256:…`.
        fingerprint: String,
    },
    /// The project's key was added to the provider account.
    KeyUploaded {
        /// Its name there.
        name: String,
    },
    /// The project's server exists already.
    ServerFound {
        /// Its name.
        name: String,
        /// Its public IPv4 address, if it has one yet.
        address: Option<String>,
    },
    /// A new server was asked for.
    ServerCreating {
        /// Its name.
        name: String,
        /// Region, size and image, as the provider names them.
        placement: String,
    },
    /// The server is not ready yet.
    ServerWaiting {
        /// The provider's status word.
        status: String,
        /// Seconds since the wait began.
        elapsed_secs: u64,
    },
    /// The server is up and has its address.
    ServerReady {
        /// Its name.
        name: String,
        /// Its public IPv4 address.
        address: String,
        /// Seconds since the wait began.
        elapsed_secs: u64,
    },
    /// The server's host key was recorded before the first connection.
    HostKeyPinned {
        /// The server's address.
        address: String,
        /// `SHA256:…`.
        fingerprint: String,
    },
    /// The server made itself a new host key, pinned in place of the first one.
    HostKeyReplaced {
        /// The server's address.
        address: String,
        /// `SHA256:…`.
        fingerprint: String,
    },
    /// An address record was checked or written.
    Record {
        /// `A www.example.com → 203.0.113.5 (created)`.
        line: String,
    },
}

impl fmt::Display for CloudEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyMade { fingerprint } => write!(
                f,
                "made the project's SSH key {fingerprint} (kept in the keychain)"
            ),
            Self::KeyUploaded { name } => write!(f, "added the SSH key \"{name}\" to the account"),
            Self::ServerFound { name, address } => write!(
                f,
                "found the project's server {name}{}",
                address
                    .as_ref()
                    .map(|a| format!(" at {a}"))
                    .unwrap_or_default()
            ),
            Self::ServerCreating { name, placement } => {
                write!(f, "creating server {name} ({placement})")
            }
            Self::ServerWaiting {
                status,
                elapsed_secs,
            } => write!(f, "waiting for the server: {status} ({elapsed_secs} s)"),
            Self::ServerReady {
                name,
                address,
                elapsed_secs,
            } => write!(f, "server {name} is up at {address} ({elapsed_secs} s)"),
            Self::HostKeyPinned {
                address,
                fingerprint,
            } => write!(f, "pinned {address}'s host key {fingerprint}"),
            Self::HostKeyReplaced {
                address,
                fingerprint,
            } => write!(
                f,
                "{address} made itself a new host key {fingerprint}, pinned in place of the first"
            ),
            Self::Record { line } => f.write_str(line),
        }
    }
}

/// The project's server at its provider.
#[derive(Debug, Clone)]
pub struct CloudServer {
    /// Who runs it.
    pub provider: ServerProvider,
    /// The server as the provider describes it.
    pub server: Server,
    /// Whether this call created it.
    pub created: bool,
}

impl CloudServer {
    /// Its public IPv4 address.
    pub fn address(&self) -> Result<Ipv4Addr, AppError> {
        self.server.public_ipv4.ok_or_else(|| AppError::NoIpv4 {
            host: self.server.name.clone(),
        })
    }
}

/// The provider the spec's `[server]` names, reached with its token from `store`.
pub fn server_provider(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
) -> Result<(ServerProvider, Box<dyn slipway_cloud::ServerProvider>), AppError> {
    let kind = provider_of(spec)?;
    let token = match kind.token_name() {
        Some(name) => Some(token(store, spec, Some(name))?),
        None => None,
    };
    Ok((kind, provider_with(kind, token, endpoints)?))
}

/// A client for `kind` with `token` (none for the sandbox).
pub fn provider_with(
    kind: ServerProvider,
    token: Option<Secret<String>>,
    endpoints: &Endpoints,
) -> Result<Box<dyn slipway_cloud::ServerProvider>, AppError> {
    let clock = Arc::new(SystemClock);
    let missing = || AppError::NoProviderToken(kind.label());
    Ok(match kind {
        ServerProvider::DigitalOcean => {
            let mut config = DigitalOceanConfig::new(token.ok_or_else(missing)?);
            if let Some(url) = &endpoints.digitalocean {
                config.base_url = url.clone();
            }
            Box::new(DigitalOcean::new(config, clock)?)
        }
        ServerProvider::Hetzner => {
            let mut config = slipway_cloud::HetznerConfig::new(token.ok_or_else(missing)?);
            if let Some(url) = &endpoints.hetzner {
                config.base_url = url.clone();
            }
            Box::new(slipway_cloud::Hetzner::new(config, clock)?)
        }
        ServerProvider::Sandbox => Box::new(sandbox::SandboxProvider::from_env()),
    })
}

fn provider_of(spec: &Spec) -> Result<ServerProvider, AppError> {
    let server = spec.server.as_ref().ok_or(AppError::NoServer)?;
    server.provider().ok_or(AppError::NoProvider)
}

fn token(
    store: &dyn SecretStore,
    spec: &Spec,
    name: Option<&'static str>,
) -> Result<Secret<String>, AppError> {
    let name = name.expect("providers with an API have a token name");
    secrets::required(store, spec, name)
}

/// The tag every server of this project carries at its provider.
pub fn project_tag(spec: &Spec) -> Result<ProjectTag, AppError> {
    Ok(ProjectTag::new(&spec.app.name)?)
}

/// The server's name at the provider: the spec's, else the app's name.
fn server_name(spec: &Spec) -> String {
    match spec.server.as_ref() {
        Some(server) if !server.name.is_empty() => server.name.clone(),
        _ => spec.app.name.replace('_', "-"),
    }
}

/// The server's addresses: from its provider (which must have it already), or the
/// spec's `server.host`.
pub fn server_addresses(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
) -> Result<(Ipv4Addr, Option<Ipv6Addr>), AppError> {
    if spec.server.as_ref().is_some_and(|s| !s.provider.is_empty()) {
        let found = require_server(spec, store, endpoints)?;
        return Ok((found.address()?, found.server.public_ipv6));
    }
    let host = spec
        .server
        .as_ref()
        .map(|s| s.host.clone())
        .ok_or(AppError::NoServer)?;
    let ipv4 = host_address(spec).ok_or(AppError::NoIpv4 { host })?;
    Ok((ipv4, None))
}

/// The project's server, if it exists at the provider; nothing is created.
pub fn find_server(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
) -> Result<Option<CloudServer>, AppError> {
    let (kind, provider) = server_provider(spec, store, endpoints)?;
    Ok(provider
        .find_server(&project_tag(spec)?)?
        .map(|server| CloudServer {
            provider: kind,
            server,
            created: false,
        }))
}

/// The spec with `server.host` set to the server's address, for everything that
/// connects to it. A spec without a provider comes back unchanged.
pub fn locate(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
) -> Result<Spec, AppError> {
    if spec.server.as_ref().is_none_or(|s| s.provider.is_empty()) {
        return Ok(spec.clone());
    }
    Ok(with_address(
        spec,
        require_server(spec, store, endpoints)?.address()?,
    ))
}

/// The project's server at its provider; an error saying how to make it when there is
/// none.
pub fn require_server(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
) -> Result<CloudServer, AppError> {
    let kind = provider_of(spec)?;
    find_server(spec, store, endpoints)?.ok_or_else(|| AppError::NoCloudServer {
        provider: kind.label(),
        project: spec.app.name.clone(),
    })
}

/// A copy of `spec` whose server is at `address`.
pub fn with_address(spec: &Spec, address: Ipv4Addr) -> Spec {
    let mut located = spec.clone();
    if let Some(server) = located.server.as_mut() {
        server.host = address.to_string();
        server.provider.clear();
        server.region.clear();
        server.size.clear();
        server.image.clear();
        server.name.clear();
    }
    located
}

/// The project's server: found at the provider, or created there, waited for, and its
/// host key pinned in `known_hosts`. Safe to repeat after any failure: the provider
/// finds the server by the project's tag, and the host key comes from the keychain.
pub fn ensure_server(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
    known_hosts: &Path,
    on_event: &mut dyn FnMut(CloudEvent),
) -> Result<CloudServer, AppError> {
    let (kind, provider) = server_provider(spec, store, endpoints)?;
    let hosts = KnownHosts::new(known_hosts);
    let pending = pending_host_key(store, spec)?;
    let (found, created) = match (provider.find_server(&project_tag(spec)?)?, pending) {
        // Made earlier and pinned, or made elsewhere (whose host key the first
        // connection asks about, as for any server): nothing to pin here.
        (Some(server), None) => {
            on_event(CloudEvent::ServerFound {
                name: server.name.clone(),
                address: server.public_ipv4.map(|a| a.to_string()),
            });
            if server.is_ready() {
                return Ok(CloudServer {
                    provider: kind,
                    server,
                    created: false,
                });
            }
            (server, false)
        }
        // Made by an earlier attempt that stopped before its host key was replaced.
        (Some(server), Some(_)) => {
            on_event(CloudEvent::ServerFound {
                name: server.name.clone(),
                address: server.public_ipv4.map(|a| a.to_string()),
            });
            (server, false)
        }
        (None, pending) => {
            let server = create(spec, store, kind, provider.as_ref(), pending, on_event)?;
            (server, true)
        }
    };
    let server = wait(provider.as_ref(), &found, on_event)?;
    let address = server.public_ipv4.ok_or_else(|| AppError::NoIpv4 {
        host: server.name.clone(),
    })?;
    if let Some(host_key) = pending_host_key(store, spec)? {
        let (public, fingerprint) = keys::public_half(&host_key)?;
        pin(&hosts, address, &public, created).map_err(|source| AppError::Io {
            action: "write",
            path: known_hosts.to_owned(),
            source,
        })?;
        on_event(CloudEvent::HostKeyPinned {
            address: address.to_string(),
            fingerprint,
        });
        let fingerprint = replace_host_key(spec, store, &hosts, address)?;
        on_event(CloudEvent::HostKeyReplaced {
            address: address.to_string(),
            fingerprint,
        });
    }
    Ok(CloudServer {
        provider: kind,
        server,
        created,
    })
}

/// Puts the project's key on the account and asks for a new server, whose host key is
/// `pending` (from an attempt whose reply was lost) or a new one. Returns the server as
/// the provider first describes it.
fn create(
    spec: &Spec,
    store: &dyn SecretStore,
    kind: ServerProvider,
    provider: &dyn slipway_cloud::ServerProvider,
    pending: Option<Secret<String>>,
    on_event: &mut dyn FnMut(CloudEvent),
) -> Result<Server, AppError> {
    let server_spec = spec.server.as_ref().ok_or(AppError::NoServer)?;
    let login = login_key(store, spec, on_event)?;
    let key_name = format!("slipway-{}", spec.app.name);
    let ensured = provider.ensure_ssh_key(&key_name, &login)?;
    if ensured.provision == Provision::Created {
        on_event(CloudEvent::KeyUploaded {
            name: ensured.key.name.clone(),
        });
    }
    let host_key = match pending {
        Some(key) => key,
        None => new_host_key(store, spec)?,
    };
    let (host_public, _) = keys::public_half(&host_key)?;
    let request = ServerRequest {
        project: project_tag(spec)?,
        name: server_name(spec),
        region: server_spec.region.clone(),
        size: server_spec.size.clone(),
        image: server_spec.image_or_default(kind),
        ssh_keys: vec![
            ensured
                .key
                .id
                .map_or_else(|| ensured.key.fingerprint.clone(), |id| id.to_string()),
        ],
        user_data: Some(cloud_config(&host_key, &host_public)),
        ipv6: server_spec.ipv6,
    };
    let provisioned = provider.create_server(&request)?;
    let placement: Vec<&str> = [&request.region, &request.size, &request.image]
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(String::as_str)
        .collect();
    on_event(match provisioned.provision {
        Provision::Created => CloudEvent::ServerCreating {
            name: provisioned.server.name.clone(),
            placement: placement.join(", "),
        },
        Provision::Found => CloudEvent::ServerFound {
            name: provisioned.server.name.clone(),
            address: provisioned.server.public_ipv4.map(|a| a.to_string()),
        },
    });
    Ok(provisioned.server)
}

/// Waits until the server is up with its address.
fn wait(
    provider: &dyn slipway_cloud::ServerProvider,
    server: &Server,
    on_event: &mut dyn FnMut(CloudEvent),
) -> Result<Server, AppError> {
    let started = Instant::now();
    let ready = provider.wait_until_ready(server.id, READY_TIMEOUT, &mut |look| {
        on_event(CloudEvent::ServerWaiting {
            status: look.status.as_str().to_owned(),
            elapsed_secs: look.elapsed.as_secs(),
        });
    })?;
    on_event(CloudEvent::ServerReady {
        name: ready.name.clone(),
        address: ready.public_ipv4.map(|a| a.to_string()).unwrap_or_default(),
        elapsed_secs: started.elapsed().as_secs(),
    });
    Ok(ready)
}

/// The host key made for a new server and not yet replaced, if any.
fn pending_host_key(
    store: &dyn SecretStore,
    spec: &Spec,
) -> Result<Option<Secret<String>>, AppError> {
    Ok(store.get(&SecretKey::new(spec.app.name.clone(), HOST_KEY)?)?)
}

/// Over a connection pinned to the key from the user data, has the server make a new
/// host key, pins it, switches sshd to it, and forgets the first key. Every point of
/// failure leaves a key the client still accepts: the new key is pinned beside the old
/// one before sshd uses it. Returns the new key's fingerprint.
fn replace_host_key(
    spec: &Spec,
    store: &dyn SecretStore,
    hosts: &KnownHosts,
    address: Ipv4Addr,
) -> Result<String, AppError> {
    let server = spec.server.as_ref().ok_or(AppError::NoServer)?;
    let target = Target {
        host: address.to_string(),
        port: u16::try_from(server.port).unwrap_or(22),
        user: server.user.clone(),
    };
    let credentials = Credentials::Key(secrets::required(store, spec, SSH_KEY)?);
    let mut remote = SshRemote::connect(
        &target,
        &credentials,
        hosts,
        &Trust::KnownOnly,
        Duration::from_secs(20),
    )?;
    let next = "/etc/ssh/ssh_host_ed25519_key.slipway-next";
    let made = run(
        &mut remote,
        &format!(
            "rm -f {next} {next}.pub && ssh-keygen -q -t ed25519 -N '' -C '' -f {next} && cat {next}.pub"
        ),
    )?;
    let public: String = made
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let fingerprint = keys::fingerprint(&public)?;
    hosts
        .add(&target.host, target.port, &public)
        .map_err(|source| AppError::Io {
            action: "write",
            path: hosts.path().to_owned(),
            source,
        })?;
    run(
        &mut remote,
        &format!(
            "mv -f {next} /etc/ssh/ssh_host_ed25519_key && \
             mv -f {next}.pub /etc/ssh/ssh_host_ed25519_key.pub && \
             (systemctl reload ssh 2>/dev/null || systemctl reload sshd)"
        ),
    )?;
    drop(remote);
    hosts
        .replace(&target.host, target.port, &public)
        .map_err(|source| AppError::Io {
            action: "write",
            path: hosts.path().to_owned(),
            source,
        })?;
    await_new_key(&target, &credentials, hosts)?;
    store.delete(&SecretKey::new(spec.app.name.clone(), HOST_KEY)?)?;
    Ok(fingerprint)
}

/// Waits until sshd, restarting on its new key, lets a connection pinned to that key in.
fn await_new_key(
    target: &Target,
    credentials: &Credentials,
    hosts: &KnownHosts,
) -> Result<(), AppError> {
    let deadline = Instant::now() + SSHD_RESTART;
    loop {
        match SshRemote::connect(
            target,
            credentials,
            hosts,
            &Trust::KnownOnly,
            Duration::from_secs(5),
        ) {
            Ok(_) => return Ok(()),
            Err(error) if Instant::now() >= deadline => {
                return Err(AppError::HostKeyNotReplaced {
                    reason: format!("sshd did not come back on its new key: {error}"),
                });
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// Runs `script` on the server; its output, or an error with what it printed.
fn run(remote: &mut SshRemote, script: &str) -> Result<String, AppError> {
    let exit = remote
        .run(script, None, Duration::from_mins(1), &mut |_, _| {})
        .map_err(|error| AppError::HostKeyNotReplaced {
            reason: error.to_string(),
        })?;
    if exit.status == 0 {
        Ok(exit.stdout)
    } else {
        Err(AppError::HostKeyNotReplaced {
            reason: exit.stderr.trim().to_owned(),
        })
    }
}

/// Records `public` as the server's host key. For a server created just now (`fresh`),
/// any key an earlier server at the same address left is dropped (providers reuse
/// addresses); on a rerun the key is added beside what is there, since the server may
/// already have replaced it.
fn pin(hosts: &KnownHosts, address: Ipv4Addr, public: &str, fresh: bool) -> std::io::Result<()> {
    let key: String = public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let host = address.to_string();
    if fresh {
        hosts.replace(&host, 22, &key)
    } else if hosts.check(&host, 22, &key) == slipway_ssh::Verdict::Known {
        Ok(())
    } else {
        hosts.add(&host, 22, &key)
    }
}

/// The project's login key, made now when the project has none.
fn login_key(
    store: &dyn SecretStore,
    spec: &Spec,
    on_event: &mut dyn FnMut(CloudEvent),
) -> Result<PublicKey, AppError> {
    let public = match secrets::public_key(store, spec, SSH_KEY) {
        Ok(public) => public,
        Err(AppError::MissingSecret { .. }) => {
            let made = secrets::new_key(store, spec, SSH_KEY, false)?;
            on_event(CloudEvent::KeyMade {
                fingerprint: made.fingerprint.clone(),
            });
            made
        }
        Err(error) => return Err(error),
    };
    Ok(PublicKey::parse(&public.line)?)
}

/// A host key for the project's new server, kept in the keychain until it is replaced.
fn new_host_key(store: &dyn SecretStore, spec: &Spec) -> Result<Secret<String>, AppError> {
    let key = SecretKey::new(spec.app.name.clone(), HOST_KEY)?;
    let pair = keys::generate(&format!("{} host", spec.app.name))?;
    store.set(&key, &pair.private)?;
    Ok(pair.private)
}

/// The cloud-init user data that installs `host_key` as the server's only SSH host key
/// and keeps root's key login, which Slipway's hardening later turns off.
fn cloud_config(host_key: &Secret<String>, public: &str) -> String {
    let mut text = String::from(
        "#cloud-config\n\
         # Written by Slipway: the SSH host key is made on the user's computer so the\n\
         # first connection is pinned.\n\
         ssh_deletekeys: true\n\
         ssh_genkeytypes: []\n\
         disable_root: false\n\
         ssh_keys:\n  ed25519_private: |\n",
    );
    for line in host_key.expose().lines() {
        text.push_str("    ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str("  ed25519_public: \"");
    text.push_str(public.trim());
    text.push_str("\"\n");
    text
}

/// Destroys the project's server, only if `confirmation` is its name; forgets its host
/// key and the keychain's copy of it. Returns the server that was destroyed.
pub fn destroy_server(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
    known_hosts: &Path,
    confirmation: &str,
) -> Result<Server, AppError> {
    let kind = provider_of(spec)?;
    let (_, provider) = server_provider(spec, store, endpoints)?;
    let server =
        provider
            .find_server(&project_tag(spec)?)?
            .ok_or_else(|| AppError::NoCloudServer {
                provider: kind.label(),
                project: spec.app.name.clone(),
            })?;
    if confirmation != server.name {
        return Err(AppError::NotConfirmed {
            name: server.name.clone(),
        });
    }
    provider.destroy_server(server.id, confirmation)?;
    if let Some(address) = server.public_ipv4 {
        KnownHosts::new(known_hosts)
            .forget(&address.to_string(), 22)
            .map_err(|source| AppError::Io {
                action: "write",
                path: known_hosts.to_owned(),
                source,
            })?;
    }
    store.delete(&SecretKey::new(spec.app.name.clone(), HOST_KEY)?)?;
    Ok(server)
}

/// One record to create by hand at a registrar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualRecord {
    /// The full name.
    pub name: String,
    /// `A` or `AAAA`.
    pub kind: &'static str,
    /// The address.
    pub value: String,
}

/// The records a domain needs, for a user who creates them by hand.
pub fn manual_records(spec: &Spec, ipv4: Ipv4Addr, ipv6: Option<Ipv6Addr>) -> Vec<ManualRecord> {
    let Some(domain) = &spec.domain else {
        return Vec::new();
    };
    let mut records = Vec::new();
    for name in domain.names() {
        records.push(ManualRecord {
            name: name.clone(),
            kind: "A",
            value: ipv4.to_string(),
        });
        if let Some(ipv6) = ipv6 {
            records.push(ManualRecord {
                name,
                kind: "AAAA",
                value: ipv6.to_string(),
            });
        }
    }
    records
}

/// What pointing the domain did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointed {
    /// The provider's report; none for manual records.
    pub report: Option<DnsReport>,
    /// Names the provider cannot be asked to point (aliases other than `www`), to create
    /// by hand.
    pub by_hand: Vec<ManualRecord>,
}

/// Points the domain's names at the server through the DNS provider the spec names,
/// creating or updating A (and AAAA) records in place. With manual DNS, nothing is
/// written and every record is returned to be created by hand.
pub fn point_dns(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
    ipv4: Ipv4Addr,
    ipv6: Option<Ipv6Addr>,
    on_event: &mut dyn FnMut(CloudEvent),
) -> Result<Pointed, AppError> {
    let domain = spec.domain.as_ref().ok_or(AppError::NoDomain)?;
    let kind = domain.dns.provider();
    let all = manual_records(spec, ipv4, ipv6);
    if kind == DnsProvider::Manual {
        return Ok(Pointed {
            report: None,
            by_hand: all,
        });
    }
    let mut hosts = Vec::new();
    let mut by_hand = Vec::new();
    for name in domain.names() {
        if name == domain.name {
            hosts.push(Host::Apex);
        } else if name == format!("www.{}", domain.name) {
            hosts.push(Host::Www);
        } else {
            by_hand.extend(all.iter().filter(|r| r.name == name).cloned());
        }
    }
    let request = AddressRecords {
        domain: domain.name.clone(),
        hosts,
        ipv4,
        ipv6,
        ttl: RECORD_TTL,
    };
    let provider = dns_provider(spec, store, endpoints, kind)?;
    let report = provider.upsert_addresses(&request)?;
    for change in &report.records {
        on_event(CloudEvent::Record {
            line: record_line(&report.domain, change),
        });
    }
    Ok(Pointed {
        report: Some(report),
        by_hand,
    })
}

fn dns_provider(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
    kind: DnsProvider,
) -> Result<Box<dyn slipway_cloud::DnsProvider>, AppError> {
    let clock = Arc::new(SystemClock);
    let token = || token(store, spec, kind.token_name());
    Ok(match kind {
        DnsProvider::DigitalOcean => {
            let mut config = DigitalOceanConfig::new(token()?);
            if let Some(url) = &endpoints.digitalocean {
                config.base_url = url.clone();
            }
            Box::new(DigitalOcean::new(config, clock)?)
        }
        DnsProvider::Cloudflare => {
            let mut config = CloudflareConfig::new(token()?);
            if let Some(url) = &endpoints.cloudflare {
                config.base_url = url.clone();
            }
            Box::new(Cloudflare::new(config, clock)?)
        }
        DnsProvider::Namecheap => {
            let dns = &spec.domain.as_ref().ok_or(AppError::NoDomain)?.dns;
            let client_ip = dns.client_ipv4().ok_or_else(|| {
                AppError::Invalid(slipway_spec::Problems(vec![slipway_spec::Problem {
                    field: "domain.dns.client_ip".into(),
                    message: "is not an IPv4 address".into(),
                }]))
            })?;
            let mut config = slipway_cloud::NamecheapConfig::new(&dns.user, token()?, client_ip);
            if let Some(url) = &endpoints.namecheap {
                config.endpoint = url.clone();
            }
            Box::new(slipway_cloud::Namecheap::new(config, clock)?)
        }
        DnsProvider::Manual => unreachable!("manual records are not written"),
    })
}

/// `A www.example.com → 203.0.113.5 (created)`.
fn record_line(domain: &str, change: &slipway_cloud::RecordChange) -> String {
    let outcome = match &change.outcome {
        RecordOutcome::Created => "created".to_owned(),
        RecordOutcome::Updated { previous } => format!("changed from {previous}"),
        RecordOutcome::Unchanged => "already right".to_owned(),
    };
    let note = change
        .note
        .as_ref()
        .map(|n| format!("; {n}"))
        .unwrap_or_default();
    format!(
        "{} {} → {} ({outcome}{note})",
        change.kind.as_str(),
        change.host.fqdn(domain),
        change.data
    )
}

/// The address a spec's `server.host` gives, when it is an IPv4 address.
pub fn host_address(spec: &Spec) -> Option<Ipv4Addr> {
    match spec.server.as_ref()?.host.parse::<IpAddr>().ok()? {
        IpAddr::V4(address) => Some(address),
        IpAddr::V6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_config_carries_the_host_key_the_sandbox_reads_back() {
        let pair = keys::generate("shop host").expect("a key");
        let text = cloud_config(&pair.private, &pair.public);
        let read = slipway_sandbox::first_boot::HostKeys::from_user_data(&text);
        assert!(read.delete_existing);
        let key = read.ed25519.expect("the key is in the user data");
        assert_eq!(key.public, pair.public.trim());
        assert_eq!(key.private, *pair.private.expose());
    }

    #[test]
    fn manual_records_cover_every_name_and_family() {
        let spec = Spec {
            domain: Some(slipway_spec::DomainSpec {
                name: "example.com".into(),
                aliases: vec!["www.example.com".into()],
                ..slipway_spec::DomainSpec::default()
            }),
            ..Spec::default()
        };
        let records = manual_records(
            &spec,
            Ipv4Addr::new(203, 0, 113, 5),
            Some("2001:db8::5".parse().expect("v6")),
        );
        let lines: Vec<String> = records
            .iter()
            .map(|r| format!("{} {} {}", r.kind, r.name, r.value))
            .collect();
        assert_eq!(
            lines,
            [
                "A example.com 203.0.113.5",
                "AAAA example.com 2001:db8::5",
                "A www.example.com 203.0.113.5",
                "AAAA www.example.com 2001:db8::5"
            ]
        );
    }
}
