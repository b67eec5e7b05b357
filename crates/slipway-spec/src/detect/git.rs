//! Facts from git: where the code comes from and what would be deployed.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What git says about the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GitFacts {
    /// The repository's top folder.
    pub top: String,
    /// The `origin` remote (or the first remote), with any password removed.
    #[ts(optional = nullable)]
    pub remote: Option<String>,
    /// The checked-out branch; absent on a detached HEAD.
    #[ts(optional = nullable)]
    pub branch: Option<String>,
    /// The HEAD commit; absent before the first commit.
    #[ts(optional = nullable)]
    pub head: Option<String>,
    /// Files with uncommitted changes (modified, staged or untracked), as git names them.
    pub uncommitted: Vec<String>,
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Reads the facts in three `git` calls; `None` outside a repository or without git.
pub(super) fn facts(dir: &Path, warnings: &mut Vec<String>) -> Option<GitFacts> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?
        .trim()
        .to_owned();
    let status = git(
        dir,
        &[
            "status",
            "--porcelain=v2",
            "--branch",
            "-z",
            "--untracked-files=all",
        ],
    )?;
    let mut facts = GitFacts {
        top,
        remote: None,
        branch: None,
        head: None,
        uncommitted: Vec::new(),
    };
    for record in status.split('\0').filter(|r| !r.is_empty()) {
        if let Some(oid) = record.strip_prefix("# branch.oid ") {
            facts.head = (oid != "(initial)").then(|| oid.to_owned());
        } else if let Some(head) = record.strip_prefix("# branch.head ") {
            facts.branch = (head != "(detached)").then(|| head.to_owned());
        } else if record.starts_with('#') {
        } else if let Some(path) = changed_path(record) {
            facts.uncommitted.push(path.to_owned());
        }
    }
    let remotes = git(dir, &["config", "--get-regexp", r"^remote\..*\.url$"]).unwrap_or_default();
    let urls: Vec<(&str, &str)> = remotes
        .lines()
        .filter_map(|line| {
            let (key, url) = line.split_once(' ')?;
            Some((key.strip_prefix("remote.")?.strip_suffix(".url")?, url))
        })
        .collect();
    let chosen = urls
        .iter()
        .find(|(name, _)| *name == "origin")
        .or(urls.first());
    if let Some((name, url)) = chosen {
        let (clean, had_password) = without_password(url);
        if had_password {
            warnings.push(format!(
                "the git remote {name} has a password or token in its URL; Slipway never uses \
                 it, and the server gets a read-only deploy key instead"
            ));
        }
        facts.remote = Some(clean);
    }
    Some(facts)
}

/// The path of one `git status --porcelain=v2 -z` record, for changes and untracked files.
fn changed_path(record: &str) -> Option<&str> {
    match record.as_bytes().first()? {
        b'1' => record.splitn(9, ' ').nth(8),
        b'2' => record.splitn(10, ' ').nth(9),
        b'u' => record.splitn(11, ' ').nth(10),
        b'?' => record.strip_prefix("? "),
        _ => None,
    }
}

/// A remote URL without the password part of `user:password@`, and whether it had one.
fn without_password(url: &str) -> (String, bool) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), false);
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), false);
    };
    let slash = if rest.contains('/') { "/" } else { "" };
    match userinfo.split_once(':') {
        Some((user, _)) => (format!("{scheme}://{user}@{host}{slash}{path}"), true),
        // A lone token in the user part (`https://ghp_xxx@github.com/…`) is a secret too.
        None if scheme.starts_with("http") => (format!("{scheme}://{host}{slash}{path}"), true),
        None => (url.to_owned(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens_are_removed_from_remote_urls() {
        assert_eq!(
            without_password("https://bob:s3cret@example.com/a/b.git"),
            ("https://bob@example.com/a/b.git".into(), true)
        );
        assert_eq!(
            without_password("https://ghp_abc123@github.com/a/b.git"),
            ("https://github.com/a/b.git".into(), true)
        );
        assert_eq!(
            without_password("ssh://git@example.com/a/b.git"),
            ("ssh://git@example.com/a/b.git".into(), false)
        );
        assert_eq!(
            without_password("git@github.com:a/b.git"),
            ("git@github.com:a/b.git".into(), false)
        );
    }

    #[test]
    fn status_records_give_paths() {
        assert_eq!(
            changed_path("1 .M N... 100644 100644 100644 abc def app.py"),
            Some("app.py")
        );
        assert_eq!(changed_path("? new file.txt"), Some("new file.txt"));
        assert_eq!(changed_path("! ignored"), None);
    }
}
