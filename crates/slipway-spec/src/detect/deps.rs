//! Dependency manifests, lock files and the Python version a project asks for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::scan::Project;
use super::{Detected, Evidence, Found, PythonRequest};

/// The kind of file that lists the project's dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Manifest {
    /// A pip requirements file, possibly including others with `-r`.
    Requirements,
    /// `pyproject.toml` with a PEP 621 `[project] dependencies` list.
    Pyproject,
    /// `pyproject.toml` managed by Poetry (`[tool.poetry.dependencies]`).
    Poetry,
    /// A Pipenv `Pipfile`.
    Pipfile,
    /// `install_requires` in a setuptools `setup.py`.
    SetupPy,
}

/// The project's dependencies and where they are listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Dependencies {
    /// The manifest, relative to the app folder.
    pub file: String,
    /// What kind of manifest it is.
    pub manifest: Manifest,
    /// The lock file that pins exact versions, when there is one.
    #[ts(optional = nullable)]
    pub lock: Option<String>,
    /// Further requirement files pulled in with `-r`, in the order they are read.
    pub includes: Vec<String>,
    /// Package names, normalised (lowercase, `-` for `_` and `.`).
    pub packages: Vec<String>,
}

const LOOKED_FOR: &str = "requirements.txt, pyproject.toml, Pipfile or setup.py";

/// Finds the manifest Slipway installs from. When several exist, a lock file wins, then
/// requirements.txt (what `pip install -r` reads), then pyproject.toml, Pipfile and
/// setup.py; the others are named in the evidence so the choice is never silent.
pub(super) fn detect(project: &Project, warnings: &mut Vec<String>) -> Detected<Dependencies> {
    let mut found: Vec<(u8, Dependencies, Vec<Evidence>)> = Vec::new();
    if let Some(file) = requirements_file(project) {
        let mut includes = Vec::new();
        let mut packages = Vec::new();
        read_requirements(project, &file, &mut includes, &mut packages, warnings);
        let note = if includes.is_empty() {
            packages_note(packages.len())
        } else {
            format!(
                "{} packages, including {}",
                packages.len(),
                includes.join(", ")
            )
        };
        let evidence = vec![Evidence::file(&file, note)];
        let deps = Dependencies {
            file,
            manifest: Manifest::Requirements,
            lock: None,
            includes,
            packages,
        };
        found.push((2, deps, evidence));
    }
    if let Some(text) = project.text("pyproject.toml") {
        match text.parse::<toml::Table>() {
            Ok(table) => found.extend(pyproject(project, &table)),
            Err(error) => warnings.push(format!(
                "pyproject.toml is not valid TOML ({}); it was ignored",
                error.message().trim_end()
            )),
        }
    }
    if let Some(text) = project.text("Pipfile") {
        let packages = text
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| t.get("packages").and_then(|p| p.as_table()).map(table_keys))
            .unwrap_or_default();
        let lock = project
            .has("Pipfile.lock")
            .then(|| "Pipfile.lock".to_owned());
        let mut evidence = vec![Evidence::file("Pipfile", packages_note(packages.len()))];
        if let Some(lock) = &lock {
            evidence.push(Evidence::file(lock, "pins exact versions"));
        }
        let rank = if lock.is_some() { 1 } else { 4 };
        let deps = Dependencies {
            file: "Pipfile".into(),
            manifest: Manifest::Pipfile,
            lock,
            includes: vec![],
            packages,
        };
        found.push((rank, deps, evidence));
    }
    if let Some(text) = project.text("setup.py") {
        let packages = setup_py_requires(text);
        let evidence = vec![Evidence::file(
            "setup.py",
            format!("install_requires lists {}", packages_note(packages.len())),
        )];
        let deps = Dependencies {
            file: "setup.py".into(),
            manifest: Manifest::SetupPy,
            lock: None,
            includes: vec![],
            packages,
        };
        found.push((5, deps, evidence));
    }
    found.sort_by_key(|(rank, ..)| *rank);
    let mut candidates = found.into_iter();
    let Some((_, chosen, mut evidence)) = candidates.next() else {
        return Detected::Missing {
            looked_for: LOOKED_FOR.into(),
        };
    };
    for (_, other, _) in candidates {
        evidence.push(Evidence::file(
            &other.file,
            format!("also present; {} is used instead", chosen.file),
        ));
    }
    Detected::Found {
        value: chosen,
        evidence,
    }
}

fn packages_note(count: usize) -> String {
    if count == 1 {
        "1 package".into()
    } else {
        format!("{count} packages")
    }
}

fn requirements_file(project: &Project) -> Option<String> {
    [
        "requirements.txt",
        "requirements/production.txt",
        "requirements/prod.txt",
        "requirements/base.txt",
    ]
    .into_iter()
    .find(|f| project.has(f))
    .map(str::to_owned)
}

