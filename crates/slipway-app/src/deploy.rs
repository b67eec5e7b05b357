//! Plan and deploy a spec to its server: the same functions for the CLI and the app.

use std::path::{Path, PathBuf};
use std::time::Duration;

use slipway_engine::lock::{self, Holder};
use slipway_engine::{Cancel, Event, Runner, Step, StepPlan};
use slipway_spec::Spec;
use slipway_ssh::{Credentials, KnownHosts, SshRemote, Target, Trust};
use slipway_steps::apt::Packages;
use slipway_steps::dir::Directory;
use slipway_steps::os::SupportedOs;
use slipway_steps::user::User;

use crate::error::AppError;

/// How long to wait for a server to answer when connecting.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The steps that make a server ready for the app in `spec`.
pub fn server_steps(spec: &Spec) -> Vec<Box<dyn Step>> {
    let app = &spec.app.name;
    let home = format!("/srv/{app}");
    vec![
        Box::new(SupportedOs),
        Box::new(Packages::new([
            "python3",
            "python3-venv",
            "git",
            "ca-certificates",
        ])),
        Box::new(User {
            name: app.clone(),
            system: true,
            home: home.clone(),
            groups: Vec::new(),
        }),
        Box::new(Directory {
            path: home,
            owner: app.clone(),
            group: app.clone(),
            mode: 0o755,
        }),
    ]
}

/// Expands a leading `~/` with `home`.
pub fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// Where the caller's environment says things are.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The user's home folder, for `~/` in key paths.
    pub home: Option<PathBuf>,
    /// The ssh-agent socket (`SSH_AUTH_SOCK`), used when the spec names no key.
    pub agent: Option<PathBuf>,
}

/// Connects to the spec's server, trusting its host key on first use (the caller shows
/// the fingerprint) and refusing a changed one.
pub fn connect(spec: &Spec, known_hosts: &Path, env: &Environment) -> Result<SshRemote, AppError> {
    let problems = spec.validate();
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let server = spec.server.as_ref().ok_or(AppError::NoServer)?;
    let target = Target {
        host: server.host.clone(),
        port: u16::try_from(server.port).unwrap_or(22),
        user: server.user.clone(),
    };
    let credentials = match (&env.agent, server.key.is_empty()) {
        (_, false) => Credentials::KeyFile(expand_home(&server.key, env.home.as_deref())),
        (Some(socket), true) => Credentials::Agent(socket.clone()),
        (None, true) => return Err(AppError::NoCredentials),
    };
    Ok(SshRemote::connect(
        &target,
        &credentials,
        KnownHosts::new(known_hosts),
        Trust::FirstUse,
        CONNECT_TIMEOUT,
    )?)
}

/// Every step's plan against the server as it is now; nothing changes.
pub fn plan(
    remote: &mut SshRemote,
    steps: &[&dyn Step],
    nonce: &str,
) -> Result<Vec<(String, StepPlan)>, AppError> {
    Ok(Runner::new(remote, nonce, Cancel::default()).preview(steps)?)
}

/// Takes the deploy lock, applies the steps, and releases the lock, even when a step
/// fails. Returns whose stale lock was broken, if `force_unlock` broke one.
pub fn deploy(
    remote: &mut SshRemote,
    steps: &[&dyn Step],
    holder: &Holder,
    force_unlock: bool,
    nonce: &str,
    cancel: Cancel,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<Holder>, AppError> {
    let broken = lock::acquire(remote, holder, force_unlock)?;
    let result = Runner::new(remote, nonce, cancel).apply(steps, on_event);
    let released = lock::release(remote);
    result?;
    released?;
    Ok(broken)
}
