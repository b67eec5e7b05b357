//! Local stand-ins for the internet services a deploy talks to.

pub mod acme;
pub mod apt_cache;
pub mod desktop;
pub mod git;
pub mod latency;
