//! One disposable server: an overlay of the shared base image, booted with
//! `systemd-nspawn --boot` inside its own network namespace, reachable from the host over
//! SSH with a key made for it, its host key reported for pinning.

use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::first_boot::{self, FirstBoot};
use crate::{Sandbox, SandboxError, cmd, net, process};

/// How a server is booted.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Keep the server after the handle is dropped (until `slipway sandbox down`).
    pub keep: bool,
    /// How long to wait for systemd and sshd before giving up.
    pub boot_timeout: Duration,
    /// Fetch packages through apt-cacher-ng on the host (started if needed).
    pub apt_cache: bool,
    /// What cloud-init would set up on a cloud server: more SSH keys, a host key.
    pub first_boot: FirstBoot,
    /// A label recorded with the server, for finding it again (a project's tag).
    pub label: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            keep: false,
            boot_timeout: Duration::from_mins(1),
            apt_cache: true,
            first_boot: FirstBoot::default(),
            label: None,
        }
    }
}

/// What is recorded about a server on disk, so a later run can find and remove it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerRecord {
    /// Machine name and network namespace name, such as `sbx3`.
    pub name: String,
    /// Index that fixes the addresses: host `10.213.N.1`, server `10.213.N.2`.
    pub index: u8,
    /// The process that owns the server and its start time; `None` for a kept server.
    pub owner: Option<(u32, u64)>,
    /// The `systemd-nspawn` process.
    pub nspawn: Option<u32>,
    /// The label it was booted with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A running sandbox server. Dropping it tears the server down unless it was booted
/// with [`ServerOptions::keep`].
#[derive(Debug)]
pub struct Server {
    record: ServerRecord,
    dir: PathBuf,
    sandbox: Sandbox,
    keep: bool,
    /// The server's address, reachable from the host.
    pub address: Ipv4Addr,
    /// The host's address on the server's network (where host services listen for it).
    pub host_address: Ipv4Addr,
    /// The server's SSH host key, as an OpenSSH public key line.
    pub host_key: String,
}

impl ServerRecord {
    /// The server's address.
    pub fn address(&self) -> Ipv4Addr {
        net::addresses(self.index).1
    }

    /// Whether its container is running.
    pub fn running(&self) -> bool {
        self.nspawn.is_some_and(process::alive)
    }
}

impl Server {
    pub(crate) fn boot(sandbox: &Sandbox, options: &ServerOptions) -> Result<Self, SandboxError> {
        let base = sandbox.image()?.ensure()?;
        let (index, dir) = sandbox.reserve()?;
        let name = format!("sbx{index}");
        let record = ServerRecord {
            name: name.clone(),
            index,
            owner: if options.keep {
                None
            } else {
                Some(process::me())
            },
            nspawn: None,
            label: options.label.clone(),
        };
        write_record(&dir, &record)?;
        let (host_address, address) = net::addresses(index);
        let mut server = Self {
            record,
            dir,
            sandbox: sandbox.clone(),
            keep: options.keep,
            address,
            host_address,
            host_key: String::new(),
        };
        // Any failure from here on drops `server`, which removes what was made.
        server.prepare(&base, options)?;
        server.start()?;
        server.wait_ready(options.boot_timeout)?;
        Ok(server)
    }

    /// The server's machine name, such as `sbx3`.
    pub fn name(&self) -> &str {
        &self.record.name
    }

    /// The private key that logs in as root.
    pub fn key(&self) -> PathBuf {
        self.dir.join("id_ed25519")
    }

    /// A `known_hosts` file pinning the server's host key.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// The command a person types to log in.
    pub fn ssh_command(&self) -> String {
        format!(
            "ssh -i {} -o UserKnownHostsFile={} root@{}",
            self.key().display(),
            self.known_hosts().display(),
            self.address
        )
    }

    /// Runs a shell command on the server as root through the OpenSSH client.
    pub fn ssh(&self, script: &str) -> Result<Output, SandboxError> {
        cmd::output(self.ssh_process("root", script))
    }

    /// Runs a shell command on the server as `user`, logging in with the server's key:
    /// for servers whose root login has been turned off.
    pub fn ssh_as(&self, user: &str, script: &str) -> Result<Output, SandboxError> {
        cmd::output(self.ssh_process(user, script))
    }

