//! slipway-cloud's Namecheap DNS against `FakeNamecheap`, a stateful local Namecheap XML
//! API. Retries run on a `ManualClock`, so no test sleeps for real.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use slipway_cloud::clock::ManualClock;
use slipway_cloud::fake::namecheap::{FakeHost, FakeNamecheap, Fault, WHITELISTED_IP};
use slipway_cloud::{
    AddressRecords, CloudError, DnsProvider, DnsReport, Host, Namecheap, NamecheapConfig,
    RecordOutcome,
};
use slipway_secrets::Secret;

const GET_HOSTS: &str = "namecheap.domains.dns.getHosts";
const SET_HOSTS: &str = "namecheap.domains.dns.setHosts";

fn client_with(config: NamecheapConfig) -> (Namecheap, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let provider = Namecheap::new(config, clock.clone()).expect("a client");
    (provider, clock)
}

fn client(fake: &FakeNamecheap) -> (Namecheap, Arc<ManualClock>) {
    client_with(fake.config())
}

fn request(domain: &str, ipv4: [u8; 4]) -> AddressRecords {
    AddressRecords {
        domain: domain.into(),
        hosts: vec![Host::Apex, Host::Www],
        ipv4: Ipv4Addr::from(ipv4),
        ipv6: None,
        ttl: 300,
    }
}

/// A domain's records as `name type address mxpref ttl`, in the fake's order.
fn lines(hosts: &[FakeHost]) -> Vec<String> {
    hosts
        .iter()
        .map(|host| {
            format!(
                "{} {} {} {} {}",
                host.name, host.kind, host.address, host.mx_pref, host.ttl
            )
        })
        .collect()
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

/// The commands the fake received, in order.
fn commands(fake: &FakeNamecheap) -> Vec<String> {
    fake.requests()
        .into_iter()
        .map(|request| format!("{} {}", request.method, request.command))
        .collect()
}

/// A domain set up the way people's domains are: mail, verification texts, a CNAME, a
/// CAA record and a redirect, none of which Slipway may lose.
fn mail_zone() -> Vec<FakeHost> {
    vec![
        FakeHost::new("@", "MX", "mx1.mailhost.example.").mx_pref(10),
        FakeHost::new("@", "MX", "mx2.mailhost.example.")
            .mx_pref(20)
            .ttl(3600),
        FakeHost::new("@", "MXE", "192.0.2.25").mx_pref(5),
        FakeHost::new("@", "TXT", "v=spf1 include:_spf.mailhost.example ~all").ttl(300),
        FakeHost::new(
            "_dmarc",
            "TXT",
            "v=DMARC1; p=none; rua=mailto:d@example.com",
        ),
        FakeHost::new("blog", "CNAME", "example.github.io.").ttl(1799),
        FakeHost::new("@", "CAA", "0 issue \"letsencrypt.org\""),
        FakeHost::new("old", "URL301", "https://example.net/?a=1&b=<2>"),
        FakeHost::new("ftp", "A", "198.51.100.20").ttl(60),
    ]
}

#[test]
fn every_other_record_and_the_mail_setting_survive() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    fake.add_domain(
        "example.org",
        &[FakeHost::new("@", "A", "192.0.2.1")],
        "FWD",
    );
    let before = lines(&fake.hosts("example.com"));
    let (provider, _) = client(&fake);

    let report = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect("upsert");
    assert_eq!(report.domain, "example.com");
    assert_eq!(
        outcomes(&report),
        ["@ A 203.0.113.5: created", "www A 203.0.113.5: created"]
    );

    let after = lines(&fake.hosts("example.com"));
    assert_eq!(after.len(), before.len() + 2, "{after:#?}");
    assert_eq!(
        after[..before.len()],
        before[..],
        "the old records, as they were"
    );
    assert_eq!(
        after[before.len()..],
        ["@ A 203.0.113.5 10 300", "www A 203.0.113.5 10 300"]
    );
    assert_eq!(fake.email_type("example.com").as_deref(), Some("MX"));
    assert!(fake.mail_resets().is_empty(), "{:?}", fake.mail_resets());
    assert_eq!(lines(&fake.hosts("example.org")), ["@ A 192.0.2.1 10 1800"]);

    // One write, as a POST form with every record numbered 1..N and EmailType sent back.
    assert_eq!(
        commands(&fake),
        [
            format!("GET {GET_HOSTS}"),
            format!("POST {SET_HOSTS}"),
            format!("GET {GET_HOSTS}")
        ]
    );
    let write = &fake.requests()[1];
    let value = |key: &str| {
        write
            .params
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    };
    assert_eq!(value("EmailType"), Some("MX"));
    assert_eq!(value("SLD"), Some("example"));
    assert_eq!(value("TLD"), Some("com"));
    assert_eq!(value("HostName11"), Some("www"));
    assert_eq!(value("HostName12"), None);
    assert_eq!(value("MXPref2"), Some("20"));
    assert_eq!(value("Address7"), Some("0 issue \"letsencrypt.org\""));
    assert_eq!(
        value("ApiKey"),
        Some("<redacted>"),
        "the fake hides the key"
    );
}

