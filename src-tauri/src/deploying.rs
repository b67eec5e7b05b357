//! Runs started from the window (a deploy, or a rollback from the dashboard):
//! `slipway_app::run` on a background thread, its news streamed to the window over a
//! channel and recorded in the project's history, its one question (a new server's host
//! key) asked with a native dialog, and a Cancel that stops it after the running action.

use std::path::PathBuf;

use slipway_app::cloud::Endpoints;
use slipway_app::dashboard::Registry;
use slipway_app::history::{History, Recorder, RunKind, RunOutcome};
use slipway_app::notify::Services;
use slipway_app::project::{CONFIG_FILE, read_spec};
use slipway_app::run::{self, Live, NewServer, News, Observer, Preview, Progress, Review};
use slipway_app::{AppError, ErrorCode, IpcError, secrets};
use slipway_engine::Cancel;
use slipway_secrets::SecretStore;
use slipway_spec::Spec;
use slipway_ssh::Trust;
use tauri::State;
use tauri::ipc::Channel;

use crate::AppState;

/// The window's side of a run: news goes to the channel and to the history.
struct Window {
    news: Channel<News>,
    recorder: Recorder,
}

impl Observer for Window {
    fn progress(&mut self, progress: Progress<'_>) {
        if let Some(news) = News::from_progress(&progress) {
            self.recorder.news(&news);
            // A window that closed mid-run no longer listens; the run goes on.
            let _ = self.news.send(news);
        }
    }

    // The window's Review step showed what will be created and what it costs; pressing
    // Deploy there is the answer.
    fn create_server(&mut self, _server: &NewServer) -> bool {
        true
    }

    fn trust_host(&mut self, host: &str, fingerprint: &str) -> Option<Trust> {
        let answer = rfd::MessageDialog::new()
            .set_level(rfd::MessageLevel::Warning)
            .set_title("Is this the right server?")
            .set_description(format!(
                "Slipway has not connected to {host} before. It shows the host key\n\n\
                 {fingerprint}\n\nIf you can, compare it with the one on the server's \
                 console. Once you say yes, Slipway remembers it and refuses any other key \
                 for {host}."
            ))
            .set_buttons(rfd::MessageButtons::YesNo)
            .show();
        (answer == rfd::MessageDialogResult::Yes).then(|| Trust::Pinned(fingerprint.to_owned()))
    }

    fn asks_first(&self) -> bool {
        false
    }

    fn review(&mut self, _review: &Review<'_>) -> bool {
        true
    }

    // The dashboard asked before calling rollback.
    fn switch_back(&mut self, _live: Option<&str>, _target: &str) -> bool {
        true
    }
}

fn busy() -> IpcError {
    IpcError {
        code: ErrorCode::Locked,
        message: "A deploy or rollback is already running in this window".into(),
        hints: vec!["Wait for it to finish, or cancel it".into()],
        field: None,
    }
}

fn not_open(folder: &std::path::Path) -> IpcError {
    IpcError {
        code: ErrorCode::NotFound,
        message: format!("{} is not a project this window has open", folder.display()),
        hints: vec!["Open the project folder first".into()],
        field: Some("path".into()),
    }
}

/// A run of `spec` from the project in `folder`, of the last commit, by this computer's
/// user, that is `doing` something.
fn request<'a>(
    spec: Spec,
    folder: PathBuf,
    allow_uncommitted: bool,
    store: &'a dyn SecretStore,
    doing: &str,
    cancel: Cancel,
) -> Result<run::Request<'a>, AppError> {
    let local = run::Local::from_env();
    Ok(run::Request {
        spec,
        folder,
        revision: "HEAD".into(),
        allow_uncommitted,
        force_unlock: false,
        holder: local.holder(doing),
        known_hosts: local.known_hosts,
        env: local.env,
        store,
        endpoints: Endpoints::from_env()?,
        services: Services::from_env(),
        cancel,
        nonce: run::nonce(),
    })
}

