//! Deciding where a name stands from what each source said, and saying it in words the
//! user can act on. Pure: no I/O.

use std::fmt::{Display, Write as _};
use std::net::IpAddr;

use crate::lookup::{Answer, Family};
use crate::preflight::{Expected, SourceAnswer, SourceKind, Verdict};
use crate::proxy::proxy_provider;

/// Whether an A answer is exactly the server's IPv4 address.
fn ipv4_right(answer: &Answer, expected: &Expected) -> bool {
    let addresses = answer.addresses();
    !addresses.is_empty() && addresses.iter().all(|a| *a == IpAddr::V4(expected.ipv4))
}

/// Whether an AAAA answer is acceptable: no AAAA record, or exactly the server's IPv6
/// address. A failed AAAA query is noted elsewhere, not held against the name.
fn ipv6_right(answer: &Answer, expected: &Expected) -> bool {
    let addresses = answer.addresses();
    addresses.is_empty()
        || expected
            .ipv6
            .is_some_and(|v6| addresses.iter().all(|a| *a == IpAddr::V6(v6)))
}

fn is_right(source: &SourceAnswer, expected: &Expected) -> bool {
    ipv4_right(&source.ipv4, expected) && ipv6_right(&source.ipv6, expected)
}

fn is_authoritative(source: &SourceAnswer) -> bool {
    source.source.kind == SourceKind::Authoritative
}

/// The addresses of a source's wrong answers.
fn wrong_addresses(source: &SourceAnswer, expected: &Expected) -> Vec<IpAddr> {
    let mut found = Vec::new();
    if !ipv4_right(&source.ipv4, expected) {
        found.extend_from_slice(source.ipv4.addresses());
    }
    if !ipv6_right(&source.ipv6, expected) {
        found.extend_from_slice(source.ipv6.addresses());
    }
    found
}

/// How long the wrong part of a source's answer may stay in its cache.
fn stale_ttl(source: &SourceAnswer, expected: &Expected) -> Option<u32> {
    let ipv4 = (!ipv4_right(&source.ipv4, expected))
        .then(|| source.ipv4.ttl())
        .flatten();
    let ipv6 = (!ipv6_right(&source.ipv6, expected))
        .then(|| source.ipv6.ttl())
        .flatten();
    ipv4.max(ipv6)
}

/// The verdict on a name, from every source's answers.
///
/// In order: no source answered is [`Verdict::Unknown`]; every answer right is
/// [`Verdict::Ready`]; the authoritative servers right and only resolvers wrong is
/// [`Verdict::Propagating`]; a proxy's address anywhere is [`Verdict::Proxied`]; any
/// other address is [`Verdict::Elsewhere`]; otherwise [`Verdict::Missing`].
pub(crate) fn judge(expected: &Expected, sources: &[SourceAnswer]) -> Verdict {
    let answered: Vec<&SourceAnswer> = sources.iter().filter(|s| s.answered()).collect();
    if answered.is_empty() {
        return Verdict::Unknown;
    }
    let wrong: Vec<&SourceAnswer> = answered
        .iter()
        .copied()
        .filter(|s| !is_right(s, expected))
        .collect();
    if wrong.is_empty() {
        return Verdict::Ready;
    }
    let mut found: Vec<IpAddr> = Vec::new();
    for address in wrong.iter().flat_map(|s| wrong_addresses(s, expected)) {
        if !found.contains(&address) {
            found.push(address);
        }
    }
    let mut authorities = answered.iter().filter(|s| is_authoritative(s)).peekable();
    if authorities.peek().is_some() && authorities.all(|s| is_right(s, expected)) {
        return Verdict::Propagating {
            found,
            ttl: wrong.iter().filter_map(|s| stale_ttl(s, expected)).max(),
        };
    }
    if let Some(provider) = found.iter().find_map(|a| proxy_provider(*a)) {
        return Verdict::Proxied {
            provider: provider.to_owned(),
        };
    }
    if found.is_empty() {
        Verdict::Missing
    } else {
        Verdict::Elsewhere { found }
    }
}

