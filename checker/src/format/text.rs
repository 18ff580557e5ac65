//! The counterexample as a text table, and a short text report.

use spec_lang::ir::{Span, Spec};

use super::{Row, rows};
use crate::outcome::{CheckOutcome, IncompleteReason, Trace, Verdict};

/// The trace as a table: step number, acting instance, step name, message
/// received, messages sent, and the variables that changed (all of them
/// for the initial state). Fault events are marked `[fault]`; a step that
/// failed (assertion or runtime error) is the last row, marked `[fails]`.
/// Columns that are empty on every row are left out.
pub fn text_trace(spec: &Spec, trace: &Trace) -> String {
    text_trace_located(spec, trace, &|_| None)
}

/// Like [`text_trace`], naming the choreography line each projected step
/// came from: `locate` turns a step's origin into text such as `12:5`.
pub fn text_trace_located(spec: &Spec, trace: &Trace, locate: Locate<'_>) -> String {
    let rows = rows(spec, trace);
    let headers = ["step", "instance", "action", "received", "sent", "changes"];
    let cells: Vec<[Vec<String>; 6]> = rows.iter().map(|r| cells_of(r, locate)).collect();
    let keep: Vec<usize> = (0..headers.len())
        .filter(|&c| c == 0 || c == 2 || cells.iter().any(|r| !r[c].is_empty()))
        .collect();
    let width = |c: usize| {
        cells
            .iter()
            .flat_map(|r| r[c].iter().map(|l| l.chars().count()))
            .chain([headers[c].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headers.len()).map(width).collect();
    let mut out = String::new();
    let header: Vec<Vec<String>> = headers.iter().map(|h| vec![h.to_string()]).collect();
    write_row(&mut out, &keep, &widths, &header);
    for r in &cells {
        write_row(&mut out, &keep, &widths, r);
    }
    out
}

/// Turns a span into `line:column` text, when the caller has the source.
pub type Locate<'a> = &'a dyn Fn(Span) -> Option<String>;

fn cells_of(row: &Row, locate: Locate<'_>) -> [Vec<String>; 6] {
    let mut action = row.action.clone();
    if let Some(at) = row.origin.and_then(locate) {
        action = format!("{action} (chor {at})");
    }
    if row.fault {
        action = format!("[fault] {action}");
    }
    if row.failed {
        action = format!("{action} [fails]");
    }
    [
        vec![row.step.to_string()],
        opt(&row.instance),
        vec![action],
        row.received.iter().cloned().collect(),
        row.sent.clone(),
        row.changes
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect(),
    ]
}

fn opt(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        vec![s.to_string()]
    }
}

fn write_row(out: &mut String, keep: &[usize], widths: &[usize], cells: &[Vec<String>]) {
    let lines = keep
        .iter()
        .map(|&c| cells[c].len())
        .max()
        .unwrap_or(0)
        .max(1);
    for line in 0..lines {
        let mut text = String::new();
        for (n, &c) in keep.iter().enumerate() {
            let cell = cells[c].get(line).map_or("", String::as_str);
            if n > 0 {
                text.push_str("  ");
            }
            if c == 0 {
                // Step numbers align right.
                text.push_str(&format!("{cell:>w$}", w = widths[c]));
            } else {
                text.push_str(&format!("{cell:<w$}", w = widths[c]));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
}

/// A short report: the verdict, each violation with its trace table, the
/// error if any, and the statistics. Spans are not rendered here; the
/// caller, who has the source, renders them as diagnostics.
pub fn text_report(spec: &Spec, outcome: &CheckOutcome) -> String {
    text_report_located(spec, outcome, &|_| None)
}

/// Like [`text_report`], with trace tables that name the choreography line
/// of each projected step (see [`text_trace_located`]).
pub fn text_report_located(spec: &Spec, outcome: &CheckOutcome, locate: Locate<'_>) -> String {
    let mut out = String::new();
    for v in &outcome.violations {
        let what = match v.kind {
            crate::outcome::ViolationKind::Invariant => {
                format!("Invariant {} is violated", v.property)
            }
            crate::outcome::ViolationKind::Assertion => match &v.message {
                Some(m) => format!("Assertion \"{m}\" in step {} failed", v.property),
                None => format!("An assertion in step {} failed", v.property),
            },
            crate::outcome::ViolationKind::Deadlock => "Deadlock: no step is enabled".to_string(),
            crate::outcome::ViolationKind::Temporal => {
                format!("Property {} is violated by a fair behaviour", v.property)
            }
        };
        let last = v.trace.states.len() - 1;
        match v.trace.loop_at {
            Some(k) if k == last => out.push_str(&format!(
                "{what} (a lasso: {k} steps, then stuttering forever):\n\n"
            )),
            Some(k) => out.push_str(&format!(
                "{what} (a lasso: {k} steps, then a cycle of {} steps):\n\n",
                last - k
            )),
            None => out.push_str(&format!("{what} after {last} steps:\n\n")),
        }
        out.push_str(&text_trace_located(spec, &v.trace, locate));
        match v.trace.loop_at {
            Some(k) if k == last => out.push_str(&format!(
                "  (stutters at step {k} forever: no fair step is enabled there)\n"
            )),
            Some(k) => out.push_str(&format!(
                "  (loops back to step {k}: step {last} is the state of step {k})\n"
            )),
            None => {}
        }
        out.push('\n');
    }
    if let Some(e) = &outcome.error {
        out.push_str(&format!("Error: {}\n", e.message));
        if let Some(t) = &e.trace {
            out.push_str(&format!(
                "\nReached after {} steps:\n\n",
                t.states.len() - 1
            ));
            out.push_str(&text_trace_located(spec, t, locate));
            out.push('\n');
        }
    }
    let s = &outcome.stats;
    if let Some(sim) = &s.simulation {
        out.push_str(&simulation_summary(outcome, sim));
        return out;
    }
    let verdict = match &outcome.result {
        Verdict::Ok => "All properties hold.".to_string(),
        Verdict::Violation => "A property is violated.".to_string(),
        Verdict::Error => "The check stopped on an error.".to_string(),
        Verdict::Incomplete { reason } => format!(
            "Incomplete: stopped by {}.",
            match reason {
                IncompleteReason::MaxStates(n) => format!("the bound of {n} states"),
                IncompleteReason::MaxDepth(n) => format!("the depth bound {n}"),
                IncompleteReason::MemoryLimit(n) => format!("the memory limit of {n} bytes"),
            }
        ),
    };
    out.push_str(&format!(
        "{verdict}\n{} distinct states, {} generated, depth {}, {}, {:.2} s, {:.0} states/s\n",
        s.distinct,
        s.generated,
        s.depth,
        workers(s.workers),
        s.elapsed.as_secs_f64(),
        s.states_per_sec
    ));
    if let Some(sym) = &s.symmetry {
        let saved = if sym.states > s.distinct {
            format!("{:.1}x fewer", sym.states as f64 / s.distinct.max(1) as f64)
        } else {
            "no state saved".to_string()
        };
        out.push_str(&format!(
            "Symmetry reduction: the {} distinct states stand for {} ({saved})\n",
            s.distinct, sym.states
        ));
    }
    if let Some(por) = &s.por {
        out.push_str(&match &por.off {
            Some(why) => format!("Partial-order reduction: off ({why})\n"),
            None => format!(
                "Partial-order reduction: {} of {} expanded states had an ample set; {} of {} successors not followed\n",
                por.ample,
                s.distinct.saturating_sub(s.queue),
                por.pruned,
                s.generated
            ),
        });
    }
    if let Some(l) = &s.liveness {
        out.push_str(&format!(
            "Liveness graph (no symmetry reduction): {} states, {} edges\n",
            l.states, l.edges
        ));
    }
    out
}

/// "1 worker", "2 workers".
fn workers(n: usize) -> String {
    if n == 1 {
        "1 worker".to_string()
    } else {
        format!("{n} workers")
    }
}

/// The verdict and figures of a simulation.
fn simulation_summary(outcome: &CheckOutcome, sim: &crate::simulate::SimulationStats) -> String {
    let s = &outcome.stats;
    let mut out = String::new();
    match outcome.result {
        Verdict::Ok => out.push_str(&format!(
            "No violation found in {} walks of at most {} states (seed {}); \
             the behaviours no walk took are unchecked.\n",
            sim.walks, sim.depth_bound, sim.seed
        )),
        Verdict::Violation => out.push_str("A property is violated.\n"),
        Verdict::Error => out.push_str("The simulation stopped on an error.\n"),
        Verdict::Incomplete { .. } => out.push_str("Incomplete.\n"),
    }
    if sim.violating_walks > 0 {
        let shown = sim
            .shown_walk
            .map_or_else(String::new, |w| format!(" (walk {w})"));
        out.push_str(&format!(
            "{} of the {} walks found one; the shortest is shown{shown}.\n",
            sim.violating_walks, sim.walks
        ));
    }
    out.push_str(&format!(
        "{} walks (seed {}, depth bound {}): {} states visited, {} generated, depth {}, {}, {:.2} s, {:.0} states/s\n",
        sim.walks,
        sim.seed,
        sim.depth_bound,
        sim.states,
        s.generated,
        s.depth,
        workers(s.workers),
        s.elapsed.as_secs_f64(),
        s.states_per_sec
    ));
    out
}
