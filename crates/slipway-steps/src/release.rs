//! The app's code and Python environment on the server.
//!
//! Each release lives in `/srv/<app>/releases/<id>`. Its files arrive either from a bare
//! mirror of the app's git repository kept on the server ([`Mirror`]) or as an archive of
//! a commit sent from the user's computer; both are unpacked into a staging folder that
//! is renamed into place, so a release folder is either complete or absent, and carries
//! its commit in `.slipway-commit`.
//!
//! Virtualenvs live in `/srv/<app>/venvs/<hash>`, keyed by the hash of the dependency
//! files and the extra packages: a release whose dependencies did not change links the
//! existing virtualenv instead of building a new one. They are built with uv when it is
//! the chosen installer, and with pip otherwise.
//!
//! A release is built (its release commands run as the app user, with the app's
//! environment) and then sealed: its files pass to the code owner, so the running app
//! cannot change its own code, and `.slipway-built` marks it ready to go live.

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

use crate::file::sha256_hex;

/// The file in a release folder that names its commit.
pub const COMMIT_FILE: &str = ".slipway-commit";
/// The file in a release folder that says it was built and sealed.
pub const BUILT_FILE: &str = ".slipway-built";

/// `git` run as root on a folder another user may own, without git's ownership refusal.
fn git(dir: &str) -> Cmd {
    Cmd::new("git").args(["-c", "safe.directory=*", "-C", dir])
}

/// A bare mirror of the app's repository on the server that holds a given commit.
pub struct Mirror {
    /// The mirror's folder, such as `/srv/shop/repo.git`.
    pub path: String,
    /// The URL the server fetches from.
    pub url: String,
    /// The commit that must be present.
    pub commit: String,
    /// A private key on the server for git over SSH, when the repository is private.
    pub deploy_key: Option<String>,
}

impl Mirror {
    fn key(&self) -> String {
        format!("mirror:{}", self.path)
    }

    /// `git` with the deploy key, if any, for commands that reach the remote.
    fn remote_git(&self, dir: &str) -> Cmd {
        match &self.deploy_key {
            Some(key) => Cmd::new("env")
                .arg(format!(
                    "GIT_SSH_COMMAND=ssh -i {key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o BatchMode=yes"
                ))
                .args(["git", "-c", "safe.directory=*", "-C", dir]),
            None => git(dir),
        }
    }
}

impl Step for Mirror {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!(
            "the server's copy of {} has {}",
            self.url,
            short(&self.commit)
        )
    }

    fn probes(&self) -> Vec<Probe> {
        let has = git(&self.path)
            .args(["cat-file", "-e", &format!("{}^{{commit}}", self.commit)])
            .quiet()
            .and(Cmd::Fixed("echo has"))
            .or(Cmd::Fixed("echo missing"));
        let url = git(&self.path)
            .args(["config", "remote.origin.url"])
            .or(Cmd::Fixed("echo"));
        let url = Cmd::new("test")
            .args(["-d", &self.path])
            .and(url)
            .or(Cmd::Fixed("echo"));
        vec![Probe::new(self.key(), has.and(url))]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let mut lines = output.lines();
        let has = lines.next() == Some("has");
        let url = lines.next().unwrap_or_default().trim();
        if has && url == self.url {
            return StepPlan::Satisfied {
                evidence: format!("has {}", short(&self.commit)),
            };
        }
        let mut cmds = Vec::new();
        if url.is_empty() {
            let parent = self.path.rsplit_once('/').map_or("/", |(p, _)| p);
            cmds.push(Cmd::new("rm").args(["-rf", &self.path]));
            cmds.push(
                self.remote_git(parent)
                    .args(["clone", "--mirror", "--quiet", &self.url, &self.path]),
            );
        } else {
            if url != self.url {
                cmds.push(git(&self.path).args(["remote", "set-url", "origin", &self.url]));
            }
            cmds.push(
                self.remote_git(&self.path)
                    .args(["fetch", "--quiet", "--prune", "origin"]),
            );
        }
        // A commit the remote does not have is the user's to push: say so plainly.
        let present = git(&self.path)
            .args(["cat-file", "-e", &format!("{}^{{commit}}", self.commit)])
            .quiet()
            .or(Cmd::new("sh").args([
                "-c",
                "echo \"commit $1 is not in $2: push it, then deploy again\" >&2; exit 1",
                "slipway",
                &self.commit,
                &self.url,
            ]));
        cmds.push(present);
        StepPlan::Change {
            actions: vec![Action::Run(Cmd::all(cmds))],
            diff: Diff::new(
                if url.is_empty() { "" } else { "older commits" },
                format!("{} from {}", short(&self.commit), self.url),
            ),
        }
    }
}

