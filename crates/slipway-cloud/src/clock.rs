//! Time, passed in: retries and waits ask a [`Clock`] for the time and for sleeps, so
//! tests run them on a clock that only pretends to wait.

use std::time::{Duration, SystemTime};

/// Where the current time and sleeps come from.
pub trait Clock: Send + Sync {
    /// The current wall-clock time (compared with providers' epoch-second headers).
    fn now(&self) -> SystemTime;

    /// Blocks the calling thread for `duration`.
    fn sleep(&self, duration: Duration);
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A clock for tests: sleeping returns at once and moves the time forward, and every
/// sleep is recorded.
#[cfg(feature = "fake")]
#[derive(Debug)]
pub struct ManualClock {
    state: std::sync::Mutex<(SystemTime, Vec<Duration>)>,
}

#[cfg(feature = "fake")]
impl ManualClock {
    /// A clock that starts at `start`.
    pub fn starting_at(start: SystemTime) -> Self {
        Self {
            state: std::sync::Mutex::new((start, Vec::new())),
        }
    }

    /// A clock that starts at the real current time (so epoch-second headers from a fake
    /// that uses the real time still make sense).
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// Every sleep asked for so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().1.clone()
    }

    /// The sum of all sleeps so far.
    pub fn slept(&self) -> Duration {
        self.lock().1.iter().sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (SystemTime, Vec<Duration>)> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(feature = "fake")]
impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "fake")]
impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.lock().0
    }

    fn sleep(&self, duration: Duration) {
        let mut state = self.lock();
        state.0 += duration;
        state.1.push(duration);
    }
}
