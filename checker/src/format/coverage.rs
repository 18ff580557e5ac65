//! Coverage as a user sees it: a table of the transitions each step and
//! each declared fault produced and of the `if` branches that never ran,
//! the JSON form of the same, and a warning for every step that can never
//! fire.

use serde::Serialize;
use spec_lang::Diagnostic;
use spec_lang::ir::{CrashKind, Span, Spec, StepId};

use super::text::Locate;
use crate::coverage::Coverage;
use crate::outcome::{CheckOutcome, Verdict};

/// `Role.step`.
fn step_name(spec: &Spec, id: StepId) -> String {
    match spec.steps.get(id.index()) {
        Some(s) => match spec.roles.get(s.role.index()) {
            Some(r) => format!("{}.{}", r.name, s.name),
            None => s.name.clone(),
        },
        None => format!("step {}", id.0),
    }
}

/// The faults the spec declares, with the transitions each produced.
fn declared_faults(spec: &Spec, c: &Coverage) -> Vec<(&'static str, u64)> {
    let f = &c.faults;
    let net = &spec.network;
    let mut out = Vec::new();
    if net.loss.is_some() {
        out.push(("lose", f.lose));
    }
    if net.duplication.is_some() && net.kind != spec_lang::ir::NetworkKind::Set {
        out.push(("duplicate", f.duplicate));
    }
    if net.partition.is_some() {
        out.push(("partition", f.partition));
        out.push(("heal", f.heal));
    }
    if !spec.crashes.is_empty() {
        out.push(("crash", f.crash));
    }
    if spec.crashes.iter().any(|c| c.kind == CrashKind::Recover) {
        out.push(("recover", f.recover));
    }
    out
}

/// Whether the outcome's coverage is of an exhaustive search of every
/// reachable state (within the constraints), so that a count of zero means
/// "can never happen".
fn is_exhaustive(outcome: &CheckOutcome) -> bool {
    outcome.result == Verdict::Ok && outcome.stats.simulation.is_none()
}

