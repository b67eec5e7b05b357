//! Real, disposable Debian servers for Slipway's tests, benchmarks and first tries, and
//! the local stand-ins for the internet services a deploy talks to.
//!
//! A server is a Debian 12 root filesystem booted with `systemd-nspawn --boot`: systemd
//! as PID 1, OpenSSH, apt, its own address on its own network namespace, NAT to the
//! package mirrors. It behaves like a fresh cloud server and disappears when its
//! [`Server`] handle is dropped. Runs that were killed leave records behind, which the
//! next [`Sandbox`] call reaps, so a crashed test never poisons the next one.
//!
//! Needs Linux and root, as CI and the developers' machines have.
//!
//! # Layout
//! - [`first_boot`]: what cloud-init sets up on a new cloud server (keys).
//! - [`image`]: the root filesystem, built once with debootstrap and cached.
//! - [`server`]: booting, reaching and tearing down one server.
//! - `net`: namespaces, veth pairs, addresses and NAT rules.

pub mod first_boot;
pub mod image;
pub mod server;
pub mod services;

mod cmd;
mod net;
mod process;

use std::fs;
use std::path::{Path, PathBuf};

pub use first_boot::FirstBoot;
pub use image::Image;
pub use server::{Server, ServerOptions, ServerRecord};

/// Where the sandbox keeps its cache and its servers' state when nothing else is said.
pub const DEFAULT_DIR: &str = "/var/lib/slipway-sandbox";

/// Why a sandbox operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Sandbox servers need root (namespaces, mounts, iptables).
    #[error("sandbox servers need root: run as root (CI does)")]
    NotRoot,
    /// A program the sandbox needs is not installed.
    #[error("{program} is not installed: apt-get install {package}")]
    Missing {
        /// The program.
        program: &'static str,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// A program could not be started.
    #[error("could not run {command}: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A program failed.
    #[error("`{command}` failed (exit {status:?}): {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// Its exit code, if it exited.
        status: Option<i32>,
        /// The end of what it printed on stderr.
        stderr: String,
    },
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A server did not come up.
    #[error("sandbox server {name} did not boot: {reason}\n--- console ---\n{console}")]
    Boot {
        /// The server.
        name: String,
        /// What went wrong.
        reason: String,
        /// The end of its console output.
        console: String,
    },
    /// Every address block is in use.
    #[error("all {0} sandbox server slots are in use: run `slipway sandbox down --all`")]
    Full(u8),
    /// No server has that name.
    #[error("there is no sandbox server named {0}")]
    Unknown(String),
}

impl SandboxError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// The most servers at once (one /24 each under 10.213.0.0/16).
const MAX_SERVERS: u8 = 250;

/// Tools the host needs, with the Debian package of each.
const HOST_TOOLS: &[(&str, &str)] = &[
    ("systemd-nspawn", "systemd-container"),
    ("ip", "iproute2"),
    ("iptables", "iptables"),
    ("ssh", "openssh-client"),
    ("ssh-keygen", "openssh-client"),
    ("dbus-daemon", "dbus"),
    ("debootstrap", "debootstrap"),
];

/// A place on this machine where sandbox servers are made and recorded.
#[derive(Debug, Clone)]
pub struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    /// The sandbox in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The sandbox in `$SLIPWAY_SANDBOX_DIR`, or [`DEFAULT_DIR`].
    pub fn from_env() -> Self {
        Self::new(
            std::env::var_os("SLIPWAY_SANDBOX_DIR")
                .map_or_else(|| DEFAULT_DIR.into(), PathBuf::from),
        )
    }

    /// Where images and download caches live.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join("cache")
    }

    fn servers_dir(&self) -> PathBuf {
        self.dir.join("servers")
    }

    /// The image servers boot from.
    pub fn image(&self) -> Result<Image, SandboxError> {
        Image::bookworm(&self.cache_dir())
    }

    /// Boots a fresh server and waits until systemd and sshd are ready.
    pub fn server(&self, options: &ServerOptions) -> Result<Server, SandboxError> {
        prepare_host()?;
        self.reap();
        Server::boot(self, options)
    }
}

/// Checks the host, starts the system D-Bus nspawn needs, enables forwarding.
fn prepare_host() -> Result<(), SandboxError> {
    let uid = fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .map(|l| l.split_whitespace().nth(1).unwrap_or("").to_owned())
    });
    if uid.as_deref() != Some("0") {
        return Err(SandboxError::NotRoot);
    }
    for (program, package) in HOST_TOOLS {
        if !cmd::exists(program) {
            return Err(SandboxError::Missing { program, package });
        }
    }
    if !Path::new("/run/dbus/system_bus_socket").exists() {
        fs::create_dir_all("/run/dbus").map_err(|e| SandboxError::io(Path::new("/run/dbus"), e))?;
        cmd::run("dbus-daemon", ["--system", "--fork"])?;
    }
    let forward = Path::new("/proc/sys/net/ipv4/ip_forward");
    if fs::read_to_string(forward).map_or(true, |v| v.trim() != "1") {
        fs::write(forward, "1").map_err(|e| SandboxError::io(forward, e))?;
    }
    Ok(())
}

