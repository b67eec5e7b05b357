//! Deploying real apps with `slipway`, as a user would, to sandbox servers: served
//! through nginx, redeployed and rolled back under load without a failed request.

mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr as IpAddr, TcpStream};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use slipway_sandbox::{Sandbox, Server, ServerOptions};

use support::{Project, text};

/// `GET path` on the server's port 80: (status, headers and body).
fn get(address: IpAddr, host: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&(address, 80).into(), Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, response))
}

/// Clients asking for a page without pause, each on a new connection, until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    clients: Vec<JoinHandle<(usize, Vec<String>)>>,
}

/// What the clients saw.
#[derive(Debug)]
struct Tally {
    ok: usize,
    failures: Vec<String>,
}

impl Load {
    fn start(address: IpAddr, host: &str, path: &str, clients: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let clients = (0..clients)
            .map(|_| {
                let (stop, host, path) = (stop.clone(), host.to_owned(), path.to_owned());
                std::thread::spawn(move || {
                    let (mut ok, mut failures) = (0, Vec::new());
                    while !stop.load(Ordering::Relaxed) {
                        match get(address, &host, &path) {
                            Ok((200, _)) => ok += 1,
                            Ok((status, response)) => failures.push(format!(
                                "HTTP {status}: {}",
                                response.lines().last().unwrap_or_default()
                            )),
                            Err(error) => failures.push(error.to_string()),
                        }
                    }
                    (ok, failures)
                })
            })
            .collect();
        Self { stop, clients }
    }

    fn stop(self) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        let mut tally = Tally {
            ok: 0,
            failures: Vec::new(),
        };
        for client in self.clients {
            let (ok, failures) = client.join().expect("client");
            tally.ok += ok;
            tally.failures.extend(failures);
        }
        tally
    }
}

fn on_server(server: &Server, script: &str) -> String {
    let output = server
        .ssh(script)
        .unwrap_or_else(|e| panic!("{script}: {e}"));
    text(&output.stdout).trim().to_owned()
}

fn body(address: IpAddr, path: &str) -> String {
    body_for(address, "shop.test", path)
}

