//! `slipway`: detect a Python web app, check its `slipway.toml`, and (in later versions)
//! deploy it, driving the same engine as the desktop app.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use slipway_app::{AppError, CONFIG_FILE, IpcError};
use slipway_spec::detect::{Detected, Detection, Found};

mod deploy;
mod render;
mod sandbox;

/// Put a Python web app on the internet from your own computer.
#[derive(Parser)]
#[command(name = "slipway", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    },
    /// Bring the server in line with the spec: show the plan, ask, apply.
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
    },
    /// Show how much of the spec is in place on the server, and who holds its lock.
    Status {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
    },
    /// Remove the server's deploy lock (after checking no deploy is running).
    Unlock {
        /// The spec file.
        #[arg(long, short, default_value = CONFIG_FILE)]
        config: PathBuf,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = io::stdout().lock();
    let result = match cli.command {
        Command::Detect { path, json } => detect(&mut out, &path, json),
        Command::Check { config, json } => check(&mut out, &config, json),
        Command::Init { path, force } => init(&mut out, &path, force),
        Command::Plan { config } => deploy::plan(&mut out, &config, &deploy::Context::from_env())
            .map(|()| Exit::Ok)
            .map_err(Failure::App),
        Command::Deploy {
            config,
            yes,
            json,
            force_unlock,
        } => {
            let options = deploy::DeployOptions {
                yes: yes || json,
                json,
                force_unlock,
            };
            deploy::deploy(&mut out, &config, &deploy::Context::from_env(), &options)
                .map(|applied| if applied { Exit::Ok } else { Exit::Declined })
                .map_err(Failure::App)
        }
        Command::Status { config } => {
            deploy::status(&mut out, &config, &deploy::Context::from_env())
                .map(|()| Exit::Ok)
                .map_err(Failure::App)
        }
        Command::Unlock { config } => {
            deploy::unlock(&mut out, &config, &deploy::Context::from_env())
                .map(|()| Exit::Ok)
                .map_err(Failure::App)
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
        slipway_app::ErrorCode::Invalid => Exit::Invalid,
        slipway_app::ErrorCode::NotFound | slipway_app::ErrorCode::NotAProject => Exit::NotFound,
        slipway_app::ErrorCode::Io => Exit::Io,
        slipway_app::ErrorCode::Unreachable => Exit::Unreachable,
        slipway_app::ErrorCode::Locked => Exit::Locked,
        slipway_app::ErrorCode::DeployFailed => Exit::DeployFailed,
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
