//! The hardening steps against real sandbox servers: real sshd, sudo, ufw, fail2ban and
//! apt, converged, then run again to change nothing.

use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use slipway_engine::{Cancel, Event, Outcome, Planned, Remote, Runner, Step, StepPlan};
use slipway_sandbox::{Sandbox, Server, ServerOptions};
use slipway_ssh::{Credentials, KnownHosts, SshError, SshRemote, Target, Trust};
use slipway_steps::apt::Packages;
use slipway_steps::harden::{AutoUpgrades, DeployUser, Fail2ban, Firewall, SshLockdown, Swap};

fn boot() -> Server {
    Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots")
}

fn target(server: &Server, user: &str) -> Target {
    Target {
        host: server.address.to_string(),
        port: 22,
        user: user.into(),
    }
}

fn connect_as(server: &Server, known: &KnownHosts, user: &str) -> Result<SshRemote, SshError> {
    SshRemote::connect(
        &target(server, user),
        &Credentials::KeyFile(server.key()),
        known,
        &Trust::FirstUse,
        Duration::from_secs(10),
    )
}

/// Connects as `user`, waiting out the moment a reloading sshd does not listen; any
/// answer about the login itself (accepted or refused) ends the wait.
fn connect_after_reload(
    server: &Server,
    known: &KnownHosts,
    user: &str,
) -> Result<SshRemote, SshError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match connect_as(server, known, user) {
            Err(SshError::Refused { .. } | SshError::Protocol { .. })
                if Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// The sandbox key's public half, as the deploy user's key.
fn public_key(server: &Server) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-y")
        .arg("-f")
        .arg(server.key())
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "ssh-keygen -y failed");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

/// Runs `script` over `remote`; its exit status and standard output.
fn run(remote: &mut SshRemote, script: &str) -> (i32, String) {
    let exit = remote
        .run(script, None, Duration::from_mins(1), &mut |_, _| {})
        .unwrap_or_else(|e| panic!("{script}: {e}"));
    (exit.status, exit.stdout.trim().to_owned())
}

fn apply(remote: &mut SshRemote, steps: &[&dyn Step], nonce: &str) -> (Vec<Event>, usize) {
    let mut runner = Runner::new(remote, nonce, Cancel::default());
    let mut events = Vec::new();
    runner
        .apply(steps, &mut |event| events.push(event))
        .unwrap_or_else(|e| panic!("apply: {e}"));
    (events, runner.round_trips)
}

fn changed(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::StepFinished {
                step,
                outcome: Outcome::Changed,
                ..
            } => Some(step.clone()),
            _ => None,
        })
        .collect()
}

/// Every step's evidence; panics naming any step that is not satisfied.
fn evidence(remote: &mut SshRemote, steps: &[&dyn Step]) -> Vec<(String, String)> {
    let mut runner = Runner::new(remote, "preview", Cancel::default());
    let plans = runner
        .preview(steps)
        .unwrap_or_else(|e| panic!("preview: {e}"));
    plans
        .into_iter()
        .map(|(id, plan)| match plan {
            StepPlan::Satisfied { evidence } => (id, evidence),
            other => panic!("{id} is not satisfied: {other:?}"),
        })
        .collect()
}

/// The evidence of step `id` in `all`.
fn evidence_of<'a>(all: &'a [(String, String)], id: &str) -> &'a str {
    all.iter()
        .find(|(step, _)| step == id)
        .map_or_else(|| panic!("no step {id}"), |(_, text)| text.as_str())
}

/// What the OpenSSH client hears when it offers only passwords for `user`.
fn password_attempt(server: &Server, user: &str) -> String {
    let out = Command::new("ssh")
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=5",
        ])
        .arg(format!("{user}@{}", server.address))
        .arg("true")
        .output()
        .expect("ssh");
    assert!(!out.status.success(), "a password login must fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const HARDENING_PACKAGES: [&str; 5] = [
    "sudo",
    "ufw",
    "fail2ban",
    "python3-systemd",
    "unattended-upgrades",
];

