//! The app's environment: a file of variables only the app's user can read, and secrets
//! generated on the server once and kept there.
//!
//! Values can be secrets, so nothing here ever shows one: plans and diffs name the
//! variables and say which changed, and the probes bring back only hashes.

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

use crate::file::sha256_hex;

/// Writes one value in the quoting both systemd's `EnvironmentFile=` and a POSIX shell
/// read back unchanged: double quotes, with `\`, `"`, `` ` `` and `$` escaped.
pub fn quote_value(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '`' | '$') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// A file of `NAME="value"` lines, mode 0600, owned by the app's user.
#[derive(Clone)]
pub struct EnvFile {
    /// Absolute path, such as `/srv/shop/shared/env`.
    pub path: String,
    /// `user:group` that owns it.
    pub owner: String,
    /// Variables in file order; names are shell identifiers, values single lines.
    pub vars: Vec<(String, String)>,
}

impl EnvFile {
    fn key(&self) -> String {
        format!("env:{}", self.path)
    }

    /// The file's text.
    pub fn contents(&self) -> String {
        let mut text = String::from("# Managed by Slipway: set variables in slipway.toml.\n");
        for (name, value) in &self.vars {
            text.push_str(name);
            text.push('=');
            text.push_str(&quote_value(value));
            text.push('\n');
        }
        text
    }

    /// The hash of the file's text: services restart when it changes.
    pub fn fingerprint(&self) -> String {
        sha256_hex(self.contents().as_bytes())
    }
}

/// `NAME hash` for each assignment line, as the probe prints them.
fn line_hashes(contents: &str) -> Vec<(String, String)> {
    contents
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, _) = l.split_once('=')?;
            Some((name.to_owned(), sha256_hex(format!("{l}\n").as_bytes())))
        })
        .collect()
}

/// `NAME=•••` for each of `these`, marked when the other side lacks it (`alone`) or holds
/// a different value.
fn masked(these: &[(String, String)], others: &[(String, String)], alone: &str) -> String {
    let mut text = String::new();
    for (name, hash) in these {
        let fate = match others.iter().find(|(n, _)| n == name) {
            None => alone,
            Some((_, h)) if h != hash => " (changed)",
            Some(_) => "",
        };
        text.push_str(name);
        text.push_str("=•••");
        text.push_str(fate);
        text.push('\n');
    }
    text
}

/// Hashes each line on the server, so no value leaves it.
const LINE_HASHES: &str = r#"grep -v '^#' "$1" | while IFS= read -r line; do printf '%s %s\n' "${line%%=*}" "$(printf '%s\n' "$line" | sha256sum | cut -d' ' -f1)"; done"#;

impl Step for EnvFile {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!(
            "{} holds the app's {} variable(s)",
            self.path,
            self.vars.len()
        )
    }

    fn probes(&self) -> Vec<Probe> {
        let head = Cmd::new("stat")
            .args(["-c", "%U:%G %a", &self.path])
            .and(Cmd::new("sha256sum").arg(&self.path))
            .or(Cmd::Fixed("echo missing"));
        let lines = Cmd::new("sh").args(["-c", LINE_HASHES, "slipway", &self.path]);
        vec![Probe::new(
            self.key(),
            head.and(lines.or(Cmd::Fixed("true"))),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a: &Answer| a.stdout.clone())
            .unwrap_or_default();
        let mut lines = output.lines();
        let stat = lines.next().unwrap_or_default().trim();
        let hash = lines
            .next()
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_default();
        let now: Vec<(String, String)> = lines
            .filter_map(|l| {
                let (name, hash) = l.split_once(' ')?;
                Some((name.to_owned(), hash.to_owned()))
            })
            .collect();
        let contents = self.contents();
        let wanted_stat = format!("{} 600", self.owner);
        if hash == sha256_hex(contents.as_bytes()) && stat == wanted_stat {
            return StepPlan::Satisfied {
                evidence: format!("{} variable(s), mode 600", self.vars.len()),
            };
        }
        let wanted = line_hashes(&contents);
        let before = masked(&now, &wanted, " (removed)");
        let after = masked(&wanted, &now, " (new)");
        StepPlan::Change {
            actions: vec![Action::WriteFile {
                path: self.path.clone(),
                contents: contents.into_bytes(),
                mode: 0o600,
                owner: Some(self.owner.clone()),
                validate: None,
            }],
            diff: Diff::new(before, after),
        }
    }
}