/// Reads a requirements file and those it includes (`-r`, `--requirement`), each once.
fn read_requirements(
    project: &Project,
    file: &str,
    includes: &mut Vec<String>,
    packages: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    let Some(text) = project.text(file) else {
        warnings.push(format!("{file} is included but could not be read"));
        return;
    };
    let base = file.rsplit_once('/').map_or("", |(dir, _)| dir);
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or_default().trim();
        let include = line
            .strip_prefix("-r")
            .or_else(|| line.strip_prefix("--requirement"))
            .map(|rest| rest.trim_start_matches('=').trim());
        if let Some(include) = include {
            let path = normalise_path(base, include);
            if !includes.contains(&path) && path != file {
                includes.push(path.clone());
                read_requirements(project, &path, includes, packages, warnings);
            }
        } else if let Some(name) = requirement_name(line)
            && !packages.contains(&name)
        {
            packages.push(name);
        }
    }
}

/// Joins `rel` to the folder `base`, resolving `.` and `..`, with `/` separators.
fn normalise_path(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// The normalised package name of a requirement line (`Flask[async]>=3 ; python_version…`),
/// or `None` for options, URLs and comments.
pub(super) fn requirement_name(line: &str) -> Option<String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with(['#', '-']) || line.contains("://") {
        return None;
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(line.len());
    let name = &line[..end];
    (!name.is_empty()).then(|| normalise_name(name))
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
pub(super) fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn table_keys(table: &toml::Table) -> Vec<String> {
    table
        .keys()
        .filter(|k| *k != "python")
        .map(|k| normalise_name(k))
        .collect()
}

fn pyproject(project: &Project, table: &toml::Table) -> Option<(u8, Dependencies, Vec<Evidence>)> {
    let pep621 = table
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str())
                .filter_map(requirement_name)
                .collect::<Vec<_>>()
        });
    let poetry = table
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table())
        .map(table_keys);
    let (manifest, packages, note) = match (pep621, poetry) {
        (Some(packages), _) => (Manifest::Pyproject, packages, "[project] dependencies"),
        (None, Some(packages)) => (Manifest::Poetry, packages, "[tool.poetry.dependencies]"),
        (None, None) => return None,
    };
    let lock = ["uv.lock", "poetry.lock", "pdm.lock"]
        .into_iter()
        .find(|f| project.has(f))
        .map(str::to_owned);
    let mut evidence = vec![Evidence::file(
        "pyproject.toml",
        format!("{note}: {}", packages_note(packages.len())),
    )];
    if let Some(lock) = &lock {
        evidence.push(Evidence::file(lock, "pins exact versions"));
    }
    let rank = if lock.is_some() { 1 } else { 3 };
    let deps = Dependencies {
        file: "pyproject.toml".into(),
        manifest,
        lock,
        includes: vec![],
        packages,
    };
    Some((rank, deps, evidence))
}

/// Package names in `install_requires` of a `setup.py`, written inline
/// (`install_requires=[...]`) or through a variable (`install_requires=requires`).
fn setup_py_requires(text: &str) -> Vec<String> {
    let Some(start) = text.find("install_requires") else {
        return Vec::new();
    };
    let value = text[start + "install_requires".len()..]
        .trim_start()
        .trim_start_matches('=')
        .trim_start();
    let list = if value.starts_with('[') {
        value
    } else {
        let variable: String = value
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let assignment = text.lines().find_map(|line| {
            let rest = line
                .strip_prefix(variable.as_str())?
                .trim_start()
                .strip_prefix('=')?;
            let offset = line.len() - rest.len();
            Some(line.as_ptr() as usize - text.as_ptr() as usize + offset)
        });
        match assignment {
            Some(at) if !variable.is_empty() => text[at..].trim_start(),
            _ => return Vec::new(),
        }
    };
    let Some(close) = list.find(']') else {
        return Vec::new();
    };
    string_literals(&list[1..close])
        .iter()
        .filter_map(|s| requirement_name(s))
        .collect()
}

/// The `name=` given to `setup()` in a `setup.py`.
pub(super) fn setup_py_name(text: &str) -> Option<String> {
    let call = &text[text.find("setup(")?..];
    let rest = call[call.find("name=")? + 5..].trim_start();
    string_literals(rest.lines().next()?).into_iter().next()
}

/// The contents of the single- or double-quoted string literals in `text`.
pub(super) fn string_literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if (c == '"' || c == '\'')
            && let Some(len) = text[i + 1..].find(c)
        {
            out.push(text[i + 1..i + 1 + len].to_owned());
            chars.nth(len);
        }
    }
    out
}

