//! What a deploy of a Python web app is made of: the server's state asked once, then the
//! steps that take it from there to the commit running live behind nginx.
//!
//! Layout on the server, for an app called `shop`:
//! - `/srv/shop/releases/<time>-<commit>`: one folder per release, sealed once built;
//! - `/srv/shop/venvs/<hash>`: virtualenvs, shared by releases with the same dependencies;
//! - `/srv/shop/shared`: the environment file, generated secrets, and the app's data;
//! - `/srv/shop/repo.git`: a mirror of the repository, when the server fetches the code;
//! - `/srv/shop/current` and `/srv/shop/live.sock`: the live release and its socket.

use std::collections::BTreeMap;
use std::net::Ipv6Addr;
use std::time::{SystemTime, UNIX_EPOCH};

use slipway_engine::{Cmd, Probe, Remote, RunError, Runner, Step};
use slipway_spec::spec::Installer;
use slipway_spec::{Framework, Interface, Problems, Spec};
use slipway_steps::apt::Packages;
use slipway_steps::dir::Directory;
use slipway_steps::env::{EnvFile, GeneratedSecret, PrivateFile};
use slipway_steps::file::sha256_hex;
use slipway_steps::live::{AppUnit, COLOURS, Health, Live, Reachable, SERVED_FILE, http_check};
use slipway_steps::nginx::{Site, SiteTls};
use slipway_steps::os::SupportedOs;
use slipway_steps::prune::Prune;
use slipway_steps::release::{
    BUILT_FILE, Build, COMMIT_FILE, Code, Installer as Tool, Mirror, Requirements, Source, UvTool,
    Virtualenv,
};
use slipway_steps::tls::{CertificateInfo, certificate_probe};
use slipway_steps::user::User;

use crate::error::AppError;
use crate::local::{LocalCommit, requirement_files};
use crate::secrets::Supplied;
use crate::secure::{self, DnsGate};
use slipway_secrets::{Redactor, Secret};

/// The uv release Slipway installs on servers.
pub const UV_VERSION: &str = "0.13.9";
/// Where uv is installed on servers.
pub const UV_HOME: &str = "/opt/slipway/uv";
/// How long a starting release may take to answer its health check.
pub const HEALTH_WAIT_SECS: u32 = 30;
/// How long the previous instance keeps running after a switch: it finishes the
/// requests it already has, and a rollback in that time needs no start.
pub const DRAIN_SECS: u32 = 30;

/// One release folder on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// Its name: `20261127-093015-a1b2c3d`.
    pub id: String,
    /// The commit it holds; empty when its code never finished arriving.
    pub commit: String,
    /// Built and sealed: it can go live.
    pub built: bool,
    /// It passed its health check and took traffic at least once.
    pub served: bool,
}

/// What the server has, asked in one round trip before planning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerState {
    /// Processors, for the worker count.
    pub cpus: u32,
    /// The distribution's Python, `3.11`; empty when it is not installed yet.
    pub python: String,
    /// Release folders, oldest first.
    pub releases: Vec<ReleaseInfo>,
    /// The live release's name, if one is live.
    pub current: Option<String>,
    /// The site's certificate, if the server has one.
    pub certificate: Option<CertificateInfo>,
    /// The server's public IPv6 address, if it has one.
    pub ipv6: Option<Ipv6Addr>,
}

impl ServerState {
    /// The release with this name.
    pub fn release(&self, id: &str) -> Option<&ReleaseInfo> {
        self.releases.iter().find(|r| r.id == id)
    }

    fn parse(output: &str) -> Self {
        let mut state = Self::default();
        for line in output.lines() {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("cpus") => state.cpus = words.next().and_then(|n| n.parse().ok()).unwrap_or(1),
                Some("python") => words
                    .next()
                    .unwrap_or_default()
                    .clone_into(&mut state.python),
                Some("ipv6") => state.ipv6 = words.next().and_then(|a| a.parse().ok()),
                Some("current") => {
                    state.current = words
                        .next()
                        .and_then(|path| path.rsplit('/').next())
                        .map(str::to_owned);
                }
                Some("release") => {
                    let id = words.next().unwrap_or_default().to_owned();
                    if id.is_empty() || id.ends_with(".incoming") {
                        continue;
                    }
                    let built = words.next() == Some("built");
                    let served = words.next() == Some("served");
                    let commit = words.next().unwrap_or_default().to_owned();
                    state.releases.push(ReleaseInfo {
                        id,
                        commit,
                        built,
                        served,
                    });
                }
                _ => {}
            }
        }
        state.releases.sort_by(|a, b| a.id.cmp(&b.id));
        state
    }
}

