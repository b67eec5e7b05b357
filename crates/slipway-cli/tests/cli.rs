//! The `slipway` binary, run as a user would.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{git, text};

fn slipway(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("slipway runs")
}

fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    support::fixture(name, name)
}

#[test]
fn detect_prints_a_report() {
    let (_temp, dir) = fixture("flask-app");
    let output = slipway(&["detect"], &dir);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("Flask app in "), "{stdout}");
    assert!(
        stdout.contains("  entry         app:app (WSGI)  (app.py:3: creates the app"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  static        /static/ → static"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  git           not a git repository"),
        "{stdout}"
    );
}

#[test]
fn detect_json_is_the_detection() {
    let (_temp, dir) = fixture("django");
    let output = slipway(&["detect", "--json", "."], &dir);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["entry"]["value"]["entry"], "mysite.wsgi:application");
    assert_eq!(json["entry"]["value"]["framework"], "django");
}

#[test]
fn detect_explains_a_folder_that_is_not_an_app() {
    let (_temp, dir) = fixture("node");
    let output = slipway(&["detect"], &dir);
    assert_eq!(output.status.code(), Some(3));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("does not look like a Python web app"),
        "{stderr}"
    );
    assert!(
        stderr.contains("It holds a Node.js project (package.json)."),
        "{stderr}"
    );
    assert!(stderr.contains("• manage.py (Django)"), "{stderr}");
}

#[test]
fn init_writes_a_spec_that_check_accepts() {
    let (_temp, dir) = fixture("fastapi");
    let output = slipway(&["init"], &dir);
    assert!(output.status.success(), "{}", text(&output.stdout));
    let written = std::fs::read_to_string(dir.join("slipway.toml")).expect("written");
    assert!(written.contains("entry = \"main:app\""), "{written}");
    assert!(written.contains("interface = \"asgi\""), "{written}");

    let output = slipway(&["check"], &dir);
    assert!(output.status.success(), "{}", text(&output.stdout));
    assert_eq!(text(&output.stdout), "slipway.toml is valid\n");

    let output = slipway(&["init"], &dir);
    assert_eq!(
        output.status.code(),
        Some(1),
        "init must not overwrite without --force"
    );
}

#[test]
fn init_refuses_to_guess_between_candidates() {
    let (_temp, dir) = fixture("ambiguous");
    let output = slipway(&["init"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("app.entry: "), "{stdout}");
    assert!(
        stdout.contains("entry = \"admin:admin\"    (admin.py:3)"),
        "{stdout}"
    );
    assert!(!dir.join("slipway.toml").exists());
}

#[test]
fn check_prints_every_problem_with_its_field() {
    let temp = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        temp.path().join("slipway.toml"),
        r#"
[app]
name = "My App"
framework = "rails"
entry = "app:app"
interface = "wsgi"
dependencies = "requirements.txt"

[server]
host = "203.0.113.10"
port = 0

[domain]
name = "exa mple.com"
"#,
    )
    .expect("write");
    let output = slipway(&["check"], temp.path());
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "slipway.toml: 5 problems");
    assert!(lines[1].starts_with("  app.name: \"My App\" may only use lowercase letters"));
    assert!(lines[2].starts_with("  app.framework: \"rails\" is not a framework Slipway runs"));
    assert_eq!(
        lines[3],
        "  server.port: 0 is not a port number; use 1 to 65535 (SSH listens on 22)"
    );
    assert_eq!(
        lines[4],
        "  domain.name: \"exa mple.com\" is not a valid host name"
    );
    assert!(lines[5].starts_with("  tls.email: is required with a domain"));

    let output = slipway(&["check", "--json"], temp.path());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json[3]["field"], "domain.name");
}

