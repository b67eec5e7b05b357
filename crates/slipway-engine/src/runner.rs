//! The runner: the only place with effects.
//!
//! A preview plans every step against today's facts, gathered in one round trip. An
//! apply gathers the same facts, then walks the steps in order. A step's actions run one
//! by one with a timeout each and a cancellation check between them; its probes and those
//! of every later step are asked again right after the last action, in the same remote
//! execution. The step must now plan
//! `Satisfied`, or the run fails (a built-in check that every step converges), and the
//! steps after it plan from facts that include its change.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::event::{Event, Outcome, Planned};
use crate::probe::{Facts, Probe, ProbeError, batch_script, parse_batch};
use crate::remote::{Remote, RemoteError};
use crate::step::{Step, StepPlan};

/// A flag the user's Cancel button (or Ctrl-C) sets; checked between actions.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Asks the run to stop before its next action.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The server could not be asked or told something.
    #[error("{step}: {source}")]
    Remote {
        /// The step (or `probe`) at the time.
        step: String,
        /// What failed.
        source: RemoteError,
    },
    /// Probing went wrong.
    #[error("{step}: {source}")]
    Probe {
        /// The step (or `probe`) at the time.
        step: String,
        /// What failed.
        source: ProbeError,
    },
    /// An action exited non-zero.
    #[error("{step}: `{action}` failed with exit status {status}: {stderr}")]
    ActionFailed {
        /// The step.
        step: String,
        /// The action.
        action: String,
        /// Its exit status.
        status: i32,
        /// The end of what it said about the failure: its standard error, or its
        /// standard output when it wrote nothing to standard error (as `certbot` does).
        stderr: String,
    },
    /// After its actions, the step still did not plan `Satisfied`.
    #[error("{step}: still not in place after its actions ran ({remaining})")]
    NotConverged {
        /// The step.
        step: String,
        /// What it would still do.
        remaining: String,
    },
    /// A step could not be planned even with fresh facts.
    #[error("{step}: cannot be planned: {reason}")]
    Deferred {
        /// The step.
        step: String,
        /// Why.
        reason: String,
    },
    /// The user cancelled; the step named had not started.
    #[error("cancelled before {step}")]
    Cancelled {
        /// The next step that would have run.
        step: String,
    },
}

/// Steps counted so far in a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Steps that changed the server.
    pub changed: usize,
    /// Steps that were already satisfied.
    pub unchanged: usize,
}

/// Runs steps against one remote.
pub struct Runner<'r, R: Remote> {
    remote: &'r mut R,
    nonce: String,
    cancel: Cancel,
    /// How long one action may run.
    pub action_timeout: Duration,
    /// How long one batch of probes may run.
    pub probe_timeout: Duration,
    /// Remote executions so far (probe batches and actions).
    pub round_trips: usize,
}

impl<'r, R: Remote> Runner<'r, R> {
    /// A runner over `remote`. `nonce` must be fresh for each run (it guards probe
    /// markers); `cancel` stops the run between actions.
    pub fn new(remote: &'r mut R, nonce: impl Into<String>, cancel: Cancel) -> Self {
        Self {
            remote,
            nonce: nonce.into(),
            cancel,
            action_timeout: Duration::from_mins(10),
            probe_timeout: Duration::from_mins(1),
            round_trips: 0,
        }
    }

    /// Answers every probe of `steps` in one round trip.
    pub fn gather(&mut self, steps: &[&dyn Step]) -> Result<Facts, RunError> {
        let probes = steps.iter().flat_map(|step| step.probes()).collect();
        self.ask(probes)
    }

    /// Answers `probes` (without repeats) in one round trip.
    pub fn ask(&mut self, asked: Vec<Probe>) -> Result<Facts, RunError> {
        let probes = unique(asked);
        if probes.is_empty() {
            return Ok(Facts::default());
        }
        let fail = |source| RunError::Probe {
            step: "probe".into(),
            source,
        };
        let script = batch_script(&probes, &self.nonce).map_err(fail)?;
        self.round_trips += 1;
        let exit = self
            .remote
            .run(&script, None, self.probe_timeout, &mut |_, _| {})
            .map_err(|source| RunError::Remote {
                step: "probe".into(),
                source,
            })?;
        parse_batch(&exit.stdout, &probes, &self.nonce).map_err(fail)
    }

