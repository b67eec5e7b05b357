//! Real servers: boot, reach, use and remove them, as the deploy tests will.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use slipway_sandbox::{Sandbox, Server, ServerOptions};

pub fn sandbox() -> Sandbox {
    Sandbox::from_env()
}

pub fn stdout(server: &Server, script: &str) -> String {
    let output = server
        .ssh(script)
        .unwrap_or_else(|e| panic!("{script}: {e}"));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Asserts that nothing of server `name` is left on the host.
fn assert_gone(name: &str, nspawn: Option<u32>, sandbox_dir: &Path) {
    let veth = Command::new("ip")
        .args(["link", "show", &format!("vh-{name}")])
        .output()
        .expect("ip");
    assert!(!veth.status.success(), "the veth of {name} is still there");
    assert!(
        !Path::new(&format!("/run/netns/{name}")).exists(),
        "the namespace of {name} is still there"
    );
    if let Some(pid) = nspawn {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists() || is_zombie(pid),
            "nspawn {pid} still runs"
        );
    }
    assert!(
        !sandbox_dir.join("servers").join(name).exists(),
        "the files of {name} are still there"
    );
    for table in ["nat", "filter"] {
        let rules = Command::new("iptables")
            .args(["-t", table, "-S"])
            .output()
            .expect("iptables");
        let rules = String::from_utf8_lossy(&rules.stdout);
        assert!(
            !rules.contains(&format!("slipway-sandbox:{name}")),
            "a rule of {name} is left:\n{rules}"
        );
    }
    let mounts = std::fs::read_to_string("/proc/self/mounts").expect("mounts");
    assert!(
        !mounts.contains(&format!("/servers/{name}/")),
        "the overlay of {name} is still mounted"
    );
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
}

fn sandbox_dir() -> std::path::PathBuf {
    std::env::var_os("SLIPWAY_SANDBOX_DIR")
        .map_or_else(|| slipway_sandbox::DEFAULT_DIR.into(), Into::into)
}

#[test]
fn a_server_boots_installs_packages_and_leaves_nothing_behind() {
    let server = sandbox().server(&ServerOptions::default()).expect("boots");
    let name = server.name().to_owned();
    let nspawn = sandbox()
        .list()
        .into_iter()
        .find(|r| r.name == name)
        .and_then(|r| r.nspawn);

    let state = stdout(&server, "systemctl is-system-running");
    assert!(
        state == "running" || state == "degraded",
        "systemd says {state}"
    );
    assert_eq!(stdout(&server, "hostname"), name);
    assert_eq!(stdout(&server, "ps -p 1 -o comm="), "systemd");

    stdout(
        &server,
        "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx python3-venv",
    );
    assert_eq!(stdout(&server, "systemctl is-active nginx"), "active");
    assert!(stdout(&server, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/ || python3 -c \"import urllib.request;print(urllib.request.urlopen('http://127.0.0.1/').status)\"").ends_with("200"));
    let version = stdout(
        &server,
        "python3 -m venv /opt/venv && /opt/venv/bin/pip install -q six==1.16.0 && /opt/venv/bin/python -c 'import six; print(six.__version__)'",
    );
    assert_eq!(version, "1.16.0");

    drop(server);
    assert_gone(&name, nspawn, &sandbox_dir());
}

#[test]
fn two_servers_run_side_by_side_each_with_its_own_address() {
    let first = sandbox()
        .server(&ServerOptions::default())
        .expect("first boots");
    let second = sandbox()
        .server(&ServerOptions::default())
        .expect("second boots");
    assert_ne!(first.address, second.address);
    assert_ne!(
        first.host_key, second.host_key,
        "each server has its own host key"
    );
    for (server, other) in [(&first, &second), (&second, &first)] {
        let addresses = stdout(server, "ip -4 -o addr show dev eth0");
        assert!(
            addresses.contains(&format!("{}/24", server.address)),
            "{addresses}"
        );
        assert!(
            !addresses.contains(&other.address.to_string()),
            "{addresses}"
        );
        assert_eq!(stdout(server, "hostname"), server.name());
    }
    let (a, b) = (first.name().to_owned(), second.name().to_owned());
    first.down().expect("first down");
    second.down().expect("second down");
    assert_gone(&a, None, &sandbox_dir());
    assert_gone(&b, None, &sandbox_dir());
}

/// Re-run of this test binary as the child that boots a server and is then killed.
#[test]
fn a_killed_run_is_reaped_by_the_next() {
    if let Some(report) = std::env::var_os("SLIPWAY_SANDBOX_CHILD") {
        let server = sandbox()
            .server(&ServerOptions::default())
            .expect("child boots");
        std::fs::write(report, server.name()).expect("report the server");
        std::thread::sleep(Duration::from_mins(2));
        return;
    }
    let report = tempfile::NamedTempFile::new().expect("report file");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "servers::a_killed_run_is_reaped_by_the_next",
            "--test-threads=1",
        ])
        .env("SLIPWAY_SANDBOX_CHILD", report.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    let name = loop {
        let name = std::fs::read_to_string(report.path()).unwrap_or_default();
        if !name.is_empty() {
            break name;
        }
        assert!(
            Instant::now() < deadline,
            "the child booted no server in 90 s"
        );
        assert!(
            child.try_wait().expect("child state").is_none(),
            "the child stopped early"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().expect("SIGKILL the child");
    child.wait().expect("reaped");
    let record = sandbox()
        .list()
        .into_iter()
        .find(|r| r.name == name)
        .expect("left behind");
    assert!(
        Path::new(&format!("/run/netns/{name}")).exists(),
        "the killed run left its server"
    );

    let reaped = sandbox().reap();
    assert!(reaped.contains(&name), "reaped {reaped:?}, not {name}");
    assert_gone(&name, record.nspawn, &sandbox_dir());
}
