//! The commit to deploy, read from the user's git repository with the user's own `git`.
//!
//! Slipway deploys commits, never a working folder: what runs on the server is exactly
//! what `git` holds. Uncommitted changes are reported, and a deploy refuses them unless
//! the user asks to deploy the last commit without them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::AppError;

/// One commit of the app, as this computer's repository has it.
#[derive(Debug, Clone)]
pub struct LocalCommit {
    /// The repository's top folder.
    pub top: PathBuf,
    /// The app's folder inside the repository, `/`-separated, empty for the top.
    pub subdir: String,
    /// The full commit hash.
    pub commit: String,
    /// The commit's subject line, for history and notifications.
    pub subject: String,
    /// Changed or untracked files under the app's folder that the commit does not hold
    /// (`slipway.toml` aside), as `git status --porcelain` shows them.
    pub uncommitted: Vec<String>,
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, AppError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|source| AppError::Git {
            dir: dir.to_owned(),
            message: format!("could not run git ({source}); install git"),
        })?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("git failed")
            .trim_start_matches("fatal: ")
            .to_owned();
        Err(AppError::Git {
            dir: dir.to_owned(),
            message,
        })
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

impl LocalCommit {
    /// Reads `revision` (such as `HEAD`) of the repository holding `app_dir`.
    pub fn read(app_dir: &Path, revision: &str) -> Result<Self, AppError> {
        let top = PathBuf::from(text(&git(app_dir, &["rev-parse", "--show-toplevel"])?));
        let subdir = text(&git(app_dir, &["rev-parse", "--show-prefix"])?)
            .trim_end_matches('/')
            .to_owned();
        let commit = text(&git(
            app_dir,
            &["rev-parse", "--verify", &format!("{revision}^{{commit}}")],
        )?);
        let subject = text(&git(app_dir, &["log", "-1", "--format=%s", &commit])?);
        let status = git(
            app_dir,
            &[
                "status",
                "--porcelain",
                "--untracked-files=all",
                "--",
                ".",
                ":(exclude)slipway.toml",
            ],
        )?;
        let uncommitted = String::from_utf8_lossy(&status)
            .lines()
            .map(|l| l.trim_end().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        Ok(Self {
            top,
            subdir,
            commit,
            subject,
            uncommitted,
        })
    }

    /// The first seven characters of the commit.
    pub fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(7)]
    }

    /// The commit's tree for the app's folder, as git names it.
    fn tree(&self) -> String {
        if self.subdir.is_empty() {
            self.commit.clone()
        } else {
            format!("{}:{}", self.commit, self.subdir)
        }
    }

    /// A file of the app's folder as the commit holds it; `None` when it does not.
    pub fn file(&self, path: &str) -> Option<String> {
        let object = if self.subdir.is_empty() {
            format!("{}:{path}", self.commit)
        } else {
            format!("{}:{}/{path}", self.commit, self.subdir)
        };
        let bytes = git(&self.top, &["show", &object]).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The app's folder at the commit, as a tar archive.
    pub fn archive(&self) -> Result<Vec<u8>, AppError> {
        git(&self.top, &["archive", "--format=tar", &self.tree()])
    }
}

/// A requirements file and every file it includes (`-r`, `-c`), with their texts, as the
/// commit holds them. Paths are relative to the app's folder.
pub fn requirement_files(
    commit: &LocalCommit,
    first: &str,
) -> Result<Vec<(String, String)>, String> {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut queue = vec![first.to_owned()];
    while let Some(path) = queue.pop() {
        if files.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let text = commit.file(&path).ok_or_else(|| {
            format!(
                "{path} is not in commit {}: commit it, or fix the path",
                commit.short()
            )
        })?;
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        for line in text.lines() {
            let line = line.trim();
            let included = ["-r ", "--requirement ", "-c ", "--constraint "]
                .iter()
                .find_map(|flag| line.strip_prefix(flag))
                .or_else(|| line.strip_prefix("--requirement="))
                .or_else(|| line.strip_prefix("--constraint="));
            if let Some(included) = included {
                let included = included.trim();
                queue.push(if dir.is_empty() {
                    included.to_owned()
                } else {
                    format!("{dir}/{included}")
                });
            }
        }
        files.push((path, text));
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A repository holding `files` in one commit, and that commit.
    pub(crate) fn committed(files: &[(&str, &str)]) -> (tempfile::TempDir, LocalCommit) {
        let repo = tempfile::tempdir().expect("dir");
        for (path, text) in files {
            let path = repo.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        run(repo.path(), &["init", "-q"]);
        run(repo.path(), &["add", "."]);
        run(repo.path(), &["commit", "-qm", "First"]);
        let commit = LocalCommit::read(repo.path(), "HEAD").expect("reads");
        (repo, commit)
    }

    fn run(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=Ana", "-c", "user.email=ana@example.com"])
            .args(args)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn a_commit_of_an_app_in_a_subfolder_with_its_includes_and_changes() {
        let repo = tempfile::tempdir().expect("dir");
        let app = repo.path().join("backend");
        std::fs::create_dir_all(app.join("requirements")).expect("mkdir");
        std::fs::write(
            app.join("requirements.txt"),
            "-r requirements/base.txt\ngunicorn\n",
        )
        .expect("write");
        std::fs::write(app.join("requirements/base.txt"), "flask==3.1.0\n").expect("write");
        std::fs::write(app.join("app.py"), "app = None\n").expect("write");
        run(repo.path(), &["init", "-q"]);
        run(repo.path(), &["add", "."]);
        run(repo.path(), &["commit", "-qm", "First shop"]);
        std::fs::write(app.join("app.py"), "app = 1\n").expect("write");
        std::fs::write(app.join("slipway.toml"), "[app]\n").expect("write");
        std::fs::write(app.join("notes.txt"), "todo\n").expect("write");

        let commit = LocalCommit::read(&app, "HEAD").expect("reads");
        assert_eq!(commit.subdir, "backend");
        assert_eq!(commit.commit.len(), 40);
        assert_eq!(commit.subject, "First shop");
        assert_eq!(
            commit.uncommitted,
            [" M backend/app.py", "?? backend/notes.txt"]
        );
        assert_eq!(commit.file("app.py").as_deref(), Some("app = None\n"));
        let files = requirement_files(&commit, "requirements.txt").expect("files");
        assert_eq!(
            files,
            [
                (
                    "requirements.txt".to_owned(),
                    "-r requirements/base.txt\ngunicorn\n".to_owned()
                ),
                (
                    "requirements/base.txt".to_owned(),
                    "flask==3.1.0\n".to_owned()
                ),
            ]
        );
        let missing = requirement_files(&commit, "requirements/prod.txt").expect_err("missing");
        assert!(
            missing.starts_with("requirements/prod.txt is not in commit "),
            "{missing}"
        );
        let tar = commit.archive().expect("archive");
        assert!(tar.windows(6).any(|w| w == b"app.py"));
        assert!(
            !tar.windows(9).any(|w| w == b"notes.txt"),
            "only committed files travel"
        );
    }

    #[test]
    fn a_folder_outside_git_says_so() {
        let dir = tempfile::tempdir().expect("dir");
        let error = LocalCommit::read(dir.path(), "HEAD").expect_err("not a repository");
        assert!(
            error.to_string().contains("not a git repository"),
            "{error}"
        );
    }
}
