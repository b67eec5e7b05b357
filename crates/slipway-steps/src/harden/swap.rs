//! A swap file on servers with little memory, so a `pip install` or a burst of requests
//! slows the server down instead of waking the out-of-memory killer.
//!
//! The decision reads `/proc/meminfo`, `/proc/swaps` and `df` and is made by [`decide`],
//! a pure function: with no size asked for, a server with under 1 GiB of memory gets
//! 2 GiB of swap, one with under 2 GiB gets 1 GiB, a larger one none; never more than a
//! quarter of the free disk, and nothing under 256 MiB. Any swap already active (a
//! partition, a provider's file) means no new file. The plan's evidence or diff says
//! which rule applied to which numbers.

use std::fmt::Write as _;

use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

use super::{kib_text, output, stdout};
use crate::file::File;

/// A swap file path the step cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path:?} cannot be a swap file: give an absolute path without spaces")]
pub struct BadSwapPath {
    /// The path asked for.
    pub path: String,
}
/// Where the swappiness setting goes.
pub const SYSCTL: &str = "/etc/sysctl.d/60-slipway-swap.conf";
/// How willing the kernel is to swap: low, so swap is a safety net, not a second memory.
pub const SWAPPINESS: u32 = 10;

const KIB_PER_MIB: u64 = 1024;
const KIB_PER_GIB: u64 = 1024 * 1024;
/// The smallest swap file worth making.
const MIN_MIB: u64 = 256;

const MEMINFO: &str = "swap:meminfo";
const SWAPS: &str = "swap:active";
const LIVE_SWAPPINESS: &str = "swap:swappiness";
const FSTAB: &str = "swap:fstab";

/// Prints `missing`, or the size in bytes of file `$1` and its signature type (`swap`),
/// or `other` when it has none.
const FILE_SCRIPT: &str = r#"[ -e "$1" ] || { echo missing; exit 0; }
printf '%s ' "$(stat -c %s "$1")"
blkid -p -o value -s TYPE "$1" || echo other"#;

/// Adds line `$1` to /etc/fstab, first ending the last line if it lacks a newline.
const FSTAB_SCRIPT: &str = r#"[ -z "$(tail -c 1 /etc/fstab)" ] || echo >> /etc/fstab
printf '%s\n' "$1" >> /etc/fstab"#;

/// Swap that fits the server: a swap file at `path` when memory is short and no swap
/// is active, with its `/etc/fstab` line and `vm.swappiness` at [`SWAPPINESS`].
///
/// The file is written with `dd` (the one way every filesystem accepts for swap), built
/// under a temporary name and renamed once `mkswap` has signed it, so an interrupted run
/// never leaves a half-made file at `path`. An existing file at `path` that is not swap
/// is never touched: the step refuses. Slipway never removes or resizes active swap.
pub struct Swap {
    /// MiB of swap; `None` lets [`decide`] choose from memory and disk.
    pub size_mib: Option<u64>,
    /// Absolute path of the swap file.
    pub path: String,
}

impl Default for Swap {
    fn default() -> Self {
        Self {
            size_mib: None,
            path: "/swapfile".into(),
        }
    }
}

/// What to do about swap, and why, in words for the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No swap file is needed.
    NotNeeded(String),
    /// The swap file at the step's path is active; keep it.
    Keep {
        /// Its size.
        kib: u64,
    },
    /// A swap file of `mib` MiB.
    Make {
        /// Its size.
        mib: u64,
        /// The rule and numbers that chose it.
        why: String,
    },
    /// What was asked for cannot be done.
    Refuse(String),
}

/// `MemTotal` of `/proc/meminfo`, in KiB.
pub fn mem_total_kib(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|line| {
        line.strip_prefix("MemTotal:")?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// The active swap areas of `/proc/swaps`: (name, size in KiB).
pub fn active_swaps(swaps: &str) -> Vec<(String, u64)> {
    swaps
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let size = fields.get(2)?.parse().ok()?;
            Some(((*fields.first()?).to_owned(), size))
        })
        .collect()
}

/// The KiB available to root's users on the filesystem `df -Pk` describes.
pub fn available_kib(df: &str) -> Option<u64> {
    df.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}