fn body_for(address: IpAddr, host: &str, path: &str) -> String {
    let (status, response) = get(address, host, path).expect("the site answers");
    assert_eq!(status, 200, "{response}");
    response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

const VERSION_ROUTE: &str = "\n\n@app.route(\"/version\")\ndef version():\n    return VERSION\n";

#[test]
#[allow(clippy::too_many_lines)] // one app's life, in order
fn a_flask_app_goes_live_then_redeploys_and_rolls_back_without_a_failed_request() {
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let address = server.address;
    // A secret, and a value full of characters shells and systemd treat specially.
    let tricky = r#"it's $HOME "quoted" `date` \back\slash #hash"#;
    let env = format!("\n[app.env]\nAPI_TOKEN = \"tok-5ecret-7f3a9\"\nTRICKY = '''{tricky}'''\n");
    let project = Project::new("flask-app", &server, "health = \"/health\"\n", &env);
    let app = std::fs::read_to_string(project.dir.join("app.py")).expect("app.py");
    let with_version = |v: &str| {
        app.replace(
            "app = Flask(__name__)\n",
            &format!("app = Flask(__name__)\nVERSION = \"{v}\"\n"),
        ) + VERSION_ROUTE
    };
    project.write("app.py", &with_version("v1"));
    project.commit("Version route");

    // First deploy: nginx serves the app and its static files; the app runs as its own
    // user from code it cannot change, with a private environment file.
    let first = project.deploy();
    assert!(first.contains("  changed    live:shop "), "{first}");
    assert_eq!(body(address, "/version"), "v1");
    let (status, css) = get(address, "shop.test", "/static/style.css").expect("css");
    assert_eq!(status, 200, "{css}");
    assert!(css.contains("Cache-Control: public"), "{css}");
    let state = on_server(
        &server,
        "ps -o user= -C gunicorn | sort -u; stat -c '%U %a' /srv/shop/shared/env; \
         stat -c %U /srv/shop/current/app.py; ls /etc/nginx/sites-enabled",
    );
    assert_eq!(state, "shop\nshop 600\nroot\nshop");
    // The app sees every value exactly; none is ever shown.
    let seen = on_server(
        &server,
        "tr '\\0' '\\n' < /proc/$(systemctl show -p MainPID --value shop@blue)/environ | grep -E '^(TRICKY|API_TOKEN)='",
    );
    assert_eq!(seen, format!("API_TOKEN=tok-5ecret-7f3a9\nTRICKY={tricky}"));
    let json = text(&project.slipway(&["deploy", "--json"]).stdout);
    for shown in [&first, &json, &text(&project.slipway(&["plan"]).stdout)] {
        assert!(!shown.contains("tok-5ecret"), "{shown}");
        assert!(!shown.contains("`date`"), "{shown}");
    }

    // Nothing changed: nothing to do, the same release stays live.
    let plan = text(&project.slipway(&["plan"]).stdout);
    assert!(plan.contains("Nothing to change: all "), "{plan}");
    let again = project.deploy();
    assert!(again.contains(": 0 changed, "), "{again}");
    assert!(
        again.contains(" round trips to the server (1 for the steps)."),
        "{again}"
    );
    let releases = text(&project.slipway(&["releases"]).stdout);
    assert_eq!(releases.lines().count(), 1, "{releases}");

    // New code under load: a new release goes live, the old one is kept, no request fails.
    project.write("app.py", &with_version("v2"));
    project.commit("Version 2");
    let load = Load::start(address, "shop.test", "/version", 4);
    let second = project.deploy();
    std::thread::sleep(Duration::from_millis(300));
    let tally = load.stop();
    assert!(tally.failures.is_empty(), "{tally:?}\n{second}");
    assert!(tally.ok > 20, "{tally:?}");
    assert_eq!(body(address, "/version"), "v2");
    let releases = text(&project.slipway(&["releases"]).stdout);
    assert_eq!(releases.lines().count(), 2, "{releases}");
    assert!(
        releases
            .lines()
            .next()
            .unwrap_or_default()
            .starts_with("* "),
        "{releases}"
    );
    assert_eq!(on_server(&server, "ls /srv/shop/venvs | wc -l"), "1");

    // A commit that crashes on start never gets traffic: the deploy fails with its log,
    // and v2 keeps serving every request.
    project.write(
        "app.py",
        &format!(
            "raise RuntimeError(\"boom at import\")\n{}",
            with_version("v3")
        ),
    );
    project.commit("Broken");
    let load = Load::start(address, "shop.test", "/version", 4);
    let broken = project.slipway(&["deploy", "--yes"]);
    let tally = load.stop();
    assert_eq!(broken.status.code(), Some(8), "{}", text(&broken.stdout));
    let error = text(&broken.stderr);
    assert!(error.contains("did not pass its health check"), "{error}");
    assert!(
        error.contains("RuntimeError: boom at import"),
        "the app's log tail: {error}"
    );
    assert!(tally.failures.is_empty(), "{tally:?}");
    assert_eq!(body(address, "/version"), "v2");

    // Changed requirements: a new virtualenv, the old one kept for the old releases.
    project.write("app.py", &with_version("v4"));
    project.write("requirements/base.txt", "Flask==3.1.0\nsix==1.16.0\n");
    project.commit("Six");
    project.deploy();
    assert_eq!(body(address, "/version"), "v4");
    assert_eq!(on_server(&server, "ls /srv/shop/venvs | wc -l"), "2");

    // Roll back under load, then forward again: instant switches, no failed request.
    let load = Load::start(address, "shop.test", "/version", 4);
    let back = project.slipway(&["rollback", "--yes"]);
    assert!(back.status.success(), "{}", text(&back.stderr));
    assert_eq!(body(address, "/version"), "v2");
    let releases = text(&project.slipway(&["releases"]).stdout);
    let newest = releases
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().next())
        .expect("a release")
        .to_owned();
    let forward = project.slipway(&["rollback", "--yes", "--to", &newest]);
    assert!(forward.status.success(), "{}", text(&forward.stderr));
    std::thread::sleep(Duration::from_millis(300));
    let tally = load.stop();
    assert!(tally.failures.is_empty(), "{tally:?}");
    assert_eq!(body(address, "/version"), "v4");

    let status = text(&project.slipway(&["status"]).stdout);
    assert!(
        status.contains(&format!("Live release: {newest}")),
        "{status}"
    );
    assert!(
        status.contains("Health: GET /health through nginx: HTTP 200"),
        "{status}"
    );
    let logs = text(&project.slipway(&["logs", "-n", "50"]).stdout);
    assert!(logs.contains("\"GET /version HTTP/1.0\" 200"), "{logs}");
}