/// Converges the hardening steps as root, then checks a second run changes nothing and
/// every step shows its evidence.
fn harden(root: &mut SshRemote, server: &Server) {
    let packages = Packages::new(HARDENING_PACKAGES);
    let deploy = DeployUser {
        name: "deploy".into(),
        public_keys: vec![public_key(server)],
        sudo: true,
    };
    let steps: [&dyn Step; 5] = [
        &packages,
        &deploy,
        &Fail2ban { ssh_port: 22 },
        &AutoUpgrades,
        &Swap::default(),
    ];
    let (events, _) = apply(root, &steps, "harden-1");
    let first = changed(&events);
    for id in ["deploy-user:deploy", "fail2ban"] {
        assert!(first.contains(&id.to_owned()), "{id} changed: {first:?}");
    }
    let (events, round_trips) = apply(root, &steps, "harden-2");
    assert_eq!(
        changed(&events),
        Vec::<String>::new(),
        "the second run changes nothing"
    );
    assert_eq!(round_trips, 1);
    let all = evidence(root, &steps);
    for (id, text) in &all {
        eprintln!("{id}: {text}");
    }
    assert!(
        evidence_of(&all, "swap:/swapfile").ends_with("memory: no swap needed"),
        "{all:?}"
    );
    assert!(
        evidence_of(&all, "unattended-upgrades").contains("-security"),
        "{all:?}"
    );
    assert!(
        evidence_of(&all, "deploy-user:deploy")
            .starts_with("deploy (/home/deploy, bash) logs in with 1 Slipway key (no other keys)"),
        "{all:?}"
    );
}

/// Logs in as the deploy user and checks it runs anything as root with no password
/// asked (every script on its connection goes through `sudo -n`), and the modes of its
/// files.
fn deploy_user_logs_in(server: &Server, known: &KnownHosts) -> SshRemote {
    let mut as_deploy = connect_as(server, known, "deploy").expect("deploy logs in");
    assert_eq!(
        run(&mut as_deploy, "id -un; echo \"$SUDO_USER\""),
        (0, "root\ndeploy".into())
    );
    assert_eq!(
        run(
            &mut as_deploy,
            "stat -c '%U:%G %a' /home/deploy/.ssh /home/deploy/.ssh/authorized_keys /etc/sudoers.d/slipway-deploy"
        ),
        (
            0,
            "deploy:deploy 700\ndeploy:deploy 600\nroot:root 440".into()
        )
    );
    as_deploy
}

/// Without sshd reading its drop-ins, the lockdown refuses instead of writing a file
/// that would do nothing.
fn lockdown_refuses_without_the_include(root: &mut SshRemote, lockdown: &SshLockdown) {
    run(root, "sed -i 's/^Include/#Include/' /etc/ssh/sshd_config");
    let plans = Runner::new(root, "no-include", Cancel::default())
        .preview(&[lockdown])
        .expect("preview");
    assert!(
        matches!(&plans[0].1, StepPlan::Deferred { reason } if reason.contains("no `Include")),
        "{plans:?}"
    );
    run(root, "sed -i 's/^#Include/Include/' /etc/ssh/sshd_config");
}

/// Applies the lockdown through the deploy user's connection, as callers must, and
/// again to change nothing.
fn lock_down(as_deploy: &mut SshRemote, lockdown: &SshLockdown) {
    let (events, _) = apply(as_deploy, &[lockdown], "lockdown");
    assert_eq!(changed(&events), ["sshd:lockdown"]);
    let diff = events.iter().find_map(|e| match e {
        Event::StepPlanned {
            plan: Planned::Change { diff, .. },
            ..
        } => Some(diff.clone()),
        _ => None,
    });
    let diff = diff.expect("the lockdown shows its diff");
    assert!(
        diff.before.contains("permitrootlogin without-password"),
        "{}",
        diff.before
    );
    let (events, _) = apply(as_deploy, &[lockdown], "lockdown-again");
    assert_eq!(changed(&events), Vec::<String>::new());
}

