//! Plan and deploy a spec to its server: the same functions for the CLI and the app.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use slipway_engine::lock::{self, Holder};
use slipway_engine::{
    Cancel, Diff, Event, Outcome, Planned, Remote, RunError, Runner, Step, StepPlan, Tally,
};
use slipway_secrets::{Redactor, SecretStore};
use slipway_spec::Spec;
use slipway_spec::spec::KEYCHAIN;
use slipway_ssh::{Credentials, KnownHosts, SshRemote, Target, Trust};

use crate::error::AppError;
use crate::local::LocalCommit;
use crate::secrets::{self, Supplied};
use crate::secure::{self, DnsGate};
use crate::web::{self, AppStatus, Deployment, Login, ServerState};

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

/// Asks the server what it has, then builds the steps that put `commit` live, with the
/// secrets and files `supplied` from this computer ([`Supplied::read`]).
pub fn prepare(
    remote: &mut SshRemote,
    spec: &Spec,
    commit: &LocalCommit,
    supplied: Supplied,
    nonce: &str,
) -> Result<(ServerState, Deployment), AppError> {
    let server = web::discover(&mut Runner::new(remote, nonce, Cancel::default()), spec)?;
    let login = Login {
        user: remote.user().to_owned(),
        key: remote.login_key().to_owned(),
    };
    let deployment = web::deployment(spec, commit, &server, &login, supplied, SystemTime::now())?;
    Ok((server, deployment))
}

/// The PEM file `tls.ca_bundle` names (relative to `config_dir`, `~/` allowed), if any.
pub fn read_ca_bundle(
    spec: &Spec,
    config_dir: &Path,
    env: &Environment,
) -> Result<Option<String>, AppError> {
    let Some(name) = spec
        .tls
        .as_ref()
        .map(|t| t.ca_bundle.as_str())
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    let path = config_dir.join(expand_home(name, env.home.as_deref()));
    let pem = std::fs::read_to_string(&path).map_err(|source| AppError::Io {
        action: "read",
        path: path.clone(),
        source,
    })?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        let mut problems = slipway_spec::Problems::default();
        problems.push(
            "tls.ca_bundle",
            format!("{} holds no PEM certificate", path.display()),
        );
        return Err(AppError::Invalid(problems));
    }
    Ok(Some(pem))
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

/// What a certificate check found: the certificate, and whether a trial renewal passed.
pub struct CertificateCheck {
    /// The server's state, with its certificate.
    pub server: ServerState,
    /// How the trial renewal went.
    pub renewal: Renewal,
}

/// How a trial renewal went.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Renewal {
    /// certbot's trial renewal passed.
    #[error("a trial renewal passed; certbot's timer renews the certificate")]
    Proven,
    /// There is nothing to renew yet.
    #[error("there is no certificate yet: deploy to request one")]
    NoCertificate,
    /// certbot's trial renewal failed.
    #[error("the trial renewal FAILED: {said}")]
    Failed {
        /// The end of what certbot said.
        said: String,
    },
}

/// Reads the site's certificate and proves it will renew: certbot's trial renewal
/// against the spec's certificate authority's trial directory. Changes nothing.
pub fn certificate_check(
    remote: &mut SshRemote,
    spec: &Spec,
    nonce: &str,
) -> Result<CertificateCheck, AppError> {
    let server = server_state(remote, spec, nonce)?;
    let trial = spec
        .tls
        .as_ref()
        .map(|tls| tls.acme().trial_directory().to_owned())
        .ok_or(AppError::NoDomain)?;
    if server.certificate.is_none() {
        return Ok(CertificateCheck {
            server,
            renewal: Renewal::NoCertificate,
        });
    }
    let cmd = slipway_engine::Cmd::new("certbot")
        .args(["renew", "--dry-run", "--cert-name", &spec.app.name])
        .args([
            "--server",
            &trial,
            "--no-random-sleep-on-renew",
            "--non-interactive",
        ])
        .merge_stderr();
    let script = cmd.to_shell().map_err(|e| {
        AppError::Run(RunError::Probe {
            step: "certificate".into(),
            source: slipway_engine::probe::ProbeError::Quote(e),
        })
    })?;
    let exit = remote
        .run(&script, None, Duration::from_mins(5), &mut |_, _| {})
        .map_err(|source| {
            AppError::Run(RunError::Remote {
                step: "certificate".into(),
                source,
            })
        })?;
    let renewal = if exit.status == 0 {
        Renewal::Proven
    } else {
        let lines: Vec<&str> = exit
            .stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        Renewal::Failed {
            said: lines[lines.len().saturating_sub(3)..].join(" "),
        }
    };
    Ok(CertificateCheck { server, renewal })
}

