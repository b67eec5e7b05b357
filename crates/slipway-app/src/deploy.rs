//! Plan and deploy a spec to its server: the same functions for the CLI and the app.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use slipway_engine::lock::{self, Holder};
use slipway_engine::{Cancel, Event, Runner, Step, StepPlan};
use slipway_spec::Spec;
use slipway_ssh::{Credentials, KnownHosts, SshRemote, Target, Trust};

use crate::error::AppError;
use crate::local::LocalCommit;
use crate::web::{self, AppStatus, Deployment, ServerState};

/// How long to wait for a server to answer when connecting.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The commit of the app to deploy, read from the repository holding the app's folder
/// (`config_dir` is the folder of `slipway.toml`). Uncommitted changes are refused
/// unless `allow_uncommitted`, in which case the commit goes without them.
pub fn read_commit(
    spec: &Spec,
    config_dir: &Path,
    revision: &str,
    allow_uncommitted: bool,
) -> Result<LocalCommit, AppError> {
    let commit = LocalCommit::read(&config_dir.join(&spec.app.path), revision)?;
    if !commit.uncommitted.is_empty() && !allow_uncommitted {
        return Err(AppError::Uncommitted {
            paths: commit.uncommitted.clone(),
        });
    }
    Ok(commit)
}

/// Asks the server what it has, then builds the steps that put `commit` live.
pub fn prepare(
    remote: &mut SshRemote,
    spec: &Spec,
    commit: &LocalCommit,
    nonce: &str,
) -> Result<(ServerState, Deployment), AppError> {
    let server = web::discover(&mut Runner::new(remote, nonce, Cancel::default()), spec)?;
    let deployment = web::deployment(spec, commit, &server, SystemTime::now())?;
    Ok((server, deployment))
}

/// Asks the server how the app is doing.
pub fn app_status(remote: &mut SshRemote, spec: &Spec, nonce: &str) -> Result<AppStatus, AppError> {
    Ok(web::app_status(
        &mut Runner::new(remote, nonce, Cancel::default()),
        spec,
    )?)
}

/// Asks the server what it has.
pub fn server_state(
    remote: &mut SshRemote,
    spec: &Spec,
    nonce: &str,
) -> Result<ServerState, AppError> {
    Ok(web::discover(
        &mut Runner::new(remote, nonce, Cancel::default()),
        spec,
    )?)
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

/// What an applied run reports besides its events.
#[derive(Debug)]
pub struct Applied {
    /// Whose stale lock was broken, if `force_unlock` broke one.
    pub broken_lock: Option<Holder>,
    /// Remote executions the run took (probe batches and actions).
    pub round_trips: usize,
}

/// Takes the deploy lock, applies the steps, and releases the lock, even when a step
/// fails.
pub fn deploy(
    remote: &mut SshRemote,
    steps: &[&dyn Step],
    holder: &Holder,
    force_unlock: bool,
    nonce: &str,
    cancel: Cancel,
    on_event: &mut dyn FnMut(Event),
) -> Result<Applied, AppError> {
    let broken_lock = lock::acquire(remote, holder, force_unlock)?;
    let mut runner = Runner::new(remote, nonce, cancel);
    let result = runner.apply(steps, on_event);
    let round_trips = runner.round_trips;
    let released = lock::release(remote);
    result?;
    released?;
    Ok(Applied {
        broken_lock,
        round_trips,
    })
}
