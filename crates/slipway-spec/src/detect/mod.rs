//! Project detection: what a deploy needs to know about a folder on the user's computer.
//!
//! Every answer carries its [`Evidence`] (file, line, why). Where the folder allows more
//! than one reading, the answer is [`Detected::Ambiguous`] with the candidates, so the
//! user chooses instead of Slipway guessing.
//!
//! # Layout
//! - [`scan`]: the files detection reads, gathered once.
//! - [`deps`]: requirements files, `pyproject.toml`, Pipfile, `setup.py` and lock files.
//! - [`apps`]: entry points for each framework, static files and release commands.
//! - [`git`]: remote, branch, commit and uncommitted changes.

mod apps;
mod deps;
mod git;
mod scan;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::spec::{AppSpec, Framework, Interface, Spec, StaticSpec};

pub use deps::{Dependencies, Manifest};
pub use git::GitFacts;

/// Where an answer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Evidence {
    /// File relative to the project folder.
    pub file: String,
    /// 1-based line number, where one line says it.
    #[ts(optional = nullable)]
    pub line: Option<u32>,
    /// What the file says, in a few words.
    pub note: String,
}

impl Evidence {
    fn file(file: &str, note: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line: None,
            note: note.into(),
        }
    }

    fn line(file: &str, line: usize, note: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line: u32::try_from(line).ok(),
            note: note.into(),
        }
    }
}

/// A value and the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Found<T> {
    /// The answer.
    pub value: T,
    /// Why Slipway believes it.
    pub evidence: Vec<Evidence>,
}

/// The outcome of one question about the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Detected<T> {
    /// One clear answer.
    Found {
        /// The answer.
        value: T,
        /// Why Slipway believes it.
        evidence: Vec<Evidence>,
    },
    /// Several plausible answers; the user picks one.
    Ambiguous {
        /// Each plausible answer with its evidence.
        candidates: Vec<Found<T>>,
    },
    /// Nothing found.
    Missing {
        /// What was looked for, so the user knows what to add.
        looked_for: String,
    },
}

impl<T> Detected<T> {
    /// The answer when there is exactly one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Found { value, .. } => Some(value),
            _ => None,
        }
    }

    fn from_candidates(mut candidates: Vec<Found<T>>, looked_for: &str) -> Self {
        match candidates.len() {
            0 => Self::Missing {
                looked_for: looked_for.to_owned(),
            },
            1 => {
                let Found { value, evidence } = candidates.remove(0);
                Self::Found { value, evidence }
            }
            _ => Self::Ambiguous { candidates },
        }
    }
}

/// Where and how the application is started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EntryPoint {
    /// The framework the app is built with.
    pub framework: Framework,
    /// What gunicorn is given: `module:app`, `module:factory()` or `production.ini`.
    pub entry: String,
    /// WSGI or ASGI.
    pub interface: Interface,
}

/// The Python version the project asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PythonRequest {
    /// The version as written, such as `3.11`, `>=3.10` or `^3.11`.
    pub constraint: String,
    /// The lowest `major.minor` that satisfies it, such as `3.10`.
    pub minimum: String,
}

/// A folder nginx should serve directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StaticMount {
    /// URL prefix, such as `/static/`.
    pub url: String,
    /// Folder relative to the app folder.
    pub dir: String,
    /// The folder is filled by `collectstatic` on the server, not copied as is.
    pub collected: bool,
}

/// Everything Slipway learned about a project folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Detection {
    /// The folder the user chose, as an absolute path.
    pub root: String,
    /// The app's folder relative to `root`; `.` when they are the same.
    pub app_dir: String,
    /// A name for the service, from the project's own name.
    pub name: String,
    /// The framework and entry point.
    pub entry: Detected<EntryPoint>,
    /// The file that lists dependencies.
    pub dependencies: Detected<Dependencies>,
    /// The Python version the project asks for.
    pub python: Detected<PythonRequest>,
    /// Folders nginx should serve directly.
    pub static_files: Vec<Found<StaticMount>>,
    /// Commands to run in each new release before it goes live.
    pub release: Vec<Found<String>>,
    /// Facts from git; absent when the folder is not in a repository.
    #[ts(optional = nullable)]
    pub git: Option<GitFacts>,
    /// Things the user should know before deploying.
    pub warnings: Vec<String>,
}

/// Why a folder could not be read as a Python web app.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The path does not exist or is not a folder.
    #[error("{path} is not a folder")]
    NotAFolder {
        /// The path as given.
        path: PathBuf,
    },
    /// The folder could not be read.
    #[error("could not read {path}: {source}")]
    Unreadable {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Nothing in the folder looks like a Python web app.
    #[error("{path} does not look like a Python web app")]
    NotAPythonApp {
        /// The folder.
        path: PathBuf,
        /// What was looked for.
        looked_for: Vec<String>,
        /// What the folder holds instead, when recognisable (a Node.js project, say).
        found_instead: Option<String>,
    },
    /// Several subfolders hold a Python web app.
    #[error("{path} holds several Python apps")]
    SeveralApps {
        /// The folder.
        path: PathBuf,
        /// The subfolders, relative to `path`.
        candidates: Vec<String>,
    },
}

