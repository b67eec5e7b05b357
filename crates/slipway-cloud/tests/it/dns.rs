//! Pointing a domain at the server: created, updated in place, or left alone.

use std::net::Ipv4Addr;

use serde_json::Value;
use slipway_cloud::fake::FakeDigitalOcean;
use slipway_cloud::{AddressRecords, CloudError, DnsProvider, Host, RecordOutcome};

use crate::client;

fn records(ipv4: [u8; 4]) -> AddressRecords {
    AddressRecords {
        domain: "example.com".into(),
        hosts: vec![Host::Apex, Host::Www],
        ipv4: Ipv4Addr::from(ipv4),
        ipv6: Some("2001:db8::5".parse().expect("an address")),
        ttl: 300,
    }
}

/// The A and AAAA records as `name type data`, sorted, and their ids.
fn addresses(fake: &FakeDigitalOcean) -> Vec<(String, u64)> {
    let mut lines: Vec<(String, u64)> = fake
        .records("example.com")
        .iter()
        .filter(|record| record["type"] == "A" || record["type"] == "AAAA")
        .map(|record| {
            let text = |key: &str| record[key].as_str().unwrap_or_default().to_owned();
            (
                format!("{} {} {}", text("name"), text("type"), text("data")),
                record["id"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    lines.sort();
    lines
}

fn outcomes(report: &slipway_cloud::DnsReport) -> Vec<String> {
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
    let fake = FakeDigitalOcean::start();
    fake.add_domain("example.com");
    let (provider, _) = client(&fake);

    let first = provider
        .upsert_addresses(&records([203, 0, 113, 5]))
        .expect("first run");
    assert_eq!(
        outcomes(&first),
        [
            "@ A 203.0.113.5: created",
            "@ AAAA 2001:db8::5: created",
            "www A 203.0.113.5: created",
            "www AAAA 2001:db8::5: created",
        ]
    );
    let after_first = addresses(&fake);
    assert_eq!(after_first.len(), 4);

    let second = provider
        .upsert_addresses(&records([203, 0, 113, 5]))
        .expect("second run");
    assert!(!second.changed());
    assert_eq!(addresses(&fake), after_first, "nothing added or changed");

    let third = provider
        .upsert_addresses(&records([203, 0, 113, 9]))
        .expect("third run");
    assert_eq!(
        outcomes(&third),
        [
            "@ A 203.0.113.9: updated from 203.0.113.5",
            "@ AAAA 2001:db8::5: unchanged",
            "www A 203.0.113.9: updated from 203.0.113.5",
            "www AAAA 2001:db8::5: unchanged",
        ]
    );
    let after_third = addresses(&fake);
    let ids = |lines: &[(String, u64)]| lines.iter().map(|(_, id)| *id).collect::<Vec<_>>();
    let mut before_ids = ids(&after_first);
    let mut after_ids = ids(&after_third);
    before_ids.sort_unstable();
    after_ids.sort_unstable();
    assert_eq!(
        before_ids, after_ids,
        "updated in place: the same record ids"
    );
    assert!(
        after_third
            .iter()
            .any(|(line, _)| line == "@ A 203.0.113.9")
    );
    // The name servers and SOA DigitalOcean made are untouched.
    let others: Vec<Value> = fake
        .records("example.com")
        .into_iter()
        .filter(|record| record["type"] == "NS" || record["type"] == "SOA")
        .collect();
    assert_eq!(others.len(), 4);
}

#[test]
fn an_existing_record_with_another_address_is_updated_in_place() {
    let fake = FakeDigitalOcean::start();
    fake.add_domain("example.com");
    let old = fake.add_record("example.com", "A", "www", "198.51.100.7", 1800);
    let (provider, _) = client(&fake);
    let request = AddressRecords {
        hosts: vec![Host::Www],
        ipv6: None,
        ..records([203, 0, 113, 5])
    };

    let report = provider.upsert_addresses(&request).expect("upserted");
    assert_eq!(
        outcomes(&report),
        ["www A 203.0.113.5: updated from 198.51.100.7"]
    );
    assert_eq!(addresses(&fake), [("www A 203.0.113.5".to_owned(), old)]);
    let record = fake
        .records("example.com")
        .into_iter()
        .find(|record| record["id"] == old)
        .expect("the record");
    assert_eq!(record["ttl"], 300);
}

#[test]
fn a_domain_missing_from_the_account_is_explained() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let error = provider
        .upsert_addresses(&records([203, 0, 113, 5]))
        .expect_err("no such domain");
    assert!(matches!(error, CloudError::NotFound { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with("DigitalOcean has no domain example.com in this account's DNS."),
        "{text}"
    );
    assert!(text.contains("ns1.digitalocean.com"), "{text}");
}

#[test]
fn a_subdomain_is_pointed_inside_the_nearest_domain_on_the_account() {
    let fake = FakeDigitalOcean::start();
    fake.add_domain("example.com");
    let (provider, _) = client(&fake);
    let request = AddressRecords {
        domain: "shop.example.com".into(),
        ipv6: None,
        ..records([203, 0, 113, 5])
    };
    let first = provider.upsert_addresses(&request).expect("first run");
    assert_eq!(first.domain, "shop.example.com");
    assert_eq!(
        outcomes(&first),
        ["@ A 203.0.113.5: created", "www A 203.0.113.5: created"]
    );
    let names: Vec<String> = addresses(&fake).into_iter().map(|(line, _)| line).collect();
    assert_eq!(names, ["shop A 203.0.113.5", "www.shop A 203.0.113.5"]);
    let again = provider.upsert_addresses(&request).expect("second run");
    assert!(!again.changed(), "{again:?}");
    assert_eq!(addresses(&fake).len(), 2);

    let elsewhere = AddressRecords {
        domain: "shop.example.org".into(),
        ..request
    };
    let error = provider
        .upsert_addresses(&elsewhere)
        .expect_err("no such domain");
    assert!(
        error.to_string().starts_with(
            "DigitalOcean has no domain shop.example.org or example.org in this account's DNS."
        ),
        "{error}"
    );
}
