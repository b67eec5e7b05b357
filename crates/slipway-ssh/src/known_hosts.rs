//! Host keys Slipway has seen, in OpenSSH's `known_hosts` format so people can read and
//! edit the file, and never a key accepted silently.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How an unknown host is treated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Only keys already in the file are accepted.
    KnownOnly,
    /// The first key a host shows is recorded (its fingerprint reported to the user);
    /// a different key later is refused.
    FirstUse,
    /// Only a host whose key has this fingerprint, which the user confirmed, is recorded.
    Pinned(Pin),
}

/// A fingerprint (`SHA256:…`) the user confirmed for a host not yet on record: its key
/// is recorded only if it shows exactly this one.
pub type Pin = String;

/// What the file says about a host's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The key is the one on record.
    Known,
    /// No key is on record for this host.
    Unknown,
    /// A different key is on record: `expected` is its `type base64`.
    Changed {
        /// The key on record.
        expected: String,
    },
}

/// A `known_hosts` file.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    path: PathBuf,
}

/// How the host is named in the file: `host`, or `[host]:port` off port 22.
pub fn host_pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    }
}

impl KnownHosts {
    /// The file at `path` (it need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Compares `key` (`type base64`) with what is recorded for the host.
    pub fn check(&self, host: &str, port: u16, key: &str) -> Verdict {
        let pattern = host_pattern(host, port);
        let key_type = key.split(' ').next().unwrap_or_default();
        let text = fs::read_to_string(&self.path).unwrap_or_default();
        let mut other = None;
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(hosts), Some(kind), Some(data)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if !hosts.split(',').any(|h| h == pattern) {
                continue;
            }
            if kind == key_type && format!("{kind} {data}") == key {
                return Verdict::Known;
            }
            if kind == key_type {
                other = Some(format!("{kind} {data}"));
            }
        }
        other.map_or(Verdict::Unknown, |expected| Verdict::Changed { expected })
    }

    /// Records `key` as the host's only key of its type: lines with another key of the
    /// same type for the host are dropped first. For a server whose key Slipway made
    /// itself, at an address an earlier server may have used.
    pub fn replace(&self, host: &str, port: u16, key: &str) -> std::io::Result<()> {
        let key_type = key.split(' ').next().unwrap_or_default().to_owned();
        self.rewrite(host, port, |kind| kind == key_type)?;
        self.add(host, port, key)
    }

    /// Drops every key recorded for the host (a server that was destroyed).
    pub fn forget(&self, host: &str, port: u16) -> std::io::Result<()> {
        self.rewrite(host, port, |_| true)
    }

    /// Rewrites the file without the host's lines whose key type `drop` selects. Lines
    /// naming several hosts are kept, for the other hosts' sake.
    fn rewrite(&self, host: &str, port: u16, drop: impl Fn(&str) -> bool) -> std::io::Result<()> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        let pattern = host_pattern(host, port);
        let mut kept = String::with_capacity(text.len());
        for line in text.lines() {
            let mut fields = line.split_whitespace();
            if let (Some(hosts), Some(kind)) = (fields.next(), fields.next())
                && hosts == pattern
                && drop(kind)
            {
                continue;
            }
            kept.push_str(line);
            kept.push('\n');
        }
        if kept.len() == text.len() {
            return Ok(());
        }
        let partial = self.path.with_extension("new");
        fs::write(&partial, kept)?;
        fs::rename(&partial, &self.path)
    }

    /// Records the key for the host.
    pub fn add(&self, host: &str, port: u16, key: &str) -> std::io::Result<()> {
        if let Some(parent) = self.path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        writeln!(file, "{} {key}", host_pattern(host, port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_key_is_the_only_one_and_a_forgotten_host_has_none() {
        let dir = tempfile::tempdir().expect("dir");
        let hosts = KnownHosts::new(dir.path().join("known_hosts"));
        hosts
            .add("203.0.113.5", 22, "ssh-ed25519 OLD")
            .expect("add");
        hosts.add("203.0.113.5", 22, "ssh-rsa RSA").expect("add");
        hosts
            .add("203.0.113.50", 22, "ssh-ed25519 OTHER")
            .expect("add");
        hosts
            .replace("203.0.113.5", 22, "ssh-ed25519 NEW")
            .expect("replace");
        assert_eq!(
            hosts.check("203.0.113.5", 22, "ssh-ed25519 NEW"),
            Verdict::Known
        );
        assert_eq!(
            hosts.check("203.0.113.5", 22, "ssh-ed25519 OLD"),
            Verdict::Changed {
                expected: "ssh-ed25519 NEW".into()
            }
        );
        assert_eq!(
            hosts.check("203.0.113.5", 22, "ssh-rsa RSA"),
            Verdict::Known
        );
        hosts.forget("203.0.113.5", 22).expect("forget");
        assert_eq!(
            hosts.check("203.0.113.5", 22, "ssh-ed25519 NEW"),
            Verdict::Unknown
        );
        assert_eq!(
            hosts.check("203.0.113.50", 22, "ssh-ed25519 OTHER"),
            Verdict::Known
        );
    }

    #[test]
    fn keys_are_known_unknown_or_changed() {
        let dir = tempfile::tempdir().expect("dir");
        let hosts = KnownHosts::new(dir.path().join("known_hosts"));
        assert_eq!(
            hosts.check("203.0.113.5", 22, "ssh-ed25519 AAAA1"),
            Verdict::Unknown
        );
        hosts
            .add("203.0.113.5", 22, "ssh-ed25519 AAAA1")
            .expect("add");
        hosts
            .add("example.com", 2222, "ssh-ed25519 BBBB2")
            .expect("add");
        assert_eq!(
            hosts.check("203.0.113.5", 22, "ssh-ed25519 AAAA1"),
            Verdict::Known
        );
        assert_eq!(
            hosts.check("203.0.113.5", 22, "ssh-ed25519 CCCC3"),
            Verdict::Changed {
                expected: "ssh-ed25519 AAAA1".into()
            }
        );
        assert_eq!(
            hosts.check("example.com", 2222, "ssh-ed25519 BBBB2"),
            Verdict::Known
        );
        assert_eq!(
            hosts.check("example.com", 22, "ssh-ed25519 BBBB2"),
            Verdict::Unknown
        );
        let text = fs::read_to_string(hosts.path()).expect("file");
        assert_eq!(
            text,
            "203.0.113.5 ssh-ed25519 AAAA1\n[example.com]:2222 ssh-ed25519 BBBB2\n"
        );
    }
}
