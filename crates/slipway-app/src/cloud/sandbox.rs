//! A server made on this machine: a sandbox server (systemd-nspawn, Debian 12) that
//! behaves like a fresh cloud server, so the whole wizard can be tried without a cloud
//! account. Linux and root only, as the sandbox itself.
//!
//! It plays the provider's part faithfully: the server is labelled with the project's
//! tag and found again by it, the project's key goes into root's `authorized_keys`, and
//! the user data's host key is installed as cloud-init would.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use slipway_cloud::{
    Account, Catalogue, CloudError, EnsuredKey, Image, ProjectTag, Provision, Provisioned,
    PublicKey, Region, Server, ServerId, ServerProvider, ServerRequest, ServerStatus, Size, SshKey,
    WaitProgress,
};
use slipway_sandbox::{FirstBoot, Sandbox, SandboxError, ServerOptions, ServerRecord};

/// The one region: this machine.
const REGION: &str = "local";
/// The one size.
const SIZE: &str = "sandbox";
/// The one image.
const IMAGE: &str = "debian-12";

/// Sandbox servers as a [`ServerProvider`].
#[derive(Debug)]
pub struct SandboxProvider {
    sandbox: Sandbox,
    /// Keys "on the account": put on every server created from now on.
    keys: Mutex<Vec<(String, String)>>,
}

impl SandboxProvider {
    /// The sandbox in `SLIPWAY_SANDBOX_DIR`, or the default folder.
    pub fn from_env() -> Self {
        Self::new(Sandbox::from_env())
    }

    /// Servers made in `sandbox`.
    pub fn new(sandbox: Sandbox) -> Self {
        Self {
            sandbox,
            keys: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, id: ServerId) -> Option<ServerRecord> {
        self.sandbox
            .list()
            .into_iter()
            .find(|record| u64::from(record.index) == id.0)
    }
}

fn failed(action: &'static str) -> impl Fn(SandboxError) -> CloudError {
    move |error| CloudError::Local {
        action,
        detail: error.to_string(),
    }
}

fn server(record: &ServerRecord) -> Server {
    Server {
        id: ServerId(u64::from(record.index)),
        name: record.name.clone(),
        status: if record.running() {
            ServerStatus::Active
        } else {
            ServerStatus::Off
        },
        region: REGION.into(),
        size: SIZE.into(),
        image: IMAGE.into(),
        public_ipv4: Some(record.address()),
        public_ipv6: None,
        tags: record.label.iter().cloned().collect(),
    }
}

impl ServerProvider for SandboxProvider {
    fn check_token(&self) -> Result<Account, CloudError> {
        Ok(Account {
            email: String::new(),
            team: Some("this machine".into()),
            status: "active".into(),
            status_message: String::new(),
            server_limit: 250,
        })
    }

    fn catalogue(&self) -> Result<Catalogue, CloudError> {
        Ok(Catalogue::new(
            vec![Region {
                slug: REGION.into(),
                name: "This machine".into(),
                available: true,
                sizes: vec![SIZE.into()],
            }],
            vec![Size {
                slug: SIZE.into(),
                description: "Sandbox server".into(),
                memory_mib: 0,
                vcpus: 0,
                disk_gb: 0,
                transfer_tb: 0.0,
                price_monthly: 0.0,
                price_hourly: 0.0,
                regions: vec![REGION.into()],
                available: true,
            }],
            vec![Image {
                slug: IMAGE.into(),
                name: "Debian 12".into(),
                distribution: "Debian".into(),
                regions: vec![REGION.into()],
            }],
        ))
    }

    fn ensure_ssh_key(&self, name: &str, key: &PublicKey) -> Result<EnsuredKey, CloudError> {
        let fingerprint = key.md5_fingerprint();
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if !keys.iter().any(|(known, _)| *known == fingerprint) {
            keys.push((fingerprint.clone(), key.to_openssh()));
        }
        Ok(EnsuredKey {
            key: SshKey {
                id: None,
                name: name.to_owned(),
                fingerprint,
            },
            provision: Provision::Found,
        })
    }

    fn find_server(&self, project: &ProjectTag) -> Result<Option<Server>, CloudError> {
        Ok(self
            .sandbox
            .list()
            .iter()
            .find(|record| record.label.as_deref() == Some(project.as_str()))
            .map(server))
    }

    fn create_server(&self, request: &ServerRequest) -> Result<Provisioned, CloudError> {
        if let Some(existing) = self.find_server(&request.project)? {
            return Ok(Provisioned {
                server: existing,
                provision: Provision::Found,
            });
        }
        let authorized_keys = {
            let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
            keys.iter()
                .filter(|(fingerprint, _)| request.ssh_keys.contains(fingerprint))
                .map(|(_, line)| line.clone())
                .collect()
        };
        let options = ServerOptions {
            keep: true,
            label: Some(request.project.as_str().to_owned()),
            first_boot: FirstBoot {
                authorized_keys,
                user_data: request.user_data.clone(),
            },
            ..ServerOptions::default()
        };
        let booted = self.sandbox.server(&options).map_err(failed("create"))?;
        let record = self
            .sandbox
            .list()
            .into_iter()
            .find(|record| record.name == booted.name())
            .ok_or_else(|| CloudError::Local {
                action: "create",
                detail: format!("{} booted but left no record", booted.name()),
            })?;
        Ok(Provisioned {
            server: server(&record),
            provision: Provision::Created,
        })
    }

    fn wait_until_ready(
        &self,
        id: ServerId,
        _timeout: Duration,
        progress: &mut dyn FnMut(&WaitProgress),
    ) -> Result<Server, CloudError> {
        // A sandbox server is ready once created: booting waits for systemd and sshd.
        let record = self.record(id).ok_or_else(|| CloudError::Local {
            action: "find",
            detail: format!("there is no sandbox server {id}"),
        })?;
        let found = server(&record);
        progress(&WaitProgress {
            status: found.status.clone(),
            public_ipv4: found.public_ipv4,
            elapsed: Duration::ZERO,
        });
        if found.status == ServerStatus::Active {
            Ok(found)
        } else {
            Err(CloudError::Local {
                action: "find",
                detail: format!(
                    "{} is not running: remove it with `slipway server destroy` and create it again",
                    found.name
                ),
            })
        }
    }

    fn destroy_server(&self, id: ServerId, confirmation: &str) -> Result<(), CloudError> {
        let Some(record) = self.record(id) else {
            return Ok(());
        };
        if record.name != confirmation {
            return Err(CloudError::InvalidInput {
                field: "confirmation",
                message: format!("type the server's name, {}, to destroy it", record.name),
            });
        }
        self.sandbox
            .teardown(&record.name)
            .map_err(failed("destroy"))
    }
}
