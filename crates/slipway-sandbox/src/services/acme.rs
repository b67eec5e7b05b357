//! A local Let's Encrypt: Pebble (the ACME test server) with its own CA, and
//! `pebble-challtestsrv` as the DNS server Pebble asks, where tests set A and TXT
//! records for test domains.
//!
//! Sandbox servers reach Pebble as `acme.slipway.test` (point it at their host-side
//! address in /etc/hosts) and must trust [`Acme::ca_certificate`], the CA that signed
//! Pebble's listener certificate.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::{SandboxError, cmd};

/// The name sandbox servers use for the ACME server.
pub const ACME_HOST: &str = "acme.slipway.test";

/// Pebble and its DNS server; both stop when dropped.
pub struct Acme {
    dir: PathBuf,
    /// Port of Pebble's ACME API.
    pub port: u16,
    /// Port of Pebble's management API (roots, intermediates).
    pub management_port: u16,
    /// Port of the DNS server (UDP and TCP on 127.0.0.1) Pebble asks, where test domains
    /// are answered: a resolver for DNS checks.
    pub dns_port: u16,
    dns_management_port: u16,
    pebble: Child,
    challtestsrv: Child,
}

/// A port free now and never handed out before in this process. The port is released
/// before Pebble binds it, so two services started at the same moment (tests running in
/// parallel) could otherwise be given the same one: the second would fail to bind while
/// the first one's listener made it look ready.
fn free_port(dir: &Path) -> Result<u16, SandboxError> {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let port = TcpListener::bind("0.0.0.0:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| SandboxError::io(dir, e))?;
        if GIVEN
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(port)
        {
            return Ok(port);
        }
    }
}

fn spawn(mut command: Command, log: &Path) -> Result<Child, SandboxError> {
    let shown = cmd::describe(&command);
    let file = fs::File::create(log).map_err(|e| SandboxError::io(log, e))?;
    let err = file.try_clone().map_err(|e| SandboxError::io(log, e))?;
    command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|source| SandboxError::Spawn {
            command: shown,
            source,
        })
}

