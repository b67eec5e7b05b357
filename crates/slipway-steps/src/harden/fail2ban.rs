//! fail2ban watching sshd through the systemd journal.
//!
//! Debian 12 writes no `/var/log/auth.log` unless rsyslog is installed, so the stock
//! sshd jail, which reads that file, stops fail2ban from starting at all. Slipway's jail
//! reads the journal instead (which needs `python3-systemd`).

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

use super::{missing_packages, output, packages_probe};
use crate::file::File;

/// Slipway's jail settings.
pub const JAIL: &str = "/etc/fail2ban/jail.d/slipway.local";

/// Failed logins from one address, within [`FIND_TIME`], that earn a ban. Five leaves
/// room for a person's typos; key-only logins make most failures scanners anyway.
pub const MAX_RETRY: u32 = 5;
/// The window failures are counted in.
pub const FIND_TIME: &str = "10m";
/// How long a ban lasts: long enough to make a scanner move on, short enough that a
/// locked-out colleague is back within the hour.
pub const BAN_TIME: &str = "1h";

const PACKAGES: [&str; 2] = ["fail2ban", "python3-systemd"];
const SERVICE: &str = "fail2ban:service";
const SSHD_JAIL: &str = "fail2ban:sshd";

/// Waits until the restarted server answers for its sshd jail; on failure, shows why
/// from the journal. fail2ban's unit reports started before the server reads its jails.
const WAIT_FOR_JAIL: &str = r#"for i in $(seq 150); do
  fail2ban-client status sshd >/dev/null 2>&1 && exit 0
  sleep 0.1
done
echo "fail2ban did not start its sshd jail within 15 s:" >&2
journalctl -u fail2ban -n 15 --no-pager -o cat >&2
exit 1"#;

/// fail2ban runs, enabled at boot, with an sshd jail on the systemd journal: after
/// [`MAX_RETRY`] failed logins within [`FIND_TIME`], an address is banned from the SSH
/// port for [`BAN_TIME`].
///
/// The jail keeps fail2ban's `normal` mode. With key-only logins, that mode counts
/// attempts at users that do not exist (most of what scanners try) but not rejected
/// keys, nor password attempts at real users such as root, which end as "connection
/// closed" before authentication. The `aggressive` mode would count those, and also
/// every bare TCP connection to the port, banning uptime monitors that check it.
///
/// The caller's packages step installs `fail2ban` and `python3-systemd`.
pub struct Fail2ban {
    /// The port sshd listens on, which bans close.
    pub ssh_port: u16,
}

impl Fail2ban {
    /// The jail file's text.
    pub fn jail(&self) -> String {
        format!(
            "# Managed by Slipway: replaced on every deploy.\n\
             # sshd's failures come from the systemd journal: Debian 12 has no auth.log.\n\
             [sshd]\n\
             enabled = true\n\
             backend = systemd\n\
             port = {}\n\
             maxretry = {MAX_RETRY}\n\
             findtime = {FIND_TIME}\n\
             bantime = {BAN_TIME}\n",
            self.ssh_port
        )
    }

    fn file(&self) -> File {
        File {
            path: JAIL.into(),
            contents: self.jail(),
            owner: "root".into(),
            group: "root".into(),
            mode: 0o644,
            validate: None,
        }
    }
}

/// A number from a `fail2ban-client status sshd` line such as `|- Currently failed: 0`.
fn count(status: &str, label: &str) -> String {
    status
        .lines()
        .find_map(|line| line.split_once(label).map(|(_, n)| n.trim().to_owned()))
        .unwrap_or_else(|| "?".into())
}

impl Step for Fail2ban {
    fn id(&self) -> String {
        "fail2ban".into()
    }

    fn describe(&self) -> String {
        "fail2ban bans addresses that keep failing to log in over SSH".into()
    }

    fn probes(&self) -> Vec<Probe> {
        let state = Cmd::all([
            Cmd::new("systemctl")
                .args(["is-enabled", "fail2ban"])
                .or(Cmd::Fixed("true")),
            Cmd::new("systemctl")
                .args(["is-active", "fail2ban"])
                .or(Cmd::Fixed("true")),
        ]);
        let mut probes = vec![
            packages_probe(&PACKAGES),
            Probe::new(SERVICE, state),
            Probe::new(
                SSHD_JAIL,
                Cmd::new("fail2ban-client").args(["status", "sshd"]),
            ),
        ];
        probes.extend(self.file().probes());
        probes
    }

