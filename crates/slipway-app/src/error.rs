//! Errors of the use-cases, and the single format they cross to the UI in.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use slipway_spec::{DetectError, Problem, Problems, SpecError};
use ts_rs::TS;

/// Why a use-case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Reading the project folder failed.
    #[error(transparent)]
    Detect(#[from] DetectError),
    /// `slipway.toml` could not be read as a spec.
    #[error("{path}: {source}")]
    SpecFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: SpecError,
    },
    /// The spec has problems; each names its field.
    #[error(transparent)]
    Invalid(#[from] Problems),
    /// The spec names no server.
    #[error("the spec has no [server] section: add the host to deploy to")]
    NoServer,
    /// The spec has no domain, so there is no certificate to check.
    #[error("the spec has no [domain] and [tls]: there is no certificate to check")]
    NoDomain,
    /// The spec names no key and no ssh-agent is running.
    #[error("no SSH key: set server.key in slipway.toml, or start ssh-agent and add your key")]
    NoCredentials,
    /// The server could not be reached or logged in to.
    #[error(transparent)]
    Ssh(#[from] slipway_ssh::SshError),
    /// Another deploy holds the server's lock.
    #[error(transparent)]
    Locked(#[from] slipway_engine::LockError),
    /// A step failed, did not converge, or the run was cancelled.
    #[error(transparent)]
    Run(#[from] slipway_engine::RunError),
    /// The app's git repository could not be read.
    #[error("{}: {message}", dir.display())]
    Git {
        /// The folder git was asked about.
        dir: PathBuf,
        /// What git said.
        message: String,
    },
    /// The app's folder has changes the commit does not hold.
    #[error("{} uncommitted change(s) in the app's folder would not be deployed: {}", paths.len(), paths.join(", "))]
    Uncommitted {
        /// The changed files, as `git status --porcelain` shows them.
        paths: Vec<String>,
    },
    /// The release asked for is not on the server, or not built.
    #[error("no release {id} on the server{}", if known.is_empty() { String::new() } else { format!("; it has {}", known.join(", ")) })]
    NoSuchRelease {
        /// What was asked for.
        id: String,
        /// The releases that can go live.
        known: Vec<String>,
    },
    /// The secret store failed, or has no keychain.
    #[error(transparent)]
    Secrets(#[from] slipway_secrets::StoreError),
    /// A secret the spec needs is not set.
    #[error("the secret {key} is not set: set it with `slipway secret set {}`, or give it as the environment variable {env_var}", key.split_once('/').map_or(key.as_str(), |(_, name)| name))]
    MissingSecret {
        /// Which secret: `shop/twilio-token`.
        key: String,
        /// The environment variable that can give it instead.
        env_var: String,
    },
    /// A key is already in the keychain and replacing it was not asked for.
    #[error(
        "{key} already exists; replacing it locks out every server that trusts it until they get the new public key (use --force to replace it)"
    )]
    SecretExists {
        /// Which secret.
        key: String,
    },
    /// GitHub did not take a deploy key.
    #[error("could not add the deploy key to {repo} on GitHub: {message}")]
    GitHub {
        /// `owner/name`.
        repo: String,
        /// What GitHub said, and what to do.
        message: String,
    },
    /// The deploy user logged in but sudo refused it.
    #[error("sudo refused {user}: {said}")]
    SudoRefused {
        /// The deploy user.
        user: String,
        /// What sudo said.
        said: String,
    },
    /// The server's host name has no IPv4 address to point the domain at.
    #[error(
        "{host} has no IPv4 address: the domain's A records need one; set server.host to the server's address"
    )]
    NoIpv4 {
        /// The spec's `server.host`.
        host: String,
    },
    /// The domain did not point at the server in time; no certificate was requested.
    #[error("{}", dns_message(problems, *waited_secs))]
    DnsNotReady {
        /// What is still wrong, a sentence per name.
        problems: Vec<String>,
        /// How long the deploy waited.
        waited_secs: u64,
    },
    /// A cloud or DNS provider refused or failed.
    #[error(transparent)]
    Cloud(#[from] slipway_cloud::CloudError),
    /// A `SLIPWAY_*_API` variable is not a URL.
    #[error("{variable} is not a URL ({message}): unset it to use the provider's own API")]
    BadEndpoint {
        /// The variable.
        variable: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A server command that needs `server.provider` ran on a spec without one.
    #[error(
        "the spec's [server] has no provider: Slipway creates servers only with server.provider set (digitalocean, hetzner or sandbox)"
    )]
    NoProvider,
    /// The provider has no server for the project.
    #[error(
        "{provider} has no server for {project} yet: `slipway deploy` (or `slipway server create`) makes it"
    )]
    NoCloudServer {
        /// The provider, for people.
        provider: &'static str,
        /// The project.
        project: String,
    },
    /// A new server's first host key could not be replaced by one of its own.
    #[error(
        "the new server could not make its own SSH host key ({reason}); run the command again to retry"
    )]
    HostKeyNotReplaced {
        /// What the server said.
        reason: String,
    },
    /// A provider was asked for without its API token.
    #[error("{0} needs its API token: enter it, or store it with `slipway secret set`")]
    NoProviderToken(&'static str),
    /// An empty value was given for a secret.
    #[error("nothing to store for {key}: the value is empty")]
    EmptySecret {
        /// The secret.
        key: String,
    },
    /// A server is destroyed only when its name is typed back.
    #[error("not destroyed: type the server's name to confirm, as in --confirm {name}")]
    NotConfirmed {
        /// The server's name.
        name: String,
    },
    /// The history has no run with this id.
    #[error("no run {id} in this project's history")]
    NoSuchRun {
        /// The id asked for.
        id: String,
    },
    /// A file could not be read or written.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done: "read", "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// How a folder that could not be opened as a project is shown.
fn detect_error(error: DetectError) -> IpcError {
    match error {
        DetectError::NotAFolder { path } => IpcError::new(
            ErrorCode::NotFound,
            format!("{} is not a folder", path.display()),
        )
        .hint("Check the path, or choose the folder with Browse…")
        .field("path"),
        DetectError::Unreadable { path, source } => IpcError::new(
            ErrorCode::Io,
            format!("Could not read {}: {source}", path.display()),
        )
        .hint("Check that you may read this folder")
        .field("path"),
        DetectError::NotAPythonApp {
            path,
            looked_for,
            found_instead,
        } => {
            let mut error = IpcError::new(
                ErrorCode::NotAProject,
                format!("{} does not look like a Python web app", path.display()),
            )
            .field("path");
            if let Some(instead) = found_instead {
                error = error.hint(format!("It holds {instead}."));
            }
            error = error.hint("Slipway looked for:");
            for item in looked_for {
                error = error.hint(format!("• {item}"));
            }
            error
        }
        DetectError::SeveralApps { path, candidates } => {
            let mut error = IpcError::new(
                ErrorCode::NotAProject,
                format!("{} holds several Python apps", path.display()),
            )
            .hint("Choose the folder of the one to deploy:")
            .field("path");
            for candidate in candidates {
                error = error.hint(format!("• {}", path.join(candidate).display()));
            }
            error
        }
    }
}

fn secrets_error(error: &AppError) -> IpcError {
    IpcError::new(ErrorCode::Invalid, capitalised(&error.to_string()))
}

fn ssh_error(error: &slipway_ssh::SshError) -> IpcError {
    let ipc = IpcError::new(ErrorCode::Unreachable, error.to_string()).field("server.host");
    match error {
        slipway_ssh::SshError::HostKeyUnknown { .. } => ipc.hint(
            "Compare the fingerprint with the one on the server's console, then run again \
             with --trust, or answer yes when asked",
        ),
        _ => ipc,
    }
}

fn sudo_error(user: &str, said: &str) -> IpcError {
    IpcError::new(
        ErrorCode::Unreachable,
        format!("sudo refused {user}: {said}"),
    )
    .hint(format!(
        "Give {user} passwordless sudo, or set harden.deploy_user to a user that has it"
    ))
}

fn no_ipv4_error(host: &str) -> IpcError {
    IpcError::new(
        ErrorCode::Invalid,
        format!("{host} has no IPv4 address to point the domain at"),
    )
    .hint("Set server.host to the server's IPv4 address")
    .field("server.host")
}

/// The domain's problems become the hints, one per name.
fn dns_error(problems: Vec<String>, waited_secs: u64) -> IpcError {
    let message = format!(
        "The domain does not point at the server yet (waited {waited_secs} s), so no \
         certificate was requested"
    );
    problems
        .into_iter()
        .fold(
            IpcError::new(ErrorCode::DnsNotReady, message).field("domain.name"),
            IpcError::hint,
        )
        .hint("Deploy again once the records are set: the site keeps serving meanwhile")
}

fn dns_message(problems: &[String], waited_secs: u64) -> String {
    format!(
        "the domain does not point at the server yet (waited {waited_secs} s), so no \
         certificate was requested: {}",
        problems.join(" ")
    )
}

/// The kinds of failure the UI treats differently. Add a variant only when the UI needs
/// to behave differently for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The path does not exist or is not a folder: the user fixes the path.
    NotFound,
    /// The folder is not a deployable Python web app: the user picks another folder.
    NotAProject,
    /// A value is invalid: the UI marks `field`.
    Invalid,
    /// Reading or writing a file failed: the user checks permissions and retries.
    Io,
    /// The server cannot be reached or refuses the login: the user fixes the server
    /// settings or the network.
    Unreachable,
    /// Another deploy holds the server's lock: the user waits, or breaks a stale lock.
    Locked,
    /// A deploy step failed; the site still serves what it served before.
    DeployFailed,
    /// The app's folder has uncommitted changes: the user commits them, or deploys the
    /// last commit without them.
    Uncommitted,
    /// The domain does not point at the server yet: the user fixes the DNS records and
    /// deploys again; the site still serves what it served before.
    DnsNotReady,
    /// A cloud or DNS provider refused or failed: the message says what to change (the
    /// token, a region, a size) or when to try again. Repeating is safe: nothing is made
    /// twice.
    Provider,
}

