//! The firewall, with ufw: incoming connections denied except to the SSH port and the
//! ports asked for, outgoing ones allowed.
//!
//! The SSH port is allowed before anything is denied, and enabling ufw keeps open
//! connections (its rules accept established traffic first), so the connection that
//! applies the step survives it. Rules the admin added stay, and the evidence lists them.

use std::fmt::Write as _;

use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

use super::{missing_packages, output, packages_probe};

const STATUS: &str = "ufw:status";
const ADDED: &str = "ufw:added";
const DEFAULTS: &str = "ufw:defaults";

/// ufw is active, denies incoming connections except to `ssh_port` and `allow` (TCP,
/// from anywhere, over IPv4 and, where ufw handles it, IPv6), and allows outgoing ones
/// (apt, git and certificate renewals need them).
///
/// ufw itself comes from the caller's packages step (`ufw`). In a container, ufw needs
/// the `CAP_NET_ADMIN` capability; without it the step refuses with ufw's own error.
pub struct Firewall {
    /// The port sshd listens on; allowed first.
    pub ssh_port: u16,
    /// The other ports to open, such as 80 and 443.
    pub allow: Vec<u16>,
}

/// One row of `ufw status verbose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Destination: `22/tcp`, `80,443/tcp`, `OpenSSH`, `10.0.0.1 8080`.
    pub to: String,
    /// `ALLOW IN`, `LIMIT IN`, `DENY IN`, `ALLOW OUT`…
    pub action: String,
    /// Source: `Anywhere`, `203.0.113.0/24`.
    pub from: String,
    /// Whether this is the IPv6 copy of a rule.
    pub v6: bool,
}

impl Rule {
    /// Whether the rule lets anyone reach TCP `port`.
    pub fn opens(&self, port: u16) -> bool {
        let inbound = matches!(
            self.action.as_str(),
            "ALLOW" | "ALLOW IN" | "LIMIT" | "LIMIT IN"
        );
        inbound && self.from == "Anywhere" && spec_covers(&self.to, port)
    }

    /// The row as ufw prints it, for the evidence.
    fn text(&self) -> String {
        let v6 = if self.v6 { " (v6)" } else { "" };
        format!("{}{v6} {} {}{v6}", self.to, self.action, self.from)
    }
}

/// Whether a ufw port spec (`22`, `22/tcp`, `80,443/tcp`, `6000:6007/tcp`) covers TCP
/// `port`.
fn spec_covers(spec: &str, port: u16) -> bool {
    let (ports, proto) = spec.split_once('/').unwrap_or((spec, "any"));
    if !matches!(proto, "tcp" | "any") {
        return false;
    }
    ports.split(',').any(|part| match part.split_once(':') {
        Some((low, high)) => match (low.parse::<u16>(), high.parse::<u16>()) {
            (Ok(low), Ok(high)) => (low..=high).contains(&port),
            _ => false,
        },
        None => part.parse() == Ok(port),
    })
}

/// What `ufw status verbose` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `Status: active`.
    pub active: bool,
    /// The default for incoming connections (`deny`, `reject`, `allow`), when shown.
    pub incoming: Option<String>,
    /// The default for outgoing connections, when shown.
    pub outgoing: Option<String>,
    /// The rules, IPv4 and IPv6 rows alike.
    pub rules: Vec<Rule>,
}

/// Reads `ufw status verbose`; `None` when the text has no `Status:` line (ufw failed).
pub fn parse_status(text: &str) -> Option<Status> {
    let mut status = Status::default();
    let mut seen = false;
    let mut table = false;
    for line in text.lines() {
        if let Some(state) = line.strip_prefix("Status:") {
            seen = true;
            status.active = state.trim() == "active";
        } else if let Some(defaults) = line.strip_prefix("Default:") {
            for part in defaults.split(',') {
                // `deny (incoming)`
                let mut words = part.split_whitespace();
                let (Some(policy), Some(direction)) = (words.next(), words.next()) else {
                    continue;
                };
                match direction {
                    "(incoming)" => status.incoming = Some(policy.to_owned()),
                    "(outgoing)" => status.outgoing = Some(policy.to_owned()),
                    _ => {}
                }
            }
        } else if line.starts_with("--") {
            table = true;
        } else if table && !line.trim().is_empty() {
            status.rules.extend(parse_rule(line));
        }
    }
    seen.then_some(status)
}

