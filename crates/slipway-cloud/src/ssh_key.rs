//! OpenSSH public keys as providers see them: the text to upload and the MD5
//! fingerprint DigitalOcean names them by.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::CloudError;

/// A public key in OpenSSH's one-line format (`ssh-ed25519 AAAA… comment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    algorithm: String,
    blob: Vec<u8>,
    comment: Option<String>,
}

impl PublicKey {
    /// Parses one line of an `.pub` file. The algorithm named in front must match the
    /// one inside the key blob, which catches keys pasted with a piece missing.
    pub fn parse(text: &str) -> Result<Self, CloudError> {
        let invalid = |why: &str| CloudError::InvalidInput {
            field: "public_key",
            message: format!(
                "{why}; expected one line like \"ssh-ed25519 AAAAC3Nza… you@laptop\", as in \
                 a .pub file"
            ),
        };
        let mut fields = text.split_whitespace();
        let (Some(algorithm), Some(encoded)) = (fields.next(), fields.next()) else {
            return Err(invalid("this is not an OpenSSH public key"));
        };
        let comment = fields.collect::<Vec<_>>().join(" ");
        let blob = STANDARD
            .decode(encoded)
            .map_err(|_| invalid("the key's base64 part is damaged"))?;
        if !whole_fields(&blob) {
            return Err(invalid("the key is incomplete (was part of it cut off?)"));
        }
        if blob_algorithm(&blob) != Some(algorithm) {
            return Err(invalid(&format!(
                "the key says it is {algorithm} but its data is not"
            )));
        }
        Ok(Self {
            algorithm: algorithm.to_owned(),
            blob,
            comment: (!comment.is_empty()).then_some(comment),
        })
    }

    /// The algorithm, e.g. `ssh-ed25519`.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The comment after the key, if any.
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// The legacy MD5 fingerprint, 16 lowercase hex bytes separated by colons: what
    /// `ssh-keygen -l -E md5` prints without its `MD5:` prefix, and how DigitalOcean
    /// identifies a key.
    pub fn md5_fingerprint(&self) -> String {
        let digest = md5::compute(&self.blob);
        let mut text = String::with_capacity(47);
        for (index, byte) in digest.0.iter().enumerate() {
            if index > 0 {
                text.push(':');
            }
            let _ = write!(text, "{byte:02x}");
        }
        text
    }

    /// Whether `other` is the same key, whatever its comment.
    pub fn same_key(&self, other: &Self) -> bool {
        self.blob == other.blob
    }

    /// The key as one OpenSSH line, with its comment.
    pub fn to_openssh(&self) -> String {
        let encoded = STANDARD.encode(&self.blob);
        match &self.comment {
            Some(comment) => format!("{} {encoded} {comment}", self.algorithm),
            None => format!("{} {encoded}", self.algorithm),
        }
    }
}

/// Whether a key blob is a whole number of SSH `string` fields (every public key
/// format is a sequence of them), so a key cut short is caught here rather than refused
/// by the provider.
fn whole_fields(blob: &[u8]) -> bool {
    let mut rest = blob;
    let mut fields = 0;
    while !rest.is_empty() {
        let Some(length) = rest.get(..4).and_then(|bytes| bytes.try_into().ok()) else {
            return false;
        };
        let Ok(length) = usize::try_from(u32::from_be_bytes(length)) else {
            return false;
        };
        let Some(next) = rest.get(4 + length..) else {
            return false;
        };
        rest = next;
        fields += 1;
    }
    fields >= 2
}

/// The algorithm name a key blob starts with (an SSH `string`: a 4-byte big-endian
/// length, then the name).
fn blob_algorithm(blob: &[u8]) -> Option<&str> {
    let length = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?);
    let end = 4_usize.checked_add(usize::try_from(length).ok()?)?;
    std::str::from_utf8(blob.get(4..end)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys made with `ssh-keygen`, and what `ssh-keygen -l -E md5` printed for them.
    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAsKjtqnN6ZHgwnwQUazN9siw1SnJkciCVAdMjQIR/Kb ada@laptop";
    const ED25519_MD5: &str = "d4:55:27:54:d7:a3:98:ff:2f:a8:bb:97:5c:ca:6d:d4";
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDa7k/Qfg3+6ewT6sbCQEBXKL18sItYoWLXi7WqIXXZ5cSN3ls/LhidW8pVXKoys6xN/Y+FmYpZVOokYCPyVDPb1WwKOjy4619LBOS4/+Da/5lV/bwOYRj29uIyIFnmFR2FSwvew/jZFl1M+qQOQXeZ6/pvg2hyPZaPry/iUmde3tc1pZdjKQ4DEZeCaBJozoPZF6eByjLJCJ10Wpd2VOQfiasAyhrEkMvKwvNnTj8usj6euQ81+XlDtYHcg8o72tbP7fww57er3YjXPhsmxwUsTf0UqYzRo0DEhbfaR3+BDC1dDDDwzu1k3GtNZkXncxLiYWr2uKIYNfXb5y7Lm7vx rsa-key";
    const RSA_MD5: &str = "c7:57:3e:72:64:6d:37:f9:d0:f6:0d:1f:30:b1:04:ac";

    #[test]
    fn fingerprints_match_ssh_keygen() {
        let ed25519 = PublicKey::parse(ED25519).expect("an ed25519 key");
        assert_eq!(ed25519.md5_fingerprint(), ED25519_MD5);
        assert_eq!(ed25519.algorithm(), "ssh-ed25519");
        assert_eq!(ed25519.comment(), Some("ada@laptop"));
        assert_eq!(ed25519.to_openssh(), ED25519);
        let rsa = PublicKey::parse(RSA).expect("an RSA key");
        assert_eq!(rsa.md5_fingerprint(), RSA_MD5);
    }

    #[test]
    fn the_comment_does_not_change_the_key() {
        let a = PublicKey::parse(ED25519).expect("a key");
        let b = PublicKey::parse(&ED25519.replace("ada@laptop", "")).expect("a key");
        assert!(a.same_key(&b));
        assert_eq!(a.md5_fingerprint(), b.md5_fingerprint());
        assert_eq!(b.comment(), None);
    }

    #[test]
    fn damaged_keys_are_explained() {
        // 48 base64 characters: decodable, but the key inside is cut short.
        let cut = &ED25519[..60];
        let broken = &ED25519[..61];
        let mislabelled = ED25519.replace("ssh-ed25519", "ssh-rsa");
        for (text, why) in [
            ("hello", "not an OpenSSH public key"),
            (cut, "incomplete"),
            (broken, "base64 part is damaged"),
            (
                mislabelled.as_str(),
                "says it is ssh-rsa but its data is not",
            ),
        ] {
            let error = PublicKey::parse(text).expect_err(text);
            let message = error.to_string();
            assert!(message.starts_with("public_key: "), "{message}");
            assert!(message.contains(why), "{message}");
        }
    }
}