/// The app's folder on the server.
pub fn root(spec: &Spec) -> String {
    format!("/srv/{}", spec.app.name)
}

/// Asks the server what it has, in one round trip.
pub fn discover<R: Remote>(
    runner: &mut Runner<'_, R>,
    spec: &Spec,
) -> Result<ServerState, RunError> {
    let script = format!(
        r#"root=$1
echo "cpus $(nproc)"
echo "python $(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)"
echo "current $(readlink "$root/current")"
echo "ipv6 $(ip -6 -o addr show scope global 2>/dev/null | awk '{{ split($4, a, "/"); print a[1]; exit }}')"
for r in "$root"/releases/*; do
  [ -d "$r" ] || continue
  if [ -e "$r/{BUILT_FILE}" ]; then built=built; else built=unbuilt; fi
  if [ -e "$r/{SERVED_FILE}" ]; then served=served; else served=unserved; fi
  echo "release ${{r##*/}} $built $served $(cat "$r/{COMMIT_FILE}" 2>/dev/null)"
done
true"#
    );
    let probe = Probe::new(
        "discover",
        Cmd::new("sh").args(["-c", &script, "slipway", &root(spec)]),
    );
    let certificate = Probe::new("certificate", certificate_probe(&spec.app.name));
    let facts = runner.ask(vec![probe, certificate])?;
    let output = |key: &str| facts.get(key).map(|a| a.stdout.clone()).unwrap_or_default();
    let mut state = ServerState::parse(&output("discover"));
    if spec.domain.is_some() {
        state.certificate = CertificateInfo::parse(&output("certificate"));
    }
    Ok(state)
}

/// How the app is doing, as `slipway status` and the dashboard show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppStatus {
    /// Each instance (`shop@blue.service`) and its systemd state (`active`, `inactive`).
    pub instances: Vec<(String, String)>,
    /// The socket new connections go to, if any.
    pub traffic: Option<String>,
    /// The health check through nginx: the HTTP status, or why it failed.
    pub health: Result<u16, Unhealthy>,
}

/// Why the health check through nginx failed; `code` tells the UI which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Unhealthy {
    /// The site answered with an error status, such as 502 when the app is down.
    #[error("it answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// Nothing answered: nginx is not running, or the connection failed.
    #[error("no answer ({reason})")]
    NoAnswer {
        /// What the connection attempt reported.
        reason: String,
    },
}

impl Unhealthy {
    /// From the check's one line of output when it failed: `HTTP 502`, or an error.
    fn from_check(seen: &str) -> Self {
        match seen.strip_prefix("HTTP ").and_then(|s| s.parse().ok()) {
            Some(status) => Self::Status { status },
            None if seen.is_empty() => Self::NoAnswer {
                reason: "nothing was printed".into(),
            },
            None => Self::NoAnswer {
                reason: seen.to_owned(),
            },
        }
    }
}

/// Asks the server how the app is doing, in one round trip.
pub fn app_status<R: Remote>(
    runner: &mut Runner<'_, R>,
    spec: &Spec,
) -> Result<AppStatus, RunError> {
    let app = &spec.app.name;
    let instances: Vec<String> = COLOURS
        .iter()
        .map(|colour| format!("{app}@{colour}.service"))
        .collect();
    let probes = vec![
        Probe::new(
            "status:instances",
            Cmd::new("systemctl").arg("is-active").args(&instances),
        ),
        Probe::new(
            "status:traffic",
            Cmd::new("readlink").arg(format!("{}/live.sock", root(spec))),
        ),
        Probe::new(
            "status:health",
            // Over HTTPS where the site has it (plain HTTP then only redirects).
            http_check("https:127.0.0.1:443", &spec.app.health, &host(spec), 0).or(http_check(
                "127.0.0.1:80",
                &spec.app.health,
                &host(spec),
                0,
            )),
        ),
    ];
    let facts = runner.ask(probes)?;
    let text = |key: &str| {
        facts
            .get(key)
            .map(|a| a.stdout.trim().to_owned())
            .unwrap_or_default()
    };
    let active = text("status:instances");
    let traffic = text("status:traffic");
    // The last line: HTTP's answer when HTTPS did not answer first.
    let health = text("status:health")
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    Ok(AppStatus {
        instances: instances
            .into_iter()
            .zip(
                active
                    .lines()
                    .map(str::to_owned)
                    .chain(std::iter::repeat(String::from("unknown"))),
            )
            .collect(),
        traffic: (!traffic.is_empty()).then_some(traffic),
        health: match health.parse::<u16>() {
            Ok(code)
                if facts
                    .get("status:health")
                    .is_some_and(slipway_engine::Answer::ok) =>
            {
                Ok(code)
            }
            _ => Err(Unhealthy::from_check(&health)),
        },
    })
}

