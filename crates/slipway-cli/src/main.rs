//! `slipway`: detect a Python web app, check its `slipway.toml`, deploy it, roll it back
//! and watch it, driving the same engine as the desktop app.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use slipway_app::{AppError, CONFIG_FILE, IpcError};
use slipway_spec::detect::{Detected, Detection, Found};

mod cloud;
mod deploy;
mod render;
mod sandbox;
mod secrets;

/// Put a Python web app on the internet from your own computer.
#[derive(Parser)]
#[command(name = "slipway", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Trust a server's host key the first time Slipway connects to it, without asking
    /// (for scripts; check the printed fingerprint). A changed key is always refused.
    #[arg(long, global = true)]
    trust: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Show what Slipway detects in a project folder.
    Detect {
        /// The project folder.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print the detection as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate a slipway.toml and print every problem in it.
    Check {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        /// Print the problems as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show what a deploy would change on the server, without changing anything.
    Plan {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        /// The commit to deploy.
        #[arg(long, default_value = "HEAD")]
        commit: String,
    },
    /// Put the app's last commit live: show the plan, ask, apply.
    Deploy {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        /// Apply without asking.
        #[arg(long, short)]
        yes: bool,
        /// Print one JSON event per line (implies --yes).
        #[arg(long)]
        json: bool,
        /// Break a deploy lock left behind by a run that died.
        #[arg(long)]
        force_unlock: bool,
        /// The commit to deploy (a hash, branch or tag).
        #[arg(long, default_value = "HEAD")]
        commit: String,
        /// Deploy the commit even though the app's folder has uncommitted changes (they
        /// are not deployed).
        #[arg(long)]
        allow_uncommitted: bool,
    },
    /// Switch back to a kept release at once, without rebuilding anything.
    Rollback {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        /// The release to go back to (see `slipway releases`); the one before the live
        /// one if not given.
        #[arg(long)]
        to: Option<String>,
        /// Switch without asking.
        #[arg(long, short)]
        yes: bool,
        /// Print one JSON event per line (implies --yes).
        #[arg(long)]
        json: bool,
    },
    /// List the releases kept on the server, newest first, and which one is live.
    Releases {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
    },
    /// Show the live release, its service and health, and who holds the deploy lock.
    Status {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
    },
    /// Print the app's log from the server.
    Logs {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        /// Keep printing new lines until Ctrl-C.
        #[arg(long, short)]
        follow: bool,
        /// How many of the last lines to show.
        #[arg(long, short = 'n', default_value_t = 100)]
        lines: u32,
    },
    /// Remove the server's deploy lock (after checking no deploy is running).
    Unlock {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
    },
    /// The project's SSH keys, kept in the keychain.
    Key {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE, global = true)]
        config: PathBuf,
        #[command(subcommand)]
        command: secrets::KeyCommand,
    },
    /// The project's secrets in the keychain: notification credentials and the app's
    /// secret variables.
    Secret {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE, global = true)]
        config: PathBuf,
        #[command(subcommand)]
        command: secrets::SecretCommand,
    },
    /// The project's server at its provider (`server.provider` in slipway.toml).
    Server {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        #[command(subcommand)]
        command: cloud::ServerCommand,
    },
    /// The domain's DNS records.
    Dns {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        #[command(subcommand)]
        command: DnsCommand,
    },
    /// The site's HTTPS certificate.
    Certificate {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        #[command(subcommand)]
        command: CertificateCommand,
    },
    /// Send a test message on every notification channel in slipway.toml.
    Notify {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Disposable Debian servers on this machine, to try deploys on.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// Write a slipway.toml drafted from what is detected in a project folder.
    Init {
        /// The project folder.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Replace an existing slipway.toml.
        #[arg(long)]
        force: bool,
    },
}

/// `slipway dns …`.
#[derive(Subcommand)]
enum DnsCommand {
    /// Say whether every name of the domain points at the server, at its name servers
    /// and at public resolvers, and what to change if not. Exit 8 while one does not.
    Check,
    /// Point the domain's names (the apex and www) at the server through the DNS
    /// provider in `[domain.dns]`: records created or corrected in place, never
    /// duplicated. With manual DNS, show the records to create.
    Set,
}

/// `slipway certificate …`.
#[derive(Subcommand)]
enum CertificateCommand {
    /// Show the certificate and prove it will renew (a trial renewal); notifies the
    /// channels in slipway.toml. Changes nothing.
    Check,
}

/// `slipway notify …`.
#[derive(Subcommand)]
enum NotifyCommand {
    /// Send a test message on every channel, and say which arrived.
    Test,
}