#[test]
fn check_reports_a_missing_file_and_a_syntax_error() {
    let temp = tempfile::tempdir().expect("temp dir");
    let output = slipway(&["check"], temp.path());
    assert_eq!(output.status.code(), Some(4));
    assert!(text(&output.stderr).starts_with("error: Could not read slipway.toml: "));

    std::fs::write(temp.path().join("slipway.toml"), "[app]\nname = \n").expect("write");
    let output = slipway(&["check"], temp.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with("error: slipway.toml: app.name: line 2: "),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn sandbox_up_prints_a_login_and_down_removes_the_server() {
    let here = std::env::temp_dir();
    let output = slipway(&["sandbox", "up"], &here);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let name = stdout
        .strip_prefix("Server ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no server name in {stdout}"))
        .to_owned();
    assert!(stdout.contains("  log in:   ssh -i "), "{stdout}");
    assert!(stdout.contains("  host key: ssh-ed25519 "), "{stdout}");

    let list = text(&slipway(&["sandbox", "list"], &here).stdout);
    let line = list
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_default();
    assert!(line.contains("running") && line.ends_with("kept"), "{list}");

    let output = slipway(&["sandbox", "ssh", &name, "--", "hostname"], &here);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).trim(), name);

    let output = slipway(&["sandbox", "down", &name], &here);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), format!("Removed {name}\n"));
    // Another test may boot a server under the freed name at once; only this one was
    // kept, so no kept server may carry the name.
    let list = text(&slipway(&["sandbox", "list"], &here).stdout);
    assert!(
        !list
            .lines()
            .any(|l| l.starts_with(&format!("{name} ")) && l.ends_with("kept")),
        "{list}"
    );

    let output = slipway(&["sandbox", "down", &name], &here);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        text(&output.stderr),
        format!("error: there is no sandbox server named {name}\n")
    );
}

/// A fixture project committed to git, whose slipway.toml comes from `slipway init`,
/// pointed at `server`.
fn deployable(name: &str, server: &slipway_sandbox::Server) -> (tempfile::TempDir, PathBuf) {
    let (temp, dir) = fixture(name);
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "First version"]);
    let init = slipway(&["init"], &dir);
    assert!(init.status.success(), "{}", text(&init.stdout));
    let server_section = format!(
        "\n[server]\nhost = \"{}\"\nkey = \"{}\"\n{}",
        server.address,
        server.key().display(),
        support::HARDEN_OFF
    );
    let mut spec = std::fs::read_to_string(dir.join("slipway.toml")).expect("written by init");
    spec.push_str(&server_section);
    std::fs::write(dir.join("slipway.toml"), spec).expect("spec");
    (temp, dir)
}

