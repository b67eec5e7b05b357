//! Which systems Slipway manages, read from `/etc/os-release`. Distribution differences
//! live in [`SUPPORTED`] and nowhere else.

use slipway_engine::{Answer, Cmd, Facts, Probe, Step, StepPlan};

/// A supported release and what differs on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// `ID` in os-release.
    pub id: &'static str,
    /// `VERSION_ID` in os-release.
    pub version: &'static str,
    /// The name people know it by.
    pub name: &'static str,
    /// The distribution's `python3` minor version.
    pub python: &'static str,
}

/// Every release Slipway manages.
pub const SUPPORTED: &[Release] = &[
    Release {
        id: "debian",
        version: "12",
        name: "Debian 12 (bookworm)",
        python: "3.11",
    },
    Release {
        id: "ubuntu",
        version: "22.04",
        name: "Ubuntu 22.04 LTS",
        python: "3.10",
    },
    Release {
        id: "ubuntu",
        version: "24.04",
        name: "Ubuntu 24.04 LTS",
        python: "3.12",
    },
];

/// The `ID` and `VERSION_ID` of an os-release file.
pub fn parse_os_release(text: &str) -> (String, String) {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_owned())
            .unwrap_or_default()
    };
    (field("ID"), field("VERSION_ID"))
}

/// A system Slipway does not manage; displays why, naming the supported ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// `ID VERSION_ID` of the system found, or "an unknown system".
    pub found: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = SUPPORTED.iter().map(|r| r.name).collect();
        write!(
            f,
            "the server runs {}; Slipway manages {}",
            self.found,
            names.join(", ")
        )
    }
}

/// The release an os-release file describes, or why it is refused.
pub fn release(text: &str) -> Result<&'static Release, Unsupported> {
    let (id, version) = parse_os_release(text);
    SUPPORTED
        .iter()
        .find(|r| r.id == id && r.version == version)
        .ok_or_else(|| {
            let found = if id.is_empty() {
                "an unknown system".to_owned()
            } else {
                format!("{id} {version}")
            };
            Unsupported { found }
        })
}

/// The server runs a supported release. It never changes anything: on another system
/// it plans a change that cannot run, so the plan shows the refusal and apply stops.
pub struct SupportedOs;

const KEY: &str = "os-release";

impl Step for SupportedOs {
    fn id(&self) -> String {
        "os".into()
    }

    fn describe(&self) -> String {
        "the server runs a supported system".into()
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(KEY, Cmd::new("cat").arg("/etc/os-release"))]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let Some(text) = facts
            .get(KEY)
            .filter(|a| a.ok())
            .map(|a: &Answer| a.stdout.as_str())
        else {
            let reason = "/etc/os-release is missing; Slipway cannot tell which system this is";
            return StepPlan::Deferred {
                reason: reason.into(),
            };
        };
        match release(text) {
            Ok(release) => StepPlan::Satisfied {
                evidence: release.name.into(),
            },
            Err(unsupported) => StepPlan::Deferred {
                reason: unsupported.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_releases_are_recognised_and_others_refused_by_name() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n";
        assert_eq!(release(debian).map(|r| r.name), Ok("Debian 12 (bookworm)"));
        let noble = "NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n";
        assert_eq!(release(noble).map(|r| r.python), Ok("3.12"));
        let centos = "NAME=\"CentOS Stream\"\nVERSION_ID=\"9\"\nID=\"centos\"\n";
        assert_eq!(
            release(centos),
            Err(Unsupported {
                found: "centos 9".into()
            })
        );
    }

    #[test]
    fn the_refusal_names_the_supported_releases() {
        let refusal = Unsupported {
            found: "centos 9".into(),
        };
        assert_eq!(
            refusal.to_string(),
            "the server runs centos 9; Slipway manages Debian 12 (bookworm), Ubuntu 22.04 LTS, Ubuntu 24.04 LTS"
        );
    }

    #[test]
    fn the_step_is_satisfied_only_on_a_supported_system() {
        let mut facts = Facts::default();
        facts.insert(
            KEY,
            Answer {
                status: 0,
                stdout: "ID=debian\nVERSION_ID=\"12\"\n".into(),
            },
        );
        assert!(matches!(
            SupportedOs.plan(&facts),
            StepPlan::Satisfied { .. }
        ));
        facts.insert(
            KEY,
            Answer {
                status: 0,
                stdout: "ID=debian\nVERSION_ID=\"11\"\n".into(),
            },
        );
        let StepPlan::Deferred { reason } = SupportedOs.plan(&facts) else {
            panic!("refused")
        };
        assert!(reason.starts_with("the server runs debian 11;"), "{reason}");
    }
}
