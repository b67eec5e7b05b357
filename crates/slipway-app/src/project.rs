//! Opening a project folder, checking its spec, and saving it as `slipway.toml`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use slipway_spec::{Detection, Problem, Spec, detect};
use ts_rs::TS;

use crate::error::AppError;

/// The file a project's spec lives in, at the top of the project folder.
pub const CONFIG_FILE: &str = "slipway.toml";

/// A project folder as the wizard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Project {
    /// What the folder says about the app.
    pub detection: Detection,
    /// The spec: read from `slipway.toml` when there is one, else drafted from detection.
    pub spec: Spec,
    /// The `slipway.toml` the spec was read from; absent for a draft.
    #[ts(optional = nullable)]
    pub config: Option<String>,
    /// Every problem with the spec as it stands.
    pub problems: Vec<Problem>,
}

/// Opens the project in `folder`: detects the app, and reads `slipway.toml` if present.
pub fn open_project(folder: &Path) -> Result<Project, AppError> {
    let detection = detect(folder)?;
    let config_path = Path::new(&detection.root).join(CONFIG_FILE);
    let (spec, config) = if config_path.is_file() {
        let spec = read_spec(&config_path)?;
        (spec, Some(config_path.to_string_lossy().into_owned()))
    } else {
        (detection.draft(), None)
    };
    let problems = spec.validate().0;
    Ok(Project {
        detection,
        spec,
        config,
        problems,
    })
}

/// Reads the spec in `path` (a `slipway.toml`).
pub fn read_spec(path: &Path) -> Result<Spec, AppError> {
    let text = fs::read_to_string(path).map_err(|source| AppError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    Spec::from_toml(&text).map_err(|source| AppError::SpecFile {
        path: path.to_owned(),
        source,
    })
}

/// Every problem with `spec`, in file order.
pub fn check_spec(spec: &Spec) -> Vec<Problem> {
    spec.validate().0
}

/// Writes `spec` to `slipway.toml` in `folder`, replacing the file atomically so an
/// interrupted save never leaves half a file. An invalid spec is refused, not saved.
pub fn save_spec(folder: &Path, spec: &Spec) -> Result<PathBuf, AppError> {
    let problems = spec.validate();
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let path = folder.join(CONFIG_FILE);
    let io = |source| AppError::Io {
        action: "write",
        path: path.clone(),
        source,
    };
    let text = format!(
        "# Slipway deployment spec: edit freely, `slipway check` validates it.\n\n{}",
        spec.to_toml()
    );
    let mut temp = tempfile_in(folder).map_err(io)?;
    temp.1
        .write_all(text.as_bytes())
        .and_then(|()| temp.1.sync_all())
        .map_err(io)?;
    fs::rename(&temp.0, &path).map_err(|source| {
        let _ = fs::remove_file(&temp.0);
        io(source)
    })?;
    Ok(path)
}

/// A new file beside the target, named so a crash leaves an obvious leftover.
fn tempfile_in(folder: &Path) -> std::io::Result<(PathBuf, fs::File)> {
    let path = folder.join(format!(".{CONFIG_FILE}.{}.tmp", std::process::id()));
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}