fn parse_rule(line: &str) -> Option<Rule> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let verb = words
        .iter()
        .position(|w| matches!(*w, "ALLOW" | "DENY" | "REJECT" | "LIMIT"))?;
    let direction = words
        .get(verb + 1)
        .filter(|w| matches!(**w, "IN" | "OUT" | "FWD"));
    let from_start = verb + 1 + usize::from(direction.is_some());
    let strip_v6 = |part: &[&str]| -> (String, bool) {
        match part.split_last() {
            Some((&"(v6)", rest)) => (rest.join(" "), true),
            _ => (part.join(" "), false),
        }
    };
    let (to, v6_to) = strip_v6(&words[..verb]);
    let (from, v6_from) = strip_v6(&words[from_start..]);
    let action = match direction {
        Some(direction) => format!("{} {direction}", words[verb]),
        None => words[verb].to_owned(),
    };
    Some(Rule {
        to,
        action,
        from,
        v6: v6_to || v6_from,
    })
}

/// The rules `ufw show added` lists (`ufw allow 22/tcp`), kept even while ufw is
/// inactive, without the leading `ufw`.
pub fn parse_added(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("ufw "))
        .map(str::to_owned)
        .collect()
}

/// Whether an added rule (`allow 22/tcp`, `limit in 22`) opens TCP `port` to anyone.
fn added_opens(rule: &str, port: u16) -> bool {
    let words: Vec<&str> = rule.split_whitespace().collect();
    match words.as_slice() {
        ["allow" | "limit", spec] | ["allow" | "limit", "in", spec] => spec_covers(spec, port),
        _ => false,
    }
}

/// A setting of `/etc/default/ufw` (`IPV6=yes`, `DEFAULT_INPUT_POLICY="DROP"`), with
/// policies in ufw's words (`deny`, `reject`, `allow`).
fn default_setting(defaults: &str, name: &str) -> Option<String> {
    let value = defaults
        .lines()
        .find_map(|line| line.trim().strip_prefix(name)?.strip_prefix('='))?
        .trim()
        .trim_matches('"');
    Some(
        match value {
            "DROP" => "deny",
            "REJECT" => "reject",
            "ACCEPT" => "allow",
            other => other,
        }
        .to_owned(),
    )
}

/// What the firewall looks like now, from the three probes.
#[derive(Debug)]
struct Now {
    active: bool,
    incoming: String,
    outgoing: String,
    ipv6: bool,
    /// The ports of ours that are open (on both families where ufw does IPv6).
    open: Vec<u16>,
    /// Rules that are not ours, as ufw prints them.
    others: Vec<String>,
}

impl Firewall {
    /// Every port to allow, SSH first, without repeats.
    pub fn ports(&self) -> Vec<u16> {
        let mut ports = vec![self.ssh_port];
        for port in &self.allow {
            if !ports.contains(port) {
                ports.push(*port);
            }
        }
        ports
    }

