//! The dashboard: the projects this computer deploys, how each one's last run ended
//! (from its [`History`], without touching the network), and what its server says right
//! now (one SSH connection, on request).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use slipway_engine::lock;
use slipway_secrets::SecretStore;
use slipway_spec::Spec;
use ts_rs::TS;

use crate::cloud::{self, Endpoints};
use crate::deploy::{self, Connector};
use crate::error::AppError;
use crate::history::{DataDir, History, RunOutcome, RunRecord};
use crate::notify::site_url;
use crate::project::{CONFIG_FILE, read_spec};
use crate::run::{self, Local};

/// The projects the dashboard lists, in the order they were added: `projects.json` in
/// the data folder. It holds folders only; each project's spec stays in its own
/// `slipway.toml`.
#[derive(Debug, Clone)]
pub struct Registry {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    projects: Vec<PathBuf>,
}

impl Registry {
    /// The registry in `data`.
    pub fn of(data: &DataDir) -> Self {
        Self {
            path: data.path().join("projects.json"),
        }
    }

    fn read(&self) -> Result<Stored, AppError> {
        match fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| AppError::Io {
                action: "read",
                path: self.path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Stored::default()),
            Err(source) => Err(AppError::Io {
                action: "read",
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn write(&self, stored: &Stored) -> Result<(), AppError> {
        let io = |source| AppError::Io {
            action: "write",
            path: self.path.clone(),
            source,
        };
        if let Some(parent) = self.path.parent() {
            fs::create_dir_all(parent).map_err(io)?;
        }
        let staged = self.path.with_extension("json.new");
        let text = serde_json::to_string_pretty(stored).unwrap_or_default();
        fs::write(&staged, text).map_err(io)?;
        fs::rename(&staged, &self.path).map_err(io)
    }

    /// The project folders, oldest first.
    pub fn folders(&self) -> Result<Vec<PathBuf>, AppError> {
        Ok(self.read()?.projects)
    }

    /// Adds the project in `folder`; adding it again changes nothing.
    pub fn add(&self, folder: &Path) -> Result<(), AppError> {
        let mut stored = self.read()?;
        if !stored.projects.iter().any(|p| p == folder) {
            stored.projects.push(folder.to_owned());
            self.write(&stored)?;
        }
        Ok(())
    }

    /// Whether the project in `folder` is listed.
    pub fn contains(&self, folder: &Path) -> Result<bool, AppError> {
        Ok(self.read()?.projects.iter().any(|p| p == folder))
    }

    /// Takes the project in `folder` off the list; `false` when it was not on it.
    pub fn remove(&self, folder: &Path) -> Result<bool, AppError> {
        let mut stored = self.read()?;
        let before = stored.projects.len();
        stored.projects.retain(|p| p != folder);
        if stored.projects.len() == before {
            return Ok(false);
        }
        self.write(&stored)?;
        Ok(true)
    }
}

/// One project on the dashboard, from this computer alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProjectCard {
    /// The folder holding `slipway.toml`.
    pub folder: String,
    /// The app's name (the folder's name when the spec cannot be read).
    pub name: String,
    /// Where the site answers.
    pub url: Option<String>,
    /// Where it runs, for people: `DigitalOcean · fra1 · s-1vcpu-1gb` or `deploy@host`.
    pub server: String,
    /// The provider that made the server, when one did: Remove can destroy it.
    pub provider: Option<String>,
    /// The server's name at the provider, which Remove asks to be typed back.
    pub server_name: Option<String>,
    /// The latest run.
    pub last: Option<RunRecord>,
    /// The latest run that went live.
    pub last_live: Option<RunRecord>,
    /// Why the project cannot be deployed as it is (its `slipway.toml` is gone or
    /// invalid), with what to do.
    pub problem: Option<String>,
}

fn describe_server(spec: &Spec) -> (String, Option<String>, Option<String>) {
    let Some(server) = spec.server.as_ref() else {
        return ("no server yet".into(), None, None);
    };
    match server.provider() {
        Some(provider) => {
            let name = if server.name.is_empty() {
                spec.app.name.replace('_', "-")
            } else {
                server.name.clone()
            };
            (
                format!("{} · {} · {}", provider.label(), server.region, server.size),
                Some(provider.label().to_owned()),
                Some(name),
            )
        }
        None => (format!("{}@{}", server.user, server.host), None, None),
    }
}

/// The card of the project in `folder`.
pub fn card(data: &DataDir, folder: &Path) -> ProjectCard {
    let runs = History::of(data, folder).runs().unwrap_or_default();
    let last = runs.first().cloned();
    let last_live = runs
        .iter()
        .find(|r| matches!(r.outcome, RunOutcome::Live { .. }))
        .cloned();
    let fallback = folder.file_name().map_or_else(
        || folder.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut card = ProjectCard {
        folder: folder.display().to_string(),
        name: fallback,
        url: None,
        server: String::new(),
        provider: None,
        server_name: None,
        last,
        last_live,
        problem: None,
    };
    match read_spec(&folder.join(CONFIG_FILE)) {
        Ok(spec) => {
            let (server, provider, server_name) = describe_server(&spec);
            card.url = Some(site_url(&spec));
            card.name = spec.app.name;
            card.server = server;
            card.provider = provider;
            card.server_name = server_name;
        }
        Err(error) => {
            card.problem = Some(format!(
                "{error}. Open the project to fix it, or remove it from the list."
            ));
        }
    }
    card
}

/// Every project's card, in the order they were added.
pub fn cards(data: &DataDir) -> Result<Vec<ProjectCard>, AppError> {
    Ok(Registry::of(data)
        .folders()?
        .iter()
        .map(|folder| card(data, folder))
        .collect())
}

/// One release kept on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReleaseRow {
    /// Its name.
    pub id: String,
    /// Its commit, short.
    pub commit: String,
    /// It is live now.
    pub live: bool,
    /// It can go live again at once: built, and it served before.
    pub ready: bool,
}

/// The site's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CertificateRow {
    /// The names it covers.
    pub names: Vec<String>,
    /// Who issued it.
    pub issuer: String,
    /// When it expires, as the certificate says it.
    pub expires: String,
    /// Whole days left; negative once expired.
    #[ts(type = "number")]
    pub days_left: i64,
}

/// What the project's server says right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LiveStatus {
    /// The health check through nginx passed.
    pub healthy: bool,
    /// What it returned: `HTTP 200`, or why it failed.
    pub health: String,
    /// The live release.
    pub release: Option<String>,
    /// Its commit, short.
    pub commit: Option<String>,
    /// Every kept release, newest first.
    pub releases: Vec<ReleaseRow>,
    /// The certificate, when the site has a domain and a certificate.
    pub certificate: Option<CertificateRow>,
    /// Who holds the deploy lock, if anyone: a run is going on (or died holding it).
    pub locked_by: Option<String>,
}

