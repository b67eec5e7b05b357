//! Secrets stay secret: a deploy with the login key made by `slipway key new` (kept in a
//! real Secret Service, GNOME Keyring on a private session bus), a secret app variable,
//! and notifications to Slack, Twilio and a webhook (local fakes), each secret a distinct
//! canary. Then every file Slipway wrote, its output, its events, the notifications and
//! the server's logs are searched for the canaries.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use slipway_sandbox::services::desktop::DesktopSession;
use slipway_sandbox::{Sandbox, Server, ServerOptions};

use support::{FakeServices, Project, text};

fn succeeded(output: &Output) -> String {
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    stdout
}

/// Every regular file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.map_while(Result::ok) {
        let path = entry.path();
        if path.is_symlink() {
            continue;
        }
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The canaries found in `text`, by name.
fn leaks<'c>(text: &str, canaries: &'c [(&'c str, String)]) -> Vec<&'c str> {
    canaries
        .iter()
        .filter(|(_, value)| text.contains(value.as_str()))
        .map(|(name, _)| *name)
        .collect()
}

/// A sandbox server, a desktop session with a keyring, the fake services, and the
/// Flask fixture aimed at the server.
struct World {
    work: tempfile::TempDir,
    session: DesktopSession,
    services: FakeServices,
    server: Server,
    project: Project,
}

impl World {
    fn new() -> Self {
        let work = tempfile::tempdir().expect("temp dir");
        let session = DesktopSession::start(&work.path().join("desktop")).expect("keyring");
        let services = FakeServices::start();
        let server = Sandbox::from_env()
            .server(&ServerOptions::default())
            .expect("server boots");
        let project = Project::new("flask-app", &server, "health = \"/health\"\n", "");
        Self {
            work,
            session,
            services,
            server,
            project,
        }
    }

    /// Runs `slipway` in the project with the desktop session and the fakes' address,
    /// `stdin` as its input.
    fn slipway(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_slipway"));
        self.session
            .apply(&mut command)
            .arg("--trust")
            .args(args)
            .current_dir(&self.project.dir)
            .env(
                "SLIPWAY_KNOWN_HOSTS",
                self.project.dir.join("../known_hosts"),
            )
            .env("SLIPWAY_TWILIO_URL", &self.services.url)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("slipway starts");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write stdin");
        }
        child.wait_with_output().expect("slipway ends")
    }

    /// `slipway key new`, its public half installed for root; (its output, the private
    /// key as the keychain holds it).
    fn login_key(&self) -> (String, String) {
        let made = succeeded(&self.slipway(&["key", "new"], None));
        let public = made
            .lines()
            .find(|l| l.starts_with("ssh-ed25519 "))
            .expect("the public key is shown")
            .to_owned();
        let install = format!("echo '{public}' >> /root/.ssh/authorized_keys");
        assert!(self.server.ssh(&install).expect("ssh").status.success());
        let mut lookup = Command::new("secret-tool");
        self.session.apply(&mut lookup).args([
            "lookup",
            "service",
            "slipway",
            "username",
            "shop/ssh-key",
        ]);
        let private = text(&lookup.output().expect("secret-tool").stdout);
        assert!(
            private.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"),
            "in the keychain"
        );
        (made, private)
    }

    /// The spec uses the keychain's login key, a secret variable printed by a release
    /// command, and SMS, Slack and webhook notifications to the fakes.
    fn configure(&self) {
        let spec_path = self.project.dir.join("slipway.toml");
        let spec = std::fs::read_to_string(&spec_path).expect("spec");
        let key_line = spec
            .lines()
            .find(|l| l.starts_with("key = "))
            .expect("a key line")
            .to_owned();
        let spec = spec.replace(&key_line, "key = \"keychain\"").replacen(
            "[app]\n",
            // A release command that prints the secret: its output must arrive scrubbed.
            "[app]\nsecrets = [\"API_TOKEN\"]\nrelease = [\"printenv API_TOKEN\"]\n",
            1,
        );
        let spec = format!(
            "{spec}\n[notify]\ndesktop = \"never\"\n\n[notify.sms]\nto = \"+14155550100\"\n\
             from = \"+15005550006\"\naccount = \"AC{}\"\nwhen = \"always\"\n\n[notify.slack]\n\n\
             [notify.webhook]\nurl = \"{}/deploys\"\n",
            "0123456789abcdef".repeat(2),
            self.services.url
        );
        std::fs::write(&spec_path, spec).expect("spec");
    }
}

/// Where each canary turned up: notification bodies, outputs, files, the server's logs.
fn findings(world: &World, outputs: &[(&str, &str)], canaries: &[(&str, String)]) -> Vec<String> {
    let mut findings = Vec::new();
    // The Slack webhook's path is its secret URL: the request line carries it by design.
    for request in world.services.received() {
        let found = leaks(&request.body, canaries);
        if !found.is_empty() {
            findings.push(format!("notification to {}: {found:?}", request.path));
        }
    }
    for (what, output) in outputs {
        let found = leaks(output, canaries);
        if !found.is_empty() {
            findings.push(format!("{what}: {found:?}"));
        }
    }
    // Every file of the project, its known hosts, and the session's folders (the keyring
    // file is encrypted with the session's password).
    let parent = world.project.dir.parent().expect("parent");
    for file in files(world.work.path()).into_iter().chain(files(parent)) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let found = leaks(&String::from_utf8_lossy(&bytes), canaries);
        if !found.is_empty() {
            findings.push(format!("{}: {found:?}", file.display()));
        }
    }
    let logs = world
        .server
        .ssh("journalctl --no-pager -o cat 2>/dev/null; cat /var/log/*.log /var/log/*/*.log 2>/dev/null")
        .expect("ssh");
    let found = leaks(&text(&logs.stdout), canaries);
    if !found.is_empty() {
        findings.push(format!("server logs: {found:?}"));
    }
    findings
}

