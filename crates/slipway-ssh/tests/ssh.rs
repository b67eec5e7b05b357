//! The SSH remote against real sandbox servers.

use std::process::Command;
use std::time::Duration;

use slipway_engine::{Remote, RemoteError, Stream};
use slipway_sandbox::{Sandbox, Server, ServerOptions};
use slipway_ssh::{Credentials, HostKeyEvent, KnownHosts, SshError, SshRemote, Target, Trust};

const TIMEOUT: Duration = Duration::from_secs(10);

fn boot() -> Server {
    Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("a sandbox server boots")
}

fn root(server: &Server) -> Target {
    Target {
        host: server.address.to_string(),
        port: 22,
        user: "root".into(),
    }
}

fn connect(server: &Server, known: &KnownHosts, trust: &Trust) -> Result<SshRemote, SshError> {
    SshRemote::connect(
        &root(server),
        &Credentials::KeyFile(server.key()),
        known,
        trust,
        TIMEOUT,
    )
}

fn fingerprint(openssh: &str) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("key.pub");
    std::fs::write(&path, openssh).expect("write");
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&path)
        .output()
        .expect("ssh-keygen");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn trust_on_first_use_then_run_scripts_with_streamed_output_and_stdin() {
    let server = boot();
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));

    let mut remote = connect(&server, &known, &Trust::FirstUse).expect("connects");
    assert_eq!(
        remote.host_key,
        HostKeyEvent::Trusted {
            fingerprint: fingerprint(&server.host_key)
        }
    );

    let mut lines = Vec::new();
    let exit = remote
        .run(
            "echo one; echo oops >&2; printf 'two\\nthree'; exit 3",
            None,
            TIMEOUT,
            &mut |s, l| {
                lines.push((s, l.to_owned()));
            },
        )
        .expect("runs");
    assert_eq!(exit.status, 3);
    assert_eq!(exit.stdout, "one\ntwo\nthree");
    assert_eq!(exit.stderr, "oops\n");
    assert!(
        lines.contains(&(Stream::Stdout, "three".into())),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(Stream::Stderr, "oops".into())),
        "{lines:?}"
    );

    let payload = b"line with 'quotes' and $(no expansion)\n";
    let exit = remote
        .run(
            "cat > /tmp/upload && cat /tmp/upload",
            Some(payload),
            TIMEOUT,
            &mut |_, _| {},
        )
        .expect("uploads");
    assert_eq!(exit.stdout.as_bytes(), payload);

    let error = remote
        .run("sleep 5", None, Duration::from_millis(300), &mut |_, _| {})
        .expect_err("timeout");
    assert!(matches!(error, RemoteError::Timeout(_)), "{error}");
    let exit = remote
        .run("echo still here", None, TIMEOUT, &mut |_, _| {})
        .expect("reused connection");
    assert_eq!(exit.stdout, "still here\n");
    drop(remote);

    let again = connect(&server, &known, &Trust::KnownOnly).expect("known now");
    assert_eq!(again.host_key, HostKeyEvent::Known);
}

#[test]
fn a_changed_host_key_is_refused_and_explained() {
    let server = boot();
    let other = boot();
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));
    known
        .add(&server.address.to_string(), 22, &other.host_key)
        .expect("record a different key");

    let error = connect(&server, &known, &Trust::FirstUse)
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(
        matches!(error, SshError::HostKeyChanged { .. }),
        "{message}"
    );
    assert!(message.contains("has CHANGED"), "{message}");
    assert!(
        message.contains(&fingerprint(&server.host_key)),
        "{message}"
    );
    assert!(message.contains(&fingerprint(&other.host_key)), "{message}");

    let unknown = KnownHosts::new(dir.path().join("empty"));
    let error = connect(&server, &unknown, &Trust::KnownOnly)
        .err()
        .expect("unknown host refused");
    let SshError::HostKeyUnknown {
        fingerprint: shown, ..
    } = error
    else {
        panic!("unknown host: {error}")
    };
    assert_eq!(shown, fingerprint(&server.host_key));
    assert!(!dir.path().join("empty").exists(), "nothing recorded");

    // A confirmed fingerprint is recorded only if the server shows exactly that one.
    let pinned = KnownHosts::new(dir.path().join("pinned"));
    let wrong = Trust::Pinned(fingerprint(&other.host_key));
    let error = connect(&server, &pinned, &wrong)
        .err()
        .expect("another key refused");
    assert!(matches!(error, SshError::HostKeyUnknown { .. }), "{error}");
    assert!(!dir.path().join("pinned").exists(), "nothing recorded");
    let remote = connect(&server, &pinned, &Trust::Pinned(shown)).expect("the confirmed key");
    assert!(matches!(remote.host_key, HostKeyEvent::Trusted { .. }));
    drop(remote);
    connect(&server, &pinned, &Trust::KnownOnly).expect("recorded");
}

