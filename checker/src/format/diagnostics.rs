//! Violations and errors as diagnostics, so that the command can show the
//! source they point to with the front end's renderer.

use spec_lang::Diagnostic;

use crate::outcome::{CheckOutcome, ViolationKind};

/// One diagnostic per violation or error that points into the source: the
/// violated invariant, the failed `assert`, the expression whose evaluation
/// failed. Deadlocks and internal errors have no span and are left out.
pub fn diagnostics(outcome: &CheckOutcome) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for v in &outcome.violations {
        if v.span.is_detached() {
            continue;
        }
        let steps = v.trace.states.len().saturating_sub(1);
        let d = match v.kind {
            ViolationKind::Invariant => {
                Diagnostic::error(v.span, format!("invariant `{}` is violated", v.property))
                    .with_label(format!("false after {steps} steps"))
            }
            ViolationKind::Assertion => Diagnostic::error(
                v.span,
                match &v.message {
                    Some(m) => format!("assertion failed in step `{}`: {m}", v.property),
                    None => format!("assertion failed in step `{}`", v.property),
                },
            )
            .with_label(format!("fails in step {} of the trace", steps + 1)),
            ViolationKind::Deadlock => continue,
            ViolationKind::Temporal => {
                Diagnostic::error(v.span, format!("property `{}` is violated", v.property))
                    .with_label(lasso_label(&v.trace))
            }
        };
        out.push(d);
    }
    if let Some(e) = &outcome.error
        && !e.span.is_detached()
    {
        let mut d = Diagnostic::error(e.span, e.message.clone());
        if let Some(t) = &e.trace {
            let steps = t.states.len().saturating_sub(1);
            d = d.with_label(if t.failed.is_some() {
                format!("fails in step {} of the trace", steps + 1)
            } else {
                format!("fails after {steps} steps")
            });
        }
        out.push(d);
    }
    out
}

/// How a lasso is described under the property it violates.
fn lasso_label(trace: &crate::outcome::Trace) -> String {
    let last = trace.states.len().saturating_sub(1);
    match trace.loop_at {
        Some(k) if k == last => format!("a fair behaviour stutters forever after {last} steps"),
        Some(k) => format!("a fair behaviour of {last} steps loops back to step {k} forever"),
        None => format!("violated after {last} steps"),
    }
}
