//! A whole deploy, as every front end runs it: the commit, the server (made or found at
//! its provider), the domain's records, the connection with its host key, the plan, the
//! steps under the server's lock, and the notifications.
//!
//! The front end is an [`Observer`]: it is told what happens ([`Progress`]) and asked
//! the few questions a deploy may need answered (create a server the provider bills
//! for? trust this host key? apply this plan?). The CLI prints and reads the terminal;
//! the desktop app streams to its window.

use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use slipway_engine::lock::Holder;
use slipway_engine::{Cancel, Event, Planned, RunError, Step, StepPlan};
use slipway_notify::{Delivery, Desktop, Kind};
use slipway_secrets::SecretStore;
use slipway_spec::{DnsProvider, ServerProvider, Spec};
use slipway_ssh::{HostKeyEvent, SshError, SshRemote, Trust};

use crate::cloud::{self, CloudEvent, Endpoints, ManualRecord};
use crate::deploy::{self, Connector, Environment};
use crate::error::AppError;
use crate::local::LocalCommit;
use crate::notify::{self, Ended, Services};
use crate::secrets::Supplied;
use crate::web::{self, Deployment};

/// What to deploy, and where the user's files and secrets are.
pub struct Request<'a> {
    /// The spec, as `slipway.toml` holds it.
    pub spec: Spec,
    /// The folder holding `slipway.toml`.
    pub folder: PathBuf,
    /// The commit to deploy, such as `HEAD`.
    pub revision: String,
    /// Deploy the commit although the app's folder has uncommitted changes.
    pub allow_uncommitted: bool,
    /// Break a lock left by a deploy that died.
    pub force_unlock: bool,
    /// The known-hosts file.
    pub known_hosts: PathBuf,
    /// Home folder and ssh-agent.
    pub env: Environment,
    /// Where secrets are.
    pub store: &'a dyn SecretStore,
    /// The providers' APIs.
    pub endpoints: Endpoints,
    /// The notification services' addresses.
    pub services: Services,
    /// Who holds the server's lock while this runs.
    pub holder: Holder,
    /// Set to stop after the running action.
    pub cancel: Cancel,
    /// A marker for probe output, fresh for each run.
    pub nonce: String,
}

/// Where this computer keeps what a deploy needs, read from the environment once.
#[derive(Debug, Clone)]
pub struct Local {
    /// Home folder and ssh-agent socket.
    pub env: Environment,
    /// The known-hosts file Slipway keeps: `SLIPWAY_KNOWN_HOSTS`, else
    /// `$XDG_CONFIG_HOME/slipway/known_hosts` (`~/.config/…`).
    pub known_hosts: PathBuf,
    /// `user@computer`, recorded in the server's lock.
    pub who: String,
}

impl Local {
    /// Reads `HOME`, `XDG_CONFIG_HOME`, `SLIPWAY_KNOWN_HOSTS`, `SSH_AUTH_SOCK`, `USER`
    /// and the host name.
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
        Self {
            env: Environment { home, agent },
            known_hosts,
            who: format!("{user}@{}", host.trim()),
        }
    }

    /// The lock holder for a run that is `doing` something, from this process, now.
    pub fn holder(&self, doing: &str) -> Holder {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Holder {
            who: self.who.clone(),
            pid: std::process::id(),
            since,
            doing: doing.into(),
        }
    }
}

/// A fresh marker for probe output: time and process, never reused in practice.
pub fn nonce() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", nanos, std::process::id())
}

/// A server the provider would create, as the user is asked about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewServer {
    /// The provider.
    pub provider: ServerProvider,
    /// Region, size and image.
    pub region: String,
    /// The size.
    pub size: String,
    /// The image.
    pub image: String,
}