fn short(commit: &str) -> String {
    commit.chars().take(7).collect()
}

/// Connects to the project's server (found at its provider) and asks it how the site
/// is. A host key never seen before is refused, not asked about: the first deploy pins
/// it.
pub fn live_status(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
    local: &Local,
) -> Result<LiveStatus, AppError> {
    let spec = cloud::locate(spec, store, endpoints)?;
    let connector = Connector::new(&spec, &local.known_hosts, &local.env, store)?;
    let mut remote = connector.connect()?;
    let server = deploy::server_state(&mut remote, &spec, &run::nonce())?;
    let app = deploy::app_status(&mut remote, &spec, &run::nonce())?;
    let locked_by = lock::holder(&mut remote)?
        .map(|holder| format!("{} ({}, process {})", holder.who, holder.doing, holder.pid));
    let live = server.current.as_deref().and_then(|id| server.release(id));
    Ok(LiveStatus {
        healthy: app.health.is_ok(),
        health: match &app.health {
            Ok(code) => format!("HTTP {code}"),
            Err(why) => why.to_string(),
        },
        release: live.map(|r| r.id.clone()),
        commit: live.map(|r| short(&r.commit)),
        releases: server
            .releases
            .iter()
            .rev()
            .map(|r| ReleaseRow {
                id: r.id.clone(),
                commit: short(&r.commit),
                live: server.current.as_deref() == Some(r.id.as_str()),
                ready: r.built && r.served,
            })
            .collect(),
        certificate: spec
            .domain
            .as_ref()
            .and(server.certificate.as_ref())
            .map(|c| CertificateRow {
                names: c.names.clone(),
                issuer: c.issuer.clone(),
                expires: c.not_after.clone(),
                days_left: c.days_left,
            }),
        locked_by,
    })
}

