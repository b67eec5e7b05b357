//! A deploy is done when the site answers at `https://` its domain on a locked-down server:
//! `slipway deploy` against a sandbox server, Pebble as the certificate authority and
//! `pebble-challtestsrv` as the DNS that Pebble and Slipway's DNS check both ask.

mod support;

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use slipway_sandbox::services::acme::{ACME_HOST, Acme};
use slipway_sandbox::{Sandbox, Server, ServerOptions};

use support::{Project, text};

const DOMAIN: &str = "shop.example.test";
const WWW: &str = "www.shop.example.test";

/// A sandbox server, the local certificate authority, and the Flask fixture aimed at both.
struct Site {
    acme: Acme,
    server: Server,
    project: Project,
    work: tempfile::TempDir,
}

impl Site {
    /// `dns_wait` is how long deploys wait for DNS; `harden` is an extra `[harden]` table.
    fn new(dns_wait: u32, harden: &str) -> Self {
        let work = tempfile::tempdir().expect("temp dir");
        let acme = Acme::start(&work.path().join("acme")).expect("pebble starts");
        let server = Sandbox::from_env()
            .server(&ServerOptions::default())
            .expect("server boots");
        // A real server finds Let's Encrypt through public DNS; this one finds Pebble here.
        let hosts = format!("echo '{} {ACME_HOST}' >> /etc/hosts", server.host_address);
        assert!(server.ssh(&hosts).expect("ssh").status.success());
        let ca = work.path().join("acme-ca.pem");
        std::fs::write(&ca, acme.ca_certificate().expect("CA")).expect("write CA");
        let tables = format!(
            "\n[domain]\nname = \"{DOMAIN}\"\naliases = [\"{WWW}\"]\n\
             resolvers = [\"127.0.0.1:{dns}\"]\ndns_wait = {dns_wait}\n\n\
             [tls]\nemail = \"ops@example.test\"\nacme = \"{directory}\"\n\
             ca_bundle = \"{ca}\"\nhsts = true\n{harden}",
            dns = acme.dns_port,
            directory = acme.directory(),
            ca = ca.display(),
        );
        let project = Project::new("flask-app", &server, "health = \"/health\"\n", &tables);
        Self {
            acme,
            server,
            project,
            work,
        }
    }

    fn point(&self, address: Ipv4Addr) {
        for name in [DOMAIN, WWW] {
            self.acme.set_a(name, address).expect("A record");
        }
    }

    fn orders(&self) -> usize {
        self.acme.orders().expect("pebble's log")
    }

    /// `curl` to `url` with the server's address for both names, trusting only Pebble's
    /// issuing root: (exit status, headers and body, stderr).
    fn curl(&self, url: &str, extra: &[&str]) -> (bool, String, String) {
        let root = self.work.path().join("pebble-root.pem");
        std::fs::write(&root, self.acme.issuing_root().expect("root")).expect("write root");
        let mut curl = Command::new("curl");
        curl.args(["--silent", "--show-error", "--include", "--max-time", "10"])
            .arg("--cacert")
            .arg(&root);
        for name in [DOMAIN, WWW] {
            for port in [80, 443] {
                curl.args([
                    "--resolve",
                    &format!("{name}:{port}:{}", self.server.address),
                ]);
            }
        }
        let output = curl.args(extra).arg(url).output().expect("curl runs");
        (
            output.status.success(),
            text(&output.stdout),
            text(&output.stderr),
        )
    }