/// The swap decision for a server, from its `/proc/meminfo`, `/proc/swaps` and
/// `df -Pk` of the folder holding `path`, and the size asked for (`None` to choose).
pub fn decide(
    meminfo: &str,
    swaps: &str,
    df: &str,
    path: &str,
    requested: Option<u64>,
) -> Decision {
    let active = active_swaps(swaps);
    if let Some((_, kib)) = active.iter().find(|(name, _)| name == path) {
        return Decision::Keep { kib: *kib };
    }
    if !active.is_empty() {
        let total: u64 = active.iter().map(|(_, kib)| kib).sum();
        let names: Vec<&str> = active.iter().map(|(name, _)| name.as_str()).collect();
        return Decision::NotNeeded(format!(
            "{} swap already active ({})",
            kib_text(total),
            names.join(", ")
        ));
    }
    let (Some(memory), Some(free)) = (mem_total_kib(meminfo), available_kib(df)) else {
        return Decision::Refuse(
            "cannot read the server's memory (/proc/meminfo) or free disk (df)".into(),
        );
    };
    let cap_mib = free / 4 / KIB_PER_MIB;
    let numbers = format!("{} memory, {} free disk", kib_text(memory), kib_text(free));
    match requested {
        Some(0) => Decision::NotNeeded(format!("{numbers}: no swap asked for")),
        Some(mib) if mib > cap_mib => Decision::Refuse(format!(
            "{mib} MiB of swap asked for, but with {} free disk Slipway makes at most a quarter of it ({cap_mib} MiB)",
            kib_text(free)
        )),
        Some(mib) => Decision::Make {
            mib,
            why: format!("{numbers}: {mib} MiB asked for"),
        },
        None => {
            let wanted = if memory < KIB_PER_GIB {
                2048
            } else if memory < 2 * KIB_PER_GIB {
                1024
            } else {
                return Decision::NotNeeded(format!("{} memory: no swap needed", kib_text(memory)));
            };
            // Whole 64 MiB steps, so the size reads well.
            let mib = wanted.min(cap_mib / 64 * 64);
            let rule = "under 1 GiB of memory 2 GiB of swap, under 2 GiB 1 GiB, at most a quarter of free disk";
            if mib < MIN_MIB {
                return Decision::NotNeeded(format!(
                    "{numbers}: a quarter of the free disk is under {MIN_MIB} MiB, too little for swap ({rule})"
                ));
            }
            Decision::Make {
                mib,
                why: format!(
                    "{numbers}: {} of swap ({rule})",
                    kib_text(mib * KIB_PER_MIB)
                ),
            }
        }
    }
}

/// What is at the swap file's path now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    Missing,
    Swap { bytes: u64 },
    Other,
}

fn parse_existing(answer: &str) -> Existing {
    let mut words = answer.split_whitespace();
    match (words.next(), words.next()) {
        (Some("missing") | None, _) => Existing::Missing,
        (Some(bytes), Some("swap")) => Existing::Swap {
            bytes: bytes.parse().unwrap_or(0),
        },
        _ => Existing::Other,
    }
}

/// Whether `/etc/fstab` mounts `path` as swap.
fn in_fstab(fstab: &str, path: &str) -> bool {
    fstab.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        !line.trim_start().starts_with('#')
            && fields.first() == Some(&path)
            && fields.get(2) == Some(&"swap")
    })
}

impl Swap {
    fn file_key(&self) -> String {
        format!("swap:file:{}", self.path)
    }

    fn df_key(&self) -> String {
        format!("swap:df:{}", self.folder())
    }

    /// The folder holding the swap file, whose filesystem gives the space.
    fn folder(&self) -> &str {
        match self.path.rsplit_once('/') {
            Some(("", _)) | None => "/",
            Some((folder, _)) => folder,
        }
    }

    fn fstab_line(&self) -> String {
        format!("{} none swap sw 0 0", self.path)
    }

    fn sysctl_file() -> File {
        File {
            path: SYSCTL.into(),
            contents: format!(
                "# Managed by Slipway: swap is a safety net, not extra memory.\nvm.swappiness = {SWAPPINESS}\n"
            ),
            owner: "root".into(),
            group: "root".into(),
            mode: 0o644,
            validate: None,
        }
    }