/// How `slipway` exits, so scripts can tell failures apart.
#[derive(Clone, Copy)]
enum Exit {
    /// Everything worked.
    Ok = 0,
    /// The spec has problems.
    Invalid = 1,
    /// The folder or file is missing, or is not a Python web app.
    NotFound = 3,
    /// A file could not be read or written.
    Io = 4,
    /// A server or a local service failed.
    Failed = 5,
    /// The server cannot be reached or refused the login.
    Unreachable = 6,
    /// Another deploy holds the server's lock.
    Locked = 7,
    /// A deploy step failed (the site keeps serving what it served before).
    DeployFailed = 8,
    /// The user declined the plan or cancelled the deploy.
    Declined = 9,
    /// A cloud or DNS provider refused the request or failed.
    Provider = 10,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = io::stdout().lock();
    let result = match cli.command {
        Command::Detect { path, json } => detect(&mut out, &path, json),
        Command::Dns {
            config,
            command: DnsCommand::Check,
        } => dns_check(&mut out, &config),
        Command::Dns {
            config,
            command: DnsCommand::Set,
        } => cloud::dns_set(&mut out, &config, &deploy::Context::from_env())
            .map(|()| Exit::Ok)
            .map_err(Failure::App),
        Command::Check { config, json } => check(&mut out, &config, json),
        Command::Init { path, force } => init(&mut out, &path, force),
        Command::Plan { .. }
        | Command::Deploy { .. }
        | Command::Rollback { .. }
        | Command::Releases { .. }
        | Command::Status { .. }
        | Command::Logs { .. }
        | Command::Unlock { .. }
        | Command::Key { .. }
        | Command::Secret { .. }
        | Command::Notify { .. }
        | Command::Server { .. }
        | Command::Certificate { .. } => {
            server_command(&mut out, cli.command, cli.trust).map_err(Failure::App)
        }
        Command::Sandbox(command) => match sandbox::run(&mut out, command) {
            Ok(true) => Ok(Exit::Ok),
            Ok(false) => Ok(Exit::NotFound),
            Err(error) => {
                sandbox::report(&error);
                Ok(match error {
                    slipway_sandbox::SandboxError::Unknown(_) => Exit::NotFound,
                    _ => Exit::Failed,
                })
            }
        },
    };
    let code = match result {
        Ok(code) => code,
        Err(Failure::App(AppError::Run(slipway_engine::RunError::Cancelled { step }))) => {
            let _ = writeln!(
                io::stderr(),
                "Cancelled before {step}; the lock is released."
            );
            Exit::Declined
        }
        Err(Failure::App(error)) => report(&error.into()),
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(Failure::Output(error)) => {
            let _ = writeln!(io::stderr(), "error: could not write the output: {error}");
            Exit::Io
        }
    };
    ExitCode::from(code as u8)
}

/// The commands that talk to the spec's server.
fn server_command(out: &mut impl Write, command: Command, trust: bool) -> Result<Exit, AppError> {
    let context = deploy::Context {
        trust_new_hosts: trust,
        ..deploy::Context::from_env()
    };
    match command {
        Command::Plan { config, commit } => {
            let options = deploy::DeployOptions {
                mode: deploy::Mode::Ask,
                force_unlock: false,
                revision: commit,
                allow_uncommitted: true,
            };
            deploy::plan(out, &config, &context, &options).map(|()| Exit::Ok)
        }
        Command::Deploy {
            config,
            yes,
            json,
            force_unlock,
            commit,
            allow_uncommitted,
        } => {
            let options = deploy::DeployOptions {
                mode: deploy::Mode::from_flags(yes, json),
                force_unlock,
                revision: commit,
                allow_uncommitted,
            };
            deploy::deploy(out, &config, &context, &options)
                .map(|applied| if applied { Exit::Ok } else { Exit::Declined })
        }
        Command::Rollback {
            config,
            to,
            yes,
            json,
        } => {
            let options = deploy::DeployOptions {
                mode: deploy::Mode::from_flags(yes, json),
                force_unlock: false,
                revision: String::new(),
                allow_uncommitted: false,
            };
            deploy::rollback(out, &config, &context, to.as_deref(), &options)
                .map(|applied| if applied { Exit::Ok } else { Exit::Declined })
        }
        Command::Releases { config } => deploy::releases(out, &config, &context).map(|()| Exit::Ok),
        Command::Status { config } => deploy::status(out, &config, &context).map(|()| Exit::Ok),
        Command::Logs {
            config,
            follow,
            lines,
        } => deploy::logs(out, &config, &context, lines, follow).map(|()| Exit::Ok),
        Command::Unlock { config } => deploy::unlock(out, &config, &context).map(|()| Exit::Ok),
        Command::Server { config, command } => {
            cloud::server(out, &config, &context, &command).map(|()| Exit::Ok)
        }
        Command::Key { config, command } => {
            secrets::key(out, &config, &context, &command).map(|()| Exit::Ok)
        }
        Command::Secret { config, command } => {
            secrets::secret(out, &config, &context, &command).map(|()| Exit::Ok)
        }
        Command::Certificate {
            config,
            command: CertificateCommand::Check,
        } => deploy::certificate_check(out, &config, &context)
            .map(|ok| if ok { Exit::Ok } else { Exit::DeployFailed }),
        Command::Notify {
            config,
            command: NotifyCommand::Test,
        } => secrets::notify_test(out, &config, &context)
            .map(|sent| if sent { Exit::Ok } else { Exit::Failed }),
        // Local commands, run by `main` itself.
        Command::Detect { .. }
        | Command::Check { .. }
        | Command::Init { .. }
        | Command::Dns { .. }
        | Command::Sandbox(_) => Ok(Exit::Ok),
    }
}

