//! Harness for driving the real Slipway desktop app: a private X server (Xvfb),
//! `tauri-driver` in front of WebKitWebDriver, and a WebDriver session on the app.
//!
//! Everything started here is stopped when the [`Desktop`] is dropped, `tauri-driver`
//! with SIGTERM so it takes WebKitWebDriver down with it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// The desktop app under test, with the processes that drive it.
pub struct Desktop {
    /// The WebDriver session on the app's window.
    pub client: Client,
    _services: Services,
    /// The app's own data (the web view's storage, where wizard drafts live), fresh for
    /// each launch so no run sees another's drafts.
    _data: tempfile::TempDir,
}

/// The display and driver processes, stopped when dropped, even when a test panics
/// half-way through starting them.
struct Services {
    driver: Option<Child>,
    xvfb: Option<Child>,
}

impl Drop for Services {
    fn drop(&mut self) {
        for child in [self.driver.as_mut(), self.xvfb.as_mut()]
            .into_iter()
            .flatten()
        {
            terminate(child);
        }
    }
}

/// The workspace's root folder.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The desktop binary: `SLIPWAY_DESKTOP_BIN`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    std::env::var_os("SLIPWAY_DESKTOP_BIN").map_or_else(
        || workspace().join("target/debug/slipway-desktop"),
        PathBuf::from,
    )
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").port()
}

/// Starts a private Xvfb unless a display is already there; returns it and its name.
fn start_display() -> (Option<Child>, String) {
    if let Some(display) = std::env::var_os("DISPLAY") {
        return (None, display.to_string_lossy().into_owned());
    }
    let number = 90 + (std::process::id() % 400);
    let display = format!(":{number}");
    let child = Command::new("Xvfb")
        .args([&display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts (apt-get install xvfb)");
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "Xvfb did not open {display} within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Some(child), display)
}

impl Desktop {
    /// Starts the app under WebDriver and waits for its window.
    pub async fn launch() -> Self {
        let binary = app_binary();
        assert!(
            binary.is_file(),
            "{} is missing: build the UI and then `cargo build -p slipway-desktop` first",
            binary.display()
        );
        let data = tempfile::tempdir().expect("a data folder for the app");
        let (xvfb, display) = start_display();
        let mut services = Services { driver: None, xvfb };
        let port = free_port();
        let native_port = free_port();
        services.driver = Some(
            Command::new("tauri-driver")
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native_port.to_string(),
                ])
                .env("DISPLAY", &display)
                .env("XDG_DATA_HOME", data.path().join("data"))
                .env("XDG_CACHE_HOME", data.path().join("cache"))
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("tauri-driver starts (cargo install tauri-driver)"),
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary.canonicalize().expect("binary path") }),
        );
        // tauri-driver listens before WebKitWebDriver behind it does: retry briefly.
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let url = format!("http://127.0.0.1:{port}");
        let client = loop {
            match builder.connect(&url).await {
                Ok(client) => break client,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => panic!("no WebDriver session on the app: {error}"),
            }
        };
        Self {
            client,
            _services: services,
            _data: data,
        }
    }

    /// The element with `data-testid` = `id`, waiting up to 10 s for it.
    pub async fn by_test_id(&self, id: &str) -> fantoccini::elements::Element {
        let selector = format!("[data-testid=\"{id}\"]");
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&selector))
            .await
            .unwrap_or_else(|error| panic!("no element {selector}: {error}"))
    }

    /// Waits until no element has `data-testid` = `id`.
    pub async fn until_gone(&self, id: &str) {
        let selector = format!("[data-testid=\"{id}\"]");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self
            .client
            .find_all(Locator::Css(&selector))
            .await
            .expect("query")
            .is_empty()
        {
            assert!(
                Instant::now() < deadline,
                "{selector} is still shown after 10 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn until_text(&self, id: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.by_test_id(id).await.text().await.unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{id} shows {text:?}, not {needle:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ends the session (closing the app), then stops the driver and display.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// SIGTERM, then wait up to 5 s; SIGKILL would orphan WebKitWebDriver.
fn terminate(child: &mut Child) {
    if child.try_wait().ok().flatten().is_some() {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
