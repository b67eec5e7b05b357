//! SSH for Slipway: the russh implementation of the engine's [`Remote`].
//!
//! One connection serves a whole run (each script is a channel on it). Host keys are
//! checked against a `known_hosts` file, trusted on first use with the fingerprint
//! reported, and refused loudly when they change. Failures are explained in plain
//! language: the name does not resolve, the port refuses, nothing answers, the key was
//! rejected (which user, which key), the host key changed.
//!
//! # Layout
//! - [`known_hosts`]: reading and recording host keys.
//! - [`keys`]: ed25519 key pairs whose private half lives in the keychain.
//! - [`error`]: [`SshError`], one variant per cause a person can act on.

pub mod error;
pub mod keys;
pub mod known_hosts;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::{
    HashAlg, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate, load_secret_key,
};
use russh::{ChannelMsg, Disconnect};
use slipway_engine::{Exit, Remote, RemoteError, Stream, quote};
use slipway_secrets::Secret;

pub use error::SshError;
pub use known_hosts::{KnownHosts, Trust, Verdict};

/// Where to connect, and as whom.
#[derive(Debug, Clone)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// SSH port.
    pub port: u16,
    /// Login user; anyone but root runs commands through `sudo -n`.
    pub user: String,
}

/// How to prove who we are.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A private key file (OpenSSH format, no passphrase).
    KeyFile(PathBuf),
    /// The keys held by the ssh-agent listening on this socket (`SSH_AUTH_SOCK`).
    Agent(PathBuf),
    /// A private key (OpenSSH format) held in memory, from the keychain; never written
    /// to disk.
    Key(Secret<String>),
}

/// What happened to the server's host key during the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyEvent {
    /// It matched the record.
    Known,
    /// It was new and is now recorded; the user should see this fingerprint.
    Trusted {
        /// `SHA256:…` fingerprint.
        fingerprint: String,
    },
}

struct Checker {
    target: Target,
    known: KnownHosts,
    trust: Trust,
    outcome: Arc<Mutex<Option<Result<HostKeyEvent, SshError>>>>,
}

fn openssh_line(key: &PublicKey) -> String {
    let text = key.to_openssh().unwrap_or_default();
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn fingerprint_of_line(line: &str) -> String {
    PublicKey::from_openssh(line).map_or_else(
        |_| "an unreadable key".to_owned(),
        |k| k.fingerprint(HashAlg::Sha256).to_string(),
    )
}

impl client::Handler for Checker {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = server else {
            return Ok(false);
        };
        let line = openssh_line(key);
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let Target { host, port, .. } = &self.target;
        let outcome = match self.known.check(host, *port, &line) {
            Verdict::Known => Ok(HostKeyEvent::Known),
            Verdict::Changed { expected } => Err(SshError::HostKeyChanged {
                host: host.clone(),
                expected_fingerprint: fingerprint_of_line(&expected),
                fingerprint,
                known_hosts: self.known.path().to_owned(),
            }),
            Verdict::Unknown
                if self.trust == Trust::FirstUse
                    || self.trust == Trust::Pinned(fingerprint.clone()) =>
            {
                match self.known.add(host, *port, &line) {
                    Ok(()) => Ok(HostKeyEvent::Trusted { fingerprint }),
                    Err(error) => Err(SshError::Key {
                        path: self.known.path().to_owned(),
                        reason: format!("cannot record the host key: {error}"),
                    }),
                }
            }
            Verdict::Unknown => Err(SshError::HostKeyUnknown {
                host: host.clone(),
                fingerprint,
            }),
        };
        let accepted = outcome.is_ok();
        *self
            .outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(outcome);
        Ok(accepted)
    }
}

/// An open SSH connection to one server.
pub struct SshRemote {
    runtime: tokio::runtime::Runtime,
    handle: Handle<Checker>,
    target: Target,
    /// What happened to the host key when connecting.
    pub host_key: HostKeyEvent,
    login_key: String,
    /// Scripts run so far on this connection: its round trips after logging in.
    pub runs: usize,
}