/// Where the caller's environment says things are.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The user's home folder, for `~/` in key paths.
    pub home: Option<PathBuf>,
    /// The ssh-agent socket (`SSH_AUTH_SOCK`), used when the spec names no key.
    pub agent: Option<PathBuf>,
}

/// How to log in to the spec's server: for the first connection of a run, and again as
/// the deploy user once it exists.
#[derive(Debug, Clone)]
pub struct Connector {
    target: Target,
    users: Vec<String>,
    credentials: Credentials,
    known_hosts: PathBuf,
    trust: Trust,
}

impl Connector {
    /// Checks the spec and finds the credentials: the key file, the project's key from
    /// `store` (`server.key = "keychain"`), or ssh-agent's keys.
    pub fn new(
        spec: &Spec,
        known_hosts: &Path,
        env: &Environment,
        store: &dyn SecretStore,
    ) -> Result<Self, AppError> {
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
            (_, false) if server.key == KEYCHAIN => {
                Credentials::Key(secrets::required(store, spec, secrets::SSH_KEY)?)
            }
            (_, false) => Credentials::KeyFile(expand_home(&server.key, env.home.as_deref())),
            (Some(socket), true) => Credentials::Agent(socket.clone()),
            (None, true) => return Err(AppError::NoCredentials),
        };
        Ok(Self {
            target,
            users: secure::login_order(spec),
            credentials,
            known_hosts: known_hosts.to_owned(),
            trust: Trust::KnownOnly,
        })
    }

    /// Trusts a host not on record yet: any key (`Trust::FirstUse`, when the user said
    /// so beforehand with `--trust`), or only the fingerprint the user confirmed.
    #[must_use]
    pub fn trusting(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    /// Logs in as the deploy user if the server has one that takes the key, else as the
    /// spec's user. A host not on record is refused with its fingerprint
    /// ([`SshError::HostKeyUnknown`](slipway_ssh::SshError::HostKeyUnknown)) unless the
    /// connector was made [`trusting`](Self::trusting); a changed key is always refused.
    pub fn connect(&self) -> Result<SshRemote, AppError> {
        Ok(SshRemote::connect_as_first_of(
            &self.target,
            &self.users,
            &self.credentials,
            &KnownHosts::new(&self.known_hosts),
            &self.trust,
            CONNECT_TIMEOUT,
        )?)
    }

    /// Logs in as `user`, whose host key must already be known.
    fn connect_as(&self, user: &str) -> Result<SshRemote, AppError> {
        let target = Target {
            user: user.to_owned(),
            ..self.target.clone()
        };
        Ok(SshRemote::connect(
            &target,
            &self.credentials,
            &KnownHosts::new(&self.known_hosts),
            &Trust::KnownOnly,
            CONNECT_TIMEOUT,
        )?)
    }
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
    /// What the user should know although the run succeeded, such as a lockdown that
    /// could not be applied safely.
    pub warnings: Vec<String>,
}

/// How often the DNS check asks again while it waits.
const DNS_INTERVAL: Duration = Duration::from_secs(3);

/// How often, at most, an unchanged DNS answer is reported again while waiting.
const DNS_REPORT_EVERY: Duration = Duration::from_secs(30);

