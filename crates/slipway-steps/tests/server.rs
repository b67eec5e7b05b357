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
        &known.clone(),
        &Trust::FirstUse,
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

/// Runs a slow command once: planned again until its marker exists.
struct SlowOnce;

impl Step for SlowOnce {
    fn id(&self) -> String {
        "slow-once".into()
    }
    fn describe(&self) -> String {
        "a slow setup command has run".into()
    }
    fn probes(&self) -> Vec<slipway_engine::Probe> {
        let check = slipway_engine::Cmd::new("test").args(["-e", "/root/slow-once.done"]);
        vec![slipway_engine::Probe::new("slow-once", check)]
    }
    fn plan(&self, facts: &slipway_engine::Facts) -> slipway_engine::StepPlan {
        if facts
            .get("slow-once")
            .is_some_and(slipway_engine::Answer::ok)
        {
            return slipway_engine::StepPlan::Satisfied {
                evidence: "done".into(),
            };
        }
        let work = slipway_engine::Cmd::new("sleep")
            .arg("2")
            .and(slipway_engine::Cmd::new("touch").arg("/root/slow-once.done"));
        slipway_engine::StepPlan::Change {
            actions: vec![slipway_engine::Action::Run(work)],
            diff: slipway_engine::Diff::new("", "done"),
        }
    }
}

#[test]
fn a_run_cut_off_mid_apply_converges_when_run_again() {
    use slipway_engine::lock::{self, Holder};
    use slipway_sandbox::services::latency::LatencyProxy;

    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let dir = tempfile::tempdir().expect("dir");
    let known = KnownHosts::new(dir.path().join("known_hosts"));
    let proxy = LatencyProxy::start(
        "127.0.0.1:0".parse().expect("address"),
        (server.address, 22).into(),
        Duration::ZERO,
    )
    .expect("proxy");
    let through_proxy = Target {
        host: "127.0.0.1".into(),
        port: proxy.address.port(),
        user: "root".into(),
    };
    let mut remote = SshRemote::connect(
        &through_proxy,
        &Credentials::KeyFile(server.key()),
        &known.clone(),
        &Trust::FirstUse,
        Duration::from_secs(10),
    )
    .expect("connects");
    let holder = Holder {
        who: "ana@laptop".into(),
        pid: 1,
        since: 0,
        doing: "deploy".into(),
    };
    let file = config("workers=2\n");
    let user = User {
        name: "deploy".into(),
        system: false,
        home: "/home/deploy".into(),
        groups: vec![],
    };
    let steps: [&dyn Step; 3] = [&user, &SlowOnce, &file];

    lock::acquire(&mut remote, &holder, false).expect("lock");
    let mut runner = Runner::new(&mut remote, "cut", Cancel::default());
    let result = runner.apply(&steps, &mut |event| {
        if matches!(&event, Event::ActionStarted { step, .. } if step == "slow-once") {
            proxy.cut();
        }
    });
    let error = result.expect_err("the connection was cut");
    assert!(error.to_string().contains("slow-once"), "{error}");

    // The lock is still held by the run that died; a new run is told so, then breaks it.
    let mut again = connect(&server, &known);
    let held = lock::acquire(&mut again, &holder, false).expect_err("still locked");
    assert!(
        held.to_string()
            .starts_with("a deploy is in progress: ana@laptop"),
        "{held}"
    );
    let broken = lock::acquire(&mut again, &holder, true).expect("force");
    assert_eq!(broken.map(|h| h.who).as_deref(), Some("ana@laptop"));
    let (events, _) = apply(&mut again, &steps, "rerun");
    assert!(matches!(
        events.last(),
        Some(Event::Finished { ok: true, .. })
    ));
    assert!(
        changed(&events).contains(&"file:/etc/shop.conf".to_owned()),
        "{:?}",
        changed(&events)
    );
    let (events, round_trips) = apply(&mut again, &steps, "settled");
    assert_eq!(changed(&events), Vec::<String>::new());
    assert_eq!(round_trips, 1);
    lock::release(&mut again).expect("release");
}

/// The requirement files of a project folder, as the virtualenv step hashes them.
fn requirement_inputs(project: &std::path::Path) -> Vec<(String, String)> {
    ["requirements.txt", "requirements/base.txt"]
        .iter()
        .map(|f| {
            (
                (*f).to_owned(),
                std::fs::read_to_string(project.join(f)).expect("requirements"),
            )
        })
        .collect()
}

