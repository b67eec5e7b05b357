//! Process identity that survives pid reuse: a pid together with its start time.

use std::fs;

/// Start time of a process in clock ticks since boot (field 22 of `/proc/PID/stat`).
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields after it follow the last ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(19)?.parse().ok()
}

/// This process, as a (pid, start time) pair.
pub(crate) fn me() -> (u32, u64) {
    let pid = std::process::id();
    (pid, start_time(pid).unwrap_or(0))
}

/// Whether the process that was (pid, start time) is still running.
pub(crate) fn still_running((pid, started): (u32, u64)) -> bool {
    start_time(pid) == Some(started) && alive(pid)
}

/// Whether a process exists and is not a zombie.
pub(crate) fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rfind(')')
                .and_then(|i| stat.get(i + 2..i + 3))
                .map(|s| s != "Z")
        })
        .unwrap_or(false)
}