/// The Python version asked for: `.python-version`, then `runtime.txt`, then the
/// manifests' own constraints.
pub(super) fn python(project: &Project) -> Detected<PythonRequest> {
    let mut found: Vec<Found<PythonRequest>> = Vec::new();
    let mut add = |file: &str, constraint: &str, note: &str| {
        if let Some(minimum) = minimum_version(constraint) {
            found.push(Found {
                value: PythonRequest {
                    constraint: constraint.to_owned(),
                    minimum,
                },
                evidence: vec![Evidence::file(file, note)],
            });
        }
    };
    if let Some(text) = project.text(".python-version") {
        let version = text.lines().next().unwrap_or_default().trim();
        add(".python-version", version, "pins the interpreter");
    }
    if let Some(text) = project.text("runtime.txt") {
        let version = text.trim().trim_start_matches("python-");
        add("runtime.txt", version, "names the runtime");
    }
    if let Some(table) = project
        .text("pyproject.toml")
        .and_then(|t| t.parse::<toml::Table>().ok())
    {
        if let Some(v) = table
            .get("project")
            .and_then(|p| p.get("requires-python"))
            .and_then(|v| v.as_str())
        {
            add("pyproject.toml", v, "requires-python");
        }
        let poetry = table
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("dependencies"));
        if let Some(v) = poetry
            .and_then(|d| d.get("python"))
            .and_then(|v| v.as_str())
        {
            add("pyproject.toml", v, "[tool.poetry.dependencies] python");
        }
    }
    let pipfile = project
        .text("Pipfile")
        .and_then(|t| t.parse::<toml::Table>().ok());
    let pipfile_python = pipfile
        .as_ref()
        .and_then(|t| t.get("requires")?.get("python_version"));
    if let Some(v) = pipfile_python.and_then(|v| v.as_str()) {
        add("Pipfile", v, "[requires] python_version");
    }
    let mut found = found.into_iter();
    let Some(Found {
        value,
        mut evidence,
    }) = found.next()
    else {
        return Detected::Missing {
            looked_for: ".python-version, runtime.txt, requires-python in pyproject.toml, or Pipfile [requires]".into(),
        };
    };
    for other in found {
        let note = format!("also asks for {}", other.value.constraint);
        evidence.extend(other.evidence.into_iter().map(|e| Evidence {
            note: format!("{}: {note}", e.note),
            ..e
        }));
    }
    Detected::Found { value, evidence }
}

/// The lowest `3.N` a version constraint allows: `3.11.7` → `3.11`, `>=3.10,<4` → `3.10`,
/// `^3.11` → `3.11`, `~=3.9` → `3.9`. `None` when no `3.N` lower bound is written.
pub(super) fn minimum_version(constraint: &str) -> Option<String> {
    constraint.split(',').map(str::trim).find_map(|clause| {
        let version = clause.trim_start_matches(['>', '=', '^', '~', ' ']);
        if clause.starts_with('<') || clause.starts_with("!=") {
            return None;
        }
        let mut parts = version.split('.');
        let major = parts.next()?;
        let minor = parts.next()?;
        let minor: String = minor.chars().take_while(char::is_ascii_digit).collect();
        (major == "3" && !minor.is_empty()).then(|| format!("3.{minor}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_names_are_normalised() {
        assert_eq!(
            requirement_name("Flask[async]>=3.0 ; python_version>'3.8'"),
            Some("flask".into())
        );
        assert_eq!(
            requirement_name("zope.interface==6"),
            Some("zope-interface".into())
        );
        assert_eq!(
            requirement_name("Django_Extensions"),
            Some("django-extensions".into())
        );
        assert_eq!(requirement_name("-e ."), None);
        assert_eq!(requirement_name("git+https://github.com/x/y"), None);
        assert_eq!(requirement_name("# comment"), None);
    }

    #[test]
    fn minimum_versions_follow_the_constraint() {
        assert_eq!(minimum_version("3.11.7").as_deref(), Some("3.11"));
        assert_eq!(minimum_version(">=3.10,<4").as_deref(), Some("3.10"));
        assert_eq!(minimum_version("<4, >=3.9").as_deref(), Some("3.9"));
        assert_eq!(minimum_version("^3.11").as_deref(), Some("3.11"));
        assert_eq!(minimum_version("~=3.12").as_deref(), Some("3.12"));
        assert_eq!(minimum_version("pypy3.10"), None);
        assert_eq!(minimum_version("2.7"), None);
    }

    #[test]
    fn include_paths_resolve_against_the_including_file() {
        assert_eq!(
            normalise_path("requirements", "base.txt"),
            "requirements/base.txt"
        );
        assert_eq!(
            normalise_path("requirements", "../common.txt"),
            "common.txt"
        );
        assert_eq!(
            normalise_path("", "./requirements/base.txt"),
            "requirements/base.txt"
        );
    }

    #[test]
    fn setup_py_requirements_are_read_inline_or_through_a_variable() {
        let inline = "setup(name='x', install_requires=['flask>=3', \"gunicorn\"])";
        assert_eq!(setup_py_requires(inline), ["flask", "gunicorn"]);
        let variable = "requires = [\n    'pyramid',\n    'waitress',\n]\nsetup(\n    name='shop',\n    install_requires=requires,\n)";
        assert_eq!(setup_py_requires(variable), ["pyramid", "waitress"]);
        assert_eq!(setup_py_name(variable).as_deref(), Some("shop"));
    }

    #[test]
    fn string_literals_are_read_in_both_quote_styles() {
        assert_eq!(
            string_literals(r#"'pyramid', "waitress>=3""#),
            vec!["pyramid", "waitress>=3"]
        );
    }
}