/// What the app needs before any release: packages, its user, its folders.
fn app_base() -> Vec<Box<dyn Step>> {
    let folder = |path: &str| -> Box<dyn Step> {
        Box::new(Directory {
            path: path.into(),
            owner: "shop".into(),
            group: "shop".into(),
            mode: 0o755,
        })
    };
    vec![
        Box::new(Packages::new(["git", "python3-venv"])),
        Box::new(User {
            name: "shop".into(),
            system: true,
            home: "/srv/shop".into(),
            groups: vec![],
        }),
        folder("/srv/shop/releases"),
        folder("/srv/shop/venvs"),
    ]
}

/// The steps of release `id` at `commit`, fetched through the server's mirror of `url`
/// and built with pip from the project's requirement files.
fn release_steps(
    url: &str,
    project: &std::path::Path,
    id: &str,
    commit: &str,
) -> (
    slipway_steps::release::Mirror,
    slipway_steps::release::Code,
    slipway_steps::release::Virtualenv,
) {
    use slipway_steps::release::{Code, Installer, Mirror, Requirements, Source, Virtualenv};
    let folder = format!("/srv/shop/releases/{id}");
    let mirror = Mirror {
        path: "/srv/shop/repo.git".into(),
        url: url.to_owned(),
        commit: commit.to_owned(),
        deploy_key: None,
    };
    let code = Code {
        release: folder.clone(),
        commit: commit.to_owned(),
        owner: "shop:shop".into(),
        source: Source::Mirror {
            path: "/srv/shop/repo.git".into(),
            subdir: String::new(),
        },
    };
    let venv = Virtualenv {
        root: "/srv/shop".into(),
        release: folder,
        requirements: Requirements::File("requirements.txt".into()),
        inputs: requirement_inputs(project),
        extras: Vec::new(),
        installer: Installer::Pip,
        owner: "root:root".into(),
    };
    (mirror, code, venv)
}

/// Applies the base and one release's steps.
fn deploy_release(
    remote: &mut SshRemote,
    url: &str,
    project: &std::path::Path,
    id: &str,
    commit: &str,
) -> (Vec<Event>, usize) {
    let base = app_base();
    let (mirror, code, venv) = release_steps(url, project, id, commit);
    let mut steps: Vec<&dyn Step> = base.iter().map(AsRef::as_ref).collect();
    steps.extend([&mirror as &dyn Step, &code, &venv]);
    apply(remote, &steps, id)
}