#[test]
fn three_runs_make_no_duplicates_and_only_the_first_writes() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MXE");
    let (provider, _) = client(&fake);
    let wanted = AddressRecords {
        ipv6: Some("2001:db8::5".parse().expect("an address")),
        ..request("example.com", [203, 0, 113, 5])
    };

    let first = provider.upsert_addresses(&wanted).expect("first run");
    assert!(first.changed());
    let after_first = lines(&fake.hosts("example.com"));
    assert_eq!(fake.set_hosts_calls(), 1);

    for run in 2..=3 {
        let again = provider.upsert_addresses(&wanted).expect("rerun");
        assert!(!again.changed(), "run {run}: {:?}", outcomes(&again));
        assert!(
            again.records.iter().all(
                |change| change.outcome == RecordOutcome::Unchanged && change.others.is_empty()
            )
        );
        assert_eq!(lines(&fake.hosts("example.com")), after_first);
    }
    assert_eq!(fake.set_hosts_calls(), 1, "reruns send no setHosts at all");
    assert_eq!(after_first.len(), mail_zone().len() + 4);
    let ours: Vec<&String> = after_first
        .iter()
        .filter(|line| line.contains("203.0.113.5") || line.contains("2001:db8::5"))
        .collect();
    assert_eq!(
        ours,
        [
            "@ A 203.0.113.5 10 300",
            "@ AAAA 2001:db8::5 10 300",
            "www A 203.0.113.5 10 300",
            "www AAAA 2001:db8::5 10 300"
        ]
    );
    assert_eq!(fake.email_type("example.com").as_deref(), Some("MXE"));
    assert!(fake.mail_resets().is_empty());
}

#[test]
fn a_wrong_address_is_updated_in_place() {
    let fake = FakeNamecheap::start();
    fake.add_domain(
        "example.com",
        &[
            FakeHost::new("@", "A", "198.51.100.1"),
            FakeHost::new("@", "TXT", "google-site-verification=abc"),
            FakeHost::new("www", "A", "203.0.113.5").ttl(300),
            FakeHost::new("www", "A", "198.51.100.2"),
        ],
        "FWD",
    );
    let (provider, _) = client(&fake);

    let report = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect("upsert");
    assert_eq!(
        outcomes(&report),
        [
            "@ A 203.0.113.5: updated from 198.51.100.1",
            "www A 203.0.113.5: unchanged"
        ]
    );
    // The second A record on www is left alone and reported for the caller to warn.
    assert_eq!(report.records[1].others, ["198.51.100.2"]);
    assert_eq!(
        lines(&fake.hosts("example.com")),
        [
            "@ A 203.0.113.5 10 300",
            "@ TXT google-site-verification=abc 10 1800",
            "www A 203.0.113.5 10 300",
            "www A 198.51.100.2 10 1800"
        ]
    );

    // Moving the server again changes the same records, and only them.
    let moved = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 77]))
        .expect("moved");
    assert_eq!(
        outcomes(&moved),
        [
            "@ A 203.0.113.77: updated from 203.0.113.5",
            "www A 203.0.113.77: updated from 203.0.113.5"
        ]
    );
    assert_eq!(fake.hosts("example.com").len(), 4);
    assert_eq!(fake.email_type("example.com").as_deref(), Some("FWD"));
}

