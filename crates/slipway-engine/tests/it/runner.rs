//! The runner with steps over real files: preview, apply, idempotency, failures, cancel.

use std::path::{Path, PathBuf};
use std::time::Duration;

use slipway_engine::{
    Action, Answer, Cancel, Cmd, Diff, Event, Facts, Outcome, Planned, Probe, RunError, Runner,
    Step, StepPlan,
};

use crate::local::LocalShell;

/// A file with exact contents: the shape of every template step.
struct FileStep {
    path: PathBuf,
    contents: String,
}

impl Step for FileStep {
    fn id(&self) -> String {
        format!("file:{}", self.path.display())
    }
    fn describe(&self) -> String {
        format!("{} has the expected contents", self.path.display())
    }
    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.id(),
            Cmd::new("cat").arg(self.path.display().to_string()),
        )]
    }
    fn plan(&self, facts: &Facts) -> StepPlan {
        match facts.get(&self.id()) {
            Some(Answer { status: 0, stdout }) if *stdout == self.contents => StepPlan::Satisfied {
                evidence: "contents match".into(),
            },
            answer => StepPlan::Change {
                actions: vec![Action::WriteFile {
                    path: self.path.display().to_string(),
                    contents: self.contents.clone().into_bytes(),
                    mode: 0o644,
                    owner: None,
                    validate: None,
                }],
                diff: Diff::new(
                    answer.map(|a| a.stdout.clone()).unwrap_or_default(),
                    self.contents.clone(),
                ),
            },
        }
    }
}

/// A step whose action never makes it true.
struct Stubborn;

impl Step for Stubborn {
    fn id(&self) -> String {
        "stubborn".into()
    }
    fn describe(&self) -> String {
        "never satisfied".into()
    }
    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new("stubborn", Cmd::new("false"))]
    }
    fn plan(&self, _: &Facts) -> StepPlan {
        StepPlan::Change {
            actions: vec![Action::Run(Cmd::new("true"))],
            diff: Diff::default(),
        }
    }
}

/// A step that runs one command whenever its marker file is missing.
struct RunOnce {
    marker: PathBuf,
    cmd: Cmd,
}

impl Step for RunOnce {
    fn id(&self) -> String {
        format!("run:{}", self.marker.display())
    }
    fn describe(&self) -> String {
        "runs once".into()
    }
    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.id(),
            Cmd::new("test").args(["-e", &self.marker.display().to_string()]),
        )]
    }
    fn plan(&self, facts: &Facts) -> StepPlan {
        if facts.get(&self.id()).is_some_and(Answer::ok) {
            StepPlan::Satisfied {
                evidence: "marker exists".into(),
            }
        } else {
            let touch = Cmd::new("touch").arg(self.marker.display().to_string());
            StepPlan::Change {
                actions: vec![Action::Run(self.cmd.clone().and(touch))],
                diff: Diff::default(),
            }
        }
    }
}

fn file(dir: &Path, name: &str, contents: &str) -> FileStep {
    FileStep {
        path: dir.join(name),
        contents: contents.into(),
    }
}

fn apply(
    remote: &mut LocalShell,
    steps: &[&dyn Step],
    cancel: Cancel,
) -> (Result<(), RunError>, Vec<Event>, usize) {
    let mut events = Vec::new();
    let mut runner = Runner::new(remote, "t3st", cancel);
    runner.action_timeout = Duration::from_millis(500);
    let result = runner.apply(steps, &mut |event| events.push(event));
    (result, events, runner.round_trips)
}

#[test]
fn preview_changes_nothing_apply_converges_and_a_second_run_is_one_round_trip() {
    let dir = tempfile::tempdir().expect("dir");
    let a = file(dir.path(), "a.conf", "alpha\n");
    let b = file(dir.path(), "b.conf", "beta\n");
    std::fs::write(dir.path().join("b.conf"), "beta\n").expect("b exists");
    let steps: [&dyn Step; 2] = [&a, &b];
    let mut remote = LocalShell::default();

    let plans = Runner::new(&mut remote, "p1", Cancel::default())
        .preview(&steps)
        .expect("preview");
    assert!(matches!(plans[0].1, StepPlan::Change { .. }));
    assert!(matches!(plans[1].1, StepPlan::Satisfied { .. }));
    assert!(
        !dir.path().join("a.conf").exists(),
        "a preview must not write"
    );
    assert_eq!(remote.runs, 1, "a preview is one round trip");

    let (result, events, round_trips) = apply(&mut remote, &steps, Cancel::default());
    result.expect("applies");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.conf")).expect("written"),
        "alpha\n"
    );
    assert_eq!(
        round_trips, 2,
        "the facts, then the write carrying the fresh answers back with it"
    );
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            Event::StepPlanned {
                step,
                plan: Planned::Change { .. },
                ..
            } => format!("plan change {step}"),
            Event::StepPlanned { step, .. } => format!("plan {step}"),
            Event::ActionStarted { action, .. } => {
                format!("action {}", action.split(' ').next().unwrap_or(""))
            }
            Event::Output { .. } => "output".into(),
            Event::Waiting { message, .. } => format!("waiting {message}"),
            Event::Warning { message, .. } => format!("warning {message}"),
            Event::StepFinished { step, outcome, .. } => format!("finished {step} {outcome:?}"),
            Event::Finished {
                changed,
                unchanged,
                ok,
                ..
            } => format!("done {changed}/{unchanged}/{ok}"),
        })
        .collect();
    let a_id = a.id();
    let b_id = b.id();
    assert_eq!(
        kinds,
        [
            format!("plan change {a_id}"),
            "action write".to_owned(),
            format!("finished {a_id} Changed"),
            format!("plan {b_id}"),
            format!("finished {b_id} Unchanged"),
            "done 1/1/true".to_owned(),
        ]
    );

    let (result, events, round_trips) = apply(&mut remote, &steps, Cancel::default());
    result.expect("second run");
    assert_eq!(round_trips, 1, "a run with nothing to do is one round trip");
    assert!(events.contains(&Event::Finished {
        changed: 0,
        unchanged: 2,
        ok: true,
        millis: match events.last() {
            Some(Event::Finished { millis, .. }) => *millis,
            _ => 0,
        }
    }));
}