/// A command's standard output on the server, trimmed.
fn on_server(server: &Server, script: &str) -> String {
    let out = server
        .ssh(script)
        .unwrap_or_else(|e| panic!("{script}: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn releases_check_out_commits_and_share_a_virtualenv_until_requirements_change() {
    use slipway_sandbox::services::git::GitServer;

    let work = tempfile::tempdir().expect("dir");
    let git = GitServer::start(&work.path().join("git")).expect("git server");
    let project = work.path().join("shop");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../slipway-spec/tests/fixtures/flask-app");
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(&fixture)
        .arg(&project)
        .status();
    assert!(copied.expect("cp").success());
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let mut remote = connect(&server, &KnownHosts::new(work.path().join("known_hosts")));
    let url = git.url(server.host_address, "shop");

    let first = git.publish("shop", &project).expect("publish");
    deploy_release(&mut remote, &url, &project, "r1", &first);
    let flask = on_server(
        &server,
        "/srv/shop/releases/r1/.venv/bin/python -c 'import flask; print(flask.__version__)'",
    );
    assert_eq!(flask, "3.1.0");
    let head = on_server(
        &server,
        "cat /srv/shop/releases/r1/.slipway-commit; stat -c %U /srv/shop/releases/r1/app.py",
    );
    assert_eq!(head, format!("{first}\nshop"));
    let (events, round_trips) = deploy_release(&mut remote, &url, &project, "r1", &first);
    assert_eq!(changed(&events), Vec::<String>::new());
    assert_eq!(round_trips, 1);

    // New code, same requirements: a new release sharing the virtualenv.
    let app = std::fs::read_to_string(project.join("app.py")).expect("app");
    std::fs::write(project.join("app.py"), app + "\n# v2\n").expect("edit");
    let second = git.publish("shop", &project).expect("publish");
    let (events, _) = deploy_release(&mut remote, &url, &project, "r2", &second);
    assert_eq!(
        changed(&events),
        [
            "mirror:/srv/shop/repo.git",
            "code:/srv/shop/releases/r2",
            "venv:/srv/shop/releases/r2"
        ]
    );
    let venv_actions = events
        .iter()
        .filter(|e| matches!(e, Event::ActionStarted { step, .. } if step.starts_with("venv:")))
        .count();
    assert_eq!(
        venv_actions, 1,
        "an unchanged dependency set only links the virtualenv"
    );
    assert_eq!(on_server(&server, "ls /srv/shop/venvs | wc -l"), "1");

    // Changed requirements: a new virtualenv; the old one stays for the old releases.
    std::fs::write(
        project.join("requirements/base.txt"),
        "Flask==3.1.0\nsix==1.16.0\n",
    )
    .expect("edit");
    let third = git.publish("shop", &project).expect("publish");
    deploy_release(&mut remote, &url, &project, "r3", &third);
    assert_eq!(on_server(&server, "ls /srv/shop/venvs | wc -l"), "2");
    let six = on_server(
        &server,
        "/srv/shop/releases/r3/.venv/bin/python -c 'import six; print(six.__version__)'",
    );
    assert_eq!(six, "1.16.0");
    let old = on_server(
        &server,
        "/srv/shop/releases/r1/.venv/bin/python -c 'import six' 2>&1 || echo absent",
    );
    assert!(old.contains("absent"), "{old}");
}

/// `GET path` over the app's unix socket, from the server itself: `status body`.
fn through_socket(server: &Server, socket: &str, path: &str) -> String {
    let script = format!(
        "for i in $(seq 100); do python3 -c \"import http.client, socket\n\
c = http.client.HTTPConnection('localhost')\n\
c.sock = socket.socket(socket.AF_UNIX)\n\
c.sock.connect('{socket}')\n\
c.request('GET', '{path}')\n\
r = c.getresponse()\n\
print(r.status, r.read().decode())\" 2>/dev/null && break; sleep 0.1; done"
    );
    on_server(server, &script)
}

/// The Flask fixture published to a git server and running as release r1 on a fresh
/// sandbox server: everything the web-stack tests share.
struct LiveApp {
    _work: tempfile::TempDir,
    _git: slipway_sandbox::services::git::GitServer,
    project: std::path::PathBuf,
    server: Server,
    unit: slipway_steps::live::AppUnit,
    base: Vec<Box<dyn Step>>,
    mirror: slipway_steps::release::Mirror,
    code: slipway_steps::release::Code,
    venv: slipway_steps::release::Virtualenv,
    build: slipway_steps::release::Build,
    live: slipway_steps::live::Live,
}

impl LiveApp {
    fn start() -> (Self, SshRemote) {
        use slipway_sandbox::services::git::GitServer;
        use slipway_steps::live::{AppUnit, Health, Live};
        use slipway_steps::release::Build;

        let work = tempfile::tempdir().expect("dir");
        let git = GitServer::start(&work.path().join("git")).expect("git server");
        let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../slipway-spec/tests/fixtures/flask-app");
        let server = Sandbox::from_env()
            .server(&ServerOptions::default())
            .expect("boots");
        let remote = connect(&server, &KnownHosts::new(work.path().join("known_hosts")));
        let url = git.url(server.host_address, "shop");
        let commit = git.publish("shop", &project).expect("publish");
        let unit = AppUnit {
            app: "shop".into(),
            root: "/srv/shop".into(),
            entry: "app:app".into(),
            asgi: false,
            workers: 2,
            env_files: Vec::new(),
        };
        let (mirror, code, venv) = release_steps(&url, &project, "r1", &commit);
        let build = Build {
            release: "/srv/shop/releases/r1".into(),
            app_user: "shop".into(),
            env_files: Vec::new(),
            commands: Vec::new(),
            code_owner: "root:root".into(),
        };
        let live = Live {
            unit: unit.clone(),
            release: "/srv/shop/releases/r1".into(),
            stamp: "r1".into(),
            health: Health {
                path: "/health".into(),
                host: "shop.example.test".into(),
                wait_secs: 30,
            },
            drain_secs: 5,
        };
        let live = Self {
            _work: work,
            _git: git,
            project,
            server,
            unit,
            base: app_base(),
            mirror,
            code,
            venv,
            build,
            live,
        };
        (live, remote)
    }

    /// The base steps, then `first`, the release and its instance, then `last`.
    fn steps<'a>(&'a self, first: &[&'a dyn Step], last: &[&'a dyn Step]) -> Vec<&'a dyn Step> {
        let mut steps: Vec<&dyn Step> = self.base.iter().map(AsRef::as_ref).collect();
        steps.extend_from_slice(first);
        steps.extend([
            &self.mirror as &dyn Step,
            &self.code,
            &self.venv,
            &self.build,
            &self.unit,
            &self.live,
        ]);
        steps.extend_from_slice(last);
        steps
    }
}