/// `YYYYMMDD-HHMMSS` in UTC.
fn timestamp(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rest = secs % 86_400;
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// How many gunicorn workers a server with `cpus` processors runs by default: gunicorn's
/// `2 × CPUs + 1` for WSGI, one per processor (at least two) for ASGI, at most 9.
pub fn default_workers(cpus: u32, interface: Interface) -> u32 {
    let cpus = cpus.max(1);
    match interface {
        Interface::Wsgi => (2 * cpus + 1).min(9),
        Interface::Asgi => cpus.clamp(2, 9),
    }
}

/// Packages that build from source on a server and what they need to do it.
const BUILD_NEEDS: &[(&str, &[&str])] = &[
    ("psycopg2", &["libpq-dev"]),
    ("mysqlclient", &["default-libmysqlclient-dev", "pkg-config"]),
    ("uwsgi", &[]),
    ("python-ldap", &["libldap2-dev", "libsasl2-dev"]),
];

/// Distribution packages the dependency files call for beyond Python itself: a
/// compiler and headers when something builds from source.
fn build_packages(inputs: &[(String, String)]) -> Vec<&'static str> {
    let mut packages = Vec::new();
    for (_, text) in inputs {
        for line in text.lines() {
            let name: String = line
                .trim()
                .trim_start_matches('"')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some((_, needs)) = BUILD_NEEDS.iter().find(|(n, _)| *n == name) {
                for package in ["build-essential", "python3-dev"]
                    .iter()
                    .chain(needs.iter())
                {
                    if !packages.contains(package) {
                        packages.push(*package);
                    }
                }
            }
        }
    }
    packages
}

/// What a deploy will do, with what the user should know before it does it.
pub struct Deployment {
    /// The release that will be live: reused when the server already has the commit.
    pub release: String,
    /// Whether the release folder is new.
    pub new_release: bool,
    /// The steps, in order.
    pub steps: Vec<Box<dyn Step>>,
    /// Where the run logs in again as the deploy user, if it must.
    pub switch: Option<Switch>,
    /// Where the run waits for DNS before the certificate is requested: the index of
    /// the step it comes before.
    pub dns: Option<(usize, DnsGate)>,
    /// Things worth saying that do not stop the deploy.
    pub warnings: Vec<String>,
    /// Scrubs the secrets this deploy carries out of everything it reports.
    pub redactor: Redactor,
}

/// The moment a run changes logins: from the one that created the server to the deploy
/// user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    /// The index of the first step run as the deploy user.
    pub at: usize,
    /// The deploy user.
    pub user: String,
    /// The id of the step applied only once the deploy user has proven it can log in
    /// with sudo (root login off).
    pub guarded: Option<String>,
}

impl Deployment {
    /// Steps alone, no pause: a rollback, or anything else that only switches releases.
    pub fn plain(release: String, steps: Vec<Box<dyn Step>>) -> Self {
        Self {
            release,
            new_release: false,
            steps,
            switch: None,
            dns: None,
            warnings: Vec::new(),
            redactor: Redactor::new([]),
        }
    }
}

/// Who Slipway is logged in as, and with which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The user.
    pub user: String,
    /// The public key, as an `authorized_keys` line.
    pub key: String,
}

