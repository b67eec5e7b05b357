//! SSH key pairs Slipway makes for a project: ed25519, the private half kept only in
//! the keychain and in memory, the public half shown to the user and given to servers.

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData};
use russh::keys::{HashAlg, PrivateKey};
use slipway_secrets::Secret;

use crate::error::SshError;

/// A new key pair.
pub struct KeyPair {
    /// The private key in OpenSSH format, for the keychain.
    pub private: Secret<String>,
    /// The public key as an `authorized_keys` line, with the comment.
    pub public: String,
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
}

/// Makes an ed25519 key pair whose public line ends with `comment` (such as
/// `slipway shop`), from the operating system's random source.
pub fn generate(comment: &str) -> Result<KeyPair, SshError> {
    let mut seed = zeroize::Zeroizing::new([0_u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| invalid(format!("no random source: {e}")))?;
    let pair = Ed25519Keypair::from_seed(&seed);
    let key =
        PrivateKey::new(KeypairData::from(pair), comment).map_err(|e| invalid(e.to_string()))?;
    let private = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| invalid(e.to_string()))?;
    let (public, fingerprint) = describe(&key)?;
    Ok(KeyPair {
        private: Secret::new(private.to_string()),
        public,
        fingerprint,
    })
}

/// The public line and fingerprint of a private key held in memory.
pub fn public_half(private: &Secret<String>) -> Result<(String, String), SshError> {
    describe(&parse(private)?)
}

/// Reads a private key held in memory; the error never quotes it.
pub(crate) fn parse(private: &Secret<String>) -> Result<PrivateKey, SshError> {
    PrivateKey::from_openssh(private.expose().as_bytes()).map_err(|e| {
        invalid(format!(
            "it is not an OpenSSH private key without a passphrase ({e})"
        ))
    })
}

/// The `SHA256:…` fingerprint of a public key given as `type base64 [comment]`.
pub fn fingerprint(public: &str) -> Result<String, SshError> {
    let key = russh::keys::ssh_key::PublicKey::from_openssh(public.trim())
        .map_err(|e| invalid(format!("it is not an OpenSSH public key ({e})")))?;
    Ok(key.fingerprint(HashAlg::Sha256).to_string())
}

fn describe(key: &PrivateKey) -> Result<(String, String), SshError> {
    let public = key
        .public_key()
        .to_openssh()
        .map_err(|e| invalid(e.to_string()))?;
    let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
    Ok((public, fingerprint))
}

fn invalid(reason: String) -> SshError {
    SshError::Key {
        path: "the keychain".into(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_line_has_the_fingerprint_of_its_private_half() {
        let pair = generate("fingerprint test").expect("a key");
        assert_eq!(fingerprint(&pair.public).expect("parses"), pair.fingerprint);
        assert!(fingerprint("ssh-ed25519 not-base64").is_err());
    }

    #[test]
    fn a_generated_key_reads_back_to_the_same_public_half() {
        let pair = generate("slipway shop").expect("a key");
        assert!(
            pair.public.starts_with("ssh-ed25519 AAAA"),
            "{}",
            pair.public
        );
        assert!(pair.public.ends_with(" slipway shop"), "{}", pair.public);
        assert!(pair.fingerprint.starts_with("SHA256:"));
        assert!(
            pair.private
                .expose()
                .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----")
        );
        assert_eq!(
            public_half(&pair.private).expect("parses"),
            (pair.public.clone(), pair.fingerprint.clone())
        );
        let other = generate("slipway shop").expect("a key");
        assert_ne!(
            other.fingerprint, pair.fingerprint,
            "keys come from randomness"
        );
    }

    #[test]
    fn a_bad_key_is_refused_without_quoting_it() {
        let error = public_half(&Secret::new("not-a-key-canary-1234".to_owned()))
            .expect_err("refused")
            .to_string();
        assert!(!error.contains("canary"), "{error}");
        assert!(error.contains("not an OpenSSH private key"), "{error}");
    }
}
