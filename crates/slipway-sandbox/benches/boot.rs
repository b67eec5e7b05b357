//! How long a sandbox server takes to boot and to tear down, and (with `--rebuild`) how
//! long the image takes to build. Run as root:
//! `cargo bench -p slipway-sandbox --bench boot [-- --rebuild]`.

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use slipway_sandbox::{Sandbox, ServerOptions};

const RUNS: usize = 5;

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<28} median {:>8.1} ms   min {:>8.1} ms   max {:>8.1} ms   ({} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

fn main() {
    let rebuild = std::env::args().any(|a| a == "--rebuild");
    let scratch = rebuild.then(|| tempfile::tempdir().expect("scratch sandbox dir"));
    let sandbox = scratch
        .as_ref()
        .map_or_else(Sandbox::from_env, |dir| Sandbox::new(dir.path()));
    let image = sandbox.image().expect("image recipe");

    let started = Instant::now();
    image.ensure().expect("image");
    let label = if rebuild {
        "image build (debootstrap)"
    } else {
        "image check (cached)"
    };
    summary(label, vec![started.elapsed()]);

    let options = ServerOptions::default();
    let mut boots = Vec::new();
    let mut teardowns = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let server = sandbox.server(&options).expect("boots");
        boots.push(started.elapsed());
        let started = Instant::now();
        server.down().expect("down");
        teardowns.push(started.elapsed());
    }
    summary("boot to SSH-ready", boots);
    summary("teardown", teardowns);
}