/// Why a command stopped.
enum Failure {
    App(AppError),
    Output(io::Error),
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Output(error)
    }
}

/// Prints an error the way the desktop app shows it: the sentence, then what to do.
fn report(error: &IpcError) -> Exit {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "error: {}", error.message);
    for hint in &error.hints {
        let _ = writeln!(err, "  {hint}");
    }
    match error.code {
        slipway_app::ErrorCode::Invalid | slipway_app::ErrorCode::Uncommitted => Exit::Invalid,
        slipway_app::ErrorCode::NotFound | slipway_app::ErrorCode::NotAProject => Exit::NotFound,
        slipway_app::ErrorCode::Io => Exit::Io,
        slipway_app::ErrorCode::Unreachable => Exit::Unreachable,
        slipway_app::ErrorCode::Locked => Exit::Locked,
        slipway_app::ErrorCode::Provider => Exit::Provider,
        slipway_app::ErrorCode::DeployFailed | slipway_app::ErrorCode::DnsNotReady => {
            Exit::DeployFailed
        }
    }
}

fn dns_check(out: &mut impl Write, config: &Path) -> Result<Exit, Failure> {
    let spec = deploy::located(config, &deploy::Context::from_env())?;
    let report = slipway_app::secure::dns_check(&spec)?;
    writeln!(out, "{report}")?;
    if report.ready() {
        writeln!(out, "Every name points at {}.", report.expected.ipv4)?;
        Ok(Exit::Ok)
    } else {
        Ok(Exit::DeployFailed)
    }
}

fn detect(out: &mut impl Write, path: &Path, json: bool) -> Result<Exit, Failure> {
    let detection = slipway_spec::detect(path).map_err(AppError::from)?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &detection).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        render::detection(out, &detection)?;
    }
    Ok(Exit::Ok)
}

fn check(out: &mut impl Write, config: &Path, json: bool) -> Result<Exit, Failure> {
    let io_error = |source| AppError::Io {
        action: "read",
        path: config.to_owned(),
        source,
    };
    let text = std::fs::read_to_string(config).map_err(io_error)?;
    let spec = slipway_spec::Spec::from_toml(&text).map_err(|source| AppError::SpecFile {
        path: config.to_owned(),
        source,
    })?;
    let problems = slipway_app::check_spec(&spec);
    if json {
        serde_json::to_writer_pretty(&mut *out, &problems).map_err(io::Error::from)?;
        writeln!(out)?;
    } else if problems.is_empty() {
        writeln!(out, "{} is valid", config.display())?;
    } else {
        let noun = if problems.len() == 1 {
            "problem"
        } else {
            "problems"
        };
        writeln!(out, "{}: {} {noun}", config.display(), problems.len())?;
        for problem in &problems {
            writeln!(out, "  {problem}")?;
        }
    }
    Ok(if problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Invalid
    })
}

fn init(out: &mut impl Write, path: &Path, force: bool) -> Result<Exit, Failure> {
    let detection = slipway_spec::detect(path).map_err(AppError::from)?;
    let target = Path::new(&detection.root).join(CONFIG_FILE);
    if target.exists() && !force {
        writeln!(
            out,
            "{} already exists; run `slipway check` to validate it, or pass --force to \
             replace it",
            target.display()
        )?;
        return Ok(Exit::Invalid);
    }
    render::detection(out, &detection)?;
    let draft = detection.draft();
    let saved = slipway_app::save_spec(Path::new(&detection.root), &draft);
    match saved {
        Ok(written) => {
            writeln!(out, "\nWrote {}", written.display())?;
            Ok(Exit::Ok)
        }
        Err(AppError::Invalid(problems)) => {
            writeln!(
                out,
                "\nNot written: choose these first, then run init again"
            )?;
            for problem in problems {
                writeln!(out, "  {problem}")?;
            }
            explain_choices(out, &detection)?;
            Ok(Exit::Invalid)
        }
        Err(error) => Err(error.into()),
    }
}

/// Lists the candidates of ambiguous answers, so the user can write one down.
fn explain_choices(out: &mut impl Write, detection: &Detection) -> io::Result<()> {
    if let Detected::Ambiguous { candidates } = &detection.entry {
        writeln!(out, "\nThe app could be started from:")?;
        for Found { value, evidence } in candidates {
            let place = evidence.first().map(render::place).unwrap_or_default();
            writeln!(out, "  entry = \"{}\"    ({place})", value.entry)?;
        }
    }
    Ok(())
}
