//! slipway-cloud's Cloudflare DNS against `FakeCloudflare`, a stateful local Cloudflare
//! API v4. Retries run on a `ManualClock`, so no test sleeps for real.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use slipway_cloud::clock::ManualClock;
use slipway_cloud::cloudflare::UNPROXIED_NOTE;
use slipway_cloud::fake::cloudflare::FakeCloudflare;
use slipway_cloud::{
    AddressRecords, CloudError, Cloudflare, DnsProvider, DnsReport, Host, RecordOutcome,
};
use slipway_secrets::Secret;

fn client(fake: &FakeCloudflare, token: Secret<String>) -> (Cloudflare, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let provider = Cloudflare::new(fake.config(token), clock.clone()).expect("a client");
    (provider, clock)
}

fn request(ipv4: [u8; 4]) -> AddressRecords {
    AddressRecords {
        domain: "example.com".into(),
        hosts: vec![Host::Apex, Host::Www],
        ipv4: Ipv4Addr::from(ipv4),
        ipv6: Some("2001:db8::5".parse().expect("an address")),
        ttl: 300,
    }
}

/// The records of example.com as `name type content proxied ttl`, sorted, with ids.
fn records(fake: &FakeCloudflare) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = fake
        .records("example.com")
        .iter()
        .map(|record| {
            (
                format!(
                    "{} {} {} proxied={} ttl={}",
                    record["name"].as_str().unwrap_or_default(),
                    record["type"].as_str().unwrap_or_default(),
                    record["content"].as_str().unwrap_or_default(),
                    record["proxied"],
                    record["ttl"],
                ),
                record["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    lines.sort();
    lines
}

fn outcomes(report: &DnsReport) -> Vec<String> {
    report
        .records
        .iter()
        .map(|change| {
            let outcome = match &change.outcome {
                RecordOutcome::Created => "created".to_owned(),
                RecordOutcome::Updated { previous } => format!("updated from {previous}"),
                RecordOutcome::Unchanged => "unchanged".to_owned(),
            };
            format!(
                "{} {} {}: {outcome}",
                change.host.relative_name(),
                change.kind.as_str(),
                change.data
            )
        })
        .collect()
}

#[test]
fn three_upserts_make_no_duplicates_and_report_what_changed() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.org");
    fake.add_zone("example.com");
    // Enough unrelated records that lists take more than one page of 5.
    for n in 1..=7 {
        fake.add_record(
            "example.com",
            "A",
            &format!("host{n}.example.com"),
            "198.51.100.9",
            false,
        );
    }
    let (provider, _) = client(&fake, fake.token());

    let first = provider
        .upsert_addresses(&request([203, 0, 113, 5]))
        .expect("first run");
    assert_eq!(first.domain, "example.com");
    assert_eq!(
        outcomes(&first),
        [
            "@ A 203.0.113.5: created",
            "@ AAAA 2001:db8::5: created",
            "www A 203.0.113.5: created",
            "www AAAA 2001:db8::5: created",
        ]
    );
    assert!(first.changed());
    let after_first = records(&fake);
    assert_eq!(after_first.len(), 11);
    let ours: Vec<&str> = after_first
        .iter()
        .map(|(line, _)| line.as_str())
        .filter(|line| !line.starts_with("host"))
        .collect();
    assert_eq!(
        ours,
        [
            "example.com A 203.0.113.5 proxied=false ttl=300",
            "example.com AAAA 2001:db8::5 proxied=false ttl=300",
            "www.example.com A 203.0.113.5 proxied=false ttl=300",
            "www.example.com AAAA 2001:db8::5 proxied=false ttl=300",
        ]
    );

    for _ in 0..2 {
        let again = provider
            .upsert_addresses(&request([203, 0, 113, 5]))
            .expect("rerun");
        assert!(!again.changed());
        assert!(
            again
                .records
                .iter()
                .all(|change| change.outcome == RecordOutcome::Unchanged
                    && change.note.is_none()
                    && change.others.is_empty())
        );
        assert_eq!(records(&fake), after_first, "a rerun changed nothing");
    }
    assert!(
        fake.records("example.org").is_empty(),
        "the other zone is untouched"
    );
}

#[test]
fn a_changed_address_is_updated_in_place() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    let (provider, _) = client(&fake, fake.token());
    provider
        .upsert_addresses(&request([203, 0, 113, 5]))
        .expect("first run");
    let ids_before: Vec<String> = records(&fake).into_iter().map(|(_, id)| id).collect();

    let report = provider
        .upsert_addresses(&request([203, 0, 113, 77]))
        .expect("moved");
    assert_eq!(
        outcomes(&report),
        [
            "@ A 203.0.113.77: updated from 203.0.113.5",
            "@ AAAA 2001:db8::5: unchanged",
            "www A 203.0.113.77: updated from 203.0.113.5",
            "www AAAA 2001:db8::5: unchanged",
        ]
    );
    let after = records(&fake);
    assert_eq!(after.len(), 4, "no duplicates: {after:?}");
    let mut ids_after: Vec<String> = after.iter().map(|(_, id)| id.clone()).collect();
    let mut ids_before = ids_before;
    ids_before.sort();
    ids_after.sort();
    assert_eq!(ids_after, ids_before, "the same records, changed in place");
    assert!(
        after
            .iter()
            .any(|(line, _)| line == "example.com A 203.0.113.77 proxied=false ttl=300")
    );
    let puts = fake
        .requests()
        .iter()
        .filter(|(method, _)| method == "PUT")
        .count();
    assert_eq!(puts, 2);
}

#[test]
fn a_proxied_record_is_unproxied_and_the_report_says_why() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    let apex = fake.add_record("example.com", "A", "example.com", "203.0.113.5", true);
    let www = fake.add_record("example.com", "A", "www.example.com", "198.51.100.1", true);
    let (provider, _) = client(&fake, fake.token());
    let mut wanted = request([203, 0, 113, 5]);
    wanted.ipv6 = None;

    let report = provider.upsert_addresses(&wanted).expect("upsert");
    assert_eq!(
        outcomes(&report),
        [
            "@ A 203.0.113.5: updated from 203.0.113.5",
            "www A 203.0.113.5: updated from 198.51.100.1",
        ]
    );
    for change in &report.records {
        assert_eq!(change.note.as_deref(), Some(UNPROXIED_NOTE));
    }
    assert!(UNPROXIED_NOTE.contains("HTTP-01"));
    assert_eq!(
        records(&fake),
        [
            (
                "example.com A 203.0.113.5 proxied=false ttl=300".to_owned(),
                apex
            ),
            (
                "www.example.com A 203.0.113.5 proxied=false ttl=300".to_owned(),
                www
            ),
        ]
    );
    let again = provider.upsert_addresses(&wanted).expect("rerun");
    assert!(!again.changed());
    assert!(again.records.iter().all(|change| change.note.is_none()));
}