    /// Every step's plan against today's facts; nothing is changed. Steps that plan a
    /// change ask their diff questions in one more round trip.
    pub fn preview(&mut self, steps: &[&dyn Step]) -> Result<Vec<(String, StepPlan)>, RunError> {
        let mut facts = self.gather(steps)?;
        let changing = steps
            .iter()
            .filter(|step| matches!(step.plan(&facts), StepPlan::Change { .. }))
            .flat_map(|step| step.diff_probes())
            .collect::<Vec<_>>();
        if !changing.is_empty() {
            facts.update(self.ask(changing)?);
        }
        Ok(steps
            .iter()
            .map(|step| (step.id(), step.plan(&facts)))
            .collect())
    }

    /// Makes every step true, in order, reporting progress to `on_event`, and ends with
    /// [`Event::Finished`].
    pub fn apply(
        &mut self,
        steps: &[&dyn Step],
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(), RunError> {
        let started = Instant::now();
        let mut tally = Tally::default();
        let result = self.apply_part(steps, &mut tally, on_event);
        on_event(Event::Finished {
            changed: tally.changed,
            unchanged: tally.unchanged,
            ok: result.is_ok(),
            millis: millis(started),
        });
        result
    }

    /// Makes every step true, in order, counting into `tally`: one part of a run that
    /// pauses between parts (to log in as another user, or to wait for DNS). The caller
    /// sends [`Event::Finished`] at the end.
    pub fn apply_part(
        &mut self,
        steps: &[&dyn Step],
        tally: &mut Tally,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(), RunError> {
        if steps.is_empty() {
            return Ok(());
        }
        let mut facts = self.gather(steps)?;
        for (i, step) in steps.iter().enumerate() {
            if self.apply_step(*step, &steps[i + 1..], &mut facts, on_event)? {
                tally.changed += 1;
            } else {
                tally.unchanged += 1;
            }
        }
        Ok(())
    }

    /// Runs one step; `Ok(true)` when it changed the server. After a change, the step's
    /// own probes and those of every later step (`rest`) are asked again together, so
    /// the steps that follow start from fresh facts without a round trip each.
    fn apply_step(
        &mut self,
        step: &dyn Step,
        rest: &[&dyn Step],
        facts: &mut Facts,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<bool, RunError> {
        let id = step.id();
        if self.cancel.is_cancelled() {
            return Err(RunError::Cancelled { step: id });
        }
        let started = Instant::now();
        let mut plan = step.plan(facts);
        let diff_probes = step.diff_probes();
        if matches!(plan, StepPlan::Change { .. }) && !diff_probes.is_empty() {
            facts.update(self.ask(diff_probes)?);
            plan = step.plan(facts);
        }
        on_event(Event::StepPlanned {
            step: id.clone(),
            description: step.describe(),
            plan: summarise(&plan),
        });
        let fail = |on_event: &mut dyn FnMut(Event), error: RunError| {
            on_event(Event::StepFinished {
                step: id.clone(),
                outcome: Outcome::Failed {
                    message: error.to_string(),
                },
                millis: millis(started),
            });
            Err(error)
        };
        let actions = match plan {
            StepPlan::Satisfied { .. } => {
                on_event(Event::StepFinished {
                    step: id.clone(),
                    outcome: Outcome::Unchanged,
                    millis: millis(started),
                });
                return Ok(false);
            }
            StepPlan::Deferred { reason } => {
                return fail(
                    on_event,
                    RunError::Deferred {
                        step: id.clone(),
                        reason,
                    },
                );
            }
            StepPlan::Change { actions, .. } => actions,
        };
        let mut again = step.probes();
        again.extend(rest.iter().flat_map(|later| later.probes()));
        match self.run_actions(&id, &actions, unique(again), on_event) {
            Ok(fresh) => facts.update(fresh),
            Err(error) => return fail(on_event, error),
        }
        match step.plan(facts) {
            StepPlan::Satisfied { .. } => {
                on_event(Event::StepFinished {
                    step: id,
                    outcome: Outcome::Changed,
                    millis: millis(started),
                });
                Ok(true)
            }
            other => {
                let remaining = match summarise(&other) {
                    Planned::Change { actions, .. } => actions.join("; "),
                    Planned::Deferred { reason } => reason,
                    Planned::Satisfied { evidence } => evidence,
                };
                fail(
                    on_event,
                    RunError::NotConverged {
                        step: id.clone(),
                        remaining,
                    },
                )
            }
        }
    }
}

impl<R: Remote> Runner<'_, R> {
    /// Runs a step's actions in order, streaming their output, checking for
    /// cancellation before each, and answers `refresh` afterwards. The answers travel
    /// with the last action, in the same remote execution: a step that changes something
    /// costs one round trip per action and no more.
    fn run_actions(
        &mut self,
        id: &str,
        actions: &[crate::step::Action],
        refresh: Vec<Probe>,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Facts, RunError> {
        let quote_error = |e| RunError::Probe {
            step: id.to_owned(),
            source: ProbeError::Quote(e),
        };
        let probes_script =
            batch_script(&refresh, &self.nonce).map_err(|source| RunError::Probe {
                step: id.to_owned(),
                source,
            })?;
        let answers_follow = format!("SLIPWAY-{}-ANSWERS", self.nonce);
        for (index, action) in actions.iter().enumerate() {
            if self.cancel.is_cancelled() {
                return Err(RunError::Cancelled {
                    step: id.to_owned(),
                });
            }
            let description = action.describe();
            on_event(Event::ActionStarted {
                step: id.to_owned(),
                action: description.clone(),
            });
            let (script, stdin) = action.to_script().map_err(quote_error)?;
            let last = index + 1 == actions.len();
            let script = if last {
                format!(
                    "( {script}\n)\nslipway_status=$?\n\
                     if [ \"$slipway_status\" -eq 0 ]; then\nprintf '%s\\n' {answers_follow}\n{probes_script}fi\n\
                     exit \"$slipway_status\"\n"
                )
            } else {
                script
            };
            self.round_trips += 1;
            let mut answering = false;
            let exit = self
                .remote
                .run(&script, stdin, self.action_timeout, &mut |stream, line| {
                    if stream == crate::remote::Stream::Stdout && line == answers_follow {
                        answering = true;
                    }
                    if !answering {
                        on_event(Event::Output {
                            step: id.to_owned(),
                            stream,
                            line: line.to_owned(),
                        });
                    }
                })
                .map_err(|source| RunError::Remote {
                    step: id.to_owned(),
                    source,
                })?;
            if exit.status != 0 {
                return Err(RunError::ActionFailed {
                    step: id.to_owned(),
                    action: description,
                    status: exit.status,
                    stderr: tail(failure_text(&exit.stderr, &exit.stdout)),
                });
            }
            if last {
                let answers = exit
                    .stdout
                    .split_once(&format!("{answers_follow}\n"))
                    .map_or("", |(_, answers)| answers);
                return parse_batch(answers, &refresh, &self.nonce).map_err(|source| {
                    RunError::Probe {
                        step: id.to_owned(),
                        source,
                    }
                });
            }
        }
        // A change without actions: ask on its own.
        self.ask(refresh)
    }
}

/// `probes` without repeated keys, in order.
fn unique(probes: Vec<Probe>) -> Vec<Probe> {
    let mut kept: Vec<Probe> = Vec::new();
    for probe in probes {
        if !kept.iter().any(|p| p.key == probe.key) {
            kept.push(probe);
        }
    }
    kept
}

/// A plan without its action data.
pub fn summarise(plan: &StepPlan) -> Planned {
    match plan {
        StepPlan::Satisfied { evidence } => Planned::Satisfied {
            evidence: evidence.clone(),
        },
        StepPlan::Change { actions, diff } => Planned::Change {
            actions: actions.iter().map(crate::step::Action::describe).collect(),
            diff: diff.clone(),
        },
        StepPlan::Deferred { reason } => Planned::Deferred {
            reason: reason.clone(),
        },
    }
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// How many of a failed action's last lines of standard error its error keeps: enough
/// for a Python traceback's end or the app's last log lines.
const TAIL_LINES: usize = 15;

/// The first line of standard error (usually what went wrong, in a sentence) and its
/// last lines (usually why).
/// What a failed command said: standard error, or standard output when standard error
/// is empty.
fn failure_text<'a>(stderr: &'a str, stdout: &'a str) -> &'a str {
    if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.len() <= TAIL_LINES + 1 {
        return lines.join("\n");
    }
    let last = &lines[lines.len() - TAIL_LINES..];
    format!("{}\n…\n{}", lines[0], last.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_that_explains_itself_on_standard_output_is_heard() {
        assert_eq!(
            failure_text("", "Some challenges have failed.\n"),
            "Some challenges have failed.\n"
        );
        assert_eq!(failure_text("  \n", "out"), "out");
        assert_eq!(failure_text("denied\n", "progress"), "denied\n");
    }

    #[test]
    fn a_long_error_keeps_its_first_line_and_its_end() {
        let short = "one\ntwo\n";
        assert_eq!(tail(short), "one\ntwo");
        let long = (1..=40)
            .map(|n| format!("line {n}"))
            .collect::<Vec<_>>()
            .join("\n");
        let kept = tail(&long);
        assert!(kept.starts_with("line 1\n…\nline 26\n"), "{kept}");
        assert!(kept.ends_with("line 40"), "{kept}");
        assert_eq!(kept.lines().count(), TAIL_LINES + 2);
    }
}
