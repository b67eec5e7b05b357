//! Steps: what must be true on a server, decided from facts alone.
//!
//! A step names the probes it needs and plans purely from their answers: satisfied (with
//! evidence), a change (actions plus a before/after diff), or deferred (in a preview,
//! when it depends on something an earlier step creates). Steps never see whether the
//! run is a preview or an apply; the runner decides what happens with a plan.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::cmd::{Cmd, QuoteError, quote};
use crate::probe::{Facts, Probe};

/// One idempotent piece of server setup.
pub trait Step: Send + Sync {
    /// Short stable name, unique in a run: `apt:nginx`, `file:/etc/nginx/sites-available/shop`.
    fn id(&self) -> String;
    /// What the step makes true, for people: "nginx is installed".
    fn describe(&self) -> String;
    /// The questions whose answers [`Step::plan`] reads.
    fn probes(&self) -> Vec<Probe>;
    /// What to do, given the answers.
    fn plan(&self, facts: &Facts) -> StepPlan;

    /// Questions asked only when the step plans a change, to show what it replaces
    /// (a file's current text, say). Facts are otherwise compared by hash on the server.
    fn diff_probes(&self) -> Vec<Probe> {
        Vec::new()
    }
}

/// A step's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepPlan {
    /// Already true; nothing to do.
    Satisfied {
        /// Why Slipway believes it, for the plan output.
        evidence: String,
    },
    /// Something must change.
    Change {
        /// What will be done, in order.
        actions: Vec<Action>,
        /// What changes, as people read it.
        diff: Diff,
    },
    /// Cannot be decided yet: it depends on what an earlier step creates.
    Deferred {
        /// What it waits for.
        reason: String,
    },
}

/// Before and after, as lines of text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Diff {
    /// The state now (empty when the thing does not exist).
    pub before: String,
    /// The state after the step.
    pub after: String,
}

impl Diff {
    /// A diff from two states.
    pub fn new(before: impl Into<String>, after: impl Into<String>) -> Self {
        Self {
            before: before.into(),
            after: after.into(),
        }
    }
}

/// An effect, as data: the runner is the only place that carries it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run a command; a non-zero exit fails the step.
    Run(Cmd),
    /// Run a command with bytes from this computer on its standard input (an archive of
    /// the app's code, say); a non-zero exit fails the step.
    Pipe {
        /// The command.
        cmd: Cmd,
        /// What it reads.
        input: Vec<u8>,
        /// What the bytes are, for people: `commit 1a2b3c4 as a tar archive`.
        what: String,
    },
    /// Write a file atomically (a temporary file beside it, then rename).
    WriteFile {
        /// Absolute path.
        path: String,
        /// Contents.
        contents: Vec<u8>,
        /// Permission bits, such as `0o644`.
        mode: u32,
        /// `user:group` to own it; `None` keeps the connecting user's.
        owner: Option<String>,
        /// A program that checks the new file before it replaces the old one, as argv;
        /// the argument `{}` stands for the new file's path (`nginx -t -c {}`).
        validate: Option<Vec<String>>,
    },
}

impl Action {
    /// One line saying what the action does, for progress output.
    pub fn describe(&self) -> String {
        match self {
            Self::Run(cmd) => cmd.to_string(),
            Self::Pipe { cmd, input, what } => {
                format!("{cmd} < {what} ({} KiB)", input.len().div_ceil(1024))
            }
            Self::WriteFile {
                path,
                contents,
                mode,
                ..
            } => {
                format!("write {path} ({} bytes, mode {mode:o})", contents.len())
            }
        }
    }

    /// The shell text that performs the action, and the bytes to feed it on stdin.
    pub fn to_script(&self) -> Result<(String, Option<&[u8]>), QuoteError> {
        match self {
            Self::Run(cmd) => Ok((cmd.to_shell()?, None)),
            Self::Pipe { cmd, input, .. } => Ok((cmd.to_shell()?, Some(input.as_slice()))),
            Self::WriteFile {
                path,
                contents,
                mode,
                owner,
                validate,
            } => {
                let target = quote(path)?;
                let template = quote(&format!("{path}.slipway-XXXXXX"))?;
                let chown = match owner {
                    Some(owner) => format!(" && chown {} \"$tmp\"", quote(owner)?),
                    None => String::new(),
                };
                let check = match validate {
                    Some(argv) => {
                        let words: Result<Vec<String>, QuoteError> = argv
                            .iter()
                            .map(|word| {
                                if word == "{}" {
                                    Ok("\"$tmp\"".to_owned())
                                } else {
                                    quote(word)
                                }
                            })
                            .collect();
                        format!(" && {}", words?.join(" "))
                    }
                    None => String::new(),
                };
                let script = format!(
                    "tmp=$(mktemp {template}) && cat > \"$tmp\" && chmod {mode:o} \"$tmp\"{chown}{check} && mv -f \"$tmp\" {target} || {{ rm -f \"$tmp\"; exit 1; }}"
                );
                Ok((script, Some(contents.as_slice())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_a_file_goes_through_a_temporary_file_and_a_rename() {
        let action = Action::WriteFile {
            path: "/etc/nginx/sites-available/it's".into(),
            contents: b"server {}\n".to_vec(),
            mode: 0o644,
            owner: Some("root:root".into()),
            validate: None,
        };
        let (script, stdin) = action.to_script().expect("script");
        assert_eq!(
            script,
            "tmp=$(mktemp '/etc/nginx/sites-available/it'\\''s.slipway-XXXXXX') && cat > \"$tmp\" && chmod 644 \"$tmp\" && chown root:root \"$tmp\" && mv -f \"$tmp\" '/etc/nginx/sites-available/it'\\''s' || { rm -f \"$tmp\"; exit 1; }"
        );
        assert_eq!(stdin, Some(&b"server {}\n"[..]));
        assert_eq!(
            action.describe(),
            "write /etc/nginx/sites-available/it's (10 bytes, mode 644)"
        );
    }

    #[test]
    fn a_validator_checks_the_new_file_before_it_replaces_the_old_one() {
        let action = Action::WriteFile {
            path: "/etc/sudoers.d/deploy".into(),
            contents: b"deploy ALL=(ALL) NOPASSWD:ALL\n".to_vec(),
            mode: 0o440,
            owner: None,
            validate: Some(vec!["visudo".into(), "-cf".into(), "{}".into()]),
        };
        let (script, _) = action.to_script().expect("script");
        assert_eq!(
            script,
            "tmp=$(mktemp /etc/sudoers.d/deploy.slipway-XXXXXX) && cat > \"$tmp\" && chmod 440 \"$tmp\" && visudo -cf \"$tmp\" && mv -f \"$tmp\" /etc/sudoers.d/deploy || { rm -f \"$tmp\"; exit 1; }"
        );
    }
}
