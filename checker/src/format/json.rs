//! The machine-readable summary of an outcome (`--format json`).

use serde::Serialize;
use spec_lang::ir::{Span, Spec};

use super::{Row, rows};
use crate::outcome::{CheckOutcome, IncompleteReason, Trace, Verdict};

#[derive(Serialize)]
struct Summary {
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    incomplete_reason: Option<Reason>,
    /// Not counted by a simulation.
    #[serde(skip_serializing_if = "Option::is_none")]
    distinct_states: Option<u64>,
    generated_states: u64,
    depth: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<u64>,
    workers: usize,
    elapsed_ms: u64,
    states_per_sec: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_memory_bytes: Option<u64>,
    /// The liveness search's graph (states, edges, bytes of its arrays),
    /// when it ran to the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    liveness_graph: Option<crate::outcome::LivenessStats>,
    /// Under symmetry reduction, the states the distinct states stand for
    /// (what a search without reduction finds to the same depth).
    #[serde(skip_serializing_if = "Option::is_none")]
    symmetry: Option<crate::outcome::SymmetryStats>,
    /// What partial-order reduction did, when it was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_order: Option<crate::outcome::PorStats>,
    /// The walks of a simulation.
    #[serde(skip_serializing_if = "Option::is_none")]
    simulation: Option<crate::simulate::SimulationStats>,
    /// What the search ran: transitions per step and fault, `if` branches.
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<super::coverage::JsonCoverage>,
    violations: Vec<JsonViolation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError>,
}

#[derive(Serialize)]
struct Reason {
    bound: &'static str,
    limit: u64,
}

#[derive(Serialize)]
pub(super) struct JsonSpan {
    pub(super) start: u32,
    pub(super) end: u32,
}

#[derive(Serialize)]
struct JsonViolation {
    property: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<JsonSpan>,
    trace: Vec<JsonStep>,
    /// For a lasso, the step the behaviour loops back to.
    #[serde(rename = "loop", skip_serializing_if = "Option::is_none")]
    loop_at: Option<usize>,
}

#[derive(Serialize)]
struct JsonError {
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<JsonSpan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<Vec<JsonStep>>,
}

#[derive(Serialize)]
struct JsonStep {
    step: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    instance: String,
    action: String,
    fault: bool,
    failed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    received: Option<String>,
    sent: Vec<String>,
    /// Variable display names to their new values.
    changes: std::collections::BTreeMap<String, String>,
}

/// The summary: `result` (ok | violation | error | incomplete), the counts,
/// `workers`, `elapsed_ms`, the `coverage` (transitions per step and fault,
/// runs of every `if` branch), a simulation's figures under `simulation`,
/// and each violation's property, kind and trace (values shown as the spec
/// language writes them; `--trace-out` gives the ITF form).
pub fn json_summary(spec: &Spec, outcome: &CheckOutcome) -> serde_json::Value {
    let s = &outcome.stats;
    let (result, incomplete_reason) = match &outcome.result {
        Verdict::Ok => ("ok", None),
        Verdict::Violation => ("violation", None),
        Verdict::Error => ("error", None),
        Verdict::Incomplete { reason } => (
            "incomplete",
            Some(match reason {
                IncompleteReason::MaxStates(n) => Reason {
                    bound: "max_states",
                    limit: *n,
                },
                IncompleteReason::MaxDepth(n) => Reason {
                    bound: "max_depth",
                    limit: u64::from(*n),
                },
                IncompleteReason::MemoryLimit(n) => Reason {
                    bound: "memory_limit",
                    limit: *n,
                },
            }),
        ),
    };
    let summary = Summary {
        result,
        incomplete_reason,
        distinct_states: s.simulation.is_none().then_some(s.distinct),
        generated_states: s.generated,
        depth: s.depth,
        queue: s.simulation.is_none().then_some(s.queue),
        workers: s.workers,
        elapsed_ms: u64::try_from(s.elapsed.as_millis()).unwrap_or(u64::MAX),
        states_per_sec: (s.states_per_sec * 10.0).round() / 10.0,
        peak_memory_bytes: s.simulation.is_none().then_some(s.peak_memory),
        liveness_graph: s.liveness,
        symmetry: s.symmetry,
        partial_order: s.por.clone(),
        simulation: s.simulation.clone(),
        coverage: super::coverage::json_coverage(spec, outcome),
        violations: outcome
            .violations
            .iter()
            .map(|v| JsonViolation {
                property: v.property.clone(),
                kind: v.kind.as_str(),
                message: v.message.clone(),
                span: span(v.span),
                trace: steps(spec, &v.trace),
                loop_at: v.trace.loop_at,
            })
            .collect(),
        error: outcome.error.as_ref().map(|e| JsonError {
            message: e.message.clone(),
            span: span(e.span),
            trace: e.trace.as_ref().map(|t| steps(spec, t)),
        }),
    };
    // Serialising plain structs of strings and numbers cannot fail; a
    // non-finite float becomes null.
    serde_json::to_value(summary).unwrap_or(serde_json::Value::Null)
}

fn span(s: Span) -> Option<JsonSpan> {
    (!s.is_detached()).then_some(JsonSpan {
        start: s.start,
        end: s.end,
    })
}

fn steps(spec: &Spec, trace: &Trace) -> Vec<JsonStep> {
    rows(spec, trace).into_iter().map(step).collect()
}

fn step(r: Row) -> JsonStep {
    JsonStep {
        step: r.step,
        instance: r.instance,
        action: r.action,
        fault: r.fault,
        failed: r.failed,
        received: r.received,
        sent: r.sent,
        changes: r.changes.into_iter().collect(),
    }
}