impl Sandbox {
    /// Picks the lowest free index and creates its folder, under a lock.
    pub(crate) fn reserve(&self) -> Result<(u8, PathBuf), SandboxError> {
        let servers = self.servers_dir();
        fs::create_dir_all(&servers).map_err(|e| SandboxError::io(&servers, e))?;
        let lock_path = self.dir.join("servers.lock");
        let lock = fs::File::create(&lock_path).map_err(|e| SandboxError::io(&lock_path, e))?;
        lock.lock().map_err(|e| SandboxError::io(&lock_path, e))?;
        for index in 1..=MAX_SERVERS {
            let dir = servers.join(format!("sbx{index}"));
            let in_use = dir.exists() || Path::new(&format!("/run/netns/sbx{index}")).exists();
            if !in_use {
                fs::create_dir(&dir).map_err(|e| SandboxError::io(&dir, e))?;
                return Ok((index, dir));
            }
        }
        Err(SandboxError::Full(MAX_SERVERS))
    }

    /// The OpenSSH client arguments that log in to server `name` as root, pinned to its
    /// host key.
    pub fn ssh_args(&self, name: &str) -> Result<Vec<String>, SandboxError> {
        let dir = self.servers_dir().join(name);
        let record =
            server::read_record(&dir).ok_or_else(|| SandboxError::Unknown(name.to_owned()))?;
        let (_, address) = net::addresses(record.index);
        Ok(vec![
            "-i".into(),
            dir.join("id_ed25519").display().to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", dir.join("known_hosts").display()),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            format!("root@{address}"),
        ])
    }

    /// Every server recorded here.
    pub fn list(&self) -> Vec<ServerRecord> {
        let mut records: Vec<ServerRecord> = fs::read_dir(self.servers_dir())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| server::read_record(&entry.path()))
            .collect();
        records.sort_by_key(|r| r.index);
        records
    }

    /// Removes servers whose owner is gone (or whose container died), and any namespace
    /// or rule no recorded server owns. Returns the names removed.
    pub fn reap(&self) -> Vec<String> {
        let mut reaped = Vec::new();
        let mut known = Vec::new();
        for entry in fs::read_dir(self.servers_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let record = server::read_record(&entry.path());
            let orphan = match &record {
                None => true,
                Some(r) => match r.owner {
                    Some(owner) => !process::still_running(owner),
                    None => r.nspawn.is_some_and(|pid| !process::alive(pid)),
                },
            };
            // A folder without a record may be a reservation in progress: leave young ones.
            let young = record.is_none()
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|e| e.as_secs() < 60));
            if orphan && !young {
                let _ = self.teardown(&name);
                reaped.push(name);
            } else {
                known.push(name);
            }
        }
        for entry in fs::read_dir("/run/netns").into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("sbx")
                && !known.contains(&name)
                && !reaped.contains(&name)
                && !self.booting(&name)
            {
                net::detach(&name);
                reaped.push(name);
            }
        }
        for (_, rule) in net::rules() {
            if let Some(name) = net::rule_owner(&rule)
                && !known.contains(&name)
                && !self.booting(&name)
            {
                net::detach(&name);
                if !reaped.contains(&name) {
                    reaped.push(name);
                }
            }
        }
        reaped
    }

    /// Whether server `name` has a folder now: another process may have reserved it after
    /// the scan above, and be making its namespace and rules this very moment. A folder
    /// comes before its namespace, so a namespace without one is a leftover.
    fn booting(&self, name: &str) -> bool {
        self.servers_dir().join(name).exists()
    }

    /// Stops a server and removes everything it had: container, namespace, veth, rules,
    /// overlay mount and files.
    pub fn teardown(&self, name: &str) -> Result<(), SandboxError> {
        let dir = self.servers_dir().join(name);
        if !dir.exists() && !Path::new(&format!("/run/netns/{name}")).exists() {
            return Err(SandboxError::Unknown(name.to_owned()));
        }
        if let Some(pid) = server::read_record(&dir).and_then(|r| r.nspawn) {
            stop(pid);
        }
        net::detach(name);
        let root = dir.join("root");
        if is_mounted(&root) {
            cmd::quietly("umount", [root.as_os_str()]);
            if is_mounted(&root) {
                cmd::quietly("umount", ["-l".as_ref(), root.as_os_str()]);
            }
        }
        fs::remove_dir_all(&dir).map_err(|e| SandboxError::io(&dir, e))
    }
}

/// SIGTERM to nspawn (which powers the container off at once), SIGKILL after 3 s.
fn stop(pid: u32) {
    if !process::alive(pid) {
        return;
    }
    cmd::quietly("kill", ["-TERM", &pid.to_string()]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while process::alive(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    if process::alive(pid) {
        cmd::quietly("kill", ["-KILL", &pid.to_string()]);
    }
}

fn is_mounted(path: &Path) -> bool {
    let target = path.to_string_lossy();
    fs::read_to_string("/proc/self/mounts").is_ok_and(|mounts| {
        mounts
            .lines()
            .any(|line| line.split(' ').nth(1) == Some(&*target))
    })
}
