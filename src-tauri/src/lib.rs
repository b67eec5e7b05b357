//! The Slipway desktop shell: one window, one managed [`AppState`], and thin commands
//! that convert their input, call one `slipway_app` function and map its error.
//!
//! # Layout
//! - [`deploying`]: deploys and rollbacks from the window, streamed to it and recorded
//!   in the project's history, with Cancel.
//! - [`dashboard`]: the projects this computer deploys, their live status, history and
//!   removal.
//! - [`commands`]: the commands the UI invokes, named as in `ui/src/lib/tauri-backend.ts`.
//! - [`AppState`]: what the window has opened.

pub mod commands;
pub mod dashboard;
pub mod deploying;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use slipway_app::dashboard::Registry;
use slipway_app::history::DataDir;
use slipway_secrets::Stores;
use tauri::{Builder, Runtime};

/// State shared by every command of the window.
pub struct AppState {
    /// Where the dashboard's list of projects and their histories are kept.
    data: DataDir,
    /// Folders opened through `open_project`. Saving writes only into one of these, so
    /// the web view cannot have `slipway.toml` written anywhere else.
    opened: Mutex<BTreeSet<PathBuf>>,
    /// Where secrets are: the keychain (and `SLIPWAY_SECRET_*` variables), opened on
    /// first use.
    store: Mutex<Option<Arc<Stores>>>,
    /// The running deploy's cancel flag; one deploy at a time.
    deploying: Mutex<Option<slipway_engine::Cancel>>,
}

impl AppState {
    /// Nothing open yet, keeping the dashboard in `data`.
    pub fn new(data: DataDir) -> Self {
        Self {
            data,
            opened: Mutex::default(),
            store: Mutex::default(),
            deploying: Mutex::default(),
        }
    }

    fn start_deploy(&self) -> Option<slipway_engine::Cancel> {
        let mut deploying = self
            .deploying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if deploying.is_some() {
            return None;
        }
        let cancel = deploying::new_cancel();
        *deploying = Some(cancel.clone());
        Some(cancel)
    }

    fn end_deploy(&self) {
        *self
            .deploying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn running_deploy(&self) -> Option<slipway_engine::Cancel> {
        self.deploying
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn store(&self) -> Arc<Stores> {
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(store.get_or_insert_with(|| Arc::new(slipway_secrets::open())))
    }

    fn remember(&self, folder: &Path) {
        self.opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(folder.to_owned());
    }

    fn was_opened(&self, folder: &Path) -> bool {
        self.opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(folder)
    }

    /// Whether commands may act on the project in `folder`: opened in this window, or
    /// on the dashboard.
    fn may_use(&self, folder: &Path) -> bool {
        self.was_opened(folder) || Registry::of(&self.data).contains(folder).unwrap_or(false)
    }
}

/// Registers Slipway's state and commands on a builder; tests can pass a mock builder.
pub fn app<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder
        .manage(AppState::new(DataDir::from_env()))
        .invoke_handler(tauri::generate_handler![
            commands::open_project,
            commands::check_spec,
            commands::save_spec,
            commands::pick_folder,
            commands::server_offer,
            commands::store_secret,
            commands::secret_states,
            commands::login_key,
            commands::dns_status,
            commands::send_tests,
            commands::window_ready,
            deploying::deploy,
            deploying::rollback,
            deploying::preview,
            deploying::cancel_deploy,
            dashboard::projects,
            dashboard::project_status,
            dashboard::history,
            dashboard::history_log,
            dashboard::remove_project,
        ])
}

/// When the process started, for the startup benchmark.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Starts the desktop app.
pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    app(Builder::default())
        .run(tauri::generate_context!())
        .unwrap_or_else(|error| panic!("Slipway could not start its window: {error}"));
}
