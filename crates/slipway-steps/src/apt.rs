//! Debian packages, installed with a fresh package index and patience for the dpkg lock
//! that unattended-upgrades holds on a newly created server.

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

/// How old the package index may be before `apt-get update` runs first.
pub const INDEX_MAX_AGE_SECS: u64 = 3600;

/// How long to wait for another apt or unattended-upgrades run to let go of the lock.
pub const LOCK_WAIT_SECS: u32 = 600;

/// These packages are installed.
pub struct Packages {
    /// Package names, as apt knows them.
    pub names: Vec<String>,
}

impl Packages {
    /// The packages `names`.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Self {
        Self {
            names: names.into_iter().map(Into::into).collect(),
        }
    }

    fn key(&self) -> String {
        format!("apt:{}", self.names.join(","))
    }
}

/// The packages dpkg reports as installed, from `dpkg-query -W -f '${Package} ${db:Status-Status}\n'`.
pub fn installed(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(_, status)| status.trim() == "installed")
        .map(|(name, _)| name.split(':').next().unwrap_or(name))
        .collect()
}

const INDEX_AGE: &str = "apt:index-age";

impl Step for Packages {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} installed", self.names.join(", "))
    }

    fn probes(&self) -> Vec<Probe> {
        let query = Cmd::new("dpkg-query")
            .args(["-W", "-f=${Package} ${db:Status-Status}\\n"])
            .args(self.names.iter().cloned());
        // Seconds since the newest package list was fetched; "since 1970" when there is none.
        let age = Cmd::Fixed(
            "f=$(ls -t /var/lib/apt/lists/*_Packages* 2>/dev/null | head -n 1); \
             t=$(if [ -n \"$f\" ]; then stat -c %Y \"$f\"; else echo 0; fi); echo $(($(date +%s) - t))",
        );
        vec![Probe::new(self.key(), query), Probe::new(INDEX_AGE, age)]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a: &Answer| a.stdout.as_str())
            .unwrap_or_default();
        let present = installed(output);
        let missing: Vec<String> = self
            .names
            .iter()
            .filter(|n| !present.contains(&n.as_str()))
            .cloned()
            .collect();
        if missing.is_empty() {
            return StepPlan::Satisfied {
                evidence: format!("{} installed", self.names.join(", ")),
            };
        }
        let age: u64 = facts
            .get(INDEX_AGE)
            .and_then(|a| a.stdout.trim().parse().ok())
            .unwrap_or(u64::MAX);
        let lock = format!("DPkg::Lock::Timeout={LOCK_WAIT_SECS}");
        let mut actions = Vec::new();
        if age > INDEX_MAX_AGE_SECS {
            actions.push(Action::Run(
                Cmd::new("apt-get").args(["-q", "-o", &lock, "update"]),
            ));
        }
        actions.push(Action::Run(
            Cmd::new("apt-get")
                .env("DEBIAN_FRONTEND", "noninteractive")
                .args([
                    "-q",
                    "-y",
                    "-o",
                    &lock,
                    "install",
                    "--no-install-recommends",
                ])
                .args(missing.iter().cloned()),
        ));
        StepPlan::Change {
            actions,
            diff: Diff::new("", missing.join("\n") + "\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(query: &str, age: &str) -> Facts {
        let mut facts = Facts::default();
        facts.insert(
            "apt:nginx,git",
            Answer {
                status: 1,
                stdout: query.into(),
            },
        );
        facts.insert(
            INDEX_AGE,
            Answer {
                status: 0,
                stdout: age.into(),
            },
        );
        facts
    }

    #[test]
    fn only_missing_packages_are_installed_and_a_stale_index_is_refreshed_first() {
        let step = Packages::new(["nginx", "git"]);
        let plan = step.plan(&facts("nginx installed\ngit not-installed\n", "90000\n"));
        let StepPlan::Change { actions, diff } = plan else {
            panic!("a change")
        };
        let scripts: Vec<String> = actions.iter().map(Action::describe).collect();
        assert_eq!(
            scripts,
            [
                "apt-get -q -o DPkg::Lock::Timeout=600 update",
                "DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends git",
            ]
        );
        assert_eq!(diff, Diff::new("", "git\n"));

        let plan = step.plan(&facts("git not-installed\n", "60\n"));
        let StepPlan::Change { actions, .. } = plan else {
            panic!("a change")
        };
        assert_eq!(actions.len(), 1, "a fresh index is not refreshed again");
    }

    #[test]
    fn installed_packages_satisfy_the_step() {
        let step = Packages::new(["nginx", "git"]);
        let plan = step.plan(&facts("nginx installed\ngit:amd64 installed\n", "60\n"));
        assert!(matches!(plan, StepPlan::Satisfied { .. }));
    }
}
