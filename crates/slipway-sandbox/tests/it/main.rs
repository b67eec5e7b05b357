//! Integration tests of the sandbox: real servers, and the local services they use.

mod servers;
mod services;
