//! slipway-cloud's Hetzner Cloud servers against `FakeHetzner`, a stateful local Hetzner
//! Cloud API. Waits and retries run on a `ManualClock`, so no test sleeps for real.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use slipway_cloud::clock::ManualClock;
use slipway_cloud::fake::hetzner::{FakeHetzner, Fault};
use slipway_cloud::http::{Client, ClientConfig, Failure, Method, RetryPolicy};
use slipway_cloud::{
    CloudError, Hetzner, Os, ProjectTag, Provision, PublicKey, ServerProvider, ServerRequest,
    ServerStatus,
};
use slipway_secrets::Secret;

/// An ed25519 key made with `ssh-keygen`.
const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAsKjtqnN6ZHgwnwQUazN9siw1SnJkciCVAdMjQIR/Kb ada@laptop";
/// What `ssh-keygen -l -E md5` printed for [`KEY`].
const KEY_MD5: &str = "d4:55:27:54:d7:a3:98:ff:2f:a8:bb:97:5c:ca:6d:d4";
/// Another key, an RSA one.
const OTHER_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDa7k/Qfg3+6ewT6sbCQEBXKL18sItYoWLXi7WqIXXZ5cSN3ls/LhidW8pVXKoys6xN/Y+FmYpZVOokYCPyVDPb1WwKOjy4619LBOS4/+Da/5lV/bwOYRj29uIyIFnmFR2FSwvew/jZFl1M+qQOQXeZ6/pvg2hyPZaPry/iUmde3tc1pZdjKQ4DEZeCaBJozoPZF6eByjLJCJ10Wpd2VOQfiasAyhrEkMvKwvNnTj8usj6euQ81+XlDtYHcg8o72tbP7fww57er3YjXPhsmxwUsTf0UqYzRo0DEhbfaR3+BDC1dDDDwzu1k3GtNZkXncxLiYWr2uKIYNfXb5y7Lm7vx rsa-key";

fn client(fake: &FakeHetzner) -> (Hetzner, Arc<ManualClock>) {
    client_with(fake, fake.token())
}

fn client_with(fake: &FakeHetzner, token: Secret<String>) -> (Hetzner, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let provider = Hetzner::new(fake.config(token), clock.clone()).expect("a client");
    (provider, clock)
}

fn key() -> PublicKey {
    PublicKey::parse(KEY).expect("a key")
}

/// A request for project `project`'s server: a CX22 with Debian 12 in Falkenstein.
fn request(project: &str) -> ServerRequest {
    ServerRequest {
        project: ProjectTag::new(project).expect("a project id"),
        name: format!("{project}-web"),
        region: "fsn1".into(),
        size: "cx22".into(),
        image: "debian-12".into(),
        ssh_keys: Vec::new(),
        user_data: Some("#cloud-config\npackage_update: true\n".into()),
        ipv6: true,
    }
}

/// The error's text, checked to name neither of the fake's tokens.
fn text_of(error: &CloudError, fake: &FakeHetzner) -> String {
    let text = error.to_string();
    let debug = format!("{error:?}");
    for token in [fake.token(), fake.read_only_token()] {
        assert!(!text.contains(token.expose().as_str()), "{text}");
        assert!(!debug.contains(token.expose().as_str()), "{debug}");
    }
    text
}

fn statuses(fake: &FakeHetzner) -> Vec<Option<u16>> {
    fake.exchanges()
        .iter()
        .map(|exchange| exchange.status)
        .collect()
}

#[test]
fn a_token_check_reads_the_project_cheaply() {
    let fake = FakeHetzner::start();
    fake.add_server("old-box", &[("env", "test")]);
    let (provider, _) = client(&fake);
    let account = provider.check_token().expect("the token works");
    assert_eq!(account.email, "");
    assert_eq!(account.team, None);
    assert_eq!(account.status, "active");
    assert_eq!(account.server_limit, 0, "Hetzner does not publish limits");
    assert!(
        account
            .status_message
            .contains("one Hetzner Cloud project (1 server now)"),
        "{}",
        account.status_message
    );
    let exchanges = fake.exchanges();
    assert_eq!(exchanges.len(), 1, "one request");
    assert_eq!(exchanges[0].path, "/v1/servers");
    assert_eq!(
        exchanges[0].query,
        [("per_page".to_owned(), "1".to_owned())]
    );
}