/// How the app's dependencies will be installed, from the spec and the commit.
fn requirements(
    spec: &Spec,
    commit: &LocalCommit,
    uv: bool,
) -> Result<(Requirements, Vec<(String, String)>), AppError> {
    let listed = spec.app.dependencies.as_str();
    let invalid = |message: String| {
        let mut problems = Problems::default();
        problems.push("app.dependencies", message);
        AppError::Invalid(problems)
    };
    let file_name = listed.rsplit('/').next().unwrap_or(listed);
    let dir = listed.strip_suffix(file_name).unwrap_or_default();
    let read = |path: &str| {
        commit.file(path).ok_or_else(|| {
            invalid(format!(
                "{path} is not in commit {}: commit it, or fix the path",
                commit.short()
            ))
        })
    };
    match file_name {
        "pyproject.toml" | "uv.lock" => {
            let pyproject = format!("{dir}pyproject.toml");
            let lock = format!("{dir}uv.lock");
            let mut inputs = vec![(pyproject.clone(), read(&pyproject)?)];
            let locked = commit.file(&lock);
            if !uv {
                return Err(invalid(format!(
                    "pip cannot install from {listed}: keep installer = \"uv\" (the default), or list the dependencies in a requirements file"
                )));
            }
            match locked {
                Some(text) if dir.is_empty() => {
                    inputs.push((lock, text));
                    Ok((Requirements::UvLock, inputs))
                }
                _ if file_name == "uv.lock" => Err(invalid(format!("{lock} is not in commit {}", commit.short()))),
                _ => Ok((Requirements::Pyproject(pyproject), inputs)),
            }
        }
        "Pipfile" | "Pipfile.lock" => Err(invalid(
            "Slipway installs from a requirements file, pyproject.toml or uv.lock: run `pipenv requirements > requirements.txt`, commit it, and set dependencies = \"requirements.txt\"".into(),
        )),
        "poetry.lock" | "setup.py" | "setup.cfg" => Err(invalid(format!(
            "Slipway installs from a requirements file, pyproject.toml or uv.lock, not {file_name}: export a requirements.txt (for Poetry: `poetry export -o requirements.txt`), commit it, and set dependencies = \"requirements.txt\""
        ))),
        _ => {
            let inputs = requirement_files(commit, listed).map_err(invalid)?;
            Ok((Requirements::File(listed.to_owned()), inputs))
        }
    }
}

/// The `Host` health checks send: the domain, or the server's address without one.
pub fn host(spec: &Spec) -> String {
    names(spec).0
}

/// The host name health checks send, and the names nginx answers to.
fn names(spec: &Spec) -> (String, Vec<String>) {
    if let Some(domain) = &spec.domain {
        let mut names = vec![domain.name.clone()];
        names.extend(domain.aliases.iter().cloned());
        return (domain.name.clone(), names);
    }
    let host = spec
        .server
        .as_ref()
        .map_or_else(|| "localhost".to_owned(), |s| s.host.clone());
    (host, vec!["_".into()])
}

/// The variables the app's environment file holds: the spec's, over the ones Slipway
/// sets for the framework.
fn environment(spec: &Spec) -> Vec<(String, String)> {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    if spec.app.framework() == Some(Framework::Django) {
        let (_, mut hosts) = names(spec);
        hosts.retain(|h| h != "_");
        if let Some(server) = &spec.server {
            hosts.push(server.host.clone());
        }
        hosts.push("localhost".into());
        hosts.dedup();
        vars.insert("DJANGO_ALLOWED_HOSTS".into(), hosts.join(","));
    }
    for (name, value) in &spec.app.env {
        vars.insert(name.clone(), value.clone());
    }
    vars.into_iter().collect()
}

/// The pieces every plan of the app shares: its unit, environment and health check.
struct Parts {
    root: String,
    app: String,
    code_owner: String,
    unit: AppUnit,
    env: EnvFile,
    health: Health,
}

impl Parts {
    fn new(spec: &Spec, server: &ServerState) -> Self {
        let app = spec.app.name.clone();
        let root = root(spec);
        // The deploy user owns the code when there is one: the user deploys log in as.
        let login = secure::deploy_user(spec)
            .unwrap_or_else(|| spec.server.as_ref().map_or("root", |s| s.user.as_str()));
        let code_owner = format!("{login}:{login}");
        let interface = spec.app.interface().unwrap_or(Interface::Wsgi);
        let workers = if spec.app.workers > 0 {
            spec.app.workers
        } else {
            default_workers(server.cpus, interface)
        };
        let shared = format!("{root}/shared");
        let env_files = vec![format!("{shared}/generated.env"), format!("{shared}/env")];
        let unit = AppUnit {
            app: app.clone(),
            root: root.clone(),
            entry: spec.app.entry.clone(),
            asgi: interface == Interface::Asgi,
            workers,
            env_files,
        };
        let env = EnvFile {
            path: format!("{shared}/env"),
            owner: format!("{app}:{app}"),
            vars: environment(spec),
        };
        let (host, _) = names(spec);
        let health = Health {
            path: spec.app.health.clone(),
            host,
            wait_secs: HEALTH_WAIT_SECS,
        };
        Self {
            root,
            app,
            code_owner,
            unit,
            env,
            health,
        }
    }

