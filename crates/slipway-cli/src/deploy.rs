//! `slipway plan`, `deploy`, `status` and `unlock`: the engine, driven from a terminal.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use slipway_app::AppError;
use slipway_app::deploy::{self, server_steps};
use slipway_engine::lock::{self, Holder};
use slipway_engine::{Cancel, Event, Outcome, Planned, Step, StepPlan};
use slipway_spec::Spec;
use slipway_ssh::{HostKeyEvent, SshRemote};

/// Where the environment says things live; read once in `main`.
pub struct Context {
    /// Home folder and ssh-agent socket.
    pub env: deploy::Environment,
    /// The known-hosts file Slipway keeps.
    pub known_hosts: PathBuf,
    /// `user@computer`, recorded in the server's lock.
    pub who: String,
}

impl Context {
    /// Reads `HOME`, `XDG_CONFIG_HOME`, `SLIPWAY_KNOWN_HOSTS`, `USER` and the host name.
    pub fn from_env() -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".config")))
            .unwrap_or_else(|| PathBuf::from("."));
        let known_hosts = std::env::var_os("SLIPWAY_KNOWN_HOSTS")
            .map_or_else(|| config.join("slipway").join("known_hosts"), PathBuf::from);
        let user = std::env::var("USER").unwrap_or_else(|_| "someone".into());
        let host =
            std::fs::read_to_string("/etc/hostname").unwrap_or_else(|_| "this-computer".into());
        let agent = std::env::var_os("SSH_AUTH_SOCK").map(PathBuf::from);
        let env = deploy::Environment { home, agent };
        Self {
            env,
            known_hosts,
            who: format!("{user}@{}", host.trim()),
        }
    }
}

/// A fresh marker for probe output: time and process, never reused in practice.
fn nonce() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", nanos, std::process::id())
}

fn read_spec(config: &Path) -> Result<Spec, AppError> {
    let text = std::fs::read_to_string(config).map_err(|source| AppError::Io {
        action: "read",
        path: config.to_owned(),
        source,
    })?;
    Spec::from_toml(&text).map_err(|source| AppError::SpecFile {
        path: config.to_owned(),
        source,
    })
}

fn connect(out: &mut impl Write, spec: &Spec, context: &Context) -> Result<SshRemote, AppError> {
    let remote = deploy::connect(spec, &context.known_hosts, &context.env)?;
    if let HostKeyEvent::Trusted { fingerprint } = &remote.host_key {
        let host = spec
            .server
            .as_ref()
            .map(|s| s.host.as_str())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "First connection to {host}: trusted its host key {fingerprint} (recorded in {}).",
            context.known_hosts.display()
        );
    }
    Ok(remote)
}

/// Prints a plan; returns how many steps would change.
fn print_plan(
    out: &mut impl Write,
    plans: &[(String, StepPlan)],
    steps: &[&dyn Step],
) -> io::Result<usize> {
    let mut changes = 0;
    for ((id, plan), step) in plans.iter().zip(steps) {
        match slipway_engine::runner::summarise(plan) {
            Planned::Satisfied { evidence } => writeln!(out, "  ✓ {id:<28} {evidence}")?,
            Planned::Deferred { reason } => writeln!(out, "  ! {id:<28} {reason}")?,
            Planned::Change { actions, diff } => {
                changes += 1;
                writeln!(out, "  + {id:<28} {}", step.describe())?;
                for action in actions {
                    writeln!(out, "      {action}")?;
                }
                for line in diff.before.lines() {
                    writeln!(out, "      - {line}")?;
                }
                for line in diff.after.lines() {
                    writeln!(out, "      + {line}")?;
                }
            }
        }
    }
    let kept = plans.len() - changes;
    if changes == 0 {
        writeln!(out, "Nothing to change: all {kept} steps are in place.")?;
    } else {
        writeln!(out, "{changes} to change, {kept} already in place.")?;
    }
    Ok(changes)
}

/// `slipway plan`.
pub fn plan(out: &mut impl Write, config: &Path, context: &Context) -> Result<(), AppError> {
    let spec = read_spec(config)?;
    let mut remote = connect(out, &spec, context)?;
    let boxed = server_steps(&spec);
    let steps: Vec<&dyn Step> = boxed.iter().map(AsRef::as_ref).collect();
    let plans = deploy::plan(&mut remote, &steps, &nonce())?;
    let server = spec
        .server
        .as_ref()
        .map(|s| format!("{}@{}", s.user, s.host))
        .unwrap_or_default();
    let _ = writeln!(out, "Plan for {server}:");
    let _ = print_plan(out, &plans, &steps);
    Ok(())
}

/// What `slipway deploy` was asked.
pub struct DeployOptions {
    /// Skip the confirmation.
    pub yes: bool,
    /// One JSON event per line instead of text.
    pub json: bool,
    /// Break a lock left by a deploy that died.
    pub force_unlock: bool,
}

