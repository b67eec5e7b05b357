//! What the CLI's test binaries and its benchmark share: fixture projects, git as a
//! user runs it, and output as text.

// Each binary that includes this module uses its own part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use slipway_sandbox::Server;

/// A `[harden]` table that leaves the server's lockdown to its admin, for tests and
/// benchmarks of other parts: each stays about one thing.
pub const HARDEN_OFF: &str = "\n[harden]\ndeploy_user = \"\"\nssh = false\nfirewall = false\nfail2ban = false\nupgrades = false\nswap = \"off\"\n";

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs git in `dir` as a user with a name would; it must succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Ana", "-c", "user.email=ana@example.com"])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A copy of the fixture project `name` in a fresh temporary folder, as `folder`.
pub fn fixture(name: &str, folder: &str) -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../slipway-spec/tests/fixtures")
        .join(name);
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().join(folder);
    let status = Command::new("cp").arg("-r").arg(&source).arg(&dir).status();
    assert!(status.expect("cp runs").success());
    (temp, dir)
}

/// A fixture app, committed to git, with a spec from `slipway init` aimed at `server`.
pub struct Project {
    _temp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Project {
    /// `settings` go into the `[app]` table; `tables` after everything else.
    pub fn new(fixture: &str, server: &Server, settings: &str, tables: &str) -> Self {
        let (temp, dir) = self::fixture(fixture, "shop");
        git(&dir, &["init", "-q"]);
        let project = Self { _temp: temp, dir };
        project.commit("First version");
        let init = project.slipway(&["init"]);
        assert!(init.status.success(), "{}", text(&init.stderr));
        let spec = std::fs::read_to_string(project.dir.join("slipway.toml")).expect("spec");
        let mut spec: String = spec
            .lines()
            .filter(|l| !l.starts_with("health = ") && !l.starts_with("name = "))
            .collect::<Vec<_>>()
            .join("\n");
        spec.push('\n');
        let spec = spec.replacen("[app]\n", &format!("[app]\nname = \"shop\"\n{settings}"), 1);
        // The lockdown has tests of its own: left off unless `tables` asks for it.
        let harden = if tables.contains("[harden]") || tables.contains("[domain]") {
            ""
        } else {
            HARDEN_OFF
        };
        let spec = format!(
            "{spec}\n[server]\nhost = \"{}\"\nkey = \"{}\"\n{tables}{harden}",
            server.address,
            server.key().display()
        );
        std::fs::write(project.dir.join("slipway.toml"), spec).expect("spec");
        project
    }

    pub fn slipway(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_slipway"))
            .arg("--trust")
            .args(args)
            .current_dir(&self.dir)
            .env("SLIPWAY_KNOWN_HOSTS", self.dir.join("../known_hosts"))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("slipway runs")
    }

    /// `slipway deploy --yes`, which must succeed; its output.
    pub fn deploy(&self) -> String {
        let output = self.slipway(&["deploy", "--yes"]);
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            text(&output.stderr)
        );
        stdout
    }

    pub fn write(&self, path: &str, contents: &str) {
        std::fs::write(self.dir.join(path), contents).expect("write");
    }

    pub fn commit(&self, message: &str) {
        git(
            &self.dir,
            &["add", "-A", "--", ".", ":(exclude)slipway.toml"],
        );
        git(&self.dir, &["commit", "-qm", message]);
    }
}
