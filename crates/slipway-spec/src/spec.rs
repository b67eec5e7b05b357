//! The spec: one deployment described in `slipway.toml`.
//!
//! The types hold what the user wrote, so a file with mistakes still loads and every
//! mistake can be reported at once by [`Spec::validate`]. Fields that name a choice
//! (`framework`, `interface`, `installer`) stay strings here and are read through typed
//! accessors once validated; the generated TypeScript types still show the choices.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::check::{self, quote};
use crate::cloud::ServerProvider;
pub use crate::notify::NotifySpec;
use crate::problem::{Problem, Problems};
pub use crate::site::{Acme, DomainSpec, HardenSpec, Swap, TlsSpec};

/// The web frameworks Slipway knows how to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// Django (WSGI by default, ASGI through `asgi.py`).
    Django,
    /// Flask (WSGI).
    Flask,
    /// `FastAPI` (ASGI).
    FastApi,
    /// Starlette (ASGI).
    Starlette,
    /// Pyramid (WSGI, usually through a `PasteDeploy` `.ini` file).
    Pyramid,
    /// Any other WSGI application.
    Wsgi,
    /// Any other ASGI application.
    Asgi,
}

impl Framework {
    /// Every framework, in the order the UI offers them.
    pub const ALL: [Self; 7] = [
        Self::Django,
        Self::Flask,
        Self::FastApi,
        Self::Starlette,
        Self::Pyramid,
        Self::Wsgi,
        Self::Asgi,
    ];

    /// The name used in `slipway.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Django => "django",
            Self::Flask => "flask",
            Self::FastApi => "fastapi",
            Self::Starlette => "starlette",
            Self::Pyramid => "pyramid",
            Self::Wsgi => "wsgi",
            Self::Asgi => "asgi",
        }
    }

    /// The name people know the framework by.
    pub fn label(self) -> &'static str {
        match self {
            Self::Django => "Django",
            Self::Flask => "Flask",
            Self::FastApi => "FastAPI",
            Self::Starlette => "Starlette",
            Self::Pyramid => "Pyramid",
            Self::Wsgi => "WSGI app",
            Self::Asgi => "ASGI app",
        }
    }

    /// The interface the framework's apps speak, where the framework decides it.
    pub fn fixed_interface(self) -> Option<Interface> {
        match self {
            Self::Flask | Self::Pyramid | Self::Wsgi => Some(Interface::Wsgi),
            Self::FastApi | Self::Starlette | Self::Asgi => Some(Interface::Asgi),
            Self::Django => None,
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Framework {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.key() == value)
            .ok_or_else(|| {
                let keys: Vec<&str> = Self::ALL.iter().map(|f| f.key()).collect();
                format!(
                    "{} is not a framework Slipway runs; use one of {}",
                    quote(value),
                    keys.join(", ")
                )
            })
    }
}

/// How the app server talks to the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Interface {
    /// Synchronous WSGI, served by gunicorn.
    Wsgi,
    /// Asynchronous ASGI, served by gunicorn with uvicorn workers.
    Asgi,
}

impl Interface {
    /// The name used in `slipway.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Wsgi => "wsgi",
            Self::Asgi => "asgi",
        }
    }
}

impl FromStr for Interface {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "wsgi" => Ok(Self::Wsgi),
            "asgi" => Ok(Self::Asgi),
            _ => Err(format!(
                "{} is not an interface; use \"wsgi\" or \"asgi\"",
                quote(value)
            )),
        }
    }
}

/// What installs the app's dependencies into its virtualenv on the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Installer {
    /// uv, the faster of the two; the default.
    #[default]
    Uv,
    /// pip from the server's Python.
    Pip,
}

impl Installer {
    /// The name used in `slipway.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Uv => "uv",
            Self::Pip => "pip",
        }
    }
}

impl FromStr for Installer {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "uv" => Ok(Self::Uv),
            "pip" => Ok(Self::Pip),
            _ => Err(format!(
                "{} is not an installer Slipway uses; use \"uv\" or \"pip\"",
                quote(value)
            )),
        }
    }
}

