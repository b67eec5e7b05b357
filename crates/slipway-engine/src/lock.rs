//! The deploy lock on a server: a folder created atomically with `mkdir`, holding a JSON
//! note of who holds it, from where, and since when. A second deploy is refused with that
//! note; a lock left by a run that died can be broken on request, and is reported.

use serde::{Deserialize, Serialize};

use crate::cmd::quote;
use crate::remote::{Remote, RemoteError};

/// Where the lock lives on the server.
pub const LOCK_DIR: &str = "/var/lib/slipway/deploy.lock";

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Holder {
    /// `user@computer` of the person deploying.
    pub who: String,
    /// Process id of the deploy on that computer.
    pub pid: u32,
    /// When the lock was taken, in seconds since 1970 (UTC).
    pub since: u64,
    /// What the holder is doing, such as `deploy`.
    pub doing: String,
}

/// Why the lock could not be taken or released.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone else holds it.
    #[error("a deploy is in progress: {} ({}, process {}) holds the lock since {} (Unix time). If that run is gone, break the lock with --force-unlock.", .0.who, .0.doing, .0.pid, .0.since)]
    Held(Holder),
    /// The server could not be asked.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The server's answer made no sense.
    #[error("the server's lock note is unreadable: {0}")]
    Unreadable(String),
}

fn run(remote: &mut dyn Remote, script: &str) -> Result<String, LockError> {
    let exit = remote.run(
        script,
        None,
        std::time::Duration::from_secs(30),
        &mut |_, _| {},
    )?;
    if exit.status != 0 {
        return Err(LockError::Unreadable(exit.stderr.trim().to_owned()));
    }
    Ok(exit.stdout)
}

/// Takes the lock in one round trip. With `force`, a lock already there is removed first
/// and its holder returned, so the caller can say whose lock was broken.
pub fn acquire(
    remote: &mut dyn Remote,
    holder: &Holder,
    force: bool,
) -> Result<Option<Holder>, LockError> {
    let note = serde_json::to_string(holder).map_err(|e| LockError::Unreadable(e.to_string()))?;
    let dir = quote(LOCK_DIR).map_err(|e| LockError::Unreadable(e.to_string()))?;
    let note = quote(&note).map_err(|e| LockError::Unreadable(e.to_string()))?;
    let breaking = if force {
        format!("cat {dir}/holder.json 2>/dev/null; rm -rf {dir}; echo; ")
    } else {
        String::new()
    };
    let script = format!(
        "mkdir -p /var/lib/slipway && {{ {breaking}if mkdir {dir} 2>/dev/null; then printf '%s' {note} > {dir}/holder.json && echo TAKEN; else echo HELD; cat {dir}/holder.json 2>/dev/null; fi; }}"
    );
    let output = run(remote, &script)?;
    let mut lines = output.lines().filter(|l| !l.trim().is_empty());
    let broken = if force {
        match lines.clone().next() {
            Some(first) if first.starts_with('{') => {
                lines.next();
                serde_json::from_str(first).ok()
            }
            _ => None,
        }
    } else {
        None
    };
    match lines.next() {
        Some("TAKEN") => Ok(broken),
        Some("HELD") => {
            let text = lines.next().unwrap_or("{}");
            let holder =
                serde_json::from_str(text).map_err(|_| LockError::Unreadable(text.to_owned()))?;
            Err(LockError::Held(holder))
        }
        other => Err(LockError::Unreadable(other.unwrap_or_default().to_owned())),
    }
}

/// The current holder, if any, in one round trip.
pub fn holder(remote: &mut dyn Remote) -> Result<Option<Holder>, LockError> {
    let dir = quote(LOCK_DIR).map_err(|e| LockError::Unreadable(e.to_string()))?;
    let output = run(
        remote,
        &format!("cat {dir}/holder.json 2>/dev/null || true"),
    )?;
    if output.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(output.trim())
        .map(Some)
        .map_err(|_| LockError::Unreadable(output))
}

/// Releases the lock in one round trip; returns who held it.
pub fn release(remote: &mut dyn Remote) -> Result<Option<Holder>, LockError> {
    let dir = quote(LOCK_DIR).map_err(|e| LockError::Unreadable(e.to_string()))?;
    let output = run(
        remote,
        &format!("cat {dir}/holder.json 2>/dev/null; rm -rf {dir}"),
    )?;
    Ok(serde_json::from_str(output.trim()).ok())
}
