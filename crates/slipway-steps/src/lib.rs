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
//! - [`release`]: release folders checked out at a commit, and shared virtualenvs.
//! - [`app_server`]: the `current` link and the gunicorn service behind it.
//! - [`nginx`]: the site in front of the app, validated before every reload.

pub mod app_server;
pub mod apt;
pub mod dir;
pub mod file;
pub mod nginx;
pub mod os;
pub mod release;
pub mod unit;
pub mod user;