/// Where gunicorn finds the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// `module:attribute`, or `module:factory()` for an application factory.
    Object {
        /// Dotted module path, such as `mysite.wsgi`.
        module: String,
        /// Attribute holding the app, such as `application`.
        attribute: String,
        /// The attribute is a factory to call (`create_app()`).
        factory: bool,
    },
    /// A `PasteDeploy` configuration file, as Pyramid projects use (`production.ini`).
    Paste {
        /// The `.ini` file, relative to the app folder.
        ini: String,
    },
}

impl FromStr for Entry {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        check::required(value, 200)?;
        if std::path::Path::new(value)
            .extension()
            .is_some_and(|e| e == "ini")
        {
            check::relative_path(value)?;
            return Ok(Self::Paste {
                ini: value.to_owned(),
            });
        }
        let shape = || {
            format!(
                "{} should name a module and the app in it, like app:app, \
                 mysite.wsgi:application or myapp:create_app()",
                quote(value)
            )
        };
        let (module, attribute) = value.split_once(':').ok_or_else(shape)?;
        let (attribute, factory) = match attribute.strip_suffix("()") {
            Some(name) => (name, true),
            None => (attribute, false),
        };
        let module_ok = module.split('.').all(check::python_identifier);
        if !module_ok || !check::python_identifier(attribute) {
            return Err(shape());
        }
        Ok(Self::Object {
            module: module.to_owned(),
            attribute: attribute.to_owned(),
            factory,
        })
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Object {
                module,
                attribute,
                factory: false,
            } => write!(f, "{module}:{attribute}"),
            Self::Object {
                module,
                attribute,
                factory: true,
            } => {
                write!(f, "{module}:{attribute}()")
            }
            Self::Paste { ini } => f.write_str(ini),
        }
    }
}

/// The value of `server.key` and `app.deploy_key` that means "the project's key in the
/// keychain".
pub const KEYCHAIN: &str = "keychain";

/// One deployment: what to run, where, under which name, and whom to tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The application and how to run it.
    pub app: AppSpec,
    /// The server it runs on; absent until the user has chosen one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub server: Option<ServerSpec>,
    /// The public name of the site; absent while the app is only reached by address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub domain: Option<DomainSpec>,
    /// HTTPS certificate settings; required with a domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub tls: Option<TlsSpec>,
    /// How the server is locked down.
    #[serde(default, skip_serializing_if = "HardenSpec::is_default")]
    pub harden: HardenSpec,
    /// Who hears about finished and failed deploys.
    #[serde(default, skip_serializing_if = "NotifySpec::is_default")]
    pub notify: NotifySpec,
}

/// The application and how to run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    /// Short name: the service, its system user and its folder on the server.
    pub name: String,
    /// The app's folder, relative to the folder holding `slipway.toml`.
    #[serde(default = "default_path")]
    pub path: String,
    /// One of the keys of [`Framework`]; empty until detected or chosen.
    #[ts(type = "Framework | \"\"")]
    pub framework: String,
    /// Where gunicorn finds the app: `module:app`, `module:factory()` or `production.ini`.
    pub entry: String,
    /// `wsgi` or `asgi`; empty until detected or chosen.
    #[ts(type = "Interface | \"\"")]
    pub interface: String,
    /// Python version asked for, such as `3.12`; empty for the server's own Python.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub python: String,
    /// The file listing dependencies, relative to the app folder.
    pub dependencies: String,
    /// Folders nginx serves directly.
    #[serde(default, rename = "static", skip_serializing_if = "Vec::is_empty")]
    pub static_files: Vec<StaticSpec>,
    /// Commands run in each new release before it goes live, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub release: Vec<String>,
    /// URL path a deploy requests before sending traffic to a new release, such as
    /// `/health`; `/` by default.
    #[serde(default = "default_health")]
    pub health: String,
    /// Gunicorn worker processes; 0 chooses from the server's CPUs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub workers: u32,
    /// `uv` or `pip`: what installs the dependencies on the server.
    #[serde(
        default = "default_installer",
        skip_serializing_if = "is_default_installer"
    )]
    #[ts(type = "Installer")]
    pub installer: String,
    /// How many releases stay on the server, the live one included, for instant
    /// rollback.
    #[serde(
        default = "default_keep_releases",
        skip_serializing_if = "is_default_keep_releases"
    )]
    pub keep_releases: u32,
    /// The largest request body nginx accepts, in nginx's units (`25m`, `512k`, `1g`):
    /// uploads bigger than this are refused with HTTP 413.
    #[serde(
        default = "default_max_body_size",
        skip_serializing_if = "is_default_max_body_size"
    )]
    pub max_body_size: String,
    /// Git URL the server fetches the code from; empty to upload the commit from this
    /// computer.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub repository: String,
    /// Absolute path, on the server, of the private key for fetching `repository` over
    /// SSH; `keychain` for the project's deploy key, which Slipway keeps in the keychain
    /// and installs; empty when none is needed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub deploy_key: String,
    /// Environment variables the app runs with (`[app.env]`), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(type = "Record<string, string>")]
    pub env: BTreeMap<String, String>,
    /// Environment variables whose values are secrets: kept in the keychain (as
    /// `env/NAME`), never in this file, and written only to the server's private
    /// environment file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}

