//! `slipway sandbox`: disposable Debian servers on this machine, to try Slipway on.

use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Instant;

use clap::Subcommand;
use slipway_sandbox::{Sandbox, SandboxError, ServerOptions};

/// What to do with sandbox servers.
#[derive(Subcommand)]
pub enum SandboxCommand {
    /// Boot a fresh Debian 12 server and print how to log in (needs root).
    Up {
        /// Download packages straight from Debian's mirror instead of the local cache.
        #[arg(long)]
        no_apt_cache: bool,
    },
    /// List the sandbox servers on this machine.
    List,
    /// Log in to a sandbox server, or run a command on it.
    Ssh {
        /// The server's name, as `up` and `list` print it.
        name: String,
        /// A command to run instead of a login shell.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Stop and remove sandbox servers.
    Down {
        /// The servers to remove.
        names: Vec<String>,
        /// Remove every sandbox server.
        #[arg(long, conflicts_with = "names")]
        all: bool,
    },
}

/// Runs a sandbox command; `Ok(false)` when nothing was found to act on.
pub fn run(out: &mut impl Write, command: SandboxCommand) -> Result<bool, SandboxError> {
    let sandbox = Sandbox::from_env();
    match command {
        SandboxCommand::Up { no_apt_cache } => {
            let options = ServerOptions {
                keep: true,
                apt_cache: !no_apt_cache,
                ..ServerOptions::default()
            };
            let started = Instant::now();
            let server = sandbox.server(&options)?;
            let _ = writeln!(
                out,
                "Server {} is up at {} ({:.1} s)\n  log in:   {}\n  host key: {}\n  remove:   slipway sandbox down {}",
                server.name(),
                server.address,
                started.elapsed().as_secs_f64(),
                server.ssh_command(),
                server.host_key,
                server.name()
            );
            Ok(true)
        }
        SandboxCommand::List => {
            let records = sandbox.list();
            if records.is_empty() {
                let _ = writeln!(
                    out,
                    "No sandbox servers. Start one with `slipway sandbox up`."
                );
            }
            for record in &records {
                let state = if record.running() {
                    "running"
                } else {
                    "stopped"
                };
                let owner = match record.owner {
                    None => "kept".to_owned(),
                    Some((pid, _)) => format!("owned by process {pid}"),
                };
                let _ = writeln!(
                    out,
                    "{:<8} {:<15} {state:<8} {owner}",
                    record.name,
                    record.address()
                );
            }
            Ok(true)
        }
        SandboxCommand::Ssh { name, command } => {
            let mut ssh = Command::new("ssh");
            ssh.args(sandbox.ssh_args(&name)?).args(command);
            let error = ssh.exec();
            Err(SandboxError::Spawn {
                command: "ssh".into(),
                source: error,
            })
        }
        SandboxCommand::Down { names, all } => {
            let names: Vec<String> = if all {
                sandbox.list().into_iter().map(|r| r.name).collect()
            } else {
                names
            };
            for name in &names {
                sandbox.teardown(name)?;
                let _ = writeln!(out, "Removed {name}");
            }
            if all {
                for name in sandbox.reap() {
                    let _ = writeln!(out, "Removed leftovers of {name}");
                }
            }
            Ok(!names.is_empty() || all)
        }
    }
}

/// Prints a sandbox error.
pub fn report(error: &SandboxError) {
    let _ = writeln!(io::stderr(), "error: {error}");
}
