//! Deploys started from the window: `run::deploy` on a background thread, its news
//! streamed to the window over a channel, its one question (a new server's host key)
//! asked with a native dialog, and a Cancel that stops it after the running action.

use std::path::PathBuf;

use slipway_app::cloud::Endpoints;
use slipway_app::notify::Services;
use slipway_app::run::{self, Live, NewServer, News, Observer, Progress, Review};
use slipway_app::{AppError, ErrorCode, IpcError};
use slipway_engine::Cancel;
use slipway_ssh::Trust;
use tauri::State;
use tauri::ipc::Channel;

use crate::AppState;

/// The window's side of a deploy: news goes to the channel.
struct Window {
    news: Channel<News>,
}

impl Observer for Window {
    fn progress(&mut self, progress: Progress<'_>) {
        if let Some(news) = News::from_progress(&progress) {
            // A window that closed mid-deploy no longer listens; the deploy goes on.
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
}

/// Deploys the project in `folder` (opened in this window) with its saved
/// `slipway.toml`; news streams to `on_news`. `None` when the user refused the host key.
#[tauri::command]
pub async fn deploy(
    folder: String,
    on_news: Channel<News>,
    state: State<'_, AppState>,
) -> Result<Option<Live>, IpcError> {
    let folder = PathBuf::from(folder);
    if !state.was_opened(&folder) {
        return Err(IpcError::from(AppError::Io {
            action: "deploy",
            path: folder,
            source: std::io::Error::other("it is not a project opened in this window"),
        }));
    }
    let cancel = state.start_deploy().ok_or_else(|| IpcError {
        code: ErrorCode::Locked,
        message: "A deploy is already running in this window".into(),
        hints: vec!["Wait for it to finish, or cancel it".into()],
        field: None,
    })?;
    let store = state.store();
    let result = tauri::async_runtime::spawn_blocking(move || {
        let spec = slipway_app::open_project(&folder)?.spec;
        let local = run::Local::from_env();
        let request = run::Request {
            spec,
            folder,
            revision: "HEAD".into(),
            allow_uncommitted: false,
            force_unlock: false,
            known_hosts: local.known_hosts.clone(),
            env: local.env.clone(),
            store: store.as_ref(),
            endpoints: Endpoints::from_env()?,
            services: Services::from_env(),
            holder: local.holder("deploy"),
            cancel,
            nonce: run::nonce(),
        };
        run::deploy(&request, &mut Window { news: on_news })
    })
    .await;
    state.end_deploy();
    match result {
        Ok(outcome) => outcome.map_err(IpcError::from),
        Err(error) => Err(IpcError {
            code: ErrorCode::DeployFailed,
            message: format!("The deploy stopped unexpectedly: {error}"),
            hints: vec!["The site still serves what it served before".into()],
            field: None,
        }),
    }
}

/// Stops the running deploy after its current action.
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
