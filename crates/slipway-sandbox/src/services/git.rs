//! A git server sandbox servers clone from: `git daemon` serving bare repositories made
//! from fixture folders, on a port of the host that every sandbox network reaches.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{SandboxError, cmd};

/// A running `git daemon`; stops when dropped.
pub struct GitServer {
    root: PathBuf,
    /// The port it listens on, on every host address.
    pub port: u16,
    daemon: Child,
}

impl GitServer {
    /// Serves the bare repositories under `root` (created if missing).
    pub fn start(root: &Path) -> Result<Self, SandboxError> {
        fs::create_dir_all(root).map_err(|e| SandboxError::io(root, e))?;
        let port = TcpListener::bind("0.0.0.0:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| SandboxError::io(root, e))?
            .port();
        let daemon = Command::new("git")
            .arg("daemon")
            .arg("--reuseaddr")
            .arg("--export-all")
            .arg(format!("--base-path={}", root.display()))
            .arg(format!("--port={port}"))
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| SandboxError::Spawn {
                command: "git daemon".into(),
                source,
            })?;
        let server = Self {
            root: root.to_owned(),
            port,
            daemon,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(SandboxError::Command {
                    command: "git daemon".into(),
                    status: None,
                    stderr: format!("did not listen on port {port} within 10 s"),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// Publishes the files of `source` as repository `name` with one commit on `main`,
    /// and returns that commit.
    pub fn publish(&self, name: &str, source: &Path) -> Result<String, SandboxError> {
        let work = self.root.join(format!(".work-{name}"));
        let _ = fs::remove_dir_all(&work);
        cmd::run("cp", ["-r".as_ref(), source.as_os_str(), work.as_os_str()])?;
        let git = |args: &[&str]| {
            let mut command = Command::new("git");
            command
                .arg("-C")
                .arg(&work)
                .args([
                    "-c",
                    "user.name=Slipway",
                    "-c",
                    "user.email=sandbox@slipway.test",
                ])
                .args(args);
            cmd::output(command)
        };
        git(&["init", "-q", "-b", "main"])?;
        git(&["add", "-A"])?;
        git(&["commit", "-q", "-m", "Publish"])?;
        let head = String::from_utf8_lossy(&git(&["rev-parse", "HEAD"])?.stdout)
            .trim()
            .to_owned();
        let bare = self.root.join(format!("{name}.git"));
        let _ = fs::remove_dir_all(&bare);
        cmd::run(
            "git",
            [
                "clone".as_ref(),
                "-q".as_ref(),
                "--bare".as_ref(),
                work.as_os_str(),
                bare.as_os_str(),
            ],
        )?;
        let _ = fs::remove_dir_all(&work);
        Ok(head)
    }

    /// The URL a sandbox server clones `name` from, through its host-side address.
    pub fn url(&self, host_address: std::net::Ipv4Addr, name: &str) -> String {
        format!("git://{host_address}:{}/{name}.git", self.port)
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
