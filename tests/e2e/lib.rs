//! Harness for driving the real Slipway desktop app: a private X server (Xvfb),
//! `tauri-driver` in front of WebKitWebDriver, and a WebDriver session on the app.
//!
//! Everything started here is stopped when the [`Desktop`] is dropped, `tauri-driver`
//! with SIGTERM so it takes WebKitWebDriver down with it.
//!
//! [`world`] holds the outside world a deploy from the app reaches: a DigitalOcean
//! whose droplets are real servers, Let's Encrypt's stand-in, a desktop session with a
//! keychain and a notification service.

pub mod world;

use std::ffi::OsString;
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
        .args([&display, "-screen", "0", "1280x1800x24", "-nolisten", "tcp"])
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

/// How the app is started: the environment it sees beyond the display, and where its
/// output goes.
#[derive(Debug, Default)]
pub struct Launch {
    env: Vec<(OsString, OsString)>,
    output: Option<PathBuf>,
}

impl Launch {
    /// The defaults: a fresh data folder, output shown with the test's.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one environment variable for the app (and the driver that starts it).
    #[must_use]
    pub fn env(mut self, name: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Sets every variable `command` was given with `Command::env`: the environment a
    /// desktop session gives the programs started in it. Variables it removes stay as
    /// they are.
    #[must_use]
    pub fn envs_of(mut self, command: &Command) -> Self {
        for (name, value) in command.get_envs() {
            if let Some(value) = value {
                self.env.push((name.to_owned(), value.to_owned()));
            }
        }
        self
    }

    /// Sends the app's standard output and error (and the driver's) to `file`.
    #[must_use]
    pub fn output(mut self, file: impl Into<PathBuf>) -> Self {
        self.output = Some(file.into());
        self
    }
}

impl Desktop {
    /// Starts the app under WebDriver and waits for its window.
    pub async fn launch() -> Self {
        Self::launch_with(Launch::new()).await
    }

    /// Starts the app as `launch` says and waits for its window.
    pub async fn launch_with(launch: Launch) -> Self {
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
        let mut driver = Command::new("tauri-driver");
        driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("XDG_DATA_HOME", data.path().join("data"))
            .env("XDG_CACHE_HOME", data.path().join("cache"))
            .envs(launch.env.iter().map(|(name, value)| (name, value)))
            .env("DISPLAY", &display);
        if let Some(path) = &launch.output {
            let file = std::fs::File::create(path)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            let copy = file
                .try_clone()
                .expect("a second handle on the output file");
            driver.stdout(file).stderr(copy);
        } else {
            driver.stdout(Stdio::null()).stderr(Stdio::inherit());
        }
        services.driver = Some(
            driver
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

    /// The element with `data-testid` = `id`, waiting up to `within` for it.
    pub async fn by_test_id_within(
        &self,
        id: &str,
        within: Duration,
    ) -> fantoccini::elements::Element {
        let selector = format!("[data-testid=\"{id}\"]");
        self.client
            .wait()
            .at_most(within)
            .for_element(Locator::Css(&selector))
            .await
            .unwrap_or_else(|error| panic!("no element {selector} within {within:?}: {error}"))
    }

    /// The element `id`, scrolled to the middle of the window so that nothing fixed at
    /// the window's edges (the step's navigation bar) lies over it.
    pub async fn in_view(&self, id: &str) -> fantoccini::elements::Element {
        let element = self.by_test_id(id).await;
        let argument = serde_json::to_value(&element).expect("an element as an argument");
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
                vec![argument],
            )
            .await
            .unwrap_or_else(|error| panic!("scroll to {id}: {error}"));
        element
    }

    /// Types `text` into the field `id` after emptying it, as a person selects what is
    /// there and types over it; the field must then hold exactly `text`.
    pub async fn fill(&self, id: &str, text: &str) {
        use fantoccini::key::Key;
        let field = self.in_view(id).await;
        field.click().await.expect("focus");
        let select_all = format!("{}a{}{}", Key::Control, Key::Null, Key::Backspace);
        field.send_keys(&select_all).await.expect("empty the field");
        field.send_keys(text).await.expect("type");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let value = self
                .by_test_id(id)
                .await
                .prop("value")
                .await
                .expect("value")
                .unwrap_or_default();
            if value == text {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{id} holds {value:?} after typing {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the element `id`.
    pub async fn click(&self, id: &str) {
        self.in_view(id)
            .await
            .click()
            .await
            .unwrap_or_else(|error| panic!("click {id}: {error}"));
    }

    /// Picks the option with `value` in the list `id`.
    pub async fn select(&self, id: &str, value: &str) {
        self.in_view(id)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|error| panic!("{id} has no option {value:?}: {error}"));
    }

    /// The values of the options the list `id` offers.
    pub async fn options(&self, id: &str) -> Vec<String> {
        let mut values = Vec::new();
        for option in self
            .by_test_id(id)
            .await
            .find_all(Locator::Css("option"))
            .await
            .expect("options")
        {
            if let Some(value) = option.attr("value").await.expect("value") {
                values.push(value);
            }
        }
        values
    }

    /// Waits until the heading of the screen on show is `title`.
    pub async fn until_heading(&self, title: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let shown = match self.client.find(Locator::Id("step-title")).await {
                Ok(heading) => heading.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if shown == title {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the screen shows {shown:?}, not {title:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG of the window as `path`.
    pub async fn screenshot(&self, path: &Path) {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).expect("screenshot folder");
        }
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
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
