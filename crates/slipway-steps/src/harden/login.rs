//! The deploy user: a login user whose `authorized_keys` holds Slipway's keys, with
//! passwordless sudo when asked.
//!
//! Slipway's keys live in a marked block of `authorized_keys`; the block is rewritten to
//! hold exactly the keys given, so a key removed from the list leaves the server on the
//! next run. Lines outside the block (keys the admin or the cloud provider added) are
//! kept as they are, and the evidence says how many there are.

use std::fmt::Write as _;

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

use super::{missing_packages, output, packages_probe};

/// First line of Slipway's block in `authorized_keys`.
pub const KEYS_BEGIN: &str = "# BEGIN SLIPWAY KEYS (this block is rewritten on every deploy)";
/// Last line of Slipway's block in `authorized_keys`.
pub const KEYS_END: &str = "# END SLIPWAY KEYS";

/// A login user (bash, home in `/home/<name>`) who logs in with `public_keys` and, with
/// `sudo`, runs anything as root without a password through
/// `/etc/sudoers.d/slipway-<name>`.
///
/// With `sudo`, the server needs the `sudo` package: the caller's packages step installs
/// it (cloud images mostly have it already). The user is created without a password
/// (`*`, which sshd does not treat as a locked account), so keys are its only way in.
/// Keys outside Slipway's block in `authorized_keys` are kept.
pub struct DeployUser {
    /// Login name: lowercase letters, digits, `_` and `-`, starting with a letter or `_`.
    pub name: String,
    /// OpenSSH public key lines (`ssh-ed25519 AAAA… comment`).
    pub public_keys: Vec<String>,
    /// Whether the user may run anything as root without a password.
    pub sudo: bool,
}

/// What the probe found about the user.
#[derive(Debug, PartialEq, Eq)]
struct Account<'a> {
    /// Home folder, from the passwd entry.
    home: &'a str,
    /// Login shell.
    shell: &'a str,
    /// Primary group.
    group: &'a str,
    /// `user:group mode` of `~/.ssh`; empty when missing.
    ssh_dir: &'a str,
    /// `user:group mode` of `~/.ssh/authorized_keys`; empty when missing.
    keys_meta: &'a str,
    /// The text of `authorized_keys`.
    keys: &'a str,
}

/// What the probe says: the account, or whether a group of the user's name exists.
#[derive(Debug, PartialEq, Eq)]
enum Found<'a> {
    User(Account<'a>),
    Missing { group_exists: bool },
}

/// Prints the passwd entry, primary group, `~/.ssh` and `authorized_keys` details of
/// user `$1`, then the keys file; `no-user` (and whether a group of that name exists)
/// when there is no such user.
const ACCOUNT_SCRIPT: &str = r#"if entry=$(getent passwd "$1"); then
  printf 'passwd %s\n' "$entry"
  printf 'group %s\n' "$(id -gn "$1")"
  home=$(printf '%s\n' "$entry" | cut -d: -f6)
  printf 'ssh %s\n' "$(stat -c '%U:%G %a' "$home/.ssh" 2>/dev/null)"
  printf 'keys %s\n' "$(stat -c '%U:%G %a' "$home/.ssh/authorized_keys" 2>/dev/null)"
  cat "$home/.ssh/authorized_keys" 2>/dev/null
elif getent group "$1" >/dev/null; then
  echo 'no-user group-exists'
else
  echo 'no-user'
fi"#;

/// Prints `user:group mode` of file `$1`, then its text; nothing when it is missing.
const META_AND_TEXT_SCRIPT: &str = r#"stat -c '%U:%G %a' "$1" 2>/dev/null || exit 0
cat "$1""#;

const SUDOERS_INCLUDES: &str = "sudoers:includedir";

fn parse_account(output: &str) -> Found<'_> {
    if output.starts_with("no-user") {
        return Found::Missing {
            group_exists: output.contains("group-exists"),
        };
    }
    let mut parts = output.splitn(5, '\n');
    let mut tagged = |tag: &str| {
        parts
            .next()
            .and_then(|line| line.strip_prefix(tag))
            .map(str::trim)
            .unwrap_or_default()
    };
    let entry = tagged("passwd ");
    let group = tagged("group ");
    let ssh_dir = tagged("ssh");
    let keys_meta = tagged("keys");
    let keys = parts.next().unwrap_or_default();
    let fields: Vec<&str> = entry.split(':').collect();
    if fields.len() < 7 {
        return Found::Missing {
            group_exists: false,
        };
    }
    Found::User(Account {
        home: fields[5],
        shell: fields[6],
        group,
        ssh_dir,
        keys_meta,
        keys,
    })
}

