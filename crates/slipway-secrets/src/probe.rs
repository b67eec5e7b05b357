//! What Slipway's probes share: small programs that the integration tests start in a
//! private desktop session (its own D-Bus, keychain or notification service) to run one
//! scenario of checks against the real thing, and that print the outcome as one JSON
//! line. Behind the `probe` cargo feature; no front end has it.
//!
//! A probe's `main` hands its scenarios to [`run`], which reads the scenario's name from
//! the command line, runs it, and prints exactly one line on stdout:
//! - `{"scenario":"…","outcome":"passed"}`, exit status 0, when every check held;
//! - `{"scenario":"…","outcome":"failed","failure":"…","location":"…"}`, exit status 1,
//!   with the first check that did not (a panic: its message and where it was raised).
//!
//! A missing or unknown scenario prints the list of scenarios on stderr and exits with
//! status 2.
//!
//! It also has the shorthands scenarios and tests use for keys, secrets and reads, which
//! panic on anything unexpected.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::process::ExitCode;
use std::sync::Mutex;

use crate::{Secret, SecretKey, SecretStore};

/// Where the last check that failed is, for the report.
static FAILED_AT: Mutex<Option<String>> = Mutex::new(None);

/// Runs the scenario named by the only command-line argument, looked up in `scenarios`,
/// through `start` (which sets up what the scenario needs and calls it), and reports as
/// the [module](self) says. `program` names the probe in the usage message.
pub fn run<S: Copy>(program: &str, scenarios: &[(&str, S)], start: impl FnOnce(S)) -> ExitCode {
    let mut args = std::env::args().skip(1);
    let found = match (args.next(), args.next()) {
        (Some(name), None) => scenarios
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, scenario)| (name, scenario)),
        _ => None,
    };
    let Some((name, scenario)) = found else {
        let names: Vec<&str> = scenarios.iter().map(|(name, _)| *name).collect();
        eprintln!("usage: {program} SCENARIO\nscenarios: {}", names.join(", "));
        return ExitCode::from(2);
    };

    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        if let (Some(location), Ok(mut slot)) = (info.location(), FAILED_AT.lock()) {
            *slot = Some(location.to_string());
        }
        default_hook(info);
    }));
    // The process ends after the report, so nothing sees what a panic left half done.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| start(scenario)));

    let mut line = format!(r#"{{"scenario":{}"#, json_string(&name));
    let status = match outcome {
        Ok(()) => {
            line.push_str(r#","outcome":"passed"}"#);
            ExitCode::SUCCESS
        }
        Err(payload) => {
            let failure = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("a check failed");
            let location = FAILED_AT
                .lock()
                .ok()
                .and_then(|slot| slot.clone())
                .unwrap_or_default();
            let _ = write!(
                line,
                r#","outcome":"failed","failure":{},"location":{}}}"#,
                json_string(failure),
                json_string(&location)
            );
            ExitCode::FAILURE
        }
    };
    let mut stdout = io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    status
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(quoted, "\\u{:04x}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The key `project/name`, which must be valid.
pub fn key(project: &str, name: &str) -> SecretKey {
    SecretKey::new(project, name).expect("valid key")
}

/// A secret holding `value`.
pub fn secret(value: &str) -> Secret {
    Secret::new(value.to_owned())
}

/// What `store` holds under `key`, which it must be able to read.
pub fn read(store: &dyn SecretStore, key: &SecretKey) -> Option<String> {
    store
        .get(key)
        .expect("readable")
        .map(|value| value.expose().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_quote_any_text_as_json() {
        assert_eq!(json_string("plain"), r#""plain""#);
        assert_eq!(
            json_string("say \"hi\"\\\n\r\t\u{1}"),
            r#""say \"hi\"\\\n\r\t\u0001""#
        );
    }
}