/// Where a release's files come from.
pub enum Source {
    /// The server's mirror of the repository, at this folder; `subdir` is the app's folder
    /// inside the repository (empty for its root).
    Mirror {
        /// The mirror's folder.
        path: String,
        /// The app's folder inside the repository.
        subdir: String,
    },
    /// A tar archive of the commit's files, made on the user's computer.
    Archive(Vec<u8>),
}

/// One commit's files, unpacked as a release folder.
pub struct Code {
    /// The release folder, such as `/srv/shop/releases/20261126-235900-a1b2c3d`.
    pub release: String,
    /// The full commit hash.
    pub commit: String,
    /// `user:group` that owns the files until the release is sealed.
    pub owner: String,
    /// Where the files come from.
    pub source: Source,
}

impl Code {
    fn key(&self) -> String {
        format!("code:{}", self.release)
    }
}

impl Step for Code {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} holds commit {}", self.release, short(&self.commit))
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            Cmd::new("cat").arg(format!("{}/{COMMIT_FILE}", self.release)),
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
        let fresh = |then: Cmd| {
            Cmd::all([
                Cmd::new("rm").args(["-rf", &staging]),
                Cmd::new("mkdir").args(["-p", &staging]),
                then,
            ])
        };
        let unpack = Cmd::new("tar").args(["-x", "-C", &staging]);
        let place = Cmd::all([
            Cmd::new("sh").args([
                "-c",
                "printf '%s\\n' \"$1\" > \"$2\"",
                "slipway",
                &self.commit,
                &format!("{staging}/{COMMIT_FILE}"),
            ]),
            Cmd::new("chown").args(["-R", &self.owner, &staging]),
            Cmd::new("rm").args(["-rf", &self.release]),
            Cmd::new("mv").args([&staging, &self.release]),
        ]);
        let fill = match &self.source {
            Source::Mirror { path, subdir } => {
                let tree = if subdir.is_empty() {
                    self.commit.clone()
                } else {
                    format!("{}:{subdir}", self.commit)
                };
                Action::Run(
                    fresh(
                        git(path)
                            .args(["archive", "--format=tar", &tree])
                            .pipe(unpack),
                    )
                    .and(place)
                    .labelled(format!(
                        "unpack commit {} from {path} into {}",
                        short(&self.commit),
                        self.release
                    )),
                )
            }
            Source::Archive(tar) => {
                let what = format!("commit {} from this computer", short(&self.commit));
                Action::Pipe {
                    cmd: fresh(unpack)
                        .and(place)
                        .labelled(format!("unpack into {}", self.release)),
                    input: tar.clone(),
                    what,
                }
            }
        };
        StepPlan::Change {
            actions: vec![fill],
            diff: Diff::new(now.unwrap_or_default(), format!("{}\n", self.commit)),
        }
    }
}

/// The tool that builds virtualenvs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installer {
    /// uv, at this path on the server.
    Uv(String),
    /// The distribution's `python3 -m venv` and pip.
    Pip,
}