/// An error as the UI receives it: a code to branch on, a sentence to show, what to do
/// next, and the field to mark when one is at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IpcError {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// One short sentence naming what failed.
    pub message: String,
    /// What the user can do about it, most useful first.
    pub hints: Vec<String>,
    /// The field at fault, as a spec field path (`domain.name`) or a form field (`path`).
    #[ts(optional = nullable)]
    pub field: Option<String>,
}

impl IpcError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hints: Vec::new(),
            field: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

fn problem_error(problem: &Problem, others: usize) -> IpcError {
    let error = IpcError::new(ErrorCode::Invalid, problem.to_string());
    let error = if problem.field.is_empty() {
        error
    } else {
        error.field(&problem.field)
    };
    match others {
        0 => error,
        1 => error.hint("1 more field needs attention"),
        n => error.hint(format!("{n} more fields need attention")),
    }
}

fn uncommitted_error(paths: &[String]) -> IpcError {
    let mut error = IpcError::new(
        ErrorCode::Uncommitted,
        format!(
            "{} uncommitted change(s) would not be deployed",
            paths.len()
        ),
    )
    .hint("Commit them and deploy again, or deploy the last commit without them");
    for path in paths.iter().take(10) {
        error = error.hint(format!("• {}", path.trim()));
    }
    error
}

