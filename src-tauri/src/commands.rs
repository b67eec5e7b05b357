//! The commands the UI invokes. Each is a few lines: convert, call `slipway_app`, map
//! the error to the one wire format, [`IpcError`].

use std::path::PathBuf;

use slipway_app::{ErrorCode, IpcError, Project};
use slipway_spec::{Problem, Spec};
use tauri::{Runtime, State};

use crate::AppState;

/// Runs blocking file-system work off the UI thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| panic!("background file work stopped: {error}"))
}

/// Opens a project folder: detection, or its `slipway.toml` when present.
#[tauri::command]
pub async fn open_project(path: String, state: State<'_, AppState>) -> Result<Project, IpcError> {
    let project = blocking(move || slipway_app::open_project(&PathBuf::from(path))).await?;
    state.remember(PathBuf::from(&project.detection.root).as_path());
    Ok(project)
}

/// Every problem with a spec.
#[tauri::command]
#[allow(clippy::needless_pass_by_value)] // Tauri hands commands owned, deserialised values.
pub fn check_spec(spec: Spec) -> Vec<Problem> {
    slipway_app::check_spec(&spec)
}

/// Saves a spec as `slipway.toml` in a folder opened before; returns the file's path.
#[tauri::command]
pub async fn save_spec(
    folder: String,
    spec: Spec,
    state: State<'_, AppState>,
) -> Result<String, IpcError> {
    let folder = PathBuf::from(folder);
    if !state.was_opened(&folder) {
        return Err(IpcError {
            code: ErrorCode::NotFound,
            message: format!("{} is not an open project", folder.display()),
            hints: vec!["Open the project folder first, then save".into()],
            field: Some("path".into()),
        });
    }
    let saved = blocking(move || slipway_app::save_spec(&folder, &spec)).await?;
    Ok(saved.to_string_lossy().into_owned())
}

/// Asks the user for a folder with the system's dialog; `None` when they cancel.
#[tauri::command]
pub async fn pick_folder<R: Runtime>(window: tauri::Window<R>) -> Option<String> {
    rfd::AsyncFileDialog::new()
        .set_title("Choose your project folder")
        .set_parent(&window)
        .pick_folder()
        .await
        .map(|folder| folder.path().to_string_lossy().into_owned())
}