/// What lists the app's dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirements {
    /// A pip requirements file, relative to the release.
    File(String),
    /// A `pyproject.toml` with PEP 621 dependencies (uv only).
    Pyproject(String),
    /// A uv project with its lock file (uv only).
    UvLock,
}

/// uv, installed once per server: its single binary, taken from the release's wheel on
/// PyPI (found through PyPI's JSON simple index and checked against the SHA-256 it
/// publishes), with the server's own Python.
pub struct UvTool {
    /// The folder holding `bin/uv`, such as `/opt/slipway/uv`.
    pub home: String,
    /// The exact uv version.
    pub version: String,
}

impl UvTool {
    /// The uv program.
    pub fn binary(&self) -> String {
        format!("{}/bin/uv", self.home)
    }
}

/// Downloads uv's wheel for this machine from PyPI, checks its digest, and puts the `uv`
/// binary in `<home>/bin`: a Python script taking the version and the home folder.
pub const FETCH_UV: &str = r#"
import hashlib, io, json, os, platform, sys, urllib.request, zipfile
version, home = sys.argv[1], sys.argv[2]
tag = {"x86_64": "manylinux_2_17_x86_64", "aarch64": "manylinux_2_17_aarch64"}.get(platform.machine())
if tag is None:
    sys.exit("uv has no build for %s here; set installer = \"pip\" in slipway.toml" % platform.machine())
index = urllib.request.Request("https://pypi.org/simple/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
with urllib.request.urlopen(index, timeout=60) as answer:
    files = json.load(answer)["files"]
prefix = "uv-%s-" % version
wheel = next((f for f in files if f["filename"].startswith(prefix) and f["filename"].endswith(".whl") and tag in f["filename"]), None)
if wheel is None:
    sys.exit("PyPI has no uv %s wheel for %s; set installer = \"pip\" in slipway.toml" % (version, tag))
with urllib.request.urlopen(wheel["url"], timeout=300) as answer:
    data = answer.read()
if hashlib.sha256(data).hexdigest() != wheel["hashes"]["sha256"]:
    sys.exit("the uv wheel from PyPI does not match its published SHA-256")
archive = zipfile.ZipFile(io.BytesIO(data))
member = next(n for n in archive.namelist() if n.endswith(".data/scripts/uv"))
os.makedirs(home + "/bin", exist_ok=True)
partial = home + "/bin/uv.partial"
with open(partial, "wb") as out:
    out.write(archive.read(member))
os.chmod(partial, 0o755)
os.replace(partial, home + "/bin/uv")
"#;

impl Step for UvTool {
    fn id(&self) -> String {
        "tool:uv".into()
    }

    fn describe(&self) -> String {
        format!("uv {} is installed", self.version)
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            "tool:uv",
            Cmd::new(self.binary()).arg("--version"),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let now = facts
            .get("tool:uv")
            .filter(|a| a.ok())
            .map(|a| a.stdout.trim().to_owned())
            .unwrap_or_default();
        // `uv 0.13.9` or `uv 0.13.9 (hash date)`.
        if now.split_whitespace().nth(1) == Some(self.version.as_str()) {
            return StepPlan::Satisfied { evidence: now };
        }
        let install = Cmd::new("python3")
            .args(["-c", FETCH_UV, &self.version, &self.home])
            .labelled(format!(
                "install uv {} from PyPI into {}",
                self.version, self.home
            ));
        StepPlan::Change {
            actions: vec![Action::Run(install)],
            diff: Diff::new(now, format!("uv {}", self.version)),
        }
    }
}

/// The release's dependencies, installed in a virtualenv shared by every release with
/// the same dependency files, and linked as `<release>/.venv`.
pub struct Virtualenv {
    /// The app's folder, such as `/srv/shop`.
    pub root: String,
    /// The release folder.
    pub release: String,
    /// What lists the dependencies.
    pub requirements: Requirements,
    /// Every dependency file read (the one above and those it includes), with its text,
    /// as found in the commit: with `extras`, their hash names the virtualenv.
    pub inputs: Vec<(String, String)>,
    /// Packages the app server needs beyond the app's own list, such as `gunicorn`.
    pub extras: Vec<String>,
    /// What builds it.
    pub installer: Installer,
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
        for extra in &self.extras {
            material.push_str(extra);
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

    /// The commands that build the virtualenv at `venv` from scratch.
    fn build(&self, venv: &str) -> Vec<Cmd> {
        let python = format!("{venv}/bin/python");
        match (&self.installer, &self.requirements) {
            (Installer::Pip, requirements) => {
                let pip = Cmd::new(format!("{venv}/bin/pip")).args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ]);
                let pip = match requirements {
                    Requirements::File(file) => {
                        pip.args(["-r", &format!("{}/{file}", self.release)])
                    }
                    // Checked earlier: pip cannot read these, so the plan never asks it to.
                    Requirements::Pyproject(_) | Requirements::UvLock => pip,
                };
                vec![
                    Cmd::new("python3").args(["-m", "venv", venv]),
                    pip.args(&self.extras),
                ]
            }
            (Installer::Uv(uv), requirements) => {
                let create =
                    Cmd::new(uv).args(["venv", "--quiet", "--python", "/usr/bin/python3", venv]);
                // The server's own certificate store, so a CA its admin added is trusted.
                let install = Cmd::new(uv).args([
                    "pip",
                    "install",
                    "--quiet",
                    "--system-certs",
                    "--python",
                    &python,
                ]);
                let mut cmds = vec![create];
                match requirements {
                    Requirements::File(file) | Requirements::Pyproject(file) => {
                        cmds.push(
                            install
                                .args(["-r", &format!("{}/{file}", self.release)])
                                .args(&self.extras),
                        );
                    }
                    Requirements::UvLock => {
                        let locked = format!("{venv}/requirements.lock.txt");
                        cmds.push(Cmd::new(uv).args([
                            "export",
                            "--quiet",
                            "--frozen",
                            "--no-dev",
                            "--no-emit-project",
                            "--no-hashes",
                            "--directory",
                            &self.release,
                            "-o",
                            &locked,
                        ]));
                        cmds.push(install.args(["-r", &locked]).args(&self.extras));
                    }
                }
                cmds
            }
        }
    }
}

