//! The world a first deploy from the app reaches, all on this machine and all real but
//! the cloud's API: a DigitalOcean account (the contract-checking fake) whose droplets
//! boot real Debian servers and whose address records are served by the DNS that
//! Pebble (a real ACME server, standing in for Let's Encrypt) and Slipway's DNS check
//! ask; a desktop session with its own D-Bus, an unlocked GNOME Keyring, and a
//! notification service that records what it is asked to show; and a Flask project
//! committed to git.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use slipway_cloud::fake::sandbox::SandboxCloud;
use slipway_notify::probe::{Notice, NotificationRecorder};
use slipway_sandbox::services::desktop::DesktopSession;

use crate::{Launch, workspace};

/// The site's name, a domain in the DigitalOcean account.
pub const DOMAIN: &str = "shop.example.test";
/// Its `www.` name.
pub const WWW: &str = "www.shop.example.test";

/// Runs git in `dir` as a user with a name would; it must succeed.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Ana", "-c", "user.email=ana@example.test"])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// Everything a deploy from the app talks to. Close the app before dropping this: its
/// session, its servers and its account go with it.
pub struct World {
    /// The desktop's notification service, on the session bus while it lives.
    notifications: NotificationRecorder,
    session: DesktopSession,
    /// The DigitalOcean account, its droplets' servers, and Pebble with the DNS it asks.
    pub cloud: SandboxCloud,
    project: PathBuf,
    work: tempfile::TempDir,
}

impl World {
    /// Starts the world and lays out the project: the Flask fixture committed to git,
    /// with a `slipway.toml` holding only what the wizard leaves to an expert (which
    /// certificate authority, with which root; which resolvers; how long to wait for
    /// DNS). Everything else is left for the wizard.
    pub fn new() -> Self {
        let work = tempfile::tempdir().expect("temp dir");
        let session = DesktopSession::start(&work.path().join("desktop")).expect("keyring");
        let cloud = SandboxCloud::start(work.path(), DOMAIN);

        let mut bus = Command::new("true");
        session.apply(&mut bus);
        let address = bus
            .get_envs()
            .find(|(name, _)| *name == "DBUS_SESSION_BUS_ADDRESS")
            .and_then(|(_, value)| value)
            .expect("the session has a bus")
            .to_string_lossy()
            .into_owned();
        let notifications = NotificationRecorder::at(&address)
            .expect("own org.freedesktop.Notifications on the session bus");

        let project = work.path().join("shop");
        let copied = Command::new("cp")
            .arg("-r")
            .arg(workspace().join("crates/slipway-spec/tests/fixtures/flask-app"))
            .arg(&project)
            .status()
            .expect("cp runs");
        assert!(copied.success());
        git(&project, &["init", "-q"]);
        git(&project, &["add", "-A"]);
        git(&project, &["commit", "-qm", "First version"]);
        let spec = format!(
            "# The app's settings are chosen in Slipway's window.\n\
             [app]\nname = \"\"\nframework = \"\"\nentry = \"\"\ninterface = \"\"\n\
             dependencies = \"\"\n\n\
             # DNS answers come from this resolver, and a deploy waits a minute for them.\n\
             [domain]\nname = \"\"\nresolvers = [\"127.0.0.1:{dns}\"]\ndns_wait = 60\n\n\
             # Certificates come from this ACME directory, whose root is in this file.\n\
             [tls]\nemail = \"\"\nacme = \"{directory}\"\nca_bundle = \"{ca}\"\n",
            dns = cloud.acme.dns_port,
            directory = cloud.acme.directory(),
            ca = cloud.ca_bundle.display(),
        );
        std::fs::write(project.join("slipway.toml"), spec).expect("slipway.toml");
        for folder in ["app/home", "app/data", "app/config", "app/cache"] {
            std::fs::create_dir_all(work.path().join(folder)).expect("app folder");
        }

        Self {
            notifications,
            session,
            cloud,
            project,
            work,
        }
    }

    /// The project folder.
    pub fn project(&self) -> &Path {
        &self.project
    }

