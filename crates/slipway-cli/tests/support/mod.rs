//! What the CLI's test binaries and its benchmark share: fixture projects, git as a
//! user runs it, and output as text.

// Each binary that includes this module uses its own part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

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
