//! Server hardening: a deploy user who logs in with keys, sshd closed to root and
//! passwords, a firewall, fail2ban on sshd, automatic security updates and swap on small
//! servers.
//!
//! Each step plans from probes alone and shows its reasoning: what it found in the
//! evidence, what it changes in the diff. None of them installs packages: the caller's
//! [`Packages`](crate::apt::Packages) step, placed before them, installs what they name
//! (`sudo`, `ufw`, `fail2ban`, `python3-systemd`, `unattended-upgrades`). Until a package
//! is there, the step that needs it plans `Deferred`, naming it.
//!
//! Order matters for not locking anyone out: [`DeployUser`] first, then, once the caller
//! has proved that user logs in, [`SshLockdown`]; [`Firewall`] opens the SSH port before
//! it enables anything.
//!
//! # Layout
//! - [`login`]: [`DeployUser`], its keys and its sudo rule.
//! - [`sshd`]: [`SshLockdown`], no root or password logins, checked in sshd's effective
//!   configuration.
//! - [`firewall`]: [`Firewall`], ufw denying what is not allowed, and its status parser.
//! - [`fail2ban`]: [`Fail2ban`], the sshd jail on the systemd journal.
//! - [`upgrades`]: [`AutoUpgrades`], unattended security upgrades every day.
//! - [`swap`]: [`Swap`], a swap file when memory is short, and the decision rule.

pub mod fail2ban;
pub mod firewall;
pub mod login;
pub mod sshd;
pub mod swap;
pub mod upgrades;

pub use fail2ban::Fail2ban;
pub use firewall::Firewall;
pub use login::DeployUser;
pub use sshd::SshLockdown;
pub use swap::Swap;
pub use upgrades::AutoUpgrades;

use slipway_engine::{Cmd, Facts, Probe, StepPlan};

use crate::apt::installed;

/// The probe asking whether `names` are installed; steps asking about the same
/// packages share it.
fn packages_probe(names: &[&str]) -> Probe {
    Probe::new(
        packages_key(names),
        Cmd::new("dpkg-query")
            .args(["-W", "-f=${Package} ${db:Status-Status}\\n"])
            .args(names.iter().copied()),
    )
}

fn packages_key(names: &[&str]) -> String {
    format!("installed:{}", names.join(","))
}

/// A refusal naming the packages of `names` that dpkg does not report installed, or
/// `None` when all are there.
fn missing_packages(facts: &Facts, names: &[&str]) -> Option<StepPlan> {
    let output = facts
        .get(&packages_key(names))
        .map(|a| a.stdout.as_str())
        .unwrap_or_default();
    let present = installed(output);
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| !present.contains(name))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let (list, verb) = match missing.as_slice() {
        [one] => ((*one).to_owned(), "is"),
        more => (more.join(" and "), "are"),
    };
    Some(StepPlan::Deferred {
        reason: format!(
            "{list} {verb} not installed yet: this step needs the packages step before it to install {}",
            if missing.len() == 1 { "it" } else { "them" }
        ),
    })
}

/// The standard output of probe `key`, when it succeeded.
fn stdout<'f>(facts: &'f Facts, key: &str) -> Option<&'f str> {
    facts.get(key).filter(|a| a.ok()).map(|a| a.stdout.as_str())
}

/// The standard output of probe `key`, whatever its exit status.
fn output<'f>(facts: &'f Facts, key: &str) -> &'f str {
    facts
        .get(key)
        .map(|a| a.stdout.as_str())
        .unwrap_or_default()
}

/// A quantity of KiB for people: `512 MiB`, `1.5 GiB`.
fn kib_text(kib: u64) -> String {
    const MIB: u64 = 1024;
    const GIB: u64 = 1024 * 1024;
    if kib >= GIB {
        let tenths = (kib * 10 + GIB / 2) / GIB;
        if tenths.is_multiple_of(10) {
            format!("{} GiB", tenths / 10)
        } else {
            format!("{}.{} GiB", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} MiB", (kib + MIB / 2) / MIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_engine::Answer;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(kib_text(524_288), "512 MiB");
        assert_eq!(kib_text(1_048_576), "1 GiB");
        assert_eq!(kib_text(1_572_864), "1.5 GiB");
        assert_eq!(kib_text(24_684_096), "23.5 GiB");
    }

    #[test]
    fn a_missing_package_defers_the_step_and_names_it() {
        let mut facts = Facts::default();
        facts.insert(
            "installed:fail2ban,python3-systemd",
            Answer {
                status: 1,
                stdout: "fail2ban installed\n".into(),
            },
        );
        let Some(StepPlan::Deferred { reason }) =
            missing_packages(&facts, &["fail2ban", "python3-systemd"])
        else {
            panic!("deferred")
        };
        assert_eq!(
            reason,
            "python3-systemd is not installed yet: this step needs the packages step before it to install it"
        );
        facts.insert(
            "installed:fail2ban,python3-systemd",
            Answer {
                status: 0,
                stdout: "fail2ban installed\npython3-systemd installed\n".into(),
            },
        );
        assert_eq!(
            missing_packages(&facts, &["fail2ban", "python3-systemd"]),
            None
        );
    }
}
