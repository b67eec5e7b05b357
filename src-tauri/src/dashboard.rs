//! The dashboard's commands: the projects, what each server says now, each project's
//! history with its logs, and removing a project (and, when asked, its server).

use std::path::PathBuf;

use slipway_app::cloud::Endpoints;
use slipway_app::dashboard::{self, LiveStatus, ProjectCard};
use slipway_app::history::{History, RunRecord};
use slipway_app::project::{CONFIG_FILE, read_spec};
use slipway_app::run::{Local, News};
use slipway_app::{ErrorCode, IpcError};
use tauri::State;

use crate::AppState;
use crate::commands::blocking;

fn not_listed(folder: &std::path::Path) -> IpcError {
    IpcError {
        code: ErrorCode::NotFound,
        message: format!("{} is not on the dashboard", folder.display()),
        hints: vec!["Reload the dashboard: the project may have been removed".into()],
        field: Some("path".into()),
    }
}

/// Every project on the dashboard, from this computer alone (no network).
#[tauri::command]
pub async fn projects(state: State<'_, AppState>) -> Result<Vec<ProjectCard>, IpcError> {
    let data = state.data.clone();
    Ok(blocking(move || dashboard::cards(&data)).await?)
}

/// What the project's server says right now: health, live release, kept releases,
/// certificate, lock.
#[tauri::command]
pub async fn project_status(
    folder: String,
    state: State<'_, AppState>,
) -> Result<LiveStatus, IpcError> {
    let folder = PathBuf::from(folder);
    if !state.may_use(&folder) {
        return Err(not_listed(&folder));
    }
    let store = state.store();
    Ok(blocking(move || {
        let spec = read_spec(&folder.join(CONFIG_FILE))?;
        dashboard::live_status(
            &spec,
            store.as_ref(),
            &Endpoints::from_env()?,
            &Local::from_env(),
        )
    })
    .await?)
}

/// The project's runs, newest first.
#[tauri::command]
pub async fn history(
    folder: String,
    state: State<'_, AppState>,
) -> Result<Vec<RunRecord>, IpcError> {
    let folder = PathBuf::from(folder);
    let data = state.data.clone();
    Ok(blocking(move || History::of(&data, &folder).runs()).await?)
}

/// The whole log of one run.
#[tauri::command]
pub async fn history_log(
    folder: String,
    id: String,
    state: State<'_, AppState>,
) -> Result<Vec<News>, IpcError> {
    let folder = PathBuf::from(folder);
    let data = state.data.clone();
    Ok(blocking(move || History::of(&data, &folder).log(&id)).await?)
}

/// Takes the project off the dashboard and forgets its history; with `destroy` (the
/// server's name, typed back), destroys its server at its provider first.
#[tauri::command]
pub async fn remove_project(
    folder: String,
    destroy: Option<String>,
    state: State<'_, AppState>,
) -> Result<(), IpcError> {
    let folder = PathBuf::from(folder);
    if !state.may_use(&folder) {
        return Err(not_listed(&folder));
    }
    let store = state.store();
    let data = state.data.clone();
    Ok(blocking(move || {
        dashboard::remove(
            &data,
            &folder,
            destroy.as_deref(),
            store.as_ref(),
            &Endpoints::from_env()?,
            &Local::from_env(),
        )
    })
    .await?)
}