fn no_release_error(id: &str, known: &[String]) -> IpcError {
    let error = IpcError::new(
        ErrorCode::NotFound,
        format!("No release {id} on the server"),
    );
    if known.is_empty() {
        error.hint("Deploy first: there is no other release to go back to")
    } else {
        error.hint(format!("Releases kept: {}", known.join(", ")))
    }
}

impl From<AppError> for IpcError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Detect(error) => detect_error(error),
            AppError::SpecFile {
                path,
                source: SpecError::Syntax(problem),
            } => {
                let error = problem_error(&problem, 0);
                IpcError {
                    message: format!("{}: {}", path.display(), error.message),
                    ..error
                }
                .hint("Fix the file in an editor, or delete it to start from detection")
            }
            AppError::Invalid(problems) => match problems.0.split_first() {
                Some((first, rest)) => problem_error(first, rest.len()),
                None => IpcError::new(ErrorCode::Invalid, "The spec is invalid"),
            },
            AppError::NoServer => IpcError::new(ErrorCode::Invalid, "Choose a server to deploy to")
                .hint("Add a [server] section with the host to slipway.toml")
                .field("server.host"),
            AppError::Ssh(error) => ssh_error(&error),
            AppError::NoDomain => IpcError::new(ErrorCode::Invalid, "The site has no domain yet")
                .hint("Add a [domain] and [tls] to slipway.toml to serve it over HTTPS")
                .field("domain.name"),
            AppError::NoCredentials => {
                IpcError::new(ErrorCode::Invalid, "Choose the SSH key to log in with")
                    .hint("Set server.key, or start ssh-agent and add your key with ssh-add")
                    .field("server.key")
            }
            AppError::Locked(error) => IpcError::new(ErrorCode::Locked, error.to_string()),
            AppError::Run(error) => IpcError::new(ErrorCode::DeployFailed, error.to_string()),
            AppError::Git { dir, message } => IpcError::new(
                ErrorCode::NotAProject,
                format!(
                    "Could not read the git repository at {}: {message}",
                    dir.display()
                ),
            )
            .hint("Slipway deploys commits: put the app under git (git init, git add, git commit)")
            .field("app.path"),
            AppError::Uncommitted { paths } => uncommitted_error(&paths),
            AppError::NoSuchRelease { id, known } => no_release_error(&id, &known),
            AppError::SudoRefused { user, said } => sudo_error(&user, &said),
            error @ (AppError::Secrets(_)
            | AppError::MissingSecret { .. }
            | AppError::SecretExists { .. }
            | AppError::GitHub { .. }) => secrets_error(&error),
            AppError::NoIpv4 { host } => no_ipv4_error(&host),
            AppError::DnsNotReady {
                problems,
                waited_secs,
            } => dns_error(problems, waited_secs),
            AppError::Cloud(error) => cloud_error(&error),
            AppError::BadEndpoint { .. } => IpcError::new(ErrorCode::Invalid, error_text(&error)),
            AppError::NoProvider => {
                IpcError::new(ErrorCode::Invalid, error_text(&error)).field("server.provider")
            }
            AppError::NoCloudServer { .. } => {
                IpcError::new(ErrorCode::NotFound, error_text(&error))
                    .hint("Deploy to create it, or check the project's name in app.name")
            }
            AppError::NoProviderToken(_) => {
                IpcError::new(ErrorCode::Invalid, error_text(&error)).field("token")
            }
            AppError::EmptySecret { .. } => {
                IpcError::new(ErrorCode::Invalid, error_text(&error)).field("value")
            }
            AppError::HostKeyNotReplaced { .. } => {
                IpcError::new(ErrorCode::DeployFailed, error_text(&error))
            }
            AppError::NotConfirmed { .. } => {
                IpcError::new(ErrorCode::Invalid, error_text(&error)).field("confirmation")
            }
            AppError::NoSuchRun { .. } => IpcError::new(ErrorCode::Io, error_text(&error))
                .hint("The run may have been removed with its project; reload the history"),
            AppError::Io {
                action,
                path,
                source,
            } => IpcError::new(
                ErrorCode::Io,
                format!("Could not {action} {}: {source}", path.display()),
            )
            .hint("Check that the folder exists and that you may write to it"),
        }
    }
}

