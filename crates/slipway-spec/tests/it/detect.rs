//! Detection against real project fixtures, each copied out of this repository first so
//! git facts are the fixture's own.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use slipway_spec::{DetectError, Detected, detect};

fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let temp = tempfile::tempdir().expect("temp dir");
    let target = temp.path().join(name);
    copy_tree(&source, &target);
    (temp, target)
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), dest).expect("copy");
        }
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Ana", "-c", "user.email=ana@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Snapshots the detection with the temporary root replaced by `[root]`.
fn snapshot(name: &str) {
    let (temp, dir) = fixture(name);
    let detection = detect(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
    let root = temp
        .path()
        .canonicalize()
        .expect("canonical")
        .to_string_lossy()
        .into_owned();
    insta::with_settings!({ filters => vec![(root.as_str(), "[tmp]")], snapshot_suffix => name }, {
        insta::assert_json_snapshot!("detection", detection);
    });
}

#[test]
fn django_project() {
    snapshot("django");
}

#[test]
fn django_with_pipenv_and_no_static_root() {
    snapshot("pipenv-django");
}

#[test]
fn flask_module_with_included_requirements() {
    snapshot("flask-app");
}

#[test]
fn flask_package_with_an_app_factory() {
    snapshot("flask-package");
}

#[test]
fn fastapi_with_alembic() {
    snapshot("fastapi");
}

#[test]
fn pyramid_with_production_ini() {
    snapshot("pyramid");
}

#[test]
fn starlette_managed_by_poetry() {
    snapshot("poetry");
}

#[test]
fn fastapi_managed_by_uv() {
    snapshot("uv");
}

#[test]
fn plain_wsgi_callable() {
    snapshot("generic-wsgi");
}

#[test]
fn monorepo_finds_the_python_subfolder() {
    snapshot("monorepo");
}

#[test]
fn two_apps_in_one_folder_are_offered_as_candidates() {
    let (_temp, dir) = fixture("ambiguous");
    let detection = detect(&dir).expect("detects");
    let Detected::Ambiguous { candidates } = &detection.entry else {
        panic!("expected candidates, got {:?}", detection.entry);
    };
    let entries: Vec<&str> = candidates.iter().map(|c| c.value.entry.as_str()).collect();
    assert_eq!(entries, ["admin:admin", "app:app"]);
    let draft = detection.draft();
    assert_eq!(
        draft.app.entry, "",
        "an ambiguous entry must not be guessed"
    );
    let problems = draft.validate();
    assert!(
        problems.0.iter().any(|p| p.field == "app.entry"),
        "{problems}"
    );
}

#[test]
fn an_empty_folder_says_what_was_looked_for() {
    let temp = tempfile::tempdir().expect("temp dir");
    let error = detect(temp.path()).expect_err("an empty folder is not an app");
    let DetectError::NotAPythonApp {
        looked_for,
        found_instead,
        ..
    } = &error
    else {
        panic!("unexpected error {error:?}");
    };
    assert!(
        looked_for.iter().any(|l| l.contains("manage.py")),
        "{looked_for:?}"
    );
    assert_eq!(found_instead, &None);
    assert!(
        error
            .to_string()
            .ends_with("does not look like a Python web app")
    );
}

#[test]
fn a_node_project_is_recognised_as_such() {
    let (_temp, dir) = fixture("node");
    let error = detect(&dir).expect_err("a Node project is not a Python app");
    let DetectError::NotAPythonApp { found_instead, .. } = error else {
        panic!("unexpected error {error:?}");
    };
    assert_eq!(
        found_instead.as_deref(),
        Some("a Node.js project (package.json)")
    );
}

#[test]
fn a_missing_folder_is_named() {
    let error = detect(Path::new("/nonexistent/slipway-project")).expect_err("missing");
    assert_eq!(
        error.to_string(),
        "/nonexistent/slipway-project is not a folder"
    );
}

#[test]
fn several_apps_below_a_folder_are_listed() {
    let temp = tempfile::tempdir().expect("temp dir");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flask-app"),
        &temp.path().join("shop"),
    );
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fastapi"),
        &temp.path().join("api"),
    );
    let error = detect(temp.path()).expect_err("two apps");
    let DetectError::SeveralApps { candidates, .. } = error else {
        panic!("unexpected error {error:?}");
    };
    assert_eq!(candidates, ["api", "shop"]);
}

#[test]
fn git_facts_report_branch_commit_remote_and_changes() {
    let (_temp, dir) = fixture("flask-app");
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "First"]);
    git(
        &dir,
        &[
            "remote",
            "add",
            "origin",
            "https://ana:hunter2@git.example.com/ana/shop.git",
        ],
    );
    fs::write(
        dir.join("app.py"),
        "from flask import Flask\napp = Flask(__name__)\n",
    )
    .expect("edit");
    fs::write(dir.join("notes.txt"), "todo\n").expect("new file");

    let detection = detect(&dir).expect("detects");
    let git = detection.git.expect("a repository");
    assert_eq!(git.branch.as_deref(), Some("main"));
    assert_eq!(git.head.as_ref().map(String::len), Some(40));
    assert_eq!(
        git.remote.as_deref(),
        Some("https://ana@git.example.com/ana/shop.git")
    );
    assert_eq!(git.uncommitted, ["app.py", "notes.txt"]);
    let json = serde_json::to_string(&detection.warnings).expect("json");
    assert!(!json.contains("hunter2"), "the password leaked: {json}");
    assert!(
        detection
            .warnings
            .iter()
            .any(|w| w.contains("password or token"))
    );
}

#[test]
fn a_folder_outside_git_has_no_git_facts() {
    let (_temp, dir) = fixture("generic-wsgi");
    assert_eq!(detect(&dir).expect("detects").git, None);
}

#[test]
fn every_fixture_draft_except_ambiguous_ones_validates() {
    for name in [
        "django",
        "flask-app",
        "flask-package",
        "fastapi",
        "pyramid",
        "poetry",
        "uv",
        "generic-wsgi",
        "monorepo",
        "pipenv-django",
    ] {
        let (_temp, dir) = fixture(name);
        let draft = detect(&dir).expect("detects").draft();
        let problems = draft.validate();
        assert!(problems.is_empty(), "{name}: {problems}");
        let reread = slipway_spec::Spec::from_toml(&draft.to_toml()).expect("round trip");
        assert_eq!(reread, draft, "{name}: the draft survives slipway.toml");
    }
}
