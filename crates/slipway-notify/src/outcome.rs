//! What finished, and how it ended: the facts every channel reports.

use std::time::Duration;

/// The kind of work that finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A new release was deployed.
    Deploy,
    /// The app was switched back to an earlier release.
    Rollback,
    /// The site's HTTPS certificate and its renewal were checked.
    CertificateCheck,
}

impl Kind {
    /// The name used in the webhook payload's `event` field.
    pub fn event(self) -> &'static str {
        match self {
            Kind::Deploy => "deploy",
            Kind::Rollback => "rollback",
            Kind::CertificateCheck => "certificate_check",
        }
    }

    /// The noun used in sentences: "deploy failed", "rollback failed".
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Deploy => "deploy",
            Kind::Rollback => "rollback",
            Kind::CertificateCheck => "certificate check",
        }
    }
}

/// How the work ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// It worked, and the site serves this release.
    Succeeded {
        /// The release now serving, e.g. `20261126-141230`.
        release: String,
        /// The short commit hash of that release, e.g. `a1b2c3d`.
        commit: String,
        /// Where the site answers: `https://<domain>`, or `http://<ip>` without a domain.
        url: String,
    },
    /// It stopped at a step.
    Failed {
        /// The step that failed, as the plan names it, e.g. `Health check`.
        step: String,
        /// The hint or error. Only its first non-empty line is reported: channels are short.
        hint: String,
    },
}

/// A finished deploy, rollback or certificate check, as reported to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// What ran.
    pub kind: Kind,
    /// The app's name, e.g. `shop`.
    pub app: String,
    /// How long it took, start to finish.
    pub duration: Duration,
    /// How it ended.
    pub finish: Finish,
}

impl Outcome {
    /// Whether the work succeeded.
    pub fn succeeded(&self) -> bool {
        matches!(self.finish, Finish::Succeeded { .. })
    }
}

/// What a channel is asked to send: a real outcome, or the wizard's test message.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Notice<'a> {
    /// A finished deploy, rollback or certificate check.
    Outcome(&'a Outcome),
    /// "Slipway test: notifications for <app> reach you here".
    Test {
        /// The app the channel belongs to.
        app: &'a str,
    },
}

impl Notice<'_> {
    /// The webhook payload's `event` field.
    pub(crate) fn event(self) -> &'static str {
        match self {
            Notice::Outcome(outcome) => outcome.kind.event(),
            Notice::Test { .. } => "test",
        }
    }
}

/// The first non-empty line of a hint or error message, trimmed.
pub(crate) fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_non_empty_line_of_a_hint_is_kept() {
        assert_eq!(
            first_line("\n  nginx -t refused the site  \nline 2"),
            "nginx -t refused the site"
        );
        assert_eq!(first_line(""), "");
        assert_eq!(first_line(" \n \n"), "");
    }
}
