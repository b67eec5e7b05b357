//! What this computer remembers of each project's runs: one record per deploy or
//! rollback, and every line of its log, so the dashboard can show how the last run ended
//! and the whole story of any earlier one.
//!
//! Layout, under the data folder ([`DataDir`]):
//! - `history/<project key>/<run id>.json`: the run's [`RunRecord`], written when it
//!   starts and again when it ends;
//! - `history/<project key>/<run id>.log`: its [`News`], one JSON object per line,
//!   appended as it happens, so a run cut short keeps the log up to where it stopped.
//!
//! Every line passes through the project's [`Redactor`] before it reaches the disk: a
//! secret the project uses is never written, even if a step printed it.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use slipway_engine::RunError;
use slipway_secrets::Redactor;
use ts_rs::TS;

use crate::error::AppError;
use crate::run::{self, Live, News};

/// The folder where Slipway keeps what it remembers on this computer:
/// `$XDG_DATA_HOME/slipway`, else `~/.local/share/slipway`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir(PathBuf);

impl DataDir {
    /// At `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }

    /// From `XDG_DATA_HOME` or `HOME`.
    pub fn from_env() -> Self {
        let base = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        Self(base.join("slipway"))
    }

    /// The folder itself.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// A commit was deployed.
    Deploy,
    /// The site was switched back to a kept release.
    Rollback,
}

impl RunKind {
    fn word(self) -> &'static str {
        match self {
            Self::Deploy => "deploy",
            Self::Rollback => "rollback",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunOutcome {
    /// Still going.
    Running,
    /// The release went live.
    Live {
        /// The release now live.
        release: String,
        /// Its commit, short.
        commit: String,
        /// Where the site answers.
        url: String,
    },
    /// It failed at `step`; the site serves what it served before.
    Failed {
        /// The step it stopped at.
        step: String,
        /// What went wrong and what to do, as the user was told.
        message: String,
    },
    /// The user cancelled it; it stopped after the running action.
    Cancelled {
        /// The step that was running.
        step: String,
    },
    /// The user said no before anything changed.
    Declined,
    /// Slipway stopped while it ran (closed, or the computer went down): the log ends
    /// where it stopped.
    Interrupted,
}

impl RunOutcome {
    /// How a run that returned `result` ended.
    pub fn of(result: &Result<Option<Live>, AppError>) -> Self {
        match result {
            Ok(Some(live)) => Self::Live {
                release: live.release.clone(),
                commit: live.commit.clone(),
                url: live.url.clone(),
            },
            Ok(None) => Self::Declined,
            Err(AppError::Run(RunError::Cancelled { step })) => {
                Self::Cancelled { step: step.clone() }
            }
            Err(error) => Self::Failed {
                step: run::failed_step(error),
                message: error.to_string(),
            },
        }
    }
}

/// One run, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RunRecord {
    /// Unique within the project: when it started, and what it was.
    pub id: String,
    /// Deploy or rollback.
    pub kind: RunKind,
    /// When it started, in seconds since 1970 (UTC).
    #[ts(type = "number")]
    pub started: u64,
    /// How long it took, in milliseconds; 0 while it runs.
    #[ts(type = "number")]
    pub millis: u64,
    /// The commit deployed, short, once known.
    pub commit: Option<String>,
    /// Its subject line.
    pub subject: Option<String>,
    /// How it ended.
    pub outcome: RunOutcome,
    /// The process that ran it, to tell a run still going from one cut short.
    #[ts(skip)]
    #[serde(default)]
    pub pid: u32,
}

/// The runs of one project.
#[derive(Debug, Clone)]
pub struct History {
    dir: PathBuf,
}

/// A stable, file-name-safe key for the project in `folder`.
pub fn project_key(folder: &Path) -> String {
    let digest = slipway_steps::file::sha256_hex(folder.to_string_lossy().as_bytes());
    digest[..16].to_owned()
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> AppError {
    let path = path.to_owned();
    move |source| AppError::Io {
        action,
        path,
        source,
    }
}

fn now() -> (u64, u128) {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (elapsed.as_secs(), elapsed.as_millis())
}

fn process_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

impl History {
    /// The history of the project in `folder`.
    pub fn of(data: &DataDir, folder: &Path) -> Self {
        Self {
            dir: data.path().join("history").join(project_key(folder)),
        }
    }

    /// Starts recording a run; every line passes through `redactor`.
    pub fn start(&self, kind: RunKind, redactor: Redactor) -> Result<Recorder, AppError> {
        fs::create_dir_all(&self.dir).map_err(io_error("create", &self.dir))?;
        let (started, millis) = now();
        let id = format!("{millis}-{}", kind.word());
        let log_path = self.dir.join(format!("{id}.log"));
        let log = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&log_path)
            .map_err(io_error("create", &log_path))?;
        let recorder = Recorder {
            record: RunRecord {
                id,
                kind,
                started,
                millis: 0,
                commit: None,
                subject: None,
                outcome: RunOutcome::Running,
                pid: std::process::id(),
            },
            record_path: self.dir.clone(),
            log,
            log_path,
            redactor,
            clock: Instant::now(),
        };
        recorder.save()?;
        Ok(recorder)
    }

    /// Every run, newest first. A run whose process is gone without finishing is
    /// [`RunOutcome::Interrupted`].
    pub fn runs(&self) -> Result<Vec<RunRecord>, AppError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("read", &self.dir)(e)),
        };
        let mut runs = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = fs::read_to_string(&path).map_err(io_error("read", &path))?;
            // A record another version wrote, or one cut in half, is skipped, not fatal.
            let Ok(mut record) = serde_json::from_str::<RunRecord>(&text) else {
                continue;
            };
            if record.outcome == RunOutcome::Running && !process_alive(record.pid) {
                record.outcome = RunOutcome::Interrupted;
            }
            runs.push(record);
        }
        runs.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| b.id.cmp(&a.id)));
        Ok(runs)
    }

    /// The log of run `id`, in order.
    pub fn log(&self, id: &str) -> Result<Vec<News>, AppError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(AppError::NoSuchRun { id: id.to_owned() });
        }
        let path = self.dir.join(format!("{id}.log"));
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AppError::NoSuchRun { id: id.to_owned() });
            }
            Err(e) => return Err(io_error("read", &path)(e)),
        };
        let mut news = Vec::new();
        for line in BufReader::new(file).lines() {
            let line = line.map_err(io_error("read", &path))?;
            // The last line of a run cut short may be half written.
            if let Ok(item) = serde_json::from_str(&line) {
                news.push(item);
            }
        }
        Ok(news)
    }

    /// Forgets every run of the project.
    pub fn forget(&self) -> Result<(), AppError> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(io_error("delete", &self.dir)(e))
            }
            _ => Ok(()),
        }
    }
}