/// Takes the project off the dashboard and forgets its history. With `destroy` (the
/// server's name, typed back by the user), its server is destroyed at its provider
/// first; a wrong name destroys nothing and keeps the project listed.
pub fn remove(
    data: &DataDir,
    folder: &Path,
    destroy: Option<&str>,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
    local: &Local,
) -> Result<(), AppError> {
    if let Some(confirmation) = destroy {
        let spec = read_spec(&folder.join(CONFIG_FILE))?;
        cloud::destroy_server(&spec, store, endpoints, &local.known_hosts, confirmation)?;
    }
    Registry::of(data).remove(folder)?;
    History::of(data, folder).forget()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_keeps_each_folder_once_in_the_order_added() {
        let temp = tempfile::tempdir().expect("temp dir");
        let registry = Registry::of(&DataDir::at(temp.path().join("data")));
        assert!(registry.folders().expect("empty").is_empty());
        registry.add(Path::new("/home/ada/shop")).expect("adds");
        registry.add(Path::new("/home/ada/blog")).expect("adds");
        registry.add(Path::new("/home/ada/shop")).expect("again");
        assert_eq!(
            registry.folders().expect("listed"),
            vec![
                PathBuf::from("/home/ada/shop"),
                PathBuf::from("/home/ada/blog")
            ]
        );
        assert!(
            registry
                .remove(Path::new("/home/ada/shop"))
                .expect("removes")
        );
        assert!(!registry.remove(Path::new("/home/ada/shop")).expect("gone"));
        assert!(
            !registry
                .contains(Path::new("/home/ada/shop"))
                .expect("reads")
        );
        assert_eq!(
            registry.folders().expect("listed"),
            vec![PathBuf::from("/home/ada/blog")]
        );
    }

    #[test]
    fn a_card_names_the_project_its_server_and_a_spec_it_cannot_read() {
        let temp = tempfile::tempdir().expect("temp dir");
        let data = DataDir::at(temp.path().join("data"));
        let folder = temp.path().join("shop");
        fs::create_dir_all(&folder).expect("folder");
        let missing = card(&data, &folder);
        assert_eq!(missing.name, "shop");
        assert!(
            missing
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("slipway.toml")),
            "{missing:?}"
        );
        let mut spec = Spec::default();
        spec.app.name = "shop".into();
        spec.app.framework = "flask".into();
        spec.app.entry = "app:app".into();
        spec.app.interface = "wsgi".into();
        spec.server = Some(slipway_spec::ServerSpec {
            provider: "digitalocean".into(),
            region: "fra1".into(),
            size: "s-1vcpu-1gb".into(),
            key: "keychain".into(),
            ..slipway_spec::ServerSpec::default()
        });
        spec.domain = Some(slipway_spec::DomainSpec {
            name: "shop.example.com".into(),
            ..slipway_spec::DomainSpec::default()
        });
        fs::write(folder.join(CONFIG_FILE), spec.to_toml()).expect("spec");
        let card = card(&data, &folder);
        assert_eq!(card.problem, None);
        assert_eq!(card.server, "DigitalOcean · fra1 · s-1vcpu-1gb");
        assert_eq!(card.server_name.as_deref(), Some("shop"));
        assert_eq!(card.url.as_deref(), Some("https://shop.example.com"));
        assert_eq!(card.last, None);
    }
}
