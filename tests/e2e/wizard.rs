//! The first-time wizard in the real desktop app, from a project folder to a live HTTPS
//! site: the app's settings, a new DigitalOcean server picked from what the account
//! offers, the domain with its `www.` name and DNS at DigitalOcean, a certificate,
//! a desktop notification, and the token kept in the keychain and nowhere else. Then
//! the dashboard the Done screen opens: a Redeploy that finds nothing to change, a new
//! commit redeployed as a new release, a Rollback to the first release, and the
//! history of those four runs with their logs.

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::key::Key;
use slipway_e2e::world::{DOMAIN, WWW, World};
use slipway_e2e::{Desktop, workspace};
use slipway_spec::Spec;

/// How long the deploy of a new server (boot, lockdown, packages, certificate) may take.
const DEPLOY_LIMIT: Duration = Duration::from_mins(10);

/// How long a redeploy or rollback from the dashboard may take.
const RUN_LIMIT: Duration = Duration::from_mins(5);

/// How long the dashboard may take to ask the server how the site is.
const STATUS_LIMIT: Duration = Duration::from_mins(1);

/// The page's heading as the first commit has it, and as the next one changes it.
const FIRST_TITLE: &str = "<h1>Hello from Flask</h1>";
const SECOND_TITLE: &str = "<h1>Hello again from Flask</h1>";

/// The commit the project's folder is at, in full.
fn head(project: &Path) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(project)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// How many elements match the CSS `selector` now.
async fn count(desktop: &Desktop, selector: &str) -> usize {
    desktop
        .client
        .find_all(Locator::Css(selector))
        .await
        .expect("query")
        .len()
}

/// How many elements with `data-testid` = `id` are on screen now.
async fn all(desktop: &Desktop, id: &str) -> usize {
    count(desktop, &format!("[data-testid=\"{id}\"]")).await
}