#[test]
fn a_step_that_does_not_converge_fails_the_run() {
    let mut remote = LocalShell::default();
    let (result, events, _) = apply(&mut remote, &[&Stubborn], Cancel::default());
    let error = result.expect_err("never converges");
    assert_eq!(
        error.to_string(),
        "stubborn: still not in place after its actions ran (true)"
    );
    assert!(matches!(
        events.last(),
        Some(Event::Finished { ok: false, .. })
    ));
}

#[test]
fn a_failing_action_stops_the_run_and_reports_its_stderr() {
    let dir = tempfile::tempdir().expect("dir");
    let failing = RunOnce {
        marker: dir.path().join("never"),
        cmd: Cmd::new("sh").args(["-c", "echo 'disk full' >&2; exit 3"]),
    };
    let later = file(dir.path(), "later.conf", "x\n");
    let mut remote = LocalShell::default();
    let (result, events, _) = apply(&mut remote, &[&failing, &later], Cancel::default());
    match result.expect_err("fails") {
        RunError::ActionFailed { status, stderr, .. } => {
            assert_eq!(status, 3);
            assert_eq!(stderr, "disk full");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(
        !dir.path().join("later.conf").exists(),
        "later steps must not run"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Output { line, .. } if line == "disk full"))
    );
    assert!(events.iter().any(|e| matches!(
        e,
        Event::StepFinished {
            outcome: Outcome::Failed { .. },
            ..
        }
    )));
}

#[test]
fn cancelling_stops_before_the_next_action() {
    let dir = tempfile::tempdir().expect("dir");
    let first = file(dir.path(), "first", "1\n");
    let second = file(dir.path(), "second", "2\n");
    let cancel = Cancel::default();
    let mut remote = LocalShell::default();
    let mut runner = Runner::new(&mut remote, "c1", cancel.clone());
    let result = runner.apply(&[&first, &second], &mut |event| {
        if matches!(event, Event::StepFinished { .. }) {
            cancel.cancel();
        }
    });
    assert!(
        matches!(result, Err(RunError::Cancelled { ref step }) if *step == second.id()),
        "{result:?}"
    );
    assert!(dir.path().join("first").exists());
    assert!(!dir.path().join("second").exists());
}

#[test]
fn an_action_that_runs_too_long_is_stopped() {
    let dir = tempfile::tempdir().expect("dir");
    let slow = RunOnce {
        marker: dir.path().join("m"),
        cmd: Cmd::new("sleep").arg("5"),
    };
    let mut remote = LocalShell::default();
    let (result, _, _) = apply(&mut remote, &[&slow], Cancel::default());
    let error = result.expect_err("timeout");
    assert_eq!(
        error.to_string(),
        format!("{}: still running after 0 s; stopped", slow.id())
    );
}

#[test]
fn hostile_paths_and_contents_cannot_run_anything() {
    let dir = tempfile::tempdir().expect("dir");
    let canary = dir.path().join("canary");
    // Scripts run in `dir`, so a relative `touch canary` would land beside the file.
    let evil_name = "x$(touch canary)`touch canary`;touch canary'\"";
    let step = file(dir.path(), evil_name, "$(touch canary)\n`touch canary`\n");
    let mut remote = LocalShell {
        cwd: Some(dir.path().to_owned()),
        ..LocalShell::default()
    };
    let (result, _, _) = apply(&mut remote, &[&step], Cancel::default());
    result.expect("applies");
    assert!(!canary.exists(), "a value was executed");
    let written = std::fs::read_to_string(dir.path().join(evil_name))
        .expect("written under its literal name");
    assert!(written.starts_with("$(touch "));
}