/// Why a deploy user cannot be set up as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginProblem {
    /// The name is not one `useradd` takes.
    #[error(
        "{name:?} cannot be a deploy user's name: use up to 32 lowercase letters, digits, `_` and `-`, starting with a letter"
    )]
    BadName {
        /// The name asked for.
        name: String,
    },
    /// The deploy user is meant to replace root logins.
    #[error("the deploy user cannot be root: root logins are what it replaces")]
    Root,
    /// No key to log in with.
    #[error("{name} needs at least one public key to log in with")]
    NoKeys {
        /// The user.
        name: String,
    },
    /// A key entry holds several lines.
    #[error("public key {number} spans several lines; give one key per entry")]
    SeveralLines {
        /// Its place in the list, from 1.
        number: usize,
    },
    /// A key entry is not an OpenSSH public key line.
    #[error("public key {number} is not an OpenSSH public key line (`ssh-ed25519 AAAA… comment`)")]
    NotAKey {
        /// Its place in the list, from 1.
        number: usize,
    },
}

/// Why `name` cannot be a deploy user, if it cannot.
fn check_name(name: &str) -> Result<(), LoginProblem> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c));
    if !first_ok || !rest_ok || name.len() > 32 {
        return Err(LoginProblem::BadName {
            name: name.to_owned(),
        });
    }
    if name == "root" {
        return Err(LoginProblem::Root);
    }
    Ok(())
}

/// Why `line` is not one OpenSSH public key line, if it is not.
fn check_key(index: usize, line: &str) -> Result<(), LoginProblem> {
    let number = index + 1;
    if line.contains(['\n', '\r', '\0']) {
        return Err(LoginProblem::SeveralLines { number });
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let typed = words.windows(2).any(|pair| {
        let known = ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
            .iter()
            .any(|prefix| pair[0].starts_with(prefix));
        let blob = pair[1].len() >= 16
            && pair[1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c));
        known && blob
    });
    if typed {
        Ok(())
    } else {
        Err(LoginProblem::NotAKey { number })
    }
}

/// `current` with Slipway's block holding exactly `keys`: the block stays where it was
/// (or goes at the end), every other line stays as it is. A block whose end marker is
/// gone loses only its begin marker, so no hand-written line is ever dropped.
pub fn merge_keys(current: &str, keys: &[String]) -> String {
    let mut block = format!("{KEYS_BEGIN}\n");
    for key in keys {
        let _ = writeln!(block, "{}", key.trim());
    }
    let _ = writeln!(block, "{KEYS_END}");

    let lines: Vec<&str> = current.lines().collect();
    let begin = lines.iter().position(|l| l.trim() == KEYS_BEGIN);
    let end = begin.and_then(|b| {
        lines[b..]
            .iter()
            .position(|l| l.trim() == KEYS_END)
            .map(|e| b + e)
    });
    let mut merged = String::new();
    let mut placed = false;
    for (i, line) in lines.iter().enumerate() {
        let in_block = match (begin, end) {
            (Some(b), Some(e)) => (b..=e).contains(&i),
            (Some(b), None) => i == b,
            _ => false,
        };
        if Some(i) == begin && end.is_some() {
            merged.push_str(&block);
            placed = true;
        }
        if !in_block {
            let _ = writeln!(merged, "{line}");
        }
    }
    if !placed {
        merged.push_str(&block);
    }
    merged
}

/// Key lines outside Slipway's block: what the admin or the provider put there.
fn other_keys(text: &str) -> usize {
    let mut inside = false;
    let mut count = 0;
    for line in text.lines().map(str::trim) {
        if line == KEYS_BEGIN {
            inside = true;
        } else if line == KEYS_END {
            inside = false;
        } else if !inside && !line.is_empty() && !line.starts_with('#') {
            count += 1;
        }
    }
    count
}

/// The parts of the account the plan compares and the diff shows.
struct Wanted {
    home: String,
    group: String,
    ssh_dir: String,
    keys_meta: String,
    keys: String,
    sudoers: Option<String>,
}

impl DeployUser {
    fn key(&self) -> String {
        format!("deploy-user:{}", self.name)
    }

    fn sudoers_key(&self) -> String {
        format!("sudoers:{}", self.name)
    }

