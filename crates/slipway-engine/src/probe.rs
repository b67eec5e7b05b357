//! Probes: read-only questions about a server, each a command whose output a step's
//! parser reads. Independent probes travel together in one remote execution.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::cmd::{Cmd, QuoteError};

/// A read-only question: a command whose exit status and standard output are the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Names the answer in [`Facts`]; steps that ask the same question share it.
    pub key: String,
    /// The command. It must not change anything.
    pub cmd: Cmd,
}

impl Probe {
    /// A probe named `key` that runs `cmd`.
    pub fn new(key: impl Into<String>, cmd: Cmd) -> Self {
        Self {
            key: key.into(),
            cmd,
        }
    }
}

/// What one probe printed, and how it exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Exit status.
    pub status: i32,
    /// Standard output.
    pub stdout: String,
}

impl Answer {
    /// Whether the probe's command succeeded.
    pub fn ok(&self) -> bool {
        self.status == 0
    }
}

/// The answers to a set of probes, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    answers: BTreeMap<String, Answer>,
}

impl Facts {
    /// The answer to probe `key`, if it was asked.
    pub fn get(&self, key: &str) -> Option<&Answer> {
        self.answers.get(key)
    }

    /// Records an answer (used by tests and by [`parse_batch`]).
    pub fn insert(&mut self, key: impl Into<String>, answer: Answer) {
        self.answers.insert(key.into(), answer);
    }

    /// Replaces answers with newer ones.
    pub fn update(&mut self, newer: Facts) {
        self.answers.extend(newer.answers);
    }
}

/// Why a batch's output could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// A value in a probe's command cannot be quoted.
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// The output lacks a probe's markers: the connection broke or the shell failed.
    #[error("the server's answer to probe {0} is missing or cut short")]
    Missing(String),
}

fn marker(nonce: &str, edge: &str, index: usize) -> String {
    format!("SLIPWAY-{nonce}-{edge}-{index}")
}

/// One shell script that runs every probe in turn (each alone, stdin closed, stderr
/// discarded) and prints its output between markers. The markers carry `nonce`, fresh
/// for each run, so nothing a probe prints can pass for a marker.
pub fn batch_script(probes: &[Probe], nonce: &str) -> Result<String, ProbeError> {
    let mut script = String::new();
    for (index, probe) in probes.iter().enumerate() {
        let command = probe.cmd.to_shell()?;
        let _ = writeln!(script, "printf '%s\\n' {}", marker(nonce, "BEGIN", index));
        let _ = writeln!(script, "( {command} ) </dev/null 2>/dev/null");
        let _ = writeln!(
            script,
            "printf '\\n%s %d\\n' {} \"$?\"",
            marker(nonce, "END", index)
        );
    }
    Ok(script)
}

/// Reads the output of [`batch_script`] back into facts.
pub fn parse_batch(output: &str, probes: &[Probe], nonce: &str) -> Result<Facts, ProbeError> {
    let mut facts = Facts::default();
    let mut rest = output;
    for (index, probe) in probes.iter().enumerate() {
        let missing = || ProbeError::Missing(probe.key.clone());
        let begin = format!("{}\n", marker(nonce, "BEGIN", index));
        let start = rest.find(&begin).ok_or_else(missing)? + begin.len();
        let end_marker = format!("\n{} ", marker(nonce, "END", index));
        let end = rest[start..].find(&end_marker).ok_or_else(missing)? + start;
        let stdout = rest[start..end].to_owned();
        let after = &rest[end + end_marker.len()..];
        let line_end = after.find('\n').ok_or_else(missing)?;
        let status = after[..line_end].trim().parse().map_err(|_| missing())?;
        facts.insert(probe.key.clone(), Answer { status, stdout });
        rest = &after[line_end..];
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_script_is_exact_and_its_output_parses_back() {
        let probes = [
            Probe::new("os", Cmd::new("cat").arg("/etc/os-release")),
            Probe::new(
                "nginx",
                Cmd::new("dpkg-query").args(["-W", "-f=${Version}", "nginx"]),
            ),
        ];
        let script = batch_script(&probes, "n1").expect("script");
        assert_eq!(
            script,
            "printf '%s\\n' SLIPWAY-n1-BEGIN-0\n( cat /etc/os-release ) </dev/null 2>/dev/null\n\
             printf '\\n%s %d\\n' SLIPWAY-n1-END-0 \"$?\"\n\
             printf '%s\\n' SLIPWAY-n1-BEGIN-1\n( dpkg-query -W '-f=${Version}' nginx ) </dev/null 2>/dev/null\n\
             printf '\\n%s %d\\n' SLIPWAY-n1-END-1 \"$?\"\n"
        );
        let output = "SLIPWAY-n1-BEGIN-0\nID=debian\nVERSION_ID=\"12\"\n\nSLIPWAY-n1-END-0 0\n\
                      SLIPWAY-n1-BEGIN-1\n\nSLIPWAY-n1-END-1 1\n";
        let facts = parse_batch(output, &probes, "n1").expect("parses");
        assert_eq!(
            facts.get("os").map(|a| a.stdout.as_str()),
            Some("ID=debian\nVERSION_ID=\"12\"\n")
        );
        assert_eq!(
            facts.get("nginx"),
            Some(&Answer {
                status: 1,
                stdout: String::new()
            })
        );
    }

    #[test]
    fn a_cut_short_answer_is_reported_not_guessed() {
        let probes = [Probe::new("os", Cmd::new("cat").arg("/etc/os-release"))];
        let error = parse_batch("SLIPWAY-n1-BEGIN-0\nID=deb", &probes, "n1").expect_err("cut");
        assert_eq!(error, ProbeError::Missing("os".into()));
    }
}