/// Written last, so a virtualenv without it was interrupted and is rebuilt.
const COMPLETE: &str = ".slipway-complete";

impl Step for Virtualenv {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        let listed = match &self.requirements {
            Requirements::File(file) | Requirements::Pyproject(file) => file.as_str(),
            Requirements::UvLock => "uv.lock",
        };
        format!("{} runs with the dependencies of {listed}", self.release)
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
        let mut cmds = Vec::new();
        if !complete {
            cmds.push(Cmd::new("rm").args(["-rf", &venv]));
            cmds.extend(self.build(&venv));
            cmds.push(Cmd::new("touch").arg(format!("{venv}/{COMPLETE}")));
            cmds.push(Cmd::new("chown").args(["-R", &self.owner, &venv]));
        }
        cmds.push(Cmd::new("ln").args(["-sfn", &venv, &format!("{}/.venv", self.release)]));
        let actions = vec![Action::Run(Cmd::all(cmds))];
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

/// A release's commands run (migrations, collected static files), then the release sealed.
pub struct Build {
    /// The release folder.
    pub release: String,
    /// The app's user, which runs the commands.
    pub app_user: String,
    /// Environment files the commands read, as the service does (missing ones skipped).
    pub env_files: Vec<String>,
    /// Shell command lines, run in order in the release folder.
    pub commands: Vec<String>,
    /// `user:group` that owns the code once sealed.
    pub code_owner: String,
}

impl Build {
    fn key(&self) -> String {
        format!("build:{}", self.release)
    }

