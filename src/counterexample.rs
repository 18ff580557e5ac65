//! The counterexample of a check as one ITF document: the trace the
//! checker returned, with what it is a counterexample to (the property's
//! kind, name, place and source text) in `#meta.violation`. `--trace-out`,
//! `--chart` and `--html` all write from this document, so a chart drawn
//! later from the saved trace is the same chart.

use checker::CheckOutcome;
use serde_json::{Value as Json, json};
use spec_lang::ir;

/// The first violation's trace, or the trace that reached a runtime error;
/// none when the check found neither.
pub fn itf(outcome: &CheckOutcome, spec: &ir::Spec, name: &str, source: &str) -> Option<Json> {
    let locate = |span: ir::Span| {
        let (line, column) = spec_lang::line_column(source, span.start);
        format!("{name}:{line}:{column}")
    };
    let text = |span: ir::Span| source.get(span.start as usize..span.end as usize);
    let (trace, description, violation) = if let Some(v) = outcome.violations.first() {
        let kind = v.kind.as_str();
        let mut meta = json!({ "kind": kind, "property": v.property });
        if kind != "deadlock" {
            meta["location"] = json!(locate(v.span));
            if let Some(t) = text(v.span) {
                meta["text"] = json!(t);
            }
        }
        if let Some(m) = &v.message {
            meta["message"] = json!(m);
        }
        (&v.trace, format!("{name}: {kind} `{}`", v.property), meta)
    } else {
        let e = outcome.error.as_ref()?;
        let meta = json!({
            "kind": "error",
            "property": "",
            "location": locate(e.span),
            "message": e.message,
        });
        (
            e.trace.as_ref()?,
            format!("{name}: error: {}", e.message),
            meta,
        )
    };
    let mut doc = checker::itf_trace(spec, trace, &description);
    if let Some(meta) = doc.get_mut("#meta").and_then(Json::as_object_mut) {
        meta.insert("violation".into(), violation);
    }
    Some(doc)
}
