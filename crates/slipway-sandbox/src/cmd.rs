//! Running host commands with errors that say which command failed and what it printed.

use std::ffi::OsStr;
use std::process::{Command, Output, Stdio};

use crate::SandboxError;

/// Runs a command to completion; a non-zero exit is an error carrying its stderr.
pub(crate) fn run<I, S>(program: &str, args: I) -> Result<Output, SandboxError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null());
    output(command)
}

/// Runs a prepared command to completion; a non-zero exit is an error.
pub(crate) fn output(mut command: Command) -> Result<Output, SandboxError> {
    let shown = describe(&command);
    let output = command.output().map_err(|source| SandboxError::Spawn {
        command: shown.clone(),
        source,
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(SandboxError::Command {
            command: shown,
            status: output.status.code(),
            stderr: tail(&String::from_utf8_lossy(&output.stderr), 20),
        })
    }
}

/// Runs a command and ignores how it ends: for best-effort clean-up.
pub(crate) fn quietly<I, S>(program: &str, args: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let _ = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The command line as a person would type it, for messages.
pub(crate) fn describe(command: &Command) -> String {
    let mut parts = vec![command.get_program().to_string_lossy().into_owned()];
    parts.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// The last `lines` lines of `text`.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Whether a program is on the PATH.
pub(crate) fn exists(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