#[test]
fn a_zone_not_on_the_account_says_what_to_do() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.org");
    fake.add_zone_with_status("example.com", "pending");
    let (provider, _) = client(&fake, fake.token());
    let error = provider
        .upsert_addresses(&request([203, 0, 113, 5]))
        .expect_err("no active zone");
    assert!(matches!(error, CloudError::NotFound { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with("Cloudflare has no active zone example.com on this account."),
        "{text}"
    );
    assert!(text.contains("not on this Cloudflare account"), "{text}");
    assert!(
        text.contains("or choose the DNS provider that holds example.com today"),
        "{text}"
    );
    assert!(fake.requests().iter().all(|(method, _)| method == "GET"));
}

#[test]
fn a_bad_token_is_refused_with_cloudflares_code_and_never_shown() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    let canary = "CANARY-cf-token-0123456789abcdef";
    let (provider, _) = client(&fake, Secret::new(canary.to_owned()));
    let error = provider
        .upsert_addresses(&request([203, 0, 113, 5]))
        .expect_err("bad token");
    assert!(
        matches!(error, CloudError::InvalidToken { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("Authentication error (code 10000)"), "{text}");
    assert!(
        text.contains("https://dash.cloudflare.com/profile/api-tokens"),
        "{text}"
    );
    assert!(!text.contains(canary), "{text}");
    assert!(!format!("{error:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(canary));
}

#[test]
fn a_token_without_dns_edit_is_told_which_permission_to_add() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    let token = fake.read_only_token();
    let secret = token.expose().clone();
    let (provider, _) = client(&fake, token);
    let error = provider
        .upsert_addresses(&request([203, 0, 113, 5]))
        .expect_err("read-only token");
    let text = error.to_string();
    assert!(
        text.starts_with(
            "Cloudflare refused to add the A record for example.com (HTTP 403, 10000): \
             Authentication error (code 10000). The token lacks a permission: create a token \
             with Zone:Read and Zone:DNS:Edit"
        ),
        "{text}"
    );
    assert!(!text.contains(&secret), "{text}");
    assert!(fake.records("example.com").is_empty());
}

#[test]
fn rate_limits_are_waited_out_on_the_clock() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    fake.rate_limit(2);
    let (provider, clock) = client(&fake, fake.token());
    let report = provider
        .upsert_addresses(&request([203, 0, 113, 5]))
        .expect("after waiting");
    assert_eq!(report.records.len(), 4);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(3), Duration::from_secs(3)]
    );
}

