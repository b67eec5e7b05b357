//! Private D-Bus sessions, with or without a GNOME Keyring of their own, in which
//! `slipway-secrets-probe` runs one keychain scenario.
//!
//! Each [`Session`] has its own directory for `HOME`, the XDG directories and the bus
//! socket, so nothing touches the keychain or the home of whoever runs the tests. The probe
//! refuses to run without [`INSIDE`] set, so running it by hand cannot reach a real
//! keychain either. It prints one JSON line saying whether every check of the scenario
//! held, and which one did not.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

/// Set (to the session directory) for the probe only.
pub const INSIDE: &str = "SLIPWAY_SECRETS_TEST_SESSION";

/// A value unique to the session, which the probe stores and the tests search for on
/// disk.
pub const CANARY: &str = "SLIPWAY_SECRETS_TEST_CANARY";

/// The password the private login keyring is created and unlocked with.
const KEYRING_PASSWORD: &str = "slipway-test-keyring-password";

/// The probe, built by Cargo for these tests.
const PROBE: &str = env!("CARGO_BIN_EXE_slipway-secrets-probe");

/// How long one probe run may take before `timeout` stops it.
const TIMEOUT_SECONDS: &str = "120";

/// Which Secret Service the session has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyring {
    /// None: nothing on the bus provides org.freedesktop.secrets.
    Absent,
    /// GNOME Keyring with its login keyring created (if new) and unlocked.
    Unlocked,
    /// GNOME Keyring started without the password: an existing login keyring stays
    /// locked, and no prompt can be shown to unlock it.
    Locked,
}

/// A private directory, reused by every run of one test.
pub struct Session {
    dir: TempDir,
    canary: String,
}

