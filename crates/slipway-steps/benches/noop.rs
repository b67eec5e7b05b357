//! A no-op run of the base steps on a converged server: round trips after the connection
//! is up and wall time, direct and through a 50 ms round-trip latency proxy, median of 5.
//! Run as root: `cargo bench -p slipway-steps --bench noop`.

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use slipway_engine::{Cancel, Runner, Step};
use slipway_sandbox::services::latency::{DEFAULT_ONE_WAY, LatencyProxy};
use slipway_sandbox::{Sandbox, ServerOptions};
use slipway_ssh::{Credentials, KnownHosts, SshRemote, Target, Trust};
use slipway_steps::apt::Packages;
use slipway_steps::dir::Directory;
use slipway_steps::file::File;
use slipway_steps::os::SupportedOs;
use slipway_steps::unit::{OnChange, Service};
use slipway_steps::user::User;

const RUNS: usize = 5;

fn main() {
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("boots");
    let scratch = tempfile::tempdir().expect("dir");
    let os = SupportedOs;
    let packages = Packages::new(["git"]);
    let user = User {
        name: "deploy".into(),
        system: false,
        home: "/home/deploy".into(),
        groups: vec!["sudo".into()],
    };
    let dir = Directory {
        path: "/srv/shop".into(),
        owner: "deploy".into(),
        group: "deploy".into(),
        mode: 0o755,
    };
    let file = File {
        path: "/etc/shop.conf".into(),
        contents: "workers=2\n".into(),
        owner: "root".into(),
        group: "deploy".into(),
        mode: 0o640,
        validate: None,
    };
    let service = Service {
        name: "shop-idle.service".into(),
        unit: "[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n"
            .into(),
        on_change: OnChange::Restart,
    };
    let steps: [&dyn Step; 6] = [&os, &packages, &user, &dir, &file, &service];

    let direct: SocketAddr = (server.address, 22).into();
    let proxy = LatencyProxy::start(
        "127.0.0.1:0".parse().expect("address"),
        direct,
        DEFAULT_ONE_WAY,
    )
    .expect("proxy");
    for (label, address) in [("direct", direct), ("50 ms round trip", proxy.address)] {
        let target = Target {
            host: address.ip().to_string(),
            port: address.port(),
            user: "root".into(),
        };
        let known = KnownHosts::new(
            scratch
                .path()
                .join(format!("known_hosts-{}", address.port())),
        );
        let connect_started = Instant::now();
        let mut remote = SshRemote::connect(
            &target,
            &Credentials::KeyFile(server.key()),
            &known,
            &Trust::FirstUse,
            Duration::from_secs(10),
        )
        .expect("connects");
        let connect = connect_started.elapsed();
        Runner::new(&mut remote, "warm", Cancel::default())
            .apply(&steps, &mut |_| {})
            .expect("converges");
        let mut times = Vec::new();
        let mut trips = 0;
        for run in 0..RUNS {
            let mut runner = Runner::new(&mut remote, format!("bench{run}"), Cancel::default());
            let started = Instant::now();
            runner.apply(&steps, &mut |_| {}).expect("no-op run");
            times.push(started.elapsed());
            trips = runner.round_trips;
        }
        times.sort();
        println!(
            "{label:<18} no-op run of {} steps: median {:>6.1} ms (min {:.1}, max {:.1}), {trips} round trip(s); connect {:.1} ms",
            steps.len(),
            times[RUNS / 2].as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0,
            times[RUNS - 1].as_secs_f64() * 1000.0,
            connect.as_secs_f64() * 1000.0,
        );
    }
}
