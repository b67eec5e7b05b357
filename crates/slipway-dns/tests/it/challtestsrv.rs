//! The check against a real DNS server: `pebble-challtestsrv`, the one Pebble (the
//! ACME test server) resolves names with. It serves A records set over its HTTP
//! management API, and no NS records.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use slipway_dns::{Expected, Preflight, RecordType, Resolver, Verdict, check};

/// A running `pebble-challtestsrv`, killed when dropped.
struct Challtestsrv {
    child: Child,
    dns: SocketAddr,
    management: SocketAddr,
}

impl Challtestsrv {
    fn start() -> Self {
        let dns = free_udp_and_tcp_port();
        let management = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port");
        let spawned = Command::new("pebble-challtestsrv")
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-defaultIPv6", "", "-defaultIPv4", ""])
            .args(["-dns01", &dns.to_string()])
            .args(["-management", &management.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == ErrorKind::NotFound => panic!(
                "pebble-challtestsrv is not installed; this test needs it: apt-get install pebble"
            ),
            Err(e) => panic!("could not start pebble-challtestsrv: {e}"),
        };
        let server = Self {
            child,
            dns,
            management,
        };
        server.wait_until_up();
        server
    }

    fn wait_until_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let probe = Resolver {
            timeout: Duration::from_millis(200),
            attempts: 1,
            ..Resolver::new(vec![self.dns])
        };
        while TcpStream::connect(self.management).is_err()
            || probe.query("up.example.test", RecordType::A).is_err()
        {
            assert!(
                Instant::now() < deadline,
                "pebble-challtestsrv did not start listening on {} and {}",
                self.dns,
                self.management
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Answers A queries for `host` with `addresses`, through the management API.
    fn add_a(&self, host: &str, addresses: &[&str]) {
        let addresses: Vec<String> = addresses.iter().map(|a| format!("\"{a}\"")).collect();
        let body = format!(
            r#"{{"host":"{host}.","addresses":[{}]}}"#,
            addresses.join(",")
        );
        let request = format!(
            "POST /add-a HTTP/1.0\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            self.management,
            body.len()
        );
        let mut stream = TcpStream::connect(self.management).expect("management API");
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let status = response.lines().next().unwrap_or_default();
        assert!(status.contains(" 200"), "/add-a answered {status:?}");
    }
}

impl Drop for Challtestsrv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port free for both UDP and TCP (challtestsrv's DNS server takes both).
fn free_udp_and_tcp_port() -> SocketAddr {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let addr = udp.local_addr().expect("address");
        if TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
    panic!("no loopback port free for both UDP and TCP");
}

#[test]
fn challtestsrv_records_are_judged_from_the_resolver_when_there_are_no_name_servers() {
    let server = Challtestsrv::start();
    server.add_a("app.example.test", &["10.0.0.5"]);
    let config = Preflight {
        resolvers: vec![server.dns],
        authoritative: true,
        authoritative_port: 53,
        timeout: Duration::from_secs(1),
        attempts: 2,
    };
    let names = vec!["app.example.test".to_owned()];
    let expect = |ipv4: &str| Expected {
        ipv4: ipv4.parse().expect("address"),
        ipv6: None,
    };

    let report = check(&names, &expect("10.0.0.5"), &config);
    assert!(report.ready(), "{report}");
    let app = &report.names[0];
    assert_eq!(app.sources.len(), 1, "only the resolver was asked");
    assert!(app.zone.is_none());
    assert!(
        app.notes
            .iter()
            .any(|n| n.starts_with("No name servers (NS records) were found for app.example.test")),
        "{:?}",
        app.notes
    );

    let report = check(&names, &expect("10.0.0.6"), &config);
    let app = &report.names[0];
    assert_eq!(
        app.verdict,
        Verdict::Elsewhere {
            found: vec!["10.0.0.5".parse().expect("address")]
        }
    );
    assert_eq!(
        app.message,
        format!(
            "app.example.test points at 10.0.0.5 (at {}); it must point at 10.0.0.6, the \
             server. Set an A record for app.example.test to 10.0.0.6 at your DNS provider.",
            server.dns
        )
    );

    let other = check(
        &["www.example.test".to_owned()],
        &expect("10.0.0.5"),
        &config,
    );
    assert_eq!(other.names[0].verdict, Verdict::Missing, "{other}");
}