    /// Adds the app's secret variables to its environment file.
    fn add_secrets(&mut self, secrets: &[(String, Secret)]) {
        if secrets.is_empty() {
            return;
        }
        let mut vars: BTreeMap<String, String> = self.env.vars.drain(..).collect();
        for (name, value) in secrets {
            vars.insert(name.clone(), value.expose().clone());
        }
        self.env.vars = vars.into_iter().collect();
    }

    /// What the running instance must match for `release`.
    fn stamp(&self, release: &str) -> String {
        let material = format!("{release}\0{}\0{}", self.unit.unit(), self.env.contents());
        sha256_hex(material.as_bytes())[..16].to_owned()
    }

    fn live(&self, release_dir: &str) -> Live {
        Live {
            unit: self.unit.clone(),
            release: release_dir.to_owned(),
            stamp: self.stamp(release_dir),
            health: self.health.clone(),
            drain_secs: DRAIN_SECS,
        }
    }

    fn reachable(&self, https: bool) -> Reachable {
        Reachable {
            address: if https {
                "https:127.0.0.1:443".into()
            } else {
                "127.0.0.1:80".into()
            },
            health: Health {
                wait_secs: 15,
                ..self.health.clone()
            },
        }
    }

    fn site(&self, spec: &Spec, tls: Option<SiteTls>) -> Site {
        let (_, server_names) = names(spec);
        let static_files = spec
            .app
            .static_files
            .iter()
            .map(|s| {
                let dir = s.dir.trim_end_matches('/');
                (s.url.clone(), format!("{}/current/{dir}", self.root))
            })
            .collect();
        Site {
            app: self.app.clone(),
            server_names,
            socket: self.unit.live_socket(),
            static_files,
            body_limit: spec.app.max_body_size.clone(),
            tls,
        }
    }

    fn prune(&self, spec: &Spec, protect: Vec<String>) -> Prune {
        Prune {
            root: self.root.clone(),
            keep: usize::try_from(spec.app.keep_releases).unwrap_or(5),
            protect,
        }
    }
}

/// The release that will hold `commit`: the live one when it already does, else any
/// built one that does (going back to it is instant), else a new one named for `now`.
/// `true` when it is new.
fn choose_release(server: &ServerState, commit: &LocalCommit, now: SystemTime) -> (String, bool) {
    let reusable = |r: &&ReleaseInfo| r.built && r.commit == commit.commit;
    let existing = server
        .current
        .as_deref()
        .and_then(|id| server.release(id))
        .filter(reusable)
        .or_else(|| server.releases.iter().rev().find(reusable));
    match existing {
        Some(found) => (found.id.clone(), false),
        None => (format!("{}-{}", timestamp(now), commit.short()), true),
    }
}

/// What everything stands on: a supported OS, the packages, and the deploy user (with
/// the key Slipway logged in with). These run before Slipway switches to that user.
fn access(spec: &Spec, inputs: &[(String, String)], login: &Login) -> Vec<Box<dyn Step>> {
    let mut packages = vec!["python3", "python3-venv", "nginx", "ca-certificates"];
    if !spec.app.repository.is_empty() {
        packages.push("git");
    }
    packages.extend(secure::packages(spec));
    packages.extend(build_packages(inputs));
    let mut steps: Vec<Box<dyn Step>> =
        vec![Box::new(SupportedOs), Box::new(Packages::new(packages))];
    steps.extend(secure::deploy_user_step(spec, &login.key));
    steps
}

/// What the app stands on, and where the run switches to the deploy user: [`access`],
/// then the lockdown and the rest of the hardening.
fn groundwork(
    spec: &Spec,
    inputs: &[(String, String)],
    login: &Login,
) -> (Vec<Box<dyn Step>>, Option<Switch>) {
    let mut steps = access(spec, inputs, login);
    let mut switch = secure::deploy_user(spec)
        .filter(|user| *user != login.user)
        .map(|user| Switch {
            at: steps.len(),
            user: user.to_owned(),
            guarded: None,
        });
    if let Some(lockdown) = secure::lockdown(spec) {
        if let Some(switch) = &mut switch {
            switch.guarded = Some(lockdown.id());
        }
        steps.push(lockdown);
    }
    steps.extend(secure::hardening(spec));
    (steps, switch)
}

