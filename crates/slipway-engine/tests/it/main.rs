//! The engine against a real local shell: quoting, probing and the runner.

mod local;
mod quoting;
mod runner;
