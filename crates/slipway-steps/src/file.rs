//! Files from templates: compared by hash on the server, written atomically, checked by
//! a validator before they replace the old file, with a text diff in the plan.

use sha2::{Digest, Sha256};
use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

/// A file has exactly these contents, owner and mode.
pub struct File {
    /// Absolute path.
    pub path: String,
    /// Contents.
    pub contents: String,
    /// Owning user.
    pub owner: String,
    /// Owning group.
    pub group: String,
    /// Permission bits.
    pub mode: u32,
    /// A program that checks the new file first; `{}` stands for its path.
    pub validate: Option<Vec<String>>,
}

/// The SHA-256 of `text`, in hex, as `sha256sum` prints it.
pub fn sha256_hex(text: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(text)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

impl File {
    fn key(&self) -> String {
        format!("file:{}", self.path)
    }

    fn text_key(&self) -> String {
        format!("file-text:{}", self.path)
    }

    fn wanted_meta(&self) -> String {
        format!("{} {} {:o}", self.owner, self.group, self.mode)
    }
}

impl Step for File {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} is up to date", self.path)
    }

    fn probes(&self) -> Vec<Probe> {
        let stat = Cmd::new("stat").args(["-c", "%U %G %a", &self.path]);
        let hash = Cmd::new("sha256sum").arg(self.path.clone());
        vec![Probe::new(self.key(), stat.and(hash))]
    }

    fn diff_probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.text_key(),
            Cmd::new("cat").arg(self.path.clone()),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let answer = facts
            .get(&self.key())
            .filter(|a| a.ok())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let mut lines = answer.lines();
        let meta = lines.next().unwrap_or_default().trim().to_owned();
        let hash = lines
            .next()
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_default();
        if hash == sha256_hex(self.contents.as_bytes()) && meta == self.wanted_meta() {
            return StepPlan::Satisfied {
                evidence: format!("sha256 {}", &hash[..12]),
            };
        }
        let before = facts
            .get(&self.text_key())
            .filter(|a| a.ok())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let action = Action::WriteFile {
            path: self.path.clone(),
            contents: self.contents.clone().into_bytes(),
            mode: self.mode,
            owner: Some(format!("{}:{}", self.owner, self.group)),
            validate: self.validate.clone(),
        };
        StepPlan::Change {
            actions: vec![action],
            diff: Diff::new(before, self.contents.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_engine::Answer;

    fn motd() -> File {
        File {
            path: "/etc/motd".into(),
            contents: "Managed by Slipway\n".into(),
            owner: "root".into(),
            group: "root".into(),
            mode: 0o644,
            validate: None,
        }
    }

    #[test]
    fn matching_hash_and_metadata_satisfy_the_step() {
        let hash = sha256_hex(b"Managed by Slipway\n");
        let mut facts = Facts::default();
        facts.insert(
            "file:/etc/motd",
            Answer {
                status: 0,
                stdout: format!("root root 644\n{hash}  /etc/motd\n"),
            },
        );
        assert!(matches!(motd().plan(&facts), StepPlan::Satisfied { .. }));
    }

    #[test]
    fn different_contents_plan_a_write_with_the_old_text_in_the_diff() {
        let mut facts = Facts::default();
        facts.insert(
            "file:/etc/motd",
            Answer {
                status: 0,
                stdout: "root root 644\nabc  /etc/motd\n".into(),
            },
        );
        facts.insert(
            "file-text:/etc/motd",
            Answer {
                status: 0,
                stdout: "Welcome\n".into(),
            },
        );
        let StepPlan::Change { actions, diff } = motd().plan(&facts) else {
            panic!("change")
        };
        assert_eq!(diff, Diff::new("Welcome\n", "Managed by Slipway\n"));
        assert_eq!(
            actions[0].describe(),
            "write /etc/motd (19 bytes, mode 644)"
        );
    }

    #[test]
    fn hashes_match_sha256sum() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
