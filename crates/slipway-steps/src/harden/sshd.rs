//! sshd closed to root and to passwords, through a drop-in read before every other one,
//! and judged by sshd's own view of its configuration (`sshd -T`), not by the file.

use std::fmt::Write as _;

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

use super::{output, stdout};

/// Slipway's drop-in. sshd keeps the first value it reads for each setting, and reads
/// `sshd_config.d/*.conf` in name order, so `00-` comes before cloud-init's
/// `50-cloud-init.conf` and wins.
pub const DROP_IN: &str = "/etc/ssh/sshd_config.d/00-slipway.conf";

/// The connection `sshd -T` evaluates `Match` blocks for: root, from an address no rule
/// names specially.
const TEST_CONNECTION: &str = "user=root,host=x,addr=1.2.3.4";

const CONFIG: &str = "sshd:config";
const CURRENT: &str = "sshd:drop-in";
const EFFECTIVE: &str = "sshd:effective";
const CHALLENGE: &str = "sshd:challenge-response";
const UNITS: &str = "sshd:units";

/// The settings that must be in force, as `sshd -T` prints them.
const REQUIRED: [(&str, &str); 3] = [
    ("permitrootlogin", "no"),
    ("passwordauthentication", "no"),
    ("kbdinteractiveauthentication", "no"),
];

/// sshd refuses root logins and passwords, and listens on `port`.
///
/// **Contract for callers:** apply this step only after proving that the deploy user
/// ([`DeployUser`](super::DeployUser)) logs in with its key and runs `sudo -n true`,
/// through a new connection as that user. The step cannot know who else can log in; run
/// without that proof, it can lock everyone out of the server.
///
/// The drop-in sets `Port`; sshd listens on every `Port` it reads, so a `Port` line in
/// another file adds a listener (an identical one only logs a bind error). Allow the
/// port in the [`Firewall`](super::Firewall) before moving sshd to it. On a server where
/// `ssh.socket` starts sshd (Ubuntu 24.04), the socket decides the port, so the step
/// refuses any port but 22 there.
///
/// The new drop-in is checked alone (`sshd -t -f`) before it goes in place and with the
/// whole configuration (`sshd -t`) after; a failing check puts the previous file back.
/// sshd is then reloaded; connections already open stay up.
pub struct SshLockdown {
    /// The port sshd listens on.
    pub port: u16,
}

/// An `Include` in `sshd_config` that reads `sshd_config.d/*.conf`, relative or absolute.
fn includes_drop_ins(config: &str) -> bool {
    config.lines().any(|line| {
        let mut words = line.split_whitespace();
        words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("include"))
            && words.any(|path| {
                matches!(
                    path,
                    "/etc/ssh/sshd_config.d/*.conf" | "sshd_config.d/*.conf"
                )
            })
    })
}

/// The values of `keyword` in `sshd -T` output (lowercase keywords, one per line).
fn values<'a>(effective: &'a str, keyword: &str) -> Vec<&'a str> {
    effective
        .lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(k, _)| *k == keyword)
        .map(|(_, v)| v.trim())
        .collect()
}

/// `keyword value` for each setting the step governs, for people.
fn effective_summary(effective: &str) -> String {
    let mut parts: Vec<String> = values(effective, "port")
        .iter()
        .map(|port| format!("port {port}"))
        .collect();
    for (keyword, _) in REQUIRED {
        let value = values(effective, keyword).first().copied().unwrap_or("?");
        parts.push(format!("{keyword} {value}"));
    }
    parts.join(", ")
}

/// The unit sshd runs as: the first of `ssh.service` (Debian and Ubuntu) and
/// `sshd.service` that systemd reports active, and whether `ssh.socket` is active.
fn units(answer: &str) -> (Option<&'static str>, bool) {
    let states: Vec<&str> = answer.lines().map(str::trim).collect();
    let active = |i: usize| states.get(i) == Some(&"active");
    let service = if active(0) {
        Some("ssh.service")
    } else if active(1) {
        Some("sshd.service")
    } else {
        None
    };
    (service, active(2))
}