/// The plan, as the user reviews it before anything changes.
pub struct Review<'a> {
    /// Each step's id and plan, in order.
    pub plans: &'a [(String, StepPlan)],
    /// The steps themselves.
    pub steps: &'a [&'a dyn Step],
    /// The deployment they belong to.
    pub deployment: &'a Deployment,
    /// The commit.
    pub commit: &'a LocalCommit,
}

/// What happens during a deploy, in order.
pub enum Progress<'a> {
    /// The commit that will be deployed.
    Commit(&'a LocalCommit),
    /// The server is being found or made at its provider.
    Server(ServerProvider),
    /// The domain's records are being pointed at the server.
    Dns(DnsProvider),
    /// Something happened at a provider.
    Cloud(CloudEvent),
    /// Records the user must create by hand.
    ByHand(&'a [ManualRecord]),
    /// A host key seen for the first time was trusted and recorded.
    HostTrusted {
        /// The host.
        host: &'a str,
        /// `SHA256:…`.
        fingerprint: &'a str,
    },
    /// Something the user should know, which does not stop the deploy.
    Warning(&'a str),
    /// A step's progress.
    Step(&'a Event),
    /// A lock left by a deploy that died was broken.
    LockBroken(&'a Holder),
    /// The run's round trips: every remote execution, and those of the steps.
    RoundTrips {
        /// All of them.
        all: usize,
        /// The steps'.
        steps: usize,
    },
    /// The channels were told how the run ended.
    Notified(&'a [Delivery]),
}

/// The front end of a deploy.
pub trait Observer {
    /// Something happened.
    fn progress(&mut self, progress: Progress<'_>);

    /// Whether to create a server the provider bills for. Asked only when the
    /// project has none yet and [`Observer::asks_first`] is true.
    fn create_server(&mut self, server: &NewServer) -> bool;

    /// What to do about a host key seen for the first time: `None` refuses it.
    fn trust_host(&mut self, host: &str, fingerprint: &str) -> Option<Trust>;

    /// Whether the user wants to see the plan and to be asked before a server is
    /// created and before anything changes.
    fn asks_first(&self) -> bool;

    /// Whether to apply this plan. Asked only when [`Observer::asks_first`] is true.
    fn review(&mut self, review: &Review<'_>) -> bool;

    /// Whether to switch the site from release `live` (none when nothing is live) back
    /// to `target`. Asked only when [`Observer::asks_first`] is true.
    fn switch_back(&mut self, live: Option<&str>, target: &str) -> bool;
}

/// A deploy that went live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Live {
    /// The release now live.
    pub release: String,
    /// Its commit, short.
    pub commit: String,
    /// Where the site answers.
    pub url: String,
}

/// Runs a deploy. `Ok(None)` when the user declined; a failure is reported on the
/// notification channels before it is returned, and leaves the site serving what it
/// served before.
pub fn deploy(
    request: &Request<'_>,
    observer: &mut dyn Observer,
) -> Result<Option<Live>, AppError> {
    let spec = &request.spec;
    let commit = deploy::read_commit(
        spec,
        &request.folder,
        &request.revision,
        request.allow_uncommitted,
    )?;
    observer.progress(Progress::Commit(&commit));
    let ca_pem = deploy::read_ca_bundle(spec, &request.folder, &request.env)?;
    let supplied = Supplied::read(request.store, spec, ca_pem)?;
    let started = Instant::now();
    let result = provision(request, observer).and_then(|located| match located {
        Some(located) => go_live(request, observer, &located, &commit, supplied),
        None => Ok(None),
    });
    let ended = match &result {
        Ok(None) => return Ok(None),
        Ok(Some(live)) => Ok(live),
        Err(error) => Err(error),
    };
    let deliveries = tell(
        spec,
        request.store,
        &request.services,
        Kind::Deploy,
        ended.map(|live| (live.release.as_str(), live.commit.as_str())),
        started,
    );
    observer.progress(Progress::Notified(&deliveries));
    result
}

/// Notifies the spec's channels how a run ended (the release and commit when it went
/// live) and returns what happened on each; a channel that fails never fails the run.
pub fn tell(
    spec: &Spec,
    store: &dyn SecretStore,
    services: &Services,
    kind: Kind,
    ended: Result<(&str, &str), &AppError>,
    started: Instant,
) -> Vec<Delivery> {
    let channels = notify::channels(spec, store, services, Desktop::new());
    if channels.ready.is_empty() && channels.unavailable.is_empty() {
        return Vec::new();
    }
    let step;
    let hint;
    let ended = match ended {
        Ok((release, commit)) => Ended::Live { release, commit },
        Err(error) => {
            step = failed_step(error);
            hint = error.to_string();
            Ended::Failed {
                step: &step,
                hint: &hint,
            }
        }
    };
    notify::report(spec, &channels, kind, &ended, started.elapsed())
}

/// The step a run stopped at, for notifications.
pub fn failed_step(error: &AppError) -> String {
    match error {
        AppError::Run(
            RunError::Remote { step, .. }
            | RunError::Probe { step, .. }
            | RunError::ActionFailed { step, .. }
            | RunError::NotConverged { step, .. }
            | RunError::Deferred { step, .. }
            | RunError::Cancelled { step },
        ) => step.clone(),
        AppError::DnsNotReady { .. } => "dns".into(),
        AppError::Locked(_) => "lock".into(),
        AppError::Cloud(_)
        | AppError::NoCloudServer { .. }
        | AppError::HostKeyNotReplaced { .. } => "server".into(),
        _ => "connect".into(),
    }
}

/// Gets the spec's server from its provider (creating it the first time, after asking
/// when the observer asks first) and points the domain at it through the DNS provider.
/// Returns the spec with the server's address, or `None` when the user declined.
fn provision(request: &Request<'_>, observer: &mut dyn Observer) -> Result<Option<Spec>, AppError> {
    let spec = &request.spec;
    let Some(server) = spec.server.as_ref() else {
        return Ok(Some(spec.clone()));
    };
    let store = request.store;
    let endpoints = &request.endpoints;
    let dns = spec.domain.as_ref().map(|d| d.dns.provider());
    let (located, ipv4, ipv6, created) = match server.provider() {
        None => (spec.clone(), cloud::host_address(spec), None, false),
        Some(provider) => {
            if observer.asks_first() && cloud::find_server(spec, store, endpoints)?.is_none() {
                let new = NewServer {
                    provider,
                    region: server.region.clone(),
                    size: server.size.clone(),
                    image: server.image_or_default(provider),
                };
                if !observer.create_server(&new) {
                    return Ok(None);
                }
            }
            observer.progress(Progress::Server(provider));
            let found =
                cloud::ensure_server(spec, store, endpoints, &request.known_hosts, &mut |event| {
                    observer.progress(Progress::Cloud(event));
                })?;
            let address = found.address()?;
            let created = found.created;
            (
                cloud::with_address(spec, address),
                Some(address),
                found.server.public_ipv6,
                created,
            )
        }
    };
    match (dns, ipv4) {
        (Some(DnsProvider::Manual), Some(ipv4)) if created => {
            // A server made just now: its address is new, so the records cannot point
            // at it yet. Say which to create before the deploy waits for them.
            let records = cloud::manual_records(spec, ipv4, ipv6);
            observer.progress(Progress::ByHand(&records));
        }
        (Some(DnsProvider::Manual) | None, _) => {}
        (Some(provider), ipv4) => {
            let ipv4 = ipv4.ok_or_else(|| AppError::NoIpv4 {
                host: server.host.clone(),
            })?;
            observer.progress(Progress::Dns(provider));
            let pointed = cloud::point_dns(spec, store, endpoints, ipv4, ipv6, &mut |event| {
                observer.progress(Progress::Cloud(event));
            })?;
            if !pointed.by_hand.is_empty() {
                observer.progress(Progress::ByHand(&pointed.by_hand));
            }
        }
    }
    Ok(Some(located))
}

/// Connects, prepares, reviews and applies; `Ok(None)` when the user declined the plan.
fn go_live(
    request: &Request<'_>,
    observer: &mut dyn Observer,
    spec: &Spec,
    commit: &LocalCommit,
    supplied: Supplied,
) -> Result<Option<Live>, AppError> {
    let connector = Connector::new(spec, &request.known_hosts, &request.env, request.store)?;
    let (mut remote, connector) = connect(spec, observer, connector)?;
    let (_, deployment) = deploy::prepare(&mut remote, spec, commit, supplied, &request.nonce)?;
    for warning in &deployment.warnings {
        observer.progress(Progress::Warning(warning));
    }
    let steps: Vec<&dyn Step> = deployment.steps.iter().map(AsRef::as_ref).collect();
    if observer.asks_first() {
        let plans = deploy::plan(&mut remote, &steps, &request.nonce)?;
        let review = Review {
            plans: &plans,
            steps: &steps,
            deployment: &deployment,
            commit,
        };
        if !observer.review(&review) {
            return Ok(None);
        }
    }
    apply(request, observer, &mut remote, &deployment, &connector)?;
    Ok(Some(Live {
        release: deployment.release.clone(),
        commit: commit.short().to_owned(),
        url: notify::site_url(spec),
    }))
}

/// One step of a deploy's plan, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlannedStep {
    /// The step's id: `nginx:shop`.
    pub id: String,
    /// What it makes true.
    pub description: String,
    /// Already so, what would change, or what it waits for.
    pub plan: Planned,
}

/// What a deploy would change on the server, found without changing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Preview {
    /// The release the deploy would make.
    pub release: String,
    /// The commit, short.
    pub commit: String,
    /// Its subject line.
    pub subject: String,
    /// What the user should know first.
    pub warnings: Vec<String>,
    /// Every step, in order.
    pub steps: Vec<PlannedStep>,
}

/// What a deploy of `request` would change on its server, without changing anything:
/// the spec may be one still being edited. The server must exist already (made by an
/// earlier deploy, or the user's own) and its host key be known; a key never seen is
/// refused here and asked about when the deploy runs.
pub fn preview(request: &Request<'_>) -> Result<Preview, AppError> {
    let spec = cloud::locate(&request.spec, request.store, &request.endpoints)?;
    let commit = deploy::read_commit(
        &spec,
        &request.folder,
        &request.revision,
        request.allow_uncommitted,
    )?;
    let ca_pem = deploy::read_ca_bundle(&spec, &request.folder, &request.env)?;
    let supplied = Supplied::read(request.store, &spec, ca_pem)?;
    let connector = Connector::new(&spec, &request.known_hosts, &request.env, request.store)?;
    let mut remote = connector.connect()?;
    let (_, deployment) = deploy::prepare(&mut remote, &spec, &commit, supplied, &request.nonce)?;
    let steps: Vec<&dyn Step> = deployment.steps.iter().map(AsRef::as_ref).collect();
    let plans = deploy::plan(&mut remote, &steps, &request.nonce)?;
    Ok(Preview {
        release: deployment.release.clone(),
        commit: commit.short().to_owned(),
        subject: commit.subject.clone(),
        warnings: deployment.warnings.clone(),
        steps: plans
            .iter()
            .zip(&steps)
            .map(|((id, plan), step)| PlannedStep {
                id: id.clone(),
                description: step.describe(),
                plan: slipway_engine::runner::summarise(plan),
            })
            .collect(),
    })
}

/// Applies `deployment` under the server's lock, telling the observer every step.
fn apply(
    request: &Request<'_>,
    observer: &mut dyn Observer,
    remote: &mut SshRemote,
    deployment: &Deployment,
    connector: &Connector,
) -> Result<(), AppError> {
    let applied = deploy::deploy(
        remote,
        deployment,
        connector,
        &request.holder,
        request.force_unlock,
        &request.nonce,
        &request.cancel,
        &mut |event| observer.progress(Progress::Step(&event)),
    )?;
    if let Some(holder) = &applied.broken_lock {
        observer.progress(Progress::LockBroken(holder));
    }
    for warning in &applied.warnings {
        observer.progress(Progress::Warning(warning));
    }
    observer.progress(Progress::RoundTrips {
        all: remote.runs,
        steps: applied.round_trips,
    });
    Ok(())
}

/// Switches the site back to the kept release `to` (the one before the live one when
/// `None`), without building anything; `request.revision` and `allow_uncommitted` are
/// not used. `Ok(None)` when the user declined. The channels hear how the switch ended.
pub fn rollback(
    request: &Request<'_>,
    to: Option<&str>,
    observer: &mut dyn Observer,
) -> Result<Option<Live>, AppError> {
    let spec = cloud::locate(&request.spec, request.store, &request.endpoints)?;
    let connector = Connector::new(&spec, &request.known_hosts, &request.env, request.store)?;
    let (mut remote, connector) = connect(&spec, observer, connector)?;
    let server = deploy::server_state(&mut remote, &spec, &request.nonce)?;
    let deployment = web::rollback(&spec, &server, to)?;
    let target = deployment.release.clone();
    if observer.asks_first() && !observer.switch_back(server.current.as_deref(), &target) {
        return Ok(None);
    }
    let live = Live {
        commit: server
            .release(&target)
            .map(|r| r.commit.chars().take(7).collect())
            .unwrap_or_default(),
        release: target,
        url: notify::site_url(&spec),
    };
    let started = Instant::now();
    let result = apply(request, observer, &mut remote, &deployment, &connector);
    let deliveries = tell(
        &spec,
        request.store,
        &request.services,
        Kind::Rollback,
        result
            .as_ref()
            .map(|()| (live.release.as_str(), live.commit.as_str())),
        started,
    );
    observer.progress(Progress::Notified(&deliveries));
    result.map(|()| Some(live))
}

/// Logs in, asking the observer about a host key seen for the first time. Returns the
/// connection and the connector that made it (trusting what the user accepted).
pub fn connect(
    spec: &Spec,
    observer: &mut dyn Observer,
    connector: Connector,
) -> Result<(SshRemote, Connector), AppError> {
    let (remote, connector) = match connector.connect() {
        Err(AppError::Ssh(SshError::HostKeyUnknown { host, fingerprint })) => {
            let Some(trust) = observer.trust_host(&host, &fingerprint) else {
                return Err(AppError::Ssh(SshError::HostKeyUnknown {
                    host,
                    fingerprint,
                }));
            };
            let connector = connector.trusting(trust);
            (connector.connect()?, connector)
        }
        other => (other?, connector),
    };
    if let HostKeyEvent::Trusted { fingerprint } = &remote.host_key {
        let host = spec
            .server
            .as_ref()
            .map(|s| s.host.as_str())
            .unwrap_or_default();
        observer.progress(Progress::HostTrusted { host, fingerprint });
    }
    Ok((remote, connector))
}

/// A record to create by hand, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HandRecord {
    /// The full name.
    pub name: String,
    /// `A` or `AAAA`.
    pub kind: String,
    /// The address.
    pub value: String,
}

/// A deploy's progress as the window receives it: [`Progress`] made plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum News {
    /// The commit being deployed.
    Commit {
        /// Its first seven characters.
        short: String,
        /// Its subject line.
        subject: String,
        /// Uncommitted changes left behind on this computer.
        uncommitted: u32,
    },
    /// The server is being found or made at `provider`.
    Server {
        /// The provider, for people.
        provider: String,
    },
    /// The domain is being pointed at the server through `provider`.
    Dns {
        /// The DNS provider, for people.
        provider: String,
    },
    /// Something happened at a provider.
    Cloud {
        /// What, in a sentence.
        message: String,
    },
    /// Records to create by hand.
    ByHand {
        /// The records.
        records: Vec<HandRecord>,
    },
    /// A host key seen for the first time was trusted and recorded.
    HostTrusted {
        /// The host.
        host: String,
        /// `SHA256:…`.
        fingerprint: String,
    },
    /// Something the user should know; the deploy goes on.
    Warning {
        /// What, and what to do.
        message: String,
    },
    /// A step's progress.
    Step {
        /// What happened.
        event: Event,
    },
    /// A lock left by a deploy that died was broken.
    LockBroken {
        /// Whose it was.
        who: String,
    },
    /// Where the news of the deploy went.
    Notified {
        /// Channels that were told.
        sent: Vec<String>,
        /// Channels that could not be told, with why.
        failed: Vec<String>,
    },
}

impl News {
    /// The window's view of `progress`; `None` for what it does not show.
    pub fn from_progress(progress: &Progress<'_>) -> Option<Self> {
        let text = |s: &str| s.to_owned();
        Some(match progress {
            Progress::Commit(commit) => Self::Commit {
                short: commit.short().to_owned(),
                subject: commit.subject.clone(),
                uncommitted: u32::try_from(commit.uncommitted.len()).unwrap_or(u32::MAX),
            },
            Progress::Server(provider) => Self::Server {
                provider: text(provider.label()),
            },
            Progress::Dns(provider) => Self::Dns {
                provider: text(provider.label()),
            },
            Progress::Cloud(event) => Self::Cloud {
                message: event.to_string(),
            },
            Progress::ByHand(records) => Self::ByHand {
                records: records
                    .iter()
                    .map(|r| HandRecord {
                        name: r.name.clone(),
                        kind: text(r.kind),
                        value: r.value.clone(),
                    })
                    .collect(),
            },
            Progress::HostTrusted { host, fingerprint } => Self::HostTrusted {
                host: text(host),
                fingerprint: text(fingerprint),
            },
            Progress::Warning(message) => Self::Warning {
                message: text(message),
            },
            Progress::Step(event) => Self::Step {
                event: (*event).clone(),
            },
            Progress::LockBroken(holder) => Self::LockBroken {
                who: holder.who.clone(),
            },
            Progress::RoundTrips { .. } => return None,
            Progress::Notified(deliveries) => Self::Notified {
                sent: deliveries
                    .iter()
                    .filter(|d| d.is_sent())
                    .map(|d| d.target.clone())
                    .collect(),
                failed: deliveries
                    .iter()
                    .filter_map(|d| d.error().map(|why| format!("{}: {why}", d.target)))
                    .collect(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use slipway_engine::Outcome;

    use super::*;

    #[test]
    fn the_window_hears_steps_and_providers_as_plain_tagged_data() {
        let event = Event::StepFinished {
            step: "nginx:shop".into(),
            outcome: Outcome::Changed,
            millis: 300,
        };
        let news = News::from_progress(&Progress::Step(&event)).expect("shown");
        assert_eq!(
            serde_json::to_value(&news).expect("serialises"),
            serde_json::json!({
                "kind": "step",
                "event": {"event": "step_finished", "step": "nginx:shop",
                          "outcome": {"kind": "changed"}, "millis": 300}
            })
        );
        let records = [ManualRecord {
            name: "example.com".into(),
            kind: "A",
            value: "203.0.113.5".into(),
        }];
        let news = News::from_progress(&Progress::ByHand(&records)).expect("shown");
        assert_eq!(
            serde_json::to_value(&news).expect("serialises"),
            serde_json::json!({
                "kind": "by_hand",
                "records": [{"name": "example.com", "kind": "A", "value": "203.0.113.5"}]
            })
        );
        assert_eq!(
            News::from_progress(&Progress::RoundTrips { all: 4, steps: 2 }),
            None,
            "round trips are for the terminal"
        );
    }
}
