//! Security updates installed every day by unattended-upgrades.
//!
//! Which updates it installs is set by the distribution's
//! `/etc/apt/apt.conf.d/50unattended-upgrades` (security origins on Debian and Ubuntu);
//! Slipway only switches the daily run on, and shows in the evidence which security
//! origins that file names.

use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

use super::{missing_packages, output, packages_probe};
use crate::file::File;

/// The file that switches the daily runs on.
pub const PERIODIC: &str = "/etc/apt/apt.conf.d/20auto-upgrades";
/// The distribution's file saying which origins are upgraded.
pub const ORIGINS: &str = "/etc/apt/apt.conf.d/50unattended-upgrades";

/// The timers that run apt's daily jobs.
const TIMERS: [&str; 2] = ["apt-daily.timer", "apt-daily-upgrade.timer"];

const ORIGINS_KEY: &str = "upgrades:origins";
const TIMERS_KEY: &str = "upgrades:timers";

/// Package lists refresh and unattended-upgrades runs every day, through apt's daily
/// timers.
///
/// The caller's packages step installs `unattended-upgrades`.
pub struct AutoUpgrades;

impl AutoUpgrades {
    /// The text of [`PERIODIC`], as Debian's own package writes it.
    pub fn periodic() -> String {
        "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n"
            .to_owned()
    }

    fn file() -> File {
        File {
            path: PERIODIC.into(),
            contents: Self::periodic(),
            owner: "root".into(),
            group: "root".into(),
            mode: 0o644,
            validate: None,
        }
    }
}

/// The security origins an unattended-upgrades configuration names, in its own words
/// (`origin=Debian,codename=${distro_codename}-security,label=Debian-Security`); lines
/// commented out with `//` do not count.
pub fn security_origins(config: &str) -> Vec<String> {
    config
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .filter(|line| line.to_ascii_lowercase().contains("security"))
        .map(|line| {
            line.trim_end_matches(';')
                .trim_matches('"')
                .trim()
                .to_owned()
        })
        .filter(|origin| !origin.is_empty())
        .collect()
}

impl Step for AutoUpgrades {
    fn id(&self) -> String {
        "unattended-upgrades".into()
    }

    fn describe(&self) -> String {
        "security updates install by themselves every day".into()
    }

    fn probes(&self) -> Vec<Probe> {
        let mut probes = vec![
            packages_probe(&["unattended-upgrades"]),
            Probe::new(ORIGINS_KEY, Cmd::new("cat").arg(ORIGINS)),
            Probe::new(
                TIMERS_KEY,
                Cmd::new("systemctl")
                    .arg("is-enabled")
                    .args(TIMERS)
                    .or(Cmd::Fixed("true")),
            ),
        ];
        probes.extend(Self::file().probes());
        probes
    }