#[test]
fn records_on_later_pages_are_found_and_others_are_reported() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    for n in 1..=5 {
        fake.add_record(
            "example.com",
            "A",
            "www.example.com",
            &format!("198.51.100.{n}"),
            false,
        );
    }
    // The sixth record, on the second page of five, already holds the address.
    let kept = fake.add_record("example.com", "A", "www.example.com", "203.0.113.5", false);
    let (provider, _) = client(&fake, fake.token());
    let mut wanted = request([203, 0, 113, 5]);
    wanted.hosts = vec![Host::Www];
    wanted.ipv6 = None;

    let report = provider.upsert_addresses(&wanted).expect("upsert");
    // The kept record had the fake's default TTL for an unproxied record, 300.
    assert_eq!(outcomes(&report), ["www A 203.0.113.5: unchanged"]);
    assert_eq!(report.records[0].others.len(), 5);
    assert_eq!(fake.records("example.com").len(), 6);
    assert!(records(&fake).iter().any(|(_, id)| *id == kept));
}

#[test]
fn the_fake_refuses_a_duplicate_post_like_cloudflare() {
    use slipway_cloud::http::{Client, ClientConfig, Failure, Method};

    let fake = FakeCloudflare::start();
    let zone_id = fake.add_zone("example.com");
    fake.add_record("example.com", "A", "example.com", "203.0.113.5", false);
    let config = fake.config(fake.token());
    let client = Client::new(
        ClientConfig {
            base_url: config.base_url,
            token: config.token,
            timeout: config.timeout,
            retry: config.retry,
        },
        Arc::new(ManualClock::new()),
    )
    .expect("a client");
    let url = client.url(&format!("/client/v4/zones/{zone_id}/dns_records"), &[]);
    let body = serde_json::json!({"type": "A", "name": "example.com", "content": "203.0.113.5", "ttl": 300});
    let Err(Failure::Refused(refusal)) = client.send(Method::Post, &url, Some(&body)) else {
        panic!("a duplicate must be refused");
    };
    assert_eq!(refusal.status, 400);
    let reply: serde_json::Value = serde_json::from_slice(&refusal.body).expect("JSON");
    assert_eq!(reply["success"], false);
    assert_eq!(reply["errors"][0]["code"], 81057);
    assert_eq!(fake.records("example.com").len(), 1);
}

#[test]
fn a_subdomain_is_pointed_through_its_parent_zone() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.org");
    fake.add_zone("example.com");
    let (provider, _) = client(&fake, fake.token());
    let mut wanted = request([203, 0, 113, 5]);
    wanted.domain = "App.Example.com".into();
    wanted.ipv6 = None;

    let report = provider.upsert_addresses(&wanted).expect("upsert");
    assert_eq!(report.domain, "app.example.com");
    assert_eq!(
        outcomes(&report),
        ["@ A 203.0.113.5: created", "www A 203.0.113.5: created"]
    );
    let names: Vec<String> = records(&fake).into_iter().map(|(line, _)| line).collect();
    assert_eq!(
        names,
        [
            "app.example.com A 203.0.113.5 proxied=false ttl=300",
            "www.app.example.com A 203.0.113.5 proxied=false ttl=300",
        ]
    );
    // app.example.com is looked up first, then its parent.
    let zone_lookups = fake
        .requests()
        .iter()
        .filter(|(method, path)| method == "GET" && path == "/client/v4/zones")
        .count();
    assert_eq!(zone_lookups, 2);

    let again = provider.upsert_addresses(&wanted).expect("a rerun");
    assert!(!again.changed());
    assert_eq!(fake.records("example.com").len(), 2);
}

#[test]
fn a_subdomain_with_its_own_zone_uses_that_zone() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    fake.add_zone("shop.example.com");
    let (provider, _) = client(&fake, fake.token());
    let mut wanted = request([203, 0, 113, 5]);
    wanted.domain = "shop.example.com".into();
    wanted.hosts = vec![Host::Apex];
    wanted.ipv6 = None;
    provider.upsert_addresses(&wanted).expect("upsert");
    assert_eq!(fake.records("shop.example.com").len(), 1);
    assert!(fake.records("example.com").is_empty());
}