/// Root is refused with its key, no password method is offered, the deploy user still
/// logs in, and fail2ban watches sshd.
fn only_the_deploy_user_logs_in(server: &Server, known: &KnownHosts) {
    let refused = connect_after_reload(server, known, "root");
    assert!(
        matches!(refused, Err(SshError::AuthRejected { .. })),
        "root must be refused: {:?}",
        refused.err()
    );
    let heard = password_attempt(server, "root");
    let methods = heard
        .lines()
        .find(|l| l.contains("Permission denied"))
        .unwrap_or_else(|| panic!("no refusal in {heard}"));
    assert!(methods.contains("(publickey)"), "{methods}");
    assert!(!methods.contains("password"), "{methods}");
    assert!(!methods.contains("keyboard-interactive"), "{methods}");

    let mut again = connect_after_reload(server, known, "deploy").expect("deploy still logs in");
    assert_eq!(run(&mut again, "id -un"), (0, "root".into()));
    let (status, jail) = run(&mut again, "fail2ban-client status sshd");
    assert_eq!(status, 0, "{jail}");
    assert!(jail.contains("Journal matches:"), "{jail}");
}

#[test]
fn a_hardened_server_changes_nothing_on_a_second_run_and_only_its_deploy_user_logs_in() {
    let started = Instant::now();
    let server = boot();
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));
    let mut root = connect_as(&server, &known, "root").expect("root logs in");

    harden(&mut root, &server);
    eprintln!(
        "converged twice in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut as_deploy = deploy_user_logs_in(&server, &known);
    let lockdown = SshLockdown { port: 22 };
    lockdown_refuses_without_the_include(&mut root, &lockdown);
    lock_down(&mut as_deploy, &lockdown);
    only_the_deploy_user_logs_in(&server, &known);
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
}

/// Starts `python3 -m http.server` on `port` as a transient unit and waits until it
/// answers on the server itself.
fn listen(remote: &mut SshRemote, port: u16) {
    let script = format!(
        "systemd-run --unit=listen-{port} --working-directory=/tmp python3 -m http.server {port} >/dev/null 2>&1 && \
         for i in $(seq 100); do python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 1)\" 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
    );
    assert_eq!(run(remote, &script).0, 0, "a listener on {port}");
}

/// Whether a TCP connection from this machine to `port` on the server succeeds.
fn reachable(server: &Server, port: u16) -> bool {
    let address = SocketAddr::from((server.address, port));
    TcpStream::connect_timeout(&address, Duration::from_millis(1500)).is_ok()
}

#[test]
fn the_firewall_lets_in_ssh_and_the_listed_ports_only_without_dropping_the_connection_applying_it()
{
    let started = Instant::now();
    let server = boot();
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));
    let mut remote = connect_as(&server, &known, "root").expect("root logs in");

    apply(&mut remote, &[&Packages::new(["ufw"])], "ufw");
    listen(&mut remote, 80);
    listen(&mut remote, 8081);
    assert!(reachable(&server, 8081), "8081 answers before the firewall");
    // A rule the admin added by hand stays, and the evidence says so.
    run(
        &mut remote,
        "ufw allow from 10.0.0.0/8 to any port 5432 proto tcp",
    );

    let firewall = Firewall {
        ssh_port: 22,
        allow: vec![80, 443],
    };
    // The whole step runs over this one connection, which then goes on working.
    let (events, _) = apply(&mut remote, &[&firewall], "firewall");
    assert_eq!(changed(&events), ["firewall"]);
    assert_eq!(
        run(&mut remote, "echo still connected"),
        (0, "still connected".into())
    );
    let (events, round_trips) = apply(&mut remote, &[&firewall], "firewall-again");
    assert_eq!(changed(&events), Vec::<String>::new());
    assert_eq!(round_trips, 1);
    let all = evidence(&mut remote, &[&firewall]);
    let text = evidence_of(&all, "firewall");
    eprintln!("firewall: {text}");
    assert!(
        text.starts_with("ufw active, incoming denied, outgoing allowed; 22/tcp, 80/tcp, 443/tcp open (IPv4 and IPv6)"),
        "{text}"
    );
    assert!(text.contains("5432/tcp ALLOW IN 10.0.0.0/8"), "{text}");

    assert!(reachable(&server, 22), "ssh is let in");
    assert!(reachable(&server, 80), "port 80 is let in");
    assert!(!reachable(&server, 8081), "8081 is blocked from outside");
    let inside = run(
        &mut remote,
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', 8081), 2); print('open')\"",
    );
    assert_eq!(inside, (0, "open".into()), "8081 still listens inside");
    // A new connection gets through too.
    let mut fresh = connect_as(&server, &known, "root").expect("a new connection");
    assert_eq!(
        run(&mut fresh, "ufw status | head -n 1"),
        (0, "Status: active".into())
    );
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
}