    fn ssh_process(&self, user: &str, script: &str) -> Command {
        let mut command = Command::new("ssh");
        command
            .arg("-i")
            .arg(self.key())
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.known_hosts().display()
            ))
            .args([
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=2",
                "-o",
                "LogLevel=ERROR",
            ])
            .arg(format!("{user}@{}", self.address))
            .arg(script)
            .stdin(Stdio::null());
        command
    }

    /// Tears the server down now.
    pub fn down(mut self) -> Result<(), SandboxError> {
        self.keep = false;
        self.sandbox.teardown(&self.record.name)
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root")
    }

    fn prepare(&mut self, base: &Path, options: &ServerOptions) -> Result<(), SandboxError> {
        let root = self.root();
        for sub in ["upper", "work", "root"] {
            let path = self.dir.join(sub);
            fs::create_dir_all(&path).map_err(|e| SandboxError::io(&path, e))?;
        }
        let overlay = format!(
            "lowerdir={},upperdir={},workdir={}",
            base.display(),
            self.dir.join("upper").display(),
            self.dir.join("work").display()
        );
        cmd::run(
            "mount",
            [
                "-t".as_ref(),
                "overlay".as_ref(),
                "overlay".as_ref(),
                "-o".as_ref(),
                overlay.as_ref(),
                root.as_os_str(),
            ],
        )?;
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755))
            .map_err(|e| SandboxError::io(&root, e))?;

        let name = self.record.name.clone();
        write(&root.join("etc/hostname"), &format!("{name}\n"), 0o644)?;
        write(
            &root.join("etc/hosts"),
            &format!(
                "127.0.0.1 localhost\n{} {name}\n::1 localhost ip6-localhost\n",
                self.address
            ),
            0o644,
        )?;
        if options.apt_cache {
            crate::services::apt_cache::ensure(&self.sandbox.cache_dir())?;
            let port = crate::services::apt_cache::PORT;
            write(
                &root.join("etc/apt/apt.conf.d/01slipway-sandbox-proxy"),
                &format!(
                    "Acquire::http::Proxy \"http://{}:{port}\";\n",
                    self.host_address
                ),
                0o644,
            )?;
        }

        // The key the host logs in with, and fresh host keys for this server alone.
        let key = self.key();
        cmd::run(
            "ssh-keygen",
            [
                "-q".as_ref(),
                "-t".as_ref(),
                "ed25519".as_ref(),
                "-N".as_ref(),
                "".as_ref(),
                "-C".as_ref(),
                name.as_ref(),
                "-f".as_ref(),
                key.as_os_str(),
            ],
        )?;
        let public =
            fs::read_to_string(key.with_extension("pub")).map_err(|e| SandboxError::io(&key, e))?;
        write(&root.join("root/.ssh/authorized_keys"), &public, 0o600)?;
        cmd::run(
            "ssh-keygen",
            ["-A".as_ref(), "-f".as_ref(), root.as_os_str()],
        )?;
        first_boot::apply(&root, &options.first_boot)?;
        let host_key_path = root.join("etc/ssh/ssh_host_ed25519_key.pub");
        let host_key =
            fs::read_to_string(&host_key_path).map_err(|e| SandboxError::io(&host_key_path, e))?;
        let mut fields = host_key.split_whitespace();
        self.host_key = format!(
            "{} {}",
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default()
        );
        write(
            &self.known_hosts(),
            &format!("{} {}\n", self.address, self.host_key),
            0o644,
        )?;

        net::attach(&name, self.record.index)
    }

    fn start(&mut self) -> Result<(), SandboxError> {
        let console = self.dir.join("console.log");
        let log = fs::File::create(&console).map_err(|e| SandboxError::io(&console, e))?;
        let log_err = log.try_clone().map_err(|e| SandboxError::io(&console, e))?;
        let name = &self.record.name;
        let pip_cache = self.sandbox.cache_dir().join("pip");
        fs::create_dir_all(&pip_cache).map_err(|e| SandboxError::io(&pip_cache, e))?;
        let child = Command::new("systemd-nspawn")
            .arg("-D")
            .arg(self.root())
            .args(["--boot", "--keep-unit", "--register=no", "--quiet"])
            .arg(format!("--machine={name}"))
            .arg(format!("--network-namespace-path=/run/netns/{name}"))
            // The namespace is the server's own, so its firewall (ufw, nftables) may
            // change it as on a real server.
            .arg("--capability=CAP_NET_ADMIN")
            .arg("--resolv-conf=copy-host")
            .arg("--timezone=off")
            .arg("--console=read-only")
            // Power off at once on SIGTERM: these servers hold nothing worth a clean stop.
            .arg("--kill-signal=SIGRTMIN+14")
            .arg(format!("--bind={}:/root/.cache/pip", pip_cache.display()))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|source| SandboxError::Spawn {
                command: "systemd-nspawn".into(),
                source,
            })?;
        self.record.nspawn = Some(child.id());
        write_record(&self.dir, &self.record)?;
        // The child is reaped by whoever tears the server down (by pid), not by this handle.
        std::mem::forget(child);
        Ok(())
    }

    fn wait_ready(&self, timeout: Duration) -> Result<(), SandboxError> {
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.boot_failure(format!("not ready after {} s", timeout.as_secs())));
            }
            if self.record.nspawn.is_some_and(|pid| !process::alive(pid)) {
                return Err(self.boot_failure("the container stopped".into()));
            }
            let mut probe = self.ssh_process("root", "systemctl is-system-running --wait");
            probe.stdout(Stdio::piped()).stderr(Stdio::null());
            let output = probe.output().map_err(|source| SandboxError::Spawn {
                command: "ssh".into(),
                source,
            })?;
            let state = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            match state.as_str() {
                "running" | "degraded" => return Ok(()),
                "" => sleep(Duration::from_millis(100)),
                other => return Err(self.boot_failure(format!("systemd reports {other}"))),
            }
        }
    }

    fn boot_failure(&self, reason: String) -> SandboxError {
        let log = fs::read_to_string(self.dir.join("console.log")).unwrap_or_default();
        SandboxError::Boot {
            name: self.record.name.clone(),
            reason,
            console: cmd::tail(&log, 30),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.keep {
            let _ = self.sandbox.teardown(&self.record.name);
        }
    }
}

pub(crate) fn write(path: &Path, contents: &str, mode: u32) -> Result<(), SandboxError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| SandboxError::io(parent, e))?;
    }
    fs::write(path, contents).map_err(|e| SandboxError::io(path, e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| SandboxError::io(path, e))
}

pub(crate) fn write_record(dir: &Path, record: &ServerRecord) -> Result<(), SandboxError> {
    let path = dir.join("state.json");
    let json =
        serde_json::to_string_pretty(record).map_err(|e| SandboxError::io(&path, e.into()))?;
    fs::write(&path, json).map_err(|e| SandboxError::io(&path, e))
}

pub(crate) fn read_record(dir: &Path) -> Option<ServerRecord> {
    serde_json::from_str(&fs::read_to_string(dir.join("state.json")).ok()?).ok()
}
