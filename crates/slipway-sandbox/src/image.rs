//! The Debian root filesystem every sandbox server boots from: built once with
//! debootstrap, kept as an archive, unpacked once into a read-only base that servers
//! share through overlayfs.
//!
//! The cache key is a hash of the whole recipe (suite, packages, files written into the
//! image, the host's CA certificates), so changing any of them builds a new image and
//! nothing else does. Builders take a file lock, so concurrent test binaries wait for
//! one build instead of corrupting the cache.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::SandboxError;
use crate::cmd;

/// Packages on top of debootstrap's minimal base: what a fresh cloud server has.
const PACKAGES: &[&str] = &[
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "sudo",
    "iproute2",
    "ca-certificates",
    "python3",
];

/// Folder holding extra CA certificates the host trusts (its egress proxy signs with
/// one), copied into the image so apt and pip inside verify the same way.
const HOST_CA_DIR: &str = "/usr/local/share/ca-certificates";

/// Files written into the image: (path, contents, mode).
const FILES: &[(&str, &str, u32)] = &[
    (
        "etc/ssh/sshd_config.d/slipway-sandbox.conf",
        "# Key-only root login, as on a fresh cloud server.\n\
         PermitRootLogin prohibit-password\n\
         PasswordAuthentication no\n\
         UseDNS no\n",
        0o644,
    ),
    ("etc/machine-id", "", 0o444),
    ("etc/hostname", "sandbox\n", 0o644),
];