    /// The sudo rule's file. Names never hold a dot, so sudo does not skip it.
    pub fn sudoers_path(&self) -> String {
        format!("/etc/sudoers.d/slipway-{}", self.name)
    }

    /// The sudo rule.
    pub fn sudoers_rule(&self) -> String {
        format!("{} ALL=(ALL) NOPASSWD:ALL\n", self.name)
    }

    fn check(&self) -> Result<(), LoginProblem> {
        check_name(&self.name)?;
        if self.public_keys.is_empty() {
            return Err(LoginProblem::NoKeys {
                name: self.name.clone(),
            });
        }
        for (index, key) in self.public_keys.iter().enumerate() {
            check_key(index, key)?;
        }
        Ok(())
    }

    fn wanted(&self, found: &Found<'_>) -> Wanted {
        let (home, group, current_keys) = match found {
            Found::User(account) => (
                account.home.to_owned(),
                account.group.to_owned(),
                account.keys,
            ),
            Found::Missing { .. } => (format!("/home/{}", self.name), self.name.clone(), ""),
        };
        Wanted {
            ssh_dir: format!("{}:{group} 700", self.name),
            keys_meta: format!("{}:{group} 600", self.name),
            keys: merge_keys(current_keys, &self.public_keys),
            sudoers: self.sudo.then(|| self.sudoers_rule()),
            home,
            group,
        }
    }

    /// The account as people read it, for the diff.
    fn summary(
        &self,
        user: Option<(&str, &str)>,
        ssh_dir: &str,
        keys: Option<(&str, &str)>,
        sudoers: Option<&str>,
    ) -> String {
        let missing = |meta: &str| {
            if meta.is_empty() {
                "missing".to_owned()
            } else {
                meta.to_owned()
            }
        };
        let mut text = String::new();
        let Some((home, shell)) = user else {
            let _ = writeln!(text, "user {}: missing", self.name);
            return text;
        };
        let _ = writeln!(text, "user {}: home {home}, shell {shell}", self.name);
        let _ = writeln!(text, "{home}/.ssh: {}", missing(ssh_dir));
        match keys {
            Some((meta, body)) if !meta.is_empty() => {
                let _ = writeln!(text, "{home}/.ssh/authorized_keys: {meta}");
                for line in body.lines() {
                    let _ = writeln!(text, "  {line}");
                }
            }
            _ => {
                let _ = writeln!(text, "{home}/.ssh/authorized_keys: missing");
            }
        }
        match sudoers {
            Some(rule) => {
                let _ = write!(text, "{}: {}", self.sudoers_path(), rule);
            }
            None => {
                let _ = writeln!(text, "sudo: no Slipway rule");
            }
        }
        text
    }