#[test]
fn aaaa_records_come_with_an_ipv6_address() {
    let fake = FakeNamecheap::start();
    fake.add_domain(
        "example.com",
        &[FakeHost::new("@", "AAAA", "2001:0db8:0:0::9")],
        "MXE",
    );
    let (provider, _) = client(&fake);
    let mut wanted = request("example.com", [203, 0, 113, 5]);
    wanted.hosts = vec![Host::Apex];
    wanted.ipv6 = Some("2001:db8::9".parse().expect("an address"));

    let report = provider.upsert_addresses(&wanted).expect("upsert");
    assert_eq!(
        outcomes(&report),
        [
            "@ A 203.0.113.5: created",
            // The same address written differently, but the TTL was Namecheap's 1800.
            "@ AAAA 2001:db8::9: updated from 2001:0db8:0:0::9",
        ]
    );
    assert_eq!(
        lines(&fake.hosts("example.com")),
        ["@ AAAA 2001:db8::9 10 300", "@ A 203.0.113.5 10 300"]
    );
}

#[test]
fn a_co_uk_domain_is_split_at_its_public_suffix() {
    let fake = FakeNamecheap::start();
    fake.add_domain(
        "example.co.uk",
        &[FakeHost::new("@", "TXT", "hello")],
        "MXE",
    );
    let (provider, _) = client(&fake);
    let report = provider
        .upsert_addresses(&request("Example.CO.UK.", [203, 0, 113, 5]))
        .expect("upsert");
    assert_eq!(report.domain, "example.co.uk");
    assert_eq!(fake.hosts("example.co.uk").len(), 3);
    let read = &fake.requests()[0];
    assert!(
        read.params
            .contains(&("SLD".to_owned(), "example".to_owned()))
    );
    assert!(
        read.params
            .contains(&("TLD".to_owned(), "co.uk".to_owned()))
    );
}

#[test]
fn a_subdomain_gets_names_relative_to_the_domain() {
    let fake = FakeNamecheap::start();
    fake.add_domain(
        "example.com",
        &[
            FakeHost::new("@", "A", "198.51.100.1"),
            FakeHost::new("www", "CNAME", "example.com."),
        ],
        "MXE",
    );
    let (provider, _) = client(&fake);
    let report = provider
        .upsert_addresses(&request("app.example.com", [203, 0, 113, 5]))
        .expect("upsert");
    assert_eq!(report.domain, "app.example.com");
    assert!(report.changed());
    assert_eq!(
        lines(&fake.hosts("example.com")),
        [
            "@ A 198.51.100.1 10 1800",
            "www CNAME example.com. 10 1800",
            "app A 203.0.113.5 10 300",
            "www.app A 203.0.113.5 10 300"
        ]
    );
}

#[test]
fn a_cname_on_a_wanted_name_is_explained_not_deleted() {
    let fake = FakeNamecheap::start();
    // What Namecheap gives a new domain.
    let parked = [
        FakeHost::new("www", "CNAME", "parkingpage.namecheap.com."),
        FakeHost::new("@", "URL", "http://www.example.com/"),
    ];
    fake.add_domain("example.com", &parked, "FWD");
    let (provider, _) = client(&fake);
    let error = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect_err("a conflict");
    let text = error.to_string();
    assert!(
        text.contains("example.com has a URL record (http://www.example.com/)"),
        "{text}"
    );
    assert!(
        text.contains("www.example.com has a CNAME record (parkingpage.namecheap.com.)"),
        "{text}"
    );
    assert!(
        text.contains("changed nothing and removed nothing"),
        "{text}"
    );
    assert!(text.contains("Advanced DNS"), "{text}");
    assert_eq!(fake.set_hosts_calls(), 0);
    assert_eq!(fake.hosts("example.com"), parked);
}

#[test]
fn an_address_off_the_whitelist_is_named_with_where_to_add_it() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    let mut config = fake.config();
    config.client_ip = Ipv4Addr::new(203, 0, 113, 50);
    let (provider, clock) = client_with(config);
    let error = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect_err("not whitelisted");
    let text = error.to_string();
    assert!(
        text.starts_with(
            "Namecheap refused to read the host records of example.com (HTTP 200, error \
             1011150): Invalid request IP: 203.0.113.50 (error 1011150)."
        ),
        "{text}"
    );
    assert!(text.contains("203.0.113.50 is not on it"), "{text}");
    assert!(
        text.contains("Profile > Tools > Namecheap API Access > Whitelisted IPs"),
        "{text}"
    );
    assert!(
        text.contains("must be this computer's current public IPv4 address"),
        "{text}"
    );
    assert!(
        clock.sleeps().is_empty(),
        "a lasting refusal is not retried"
    );
    assert_eq!(fake.set_hosts_calls(), 0);

    // Once whitelisted, the same client gets through.
    fake.whitelist(Ipv4Addr::new(203, 0, 113, 50));
    provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect("whitelisted now");
}

