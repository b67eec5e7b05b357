//! The pre-flight check against fake resolvers and a fake authoritative server.

use std::net::IpAddr;
use std::time::Duration;

use slipway_dns::{Expected, Preflight, SourceKind, Verdict, check};

use crate::fake::{FakeDns, Mode, a, aaaa, cname, ns, soa};

const SERVER: &str = "198.51.100.7";

fn expected() -> Expected {
    Expected {
        ipv4: SERVER.parse().expect("address"),
        ipv6: None,
    }
}

fn config(resolvers: &[&FakeDns]) -> Preflight {
    Preflight {
        resolvers: resolvers.iter().map(|r| r.addr).collect(),
        authoritative: false,
        authoritative_port: 53,
        timeout: Duration::from_millis(300),
        attempts: 1,
    }
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(ToString::to_string).collect()
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

/// A resolver that knows the zone example.com, served by ns1.example.net at 127.0.0.1,
/// and an authoritative server for it; `www` is `resolver_www` at the resolver and
/// `authority_www` at the authority.
fn zone_with(resolver_www: &str, authority_www: &str) -> (FakeDns, FakeDns, Preflight) {
    let resolver = FakeDns::resolver(vec![
        soa("example.com", 300),
        ns("example.com", "ns1.example.net"),
        a("ns1.example.net", "127.0.0.1", 86_400),
        a("example.com", SERVER, 1800),
        a("www.example.com", resolver_www, 1800),
    ]);
    let authority = FakeDns::authoritative(vec![
        soa("example.com", 300),
        ns("example.com", "ns1.example.net"),
        a("example.com", SERVER, 3600),
        a("www.example.com", authority_www, 3600),
    ]);
    let config = Preflight {
        authoritative: true,
        authoritative_port: authority.addr.port(),
        ..config(&[&resolver])
    };
    (resolver, authority, config)
}

#[test]
fn names_pointing_at_the_server_are_ready() {
    let dns = FakeDns::resolver(vec![
        a("example.com", SERVER, 300),
        cname("www.example.com", "example.com", 300),
    ]);
    let report = check(
        &names(&["example.com", "WWW.Example.com."]),
        &expected(),
        &config(&[&dns]),
    );
    assert!(report.ready(), "{report}");
    assert_eq!(report.names[1].name, "www.example.com");
    assert_eq!(report.names[1].sources[0].ipv4.chain(), ["example.com"]);
    assert_eq!(
        report.names[0].message,
        format!(
            "example.com points at {SERVER}, the server (at {}).",
            dns.addr
        )
    );
    assert!(
        report.names[0].notes.is_empty(),
        "{:?}",
        report.names[0].notes
    );
}

#[test]
fn a_name_pointing_elsewhere_names_both_addresses() {
    let dns = FakeDns::resolver(vec![
        a("example.com", SERVER, 300),
        a("www.example.com", "203.0.113.9", 300),
    ]);
    let report = check(
        &names(&["example.com", "www.example.com"]),
        &expected(),
        &config(&[&dns]),
    );
    assert!(!report.ready());
    assert_eq!(report.names[0].verdict, Verdict::Ready);
    let www = &report.names[1];
    assert_eq!(
        www.verdict,
        Verdict::Elsewhere {
            found: vec![ip("203.0.113.9")]
        }
    );
    assert_eq!(
        www.message,
        format!(
            "www.example.com points at 203.0.113.9 (at {}); it must point at {SERVER}, the \
             server. Set an A record for www.example.com to {SERVER} at your DNS provider.",
            dns.addr
        )
    );
    assert_eq!(
        report
            .pending()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>(),
        ["www.example.com"]
    );
}

#[test]
fn a_name_that_does_not_exist_is_missing() {
    let dns = FakeDns::resolver(vec![soa("example.com", 300), a("example.com", SERVER, 300)]);
    let report = check(&names(&["www.example.com"]), &expected(), &config(&[&dns]));
    let www = &report.names[0];
    assert_eq!(www.verdict, Verdict::Missing);
    assert!(
        www.message
            .starts_with("www.example.com does not exist (at "),
        "{}",
        www.message
    );
    assert!(
        www.message
            .contains("Add an A record for www.example.com with the value 198.51.100.7")
    );
}

#[test]
fn a_foreign_aaaa_record_keeps_a_name_from_being_ready() {
    let dns = FakeDns::resolver(vec![
        a("www.example.com", SERVER, 300),
        aaaa("www.example.com", "2001:db8::1", 300),
    ]);
    let report = check(&names(&["www.example.com"]), &expected(), &config(&[&dns]));
    assert_eq!(
        report.names[0].verdict,
        Verdict::Elsewhere {
            found: vec![ip("2001:db8::1")]
        }
    );
    assert!(
        report.names[0]
            .message
            .contains("Let's Encrypt tries IPv6 first")
    );

    let with_ipv6 = Expected {
        ipv6: Some("2001:db8::1".parse().expect("address")),
        ..expected()
    };
    assert!(check(&names(&["www.example.com"]), &with_ipv6, &config(&[&dns])).ready());
}

#[test]
fn cloudflare_addresses_are_proxied() {
    let dns = FakeDns::resolver(vec![
        a("www.example.com", "104.16.132.229", 300),
        a("www.example.com", "104.16.133.229", 300),
        aaaa("www.example.com", "2606:4700::6810:84e5", 300),
    ]);
    let report = check(&names(&["www.example.com"]), &expected(), &config(&[&dns]));
    let www = &report.names[0];
    assert_eq!(
        www.verdict,
        Verdict::Proxied {
            provider: "Cloudflare".into()
        }
    );
    assert!(
        www.message.contains("104.16.132.229 and 104.16.133.229"),
        "{}",
        www.message
    );
    assert!(www.message.contains("orange cloud"), "{}", www.message);
    assert!(www.message.contains("\"DNS only\""), "{}", www.message);
}

#[test]
fn the_authoritative_servers_are_found_and_asked_without_recursion() {
    let (resolver, authority, config) = zone_with(SERVER, SERVER);
    let report = check(&names(&["www.example.com"]), &expected(), &config);
    let www = &report.names[0];
    assert!(report.ready(), "{report}");
    assert_eq!(
        www.zone.as_ref().map(|z| z.name.as_str()),
        Some("example.com")
    );
    let kinds: Vec<(SourceKind, &str)> = www
        .sources
        .iter()
        .map(|s| (s.source.kind, s.source.label.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (SourceKind::Authoritative, "ns1.example.net"),
            (SourceKind::Resolver, resolver.addr.to_string().as_str())
        ]
    );
    assert_eq!(www.sources[0].source.address, authority.addr);
    let seen = authority.seen();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|s| !s.recursion_desired), "{seen:?}");
    assert!(www.notes.is_empty(), "{:?}", www.notes);
}

