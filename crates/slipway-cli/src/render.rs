//! Human-readable output of a detection.

use std::io::{self, Write};

use slipway_spec::detect::{Detected, Detection, Evidence, Found};

/// `file:line` of a piece of evidence.
pub fn place(evidence: &Evidence) -> String {
    match evidence.line {
        Some(line) => format!("{}:{line}", evidence.file),
        None => evidence.file.clone(),
    }
}

fn because(evidence: &[Evidence]) -> String {
    evidence
        .first()
        .map(|e| format!("  ({}: {})", place(e), e.note))
        .unwrap_or_default()
}

fn row(out: &mut impl Write, label: &str, value: &str) -> io::Result<()> {
    writeln!(out, "  {label:<13} {value}")
}

fn answer<T>(
    out: &mut impl Write,
    label: &str,
    detected: &Detected<T>,
    show: impl Fn(&T) -> String,
) -> io::Result<()> {
    match detected {
        Detected::Found { value, evidence } => {
            row(out, label, &format!("{}{}", show(value), because(evidence)))
        }
        Detected::Ambiguous { candidates } => {
            row(
                out,
                label,
                &format!("{} candidates, choose one:", candidates.len()),
            )?;
            for Found { value, evidence } in candidates {
                row(out, "", &format!("- {}{}", show(value), because(evidence)))?;
            }
            Ok(())
        }
        Detected::Missing { looked_for } => {
            row(out, label, &format!("not found (looked for {looked_for})"))
        }
    }
}

/// Prints a detection as a short report.
pub fn detection(out: &mut impl Write, detection: &Detection) -> io::Result<()> {
    let what = detection.entry.value().map_or_else(
        || "Python web app".to_owned(),
        |e| format!("{} app", e.framework.label()),
    );
    let folder = if detection.app_dir == "." {
        detection.root.clone()
    } else {
        format!("{}/{}", detection.root, detection.app_dir)
    };
    writeln!(out, "{what} in {folder}")?;
    row(out, "name", &detection.name)?;
    answer(out, "entry", &detection.entry, |e| {
        format!("{} ({})", e.entry, e.interface.key().to_uppercase())
    })?;
    answer(out, "dependencies", &detection.dependencies, |d| {
        let lock = d
            .lock
            .as_ref()
            .map(|l| format!(", locked by {l}"))
            .unwrap_or_default();
        format!("{}{lock}", d.file)
    })?;
    answer(out, "python", &detection.python, |p| p.constraint.clone())?;
    for (i, mount) in detection.static_files.iter().enumerate() {
        let label = if i == 0 { "static" } else { "" };
        let how = if mount.value.collected {
            " (collectstatic)"
        } else {
            ""
        };
        row(
            out,
            label,
            &format!("{} → {}{how}", mount.value.url, mount.value.dir),
        )?;
    }
    for (i, command) in detection.release.iter().enumerate() {
        row(out, if i == 0 { "release" } else { "" }, &command.value)?;
    }
    if let Some(git) = &detection.git {
        let branch = git.branch.as_deref().unwrap_or("detached HEAD");
        let head = git
            .head
            .as_deref()
            .map_or("no commits yet", |h| &h[..h.len().min(8)]);
        let remote = git
            .remote
            .as_deref()
            .map(|r| format!(", {r}"))
            .unwrap_or_default();
        row(out, "git", &format!("{branch} at {head}{remote}"))?;
        if !git.uncommitted.is_empty() {
            let count = git.uncommitted.len();
            let shown: Vec<&str> = git.uncommitted.iter().take(5).map(String::as_str).collect();
            let more = if count > 5 {
                format!(" and {} more", count - 5)
            } else {
                String::new()
            };
            row(
                out,
                "",
                &format!(
                    "{count} uncommitted change{}: {}{more}",
                    if count == 1 { "" } else { "s" },
                    shown.join(", ")
                ),
            )?;
        }
    } else {
        row(out, "git", "not a git repository")?;
    }
    for warning in &detection.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    Ok(())
}
