//! The client against a fake server: answers, aliases, errors, forgeries, TCP, zones.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use slipway_dns::{
    Answer, DnsError, Failure, Family, Rcode, RecordData, RecordType, Recursion, Resolver, Zone,
    find_zone, resolve, resolve_authoritative,
};

use crate::fake::{FakeDns, Mode, a, aaaa, cname, ns, soa};

fn client(servers: &[&FakeDns]) -> Resolver {
    Resolver {
        servers: servers.iter().map(|s| s.addr).collect(),
        timeout: Duration::from_millis(300),
        attempts: 1,
        recursion: Recursion::Desired,
    }
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

#[test]
fn an_a_query_gets_its_answer() {
    let dns = FakeDns::resolver(vec![
        a("www.example.com", "198.51.100.7", 300),
        aaaa("www.example.com", "2001:db8::7", 300),
    ]);
    let response = client(&[&dns])
        .query("WWW.example.com.", RecordType::A)
        .expect("answer");
    assert_eq!(response.server, dns.addr);
    assert_eq!(response.rcode, Rcode::NoError);
    assert!(!response.authoritative);
    assert_eq!(response.answers.len(), 1);
    assert_eq!(
        response.answers[0].data,
        RecordData::A("198.51.100.7".parse().expect("address"))
    );
    assert_eq!(response.answers[0].ttl, 300);
    let seen = dns.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].recursion_desired);
    assert!(!seen[0].over_tcp);
}

#[test]
fn aliases_are_followed_and_reported_in_order() {
    let dns = FakeDns::resolver(vec![
        cname("www.example.com", "shop.herokudns.com", 3600),
        cname("shop.herokudns.com", "edge.example.org", 60),
        a("edge.example.org", "198.51.100.7", 20),
        a("edge.example.org", "198.51.100.8", 20),
    ]);
    assert_eq!(
        resolve(&client(&[&dns]), "www.example.com", Family::Ipv4),
        Answer::Addresses {
            chain: vec!["shop.herokudns.com".into(), "edge.example.org".into()],
            addresses: vec![ip("198.51.100.7"), ip("198.51.100.8")],
            ttl: 3600,
        }
    );
    assert_eq!(
        resolve(&client(&[&dns]), "www.example.com", Family::Ipv6),
        Answer::NoRecord {
            chain: vec!["shop.herokudns.com".into(), "edge.example.org".into()],
            ttl: None,
        }
    );
}

#[test]
fn an_alias_loop_is_reported_not_followed_forever() {
    let dns = FakeDns::resolver(vec![
        cname("a.example.com", "b.example.com", 60),
        cname("b.example.com", "a.example.com", 60),
    ]);
    let answer = resolve(&client(&[&dns]), "a.example.com", Family::Ipv4);
    assert_eq!(answer.failure(), Some(&Failure::AliasLoop), "{answer:?}");
}

#[test]
fn a_name_that_does_not_exist_is_nxdomain_with_its_negative_ttl() {
    let dns = FakeDns::resolver(vec![
        soa("example.com", 900),
        a("example.com", "198.51.100.7", 60),
    ]);
    let response = client(&[&dns])
        .query("nope.example.com", RecordType::A)
        .expect("answer");
    assert_eq!(response.rcode, Rcode::NameError);
    assert_eq!(response.negative_ttl("nope.example.com"), Some(900));
    assert_eq!(
        resolve(&client(&[&dns]), "nope.example.com", Family::Ipv4),
        Answer::NoSuchName {
            chain: vec![],
            ttl: Some(900)
        }
    );
    // An alias to a name that does not exist.
    dns.table()
        .records
        .push(cname("www.example.com", "gone.example.com", 60));
    assert_eq!(
        resolve(&client(&[&dns]), "www.example.com", Family::Ipv4),
        Answer::NoSuchName {
            chain: vec!["gone.example.com".into()],
            ttl: Some(900)
        }
    );
}

#[test]
fn forged_replies_are_ignored() {
    let dns = FakeDns::resolver(vec![a("www.example.com", "198.51.100.7", 300)]);
    dns.set_mode(Mode::ForgedFirst);
    let response = client(&[&dns])
        .query("www.example.com", RecordType::A)
        .expect("answer");
    assert_eq!(
        response.answers[0].data,
        RecordData::A("198.51.100.7".parse().expect("address")),
        "the reply with the wrong id (6.6.6.6) or the wrong question must not be taken"
    );
    assert_eq!(dns.seen().len(), 1, "one query, no retry needed");
}

#[test]
fn only_forged_replies_are_a_timeout() {
    let dns = FakeDns::resolver(vec![a("www.example.com", "198.51.100.7", 300)]);
    dns.set_mode(Mode::OnlyForged);
    let error = client(&[&dns])
        .query("www.example.com", RecordType::A)
        .expect_err("nothing genuine arrives");
    assert!(matches!(error, DnsError::Timeout { .. }), "{error}");
}

#[test]
fn a_truncated_reply_is_asked_again_over_tcp() {
    let dns = FakeDns::resolver(vec![
        a("big.example.com", "198.51.100.7", 300),
        a("big.example.com", "198.51.100.8", 300),
    ]);
    dns.set_mode(Mode::Truncate);
    let answer = resolve(&client(&[&dns]), "big.example.com", Family::Ipv4);
    assert_eq!(answer.addresses(), [ip("198.51.100.7"), ip("198.51.100.8")]);
    let seen = dns.seen();
    assert_eq!(
        seen.iter().map(|s| s.over_tcp).collect::<Vec<_>>(),
        [false, true]
    );
}