/// Runs `slipway` with its known-hosts file in `dir`.
fn slipway_in(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(args)
        .current_dir(dir)
        .env("SLIPWAY_KNOWN_HOSTS", dir.join("../known_hosts"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("slipway runs")
}

#[test]
fn deploy_converges_a_server_honours_its_lock_and_refuses_a_changed_host_key() {
    let sandbox = slipway_sandbox::Sandbox::from_env();
    let server = sandbox
        .server(&slipway_sandbox::ServerOptions::default())
        .expect("boots");
    let (_temp, dir) = deployable("flask-app", &server);

    // A server never seen before is not trusted silently: without a terminal to ask
    // at, only `--trust` lets the first connection through.
    let output = slipway_in(&["plan"], &dir);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} is not a known host (its key is SHA256:",
            server.address
        )),
        "{stderr}"
    );
    assert!(stderr.contains("run again with --trust"), "{stderr}");
    assert!(!dir.join("../known_hosts").exists(), "nothing recorded");
    let output = slipway_in(&["plan", "--trust"], &dir);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("trusted its host key SHA256:"), "{stdout}");
    assert!(stdout.contains("  ✓ os "), "{stdout}");
    assert!(stdout.contains("  + user:flask-app "), "{stdout}");

    let output = slipway_in(&["deploy", "--yes"], &dir);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.contains("  changed    apt:python3,python3-venv,nginx,ca-certificates "),
        "{stdout}"
    );
    // useradd makes the home folder, so the folder step may find it already right.
    assert!(stdout.contains("  changed    user:flask-app "), "{stdout}");
    assert!(
        stdout.contains("    | Reading package lists..."),
        "apt's output streams: {stdout}"
    );

    let output = slipway_in(&["plan"], &dir);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("Nothing to change: all 17 steps are in place."),
        "{stdout}"
    );
    let output = slipway_in(&["deploy", "--yes"], &dir);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains(": 0 changed, 17 unchanged."), "{stdout}");

    let holder = r#"{"who":"ana@laptop","pid":4242,"since":1790000000,"doing":"deploy"}"#;
    server
        .ssh(&format!("mkdir -p /var/lib/slipway/deploy.lock && echo '{holder}' > /var/lib/slipway/deploy.lock/holder.json"))
        .expect("a stale lock");
    let output = slipway_in(&["deploy", "--yes"], &dir);
    assert_eq!(output.status.code(), Some(7), "{}", text(&output.stdout));
    assert!(
        text(&output.stderr).contains("a deploy is in progress: ana@laptop (deploy, process 4242)"),
        "{}",
        text(&output.stderr)
    );
    let status = text(&slipway_in(&["status"], &dir).stdout);
    assert!(status.contains("Live release: 2"), "{status}");
    assert!(
        status.contains("Deploy lock: held by ana@laptop (deploy, process 4242)"),
        "{status}"
    );

    let output = slipway_in(&["deploy", "--yes", "--force-unlock"], &dir);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("Broke the lock left by ana@laptop (deploy, process 4242).")
    );
    let status = text(&slipway_in(&["status"], &dir).stdout);
    assert!(status.contains("Deploy lock: free."), "{status}");

    let output = slipway_in(&["deploy", "--json"], &dir);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let events: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect();
    // The run's last event says it finished; a line on notifications may follow.
    let run_end = events.iter().rev().find(|e| e["event"] != "notified");
    assert_eq!(
        run_end.map(|e| (e["event"].clone(), e["ok"].clone())),
        Some(("finished".into(), true.into()))
    );

    let other = sandbox
        .server(&slipway_sandbox::ServerOptions::default())
        .expect("second server");
    std::fs::write(
        dir.join("../known_hosts"),
        format!("{} {}\n", server.address, other.host_key),
    )
    .expect("swap key");
    let output = slipway_in(&["plan"], &dir);
    assert_eq!(output.status.code(), Some(6));
    assert!(
        text(&output.stderr).contains("has CHANGED"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn ctrl_c_stops_between_actions_and_two_deploys_at_once_do_not_mix() {
    use std::io::{BufRead, BufReader};

    let server = slipway_sandbox::Sandbox::from_env()
        .server(&slipway_sandbox::ServerOptions::default())
        .expect("boots");
    let (_temp, dir) = deployable("generic-wsgi", &server);
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_slipway"))
            .args(["deploy", "--yes", "--trust"])
            .current_dir(&dir)
            .env("SLIPWAY_KNOWN_HOSTS", dir.join("../known_hosts"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("slipway starts")
    };

    // Ctrl-C while apt refreshes its index: the install after it never starts.
    let mut child = spawn();
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = Vec::new();
    for line in stdout.lines().map_while(Result::ok) {
        let started = line.starts_with("    $ apt-get") && line.ends_with(" update");
        seen.push(line);
        if started {
            let sent = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            assert!(sent.expect("kill").success());
        }
    }
    let output = child.wait_with_output().expect("exits");
    assert_eq!(
        output.status.code(),
        Some(9),
        "{seen:?}\n{}",
        text(&output.stderr)
    );
    assert!(
        text(&output.stderr).contains("Cancelled before apt:"),
        "{}",
        text(&output.stderr)
    );
    assert!(
        !seen
            .iter()
            .any(|l| l.starts_with("    $ ") && l.contains(" install --no-install-recommends")),
        "{seen:?}"
    );
    let status = text(&slipway_in(&["status"], &dir).stdout);
    assert!(status.contains("Deploy lock: free."), "{status}");

    // Two deploys at once: one runs, the other is told who holds the lock.
    let (first, second) = (spawn(), spawn());
    let codes = [
        first.wait_with_output().expect("first"),
        second.wait_with_output().expect("second"),
    ];
    let mut exits: Vec<Option<i32>> = codes.iter().map(|o| o.status.code()).collect();
    exits.sort();
    assert_eq!(
        exits,
        [Some(0), Some(7)],
        "{:?}",
        codes.iter().map(|o| text(&o.stderr)).collect::<Vec<_>>()
    );
    let refused = codes
        .iter()
        .find(|o| o.status.code() == Some(7))
        .expect("one refused");
    assert!(
        text(&refused.stderr).contains("a deploy is in progress: "),
        "{}",
        text(&refused.stderr)
    );

    let output = slipway_in(&["deploy", "--yes"], &dir);
    assert!(
        text(&output.stdout).contains(": 0 changed, 17 unchanged."),
        "{}",
        text(&output.stdout)
    );
}