#[test]
fn no_secret_reaches_a_file_a_log_an_event_the_output_or_a_notification() {
    let world = World::new();
    let (made, private) = world.login_key();
    let stamp = std::process::id();
    let url = &world.services.url;
    let canaries: Vec<(&str, String)> = vec![
        ("env/API_TOKEN", format!("api-canary-{stamp}-7f3a9c")),
        ("twilio-token", format!("twilio-canary-{stamp}-51d0e2")),
        (
            "slack-webhook",
            format!("{url}/services/T0001/B0001/slack-canary-{stamp}-c4e8"),
        ),
        ("webhook-secret", format!("hook-canary-{stamp}-9b21aa")),
    ];
    for (name, value) in &canaries {
        succeeded(&world.slipway(&["secret", "set", name], Some(&format!("{value}\n"))));
    }
    // The private key's body lines are canaries too.
    let mut all: Vec<(&str, String)> = canaries.clone();
    for line in private
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
    {
        all.push(("ssh-key", line.to_owned()));
    }
    world.configure();
    let listed = succeeded(&world.slipway(&["secret", "list"], None));
    assert!(!listed.contains("NOT SET"), "{listed}");

    let deploy = world.slipway(&["deploy", "--yes"], None);
    let out = succeeded(&deploy);
    assert!(
        out.contains("    | <redacted>"),
        "the release command's output: {out}"
    );
    assert!(
        out.contains("Notified: SMS to +14155550100, Slack, webhook at"),
        "{out}"
    );
    let json = succeeded(&world.slipway(&["deploy", "--json"], None));
    let notified: serde_json::Value =
        serde_json::from_str(json.lines().last().expect("events")).expect("the last line is JSON");
    assert_eq!(notified["event"], "notified", "{json}");
    assert_eq!(notified["deliveries"][0]["target"], "SMS to +14155550100");
    assert_eq!(notified["deliveries"][0]["sent"], true);
    let status = succeeded(&world.slipway(&["status"], None));

    // The secret variable reached the app's private environment file.
    let env = world
        .server
        .ssh("stat -c '%a %U' /srv/shop/shared/env && cat /srv/shop/shared/env")
        .expect("ssh");
    let env = text(&env.stdout);
    assert!(env.starts_with("600 shop\n"), "{env}");
    assert_eq!(
        leaks(&env, &all),
        ["env/API_TOKEN"],
        "the search finds what is there"
    );

    // Notifications arrived: three channels, two deploys.
    let received = world.services.received();
    assert_eq!(received.len(), 6, "{received:#?}");
    let twilio = received
        .iter()
        .find(|r| r.path.starts_with("/2010-04-01/"))
        .expect("an SMS");
    assert!(twilio.body.contains("To=%2B14155550100"), "{}", twilio.body);

    let stderr = text(&deploy.stderr);
    let outputs = [
        ("key new", made.as_str()),
        ("secret list", listed.as_str()),
        ("deploy", out.as_str()),
        ("deploy stderr", stderr.as_str()),
        ("events", json.as_str()),
        ("status", status.as_str()),
    ];
    let findings = findings(&world, &outputs, &all);
    assert!(
        findings.is_empty(),
        "secrets leaked:\n{}",
        findings.join("\n")
    );
}

