//! Folders with an owner and a mode.

use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

/// A folder exists with this owner, group and mode.
pub struct Directory {
    /// Absolute path.
    pub path: String,
    /// Owning user.
    pub owner: String,
    /// Owning group.
    pub group: String,
    /// Permission bits, such as `0o755`.
    pub mode: u32,
}

impl Directory {
    fn key(&self) -> String {
        format!("dir:{}", self.path)
    }

    fn wanted(&self) -> String {
        format!("{} {} {:o} directory", self.owner, self.group, self.mode)
    }
}

impl Step for Directory {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!(
            "{} is a folder owned by {}:{}",
            self.path, self.owner, self.group
        )
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            Cmd::new("stat").args(["-c", "%U %G %a %F", &self.path]),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let now = facts
            .get(&self.key())
            .filter(|a| a.ok())
            .map(|a| a.stdout.trim().to_owned())
            .unwrap_or_default();
        if now == self.wanted() {
            return StepPlan::Satisfied { evidence: now };
        }
        let install = Cmd::new("install").args([
            "-d",
            "-m",
            &format!("{:o}", self.mode),
            "-o",
            &self.owner,
            "-g",
            &self.group,
            &self.path,
        ]);
        StepPlan::Change {
            actions: vec![Action::Run(install)],
            diff: Diff::new(now, self.wanted()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_engine::Answer;

    #[test]
    fn a_folder_with_the_wrong_mode_is_fixed_in_place() {
        let dir = Directory {
            path: "/srv/shop".into(),
            owner: "deploy".into(),
            group: "deploy".into(),
            mode: 0o755,
        };
        let mut facts = Facts::default();
        facts.insert(
            "dir:/srv/shop",
            Answer {
                status: 0,
                stdout: "deploy deploy 700 directory\n".into(),
            },
        );
        let StepPlan::Change { actions, diff } = dir.plan(&facts) else {
            panic!("change")
        };
        assert_eq!(
            actions[0].describe(),
            "install -d -m 755 -o deploy -g deploy /srv/shop"
        );
        assert_eq!(
            diff,
            Diff::new("deploy deploy 700 directory", "deploy deploy 755 directory")
        );
        facts.insert(
            "dir:/srv/shop",
            Answer {
                status: 0,
                stdout: "deploy deploy 755 directory\n".into(),
            },
        );
        assert!(matches!(dir.plan(&facts), StepPlan::Satisfied { .. }));
    }
}
