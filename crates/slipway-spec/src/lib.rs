//! What the user wants deployed, and what their project folder says about it.
//!
//! Pure Rust with no I/O beyond reading the project folder and asking `git` about it:
//! the CLI, the desktop app and the deploy engine all build on it.
//!
//! # Layout
//! - [`detect`]: reads a project folder and reports framework, entry point, dependencies,
//!   Python version, static files, release commands and git facts, each with evidence.
//! - [`spec`]: the [`Spec`] held in `slipway.toml`, and its validation.
//! - [`notify`]: who hears about finished and failed deploys, and where.
//! - [`site`]: the domain, its certificate, and how the server is locked down.
//! - [`cloud`]: who makes the server and who holds the domain's records.
//! - [`check`]: the checks behind validation, one per kind of value.
//! - [`problem`]: [`Problem`], a message tied to a field path.

pub mod check;
pub mod cloud;
pub mod detect;
pub mod notify;
pub mod problem;
pub mod site;
pub mod spec;

pub use cloud::{DnsProvider, DnsSpec, ServerProvider};
pub use detect::{DetectError, Detected, Detection, detect};
pub use notify::{EmailNotify, NotifySpec, SlackNotify, SmsNotify, WebhookNotify, When};
pub use problem::{Problem, Problems};
pub use site::{Acme, DomainSpec, HardenSpec, Swap, TlsSpec};
pub use spec::{AppSpec, Entry, Framework, Interface, ServerSpec, Spec, SpecError, StaticSpec};
