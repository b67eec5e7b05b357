//! systemd services: the unit file, `daemon-reload` only when it changed, enabled, and
//! running, restarted (or reloaded) when its file changes.

use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

use crate::file::sha256_hex;

/// What to do to a running service whose unit file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnChange {
    /// `systemctl restart`.
    Restart,
    /// `systemctl reload`.
    Reload,
}

/// A systemd service with this unit file is enabled and running.
pub struct Service {
    /// Unit name, such as `shop.service`.
    pub name: String,
    /// The unit file's contents.
    pub unit: String,
    /// What a change to the unit file calls for.
    pub on_change: OnChange,
}

impl Service {
    fn key(&self) -> String {
        format!("service:{}", self.name)
    }

    fn path(&self) -> String {
        format!("/etc/systemd/system/{}", self.name)
    }
}

/// (unit file hash, enabled state, active state) from the probe's three lines.
fn parse(output: &str) -> (&str, &str, &str) {
    let mut lines = output.lines();
    let hash = lines
        .next()
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_default();
    (
        hash,
        lines.next().unwrap_or_default().trim(),
        lines.next().unwrap_or_default().trim(),
    )
}

impl Step for Service {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} is enabled and running", self.name)
    }

    fn probes(&self) -> Vec<Probe> {
        let hash = Cmd::new("sha256sum")
            .arg(self.path())
            .or(Cmd::Fixed("echo missing"));
        let enabled = Cmd::new("systemctl")
            .args(["is-enabled", &self.name])
            .or(Cmd::Fixed("true"));
        let active = Cmd::new("systemctl")
            .args(["is-active", &self.name])
            .or(Cmd::Fixed("true"));
        vec![Probe::new(self.key(), Cmd::all([hash, enabled, active]))]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let (hash, enabled, active) = parse(&output);
        let changed = hash != sha256_hex(self.unit.as_bytes());
        let running = active == "active";
        if !changed && enabled == "enabled" && running {
            return StepPlan::Satisfied {
                evidence: "unit file current, enabled, active".into(),
            };
        }
        let systemctl = |verb: &str| Action::Run(Cmd::new("systemctl").args([verb, &self.name]));
        let mut actions = Vec::new();
        if changed {
            actions.push(Action::WriteFile {
                path: self.path(),
                contents: self.unit.clone().into_bytes(),
                mode: 0o644,
                owner: Some("root:root".into()),
                validate: None,
            });
            actions.push(Action::Run(Cmd::new("systemctl").arg("daemon-reload")));
        }
        if enabled != "enabled" {
            actions.push(systemctl("enable"));
        }
        match (running, changed, self.on_change) {
            (false, _, _) => actions.push(systemctl("start")),
            (true, true, OnChange::Restart) => actions.push(systemctl("restart")),
            (true, true, OnChange::Reload) => actions.push(systemctl("reload")),
            (true, false, _) => {}
        }
        let before = format!(
            "unit {}, {enabled}, {active}",
            if changed { "differs" } else { "current" }
        );
        StepPlan::Change {
            actions,
            diff: Diff::new(before, "unit current, enabled, active"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_engine::Answer;

    fn shop() -> Service {
        Service {
            name: "shop.service".into(),
            unit: "[Service]\nExecStart=/bin/true\n".into(),
            on_change: OnChange::Restart,
        }
    }

    fn facts(output: String) -> Facts {
        let mut facts = Facts::default();
        facts.insert(
            "service:shop.service",
            Answer {
                status: 0,
                stdout: output,
            },
        );
        facts
    }

    #[test]
    fn a_new_service_is_written_reloaded_enabled_and_started() {
        let StepPlan::Change { actions, .. } =
            shop().plan(&facts("missing\nnot-found\ninactive\n".into()))
        else {
            panic!("change")
        };
        let scripts: Vec<String> = actions.iter().map(Action::describe).collect();
        assert_eq!(
            scripts,
            [
                "write /etc/systemd/system/shop.service (30 bytes, mode 644)",
                "systemctl daemon-reload",
                "systemctl enable shop.service",
                "systemctl start shop.service",
            ]
        );
    }

    #[test]
    fn a_stopped_service_is_started_without_a_daemon_reload() {
        let hash = sha256_hex(shop().unit.as_bytes());
        let plan = shop().plan(&facts(format!(
            "{hash}  /etc/systemd/system/shop.service\nenabled\nfailed\n"
        )));
        let StepPlan::Change { actions, .. } = plan else {
            panic!("change")
        };
        let scripts: Vec<String> = actions.iter().map(Action::describe).collect();
        assert_eq!(scripts, ["systemctl start shop.service"]);
    }

    #[test]
    fn a_changed_unit_restarts_the_running_service() {
        let plan = shop().plan(&facts(
            "0123  /etc/systemd/system/shop.service\nenabled\nactive\n".into(),
        ));
        let StepPlan::Change { actions, .. } = plan else {
            panic!("change")
        };
        assert_eq!(
            actions.last().map(Action::describe).as_deref(),
            Some("systemctl restart shop.service")
        );
        let hash = sha256_hex(shop().unit.as_bytes());
        let plan = shop().plan(&facts(format!("{hash}  x\nenabled\nactive\n")));
        assert!(matches!(plan, StepPlan::Satisfied { .. }));
    }
}
