//! Deploys of the Flask fixture with `slipway`, as a user runs them, on sandbox servers:
//! direct and through a 50 ms round-trip latency proxy, median of 5 (`SLIPWAY_BENCH_RUNS`
//! changes the count). Each figure is the command's whole wall time, connection included,
//! with the round trips it reported.
//!
//! - first deploy, on a fresh server each time, against the floor: the same package and
//!   dependency installs typed by hand over plain SSH;
//! - no-op redeploy; code-change redeploy; dependency-change redeploy with uv and with
//!   pip; rollback right after a deploy, and once the previous instance has stopped.
//!
//! Run as root: `cargo bench -p slipway-cli --bench deploy`.

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use slipway_sandbox::services::latency::{DEFAULT_ONE_WAY, LatencyProxy};
use slipway_sandbox::{Sandbox, Server, ServerOptions};
use support::git;

fn runs() -> usize {
    std::env::var("SLIPWAY_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
}

/// The Flask fixture under git, with a spec aimed at `address`.
struct Project {
    _temp: tempfile::TempDir,
    dir: PathBuf,
}

impl Project {
    fn new(server: &Server, address: SocketAddr, installer: &str) -> Self {
        let (temp, dir) = support::fixture("flask-app", "shop");
        git(&dir, &["init", "-q"]);
        git(&dir, &["add", "."]);
        git(&dir, &["commit", "-qm", "First"]);
        let project = Self { _temp: temp, dir };
        let (ok, out) = project.slipway(&["init"]);
        assert!(ok, "{out}");
        let spec = std::fs::read_to_string(project.dir.join("slipway.toml")).expect("spec");
        let spec = spec.replace("health = \"/\"\n", "");
        let spec = spec.replacen(
            "[app]\n",
            &format!("[app]\nhealth = \"/health\"\ninstaller = \"{installer}\"\n"),
            1,
        );
        let spec = format!(
            "{spec}\n[server]\nhost = \"{}\"\nport = {}\nkey = \"{}\"\n{}",
            address.ip(),
            address.port(),
            server.key().display(),
            support::HARDEN_OFF
        );
        std::fs::write(project.dir.join("slipway.toml"), spec).expect("spec");
        project
    }

    fn slipway(&self, args: &[&str]) -> (bool, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_slipway"))
            .arg("--trust")
            .args(args)
            .current_dir(&self.dir)
            .env("SLIPWAY_KNOWN_HOSTS", self.dir.join("../known_hosts"))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("slipway");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// Runs a `slipway` command that must succeed: (wall time, round trips reported).
    fn timed(&self, args: &[&str]) -> (Duration, usize) {
        let started = Instant::now();
        let (ok, out) = self.slipway(args);
        let took = started.elapsed();
        assert!(ok, "slipway {args:?}:\n{out}");
        let trips = out
            .lines()
            .find_map(|l| l.split_once(" round trips to the server"))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or(0);
        (took, trips)
    }

    fn commit_change(&self, file: &str, line: &str) {
        let path = self.dir.join(file);
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str(line);
        std::fs::write(&path, text).expect("write");
        git(&self.dir, &["add", file]);
        git(&self.dir, &["commit", "-qm", "Change"]);
    }
}

/// A fresh sandbox server, and where to reach its SSH port for `mode`.
struct Target {
    server: Server,
    _proxy: Option<LatencyProxy>,
    address: SocketAddr,
}

fn target(latency: bool) -> Target {
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let direct: SocketAddr = (server.address, 22).into();
    if !latency {
        return Target {
            server,
            _proxy: None,
            address: direct,
        };
    }
    let proxy = LatencyProxy::start(
        "127.0.0.1:0".parse().expect("address"),
        direct,
        DEFAULT_ONE_WAY,
    )
    .expect("proxy");
    let address = proxy.address;
    Target {
        server,
        _proxy: Some(proxy),
        address,
    }
}

fn report(mode: &str, scenario: &str, mut samples: Vec<(Duration, usize)>) {
    samples.sort();
    let n = samples.len();
    let secs = |d: Duration| d.as_secs_f64();
    println!(
        "{mode:<8} {scenario:<34} median {:>6.2} s  (min {:.2}, max {:.2})  {} round trips",
        secs(samples[n / 2].0),
        secs(samples[0].0),
        secs(samples[n - 1].0),
        samples[n / 2].1
    );
}

/// The installs a person would type over plain SSH to get the same packages and
/// dependencies onto a fresh server, uv fetched the same way Slipway fetches it.
fn floor(target: &Target) -> Duration {
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../slipway-spec/tests/fixtures/flask-app/requirements/base.txt");
    let requirements = std::fs::read_to_string(requirements).expect("requirements");
    let script = format!(
        "set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null; \
         apt-get install -y -q --no-install-recommends python3 python3-venv nginx ca-certificates >/dev/null; \
         python3 -c {fetch} 0.13.9 /opt/uv; \
         /opt/uv/bin/uv venv -q --python /usr/bin/python3 /srv/venv; \
         printf '{requirements}gunicorn\\n' > /srv/req.txt; \
         /opt/uv/bin/uv pip install -q --system-certs --python /srv/venv/bin/python -r /srv/req.txt",
        fetch = slipway_engine::quote(slipway_steps::release::FETCH_UV).expect("quotable"),
    );
    let started = Instant::now();
    let status = Command::new("ssh")
        .args(["-i"])
        .arg(target.server.key())
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-p",
            &target.address.port().to_string(),
            &format!("root@{}", target.address.ip()),
            &script,
        ])
        .status()
        .expect("ssh");
    assert!(status.success(), "the floor's installs");
    started.elapsed()
}

