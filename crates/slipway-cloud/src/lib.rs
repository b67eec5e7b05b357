//! Servers and DNS records at cloud providers, behind two small traits.
//!
//! [`ServerProvider`] checks a token, lists what the pickers offer, makes sure an SSH
//! key is on the account, creates a project's server (or finds the one it made before),
//! waits until it is reachable and destroys it on confirmation. [`DnsProvider`] points a
//! domain's apex and `www` at the server. [`DigitalOcean`] implements both; [`Hetzner`]
//! implements [`ServerProvider`] for Hetzner Cloud; [`Cloudflare`] and [`Namecheap`]
//! implement [`DnsProvider`].
//!
//! Every operation is safe to repeat. A server is tagged `slipway` and
//! `slipway-project-<id>`, and the tag is looked up before anything is created, so a
//! rerun after a lost reply never makes a second server and a second bill (at Hetzner,
//! which has labels instead of tags, the labels `slipway=true` and
//! `slipway-project=<id>`). An SSH key is looked up by its fingerprint before it is
//! uploaded. DNS records are found by type and name and changed in place, never
//! duplicated.
//!
//! The API is blocking and starts no async runtime in the caller. Time comes from a
//! [`Clock`], so waits and retries run instantly in tests. Tokens travel as
//! [`Secret`](slipway_secrets::Secret)s and only ever in the `Authorization` header;
//! errors name the provider, the status and the provider's own message, and say what to
//! do next.
//!
//! With the `fake` feature, `fake::FakeDigitalOcean` is a stateful DigitalOcean API on
//! 127.0.0.1 that checks every request against DigitalOcean's OpenAPI document (and can
//! boot a real machine for each droplet); `fake::hetzner::FakeHetzner`,
//! `fake::cloudflare::FakeCloudflare` and `fake::namecheap::FakeNamecheap` follow those
//! providers' documented contracts.
//!
//! # Layout
//! - [`server`]: [`ServerProvider`], [`Catalogue`] (what the pickers offer), the server
//!   and key types.
//! - [`dns`]: [`DnsProvider`], [`AddressRecords`], the record planner and the report.
//! - [`digitalocean`]: [`DigitalOcean`], both traits over API v2.
//! - [`cloudflare`]: [`Cloudflare`], [`DnsProvider`] over API v4.
//! - [`hetzner`]: [`Hetzner`], [`ServerProvider`] over Hetzner Cloud API v1.
//! - [`namecheap`]: [`Namecheap`], [`DnsProvider`] over the XML API's `getHosts` and
//!   `setHosts`, writing back every record it did not come to change.
//! - [`http`]: the JSON client every provider shares (User-Agent, bearer token,
//!   retries).
//! - `provider`: what the JSON providers share in explaining refusals and walking
//!   paged lists.
//! - [`ssh_key`]: [`PublicKey`] and its MD5 fingerprint.
//! - [`clock`]: [`Clock`] and [`SystemClock`].
//! - [`error`]: the [`CloudError`] type.
//! - `fake` (feature `fake`): the contract-checking fake and its JSON-Schema validator.

pub mod clock;
pub mod cloudflare;
pub mod digitalocean;
pub mod dns;
pub mod error;
#[cfg(feature = "fake")]
pub mod fake;
pub mod hetzner;
pub mod http;
pub mod namecheap;
mod provider;
pub mod server;
pub mod ssh_key;

pub use clock::{Clock, SystemClock};
pub use cloudflare::{Cloudflare, CloudflareConfig};
pub use digitalocean::{DigitalOcean, DigitalOceanConfig};
pub use dns::{
    AddressRecords, DnsProvider, DnsReport, Host, RecordChange, RecordKind, RecordOutcome,
};
pub use error::CloudError;
pub use hetzner::{Hetzner, HetznerConfig};
pub use namecheap::{Namecheap, NamecheapConfig};
pub use server::{
    Account, Catalogue, EnsuredKey, Image, Os, ProjectTag, Provision, Provisioned, Region, Server,
    ServerId, ServerProvider, ServerRequest, ServerStatus, Size, SshKey, WaitProgress,
};
pub use ssh_key::PublicKey;