#[test]
fn the_live_release_runs_under_gunicorn_on_its_socket_as_the_app_user() {
    let (live, mut remote) = LiveApp::start();
    let (server, unit) = (&live.server, &live.unit);
    let steps = live.steps(&[], &[]);
    let (events, _) = apply(&mut remote, &steps, "live");
    assert!(
        changed(&events).contains(&"live:shop".to_owned()),
        "{:?}",
        changed(&events)
    );

    assert_eq!(
        through_socket(server, &unit.live_socket(), "/health"),
        "200 {\"status\":\"ok\"}"
    );
    let owner = on_server(
        server,
        "ps -o user= -C gunicorn | sort -u; readlink /srv/shop/current; stat -c %U /srv/shop/current/app.py; systemctl is-enabled shop@blue",
    );
    assert_eq!(owner, "shop\n/srv/shop/releases/r1\nroot\nenabled");
    let (events, round_trips) = apply(&mut remote, &steps, "live-again");
    assert_eq!(changed(&events), Vec::<String>::new());
    assert_eq!(round_trips, 1);
}

/// `GET path` from this machine to the server's port 80; the raw response head and body.
fn http_get(server: &Server, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect((server.address, 80)).expect("port 80 answers");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: shop.example.test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn nginx_serves_static_files_proxies_the_app_and_keeps_a_good_config_when_a_bad_one_arrives() {
    use slipway_steps::nginx::Site;

    let (live, mut remote) = LiveApp::start();
    let (server, unit, project) = (&live.server, &live.unit, &live.project);
    let nginx = Packages::new(["nginx"]);
    let site = |body_limit: &str| Site {
        app: "shop".into(),
        server_names: vec!["shop.example.test".into()],
        socket: unit.live_socket(),
        static_files: vec![("/static/".into(), "/srv/shop/current/static".into())],
        body_limit: body_limit.into(),
        tls: None,
    };
    let good = site("10m");
    let steps = live.steps(&[&nginx], &[&good]);
    apply(&mut remote, &steps, "web");

    // The step returns only once nginx applied the reload: the first request sees it.
    let health = http_get(server, "/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("{\"status\":\"ok\"}\n"), "{health}");
    let css = http_get(server, "/static/style.css");
    assert!(css.starts_with("HTTP/1.1 200"), "{css}");
    assert!(
        css.contains("Cache-Control: public"),
        "static files come from nginx with cache headers: {css}"
    );
    let expected = std::fs::read_to_string(project.join("static/style.css")).expect("css");
    assert!(css.ends_with(&expected), "{css}");
    assert_eq!(on_server(server, "ls /etc/nginx/sites-enabled"), "shop");

    // A configuration nginx rejects: the step fails, the good one stays and keeps serving.
    let bad = site("ten megabytes");
    let broken = live.steps(&[&nginx], &[&bad]);
    let mut runner = Runner::new(&mut remote, "broken", Cancel::default());
    let error = runner
        .apply(&broken, &mut |_| {})
        .expect_err("nginx -t refuses");
    assert!(error.to_string().starts_with("nginx:shop: "), "{error}");
    assert!(
        on_server(
            server,
            "grep client_max_body_size /etc/nginx/sites-available/shop"
        )
        .contains("10m")
    );
    assert!(http_get(server, "/health").starts_with("HTTP/1.1 200"));
    let (events, round_trips) = apply(&mut remote, &steps, "web-again");
    assert_eq!(changed(&events), Vec::<String>::new());
    assert_eq!(round_trips, 1);
}