/// The app's own user and folders.
fn app_home(parts: &Parts) -> Vec<Box<dyn Step>> {
    let (root, app) = (&parts.root, &parts.app);
    let folder = |path: String, owner: &str, mode: u32| -> Box<dyn Step> {
        Box::new(Directory {
            path,
            owner: owner.to_owned(),
            group: owner.to_owned(),
            mode,
        })
    };
    let login = parts.code_owner.split(':').next().unwrap_or("root");
    vec![
        Box::new(User {
            name: app.clone(),
            system: true,
            home: root.clone(),
            groups: Vec::new(),
        }),
        folder(root.clone(), login, 0o755),
        folder(format!("{root}/releases"), login, 0o755),
        folder(format!("{root}/venvs"), login, 0o755),
        folder(format!("{root}/shared"), app, 0o750),
    ]
}

/// What installs the dependencies: uv (its step added to `steps`), or pip.
fn installer(uv: bool, steps: &mut Vec<Box<dyn Step>>) -> Tool {
    if !uv {
        return Tool::Pip;
    }
    let tool = UvTool {
        home: UV_HOME.into(),
        version: UV_VERSION.into(),
    };
    let binary = tool.binary();
    steps.push(Box::new(tool));
    Tool::Uv(binary)
}

/// The server's mirror of the repository at `commit`, with the deploy key from the
/// keychain installed first when there is one.
fn mirror_steps(
    spec: &Spec,
    commit: &LocalCommit,
    mirror: &str,
    deploy_key: Option<Secret>,
) -> Vec<Box<dyn Step>> {
    let mut steps: Vec<Box<dyn Step>> = Vec::new();
    let key_path = match deploy_key {
        Some(key) => {
            let path = format!("{}/deploy_key", root(spec));
            steps.push(Box::new(PrivateFile {
                path: path.clone(),
                owner: "root:root".into(),
                what: "the deploy key".into(),
                contents: key.expose().clone(),
            }));
            Some(path)
        }
        None => (!spec.app.deploy_key.is_empty()).then(|| spec.app.deploy_key.clone()),
    };
    steps.push(Box::new(Mirror {
        path: mirror.to_owned(),
        url: spec.app.repository.clone(),
        commit: commit.commit.clone(),
        deploy_key: key_path,
    }));
    steps
}

/// Packages the app server needs that the app's own dependency files do not name.
fn extras(inputs: &[(String, String)], asgi: bool) -> Vec<String> {
    let mentions = |name: &str| {
        inputs
            .iter()
            .any(|(_, text)| text.to_ascii_lowercase().contains(name))
    };
    let mut extras = Vec::new();
    if !mentions("gunicorn") {
        extras.push("gunicorn".to_owned());
    }
    if asgi && !mentions("uvicorn-worker") && !mentions("uvicorn_worker") {
        extras.push("uvicorn-worker".to_owned());
    }
    extras
}

/// A warning when the project asks for a Python the server does not have.
fn python_warning(spec: &Spec, server: &ServerState) -> Option<String> {
    let wanted = &spec.app.python;
    let have = &server.python;
    (!wanted.is_empty() && !have.is_empty() && !have.starts_with(wanted.as_str())).then(|| {
        format!(
            "the app asks for Python {wanted} but the server has Python {have}: the app runs on \
             {have}; test it there, or choose a server whose distribution ships {wanted}"
        )
    })
}