impl Default for AppSpec {
    fn default() -> Self {
        Self {
            name: String::new(),
            path: default_path(),
            framework: String::new(),
            entry: String::new(),
            interface: String::new(),
            python: String::new(),
            dependencies: String::new(),
            static_files: Vec::new(),
            release: Vec::new(),
            health: default_health(),
            workers: 0,
            installer: default_installer(),
            keep_releases: default_keep_releases(),
            max_body_size: default_max_body_size(),
            repository: String::new(),
            deploy_key: String::new(),
            env: BTreeMap::new(),
            secrets: Vec::new(),
        }
    }
}

/// A folder of files nginx serves under a URL prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaticSpec {
    /// URL prefix, such as `/static/`.
    pub url: String,
    /// Folder relative to the app folder, such as `staticfiles`.
    pub dir: String,
}

/// The server to deploy to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    /// Who makes the server: `digitalocean`, `hetzner` or `sandbox`; empty for a server
    /// the user already has, at `host`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub provider: String,
    /// Host name or IP address; empty when a provider makes the server (Slipway asks
    /// the provider for its address).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// SSH port.
    #[serde(default = "default_port")]
    pub port: u32,
    /// The user Slipway logs in as.
    #[serde(default = "default_user")]
    pub user: String,
    /// The private key file to log in with (`~/` allowed); `keychain` for the project's
    /// key in the keychain (`slipway key new`); empty to use ssh-agent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// With a provider: where the server runs, such as `fra1` (DigitalOcean) or `fsn1`
    /// (Hetzner).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// With a provider: the size or server type, such as `s-1vcpu-1gb` or `cx22`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub size: String,
    /// With a provider: the system image; empty for Debian 12.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// With a provider: the server's name there; empty for the app's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// With a provider: give the server a public IPv6 address too (and AAAA records).
    #[serde(default, skip_serializing_if = "is_false")]
    pub ipv6: bool,
}

fn default_path() -> String {
    ".".into()
}
/// The request body limit when the spec does not say.
const DEFAULT_MAX_BODY_SIZE: &str = "25m";
fn default_max_body_size() -> String {
    DEFAULT_MAX_BODY_SIZE.into()
}
fn is_default_max_body_size(value: &str) -> bool {
    value == DEFAULT_MAX_BODY_SIZE
}
fn default_health() -> String {
    "/".into()
}
fn default_installer() -> String {
    Installer::default().key().into()
}
fn is_default_installer(value: &str) -> bool {
    value == Installer::default().key()
}
/// Releases kept on the server when the spec does not say.
const DEFAULT_KEEP_RELEASES: u32 = 5;
fn default_keep_releases() -> u32 {
    DEFAULT_KEEP_RELEASES
}
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_default_keep_releases(value: &u32) -> bool {
    *value == DEFAULT_KEEP_RELEASES
}
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(value: &u32) -> bool {
    *value == 0
}
fn default_port() -> u32 {
    22
}
pub(crate) fn yes() -> bool {
    true
}
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
pub(crate) fn is_true(value: &bool) -> bool {
    *value
}
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
pub(crate) fn is_false(value: &bool) -> bool {
    !value
}
fn default_user() -> String {
    "root".into()
}

/// Why a `slipway.toml` could not be read as a spec.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The text is not TOML, or has a field of the wrong type or an unknown field.
    #[error("{0}")]
    Syntax(Problem),
}

