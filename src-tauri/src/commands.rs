//! The commands the UI invokes. Each is a few lines: convert, call `slipway_app`, map
//! the error to the one wire format, [`IpcError`].

use std::io::Write;
use std::path::PathBuf;

use slipway_app::cloud::Endpoints;
use slipway_app::notify::{self, Services, TestDelivery};
use slipway_app::secrets::PublicKey;
use slipway_app::wizard::{self, DnsStatus, SecretState, ServerOffer};
use slipway_app::{AppError, ErrorCode, IpcError, Project};
use slipway_secrets::Secret;
use slipway_spec::{Problem, ServerProvider, Spec};
use tauri::{Runtime, State};

use crate::AppState;

/// Runs blocking file-system work off the UI thread.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
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

/// What a provider offers: checks the token as entered (or the stored one when `token`
/// is absent) and keeps an accepted one in the keychain.
#[tauri::command]
pub async fn server_offer(
    project: String,
    provider: String,
    token: Option<String>,
    state: State<'_, AppState>,
) -> Result<ServerOffer, IpcError> {
    let provider: ServerProvider = provider.parse().map_err(|message: String| IpcError {
        code: ErrorCode::Invalid,
        message,
        hints: Vec::new(),
        field: Some("server.provider".into()),
    })?;
    let token = token.map(Secret::new);
    let store = state.store();
    blocking(move || {
        let endpoints = Endpoints::from_env()?;
        wizard::server_offer(&project, provider, token, store.as_ref(), &endpoints)
    })
    .await
    .map_err(IpcError::from)
}

/// Stores one of the project's secrets in the keychain.
#[tauri::command]
pub async fn store_secret(
    project: String,
    name: String,
    value: String,
    state: State<'_, AppState>,
) -> Result<(), IpcError> {
    let value = Secret::new(value);
    let store = state.store();
    blocking(move || wizard::store_secret(store.as_ref(), &project, &name, &value))
        .await
        .map_err(IpcError::from)
}

/// The public half of the project's SSH login key (made first with `create` when the
/// keychain has none), for the user to add to an existing server.
#[tauri::command]
pub async fn login_key(
    spec: Spec,
    create: bool,
    state: State<'_, AppState>,
) -> Result<Option<PublicKey>, IpcError> {
    let store = state.store();
    blocking(move || wizard::login_key(store.as_ref(), &spec, create))
        .await
        .map_err(IpcError::from)
}

/// Which of the project's secrets are in the keychain.
#[tauri::command]
pub async fn secret_states(
    project: String,
    names: Vec<String>,
    state: State<'_, AppState>,
) -> Result<Vec<SecretState>, IpcError> {
    let store = state.store();
    blocking(move || wizard::secret_states(store.as_ref(), &project, &names))
        .await
        .map_err(IpcError::from)
}

/// Whether the spec's domain points at its server yet.
#[tauri::command]
pub async fn dns_status(spec: Spec, state: State<'_, AppState>) -> Result<DnsStatus, IpcError> {
    let store = state.store();
    blocking(move || {
        let endpoints = Endpoints::from_env()?;
        wizard::dns_status(&spec, store.as_ref(), &endpoints)
    })
    .await
    .map_err(|error: AppError| IpcError::from(error))
}

/// Sends a test message on every notification channel `spec` configures, with the
/// project's secrets from the keychain; says what happened on each.
#[tauri::command]
pub async fn send_tests(
    spec: Spec,
    state: State<'_, AppState>,
) -> Result<Vec<TestDelivery>, IpcError> {
    let store = state.store();
    Ok(blocking(move || {
        notify::send_tests(&spec, store.as_ref(), &Services::from_env())
            .iter()
            .map(TestDelivery::from)
            .collect()
    })
    .await)
}

/// The window has drawn its first screen the user can act on. With
/// `SLIPWAY_EXIT_WHEN_READY` set (the startup benchmark), prints how long that took since
/// `main` began and the wall-clock time (so the benchmark can count from the launch, the
/// loading of the libraries included), then quits.
#[tauri::command]
#[allow(clippy::needless_pass_by_value)] // Tauri hands commands their app handle by value.
pub fn window_ready<R: Runtime>(app: tauri::AppHandle<R>) {
    if std::env::var_os("SLIPWAY_EXIT_WHEN_READY").is_some() {
        let millis = crate::STARTED
            .get()
            .map_or(0, |started| started.elapsed().as_millis());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "slipway-desktop: interactive after {millis} ms in main, at {now} ms since 1970"
        );
        let _ = out.flush();
        app.exit(0);
    }
}
