//! The app's code and Python environment on the server.
//!
//! Each release lives in `/srv/<app>/releases/<id>`, checked out from git at an exact
//! commit into a temporary folder and renamed into place, so a release folder is either
//! complete or absent. Virtualenvs live in `/srv/<app>/venvs/<hash>`, keyed by the hash
//! of the requirement files: a release whose dependencies did not change links the
//! existing virtualenv instead of building a new one.

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

use crate::file::sha256_hex;

/// One commit's code, checked out as a release folder.
pub struct Checkout {
    /// The release folder, such as `/srv/shop/releases/20261126-2359-a1b2c3d`.
    pub release: String,
    /// A git URL the server can clone from.
    pub repository: String,
    /// The full commit hash.
    pub commit: String,
    /// `user:group` that owns the code.
    pub owner: String,
}

impl Checkout {
    fn key(&self) -> String {
        format!("checkout:{}", self.release)
    }
}

/// `git` run as root on a folder another user owns, without git's ownership refusal.
fn git(dir: &str) -> Cmd {
    Cmd::new("git").args(["-c", "safe.directory=*", "-C", dir])
}

impl Step for Checkout {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} holds commit {}", self.release, short(&self.commit))
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            git(&self.release).args(["rev-parse", "HEAD"]),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let now = facts
            .get(&self.key())
            .filter(|a| a.ok())
            .map(|a: &Answer| a.stdout.trim().to_owned());
        if now.as_deref() == Some(self.commit.as_str()) {
            return StepPlan::Satisfied {
                evidence: format!("at {}", short(&self.commit)),
            };
        }
        let staging = format!("{}.incoming", self.release);
        let fetch = Cmd::all([
            Cmd::new("rm").args(["-rf", &staging]),
            Cmd::new("git").args([
                "clone",
                "--quiet",
                "--no-checkout",
                &self.repository,
                &staging,
            ]),
            git(&staging).args(["checkout", "--quiet", "--detach", &self.commit]),
            Cmd::new("chown").args(["-R", &self.owner, &staging]),
            Cmd::new("rm").args(["-rf", &self.release]),
            Cmd::new("mv").args([&staging, &self.release]),
        ]);
        StepPlan::Change {
            actions: vec![Action::Run(fetch)],
            diff: Diff::new(now.unwrap_or_default(), format!("{}\n", self.commit)),
        }
    }
}

/// The release's dependencies, installed in a virtualenv shared by every release with
/// the same requirement files, and linked as `<release>/.venv`.
pub struct Virtualenv {
    /// The app's folder, such as `/srv/shop`.
    pub root: String,
    /// The release folder.
    pub release: String,
    /// The requirements file, relative to the release.
    pub requirements: String,
    /// Every requirement file read (the one above and those it includes), with its text,
    /// as found in the project: their hash names the virtualenv.
    pub inputs: Vec<(String, String)>,
    /// `user:group` that owns the virtualenv.
    pub owner: String,
}

impl Virtualenv {
    /// The folder of the virtualenv these requirements give.
    pub fn path(&self) -> String {
        let mut material = String::new();
        for (path, text) in &self.inputs {
            material.push_str(path);
            material.push('\0');
            material.push_str(text);
            material.push('\0');
        }
        format!(
            "{}/venvs/{}",
            self.root,
            &sha256_hex(material.as_bytes())[..16]
        )
    }

    fn key(&self) -> String {
        format!("venv:{}", self.release)
    }
}

/// Written last, so a virtualenv without it was interrupted and is rebuilt.
const COMPLETE: &str = ".slipway-complete";

impl Step for Virtualenv {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!(
            "{} runs with the dependencies of {}",
            self.release, self.requirements
        )
    }

    fn probes(&self) -> Vec<Probe> {
        let venv = self.path();
        let complete = Cmd::new("test")
            .args(["-e", &format!("{venv}/{COMPLETE}")])
            .and(Cmd::Fixed("echo complete"));
        let link = Cmd::new("readlink").arg(format!("{}/.venv", self.release));
        let probe = complete
            .or(Cmd::Fixed("echo missing"))
            .and(link.or(Cmd::Fixed("echo")));
        vec![Probe::new(self.key(), probe)]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let venv = self.path();
        let output = facts
            .get(&self.key())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let mut lines = output.lines();
        let complete = lines.next() == Some("complete");
        let linked = lines.next().unwrap_or_default().trim().to_owned();
        if complete && linked == venv {
            return StepPlan::Satisfied {
                evidence: format!("shares {venv}"),
            };
        }
        let mut actions = Vec::new();
        if !complete {
            let requirements = format!("{}/{}", self.release, self.requirements);
            actions.push(Action::Run(Cmd::all([
                Cmd::new("rm").args(["-rf", &venv]),
                Cmd::new("python3").args(["-m", "venv", &venv]),
                Cmd::new(format!("{venv}/bin/pip")).args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                    &requirements,
                ]),
                Cmd::new("touch").arg(format!("{venv}/{COMPLETE}")),
                Cmd::new("chown").args(["-R", &self.owner, &venv]),
            ])));
        }
        actions.push(Action::Run(Cmd::new("ln").args([
            "-sfn",
            &venv,
            &format!("{}/.venv", self.release),
        ])));
        let before = if complete {
            format!("{venv} built, not linked")
        } else {
            String::new()
        };
        StepPlan::Change {
            actions,
            diff: Diff::new(before, format!("{}/.venv -> {venv}", self.release)),
        }
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venv(requirements: &str) -> Virtualenv {
        Virtualenv {
            root: "/srv/shop".into(),
            release: "/srv/shop/releases/r2".into(),
            requirements: "requirements.txt".into(),
            inputs: vec![("requirements.txt".into(), requirements.into())],
            owner: "shop:shop".into(),
        }
    }

    #[test]
    fn the_same_requirements_share_a_virtualenv_and_changed_ones_do_not() {
        assert_eq!(venv("flask==3.1.0\n").path(), venv("flask==3.1.0\n").path());
        assert_ne!(venv("flask==3.1.0\n").path(), venv("flask==3.1.1\n").path());
        assert!(venv("flask\n").path().starts_with("/srv/shop/venvs/"));
    }

    #[test]
    fn a_built_virtualenv_is_only_linked() {
        let step = venv("flask==3.1.0\n");
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: "complete\n\n".into(),
            },
        );
        let StepPlan::Change { actions, .. } = step.plan(&facts) else {
            panic!("change")
        };
        assert_eq!(actions.len(), 1);
        assert_eq!(
            actions[0].describe(),
            format!("ln -sfn {0} /srv/shop/releases/r2/.venv", step.path())
        );
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: format!("complete\n{}\n", step.path()),
            },
        );
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
    }

    #[test]
    fn a_checkout_at_the_commit_is_satisfied() {
        let step = Checkout {
            release: "/srv/shop/releases/r1".into(),
            repository: "git://10.213.1.1:9418/shop.git".into(),
            commit: "a".repeat(40),
            owner: "shop:shop".into(),
        };
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 128,
                stdout: String::new(),
            },
        );
        let StepPlan::Change { actions, .. } = step.plan(&facts) else {
            panic!("change")
        };
        assert!(actions[0].describe().contains("git clone --quiet --no-checkout git://10.213.1.1:9418/shop.git /srv/shop/releases/r1.incoming"));
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: format!("{}\n", "a".repeat(40)),
            },
        );
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
    }
}