/// What detection looks for, shown when a folder holds none of it.
pub const LOOKED_FOR: [&str; 6] = [
    "manage.py (Django)",
    "requirements.txt, pyproject.toml, Pipfile or setup.py",
    "a Flask, FastAPI or Starlette app created in a .py file",
    "a PasteDeploy .ini file with an [app:main] section (Pyramid)",
    "wsgi.py or asgi.py",
    "the same in a subfolder (for a repository holding several projects)",
];

/// Detects the Python web app in `folder` (or in the one subfolder that holds it).
pub fn detect(folder: &Path) -> Result<Detection, DetectError> {
    let root = folder
        .canonicalize()
        .ok()
        .filter(|p| p.is_dir())
        .ok_or_else(|| DetectError::NotAFolder {
            path: folder.to_owned(),
        })?;
    let app_dir = scan::find_app_dir(&root)?;
    let project =
        scan::Project::read(&root.join(&app_dir)).map_err(|source| DetectError::Unreadable {
            path: root.join(&app_dir),
            source,
        })?;
    let mut warnings = Vec::new();
    let dependencies = deps::detect(&project, &mut warnings);
    let packages = dependencies
        .value()
        .map(|d| d.packages.clone())
        .unwrap_or_default();
    let found = apps::detect(&project, &packages, &mut warnings);
    if matches!(found.entry, Detected::Missing { .. })
        && matches!(dependencies, Detected::Missing { .. })
    {
        return Err(DetectError::NotAPythonApp {
            path: root,
            looked_for: LOOKED_FOR.iter().map(ToString::to_string).collect(),
            found_instead: scan::recognise_other(&project),
        });
    }
    let python = deps::python(&project);
    let git = git::facts(&root, &mut warnings);
    let app_dir = app_dir.to_string_lossy().into_owned();
    let name = suggest_name(&project, &found.entry, &root.join(&app_dir), &root);
    Ok(Detection {
        root: root.to_string_lossy().into_owned(),
        app_dir,
        name,
        entry: found.entry,
        dependencies,
        python,
        static_files: found.static_files,
        release: found.release,
        git,
        warnings,
    })
}

impl Detection {
    /// A first spec for the app, filled from what was found. Ambiguous or missing
    /// answers stay empty so validation points the user at them.
    pub fn draft(&self) -> Spec {
        let entry = self.entry.value();
        Spec {
            app: AppSpec {
                name: self.name.clone(),
                path: self.app_dir.clone(),
                framework: entry
                    .map(|e| e.framework.key().to_owned())
                    .unwrap_or_default(),
                entry: entry.map(|e| e.entry.clone()).unwrap_or_default(),
                interface: entry
                    .map(|e| e.interface.key().to_owned())
                    .unwrap_or_default(),
                python: self
                    .python
                    .value()
                    .map(|p| p.minimum.clone())
                    .unwrap_or_default(),
                dependencies: self
                    .dependencies
                    .value()
                    .map(|d| d.file.clone())
                    .unwrap_or_default(),
                static_files: self
                    .static_files
                    .iter()
                    .map(|s| StaticSpec {
                        url: s.value.url.clone(),
                        dir: s.value.dir.clone(),
                    })
                    .collect(),
                release: self.release.iter().map(|r| r.value.clone()).collect(),
                ..AppSpec::default()
            },
            ..Spec::default()
        }
    }
}

/// A service name from the project's own name: Django's project module, the package
/// name in `pyproject.toml`, or the folder's name, cut to what [`crate::check::app_name`]
/// accepts.
fn suggest_name(
    project: &scan::Project,
    entry: &Detected<EntryPoint>,
    app_dir: &Path,
    root: &Path,
) -> String {
    let from_entry = entry.value().and_then(|e| match e.framework {
        Framework::Django => e.entry.split('.').next().map(str::to_owned),
        _ => None,
    });
    let from_manifest = project.manifest_name();
    let folder_name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let candidates = [
        from_manifest,
        from_entry,
        folder_name(app_dir),
        folder_name(root),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|raw| sanitise_name(&raw))
        .find(|name| !name.is_empty() && !["app", "src", "backend", "server"].contains(&&**name))
        .unwrap_or_else(|| "webapp".to_owned())
}

fn sanitise_name(raw: &str) -> String {
    let mut name = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || (c.is_ascii_digit() && !name.is_empty()) {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    name.truncate(32);
    name.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::sanitise_name;

    #[test]
    fn names_are_cut_to_what_the_server_accepts() {
        assert_eq!(sanitise_name("My_Site"), "my-site");
        assert_eq!(sanitise_name("2fast 4you"), "fast-4you");
        assert_eq!(sanitise_name("---"), "");
        assert_eq!(sanitise_name(&"a".repeat(40)), "a".repeat(32));
    }
}
