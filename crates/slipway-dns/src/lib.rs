//! A small DNS client, and the pre-flight check Slipway makes before it asks Let's
//! Encrypt for a certificate: does every name point at the server yet?
//!
//! A certificate request made while a name points elsewhere, or at a CDN's proxy,
//! fails and counts against the authority's rate limits. [`check`] asks the zone's own
//! name servers and several public resolvers, each separately, and gives every name a
//! [`Verdict`] with a message naming what was found, where, and what must change.
//! [`wait()`] repeats the check until every name is ready, showing progress.
//!
//! The client speaks the DNS wire format itself, over `std::net` UDP with TCP for
//! truncated replies: no async runtime and no DNS library.
//!
//! # Layout
//! - [`wire`]: the RFC 1035 message format: encoding, and defensive decoding.
//! - [`resolver`]: [`Resolver`], one question to a list of servers, with replies
//!   matched to their query.
//! - [`lookup`]: addresses of a name following aliases ([`resolve`]), and a name's zone
//!   and name servers ([`find_zone`]).
//! - [`proxy`]: the published address ranges of CDN proxies (Cloudflare).
//! - [`preflight`]: [`check`], its configuration and its [`Report`].
//! - `verdict`: how answers become a verdict and a message.
//! - [`wait`](mod@wait): checking until ready, cancelled or timed out.

pub mod lookup;
pub mod preflight;
pub mod proxy;
pub mod resolver;
pub mod wait;
pub mod wire;

mod verdict;

pub use lookup::{Answer, Failure, Family, Zone, find_zone, resolve, resolve_authoritative};
pub use preflight::{
    Expected, NameReport, PUBLIC_RESOLVERS, Preflight, Report, Source, SourceAnswer, SourceKind,
    Verdict, check,
};
pub use proxy::proxy_provider;
pub use resolver::{DnsError, Recursion, Resolver, Response};
pub use wait::{WaitError, wait};
pub use wire::{Rcode, Record, RecordData, RecordType};