    fn read(&self, status: &Status, added: &[String], defaults: &str) -> Now {
        let ipv6 = default_setting(defaults, "IPV6").is_none_or(|v| v == "yes");
        let ports = self.ports();
        let (open, others) = if status.active {
            let open = ports
                .iter()
                .copied()
                .filter(|&port| {
                    let v4 = status.rules.iter().any(|r| !r.v6 && r.opens(port));
                    let v6 = status.rules.iter().any(|r| r.v6 && r.opens(port));
                    v4 && (v6 || !ipv6)
                })
                .collect();
            let ours = |r: &Rule| {
                ports
                    .iter()
                    .any(|&p| r.to == format!("{p}/tcp") && r.opens(p))
            };
            // An IPv6 row whose IPv4 twin is listed says nothing new.
            let twin = |r: &Rule| {
                r.v6 && status
                    .rules
                    .iter()
                    .any(|o| !o.v6 && o.to == r.to && o.action == r.action && o.from == r.from)
            };
            let others = status
                .rules
                .iter()
                .filter(|r| !ours(r) && !twin(r))
                .map(Rule::text)
                .collect();
            (open, others)
        } else {
            let open = ports
                .iter()
                .copied()
                .filter(|&port| added.iter().any(|rule| added_opens(rule, port)))
                .collect();
            let others = added
                .iter()
                .filter(|rule| {
                    !ports
                        .iter()
                        .any(|p| rule.as_str() == format!("allow {p}/tcp"))
                })
                .cloned()
                .collect();
            (open, others)
        };
        let policy = |shown: &Option<String>, name: &str, fallback: &str| {
            shown
                .clone()
                .or_else(|| default_setting(defaults, name))
                .unwrap_or_else(|| fallback.to_owned())
        };
        Now {
            active: status.active,
            incoming: policy(&status.incoming, "DEFAULT_INPUT_POLICY", "unknown"),
            outgoing: policy(&status.outgoing, "DEFAULT_OUTPUT_POLICY", "unknown"),
            ipv6,
            open,
            others,
        }
    }

    fn summary(active: bool, incoming: &str, outgoing: &str, open: &[u16]) -> String {
        let open: Vec<String> = open.iter().map(|p| format!("{p}/tcp")).collect();
        format!(
            "ufw {}; incoming {incoming}, outgoing {outgoing}\nopen to anyone: {}\n",
            if active { "active" } else { "inactive" },
            if open.is_empty() {
                "none of Slipway's ports".to_owned()
            } else {
                open.join(", ")
            }
        )
    }
}

fn others_text(others: &[String]) -> String {
    if others.is_empty() {
        "no other rules".to_owned()
    } else {
        format!("other rules kept: {}", others.join("; "))
    }
}

impl Step for Firewall {
    fn id(&self) -> String {
        "firewall".into()
    }

    fn describe(&self) -> String {
        let ports: Vec<String> = self.ports().iter().map(ToString::to_string).collect();
        format!(
            "ufw denies incoming connections but to TCP ports {}",
            ports.join(", ")
        )
    }