/// Takes the deploy lock, applies the deployment (logging in again as the deploy user
/// and waiting for DNS where it says), and releases the lock, even when a step fails.
#[allow(clippy::too_many_arguments)] // one call site per front end; a struct would only rename them
pub fn deploy(
    remote: &mut SshRemote,
    deployment: &Deployment,
    connector: &Connector,
    holder: &Holder,
    force_unlock: bool,
    nonce: &str,
    cancel: &Cancel,
    on_event: &mut dyn FnMut(Event),
) -> Result<Applied, AppError> {
    let started = Instant::now();
    let broken_lock = lock::acquire(remote, holder, force_unlock)?;
    let mut applied = Applied {
        broken_lock,
        round_trips: 0,
        warnings: Vec::new(),
    };
    let mut tally = Tally::default();
    let redactor = &deployment.redactor;
    let mut scrubbed = |event: Event| on_event(scrub(event, redactor));
    let mut run = Run {
        connector,
        nonce,
        cancel,
        tally: &mut tally,
        applied: &mut applied,
        on_event: &mut scrubbed,
    };
    let result = run
        .all(remote, deployment)
        .map_err(|e| scrub_error(e, redactor));
    let Run { on_event, .. } = run;
    on_event(Event::Finished {
        changed: tally.changed,
        unchanged: tally.unchanged,
        ok: result.is_ok(),
        millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    let released = lock::release(remote);
    result?;
    released?;
    Ok(applied)
}

/// One deploy in progress.
struct Run<'a, 'e> {
    connector: &'a Connector,
    nonce: &'a str,
    cancel: &'a Cancel,
    tally: &'a mut Tally,
    applied: &'a mut Applied,
    on_event: &'e mut dyn FnMut(Event),
}

impl Run<'_, '_> {
    fn all(&mut self, remote: &mut SshRemote, deployment: &Deployment) -> Result<(), AppError> {
        let steps: Vec<&dyn Step> = deployment.steps.iter().map(AsRef::as_ref).collect();
        let switch_at = deployment.switch.as_ref().map(|s| s.at);
        let dns_at = deployment.dns.as_ref().map(|(at, _)| *at);
        let mut bounds: Vec<usize> = [switch_at, dns_at].into_iter().flatten().collect();
        bounds.push(steps.len());
        bounds.sort_unstable();
        bounds.dedup();
        let mut skipped: Option<String> = None;
        let mut from = 0;
        for to in bounds {
            let part: Vec<&dyn Step> = steps[from..to]
                .iter()
                .copied()
                .filter(|step| skipped.as_deref() != Some(step.id().as_str()))
                .collect();
            self.part(remote, &part)?;
            from = to;
            if let Some(switch) = deployment.switch.as_ref().filter(|s| s.at == to)
                && !self.switch(remote, &switch.user)
            {
                skipped.clone_from(&switch.guarded);
            }
            if let Some((_, gate)) = deployment.dns.as_ref().filter(|(at, _)| *at == to) {
                self.dns(gate)?;
            }
        }
        Ok(())
    }

    fn part(&mut self, remote: &mut SshRemote, steps: &[&dyn Step]) -> Result<(), AppError> {
        let mut runner = Runner::new(remote, self.nonce, self.cancel.clone());
        let result = runner.apply_part(steps, self.tally, self.on_event);
        self.applied.round_trips += runner.round_trips;
        Ok(result?)
    }

    /// Logs in as the deploy user and proves sudo works; only then does the run go on as
    /// that user. `false` when it could not, said as a warning.
    fn switch(&mut self, remote: &mut SshRemote, user: &str) -> bool {
        let step = format!("login:{user}");
        (self.on_event)(Event::StepPlanned {
            step: step.clone(),
            description: format!("Slipway logs in as {user} and uses sudo"),
            plan: Planned::Change {
                actions: vec![format!("log in as {user} with the same key; sudo -n true")],
                diff: Diff::default(),
            },
        });
        let started = Instant::now();
        let proven = self.connector.connect_as(user).and_then(|mut next| {
            let exit = next
                .run("true", None, CONNECT_TIMEOUT, &mut |_, _| {})
                .map_err(|source| {
                    AppError::Run(RunError::Remote {
                        step: format!("login:{user}"),
                        source,
                    })
                })?;
            if exit.status == 0 {
                Ok(next)
            } else {
                Err(AppError::SudoRefused {
                    user: user.to_owned(),
                    said: exit.stderr.trim().to_owned(),
                })
            }
        });
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match proven {
            Ok(mut next) => {
                next.runs += remote.runs;
                *remote = next;
                (self.on_event)(Event::StepFinished {
                    step,
                    outcome: Outcome::Changed,
                    millis,
                });
                true
            }
            Err(error) => {
                let message = format!(
                    "Slipway could not log in as {user} with sudo ({error}), so root login \
                     and password login stay on and the deploy goes on as {}. Check that \
                     sshd lets {user} in (AllowUsers, AllowGroups, DenyUsers in \
                     /etc/ssh/sshd_config) and deploy again.",
                    remote.user()
                );
                self.applied.warnings.push(message.clone());
                (self.on_event)(Event::Warning {
                    step: step.clone(),
                    message,
                });
                (self.on_event)(Event::StepFinished {
                    step,
                    outcome: Outcome::Unchanged,
                    millis,
                });
                false
            }
        }
    }

    /// Waits until every name points at the server, or the gate's time is up.
    fn dns(&mut self, gate: &DnsGate) -> Result<(), AppError> {
        let step = gate.id();
        (self.on_event)(Event::StepPlanned {
            step: step.clone(),
            description: gate.describe(),
            plan: Planned::Change {
                actions: vec![format!(
                    "ask the name servers and resolvers, for up to {} s",
                    gate.wait.as_secs()
                )],
                diff: Diff::new(String::new(), format!("because: {}\n", gate.reason)),
            },
        });
        let started = Instant::now();
        let mut last: Option<(String, Instant)> = None;
        let on_event = &mut *self.on_event;
        let cancel = self.cancel;
        let result = slipway_dns::wait(
            &gate.names,
            &gate.expected,
            &gate.preflight,
            gate.wait,
            DNS_INTERVAL,
            &|| cancel.is_cancelled(),
            &mut |report, elapsed| {
                if report.ready() {
                    return;
                }
                let text = problems(report).join(" ");
                let message = format!(
                    "{text} ({} s of {} s)",
                    elapsed.as_secs(),
                    gate.wait.as_secs()
                );
                let due = last
                    .as_ref()
                    .is_none_or(|(seen, at)| *seen != text || at.elapsed() >= DNS_REPORT_EVERY);
                if due {
                    on_event(Event::Waiting {
                        step: step.clone(),
                        message,
                    });
                    last = Some((text, Instant::now()));
                }
            },
        );
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let error = match result {
            Ok(_) => {
                on_event(Event::StepFinished {
                    step,
                    outcome: Outcome::Unchanged,
                    millis,
                });
                return Ok(());
            }
            Err(slipway_dns::WaitError::Cancelled { .. }) => {
                AppError::Run(RunError::Cancelled { step: step.clone() })
            }
            Err(slipway_dns::WaitError::TimedOut { report, elapsed }) => AppError::DnsNotReady {
                problems: problems(&report),
                waited_secs: elapsed.as_secs(),
            },
        };
        on_event(Event::StepFinished {
            step,
            outcome: Outcome::Failed {
                message: error.to_string(),
            },
            millis,
        });
        Err(error)
    }
}

/// `event` with every secret the deploy carries replaced by `<redacted>`: a release
/// command may print one.
fn scrub(event: Event, redactor: &Redactor) -> Event {
    if redactor.is_empty() {
        return event;
    }
    let clean = |text: String| redactor.redact(&text).into_owned();
    match event {
        Event::Output { step, stream, line } => Event::Output {
            step,
            stream,
            line: clean(line),
        },
        Event::StepFinished {
            step,
            outcome: Outcome::Failed { message },
            millis,
        } => Event::StepFinished {
            step,
            outcome: Outcome::Failed {
                message: clean(message),
            },
            millis,
        },
        Event::Warning { step, message } => Event::Warning {
            step,
            message: clean(message),
        },
        other => other,
    }
}

/// `error` with the secrets the deploy carries scrubbed from what commands printed.
fn scrub_error(error: AppError, redactor: &Redactor) -> AppError {
    match error {
        AppError::Run(RunError::ActionFailed {
            step,
            action,
            status,
            stderr,
        }) => AppError::Run(RunError::ActionFailed {
            step,
            action,
            status,
            stderr: redactor.redact(&stderr).into_owned(),
        }),
        other => other,
    }
}

/// A sentence per name that does not point at the server yet.
fn problems(report: &slipway_dns::Report) -> Vec<String> {
    report.pending().map(|name| name.message.clone()).collect()
}
