//! `slipway key`, `slipway secret` and `slipway notify test`: the project's keys and
//! secrets in the keychain, and a test message on each notification channel.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use clap::Subcommand;
use slipway_app::AppError;
use slipway_app::github;
use slipway_app::notify::{self, Services};
use slipway_app::secrets::{self, DEPLOY_KEY, SSH_KEY};
use slipway_notify::DeliveryStatus;
use slipway_secrets::{Secret, SecretKey, SecretStore};
use slipway_spec::Spec;
use zeroize::Zeroize;

use crate::deploy::{Context, read_spec};

/// `slipway key …`.
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Make an ed25519 key pair for the project; the private half goes to the keychain
    /// only, the public half is printed.
    New {
        /// The deploy key, for the server to fetch a private repository, instead of the
        /// login key.
        #[arg(long)]
        deploy: bool,
        /// Replace a key the keychain already holds.
        #[arg(long)]
        force: bool,
    },
    /// Print the public half of the project's key.
    Show {
        /// The deploy key instead of the login key.
        #[arg(long)]
        deploy: bool,
    },
}

/// `slipway secret …`.
#[derive(Subcommand)]
pub enum SecretCommand {
    /// Store a secret in the keychain, read from standard input (hidden at a terminal):
    /// `smtp-password`, `twilio-token`, `slack-webhook`, `webhook-secret`, or
    /// `env/NAME` for a variable listed in `app.secrets`.
    Set {
        /// Which secret.
        name: String,
    },
    /// Remove a secret from the keychain.
    Delete {
        /// Which secret.
        name: String,
    },
    /// List the secrets the spec uses and whether each is set (never their values).
    List,
}

/// `slipway key`.
pub fn key(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
    command: &KeyCommand,
) -> Result<(), AppError> {
    let spec = read_spec(config)?;
    let store = &context.store;
    match command {
        KeyCommand::New { deploy, force } => {
            let name = if *deploy { DEPLOY_KEY } else { SSH_KEY };
            let public = secrets::new_key(store, &spec, name, *force)?;
            let _ = writeln!(
                out,
                "Made {} {name} ({}); its private half is in {} only.\n\n{}\n",
                spec.app.name,
                public.fingerprint,
                store.name(),
                public.line
            );
            let _ = if *deploy {
                deploy_key_added(out, &spec, context, &public.line)?
            } else {
                writeln!(
                    out,
                    "Give this public key to your server: paste it when creating the server at \
                     your provider, or add it to ~/.ssh/authorized_keys of {}. Then set \
                     server.key = \"keychain\" in slipway.toml.",
                    spec.server
                        .as_ref()
                        .map_or("the server's user", |s| s.user.as_str())
                )
            };
        }
        KeyCommand::Show { deploy } => {
            let name = if *deploy { DEPLOY_KEY } else { SSH_KEY };
            let public = secrets::public_key(store, &spec, name)?;
            let _ = writeln!(out, "{}", public.line);
        }
    }
    Ok(())
}

/// Adds a new deploy key to the repository through GitHub's API when the repository is
/// on GitHub and the keychain has a GitHub token; otherwise says how to add it by hand.
fn deploy_key_added(
    out: &mut impl Write,
    spec: &Spec,
    context: &Context,
    public: &str,
) -> Result<io::Result<()>, AppError> {
    let repo = github::repository(&spec.app.repository);
    let token = match &repo {
        Some(_) => {
            let key = SecretKey::new(spec.app.name.clone(), github::GITHUB_TOKEN)?;
            context.store.get(&key)?
        }
        None => None,
    };
    if let (Some(repo), Some(token)) = (repo, token) {
        let api = std::env::var("SLIPWAY_GITHUB_API").unwrap_or_else(|_| github::GITHUB_API.into());
        let title = format!("slipway {}", spec.app.name);
        let added = github::add_deploy_key(&api, &token, &repo, &title, public)?;
        return Ok(writeln!(
            out,
            "Added it to github.com/{repo} as a {} deploy key (id {}). Set app.deploy_key = \
             \"keychain\" in slipway.toml if it is not set yet.",
            if added.read_only {
                "read-only"
            } else {
                "read-write"
            },
            added.id
        ));
    }
    Ok(writeln!(
        out,
        "Add this public key to the repository as a read-only deploy key (GitHub: Settings → \
         Deploy keys → Add deploy key; GitLab: Settings → Repository → Deploy keys), then set \
         app.deploy_key = \"keychain\" in slipway.toml. With a GitHub token stored \
         (`slipway secret set {}`), Slipway adds it for you.",
        github::GITHUB_TOKEN
    ))
}

