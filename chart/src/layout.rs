//! Places a trace on the page as a message-sequence chart.
//!
//! Time runs down. Each role instance has a lifeline; each step of the
//! trace is one row. The acting instance's note hangs right of its
//! lifeline (the step's name, then what changed) beside an activation bar:
//! a message arrives at the top of the bar and the step's sends leave from
//! its bottom, so arrows run diagonally from send to receipt with the
//! message's text beside the arrowhead, on the side away from the arrow.
//! Network faults get rows of their own (a loss ends its arrow in a red ✕),
//! crashes cross out a lifeline until it recovers, and messages still in
//! flight at the end run dashed into the end zone. A red bar says what is
//! wrong with the last state, a bracket in the left margin marks a lasso's
//! loop, and the final state of every instance closes the chart.

mod captions;
mod note;
mod paint;
mod rows;

use crate::flow::Flow;
use crate::svg::{Drawing, GREY, INK, Shape};
use crate::trace::{NETWORK_VARS, Trace};
use crate::value::display;
use note::{Note, chars, wrap};
use rows::{Row, arrival_col, in_flight_label};

const FONT: f64 = 12.0;
/// The advance of one monospace glyph at `FONT` (DejaVu Sans Mono's is
/// 0.602 em), rounded up.
const CW: f64 = 7.3;
const LH: f64 = 15.0;
const PAD: f64 = 6.0;
/// The left margin: step numbers and the loop bracket.
const GUTTER: f64 = 48.0;
const NOTE_CHARS: usize = 46;
const LABEL_CHARS: usize = 40;
const MAX_NOTE_LINES: usize = 16;
const HEAD_H: f64 = 26.0;

/// The geometry under construction, in paint order.
#[derive(Default)]
struct Canvas {
    back: Vec<Shape>,
    /// Arrows: above the lifelines, below the notes.
    arrows: Vec<Shape>,
    middle: Vec<Shape>,
    front: Vec<Shape>,
}

/// The chart of a trace.
pub fn layout(trace: &Trace) -> Drawing {
    Chart::new(trace).paint()
}

struct Chart<'t> {
    trace: &'t Trace,
    columns: Vec<String>,
    /// The column of global variables, when it is drawn.
    global: Option<usize>,
    flow: Flow,
    rows: Vec<Row<'t>>,
    col_w: f64,
    left: f64,
}

impl<'t> Chart<'t> {
    fn new(trace: &'t Trace) -> Chart<'t> {
        let mut columns = trace.lifelines.clone();
        let shown_global = |name: &str| !trace.has_roles() || !NETWORK_VARS.contains(&name);
        let has_global = trace
            .states
            .iter()
            .flat_map(|s| &s.vars)
            .any(|v| v.owner.is_none() && shown_global(&v.name));
        let global = (has_global || columns.is_empty()).then(|| {
            columns.push(if trace.has_roles() { "global" } else { "state" }.to_string());
            columns.len() - 1
        });
        let flow = Flow::of(trace);
        let mut chart = Chart {
            trace,
            columns,
            global,
            flow,
            rows: Vec::new(),
            col_w: 0.0,
            left: 0.0,
        };
        chart.rows = chart.build_rows();
        chart.measure();
        chart
    }

    fn column(&self, owner: Option<usize>) -> Option<usize> {
        owner.or(self.global)
    }

    fn x(&self, col: usize) -> f64 {
        self.left + col as f64 * self.col_w
    }

    /// Fixes the column width and the left margin from everything that
    /// must fit.
    fn measure(&mut self) {
        let mut widest = 0.0_f64;
        for row in &self.rows {
            for (_, note) in &row.notes {
                widest = widest.max(note.width());
            }
            widest = widest.max(chars(row.label.iter()) as f64 * CW + 12.0);
        }
        for col in 0..self.columns.len() {
            widest = widest.max(self.initial_box(col).width());
            widest = widest.max(self.final_box(col).width());
            widest = widest.max(self.columns[col].chars().count() as f64 * CW + 20.0);
        }
        for send in self.flow.in_flight() {
            widest = widest.max(chars(in_flight_label(send).iter()) as f64 * CW + 12.0);
        }
        self.col_w = (widest + 36.0).max(170.0);
        // Labels of arrows arriving at the first lifeline from the right
        // hang left of it.
        let mut left_extra = self.columns[0].chars().count() as f64 * CW / 2.0 + 12.0;
        for row in &self.rows {
            if let (Some(col), Some(src)) = (arrival_col(row), row.source)
                && col == 0
                && self.flow.sends[src].message.from.unwrap_or(0) > 0
            {
                left_extra = left_extra.max(chars(row.label.iter()) as f64 * CW + 14.0);
            }
        }
        for send in self.flow.in_flight() {
            if send.message.to == Some(0) && send.message.from.unwrap_or(0) > 0 {
                left_extra = left_extra.max(chars(in_flight_label(send).iter()) as f64 * CW + 14.0);
            }
        }
        self.left = GUTTER + left_extra;
    }

    fn initial_box(&self, col: usize) -> Note {
        let mut note = self.state_box(0, col);
        note.title = Some("initially".into());
        note.title_fill = GREY;
        note
    }

    fn final_box(&self, col: usize) -> Note {
        let mut note = self.state_box(self.trace.states.len() - 1, col);
        note.title = Some(format!("{} at the end", self.columns[col]));
        note
    }

    /// The full state of one column in one state, as a note.
    fn state_box(&self, state: usize, col: usize) -> Note {
        let mut lines = Vec::new();
        if let Some(s) = self.trace.states.get(state) {
            for v in &s.vars {
                if self.column(v.owner) != Some(col) {
                    continue;
                }
                if v.owner.is_none()
                    && self.trace.has_roles()
                    && NETWORK_VARS.contains(&v.name.as_str())
                {
                    continue;
                }
                let text = format!("{} = {}", v.name, display(&v.value));
                lines.extend(wrap(&text, NOTE_CHARS));
            }
        }
        if lines.is_empty() {
            lines.push("(no variables)".into());
        }
        let mut note = Note::plain(None, lines);
        note.fill = "#f8fafc";
        note.stroke = "#cbd5e1";
        note
    }
}
