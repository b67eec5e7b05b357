//! `slipway plan`, `deploy`, `rollback`, `releases`, `status`, `logs` and `unlock`: the
//! engine, driven from a terminal.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use slipway_app::AppError;
use slipway_app::cloud::{self, Endpoints};
use slipway_app::deploy::Renewal;
use slipway_app::local::LocalCommit;
use slipway_app::notify::Services;
use slipway_app::secrets::Supplied;
use slipway_app::web::{self, Deployment};
use slipway_app::{deploy, run};
use slipway_engine::lock::{self, Holder};
use slipway_engine::{Cancel, Cmd, Event, Outcome, Planned, Remote, RunError, Step, StepPlan};
use slipway_notify::{Delivery, Kind};
use slipway_secrets::Stores;
use slipway_spec::Spec;
use slipway_ssh::{HostKeyEvent, SshError, SshRemote, Trust};

/// Where the environment says things live; read once in `main`.
pub struct Context {
    /// Home folder and ssh-agent socket.
    pub env: deploy::Environment,
    /// The known-hosts file Slipway keeps.
    pub known_hosts: PathBuf,
    /// `user@computer`, recorded in the server's lock.
    pub who: String,
    /// Trust a server's host key the first time Slipway sees it (`--trust`), without
    /// asking.
    pub trust_new_hosts: bool,
    /// Where secrets are: `SLIPWAY_SECRET_*` variables, then the keychain.
    pub store: Stores,
}

impl Context {
    /// Reads `HOME`, `XDG_CONFIG_HOME`, `SLIPWAY_KNOWN_HOSTS`, `USER` and the host name.
    pub fn from_env() -> Self {
        let local = run::Local::from_env();
        Self {
            env: local.env,
            known_hosts: local.known_hosts,
            who: local.who,
            trust_new_hosts: false,
            store: slipway_secrets::open(),
        }
    }

    fn local(&self) -> run::Local {
        run::Local {
            env: self.env.clone(),
            known_hosts: self.known_hosts.clone(),
            who: self.who.clone(),
        }
    }
}

/// Reads and parses `slipway.toml`.
pub use slipway_app::project::read_spec;

/// Reads `slipway.toml` and, when a provider makes the server, asks it for the
/// server's address.
pub fn located(config: &Path, context: &Context) -> Result<Spec, AppError> {
    let spec = read_spec(config)?;
    cloud::locate(&spec, &context.store, &Endpoints::from_env()?)
}

fn connect(out: &mut impl Write, spec: &Spec, context: &Context) -> Result<SshRemote, AppError> {
    let connector = connector(spec, context)?;
    connect_with(out, spec, context, &connector)
}

fn connector(spec: &Spec, context: &Context) -> Result<deploy::Connector, AppError> {
    deploy::Connector::new(spec, &context.known_hosts, &context.env, &context.store)
}