#[test]
fn a_deploy_key_goes_to_the_keychain_and_to_github_without_copying_anything() {
    let work = tempfile::tempdir().expect("temp dir");
    let session = DesktopSession::start(&work.path().join("desktop")).expect("keyring");
    let services = FakeServices::start();
    let (_temp, dir) = support::fixture("flask-app", "shop");
    support::git(&dir, &["init", "-q"]);
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_slipway"));
        session
            .apply(&mut command)
            .args(args)
            .current_dir(&dir)
            .env("SLIPWAY_GITHUB_API", &services.url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("slipway starts");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or_default().as_bytes())
            .expect("stdin");
        drop(input);
        child.wait_with_output().expect("slipway ends")
    };
    succeeded(&run(&["init"], None));
    let spec = dir.join("slipway.toml");
    let text_now = std::fs::read_to_string(&spec).expect("spec");
    let with_repo = text_now.replacen(
        "[app]\n",
        "[app]\nrepository = \"git@github.com:ana-ruiz/shop.git\"\ndeploy_key = \"keychain\"\n",
        1,
    );
    std::fs::write(&spec, with_repo).expect("spec");

    // Without a token: the public key and how to add it by hand.
    let by_hand = succeeded(&run(&["key", "new", "--deploy"], None));
    assert!(by_hand.contains("Settings → Deploy keys"), "{by_hand}");
    assert!(services.received().is_empty());

    let token = format!("ghp_canary{}", std::process::id());
    succeeded(&run(
        &["secret", "set", "github-token"],
        Some(&format!("{token}\n")),
    ));
    let again = run(&["key", "new", "--deploy"], None);
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing key is not replaced silently"
    );
    assert!(
        text(&again.stderr).contains("--force"),
        "{}",
        text(&again.stderr)
    );

    let added = succeeded(&run(&["key", "new", "--deploy", "--force"], None));
    assert!(
        added.contains("Added it to github.com/ana-ruiz/shop as a read-only deploy key (id 1)"),
        "{added}"
    );
    let public = added
        .lines()
        .find(|l| l.starts_with("ssh-ed25519 "))
        .expect("public key");
    let received = services.received();
    assert_eq!(received.len(), 1, "{received:#?}");
    let request = &received[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/repos/ana-ruiz/shop/keys")
    );
    for header in [
        format!("authorization: Bearer {token}"),
        "accept: application/vnd.github+json".to_owned(),
        "x-github-api-version: 2022-11-28".to_owned(),
        "user-agent: slipway/".to_owned(),
    ] {
        assert!(
            request.headers.iter().any(|h| h
                .to_ascii_lowercase()
                .starts_with(&header.to_ascii_lowercase())),
            "{header} in {:?}",
            request.headers
        );
    }
    let body: serde_json::Value = serde_json::from_str(&request.body).expect("JSON body");
    assert_eq!(body["key"], public);
    assert_eq!(body["read_only"], true);
    assert_eq!(body["title"], "slipway shop");
    assert_eq!(
        succeeded(&run(&["key", "show", "--deploy"], None)).trim(),
        public
    );

    for output in [&by_hand, &added] {
        assert!(!output.contains(&token), "the token leaked: {output}");
    }
}

#[test]
fn github_refusals_say_what_github_said_and_what_to_do() {
    let services = FakeServices::start();
    let api = &services.url;
    let token = format!("ghp_canary{}", std::process::id());
    let secret = |value: &str| slipway_secrets::Secret::new(value.to_owned());
    let add = |token: &str, key: &str| {
        slipway_app::github::add_deploy_key(api, &secret(token), "ana-ruiz/shop", "t", key)
    };
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFirst slipway shop deploy-key";
    assert_eq!(add(&token, key).expect("added").id, 1);
    let twice = add(&token, key).expect_err("refused").to_string();
    assert!(twice.contains("key is already in use"), "{twice}");
    assert!(
        twice.contains("slipway key new --deploy --force"),
        "{twice}"
    );
    let bad = add("bad-token", "ssh-ed25519 AAAAother")
        .expect_err("refused")
        .to_string();
    assert!(
        bad.contains("GitHub refused the token (Bad credentials)"),
        "{bad}"
    );
    for output in [&twice, &bad] {
        assert!(!output.contains(&token), "the token leaked: {output}");
    }
}