#[test]
fn an_invalid_token_is_refused_with_where_to_make_one_and_never_shown() {
    let fake = FakeHetzner::start();
    let wrong = "hz-this-token-was-revoked-0123456789abcdef";
    let (provider, _) = client_with(&fake, Secret::new(wrong.to_owned()));
    let error = provider.check_token().expect_err("the token is wrong");
    assert!(
        matches!(error, CloudError::InvalidToken { .. }),
        "{error:?}"
    );
    let text = text_of(&error, &fake);
    assert_eq!(
        text,
        "Hetzner Cloud does not accept the API token: it is invalid or revoked (unable to \
         authenticate). Create a new token at https://console.hetzner.cloud (open the \
         project, then Security → API tokens) and store it in Slipway again"
    );
    assert!(!text.contains(wrong));
    assert!(!format!("{error:?}").contains(wrong));
    assert!(!format!("{provider:?}").contains(wrong), "{provider:?}");
    assert_eq!(statuses(&fake), [Some(401)]);
}

#[test]
fn the_catalogue_prices_each_location_and_offers_supported_systems_only() {
    let fake = FakeHetzner::start();
    let (provider, _) = client(&fake);
    let catalogue = provider.catalogue().expect("a catalogue");
    assert_eq!(catalogue.currency(), "EUR");
    let regions: Vec<(&str, &str)> = catalogue
        .regions()
        .iter()
        .map(|r| (r.slug.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        regions,
        [
            ("ash", "Ashburn, VA, US"),
            ("fsn1", "Falkenstein, DE"),
            ("hel1", "Helsinki, FI"),
            ("hil", "Hillsboro, OR, US"),
            ("nbg1", "Nuremberg, DE"),
        ]
    );
    let priced = |region: &str| -> Vec<String> {
        catalogue
            .sizes_in(region)
            .iter()
            .map(|s| {
                format!(
                    "{} {:.2} {}MiB {}vcpu {}GB {}TB",
                    s.slug, s.price_monthly, s.memory_mib, s.vcpus, s.disk_gb, s.transfer_tb
                )
            })
            .collect()
    };
    // Cheapest first; the retired cx11 and the Arm cax11 are not offered.
    assert_eq!(
        priced("fsn1"),
        [
            "cx22 4.51 4096MiB 2vcpu 40GB 20TB",
            "cpx11 5.18 2048MiB 2vcpu 40GB 20TB",
            "cpx21 9.38 4096MiB 3vcpu 80GB 20TB",
            "ccx13 14.86 8192MiB 2vcpu 80GB 20TB",
        ]
    );
    // The US prices are its own, and cx22 is not sold there.
    assert_eq!(
        priced("ash"),
        [
            "cpx11 5.99 2048MiB 2vcpu 40GB 1TB",
            "cpx21 10.99 4096MiB 3vcpu 80GB 1TB",
            "ccx13 15.99 8192MiB 2vcpu 80GB 1TB",
        ]
    );
    let hourly = catalogue.sizes_in("fsn1")[0].price_hourly;
    assert!((hourly - 4.51 / 730.0).abs() < 1e-6, "{hourly}");
    assert_eq!(
        catalogue.sizes_in("fsn1")[3].description,
        "CCX13 (dedicated vCPU)"
    );
    // Ubuntu 20.04, CentOS, the deprecated Debian 11, Arm builds and snapshots are left
    // out; the systems come in the picker's order.
    let images: Vec<(Os, String, String)> = catalogue
        .images_in("hil")
        .iter()
        .map(|(os, image)| (*os, image.slug.clone(), image.distribution.clone()))
        .collect();
    assert_eq!(
        images,
        [
            (Os::Debian12, "debian-12".into(), "Debian".into()),
            (Os::Ubuntu2404, "ubuntu-24.04".into(), "Ubuntu".into()),
            (Os::Ubuntu2204, "ubuntu-22.04".into(), "Ubuntu".into()),
        ]
    );
    assert_eq!(
        slipway_cloud::hetzner::image_name(Os::Ubuntu2404),
        "ubuntu-24.04"
    );
    // Five locations at two a page take three pages, each asked for by number.
    assert_eq!(fake.count("GET", "/v1/locations"), 3);
    let images_query = &fake
        .exchanges()
        .into_iter()
        .find(|exchange| exchange.path == "/v1/images")
        .expect("the images were listed")
        .query;
    assert!(images_query.contains(&("type".to_owned(), "system".to_owned())));
}

#[test]
fn a_key_is_uploaded_once_then_found_by_its_fingerprint() {
    let fake = FakeHetzner::start();
    let (provider, _) = client(&fake);
    let first = provider
        .ensure_ssh_key("ada@laptop", &key())
        .expect("uploaded");
    assert_eq!(first.provision, Provision::Created);
    assert_eq!(first.key.fingerprint, KEY_MD5);
    assert_eq!(first.key.name, "ada@laptop");
    let again = provider
        .ensure_ssh_key("another name", &key())
        .expect("found");
    assert_eq!(again.provision, Provision::Found);
    assert_eq!(again.key.id, first.key.id);
    assert_eq!(fake.count("POST", "/v1/ssh_keys"), 1, "no second upload");
    assert_eq!(fake.ssh_keys().len(), 1);
    let lookups: Vec<Vec<(String, String)>> = fake
        .exchanges()
        .into_iter()
        .filter(|exchange| exchange.method == "GET" && exchange.path == "/v1/ssh_keys")
        .map(|exchange| exchange.query)
        .collect();
    assert!(
        lookups
            .iter()
            .all(|query| query.contains(&("fingerprint".to_owned(), KEY_MD5.to_owned()))),
        "{lookups:?}"
    );
    assert_eq!(fake.ssh_keys()[0]["public_key"], KEY);
}

#[test]
fn a_key_another_upload_added_meanwhile_is_found_after_the_409() {
    let fake = FakeHetzner::start();
    let id = fake.add_ssh_key("from the console", KEY);
    fake.inject(Fault::MissNextKeyLookup);
    let (provider, _) = client(&fake);
    let ensured = provider
        .ensure_ssh_key("ada@laptop", &key())
        .expect("found");
    assert_eq!(ensured.provision, Provision::Found);
    assert_eq!(ensured.key.id, Some(id));
    assert_eq!(ensured.key.name, "from the console");
    assert_eq!(
        statuses(&fake),
        [Some(200), Some(409), Some(200)],
        "lookup missed, upload refused as a duplicate, lookup found it"
    );
    assert_eq!(fake.ssh_keys().len(), 1);
}

#[test]
fn a_key_name_taken_by_another_key_is_explained() {
    let fake = FakeHetzner::start();
    fake.add_ssh_key("ada@laptop", OTHER_KEY);
    let (provider, _) = client(&fake);
    let error = provider
        .ensure_ssh_key("ada@laptop", &key())
        .expect_err("the name is taken");
    let text = text_of(&error, &fake);
    assert!(
        text.starts_with(
            "Hetzner Cloud refused to add the SSH key (HTTP 409, uniqueness_error): SSH key \
             with the same name already exists. The project already has a different key \
             named \"ada@laptop\" (fingerprint c7:57:3e:72:64:6d:37:f9:d0:f6:0d:1f:30:b1:04:ac)"
        ),
        "{text}"
    );
    assert!(text.contains("choose another name for this key"), "{text}");
    // The same key under the taken name counts as found.
    let other = PublicKey::parse(OTHER_KEY).expect("a key");
    let ensured = provider
        .ensure_ssh_key("ada@laptop", &other)
        .expect("found");
    assert_eq!(ensured.provision, Provision::Found);
}

#[test]
fn create_then_wait_until_running_with_its_addresses() {
    let fake = FakeHetzner::start();
    fake.add_server("someone-else", &[("slipway-project", "blog")]);
    let (provider, clock) = client(&fake);
    let key = provider
        .ensure_ssh_key("ada@laptop", &key())
        .expect("the key");
    let mut wanted = request("shop");
    wanted.ssh_keys = vec![key.key.fingerprint.clone()];

    let created = provider.create_server(&wanted).expect("a server");
    assert_eq!(created.provision, Provision::Created);
    assert_eq!(created.server.status, ServerStatus::New);
    assert_eq!(created.server.name, "shop-web");
    assert_eq!(created.server.region, "fsn1");
    assert_eq!(created.server.size, "cx22");
    assert_eq!(created.server.image, "debian-12");
    assert_eq!(created.server.tags, ["slipway", "slipway-project-shop"]);

    let post = fake
        .exchanges()
        .into_iter()
        .find(|exchange| exchange.method == "POST" && exchange.path == "/v1/servers")
        .and_then(|exchange| exchange.body)
        .expect("the create body");
    assert_eq!(
        post["labels"],
        json!({"slipway": "true", "slipway-project": "shop"})
    );
    assert_eq!(
        post["public_net"],
        json!({"enable_ipv4": true, "enable_ipv6": true})
    );
    assert_eq!(post["location"], "fsn1");
    let inputs = fake.server_inputs();
    let (user_data, keys) = &inputs["shop-web"];
    assert_eq!(user_data.as_deref(), wanted.user_data.as_deref());
    assert_eq!(
        keys,
        &[key.key.id.expect("an id")],
        "the fingerprint became the key's id"
    );

    let mut seen = Vec::new();
    let ready = provider
        .wait_until_ready(created.server.id, Duration::from_mins(5), &mut |progress| {
            seen.push((
                progress.status.as_str().to_owned(),
                progress.elapsed.as_secs(),
            ));
        })
        .expect("a ready server");
    assert_eq!(
        seen,
        [
            ("new".to_owned(), 0),
            ("starting".to_owned(), 2),
            ("active".to_owned(), 4)
        ]
    );
    assert_eq!(clock.sleeps(), [Duration::from_secs(2); 2]);
    let ip = ready.public_ipv4.expect("a public address");
    assert_eq!(ip.octets()[..3], [203, 0, 113]);
    assert!(!Ipv4Addr::is_private(&ip));
    let ipv6 = ready.public_ipv6.expect("an IPv6 address");
    assert_eq!(
        ipv6.segments()[7],
        1,
        "the first address of the /64: {ipv6}"
    );
    // The create action was followed until it succeeded, then the start action.
    assert_eq!(
        fake.exchanges()
            .iter()
            .filter(|exchange| exchange.path.starts_with("/v1/actions/"))
            .count(),
        3
    );

    let again = provider.create_server(&wanted).expect("the same server");
    assert_eq!(again.provision, Provision::Found);
    assert_eq!(again.server.id, created.server.id);
    assert_eq!(again.server.public_ipv4, Some(ip));
    assert_eq!(fake.servers().len(), 2);
    assert_eq!(fake.count("POST", "/v1/servers"), 1);
    let found = provider
        .find_server(&ProjectTag::new("blog").expect("a project"))
        .expect("a lookup")
        .expect("blog's server");
    assert_eq!(found.name, "someone-else");
}

#[test]
fn a_lost_create_reply_then_a_rerun_makes_exactly_one_server() {
    let fake = FakeHetzner::start();
    let (provider, _) = client(&fake);
    fake.inject(Fault::LoseNextCreate);
    let error = provider
        .create_server(&request("shop"))
        .expect_err("the reply is lost");
    assert!(
        matches!(error, CloudError::ResponseLost { .. }),
        "{error:?}"
    );
    let text = text_of(&error, &fake);
    assert!(
        text.contains("while trying to create server shop-web"),
        "{text}"
    );
    assert!(text.contains("may have happened"), "{text}");
    assert!(
        text.ends_with(
            "Run the same step again: Slipway first looks for the server by the project's \
             label, so it will not create a second one"
        ),
        "{text}"
    );
    assert_eq!(fake.servers().len(), 1, "the server was made all the same");

    let rerun = provider.create_server(&request("shop")).expect("found");
    assert_eq!(rerun.provision, Provision::Found);
    assert_eq!(rerun.server.name, "shop-web");
    assert_eq!(fake.servers().len(), 1);
    assert_eq!(fake.count("POST", "/v1/servers"), 1);
    let selectors: Vec<String> = fake
        .exchanges()
        .iter()
        .filter(|exchange| exchange.method == "GET" && exchange.path == "/v1/servers")
        .flat_map(|exchange| exchange.query.clone())
        .filter(|(key, _)| key == "label_selector")
        .map(|(_, value)| value)
        .collect();
    assert_eq!(selectors, ["slipway-project=shop", "slipway-project=shop"]);
}

#[test]
fn a_create_action_that_fails_is_reported_with_its_code() {
    let fake = FakeHetzner::start();
    let (provider, _) = client(&fake);
    fake.inject(Fault::FailNextCreateAction);
    let created = provider.create_server(&request("shop")).expect("accepted");
    let error = provider
        .wait_until_ready(created.server.id, Duration::from_mins(5), &mut |_| {})
        .expect_err("the action failed");
    let text = text_of(&error, &fake);
    assert_eq!(
        text,
        format!(
            "Hetzner Cloud could not create server {}: Action failed (action_failed). Look at \
             the server in Hetzner's Cloud Console: destroy it there (or with Slipway) and \
             create it again; if it fails again, pick another location",
            created.server.id
        )
    );
}

#[test]
fn a_server_that_never_runs_times_out_on_the_clock() {
    let fake = FakeHetzner::with_lifecycle(slipway_cloud::fake::hetzner::Lifecycle {
        looks_until_starting: 1,
        looks_until_running: 1000,
        action_looks: 1,
    });
    let (provider, clock) = client(&fake);
    let created = provider.create_server(&request("shop")).expect("accepted");
    let mut looks = 0;
    let error = provider
        .wait_until_ready(created.server.id, Duration::from_secs(10), &mut |_| {
            looks += 1;
        })
        .expect_err("never running");
    assert_eq!(
        text_of(&error, &fake),
        "server shop-web is still \"starting\" after 10 s. Look at it in the provider's \
         console; if it stays stuck, destroy it and create it again"
    );
    assert_eq!(looks, 6);
    assert_eq!(clock.slept(), Duration::from_secs(10));
}

#[test]
fn a_read_only_token_may_look_but_is_told_to_get_write_permission() {
    let fake = FakeHetzner::start();
    let (provider, _) = client_with(&fake, fake.read_only_token());
    provider.check_token().expect("reads work");
    provider.catalogue().expect("reads work");
    let error = provider
        .create_server(&request("shop"))
        .expect_err("a write");
    assert!(
        matches!(error, CloudError::ReadOnlyToken { .. }),
        "{error:?}"
    );
    assert_eq!(
        text_of(&error, &fake),
        "Hetzner Cloud refused to create server shop-web: the token is read-only: create one \
         with write scope at https://console.hetzner.cloud (open the project, then Security \
         → API tokens) and store it in Slipway again (Hetzner Cloud said: The token is \
         read-only.)"
    );
    let error = provider
        .ensure_ssh_key("ada@laptop", &key())
        .expect_err("a write");
    assert!(
        text_of(&error, &fake)
            .starts_with("Hetzner Cloud refused to add the SSH key: the token is read-only"),
        "{error}"
    );
    assert!(fake.servers().is_empty());
}

#[test]
fn an_unknown_image_type_or_location_is_named_with_what_to_pick() {
    let fake = FakeHetzner::start();
    let (provider, _) = client(&fake);
    let cases = [
        (
            ServerRequest {
                image: "debian-12-x64".into(),
                ..request("shop")
            },
            "Hetzner Cloud refused image \"debian-12-x64\": invalid input in field 'image' \
             (image: image not found) Pick one of the images Slipway lists; Hetzner names them \
             like debian-12 or ubuntu-24.04",
        ),
        (
            ServerRequest {
                size: "cx99".into(),
                ..request("shop")
            },
            "Hetzner Cloud refused server_type \"cx99\": invalid input in field 'server_type' \
             (server_type: server type not found) Pick one of the server types Slipway lists \
             for the location",
        ),
        (
            ServerRequest {
                region: "mars1".into(),
                ..request("shop")
            },
            "Hetzner Cloud refused location \"mars1\": invalid input in field 'location' \
             (location: location not found) Pick one of the locations Slipway lists",
        ),
    ];
    for (wanted, expected) in cases {
        let error = provider.create_server(&wanted).expect_err(expected);
        assert!(
            matches!(error, CloudError::InvalidField { .. }),
            "{error:?}"
        );
        assert_eq!(text_of(&error, &fake), expected);
    }
    assert!(fake.servers().is_empty());
    assert_eq!(
        statuses(&fake).iter().filter(|s| **s == Some(422)).count(),
        3
    );
}

#[test]
fn a_type_not_available_in_the_location_says_to_pick_another_location() {
    let fake = FakeHetzner::start();
    fake.make_unavailable("cx22", "hel1");
    let (provider, _) = client(&fake);
    let sold_out = ServerRequest {
        region: "hel1".into(),
        ..request("shop")
    };
    let error = provider.create_server(&sold_out).expect_err("sold out");
    assert!(
        matches!(
            error,
            CloudError::InvalidField {
                field: "location",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        text_of(&error, &fake),
        "Hetzner Cloud refused location \"hel1\": The requested resource is currently \
         unavailable That server type is not available in this location right now; pick \
         another location (or another server type)"
    );
    // A type Hetzner does not sell in the location at all: placement_error.
    let not_sold = ServerRequest {
        region: "ash".into(),
        ..request("shop")
    };
    let error = provider
        .create_server(&not_sold)
        .expect_err("not sold in ash");
    let text = text_of(&error, &fake);
    assert!(
        text.starts_with(
            "Hetzner Cloud refused location \"ash\": server type cx22 is not available in \
             location ash That server type is not available in this location right now"
        ),
        "{text}"
    );
    // Another location works.
    let created = provider
        .create_server(&ServerRequest {
            region: "nbg1".into(),
            ..request("shop")
        })
        .expect("nbg1 has it");
    assert_eq!(created.server.region, "nbg1");
}

#[test]
fn a_rate_limit_waits_one_requests_share_of_hetzners_refill() {
    let fake = FakeHetzner::start();
    let (provider, clock) = client(&fake);
    // Hetzner's 429: RateLimit-Remaining 0 and RateLimit-Reset an hour away, when all
    // 3,600 requests are back; one more is allowed a second later.
    fake.inject(Fault::RateLimit {
        times: 2,
        retry_after_secs: None,
        reset_in_secs: 3600,
    });
    provider.check_token().expect("the third try succeeds");
    assert_eq!(clock.sleeps(), [Duration::from_secs(1); 2]);
    assert_eq!(statuses(&fake), [Some(429), Some(429), Some(200)]);
}

#[test]
fn a_rate_limit_honours_retry_after_and_a_near_reset() {
    let fake = FakeHetzner::start();
    let (provider, clock) = client(&fake);
    fake.inject(Fault::RateLimit {
        times: 1,
        retry_after_secs: Some(7),
        reset_in_secs: 3600,
    });
    provider.catalogue().expect("the retry succeeds");
    assert_eq!(clock.sleeps(), [Duration::from_secs(7)]);
    fake.inject(Fault::RateLimit {
        times: 1,
        retry_after_secs: None,
        reset_in_secs: 0,
    });
    provider.check_token().expect("the retry succeeds");
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(7), Duration::from_secs(1)],
        "a reset already due still pauses a second"
    );
}

#[test]
fn a_rate_limit_longer_than_the_budget_is_reported_with_the_wait() {
    let fake = FakeHetzner::start();
    let (provider, clock) = client(&fake);
    fake.inject(Fault::RateLimit {
        times: 10,
        retry_after_secs: Some(20),
        reset_in_secs: 3600,
    });
    let error = provider
        .create_server(&request("shop"))
        .expect_err("limited");
    assert!(
        matches!(
            error,
            CloudError::RateLimited {
                retry_in_secs: Some(20),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        text_of(&error, &fake),
        "Hetzner Cloud is limiting how fast this token may call its API (limit of 3600 \
         requests per hour reached). Wait 20 s and try again"
    );
    assert_eq!(clock.sleeps(), [Duration::from_secs(20)], "30 s budget");
    assert!(fake.servers().is_empty());
}

#[test]
fn destroy_needs_the_exact_name_and_counts_a_gone_server_as_destroyed() {
    let fake = FakeHetzner::start();
    let (provider, _) = client(&fake);
    let created = provider.create_server(&request("shop")).expect("a server");
    let id = created.server.id;
    let error = provider
        .destroy_server(id, "shop")
        .expect_err("not the name");
    assert_eq!(
        text_of(&error, &fake),
        "not destroying server shop-web: the confirmation \"shop\" is not its name. Type the \
         server's name exactly to destroy it"
    );
    assert_eq!(fake.servers().len(), 1);
    assert_eq!(fake.count("DELETE", &format!("/v1/servers/{id}")), 0);
    provider.destroy_server(id, "shop-web").expect("destroyed");
    assert!(fake.servers().is_empty());
    assert_eq!(fake.count("DELETE", &format!("/v1/servers/{id}")), 1);
    provider
        .destroy_server(id, "shop-web")
        .expect("already gone counts as destroyed");
    assert_eq!(fake.count("DELETE", &format!("/v1/servers/{id}")), 1);
}

#[test]
fn two_servers_with_the_projects_label_are_not_guessed_between() {
    let fake = FakeHetzner::start();
    fake.add_server(
        "shop-a",
        &[("slipway", "true"), ("slipway-project", "shop")],
    );
    fake.add_server("shop-b", &[("slipway-project", "shop")]);
    let (provider, _) = client(&fake);
    let error = provider
        .create_server(&request("shop"))
        .expect_err("ambiguous");
    assert_eq!(
        text_of(&error, &fake),
        "2 servers carry the tag slipway-project=shop (shop-a, shop-b); Slipway expects one \
         per project. Destroy the ones you do not need in the provider's console, then try \
         again"
    );
    assert_eq!(fake.count("POST", "/v1/servers"), 0);
}

#[test]
fn a_name_used_by_an_unlabelled_server_is_explained() {
    let fake = FakeHetzner::start();
    fake.add_server("shop-web", &[]);
    let (provider, _) = client(&fake);
    let error = provider
        .create_server(&request("shop"))
        .expect_err("name taken");
    let text = text_of(&error, &fake);
    assert_eq!(
        text,
        "Hetzner Cloud refused name \"shop-web\": server name is already used Another server \
         in the project already has this name but not the project's label: choose another \
         name, or rename or destroy that server in the Cloud Console"
    );
}

#[test]
fn what_hetzner_would_refuse_is_refused_before_asking() {
    let fake = FakeHetzner::start();
    let (provider, _) = client(&fake);
    let big = ServerRequest {
        user_data: Some("#".repeat(40 * 1024)),
        ..request("shop")
    };
    let error = provider.create_server(&big).expect_err("too big");
    assert_eq!(
        error.to_string(),
        "user_data: the first-boot script is 40960 bytes; Hetzner Cloud takes at most 32768"
    );
    let odd = ServerRequest {
        project: ProjectTag::new("shop_").expect("a DigitalOcean-valid id"),
        ..request("shop")
    };
    let error = provider.create_server(&odd).expect_err("not a label value");
    assert!(
        error
            .to_string()
            .starts_with("project: \"shop_\" cannot label"),
        "{error}"
    );
    let unknown_key = ServerRequest {
        ssh_keys: vec![KEY_MD5.to_owned()],
        ..request("shop")
    };
    let error = provider
        .create_server(&unknown_key)
        .expect_err("no such key");
    assert!(
        error.to_string().starts_with(&format!(
            "Hetzner Cloud refused ssh_keys \"{KEY_MD5}\": no SSH key"
        )),
        "{error}"
    );
    assert_eq!(fake.count("POST", "/v1/servers"), 0);
}

/// A raw client for requests the provider never sends.
fn raw(fake: &FakeHetzner) -> Client {
    Client::new(
        ClientConfig {
            base_url: fake.base_url(),
            token: fake.token(),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        },
        Arc::new(ManualClock::new()),
    )
    .expect("a client")
}

fn refusal(result: Result<slipway_cloud::http::Reply, Failure>) -> (u16, Value) {
    match result {
        Err(Failure::Refused(refusal)) => (
            refusal.status,
            serde_json::from_slice(&refusal.body).expect("a JSON error"),
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_fake_refuses_and_records_bodies_that_stray_from_the_contract() {
    let fake = FakeHetzner::start();
    let client = raw(&fake);
    let url = client.url("/v1/servers", &[]);
    let body = json!({"name": "x", "image": "debian-12", "size": "cx22"});
    let (status, error) = refusal(client.send(Method::Post, &url, Some(&body)));
    assert_eq!(status, 422);
    assert_eq!(error["error"]["code"], "invalid_input");
    assert_eq!(error["error"]["message"], "invalid input in field 'size'");
    assert_eq!(error["error"]["details"]["fields"][0]["name"], "size");
    let violations = fake.take_violations();
    assert_eq!(
        violations,
        ["POST /v1/servers: size is not a documented field; server_type is required"]
    );
    let url = client.url("/v1/ssh_keys", &[]);
    let (status, _) = refusal(client.send(Method::Post, &url, Some(&json!({"name": "k"}))));
    assert_eq!(status, 422);
    let url = client.url("/v1/servers", &[("per_page", "200")]);
    let (status, _) = refusal(client.send(Method::Get, &url, None));
    assert_eq!(status, 422);
    let url = client.url("/v1/droplets", &[]);
    let (status, error) = refusal(client.send(Method::Get, &url, None));
    assert_eq!(
        (status, &error["error"]["code"]),
        (404, &json!("not_found"))
    );
    assert_eq!(
        fake.take_violations(),
        [
            "POST /v1/ssh_keys: public_key is required",
            "GET /v1/servers: per_page must be a whole number from 1 to 50",
            "GET /v1/droplets: no such operation in the API",
        ]
    );
}

#[test]
fn every_reply_carries_hetzners_rate_limit_headers_and_needs_a_user_agent() {
    let fake = FakeHetzner::start();
    let http = reqwest::blocking::Client::new();
    let url = format!("{}/locations", fake.base_url());
    let get = |agent: &str| {
        http.get(&url)
            .header("User-Agent", agent)
            .header("Authorization", format!("Bearer {}", fake.token().expose()))
            .send()
            .expect("a reply")
    };
    let header = |reply: &reqwest::blocking::Response, name: &str| -> u64 {
        reply.headers()[name]
            .to_str()
            .expect("text")
            .parse()
            .expect("a number")
    };
    let first = get("slipway/0.1.0");
    let second = get("slipway/0.1.0");
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "ratelimit-limit"), 3600);
    assert_eq!(
        header(&second, "ratelimit-remaining"),
        header(&first, "ratelimit-remaining") - 1
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let reset = header(&second, "ratelimit-reset");
    assert!(
        (now..now + 10).contains(&reset),
        "{reset} is an epoch second soon after {now}"
    );
    let anonymous = get("curl/8.0");
    assert_eq!(anonymous.status(), 400);
    assert_eq!(
        fake.take_violations(),
        ["GET /v1/locations: no `User-Agent: slipway/<version>` header"]
    );
}