fn main() {
    let runs = runs();
    for (mode, latency) in [("direct", false), ("50 ms", true)] {
        let mut firsts = Vec::new();
        let mut floors = Vec::new();
        for _ in 0..runs {
            let fresh = target(latency);
            let project = Project::new(&fresh.server, fresh.address, "uv");
            firsts.push(project.timed(&["deploy", "--yes"]));
            let bare = target(latency);
            floors.push((floor(&bare), 0));
        }
        report(mode, "first deploy", firsts);
        report(mode, "floor: the same installs by hand", floors);

        let live = target(latency);
        let project = Project::new(&live.server, live.address, "uv");
        project.timed(&["deploy", "--yes"]);
        report(
            mode,
            "no-op redeploy",
            (0..runs)
                .map(|_| project.timed(&["deploy", "--yes"]))
                .collect(),
        );
        let changes = (0..runs)
            .map(|i| {
                project.commit_change("app.py", &format!("\n# change {i}\n"));
                project.timed(&["deploy", "--yes"])
            })
            .collect();
        report(mode, "code-change redeploy", changes);
        let warm = (0..runs)
            .map(|i| {
                // Alternate back and forth between the two newest releases.
                if i % 2 == 0 {
                    project.timed(&["rollback", "--yes"])
                } else {
                    let (_, list) = project.slipway(&["releases"]);
                    let newest = list
                        .lines()
                        .find_map(|l| l.split_whitespace().find(|w| w.len() > 20))
                        .expect("a release")
                        .to_owned();
                    project.timed(&["rollback", "--yes", "--to", &newest])
                }
            })
            .collect();
        report(mode, "rollback, previous instance warm", warm);
        std::thread::sleep(Duration::from_secs(35));
        report(
            mode,
            "rollback, previous instance stopped",
            vec![project.timed(&["rollback", "--yes"])],
        );
        for installer in ["uv", "pip"] {
            let server = target(latency);
            let project = Project::new(&server.server, server.address, installer);
            project.timed(&["deploy", "--yes"]);
            let samples = (0..runs)
                .map(|i| {
                    project.commit_change("requirements/base.txt", &format!("# set {i}\n"));
                    project.timed(&["deploy", "--yes"])
                })
                .collect();
            report(
                mode,
                &format!("dependency-change redeploy, {installer}"),
                samples,
            );
        }
    }
}