/// The message for a name: what was found, where, and what is needed.
pub(crate) fn describe(
    name: &str,
    expected: &Expected,
    verdict: &Verdict,
    sources: &[SourceAnswer],
) -> String {
    let answered: Vec<&SourceAnswer> = sources.iter().filter(|s| s.answered()).collect();
    match verdict {
        Verdict::Ready => {
            let ipv6 = expected
                .ipv6
                .filter(|_| answered.iter().any(|s| !s.ipv6.addresses().is_empty()));
            let server = match ipv6 {
                Some(ipv6) => format!("{} and {ipv6}", expected.ipv4),
                None => expected.ipv4.to_string(),
            };
            format!(
                "{name} points at {server}, the server (at {}).",
                and_list(&labels(&answered))
            )
        }
        Verdict::Elsewhere { .. } | Verdict::Missing => wrong(name, expected, &answered),
        Verdict::Proxied { provider } => proxied(name, expected, provider, &answered),
        Verdict::Propagating { ttl, .. } => propagating(name, expected, *ttl, &answered),
        Verdict::Unknown => unknown(name, sources),
    }
}

/// Notes on sources that did not answer, when others did.
pub(crate) fn silent_sources(name: &str, sources: &[SourceAnswer]) -> Vec<String> {
    let mut notes = Vec::new();
    for source in sources {
        let label = &source.source.label;
        match (source.ipv4.failure(), source.ipv6.failure()) {
            (Some(ipv4), Some(ipv6)) if ipv4 == ipv6 => notes.push(format!(
                "{label} {ipv4} when asked about {name}, so its answer is not counted."
            )),
            (Some(ipv4), _) => notes.push(format!(
                "{label} {ipv4} when asked for the A record of {name}, so its answer is not \
                 counted."
            )),
            (None, Some(ipv6)) => notes.push(format!(
                "{label} {ipv6} when asked for the AAAA (IPv6) record of {name}, so whether it \
                 has one there is not known."
            )),
            (None, None) => {}
        }
    }
    notes
}

fn wrong(name: &str, expected: &Expected, answered: &[&SourceAnswer]) -> String {
    let ipv4 = expected.ipv4;
    let mut sentences = Vec::new();
    let ipv4_wrong: Vec<&SourceAnswer> = answered
        .iter()
        .copied()
        .filter(|s| !ipv4_right(&s.ipv4, expected))
        .collect();
    if !ipv4_wrong.is_empty() {
        let groups = group(
            ipv4_wrong
                .iter()
                .map(|s| (phrase(&s.ipv4, Family::Ipv4), *s)),
        );
        let mut text = format!(
            "{}; it must point at {ipv4}, the server.",
            said(name, &groups)
        );
        let right: Vec<&SourceAnswer> = answered
            .iter()
            .copied()
            .filter(|s| ipv4_right(&s.ipv4, expected))
            .collect();
        if !right.is_empty() {
            let _ = write!(
                text,
                " {} already {} {ipv4}.",
                and_list(&labels(&right)),
                verb(right.len(), "gives", "give")
            );
        }
        sentences.push(text);
        sentences.push(if ipv4_wrong.iter().any(|s| !s.ipv4.chain().is_empty()) {
            format!(
                "Replace the CNAME record for {name} with an A record set to {ipv4} at your DNS \
                 provider."
            )
        } else if ipv4_wrong.iter().all(|s| s.ipv4.addresses().is_empty()) {
            format!("Add an A record for {name} with the value {ipv4} at your DNS provider.")
        } else if ipv4_wrong.iter().any(|s| s.ipv4.addresses().len() > 1) {
            format!(
                "Set an A record for {name} to {ipv4} at your DNS provider, and delete its other \
                 A records."
            )
        } else {
            format!("Set an A record for {name} to {ipv4} at your DNS provider.")
        });
    }
    let ipv6_wrong: Vec<&SourceAnswer> = answered
        .iter()
        .copied()
        .filter(|s| !ipv6_right(&s.ipv6, expected))
        .collect();
    if !ipv6_wrong.is_empty() {
        let groups = group(
            ipv6_wrong
                .iter()
                .map(|s| (phrase(&s.ipv6, Family::Ipv6), *s)),
        );
        sentences.push(format!(
            "{}: that is not the server. Let's Encrypt tries IPv6 first when a name has an AAAA \
             record, so it would look for the server at that address and fail.",
            said(name, &groups)
        ));
        sentences.push(match expected.ipv6 {
            Some(ipv6) => format!(
                "Set the AAAA record for {name} to {ipv6}, the server's IPv6 address, or delete \
                 it, at your DNS provider."
            ),
            None => format!(
                "Delete the AAAA record for {name} at your DNS provider: the server is reached \
                 over IPv4."
            ),
        });
    }
    sentences.join(" ")
}