#[test]
fn uncommitted_changes_are_refused_unless_the_user_deploys_the_commit_without_them() {
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let project = Project::new("generic-wsgi", &server, "health = \"/health\"\n", "");
    project.write("wsgi.py", "broken = True\n");
    let refused = project.slipway(&["deploy", "--yes"]);
    assert_eq!(refused.status.code(), Some(1));
    let error = text(&refused.stderr);
    assert!(
        error.starts_with("error: 1 uncommitted change(s) would not be deployed\n"),
        "{error}"
    );
    assert!(error.contains("• M wsgi.py"), "{error}");
    let output = project.slipway(&["deploy", "--yes", "--allow-uncommitted"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.contains("1 uncommitted change(s) stay on this computer"),
        "{stdout}"
    );
    assert_eq!(body(server.address, "/health"), "{\"status\": \"ok\"}");
}

/// A query on an `SQLite` database on the server, with the server's Python.
fn sqlite(server: &Server, db: &str, query: &str) -> String {
    on_server(
        server,
        &format!(
            "python3 -c \"import sqlite3; print(sqlite3.connect('{db}').execute('{query}').fetchone()[0])\""
        ),
    )
}

#[test]
fn a_django_app_migrates_collects_its_static_files_and_keeps_a_generated_secret() {
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let address = server.address;
    let host = address.to_string();
    let project = Project::new(
        "django",
        &server,
        "health = \"/admin/login/\"\n",
        "\n[app.env]\nDATABASE_PATH = \"/srv/shop/shared/db.sqlite3\"\n",
    );
    // Production settings, read from the environment, as Slipway's guide shows.
    let settings_path = project.dir.join("mysite/settings.py");
    let settings = std::fs::read_to_string(&settings_path).expect("settings");
    let secret_line = settings
        .lines()
        .find(|l| l.starts_with("SECRET_KEY = "))
        .expect("a secret key line")
        .to_owned();
    let settings = format!("import os\n{settings}")
        .replace(
            &secret_line,
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]",
        )
        .replace("DEBUG = True", "DEBUG = False")
        .replace(
            "ALLOWED_HOSTS = []",
            "ALLOWED_HOSTS = os.environ[\"DJANGO_ALLOWED_HOSTS\"].split(\",\")",
        )
        .replace(
            "'NAME': BASE_DIR / 'db.sqlite3',",
            "'NAME': os.environ.get(\"DATABASE_PATH\", BASE_DIR / \"db.sqlite3\"),",
        );
    std::fs::write(&settings_path, settings).expect("settings");
    project.commit("Production settings");

    let first = project.deploy();
    assert!(body_for(address, &host, "/admin/login/").contains("Django"));
    let (status, css) = get(address, &host, "/static/admin/css/base.css").expect("css");
    assert_eq!(
        status, 200,
        "collectstatic ran and nginx serves its output: {css}"
    );
    assert!(css.contains("Cache-Control: public"), "{css}");
    assert_eq!(
        sqlite(
            &server,
            "/srv/shop/shared/db.sqlite3",
            "select count(*) from django_migrations where app = \\'polls\\'"
        ),
        "1"
    );
    let secret = on_server(
        &server,
        "stat -c '%U %a' /srv/shop/shared/generated.env; sed -n 's/^DJANGO_SECRET_KEY=//p' /srv/shop/shared/generated.env",
    );
    let (mode, secret) = secret.split_once('\n').expect("mode and secret");
    assert_eq!(mode, "shop 600");
    assert!(secret.len() >= 50, "a long random key");
    assert!(
        !first.contains(secret),
        "the secret never leaves the server"
    );

    // A migration that fails: nothing goes live, the site keeps serving.
    let live_before = on_server(&server, "readlink /srv/shop/current");
    project.write(
        "polls/migrations/0002_broken.py",
        "from django.db import migrations\n\n\ndef fail(apps, schema_editor):\n    raise ValueError(\"this migration is broken\")\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"polls\", \"0001_initial\")]\n    operations = [migrations.RunPython(fail)]\n",
    );
    project.commit("Broken migration");
    let failed = project.slipway(&["deploy", "--yes"]);
    assert_eq!(failed.status.code(), Some(8), "{}", text(&failed.stdout));
    let error = text(&failed.stderr);
    assert!(
        error.contains("ValueError: this migration is broken"),
        "{error}"
    );
    assert_eq!(
        on_server(&server, "readlink /srv/shop/current"),
        live_before
    );
    assert!(body_for(address, &host, "/admin/login/").contains("Django"));
    let kept = on_server(
        &server,
        "sed -n 's/^DJANGO_SECRET_KEY=//p' /srv/shop/shared/generated.env",
    );
    assert_eq!(kept, secret, "the generated key is kept across deploys");
}

#[test]
fn a_fastapi_app_runs_under_uvicorn_workers_after_its_alembic_upgrade() {
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let project = Project::new(
        "fastapi",
        &server,
        "",
        "\n[app.env]\nDATABASE_URL = \"sqlite:////srv/shop/shared/app.db\"\n",
    );
    project.deploy();
    assert_eq!(body(server.address, "/"), "{\"Hello\":\"World\"}");
    let workers = on_server(&server, "ps -o args= -C gunicorn | head -1");
    assert!(
        workers.contains("--worker-class uvicorn_worker.UvicornWorker"),
        "{workers}"
    );
    assert_eq!(
        sqlite(
            &server,
            "/srv/shop/shared/app.db",
            "select version_num from alembic_version"
        ),
        "0c0a8fb5ae23"
    );
    let again = project.deploy();
    assert!(again.contains(": 0 changed, "), "{again}");
}