/// A random secret generated on the server the first time and never replaced, such as
/// Django's `SECRET_KEY`: it never travels to this computer.
pub struct GeneratedSecret {
    /// The file holding generated variables, such as `/srv/shop/shared/generated.env`.
    pub path: String,
    /// The variable's name.
    pub name: String,
    /// `user:group` that owns the file.
    pub owner: String,
}

impl GeneratedSecret {
    fn key(&self) -> String {
        format!("secret:{}", self.name)
    }
}

/// Appends `NAME=<64 random URL-safe characters>` with the file kept private.
const GENERATE: &str = r#"umask 077 && python3 -c 'import secrets, sys; print(sys.argv[1] + "=" + secrets.token_urlsafe(48))' "$1" >> "$2" && chown "$3" "$2" && chmod 600 "$2""#;

impl Step for GeneratedSecret {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} is generated and kept on the server", self.name)
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            Cmd::new("grep").args(["-qs", &format!("^{}=", self.name), &self.path]),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        if facts.get(&self.key()).is_some_and(Answer::ok) {
            return StepPlan::Satisfied {
                evidence: format!("kept in {}", self.path),
            };
        }
        let generate = Cmd::new("sh").args([
            "-c",
            GENERATE,
            "slipway",
            &self.name,
            &self.path,
            &self.owner,
        ]);
        StepPlan::Change {
            actions: vec![Action::Run(generate)],
            diff: Diff::new("", format!("{}=••• (generated)\n", self.name)),
        }
    }
}

/// A private file holding a secret from this computer (a deploy key): mode 0600,
/// compared by hash, written through the connection's stdin, and never shown: plans and
/// diffs name it and give its size only.
pub struct PrivateFile {
    /// Absolute path.
    pub path: String,
    /// `user:group` that owns it.
    pub owner: String,
    /// What it is, for people: "the deploy key".
    pub what: String,
    /// The contents.
    pub contents: String,
}

impl PrivateFile {
    fn key(&self) -> String {
        format!("private-file:{}", self.path)
    }
}