fn proxied(name: &str, expected: &Expected, provider: &str, answered: &[&SourceAnswer]) -> String {
    let is_proxy = |answer: &Answer| {
        answer
            .addresses()
            .iter()
            .any(|a| proxy_provider(*a).is_some())
    };
    let groups = group(answered.iter().filter_map(|s| {
        if is_proxy(&s.ipv4) {
            Some((phrase(&s.ipv4, Family::Ipv4), *s))
        } else if is_proxy(&s.ipv6) {
            Some((phrase(&s.ipv6, Family::Ipv6), *s))
        } else {
            None
        }
    }));
    format!(
        "{}: that is {provider}'s proxy (the orange cloud), which answers in place of the \
         server and hides it. Let's Encrypt's HTTP-01 challenge must reach the server itself, \
         and this check must see the server's address: in {provider}'s DNS settings, set the \
         record for {name} to \"DNS only\" (grey cloud) with the value {ipv4}, at least until \
         the certificate is issued.",
        said(name, &groups),
        ipv4 = expected.ipv4,
    )
}

fn propagating(
    name: &str,
    expected: &Expected,
    ttl: Option<u32>,
    answered: &[&SourceAnswer],
) -> String {
    let authorities: Vec<&SourceAnswer> = answered
        .iter()
        .copied()
        .filter(|s| is_authoritative(s))
        .collect();
    let mut text = format!(
        "{name} is set correctly at its name servers ({}): it points at {}, the server.",
        and_list(&labels(&authorities)),
        expected.ipv4
    );
    let stale = group(answered.iter().filter(|s| !is_right(s, expected)).map(|s| {
        if ipv4_right(&s.ipv4, expected) {
            (phrase(&s.ipv6, Family::Ipv6), *s)
        } else {
            (phrase(&s.ipv4, Family::Ipv4), *s)
        }
    }));
    for group in &stale {
        let many = group.sources.len();
        let _ = write!(
            text,
            " {} still {} an old answer from {} cache: {name} {}.",
            and_list(&labels(&group.sources)),
            verb(many, "gives", "give"),
            if many == 1 { "its" } else { "their" },
            group.phrase
        );
    }
    text.push_str(" The change is made; caches expire within the old answer's TTL");
    if let Some(ttl) = ttl {
        let _ = write!(text, ": {}", seconds(ttl));
    }
    text.push_str(". There is nothing more to do but wait.");
    text
}

fn unknown(name: &str, sources: &[SourceAnswer]) -> String {
    if sources.is_empty() {
        return format!(
            "No DNS server was asked about {name}: no resolvers are set and no name servers \
             were found."
        );
    }
    let groups = group(sources.iter().map(|s| {
        let failure = s
            .ipv4
            .failure()
            .map_or_else(|| "gave no answer".to_owned(), ToString::to_string);
        (failure, s)
    }));
    let said: Vec<String> = groups
        .iter()
        .map(|g| format!("{} {}", and_list(&labels(&g.sources)), g.phrase))
        .collect();
    format!(
        "No DNS server answered for {name} ({}), so where it points is not known yet. Check \
         this computer's internet connection, and that no firewall blocks DNS (UDP and TCP port \
         53).",
        said.join("; ")
    )
}

