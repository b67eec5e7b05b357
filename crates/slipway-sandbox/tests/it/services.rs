//! The local stand-ins for internet services, used from real sandbox servers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use slipway_sandbox::ServerOptions;
use slipway_sandbox::services::acme::{ACME_HOST, Acme};
use slipway_sandbox::services::git::GitServer;
use slipway_sandbox::services::latency::{DEFAULT_ONE_WAY, LatencyProxy};

use crate::servers::{sandbox, stdout};

/// An echo server on loopback that answers each message at once.
fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buffer = [0; 1024];
                while let Ok(n) = stream.read(&mut buffer) {
                    if n == 0 || stream.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    address
}

/// The median of five one-byte round trips to `address`.
fn median_round_trip(address: SocketAddr) -> Duration {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            stream.write_all(b"x").expect("send");
            let mut byte = [0; 1];
            stream.read_exact(&mut byte).expect("echo");
            start.elapsed()
        })
        .collect();
    times.sort();
    times[2]
}

#[test]
fn the_latency_proxy_adds_its_delay_each_way() {
    let echo = echo_server();
    let direct = median_round_trip(echo);
    let proxy = LatencyProxy::start(
        "127.0.0.1:0".parse().expect("address"),
        echo,
        DEFAULT_ONE_WAY,
    )
    .expect("proxy starts");
    let delayed = median_round_trip(proxy.address);
    let expected = DEFAULT_ONE_WAY * 2;
    assert!(
        delayed >= expected,
        "round trip {delayed:?} is shorter than {expected:?}"
    );
    assert!(
        delayed < expected + direct + Duration::from_millis(30),
        "round trip {delayed:?} is much longer than {expected:?} (direct {direct:?})"
    );
}

#[test]
fn a_server_clones_from_the_git_server_and_gets_a_certificate_from_pebble() {
    let work = tempfile::tempdir().expect("temp dir");
    let git = GitServer::start(&work.path().join("git")).expect("git daemon");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../slipway-spec/tests/fixtures/flask-app");
    let head = git.publish("shop", &fixture).expect("publish");
    let acme = Acme::start(&work.path().join("acme")).expect("pebble");

    let server = sandbox().server(&ServerOptions::default()).expect("boots");
    stdout(
        &server,
        "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends git nginx certbot",
    );

    let url = git.url(server.host_address, "shop");
    let cloned = stdout(
        &server,
        &format!("git clone -q {url} /srv/shop && git -C /srv/shop rev-parse HEAD"),
    );
    assert_eq!(cloned, head);

    // The server trusts the CA of Pebble's listener and finds Pebble by name.
    let ca = acme.ca_certificate().expect("CA");
    stdout(
        &server,
        &format!(
            "printf '%s' '{ca}' > /usr/local/share/ca-certificates/slipway-acme.crt && update-ca-certificates >/dev/null && echo '{} {ACME_HOST}' >> /etc/hosts",
            server.host_address
        ),
    );
    acme.add_a("app.example.test", server.address)
        .expect("A record");
    let issued = stdout(
        &server,
        &format!(
            "certbot certonly --webroot -w /var/www/html -d app.example.test --server {} \
             --agree-tos -m ops@example.test --non-interactive --no-random-sleep-on-renew >/dev/null 2>&1; \
             openssl x509 -in /etc/letsencrypt/live/app.example.test/cert.pem -noout -subject -issuer",
            acme.directory()
        ),
    );
    assert!(issued.contains("CN = app.example.test"), "{issued}");
    assert!(issued.contains("Pebble"), "{issued}");
    assert_eq!(acme.orders().expect("pebble's log"), 1);
    assert_eq!(acme.issued().expect("pebble's log"), 1);
    let root = acme.issuing_root().expect("issuing root");
    assert!(root.starts_with("-----BEGIN CERTIFICATE-----"), "{root}");
}