impl SshRemote {
    /// Connects and logs in, waiting at most `timeout` for the server to answer.
    pub fn connect(
        target: &Target,
        credentials: &Credentials,
        known: &KnownHosts,
        trust: &Trust,
        timeout: Duration,
    ) -> Result<Self, SshError> {
        Self::connect_as_first_of(
            target,
            std::slice::from_ref(&target.user),
            credentials,
            known,
            trust,
            timeout,
        )
    }

    /// Connects and logs in as the first of `users` the server accepts, such as the
    /// deploy user before the root login that created it. A server refuses a change of
    /// user within one connection, so each user costs a connection; the host key is
    /// checked on the first, and [`SshRemote::host_key`] says what happened to it there.
    pub fn connect_as_first_of(
        target: &Target,
        users: &[String],
        credentials: &Credentials,
        known: &KnownHosts,
        trust: &Trust,
        timeout: Duration,
    ) -> Result<Self, SshError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SshError::Protocol {
                host: target.host.clone(),
                reason: e.to_string(),
            })?;
        let mut host_key = None;
        for (index, user) in users.iter().enumerate() {
            let target = Target {
                user: user.clone(),
                ..target.clone()
            };
            let (handle, event, login_key) = match runtime.block_on(connect(
                &target,
                credentials,
                known.clone(),
                trust.clone(),
                timeout,
            )) {
                Ok(connected) => connected,
                Err(Failed::Auth(error, event)) => {
                    host_key.get_or_insert(event);
                    if index + 1 < users.len() {
                        continue;
                    }
                    return Err(error);
                }
                Err(Failed::Other(error)) => return Err(error),
            };
            return Ok(Self {
                runtime,
                handle,
                target,
                host_key: host_key.unwrap_or(event),
                login_key,
                runs: 0,
            });
        }
        Err(SshError::Protocol {
            host: target.host.clone(),
            reason: "no user to log in as".into(),
        })
    }

    /// The user this connection is logged in as.
    pub fn user(&self) -> &str {
        &self.target.user
    }

    /// The public key that logged in, as an `authorized_keys` line (`ssh-ed25519 AAAA…`).
    pub fn login_key(&self) -> &str {
        &self.login_key
    }

    /// The command line a script runs as: `sh -c` for root, `sudo -n sh -c` otherwise.
    fn wrap(&self, script: &str) -> Result<String, RemoteError> {
        let quoted = quote(script).map_err(|e| RemoteError::Connection(e.to_string()))?;
        Ok(if self.target.user == "root" {
            format!("sh -c {quoted}")
        } else {
            format!("sudo -n sh -c {quoted}")
        })
    }
}

impl Drop for SshRemote {
    fn drop(&mut self) {
        let _ = self
            .runtime
            .block_on(self.handle.disconnect(Disconnect::ByApplication, "", "en"));
    }
}

/// Why a connection failed: its key was refused (after the host key was checked), or
/// anything else.
enum Failed {
    Auth(SshError, HostKeyEvent),
    Other(SshError),
}

impl From<SshError> for Failed {
    fn from(error: SshError) -> Self {
        Self::Other(error)
    }
}

async fn connect(
    target: &Target,
    credentials: &Credentials,
    known: KnownHosts,
    trust: Trust,
    timeout: Duration,
) -> Result<(Handle<Checker>, HostKeyEvent, String), Failed> {
    let stream = open_tcp(target, timeout).await?;
    let (mut handle, host_key) = handshake(target, stream, known, trust, timeout).await?;
    match authenticate(target, &mut handle, credentials).await {
        Ok(key) => Ok((handle, host_key, key)),
        Err(error @ SshError::AuthRejected { .. }) => Err(Failed::Auth(error, host_key)),
        Err(error) => Err(Failed::Other(error)),
    }
}

