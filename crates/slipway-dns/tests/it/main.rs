//! The DNS client and the pre-flight check against in-process fake DNS servers, and
//! against the real `pebble-challtestsrv`.

mod challtestsrv;
mod check;
mod fake;
mod resolver;
mod wait;