#[test]
fn a_silent_server_times_out_after_each_attempt() {
    let dns = FakeDns::resolver(vec![]);
    dns.set_mode(Mode::Silent);
    let resolver = Resolver {
        attempts: 2,
        timeout: Duration::from_millis(200),
        ..client(&[&dns])
    };
    let started = Instant::now();
    let error = resolver
        .query("www.example.com", RecordType::A)
        .expect_err("silence");
    let took = started.elapsed();
    assert!(
        matches!(&error, DnsError::Timeout { servers, .. } if servers == &[dns.addr]),
        "{error}"
    );
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(dns.seen().len(), 2);
    assert_eq!(
        resolve(&resolver, "www.example.com", Family::Ipv4).failure(),
        Some(&Failure::TimedOut)
    );
}

#[test]
fn the_next_server_answers_when_the_first_is_silent() {
    let silent = FakeDns::resolver(vec![]);
    silent.set_mode(Mode::Silent);
    let good = FakeDns::resolver(vec![a("www.example.com", "198.51.100.7", 300)]);
    let response = client(&[&silent, &good])
        .query("www.example.com", RecordType::A)
        .expect("answer");
    assert_eq!(response.server, good.addr);
}

#[test]
fn a_refusing_server_is_passed_over_but_reported_when_alone() {
    let refusing = FakeDns::authoritative(vec![soa("other.org", 60)]);
    let good = FakeDns::resolver(vec![a("www.example.com", "198.51.100.7", 300)]);
    let response = client(&[&refusing, &good])
        .query("www.example.com", RecordType::A)
        .expect("answer");
    assert_eq!(response.server, good.addr);
    let alone = client(&[&refusing])
        .query("www.example.com", RecordType::A)
        .expect("a reply");
    assert_eq!(alone.rcode, Rcode::Refused);
    assert_eq!(
        resolve(&client(&[&refusing]), "www.example.com", Family::Ipv4).failure(),
        Some(&Failure::Refused)
    );
}

#[test]
fn a_closed_port_is_unreachable_without_waiting() {
    let closed: SocketAddr = {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket.local_addr().expect("address")
    };
    let resolver = Resolver {
        servers: vec![closed],
        timeout: Duration::from_secs(5),
        attempts: 2,
        recursion: Recursion::Desired,
    };
    let started = Instant::now();
    let error = resolver
        .query("www.example.com", RecordType::A)
        .expect_err("nothing listens");
    assert!(matches!(error, DnsError::Unreachable { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn the_zone_is_found_from_the_soa_of_a_negative_answer() {
    let dns = FakeDns::resolver(vec![
        soa("example.com", 300),
        ns("example.com", "ns1.registrar.net"),
        ns("example.com", "NS2.registrar.net"),
        a("www.example.com", "198.51.100.7", 300),
    ]);
    assert_eq!(
        find_zone(&client(&[&dns]), "deep.www.example.com").expect("answers"),
        Some(Zone {
            name: "example.com".into(),
            name_servers: vec!["ns1.registrar.net".into(), "ns2.registrar.net".into()],
        })
    );
    let asked: Vec<String> = dns.seen().into_iter().map(|s| s.question.name).collect();
    assert_eq!(asked, ["deep.www.example.com", "example.com"]);
}

#[test]
fn the_zone_is_found_by_climbing_when_there_is_no_soa() {
    let dns = FakeDns::resolver(vec![
        ns("example.com", "ns1.registrar.net"),
        a("www.example.com", "198.51.100.7", 300),
    ]);
    let zone = find_zone(&client(&[&dns]), "www.example.com").expect("answers");
    assert_eq!(zone.map(|z| z.name).as_deref(), Some("example.com"));
    let none = FakeDns::resolver(vec![a("www.example.com", "198.51.100.7", 300)]);
    assert_eq!(
        find_zone(&client(&[&none]), "www.example.com").expect("answers"),
        None
    );
    let asked: Vec<String> = none.seen().into_iter().map(|s| s.question.name).collect();
    assert_eq!(asked, ["www.example.com", "example.com", "com"]);
}

#[test]
fn an_authoritative_alias_out_of_its_zone_is_followed_through_the_resolvers() {
    let authority = FakeDns::authoritative(vec![
        soa("example.com", 300),
        cname("www.example.com", "shop.herokudns.com", 3600),
    ]);
    let resolvers = FakeDns::resolver(vec![a("shop.herokudns.com", "198.51.100.7", 60)]);
    let server = Resolver {
        recursion: Recursion::NotDesired,
        ..client(&[&authority])
    };
    assert_eq!(
        resolve_authoritative(
            &server,
            &client(&[&resolvers]),
            "www.example.com",
            Family::Ipv4
        ),
        Answer::Addresses {
            chain: vec!["shop.herokudns.com".into()],
            addresses: vec![ip("198.51.100.7")],
            ttl: 3600,
        }
    );
    assert!(!authority.seen()[0].recursion_desired);
    // A server that is not authoritative for the name does not count as one.
    assert_eq!(
        resolve_authoritative(
            &client(&[&resolvers]),
            &client(&[&resolvers]),
            "shop.herokudns.com",
            Family::Ipv4
        )
        .failure(),
        Some(&Failure::NotAuthoritative)
    );
}
