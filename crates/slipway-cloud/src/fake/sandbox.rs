//! Real servers behind the fake's droplets, for end-to-end tests: each new droplet boots
//! a disposable Debian server (slipway-sandbox), and every address record the account
//! stores is served by `pebble-challtestsrv`, the DNS that Pebble (standing in for
//! Let's Encrypt) and Slipway's DNS check ask. Behind the `sandbox` cargo feature.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use slipway_sandbox::services::acme::{ACME_HOST, Acme};
use slipway_sandbox::{FirstBoot, Sandbox, Server, ServerOptions};

use super::{Boot, BootError, FakeDigitalOcean, FakeOptions, Lifecycle};

/// A DigitalOcean account whose droplets are sandbox servers, with Pebble, the DNS it
/// asks, and one domain. Dropping it tears the servers down first, then the account,
/// then Pebble.
pub struct SandboxCloud {
    /// The servers the account's droplets booted.
    pub droplets: SandboxDroplets,
    /// The account. Its droplets are `active` on the second look, with their addresses.
    pub fake: FakeDigitalOcean,
    /// Pebble and the DNS it asks.
    pub acme: Arc<Acme>,
    /// The CA certificate Pebble's listener presents, as a PEM file: a deploy's
    /// `ca_bundle`.
    pub ca_bundle: PathBuf,
}

impl SandboxCloud {
    /// Starts Pebble under `dir` and an account holding `domain`, wired as
    /// [`SandboxDroplets::wire`] says.
    ///
    /// # Panics
    /// When Pebble does not start or its CA certificate cannot be written under `dir`.
    pub fn start(dir: &Path, domain: &str) -> Self {
        let acme = Arc::new(Acme::start(&dir.join("acme")).expect("pebble starts"));
        let ca_bundle = dir.join("acme-ca.pem");
        std::fs::write(&ca_bundle, acme.ca_certificate().expect("CA")).expect("write CA");
        let fake = FakeDigitalOcean::with_options(FakeOptions {
            lifecycle: Lifecycle {
                polls_until_active: 1,
                polls_until_addresses: 0,
            },
        });
        fake.add_domain(domain);
        Self {
            droplets: SandboxDroplets::wire(&fake, &acme),
            fake,
            acme,
            ca_bundle,
        }
    }
}

/// The servers a [`FakeDigitalOcean`]'s droplets booted. Dropping it tears them down.
pub struct SandboxDroplets {
    servers: Arc<Mutex<Vec<Server>>>,
}

impl SandboxDroplets {
    /// Makes every droplet `fake` creates from now on boot a sandbox server that finds
    /// `acme`'s Pebble where a real one finds Let's Encrypt, and sends every A record it
    /// stores to `acme`'s DNS.
    pub fn wire(fake: &FakeDigitalOcean, acme: &Arc<Acme>) -> Self {
        let servers = Arc::new(Mutex::new(Vec::new()));
        {
            let servers = Arc::clone(&servers);
            fake.on_boot(Arc::new(move |request: &Boot| boot(request, &servers)));
        }
        {
            let acme = Arc::clone(acme);
            fake.on_record(Arc::new(move |name: &str, kind: &str, data: &str| {
                if let ("A", Ok(address)) = (kind, data.parse::<Ipv4Addr>()) {
                    acme.set_a(name, address)
                        .expect("challtestsrv takes the record");
                }
            }));
        }
        Self { servers }
    }

    /// The servers booted so far, oldest first. A droplet that finishes booting while
    /// the guard is held waits for it.
    pub fn servers(&self) -> MutexGuard<'_, Vec<Server>> {
        self.servers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The addresses of the servers booted so far, oldest first.
    pub fn addresses(&self) -> Vec<Ipv4Addr> {
        self.servers().iter().map(|server| server.address).collect()
    }

    /// Tears down every server booted so far.
    pub fn tear_down(&self) {
        self.servers().clear();
    }
}

impl Drop for SandboxDroplets {
    fn drop(&mut self) {
        self.tear_down();
    }
}

/// Boots the real server behind a new droplet: what cloud-init does on a real one (the
/// account's SSH keys for root, the host key from the user data) is done by the
/// sandbox, and the server finds Pebble where a real one finds Let's Encrypt.
fn boot(request: &Boot, servers: &Mutex<Vec<Server>>) -> Result<Ipv4Addr, BootError> {
    let options = ServerOptions {
        first_boot: FirstBoot {
            authorized_keys: request.ssh_keys.clone(),
            user_data: request.user_data.clone(),
        },
        ..ServerOptions::default()
    };
    let server = Sandbox::from_env()
        .server(&options)
        .map_err(BootError::from_error)?;
    let hosts = format!("echo '{} {ACME_HOST}' >> /etc/hosts", server.host_address);
    let added = server.ssh(&hosts).map_err(BootError::from_error)?;
    if !added.status.success() {
        return Err(BootError::new(format!(
            "could not name {ACME_HOST} on the server: {}",
            String::from_utf8_lossy(&added.stderr)
        )));
    }
    let address = server.address;
    servers
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(server);
    Ok(address)
}