/// What a source said about `name`'s addresses of one family, as a verb phrase:
/// "points at 203.0.113.9", "is an alias (CNAME) of x.example.net, which does not exist".
fn phrase(answer: &Answer, family: Family) -> String {
    let record = match family {
        Family::Ipv4 => "A",
        Family::Ipv6 => "AAAA",
    };
    let tail = match answer {
        Answer::Addresses { addresses, .. } => match family {
            Family::Ipv4 => format!("points at {}", and_list(addresses)),
            Family::Ipv6 => format!(
                "has the IPv6 (AAAA) {} {}",
                if addresses.len() == 1 {
                    "record"
                } else {
                    "records"
                },
                and_list(addresses)
            ),
        },
        Answer::NoRecord { .. } => format!("has no {record} record"),
        Answer::NoSuchName { .. } => "does not exist".to_owned(),
        Answer::Failed { failure, .. } => format!("could not be looked up (the server {failure})"),
    };
    match answer.chain().split_first() {
        None => tail,
        Some((first, rest)) => {
            let mut text = format!("is an alias (CNAME) of {first}, ");
            for link in rest {
                let _ = write!(text, "an alias of {link}, ");
            }
            text.push_str("which ");
            text.push_str(&tail);
            text
        }
    }
}

/// Sources that said the same thing.
struct Group<'a> {
    phrase: String,
    sources: Vec<&'a SourceAnswer>,
}

/// Groups sources by what they said, in the order each phrase first appears.
fn group<'a>(said: impl IntoIterator<Item = (String, &'a SourceAnswer)>) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for (phrase, source) in said {
        match groups.iter_mut().find(|g| g.phrase == phrase) {
            Some(group) => group.sources.push(source),
            None => groups.push(Group {
                phrase,
                sources: vec![source],
            }),
        }
    }
    groups
}

/// "www.example.com points at X (at a and b), and has no A record (at c)".
fn said(name: &str, groups: &[Group<'_>]) -> String {
    let parts: Vec<String> = groups
        .iter()
        .map(|g| format!("{} (at {})", g.phrase, and_list(&labels(&g.sources))))
        .collect();
    format!("{name} {}", parts.join(", and "))
}

fn labels<'a>(sources: &[&'a SourceAnswer]) -> Vec<&'a str> {
    sources.iter().map(|s| s.source.label.as_str()).collect()
}

fn verb(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// "a", "a and b", "a, b and c".
fn and_list<T: Display>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(ToString::to_string).collect();
            format!("{} and {last}", init.join(", "))
        }
    }
}

