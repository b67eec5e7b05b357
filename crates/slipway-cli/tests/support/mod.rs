//! What the CLI's test binaries and its benchmark share: fixture projects, git as a
//! user runs it, and output as text.

// Each binary that includes this module uses its own part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use slipway_sandbox::Server;

/// A `[harden]` table that leaves the server's lockdown to its admin, for tests and
/// benchmarks of other parts: each stays about one thing.
pub const HARDEN_OFF: &str = "\n[harden]\ndeploy_user = \"\"\nssh = false\nfirewall = false\nfail2ban = false\nupgrades = false\nswap = \"off\"\n";

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs git in `dir` as a user with a name would; it must succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Ana", "-c", "user.email=ana@example.com"])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A copy of the fixture project `name` in a fresh temporary folder, as `folder`.
pub fn fixture(name: &str, folder: &str) -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../slipway-spec/tests/fixtures")
        .join(name);
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().join(folder);
    let status = Command::new("cp").arg("-r").arg(&source).arg(&dir).status();
    assert!(status.expect("cp runs").success());
    (temp, dir)
}

/// A fixture app, committed to git, with a spec from `slipway init` aimed at `server`.
pub struct Project {
    _temp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Project {
    /// `settings` go into the `[app]` table; `tables` after everything else.
    pub fn new(fixture: &str, server: &Server, settings: &str, tables: &str) -> Self {
        let server = format!(
            "[server]\nhost = \"{}\"\nkey = \"{}\"\n",
            server.address,
            server.key().display()
        );
        Self::with_server(fixture, &server, settings, tables)
    }

    /// The fixture with `server` as its `[server]` table.
    pub fn with_server(fixture: &str, server: &str, settings: &str, tables: &str) -> Self {
        let (temp, dir) = self::fixture(fixture, "shop");
        git(&dir, &["init", "-q"]);
        let project = Self { _temp: temp, dir };
        project.commit("First version");
        let init = project.slipway(&["init"]);
        assert!(init.status.success(), "{}", text(&init.stderr));
        let spec = std::fs::read_to_string(project.dir.join("slipway.toml")).expect("spec");
        let mut spec: String = spec
            .lines()
            .filter(|l| !l.starts_with("health = ") && !l.starts_with("name = "))
            .collect::<Vec<_>>()
            .join("\n");
        spec.push('\n');
        let spec = spec.replacen("[app]\n", &format!("[app]\nname = \"shop\"\n{settings}"), 1);
        // The lockdown has tests of its own: left off unless `tables` asks for it.
        let harden = if tables.contains("[harden]") || tables.contains("[domain]") {
            ""
        } else {
            HARDEN_OFF
        };
        let spec = format!("{spec}\n{server}{tables}{harden}");
        std::fs::write(project.dir.join("slipway.toml"), spec).expect("spec");
        project
    }

    pub fn slipway(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_slipway"))
            .arg("--trust")
            .args(args)
            .current_dir(&self.dir)
            .env("SLIPWAY_KNOWN_HOSTS", self.dir.join("../known_hosts"))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("slipway runs")
    }

    /// `slipway deploy --yes`, which must succeed; its output.
    pub fn deploy(&self) -> String {
        let output = self.slipway(&["deploy", "--yes"]);
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            text(&output.stderr)
        );
        stdout
    }

    pub fn write(&self, path: &str, contents: &str) {
        std::fs::write(self.dir.join(path), contents).expect("write");
    }

    pub fn commit(&self, message: &str) {
        git(
            &self.dir,
            &["add", "-A", "--", ".", ":(exclude)slipway.toml"],
        );
        git(&self.dir, &["commit", "-qm", message]);
    }
}

/// One request a fake service received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// Header lines as sent, `Name: value`.
    pub headers: Vec<String>,
    /// The body, as text.
    pub body: String,
}

/// A local HTTP service that records every request and answers as Slack's incoming
/// webhooks (`/services/…`: 200 `ok`), Twilio's Messages API (201 with the message JSON),
/// GitHub's deploy keys (`/repos/OWNER/NAME/keys`) and a JSON webhook (anything else:
/// 200 `{}`) answer.
pub struct FakeServices {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

impl FakeServices {
    pub fn start() -> Self {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        let mut keys: Vec<String> = Vec::new();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let mut words = line.split_whitespace();
                let method = words.next().unwrap_or_default().to_owned();
                let path = words.next().unwrap_or_default().to_owned();
                let mut headers = Vec::new();
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 {
                        break;
                    }
                    let header = header.trim_end().to_owned();
                    if header.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    headers.push(header);
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let header = |name: &str| {
                    headers.iter().find_map(|h| {
                        h.split_once(':')
                            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.trim().to_owned())
                    })
                };
                let (status, kind, reply) = if path.starts_with("/repos/")
                    && path.ends_with("/keys")
                {
                    github_keys(
                        &mut keys,
                        header("authorization").as_deref(),
                        header("user-agent").as_deref(),
                        &body,
                    )
                } else if path.starts_with("/services/") {
                    ("200 OK", "text/plain", "ok".to_owned())
                } else if path.starts_with("/2010-04-01/Accounts/") {
                    let sid = path.split('/').nth(3).unwrap_or_default();
                    let reply = format!(
                        r#"{{"sid": "SM29f4f980778e4621b72df75ac82f5000", "account_sid": "{sid}", "status": "queued", "num_segments": "1", "num_media": "0", "direction": "outbound-api", "api_version": "2010-04-01", "price": null, "error_code": null, "error_message": null}}"#
                    );
                    ("201 Created", "application/json", reply)
                } else {
                    ("200 OK", "application/json", "{}".to_owned())
                };
                log.lock().expect("log").push(Received {
                    method,
                    path,
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            }
        });
        Self { url, received }
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}

/// GitHub's answer to `POST /repos/…/keys`: 201 with the key, 401 for a missing or bad
/// token (`bad…`), 403 without a User-Agent, 422 for a key already in use.
fn github_keys(
    keys: &mut Vec<String>,
    authorization: Option<&str>,
    user_agent: Option<&str>,
    body: &[u8],
) -> (&'static str, &'static str, String) {
    let error = |status: &'static str, message: &str, errors: &str| {
        let code = &status[..3];
        (
            status,
            "application/json",
            format!(
                r#"{{"message": "{message}", {errors}"documentation_url": "https://docs.github.com/rest", "status": "{code}"}}"#
            ),
        )
    };
    if user_agent.is_none() {
        return error(
            "403 Forbidden",
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
            "",
        );
    }
    match authorization.and_then(|a| a.strip_prefix("Bearer ")) {
        None => return error("401 Unauthorized", "Requires authentication", ""),
        Some(token) if token.starts_with("bad") => {
            return error("401 Unauthorized", "Bad credentials", "");
        }
        Some(_) => {}
    }
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let key = request["key"].as_str().unwrap_or_default().to_owned();
    if keys.contains(&key) {
        return error(
            "422 Unprocessable Entity",
            "Validation Failed",
            r#""errors": [{"resource": "PublicKey", "code": "custom", "field": "key", "message": "key is already in use"}], "#,
        );
    }
    keys.push(key.clone());
    let reply = serde_json::json!({
        "id": keys.len(),
        "key": key,
        "url": format!("https://api.github.com/repos/x/y/keys/{}", keys.len()),
        "title": request["title"],
        "verified": true,
        "created_at": "2026-11-26T21:00:00Z",
        "read_only": request["read_only"].as_bool().unwrap_or(false),
        "added_by": "octocat",
        "last_used": null,
        "enabled": true,
    });
    ("201 Created", "application/json", reply.to_string())
}