fn connect_with(
    out: &mut impl Write,
    spec: &Spec,
    context: &Context,
    connector: &deploy::Connector,
) -> Result<SshRemote, AppError> {
    let remote = match connector.connect() {
        Err(AppError::Ssh(SshError::HostKeyUnknown { host, fingerprint })) => {
            let trust = if context.trust_new_hosts {
                Trust::FirstUse
            } else if io::stdin().is_terminal()
                && confirm_host(out, &host, &fingerprint, &context.known_hosts)
            {
                Trust::Pinned(fingerprint)
            } else {
                return Err(AppError::Ssh(SshError::HostKeyUnknown {
                    host,
                    fingerprint,
                }));
            };
            connector.clone().trusting(trust).connect()?
        }
        other => other?,
    };
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

/// Shows a new server's host key and asks whether it is the right one.
fn confirm_host(out: &mut impl Write, host: &str, fingerprint: &str, known_hosts: &Path) -> bool {
    let _ = writeln!(
        out,
        "Slipway has not connected to {host} before. It shows the host key\n  {fingerprint}\n\
         If you can, compare it with the one on the server's console (your provider's web \
         console, or `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` there). Once you say \
         yes, Slipway records it in {} and refuses any other key for {host}.",
        known_hosts.display()
    );
    confirm_quietly(out, &format!("Is {fingerprint} the key of {host}?"))
}

/// Prints a plan; returns how many steps would change.
fn print_plan(
    out: &mut impl Write,
    plans: &[(String, StepPlan)],
    steps: &[&dyn Step],
    deployment: &Deployment,
) -> io::Result<usize> {
    let mut changes = 0;
    for (index, ((id, plan), step)) in plans.iter().zip(steps).enumerate() {
        if let Some(switch) = deployment.switch.as_ref().filter(|s| s.at == index) {
            writeln!(
                out,
                "  > then log in as {} and prove sudo works; the steps below run as {}{}",
                switch.user,
                switch.user,
                if switch.guarded.is_some() {
                    " (root login goes off only after that)"
                } else {
                    ""
                }
            )?;
        }
        if let Some((_, gate)) = deployment.dns.as_ref().filter(|(at, _)| *at == index) {
            writeln!(
                out,
                "  > then wait up to {} s until {}, before any certificate request ({})",
                gate.wait.as_secs(),
                gate.describe(),
                gate.reason
            )?;
        }
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

/// How a run talks to the person at the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Show the plan and ask before changing anything.
    Ask,
    /// Apply without asking, with progress as text.
    Yes,
    /// Apply without asking, with one JSON event per line.
    Json,
}

impl Mode {
    /// From the `--yes` and `--json` flags.
    pub fn from_flags(yes: bool, json: bool) -> Self {
        match (yes, json) {
            (_, true) => Self::Json,
            (true, false) => Self::Yes,
            (false, false) => Self::Ask,
        }
    }
}

/// What `slipway plan`, `deploy` and `rollback` were asked.
pub struct DeployOptions {
    /// Whether to ask, and how to show progress.
    pub mode: Mode,
    /// Break a lock left by a deploy that died.
    pub force_unlock: bool,
    /// The commit to deploy, such as `HEAD` or a tag.
    pub revision: String,
    /// Deploy the commit even though the app's folder has uncommitted changes.
    pub allow_uncommitted: bool,
}

/// The folder holding the spec file.
fn config_dir(config: &Path) -> PathBuf {
    match config.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The commit to deploy; says which changes stay behind when they are allowed to.
fn commit(
    out: &mut impl Write,
    spec: &Spec,
    config: &Path,
    options: &DeployOptions,
) -> Result<LocalCommit, AppError> {
    let commit = deploy::read_commit(
        spec,
        &config_dir(config),
        &options.revision,
        options.allow_uncommitted,
    )?;
    if !commit.uncommitted.is_empty() && options.mode != Mode::Json {
        let _ = writeln!(
            out,
            "Deploying commit {} ({}); {} uncommitted change(s) stay on this computer.",
            commit.short(),
            commit.subject,
            commit.uncommitted.len()
        );
    }
    Ok(commit)
}

fn server_name(spec: &Spec) -> String {
    spec.server
        .as_ref()
        .map(|s| format!("{}@{}", s.user, s.host))
        .unwrap_or_default()
}

/// `slipway plan`.
pub fn plan(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
    options: &DeployOptions,
) -> Result<(), AppError> {
    let spec = located(config, context)?;
    let commit = commit(out, &spec, config, options)?;
    let supplied = supplied(&spec, config, context)?;
    let mut remote = connect(out, &spec, context)?;
    let (_, deployment) = deploy::prepare(&mut remote, &spec, &commit, supplied, &run::nonce())?;
    let steps: Vec<&dyn Step> = deployment.steps.iter().map(AsRef::as_ref).collect();
    let plans = deploy::plan(&mut remote, &steps, &run::nonce())?;
    let _ = writeln!(
        out,
        "Plan for {}: release {} (commit {}):",
        server_name(&spec),
        deployment.release,
        commit.short()
    );
    for warning in &deployment.warnings {
        let _ = writeln!(out, "  warning: {warning}");
    }
    let _ = print_plan(out, &plans, &steps, &deployment);
    Ok(())
}

/// The secrets and files a deploy takes from this computer, read before connecting so
/// a missing one stops the deploy at once.
fn supplied(spec: &Spec, config: &Path, context: &Context) -> Result<Supplied, AppError> {
    let ca_pem = deploy::read_ca_bundle(spec, &config_dir(config), &context.env)?;
    Supplied::read(&context.store, spec, ca_pem)
}

/// Asks before changing anything; `false` when the user declines.
fn confirm(out: &mut impl Write, question: &str) -> bool {
    if confirm_quietly(out, question) {
        return true;
    }
    let _ = writeln!(out, "Nothing was changed.");
    false
}

/// Asks a yes/no question; anything but yes is no.
fn confirm_quietly(out: &mut impl Write, question: &str) -> bool {
    let _ = write!(out, "{question} [y/N] ");
    let _ = out.flush();
    let mut answer = String::new();
    let _ = io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

fn holder(context: &Context, doing: &str) -> Holder {
    context.local().holder(doing)
}

/// A run of the spec in `config` that is `doing` something, stopped by Ctrl-C after the
/// running action.
fn request<'a>(
    config: &Path,
    context: &'a Context,
    options: &DeployOptions,
    doing: &str,
) -> Result<run::Request<'a>, AppError> {
    let cancel = Cancel::default();
    watch_for_interrupt(&cancel);
    Ok(run::Request {
        spec: read_spec(config)?,
        folder: config_dir(config),
        revision: options.revision.clone(),
        allow_uncommitted: options.allow_uncommitted,
        force_unlock: options.force_unlock,
        known_hosts: context.known_hosts.clone(),
        env: context.env.clone(),
        store: &context.store,
        endpoints: Endpoints::from_env()?,
        services: Services::from_env(),
        holder: holder(context, doing),
        cancel,
        nonce: run::nonce(),
    })
}

/// `slipway deploy`; `Ok(false)` when the user declined.
pub fn deploy(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
    options: &DeployOptions,
) -> Result<bool, AppError> {
    let request = request(config, context, options, "deploy")?;
    let mut terminal = Terminal {
        out: &mut *out,
        mode: options.mode,
        context,
    };
    let Some(live) = run::deploy(&request, &mut terminal)? else {
        return Ok(false);
    };
    if options.mode != Mode::Json {
        let address = match &request.spec.domain {
            Some(domain) => format!(" at https://{}", domain.name),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "Release {} (commit {}) is live{address}.",
            live.release, live.commit
        );
    }
    Ok(true)
}

/// A deploy at the terminal: progress as text (or JSON lines), questions read from
/// standard input.
struct Terminal<'a, W: Write> {
    out: &'a mut W,
    mode: Mode,
    context: &'a Context,
}

impl<W: Write> run::Observer for Terminal<'_, W> {
    fn progress(&mut self, progress: run::Progress<'_>) {
        let json = self.mode == Mode::Json;
        let out = &mut *self.out;
        match progress {
            run::Progress::Commit(commit) if !commit.uncommitted.is_empty() && !json => {
                let _ = writeln!(
                    out,
                    "Deploying commit {} ({}); {} uncommitted change(s) stay on this computer.",
                    commit.short(),
                    commit.subject,
                    commit.uncommitted.len()
                );
            }
            run::Progress::Server(provider) if !json => {
                let _ = writeln!(out, "Server at {}:", provider.label());
            }
            run::Progress::Dns(provider) if !json => {
                let _ = writeln!(out, "DNS at {}:", provider.label());
            }
            run::Progress::Cloud(event) => crate::cloud::print_event(out, &event, json),
            run::Progress::ByHand(records) if !json => crate::cloud::print_by_hand(out, records),
            run::Progress::HostTrusted { host, fingerprint } => {
                let _ = writeln!(
                    out,
                    "First connection to {host}: trusted its host key {fingerprint} (recorded in {}).",
                    self.context.known_hosts.display()
                );
            }
            run::Progress::Warning(warning) if !json => {
                let _ = writeln!(out, "warning: {warning}");
            }
            run::Progress::Step(event) => {
                if json {
                    if let Ok(line) = serde_json::to_string(event) {
                        let _ = writeln!(out, "{line}");
                    }
                } else {
                    print_event(out, event);
                }
            }
            run::Progress::LockBroken(holder) => {
                let _ = writeln!(
                    out,
                    "Broke the lock left by {} ({}, process {}).",
                    holder.who, holder.doing, holder.pid
                );
            }
            run::Progress::RoundTrips { all, steps } if !json => {
                // Every script this connection ran: the server's state, the lock, the steps.
                let _ = writeln!(
                    out,
                    "{all} round trips to the server ({steps} for the steps)."
                );
            }
            run::Progress::Notified(deliveries) => print_deliveries(out, deliveries, json),
            _ => {}
        }
    }

    fn create_server(&mut self, server: &run::NewServer) -> bool {
        let question = format!(
            "Create a server at {} ({}, {}, {})? The provider bills for it until it is destroyed.",
            server.provider.label(),
            server.region,
            server.size,
            server.image
        );
        confirm(self.out, &question)
    }

    fn trust_host(&mut self, host: &str, fingerprint: &str) -> Option<Trust> {
        if self.context.trust_new_hosts {
            Some(Trust::FirstUse)
        } else if io::stdin().is_terminal()
            && confirm_host(self.out, host, fingerprint, &self.context.known_hosts)
        {
            Some(Trust::Pinned(fingerprint.to_owned()))
        } else {
            None
        }
    }

    fn asks_first(&self) -> bool {
        self.mode == Mode::Ask
    }

    fn switch_back(&mut self, live: Option<&str>, target: &str) -> bool {
        let live = live.unwrap_or("nothing");
        confirm(self.out, &format!("Switch from {live} back to {target}?"))
    }

    fn review(&mut self, review: &run::Review<'_>) -> bool {
        let _ = writeln!(
            self.out,
            "Plan: release {} (commit {}, {}):",
            review.deployment.release,
            review.commit.short(),
            review.commit.subject
        );
        let changes =
            print_plan(self.out, review.plans, review.steps, review.deployment).unwrap_or(0);
        changes == 0 || confirm(self.out, "Apply these changes?")
    }
}