/// A run being recorded: [`Recorder::news`] for each line, [`Recorder::finish`] at the end.
pub struct Recorder {
    record: RunRecord,
    record_path: PathBuf,
    log: File,
    log_path: PathBuf,
    redactor: Redactor,
    clock: Instant,
}

impl Recorder {
    /// The run's record so far.
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    fn save(&self) -> Result<(), AppError> {
        let path = self.record_path.join(format!("{}.json", self.record.id));
        let staged = self
            .record_path
            .join(format!("{}.json.new", self.record.id));
        let text = serde_json::to_string_pretty(&self.record).unwrap_or_default();
        let text = self.redactor.redact(&text);
        fs::write(&staged, text.as_bytes()).map_err(io_error("write", &staged))?;
        fs::rename(&staged, &path).map_err(io_error("write", &path))
    }

    /// Appends `news` to the log. A disk that refuses the line does not stop the run.
    pub fn news(&mut self, news: &News) {
        if let News::Commit { short, subject, .. } = news {
            self.record.commit = Some(short.clone());
            self.record.subject = Some(subject.clone());
            let _ = self.save();
        }
        if let Ok(line) = serde_json::to_string(news) {
            let line = self.redactor.redact(&line);
            let _ = writeln!(self.log, "{line}");
        }
    }

    /// Records how the run ended, and returns the final record.
    pub fn finish(mut self, outcome: RunOutcome) -> Result<RunRecord, AppError> {
        self.record.outcome = outcome;
        self.record.millis = u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let RunOutcome::Live { commit, .. } = &self.record.outcome
            && self.record.commit.is_none()
        {
            self.record.commit = Some(commit.clone());
        }
        self.log
            .flush()
            .map_err(io_error("write", &self.log_path))?;
        self.save()?;
        Ok(self.record)
    }
}

