//! Checking again and again until DNS is right, the user gives up, or time runs out.

use std::thread;
use std::time::{Duration, Instant};

use crate::preflight::{Expected, Preflight, Report, check};

/// How often `cancel` is consulted while waiting between checks.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// Why waiting ended without every name ready.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// The time ran out; the last report says what is still wrong.
    #[error("DNS was still not ready after {} seconds: {}", elapsed.as_secs(), pending(report))]
    TimedOut {
        /// How long the wait lasted.
        elapsed: Duration,
        /// The last check.
        report: Report,
    },
    /// The caller cancelled.
    #[error("the DNS check was cancelled")]
    Cancelled {
        /// The last check.
        report: Report,
    },
}

/// The messages of the names that are not ready, one after another.
fn pending(report: &Report) -> String {
    report
        .pending()
        .map(|name| name.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

impl WaitError {
    /// The last check made before waiting ended.
    pub fn report(&self) -> &Report {
        match self {
            Self::TimedOut { report, .. } | Self::Cancelled { report } => report,
        }
    }
}

/// Checks at once, then every `interval`, until every name is ready (the report is
/// returned), `cancel` says stop, or `timeout` has passed. A last check is made when
/// the timeout falls, so the error carries an up-to-date report.
///
/// `on_progress` hears every report, with the time since the wait began, so the user
/// can watch each name change.
pub fn wait(
    names: &[String],
    expected: &Expected,
    config: &Preflight,
    timeout: Duration,
    interval: Duration,
    cancel: &dyn Fn() -> bool,
    on_progress: &mut dyn FnMut(&Report, Duration),
) -> Result<Report, WaitError> {
    let start = Instant::now();
    let deadline = start + timeout;
    loop {
        let round = Instant::now();
        let report = check(names, expected, config);
        let elapsed = start.elapsed();
        on_progress(&report, elapsed);
        if report.ready() {
            return Ok(report);
        }
        if elapsed >= timeout {
            return Err(WaitError::TimedOut { elapsed, report });
        }
        let next = (round + interval).min(deadline);
        loop {
            if cancel() {
                return Err(WaitError::Cancelled { report });
            }
            let left = next.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            thread::sleep(left.min(CANCEL_POLL));
        }
    }
}