    /// Runs `script` as root on the server through the deploy user's login.
    fn as_root(&self, script: &str) -> String {
        let output = self
            .server
            .ssh_as("deploy", &format!("sudo -n sh -c '{script}'"))
            .expect("ssh");
        assert!(
            output.status.success(),
            "{script}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    }
}

/// What an OpenSSH client sees when it tries `user`: `(logged in, stderr)`.
fn openssh(server: &Server, user: &str, options: &[&str]) -> (bool, String) {
    let output = Command::new("ssh")
        .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"])
        .args([
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=5",
        ])
        .args(options)
        .arg(format!("{user}@{}", server.address))
        .arg("true")
        .stdin(Stdio::null())
        .output()
        .expect("ssh runs");
    (output.status.success(), text(&output.stderr))
}

fn reachable(address: Ipv4Addr, port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from((address, port)), Duration::from_secs(2)).is_ok()
}

/// The deploy user logs in with its key and has sudo; root and passwords are refused;
/// only SSH, HTTP and HTTPS get through; fail2ban watches SSH.
fn assert_locked_down(site: &Site) {
    let key = site.server.key();
    let key = [
        "-i",
        key.to_str().expect("utf-8 path"),
        "-o",
        "IdentitiesOnly=yes",
    ];
    let (root_in, said) = openssh(&site.server, "root", &key);
    assert!(!root_in, "root logged in");
    assert!(said.contains("Permission denied"), "{said}");
    let (_, said) = openssh(
        &site.server,
        "root",
        &[
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "-o",
            "PubkeyAuthentication=no",
        ],
    );
    assert!(said.contains("Permission denied (publickey)"), "{said}");
    assert_eq!(site.as_root("id -un").trim(), "root");
    site.as_root(
        "systemd-run --unit slipway-probe-8081 python3 -m http.server 8081 >/dev/null 2>&1",
    );
    std::thread::sleep(Duration::from_millis(500));
    let inside = site.as_root("python3 -c \"import socket; socket.create_connection((\\\"127.0.0.1\\\", 8081), 2); print(1)\"");
    assert_eq!(inside.trim(), "1", "the probe listener runs");
    assert!(
        !reachable(site.server.address, 8081),
        "port 8081 is open to the world"
    );
    for port in [22, 80, 443] {
        assert!(
            reachable(site.server.address, port),
            "port {port} is closed"
        );
    }
    let jail = site.as_root("fail2ban-client status sshd");
    assert!(jail.contains("Currently banned"), "{jail}");
}

#[test]
fn a_first_deploy_ends_at_https_on_a_locked_down_server_and_a_second_asks_nothing() {
    let site = Site::new(60, "");
    site.point(site.server.address);

    let out = site.project.deploy();
    assert!(
        out.contains(&format!("is live at https://{DOMAIN}")),
        "{out}"
    );
    assert!(out.contains("certbot trial renewal"), "{out}");
    assert_eq!(
        site.acme.issued().expect("pebble's log"),
        2,
        "one certificate and one trial renewal: {out}"
    );

    // HTTPS with a chain that verifies against Pebble's root, HSTS, and the app behind.
    let (ok, page, err) = site.curl(&format!("https://{DOMAIN}/health"), &[]);
    assert!(ok, "{err}");
    assert!(page.starts_with("HTTP/2 200"), "{page}");
    assert!(
        page.contains("strict-transport-security: max-age=63072000"),
        "{page}"
    );
    // www answers with a redirect to the main name, over HTTPS with the same certificate.
    let (ok, page, err) = site.curl(&format!("https://{WWW}/health"), &[]);
    assert!(ok, "{err}");
    assert!(
        page.contains(&format!("location: https://{DOMAIN}/health")),
        "{page}"
    );
    // Plain HTTP redirects, except certificate challenges.
    let (_, page, _) = site.curl(&format!("http://{DOMAIN}/health?x=1"), &[]);
    assert!(page.starts_with("HTTP/1.1 301"), "{page}");
    assert!(
        page.contains(&format!("Location: https://{DOMAIN}/health?x=1")),
        "{page}"
    );
    site.as_root("echo proof > /var/www/slipway-acme/.well-known/acme-challenge/probe");
    let (ok, page, _) = site.curl(
        &format!("http://{DOMAIN}/.well-known/acme-challenge/probe"),
        &[],
    );
    assert!(
        ok && page.starts_with("HTTP/1.1 200") && page.ends_with("proof\n"),
        "{page}"
    );

    // Renewal: the timer is on and the trial renewal passed during the deploy.
    assert_eq!(
        site.as_root("systemctl is-enabled certbot.timer").trim(),
        "enabled"
    );
    let proven = site.as_root("cat /etc/letsencrypt/renewal/shop.slipway-proven");
    let settings = site.as_root("sha256sum /etc/letsencrypt/renewal/shop.conf | cut -d\" \" -f1");
    assert_eq!(proven, settings);

    assert_locked_down(&site);

    // `slipway status` shows the certificate.
    let status = site.project.slipway(&["status"]);
    let shown = text(&status.stdout);
    assert!(status.status.success(), "{shown}{}", text(&status.stderr));
    assert!(
        shown.contains(&format!(
            "Certificate: {DOMAIN}, {WWW} from Pebble Intermediate CA"
        )),
        "{shown}"
    );
    assert!(shown.contains("days left"), "{shown}");

    // A certificate check proves renewal again, changing nothing.
    let issued = site.acme.issued().expect("pebble's log");
    let check = site.project.slipway(&["certificate", "check"]);
    let said = text(&check.stdout);
    assert!(check.status.success(), "{said}{}", text(&check.stderr));
    assert!(said.contains("Renewal: a trial renewal passed"), "{said}");
    assert_eq!(site.acme.issued().expect("pebble's log"), issued + 1);

    // A second deploy logs in as the deploy user and asks Pebble for nothing.
    let before = site.orders();
    let again = site.project.deploy();
    assert_eq!(site.orders(), before, "{again}");
    assert!(again.contains("unchanged  certificate:shop"), "{again}");
    assert!(!again.contains("login:deploy"), "{again}");
}

#[test]
fn no_certificate_is_asked_for_while_dns_points_elsewhere() {
    let site = Site::new(4, "");
    let elsewhere = Ipv4Addr::new(10, 99, 0, 1);
    site.point(elsewhere);

    let output = site.project.slipway(&["deploy", "--yes"]);
    let (out, err) = (text(&output.stdout), text(&output.stderr));
    assert!(!output.status.success(), "{out}");
    assert_eq!(
        site.orders(),
        0,
        "an order was placed while DNS was wrong: {out}"
    );
    // The message names what the name points at and what it must point at.
    let said = format!("{out}{err}");
    assert!(
        said.contains(&format!("{DOMAIN} points at {elsewhere}")),
        "{said}"
    );
    assert!(said.contains(&site.server.address.to_string()), "{said}");
    // `slipway dns check` says the same, without deploying.
    let check = site.project.slipway(&["dns", "check"]);
    let said = text(&check.stdout);
    assert_eq!(check.status.code(), Some(8), "{said}");
    assert!(
        said.contains(&format!("{WWW} points at {elsewhere}")),
        "{said}"
    );
    // The site went live over HTTP meanwhile, and the next deploy picks up from there.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_slipway"));
    cmd.args(["deploy", "--yes"])
        .current_dir(&site.project.dir)
        .env(
            "SLIPWAY_KNOWN_HOSTS",
            site.project.dir.join("../known_hosts"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let spec = site.project.dir.join("slipway.toml");
    let text_now = std::fs::read_to_string(&spec).expect("spec");
    std::fs::write(&spec, text_now.replace("dns_wait = 4", "dns_wait = 90")).expect("spec");
    let mut child = cmd.spawn().expect("slipway runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    // Once the deploy says it is waiting, point the names at the server.
    for line in lines.by_ref() {
        let line = line.expect("line");
        seen.push(line.clone());
        if line.contains('…') && line.contains(&elsewhere.to_string()) {
            site.point(site.server.address);
            break;
        }
    }
    seen.extend(lines.map_while(Result::ok));
    let status = child.wait().expect("slipway ends");
    let mut stderr = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr);
    let all = seen.join("\n");
    assert!(status.success(), "{all}\n{stderr}");
    assert!(
        all.contains(&format!("is live at https://{DOMAIN}")),
        "{all}"
    );
    let (ok, page, err) = site.curl(&format!("https://{DOMAIN}/health"), &[]);
    assert!(ok && page.starts_with("HTTP/2 200"), "{page}{err}");
    let check = site.project.slipway(&["dns", "check"]);
    let said = text(&check.stdout);
    assert!(check.status.success(), "{said}");
    assert!(
        said.contains(&format!("Every name points at {}.", site.server.address)),
        "{said}"
    );
}

#[test]
fn a_deploy_user_that_cannot_log_in_leaves_root_login_on_and_says_so() {
    let site = Site::new(60, "");
    site.point(site.server.address);
    // An admin's earlier choice that the deploy user's login would fall foul of.
    let deny = "printf 'AllowUsers root\\n' > /etc/ssh/sshd_config.d/10-admin.conf && systemctl reload ssh";
    assert!(site.server.ssh(deny).expect("ssh").status.success());

    let out = site.project.deploy();
    assert!(
        out.contains("Slipway could not log in as deploy with sudo"),
        "{out}"
    );
    assert!(
        out.contains("root login and password login stay on"),
        "{out}"
    );
    // Root still logs in; the site is up over HTTPS all the same.
    let check = site
        .server
        .ssh("sshd -T -C user=root,host=x,addr=10.0.0.1 | grep -i '^permitrootlogin'")
        .expect("root still logs in");
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(
        !text(&check.stdout).contains(" no"),
        "{}",
        text(&check.stdout)
    );
    let (ok, page, err) = site.curl(&format!("https://{DOMAIN}/health"), &[]);
    assert!(ok && page.starts_with("HTTP/2 200"), "{page}{err}");
}
