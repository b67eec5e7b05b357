//! Slipway's plan/apply engine: it looks at a server, works out what must change, shows
//! that plan, and applies it, streaming progress.
//!
//! Deciding is pure; doing happens in one place, the [`Runner`], through the [`Remote`]
//! trait. This crate depends on no SSH, HTTP or UI library.
//!
//! # Layout
//! - [`cmd`]: commands as data, and [`quote`], the only function that writes shell text
//!   from values.
//! - [`probe`]: read-only questions, batched into one remote execution.
//! - [`step`]: the [`Step`] trait, plans, actions and diffs.
//! - [`runner`]: preview and apply, with convergence checks, cancellation and timeouts.
//! - [`event`]: progress events for the CLI and the desktop app.
//! - [`remote`]: the trait a server connection implements.

pub mod cmd;
pub mod event;
pub mod lock;
pub mod probe;
pub mod remote;
pub mod runner;
pub mod step;

pub use cmd::{Cmd, QuoteError, quote};
pub use event::{Event, Outcome, Planned};
pub use lock::{Holder, LockError};
pub use probe::{Answer, Facts, Probe};
pub use remote::{Exit, Remote, RemoteError, Stream};
pub use runner::{Cancel, RunError, Runner, Tally};
pub use step::{Action, Diff, Step, StepPlan};