/// The coverage table; empty when the outcome has no coverage.
pub fn text_coverage(spec: &Spec, outcome: &CheckOutcome, locate: Locate<'_>) -> String {
    let Some(c) = &outcome.stats.coverage else {
        return String::new();
    };
    let (what, never) = if outcome.stats.simulation.is_some() {
        ("transitions taken by the walks", "never taken")
    } else if is_exhaustive(outcome) {
        ("transitions generated", "never fires")
    } else {
        (
            "transitions generated before the search stopped",
            "not taken yet",
        )
    };
    let mut rows: Vec<(String, u64)> = c
        .steps
        .iter()
        .enumerate()
        .map(|(n, t)| (step_name(spec, StepId(n as u32)), *t))
        .collect();
    rows.extend(
        declared_faults(spec, c)
            .into_iter()
            .map(|(name, t)| (format!("[fault] {name}"), t)),
    );
    let numbers: Vec<String> = rows.iter().map(|(_, t)| t.to_string()).collect();
    let name_w = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .chain(["step".len()])
        .max()
        .unwrap_or(0);
    let num_w = numbers
        .iter()
        .map(String::len)
        .chain(["transitions".len()])
        .max()
        .unwrap_or(0);
    let mut out = format!("Coverage ({what}):\n\n");
    out.push_str(&format!("{:<name_w$}  {:>num_w$}\n", "step", "transitions"));
    for ((name, t), number) in rows.iter().zip(&numbers) {
        let line = format!(
            "{name:<name_w$}  {number:>num_w$}  {}",
            if *t == 0 { never } else { "" }
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let idle: Vec<String> = c
        .branches
        .iter()
        .flat_map(|b| {
            let at = locate(b.span).unwrap_or_else(|| format!("bytes {}", b.span.start));
            let step = step_name(spec, b.step);
            let mut lines = Vec::new();
            if b.then == 0 {
                lines.push(format!("{at}  {step}: the `if` branch never ran"));
            }
            if b.otherwise == 0 {
                let which = if b.has_else {
                    "the `else` branch never ran"
                } else {
                    "the condition never was false (no `else`)"
                };
                lines.push(format!("{at}  {step}: {which}"));
            }
            lines
        })
        .collect();
    out.push('\n');
    if c.branches.is_empty() {
        out.push_str("No step has an `if`.\n");
    } else if idle.is_empty() {
        out.push_str(&match c.branches.len() {
            1 => "Both branches of the one `if` statement ran.\n".to_string(),
            n => format!("Every branch of the {n} `if` statements ran.\n"),
        });
    } else {
        out.push_str(&format!(
            "Branches that never ran ({} of the {} `if` statements):\n\n",
            c.branches
                .iter()
                .filter(|b| b.then == 0 || b.otherwise == 0)
                .count(),
            c.branches.len()
        ));
        for line in idle {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// A warning for every step that produced no transition in a search that
/// explored every reachable state: it can never fire, which usually means
/// a wrong guard, a message nobody sends, or bounds too small. None for a
/// search that stopped early or a simulation, where a zero proves nothing.
pub fn coverage_warnings(spec: &Spec, outcome: &CheckOutcome) -> Vec<Diagnostic> {
    let Some(c) = outcome
        .stats
        .coverage
        .as_ref()
        .filter(|_| is_exhaustive(outcome))
    else {
        return Vec::new();
    };
    let within = if spec.constraints.is_empty() {
        "no reachable state enables it"
    } else {
        "no reachable state within the constraints enables it"
    };
    c.steps
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == 0)
        .filter_map(|(n, _)| {
            let step = spec.steps.get(n)?;
            Some(
                Diagnostic::warning(
                    head_span(step),
                    format!("step `{}` can never fire", step_name(spec, StepId(n as u32))),
                )
                .with_label(within)
                .with_note(
                    "note: a step that never fires usually means a wrong guard, a message that is never sent, or a bound that is too small",
                ),
            )
        })
        .collect()
}

/// From the start of a step to the end of its guard, when it has one
/// written out; the whole step otherwise.
fn head_span(step: &spec_lang::ir::Step) -> Span {
    let g = step.guard.span;
    if !g.is_detached() && g.start >= step.span.start && g.end <= step.span.end {
        Span {
            start: step.span.start,
            end: g.end,
        }
    } else {
        step.span
    }
}

#[derive(Serialize)]
pub(super) struct JsonCoverage {
    /// What a transition count counts: `generated` (check) or `taken`
    /// (simulate).
    counts: &'static str,
    steps: Vec<JsonStepCoverage>,
    faults: Vec<JsonFaultCoverage>,
    branches: Vec<JsonBranch>,
}

#[derive(Serialize)]
struct JsonStepCoverage {
    role: String,
    step: String,
    transitions: u64,
}

#[derive(Serialize)]
struct JsonFaultCoverage {
    fault: &'static str,
    transitions: u64,
}

#[derive(Serialize)]
struct JsonBranch {
    role: String,
    step: String,
    span: super::json::JsonSpan,
    has_else: bool,
    then: u64,
    #[serde(rename = "else")]
    otherwise: u64,
}

pub(super) fn json_coverage(spec: &Spec, outcome: &CheckOutcome) -> Option<JsonCoverage> {
    let c = outcome.stats.coverage.as_ref()?;
    let names = |id: StepId| {
        let step = spec.steps.get(id.index());
        (
            step.and_then(|s| spec.roles.get(s.role.index()))
                .map_or_else(String::new, |r| r.name.clone()),
            step.map_or_else(|| format!("step {}", id.0), |s| s.name.clone()),
        )
    };
    Some(JsonCoverage {
        counts: if outcome.stats.simulation.is_some() {
            "taken"
        } else {
            "generated"
        },
        steps: c
            .steps
            .iter()
            .enumerate()
            .map(|(n, t)| {
                let (role, step) = names(StepId(n as u32));
                JsonStepCoverage {
                    role,
                    step,
                    transitions: *t,
                }
            })
            .collect(),
        faults: declared_faults(spec, c)
            .into_iter()
            .map(|(fault, transitions)| JsonFaultCoverage { fault, transitions })
            .collect(),
        branches: c
            .branches
            .iter()
            .map(|b| {
                let (role, step) = names(b.step);
                JsonBranch {
                    role,
                    step,
                    span: super::json::JsonSpan {
                        start: b.span.start,
                        end: b.span.end,
                    },
                    has_else: b.has_else,
                    then: b.then,
                    otherwise: b.otherwise,
                }
            })
            .collect(),
    })
}
