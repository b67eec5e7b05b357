//! Reading a project folder once: the files detection looks at, with their text.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::DetectError;

/// Folders never worth reading: environments, caches, build output, tests.
const SKIPPED_DIRS: [&str; 14] = [
    "node_modules",
    "__pycache__",
    "venv",
    "env",
    "site-packages",
    "build",
    "dist",
    "htmlcov",
    "tests",
    "test",
    "staticfiles",
    "media",
    "migrations",
    "versions",
];
/// How deep below the app folder files are read.
const MAX_DEPTH: usize = 4;
/// Files larger than this are not read (generated or vendored code).
const MAX_FILE_BYTES: u64 = 512 * 1024;
/// At most this many files are read, so a huge folder cannot stall detection.
const MAX_FILES: usize = 4000;

/// Files whose names mark a folder as a Python project.
const MARKERS: [&str; 9] = [
    "manage.py",
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "setup.py",
    "wsgi.py",
    "asgi.py",
    "app.py",
    "main.py",
];

/// The files of one app folder that detection reads, with their text.
pub(super) struct Project {
    /// Relative path (with `/`) to text, for the kinds of file detection reads.
    files: BTreeMap<String, String>,
    /// Every folder seen, relative, with `/`.
    dirs: BTreeSet<String>,
}

impl Project {
    /// Reads `dir`: Python, requirement, TOML, INI, lock and manifest files.
    pub(super) fn read(dir: &Path) -> io::Result<Self> {
        let mut project = Self {
            files: BTreeMap::new(),
            dirs: BTreeSet::new(),
        };
        project.walk(dir, "", 0)?;
        Ok(project)
    }

    fn walk(&mut self, dir: &Path, prefix: &str, depth: usize) -> io::Result<()> {
        let mut entries: Vec<_> = fs::read_dir(dir)?.filter_map(Result::ok).collect();
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            if self.files.len() >= MAX_FILES {
                break;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{prefix}{name}");
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let skipped = name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_str());
                if !skipped && depth < MAX_DEPTH {
                    self.dirs.insert(rel.clone());
                    self.walk(&entry.path(), &format!("{rel}/"), depth + 1)?;
                } else if !name.starts_with('.') {
                    self.dirs.insert(rel);
                }
            } else if kind.is_file() && wanted(&name) {
                let small = entry.metadata().is_ok_and(|m| m.len() <= MAX_FILE_BYTES);
                if small && let Ok(text) = fs::read_to_string(entry.path()) {
                    self.files.insert(rel, text);
                }
            }
        }
        Ok(())
    }

    /// The text of a file, by path relative to the app folder.
    pub(super) fn text(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).map(String::as_str)
    }

    /// Whether a file that detection reads exists.
    pub(super) fn has(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }

    /// Whether a folder exists.
    pub(super) fn has_dir(&self, rel: &str) -> bool {
        self.dirs.contains(rel)
    }

    /// Every file read, with its text.
    pub(super) fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Python source files.
    pub(super) fn python_files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files().filter(|(path, _)| path.ends_with(".py"))
    }

    /// The project name from `pyproject.toml` (`[project]` or `[tool.poetry]`).
    fn pyproject_name(&self) -> Option<String> {
        let table: toml::Table = self.text("pyproject.toml")?.parse().ok()?;
        let project = table.get("project").and_then(|p| p.get("name"));
        let poetry = table
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("name"));
        project.or(poetry)?.as_str().map(str::to_owned)
    }

    /// The project name from `pyproject.toml`, or else from `setup.py`.
    pub(super) fn manifest_name(&self) -> Option<String> {
        self.pyproject_name()
            .or_else(|| super::deps::setup_py_name(self.text("setup.py")?))
    }
}

fn wanted(name: &str) -> bool {
    let by_extension = [".py", ".txt", ".toml", ".ini", ".cfg", ".lock", ".json"]
        .iter()
        .any(|ext| name.ends_with(ext));
    by_extension || matches!(name, "Pipfile" | ".python-version")
}

/// Whether `dir` itself looks like a Python project.
fn has_markers(dir: &Path) -> bool {
    MARKERS.iter().any(|m| dir.join(m).is_file())
        || fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                (name.starts_with("requirements") && name.ends_with(".txt"))
                    || (name.ends_with(".ini")
                        && fs::read_to_string(entry.path()).is_ok_and(|t| t.contains("[app:main]")))
            })
}

/// The app's folder relative to `root`: `root` itself when it holds a Python project,
/// else the one subfolder (up to two levels down) that does.
pub(super) fn find_app_dir(root: &Path) -> Result<PathBuf, DetectError> {
    if has_markers(root) {
        return Ok(PathBuf::from("."));
    }
    let mut level = vec![PathBuf::new()];
    for _ in 0..2 {
        let mut next = Vec::new();
        let mut found = Vec::new();
        for rel in &level {
            let Ok(entries) = fs::read_dir(root.join(rel)) else {
                continue;
            };
            let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
            entries.sort_by_key(fs::DirEntry::file_name);
            for entry in entries {
                let name = entry.file_name().to_string_lossy().into_owned();
                let skipped = name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_str());
                if skipped || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                    continue;
                }
                let sub = rel.join(&name);
                if has_markers(&root.join(&sub)) {
                    found.push(sub);
                } else {
                    next.push(sub);
                }
            }
        }
        match found.len() {
            0 => level = next,
            1 => return Ok(found.remove(0)),
            _ => {
                return Err(DetectError::SeveralApps {
                    path: root.to_owned(),
                    candidates: found
                        .iter()
                        .map(|p| p.to_string_lossy().into_owned())
                        .collect(),
                });
            }
        }
    }
    let project = Project::read(root).map_err(|source| DetectError::Unreadable {
        path: root.to_owned(),
        source,
    })?;
    Err(DetectError::NotAPythonApp {
        path: root.to_owned(),
        looked_for: super::LOOKED_FOR.iter().map(ToString::to_string).collect(),
        found_instead: recognise_other(&project),
    })
}

/// What a folder that is not a Python web app holds instead, when it is recognisable.
pub(super) fn recognise_other(project: &Project) -> Option<String> {
    let known = [
        ("package.json", "a Node.js project (package.json)"),
        ("Cargo.toml", "a Rust project (Cargo.toml)"),
        ("composer.json", "a PHP project (composer.json)"),
        ("Gemfile.lock", "a Ruby project (Gemfile.lock)"),
    ];
    known
        .iter()
        .find(|(file, _)| project.has(file))
        .map(|(_, what)| (*what).to_owned())
        .or_else(|| {
            project
                .python_files()
                .next()
                .map(|(file, _)| format!("Python code ({file}) but no web app in it"))
        })
}