/// The first seven characters of the commit release `id` holds, as git shows them.
fn short_commit(server: &web::ServerState, id: &str) -> String {
    server
        .release(id)
        .map(|r| r.commit.chars().take(7).collect())
        .unwrap_or_default()
}

/// Notifies the spec's channels how a run ended (`live`: the release and commit, when
/// it succeeded) and prints what happened on each; a channel that fails never fails the
/// run.
#[allow(clippy::too_many_arguments)] // the one place rollback and certificate check report from
fn tell(
    out: &mut impl Write,
    spec: &Spec,
    context: &Context,
    kind: Kind,
    result: &Result<(), AppError>,
    live: (&str, &str),
    started: Instant,
    options: &DeployOptions,
) {
    let ended = result.as_ref().map(|()| live);
    let deliveries = run::tell(
        spec,
        &context.store,
        &Services::from_env(),
        kind,
        ended,
        started,
    );
    print_deliveries(out, &deliveries, options.mode == Mode::Json);
}

/// Prints where the news of a run went: one JSON line after the run's events, or a
/// line for the channels notified and one per channel that was not.
fn print_deliveries(out: &mut impl Write, deliveries: &[Delivery], json: bool) {
    if deliveries.is_empty() {
        return;
    }
    if json {
        let reports: Vec<serde_json::Value> = deliveries
            .iter()
            .map(|d| {
                serde_json::json!({
                    "channel": d.channel.to_string(),
                    "target": d.target,
                    "sent": d.is_sent(),
                    "error": d.error(),
                })
            })
            .collect();
        let event = serde_json::json!({ "event": "notified", "deliveries": reports });
        let _ = writeln!(out, "{event}");
        return;
    }
    let sent: Vec<&str> = deliveries
        .iter()
        .filter(|d| d.is_sent())
        .map(|d| d.target.as_str())
        .collect();
    if !sent.is_empty() {
        let _ = writeln!(out, "Notified: {}.", sent.join(", "));
    }
    for delivery in deliveries {
        if let Some(why) = delivery.error() {
            let _ = writeln!(out, "Not notified: {}: {why}", delivery.target);
        }
    }
}

