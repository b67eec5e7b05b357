//! Old releases go, the newest few stay for instant rollback, and so do the virtualenvs
//! they use; the others are removed with them.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

/// At most `keep` releases remain, newest first by name (release names start with their
/// time), plus the protected ones.
pub struct Prune {
    /// The app's folder, such as `/srv/shop`.
    pub root: String,
    /// How many releases to keep.
    pub keep: usize,
    /// Release names never removed: the live one, and the one still draining.
    pub protect: Vec<String>,
}

/// Lists `release <name> <venv link>` and `venv <name>` lines.
const LIST: &str = r#"root=$1
for r in "$root"/releases/*; do [ -e "$r" ] && printf 'release %s %s\n' "${r##*/}" "$(readlink "$r/.venv")"; done
for v in "$root"/venvs/*; do [ -e "$v" ] && printf 'venv %s\n' "${v##*/}"; done
true"#;

impl Prune {
    fn key(&self) -> String {
        format!("prune:{}", self.root)
    }

    /// (releases to remove, virtualenvs to remove), from the listing.
    fn doomed(&self, listing: &str) -> (Vec<String>, Vec<String>) {
        let mut releases: Vec<(String, String)> = Vec::new();
        let mut venvs = Vec::new();
        for line in listing.lines() {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("release"), Some(name)) => {
                    releases.push((name.to_owned(), words.next().unwrap_or_default().to_owned()));
                }
                (Some("venv"), Some(name)) => venvs.push(name.to_owned()),
                _ => {}
            }
        }
        releases.sort();
        let finished: Vec<&(String, String)> = releases
            .iter()
            .filter(|(name, _)| !name.ends_with(".incoming"))
            .collect();
        let newest: BTreeSet<&str> = finished
            .iter()
            .rev()
            .take(self.keep)
            .map(|(name, _)| name.as_str())
            .collect();
        let kept = |name: &str| newest.contains(name) || self.protect.iter().any(|p| p == name);
        let gone: Vec<String> = releases
            .iter()
            .filter(|(name, _)| !kept(name))
            .map(|(name, _)| name.clone())
            .collect();
        let used: BTreeSet<&str> = releases
            .iter()
            .filter(|(name, _)| kept(name))
            .filter_map(|(_, venv)| venv.rsplit('/').next())
            .collect();
        let unused = venvs
            .into_iter()
            .filter(|v| !used.contains(v.as_str()))
            .collect();
        (gone, unused)
    }
}

impl Step for Prune {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("at most {} old releases are kept", self.keep)
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            Cmd::new("sh").args(["-c", LIST, "slipway", &self.root]),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let listing = facts
            .get(&self.key())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let (releases, venvs) = self.doomed(&listing);
        if releases.is_empty() && venvs.is_empty() {
            return StepPlan::Satisfied {
                evidence: "nothing to remove".into(),
            };
        }
        let paths = releases
            .iter()
            .map(|r| format!("{}/releases/{r}", self.root))
            .chain(venvs.iter().map(|v| format!("{}/venvs/{v}", self.root)));
        let mut before = String::new();
        for (kind, names) in [("release", &releases), ("virtualenv", &venvs)] {
            for name in names {
                let _ = writeln!(before, "{kind} {name}");
            }
        }
        StepPlan::Change {
            actions: vec![Action::Run(Cmd::new("rm").arg("-rf").args(paths))],
            diff: Diff::new(before, ""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_engine::Answer;

    #[test]
    fn the_newest_releases_and_the_protected_ones_stay_with_their_virtualenvs() {
        let step = Prune {
            root: "/srv/shop".into(),
            keep: 2,
            protect: vec!["20261101-000000-aaaaaaa".into()],
        };
        let listing = "release 20261101-000000-aaaaaaa /srv/shop/venvs/v1\n\
                       release 20261102-000000-bbbbbbb /srv/shop/venvs/v1\n\
                       release 20261103-000000-ccccccc /srv/shop/venvs/v2\n\
                       release 20261104-000000-ddddddd /srv/shop/venvs/v3\n\
                       release 20261105-000000-eeeeeee /srv/shop/venvs/v3\n\
                       release 20261106-000000-fffffff.incoming \n\
                       venv v1\nvenv v2\nvenv v3\nvenv v4\n";
        let (releases, venvs) = step.doomed(listing);
        assert_eq!(
            releases,
            [
                "20261102-000000-bbbbbbb",
                "20261103-000000-ccccccc",
                "20261106-000000-fffffff.incoming"
            ]
        );
        assert_eq!(venvs, ["v2", "v4"]);
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: "release 20261105-000000-eeeeeee /srv/shop/venvs/v3\nvenv v3\n".into(),
            },
        );
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
    }
}
