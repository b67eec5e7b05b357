//! The base steps against a real sandbox server over SSH: converge, then change nothing.

use std::time::Duration;

use slipway_engine::{Cancel, Event, Planned, Runner, Step};
use slipway_sandbox::{Sandbox, Server, ServerOptions};
use slipway_ssh::{Credentials, KnownHosts, SshRemote, Target, Trust};
use slipway_steps::apt::Packages;
use slipway_steps::dir::Directory;
use slipway_steps::file::File;
use slipway_steps::os::SupportedOs;
use slipway_steps::unit::{OnChange, Service};
use slipway_steps::user::User;

fn connect(server: &Server, known: &KnownHosts) -> SshRemote {
    let target = Target {
        host: server.address.to_string(),
        port: 22,
        user: "root".into(),
    };
    SshRemote::connect(
        &target,
        &Credentials::KeyFile(server.key()),
        known.clone(),
        Trust::FirstUse,
        Duration::from_secs(10),
    )
    .expect("connects")
}

fn config(text: &str) -> File {
    File {
        path: "/etc/shop.conf".into(),
        contents: text.into(),
        owner: "root".into(),
        group: "deploy".into(),
        mode: 0o640,
        validate: Some(vec![
            "grep".into(),
            "-q".into(),
            "^workers=".into(),
            "{}".into(),
        ]),
    }
}

struct Steps {
    os: SupportedOs,
    packages: Packages,
    user: User,
    dir: Directory,
    file: File,
    service: Service,
}

impl Steps {
    fn new(config_text: &str) -> Self {
        Self {
            os: SupportedOs,
            packages: Packages::new(["git"]),
            user: User { name: "deploy".into(), system: false, home: "/home/deploy".into(), groups: vec!["sudo".into()] },
            dir: Directory { path: "/srv/shop".into(), owner: "deploy".into(), group: "deploy".into(), mode: 0o755 },
            file: config(config_text),
            service: Service {
                name: "shop-idle.service".into(),
                unit: "[Unit]\nDescription=Idle service\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n".into(),
                on_change: OnChange::Restart,
            },
        }
    }

    fn all(&self) -> Vec<&dyn Step> {
        vec![
            &self.os,
            &self.packages,
            &self.user,
            &self.dir,
            &self.file,
            &self.service,
        ]
    }
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
                outcome: slipway_engine::Outcome::Changed,
                ..
            } => Some(step.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn base_steps_converge_then_a_second_run_changes_nothing_and_one_template_change_changes_one_step()
{
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));
    let mut remote = connect(&server, &known);

    let first = Steps::new("workers=2\n");
    let (events, _) = apply(&mut remote, &first.all(), "run1");
    assert_eq!(
        changed(&events),
        [
            "apt:git",
            "user:deploy",
            "dir:/srv/shop",
            "file:/etc/shop.conf",
            "service:shop-idle.service"
        ]
    );
    let state = server.ssh("systemctl is-active shop-idle.service; stat -c '%U %G %a' /etc/shop.conf /srv/shop; id -nG deploy").expect("state");
    assert_eq!(
        String::from_utf8_lossy(&state.stdout),
        "active\nroot deploy 640\ndeploy deploy 755\ndeploy sudo\n"
    );

    let (events, round_trips) = apply(&mut remote, &first.all(), "run2");
    assert_eq!(
        changed(&events),
        Vec::<String>::new(),
        "the second run must change nothing"
    );
    assert_eq!(round_trips, 1, "a run with nothing to do is one round trip");
    assert!(matches!(
        events.last(),
        Some(Event::Finished {
            changed: 0,
            unchanged: 6,
            ok: true,
            ..
        })
    ));

    let second = Steps::new("workers=4\n");
    let (events, _) = apply(&mut remote, &second.all(), "run3");
    assert_eq!(changed(&events), ["file:/etc/shop.conf"]);
    let diff = events.iter().find_map(|e| match e {
        Event::StepPlanned {
            step,
            plan: Planned::Change { diff, .. },
            ..
        } if step == "file:/etc/shop.conf" => Some(diff.clone()),
        _ => None,
    });
    let diff = diff.expect("the file step shows its diff");
    assert_eq!(
        (diff.before.as_str(), diff.after.as_str()),
        ("workers=2\n", "workers=4\n")
    );
}

#[test]
fn a_file_the_validator_rejects_never_replaces_the_old_one() {
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let dir = tempfile::tempdir().expect("dir");
    let mut remote = connect(&server, &KnownHosts::new(dir.path().join("known_hosts")));
    server
        .ssh("getent group deploy || groupadd deploy; printf 'workers=2\\n' > /etc/shop.conf")
        .expect("setup");

    let broken = config("threads=2\n");
    let mut runner = Runner::new(&mut remote, "v1", Cancel::default());
    let error = runner
        .apply(&[&broken], &mut |_| {})
        .expect_err("the validator refuses");
    assert!(
        error
            .to_string()
            .starts_with("file:/etc/shop.conf: `write /etc/shop.conf"),
        "{error}"
    );
    let kept = server
        .ssh("cat /etc/shop.conf; ls /etc | grep -c slipway- || true")
        .expect("read");
    assert_eq!(String::from_utf8_lossy(&kept.stdout), "workers=2\n0\n");
}

#[test]
fn hostile_values_in_paths_and_contents_run_nothing_on_the_server() {
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let dir = tempfile::tempdir().expect("dir");
    let mut remote = connect(&server, &KnownHosts::new(dir.path().join("known_hosts")));
    let evil = File {
        // Run as commands, these would create `canary` in root's home, the working folder.
        path: "/tmp/x$(touch canary)`touch canary`;touch canary'\"".into(),
        contents: "$(touch canary)\n".into(),
        owner: "root".into(),
        group: "root".into(),
        mode: 0o600,
        validate: None,
    };
    let evil_dir = Directory {
        path: "/tmp/d;touch canary".into(),
        owner: "root".into(),
        group: "root".into(),
        mode: 0o700,
    };
    let (events, _) = apply(&mut remote, &[&evil, &evil_dir], "evil");
    assert_eq!(changed(&events).len(), 2);
    let check = server
        .ssh("ls /root/canary /canary /tmp/canary >/dev/null 2>&1 && echo executed || echo clean; ls /tmp")
        .expect("check");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(text.starts_with("clean\n"), "{text}");
    assert!(
        text.contains("x$(touch canary)"),
        "the file keeps its literal name: {text}"
    );
    assert!(
        text.contains("d;touch canary"),
        "the folder keeps its literal name: {text}"
    );
}