    /// One release command as a transient systemd unit: the app's user, environment and
    /// folder, exactly as the service will run, with its output streamed back.
    pub fn command(&self, line: &str) -> Cmd {
        let mut cmd = Cmd::new("systemd-run").args([
            "--quiet",
            "--wait",
            "--pipe",
            "--collect",
            "--service-type=exec",
            "-p",
            &format!("User={}", self.app_user),
            "-p",
            &format!("Group={}", self.app_user),
            "-p",
            &format!("WorkingDirectory={}", self.release),
        ]);
        for file in &self.env_files {
            cmd = cmd.args(["-p", &format!("EnvironmentFile=-{file}")]);
        }
        cmd.args([
            "-E",
            &format!(
                "PATH={}/.venv/bin:/usr/local/bin:/usr/bin:/bin",
                self.release
            ),
            "--",
            "/bin/sh",
            "-c",
            line,
        ])
    }
}

impl Step for Build {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        if self.commands.is_empty() {
            format!("{} is sealed", self.release)
        } else {
            format!(
                "{} ran its {} release command(s) and is sealed",
                self.release,
                self.commands.len()
            )
        }
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            Cmd::new("test").args(["-e", &format!("{}/{BUILT_FILE}", self.release)]),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        if facts.get(&self.key()).is_some_and(Answer::ok) {
            return StepPlan::Satisfied {
                evidence: "built and sealed".into(),
            };
        }
        let seal = Cmd::all([
            Cmd::new("chown").args(["-R", &self.code_owner, &self.release]),
            Cmd::new("touch").arg(format!("{}/{BUILT_FILE}", self.release)),
        ]);
        let owner = self.code_owner.split(':').next().unwrap_or_default();
        let mut actions: Vec<Action> = Vec::new();
        for (index, line) in self.commands.iter().enumerate() {
            let cmd = self.command(line);
            // The seal travels with the last command: one remote execution fewer.
            let cmd = if index + 1 == self.commands.len() {
                cmd.and(seal.clone()).labelled(format!(
                    "run `{line}` as {}, then seal the release",
                    self.app_user
                ))
            } else {
                cmd.labelled(format!("run `{line}` as {}", self.app_user))
            };
            actions.push(Action::Run(cmd));
        }
        if actions.is_empty() {
            actions.push(Action::Run(
                seal.labelled(format!("seal the release: its files pass to {owner}")),
            ));
        }
        StepPlan::Change {
            actions,
            diff: Diff::new(
                "",
                self.commands
                    .iter()
                    .map(|c| format!("ran: {c}\n"))
                    .chain([format!("owned by {}\n", self.code_owner)])
                    .collect::<String>(),
            ),
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
            requirements: Requirements::File("requirements.txt".into()),
            inputs: vec![("requirements.txt".into(), requirements.into())],
            extras: vec!["gunicorn".into()],
            installer: Installer::Pip,
            owner: "root:root".into(),
        }
    }

    fn answer(stdout: &str) -> Answer {
        Answer {
            status: 0,
            stdout: stdout.into(),
        }
    }

    #[test]
    fn the_same_requirements_share_a_virtualenv_and_changed_ones_do_not() {
        assert_eq!(venv("flask==3.1.0\n").path(), venv("flask==3.1.0\n").path());
        assert_ne!(venv("flask==3.1.0\n").path(), venv("flask==3.1.1\n").path());
        let mut asgi = venv("flask==3.1.0\n");
        asgi.extras.push("uvicorn-worker".into());
        assert_ne!(asgi.path(), venv("flask==3.1.0\n").path());
        assert!(venv("flask\n").path().starts_with("/srv/shop/venvs/"));
    }

