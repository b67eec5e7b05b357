//! Progress of a run, as the CLI prints it and the desktop app streams it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::remote::Stream;
use crate::step::Diff;

/// What a step's plan is, without its actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Planned {
    /// Nothing to do.
    Satisfied {
        /// Why.
        evidence: String,
    },
    /// These actions will run.
    Change {
        /// One line per action.
        actions: Vec<String>,
        /// What changes.
        diff: Diff,
    },
    /// Waits for an earlier step.
    Deferred {
        /// What it waits for.
        reason: String,
    },
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// It changed the server.
    Changed,
    /// It was already satisfied.
    Unchanged,
    /// It failed; the run stops here.
    Failed {
        /// Why, in a sentence.
        message: String,
    },
}

/// One moment in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A step was planned against fresh facts.
    StepPlanned {
        /// The step's id.
        step: String,
        /// What it says it will make true.
        description: String,
        /// Its plan.
        plan: Planned,
    },
    /// An action began.
    ActionStarted {
        /// The step's id.
        step: String,
        /// What the action does.
        action: String,
    },
    /// A line the action printed.
    Output {
        /// The step's id.
        step: String,
        /// Which stream.
        stream: Stream,
        /// The line, without its newline.
        line: String,
    },
    /// A step ended.
    StepFinished {
        /// The step's id.
        step: String,
        /// How.
        outcome: Outcome,
        /// How long it took, in milliseconds.
        millis: u64,
    },
    /// A step is waiting for something outside the server, such as DNS; repeated with
    /// fresh news while it waits.
    Waiting {
        /// The step's id.
        step: String,
        /// What it waits for, and what it sees now.
        message: String,
    },
    /// Something the user should know; the run goes on.
    Warning {
        /// The step's id.
        step: String,
        /// What happened, and what to do about it.
        message: String,
    },
    /// The run ended.
    Finished {
        /// Steps that changed the server.
        changed: usize,
        /// Steps that were already satisfied.
        unchanged: usize,
        /// Whether every step succeeded.
        ok: bool,
        /// How long the run took, in milliseconds.
        millis: u64,
    },
}
