//! Waiting for DNS to become right, against a fake resolver whose records change.

use std::cell::Cell;
use std::time::Duration;

use slipway_dns::{Expected, Preflight, Verdict, WaitError, wait};

use crate::fake::{FakeDns, a};

const SERVER: &str = "198.51.100.7";

fn setup() -> (FakeDns, Preflight, Expected, Vec<String>) {
    let dns = FakeDns::resolver(vec![a("www.example.com", "203.0.113.9", 300)]);
    let config = Preflight {
        resolvers: vec![dns.addr],
        authoritative: false,
        authoritative_port: 53,
        timeout: Duration::from_millis(300),
        attempts: 1,
    };
    let expected = Expected {
        ipv4: SERVER.parse().expect("address"),
        ipv6: None,
    };
    (dns, config, expected, vec!["www.example.com".to_owned()])
}

#[test]
fn waiting_ends_once_the_records_are_changed() {
    let (dns, config, expected, names) = setup();
    let mut progress = Vec::new();
    let report = wait(
        &names,
        &expected,
        &config,
        Duration::from_secs(10),
        Duration::from_millis(50),
        &|| false,
        &mut |report, elapsed| {
            progress.push((report.names[0].verdict.clone(), elapsed));
            if progress.len() == 2 {
                // The user fixes the record while the wait goes on.
                dns.set_records(vec![a("www.example.com", SERVER, 300)]);
            }
        },
    )
    .expect("ready in the end");
    assert!(report.ready());
    assert_eq!(progress.len(), 3, "{progress:?}");
    assert!(matches!(progress[0].0, Verdict::Elsewhere { .. }));
    assert!(matches!(progress[1].0, Verdict::Elsewhere { .. }));
    assert_eq!(progress[2].0, Verdict::Ready);
    assert!(progress[1].1 >= Duration::from_millis(50), "{progress:?}");
    assert!(progress.windows(2).all(|w| w[0].1 <= w[1].1));
}

#[test]
fn timing_out_carries_the_last_report() {
    let (_dns, config, expected, names) = setup();
    let mut calls = 0;
    let error = wait(
        &names,
        &expected,
        &config,
        Duration::from_secs(1),
        Duration::from_millis(100),
        &|| false,
        &mut |_, _| calls += 1,
    )
    .expect_err("never ready");
    let WaitError::TimedOut { elapsed, report } = &error else {
        panic!("expected a timeout, got {error}");
    };
    assert!(*elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(
        calls >= 3,
        "checked at once, every interval, and at the deadline: {calls}"
    );
    assert!(matches!(report.names[0].verdict, Verdict::Elsewhere { .. }));
    let text = error.to_string();
    assert!(
        text.contains("www.example.com points at 203.0.113.9"),
        "{text}"
    );
}

#[test]
fn cancelling_stops_the_wait_between_checks() {
    let (_dns, config, expected, names) = setup();
    let checks = Cell::new(0);
    let error = wait(
        &names,
        &expected,
        &config,
        Duration::from_secs(30),
        Duration::from_secs(10),
        &|| checks.get() >= 1,
        &mut |_, _| checks.set(checks.get() + 1),
    )
    .expect_err("cancelled");
    assert!(matches!(error, WaitError::Cancelled { .. }), "{error}");
    assert_eq!(checks.get(), 1);
    assert!(!error.report().ready());
}