#[test]
fn a_bad_key_is_refused_with_the_access_prerequisites_and_never_shown() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    let canary = "CANARY0namecheap0key0123456789ab";
    let mut config = fake.config();
    config.api_key = Secret::new(canary.to_owned());
    let (provider, _) = client_with(config);
    let error = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect_err("bad key");
    assert!(
        matches!(error, CloudError::InvalidToken { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("API Key is invalid or API access has not been enabled (error 1011102)"),
        "{text}"
    );
    assert!(text.contains("at least $50 on the balance"), "{text}");
    assert!(text.contains("at least 20 domains"), "{text}");
    assert!(
        text.contains("https://ap.www.namecheap.com/settings/tools/apiaccess/"),
        "{text}"
    );
    for shown in [text, format!("{error:?}"), format!("{provider:?}")] {
        assert!(!shown.contains(canary), "{shown}");
    }
    assert!(format!("{provider:?}").contains("<redacted>"));
}

#[test]
fn the_key_never_appears_in_any_error_or_debug_output() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    let key = fake.api_key().expose().clone();
    let mut errors = Vec::new();
    let mut config = fake.config();
    config.client_ip = Ipv4Addr::new(203, 0, 113, 50);
    let (provider, _) = client_with(config.clone());
    errors.push(provider.upsert_addresses(&request("example.com", [203, 0, 113, 5])));
    let (provider, _) = client(&fake);
    errors.push(provider.upsert_addresses(&request("example.net", [203, 0, 113, 5])));
    // Each fault lasts for the first try and the four retries.
    fake.inject(Fault::Malformed { times: 5 });
    errors.push(provider.upsert_addresses(&request("example.com", [203, 0, 113, 5])));
    fake.inject(Fault::Status {
        status: 503,
        times: 5,
        retry_after_secs: None,
    });
    errors.push(provider.upsert_addresses(&request("example.com", [203, 0, 113, 5])));
    // Nothing listens there: a transport error.
    config.endpoint = "http://127.0.0.1:9/xml.response".parse().expect("a URL");
    let (unreachable, _) = client_with(config.clone());
    errors.push(unreachable.upsert_addresses(&request("example.com", [203, 0, 113, 5])));
    assert_eq!(errors.len(), 5);
    for result in errors {
        let error = result.expect_err("each fails");
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains(&key), "{shown}");
        }
    }
    for shown in [format!("{provider:?}"), format!("{config:?}")] {
        assert!(!shown.contains(&key), "{shown}");
    }
}

#[test]
fn a_domain_not_in_the_account_says_what_to_check() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    let (provider, _) = client(&fake);
    let error = provider
        .upsert_addresses(&request("example.org", [203, 0, 113, 5]))
        .expect_err("not in the account");
    assert!(matches!(error, CloudError::NotFound { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with("Namecheap has no domain example.org in the account slipwaytest."),
        "{text}"
    );
    assert!(
        text.contains(
            "The domain (example.org) doesn't seem to be associated with your account \
             (error 2019166)"
        ),
        "{text}"
    );
    assert!(text.contains("SLD \"example\" and TLD \"org\""), "{text}");
    assert!(text.contains("choose that DNS provider"), "{text}");
    assert_eq!(fake.set_hosts_calls(), 0);
}

#[test]
fn a_domain_off_namecheaps_dns_says_which_nameservers_to_use() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    fake.set_using_our_dns("example.com", false);
    let (provider, _) = client(&fake);
    let text = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect_err("not on Namecheap's DNS")
        .to_string();
    assert!(
        text.contains(
            "Cannot complete this command as this domain is not using proper DNS servers \
             (error 2030288)"
        ),
        "{text}"
    );
    assert!(
        text.contains("dns1.registrar-servers.com and dns2.registrar-servers.com"),
        "{text}"
    );
    assert!(
        text.contains("set the records where the domain's DNS is hosted now"),
        "{text}"
    );
    assert_eq!(fake.set_hosts_calls(), 0);
}

