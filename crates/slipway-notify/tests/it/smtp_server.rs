//! A real SMTP server on 127.0.0.1: aiosmtpd from PyPI, installed once into a venv under
//! Cargo's target directory (with its own pip cache), run by a short script that writes
//! every message it accepts to a folder as JSON: envelope, parsed headers, body, whether
//! the connection was encrypted, and who logged in.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

/// The aiosmtpd release the tests were written against.
const AIOSMTPD: &str = "aiosmtpd==1.4.6";

const SCRIPT: &str = r#"
import asyncio, email, email.policy, json, os, ssl, sys, uuid
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

mode, folder, cert, key = sys.argv[1:5]
user = os.environ.get("SMTP_USER")
password = os.environ.get("SMTP_PASSWORD")

class Recorder:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {name.lower(): str(value) for name, value in message.items()},
            "content_type": message.get_content_type(),
            "body": message.get_content().replace("\r\n", "\n"),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.login.decode() if session.authenticated else None,
        }
        path = os.path.join(folder, uuid.uuid4().hex)
        with open(path + ".tmp", "w") as out:
            json.dump(record, out)
        os.rename(path + ".tmp", path + ".json")
        return "250 Message accepted for delivery"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login.decode() == user
          and auth_data.password.decode() == password)
    return AuthResult(success=ok, handled=False, auth_data=auth_data)

async def main():
    context = None
    if mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
    options = {"hostname": "localhost"}
    if user:
        options.update(authenticator=authenticator, auth_required=True)
    listen_tls = None
    if mode == "starttls":
        options.update(tls_context=context, require_starttls=True)
    elif mode == "tls":
        listen_tls = context
        options.update(auth_require_tls=False)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Recorder(), **options), "127.0.0.1", 0, ssl=listen_tls)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"#;

/// How the server protects connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Plain,
    StartTls,
    Tls,
}

/// A running aiosmtpd; killed when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    /// The CA that signed the server's certificate for `localhost`, PEM.
    pub ca_pem: String,
    dir: TempDir,
}

impl SmtpServer {
    /// Starts a server; with `login`, it requires that user name and password.
    pub fn start(security: Security, login: Option<(&str, &str)>) -> Self {
        let python = python();
        let dir = tempfile::tempdir().expect("temp dir");
        let mail = dir.path().join("mail");
        fs::create_dir(&mail).expect("mail folder");
        let ca_pem = make_certificates(dir.path());
        let script = dir.path().join("smtp_server.py");
        fs::write(&script, SCRIPT).expect("write the server script");
        let stderr = fs::File::create(dir.path().join("stderr.log")).expect("log file");
        let mut command = Command::new(python);
        command
            .arg(&script)
            .arg(match security {
                Security::Plain => "plain",
                Security::StartTls => "starttls",
                Security::Tls => "tls",
            })
            .arg(&mail)
            .arg(dir.path().join("server.pem"))
            .arg(dir.path().join("server.key"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        if let Some((user, password)) = login {
            command
                .env("SMTP_USER", user)
                .env("SMTP_PASSWORD", password);
        }
        let mut child = command.spawn().expect("start aiosmtpd");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the port");
        let Ok(port) = line.trim().parse() else {
            let _ = child.kill();
            let _ = child.wait();
            let log = fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
            panic!("aiosmtpd did not start: {log}");
        };
        Self {
            child,
            port,
            ca_pem,
            dir,
        }
    }

    /// Every message accepted so far.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut paths: Vec<PathBuf> = fs::read_dir(self.dir.path().join("mail"))
            .expect("mail folder")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        paths.sort_by_key(|path| fs::metadata(path).and_then(|m| m.modified()).ok());
        paths
            .iter()
            .map(|path| {
                serde_json::from_str(&fs::read_to_string(path).expect("read message"))
                    .expect("message JSON")
            })
            .collect()
    }

    /// The one message accepted; fails if there were more or none.
    pub fn only_message(&self) -> serde_json::Value {
        let messages = self.messages();
        assert_eq!(messages.len(), 1, "expected one message, got {messages:#?}");
        messages.into_iter().next().expect("one message")
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The venv's Python, with aiosmtpd installed; made once per target directory.
fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slipway-notify-aiosmtpd");
            let venv = root.join("venv");
            let python = venv.join("bin").join("python");
            let ready = venv.join(".ready");
            if ready.exists() {
                return python;
            }
            let _ = fs::remove_dir_all(&venv);
            fs::create_dir_all(&root).expect("venv parent");
            run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
            run(Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .arg("--cache-dir")
                .arg(root.join("pip-cache"))
                .arg(AIOSMTPD));
            fs::write(&ready, AIOSMTPD).expect("mark the venv ready");
            python
        })
        .clone()
}

/// A CA, and a certificate for `localhost` signed by it, in `dir`; returns the CA's PEM.
fn make_certificates(dir: &Path) -> String {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(Command::new("openssl")
        .current_dir(dir)
        .args(["req", "-x509"])
        .args(ec)
        .args(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"])
        .args(["-subj", "/CN=Slipway test CA"]));
    run(Command::new("openssl")
        .current_dir(dir)
        .arg("req")
        .args(ec)
        .args([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]));
    fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions file");
    run(Command::new("openssl").current_dir(dir).args([
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]));
    fs::read_to_string(dir.join("ca.pem")).expect("CA certificate")
}

/// Runs a command that must succeed.
fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("could not run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