/// `slipway deploy`; `Ok(false)` when the user declined.
pub fn deploy(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
    options: &DeployOptions,
) -> Result<bool, AppError> {
    let spec = read_spec(config)?;
    let mut remote = connect(out, &spec, context)?;
    let boxed = server_steps(&spec);
    let steps: Vec<&dyn Step> = boxed.iter().map(AsRef::as_ref).collect();
    if !options.json {
        let plans = deploy::plan(&mut remote, &steps, &nonce())?;
        let _ = writeln!(out, "Plan:");
        let changes = print_plan(out, &plans, &steps).unwrap_or(0);
        if changes > 0 && !options.yes {
            let _ = write!(out, "Apply these changes? [y/N] ");
            let _ = out.flush();
            let mut answer = String::new();
            let _ = io::stdin().lock().read_line(&mut answer);
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                let _ = writeln!(out, "Nothing was changed.");
                return Ok(false);
            }
        }
    }
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let holder = Holder {
        who: context.who.clone(),
        pid: std::process::id(),
        since,
        doing: "deploy".into(),
    };
    let cancel = Cancel::default();
    watch_for_interrupt(&cancel);
    let json = options.json;
    let broken = deploy::deploy(
        &mut remote,
        &steps,
        &holder,
        options.force_unlock,
        &nonce(),
        cancel,
        &mut |event| {
            if json {
                if let Ok(line) = serde_json::to_string(&event) {
                    let _ = writeln!(out, "{line}");
                }
            } else {
                print_event(out, &event);
            }
        },
    )?;
    if let Some(holder) = broken {
        let _ = writeln!(
            out,
            "Broke the lock left by {} ({}, process {}).",
            holder.who, holder.doing, holder.pid
        );
    }
    Ok(true)
}

/// The first Ctrl-C stops the deploy after the running action, releasing the lock; a
/// second one quits at once (the next deploy then reports the lock left behind).
fn watch_for_interrupt(cancel: &Cancel) {
    let cancel = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            std::process::exit(130);
        }
        cancel.cancel();
        let _ = writeln!(
            io::stderr(),
            "\nCancelling: Slipway stops after the running action and releases the lock. \
             Press Ctrl-C again to quit at once."
        );
    });
}

fn print_event(out: &mut impl Write, event: &Event) {
    let _ = match event {
        Event::ActionStarted { action, .. } => writeln!(out, "    $ {action}"),
        Event::Output { line, .. } => writeln!(out, "    | {line}"),
        Event::StepFinished {
            step,
            outcome,
            millis,
        } => {
            let seconds = f64::from(u32::try_from(*millis).unwrap_or(u32::MAX)) / 1000.0;
            match outcome {
                Outcome::Changed => writeln!(out, "  changed    {step:<28} {seconds:.1} s"),
                Outcome::Unchanged => writeln!(out, "  unchanged  {step:<28} {seconds:.1} s"),
                Outcome::Failed { message } => {
                    writeln!(out, "  FAILED     {step:<28} {seconds:.1} s\n    {message}")
                }
            }
        }
        Event::Finished {
            changed,
            unchanged,
            ok: true,
            millis,
        } => {
            let seconds = f64::from(u32::try_from(*millis).unwrap_or(u32::MAX)) / 1000.0;
            writeln!(
                out,
                "Done in {seconds:.1} s: {changed} changed, {unchanged} unchanged."
            )
        }
        Event::Finished { ok: false, .. } | Event::StepPlanned { .. } => Ok(()),
    };
}

/// `slipway status`.
pub fn status(out: &mut impl Write, config: &Path, context: &Context) -> Result<(), AppError> {
    let spec = read_spec(config)?;
    let mut remote = connect(out, &spec, context)?;
    let boxed = server_steps(&spec);
    let steps: Vec<&dyn Step> = boxed.iter().map(AsRef::as_ref).collect();
    let plans = deploy::plan(&mut remote, &steps, &nonce())?;
    let ready = plans
        .iter()
        .filter(|(_, p)| matches!(p, StepPlan::Satisfied { .. }))
        .count();
    let _ = writeln!(out, "Server: {ready} of {} steps in place.", plans.len());
    match lock::holder(&mut remote)? {
        Some(holder) => {
            let _ = writeln!(
                out,
                "Deploy lock: held by {} ({}, process {}) since {}.",
                holder.who, holder.doing, holder.pid, holder.since
            );
        }
        None => {
            let _ = writeln!(out, "Deploy lock: free.");
        }
    }
    Ok(())
}

/// `slipway unlock`.
pub fn unlock(out: &mut impl Write, config: &Path, context: &Context) -> Result<(), AppError> {
    let spec = read_spec(config)?;
    let mut remote = connect(out, &spec, context)?;
    let _ = match lock::release(&mut remote)? {
        Some(holder) => writeln!(
            out,
            "Removed the lock held by {} ({}, process {}).",
            holder.who, holder.doing, holder.pid
        ),
        None => writeln!(out, "The server was not locked."),
    };
    Ok(())
}