/// The steps that put `commit` live on a server in `server`'s state, at `now`, logged
/// in as `login`, with the secrets and files `supplied` from this computer.
pub fn deployment(
    spec: &Spec,
    commit: &LocalCommit,
    server: &ServerState,
    login: &Login,
    supplied: Supplied,
    now: SystemTime,
) -> Result<Deployment, AppError> {
    let redactor = Redactor::new(supplied.values());
    let Supplied {
        ca_pem,
        env: secret_env,
        deploy_key,
    } = supplied;
    let mut parts = Parts::new(spec, server);
    parts.add_secrets(&secret_env);
    let (root, app) = (&parts.root, &parts.app);
    let uv = spec.app.installer() != Some(Installer::Pip);
    let (requirements, inputs) = requirements(spec, commit, uv)?;
    let (release, new_release) = choose_release(server, commit, now);
    let release_dir = format!("{root}/releases/{release}");
    let https = secure::https(spec, server.certificate.as_ref(), server.ipv6, ca_pem)?;
    let (mut steps, switch) = groundwork(spec, &inputs, login);
    let (current_site, dns, certificate, tls_site) = match https {
        Some(https) => {
            steps.extend(https.trust);
            let site = Some(https.site);
            (https.current_site, https.dns, https.certificate, site)
        }
        None => (None, None, Vec::new(), None),
    };
    steps.extend(app_home(&parts));
    let installer = installer(uv, &mut steps);
    let source = if spec.app.repository.is_empty() {
        // Only a new release needs the archive; a reused one is already on the server.
        Source::Archive(if new_release {
            commit.archive()?
        } else {
            Vec::new()
        })
    } else {
        let mirror = format!("{root}/repo.git");
        steps.extend(mirror_steps(spec, commit, &mirror, deploy_key));
        Source::Mirror {
            path: mirror,
            subdir: commit.subdir.clone(),
        }
    };
    steps.push(Box::new(Code {
        release: release_dir.clone(),
        commit: commit.commit.clone(),
        owner: format!("{app}:{app}"),
        source,
    }));
    steps.push(Box::new(Virtualenv {
        root: root.clone(),
        release: release_dir.clone(),
        requirements,
        extras: extras(&inputs, parts.unit.asgi),
        inputs,
        installer,
        owner: parts.code_owner.clone(),
    }));
    steps.push(Box::new(parts.env.clone()));
    if spec.app.framework() == Some(Framework::Django) {
        steps.push(Box::new(GeneratedSecret {
            path: format!("{root}/shared/generated.env"),
            name: "DJANGO_SECRET_KEY".into(),
            owner: format!("{app}:{app}"),
        }));
    }
    steps.push(Box::new(Build {
        release: release_dir.clone(),
        app_user: app.clone(),
        env_files: parts.unit.env_files.clone(),
        commands: spec.app.release.clone(),
        code_owner: parts.code_owner.clone(),
    }));
    steps.push(Box::new(parts.unit.clone()));
    steps.push(Box::new(parts.live(&release_dir)));
    let served_over_https = current_site.is_some();
    steps.push(Box::new(parts.site(spec, current_site)));
    steps.push(Box::new(parts.reachable(served_over_https)));
    let mut protect = vec![release.clone()];
    protect.extend(server.current.clone());
    steps.push(Box::new(parts.prune(spec, protect)));
    let dns = dns.map(|gate| (steps.len(), gate));
    steps.extend(certificate);
    if let Some(tls) = tls_site.filter(|_| !served_over_https) {
        steps.push(Box::new(parts.site(spec, Some(tls))));
        steps.push(Box::new(parts.reachable(true)));
    }
    Ok(Deployment {
        release,
        new_release,
        steps,
        switch,
        dns,
        warnings: python_warning(spec, server).into_iter().collect(),
        redactor,
    })
}