    fn check_path(&self) -> Result<(), BadSwapPath> {
        if !self.path.starts_with('/')
            || self.path.contains(char::is_whitespace)
            || self.path == "/"
        {
            return Err(BadSwapPath {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    /// The actions that make a new swap file of `mib` MiB and turn it on.
    fn create(&self, mib: u64) -> Vec<Action> {
        let temporary = format!("{}.slipway-new", self.path);
        vec![
            Action::Run(Cmd::all([
                Cmd::new("rm").args(["-f", &temporary]),
                Cmd::new("install").args(["-m", "600", "/dev/null", &temporary]),
                Cmd::new("dd").args([
                    "if=/dev/zero",
                    &format!("of={temporary}"),
                    "bs=1M",
                    &format!("count={mib}"),
                    "status=none",
                ]),
            ])),
            Action::Run(
                Cmd::new("mkswap")
                    .arg(temporary.clone())
                    .and(Cmd::new("mv").args(["-f", &temporary, &self.path])),
            ),
            Action::Run(Cmd::new("swapon").arg(self.path.clone())),
        ]
    }

    /// The actions that keep swap on after a reboot and set the swappiness.
    fn persist(&self, facts: &Facts) -> Vec<Action> {
        let mut actions = Vec::new();
        if !in_fstab(output(facts, FSTAB), &self.path) {
            let line = self.fstab_line();
            actions.push(Action::Run(
                Cmd::new("sh")
                    .args(["-c", FSTAB_SCRIPT, "sh", &line])
                    .labelled(format!("add `{line}` to /etc/fstab")),
            ));
        }
        if let StepPlan::Change { actions: write, .. } = Self::sysctl_file().plan(facts) {
            actions.extend(write);
            actions.push(Action::Run(Cmd::new("sysctl").args(["-q", "-p", SYSCTL])));
        }
        actions
    }

    fn before(&self, facts: &Facts, existing: Existing) -> String {
        let memory = mem_total_kib(output(facts, MEMINFO)).map_or("?".into(), kib_text);
        let free = available_kib(output(facts, &self.df_key())).map_or("?".into(), kib_text);
        let mut text = format!("memory {memory}, free disk {free}, no swap active\n");
        let _ = writeln!(
            text,
            "{}: {}",
            self.path,
            match existing {
                Existing::Missing => "missing".to_owned(),
                Existing::Swap { bytes } => format!("{} swap file, off", kib_text(bytes / 1024)),
                Existing::Other => "not a swap file".to_owned(),
            }
        );
        let fstab = if in_fstab(output(facts, FSTAB), &self.path) {
            self.fstab_line()
        } else {
            format!("no line for {}", self.path)
        };
        let _ = writeln!(text, "/etc/fstab: {fstab}");
        let _ = writeln!(
            text,
            "vm.swappiness {}",
            output(facts, LIVE_SWAPPINESS).trim()
        );
        text
    }

    fn after(&self, size: &str, why: &str) -> String {
        format!(
            "{}: {size} swap file, on\n/etc/fstab: {}\nvm.swappiness {SWAPPINESS} ({SYSCTL})\nwhy: {why}\n",
            self.path,
            self.fstab_line()
        )
    }
}

impl Step for Swap {
    fn id(&self) -> String {
        format!("swap:{}", self.path)
    }

    fn describe(&self) -> String {
        match self.size_mib {
            Some(mib) => format!("the server has {mib} MiB of swap"),
            None => "the server has swap if its memory is short".into(),
        }
    }

    fn probes(&self) -> Vec<Probe> {
        let mut probes = vec![
            Probe::new(MEMINFO, Cmd::new("cat").arg("/proc/meminfo")),
            Probe::new(SWAPS, Cmd::new("cat").arg("/proc/swaps")),
            Probe::new(self.df_key(), Cmd::new("df").args(["-Pk", self.folder()])),
            Probe::new(
                self.file_key(),
                Cmd::new("sh").args(["-c", FILE_SCRIPT, "sh", &self.path]),
            ),
            Probe::new(FSTAB, Cmd::new("cat").arg("/etc/fstab")),
            Probe::new(
                LIVE_SWAPPINESS,
                Cmd::new("cat").arg("/proc/sys/vm/swappiness"),
            ),
        ];
        probes.extend(Self::sysctl_file().probes());
        probes
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        if let Err(problem) = self.check_path() {
            return StepPlan::Deferred {
                reason: problem.to_string(),
            };
        }
        let decision = decide(
            output(facts, MEMINFO),
            output(facts, SWAPS),
            output(facts, &self.df_key()),
            &self.path,
            self.size_mib,
        );
        let existing = parse_existing(stdout(facts, &self.file_key()).unwrap_or_default());
        let (mut actions, size, why) = match decision {
            Decision::NotNeeded(why) => return StepPlan::Satisfied { evidence: why },
            Decision::Refuse(reason) => return StepPlan::Deferred { reason },
            Decision::Keep { kib } => (
                Vec::new(),
                kib_text(kib),
                "the swap file is on; Slipway keeps it".to_owned(),
            ),
            Decision::Make { mib, why } => match existing {
                Existing::Other => {
                    return StepPlan::Deferred {
                        reason: format!(
                            "{} exists and is not a swap file; Slipway does not overwrite it: choose another path",
                            self.path
                        ),
                    };
                }
                Existing::Swap { bytes } => (
                    vec![Action::Run(Cmd::new("swapon").arg(self.path.clone()))],
                    kib_text(bytes / 1024),
                    format!("{why}; the file exists already, so it is used as it is"),
                ),
                Existing::Missing => (self.create(mib), kib_text(mib * KIB_PER_MIB), why),
            },
        };
        actions.extend(self.persist(facts));
        if actions.is_empty() {
            return StepPlan::Satisfied {
                evidence: format!(
                    "{}: {size} swap on, in /etc/fstab, vm.swappiness {SWAPPINESS} ({SYSCTL})",
                    self.path
                ),
            };
        }
        StepPlan::Change {
            actions,
            diff: Diff::new(self.before(facts, existing), self.after(&size, &why)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::sha256_hex;
    use slipway_engine::Answer;

    const NO_SWAPS: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
    const ONE_GIB_SWAP: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t1048572\t\t0\t\t-2\n";
    const PARTITION: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/vda2                               partition\t2097148\t\t512\t\t-2\n";

    fn meminfo(kib: u64) -> String {
        format!(
            "MemTotal:       {kib} kB\nMemFree:          123456 kB\nSwapTotal:             0 kB\n"
        )
    }

    fn df(available_kib: u64) -> String {
        format!(
            "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/vda1         25145836 3000000 {available_kib}      13% /\n"
        )
    }

    const GIB: u64 = 1024 * 1024;

    #[test]
    fn memory_decides_the_size_and_free_disk_caps_it() {
        let small = decide(
            &meminfo(1_000_000),
            NO_SWAPS,
            &df(20 * GIB),
            "/swapfile",
            None,
        );
        assert_eq!(
            small,
            Decision::Make {
                mib: 2048,
                why: "977 MiB memory, 20 GiB free disk: 2 GiB of swap (under 1 GiB of memory 2 GiB of swap, under 2 GiB 1 GiB, at most a quarter of free disk)".into()
            }
        );
        let medium = decide(
            &meminfo(2_030_000),
            NO_SWAPS,
            &df(20 * GIB),
            "/swapfile",
            None,
        );
        assert!(
            matches!(medium, Decision::Make { mib: 1024, .. }),
            "{medium:?}"
        );
        let tight = decide(
            &meminfo(1_000_000),
            NO_SWAPS,
            &df(3 * GIB),
            "/swapfile",
            None,
        );
        assert!(
            matches!(tight, Decision::Make { mib: 768, .. }),
            "{tight:?}"
        );
        let full = decide(
            &meminfo(1_000_000),
            NO_SWAPS,
            &df(GIB / 2),
            "/swapfile",
            None,
        );
        let Decision::NotNeeded(why) = full else {
            panic!("none: {full:?}")
        };
        assert!(
            why.starts_with(
                "977 MiB memory, 512 MiB free disk: a quarter of the free disk is under 256 MiB"
            ),
            "{why}"
        );
    }

    #[test]
    fn large_memory_or_active_swap_needs_no_file_and_says_why() {
        assert_eq!(
            decide(
                &meminfo(8_167_000),
                NO_SWAPS,
                &df(20 * GIB),
                "/swapfile",
                None
            ),
            Decision::NotNeeded("7.8 GiB memory: no swap needed".into())
        );
        assert_eq!(
            decide(
                &meminfo(1_000_000),
                PARTITION,
                &df(20 * GIB),
                "/swapfile",
                None
            ),
            Decision::NotNeeded("2 GiB swap already active (/dev/vda2)".into())
        );
        assert_eq!(
            decide(
                &meminfo(1_000_000),
                ONE_GIB_SWAP,
                &df(20 * GIB),
                "/swapfile",
                None
            ),
            Decision::Keep { kib: 1_048_572 }
        );
    }

    #[test]
    fn an_asked_size_is_made_even_with_plenty_of_memory_but_never_beyond_a_quarter_of_the_disk() {
        assert!(matches!(
            decide(
                &meminfo(8_167_000),
                NO_SWAPS,
                &df(20 * GIB),
                "/swapfile",
                Some(512)
            ),
            Decision::Make { mib: 512, .. }
        ));
        let Decision::Refuse(why) = decide(
            &meminfo(8_167_000),
            NO_SWAPS,
            &df(4 * GIB),
            "/swapfile",
            Some(4096),
        ) else {
            panic!("refused")
        };
        assert_eq!(
            why,
            "4096 MiB of swap asked for, but with 4 GiB free disk Slipway makes at most a quarter of it (1024 MiB)"
        );
    }

    fn facts(memory: u64, swaps: &str, file: &str, fstab: &str, sysctl: &str) -> Facts {
        let mut facts = Facts::default();
        let ok = |stdout: &str| Answer {
            status: 0,
            stdout: stdout.into(),
        };
        facts.insert(MEMINFO, ok(&meminfo(memory)));
        facts.insert(SWAPS, ok(swaps));
        facts.insert("swap:df:/", ok(&df(20 * GIB)));
        facts.insert("swap:file:/swapfile", ok(file));
        facts.insert(FSTAB, ok(fstab));
        facts.insert(LIVE_SWAPPINESS, ok("60\n"));
        facts.insert(format!("file:{SYSCTL}"), ok(sysctl));
        facts
    }

    fn current_sysctl() -> String {
        let text = Swap::sysctl_file().contents;
        format!("root root 644\n{}  {SYSCTL}\n", sha256_hex(text.as_bytes()))
    }

    #[test]
    fn a_small_server_gets_a_file_built_aside_signed_then_renamed_on_and_persisted() {
        let plan = Swap::default().plan(&facts(
            2_000_000,
            NO_SWAPS,
            "missing\n",
            "UUID=x / ext4 defaults 0 1",
            "",
        ));
        let StepPlan::Change { actions, diff } = plan else {
            panic!("a change")
        };
        let lines: Vec<String> = actions.iter().map(Action::describe).collect();
        assert_eq!(
            lines,
            [
                "{ rm -f /swapfile.slipway-new && install -m 600 /dev/null /swapfile.slipway-new; } && dd if=/dev/zero of=/swapfile.slipway-new bs=1M count=1024 status=none",
                "mkswap /swapfile.slipway-new && mv -f /swapfile.slipway-new /swapfile",
                "swapon /swapfile",
                "add `/swapfile none swap sw 0 0` to /etc/fstab",
                "write /etc/sysctl.d/60-slipway-swap.conf (81 bytes, mode 644)",
                "sysctl -q -p /etc/sysctl.d/60-slipway-swap.conf",
            ]
        );
        assert_eq!(
            diff.before,
            "memory 1.9 GiB, free disk 20 GiB, no swap active\n/swapfile: missing\n/etc/fstab: no line for /swapfile\nvm.swappiness 60\n"
        );
        assert_eq!(
            diff.after,
            "/swapfile: 1 GiB swap file, on\n/etc/fstab: /swapfile none swap sw 0 0\nvm.swappiness 10 (/etc/sysctl.d/60-slipway-swap.conf)\n\
             why: 1.9 GiB memory, 20 GiB free disk: 1 GiB of swap (under 1 GiB of memory 2 GiB of swap, under 2 GiB 1 GiB, at most a quarter of free disk)\n"
        );
    }

    #[test]
    fn an_active_file_with_its_line_and_setting_is_satisfied() {
        let plan = Swap::default().plan(&facts(
            2_000_000,
            ONE_GIB_SWAP,
            "1073741824 swap\n",
            "/swapfile none swap sw 0 0\n",
            &current_sysctl(),
        ));
        assert_eq!(
            plan,
            StepPlan::Satisfied {
                evidence: "/swapfile: 1024 MiB swap on, in /etc/fstab, vm.swappiness 10 (/etc/sysctl.d/60-slipway-swap.conf)".into()
            }
        );
    }

    #[test]
    fn a_file_left_off_is_turned_on_and_a_foreign_file_is_refused() {
        let plan = Swap::default().plan(&facts(
            2_000_000,
            NO_SWAPS,
            "1073741824 swap\n",
            "/swapfile none swap sw 0 0\n",
            &current_sysctl(),
        ));
        let StepPlan::Change { actions, .. } = plan else {
            panic!("a change")
        };
        assert_eq!(actions, [Action::Run(Cmd::new("swapon").arg("/swapfile"))]);
        let plan = Swap::default().plan(&facts(2_000_000, NO_SWAPS, "4096 other\n", "", ""));
        let StepPlan::Deferred { reason } = plan else {
            panic!("refused")
        };
        assert!(
            reason.starts_with("/swapfile exists and is not a swap file"),
            "{reason}"
        );
    }

    #[test]
    fn a_large_server_is_satisfied_with_the_decision_as_evidence() {
        let plan = Swap::default().plan(&facts(24_684_096, NO_SWAPS, "missing\n", "", ""));
        assert_eq!(
            plan,
            StepPlan::Satisfied {
                evidence: "23.5 GiB memory: no swap needed".into()
            }
        );
    }
}