impl Spec {
    /// Reads a spec from the text of a `slipway.toml`.
    ///
    /// Only the shape is checked here; call [`Spec::validate`] for the values.
    pub fn from_toml(text: &str) -> Result<Self, SpecError> {
        toml::from_str(text).map_err(|error| {
            let line = error
                .span()
                .map(|span| 1 + text[..span.start].matches('\n').count());
            let message = error.message().trim_end().to_owned();
            let message = match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            };
            SpecError::Syntax(Problem::new(field_of_error(text, &error), message))
        })
    }

    /// The `slipway.toml` text for this spec.
    pub fn to_toml(&self) -> String {
        // Serialising these plain structs cannot fail: every map key is a string.
        toml::to_string(self).expect("a Spec always serialises to TOML")
    }

    /// Every problem with the spec, in file order; empty when it is ready to deploy.
    pub fn validate(&self) -> Problems {
        let mut problems = Problems::default();
        self.app.validate(&mut problems);
        if let Some(server) = &self.server {
            server.validate(&mut problems);
        }
        if let Some(domain) = &self.domain {
            domain.validate(&mut problems);
            if self.tls.is_none() {
                problems.push(
                    "tls.email",
                    "is required with a domain: Let's Encrypt writes there before a \
                     certificate expires",
                );
            }
        }
        if let Some(tls) = &self.tls {
            tls.validate(&mut problems);
        }
        self.harden.validate(self.server.as_ref(), &mut problems);
        self.notify.validate(&mut problems);
        problems
    }
}

pub(crate) fn record(problems: &mut Problems, field: impl Into<String>, verdict: check::Check) {
    if let Err(message) = verdict {
        problems.push(field, message);
    }
}

impl AppSpec {
    /// The framework, once [`Spec::validate`] has passed.
    pub fn framework(&self) -> Option<Framework> {
        self.framework.parse().ok()
    }

    /// The interface, once [`Spec::validate`] has passed.
    pub fn interface(&self) -> Option<Interface> {
        self.interface.parse().ok()
    }

    /// The entry point, once [`Spec::validate`] has passed.
    pub fn entry(&self) -> Option<Entry> {
        self.entry.parse().ok()
    }

    /// The dependency installer, once [`Spec::validate`] has passed.
    pub fn installer(&self) -> Option<Installer> {
        self.installer.parse().ok()
    }

    fn validate(&self, problems: &mut Problems) {
        record(problems, "app.name", check::app_name(&self.name));
        record(problems, "app.path", check::relative_path(&self.path));
        let framework = self.framework.parse::<Framework>();
        if self.framework.is_empty() {
            problems.push("app.framework", "is required");
        } else if let Err(message) = &framework {
            problems.push("app.framework", message.clone());
        }
        let entry = self.entry.parse::<Entry>();
        if let Err(message) = &entry {
            problems.push("app.entry", message.clone());
        }
        match self.interface.parse::<Interface>() {
            Err(_) if self.interface.is_empty() => problems.push("app.interface", "is required"),
            Err(message) => problems.push("app.interface", message),
            Ok(interface) => {
                let fixed = framework.ok().and_then(Framework::fixed_interface);
                if let (Some(fixed), Ok(framework)) = (fixed, self.framework.parse::<Framework>())
                    && fixed != interface
                {
                    problems.push(
                        "app.interface",
                        format!(
                            "{} apps are {}; set interface = \"{}\"",
                            framework.label(),
                            fixed.key().to_uppercase(),
                            fixed.key()
                        ),
                    );
                } else if matches!(entry, Ok(Entry::Paste { .. })) && interface == Interface::Asgi {
                    problems.push(
                        "app.interface",
                        "a PasteDeploy .ini entry serves WSGI; set interface = \"wsgi\"",
                    );
                }
            }
        }
        if !self.python.is_empty() {
            record(problems, "app.python", check::python_version(&self.python));
        }
        record(
            problems,
            "app.dependencies",
            check::relative_path(&self.dependencies),
        );
        let mut urls = Vec::new();
        for (i, mount) in self.static_files.iter().enumerate() {
            record(
                problems,
                format!("app.static[{i}].url"),
                check::url_prefix(&mount.url),
            );
            record(
                problems,
                format!("app.static[{i}].dir"),
                check::relative_path(&mount.dir),
            );
            if urls.contains(&&mount.url) {
                problems.push(
                    format!("app.static[{i}].url"),
                    format!("{} is listed twice", quote(&mount.url)),
                );
            }
            urls.push(&mount.url);
        }
        for (i, command) in self.release.iter().enumerate() {
            record(
                problems,
                format!("app.release[{i}]"),
                check::command_line(command),
            );
        }
        self.validate_deploy_settings(problems);
    }

