//! What a user sees of an outcome: the counterexample as a text table, a
//! JSON summary, the trace in the ITF format of Apalache and Quint, and
//! the coverage table and the state graph in dot.
//! Pure functions from data to text or JSON values; nothing is printed.

mod coverage;
mod diagnostics;
mod dot;
mod itf;
mod json;
mod text;

pub use coverage::{coverage_warnings, text_coverage};
pub use diagnostics::diagnostics;
pub use dot::dot_graph;
pub use itf::itf_trace;
pub use json::json_summary;
pub use text::{Locate, text_report, text_report_located, text_trace, text_trace_located};

use spec_lang::ir::{Span, Spec};

use crate::model::Layout;
use crate::outcome::{Action, Trace};
use crate::state::State;
use crate::value::Instance;

/// One line of a counterexample, as both the table and the JSON show it.
struct Row {
    step: usize,
    /// The acting instance, or `network` for a network fault.
    instance: String,
    action: String,
    fault: bool,
    /// The action failed here (an assertion or a runtime error).
    failed: bool,
    received: Option<String>,
    sent: Vec<String>,
    /// The variables that changed, by display name, with their new values.
    changes: Vec<(String, String)>,
    /// The choreography statement the step was projected from.
    origin: Option<Span>,
}

/// The rows of a trace: the initial state (all variables), every step
/// (only what changed), and the failing action if the trace ends in one.
fn rows(spec: &Spec, trace: &Trace) -> Vec<Row> {
    let layout = Layout::new(spec);
    let names = slot_names(spec, &layout);
    let mut out = Vec::new();
    let mut prev: Option<&State> = None;
    for (n, ts) in trace.states.iter().enumerate() {
        let changes = changes(spec, &names, prev, &ts.state);
        let mut row = match &ts.action {
            None => Row {
                step: n,
                instance: String::new(),
                action: "initial state".into(),
                fault: false,
                failed: false,
                received: None,
                sent: Vec::new(),
                changes: Vec::new(),
                origin: None,
            },
            Some(a) => action_row(spec, n, a),
        };
        row.changes = changes;
        out.push(row);
        prev = Some(&ts.state);
    }
    if let Some(a) = &trace.failed {
        let mut row = action_row(spec, trace.states.len(), a);
        row.failed = true;
        out.push(row);
    }
    out
}

fn action_row(spec: &Spec, step: usize, action: &Action) -> Row {
    let row = |instance: String, action: &str, received: Option<String>| Row {
        step,
        instance,
        action: action.to_string(),
        fault: true,
        failed: false,
        received,
        sent: Vec::new(),
        changes: Vec::new(),
        origin: None,
    };
    match action {
        Action::Step {
            step: id,
            instance,
            received,
            sent,
        } => Row {
            step,
            instance: instance.name(spec),
            action: spec
                .steps
                .get(id.index())
                .map_or_else(|| format!("step {}", id.0), |s| s.name.clone()),
            fault: false,
            failed: false,
            received: received.as_ref().map(|m| m.display_routed(spec)),
            sent: sent.iter().map(|m| m.display_routed(spec)).collect(),
            changes: Vec::new(),
            origin: spec.steps.get(id.index()).and_then(|s| s.origin),
        },
        Action::Lose(m) => row("network".into(), "lose", Some(m.display_routed(spec))),
        Action::Duplicate(m) => row("network".into(), "duplicate", Some(m.display_routed(spec))),
        Action::Partition(group) => {
            let mut r = row("network".into(), "partition", None);
            r.action = format!("partition off {}", instance_set(spec, group));
            r
        }
        Action::Heal => row("network".into(), "heal", None),
        Action::Crash(i) => row(i.name(spec), "crash", None),
        Action::Recover(i) => row(i.name(spec), "recover", None),
    }
}

/// `{RM[1], RM[2]}`.
fn instance_set(spec: &Spec, list: &[Instance]) -> String {
    let names: Vec<String> = list.iter().map(|i| i.name(spec)).collect();
    format!("{{{}}}", names.join(", "))
}

/// `TM.phase`, `RM[2].state`: the display name of every slot.
fn slot_names(spec: &Spec, layout: &Layout) -> Vec<String> {
    let mut names = vec![String::new(); layout.slots];
    for &inst in &layout.instances {
        for &var in &spec.role(inst.role).vars {
            names[layout.slot(inst, var)] = format!("{}.{}", inst.name(spec), spec.var(var).name);
        }
    }
    names
}

/// The variables (and the fault state) that differ from `prev`; all of them
/// for the initial state.
fn changes(
    spec: &Spec,
    names: &[String],
    prev: Option<&State>,
    state: &State,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (slot, v) in state.vars.iter().enumerate() {
        if prev.is_none_or(|p| p.vars.get(slot) != Some(v)) {
            let name = names.get(slot).cloned().unwrap_or_default();
            out.push((name, v.display(spec)));
        }
    }
    let has_crashes = !spec.crashes.is_empty();
    if has_crashes && prev.is_some_and(|p| p.faults.crashed != state.faults.crashed) {
        out.push(("crashed".into(), instance_set(spec, &state.faults.crashed)));
    }
    if prev.is_some_and(|p| p.faults.partition != state.faults.partition) {
        let shown = match &state.faults.partition {
            Some(group) => instance_set(spec, group),
            None => "none".into(),
        };
        out.push(("partitioned off".into(), shown));
    }
    out
}
