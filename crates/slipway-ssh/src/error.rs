//! Connection failures, each explained in plain language with what to do next.

use std::path::PathBuf;

/// Why Slipway could not reach or log in to a server.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// The host name does not resolve.
    #[error(
        "cannot find {host}: the name does not resolve. Check server.host for typos, or that its DNS record exists."
    )]
    UnknownName {
        /// The host as configured.
        host: String,
    },
    /// Nothing accepts connections on the port.
    #[error(
        "{host}:{port} refused the connection: nothing is listening for SSH there. Check server.port, and that sshd is running on the server."
    )]
    Refused {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
    /// No answer at all.
    #[error(
        "{host}:{port} did not answer within {seconds} s: the server may be off, or a firewall drops SSH traffic."
    )]
    Timeout {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        /// How long Slipway waited.
        seconds: u64,
    },
    /// Another network failure while connecting.
    #[error("could not connect to {host}:{port}: {reason}")]
    Network {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        /// What the system said.
        reason: String,
    },
    /// The server refused every key offered.
    #[error(
        "{host} did not accept {offered} for user {user}. Add the public key to ~{user}/.ssh/authorized_keys on the server, or choose the key that is there."
    )]
    AuthRejected {
        /// The host.
        host: String,
        /// The user.
        user: String,
        /// Which keys were offered, by fingerprint and origin.
        offered: String,
    },
    /// The agent holds no key to offer.
    #[error(
        "ssh-agent holds no keys to log in to {host} with: add yours with ssh-add, or set server.key"
    )]
    AgentEmpty {
        /// The host.
        host: String,
    },
    /// The key file could not be read.
    #[error("cannot read the SSH key {path}: {reason}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The server's host key differs from the one on record.
    #[error(
        "the host key of {host} has CHANGED: Slipway knew {expected_fingerprint}, the server now shows {fingerprint}. Someone may be intercepting the connection, or the server was rebuilt. Check the new fingerprint on the server's console; if it is right, remove the old line for {host} from {known_hosts}."
    )]
    HostKeyChanged {
        /// The host.
        host: String,
        /// Fingerprint on record.
        expected_fingerprint: String,
        /// Fingerprint shown now.
        fingerprint: String,
        /// The file holding the old key.
        known_hosts: PathBuf,
    },
    /// The host is not on record and only known hosts are trusted.
    #[error(
        "{host} is not a known host (its key is {fingerprint}). Confirm the fingerprint, then trust it to continue."
    )]
    HostKeyUnknown {
        /// The host.
        host: String,
        /// The fingerprint it shows.
        fingerprint: String,
    },
    /// The connection failed after it was set up.
    #[error("the SSH connection to {host} failed: {reason}")]
    Protocol {
        /// The host.
        host: String,
        /// What russh said.
        reason: String,
    },
}