    /// The settings of how releases are fetched, installed, started and kept.
    fn validate_deploy_settings(&self, problems: &mut Problems) {
        record(problems, "app.health", check::health_path(&self.health));
        record(problems, "app.workers", check::workers(self.workers));
        if let Err(message) = self.installer.parse::<Installer>() {
            problems.push("app.installer", message);
        }
        record(
            problems,
            "app.keep_releases",
            check::keep_releases(self.keep_releases),
        );
        record(
            problems,
            "app.max_body_size",
            check::body_size(&self.max_body_size),
        );
        if !self.repository.is_empty() {
            record(
                problems,
                "app.repository",
                check::repository(&self.repository),
            );
        }
        if !self.deploy_key.is_empty() {
            if check::ssh_repository(&self.repository) {
                if self.deploy_key != KEYCHAIN {
                    record(
                        problems,
                        "app.deploy_key",
                        check::server_key_path(&self.deploy_key),
                    );
                }
            } else {
                problems.push(
                    "app.deploy_key",
                    "only used with an SSH repository URL (ssh://… or git@host:path)",
                );
            }
        }
        for (name, value) in &self.env {
            let field = format!("app.env.{name}");
            if let Err(message) = check::env_name(name) {
                problems.push(field, message);
            } else {
                record(problems, field, check::env_value(value));
            }
        }
        for (i, name) in self.secrets.iter().enumerate() {
            let field = format!("app.secrets[{i}]");
            if let Err(message) = check::env_name(name) {
                problems.push(field, message);
            } else if self.env.contains_key(name) {
                problems.push(
                    field,
                    format!(
                        "{name} is also in [app.env]; keep a secret in the keychain only, and \
                         remove it from slipway.toml"
                    ),
                );
            } else if self.secrets[..i].contains(name) {
                problems.push(field, format!("{name} is listed twice"));
            }
        }
    }
}

impl Default for ServerSpec {
    /// A server the user already has, with no host yet: root on port 22, over ssh-agent.
    fn default() -> Self {
        Self {
            provider: String::new(),
            host: String::new(),
            port: default_port(),
            user: default_user(),
            key: String::new(),
            region: String::new(),
            size: String::new(),
            image: String::new(),
            name: String::new(),
            ipv6: false,
        }
    }
}

impl ServerSpec {
    /// The provider that makes the server; none for a server the user already has.
    pub fn provider(&self) -> Option<ServerProvider> {
        self.provider.parse().ok()
    }

    /// The image to ask the provider for: the spec's, else Debian 12.
    pub fn image_or_default(&self, provider: ServerProvider) -> String {
        if self.image.is_empty() {
            provider.default_image().to_owned()
        } else {
            self.image.clone()
        }
    }

    fn validate(&self, problems: &mut Problems) {
        if self.provider.is_empty() {
            record(problems, "server.host", check::server_host(&self.host));
            for (field, value) in [
                ("region", &self.region),
                ("size", &self.size),
                ("image", &self.image),
                ("name", &self.name),
            ] {
                if !value.is_empty() {
                    problems.push(
                        format!("server.{field}"),
                        "is only used with a provider; set server.provider, or remove it",
                    );
                }
            }
        } else {
            self.validate_provider(problems);
        }
        record(problems, "server.port", check::port(self.port));
        record(problems, "server.user", check::user_name(&self.user));
        if !self.key.is_empty() && self.key != KEYCHAIN {
            record(problems, "server.key", check::key_path(&self.key));
        }
    }