/// Reads one secret from standard input, with the terminal's echo off when it is one.
fn read_secret(out: &mut impl Write, name: &str) -> io::Result<Secret> {
    let terminal = io::stdin().is_terminal();
    if terminal {
        let _ = write!(out, "Value for {name} (not shown): ");
        let _ = out.flush();
        echo(false);
    }
    let mut value = String::new();
    let read = io::stdin().lock().read_line(&mut value);
    if terminal {
        echo(true);
        let _ = writeln!(out);
    }
    read?;
    let trimmed = value.trim_end_matches(['\n', '\r']).to_owned();
    value.zeroize();
    Ok(Secret::new(trimmed))
}

/// Turns the terminal's echo on or off (`stty`), so a typed secret is not shown.
fn echo(on: bool) {
    let _ = Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(Stdio::inherit())
        .status();
}

/// `slipway secret`.
pub fn secret(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
    command: &SecretCommand,
) -> Result<(), AppError> {
    let spec = read_spec(config)?;
    let store = &context.store;
    let key = |name: &str| SecretKey::new(spec.app.name.clone(), name).map_err(AppError::from);
    match command {
        SecretCommand::Set { name } => {
            let key = key(name)?;
            let value = read_secret(out, name).map_err(|source| AppError::Io {
                action: "read",
                path: "standard input".into(),
                source,
            })?;
            if value.expose().is_empty() {
                let _ = writeln!(out, "Nothing was read; {key} is unchanged.");
                return Ok(());
            }
            store.set(&key, &value)?;
            let _ = writeln!(out, "Stored {key} in {}.", store.name());
        }
        SecretCommand::Delete { name } => {
            let key = key(name)?;
            let _ = if store.delete(&key)? {
                writeln!(out, "Removed {key}.")
            } else {
                writeln!(out, "{key} was not set.")
            };
        }
        SecretCommand::List => {
            let names = secrets::used(&spec);
            if names.is_empty() {
                let _ = writeln!(out, "slipway.toml uses no secrets.");
            }
            for (name, what) in names {
                let key = key(&name)?;
                let state = match store.get(&key) {
                    Ok(Some(_)) if context.store.env().contains(&key) => {
                        format!("set (from {})", key.env_var())
                    }
                    Ok(Some(_)) => "set".to_owned(),
                    Ok(None) => "NOT SET".to_owned(),
                    Err(error) => format!("unreadable: {error}"),
                };
                let _ = writeln!(out, "  {name:<22} {state:<12} {what}");
            }
        }
    }
    Ok(())
}

/// `slipway notify test`: a test message on every channel the spec configures.
pub fn notify_test(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
) -> Result<bool, AppError> {
    let spec = read_spec(config)?;
    let mut all_sent = true;
    for delivery in notify::send_tests(&spec, &context.store, &Services::from_env()) {
        all_sent &= delivery.is_sent();
        let _ = match &delivery.status {
            DeliveryStatus::Failed { message } => {
                writeln!(out, "  FAILED  {}: {message}", delivery.target)
            }
            _ => writeln!(out, "  sent    {}", delivery.target),
        };
    }
    Ok(all_sent)
}