fn error_text(error: &AppError) -> String {
    capitalised(&error.to_string())
}

fn cloud_error(error: &slipway_cloud::CloudError) -> IpcError {
    use slipway_cloud::CloudError;
    let message = capitalised(&error.to_string());
    match error {
        CloudError::InvalidField { field, .. } => {
            IpcError::new(ErrorCode::Invalid, message).field(format!("server.{field}"))
        }
        CloudError::InvalidInput { field, .. } => {
            let field = match *field {
                "domain" => "domain.name".to_owned(),
                other => format!("server.{other}"),
            };
            IpcError::new(ErrorCode::Invalid, message).field(field)
        }
        CloudError::Unreachable { .. } | CloudError::Timeout { .. } => {
            IpcError::new(ErrorCode::Unreachable, message)
        }
        _ => IpcError::new(ErrorCode::Provider, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_names_the_path_field() {
        let error: IpcError = AppError::Detect(DetectError::NotAFolder {
            path: "/nowhere".into(),
        })
        .into();
        let json = serde_json::to_value(&error).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "not_found",
                "message": "/nowhere is not a folder",
                "hints": ["Check the path, or choose the folder with Browse…"],
                "field": "path"
            })
        );
    }

    #[test]
    fn validation_errors_point_at_the_first_field_and_count_the_rest() {
        let mut problems = Problems::default();
        problems.push("domain.name", "\"exa mple.com\" is not a valid host name");
        problems.push("tls.email", "is required");
        problems.push("server.port", "0 is not a port number");
        let error: IpcError = AppError::Invalid(problems).into();
        let json = serde_json::to_value(&error).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "invalid",
                "message": "domain.name: \"exa mple.com\" is not a valid host name",
                "hints": ["2 more fields need attention"],
                "field": "domain.name"
            })
        );
    }

    #[test]
    fn a_non_python_folder_says_what_it_holds_and_what_was_looked_for() {
        let error: IpcError = AppError::Detect(DetectError::NotAPythonApp {
            path: "/home/ana/site".into(),
            looked_for: vec!["manage.py (Django)".into()],
            found_instead: Some("a Node.js project (package.json)".into()),
        })
        .into();
        assert_eq!(error.code, ErrorCode::NotAProject);
        assert_eq!(
            error.message,
            "/home/ana/site does not look like a Python web app"
        );
        assert_eq!(
            error.hints,
            [
                "It holds a Node.js project (package.json).",
                "Slipway looked for:",
                "• manage.py (Django)"
            ]
        );
    }
}