    fn validate_provider(&self, problems: &mut Problems) {
        let provider = match self.provider.parse::<ServerProvider>() {
            Ok(provider) => provider,
            Err(message) => {
                problems.push("server.provider", message);
                return;
            }
        };
        if !self.host.is_empty() {
            problems.push(
                "server.host",
                format!(
                    "leave it out with provider = \"{provider}\": Slipway asks {} for the \
                     server's address",
                    provider.label()
                ),
            );
        }
        if self.key != KEYCHAIN {
            problems.push(
                "server.key",
                format!(
                    "must be \"keychain\" with provider = \"{provider}\": the project's key is \
                     put on the new server for Slipway to log in with"
                ),
            );
        }
        let placed = [("region", &self.region), ("size", &self.size)];
        if provider.needs_placement() {
            for (field, value) in placed {
                if value.trim().is_empty() {
                    problems.push(
                        format!("server.{field}"),
                        format!(
                            "is required with {}; `slipway server options` lists them",
                            provider.label()
                        ),
                    );
                }
            }
        } else {
            for (field, value) in placed.into_iter().chain([("image", &self.image)]) {
                if !value.is_empty() {
                    problems.push(
                        format!("server.{field}"),
                        "means nothing for a sandbox server; remove it",
                    );
                }
            }
        }
        if !self.name.is_empty() {
            record(problems, "server.name", check::server_name(&self.name));
        }
    }
}

