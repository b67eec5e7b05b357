//! The use-cases every Slipway front end shares, and the error format the UI receives.
//!
//! The CLI and the desktop app call the same functions here, so a folder opens, a spec
//! validates and a file saves the same way whichever one the user runs.
//!
//! # Layout
//! - [`project`]: open a project folder (detect, or load its `slipway.toml`), check a
//!   spec, save it.
//! - [`deploy`]: connect to the spec's server, plan, and deploy under the server's lock.
//! - [`run`]: a whole deploy as every front end runs it, with an [`run::Observer`]
//!   for progress and questions.
//! - [`web`]: the server's state, and the steps of a deploy or a rollback built from it.
//! - [`secure`]: the server's lockdown, the switch to the deploy user, and HTTPS with its
//!   DNS check.
//! - [`cloud`]: the project's server at its provider (made, found, destroyed), and
//!   its domain's records at the DNS provider.
//! - [`local`]: the commit to deploy, read from the user's git repository.
//! - [`secrets`]: the project's keys and secret variables, from the keychain.
//! - [`github`]: deploy keys added to a GitHub repository through its API.
//! - [`notify`]: the spec's notification channels, and reporting how a run ended.
//! - [`wizard`]: what the setup wizard asks besides the spec: provider offers with a
//!   token checked on entry, secrets set or not, whether the domain resolves.
//! - [`history`]: each project's runs on this computer, with their logs.
//! - [`dashboard`]: the projects this computer deploys, and their servers' live status.
//! - [`error`]: [`AppError`], and [`IpcError`], the one shape errors take on the wire.
//! - [`bindings`]: the TypeScript declarations of every type the UI receives.

pub mod bindings;
pub mod cloud;
pub mod dashboard;
pub mod deploy;
pub mod error;
pub mod github;
pub mod history;
pub mod local;
pub mod notify;
pub mod project;
pub mod run;
pub mod secrets;
pub mod secure;
pub mod web;
pub mod wizard;

pub use error::{AppError, ErrorCode, IpcError};
pub use project::{CONFIG_FILE, Project, check_spec, open_project, save_spec};
