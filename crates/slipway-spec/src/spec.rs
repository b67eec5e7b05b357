//! The spec: one deployment described in `slipway.toml`.
//!
//! The types hold what the user wrote, so a file with mistakes still loads and every
//! mistake can be reported at once by [`Spec::validate`]. Fields that name a choice
//! (`framework`, `interface`) stay strings here and are read through typed accessors
//! once validated; the generated TypeScript types still show the choices.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::check::{self, quote};
use crate::problem::{Problem, Problems};

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
    /// Who hears about finished and failed deploys.
    #[serde(default)]
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
    /// Host name or IP address.
    pub host: String,
    /// SSH port.
    #[serde(default = "default_port")]
    pub port: u32,
    /// The user Slipway logs in as.
    #[serde(default = "default_user")]
    pub user: String,
    /// The private key file to log in with (`~/` allowed); empty to use ssh-agent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
}

/// The public name of the site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    /// The main name, such as `example.com`.
    pub name: String,
    /// Other names that serve the same site, such as `www.example.com`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// HTTPS certificate settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TlsSpec {
    /// Address Let's Encrypt writes to about expiring certificates.
    pub email: String,
}

/// Who hears about finished and failed deploys. Credentials live in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NotifySpec {
    /// A desktop notification on this computer.
    #[serde(default = "yes")]
    pub desktop: bool,
    /// An e-mail to this address; empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// A text message to this phone number (E.164); empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sms: String,
    /// A message to the Slack webhook stored in the keychain.
    #[serde(default, skip_serializing_if = "is_false")]
    pub slack: bool,
}

impl Default for NotifySpec {
    fn default() -> Self {
        Self {
            desktop: true,
            email: String::new(),
            sms: String::new(),
            slack: false,
        }
    }
}

fn default_path() -> String {
    ".".into()
}
fn default_port() -> u32 {
    22
}
fn default_user() -> String {
    "root".into()
}
fn yes() -> bool {
    true
}
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(value: &bool) -> bool {
    !value
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
            record(&mut problems, "tls.email", check::email(&tls.email));
        }
        self.notify.validate(&mut problems);
        problems
    }
}

fn record(problems: &mut Problems, field: impl Into<String>, verdict: check::Check) {
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
    }
}

impl ServerSpec {
    fn validate(&self, problems: &mut Problems) {
        record(problems, "server.host", check::server_host(&self.host));
        record(problems, "server.port", check::port(self.port));
        record(problems, "server.user", check::user_name(&self.user));
        if !self.key.is_empty() {
            record(problems, "server.key", check::key_path(&self.key));
        }
    }
}

impl DomainSpec {
    fn validate(&self, problems: &mut Problems) {
        record(problems, "domain.name", check::domain(&self.name));
        for (i, alias) in self.aliases.iter().enumerate() {
            let field = format!("domain.aliases[{i}]");
            if let Err(message) = check::domain(alias) {
                problems.push(field, message);
            } else if alias == &self.name || self.aliases[..i].contains(alias) {
                problems.push(field, format!("{} is listed twice", quote(alias)));
            }
        }
    }
}

impl NotifySpec {
    fn validate(&self, problems: &mut Problems) {
        if !self.email.is_empty() {
            record(problems, "notify.email", check::email(&self.email));
        }
        if !self.sms.is_empty() {
            record(problems, "notify.sms", check::phone(&self.sms));
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