#[cfg(test)]
mod tests {
    use slipway_engine::{Event, Outcome};
    use slipway_secrets::Secret;

    use super::*;

    fn step(line: &str) -> News {
        News::Step {
            event: Event::Output {
                step: "release:shop".into(),
                stream: slipway_engine::Stream::Stdout,
                line: line.into(),
            },
        }
    }

    #[test]
    fn a_run_is_listed_with_its_commit_outcome_and_whole_log() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = History::of(&DataDir::at(temp.path()), Path::new("/home/ada/shop"));
        assert!(history.runs().expect("empty").is_empty());
        let mut recorder = history
            .start(RunKind::Deploy, Redactor::default())
            .expect("starts");
        let listed = history.runs().expect("listed");
        assert_eq!(listed.len(), 1);
        assert_eq!(
            listed[0].outcome,
            RunOutcome::Running,
            "its process is alive"
        );
        recorder.news(&News::Commit {
            short: "a1b2c3d".into(),
            subject: "Add the shop".into(),
            uncommitted: 0,
        });
        for n in 0..1000 {
            recorder.news(&step(&format!("line {n}")));
        }
        recorder.news(&News::Step {
            event: Event::StepFinished {
                step: "release:shop".into(),
                outcome: Outcome::Changed,
                millis: 12,
            },
        });
        let id = recorder.record().id.clone();
        let live = Live {
            release: "20261127-101500-a1b2c3d".into(),
            commit: "a1b2c3d".into(),
            url: "https://example.com".into(),
        };
        let record = recorder
            .finish(RunOutcome::of(&Ok(Some(live.clone()))))
            .expect("finishes");
        assert_eq!(record.commit.as_deref(), Some("a1b2c3d"));
        assert_eq!(record.subject.as_deref(), Some("Add the shop"));
        let runs = history.runs().expect("listed");
        assert_eq!(runs, vec![record]);
        assert_eq!(
            runs[0].outcome,
            RunOutcome::Live {
                release: live.release,
                commit: live.commit,
                url: live.url
            }
        );
        let log = history.log(&id).expect("log");
        assert_eq!(log.len(), 1002);
        assert_eq!(log[500], step("line 499"));
    }

    #[test]
    fn a_secret_a_step_printed_never_reaches_the_disk() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = History::of(&DataDir::at(temp.path()), Path::new("/home/ada/shop"));
        let token = Secret::new("dop_v1_0123456789abcdef\"quoted\\".to_owned());
        let quoted = serde_json::to_string(token.expose()).expect("json");
        let escaped = Secret::new(quoted[1..quoted.len() - 1].to_owned());
        let mut recorder = history
            .start(RunKind::Deploy, Redactor::new([&token, &escaped]))
            .expect("starts");
        recorder.news(&step(&format!("token is {}", token.expose())));
        recorder
            .finish(RunOutcome::Failed {
                step: "server".into(),
                message: format!("refused {}", token.expose()),
            })
            .expect("finishes");
        for entry in fs::read_dir(temp.path().join("history")).expect("history") {
            for file in fs::read_dir(entry.expect("entry").path()).expect("project") {
                let text = fs::read_to_string(file.expect("file").path()).expect("read");
                assert!(!text.contains("0123456789abcdef"), "{text}");
                assert!(text.contains("<redacted>"), "{text}");
            }
        }
    }

    #[test]
    fn a_run_whose_process_is_gone_reads_as_interrupted_and_a_strange_id_is_refused() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = History::of(&DataDir::at(temp.path()), Path::new("/srv/app"));
        let recorder = history
            .start(RunKind::Rollback, Redactor::default())
            .expect("starts");
        let mut record = recorder.record().clone();
        record.pid = u32::MAX;
        fs::write(
            history.dir.join(format!("{}.json", record.id)),
            serde_json::to_string(&record).expect("json"),
        )
        .expect("write");
        assert_eq!(
            history.runs().expect("runs")[0].outcome,
            RunOutcome::Interrupted
        );
        assert!(matches!(
            history.log("../../etc/passwd"),
            Err(AppError::NoSuchRun { .. })
        ));
        assert!(matches!(
            history.log("1-deploy"),
            Err(AppError::NoSuchRun { .. })
        ));
        history.forget().expect("forgets");
        assert!(history.runs().expect("runs").is_empty());
    }
}