fn wait_for_port(port: u16, what: &str, log: &Path) -> Result<(), SandboxError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(SandboxError::Command {
                command: what.to_owned(),
                status: None,
                stderr: cmd::tail(&fs::read_to_string(log).unwrap_or_default(), 20),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

impl Acme {
    /// Makes a CA and a listener certificate in `dir`, then starts both servers.
    pub fn start(dir: &Path) -> Result<Self, SandboxError> {
        for program in ["pebble", "pebble-challtestsrv", "openssl"] {
            if !cmd::exists(program) {
                let (program, package) = if program == "openssl" {
                    ("openssl", "openssl")
                } else {
                    ("pebble", "pebble")
                };
                return Err(SandboxError::Missing { program, package });
            }
        }
        fs::create_dir_all(dir).map_err(|e| SandboxError::io(dir, e))?;
        certificates(dir)?;
        let (port, management_port) = (free_port(dir)?, free_port(dir)?);
        let (dns_port, dns_management_port) = (free_port(dir)?, free_port(dir)?);

        let mut challtestsrv = Command::new("pebble-challtestsrv");
        challtestsrv.args(["-http01", "", "-https01", "", "-tlsalpn01", ""]);
        challtestsrv.args(["-defaultIPv6", "", "-defaultIPv4", ""]);
        challtestsrv.args(["-dns01", &format!("127.0.0.1:{dns_port}")]);
        challtestsrv.args(["-management", &format!("127.0.0.1:{dns_management_port}")]);
        let challtestsrv_log = dir.join("challtestsrv.log");
        let challtestsrv = spawn(challtestsrv, &challtestsrv_log)?;

        let config = serde_json::json!({ "pebble": {
            "listenAddress": format!("0.0.0.0:{port}"),
            "managementListenAddress": format!("0.0.0.0:{management_port}"),
            "certificate": dir.join("pebble.pem"),
            "privateKey": dir.join("pebble.key"),
            "httpPort": 80,
            "tlsPort": 443,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
            "certificateValidityPeriod": 7_776_000,
        }});
        let config_path = dir.join("pebble-config.json");
        fs::write(&config_path, config.to_string())
            .map_err(|e| SandboxError::io(&config_path, e))?;
        let mut pebble = Command::new("pebble");
        pebble
            .arg("-config")
            .arg(&config_path)
            .args(["-dnsserver", &format!("127.0.0.1:{dns_port}")])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0");
        let pebble_log = dir.join("pebble.log");
        let pebble = spawn(pebble, &pebble_log)?;
        let acme = Self {
            dir: dir.to_owned(),
            port,
            management_port,
            dns_port,
            dns_management_port,
            pebble,
            challtestsrv,
        };
        wait_for_port(
            dns_management_port,
            "pebble-challtestsrv",
            &challtestsrv_log,
        )?;
        wait_for_port(port, "pebble", &pebble_log)?;
        Ok(acme)
    }

    /// The ACME directory URL as sandbox servers see it.
    pub fn directory(&self) -> String {
        format!("https://{ACME_HOST}:{}/dir", self.port)
    }

    /// The CA certificate (PEM) that signed Pebble's listener certificate.
    pub fn ca_certificate(&self) -> Result<String, SandboxError> {
        let path = self.dir.join("ca.pem");
        fs::read_to_string(&path).map_err(|e| SandboxError::io(&path, e))
    }

    /// Orders Pebble has been asked for since it started: each certificate request, and
    /// each trial run, is one.
    pub fn orders(&self) -> Result<usize, SandboxError> {
        let path = self.dir.join("pebble.log");
        let log = fs::read_to_string(&path).map_err(|e| SandboxError::io(&path, e))?;
        Ok(log.matches("POST /order-plz").count())
    }

    /// Certificates Pebble has issued since it started. A trial run (`--dry-run`) is
    /// issued too, and may take two orders when it first deactivates authorisations
    /// Pebble chose to reuse: count issued certificates where the number must be exact.
    pub fn issued(&self) -> Result<usize, SandboxError> {
        let path = self.dir.join("pebble.log");
        let log = fs::read_to_string(&path).map_err(|e| SandboxError::io(&path, e))?;
        Ok(log.matches("Issued certificate serial").count())
    }

    /// The root (PEM) that Pebble's issued certificates chain to; Pebble makes a new one
    /// each time it starts.
    pub fn issuing_root(&self) -> Result<String, SandboxError> {
        let mut curl = Command::new("curl");
        curl.args(["--silent", "--show-error", "--fail", "--cacert"])
            .arg(self.dir.join("ca.pem"))
            .arg(format!(
                "https://127.0.0.1:{}/roots/0",
                self.management_port
            ));
        let output = cmd::output(curl)?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Answers A queries for `host` with `address` as well as any address it had.
    pub fn add_a(&self, host: &str, address: Ipv4Addr) -> Result<(), SandboxError> {
        let body = serde_json::json!({ "host": fqdn(host), "addresses": [address.to_string()] });
        self.dns_management("/add-a", &body)
    }

    /// Answers A queries for `host` with `address` alone, as a changed DNS record does.
    pub fn set_a(&self, host: &str, address: Ipv4Addr) -> Result<(), SandboxError> {
        let body = serde_json::json!({ "host": fqdn(host) });
        self.dns_management("/clear-a", &body)?;
        self.add_a(host, address)
    }

    /// Answers TXT queries for `host` with `value`.
    pub fn set_txt(&self, host: &str, value: &str) -> Result<(), SandboxError> {
        let body = serde_json::json!({ "host": fqdn(host), "value": value });
        self.dns_management("/set-txt", &body)
    }

    fn dns_management(&self, path: &str, body: &serde_json::Value) -> Result<(), SandboxError> {
        let body = body.to_string();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let fail = |e: std::io::Error| SandboxError::io(&self.dir, e);
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.dns_management_port)).map_err(fail)?;
        stream.write_all(request.as_bytes()).map_err(fail)?;
        let mut response = String::new();
        stream.read_to_string(&mut response).map_err(fail)?;
        if response.starts_with("HTTP/1.1 200") {
            Ok(())
        } else {
            Err(SandboxError::Command {
                command: format!("pebble-challtestsrv {path}"),
                status: None,
                stderr: response.lines().next().unwrap_or_default().to_owned(),
            })
        }
    }
}

impl Drop for Acme {
    fn drop(&mut self) {
        for child in [&mut self.pebble, &mut self.challtestsrv] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn fqdn(host: &str) -> String {
    if host.ends_with('.') {
        host.to_owned()
    } else {
        format!("{host}.")
    }
}

/// A CA, and a certificate for Pebble's listener signed by it.
fn certificates(dir: &Path) -> Result<(), SandboxError> {
    let p = |name: &str| dir.join(name);
    let ext = p("listener.ext");
    fs::write(
        &ext,
        format!("subjectAltName=DNS:{ACME_HOST},DNS:localhost,IP:127.0.0.1\n"),
    )
    .map_err(|e| SandboxError::io(&ext, e))?;
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = Command::new("openssl");
    ca.args(["req", "-x509"])
        .args(ec)
        .arg("-keyout")
        .arg(p("ca.key"))
        .arg("-out")
        .arg(p("ca.pem"));
    ca.args([
        "-days",
        "30",
        "-subj",
        "/CN=Slipway sandbox ACME listener CA",
    ]);
    cmd::output(ca)?;
    let mut csr = Command::new("openssl");
    csr.arg("req")
        .args(ec)
        .arg("-keyout")
        .arg(p("pebble.key"))
        .arg("-out")
        .arg(p("pebble.csr"));
    csr.args(["-subj", &format!("/CN={ACME_HOST}")]);
    cmd::output(csr)?;
    let mut sign = Command::new("openssl");
    sign.args(["x509", "-req", "-in"])
        .arg(p("pebble.csr"))
        .arg("-CA")
        .arg(p("ca.pem"));
    sign.arg("-CAkey")
        .arg(p("ca.key"))
        .arg("-CAcreateserial")
        .arg("-out")
        .arg(p("pebble.pem"));
    sign.args(["-days", "30", "-extfile"]).arg(&ext);
    cmd::output(sign)?;
    Ok(())
}
