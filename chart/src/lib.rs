//! Pictures of traces: a message-sequence chart as SVG, and a
//! self-contained HTML page to step through a trace with the chart beside
//! the full state.
//!
//! The input is an ITF document (what `specc check --trace-out` writes),
//! decoded into a [`Trace`]; the output is text. The crate reads no files,
//! prints nothing and needs no network: the command writes what it returns,
//! and the HTML page carries its script and style inline.

mod changes;
mod flow;
mod html;
mod layout;
mod svg;
mod trace;
mod value;

pub use html::html;
pub use trace::{Action, DecodeError, Message, State, Trace, Var, Violation};

/// The message-sequence chart of a trace, as a standalone SVG document.
pub fn svg(trace: &Trace) -> String {
    svg::to_svg(&layout::layout(trace), &title(trace))
}

/// A one-line name for the trace: its description, or its source.
fn title(trace: &Trace) -> String {
    match (&trace.violation, trace.description.is_empty()) {
        (_, false) => trace.description.clone(),
        (Some(v), true) => format!("{} {}", v.kind, v.property),
        (None, true) => trace.source.clone(),
    }
}