/// The steps that put an existing release back live: no code, no build, just the switch.
pub fn rollback(
    spec: &Spec,
    server: &ServerState,
    to: Option<&str>,
) -> Result<Deployment, AppError> {
    // Only releases that once served traffic: one whose health check failed never did.
    let built: Vec<&ReleaseInfo> = server
        .releases
        .iter()
        .filter(|r| r.built && r.served)
        .collect();
    let missing = |id: &str| AppError::NoSuchRelease {
        id: id.to_owned(),
        known: built.iter().map(|r| r.id.clone()).collect(),
    };
    let target = if let Some(id) = to {
        built
            .iter()
            .find(|r| r.id == id)
            .copied()
            .ok_or_else(|| missing(id))?
    } else {
        let live = server.current.as_deref().unwrap_or_default();
        let before = match built.iter().position(|r| r.id == live) {
            Some(i) if i > 0 => Some(built[i - 1]),
            Some(_) => None,
            None => built.last().copied(),
        };
        before.ok_or_else(|| missing("before the live one"))?
    };
    let parts = Parts::new(spec, server);
    let release_dir = format!("{}/releases/{}", parts.root, target.id);
    let steps: Vec<Box<dyn Step>> = vec![
        Box::new(parts.env.clone()),
        Box::new(parts.unit.clone()),
        Box::new(parts.live(&release_dir)),
        Box::new(parts.reachable(server.certificate.is_some())),
    ];
    Ok(Deployment::plain(target.id.clone(), steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_start_with_the_time_in_utc() {
        let time = UNIX_EPOCH + std::time::Duration::from_secs(1_795_743_015);
        assert_eq!(timestamp(time), "20261127-013015");
        assert_eq!(timestamp(UNIX_EPOCH), "19700101-000000");
        let leap = UNIX_EPOCH + std::time::Duration::from_hours(264_384);
        assert_eq!(timestamp(leap), "20000229-000000");
    }

    #[test]
    fn a_failed_health_check_says_which_way_it_failed() {
        assert_eq!(
            Unhealthy::from_check("HTTP 502"),
            Unhealthy::Status { status: 502 }
        );
        let refused = Unhealthy::from_check("Connection refused");
        assert_eq!(refused.to_string(), "no answer (Connection refused)");
        assert_eq!(
            serde_json::to_value(&refused).expect("serialises"),
            serde_json::json!({"code": "no_answer", "reason": "Connection refused"})
        );
    }

    #[test]
    fn workers_follow_the_processors() {
        assert_eq!(default_workers(1, Interface::Wsgi), 3);
        assert_eq!(default_workers(2, Interface::Wsgi), 5);
        assert_eq!(default_workers(16, Interface::Wsgi), 9);
        assert_eq!(default_workers(1, Interface::Asgi), 2);
        assert_eq!(default_workers(4, Interface::Asgi), 4);
    }

    #[test]
    fn the_server_state_is_read_from_one_listing() {
        let state = ServerState::parse(
            "cpus 2\npython 3.11\ncurrent /srv/shop/releases/20261101-000000-aaaaaaa\n\
             release 20261102-000000-bbbbbbb unbuilt unserved bbbb\n\
             release 20261101-000000-aaaaaaa built served aaaa\n\
             release 20261103-000000-ccccccc.incoming unbuilt unserved \n",
        );
        assert_eq!(state.cpus, 2);
        assert_eq!(state.python, "3.11");
        assert_eq!(state.current.as_deref(), Some("20261101-000000-aaaaaaa"));
        assert_eq!(
            state.releases,
            [
                ReleaseInfo {
                    id: "20261101-000000-aaaaaaa".into(),
                    commit: "aaaa".into(),
                    built: true,
                    served: true,
                },
                ReleaseInfo {
                    id: "20261102-000000-bbbbbbb".into(),
                    commit: "bbbb".into(),
                    built: false,
                    served: false,
                },
            ]
        );
    }

    fn spec(dependencies: &str, installer: &str) -> Spec {
        let mut spec = Spec::default();
        spec.app.name = "shop".into();
        spec.app.framework = "flask".into();
        spec.app.entry = "app:app".into();
        spec.app.interface = "wsgi".into();
        spec.app.dependencies = dependencies.into();
        spec.app.installer = installer.into();
        spec
    }

    fn refusal(result: Result<(Requirements, Vec<(String, String)>), AppError>) -> String {
        match result {
            Err(AppError::Invalid(problems)) => problems.0[0].to_string(),
            Err(other) => panic!("another error: {other}"),
            Ok((found, _)) => panic!("accepted as {found:?}"),
        }
    }

    #[test]
    fn dependency_files_decide_how_the_virtualenv_is_built() {
        let (_repo, commit) = crate::local::tests::committed(&[
            ("requirements.txt", "-r base.txt\n"),
            ("base.txt", "flask\n"),
            ("pyproject.toml", "[project]\nname = \"shop\"\n"),
            ("uv.lock", "version = 1\n"),
            ("Pipfile", "[packages]\n"),
        ]);
        let (found, inputs) =
            requirements(&spec("requirements.txt", "pip"), &commit, false).expect("pip reads it");
        assert_eq!(found, Requirements::File("requirements.txt".into()));
        assert_eq!(inputs.len(), 2, "the included file counts too");
        let (found, inputs) =
            requirements(&spec("pyproject.toml", "uv"), &commit, true).expect("uv reads it");
        assert_eq!(found, Requirements::UvLock, "a lock file beside it wins");
        assert_eq!(inputs.len(), 2);
        assert_eq!(
            refusal(requirements(&spec("pyproject.toml", "pip"), &commit, false)),
            "app.dependencies: pip cannot install from pyproject.toml: keep installer = \"uv\" \
             (the default), or list the dependencies in a requirements file"
        );
        assert!(
            refusal(requirements(&spec("Pipfile", "uv"), &commit, true))
                .contains("run `pipenv requirements > requirements.txt`")
        );
        assert!(
            refusal(requirements(
                &spec("requirements/prod.txt", "uv"),
                &commit,
                true
            ))
            .starts_with("app.dependencies: requirements/prod.txt is not in commit ")
        );
    }

    #[test]
    fn build_tools_come_only_with_packages_that_compile() {
        let inputs = vec![(
            "requirements.txt".to_owned(),
            "flask\npsycopg2==2.9.9\n".to_owned(),
        )];
        assert_eq!(
            build_packages(&inputs),
            ["build-essential", "python3-dev", "libpq-dev"]
        );
        let wheels = vec![(
            "requirements.txt".to_owned(),
            "psycopg2-binary\n".to_owned(),
        )];
        assert!(build_packages(&wheels).is_empty());
    }
}
