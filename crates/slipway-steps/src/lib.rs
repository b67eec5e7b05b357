//! The catalogue of idempotent steps every deploy is built from.
//!
//! Each step reads facts through probes, plans purely from them, and carries its own
//! parser, tested here from sample outputs. The runner in `slipway-engine` applies them.
//!
//! # Layout
//! - [`os`]: supported releases, and the one table of their differences.
//! - [`apt`]: packages, with index freshness and patience for the dpkg lock.
//! - [`user`]: users and groups.
//! - [`dir`]: folders with owner and mode.
//! - [`file`]: files from templates, compared by hash, validated, with a text diff.
//! - [`unit`]: systemd services.
//! - [`release`]: the server's git mirror, release folders at a commit (from the mirror
//!   or uploaded), shared virtualenvs built with uv or pip, release commands and sealing.
//! - [`env`]: the app's environment file and secrets generated on the server.
//! - [`live`]: two app instances behind one socket link, switched without dropping a
//!   request, and the check through nginx.
//! - [`prune`]: old releases and the virtualenvs only they used.
//! - [`nginx`]: the site in front of the app, validated before every reload.
//! - [`harden`]: the deploy user, sshd lockdown, firewall, fail2ban, automatic security
//!   updates and swap.
//! - [`tls`]: certificates from an ACME authority through nginx, and their renewal.

pub mod apt;
pub mod dir;
pub mod env;
pub mod file;
pub mod harden;
pub mod live;
pub mod nginx;
pub mod os;
pub mod prune;
pub mod release;
pub mod tls;
pub mod unit;
pub mod user;