/// `slipway rollback`; `Ok(false)` when the user declined.
pub fn rollback(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
    to: Option<&str>,
    options: &DeployOptions,
) -> Result<bool, AppError> {
    let request = request(config, context, options, "rollback")?;
    let mut terminal = Terminal {
        out: &mut *out,
        mode: options.mode,
        context,
    };
    let Some(live) = run::rollback(&request, to, &mut terminal)? else {
        return Ok(false);
    };
    if options.mode != Mode::Json {
        let _ = writeln!(out, "Release {} is live again.", live.release);
    }
    Ok(true)
}

/// `slipway releases`.
pub fn releases(out: &mut impl Write, config: &Path, context: &Context) -> Result<(), AppError> {
    let spec = located(config, context)?;
    let mut remote = connect(out, &spec, context)?;
    let server = deploy::server_state(&mut remote, &spec, &run::nonce())?;
    if server.releases.is_empty() {
        let _ = writeln!(out, "No releases on the server yet: run slipway deploy.");
        return Ok(());
    }
    for release in server.releases.iter().rev() {
        let live = server.current.as_deref() == Some(release.id.as_str());
        let (mark, state) = match (live, release.built, release.served) {
            (true, _, _) => ("*", "live"),
            (false, true, true) => (" ", "kept"),
            (false, true, false) => (" ", "never went live"),
            (false, false, _) => (" ", "incomplete"),
        };
        let commit = &release.commit[..release.commit.len().min(10)];
        let _ = writeln!(out, "{mark} {:<26} {commit:<10} {state}", release.id);
    }
    Ok(())
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
        Event::Waiting { message, .. } => writeln!(out, "    … {message}"),
        Event::Warning { message, .. } => writeln!(out, "    ! {message}"),
        Event::Finished { ok: false, .. } | Event::StepPlanned { .. } => Ok(()),
    };
}