    /// What the sudoers probe found: `(meta, text)`, or `None` when there is no file.
    fn current_sudoers<'f>(&self, facts: &'f Facts) -> Option<(&'f str, &'f str)> {
        let found = output(facts, &self.sudoers_key());
        let (meta, text) = found.split_once('\n').unwrap_or((found, ""));
        (!meta.trim().is_empty()).then_some((meta.trim(), text))
    }

    fn account_actions(&self, found: &Found<'_>, wanted: &Wanted) -> Vec<Action> {
        let name = self.name.as_str();
        let mut actions = Vec::new();
        match found {
            Found::Missing { group_exists } => {
                let mut add = Cmd::new("useradd").args([
                    "--create-home",
                    "--home-dir",
                    &wanted.home,
                    "--shell",
                    "/bin/bash",
                    "--password",
                    "*",
                ]);
                add = if *group_exists {
                    add.args(["--gid", name])
                } else {
                    add.arg("--user-group")
                };
                actions.push(Action::Run(add.arg(name)));
            }
            Found::User(account) if !is_bash(account.shell) => {
                actions.push(Action::Run(Cmd::new("usermod").args([
                    "--shell",
                    "/bin/bash",
                    name,
                ])));
            }
            Found::User(_) => {}
        }
        let (ssh_dir, keys_meta, keys) = match found {
            Found::User(a) => (a.ssh_dir, a.keys_meta, a.keys),
            Found::Missing { .. } => ("", "", ""),
        };
        let dir = format!("{}/.ssh", wanted.home);
        if ssh_dir != wanted.ssh_dir {
            actions.push(Action::Run(Cmd::all([
                Cmd::new("mkdir").args(["-p", &dir]),
                Cmd::new("chown").args([&format!("{name}:{}", wanted.group), &dir]),
                Cmd::new("chmod").args(["700", &dir]),
            ])));
        }
        if keys_meta != wanted.keys_meta || keys != wanted.keys {
            actions.push(Action::WriteFile {
                path: format!("{dir}/authorized_keys"),
                contents: wanted.keys.clone().into_bytes(),
                mode: 0o600,
                owner: Some(format!("{name}:{}", wanted.group)),
                validate: None,
            });
        }
        actions
    }

    fn sudo_actions(&self, facts: &Facts, wanted: &Wanted) -> Vec<Action> {
        let current = self.current_sudoers(facts);
        match (&wanted.sudoers, current) {
            (Some(rule), Some(("root:root 440", text))) if text == rule => Vec::new(),
            (Some(rule), _) => vec![Action::WriteFile {
                path: self.sudoers_path(),
                contents: rule.clone().into_bytes(),
                mode: 0o440,
                owner: Some("root:root".into()),
                // An invalid sudoers file stops sudo for everyone: it never goes in place.
                validate: Some(vec!["visudo".into(), "-cf".into(), "{}".into()]),
            }],
            (None, Some(_)) => vec![Action::Run(
                Cmd::new("rm").args(["-f", &self.sudoers_path()]),
            )],
            (None, None) => Vec::new(),
        }
    }

    fn evidence(&self, account: &Account<'_>) -> String {
        let others = other_keys(account.keys);
        let kept = match others {
            0 => "no other keys".to_owned(),
            1 => "1 other key kept".to_owned(),
            n => format!("{n} other keys kept"),
        };
        let count = self.public_keys.len();
        let sudo = if self.sudo {
            format!("passwordless sudo through {}", self.sudoers_path())
        } else {
            "no sudo rule".to_owned()
        };
        format!(
            "{} ({}, bash) logs in with {count} Slipway key{} ({kept}); {sudo}",
            self.name,
            account.home,
            if count == 1 { "" } else { "s" }
        )
    }
}

fn is_bash(shell: &str) -> bool {
    matches!(shell, "/bin/bash" | "/usr/bin/bash")
}