#[test]
fn too_many_records_leaves_the_domain_as_it_was() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    fake.set_max_records(10);
    let before = fake.hosts("example.com");
    let (provider, _) = client(&fake);
    let error = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect_err("too many");
    let text = error.to_string();
    assert!(
        text.starts_with(
            "Namecheap refused to replace the host records of example.com (HTTP 200, error \
             3013288): Too many records (error 3013288). example.com has more host records \
             than Namecheap allows for a domain (Slipway sent 11)"
        ),
        "{text}"
    );
    assert!(
        text.contains("Delete records that are no longer used"),
        "{text}"
    );
    assert_eq!(fake.set_hosts_calls(), 1);
    assert_eq!(fake.hosts("example.com"), before);
}

#[test]
fn a_malformed_read_writes_nothing() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    let before = fake.hosts("example.com");
    fake.inject(Fault::Malformed { times: 20 });
    let (provider, clock) = client(&fake);
    let error = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect_err("malformed");
    assert!(
        matches!(error, CloudError::UnexpectedReply { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.starts_with(
            "Namecheap answered in an unexpected way while trying to read the host records \
             of example.com:"
        ),
        "{text}"
    );
    assert!(text.contains("Slipway wrote nothing"), "{text}");
    // Read again four times with backoff, then gave up without writing.
    assert_eq!(
        clock.sleeps(),
        [1, 2, 4, 8].map(Duration::from_secs).to_vec()
    );
    assert_eq!(fake.set_hosts_calls(), 0);
    assert_eq!(fake.hosts("example.com"), before);
}

#[test]
fn a_passing_fault_on_a_read_is_retried() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    fake.inject(Fault::Malformed { times: 1 });
    fake.inject(Fault::Status {
        status: 429,
        times: 2,
        retry_after_secs: Some(3),
    });
    let (provider, clock) = client(&fake);
    let report = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect("after retries");
    assert!(report.changed());
    assert_eq!(
        clock.sleeps(),
        [1, 3, 3].map(Duration::from_secs).to_vec(),
        "a backoff after the cut-off reply, then the Retry-After twice"
    );
    let statuses: Vec<Option<u16>> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Some(200),
            Some(429),
            Some(429),
            Some(200),
            Some(200),
            Some(200)
        ]
    );
    assert_eq!(fake.set_hosts_calls(), 1);
}

#[test]
fn a_lost_set_hosts_reply_is_settled_by_reading_again() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    fake.inject(Fault::LoseSetHostsReply);
    let (provider, _) = client(&fake);
    let report = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect("the change applied, and the new read shows it");
    assert_eq!(
        outcomes(&report),
        ["@ A 203.0.113.5: created", "www A 203.0.113.5: created"]
    );
    let requests = fake.requests();
    assert_eq!(
        commands(&fake),
        [
            format!("GET {GET_HOSTS}"),
            format!("POST {SET_HOSTS}"),
            format!("GET {GET_HOSTS}")
        ]
    );
    assert_eq!(requests[1].status, None, "the reply was dropped");
    assert_eq!(fake.set_hosts_calls(), 1, "never sent twice");
    assert_eq!(fake.hosts("example.com").len(), mail_zone().len() + 2);

    let again = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect("rerun");
    assert!(!again.changed());
    assert_eq!(fake.set_hosts_calls(), 1);
}