    #[test]
    fn a_built_virtualenv_is_only_linked() {
        let step = venv("flask==3.1.0\n");
        let mut facts = Facts::default();
        facts.insert(step.key(), answer("complete\n\n"));
        let StepPlan::Change { actions, .. } = step.plan(&facts) else {
            panic!("change")
        };
        assert_eq!(actions.len(), 1);
        assert_eq!(
            actions[0].describe(),
            format!("ln -sfn {0} /srv/shop/releases/r2/.venv", step.path())
        );
        facts.insert(step.key(), answer(&format!("complete\n{}\n", step.path())));
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
    }

    #[test]
    fn uv_builds_from_requirements_and_from_its_lock_file() {
        let mut step = venv("flask\n");
        step.installer = Installer::Uv("/opt/slipway/uv/bin/uv".into());
        let venv = step.path();
        let built: Vec<String> = step.build(&venv).iter().map(ToString::to_string).collect();
        assert_eq!(
            built,
            [
                format!("/opt/slipway/uv/bin/uv venv --quiet --python /usr/bin/python3 {venv}"),
                format!(
                    "/opt/slipway/uv/bin/uv pip install --quiet --system-certs --python {venv}/bin/python -r /srv/shop/releases/r2/requirements.txt gunicorn"
                ),
            ]
        );
        step.requirements = Requirements::UvLock;
        let built: Vec<String> = step.build(&venv).iter().map(ToString::to_string).collect();
        assert!(built[1].contains("export --quiet --frozen --no-dev --no-emit-project"));
        assert!(built[2].ends_with(&format!("-r {venv}/requirements.lock.txt gunicorn")));
    }

    #[test]
    fn uv_is_fetched_once_at_its_version() {
        let step = UvTool {
            home: "/opt/slipway/uv".into(),
            version: "0.13.9".into(),
        };
        let mut facts = Facts::default();
        facts.insert("tool:uv", answer("uv 0.13.9 (x86_64-unknown-linux-gnu)\n"));
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
        facts.insert("tool:uv", answer("uv 0.12.1\n"));
        let StepPlan::Change { actions, diff } = step.plan(&facts) else {
            panic!("change")
        };
        assert_eq!(
            actions[0].describe(),
            "install uv 0.13.9 from PyPI into /opt/slipway/uv"
        );
        assert_eq!(diff, Diff::new("uv 0.12.1", "uv 0.13.9"));
        let script = actions[0].to_script().expect("script").0;
        assert!(script.ends_with(" 0.13.9 /opt/slipway/uv"), "{script}");
    }