    fn diff_probes(&self) -> Vec<Probe> {
        self.file().diff_probes()
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        if let Some(refusal) = missing_packages(facts, &PACKAGES) {
            return refusal;
        }
        let mut state = output(facts, SERVICE).lines().map(str::trim);
        let enabled = state.next().unwrap_or_default() == "enabled";
        let active = state.next().unwrap_or_default() == "active";
        let jail = facts.get(SSHD_JAIL);
        let jail_running = jail.is_some_and(Answer::ok);
        let file_plan = self.file().plan(facts);
        let file_current = matches!(file_plan, StepPlan::Satisfied { .. });
        if file_current && enabled && active && jail_running {
            let status = jail.map(|a| a.stdout.as_str()).unwrap_or_default();
            return StepPlan::Satisfied {
                evidence: format!(
                    "fail2ban active and enabled; sshd jail on the journal for port {}: {} failing, {} banned now, {} in total (maxretry {MAX_RETRY} in {FIND_TIME}, bantime {BAN_TIME})",
                    self.ssh_port,
                    count(status, "Currently failed:"),
                    count(status, "Currently banned:"),
                    count(status, "Total banned:"),
                ),
            };
        }
        let (mut actions, file_diff) = match file_plan {
            StepPlan::Change { actions, diff } => (actions, Some(diff)),
            _ => (Vec::new(), None),
        };
        let systemctl = |verb: &str| Action::Run(Cmd::new("systemctl").args([verb, "fail2ban"]));
        if !enabled {
            actions.push(systemctl("enable"));
        }
        if !file_current || !active || !jail_running {
            actions.push(systemctl("restart"));
            actions.push(Action::Run(
                Cmd::new("sh")
                    .args(["-c", WAIT_FOR_JAIL])
                    .labelled("wait for fail2ban's sshd jail"),
            ));
        }
        let state_line = |enabled: bool, active: bool, jail: bool| {
            format!(
                "fail2ban {}, {}; sshd jail {}\n",
                if enabled { "enabled" } else { "not enabled" },
                if active { "active" } else { "not running" },
                if jail { "running" } else { "not running" },
            )
        };
        let (file_before, file_after) =
            file_diff.map_or_else(|| (String::new(), String::new()), |d| (d.before, d.after));
        let file_line = |text: String| match (file_current, text.is_empty()) {
            (true, _) => format!("{JAIL}: unchanged\n"),
            (false, true) => format!("{JAIL}: missing\n"),
            (false, false) => format!("{JAIL}:\n{text}"),
        };
        StepPlan::Change {
            actions,
            diff: Diff::new(
                state_line(enabled, active, jail_running) + &file_line(file_before),
                state_line(true, true, true) + &file_line(file_after),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::sha256_hex;
    use slipway_engine::Answer;

    const STATUS: &str = "Status for the jail: sshd\n|- Filter\n|  |- Currently failed:\t1\n|  |- Total failed:\t7\n|  `- Journal matches:\t_SYSTEMD_UNIT=sshd.service + _COMM=sshd\n`- Actions\n   |- Currently banned:\t0\n   |- Total banned:\t2\n   `- Banned IP list:\t\n";

    fn facts(file: &str, service: &str, jail: Option<&str>) -> Facts {
        let mut facts = Facts::default();
        let ok = |stdout: &str| Answer {
            status: 0,
            stdout: stdout.into(),
        };
        facts.insert(
            "installed:fail2ban,python3-systemd",
            ok("fail2ban installed\npython3-systemd installed\n"),
        );
        facts.insert(format!("file:{JAIL}"), ok(file));
        facts.insert(SERVICE, ok(service));
        facts.insert(
            SSHD_JAIL,
            jail.map_or(
                Answer {
                    status: 255,
                    stdout: String::new(),
                },
                ok,
            ),
        );
        facts
    }

    const FAIL2BAN: Fail2ban = Fail2ban { ssh_port: 22 };

    fn current_file() -> String {
        format!(
            "root root 644\n{}  {JAIL}\n",
            sha256_hex(FAIL2BAN.jail().as_bytes())
        )
    }

    #[test]
    fn a_fresh_install_gets_the_jail_and_a_restart_that_waits_for_it() {
        // Debian's package starts fail2ban with the stock jail, which fails at once.
        let plan = FAIL2BAN.plan(&facts("", "enabled\nfailed\n", None));
        let StepPlan::Change { actions, diff } = plan else {
            panic!("a change")
        };
        let lines: Vec<String> = actions.iter().map(Action::describe).collect();
        assert_eq!(
            lines,
            [
                "write /etc/fail2ban/jail.d/slipway.local (215 bytes, mode 644)",
                "systemctl restart fail2ban",
                "wait for fail2ban's sshd jail",
            ]
        );
        assert_eq!(
            diff.before,
            "fail2ban enabled, not running; sshd jail not running\n/etc/fail2ban/jail.d/slipway.local: missing\n"
        );
        assert!(diff.after.ends_with(
            "backend = systemd\nport = 22\nmaxretry = 5\nfindtime = 10m\nbantime = 1h\n"
        ));
    }

    #[test]
    fn a_running_jail_with_the_current_file_is_satisfied_with_its_counts() {
        let plan = FAIL2BAN.plan(&facts(&current_file(), "enabled\nactive\n", Some(STATUS)));
        assert_eq!(
            plan,
            StepPlan::Satisfied {
                evidence: "fail2ban active and enabled; sshd jail on the journal for port 22: 1 failing, 0 banned now, 2 in total (maxretry 5 in 10m, bantime 1h)".into()
            }
        );
    }

    #[test]
    fn a_disabled_service_is_only_enabled() {
        let plan = FAIL2BAN.plan(&facts(&current_file(), "disabled\nactive\n", Some(STATUS)));
        let StepPlan::Change { actions, .. } = plan else {
            panic!("a change")
        };
        assert_eq!(
            actions,
            [Action::Run(
                Cmd::new("systemctl").args(["enable", "fail2ban"])
            )]
        );
    }

    #[test]
    fn the_journal_backend_waits_for_python3_systemd() {
        let mut facts = facts("", "", None);
        facts.insert(
            "installed:fail2ban,python3-systemd",
            Answer {
                status: 1,
                stdout: "fail2ban installed\n".into(),
            },
        );
        assert!(matches!(FAIL2BAN.plan(&facts), StepPlan::Deferred { .. }));
    }
}
