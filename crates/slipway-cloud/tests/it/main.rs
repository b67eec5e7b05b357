//! slipway-cloud against `FakeDigitalOcean`, a stateful local DigitalOcean API that
//! checks every request and reply against DigitalOcean's OpenAPI document. Waits and
//! retries run on a `ManualClock`, so no test sleeps for real.

mod contract;
mod dns;
mod errors;
mod keys;
mod pickers;
mod retries;
mod servers;

use std::sync::Arc;

use slipway_cloud::clock::ManualClock;
use slipway_cloud::fake::FakeDigitalOcean;
use slipway_cloud::{DigitalOcean, ProjectTag, ServerRequest};
use slipway_secrets::Secret;

/// An ed25519 key made with `ssh-keygen`.
pub const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAsKjtqnN6ZHgwnwQUazN9siw1SnJkciCVAdMjQIR/Kb ada@laptop";
/// What `ssh-keygen -l -E md5` printed for [`KEY`].
pub const KEY_MD5: &str = "d4:55:27:54:d7:a3:98:ff:2f:a8:bb:97:5c:ca:6d:d4";

/// A client for the fake with its read-write token, and the clock it waits on.
pub fn client(fake: &FakeDigitalOcean) -> (DigitalOcean, Arc<ManualClock>) {
    client_with(fake, fake.token())
}

/// A client for the fake with `token`.
pub fn client_with(
    fake: &FakeDigitalOcean,
    token: Secret<String>,
) -> (DigitalOcean, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let provider = DigitalOcean::new(fake.config(token), clock.clone()).expect("a client");
    (provider, clock)
}

/// A request for project `project`'s server in nyc3.
pub fn request(project: &str) -> ServerRequest {
    ServerRequest {
        project: ProjectTag::new(project).expect("a project id"),
        name: format!("{project}-web"),
        region: "nyc3".into(),
        size: "s-1vcpu-1gb".into(),
        image: "debian-12-x64".into(),
        ssh_keys: Vec::new(),
        user_data: Some("#cloud-config\npackage_update: true\n".into()),
        ipv6: false,
    }
}