#[test]
fn a_subdomain_of_no_zone_says_which_domain_to_add() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.org");
    let (provider, _) = client(&fake, fake.token());
    let mut wanted = request([203, 0, 113, 5]);
    wanted.domain = "a.b.example.com".into();
    let error = provider.upsert_addresses(&wanted).expect_err("no zone");
    let text = error.to_string();
    assert!(
        text.starts_with(
            "Cloudflare has no active zone a.b.example.com or b.example.com or example.com on \
             this account. The domain is not on this Cloudflare account (or the token may not \
             read it). Add example.com at https://dash.cloudflare.com (Add a site)"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("or choose the DNS provider that holds example.com today"),
        "{text}"
    );
}

#[test]
fn without_retry_after_the_client_waits_until_x_ratelimit_reset() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    fake.rate_limit_until_reset(1, 5);
    let (provider, clock) = client(&fake, fake.token());
    let mut wanted = request([203, 0, 113, 5]);
    wanted.hosts = vec![Host::Apex];
    wanted.ipv6 = None;
    provider.upsert_addresses(&wanted).expect("after waiting");
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    // The reset is an HTTP date, in whole seconds, so the wait is 4 to 6 s.
    assert!(
        (Duration::from_secs(4)..=Duration::from_secs(6)).contains(&sleeps[0]),
        "{sleeps:?}"
    );
}

#[test]
fn a_rate_limit_past_the_budget_says_how_long_to_wait() {
    let fake = FakeCloudflare::start();
    fake.add_zone("example.com");
    fake.rate_limit_until_reset(1, 300);
    let (provider, clock) = client(&fake, fake.token());
    let error = provider
        .upsert_addresses(&request([203, 0, 113, 5]))
        .expect_err("five minutes is past the budget");
    let CloudError::RateLimited {
        retry_in_secs: Some(secs),
        ..
    } = error
    else {
        panic!("{error:?}");
    };
    assert!((298..=301).contains(&secs), "{secs}");
    assert!(clock.sleeps().is_empty());
}

#[test]
fn the_token_check_says_whether_the_token_is_active() {
    let fake = FakeCloudflare::start();
    let (provider, _) = client(&fake, fake.token());
    let status = provider.check_token().expect("an active token");
    assert_eq!(status.expires_on.as_deref(), Some("2027-01-01T00:00:00Z"));
    assert!(!status.id.is_empty());
    assert_eq!(
        fake.requests(),
        [("GET".to_owned(), "/client/v4/user/tokens/verify".to_owned())]
    );
    let (read_only, _) = client(&fake, fake.read_only_token());
    read_only
        .check_token()
        .expect("read-only tokens are active too");

    let expired = fake.expired_token();
    let secret = expired.expose().clone();
    let (provider, _) = client(&fake, expired);
    let error = provider.check_token().expect_err("expired");
    assert!(
        matches!(error, CloudError::InvalidToken { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Cloudflare does not accept the API token: it is invalid or revoked (the token has \
         expired on 2026-01-01T00:00:00Z). Create a new token at \
         https://dash.cloudflare.com/profile/api-tokens and store it in Slipway again"
    );
    assert!(!format!("{error:?}").contains(&secret));

    let canary = "CANARY-cf-token-fedcba9876543210";
    let (provider, _) = client(&fake, Secret::new(canary.to_owned()));
    let error = provider.check_token().expect_err("unknown");
    let text = error.to_string();
    assert!(
        text.starts_with(
            "Cloudflare does not accept the API token: it is invalid or revoked (Invalid API \
             Token (code 1000))"
        ),
        "{text}"
    );
    assert!(!text.contains(canary) && !format!("{error:?}").contains(canary));
}

#[test]
fn every_reply_carries_cloudflares_quota_headers() {
    let fake = FakeCloudflare::start();
    let url = format!("{}/zones", fake.base_url());
    let reply = reqwest::blocking::Client::new()
        .get(&url)
        .header("User-Agent", "slipway/0.1.0")
        .header("Authorization", format!("Bearer {}", fake.token().expose()))
        .send()
        .expect("a reply");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["x-ratelimit-limit"], "1200");
    assert_eq!(reply.headers()["x-ratelimit-remaining"], "1199");
}