/// The dotted path of the key a TOML error points at, found from the error's span.
///
/// The error's span covers a value or a table header; the field is the key on the same
/// line, qualified by the last `[table]` header above it.
fn field_of_error(text: &str, error: &toml::de::Error) -> String {
    let Some(span) = error.span() else {
        return String::new();
    };
    let before = &text[..span.start.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = text[line_start..line_end].trim();
    let table = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|header| header.trim_matches(['[', ']']).trim().to_owned());
    let key = line
        .split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"').to_owned());
    match (table, key) {
        (Some(table), Some(key)) => format!("{table}.{key}"),
        (None, Some(key)) => key,
        (Some(table), None) => table,
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> AppSpec {
        AppSpec {
            name: "shop".into(),
            framework: "flask".into(),
            entry: "app:app".into(),
            interface: "wsgi".into(),
            dependencies: "requirements.txt".into(),
            ..AppSpec::default()
        }
    }

    /// The problems of a valid app after `edit`, as `field: message` lines.
    fn problems(edit: impl FnOnce(&mut AppSpec)) -> Vec<String> {
        let mut spec = Spec {
            app: app(),
            ..Spec::default()
        };
        edit(&mut spec.app);
        spec.validate().0.iter().map(ToString::to_string).collect()
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_deploy_settings_default_to_a_working_deploy() {
        let defaults = AppSpec::default();
        assert_eq!(defaults.health, "/");
        assert_eq!(defaults.workers, 0);
        assert_eq!(defaults.installer, "uv");
        assert_eq!(defaults.keep_releases, 5);
        assert!(defaults.repository.is_empty());
        assert!(defaults.deploy_key.is_empty());
        assert!(defaults.env.is_empty());
        assert_eq!(problems(|_| {}), Vec::<String>::new());

        let parsed = Spec::from_toml(
            "[app]\nname = \"shop\"\nframework = \"flask\"\nentry = \"app:app\"\n\
             interface = \"wsgi\"\ndependencies = \"requirements.txt\"\n",
        )
        .expect("parses");
        assert_eq!(parsed.app, app());
        assert_eq!(parsed.app.installer(), Some(Installer::Uv));
    }

    #[test]
    fn good_deploy_settings_have_no_problems() {
        let found = problems(|app| {
            app.health = "/healthz".into();
            app.workers = 64;
            app.installer = "pip".into();
            app.keep_releases = 50;
            app.repository = "git@github.com:ana-ruiz/shop.git".into();
            app.deploy_key = "/etc/slipway/deploy_key".into();
            app.env = env(&[
                ("DATABASE_URL", "postgres://shop@localhost/shop"),
                ("DEBUG", ""),
            ]);
        });
        assert_eq!(found, Vec::<String>::new());
        for repository in [
            "https://github.com/ana-ruiz/shop.git",
            "ssh://git@github.com:22/ana-ruiz/shop.git",
            "git://git.example.com/shop.git",
            "file:///srv/git/shop.git",
        ] {
            assert_eq!(
                problems(|app| app.repository = repository.into()),
                Vec::<String>::new(),
                "{repository}"
            );
        }
    }

    #[test]
    #[allow(clippy::too_many_lines)] // The table reads best as one long list of one-line edits.
    fn each_bad_deploy_setting_is_reported_with_its_field_and_message() {
        type Edit = fn(&mut AppSpec);
        let table: &[(&str, Edit, &str)] = &[
            (
                "health without a slash",
                |a| a.health = "health".into(),
                r#"app.health: "health" should be a path starting with /, like /health"#,
            ),
            (
                "empty health",
                |a| a.health.clear(),
                "app.health: is required",
            ),
            (
                "health with a space",
                |a| a.health = "/is up".into(),
                r#"app.health: "/is up" contains whitespace or a control character, which a URL path cannot hold"#,
            ),
            (
                "health as a URL",
                |a| a.health = "http://localhost:8000/health".into(),
                r#"app.health: "http://localhost:8000/health" is a URL; write just the path: /health"#,
            ),
            (
                "over-long health",
                |a| a.health = format!("/{}", "h".repeat(250)),
                "app.health: is 251 characters long; the limit is 200",
            ),
            (
                "too many workers",
                |a| a.workers = 100,
                "app.workers: 100 is too many workers; use 1 to 64, or 0 to choose from the server's CPUs",
            ),
            (
                "unknown installer",
                |a| a.installer = "poetry".into(),
                r#"app.installer: "poetry" is not an installer Slipway uses; use "uv" or "pip""#,
            ),
            (
                "no releases kept",
                |a| a.keep_releases = 0,
                "app.keep_releases: 0 is not a number of releases to keep; use 1 to 50 (old releases are kept for instant rollback)",
            ),
            (
                "too many releases kept",
                |a| a.keep_releases = 51,
                "app.keep_releases: 51 is not a number of releases to keep; use 1 to 50 (old releases are kept for instant rollback)",
            ),
            (
                "repository with a token",
                |a| a.repository = "https://x-access-token:ghs_16C7e42F@github.com/ana/shop".into(),
                r#"app.repository: "https://x-access-token:***@github.com/ana/shop" has a password or token in it; remove the credentials and use a deploy key instead (an SSH URL such as git@host:path, with app.deploy_key)"#,
            ),
            (
                "repository without a scheme",
                |a| a.repository = "github.com/ana/shop".into(),
                r#"app.repository: "github.com/ana/shop" is not a git URL Slipway fetches from; use https://host/path, ssh://host/path, git@host:path, git://host/path or file:///path"#,
            ),
            (
                "repository with a space",
                |a| a.repository = "git@github.com:ana/my shop.git".into(),
                r#"app.repository: "git@github.com:ana/my shop.git" contains whitespace or a control character"#,
            ),
            (
                "deploy key without a repository",
                |a| a.deploy_key = "/etc/slipway/deploy_key".into(),
                "app.deploy_key: only used with an SSH repository URL (ssh://… or git@host:path)",
            ),
            (
                "deploy key with an HTTPS repository",
                |a| {
                    a.repository = "https://github.com/ana/shop.git".into();
                    a.deploy_key = "/etc/slipway/deploy_key".into();
                },
                "app.deploy_key: only used with an SSH repository URL (ssh://… or git@host:path)",
            ),
            (
                "relative deploy key",
                |a| {
                    a.repository = "ssh://git@github.com/ana/shop.git".into();
                    a.deploy_key = "deploy_key".into();
                },
                r#"app.deploy_key: "deploy_key" should be a full path on the server, like /etc/slipway/deploy_key"#,
            ),
            (
                "deploy key with a space",
                |a| {
                    a.repository = "git@github.com:ana/shop.git".into();
                    a.deploy_key = "/etc/slipway/deploy key".into();
                },
                r#"app.deploy_key: "/etc/slipway/deploy key" contains whitespace or a control character"#,
            ),
            (
                "variable name with a hyphen",
                |a| a.env = env(&[("API-KEY", "x")]),
                r#"app.env.API-KEY: "API-KEY" is not a valid variable name: use letters, digits and "_", not starting with a digit"#,
            ),
            (
                "variable name starting with a digit",
                |a| a.env = env(&[("2FA_SECRET", "x")]),
                r#"app.env.2FA_SECRET: "2FA_SECRET" is not a valid variable name: use letters, digits and "_", not starting with a digit"#,
            ),
            (
                "variable Slipway sets",
                |a| a.env = env(&[("DJANGO_SECRET_KEY", "hunter2")]),
                "app.env.DJANGO_SECRET_KEY: is set by Slipway: Slipway generates it on the server and keeps it there; remove it from [app.env]",
            ),
            (
                "value over two lines",
                |a| a.env = env(&[("GREETING", "hello\nworld")]),
                "app.env.GREETING: contains a line break or NUL character; values must be one line",
            ),
            (
                "value with a NUL",
                |a| a.env = env(&[("TOKEN", "abc\0def")]),
                "app.env.TOKEN: contains a line break or NUL character; values must be one line",
            ),
        ];
        for (case, edit, expected) in table {
            assert_eq!(
                problems(*edit),
                vec![(*expected).to_owned()],
                "case: {case}"
            );
        }
    }

    #[test]
    fn deploy_settings_are_reported_in_file_order_after_the_others() {
        let found = problems(|a| {
            a.name = "My App".into();
            a.health = "up".into();
            a.workers = 65;
            a.installer = "conda".into();
            a.keep_releases = 0;
            a.repository = "ftp://example.com/shop".into();
            a.deploy_key = "key".into();
            a.env = env(&[("B-2", "x"), ("A", "1\n2")]);
        });
        let fields: Vec<&str> = found
            .iter()
            .map(|p| p.split(':').next().unwrap_or_default())
            .collect();
        assert_eq!(
            fields,
            [
                "app.name",
                "app.health",
                "app.workers",
                "app.installer",
                "app.keep_releases",
                "app.repository",
                "app.deploy_key",
                "app.env.A",
                "app.env.B-2",
            ]
        );
    }

    #[test]
    fn every_deploy_setting_round_trips_through_slipway_toml() {
        let spec = Spec {
            app: AppSpec {
                health: "/healthz".into(),
                workers: 4,
                installer: "pip".into(),
                keep_releases: 10,
                repository: "git@github.com:ana-ruiz/shop.git".into(),
                deploy_key: "/etc/slipway/deploy_key".into(),
                env: env(&[
                    ("DATABASE_URL", "postgres://shop@localhost/shop"),
                    ("SENTRY_DSN", "https://key@o1.ingest.sentry.io/2"),
                    ("QUOTED", "say \"hi\" \\ 'there' # not a comment"),
                ]),
                ..app()
            },
            ..Spec::default()
        };
        let text = spec.to_toml();
        assert_eq!(Spec::from_toml(&text).expect("parses"), spec, "{text}");
        assert_eq!(
            text,
            r#"[app]
name = "shop"
path = "."
framework = "flask"
entry = "app:app"
interface = "wsgi"
dependencies = "requirements.txt"
health = "/healthz"
workers = 4
installer = "pip"
keep_releases = 10
repository = "git@github.com:ana-ruiz/shop.git"
deploy_key = "/etc/slipway/deploy_key"

[app.env]
DATABASE_URL = "postgres://shop@localhost/shop"
QUOTED = '''say "hi" \ 'there' # not a comment'''
SENTRY_DSN = "https://key@o1.ingest.sentry.io/2"
"#
        );
    }

    #[test]
    fn default_deploy_settings_are_left_out_of_slipway_toml_except_the_health_path() {
        let spec = Spec {
            app: app(),
            ..Spec::default()
        };
        let text = spec.to_toml();
        assert!(text.contains("\nhealth = \"/\"\n"), "{text}");
        for key in [
            "workers",
            "installer",
            "keep_releases",
            "repository",
            "deploy_key",
            "env",
        ] {
            assert!(!text.contains(key), "{key} in\n{text}");
        }
        assert_eq!(Spec::from_toml(&text).expect("parses"), spec);
        // Without the health path the file still reads, with every default.
        let without_health = text.replace("health = \"/\"\n", "");
        assert_eq!(Spec::from_toml(&without_health).expect("parses"), spec);
    }

    #[test]
    fn an_unknown_key_in_the_deploy_settings_is_still_refused() {
        let error = Spec::from_toml("[app]\nname = \"shop\"\nworker = 3\n").expect_err("unknown");
        let SpecError::Syntax(problem) = error;
        assert_eq!(problem.field, "app.worker");
        let error =
            Spec::from_toml("[app]\nname = \"shop\"\nworkers = -1\n").expect_err("negative");
        let SpecError::Syntax(problem) = error;
        assert_eq!(problem.field, "app.workers");
        let error =
            Spec::from_toml("[app.env]\nPORT = 8000\n").expect_err("a number, not a string");
        let SpecError::Syntax(problem) = error;
        assert_eq!(problem.field, "app.env.PORT");
    }
}
