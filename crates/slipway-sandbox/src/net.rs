//! Networking of sandbox servers: a namespace per server, a veth pair to the host,
//! fixed addresses from the server's index, and NAT so servers reach the package mirrors.
//!
//! Server N lives on `10.213.N.0/24`: the host side is `.1`, the server `.2`. Every rule
//! and interface carries the server's name, so clean-up finds exactly what it made.

use std::net::Ipv4Addr;

use crate::{SandboxError, cmd};

/// Comment on every iptables rule, followed by the server's name.
pub(crate) const RULE_TAG: &str = "slipway-sandbox:";

/// The host-side and server addresses of server `index`.
pub(crate) fn addresses(index: u8) -> (Ipv4Addr, Ipv4Addr) {
    (
        Ipv4Addr::new(10, 213, index, 1),
        Ipv4Addr::new(10, 213, index, 2),
    )
}

/// The host side of the server's veth pair.
pub(crate) fn host_interface(name: &str) -> String {
    format!("vh-{name}")
}

/// Creates the namespace, the veth pair with both addresses, the default route inside,
/// and the NAT and forwarding rules.
pub(crate) fn attach(name: &str, index: u8) -> Result<(), SandboxError> {
    let (host, server) = addresses(index);
    let outside = host_interface(name);
    cmd::run("ip", ["netns", "add", name])?;
    cmd::run(
        "ip",
        [
            "link", "add", &outside, "type", "veth", "peer", "name", "eth0", "netns", name,
        ],
    )?;
    cmd::run(
        "ip",
        ["addr", "add", &format!("{host}/24"), "dev", &outside],
    )?;
    cmd::run("ip", ["link", "set", &outside, "up"])?;
    cmd::run(
        "ip",
        [
            "-n",
            name,
            "addr",
            "add",
            &format!("{server}/24"),
            "dev",
            "eth0",
        ],
    )?;
    cmd::run("ip", ["-n", name, "link", "set", "eth0", "up"])?;
    cmd::run("ip", ["-n", name, "link", "set", "lo", "up"])?;
    cmd::run(
        "ip",
        [
            "-n",
            name,
            "route",
            "add",
            "default",
            "via",
            &host.to_string(),
        ],
    )?;
    let tag = format!("{RULE_TAG}{name}");
    let source = format!("{server}/32");
    let nat = [
        "POSTROUTING",
        "-s",
        &source,
        "!",
        "-d",
        "10.213.0.0/16",
        "-j",
        "MASQUERADE",
    ];
    append("nat", &nat, &tag)?;
    append("filter", &["FORWARD", "-i", &outside, "-j", "ACCEPT"], &tag)?;
    append("filter", &["FORWARD", "-o", &outside, "-j", "ACCEPT"], &tag)?;
    Ok(())
}

/// Appends a rule to `table`, tagged with the server's name so clean-up finds it.
fn append(table: &str, rule: &[&str], tag: &str) -> Result<(), SandboxError> {
    let mut args = vec!["-t", table, "-A"];
    args.extend_from_slice(rule);
    args.extend_from_slice(&["-m", "comment", "--comment", tag]);
    cmd::run("iptables", args).map(drop)
}

/// Removes the server's namespace (which takes the veth pair with it), any veth left on
/// the host, and its rules. Never fails: what is already gone is skipped.
pub(crate) fn detach(name: &str) {
    for pid in namespace_pids(name) {
        cmd::quietly("kill", ["-KILL", &pid.to_string()]);
    }
    cmd::quietly("ip", ["netns", "del", name]);
    cmd::quietly("ip", ["link", "del", &host_interface(name)]);
    for (table, rule) in rules() {
        if rule.contains(&format!("\"{RULE_TAG}{name}\""))
            || rule.ends_with(&format!("{RULE_TAG}{name}"))
        {
            delete_rule(&table, &rule);
        }
    }
}

/// Processes still inside the server's network namespace.
pub(crate) fn namespace_pids(name: &str) -> Vec<u32> {
    cmd::run("ip", ["netns", "pids", name])
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Every sandbox rule as (table, `-A …` line).
pub(crate) fn rules() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for table in ["nat", "filter"] {
        let Ok(out) = cmd::run("iptables", ["-t", table, "-S"]) else {
            continue;
        };
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if line.starts_with("-A ") && line.contains(RULE_TAG) {
                found.push((table.to_owned(), line.to_owned()));
            }
        }
    }
    found
}

/// The server name a rule was made for.
pub(crate) fn rule_owner(rule: &str) -> Option<String> {
    let start = rule.find(RULE_TAG)? + RULE_TAG.len();
    Some(
        rule[start..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect(),
    )
}

fn delete_rule(table: &str, rule: &str) {
    let mut args = vec!["-t".to_owned(), table.to_owned(), "-D".to_owned()];
    args.extend(split_rule(&rule[3..]));
    cmd::quietly("iptables", &args);
}

/// Splits an `iptables -S` line into arguments, keeping quoted comments whole.
fn split_rule(rule: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in rule.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !current.is_empty() {
                    args.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        args.push(current);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_split_and_name_their_server() {
        let rule = "-A POSTROUTING -s 10.213.3.2/32 ! -d 10.213.0.0/16 -m comment --comment slipway-sandbox:sbx3 -j MASQUERADE";
        assert_eq!(rule_owner(rule).as_deref(), Some("sbx3"));
        let split = split_rule(
            "FORWARD -i vh-sbx3 -m comment --comment \"slipway-sandbox:sbx3 x\" -j ACCEPT",
        );
        assert_eq!(split[6], "slipway-sandbox:sbx3 x");
    }

    #[test]
    fn addresses_follow_the_index() {
        assert_eq!(
            addresses(7),
            (Ipv4Addr::new(10, 213, 7, 1), Ipv4Addr::new(10, 213, 7, 2))
        );
    }
}