/// Shell run inside the image (chroot) after the files are written.
const SETUP: &str = "set -e
rm -f /etc/ssh/ssh_host_*
mkdir -p -m 0700 /root/.ssh
update-ca-certificates >/dev/null
systemctl enable ssh.service >/dev/null 2>&1
# The network is configured from the host before boot; nothing inside waits for it.
systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1
apt-get clean
rm -rf /var/lib/apt/lists/*
";

/// The recipe of one image, and where its artefacts live in the cache.
#[derive(Debug, Clone)]
pub struct Image {
    /// Debian suite.
    pub suite: &'static str,
    cache: PathBuf,
    key: String,
    host_certificates: Vec<(String, Vec<u8>)>,
}

impl Image {
    /// The Debian 12 image, cached under `cache`.
    pub fn bookworm(cache: &Path) -> Result<Self, SandboxError> {
        let host_certificates = host_certificates()?;
        let mut hasher = Sha256::new();
        hasher.update(b"bookworm\0");
        for package in PACKAGES {
            hasher.update(package.as_bytes());
            hasher.update(b"\0");
        }
        for (path, contents, mode) in FILES {
            hasher.update(format!("{path}\0{mode:o}\0{contents}\0").as_bytes());
        }
        hasher.update(SETUP.as_bytes());
        for (name, bytes) in &host_certificates {
            hasher.update(name.as_bytes());
            hasher.update(bytes);
        }
        let digest = hasher.finalize();
        let mut key = String::new();
        for byte in &digest[..6] {
            let _ = write!(key, "{byte:02x}");
        }
        Ok(Self {
            suite: "bookworm",
            cache: cache.to_owned(),
            key,
            host_certificates,
        })
    }

    /// The archive kept in the cache.
    pub fn archive(&self) -> PathBuf {
        self.cache.join(format!("{}-{}.tar", self.suite, self.key))
    }

    /// The unpacked, read-only base that servers overlay.
    pub fn base(&self) -> PathBuf {
        self.cache.join(format!("{}-{}", self.suite, self.key))
    }

    /// Builds the archive if missing, unpacks the base if missing, and returns the base.
    /// Safe to call from several processes at once.
    pub fn ensure(&self) -> Result<PathBuf, SandboxError> {
        fs::create_dir_all(&self.cache).map_err(|e| SandboxError::io(&self.cache, e))?;
        let lock_path = self.cache.join("image.lock");
        let lock = fs::File::create(&lock_path).map_err(|e| SandboxError::io(&lock_path, e))?;
        lock.lock().map_err(|e| SandboxError::io(&lock_path, e))?;
        if !self.archive().is_file() {
            self.build()?;
        }
        let base = self.base();
        if !base.join(".complete").is_file() {
            self.unpack(&base)?;
        }
        Ok(base)
    }

    fn build(&self) -> Result<(), SandboxError> {
        if !cmd::exists("debootstrap") {
            return Err(SandboxError::Missing {
                program: "debootstrap",
                package: "debootstrap",
            });
        }
        let work = self.cache.join(format!("build-{}", std::process::id()));
        let _ = fs::remove_dir_all(&work);
        let root = work.join("root");
        fs::create_dir_all(&root).map_err(|e| SandboxError::io(&root, e))?;
        let result = self.build_in(&work, &root);
        let _ = fs::remove_dir_all(&work);
        result
    }

    fn build_in(&self, work: &Path, root: &Path) -> Result<(), SandboxError> {
        let include = format!("--include={}", PACKAGES.join(","));
        cmd::run(
            "debootstrap",
            [
                "--variant=minbase".as_ref(),
                include.as_ref(),
                self.suite.as_ref(),
                root.as_os_str(),
                "http://deb.debian.org/debian".as_ref(),
            ],
        )?;
        for (path, contents, mode) in FILES {
            let target = root.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|e| SandboxError::io(parent, e))?;
            }
            fs::write(&target, contents).map_err(|e| SandboxError::io(&target, e))?;
            fs::set_permissions(&target, fs::Permissions::from_mode(*mode))
                .map_err(|e| SandboxError::io(&target, e))?;
        }
        let certificates = root.join(HOST_CA_DIR.trim_start_matches('/'));
        fs::create_dir_all(&certificates).map_err(|e| SandboxError::io(&certificates, e))?;
        for (name, bytes) in &self.host_certificates {
            let target = certificates.join(name);
            fs::write(&target, bytes).map_err(|e| SandboxError::io(&target, e))?;
        }
        cmd::run(
            "chroot",
            [
                root.as_os_str(),
                "/bin/sh".as_ref(),
                "-c".as_ref(),
                SETUP.as_ref(),
            ],
        )?;
        // Non-root daemons inside fail to start when / is not world-readable.
        fs::set_permissions(root, fs::Permissions::from_mode(0o755))
            .map_err(|e| SandboxError::io(root, e))?;
        let partial = work.join("image.tar");
        tar(&[
            "-C".as_ref(),
            root.as_os_str(),
            "-cf".as_ref(),
            partial.as_os_str(),
            ".".as_ref(),
        ])?;
        fs::rename(&partial, self.archive()).map_err(|e| SandboxError::io(&self.archive(), e))
    }

    fn unpack(&self, base: &Path) -> Result<(), SandboxError> {
        let _ = fs::remove_dir_all(base);
        fs::create_dir_all(base).map_err(|e| SandboxError::io(base, e))?;
        tar(&[
            "-C".as_ref(),
            base.as_os_str(),
            "-xf".as_ref(),
            self.archive().as_os_str(),
        ])?;
        fs::set_permissions(base, fs::Permissions::from_mode(0o755))
            .map_err(|e| SandboxError::io(base, e))?;
        let marker = base.join(".complete");
        fs::write(&marker, "").map_err(|e| SandboxError::io(&marker, e))
    }
}

/// Runs tar keeping numeric owners and extended attributes (file capabilities).
fn tar(args: &[&std::ffi::OsStr]) -> Result<(), SandboxError> {
    let mut all: Vec<&std::ffi::OsStr> = vec![
        "--numeric-owner".as_ref(),
        "--xattrs".as_ref(),
        "--xattrs-include=*".as_ref(),
    ];
    all.extend_from_slice(args);
    cmd::run("tar", all).map(drop)
}

/// The host's extra CA certificates, sorted by name.
fn host_certificates() -> Result<Vec<(String, Vec<u8>)>, SandboxError> {
    let Ok(entries) = fs::read_dir(HOST_CA_DIR) else {
        return Ok(Vec::new());
    };
    let mut certificates = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".crt") {
            let bytes = fs::read(entry.path()).map_err(|e| SandboxError::io(&entry.path(), e))?;
            certificates.push((name, bytes));
        }
    }
    certificates.sort();
    Ok(certificates)
}