impl Session {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("slipway-secrets-")
            .tempdir()
            .expect("temporary directory");
        for sub in ["home", "data", "config", "cache", "run"] {
            fs::create_dir(dir.path().join(sub)).expect("session directory");
        }
        fs::set_permissions(dir.path().join("run"), fs::Permissions::from_mode(0o700))
            .expect("XDG_RUNTIME_DIR must be private");
        // The standard session configuration would start any D-Bus service installed on
        // the machine on demand (gnome-keyring itself, its GUI prompter); this one starts
        // nothing, so the session has exactly the services a test starts.
        fs::write(
            dir.path().join("bus.conf"),
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                dir.path().join("run").display()
            ),
        )
        .expect("bus configuration");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_nanos();
        let canary = format!("canary{}x{nanos}", std::process::id());
        Self { dir, canary }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn canary(&self) -> &str {
        &self.canary
    }

    /// Runs the probe's `scenario` inside a new private session bus with `keyring`, with
    /// `env` added to its environment, and asserts that it ran and every check held.
    pub fn run(&self, keyring: Keyring, scenario: &str, env: &[(&str, &str)]) {
        require("dbus-run-session", "dbus");
        if keyring != Keyring::Absent {
            require("gnome-keyring-daemon", "gnome-keyring");
            require("dbus-send", "dbus");
            require("secret-tool", "libsecret-tools");
        }
        let start_keyring = match keyring {
            Keyring::Absent => "",
            Keyring::Unlocked => {
                r#"printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --foreground --unlock --components=secrets >"$XDG_RUNTIME_DIR/keyring.log" 2>&1 &"#
            }
            Keyring::Locked => {
                r#"gnome-keyring-daemon --foreground --components=secrets </dev/null >"$XDG_RUNTIME_DIR/keyring.log" 2>&1 &"#
            }
        };
        // The daemon runs in the foreground so the script knows its pid and stops it
        // before the session ends; the probe starts once it owns org.freedesktop.secrets.
        let script = format!(
            r#"{start_keyring}
keyring=$!
if [ -n "$keyring" ]; then
  tries=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
    tries=$((tries + 1))
    if [ "$tries" -gt 200 ] || ! kill -0 "$keyring" 2>/dev/null; then
      echo "gnome-keyring-daemon did not come up on the session bus:" >&2
      cat "$XDG_RUNTIME_DIR/keyring.log" >&2
      kill "$keyring" 2>/dev/null
      exit 97
    fi
    sleep 0.05
  done
fi
"$@"
status=$?
if [ -n "$keyring" ]; then kill "$keyring"; wait "$keyring"; fi
exit $status
"#
        );
        let config = format!("--config-file={}", self.path().join("bus.conf").display());
        let mut command = self.command(
            &["dbus-run-session", &config, "--", "sh", "-c", &script, "sh"],
            scenario,
            env,
        );
        command.env("KEYRING_PASSWORD", KEYRING_PASSWORD);
        check(
            scenario,
            &command.output().expect("dbus-run-session starts"),
        );
    }

    /// Runs the probe's `scenario` with no session bus: `DBUS_SESSION_BUS_ADDRESS` set to
    /// `address`, or unset when `address` is `None` (the private `XDG_RUNTIME_DIR` has no
    /// `bus` socket to fall back on).
    pub fn run_without_bus(&self, scenario: &str, address: Option<&str>, env: &[(&str, &str)]) {
        let mut command = self.command(&[], scenario, env);
        match address {
            Some(address) => command.env("DBUS_SESSION_BUS_ADDRESS", address),
            None => command.env_remove("DBUS_SESSION_BUS_ADDRESS"),
        };
        check(scenario, &command.output().expect("the probe starts"));
    }

    /// Runs the probe's `scenario` as [`Session::run_without_bus`] does, on a bus address
    /// that leads nowhere, but without [`INSIDE`]: what running it by hand looks like.
    pub fn run_outside(&self, scenario: &str) -> Output {
        let nothing = format!("unix:path={}", self.path().join("run/no-bus").display());
        let mut command = self.command(&[], scenario, &[]);
        command
            .env_remove(INSIDE)
            .env_remove(CANARY)
            .env("DBUS_SESSION_BUS_ADDRESS", nothing);
        command.output().expect("the probe starts")
    }

    /// The probe with `scenario`, run through `wrapper` under `timeout`, with the session's
    /// private directories and `env`.
    fn command(&self, wrapper: &[&str], scenario: &str, env: &[(&str, &str)]) -> Command {
        let dir = self.path();
        let mut command = Command::new("timeout");
        command
            .args(["--kill-after=5", TIMEOUT_SECONDS])
            .args(wrapper)
            .arg(PROBE)
            .arg(scenario)
            .env(INSIDE, dir)
            .env(CANARY, &self.canary)
            .env("HOME", dir.join("home"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_RUNTIME_DIR", dir.join("run"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        // Secrets in the tests' environment must not leak into (or satisfy) the probe.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SLIPWAY_SECRET_") {
                command.env_remove(name);
            }
        }
        for (name, value) in env {
            command.env(name, value);
        }
        command
    }

    /// Every regular file under the session directory.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut dirs = vec![self.path().to_owned()];
        while let Some(dir) = dirs.pop() {
            for entry in fs::read_dir(&dir).expect("readable directory") {
                let path = entry.expect("directory entry").path();
                let meta = fs::symlink_metadata(&path).expect("file metadata");
                if meta.is_dir() {
                    dirs.push(path);
                } else if meta.is_file() {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }
}

/// Asserts that the probe ran `scenario` and reported every check as held.
fn check(scenario: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let passed = format!(r#"{{"scenario":"{scenario}","outcome":"passed"}}"#);
    assert!(
        output.status.success() && stdout.lines().any(|line| line == passed),
        "the keychain scenario {scenario} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
}

/// Fails with the command that installs `program` when it is missing.
fn require(program: &str, package: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| dir.join(program).is_file());
    assert!(
        found,
        "{program} is not installed, and the keychain tests need a real Secret Service in a \
         private D-Bus session. Install it with: apt-get install {package} \
         (all of them: apt-get install gnome-keyring dbus libsecret-tools)"
    );
}
