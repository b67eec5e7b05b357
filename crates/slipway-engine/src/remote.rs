//! The one door to a server. The SSH implementation lives in its own crate; tests use a
//! local shell.

use std::time::Duration;

/// Which stream a line of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// How a remote script ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exit {
    /// Exit status.
    pub status: i32,
    /// Everything it printed on standard output.
    pub stdout: String,
    /// Everything it printed on standard error.
    pub stderr: String,
}

/// Why a script could not be run to its end.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// It ran longer than allowed and was stopped.
    #[error("still running after {} s; stopped", .0.as_secs())]
    Timeout(Duration),
    /// The connection failed; the message says why, in plain language.
    #[error("{0}")]
    Connection(String),
}

/// A server Slipway can run shell scripts on.
pub trait Remote {
    /// Runs `script` with POSIX sh, feeding `stdin` if given, reporting each output line
    /// as it arrives, and stopping it after `timeout`.
    fn run(
        &mut self,
        script: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        on_line: &mut dyn FnMut(Stream, &str),
    ) -> Result<Exit, RemoteError>;
}
