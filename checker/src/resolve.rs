//! What a safety search ends with, and turning it into the outcome a user
//! sees: when the search stopped at a violation, its trace is rebuilt here
//! by replaying the spec along the path the search recorded.
//!
//! The split lets the search run somewhere else: a checker compiled for one
//! spec (`kernel.rs`) runs the search in its own process and sends back a
//! [`Search`]; the command's process resolves it with the interpreted
//! machine, so every counterexample of a compiled run is also replayed, and
//! so checked, by the interpreted engine.

use crate::canon::Engine;
use crate::eval::EvalError;
use crate::failure::Failure;
use crate::outcome::{Action, CheckError, CheckOutcome, Verdict, Violation, ViolationKind};
use crate::trace::{ReplayMode, rebuild};

/// What the search found at the state where it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The indices of the invariants the state breaks.
    Invariant(Vec<usize>),
    Deadlock,
    /// A step failed there (an assertion or a runtime error); the replay
    /// finds which.
    Step,
    /// An invariant, constraint or terminal predicate failed to evaluate.
    Predicate(EvalError),
}

/// A finding and the transition indices from the initial state to the
/// state it was found in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub kind: Finding,
    pub chain: Vec<u64>,
}

/// A search's result: the outcome with its counts and, when the search
/// stopped at a finding, the finding whose violations and trace
/// [`resolve`] fills in.
pub struct Search {
    pub outcome: CheckOutcome,
    pub pending: Option<Pending>,
}

impl From<CheckOutcome> for Search {
    fn from(outcome: CheckOutcome) -> Search {
        Search {
            outcome,
            pending: None,
        }
    }
}

/// The outcome of a search: its own when nothing is pending, otherwise
/// with the finding's violations (or error) and its rebuilt trace.
pub fn resolve(engine: &Engine<'_>, search: Search, mode: ReplayMode) -> CheckOutcome {
    let Search {
        mut outcome,
        pending,
    } = search;
    let Some(Pending { kind, chain }) = pending else {
        return outcome;
    };
    let step_failed = kind == Finding::Step;
    let replayed = match rebuild(engine, &chain, step_failed, mode) {
        Ok(r) => r,
        Err(message) => {
            outcome.result = Verdict::Error;
            outcome.violations = Vec::new();
            outcome.error = Some(CheckError {
                message: format!("internal error: {message}"),
                span: spec_lang::Span::DETACHED,
                trace: None,
            });
            return outcome;
        }
    };
    let trace = replayed.trace;
    let spec = engine.model.spec;
    let violation = |property: String, kind, span, message, trace| Violation {
        property,
        kind,
        span,
        message,
        trace,
    };
    let error = |e: EvalError, trace| CheckError {
        message: e.message,
        span: e.span,
        trace: Some(trace),
    };
    let (violations, error) = match kind {
        Finding::Invariant(invs) => (
            invs.iter()
                .filter_map(|&n| spec.invariants.get(n))
                .map(|inv| {
                    violation(
                        inv.name.clone(),
                        ViolationKind::Invariant,
                        inv.span,
                        None,
                        trace.clone(),
                    )
                })
                .collect(),
            None,
        ),
        Finding::Deadlock => (
            vec![violation(
                "deadlock".into(),
                ViolationKind::Deadlock,
                spec_lang::Span::DETACHED,
                None,
                trace,
            )],
            None,
        ),
        Finding::Predicate(e) => (Vec::new(), Some(error(e, trace))),
        Finding::Step => match replayed.failure.map(|f| *f) {
            None => (
                Vec::new(),
                Some(CheckError {
                    message: "internal error: a failing step was not found".into(),
                    span: spec_lang::Span::DETACHED,
                    trace: None,
                }),
            ),
            Some(found) => match found.failure {
                Failure::Assertion { message, span } => {
                    let property = match &found.action {
                        Action::Step { step, .. } => spec
                            .steps
                            .get(step.index())
                            .map_or_else(|| "assertion".into(), |s| s.name.clone()),
                        _ => "assertion".into(),
                    };
                    (
                        vec![violation(
                            property,
                            ViolationKind::Assertion,
                            span,
                            message,
                            trace,
                        )],
                        None,
                    )
                }
                Failure::Error(e) => (Vec::new(), Some(error(e, trace))),
            },
        },
    };
    outcome.result = if error.is_some() {
        Verdict::Error
    } else {
        Verdict::Violation
    };
    outcome.violations = violations;
    outcome.error = error;
    outcome
}
