//! A private desktop session for tests: its own D-Bus session bus, which starts nothing
//! on demand, with GNOME Keyring's Secret Service unlocked on it, and private `HOME` and
//! XDG folders. Programs run with [`DesktopSession::apply`] see the session as a user's
//! desktop login would give it to them, and nothing of the machine's own.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{SandboxError, cmd};

/// The password the session's keyring is created and unlocked with.
const KEYRING_PASSWORD: &str = "slipway-sandbox-keyring";

/// The bus and the keyring; both stop when dropped.
pub struct DesktopSession {
    dir: PathBuf,
    address: String,
    bus: Child,
    keyring: Option<Child>,
}

impl DesktopSession {
    /// Starts a session bus and an unlocked keyring, keeping their files in `dir`.
    pub fn start(dir: &Path) -> Result<Self, SandboxError> {
        for (program, package) in [
            ("dbus-daemon", "dbus"),
            ("dbus-send", "dbus"),
            ("gnome-keyring-daemon", "gnome-keyring"),
        ] {
            if !cmd::exists(program) {
                return Err(SandboxError::Missing { program, package });
            }
        }
        for sub in ["home", "data", "config", "cache", "run"] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(|e| SandboxError::io(&path, e))?;
        }
        let run = dir.join("run");
        fs::set_permissions(&run, fs::Permissions::from_mode(0o700))
            .map_err(|e| SandboxError::io(&run, e))?;
        // The standard session configuration starts any service installed on the machine
        // on demand; this one starts nothing, so the session has only what is started here.
        let config = dir.join("bus.conf");
        fs::write(
            &config,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n<busconfig>\n  \
                 <type>session</type>\n  <listen>unix:dir={}</listen>\n  <auth>EXTERNAL</auth>\n  \
                 <policy context=\"default\">\n    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n    \
                 <allow eavesdrop=\"true\"/>\n    <allow own=\"*\"/>\n  </policy>\n</busconfig>\n",
                run.display()
            ),
        )
        .map_err(|e| SandboxError::io(&config, e))?;
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| SandboxError::Spawn {
                command: "dbus-daemon".into(),
                source,
            })?;
        let mut address = String::new();
        if let Some(out) = bus.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut address);
        }
        let address = address.trim().to_owned();
        if address.is_empty() {
            let _ = bus.kill();
            let _ = bus.wait();
            return Err(SandboxError::Command {
                command: "dbus-daemon".into(),
                status: None,
                stderr: "printed no bus address".into(),
            });
        }
        let log = dir.join("keyring.log");
        let log_file = fs::File::create(&log).map_err(|e| SandboxError::io(&log, e))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| SandboxError::io(&log, e))?;
        let mut session = Self {
            dir: dir.to_owned(),
            address,
            bus,
            keyring: None,
        };
        let mut keyring = Command::new("gnome-keyring-daemon");
        session
            .apply(&mut keyring)
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(log_file)
            .stderr(log_err);
        let mut keyring = keyring.spawn().map_err(|source| SandboxError::Spawn {
            command: "gnome-keyring-daemon".into(),
            source,
        })?;
        // The password arrives on stdin; closing it tells the daemon it is complete.
        if let Some(mut stdin) = keyring.stdin.take() {
            let _ = stdin.write_all(KEYRING_PASSWORD.as_bytes());
        }
        session.keyring = Some(keyring);
        session.wait_for_keyring(&log)?;
        Ok(session)
    }

    /// Gives `command` the session: its bus, its keyring, its private folders.
    pub fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", self.dir.join("home"))
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("XDG_CACHE_HOME", self.dir.join("cache"))
            .env("XDG_RUNTIME_DIR", self.dir.join("run"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
    }

    /// The session's folder: its keyring file, `HOME` and XDG folders.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn wait_for_keyring(&self, log: &Path) -> Result<(), SandboxError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut ask = Command::new("dbus-send");
            self.apply(&mut ask).args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ]);
            let owned = ask
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"));
            if owned {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(SandboxError::Command {
                    command: "gnome-keyring-daemon".into(),
                    status: None,
                    stderr: cmd::tail(&fs::read_to_string(log).unwrap_or_default(), 10),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for DesktopSession {
    fn drop(&mut self) {
        for child in self.keyring.iter_mut().chain([&mut self.bus]) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