/// `slipway status`.
pub fn status(out: &mut impl Write, config: &Path, context: &Context) -> Result<(), AppError> {
    let spec = located(config, context)?;
    let mut remote = connect(out, &spec, context)?;
    let server = deploy::server_state(&mut remote, &spec, &run::nonce())?;
    let _ = writeln!(
        out,
        "Server: {} ({} CPUs, Python {})",
        server_name(&spec),
        server.cpus,
        server.python
    );
    let _ = match server.current.as_deref().and_then(|id| server.release(id)) {
        Some(live) => writeln!(out, "Live release: {} (commit {})", live.id, live.commit),
        None => writeln!(out, "Live release: none yet"),
    };
    let status = deploy::app_status(&mut remote, &spec, &run::nonce())?;
    let instances: Vec<String> = status
        .instances
        .iter()
        .map(|(name, state)| format!("{name} {state}"))
        .collect();
    let _ = writeln!(
        out,
        "Service: {}; traffic goes to {}",
        instances.join(", "),
        status.traffic.as_deref().unwrap_or("nothing")
    );
    let _ = writeln!(
        out,
        "Health: GET {} through nginx: {}",
        spec.app.health,
        match &status.health {
            Ok(code) => format!("HTTP {code}"),
            Err(why) => format!("NOT healthy: {why}"),
        }
    );
    if spec.domain.is_some() {
        let _ = match &server.certificate {
            Some(cert) => writeln!(
                out,
                "Certificate: {} from {}, expires {} ({} days left{})",
                cert.names.join(", "),
                cert.issuer,
                cert.not_after,
                cert.days_left,
                if cert.days_left <= 30 {
                    "; the next deploy or certbot's timer renews it"
                } else {
                    ""
                }
            ),
            None => writeln!(out, "Certificate: none yet; the next deploy requests one"),
        };
    }
    let _ = match lock::holder(&mut remote)? {
        Some(holder) => writeln!(
            out,
            "Deploy lock: held by {} ({}, process {}) since {}.",
            holder.who, holder.doing, holder.pid, holder.since
        ),
        None => writeln!(out, "Deploy lock: free."),
    };
    Ok(())
}