    fn diff_probes(&self) -> Vec<Probe> {
        Self::file().diff_probes()
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        if let Some(refusal) = missing_packages(facts, &["unattended-upgrades"]) {
            return refusal;
        }
        let origins = security_origins(output(facts, ORIGINS_KEY));
        let origins_text = if origins.is_empty() {
            format!("{ORIGINS} names no security origin: only what it lists is upgraded")
        } else {
            format!("security origins in {ORIGINS}: {}", origins.join("; "))
        };
        let timers = output(facts, TIMERS_KEY);
        let timers_on = timers.lines().filter(|l| l.trim() == "enabled").count() == TIMERS.len();
        let file_plan = Self::file().plan(facts);
        let (mut actions, diff) = match file_plan {
            StepPlan::Satisfied { .. } if timers_on => {
                return StepPlan::Satisfied {
                    evidence: format!("{PERIODIC} current, daily timers enabled; {origins_text}"),
                };
            }
            StepPlan::Change { actions, diff } => (actions, diff),
            _ => (Vec::new(), Diff::new(Self::periodic(), Self::periodic())),
        };
        if !timers_on {
            actions.push(Action::Run(
                Cmd::new("systemctl").args(["enable", "--now"]).args(TIMERS),
            ));
        }
        let state: Vec<&str> = timers.lines().map(str::trim).collect();
        let before = format!(
            "{}: {}\n{PERIODIC}:\n{}",
            TIMERS.join(", "),
            if state.is_empty() {
                "unknown".to_owned()
            } else {
                state.join(", ")
            },
            diff.before
        );
        let after = format!(
            "{}: enabled, enabled\n{PERIODIC}:\n{}\n# {origins_text}\n",
            TIMERS.join(", "),
            diff.after.trim_end()
        );
        StepPlan::Change {
            actions,
            diff: Diff::new(before, after),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::sha256_hex;
    use slipway_engine::Answer;

    const DEBIAN_ORIGINS: &str = "Unattended-Upgrade::Origins-Pattern {\n        // Codename based matching:\n//      \"origin=Debian,codename=${distro_codename}-updates\";\n        \"origin=Debian,codename=${distro_codename},label=Debian\";\n        \"origin=Debian,codename=${distro_codename},label=Debian-Security\";\n        \"origin=Debian,codename=${distro_codename}-security,label=Debian-Security\";\n};\n";

    const UBUNTU_ORIGINS: &str = "Unattended-Upgrade::Allowed-Origins {\n\t\"${distro_id}:${distro_codename}\";\n\t\"${distro_id}:${distro_codename}-security\";\n//\t\"${distro_id}:${distro_codename}-updates\";\n};\n";

    fn facts(file: &str, timers: &str) -> Facts {
        let mut facts = Facts::default();
        let ok = |stdout: &str| Answer {
            status: 0,
            stdout: stdout.into(),
        };
        facts.insert(
            "installed:unattended-upgrades",
            ok("unattended-upgrades installed\n"),
        );
        facts.insert(ORIGINS_KEY, ok(DEBIAN_ORIGINS));
        facts.insert(TIMERS_KEY, ok(timers));
        facts.insert(format!("file:{PERIODIC}"), ok(file));
        facts
    }

    #[test]
    fn security_origins_are_read_from_debian_and_ubuntu_files() {
        assert_eq!(
            security_origins(DEBIAN_ORIGINS),
            [
                "origin=Debian,codename=${distro_codename},label=Debian-Security",
                "origin=Debian,codename=${distro_codename}-security,label=Debian-Security",
            ]
        );
        assert_eq!(
            security_origins(UBUNTU_ORIGINS),
            ["${distro_id}:${distro_codename}-security"]
        );
        assert_eq!(
            security_origins("// \"x-security\";\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn debians_own_file_and_enabled_timers_satisfy_the_step_and_name_the_origins() {
        let hash = sha256_hex(AutoUpgrades::periodic().as_bytes());
        let plan = AutoUpgrades.plan(&facts(
            &format!("root root 644\n{hash}  {PERIODIC}\n"),
            "enabled\nenabled\n",
        ));
        let StepPlan::Satisfied { evidence } = plan else {
            panic!("satisfied")
        };
        assert!(evidence.starts_with("/etc/apt/apt.conf.d/20auto-upgrades current, daily timers enabled; security origins in /etc/apt/apt.conf.d/50unattended-upgrades: origin=Debian"), "{evidence}");
    }

    #[test]
    fn a_missing_file_and_disabled_timers_are_written_and_enabled() {
        let plan = AutoUpgrades.plan(&facts("", "disabled\nenabled\n"));
        let StepPlan::Change { actions, diff } = plan else {
            panic!("a change")
        };
        let lines: Vec<String> = actions.iter().map(Action::describe).collect();
        assert_eq!(
            lines,
            [
                "write /etc/apt/apt.conf.d/20auto-upgrades (80 bytes, mode 644)",
                "systemctl enable --now apt-daily.timer apt-daily-upgrade.timer",
            ]
        );
        assert_eq!(
            diff.before,
            "apt-daily.timer, apt-daily-upgrade.timer: disabled, enabled\n/etc/apt/apt.conf.d/20auto-upgrades:\n"
        );
        assert!(
            diff.after
                .contains("APT::Periodic::Unattended-Upgrade \"1\";\n# security origins"),
            "{}",
            diff.after
        );
    }
}
