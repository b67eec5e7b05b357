//! What cloud-init does on a cloud server's first boot, for the parts a Slipway server
//! is created with: the provider's SSH keys in root's `authorized_keys`, and the host
//! key given in the user data (`ssh_keys`), so the client can pin it before it ever
//! connects.
//!
//! Only the `#cloud-config` keys Slipway writes are read: `ssh_deletekeys` and
//! `ssh_keys.ed25519_private` / `ssh_keys.ed25519_public`. Anything else in the user
//! data is left alone, as it would be by a cloud-init without the module for it.

use std::fs;
use std::path::Path;

use crate::SandboxError;

/// What a new server gets before it boots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirstBoot {
    /// Public keys (OpenSSH lines) added to root's `authorized_keys`.
    pub authorized_keys: Vec<String>,
    /// The cloud-init user data the server was created with.
    pub user_data: Option<String>,
}

/// A host key pair given in cloud-config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    /// The private key, in OpenSSH's PEM-like format.
    pub private: String,
    /// The public key line.
    pub public: String,
}

/// What the user data asks of the SSH host keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostKeys {
    /// Remove the image's host keys first (`ssh_deletekeys: true`).
    pub delete_existing: bool,
    /// The ed25519 host key to install.
    pub ed25519: Option<HostKey>,
}

impl HostKeys {
    /// Reads the `ssh_deletekeys` and `ssh_keys` entries of a `#cloud-config` document;
    /// nothing for other user data (a shell script, say).
    pub fn from_user_data(user_data: &str) -> Self {
        let mut keys = Self::default();
        if !user_data.starts_with("#cloud-config") {
            return keys;
        }
        let lines: Vec<&str> = user_data.lines().collect();
        let mut private = None;
        let mut public = None;
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let trimmed = line.trim();
            if line.starts_with("ssh_deletekeys:") {
                keys.delete_existing = trimmed.ends_with("true");
            } else if let Some(value) = trimmed.strip_prefix("ed25519_public:") {
                public = Some(unquote(value.trim()).to_owned());
            } else if trimmed == "ed25519_private: |" {
                let indent = leading_spaces(line);
                let mut block = String::new();
                while let Some(next) = lines.get(i + 1) {
                    if !next.trim().is_empty() && leading_spaces(next) <= indent {
                        break;
                    }
                    block.push_str(next.trim());
                    block.push('\n');
                    i += 1;
                }
                private = Some(block);
            }
            i += 1;
        }
        if let (Some(private), Some(public)) = (private, public) {
            keys.ed25519 = Some(HostKey { private, public });
        }
        keys
    }
}

fn leading_spaces(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// Applies `first_boot` to the root file system at `root`, before it boots.
pub(crate) fn apply(root: &Path, first_boot: &FirstBoot) -> Result<(), SandboxError> {
    if !first_boot.authorized_keys.is_empty() {
        let path = root.join("root/.ssh/authorized_keys");
        let mut text = fs::read_to_string(&path).unwrap_or_default();
        for key in &first_boot.authorized_keys {
            text.push_str(key.trim());
            text.push('\n');
        }
        fs::write(&path, text).map_err(|e| SandboxError::io(&path, e))?;
    }
    let keys = first_boot
        .user_data
        .as_deref()
        .map(HostKeys::from_user_data)
        .unwrap_or_default();
    let ssh = root.join("etc/ssh");
    if keys.delete_existing {
        for entry in fs::read_dir(&ssh).map_err(|e| SandboxError::io(&ssh, e))? {
            let path = entry.map_err(|e| SandboxError::io(&ssh, e))?.path();
            let is_host_key = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("ssh_host_"));
            if is_host_key {
                fs::remove_file(&path).map_err(|e| SandboxError::io(&path, e))?;
            }
        }
    }
    if let Some(key) = keys.ed25519 {
        let private = ssh.join("ssh_host_ed25519_key");
        super::server::write(&private, &key.private, 0o600)?;
        super::server::write(
            &ssh.join("ssh_host_ed25519_key.pub"),
            &format!("{}\n", key.public.trim()),
            0o644,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_key_is_read_from_cloud_config() {
        let user_data = "#cloud-config\n\
            ssh_deletekeys: true\n\
            ssh_genkeytypes: []\n\
            ssh_keys:\n  \
              ed25519_private: |\n    \
                -----BEGIN OPENSSH PRIVATE KEY-----\n    \
                b3BlbnNzaC1rZXktdjEAAAAA\n    \
                -----END OPENSSH PRIVATE KEY-----\n  \
              ed25519_public: \"ssh-ed25519 AAAAC3Nz host\"\n\
            disable_root: false\n";
        let keys = HostKeys::from_user_data(user_data);
        assert!(keys.delete_existing);
        assert_eq!(
            keys.ed25519,
            Some(HostKey {
                private: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n\
                          -----END OPENSSH PRIVATE KEY-----\n"
                    .into(),
                public: "ssh-ed25519 AAAAC3Nz host".into(),
            })
        );
    }

    #[test]
    fn a_script_or_a_half_key_asks_nothing() {
        assert_eq!(
            HostKeys::from_user_data("#!/bin/sh\necho hi\n"),
            HostKeys::default()
        );
        let half = "#cloud-config\nssh_keys:\n  ed25519_public: ssh-ed25519 AAAA\n";
        assert_eq!(HostKeys::from_user_data(half).ed25519, None);
    }
}