impl SshLockdown {
    /// The drop-in's text; `ChallengeResponseAuthentication` (an older name of
    /// `KbdInteractiveAuthentication`) only where sshd accepts it.
    pub fn drop_in(&self, challenge_response: bool) -> String {
        let mut text = format!(
            "# Managed by Slipway: replaced on every deploy. Read before the other files\n\
             # here, so these values win: sshd keeps the first value it reads.\n\
             Port {}\n\
             PermitRootLogin no\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n",
            self.port
        );
        if challenge_response {
            text.push_str("ChallengeResponseAuthentication no\n");
        }
        text
    }

    /// Which required settings `sshd -T` shows wrong, as `keyword value` (empty when
    /// all are right and sshd listens on the port).
    fn wrong(&self, effective: &str) -> Vec<String> {
        let mut wrong: Vec<String> = REQUIRED
            .iter()
            .filter(|(keyword, want)| values(effective, keyword).first() != Some(want))
            .map(|(keyword, _)| {
                let now = values(effective, keyword)
                    .first()
                    .copied()
                    .unwrap_or("unset");
                format!("{keyword} {now}")
            })
            .collect();
        let port = self.port.to_string();
        if !values(effective, "port").contains(&port.as_str()) {
            wrong.push(format!("port {port} missing"));
        }
        wrong
    }

    fn actions(text: &str, unit: &str) -> Vec<Action> {
        let next = format!("{DROP_IN}.next");
        let previous = format!("{DROP_IN}.previous");
        let keep_previous = Cmd::new("test")
            .args(["!", "-e", DROP_IN])
            .or(Cmd::new("cp").args(["-a", DROP_IN, &previous]));
        let install = Cmd::new("mv").args(["-f", &next, DROP_IN]);
        // The whole configuration must pass; otherwise the previous drop-in (or none)
        // comes back and the step fails with sshd's own message.
        let restore = Cmd::new("test")
            .args(["-e", &previous])
            .and(Cmd::new("mv").args(["-f", &previous, DROP_IN]))
            .or(Cmd::new("rm").args(["-f", DROP_IN]));
        let checked = Cmd::new("sshd")
            .arg("-t")
            .or(restore.and(Cmd::Fixed("false")));
        let reload = Cmd::new("systemctl").args(["reload", unit]);
        let tidy = Cmd::new("rm").args(["-f", &previous]);
        vec![
            Action::WriteFile {
                path: next,
                contents: text.as_bytes().to_vec(),
                mode: 0o644,
                owner: Some("root:root".into()),
                validate: Some(vec!["sshd".into(), "-t".into(), "-f".into(), "{}".into()]),
            },
            Action::Run(Cmd::all([keep_previous, install, checked, reload, tidy])),
        ]
    }
}

impl Step for SshLockdown {
    fn id(&self) -> String {
        "sshd:lockdown".into()
    }

    fn describe(&self) -> String {
        format!(
            "sshd on port {} refuses root logins and passwords",
            self.port
        )
    }