    #[test]
    fn code_at_the_commit_is_satisfied_and_otherwise_unpacked_beside_and_renamed() {
        let step = Code {
            release: "/srv/shop/releases/r1".into(),
            commit: "a".repeat(40),
            owner: "shop:shop".into(),
            source: Source::Mirror {
                path: "/srv/shop/repo.git".into(),
                subdir: "backend".into(),
            },
        };
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 1,
                stdout: String::new(),
            },
        );
        let StepPlan::Change { actions, .. } = step.plan(&facts) else {
            panic!("change")
        };
        assert_eq!(
            actions[0].describe(),
            "unpack commit aaaaaaaaaa from /srv/shop/repo.git into /srv/shop/releases/r1"
        );
        let script = actions[0].to_script().expect("script").0;
        let unpack = format!(
            "archive --format=tar {}:backend | tar -x -C /srv/shop/releases/r1.incoming; }}",
            "a".repeat(40)
        );
        let unpacked = script.find(&unpack).expect("unpacks the app's folder");
        let placed = script
            .find("mv /srv/shop/releases/r1.incoming /srv/shop/releases/r1")
            .expect("renames it into place");
        assert!(unpacked < placed, "{script}");
        facts.insert(step.key(), answer(&format!("{}\n", "a".repeat(40))));
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
    }

    #[test]
    fn an_uploaded_commit_is_fed_to_tar_on_standard_input() {
        let step = Code {
            release: "/srv/shop/releases/r1".into(),
            commit: "b".repeat(40),
            owner: "shop:shop".into(),
            source: Source::Archive(vec![0; 3000]),
        };
        let StepPlan::Change { actions, .. } = step.plan(&Facts::default()) else {
            panic!("change")
        };
        assert_eq!(
            actions[0].describe(),
            "unpack into /srv/shop/releases/r1 < commit bbbbbbbbbb from this computer (3 KiB)"
        );
        let (script, stdin) = actions[0].to_script().expect("script");
        assert!(
            script.contains("&& tar -x -C /srv/shop/releases/r1.incoming; }"),
            "{script}"
        );
        assert_eq!(stdin.map(<[u8]>::len), Some(3000));
    }

    #[test]
    fn release_commands_run_as_the_app_user_with_its_environment_then_the_release_is_sealed() {
        let step = Build {
            release: "/srv/shop/releases/r1".into(),
            app_user: "shop".into(),
            env_files: vec!["/srv/shop/shared/env".into()],
            commands: vec!["python manage.py migrate --noinput".into()],
            code_owner: "root:root".into(),
        };
        let StepPlan::Change { actions, .. } = step.plan(&Facts::default()) else {
            panic!("change")
        };
        assert_eq!(actions.len(), 1);
        assert_eq!(
            actions[0].describe(),
            "run `python manage.py migrate --noinput` as shop, then seal the release"
        );
        assert_eq!(
            actions[0].to_script().expect("script").0,
            "systemd-run --quiet --wait --pipe --collect --service-type=exec -p User=shop -p Group=shop -p WorkingDirectory=/srv/shop/releases/r1 -p EnvironmentFile=-/srv/shop/shared/env -E PATH=/srv/shop/releases/r1/.venv/bin:/usr/local/bin:/usr/bin:/bin -- /bin/sh -c 'python manage.py migrate --noinput' && { chown -R root:root /srv/shop/releases/r1 && touch /srv/shop/releases/r1/.slipway-built; }"
        );
        let bare = Build {
            commands: Vec::new(),
            ..step
        };
        let StepPlan::Change { actions, .. } = bare.plan(&Facts::default()) else {
            panic!("change")
        };
        assert_eq!(
            actions[0].describe(),
            "seal the release: its files pass to root"
        );
        let mut facts = Facts::default();
        facts.insert(bare.key(), answer(""));
        assert!(matches!(bare.plan(&facts), StepPlan::Satisfied { .. }));
    }

    #[test]
    fn a_mirror_is_cloned_once_then_fetched_and_a_missing_commit_is_explained() {
        let step = Mirror {
            path: "/srv/shop/repo.git".into(),
            url: "git@github.com:ana/shop.git".into(),
            commit: "c".repeat(40),
            deploy_key: Some("/srv/shop/.ssh/deploy_key".into()),
        };
        let mut facts = Facts::default();
        facts.insert(step.key(), answer("missing\n\n"));
        let StepPlan::Change { actions, .. } = step.plan(&facts) else {
            panic!("change")
        };
        assert!(
            actions[0].describe().contains(
                "'GIT_SSH_COMMAND=ssh -i /srv/shop/.ssh/deploy_key -o IdentitiesOnly=yes"
            ),
            "{}",
            actions[0].describe()
        );
        let script = actions[0].describe();
        let clone = script
            .find("clone --mirror --quiet git@github.com:ana/shop.git /srv/shop/repo.git")
            .expect("clones");
        let explained = script
            .find("push it, then deploy again")
            .expect("explains a missing commit");
        assert!(clone < explained, "{script}");
        facts.insert(step.key(), answer("missing\ngit@github.com:ana/shop.git\n"));
        let StepPlan::Change { actions, .. } = step.plan(&facts) else {
            panic!("change")
        };
        assert!(
            actions[0]
                .describe()
                .contains("fetch --quiet --prune origin && "),
            "{}",
            actions[0].describe()
        );
        facts.insert(step.key(), answer("has\ngit@github.com:ana/shop.git\n"));
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
    }
}