    /// Replaces `find` with `replace` in the project's file `file` and commits the change,
    /// as the developer does between two deploys.
    pub fn commit_change(&self, file: &str, find: &str, replace: &str, message: &str) {
        let path = self.project.join(file);
        let text = std::fs::read_to_string(&path).expect("the project's file");
        assert!(text.contains(find), "{find:?} is not in {file}");
        std::fs::write(&path, text.replace(find, replace)).expect("change the file");
        git(&self.project, &["commit", "-qm", message, "--", file]);
    }

    /// The folder holding the app's home and its XDG data, config and cache folders.
    pub fn app_folders(&self) -> PathBuf {
        self.work.path().join("app")
    }

    /// Where the app keeps each project's runs and their logs: `$XDG_DATA_HOME/slipway`.
    pub fn app_data(&self) -> PathBuf {
        self.app_folders().join("data/slipway")
    }

    /// Where the app pins servers' host keys.
    pub fn known_hosts(&self) -> PathBuf {
        self.work.path().join("known_hosts")
    }

    /// Where the app's standard output and error go.
    pub fn app_output(&self) -> PathBuf {
        self.work.path().join("app-output.log")
    }

    /// How the app is started in this world: in the desktop session (its bus, keychain
    /// and notification service), with its own home and XDG folders, talking to the
    /// fake DigitalOcean and pinning host keys in [`World::known_hosts`].
    pub fn launch(&self) -> Launch {
        let app = self.app_folders();
        let mut session = Command::new("true");
        self.session.apply(&mut session);
        Launch::new()
            .envs_of(&session)
            .env("HOME", app.join("home"))
            .env("XDG_DATA_HOME", app.join("data"))
            .env("XDG_CONFIG_HOME", app.join("config"))
            .env("XDG_CACHE_HOME", app.join("cache"))
            .env(
                "SLIPWAY_DIGITALOCEAN_API",
                self.cloud.fake.base_url().as_str(),
            )
            .env("SLIPWAY_KNOWN_HOSTS", self.known_hosts())
            .output(self.app_output())
    }

    /// The account's read and write API token, as the user copies it from DigitalOcean.
    pub fn token(&self) -> String {
        self.cloud.fake.token().expose().clone()
    }

    /// What the keychain holds for the project's secret `name`, read by libsecret's
    /// `secret-tool`, a client independent of Slipway.
    pub fn keychain(&self, project: &str, name: &str) -> Output {
        let mut lookup = Command::new("secret-tool");
        self.session
            .apply(&mut lookup)
            .args(["lookup", "service", "slipway", "username"])
            .arg(format!("{project}/{name}"));
        lookup.output().expect("secret-tool runs")
    }

    /// Every notification the desktop was asked to show.
    pub fn notices(&self) -> Vec<Notice> {
        self.notifications.notices()
    }

    /// The addresses of the servers the account's droplets booted.
    pub fn servers(&self) -> Vec<Ipv4Addr> {
        self.cloud.droplets.addresses()
    }

    /// `curl https://NAME/PATH` at `address`, trusting only the root Pebble issues
    /// certificates under: (whether curl succeeded, the response head and body).
    pub fn https(&self, name: &str, path: &str, address: Ipv4Addr) -> (bool, String) {
        let root = self.work.path().join("pebble-root.pem");
        std::fs::write(&root, self.cloud.acme.issuing_root().expect("root")).expect("write root");
        let output = Command::new("curl")
            .args(["--silent", "--show-error", "--include", "--max-time", "10"])
            .arg("--cacert")
            .arg(&root)
            .args(["--resolve", &format!("{name}:443:{address}")])
            .arg(format!("https://{name}{path}"))
            .output()
            .expect("curl runs");
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        (output.status.success(), text)
    }

    /// Every file under `folder` (not following links) whose bytes contain `needle`.
    pub fn files_containing(folder: &Path, needle: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut pending = vec![folder.to_owned()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    pending.push(path);
                } else if kind.is_file()
                    && std::fs::read(&path).is_ok_and(|bytes| {
                        bytes
                            .windows(needle.len())
                            .any(|window| window == needle.as_bytes())
                    })
                {
                    found.push(path);
                }
            }
        }
        found
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // The servers go first, while the account that made them is still there.
        self.cloud.droplets.tear_down();
        // A failed test has already said what went wrong; the account's own complaint
        // on top of it would abort the run before the rest is cleaned up.
        if std::thread::panicking() {
            let _ = self.cloud.fake.take_violations();
        }
    }
}