/// "45 seconds", "300 seconds, about 5 minutes", "3600 seconds, about 1 hour".
fn seconds(ttl: u32) -> String {
    match ttl {
        0..120 => format!("{ttl} seconds"),
        120..3600 => format!("{ttl} seconds, about {} minutes", ttl.div_ceil(60)),
        3600..7200 => format!("{ttl} seconds, about 1 hour"),
        _ => format!("{ttl} seconds, about {} hours", ttl.div_ceil(3600)),
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddr};

    use super::*;
    use crate::lookup::Failure;
    use crate::preflight::Source;

    const SERVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);

    fn expected() -> Expected {
        Expected {
            ipv4: SERVER,
            ipv6: None,
        }
    }

    fn ns(host: &str) -> Source {
        Source::authoritative(host, "192.0.2.53:53".parse().expect("address"))
    }

    fn resolver(ip: &str) -> Source {
        Source::resolver(SocketAddr::new(ip.parse().expect("address"), 53))
    }

    fn points(addresses: &[&str], ttl: u32) -> Answer {
        Answer::Addresses {
            chain: vec![],
            addresses: addresses
                .iter()
                .map(|a| a.parse().expect("address"))
                .collect(),
            ttl,
        }
    }

    fn none() -> Answer {
        Answer::NoRecord {
            chain: vec![],
            ttl: Some(300),
        }
    }

    fn timed_out() -> Answer {
        Answer::Failed {
            chain: vec![],
            failure: Failure::TimedOut,
        }
    }

    fn said(source: Source, ipv4: Answer, ipv6: Answer) -> SourceAnswer {
        SourceAnswer { source, ipv4, ipv6 }
    }

    fn verdict_and_message(sources: &[SourceAnswer]) -> (Verdict, String) {
        let verdict = judge(&expected(), sources);
        let message = describe("www.example.com", &expected(), &verdict, sources);
        (verdict, message)
    }

    #[test]
    fn every_source_right_is_ready() {
        let sources = [
            said(
                ns("ns1.registrar.net"),
                points(&["198.51.100.7"], 300),
                none(),
            ),
            said(resolver("1.1.1.1"), points(&["198.51.100.7"], 120), none()),
            said(resolver("9.9.9.9"), timed_out(), timed_out()),
        ];
        let (verdict, message) = verdict_and_message(&sources);
        assert_eq!(verdict, Verdict::Ready);
        assert_eq!(
            message,
            "www.example.com points at 198.51.100.7, the server (at ns1.registrar.net and 1.1.1.1)."
        );
        assert_eq!(
            silent_sources("www.example.com", &sources),
            [
                "9.9.9.9 did not answer in time when asked about www.example.com, so its answer is not counted."
            ]
        );
    }

    #[test]
    fn a_wrong_address_names_what_where_and_the_fix() {
        let sources = [
            said(
                ns("ns1.registrar.net"),
                points(&["203.0.113.9"], 300),
                none(),
            ),
            said(resolver("1.1.1.1"), points(&["203.0.113.9"], 300), none()),
        ];
        let (verdict, message) = verdict_and_message(&sources);
        assert_eq!(
            verdict,
            Verdict::Elsewhere {
                found: vec!["203.0.113.9".parse().expect("address")]
            }
        );
        assert_eq!(
            message,
            "www.example.com points at 203.0.113.9 (at ns1.registrar.net and 1.1.1.1); it must \
             point at 198.51.100.7, the server. Set an A record for www.example.com to \
             198.51.100.7 at your DNS provider."
        );
    }

    #[test]
    fn an_extra_address_beside_the_server_is_wrong() {
        let sources = [said(
            resolver("8.8.8.8"),
            points(&["198.51.100.7", "203.0.113.9"], 60),
            none(),
        )];
        let (verdict, message) = verdict_and_message(&sources);
        assert!(matches!(verdict, Verdict::Elsewhere { ref found } if found.len() == 2));
        assert!(
            message.contains("points at 198.51.100.7 and 203.0.113.9 (at 8.8.8.8)"),
            "{message}"
        );
        assert!(
            message.ends_with("and delete its other A records."),
            "{message}"
        );
    }

    #[test]
    fn sources_that_disagree_are_each_named() {
        let sources = [
            said(
                ns("ns1.registrar.net"),
                points(&["198.51.100.7"], 300),
                none(),
            ),
            said(
                ns("ns2.registrar.net"),
                points(&["203.0.113.9"], 300),
                none(),
            ),
            said(resolver("1.1.1.1"), none(), none()),
        ];
        let (verdict, message) = verdict_and_message(&sources);
        assert!(matches!(verdict, Verdict::Elsewhere { .. }));
        assert_eq!(
            message,
            "www.example.com points at 203.0.113.9 (at ns2.registrar.net), and has no A record \
             (at 1.1.1.1); it must point at 198.51.100.7, the server. ns1.registrar.net already \
             gives 198.51.100.7. Set an A record for www.example.com to 198.51.100.7 at your \
             DNS provider."
        );
    }

    #[test]
    fn no_record_anywhere_is_missing() {
        let gone = Answer::NoSuchName {
            chain: vec![],
            ttl: Some(900),
        };
        let sources = [
            said(ns("ns1.registrar.net"), gone.clone(), gone.clone()),
            said(resolver("1.1.1.1"), gone.clone(), gone),
        ];
        let (verdict, message) = verdict_and_message(&sources);
        assert_eq!(verdict, Verdict::Missing);
        assert_eq!(
            message,
            "www.example.com does not exist (at ns1.registrar.net and 1.1.1.1); it must point at \
             198.51.100.7, the server. Add an A record for www.example.com with the value \
             198.51.100.7 at your DNS provider."
        );
    }

    #[test]
    fn an_alias_is_reported_with_its_chain() {
        let via = Answer::Addresses {
            chain: vec!["shop.herokudns.com".into(), "edge.example.org".into()],
            addresses: vec!["203.0.113.9".parse().expect("address")],
            ttl: 60,
        };
        let (_, message) = verdict_and_message(&[said(resolver("1.1.1.1"), via, none())]);
        assert!(
            message.starts_with(
                "www.example.com is an alias (CNAME) of shop.herokudns.com, an alias of \
                 edge.example.org, which points at 203.0.113.9 (at 1.1.1.1)"
            ),
            "{message}"
        );
        assert!(
            message.contains(
                "Replace the CNAME record for www.example.com with an A record set to 198.51.100.7"
            ),
            "{message}"
        );
    }

    #[test]
    fn a_foreign_aaaa_record_is_wrong_and_explained() {
        let sources = [said(
            resolver("1.1.1.1"),
            points(&["198.51.100.7"], 300),
            points(&["2001:db8::1"], 300),
        )];
        let (verdict, message) = verdict_and_message(&sources);
        assert_eq!(
            verdict,
            Verdict::Elsewhere {
                found: vec!["2001:db8::1".parse().expect("address")]
            }
        );
        assert_eq!(
            message,
            "www.example.com has the IPv6 (AAAA) record 2001:db8::1 (at 1.1.1.1): that is not the \
             server. Let's Encrypt tries IPv6 first when a name has an AAAA record, so it would \
             look for the server at that address and fail. Delete the AAAA record for \
             www.example.com at your DNS provider: the server is reached over IPv4."
        );

        // The server's own IPv6 address is right.
        let with_ipv6 = Expected {
            ipv4: SERVER,
            ipv6: Some("2001:db8::7".parse().expect("address")),
        };
        let sources = [said(
            resolver("1.1.1.1"),
            points(&["198.51.100.7"], 300),
            points(&["2001:db8::7"], 300),
        )];
        let verdict = judge(&with_ipv6, &sources);
        assert_eq!(verdict, Verdict::Ready);
        assert_eq!(
            describe("www.example.com", &with_ipv6, &verdict, &sources),
            "www.example.com points at 198.51.100.7 and 2001:db8::7, the server (at 1.1.1.1)."
        );
    }

    #[test]
    fn cloudflare_addresses_are_proxied() {
        let sources = [
            said(
                ns("ada.ns.cloudflare.com"),
                points(&["104.21.32.1", "172.67.160.1"], 300),
                points(&["2606:4700:3031::6815:2001"], 300),
            ),
            said(
                resolver("8.8.8.8"),
                points(&["104.21.32.1", "172.67.160.1"], 300),
                none(),
            ),
        ];
        let (verdict, message) = verdict_and_message(&sources);
        assert_eq!(
            verdict,
            Verdict::Proxied {
                provider: "Cloudflare".into()
            }
        );
        assert!(message.starts_with("www.example.com points at 104.21.32.1 and 172.67.160.1 (at ada.ns.cloudflare.com and 8.8.8.8): that is Cloudflare's proxy (the orange cloud)"), "{message}");
        assert!(message.contains("HTTP-01"), "{message}");
        assert!(
            message.contains("set the record for www.example.com to \"DNS only\" (grey cloud) with the value 198.51.100.7, at least until the certificate is issued."),
            "{message}"
        );
    }

    #[test]
    fn right_at_the_name_servers_and_stale_at_resolvers_is_propagating() {
        let sources = [
            said(
                ns("ns1.registrar.net"),
                points(&["198.51.100.7"], 3600),
                none(),
            ),
            said(resolver("1.1.1.1"), points(&["198.51.100.7"], 3600), none()),
            said(resolver("8.8.8.8"), points(&["203.0.113.9"], 1740), none()),
            said(
                resolver("9.9.9.9"),
                Answer::NoRecord {
                    chain: vec![],
                    ttl: Some(60),
                },
                none(),
            ),
        ];
        let (verdict, message) = verdict_and_message(&sources);
        assert_eq!(
            verdict,
            Verdict::Propagating {
                found: vec!["203.0.113.9".parse().expect("address")],
                ttl: Some(1740)
            }
        );
        assert_eq!(
            message,
            "www.example.com is set correctly at its name servers (ns1.registrar.net): it points \
             at 198.51.100.7, the server. 8.8.8.8 still gives an old answer from its cache: \
             www.example.com points at 203.0.113.9. 9.9.9.9 still gives an old answer from its \
             cache: www.example.com has no A record. The change is made; caches expire within \
             the old answer's TTL: 1740 seconds, about 29 minutes. There is nothing more to do \
             but wait."
        );
    }

    #[test]
    fn stale_cloudflare_addresses_after_switching_to_dns_only_are_propagating() {
        let sources = [
            said(
                ns("ada.ns.cloudflare.com"),
                points(&["198.51.100.7"], 300),
                none(),
            ),
            said(resolver("8.8.8.8"), points(&["104.21.32.1"], 250), none()),
        ];
        assert!(matches!(
            judge(&expected(), &sources),
            Verdict::Propagating { ttl: Some(250), .. }
        ));
    }

    #[test]
    fn nobody_answering_is_unknown_not_wrong() {
        let sources = [
            said(resolver("1.1.1.1"), timed_out(), timed_out()),
            said(resolver("8.8.8.8"), timed_out(), timed_out()),
            said(
                resolver("9.9.9.9"),
                Answer::Failed {
                    chain: vec![],
                    failure: Failure::Refused,
                },
                timed_out(),
            ),
        ];
        let (verdict, message) = verdict_and_message(&sources);
        assert_eq!(verdict, Verdict::Unknown);
        assert_eq!(
            message,
            "No DNS server answered for www.example.com (1.1.1.1 and 8.8.8.8 did not answer in \
             time; 9.9.9.9 refused to answer), so where it points is not known yet. Check this \
             computer's internet connection, and that no firewall blocks DNS (UDP and TCP port \
             53)."
        );
    }

    #[test]
    fn verdicts_serialise_with_a_kind_tag() {
        let json = |verdict: &Verdict| serde_json::to_value(verdict).expect("json");
        assert_eq!(json(&Verdict::Ready), serde_json::json!({"kind": "ready"}));
        assert_eq!(
            json(&Verdict::Elsewhere {
                found: vec!["203.0.113.9".parse().expect("address")]
            }),
            serde_json::json!({"kind": "elsewhere", "found": ["203.0.113.9"]})
        );
        assert_eq!(
            json(&Verdict::Proxied {
                provider: "Cloudflare".into()
            }),
            serde_json::json!({"kind": "proxied", "provider": "Cloudflare"})
        );
        assert_eq!(
            json(&Verdict::Propagating {
                found: vec![],
                ttl: None
            }),
            serde_json::json!({"kind": "propagating", "found": [], "ttl": null})
        );
    }

    #[test]
    fn lists_and_durations_read_naturally() {
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(seconds(45), "45 seconds");
        assert_eq!(seconds(300), "300 seconds, about 5 minutes");
        assert_eq!(seconds(3600), "3600 seconds, about 1 hour");
        assert_eq!(seconds(86_400), "86400 seconds, about 24 hours");
    }
}
