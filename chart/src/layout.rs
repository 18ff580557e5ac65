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

use crate::changes::changes;
use crate::flow::Flow;
use crate::svg::{AMBER, Anchor, Drawing, GREEN, GREY, INK, Line, PALETTE, RED, Rect, Shape, Text};
use crate::trace::{Action, NETWORK_VARS, Trace};
use crate::value::display;

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
const MAX_TEXT_CHARS: usize = 400;
const HEAD_H: f64 = 26.0;

/// A box of text hung right of a lifeline.
#[derive(Clone, Debug)]
struct Note {
    title: Option<String>,
    title_fill: &'static str,
    lines: Vec<String>,
    fill: &'static str,
    stroke: &'static str,
}

impl Note {
    fn plain(title: Option<String>, lines: Vec<String>) -> Note {
        Note {
            title,
            title_fill: INK,
            lines,
            fill: "#fefce8",
            stroke: "#d6d3d1",
        }
    }

    fn all_lines(&self) -> impl Iterator<Item = &String> {
        self.title.iter().chain(&self.lines)
    }

    fn width(&self) -> f64 {
        chars(self.all_lines()) as f64 * CW + 2.0 * PAD
    }

    fn height(&self) -> f64 {
        self.all_lines().count().max(1) as f64 * LH + 2.0 * PAD - 3.0
    }
}

fn chars<'a>(lines: impl Iterator<Item = &'a String>) -> usize {
    lines.map(|l| l.chars().count()).max().unwrap_or(0)
}

/// Splits a long line at `, ` or a space so each part has at most `max`
/// characters; later parts are indented by two spaces. A word longer than
/// the limit is cut.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let text: String = if text.chars().count() > MAX_TEXT_CHARS {
        text.chars().take(MAX_TEXT_CHARS).chain(['…']).collect()
    } else {
        text.to_string()
    };
    let mut out = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    let mut indent = "";
    while indent.len() + rest.len() > max {
        let room = max.saturating_sub(indent.len()).max(8);
        let window = &rest[..room.min(rest.len())];
        let cut = window
            .iter()
            .rposition(|&c| c == ' ')
            .filter(|&at| at > room / 3)
            .map_or(room.min(rest.len()), |at| at + 1);
        let head: String = rest[..cut].iter().collect();
        out.push(format!("{indent}{}", head.trim_end()));
        rest.drain(..cut);
        indent = "  ";
    }
    let tail: String = rest.iter().collect();
    if !tail.is_empty() || out.is_empty() {
        out.push(format!("{indent}{tail}"));
    }
    out
}