impl Step for DeployUser {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        if self.sudo {
            format!(
                "{} logs in with its SSH keys and has passwordless sudo",
                self.name
            )
        } else {
            format!("{} logs in with its SSH keys", self.name)
        }
    }

    fn probes(&self) -> Vec<Probe> {
        let account = Cmd::new("sh").args(["-c", ACCOUNT_SCRIPT, "sh", &self.name]);
        let sudoers = Cmd::new("sh").args(["-c", META_AND_TEXT_SCRIPT, "sh", &self.sudoers_path()]);
        let mut probes = vec![
            Probe::new(self.key(), account),
            Probe::new(self.sudoers_key(), sudoers),
        ];
        if self.sudo {
            let includes = Cmd::new("grep").args([
                "-Eq",
                r"^[[:space:]]*[@#]includedir[[:space:]]+/etc/sudoers\.d/?[[:space:]]*$",
                "/etc/sudoers",
            ]);
            probes.push(Probe::new(SUDOERS_INCLUDES, includes));
            probes.push(packages_probe(&["sudo"]));
        }
        probes
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        if let Err(problem) = self.check() {
            return StepPlan::Deferred {
                reason: problem.to_string(),
            };
        }
        if self.sudo {
            if let Some(refusal) = missing_packages(facts, &["sudo"]) {
                return refusal;
            }
            if !facts.get(SUDOERS_INCLUDES).is_some_and(Answer::ok) {
                return StepPlan::Deferred {
                    reason: "/etc/sudoers has no `@includedir /etc/sudoers.d` line, so a rule there would do nothing: add the line (visudo) and run again".into(),
                };
            }
        }
        let found = parse_account(output(facts, &self.key()));
        let wanted = self.wanted(&found);
        let mut actions = self.account_actions(&found, &wanted);
        actions.extend(self.sudo_actions(facts, &wanted));
        if let (true, Found::User(account)) = (actions.is_empty(), &found) {
            return StepPlan::Satisfied {
                evidence: self.evidence(account),
            };
        }
        let current_sudoers = self.current_sudoers(facts).map(|(_, text)| text);
        let before = match &found {
            Found::User(a) => self.summary(
                Some((a.home, a.shell)),
                a.ssh_dir,
                Some((a.keys_meta, a.keys)),
                current_sudoers,
            ),
            Found::Missing { .. } => self.summary(None, "", None, current_sudoers),
        };
        let after = self.summary(
            Some((&wanted.home, "/bin/bash")),
            &wanted.ssh_dir,
            Some((&wanted.keys_meta, &wanted.keys)),
            wanted.sudoers.as_deref(),
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
    use slipway_engine::Answer;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8Rj40cz6rw2+hrdCFZrM7e7341j6gs42iKlwkLjjgi laptop";
    const ADMIN: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7admin admin@desk";

    fn deploy(sudo: bool) -> DeployUser {
        DeployUser {
            name: "deploy".into(),
            public_keys: vec![KEY.into()],
            sudo,
        }
    }

    fn facts(account: &str, sudoers: &str) -> Facts {
        let mut facts = Facts::default();
        let answer = |stdout: &str| Answer {
            status: 0,
            stdout: stdout.into(),
        };
        facts.insert("deploy-user:deploy", answer(account));
        facts.insert("sudoers:deploy", answer(sudoers));
        facts.insert(SUDOERS_INCLUDES, answer(""));
        facts.insert("installed:sudo", answer("sudo installed\n"));
        facts
    }

    fn account(keys_meta: &str, keys: &str) -> String {
        format!(
            "passwd deploy:x:1000:1000::/home/deploy:/bin/bash\ngroup deploy\nssh deploy:deploy 700\nkeys {keys_meta}\n{keys}"
        )
    }

    fn descriptions(plan: &StepPlan) -> Vec<String> {
        let StepPlan::Change { actions, .. } = plan else {
            panic!("a change: {plan:?}")
        };
        actions.iter().map(Action::describe).collect()
    }

    #[test]
    fn a_new_user_is_created_with_its_keys_and_a_validated_sudo_rule() {
        let plan = deploy(true).plan(&facts("no-user\n", ""));
        assert_eq!(
            descriptions(&plan),
            [
                "useradd --create-home --home-dir /home/deploy --shell /bin/bash --password '*' --user-group deploy",
                "{ mkdir -p /home/deploy/.ssh && chown deploy:deploy /home/deploy/.ssh; } && chmod 700 /home/deploy/.ssh",
                "write /home/deploy/.ssh/authorized_keys (170 bytes, mode 600)",
                "write /etc/sudoers.d/slipway-deploy (30 bytes, mode 440)",
            ]
        );
        let StepPlan::Change { actions, diff } = plan else {
            unreachable!()
        };
        let Action::WriteFile {
            validate, owner, ..
        } = &actions[3]
        else {
            panic!("a file")
        };
        assert_eq!(
            validate.as_deref(),
            Some(&["visudo".to_owned(), "-cf".to_owned(), "{}".to_owned()][..])
        );
        assert_eq!(owner.as_deref(), Some("root:root"));
        assert_eq!(diff.before, "user deploy: missing\n");
        assert_eq!(
            diff.after,
            format!(
                "user deploy: home /home/deploy, shell /bin/bash\n\
                 /home/deploy/.ssh: deploy:deploy 700\n\
                 /home/deploy/.ssh/authorized_keys: deploy:deploy 600\n  {KEYS_BEGIN}\n  {KEY}\n  {KEYS_END}\n\
                 /etc/sudoers.d/slipway-deploy: deploy ALL=(ALL) NOPASSWD:ALL\n"
            )
        );
    }

    #[test]
    fn a_group_named_like_the_user_becomes_its_primary_group() {
        let plan = deploy(false).plan(&facts("no-user group-exists\n", ""));
        assert_eq!(
            descriptions(&plan)[0],
            "useradd --create-home --home-dir /home/deploy --shell /bin/bash --password '*' --gid deploy deploy"
        );
    }

    #[test]
    fn keys_added_by_hand_are_kept_and_counted_in_the_evidence() {
        let keys = format!("{ADMIN}\n{KEYS_BEGIN}\n{KEY}\n{KEYS_END}\n");
        let plan = deploy(true).plan(&facts(
            &account("deploy:deploy 600", &keys),
            "root:root 440\ndeploy ALL=(ALL) NOPASSWD:ALL\n",
        ));
        assert_eq!(
            plan,
            StepPlan::Satisfied {
                evidence: "deploy (/home/deploy, bash) logs in with 1 Slipway key (1 other key kept); passwordless sudo through /etc/sudoers.d/slipway-deploy".into()
            }
        );
    }

    #[test]
    fn a_replaced_key_leaves_the_block_and_other_lines_stay_in_place() {
        let current =
            format!("{ADMIN}\n{KEYS_BEGIN}\nssh-ed25519 AAAAold old\n{KEYS_END}\n# note\n");
        let merged = merge_keys(&current, &[KEY.into()]);
        assert_eq!(
            merged,
            format!("{ADMIN}\n{KEYS_BEGIN}\n{KEY}\n{KEYS_END}\n# note\n")
        );
        let plan = deploy(false).plan(&facts(&account("deploy:deploy 600", &current), ""));
        assert_eq!(
            descriptions(&plan),
            ["write /home/deploy/.ssh/authorized_keys (234 bytes, mode 600)"]
        );
    }

    #[test]
    fn a_block_without_its_end_keeps_every_line_after_it() {
        let current = format!("{KEYS_BEGIN}\n{ADMIN}\n");
        assert_eq!(
            merge_keys(&current, &[KEY.into()]),
            format!("{ADMIN}\n{KEYS_BEGIN}\n{KEY}\n{KEYS_END}\n")
        );
    }

    #[test]
    fn wrong_modes_and_shells_are_fixed_without_rewriting_what_is_right() {
        let keys = format!("{KEYS_BEGIN}\n{KEY}\n{KEYS_END}\n");
        let text = format!(
            "passwd deploy:x:1000:100::/srv/deploy:/bin/sh\ngroup users\nssh deploy:users 755\nkeys deploy:users 600\n{keys}"
        );
        let plan = deploy(false).plan(&facts(&text, ""));
        assert_eq!(
            descriptions(&plan),
            [
                "usermod --shell /bin/bash deploy",
                "{ mkdir -p /srv/deploy/.ssh && chown deploy:users /srv/deploy/.ssh; } && chmod 700 /srv/deploy/.ssh",
            ]
        );
    }

    #[test]
    fn a_sudo_rule_is_removed_when_sudo_is_no_longer_wanted() {
        let keys = format!("{KEYS_BEGIN}\n{KEY}\n{KEYS_END}\n");
        let plan = deploy(false).plan(&facts(
            &account("deploy:deploy 600", &keys),
            "root:root 440\ndeploy ALL=(ALL) NOPASSWD:ALL\n",
        ));
        assert_eq!(descriptions(&plan), ["rm -f /etc/sudoers.d/slipway-deploy"]);
    }

    #[test]
    fn sudo_waits_for_its_package_and_refuses_a_sudoers_that_reads_no_drop_ins() {
        let mut facts = facts("no-user\n", "");
        facts.insert(
            "installed:sudo",
            Answer {
                status: 1,
                stdout: String::new(),
            },
        );
        let StepPlan::Deferred { reason } = deploy(true).plan(&facts) else {
            panic!("deferred")
        };
        assert!(reason.starts_with("sudo is not installed yet"), "{reason}");
        facts.insert(
            "installed:sudo",
            Answer {
                status: 0,
                stdout: "sudo installed\n".into(),
            },
        );
        facts.insert(
            SUDOERS_INCLUDES,
            Answer {
                status: 1,
                stdout: String::new(),
            },
        );
        let StepPlan::Deferred { reason } = deploy(true).plan(&facts) else {
            panic!("deferred")
        };
        assert!(reason.contains("@includedir"), "{reason}");
        assert!(matches!(
            deploy(false).plan(&facts),
            StepPlan::Change { .. }
        ));
    }

    #[test]
    fn names_and_keys_that_could_break_files_are_refused() {
        let mut user = deploy(true);
        user.name = "Deploy.Team".into();
        let StepPlan::Deferred { reason } = user.plan(&Facts::default()) else {
            panic!("refused")
        };
        assert!(reason.starts_with("\"Deploy.Team\" cannot be"), "{reason}");
        user.name = "root".into();
        assert!(matches!(
            user.plan(&Facts::default()),
            StepPlan::Deferred { .. }
        ));
        let mut user = deploy(true);
        user.public_keys.push(format!("{KEY}\n{KEY}"));
        let StepPlan::Deferred { reason } = user.plan(&Facts::default()) else {
            panic!("refused")
        };
        assert_eq!(
            reason,
            "public key 2 spans several lines; give one key per entry"
        );
        user.public_keys = vec!["hello world".into()];
        let StepPlan::Deferred { reason } = user.plan(&Facts::default()) else {
            panic!("refused")
        };
        assert!(reason.starts_with("public key 1 is not"), "{reason}");
        assert_eq!(
            check_key(0, &format!("command=\"uptime\",no-pty {KEY}")),
            Ok(())
        );
    }
}
