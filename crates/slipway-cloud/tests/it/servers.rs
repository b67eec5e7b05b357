//! Creating, finding, waiting for and destroying a project's server.

use std::net::Ipv4Addr;
use std::time::Duration;

use slipway_cloud::fake::{FakeDigitalOcean, FakeOptions, Fault, Lifecycle};
use slipway_cloud::{CloudError, Provision, PublicKey, ServerProvider, ServerStatus};

use crate::{KEY, KEY_MD5, client, request};

#[test]
fn create_then_wait_until_active_picks_the_public_ipv4_by_type() {
    let fake = FakeDigitalOcean::start();
    let (provider, clock) = client(&fake);
    let key = provider
        .ensure_ssh_key("ada@laptop", &PublicKey::parse(KEY).expect("a key"))
        .expect("the key");
    let mut wanted = request("shop");
    wanted.ssh_keys = vec![key.key.fingerprint.clone()];
    assert_eq!(wanted.ssh_keys, [KEY_MD5]);

    let created = provider.create_server(&wanted).expect("a server");
    assert_eq!(created.provision, Provision::Created);
    assert_eq!(created.server.status, ServerStatus::New);
    assert_eq!(created.server.public_ipv4, None);
    assert_eq!(created.server.tags, ["slipway", "slipway-project-shop"]);

    let mut seen = Vec::new();
    let ready = provider
        .wait_until_ready(created.server.id, Duration::from_mins(5), &mut |progress| {
            seen.push((
                progress.status.as_str().to_owned(),
                progress.public_ipv4.is_some(),
            ));
        })
        .expect("a ready server");
    // new, new, active without an address (as the real API sometimes is), then ready.
    let expected: Vec<(String, bool)> = [("new", false), ("active", false), ("active", true)]
        .iter()
        .map(|(status, ip)| ((*status).to_owned(), *ip))
        .collect();
    assert_eq!(seen, expected);
    let ip = ready.public_ipv4.expect("a public address");
    assert_eq!(
        ip.octets()[..3],
        [203, 0, 113],
        "the public address, not the private 10.x one"
    );
    assert!(!Ipv4Addr::is_private(&ip));
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(3); 2],
        "one poll interval between looks"
    );

    let again = provider.create_server(&wanted).expect("the same server");
    assert_eq!(again.provision, Provision::Found);
    assert_eq!(again.server.id, created.server.id);
    assert_eq!(again.server.public_ipv4, Some(ip));
    assert_eq!(fake.droplets().len(), 1);
    assert_eq!(fake.count("POST", "/v2/droplets"), 1);
}

#[test]
fn a_lost_create_reply_then_a_rerun_makes_exactly_one_droplet() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    fake.inject(Fault::LoseNextCreate);

    let error = provider
        .create_server(&request("shop"))
        .expect_err("the reply is lost");
    assert!(
        matches!(error, CloudError::ResponseLost { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("may have happened"), "{text}");
    assert!(text.contains("Run the same step again"), "{text}");
    assert_eq!(
        fake.droplets().len(),
        1,
        "the droplet was made although the reply was lost"
    );

    let rerun = provider.create_server(&request("shop")).expect("the rerun");
    assert_eq!(rerun.provision, Provision::Found);
    assert_eq!(fake.droplets().len(), 1, "the rerun made no second droplet");
    assert_eq!(fake.count("POST", "/v2/droplets"), 1);
}

#[test]
fn a_server_failure_on_create_is_not_retried_blindly() {
    let fake = FakeDigitalOcean::start();
    let (provider, clock) = client(&fake);
    fake.inject(Fault::FailNextCreate);

    let error = provider
        .create_server(&request("shop"))
        .expect_err("the create fails");
    assert!(
        matches!(error, CloudError::ProviderFailure { status: 500, .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("Server was unable to give you a response."),
        "{error}"
    );
    assert_eq!(
        fake.count("POST", "/v2/droplets"),
        1,
        "a POST is never repeated by the client"
    );
    assert!(clock.sleeps().is_empty());

    let rerun = provider.create_server(&request("shop")).expect("the rerun");
    assert_eq!(rerun.provision, Provision::Created);
    assert_eq!(fake.droplets().len(), 1);
}

#[test]
fn different_projects_get_different_servers() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let shop = provider
        .create_server(&request("shop"))
        .expect("shop's server");
    let blog = provider
        .create_server(&request("blog"))
        .expect("blog's server");
    assert_ne!(shop.server.id, blog.server.id);
    assert_eq!(blog.provision, Provision::Created);
    assert_eq!(fake.droplets().len(), 2);
    let found = provider
        .find_server(&request("blog").project)
        .expect("a lookup")
        .expect("blog's server");
    assert_eq!(found.id, blog.server.id);
}

#[test]
fn waiting_gives_up_after_the_timeout_and_says_where_the_server_stands() {
    let fake = FakeDigitalOcean::with_options(FakeOptions {
        lifecycle: Lifecycle {
            polls_until_active: 1000,
            polls_until_addresses: 0,
        },
    });
    let (provider, clock) = client(&fake);
    let created = provider.create_server(&request("shop")).expect("a server");
    let mut looks = 0;
    let error = provider
        .wait_until_ready(created.server.id, Duration::from_secs(10), &mut |_| {
            looks += 1;
        })
        .expect_err("it never becomes active");
    assert!(matches!(error, CloudError::NotReady { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "server shop-web is still \"new\" after 10 s and has no public IPv4 address yet. Look \
         at it in the provider's console; if it stays stuck, destroy it and create it again"
    );
    // Looks at 0, 3, 6, 9 and 10 s: the last wait is cut to the deadline.
    assert_eq!(looks, 5);
    assert_eq!(clock.slept(), Duration::from_secs(10));
}

#[test]
fn destroying_needs_the_servers_name_and_is_safe_to_repeat() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let created = provider.create_server(&request("shop")).expect("a server");
    let id = created.server.id;

    let error = provider
        .destroy_server(id, "shop")
        .expect_err("not its name");
    assert!(
        matches!(error, CloudError::ConfirmationMismatch { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("Type the server's name exactly"),
        "{error}"
    );
    assert_eq!(fake.droplets().len(), 1, "nothing destroyed");
    assert_eq!(fake.count("DELETE", &format!("/v2/droplets/{id}")), 0);

    provider.destroy_server(id, "shop-web").expect("destroyed");
    assert!(fake.droplets().is_empty());
    provider
        .destroy_server(id, "shop-web")
        .expect("already gone counts as destroyed");
}
