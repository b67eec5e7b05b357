//! From "no server" to a live HTTPS site in one `slipway deploy`, with the server and
//! the DNS records made through DigitalOcean's API.
//!
//! The DigitalOcean here is the crate's contract-checking fake, with two things wired
//! in: a new droplet boots a real sandbox server (cloud-init's part played by the
//! sandbox: the account's SSH key for root, the host key from the user data), and every
//! address record it stores is served by `pebble-challtestsrv`, the DNS that Pebble and
//! Slipway's DNS check ask. Secrets live in a real keychain in a private desktop
//! session; Slipway makes the project's keys itself.

mod support;

use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Output, Stdio};

use slipway_cloud::fake::Fault;
use slipway_cloud::fake::cloudflare::FakeCloudflare;
use slipway_cloud::fake::hetzner::FakeHetzner;
use slipway_cloud::fake::namecheap::{FakeHost, FakeNamecheap, WHITELISTED_IP};
use slipway_cloud::fake::sandbox::SandboxCloud;
use slipway_sandbox::Sandbox;
use slipway_sandbox::services::desktop::DesktopSession;

use support::{Project, text};

const DOMAIN: &str = "shop.example.test";
const WWW: &str = "www.shop.example.test";

/// The ed25519 host key the server at `address` presents: `type base64`.
fn keyscan(address: Ipv4Addr) -> String {
    let output = Command::new("ssh-keyscan")
        .args(["-t", "ed25519", "-T", "5"])
        .arg(address.to_string())
        .output()
        .expect("ssh-keyscan runs");
    let found = text(&output.stdout);
    let line = found
        .lines()
        .find(|line| !line.starts_with('#'))
        .unwrap_or_else(|| panic!("no host key from {address}: {}", text(&output.stderr)));
    line.split_whitespace()
        .skip(1)
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

struct World {
    work: tempfile::TempDir,
    session: DesktopSession,
    /// The account, its droplets' servers (torn down when the test ends), and Pebble.
    cloud: SandboxCloud,
    project: Project,
}

impl World {
    fn new() -> Self {
        let work = tempfile::tempdir().expect("temp dir");
        let session = DesktopSession::start(&work.path().join("desktop")).expect("keyring");
        let cloud = SandboxCloud::start(work.path(), DOMAIN);
        let server = "[server]\nprovider = \"digitalocean\"\nregion = \"fra1\"\n\
                      size = \"s-1vcpu-1gb\"\nkey = \"keychain\"\n";
        let tables = format!(
            "\n[domain]\nname = \"{DOMAIN}\"\naliases = [\"{WWW}\"]\n\
             resolvers = [\"127.0.0.1:{dns}\"]\ndns_wait = 60\n\n\
             [domain.dns]\nprovider = \"digitalocean\"\n\n\
             [tls]\nemail = \"ops@example.test\"\nacme = \"{directory}\"\n\
             ca_bundle = \"{ca}\"\n",
            dns = cloud.acme.dns_port,
            directory = cloud.acme.directory(),
            ca = cloud.ca_bundle.display(),
        );
        let project = Project::with_server("flask-app", server, "health = \"/health\"\n", &tables);
        Self {
            work,
            session,
            cloud,
            project,
        }
    }

    fn known_hosts(&self) -> std::path::PathBuf {
        self.work.path().join("known_hosts")
    }

    /// `slipway` in the project, in the desktop session, aimed at the fake, with no
    /// `--trust`: an unknown host key is refused.
    fn slipway(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_slipway"));
        self.session
            .apply(&mut command)
            .args(args)
            .current_dir(&self.project.dir)
            .env("SLIPWAY_KNOWN_HOSTS", self.known_hosts())
            .env(
                "SLIPWAY_DIGITALOCEAN_API",
                self.cloud.fake.base_url().as_str(),
            )
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

    /// `slipway secret set digitalocean-token`, the token read from standard input.
    fn store_token(&self) {
        let stored = self.slipway(
            &["secret", "set", "digitalocean-token"],
            Some(&format!("{}\n", self.cloud.fake.token().expose())),
        );
        assert!(stored.status.success(), "{}", text(&stored.stderr));
    }

    /// How many changes Slipway asked DigitalOcean for: droplets, keys, records.
    fn writes(&self) -> usize {
        self.cloud.fake.count("POST", "/v2/droplets")
            + self.cloud.fake.count("POST", "/v2/account/keys")
            + self
                .cloud
                .fake
                .exchanges()
                .iter()
                .filter(|e| e.path.contains("/records") && e.method != "GET")
                .count()
    }

    fn succeeds(&self, args: &[&str]) -> String {
        let output = self.slipway(args, None);
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "slipway {}: {stdout}\n{}",
            args.join(" "),
            text(&output.stderr)
        );
        stdout
    }

    fn server(&self) -> (Ipv4Addr, String) {
        let booted = self.cloud.droplets.servers();
        assert_eq!(booted.len(), 1, "one droplet booted one server");
        (booted[0].address, booted[0].host_key.clone())
    }

    /// The domain's address records: (type, name, data), sorted.
    fn records(&self) -> Vec<(String, String, String)> {
        let mut records: Vec<(String, String, String)> = self
            .cloud
            .fake
            .records(DOMAIN)
            .iter()
            .filter(|r| matches!(r["type"].as_str(), Some("A" | "AAAA")))
            .map(|r| {
                (
                    r["type"].as_str().unwrap_or_default().to_owned(),
                    r["name"].as_str().unwrap_or_default().to_owned(),
                    r["data"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        records.sort();
        records
    }

    /// `curl https://DOMAIN/health`, resolved by the DNS the records went to and
    /// trusting only Pebble's issuing root.
    fn https_health(&self, address: Ipv4Addr) -> (bool, String) {
        let root = self.work.path().join("pebble-root.pem");
        std::fs::write(&root, self.cloud.acme.issuing_root().expect("root")).expect("write root");
        let output = Command::new("curl")
            .args(["--silent", "--show-error", "--include", "--max-time", "10"])
            .arg("--cacert")
            .arg(&root)
            .args(["--resolve", &format!("{DOMAIN}:443:{address}")])
            .arg(format!("https://{DOMAIN}/health"))
            .output()
            .expect("curl runs");
        (output.status.success(), text(&output.stdout))
    }
}

#[test]
fn one_deploy_takes_a_project_from_no_server_to_https_through_digitalocean() {
    let world = World::new();
    world.store_token();

    let first = world.succeeds(&["deploy", "--yes"]);
    let (address, host_key) = world.server();
    for line in [
        "made the project's SSH key SHA256:".to_owned(),
        "added the SSH key \"slipway-shop\" to the account".to_owned(),
        "creating server shop (fra1, s-1vcpu-1gb, debian-12-x64)".to_owned(),
        format!("server shop is up at {address}"),
        format!("pinned {address}'s host key SHA256:"),
        format!("{address} made itself a new host key SHA256:"),
        format!("A {DOMAIN} → {address} (created)"),
        format!("A {WWW} → {address} (created)"),
    ] {
        assert!(first.contains(&line), "{line:?} missing from:\n{first}");
    }
    assert!(
        !first.contains("First connection"),
        "the host key was pinned before the first connection, not trusted on first use:\n{first}"
    );
    let (ok, response) = world.https_health(address);
    assert!(ok && response.starts_with("HTTP/2 200"), "{response}");

    // The key from the user data let the first connection in; the provider saw it, so
    // the server replaced it, and the key Slipway pins now is the one the server shows.
    let presented = keyscan(address);
    assert_ne!(presented, host_key, "the first host key was replaced");
    let known = std::fs::read_to_string(world.known_hosts()).expect("known_hosts");
    let pinned: Vec<&str> = known
        .lines()
        .filter(|line| line.starts_with(&format!("{address} ")))
        .collect();
    assert_eq!(pinned, [format!("{address} {presented}")], "{known}");
    assert_eq!(world.cloud.fake.droplets().len(), 1);
    let droplet = &world.cloud.fake.droplets()[0];
    let tags: Vec<&str> = droplet["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert_eq!(tags, ["slipway", "slipway-project-shop"]);
    let expected = vec![
        ("A".to_owned(), "@".to_owned(), address.to_string()),
        ("A".to_owned(), "www".to_owned(), address.to_string()),
    ];
    assert_eq!(world.records(), expected);

    // A redeploy finds the server and the records as they should be: nothing is made.
    let before = world.writes();
    let requests_before = world.cloud.fake.exchanges().len();
    let second = world.succeeds(&["deploy", "--yes"]);
    let asked: Vec<String> = world.cloud.fake.exchanges()[requests_before..]
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    // One look for the droplet, one for the domain, one per record name.
    let records = format!("GET /v2/domains/{DOMAIN}/records");
    assert_eq!(
        asked,
        [
            "GET /v2/droplets".to_owned(),
            format!("GET /v2/domains/{DOMAIN}"),
            records.clone(),
            records,
        ]
    );
    assert!(
        second.contains(&format!("found the project's server shop at {address}")),
        "{second}"
    );
    assert!(
        second.contains(&format!("A {DOMAIN} → {address} (already right)")),
        "{second}"
    );
    assert_eq!(
        world.writes(),
        before,
        "a redeploy writes nothing at DigitalOcean"
    );
    assert_eq!(world.cloud.fake.droplets().len(), 1);
    assert_eq!(world.records(), expected);

    let listed = world.succeeds(&["server", "list"]);
    assert!(
        listed.starts_with(&format!(
            "shop\tactive\t{address}\tfra1\ts-1vcpu-1gb\tDigitalOcean"
        )),
        "{listed}"
    );
    let status = world.succeeds(&["status"]);
    assert!(status.contains("shop"), "{status}");

    let destroyed = destroy(&world, address);

    // Neither the token nor a private key (the login key, either host key) is printed.
    let token = world.cloud.fake.token().expose().clone();
    for (what, output) in [
        ("first deploy", &first),
        ("second deploy", &second),
        ("list", &listed),
        ("status", &status),
        ("destroy", &destroyed),
    ] {
        assert!(!output.contains(&token), "{what} printed the token");
        assert!(
            !output.contains("PRIVATE KEY"),
            "{what} printed a private key"
        );
    }
}

/// `server destroy` needs the server's name; then the droplet and its pin are gone.
fn destroy(world: &World, address: Ipv4Addr) -> String {
    // Destroying takes the server's name, typed back.
    let refused = world.slipway(&["server", "destroy"], None);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("--confirm shop"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(world.cloud.fake.droplets().len(), 1);
    let destroyed = world.succeeds(&["server", "destroy", "--confirm", "shop"]);
    assert!(
        destroyed.contains("Server shop is destroyed."),
        "{destroyed}"
    );
    assert!(world.cloud.fake.droplets().is_empty());
    let known = std::fs::read_to_string(world.known_hosts()).expect("known_hosts");
    assert!(!known.contains(&address.to_string()), "{known}");
    let gone = world.slipway(&["status"], None);
    assert!(
        text(&gone.stderr).contains("DigitalOcean has no server for shop yet"),
        "{}",
        text(&gone.stderr)
    );

    destroyed
}

#[test]
fn a_server_whose_create_reply_was_lost_is_found_and_pinned_on_the_rerun() {
    let world = World::new();
    world.store_token();

    world.cloud.fake.inject(Fault::LoseNextCreate);
    let lost = world.slipway(&["server", "create"], None);
    let stderr = text(&lost.stderr);
    assert_eq!(lost.status.code(), Some(10), "{stderr}");
    assert!(stderr.contains("so it may have happened"), "{stderr}");
    assert_eq!(
        world.cloud.fake.droplets().len(),
        1,
        "the droplet was made all the same"
    );

    let again = world.succeeds(&["server", "create"]);
    let (address, first_key) = world.server();
    for line in [
        "found the project's server shop".to_owned(),
        format!("pinned {address}'s host key SHA256:"),
        format!("{address} made itself a new host key SHA256:"),
    ] {
        assert!(again.contains(&line), "{line:?} missing from:\n{again}");
    }
    assert_eq!(
        world.cloud.fake.count("POST", "/v2/droplets"),
        1,
        "no second droplet"
    );
    let presented = keyscan(address);
    assert_ne!(presented, first_key);
    let known = std::fs::read_to_string(world.known_hosts()).expect("known_hosts");
    assert!(known.contains(&format!("{address} {presented}")), "{known}");

    let third = world.succeeds(&["server", "create"]);
    assert!(
        third.contains(&format!("found the project's server shop at {address}")),
        "{third}"
    );
    assert!(!third.contains("pinned"), "{third}");
    assert_eq!(world.cloud.fake.count("POST", "/v2/droplets"), 1);
}

/// Tears down the sandbox servers labelled for `label`, now and when dropped.
struct Labelled(&'static str);

impl Labelled {
    fn clear(&self) {
        let sandbox = Sandbox::from_env();
        for record in sandbox.list() {
            if record.label.as_deref() == Some(self.0) {
                let _ = sandbox.teardown(&record.name);
            }
        }
    }
}

impl Drop for Labelled {
    fn drop(&mut self) {
        self.clear();
    }
}

#[test]
fn a_sandbox_server_is_made_found_and_destroyed_like_a_cloud_server() {
    let labelled = Labelled("slipway-project-shop");
    labelled.clear();
    let work = tempfile::tempdir().expect("temp dir");
    let session = DesktopSession::start(&work.path().join("desktop")).expect("keyring");
    let project = Project::with_server(
        "flask-app",
        "[server]\nprovider = \"sandbox\"\nkey = \"keychain\"\n",
        "health = \"/health\"\n",
        "",
    );
    let known_hosts = work.path().join("known_hosts");
    let slipway = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_slipway"));
        let output = session
            .apply(&mut command)
            .args(args)
            .current_dir(&project.dir)
            .env("SLIPWAY_KNOWN_HOSTS", &known_hosts)
            .stdin(Stdio::null())
            .output()
            .expect("slipway runs");
        (
            output.status.code(),
            text(&output.stdout),
            text(&output.stderr),
        )
    };

    let (code, created, stderr) = slipway(&["server", "create"]);
    assert_eq!(code, Some(0), "{created}\n{stderr}");
    let record = Sandbox::from_env()
        .list()
        .into_iter()
        .find(|r| r.label.as_deref() == Some("slipway-project-shop"))
        .expect("a labelled sandbox server");
    let (name, address) = (record.name.clone(), record.address());
    assert!(
        created.contains(&format!("creating server {name}")),
        "{created}"
    );
    assert!(
        created.contains(&format!("pinned {address}'s host key SHA256:")),
        "{created}"
    );
    let known = std::fs::read_to_string(&known_hosts).expect("known_hosts");
    assert!(
        known.contains(&format!("{address} {}", keyscan(address))),
        "{known}"
    );

    let (code, again, _) = slipway(&["server", "create"]);
    assert_eq!(code, Some(0));
    assert!(
        again.contains(&format!("found the project's server {name} at {address}")),
        "{again}"
    );
    let (_, listed, _) = slipway(&["server", "list"]);
    assert!(
        listed.starts_with(&format!("{name}\tactive\t{address}\tlocal\tsandbox")),
        "{listed}"
    );

    // The pinned key lets the deploy in without --trust.
    let (code, deployed, stderr) = slipway(&["deploy", "--yes"]);
    assert_eq!(code, Some(0), "{deployed}\n{stderr}");
    let health = Command::new("curl")
        .args(["--silent", "--fail", "--max-time", "10"])
        .arg(format!("http://{address}/health"))
        .output()
        .expect("curl runs");
    assert!(health.status.success(), "{}", text(&health.stderr));

    let (code, _, stderr) = slipway(&["server", "destroy", "--confirm", "shop"]);
    assert_eq!(
        code,
        Some(1),
        "the sandbox server is not called shop: {stderr}"
    );
    assert!(stderr.contains(&format!("--confirm {name}")), "{stderr}");
    let (code, destroyed, stderr) = slipway(&["server", "destroy", "--confirm", &name]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(destroyed.contains(&format!("Server {name} is destroyed.")));
    assert!(
        Sandbox::from_env().list().iter().all(|r| r.name != name),
        "the sandbox server is gone"
    );
}

/// `slipway` in `project` with `env`, secrets given as `SLIPWAY_SECRET_*` variables:
/// (exit code, stdout, stderr).
fn run_with(project: &Project, args: &[&str], env: &[(&str, String)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slipway"));
    command
        .args(args)
        .current_dir(&project.dir)
        .env("SLIPWAY_KNOWN_HOSTS", project.dir.join("../known_hosts"))
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("slipway runs");
    (
        output.status.code().unwrap_or(-1),
        text(&output.stdout),
        text(&output.stderr),
    )
}

const SHOP: &str = "shop.example.com";

/// A spec for an existing server at 203.0.113.7 whose records `dns` holds.
fn dns_project(dns: &str) -> Project {
    let tables = format!(
        "\n[domain]\nname = \"{SHOP}\"\naliases = [\"www.{SHOP}\"]\n\n[domain.dns]\n{dns}\n\
         [tls]\nemail = \"ops@example.com\"\n"
    );
    Project::with_server(
        "flask-app",
        "[server]\nhost = \"203.0.113.7\"\n",
        "",
        &tables,
    )
}

#[test]
fn hetzner_shows_what_it_can_make_and_that_nothing_is_made_yet() {
    let hetzner = FakeHetzner::start();
    let project = Project::with_server(
        "flask-app",
        "[server]\nprovider = \"hetzner\"\nregion = \"fsn1\"\nsize = \"cx22\"\n\
         key = \"keychain\"\n",
        "",
        "",
    );
    let env = [
        (
            "SLIPWAY_HETZNER_API",
            hetzner.config(hetzner.token()).base_url.to_string(),
        ),
        (
            "SLIPWAY_SECRET_SHOP_HETZNER_TOKEN",
            hetzner.token().expose().clone(),
        ),
    ];
    let (code, options, stderr) =
        run_with(&project, &["server", "options", "--region", "fsn1"], &env);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        options.starts_with("Hetzner Cloud: the account is active"),
        "{options}"
    );
    assert!(
        options.contains("cx22") && options.contains("EUR/month"),
        "{options}"
    );
    assert!(
        !options.contains("cx11"),
        "a retired type is not offered:\n{options}"
    );
    let (code, listed, _) = run_with(&project, &["server", "list"], &env);
    assert_eq!((code, listed.as_str()), (0, "No server for shop yet.\n"));
    let (code, _, stderr) = run_with(&project, &["status"], &env);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("Hetzner Cloud has no server for shop yet"),
        "{stderr}"
    );
    let (code, _, stderr) = run_with(&project, &["server", "list"], &env[..1]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("SLIPWAY_SECRET_SHOP_HETZNER_TOKEN"),
        "a missing token says how to give it: {stderr}"
    );
}

#[test]
fn cloudflare_gets_a_subdomains_records_in_its_parent_zone_once() {
    let cloudflare = FakeCloudflare::start();
    cloudflare.add_zone("example.com");
    let project = dns_project("provider = \"cloudflare\"\n");
    let env = [
        (
            "SLIPWAY_CLOUDFLARE_API",
            cloudflare.config(cloudflare.token()).base_url.to_string(),
        ),
        (
            "SLIPWAY_SECRET_SHOP_CLOUDFLARE_TOKEN",
            cloudflare.token().expose().clone(),
        ),
    ];
    let (code, set, stderr) = run_with(&project, &["dns", "set"], &env);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        set.contains(&format!("A {SHOP} → 203.0.113.7 (created)")),
        "{set}"
    );
    assert!(
        set.contains(&format!("A www.{SHOP} → 203.0.113.7 (created)")),
        "{set}"
    );
    let (_, again, _) = run_with(&project, &["dns", "set"], &env);
    assert!(
        again.contains("(already right)") && !again.contains("(created)"),
        "{again}"
    );
    assert_eq!(cloudflare.records("example.com").len(), 2);
}

#[test]
fn namecheap_gets_the_zone_written_back_whole_mail_and_all() {
    let namecheap = FakeNamecheap::start();
    let others = [
        FakeHost::new("@", "MX", "mail.example.com.").mx_pref(5),
        FakeHost::new("@", "TXT", "v=spf1 include:_spf.example.net ~all"),
        FakeHost::new("blog", "CNAME", "example.github.io."),
    ];
    namecheap.add_domain("example.com", &others, "MX");
    let project = dns_project(&format!(
        "provider = \"namecheap\"\nuser = \"{}\"\nclient_ip = \"{WHITELISTED_IP}\"\n",
        namecheap.api_user()
    ));
    let env = [
        ("SLIPWAY_NAMECHEAP_API", namecheap.endpoint().to_string()),
        (
            "SLIPWAY_SECRET_SHOP_NAMECHEAP_KEY",
            namecheap.api_key().expose().clone(),
        ),
    ];
    let (code, set, stderr) = run_with(&project, &["dns", "set"], &env);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        set.contains(&format!("A www.{SHOP} → 203.0.113.7 (created)")),
        "{set}"
    );
    let hosts = namecheap.hosts("example.com");
    for other in &others {
        assert!(hosts.contains(other), "{other:?} was lost: {hosts:?}");
    }
    let names: Vec<(&str, &str)> = hosts
        .iter()
        .filter(|h| h.kind == "A")
        .map(|h| (h.name.as_str(), h.address.as_str()))
        .collect();
    assert_eq!(
        names,
        [("shop", "203.0.113.7"), ("www.shop", "203.0.113.7")]
    );
    assert_eq!(namecheap.email_type("example.com").as_deref(), Some("MX"));
    let (_, _, _) = run_with(&project, &["dns", "set"], &env);
    assert_eq!(
        namecheap.set_hosts_calls(),
        1,
        "an unchanged zone is not written"
    );
}

#[test]
fn manual_dns_shows_the_records_to_create() {
    let project = dns_project("provider = \"manual\"\n");
    let (code, set, stderr) = run_with(&project, &["dns", "set"], &[]);
    assert_eq!(code, 0, "{stderr}");
    let expected = format!(
        "Create these records where the domain's DNS is hosted:\n  \
         A     {SHOP:<32} 203.0.113.7\n  \
         A     {:<32} 203.0.113.7\n",
        format!("www.{SHOP}")
    );
    assert!(set.starts_with(&expected), "{set}");
}
