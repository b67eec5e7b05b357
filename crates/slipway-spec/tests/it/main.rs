//! Integration tests of project detection and spec validation.

mod detect;
mod spec;