/// Resolves the host and opens the TCP connection, telling apart the causes of failure.
async fn open_tcp(target: &Target, timeout: Duration) -> Result<tokio::net::TcpStream, SshError> {
    let Target { host, port, .. } = target;
    let addresses: Vec<_> = tokio::net::lookup_host((host.as_str(), *port))
        .await
        .map_err(|_| SshError::UnknownName { host: host.clone() })?
        .collect();
    let Some(address) = addresses.first() else {
        return Err(SshError::UnknownName { host: host.clone() });
    };
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(address)).await {
        Err(_) => Err(SshError::Timeout {
            host: host.clone(),
            port: *port,
            seconds: timeout.as_secs(),
        }),
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(SshError::Refused {
                host: host.clone(),
                port: *port,
            })
        }
        Ok(Err(error)) => Err(SshError::Network {
            host: host.clone(),
            port: *port,
            reason: error.to_string(),
        }),
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
    }
}

/// The SSH handshake, with the host key checked against `known`.
async fn handshake(
    target: &Target,
    stream: tokio::net::TcpStream,
    known: KnownHosts,
    trust: Trust,
    timeout: Duration,
) -> Result<(Handle<Checker>, HostKeyEvent), SshError> {
    let Target { host, port, .. } = target;
    let outcome = Arc::new(Mutex::new(None));
    let checker = Checker {
        target: target.clone(),
        known,
        trust,
        outcome: Arc::clone(&outcome),
    };
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(15)),
        ..client::Config::default()
    });
    let result =
        tokio::time::timeout(timeout, client::connect_stream(config, stream, checker)).await;
    let recorded = outcome
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    match (result, recorded) {
        (_, Some(Err(problem))) => Err(problem),
        (Err(_), _) => Err(SshError::Timeout {
            host: host.clone(),
            port: *port,
            seconds: timeout.as_secs(),
        }),
        (Ok(Err(error)), _) => Err(SshError::Protocol {
            host: host.clone(),
            reason: error.to_string(),
        }),
        (Ok(Ok(handle)), Some(Ok(event))) => Ok((handle, event)),
        (Ok(Ok(_)), None) => Err(SshError::Protocol {
            host: host.clone(),
            reason: "the server showed no host key".into(),
        }),
    }
}

/// Offers one private key: `Ok(public line)` when the server takes it, else
/// `Err(fingerprint)` to name it in the refusal.
async fn offer_key(
    handle: &mut Handle<Checker>,
    user: &str,
    key: russh::keys::PrivateKey,
) -> Result<Result<String, String>, russh::Error> {
    let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
    let line = openssh_line(key.public_key());
    let hash = handle.best_supported_rsa_hash().await?.flatten();
    let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
    let accepted = handle
        .authenticate_publickey(user.to_owned(), key)
        .await?
        .success();
    Ok(if accepted { Ok(line) } else { Err(fingerprint) })
}