/// `slipway certificate check`: the certificate, and a trial renewal; notifies the
/// channels like a deploy does. `Ok(false)` when renewal would fail.
pub fn certificate_check(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
) -> Result<bool, AppError> {
    let spec = located(config, context)?;
    let mut remote = connect(out, &spec, context)?;
    let started = Instant::now();
    let check = deploy::certificate_check(&mut remote, &spec, &run::nonce())?;
    let _ = match &check.server.certificate {
        Some(cert) => writeln!(
            out,
            "Certificate: {} from {}, expires {} ({} days left)",
            cert.names.join(", "),
            cert.issuer,
            cert.not_after,
            cert.days_left
        ),
        None => writeln!(out, "Certificate: none yet"),
    };
    let _ = writeln!(out, "Renewal: {}", check.renewal);
    let live = check.server.current.clone().unwrap_or_default();
    let commit = short_commit(&check.server, &live);
    let proven = check.renewal == Renewal::Proven;
    let result = if proven {
        Ok(())
    } else {
        Err(AppError::Run(RunError::Deferred {
            step: "certificate".into(),
            reason: check.renewal.to_string(),
        }))
    };
    let options = DeployOptions {
        mode: Mode::Yes,
        force_unlock: false,
        revision: String::new(),
        allow_uncommitted: false,
    };
    tell(
        out,
        &spec,
        context,
        Kind::CertificateCheck,
        &result,
        (&live, &commit),
        started,
        &options,
    );
    Ok(proven)
}

/// `slipway logs`: the app's journal, followed until Ctrl-C with `follow`.
pub fn logs(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
    lines: u32,
    follow: bool,
) -> Result<(), AppError> {
    let spec = located(config, context)?;
    let mut remote = connect(out, &spec, context)?;
    let mut cmd = Cmd::new("journalctl").args([
        "--no-pager",
        "--output=short-iso",
        "--lines",
        &lines.to_string(),
        "--unit",
        &format!("{}@*", spec.app.name),
    ]);
    if follow {
        cmd = cmd.arg("--follow");
    }
    let script = script(&cmd, "logs")?;
    let timeout = if follow {
        Duration::from_secs(u64::from(u32::MAX))
    } else {
        Duration::from_mins(1)
    };
    remote
        .run(&script, None, timeout, &mut |_, line| {
            let _ = writeln!(out, "{line}");
        })
        .map_err(|source| {
            AppError::Run(RunError::Remote {
                step: "logs".into(),
                source,
            })
        })?;
    Ok(())
}

/// The shell text of `cmd`.
fn script(cmd: &Cmd, step: &str) -> Result<String, AppError> {
    cmd.to_shell().map_err(|e| {
        AppError::Run(RunError::Probe {
            step: step.into(),
            source: slipway_engine::probe::ProbeError::Quote(e),
        })
    })
}

/// `slipway unlock`.
pub fn unlock(out: &mut impl Write, config: &Path, context: &Context) -> Result<(), AppError> {
    let spec = located(config, context)?;
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
