//! Users and their groups.

use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

/// A login or system user exists, with at least these supplementary groups.
pub struct User {
    /// Login name.
    pub name: String,
    /// A system account (no login shell, no home in /home), as services run under.
    pub system: bool,
    /// Home folder.
    pub home: String,
    /// Supplementary groups it must be in (created if missing).
    pub groups: Vec<String>,
}

impl User {
    fn key(&self) -> String {
        format!("user:{}", self.name)
    }
}

impl Step for User {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("user {} exists", self.name)
    }

    fn probes(&self) -> Vec<Probe> {
        // Line 1: the passwd entry; line 2: the groups (empty when the user is missing).
        let entry = Cmd::new("getent")
            .args(["passwd", &self.name])
            .or(Cmd::Fixed("echo"));
        let groups = Cmd::new("id")
            .args(["-nG", &self.name])
            .or(Cmd::Fixed("echo"));
        vec![Probe::new(self.key(), entry.and(groups))]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let mut lines = output.lines();
        let exists = lines
            .next()
            .is_some_and(|l| l.starts_with(&format!("{}:", self.name)));
        let have: Vec<&str> = lines
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        let missing: Vec<&String> = self
            .groups
            .iter()
            .filter(|g| !have.contains(&g.as_str()))
            .collect();
        if exists && missing.is_empty() {
            return StepPlan::Satisfied {
                evidence: format!("{} is in {}", self.name, have.join(" ")),
            };
        }
        let mut actions = Vec::new();
        for group in &missing {
            let create = Cmd::new("getent")
                .args(["group", group.as_str()])
                .quiet()
                .or(Cmd::new("groupadd").arg(group.as_str()));
            actions.push(Action::Run(create));
        }
        if !exists {
            let mut add = Cmd::new("useradd").args(["--home-dir", &self.home, "--create-home"]);
            add = if self.system {
                add.args(["--system", "--shell", "/usr/sbin/nologin", "--user-group"])
            } else {
                add.args(["--shell", "/bin/bash", "--user-group"])
            };
            actions.push(Action::Run(add.arg(self.name.clone())));
        }
        if !missing.is_empty() {
            let list: Vec<&str> = missing.iter().map(|g| g.as_str()).collect();
            actions.push(Action::Run(Cmd::new("usermod").args([
                "-aG",
                &list.join(","),
                &self.name,
            ])));
        }
        let before = if exists {
            format!("{} in {}", self.name, have.join(" "))
        } else {
            String::new()
        };
        let after = format!("{} in {}", self.name, self.groups.join(" "));
        StepPlan::Change {
            actions,
            diff: Diff::new(before, after),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_engine::Answer;

    fn deploy() -> User {
        User {
            name: "deploy".into(),
            system: false,
            home: "/home/deploy".into(),
            groups: vec!["sudo".into()],
        }
    }

    #[test]
    fn a_missing_user_is_created_with_its_groups() {
        let mut facts = Facts::default();
        facts.insert(
            "user:deploy",
            Answer {
                status: 0,
                stdout: "\n\n".into(),
            },
        );
        let StepPlan::Change { actions, .. } = deploy().plan(&facts) else {
            panic!("change")
        };
        let scripts: Vec<String> = actions.iter().map(Action::describe).collect();
        assert_eq!(
            scripts,
            [
                "{ getent group sudo >/dev/null 2>&1; } || groupadd sudo",
                "useradd --home-dir /home/deploy --create-home --shell /bin/bash --user-group deploy",
                "usermod -aG sudo deploy",
            ]
        );
    }

    #[test]
    fn an_existing_user_in_its_groups_is_left_alone() {
        let mut facts = Facts::default();
        let stdout = "deploy:x:1000:1000::/home/deploy:/bin/bash\ndeploy sudo\n";
        facts.insert(
            "user:deploy",
            Answer {
                status: 0,
                stdout: stdout.into(),
            },
        );
        assert!(matches!(deploy().plan(&facts), StepPlan::Satisfied { .. }));
    }
}