/// Waits until the box or radio `id` is checked.
async fn until_checked(desktop: &Desktop, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !desktop
        .by_test_id(id)
        .await
        .is_selected()
        .await
        .expect("selected")
    {
        assert!(Instant::now() < deadline, "{id} is not checked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The app step: open the folder, then give the app its settings.
async fn app_step(desktop: &Desktop, world: &World, shots: &Path) {
    let path = desktop.by_test_id("project-path").await;
    path.send_keys(&world.project().to_string_lossy())
        .await
        .expect("type the path");
    path.send_keys(&Key::Enter.to_string())
        .await
        .expect("submit");
    desktop.until_text("detected-framework", "Flask").await;
    desktop.until_text("detected-entry", "app:app").await;

    desktop.fill("field-app.name", "shop").await;
    desktop.select("field-app.framework", "flask").await;
    desktop.click("field-app.interface-wsgi").await;
    desktop.fill("field-app.entry", "app:app").await;
    desktop
        .fill("field-app.dependencies", "requirements.txt")
        .await;
    desktop.fill("field-app.health", "/health").await;
    desktop
        .until_text("nav-status", "Everything on this step looks right.")
        .await;
    desktop.screenshot(&shots.join("01-app.png")).await;
    desktop.click("next").await;
}

/// The server step: DigitalOcean, the token typed in, a region and size from the lists
/// the account's offer fills.
async fn server_step(desktop: &Desktop, world: &World, shots: &Path) {
    desktop.until_heading("Where will your app run?").await;
    desktop.click("server-kind-digitalocean").await;
    // The field is drawn again once the keychain has said it holds no token yet: type
    // into the one that stays.
    let token = Locator::Css("[data-testid=\"server-token\"]");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(field) = desktop.client.find(token).await {
            let _ = field.send_keys(&world.token()).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Ok(field) = desktop.client.find(token).await
            && field.prop("value").await.ok().flatten() == Some(world.token())
        {
            assert_eq!(
                field.attr("type").await.expect("type").as_deref(),
                Some("password"),
                "the token is hidden as it is typed"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the token field kept changing");
    }
    desktop.click("check-token").await;
    desktop
        .by_test_id_within("token-stored", Duration::from_secs(30))
        .await;
    let account = desktop.by_test_id("server-account").await.text().await;
    assert!(
        !account.expect("account").trim().is_empty(),
        "the account the token belongs to is shown"
    );

    let regions = desktop.options("field-server.region").await;
    assert!(
        regions.iter().any(|r| r == "fra1") && regions.iter().any(|r| r == "ams3"),
        "the regions come from the account: {regions:?}"
    );
    desktop.select("field-server.region", "fra1").await;
    let sizes = desktop.options("field-server.size").await;
    assert!(
        sizes.iter().any(|s| s == "s-1vcpu-1gb"),
        "Frankfurt's sizes: {sizes:?}"
    );
    assert!(
        !sizes.iter().any(|s| s == "s-1vcpu-2gb"),
        "a size Frankfurt does not sell is not offered there: {sizes:?}"
    );
    desktop.select("field-server.size", "s-1vcpu-1gb").await;
    desktop.until_text("server-price", "a month").await;
    desktop
        .until_text("nav-status", "Everything on this step looks right.")
        .await;
    desktop.screenshot(&shots.join("02-server.png")).await;
    desktop.click("next").await;
}

/// The domain step: the name and its `www.`, DNS at DigitalOcean with the token already
/// stored, and the address Let's Encrypt writes to.
async fn domain_step(desktop: &Desktop, shots: &Path) {
    desktop
        .until_heading("What address will people visit?")
        .await;
    desktop.click("domain-choice-use").await;
    desktop.fill("field-domain.name", DOMAIN).await;
    // The name's check settles first: its message going away moves the box below it.
    desktop.until_gone("error-domain.name").await;
    desktop.click("field-domain.www").await;
    until_checked(desktop, "field-domain.www").await;
    desktop.click("dns-provider-digitalocean").await;
    desktop.by_test_id("dns-token-reused").await;
    desktop.fill("field-tls.email", "ops@example.test").await;
    desktop
        .until_text("nav-status", "Everything on this step looks right.")
        .await;
    desktop.screenshot(&shots.join("03-domain.png")).await;
    desktop.click("next").await;
}

/// The notifications step: a desktop notification after every deploy.
async fn notify_step(desktop: &Desktop, shots: &Path) {
    desktop
        .until_heading("Who should hear about deploys?")
        .await;
    desktop.select("field-notify.desktop", "always").await;
    desktop
        .screenshot(&shots.join("04-notifications.png"))
        .await;
    desktop.click("next").await;
}

/// The review step: what will be made, where, at what price; then Deploy.
async fn review_step(desktop: &Desktop, shots: &Path) {
    desktop.until_heading("Ready to go live?").await;
    let summary = desktop.until_text("review-summary", DOMAIN).await;
    for expected in ["shop", "DigitalOcean", "fra1", "s-1vcpu-1gb", WWW] {
        assert!(summary.contains(expected), "{expected:?} in {summary:?}");
    }
    let plan = desktop.by_test_id("review-plan").await.text().await;
    let plan = plan.expect("plan");
    assert!(plan.contains("DigitalOcean DNS"), "{plan}");
    desktop.until_text("review-price", "a month").await;
    assert_eq!(all(desktop, "review-problems").await, 0);
    assert_eq!(all(desktop, "missing-secrets").await, 0);
    desktop.screenshot(&shots.join("05-review.png")).await;
    desktop.click("deploy").await;
}

/// Follows the deploy to its end; the phase it ended in.
async fn follow_deploy(desktop: &Desktop, shots: &Path) -> String {
    let view = desktop.by_test_id("deploy-view").await;
    let deadline = Instant::now() + DEPLOY_LIMIT;
    let mut pictured = false;
    loop {
        let phase = view
            .attr("data-phase")
            .await
            .expect("phase")
            .unwrap_or_default();
        // Pictured once the first step on the server has made its change.
        let progressed = count(
            desktop,
            "[data-testid=\"deploy-steps\"] [data-state=\"changed\"]",
        )
        .await;
        if !pictured && (phase != "running" || progressed > 0) {
            desktop.screenshot(&shots.join("06-deploying.png")).await;
            pictured = true;
        }
        if phase != "running" {
            return phase;
        }
        assert!(
            Instant::now() < deadline,
            "the deploy is still running after {DEPLOY_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What the Done screen says went live.
struct Done {
    release: String,
    commit: String,
}

/// slipway.toml as Deploy saved it: what the wizard chose, and what the expert wrote by
/// hand before, kept.
fn saved_spec_holds_every_choice(world: &World) {
    let toml = std::fs::read_to_string(world.project().join("slipway.toml")).expect("saved");
    let spec = Spec::from_toml(&toml).unwrap_or_else(|error| panic!("{error:?}\n{toml}"));
    assert_eq!(spec.app.name, "shop");
    assert_eq!(
        (spec.app.framework.as_str(), spec.app.entry.as_str()),
        ("flask", "app:app")
    );
    assert_eq!(spec.app.health, "/health");
    let server = spec.server.as_ref().expect("[server]");
    assert_eq!(
        (
            server.provider.as_str(),
            server.region.as_str(),
            server.size.as_str()
        ),
        ("digitalocean", "fra1", "s-1vcpu-1gb"),
        "{toml}"
    );
    let domain = spec.domain.as_ref().expect("[domain]");
    assert_eq!(domain.name, DOMAIN);
    assert_eq!(domain.aliases, [WWW]);
    assert_eq!(domain.dns.provider, "digitalocean", "{toml}");
    assert_eq!(
        domain.resolvers,
        [format!("127.0.0.1:{}", world.cloud.acme.dns_port)],
        "{toml}"
    );
    assert_eq!(domain.dns_wait, 60, "{toml}");
    let tls = spec.tls.as_ref().expect("[tls]");
    assert_eq!(tls.email, "ops@example.test");
    assert_eq!(tls.acme, world.cloud.acme.directory(), "{toml}");
    assert!(tls.ca_bundle.ends_with("acme-ca.pem"), "{toml}");
}

/// The site answers over HTTPS at both names, with a certificate from the ACME server
/// the expert named; the main name serves the app, `www.` sends visitors to it.
fn site_is_live(world: &World, address: Ipv4Addr) {
    let (ok, response) = world.https(DOMAIN, "/health", address);
    assert!(ok && response.starts_with("HTTP/2 200"), "{response}");
    assert!(response.contains("\"status\":\"ok\""), "{response}");
    let (ok, response) = world.https(WWW, "/health", address);
    assert!(ok && response.starts_with("HTTP/2 301"), "{response}");
    assert!(
        response.contains(&format!("location: https://{DOMAIN}/health")),
        "{response}"
    );
}

/// The Done screen: where the site is live, which release of which commit, and that
/// the desktop was told.
async fn done_screen(desktop: &Desktop, world: &World, shots: &Path) -> Done {
    let done = desktop.by_test_id("deploy-done").await;
    let url = desktop.until_text("live-url", DOMAIN).await;
    assert_eq!(url.trim_end_matches('/'), format!("https://{DOMAIN}"));
    let release = desktop
        .by_test_id("live-release")
        .await
        .text()
        .await
        .expect("release");
    // Releases are named by when they were made: 20261127-100246, and more after it.
    let stamp: Vec<char> = release.chars().take(15).collect();
    assert!(
        stamp.len() == 15
            && stamp.iter().enumerate().all(|(i, c)| if i == 8 {
                *c == '-'
            } else {
                c.is_ascii_digit()
            }),
        "a release id: {release:?}"
    );
    let commit = desktop
        .by_test_id("live-commit")
        .await
        .text()
        .await
        .expect("commit");
    assert!(
        commit.len() >= 7 && head(world.project()).starts_with(&commit),
        "{commit:?} is the folder's last commit"
    );
    let shown = desktop.until_text("deploy-view", "shop is live").await;
    assert!(shown.contains(&format!("Release {release}")), "{shown}");
    let told = desktop.until_text("notified", "desktop").await;
    assert!(!told.contains("Could not tell"), "{told}");
    let certificate =
        until_text_within(desktop, "live-certificate", "expires in", STATUS_LIMIT).await;
    assert!(
        certificate.contains("Pebble") && certificate.contains(DOMAIN),
        "the certificate the ACME server issued for {DOMAIN}: {certificate}"
    );
    assert!(done.is_displayed().await.expect("displayed"));
    desktop.screenshot(&shots.join("07-done.png")).await;
    Done { release, commit }
}

/// The desktop was told once, with the release and a way to open the site.
fn desktop_was_told(world: &World, done: &Done) {
    let notices = world.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    let notice = &notices[0];
    assert_eq!(notice.app_name, "Slipway");
    assert_eq!(notice.summary, "shop is live");
    assert!(
        notice.body.contains(&done.release) && notice.body.contains(&done.commit),
        "{notice:?}"
    );
    assert_eq!(notice.actions.first().map(String::as_str), Some("open"));
    assert_eq!(notice.urgency, Some(1), "a success is a normal notice");
    assert_eq!(notice.replaces_id, 0);
}

/// DigitalOcean made one server for the project and pointed both names at it, and
/// every request the app made there was one the API documents.
fn digitalocean_holds_one_server_and_its_records(world: &World, address: Ipv4Addr) {
    assert_eq!(world.cloud.fake.droplets().len(), 1);
    let mut records: Vec<(String, String)> = world
        .cloud
        .fake
        .records(DOMAIN)
        .iter()
        .filter(|r| r["type"] == "A")
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default().to_owned(),
                r["data"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    records.sort();
    assert_eq!(
        records,
        [
            ("@".to_owned(), address.to_string()),
            ("www".to_owned(), address.to_string())
        ]
    );
    assert_eq!(world.cloud.fake.take_violations(), Vec::<String>::new());
}

/// The run logs (`<run id>.log`) in each project's folder under `history`.
fn run_logs(history: &Path) -> Vec<std::path::PathBuf> {
    let mut logs = Vec::new();
    for project in std::fs::read_dir(history)
        .expect("the history folder")
        .flatten()
    {
        for file in std::fs::read_dir(project.path())
            .expect("a project's history")
            .flatten()
        {
            if file.path().extension().is_some_and(|e| e == "log") {
                logs.push(file.path());
            }
        }
    }
    logs
}

/// The token is in the keychain, and nowhere else: not in slipway.toml, not in the
/// history of the four runs, not in any file of the app's home, data, config or cache,
/// not in the project, not in the known hosts, not in what the app printed.
fn token_is_in_the_keychain_only(world: &World) {
    let token = world.token();
    let stored = world.keychain("shop", "digitalocean-token");
    assert!(
        stored.status.success(),
        "{}",
        String::from_utf8_lossy(&stored.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&stored.stdout), token);
    let toml = std::fs::read_to_string(world.project().join("slipway.toml")).expect("saved");
    assert!(!toml.contains(&token), "the token is in slipway.toml");
    // The history of every run, logs included, keeps the token out too.
    let logs = run_logs(&world.app_data().join("history"));
    assert_eq!(logs.len(), 4, "every run's log is kept: {logs:?}");
    let in_history = World::files_containing(&world.app_data(), &token);
    assert!(in_history.is_empty(), "the token is in {in_history:?}");
    let written = World::files_containing(&world.app_folders(), &token);
    assert!(written.is_empty(), "the token is in {written:?}");
    let in_project = World::files_containing(world.project(), &token);
    assert!(in_project.is_empty(), "the token is in {in_project:?}");
    let known = std::fs::read_to_string(world.known_hosts()).expect("known_hosts");
    assert!(!known.contains(&token), "the token is in known_hosts");
    let output = std::fs::read_to_string(world.app_output()).expect("the app's output");
    assert!(!output.contains(&token), "the app printed the token");
}

/// Waits up to `within` until the element `id` has `attribute` = `value`.
async fn until_attr(desktop: &Desktop, id: &str, attribute: &str, value: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let now = match desktop
            .client
            .find(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
        {
            Ok(element) => element.attr(attribute).await.ok().flatten(),
            Err(_) => None,
        };
        if now.as_deref() == Some(value) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{id} has {attribute}={now:?}, not {value:?}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits up to `within` until the element `id` shows `needle`; returns its text.
async fn until_text_within(desktop: &Desktop, id: &str, needle: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let text = match desktop
            .client
            .find(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
        {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{id} shows {text:?}, not {needle:?}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The text of the element `id`.
async fn text_of(desktop: &Desktop, id: &str) -> String {
    desktop
        .by_test_id(id)
        .await
        .text()
        .await
        .unwrap_or_else(|error| panic!("the text of {id}: {error}"))
}

/// Follows the run shown on the dashboard until it is live; how long it took. A run that
/// ends any other way fails the test with what the panel and the app said.
async fn follow_run(desktop: &Desktop, world: &World, what: &str) -> Duration {
    let started = Instant::now();
    let panel = desktop.by_test_id("run-panel").await;
    let deadline = started + RUN_LIMIT;
    loop {
        let phase = panel
            .attr("data-phase")
            .await
            .expect("phase")
            .unwrap_or_default();
        if phase == "live" {
            return started.elapsed();
        }
        if phase != "running" {
            let shown = panel.text().await.unwrap_or_default();
            let output = std::fs::read_to_string(world.app_output()).unwrap_or_default();
            panic!("the {what} ended {phase}:\n{shown}\n--- the app's output\n{output}");
        }
        assert!(
            Instant::now() < deadline,
            "the {what} is still running after {RUN_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Every request the app made to DigitalOcean from the `since`-th on that could change
/// something there.
fn writes_since(world: &World, since: usize) -> Vec<String> {
    world
        .cloud
        .fake
        .exchanges()
        .iter()
        .skip(since)
        .filter(|exchange| exchange.method != "GET" && exchange.method != "HEAD")
        .map(|exchange| format!("{} {}", exchange.method, exchange.path))
        .collect()
}

/// The live release and its commit as the project's card shows them, once the server
/// has answered: `20261127-101010-abc1234 · commit abc1234`.
async fn card_release(desktop: &Desktop) -> (String, String) {
    let text = until_text_within(desktop, "release-shop", " · commit ", STATUS_LIMIT).await;
    let (release, commit) = text
        .split_once(" · commit ")
        .unwrap_or_else(|| panic!("a release and its commit: {text:?}"));
    (release.trim().to_owned(), commit.trim().to_owned())
}

/// Waits until the card says the server is healthy and `release` is live there.
async fn card_shows(desktop: &Desktop, release: &str) {
    until_attr(
        desktop,
        "health-shop",
        "data-state",
        "healthy",
        STATUS_LIMIT,
    )
    .await;
    until_text_within(
        desktop,
        "release-shop",
        &format!("{release} · commit "),
        STATUS_LIMIT,
    )
    .await;
}

/// What HTTPS serves at the site's main page.
fn front_page(world: &World, address: Ipv4Addr) -> String {
    let (ok, response) = world.https(DOMAIN, "/", address);
    assert!(ok && response.starts_with("HTTP/2 200"), "{response}");
    response
}

/// The dashboard after the first deploy: the project, healthy, with the release the
/// Done screen named, its last deploy, its certificate and its address.
async fn dashboard_shows_the_deploy(desktop: &Desktop, done: &Done, shots: &Path) {
    desktop.click("open-dashboard").await;
    desktop.by_test_id("dashboard").await;
    desktop.by_test_id("project-shop").await;
    desktop.until_heading("Your sites").await;
    card_shows(desktop, &done.release).await;
    let (release, commit) = card_release(desktop).await;
    assert_eq!(
        (release.as_str(), commit.as_str()),
        (done.release.as_str(), done.commit.as_str())
    );
    let health = text_of(desktop, "health-shop").await;
    assert!(health.contains("HTTP 200"), "{health}");
    let last = text_of(desktop, "last-shop").await;
    assert!(last.contains(&format!("live: {}", done.release)), "{last}");
    let certificate =
        until_text_within(desktop, "certificate-shop", "expires in", STATUS_LIMIT).await;
    assert!(
        certificate.contains("Pebble"),
        "the certificate is the ACME server's: {certificate}"
    );
    let url = text_of(desktop, "url-shop").await;
    assert_eq!(url.trim_end_matches('/'), format!("https://{DOMAIN}"));
    desktop.screenshot(&shots.join("08-dashboard.png")).await;
}

/// Every step row of the run on show, with its state.
async fn step_states(desktop: &Desktop) -> Vec<(String, String)> {
    let mut states = Vec::new();
    for row in desktop
        .client
        .find_all(Locator::Css(
            "[data-testid=\"run-panel\"] [data-testid=\"deploy-steps\"] [data-testid^=\"step-\"][data-state]",
        ))
        .await
        .expect("step rows")
    {
        let id = row
            .attr("data-testid")
            .await
            .expect("id")
            .unwrap_or_default();
        let state = row
            .attr("data-state")
            .await
            .expect("state")
            .unwrap_or_default();
        states.push((id, state));
    }
    states
}

/// Redeploy with nothing new: it goes live at once with every step already right, the
/// same release stays live, and DigitalOcean is only asked, never changed.
async fn redeploy_changes_nothing(
    desktop: &Desktop,
    world: &World,
    done: &Done,
    address: Ipv4Addr,
    shots: &Path,
) -> Duration {
    let asked_before = world.cloud.fake.exchanges().len();
    desktop.click("redeploy-shop").await;
    let took = follow_run(desktop, world, "redeploy of the same commit").await;
    assert!(
        world.cloud.fake.exchanges().len() > asked_before,
        "the redeploy looked the server and its records up at DigitalOcean"
    );
    let writes = writes_since(world, asked_before);
    assert!(
        writes.is_empty(),
        "a redeploy of the same commit changed DigitalOcean: {writes:?}"
    );
    assert_eq!(text_of(desktop, "live-release").await, done.release);
    assert_eq!(text_of(desktop, "live-commit").await, done.commit);
    let states = step_states(desktop).await;
    assert!(!states.is_empty(), "the run shows its steps");
    let changed: Vec<_> = states
        .iter()
        .filter(|(_, state)| state != "unchanged")
        .collect();
    assert!(
        changed.is_empty(),
        "steps not already right on a redeploy of the same commit: {changed:?}"
    );
    let outcome = text_of(desktop, "deploy-done").await;
    assert!(outcome.contains(" 0 changed, "), "{outcome}");
    assert!(front_page(world, address).contains(FIRST_TITLE));
    card_shows(desktop, &done.release).await;
    desktop.screenshot(&shots.join("09-redeploy.png")).await;
    desktop.click("run-close").await;
    desktop.until_gone("run-panel").await;
    took
}

/// A new commit, then Redeploy: a new release of it goes live, and HTTPS serves it.
async fn redeploy_a_new_commit(
    desktop: &Desktop,
    world: &World,
    done: &Done,
    address: Ipv4Addr,
) -> (String, Duration) {
    world.commit_change(
        "templates/index.html",
        "<h1>{{ title }}</h1>",
        SECOND_TITLE,
        "Greet returning visitors",
    );
    let commit = head(world.project());
    let asked_before = world.cloud.fake.exchanges().len();
    desktop.click("redeploy-shop").await;
    let took = follow_run(desktop, world, "redeploy of a new commit").await;
    let writes = writes_since(world, asked_before);
    assert!(
        writes.is_empty(),
        "a redeploy to the same server changed DigitalOcean: {writes:?}"
    );
    let release = text_of(desktop, "live-release").await;
    assert_ne!(release, done.release, "a new commit makes a new release");
    let short = text_of(desktop, "live-commit").await;
    assert!(
        short.len() >= 7 && commit.starts_with(&short),
        "{short:?} is the new commit {commit}"
    );
    let page = front_page(world, address);
    assert!(
        page.contains(SECOND_TITLE) && !page.contains(FIRST_TITLE),
        "{page}"
    );
    card_shows(desktop, &release).await;
    desktop.click("run-close").await;
    desktop.until_gone("run-panel").await;
    (release, took)
}

/// Rollback to the first release: it is live again at once, HTTPS serves the first
/// commit's page, and the card says so.
async fn rollback_to_the_first_release(
    desktop: &Desktop,
    world: &World,
    done: &Done,
    second: &str,
    address: Ipv4Addr,
    shots: &Path,
) -> Duration {
    desktop.click("rollback-shop").await;
    desktop.by_test_id("releases-shop").await;
    let target = format!("rollback-to-{}", done.release);
    desktop.by_test_id_within(&target, STATUS_LIMIT).await;
    assert_eq!(
        all(desktop, &format!("rollback-to-{second}")).await,
        0,
        "the live release is not offered"
    );
    desktop.click(&target).await;
    let asked_before = world.cloud.fake.exchanges().len();
    desktop
        .click(&format!("confirm-rollback-{}", done.release))
        .await;
    let took = follow_run(desktop, world, "rollback").await;
    let writes = writes_since(world, asked_before);
    assert!(
        writes.is_empty(),
        "a rollback changed DigitalOcean: {writes:?}"
    );
    assert_eq!(text_of(desktop, "live-release").await, done.release);
    assert_eq!(text_of(desktop, "live-commit").await, done.commit);
    let page = front_page(world, address);
    assert!(
        page.contains(FIRST_TITLE) && !page.contains(SECOND_TITLE),
        "{page}"
    );
    card_shows(desktop, &done.release).await;
    let (release, commit) = card_release(desktop).await;
    assert_eq!(
        (release.as_str(), commit.as_str()),
        (done.release.as_str(), done.commit.as_str())
    );
    desktop.screenshot(&shots.join("10-rollback.png")).await;
    desktop.click("run-close").await;
    desktop.until_gone("run-panel").await;
    took
}

/// History: the four runs, newest first, each with how it ended; the first deploy's
/// whole log opens and can be searched.
async fn history_lists_every_run(desktop: &Desktop, done: &Done, second: &str, shots: &Path) {
    desktop.click("history-shop").await;
    desktop.by_test_id("history").await;
    let rows = desktop
        .client
        .find_all(Locator::Css("[data-testid=\"history\"] .history-row"))
        .await
        .expect("history rows");
    let mut shown = Vec::new();
    for row in &rows {
        let id = row
            .attr("data-testid")
            .await
            .expect("id")
            .unwrap_or_default();
        assert!(id.starts_with("run-"), "{id}");
        let kind = row
            .find(Locator::Css(".history-kind"))
            .await
            .expect("kind")
            .text()
            .await
            .expect("kind text");
        let outcome = row
            .find(Locator::Css(".history-outcome"))
            .await
            .expect("outcome")
            .text()
            .await
            .expect("outcome text");
        shown.push((id, kind, outcome));
    }
    let runs: Vec<(&str, &str)> = shown
        .iter()
        .map(|(_, kind, outcome)| (kind.as_str(), outcome.as_str()))
        .collect();
    let first = format!("live: {}", done.release);
    let next = format!("live: {second}");
    assert_eq!(
        runs,
        [
            ("Rollback", first.as_str()),
            ("Deploy", next.as_str()),
            ("Deploy", first.as_str()),
            ("Deploy", first.as_str()),
        ],
        "newest first"
    );

    let oldest = &shown[3].0;
    desktop.click(oldest).await;
    // The log is read from this computer's history once the run is chosen.
    let view = desktop
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(
            "[data-testid=\"history-log\"] [data-testid=\"log-view\"]",
        ))
        .await
        .expect("the run's log");
    let search = desktop
        .client
        .find(Locator::Css(
            "[data-testid=\"history-log\"] [data-testid=\"log-search\"]",
        ))
        .await
        .expect("the log's search");
    let lines = until_text_within(desktop, "log-count", " lines", Duration::from_secs(10)).await;
    let total: usize = lines
        .trim_end_matches(" lines")
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("a line count: {lines:?}"));
    assert!(total > 20, "the whole log of the first deploy: {lines:?}");
    search
        .send_keys("Deploying commit")
        .await
        .expect("search the log");
    let count = until_text_within(desktop, "log-count", " of ", Duration::from_secs(10)).await;
    assert_eq!(count, format!("1 of {lines}"));
    let found = view
        .find_all(Locator::Css(".log-row"))
        .await
        .expect("the lines shown");
    assert_eq!(found.len(), 1, "{count}");
    let line = found[0].text().await.expect("the line");
    let expected = format!("Deploying commit {}: First version", done.commit);
    assert!(line.trim().ends_with(&expected), "{line:?}");
    desktop.screenshot(&shots.join("11-history.png")).await;
}

/// The desktop heard of every run: the three deploys and the rollback.
fn desktop_heard_every_run(world: &World, done: &Done, second: &str) {
    let notices = world.notices();
    let said: Vec<&str> = notices.iter().map(|n| n.summary.as_str()).collect();
    assert_eq!(
        said,
        [
            "shop is live",
            "shop is live",
            "shop is live",
            "shop rolled back"
        ],
        "{notices:?}"
    );
    assert!(notices[2].body.contains(second), "{:?}", notices[2]);
    assert!(notices[3].body.contains(&done.release), "{:?}", notices[3]);
}

/// Settings takes the project back through the wizard; its Review asks the server what
/// the next deploy would change, and with nothing edited the answer is nothing.
async fn settings_plan_changes_nothing(desktop: &Desktop, world: &World, shots: &Path) {
    let writes = world.cloud.fake.exchanges().len();
    desktop.click("settings-shop").await;
    desktop.by_test_id("detected-framework").await;
    for heading in [
        "Where will your app run?",
        "What address will people visit?",
        "Who should hear about deploys?",
        "Ready to go live?",
    ] {
        desktop.click("next").await;
        desktop.until_heading(heading).await;
    }
    desktop.click("show-plan").await;
    let summary =
        until_text_within(desktop, "plan-summary", "nothing to change", STATUS_LIMIT).await;
    assert!(summary.starts_with("Commit "), "{summary}");
    let planned = count(desktop, "[data-plan]").await;
    let satisfied = count(desktop, "[data-plan=\"satisfied\"]").await;
    assert!(planned >= 20, "every step is listed ({planned})");
    assert_eq!(satisfied, planned, "every step is already so");
    assert_eq!(
        writes_since(world, writes),
        Vec::<String>::new(),
        "the plan changes nothing at the provider"
    );
    desktop.screenshot(&shots.join("12-plan.png")).await;
    desktop.click("to-dashboard").await;
    desktop.by_test_id("dashboard").await;
}

/// The dashboard after the first deploy: Redeploy with nothing new, Redeploy of a new
/// commit, Rollback to the first release, and the history of all of it.
async fn on_the_dashboard(
    desktop: &Desktop,
    world: &World,
    done: &Done,
    address: Ipv4Addr,
    shots: &Path,
) {
    dashboard_shows_the_deploy(desktop, done, shots).await;
    let same = redeploy_changes_nothing(desktop, world, done, address, shots).await;
    settings_plan_changes_nothing(desktop, world, shots).await;
    let (second, new) = redeploy_a_new_commit(desktop, world, done, address).await;
    let back = rollback_to_the_first_release(desktop, world, done, &second, address, shots).await;
    history_lists_every_run(desktop, done, &second, shots).await;
    desktop_heard_every_run(world, done, &second);
    assert_eq!(world.servers().len(), 1, "every run went to the one server");
    assert_eq!(world.cloud.fake.droplets().len(), 1);
    assert_eq!(world.cloud.fake.take_violations(), Vec::<String>::new());
    eprintln!(
        "dashboard: redeploy of the same commit {:.1} s, of a new commit {:.1} s, rollback {:.1} s",
        same.as_secs_f64(),
        new.as_secs_f64(),
        back.as_secs_f64()
    );
}

/// Drives the wizard from the first screen to Deploy, picturing each step.
async fn through_the_wizard(desktop: &Desktop, world: &World, shots: &Path) {
    // A tall window, so each step's picture shows the whole step.
    desktop
        .client
        .set_window_size(1120, 1700)
        .await
        .expect("resize the window");
    app_step(desktop, world, shots).await;
    server_step(desktop, world, shots).await;
    domain_step(desktop, shots).await;
    notify_step(desktop, shots).await;
    review_step(desktop, shots).await;
    // Deploy saves slipway.toml first, then shows the deploy.
    desktop.by_test_id("deploy-view").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_takes_a_project_from_its_folder_to_a_live_https_site() {
    let world = World::new();
    let shots = workspace().join("target/e2e/wizard");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("screenshot folder");

    let started = Instant::now();
    let desktop = Desktop::launch_with(world.launch()).await;
    through_the_wizard(&desktop, &world, &shots).await;
    let deploy_started = Instant::now();
    saved_spec_holds_every_choice(&world);

    let phase = follow_deploy(&desktop, &shots).await;
    let deploy_took = deploy_started.elapsed();
    if phase != "live" {
        let shown = desktop
            .by_test_id("deploy-view")
            .await
            .text()
            .await
            .unwrap_or_default();
        let output = std::fs::read_to_string(world.app_output()).unwrap_or_default();
        desktop.screenshot(&shots.join("07-done.png")).await;
        panic!("the deploy ended {phase}:\n{shown}\n--- the app's output\n{output}");
    }
    let servers = world.servers();
    assert_eq!(servers.len(), 1, "one droplet booted one server");
    let address = servers[0];
    site_is_live(&world, address);
    let live_after = started.elapsed();

    let done = done_screen(&desktop, &world, &shots).await;
    desktop_was_told(&world, &done);
    digitalocean_holds_one_server_and_its_records(&world, address);
    on_the_dashboard(&desktop, &world, &done, address, &shots).await;
    desktop.close().await;
    token_is_in_the_keychain_only(&world);

    eprintln!(
        "wizard: from the app's start to HTTPS in {:.1} s (the deploy itself {:.1} s)",
        live_after.as_secs_f64(),
        deploy_took.as_secs_f64()
    );
}