    fn probes(&self) -> Vec<Probe> {
        vec![
            packages_probe(&["ufw"]),
            Probe::new(
                STATUS,
                Cmd::new("ufw").args(["status", "verbose"]).merge_stderr(),
            ),
            Probe::new(ADDED, Cmd::new("ufw").args(["show", "added"])),
            Probe::new(DEFAULTS, Cmd::new("cat").arg("/etc/default/ufw")),
        ]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        if let Some(refusal) = missing_packages(facts, &["ufw"]) {
            return refusal;
        }
        let answer = output(facts, STATUS);
        let Some(status) = parse_status(answer) else {
            let first = answer.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            return StepPlan::Deferred {
                reason: format!(
                    "ufw cannot run on this server: {first} (in a container, ufw needs the CAP_NET_ADMIN capability)"
                ),
            };
        };
        let now = self.read(
            &status,
            &parse_added(output(facts, ADDED)),
            output(facts, DEFAULTS),
        );
        let ports = self.ports();
        let missing: Vec<u16> = ports
            .iter()
            .copied()
            .filter(|p| !now.open.contains(p))
            .collect();
        let family = if now.ipv6 { "IPv4 and IPv6" } else { "IPv4" };
        if now.active && now.incoming == "deny" && now.outgoing == "allow" && missing.is_empty() {
            let open: Vec<String> = ports.iter().map(|p| format!("{p}/tcp")).collect();
            return StepPlan::Satisfied {
                evidence: format!(
                    "ufw active, incoming denied, outgoing allowed; {} open ({family}); {}",
                    open.join(", "),
                    others_text(&now.others)
                ),
            };
        }
        let ufw = |args: &[&str]| Action::Run(Cmd::new("ufw").args(args.iter().copied()));
        // SSH first: nothing is denied before its port is open.
        let mut actions: Vec<Action> = missing
            .iter()
            .map(|port| ufw(&["allow", &format!("{port}/tcp")]))
            .collect();
        if now.incoming != "deny" || !now.active {
            actions.push(ufw(&["default", "deny", "incoming"]));
        }
        if now.outgoing != "allow" || !now.active {
            actions.push(ufw(&["default", "allow", "outgoing"]));
        }
        if !now.active {
            actions.push(ufw(&["--force", "enable"]));
        }
        let mut before = Self::summary(now.active, &now.incoming, &now.outgoing, &now.open);
        let _ = writeln!(before, "{}", others_text(&now.others));
        let mut after = Self::summary(true, "deny", "allow", &ports);
        let _ = writeln!(after, "{}", others_text(&now.others));
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

    const ACTIVE: &str = "Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\nNew profiles: skip\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW IN    Anywhere                  \n80/tcp                     ALLOW IN    Anywhere                  \n443/tcp                    ALLOW IN    Anywhere                  \n8080/tcp                   ALLOW IN    10.0.0.0/8                \n22/tcp (v6)                ALLOW IN    Anywhere (v6)             \n80/tcp (v6)                ALLOW IN    Anywhere (v6)             \n443/tcp (v6)               ALLOW IN    Anywhere (v6)             \n\n";

    const DEBIAN_DEFAULTS: &str = "# /etc/default/ufw\nIPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\nDEFAULT_OUTPUT_POLICY=\"ACCEPT\"\nDEFAULT_FORWARD_POLICY=\"DROP\"\n";

    fn facts(status: &str, added: &str, defaults: &str) -> Facts {
        let mut facts = Facts::default();
        let ok = |stdout: &str| Answer {
            status: 0,
            stdout: stdout.into(),
        };
        facts.insert("installed:ufw", ok("ufw installed\n"));
        facts.insert(STATUS, ok(status));
        facts.insert(ADDED, ok(added));
        facts.insert(DEFAULTS, ok(defaults));
        facts
    }

    fn web() -> Firewall {
        Firewall {
            ssh_port: 22,
            allow: vec![80, 443],
        }
    }

    fn descriptions(plan: &StepPlan) -> Vec<String> {
        let StepPlan::Change { actions, .. } = plan else {
            panic!("a change: {plan:?}")
        };
        actions.iter().map(Action::describe).collect()
    }

    #[test]
    fn status_rows_parse_with_their_families_and_sources() {
        let status = parse_status(ACTIVE).expect("status");
        assert!(status.active);
        assert_eq!(status.incoming.as_deref(), Some("deny"));
        assert_eq!(status.outgoing.as_deref(), Some("allow"));
        assert_eq!(status.rules.len(), 7);
        assert_eq!(
            status.rules[3],
            Rule {
                to: "8080/tcp".into(),
                action: "ALLOW IN".into(),
                from: "10.0.0.0/8".into(),
                v6: false
            }
        );
        assert!(status.rules[4].v6 && status.rules[4].opens(22));
        assert!(!status.rules[3].opens(8080), "only from 10.0.0.0/8");
        assert_eq!(parse_status("ERROR: problem running iptables\n"), None);
        assert!(spec_covers("80,443/tcp", 443));
        assert!(spec_covers("6000:6007", 6003));
        assert!(!spec_covers("53/udp", 53));
    }

    #[test]
    fn a_fresh_server_allows_ssh_first_then_denies_then_enables() {
        let plan = web().plan(&facts(
            "Status: inactive\n",
            "Added user rules (see 'ufw status' for running firewall):\n",
            DEBIAN_DEFAULTS,
        ));
        assert_eq!(
            descriptions(&plan),
            [
                "ufw allow 22/tcp",
                "ufw allow 80/tcp",
                "ufw allow 443/tcp",
                "ufw default deny incoming",
                "ufw default allow outgoing",
                "ufw --force enable",
            ]
        );
        let StepPlan::Change { diff, .. } = plan else {
            unreachable!()
        };
        assert_eq!(
            diff.before,
            "ufw inactive; incoming deny, outgoing allow\nopen to anyone: none of Slipway's ports\nno other rules\n"
        );
        assert_eq!(
            diff.after,
            "ufw active; incoming deny, outgoing allow\nopen to anyone: 22/tcp, 80/tcp, 443/tcp\nno other rules\n"
        );
    }

    #[test]
    fn rules_added_while_inactive_are_not_added_again() {
        let added = "Added user rules (see 'ufw status' for running firewall):\nufw allow 22/tcp\nufw allow from 10.0.0.0/8 to any port 5432 proto tcp\n";
        let plan = web().plan(&facts("Status: inactive\n", added, DEBIAN_DEFAULTS));
        assert_eq!(
            descriptions(&plan)[..2],
            ["ufw allow 80/tcp", "ufw allow 443/tcp"]
        );
        let StepPlan::Change { diff, .. } = plan else {
            unreachable!()
        };
        assert!(
            diff.before
                .contains("other rules kept: allow from 10.0.0.0/8 to any port 5432 proto tcp"),
            "{}",
            diff.before
        );
    }

    #[test]
    fn an_active_firewall_with_our_ports_is_satisfied_and_names_the_admins_rules() {
        let plan = web().plan(&facts(ACTIVE, "", DEBIAN_DEFAULTS));
        assert_eq!(
            plan,
            StepPlan::Satisfied {
                evidence: "ufw active, incoming denied, outgoing allowed; 22/tcp, 80/tcp, 443/tcp open (IPv4 and IPv6); other rules kept: 8080/tcp ALLOW IN 10.0.0.0/8".into()
            }
        );
    }

    #[test]
    fn a_port_open_only_over_ipv4_is_allowed_again_for_ipv6() {
        let status = ACTIVE.replace("443/tcp (v6)               ALLOW IN    Anywhere (v6)", "");
        let plan = web().plan(&facts(&status, "", DEBIAN_DEFAULTS));
        assert_eq!(descriptions(&plan), ["ufw allow 443/tcp"]);
        let no_v6 = DEBIAN_DEFAULTS.replace("IPV6=yes", "IPV6=no");
        assert!(matches!(
            web().plan(&facts(&status, "", &no_v6)),
            StepPlan::Satisfied { .. }
        ));
    }

    #[test]
    fn an_active_firewall_that_allows_incoming_is_closed_after_ssh_is_allowed() {
        let status = "Status: active\nLogging: on (low)\nDefault: allow (incoming), allow (outgoing), disabled (routed)\nNew profiles: skip\n";
        assert_eq!(
            descriptions(&web().plan(&facts(status, "", DEBIAN_DEFAULTS))),
            [
                "ufw allow 22/tcp",
                "ufw allow 80/tcp",
                "ufw allow 443/tcp",
                "ufw default deny incoming",
            ]
        );
    }

    #[test]
    fn a_server_where_ufw_cannot_run_is_refused_with_its_error() {
        let error = "ERROR: problem running iptables: iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n\n";
        let StepPlan::Deferred { reason } = web().plan(&facts(error, "", DEBIAN_DEFAULTS)) else {
            panic!("refused")
        };
        assert!(
            reason.starts_with("ufw cannot run on this server: ERROR: problem running iptables"),
            "{reason}"
        );
    }
}