#[test]
fn a_failed_set_hosts_is_reported_as_not_applied_after_reading_again() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    let before = fake.hosts("example.com");
    fake.inject(Fault::FailSetHosts { status: 502 });
    let (provider, clock) = client(&fake);
    let error = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect_err("the write failed");
    assert!(
        matches!(error, CloudError::ProviderFailure { status: 502, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.starts_with(
            "Namecheap failed on its side while trying to replace the host records of \
             example.com (HTTP 502: no API reply. Slipway read the records again and the \
             change is not there, so nothing was changed; run it again)."
        ),
        "{text}"
    );
    assert_eq!(
        fake.set_hosts_calls(),
        1,
        "a write is never retried blindly"
    );
    assert_eq!(
        commands(&fake),
        [
            format!("GET {GET_HOSTS}"),
            format!("POST {SET_HOSTS}"),
            format!("GET {GET_HOSTS}")
        ]
    );
    assert!(clock.sleeps().is_empty());
    assert_eq!(fake.hosts("example.com"), before);

    // Running it again goes through.
    provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect("rerun");
    assert_eq!(fake.hosts("example.com").len(), before.len() + 2);
}

#[test]
fn settings_that_cannot_work_are_refused_before_sending() {
    let fake = FakeNamecheap::start();
    let clock = Arc::new(ManualClock::new());
    let mut private = fake.config();
    private.client_ip = Ipv4Addr::new(192, 168, 1, 20);
    let text = Namecheap::new(private, clock.clone())
        .expect_err("a LAN address")
        .to_string();
    assert!(
        text.starts_with("client_ip: 192.168.1.20 is not a public address"),
        "{text}"
    );
    let mut plain = fake.config();
    plain.endpoint = "http://api.namecheap.com/xml.response"
        .parse()
        .expect("a URL");
    let text = Namecheap::new(plain, clock.clone())
        .expect_err("plain http")
        .to_string();
    assert!(text.contains("not an https:// address"), "{text}");
    let mut pasted = fake.config();
    pasted.api_key = Secret::new("abc def".to_owned());
    let text = Namecheap::new(pasted, clock)
        .expect_err("a space")
        .to_string();
    assert!(
        text.starts_with("api_key: this is not a Namecheap API key"),
        "{text}"
    );
    assert!(!text.contains("abc def"));
    assert!(fake.requests().is_empty());
}

#[test]
fn the_fake_resets_mail_and_refuses_long_gets_like_namecheap() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    let http = reqwest::blocking::Client::builder()
        .user_agent("slipway/test")
        .build()
        .expect("a client");
    let key = fake.api_key().expose().clone();
    let user = fake.api_user();
    let ip = WHITELISTED_IP.to_string();
    let mut params: Vec<(String, String)> = [
        ("ApiUser", user.as_str()),
        ("ApiKey", key.as_str()),
        ("UserName", user.as_str()),
        ("ClientIp", ip.as_str()),
        ("Command", SET_HOSTS),
        ("SLD", "example"),
        ("TLD", "com"),
    ]
    .iter()
    .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
    .collect();
    for n in 1..=11 {
        params.push((format!("HostName{n}"), format!("h{n}")));
        params.push((format!("RecordType{n}"), "A".to_owned()));
        params.push((format!("Address{n}"), "192.0.2.1".to_owned()));
    }
    let mut url = fake.endpoint();
    url.query_pairs_mut().extend_pairs(&params);
    let status = http.get(url).send().expect("a reply").status();
    assert_eq!(status.as_u16(), 414);
    assert_eq!(fake.take_violations().len(), 1);
    assert_eq!(fake.hosts("example.com").len(), mail_zone().len());

    // The same as a POST form without EmailType: applied, and the mail setting reset.
    let body: Vec<String> = params
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    let reply = http
        .post(fake.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.join("&"))
        .send()
        .expect("a reply")
        .text()
        .expect("a body");
    assert!(reply.contains("IsSuccess=\"true\""), "{reply}");
    assert_eq!(fake.hosts("example.com").len(), 11);
    assert_eq!(fake.email_type("example.com").as_deref(), Some("NONE"));
    let resets = fake.mail_resets();
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].before, "MX");
    assert_eq!(resets[0].sent, None);
    assert!(fake.violations().is_empty());
}

#[test]
fn another_writer_at_the_same_moment_is_caught_by_reading_back() {
    let fake = FakeNamecheap::start();
    fake.add_domain("example.com", &mail_zone(), "MX");
    // Another tool read the records before Slipway wrote, and writes after it.
    let mut theirs = mail_zone();
    theirs.push(FakeHost::new("_acme-challenge", "TXT", "token"));
    fake.inject(Fault::OverwriteAfterSetHosts {
        hosts: theirs.clone(),
    });
    let (provider, _) = client(&fake);
    let error = provider
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect_err("the change was undone");
    let text = error.to_string();
    assert!(
        text.starts_with(
            "Namecheap answered in an unexpected way while trying to replace the host records \
             of example.com: Namecheap accepted the new records, but reading them back shows \
             A @ 203.0.113.5, A www 203.0.113.5 missing. Something else changed the domain's \
             records at the same moment"
        ),
        "{text}"
    );
    assert_eq!(fake.set_hosts_calls(), 1);
    assert_eq!(fake.hosts("example.com"), theirs);

    // Without the check, the same race goes unnoticed.
    fake.inject(Fault::OverwriteAfterSetHosts {
        hosts: theirs.clone(),
    });
    let mut config = fake.config();
    config.verify_writes = false;
    let (unchecked, _) = client_with(config);
    unchecked
        .upsert_addresses(&request("example.com", [203, 0, 113, 5]))
        .expect("not checked");
    assert_eq!(fake.hosts("example.com"), theirs);
}