/// Logs in with the key file or the agent's keys and returns the public key that was
/// accepted; says which keys were refused.
async fn authenticate(
    target: &Target,
    handle: &mut Handle<Checker>,
    credentials: &Credentials,
) -> Result<String, SshError> {
    let Target { host, port, user } = target;
    let protocol = |e: russh::Error| SshError::Protocol {
        host: host.clone(),
        reason: e.to_string(),
    };
    let offered = match credentials {
        Credentials::KeyFile(path) => {
            let key = load_secret_key(path, None).map_err(|e| SshError::Key {
                path: path.clone(),
                reason: format!("{e} (a key with a passphrase must be loaded into ssh-agent)"),
            })?;
            match offer_key(handle, user, key).await.map_err(protocol)? {
                Ok(line) => return Ok(line),
                Err(fingerprint) => format!("the key {fingerprint} ({})", path.display()),
            }
        }
        Credentials::Key(private) => {
            match offer_key(handle, user, keys::parse(private)?)
                .await
                .map_err(protocol)?
            {
                Ok(line) => return Ok(line),
                Err(fingerprint) => format!("the key {fingerprint} (from the keychain)"),
            }
        }
        Credentials::Agent(socket) => {
            let network = |reason: String| SshError::Network {
                host: host.clone(),
                port: *port,
                reason,
            };
            let mut agent = russh::keys::agent::client::AgentClient::connect_uds(socket)
                .await
                .map_err(|e| {
                    network(format!(
                        "no ssh-agent to ask for keys ({e}); choose a key file instead"
                    ))
                })?;
            let identities = agent
                .request_identities()
                .await
                .map_err(|e| network(e.to_string()))?;
            let mut tried = Vec::new();
            for identity in identities {
                let russh::keys::agent::AgentIdentity::PublicKey { key, comment } = identity else {
                    continue;
                };
                tried.push(format!("{} ({comment})", key.fingerprint(HashAlg::Sha256)));
                let hash = handle
                    .best_supported_rsa_hash()
                    .await
                    .map_err(protocol)?
                    .flatten();
                let line = openssh_line(&key);
                let result = handle
                    .authenticate_publickey_with(user.clone(), key, hash, &mut agent)
                    .await;
                if result.is_ok_and(|r| r.success()) {
                    return Ok(line);
                }
            }
            if tried.is_empty() {
                return Err(SshError::AgentEmpty { host: host.clone() });
            }
            format!("the agent's keys {}", tried.join(", "))
        }
    };
    Err(SshError::AuthRejected {
        host: host.clone(),
        user: user.clone(),
        offered,
    })
}

impl Remote for SshRemote {
    fn run(
        &mut self,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> Result<Exit, RemoteError> {
        self.runs += 1;
        let command = self.wrap(script)?;
        let host = self.target.host.clone();
        let lost = move |e: russh::Error| {
            RemoteError::Connection(format!("the connection to {host} was lost: {e}"))
        };
        let handle = &self.handle;
        self.runtime.block_on(async {
            let mut channel = handle.channel_open_session().await.map_err(&lost)?;
            // No reply asked: a refused exec still ends without an exit status, reported below,
            // and not waiting saves a network round trip per script.
            channel.exec(false, command).await.map_err(&lost)?;
            if let Some(bytes) = stdin {
                channel.data_bytes(bytes.to_vec()).await.map_err(&lost)?;
            }
            channel.eof().await.map_err(&lost)?;
            let mut exit = Exit::default();
            let mut partial = [String::new(), String::new()];
            let mut status = None;
            let read = async {
                while let Some(message) = channel.wait().await {
                    let (stream, data) = match message {
                        ChannelMsg::Data { ref data } => (Stream::Stdout, data.to_vec()),
                        ChannelMsg::ExtendedData { ref data, ext: 1 } => {
                            (Stream::Stderr, data.to_vec())
                        }
                        ChannelMsg::ExitStatus { exit_status } => {
                            status = Some(i32::try_from(exit_status).unwrap_or(-1));
                            continue;
                        }
                        ChannelMsg::ExitSignal { .. } => {
                            status = Some(-1);
                            continue;
                        }
                        _ => continue,
                    };
                    let text = String::from_utf8_lossy(&data);
                    let index = usize::from(stream == Stream::Stderr);
                    let buffer = if index == 0 {
                        &mut exit.stdout
                    } else {
                        &mut exit.stderr
                    };
                    buffer.push_str(&text);
                    partial[index].push_str(&text);
                    while let Some(end) = partial[index].find('\n') {
                        let line: String = partial[index].drain(..=end).collect();
                        on_line(stream, line.trim_end_matches(['\n', '\r']));
                    }
                }
            };
            if tokio::time::timeout(timeout, read).await.is_err() {
                let _ = channel.close().await;
                return Err(RemoteError::Timeout(timeout));
            }
            for (index, rest) in partial.iter().enumerate() {
                if !rest.is_empty() {
                    on_line(
                        if index == 0 {
                            Stream::Stdout
                        } else {
                            Stream::Stderr
                        },
                        rest,
                    );
                }
            }
            exit.status = status.ok_or_else(|| {
                RemoteError::Connection(
                    "the server closed the command without an exit status".into(),
                )
            })?;
            Ok(exit)
        })
    }
}