#[test]
fn right_at_the_authority_and_stale_at_the_resolver_says_to_wait_for_the_ttl() {
    let (_resolver, _authority, config) = zone_with("203.0.113.9", SERVER);
    let report = check(&names(&["www.example.com"]), &expected(), &config);
    let www = &report.names[0];
    assert_eq!(
        www.verdict,
        Verdict::Propagating {
            found: vec![ip("203.0.113.9")],
            ttl: Some(1800)
        }
    );
    assert!(
        www.message
            .contains("set correctly at its name servers (ns1.example.net)"),
        "{}",
        www.message
    );
    assert!(www.message.contains("1800 seconds"), "{}", www.message);
    assert!(!report.ready());
}

#[test]
fn wrong_at_the_authority_is_wrong_even_when_the_resolver_is_right() {
    let (resolver, _authority, config) = zone_with(SERVER, "203.0.113.9");
    let report = check(&names(&["www.example.com"]), &expected(), &config);
    let www = &report.names[0];
    assert_eq!(
        www.verdict,
        Verdict::Elsewhere {
            found: vec![ip("203.0.113.9")]
        }
    );
    assert!(
        www.message.starts_with("www.example.com points at 203.0.113.9 (at ns1.example.net); it must point at 198.51.100.7, the server."),
        "{}",
        www.message
    );
    assert!(
        www.message
            .contains(&format!("{} already gives 198.51.100.7.", resolver.addr))
    );
}

#[test]
fn a_name_server_without_an_address_is_noted() {
    let (resolver, _authority, config) = zone_with(SERVER, SERVER);
    resolver
        .table()
        .records
        .push(ns("example.com", "ns2.example.net"));
    let report = check(&names(&["www.example.com"]), &expected(), &config);
    assert!(report.ready(), "{report}");
    assert!(
        report.names[0]
            .notes
            .iter()
            .any(|n| n.starts_with("The name server ns2.example.net of example.com was not asked")),
        "{:?}",
        report.names[0].notes
    );
}

#[test]
fn no_name_servers_is_a_note_and_the_resolvers_decide() {
    let dns = FakeDns::resolver(vec![a("www.example.com", SERVER, 300)]);
    let config = Preflight {
        authoritative: true,
        ..config(&[&dns])
    };
    let report = check(&names(&["www.example.com"]), &expected(), &config);
    assert!(report.ready(), "{report}");
    assert!(
        report.names[0].notes[0]
            .starts_with("No name servers (NS records) were found for www.example.com")
    );
}

#[test]
fn silence_everywhere_is_unknown_not_wrong() {
    let dns = FakeDns::resolver(vec![]);
    dns.set_mode(Mode::Silent);
    let config = Preflight {
        authoritative: true,
        ..config(&[&dns])
    };
    let report = check(&names(&["www.example.com"]), &expected(), &config);
    let www = &report.names[0];
    assert_eq!(www.verdict, Verdict::Unknown);
    assert_eq!(
        www.message,
        format!(
            "No DNS server answered for www.example.com ({} did not answer in time), so where it \
             points is not known yet. Check this computer's internet connection, and that no \
             firewall blocks DNS (UDP and TCP port 53).",
            dns.addr
        )
    );
    assert!(
        www.notes[0].starts_with(
            "The name servers of www.example.com could not be looked up (no reply from"
        ),
        "{:?}",
        www.notes
    );
}

#[test]
fn an_invalid_name_is_reported_as_such() {
    let dns = FakeDns::resolver(vec![]);
    let report = check(&names(&["exa mple.com"]), &expected(), &config(&[&dns]));
    assert_eq!(report.names[0].verdict, Verdict::Unknown);
    assert!(
        report.names[0]
            .message
            .contains("is not a valid domain name"),
        "{}",
        report.names[0].message
    );
    assert!(dns.seen().is_empty());
}