/// Runs `kind` for the project in `folder` with its saved `slipway.toml`, on a
/// background thread: the project joins the dashboard, and the run is recorded in its
/// history whatever happens.
async fn run_in_window(
    kind: RunKind,
    folder: String,
    allow_uncommitted: bool,
    on_news: Channel<News>,
    state: State<'_, AppState>,
    work: impl FnOnce(&run::Request<'_>, &mut Window) -> Result<Option<Live>, AppError> + Send + 'static,
) -> Result<Option<Live>, IpcError> {
    let folder = PathBuf::from(folder);
    if !state.may_use(&folder) {
        return Err(not_open(&folder));
    }
    let cancel = state.start_deploy().ok_or_else(busy)?;
    let store = state.store();
    let data = state.data.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        let spec = read_spec(&folder.join(CONFIG_FILE))?;
        Registry::of(&data).add(&folder)?;
        let recorder =
            History::of(&data, &folder).start(kind, secrets::redactor(store.as_ref(), &spec))?;
        let doing = match kind {
            RunKind::Deploy => "deploy",
            RunKind::Rollback => "rollback",
        };
        let request = request(
            spec,
            folder,
            allow_uncommitted,
            store.as_ref(),
            doing,
            cancel,
        )?;
        let mut window = Window {
            news: on_news,
            recorder,
        };
        let result = work(&request, &mut window);
        // The history is a convenience: a disk that refuses it does not fail the run.
        let _ = window.recorder.finish(RunOutcome::of(&result));
        result
    })
    .await;
    state.end_deploy();
    match result {
        Ok(outcome) => outcome.map_err(IpcError::from),
        Err(error) => Err(IpcError {
            code: ErrorCode::DeployFailed,
            message: format!("The run stopped unexpectedly: {error}"),
            hints: vec!["The site still serves what it served before".into()],
            field: None,
        }),
    }
}

/// Deploys the last commit of the project in `folder` (opened in this window, or on the
/// dashboard) with its saved `slipway.toml`; news streams to `on_news`. Uncommitted
/// changes in the app's folder refuse the deploy unless `allow_uncommitted`. `None` when
/// the user refused the host key.
#[tauri::command]
pub async fn deploy(
    folder: String,
    allow_uncommitted: Option<bool>,
    on_news: Channel<News>,
    state: State<'_, AppState>,
) -> Result<Option<Live>, IpcError> {
    let allow = allow_uncommitted.unwrap_or(false);
    run_in_window(
        RunKind::Deploy,
        folder,
        allow,
        on_news,
        state,
        |request, window| run::deploy(request, window),
    )
    .await
}

/// Switches the project's site back to the kept release `release` (the one before the
/// live one when absent); news streams to `on_news`.
#[tauri::command]
pub async fn rollback(
    folder: String,
    release: Option<String>,
    on_news: Channel<News>,
    state: State<'_, AppState>,
) -> Result<Option<Live>, IpcError> {
    run_in_window(
        RunKind::Rollback,
        folder,
        false,
        on_news,
        state,
        move |request, window| run::rollback(request, release.as_deref(), window),
    )
    .await
}

/// What a deploy of `spec` (as the window has it, saved or not) from the project in
/// `folder` would change on its server, without changing anything.
#[tauri::command]
pub async fn preview(
    folder: String,
    spec: Spec,
    allow_uncommitted: Option<bool>,
    state: State<'_, AppState>,
) -> Result<Preview, IpcError> {
    let folder = PathBuf::from(folder);
    if !state.may_use(&folder) {
        return Err(not_open(&folder));
    }
    let store = state.store();
    crate::commands::blocking(move || {
        let allow = allow_uncommitted.unwrap_or(false);
        let request = request(
            spec,
            folder,
            allow,
            store.as_ref(),
            "plan",
            Cancel::default(),
        )?;
        run::preview(&request)
    })
    .await
    .map_err(IpcError::from)
}

/// Stops the running deploy or rollback after its current action.
#[tauri::command]
#[allow(clippy::needless_pass_by_value)] // Tauri hands commands their state by value.
pub fn cancel_deploy(state: State<'_, AppState>) {
    if let Some(cancel) = state.running_deploy() {
        cancel.cancel();
    }
}

/// A fresh cancel flag, for the state to hand out.
pub(crate) fn new_cancel() -> Cancel {
    Cancel::default()
}