    fn probes(&self) -> Vec<Probe> {
        let effective = || Cmd::new("sshd").args(["-T", "-C", TEST_CONNECTION]);
        vec![
            Probe::new(CONFIG, Cmd::new("cat").arg("/etc/ssh/sshd_config")),
            Probe::new(CURRENT, Cmd::new("cat").arg(DROP_IN)),
            Probe::new(EFFECTIVE, effective()),
            Probe::new(
                CHALLENGE,
                effective()
                    .args(["-o", "ChallengeResponseAuthentication=no"])
                    .quiet(),
            ),
            Probe::new(
                UNITS,
                Cmd::new("systemctl").args([
                    "is-active",
                    "ssh.service",
                    "sshd.service",
                    "ssh.socket",
                ]),
            ),
        ]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let Some(config) = stdout(facts, CONFIG) else {
            return StepPlan::Deferred {
                reason: "/etc/ssh/sshd_config cannot be read: is openssh-server installed?".into(),
            };
        };
        if !includes_drop_ins(config) {
            return StepPlan::Deferred {
                reason: format!(
                    "/etc/ssh/sshd_config has no `Include /etc/ssh/sshd_config.d/*.conf` line, so {DROP_IN} would do nothing: add the line at the top of sshd_config and run again"
                ),
            };
        }
        let Some(effective) = stdout(facts, EFFECTIVE) else {
            return StepPlan::Deferred {
                reason: "`sshd -T` fails: the server's sshd configuration is already invalid; fix it (sshd -t says where) and run again".into(),
            };
        };
        let (service, socket) = units(output(facts, UNITS));
        if socket && self.port != 22 {
            return StepPlan::Deferred {
                reason: format!(
                    "ssh.socket starts sshd on this server and decides its port: Slipway keeps sshd on port 22 here, not {}",
                    self.port
                ),
            };
        }
        let text = self.drop_in(facts.get(CHALLENGE).is_some_and(Answer::ok));
        let current = stdout(facts, CURRENT);
        let wrong = self.wrong(effective);
        if current == Some(text.as_str()) {
            if wrong.is_empty() {
                return StepPlan::Satisfied {
                    evidence: format!(
                        "{DROP_IN} current; sshd -T: {}",
                        effective_summary(effective)
                    ),
                };
            }
            return StepPlan::Deferred {
                reason: format!(
                    "{DROP_IN} is in place, yet sshd -T still shows {}: a line above the Include in sshd_config, a drop-in named before 00-slipway.conf or a Match block sets it; remove that line and run again",
                    wrong.join(", ")
                ),
            };
        }
        let Some(unit) = service else {
            return StepPlan::Deferred {
                reason: "neither ssh.service nor sshd.service is active: Slipway reloads sshd through systemd".into(),
            };
        };
        let mut before = format!("sshd -T: {}\n", effective_summary(effective));
        match current {
            Some(old) => {
                let _ = write!(before, "{DROP_IN}:\n{old}");
            }
            None => {
                let _ = writeln!(before, "{DROP_IN}: missing");
            }
        }
        let after = format!(
            "sshd -T: port {}, permitrootlogin no, passwordauthentication no, kbdinteractiveauthentication no\n{DROP_IN}:\n{text}",
            self.port
        );
        StepPlan::Change {
            actions: Self::actions(&text, unit),
            diff: Diff::new(before, after),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_engine::Answer;

    const DEBIAN_CONFIG: &str = "\n# This is the sshd server system-wide configuration file.  See\n# sshd_config(5) for more information.\n\n# The strategy used for options in the default sshd_config shipped with\n# OpenSSH is to specify options with their default value where\n# possible, but leave them commented.  Uncommented options override the\n# default value.\n\nInclude /etc/ssh/sshd_config.d/*.conf\n\n#Port 22\nKbdInteractiveAuthentication no\nUsePAM yes\n";

    const SANDBOX_EFFECTIVE: &str = "port 22\naddressfamily any\nlistenaddress 0.0.0.0:22\npermitrootlogin without-password\npasswordauthentication no\nkbdinteractiveauthentication no\npermittty yes\n";

    const LOCKED_EFFECTIVE: &str =
        "port 22\npermitrootlogin no\npasswordauthentication no\nkbdinteractiveauthentication no\n";

    fn facts(config: &str, current: Option<&str>, effective: &str) -> Facts {
        let mut facts = Facts::default();
        let ok = |stdout: &str| Answer {
            status: 0,
            stdout: stdout.into(),
        };
        facts.insert(CONFIG, ok(config));
        facts.insert(
            CURRENT,
            current.map_or(
                Answer {
                    status: 1,
                    stdout: String::new(),
                },
                ok,
            ),
        );
        facts.insert(EFFECTIVE, ok(effective));
        facts.insert(CHALLENGE, ok(""));
        facts.insert(UNITS, ok("active\nactive\ninactive\n"));
        facts
    }

    fn lockdown() -> SshLockdown {
        SshLockdown { port: 22 }
    }

    #[test]
    fn the_drop_in_is_checked_alone_then_with_everything_then_sshd_reloads() {
        let plan = lockdown().plan(&facts(DEBIAN_CONFIG, None, SANDBOX_EFFECTIVE));
        let StepPlan::Change { actions, diff } = plan else {
            panic!("a change")
        };
        let lines: Vec<String> = actions.iter().map(Action::describe).collect();
        assert_eq!(
            lines,
            [
                "write /etc/ssh/sshd_config.d/00-slipway.conf.next (262 bytes, mode 644)",
                "{ { { { test '!' -e /etc/ssh/sshd_config.d/00-slipway.conf || cp -a /etc/ssh/sshd_config.d/00-slipway.conf /etc/ssh/sshd_config.d/00-slipway.conf.previous; } && mv -f /etc/ssh/sshd_config.d/00-slipway.conf.next /etc/ssh/sshd_config.d/00-slipway.conf; } && { sshd -t || { { { test -e /etc/ssh/sshd_config.d/00-slipway.conf.previous && mv -f /etc/ssh/sshd_config.d/00-slipway.conf.previous /etc/ssh/sshd_config.d/00-slipway.conf; } || rm -f /etc/ssh/sshd_config.d/00-slipway.conf; } && false; }; }; } && systemctl reload ssh.service; } && rm -f /etc/ssh/sshd_config.d/00-slipway.conf.previous",
            ]
        );
        let Action::WriteFile { validate, .. } = &actions[0] else {
            panic!("a file")
        };
        assert_eq!(
            validate.as_ref().map(|v| v.join(" ")).as_deref(),
            Some("sshd -t -f {}")
        );
        assert_eq!(
            diff.before,
            "sshd -T: port 22, permitrootlogin without-password, passwordauthentication no, kbdinteractiveauthentication no\n/etc/ssh/sshd_config.d/00-slipway.conf: missing\n"
        );
        assert!(diff.after.ends_with(
            "PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nChallengeResponseAuthentication no\n"
        ));
    }

    #[test]
    fn the_step_is_satisfied_only_when_sshd_itself_shows_the_settings() {
        let text = lockdown().drop_in(true);
        let plan = lockdown().plan(&facts(DEBIAN_CONFIG, Some(&text), LOCKED_EFFECTIVE));
        assert_eq!(
            plan,
            StepPlan::Satisfied {
                evidence: "/etc/ssh/sshd_config.d/00-slipway.conf current; sshd -T: port 22, permitrootlogin no, passwordauthentication no, kbdinteractiveauthentication no".into()
            }
        );
        // The file is right but something read earlier wins: rewriting it cannot help.
        let plan = lockdown().plan(&facts(DEBIAN_CONFIG, Some(&text), SANDBOX_EFFECTIVE));
        let StepPlan::Deferred { reason } = plan else {
            panic!("refused")
        };
        assert!(
            reason.contains("still shows permitrootlogin without-password"),
            "{reason}"
        );
    }

    #[test]
    fn without_the_include_line_the_step_refuses_instead_of_writing_a_dead_file() {
        let config = DEBIAN_CONFIG.replace("Include", "#Include");
        let StepPlan::Deferred { reason } =
            lockdown().plan(&facts(&config, None, SANDBOX_EFFECTIVE))
        else {
            panic!("refused")
        };
        assert!(
            reason.contains("no `Include /etc/ssh/sshd_config.d/*.conf`"),
            "{reason}"
        );
        assert!(includes_drop_ins("include sshd_config.d/*.conf\n"));
    }

    #[test]
    fn an_sshd_without_the_old_keyword_gets_no_line_for_it() {
        let mut facts = facts(DEBIAN_CONFIG, None, SANDBOX_EFFECTIVE);
        facts.insert(
            CHALLENGE,
            Answer {
                status: 255,
                stdout: String::new(),
            },
        );
        let StepPlan::Change { diff, .. } = lockdown().plan(&facts) else {
            panic!("a change")
        };
        assert!(!diff.after.contains("ChallengeResponse"), "{}", diff.after);
    }

    #[test]
    fn only_sshd_dot_service_is_reloaded_where_it_is_the_only_unit() {
        let mut facts = facts(DEBIAN_CONFIG, None, SANDBOX_EFFECTIVE);
        facts.insert(
            UNITS,
            Answer {
                status: 3,
                stdout: "inactive\nactive\ninactive\n".into(),
            },
        );
        let StepPlan::Change { actions, .. } = lockdown().plan(&facts) else {
            panic!("a change")
        };
        assert!(
            actions[1]
                .describe()
                .contains("systemctl reload sshd.service")
        );
    }

    #[test]
    fn a_socket_activated_sshd_keeps_port_22() {
        let mut facts = facts(DEBIAN_CONFIG, None, SANDBOX_EFFECTIVE);
        facts.insert(
            UNITS,
            Answer {
                status: 0,
                stdout: "active\nactive\nactive\n".into(),
            },
        );
        assert!(matches!(
            SshLockdown { port: 2222 }.plan(&facts),
            StepPlan::Deferred { .. }
        ));
        assert!(matches!(lockdown().plan(&facts), StepPlan::Change { .. }));
    }
}