#[test]
fn a_wrong_key_a_closed_port_and_a_bad_name_say_what_happened() {
    let server = boot();
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));
    let stranger = dir.path().join("stranger");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status();
    assert!(made.expect("ssh-keygen").success());

    let error = SshRemote::connect(
        &root(&server),
        &Credentials::KeyFile(stranger.clone()),
        &known.clone(),
        &Trust::FirstUse,
        TIMEOUT,
    )
    .err()
    .expect("rejected");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "{} did not accept the key SHA256:",
            server.address
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!("({}) for user root", stranger.display())),
        "{message}"
    );

    let closed = Target {
        port: 2222,
        ..root(&server)
    };
    let error = SshRemote::connect(
        &closed,
        &Credentials::KeyFile(server.key()),
        &known.clone(),
        &Trust::FirstUse,
        TIMEOUT,
    )
    .err()
    .expect("refused");
    assert_eq!(
        error.to_string(),
        format!(
            "{}:2222 refused the connection: nothing is listening for SSH there. Check server.port, and that sshd is running on the server.",
            server.address
        )
    );

    let nowhere = Target {
        host: "no-such-host.invalid".into(),
        ..root(&server)
    };
    let error = SshRemote::connect(
        &nowhere,
        &Credentials::KeyFile(server.key()),
        &known,
        &Trust::FirstUse,
        TIMEOUT,
    )
    .err()
    .expect("unknown name");
    assert!(
        error
            .to_string()
            .starts_with("cannot find no-such-host.invalid: the name does not resolve."),
        "{error}"
    );
}

#[test]
fn a_non_root_user_runs_scripts_through_sudo() {
    let server = boot();
    let public = std::fs::read_to_string(server.key().with_extension("pub")).expect("public key");
    server
        .ssh(&format!(
            "useradd -m -s /bin/bash deploy && mkdir -p -m 700 ~deploy/.ssh && echo '{}' > ~deploy/.ssh/authorized_keys && chown -R deploy: ~deploy/.ssh && echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/deploy",
            public.trim()
        ))
        .expect("deploy user");
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));
    let target = Target {
        user: "deploy".into(),
        ..root(&server)
    };
    let mut remote = SshRemote::connect(
        &target,
        &Credentials::KeyFile(server.key()),
        &known,
        &Trust::FirstUse,
        TIMEOUT,
    )
    .expect("connects as deploy");
    let exit = remote
        .run("id -un; echo \"$SUDO_USER\"", None, TIMEOUT, &mut |_, _| {})
        .expect("runs");
    assert_eq!(exit.stdout, "root\ndeploy\n");
}

/// A private ssh-agent for one test, stopped when dropped.
struct Agent {
    socket: std::path::PathBuf,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Agent {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .spawn()
            .expect("ssh-agent");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !socket.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "ssh-agent did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            socket,
            child,
            _dir: dir,
        }
    }

    fn add(&self, key: &std::path::Path) {
        let status = Command::new("ssh-add")
            .arg("-q")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .status();
        assert!(status.expect("ssh-add").success());
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_ssh_agent_logs_in_and_an_empty_agent_is_explained() {
    let server = boot();
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));
    let agent = Agent::start();

    let error = SshRemote::connect(
        &root(&server),
        &Credentials::Agent(agent.socket.clone()),
        &known.clone(),
        &Trust::FirstUse,
        TIMEOUT,
    )
    .err()
    .expect("an empty agent cannot log in");
    assert_eq!(
        error.to_string(),
        format!(
            "ssh-agent holds no keys to log in to {} with: add yours with ssh-add, or set server.key",
            server.address
        )
    );

    agent.add(&server.key());
    let mut remote = SshRemote::connect(
        &root(&server),
        &Credentials::Agent(agent.socket.clone()),
        &known,
        &Trust::FirstUse,
        TIMEOUT,
    )
    .expect("the agent's key logs in");
    let exit = remote
        .run("hostname", None, TIMEOUT, &mut |_, _| {})
        .expect("runs");
    assert_eq!(exit.stdout.trim(), server.name());
}