impl Step for PrivateFile {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} is in {}", self.what, self.path)
    }

    fn probes(&self) -> Vec<Probe> {
        let stat = Cmd::new("stat").args(["-c", "%U:%G %a", &self.path]);
        let hash = Cmd::new("sha256sum").arg(self.path.clone());
        vec![Probe::new(
            self.key(),
            stat.and(hash).or(Cmd::Fixed("echo missing")),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a: &Answer| a.stdout.clone())
            .unwrap_or_default();
        let mut lines = output.lines();
        let meta = lines.next().unwrap_or_default().trim();
        let hash = lines
            .next()
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_default();
        let right_meta = meta == format!("{} 600", self.owner);
        if right_meta && hash == sha256_hex(self.contents.as_bytes()) {
            return StepPlan::Satisfied {
                evidence: format!("{} in place, mode 600", self.what),
            };
        }
        let before = if meta == "missing" {
            String::new()
        } else {
            format!("{} (another one, or other owner or mode)\n", self.what)
        };
        StepPlan::Change {
            actions: vec![Action::WriteFile {
                path: self.path.clone(),
                contents: self.contents.clone().into_bytes(),
                mode: 0o600,
                owner: Some(self.owner.clone()),
                validate: None,
            }],
            diff: Diff::new(
                before,
                format!("{} ({} bytes), mode 600\n", self.what, self.contents.len()),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> EnvFile {
        EnvFile {
            path: "/srv/shop/shared/env".into(),
            owner: "shop:shop".into(),
            vars: vec![
                ("DATABASE_URL".into(), "postgres://shop:pa$$@db/shop".into()),
                ("GREETING".into(), "say \"hi\" `now` \\o/".into()),
            ],
        }
    }

    #[test]
    fn values_are_quoted_for_systemd_and_the_shell_alike() {
        assert_eq!(
            env().contents(),
            "# Managed by Slipway: set variables in slipway.toml.\n\
             DATABASE_URL=\"postgres://shop:pa\\$\\$@db/shop\"\n\
             GREETING=\"say \\\"hi\\\" \\`now\\` \\\\o/\"\n"
        );
    }

    #[test]
    fn the_diff_names_variables_and_never_shows_a_value() {
        let step = env();
        let old = EnvFile {
            vars: vec![
                ("DATABASE_URL".into(), "postgres://old".into()),
                ("LEGACY".into(), "1".into()),
            ],
            ..env()
        };
        let mut hashes = String::new();
        for (name, hash) in line_hashes(&old.contents()) {
            hashes.push_str(&name);
            hashes.push(' ');
            hashes.push_str(&hash);
            hashes.push('\n');
        }
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: format!(
                    "shop:shop 600\n{}  /srv/shop/shared/env\n{hashes}",
                    old.fingerprint()
                ),
            },
        );
        let StepPlan::Change { actions, diff } = step.plan(&facts) else {
            panic!("change")
        };
        assert_eq!(
            diff.before,
            "DATABASE_URL=••• (changed)\nLEGACY=••• (removed)\n"
        );
        assert_eq!(
            diff.after,
            "DATABASE_URL=••• (changed)\nGREETING=••• (new)\n"
        );
        let shown = format!("{diff:?} {}", actions[0].describe());
        assert!(
            !shown.contains("pa$$") && !shown.contains("postgres://"),
            "{shown}"
        );

        let current = format!(
            "shop:shop 600\n{}  /srv/shop/shared/env\n",
            step.fingerprint()
        );
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: current,
            },
        );
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
        let loose = format!(
            "shop:shop 644\n{}  /srv/shop/shared/env\n",
            step.fingerprint()
        );
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: loose,
            },
        );
        assert!(
            matches!(step.plan(&facts), StepPlan::Change { .. }),
            "a readable file is fixed"
        );
    }

    #[test]
    fn a_generated_secret_is_made_once() {
        let step = GeneratedSecret {
            path: "/srv/shop/shared/generated.env".into(),
            name: "DJANGO_SECRET_KEY".into(),
            owner: "shop:shop".into(),
        };
        let StepPlan::Change { actions, diff } = step.plan(&Facts::default()) else {
            panic!("change")
        };
        assert_eq!(diff.after, "DJANGO_SECRET_KEY=••• (generated)\n");
        assert!(actions[0].describe().contains("secrets.token_urlsafe(48)"));
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: String::new(),
            },
        );
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
    }

    #[test]
    fn a_private_file_is_compared_by_hash_and_never_shown() {
        let step = PrivateFile {
            path: "/srv/shop/deploy_key".into(),
            owner: "root:root".into(),
            what: "the deploy key".into(),
            contents: "-----BEGIN OPENSSH PRIVATE KEY-----\ncanary\n".into(),
        };
        let hash = sha256_hex(step.contents.as_bytes());
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: format!("root:root 600\n{hash}  /srv/shop/deploy_key\n"),
            },
        );
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: "missing\n".into(),
            },
        );
        let StepPlan::Change { actions, diff } = step.plan(&facts) else {
            panic!("a change")
        };
        let shown = format!("{}{}{}", actions[0].describe(), diff.before, diff.after);
        assert!(!shown.contains("canary"), "{shown}");
        assert!(
            shown.contains("the deploy key (43 bytes), mode 600"),
            "{shown}"
        );
    }
}