/// One row of the chart: a state reached by an action, or the failed
/// action at the end.
struct Row<'t> {
    /// The step number shown in the margin.
    number: usize,
    action: Option<&'t Action>,
    /// Notes by column.
    notes: Vec<(usize, Note)>,
    /// The text beside an arriving arrow, or beside a fault marker.
    label: Vec<String>,
    /// The send the row's receipt, loss or duplication refers to.
    source: Option<usize>,
}

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
    Chart::new(trace).draw()
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

    fn build_rows(&self) -> Vec<Row<'t>> {
        let trace = self.trace;
        let mut rows = Vec::new();
        for n in 1..trace.states.len() {
            let (prev, state) = (&trace.states[n - 1], &trace.states[n]);
            let mut notes: Vec<(usize, Note)> = Vec::new();
            for change in changes(prev, state) {
                if change.owner.is_none()
                    && trace.has_roles()
                    && NETWORK_VARS.contains(&change.name.as_str())
                {
                    continue;
                }
                let Some(col) = self.column(change.owner) else {
                    continue;
                };
                let lines = change.lines.iter().flat_map(|l| wrap(l, NOTE_CHARS));
                match notes.iter_mut().find(|(c, _)| *c == col) {
                    Some((_, note)) => note.lines.extend(lines),
                    None => notes.push((col, Note::plain(None, lines.collect()))),
                }
            }
            let action = state.action.as_ref();
            if let Some(a) = action {
                decorate(&mut notes, a);
            }
            if action.is_none()
                && notes.is_empty()
                && let Some(col) = self.global
            {
                notes.push((col, Note::plain(None, vec!["(no change)".into()])));
            }
            for (_, note) in &mut notes {
                if note.lines.len() > MAX_NOTE_LINES {
                    let more = note.lines.len() - MAX_NOTE_LINES + 1;
                    note.lines.truncate(MAX_NOTE_LINES - 1);
                    note.lines.push(format!("(and {more} more lines)"));
                }
            }
            let label = action.map(label_of).unwrap_or_default();
            rows.push(Row {
                number: n,
                action,
                notes,
                label,
                source: self.flow.source[n],
            });
        }
        if let Some(a) = &trace.failed {
            let mut notes = Vec::new();
            if let Action::Step {
                instance: Some(i),
                step,
                ..
            } = a
            {
                let mut note = Note::plain(Some(format!("{step} fails")), Vec::new());
                note.title_fill = RED;
                note.fill = "#fef2f2";
                note.stroke = RED;
                if let Some(m) = trace.violation.as_ref().and_then(|v| v.message.as_ref()) {
                    note.lines = wrap(m, NOTE_CHARS);
                }
                notes.push((*i, note));
            }
            rows.push(Row {
                number: trace.states.len(),
                action: Some(a),
                notes,
                label: label_of(a),
                source: self.flow.failed_source,
            });
        }
        rows
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

    fn draw(&self) -> Drawing {
        let mut c = Canvas::default();
        let n_cols = self.columns.len();
        let last_x = self.x(n_cols - 1);
        let mut width = last_x + self.col_w;

        // The header: what is wrong, where, and the property's text.
        let (header, header_w) = self.header();
        width = width.max(header_w + 2.0 * GUTTER);
        let mut y = 14.0;
        for (text, size, fill, bold, sans) in &header {
            y += size * 1.3;
            let lines = vec![text.clone()];
            c.front.push(Shape::Text(Text {
                bold: *bold,
                sans: *sans,
                ..Text::mono(16.0, y, lines, *size, fill)
            }));
        }
        y += 16.0;

        // Lifeline heads and the initial state.
        let head_top = y;
        for col in 0..n_cols {
            let x = self.x(col);
            let name = &self.columns[col];
            let w = name.chars().count() as f64 * CW + 16.0;
            c.middle.push(Shape::Rect(Rect {
                x: x - w / 2.0,
                y: head_top,
                w,
                h: HEAD_H,
                fill: "#e0e7ff",
                stroke: Some("#6366f1"),
                rx: 4.0,
                step: None,
            }));
            c.front.push(Shape::Text(Text {
                anchor: Anchor::Middle,
                bold: true,
                ..Text::mono(x, head_top + 17.0, vec![name.clone()], FONT, INK)
            }));
        }
        y = head_top + HEAD_H + 8.0;
        let row0_top = y - 4.0;
        let mut tallest: f64 = 0.0;
        for col in 0..n_cols {
            let note = self.initial_box(col);
            tallest = tallest.max(note.height());
            self.note(&mut c, self.x(col), y, &note);
        }
        y += tallest + 10.0;
        self.band(&mut c, 0, row0_top, y, width);
        self.number(&mut c, 0, row0_top + 16.0);

        // The rows.
        let mut send_y = vec![y; self.trace.states.len() + 1];
        let mut row_top = Vec::new();
        let mut crashed_at: Vec<Option<f64>> = vec![None; n_cols];
        let mut crashed_spans: Vec<(usize, f64, f64)> = Vec::new();
        for (r, row) in self.rows.iter().enumerate() {
            let top = y;
            row_top.push(top);
            let strip = if arrival_col(row).is_some() && !row.label.is_empty() {
                row.label.len() as f64 * LH + 2.0
            } else {
                0.0
            };
            let event = top + strip + 10.0;
            let body = match row.action {
                Some(
                    Action::Lose(_) | Action::Duplicate(_) | Action::Partition(_) | Action::Heal,
                ) => row.label.len().max(1) as f64 * LH + 6.0,
                _ => row
                    .notes
                    .iter()
                    .map(|(_, n)| n.height())
                    .fold(16.0, f64::max),
            };
            let bottom = event + body + 12.0;
            self.band(&mut c, row.number, top, bottom, width);
            self.number(&mut c, row.number, event + 5.0);
            for (col, note) in &row.notes {
                let x = self.x(*col);
                self.note(&mut c, x, event, note);
                if actor_col(row) == Some(*col) {
                    c.middle.push(Shape::Rect(Rect {
                        x: x - 4.0,
                        y: event,
                        w: 8.0,
                        h: note.height(),
                        fill: "#c7d2fe",
                        stroke: Some("#6366f1"),
                        rx: 1.0,
                        step: None,
                    }));
                }
            }
            let actor_bottom = actor_col(row)
                .and_then(|col| row.notes.iter().find(|(c, _)| *c == col))
                .map_or(event, |(_, note)| event + note.height());
            send_y[row.number] = actor_bottom;
            self.row_events(&mut c, row, event, &send_y, width);
            match row.action {
                Some(Action::Crash(Some(i), _)) => {
                    crashed_at[*i] = Some(event);
                    c.front.push(Shape::Cross {
                        x: self.x(*i),
                        y: event,
                        r: 7.0,
                        stroke: RED,
                    });
                }
                Some(Action::Recover(Some(i), _)) => {
                    if let Some(from) = crashed_at[*i].take() {
                        crashed_spans.push((*i, from, event));
                    }
                    c.front.push(Shape::Dot {
                        x: self.x(*i),
                        y: event,
                        r: 6.0,
                        fill: GREEN,
                    });
                }
                _ => {}
            }
            y = bottom;
            let _ = r;
        }
        let rows_end = y;

        // Messages still in flight at the end.
        let mut cursor = vec![y + 8.0; n_cols];
        for send in self.flow.in_flight() {
            let Some(to) = send.message.to else {
                continue;
            };
            let label = in_flight_label(send);
            let arrive = cursor[to] + label.len() as f64 * LH + 4.0;
            cursor[to] = arrive + 10.0;
            let from = send.message.from.unwrap_or(to);
            let colour = PALETTE[from % PALETTE.len()];
            self.arrow(&mut c, from, send_y[send.state], to, arrive, colour, true);
            self.arrival_label(&mut c, from, to, arrive, label, colour);
        }
        let in_flight_end = if self.flow.in_flight().next().is_some() {
            cursor.iter().copied().fold(y, f64::max)
        } else {
            y
        };
        if self.flow.in_flight().next().is_some() {
            c.back.push(Shape::Text(Text {
                sans: true,
                ..Text::mono(
                    GUTTER - 40.0,
                    y + 14.0,
                    vec!["in flight".into()],
                    10.0,
                    GREY,
                )
            }));
        }
        y = in_flight_end + 8.0;

        // The verdict on the last state, and the loop of a lasso.
        let verdict = self.verdict();
        c.front.push(Shape::Line(Line {
            x1: 8.0,
            y1: y + 20.0,
            x2: width - 8.0,
            y2: y + 20.0,
            stroke: RED,
            width: 2.0,
            dashed: false,
            arrow: false,
        }));
        c.front.push(Shape::Text(Text {
            bold: true,
            sans: true,
            ..Text::mono(16.0, y + 14.0, vec![verdict], 13.0, RED)
        }));
        if let Some(k) = self.trace.loop_at {
            self.loop_bracket(&mut c, k, &row_top, rows_end);
        }
        y += 34.0;

        // The final state of every instance.
        let foot_top = y;
        let mut tallest: f64 = 0.0;
        for col in 0..n_cols {
            let note = self.final_box(col);
            tallest = tallest.max(note.height());
            self.note(&mut c, self.x(col), foot_top, &note);
        }
        let height = foot_top + tallest + 16.0;

        // Lifelines, dashed red while crashed.
        for col in 0..n_cols {
            let x = self.x(col);
            c.back.push(Shape::Line(Line {
                x1: x,
                y1: head_top + HEAD_H,
                x2: x,
                y2: foot_top,
                stroke: "#94a3b8",
                width: 1.5,
                dashed: false,
                arrow: false,
            }));
            if let Some(from) = crashed_at[col] {
                crashed_spans.push((col, from, foot_top));
            }
        }
        for (col, from, to) in crashed_spans {
            let x = self.x(col);
            c.back.push(Shape::Line(Line {
                x1: x,
                y1: from,
                x2: x,
                y2: to,
                stroke: "#ffffff",
                width: 4.0,
                dashed: false,
                arrow: false,
            }));
            c.back.push(Shape::Line(Line {
                x1: x,
                y1: from,
                x2: x,
                y2: to,
                stroke: RED,
                width: 1.5,
                dashed: true,
                arrow: false,
            }));
        }

        let mut shapes = c.back;
        shapes.extend(c.arrows);
        shapes.extend(c.middle);
        shapes.extend(c.front);
        Drawing {
            width,
            height,
            shapes,
        }
    }

    /// The arrow and label of a row's receipt, loss, duplication or
    /// partition.
    fn row_events(&self, c: &mut Canvas, row: &Row, event: f64, send_y: &[f64], width: f64) {
        let source = row.source.map(|s| &self.flow.sends[s]);
        match row.action {
            Some(Action::Step {
                received: Some(m), ..
            }) => {
                let Some(to) = actor_col(row) else {
                    return;
                };
                let from = m.from.unwrap_or(to);
                let colour = PALETTE[from % PALETTE.len()];
                let start = source.map_or(send_y[0], |s| send_y[s.state]);
                self.arrow(c, from, start, to, event, colour, false);
                self.arrival_label(c, from, to, event, row.label.clone(), colour);
            }
            Some(Action::Lose(m) | Action::Duplicate(m)) => {
                let lost = matches!(row.action, Some(Action::Lose(_)));
                let (Some(from), Some(to)) = (m.from, m.to) else {
                    return;
                };
                let (xf, xt) = (self.x(from), self.x(to));
                let mid = if from == to {
                    xf + 40.0
                } else {
                    (xf + xt) / 2.0
                };
                if let Some(s) = source {
                    c.arrows.push(Shape::Line(Line {
                        x1: xf,
                        y1: send_y[s.state],
                        x2: mid,
                        y2: event,
                        stroke: if lost { RED } else { AMBER },
                        width: 1.5,
                        dashed: true,
                        arrow: !lost,
                    }));
                }
                if lost {
                    c.front.push(Shape::Cross {
                        x: mid,
                        y: event,
                        r: 6.0,
                        stroke: RED,
                    });
                }
                c.front.push(Shape::Text(Text {
                    halo: true,
                    bold: true,
                    ..Text::mono(
                        mid + 12.0,
                        event + 4.0,
                        row.label.clone(),
                        FONT,
                        if lost { RED } else { AMBER },
                    )
                }));
            }
            Some(Action::Partition(_) | Action::Heal) => {
                let healed = matches!(row.action, Some(Action::Heal));
                let colour = if healed { GREEN } else { RED };
                c.middle.push(Shape::Line(Line {
                    x1: GUTTER,
                    y1: event,
                    x2: width - 8.0,
                    y2: event,
                    stroke: colour,
                    width: 2.0,
                    dashed: true,
                    arrow: false,
                }));
                c.front.push(Shape::Text(Text {
                    halo: true,
                    bold: true,
                    ..Text::mono(
                        self.left + 12.0,
                        event + 16.0,
                        row.label.clone(),
                        FONT,
                        colour,
                    )
                }));
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn arrow(
        &self,
        c: &mut Canvas,
        from: usize,
        y1: f64,
        to: usize,
        y2: f64,
        colour: &'static str,
        dashed: bool,
    ) {
        let (x1, x2) = (self.x(from), self.x(to));
        if from == to {
            c.arrows.push(Shape::Path {
                points: vec![
                    (x1 + 4.0, y1),
                    (x1 + 28.0, y1),
                    (x1 + 28.0, y2),
                    (x1 + 6.0, y2),
                ],
                stroke: colour,
                dashed,
            });
            return;
        }
        // Stop just short of the lifeline, on the side the arrow comes from.
        let end = if x1 < x2 { x2 - 5.0 } else { x2 + 5.0 };
        c.arrows.push(Shape::Line(Line {
            x1,
            y1,
            x2: end,
            y2,
            stroke: colour,
            width: 1.5,
            dashed,
            arrow: true,
        }));
    }

    /// A message's text above its arrowhead, on the side away from the
    /// arrow.
    fn arrival_label(
        &self,
        c: &mut Canvas,
        from: usize,
        to: usize,
        y: f64,
        lines: Vec<String>,
        colour: &'static str,
    ) {
        let x = self.x(to);
        let from_right = from > to;
        let top = y - 4.0 - (lines.len() as f64 - 1.0) * LH;
        c.front.push(Shape::Text(Text {
            anchor: if from_right {
                Anchor::End
            } else {
                Anchor::Start
            },
            halo: true,
            bold: true,
            ..Text::mono(
                if from_right { x - 10.0 } else { x + 10.0 },
                top,
                lines,
                FONT,
                colour,
            )
        }));
    }

    fn note(&self, c: &mut Canvas, x: f64, y: f64, note: &Note) {
        c.middle.push(Shape::Rect(Rect {
            x: x + 10.0,
            y,
            w: note.width(),
            h: note.height(),
            fill: note.fill,
            stroke: Some(note.stroke),
            rx: 3.0,
            step: None,
        }));
        let mut ty = y + PAD + 10.0;
        if let Some(title) = &note.title {
            c.middle.push(Shape::Text(Text {
                bold: true,
                ..Text::mono(
                    x + 10.0 + PAD,
                    ty,
                    vec![title.clone()],
                    FONT,
                    note.title_fill,
                )
            }));
            ty += LH;
        }
        if !note.lines.is_empty() {
            c.middle.push(Shape::Text(Text::mono(
                x + 10.0 + PAD,
                ty,
                note.lines.clone(),
                FONT,
                INK,
            )));
        }
    }

    fn band(&self, c: &mut Canvas, step: usize, top: f64, bottom: f64, width: f64) {
        c.back.push(Shape::Rect(Rect {
            x: 0.0,
            y: top,
            w: width,
            h: bottom - top,
            fill: if step % 2 == 0 { "#ffffff" } else { "#f1f5f9" },
            stroke: None,
            rx: 0.0,
            step: Some(step),
        }));
    }

    fn number(&self, c: &mut Canvas, step: usize, y: f64) {
        c.front.push(Shape::Text(Text {
            anchor: Anchor::End,
            bold: true,
            ..Text::mono(GUTTER - 8.0, y, vec![step.to_string()], FONT, GREY)
        }));
    }

    fn loop_bracket(&self, c: &mut Canvas, k: usize, row_top: &[f64], rows_end: f64) {
        let colour = PALETTE[2];
        // Row r shows state r + 1; the loop is the steps after state k.
        if k + 1 >= self.trace.states.len() {
            return;
        }
        let Some(&top) = row_top.get(k) else {
            return;
        };
        let x = 8.0;
        c.front.push(Shape::Path {
            points: vec![
                (GUTTER - 30.0, rows_end - 4.0),
                (x, rows_end - 4.0),
                (x, top + 4.0),
                (GUTTER - 24.0, top + 4.0),
            ],
            stroke: colour,
            dashed: false,
        });
        c.front.push(Shape::Text(Text {
            bold: true,
            sans: true,
            ..Text::mono(x + 3.0, top + 18.0, vec!["loop".into()], 10.0, colour)
        }));
    }

    /// The title lines: (text, size, colour, bold, sans).
    fn header(&self) -> (Vec<(String, f64, &'static str, bool, bool)>, f64) {
        let t = self.trace;
        let steps = t.states.len() - 1;
        let after = match steps {
            1 => "after 1 step".to_string(),
            n => format!("after {n} steps"),
        };
        let title = match &t.violation {
            Some(v) => match v.kind.as_str() {
                "invariant" => format!("Invariant {} is violated {after}", v.property),
                "deadlock" => format!("Deadlock {after}: no step can be taken"),
                "assertion" => format!("The assertion of {} fails {after}", v.property),
                "temporal" => format!("Property {} is violated by an infinite run", v.property),
                "error" => format!("Runtime error {after}"),
                other => format!("{other} {} {after}", v.property),
            },
            None if !t.description.is_empty() => t.description.clone(),
            None => format!("A trace of {steps} steps"),
        };
        let mut lines = vec![(title, 17.0, INK, true, true)];
        let place = t
            .violation
            .as_ref()
            .and_then(|v| v.location.clone())
            .unwrap_or_else(|| t.source.clone());
        if !place.is_empty() {
            lines.push((place, 12.0, GREY, false, true));
        }
        if let Some(v) = &t.violation {
            if let Some(text) = &v.text {
                for l in text.lines().take(12) {
                    lines.push((l.to_string(), FONT, "#7f1d1d", false, false));
                }
            }
            if let Some(m) = &v.message {
                lines.push((m.clone(), FONT, RED, true, false));
            }
        }
        let w = lines
            .iter()
            .map(|(l, size, ..)| l.chars().count() as f64 * size * 0.62)
            .fold(0.0, f64::max);
        (lines, w)
    }

    /// What the red bar says about the last state.
    fn verdict(&self) -> String {
        let t = self.trace;
        let last = t.states.len() - 1;
        let loop_text = match t.loop_at {
            Some(k) if k == last => ": the run can stay in this state forever".to_string(),
            Some(k) if k + 1 == last => format!(": step {last} repeats forever"),
            Some(k) => format!(": steps {} to {last} repeat forever", k + 1),
            None => String::new(),
        };
        match &t.violation {
            Some(v) => match v.kind.as_str() {
                "invariant" => format!("✕ after step {last}: invariant {} is false", v.property),
                "deadlock" => format!("✕ after step {last}: no step is enabled (deadlock)"),
                "assertion" => {
                    format!("✕ step {}: the assertion of {} fails", last + 1, v.property)
                }
                "temporal" => format!("✕ property {} fails{loop_text}", v.property),
                "error" => format!("✕ runtime error: {}", v.message.clone().unwrap_or_default()),
                other => format!("✕ {other} {}", v.property),
            },
            None => format!("the end of the trace{loop_text}"),
        }
    }
}

/// The note titles that say what a row's action was.
fn decorate(notes: &mut Vec<(usize, Note)>, action: &Action) {
    let (col, title, colour) = match action {
        Action::Step {
            instance: Some(i),
            step,
            ..
        } => (*i, step.clone(), INK),
        Action::Crash(Some(i), _) => (*i, "crash".to_string(), RED),
        Action::Recover(Some(i), _) => (*i, "recover".to_string(), GREEN),
        _ => return,
    };
    let at = match notes.iter().position(|(c, _)| *c == col) {
        Some(at) => at,
        None => {
            notes.push((col, Note::plain(None, Vec::new())));
            notes.len() - 1
        }
    };
    let note = &mut notes[at].1;
    note.title = Some(title);
    note.title_fill = colour;
    if colour == RED {
        note.fill = "#fef2f2";
        note.stroke = RED;
    }
}

fn label_of(action: &Action) -> Vec<String> {
    match action {
        Action::Step {
            received: Some(m), ..
        } => wrap(&m.text, LABEL_CHARS),
        Action::Lose(m) => wrap(&format!("lost: {}", m.text), LABEL_CHARS),
        Action::Duplicate(m) => wrap(&format!("duplicated: {}", m.text), LABEL_CHARS),
        Action::Partition(group) => vec![format!(
            "partition: {{{}}} cut off from the rest",
            group.join(", ")
        )],
        Action::Heal => vec!["partition healed".to_string()],
        _ => Vec::new(),
    }
}

fn in_flight_label(send: &crate::flow::Send) -> Vec<String> {
    wrap(&format!("in flight: {}", send.message.text), LABEL_CHARS)
}

fn actor_col(row: &Row) -> Option<usize> {
    match row.action {
        Some(Action::Step { instance, .. }) => *instance,
        Some(Action::Crash(i, _) | Action::Recover(i, _)) => *i,
        _ => None,
    }
}

/// The column a row's received message arrives at.
fn arrival_col(row: &Row) -> Option<usize> {
    match row.action {
        Some(Action::Step {
            instance,
            received: Some(_),
            ..
        }) => *instance,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_long_text_at_commas_and_indents_the_rest() {
        let text = "AppendEntries{entries: [1], leaderCommit: 0, prevLogIndex: 0, term: 3}";
        let lines = wrap(text, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        let joined: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
        assert_eq!(joined.join(" "), text);
        assert!(lines[1].starts_with("  "));
        assert_eq!(wrap("short", 30), ["short"]);
        assert_eq!(wrap("", 30), [""]);
        let word = wrap(&"x".repeat(25), 10);
        assert!(word.iter().all(|l| l.chars().count() <= 10), "{word:?}");
    }
}
