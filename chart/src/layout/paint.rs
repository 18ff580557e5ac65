//! Painting a measured chart, top to bottom: the header, the lifeline
//! heads with the initial state, one row per step, the messages still in
//! flight, the verdict bar (and a lasso's loop bracket), the final state,
//! and last the lifelines behind it all.

use super::rows::{Row, actor_col, arrival_col, in_flight_label};
use super::{CW, Canvas, Chart, FONT, GUTTER, HEAD_H, LH};
use crate::svg::{AMBER, Anchor, Drawing, GREEN, GREY, INK, Line, PALETTE, RED, Rect, Shape, Text};
use crate::trace::Action;

/// The state of painting: the canvas, the vertical cursor, and what later
/// parts need of earlier ones.
struct Pen {
    c: Canvas,
    y: f64,
    width: f64,
    /// Where each state's sends leave: the bottom of its step's bar.
    send_y: Vec<f64>,
    /// The top of each row.
    row_top: Vec<f64>,
    /// Where each column's instance crashed, while it is down.
    crashed_at: Vec<Option<f64>>,
    /// (column, from, to) of each stretch a lifeline spent crashed.
    crashed_spans: Vec<(usize, f64, f64)>,
}

impl Chart<'_> {
    pub(super) fn paint(&self) -> Drawing {
        let n_cols = self.columns.len();
        let (header, header_w) = self.header();
        let width = (self.x(n_cols - 1) + self.col_w).max(header_w + 2.0 * GUTTER);
        let mut pen = Pen {
            c: Canvas::default(),
            y: 14.0,
            width,
            send_y: vec![0.0; self.trace.states.len() + 1],
            row_top: Vec::new(),
            crashed_at: vec![None; n_cols],
            crashed_spans: Vec::new(),
        };
        for (text, size, fill, bold, sans) in &header {
            pen.y += size * 1.3;
            pen.c.front.push(Shape::Text(Text {
                bold: *bold,
                sans: *sans,
                ..Text::mono(16.0, pen.y, vec![text.clone()], *size, fill)
            }));
        }
        pen.y += 16.0;
        let head_top = pen.y;
        self.paint_heads(&mut pen);
        for row in &self.rows {
            self.paint_row(&mut pen, row);
        }
        let rows_end = pen.y;
        self.paint_in_flight(&mut pen);
        self.paint_verdict(&mut pen, rows_end);
        let foot_top = pen.y;
        let mut tallest: f64 = 0.0;
        for col in 0..n_cols {
            let note = self.final_box(col);
            tallest = tallest.max(note.height());
            self.note(&mut pen.c, self.x(col), foot_top, &note);
        }
        self.paint_lifelines(&mut pen, head_top, foot_top);
        let Canvas {
            back,
            arrows,
            middle,
            front,
        } = pen.c;
        Drawing {
            width,
            height: foot_top + tallest + 16.0,
            shapes: [back, arrows, middle, front].concat(),
        }
    }

    /// The lifeline heads and, below them, each instance's initial state.
    fn paint_heads(&self, pen: &mut Pen) {
        let head_top = pen.y;
        for (col, name) in self.columns.iter().enumerate() {
            let x = self.x(col);
            let w = name.chars().count() as f64 * CW + 16.0;
            pen.c.middle.push(Shape::Rect(Rect {
                x: x - w / 2.0,
                y: head_top,
                w,
                h: HEAD_H,
                fill: "#e0e7ff",
                stroke: Some("#6366f1"),
                rx: 4.0,
                step: None,
            }));
            pen.c.front.push(Shape::Text(Text {
                anchor: Anchor::Middle,
                bold: true,
                ..Text::mono(x, head_top + 17.0, vec![name.clone()], FONT, INK)
            }));
        }
        let top = head_top + HEAD_H + 4.0;
        let mut tallest: f64 = 0.0;
        for col in 0..self.columns.len() {
            let note = self.initial_box(col);
            tallest = tallest.max(note.height());
            self.note(&mut pen.c, self.x(col), top + 4.0, &note);
        }
        pen.y = top + 4.0 + tallest + 10.0;
        self.band(&mut pen.c, 0, top, pen.y, pen.width);
        self.number(&mut pen.c, 0, top + 16.0);
        pen.send_y[0] = pen.y;
    }

    /// One step: its band, notes, activation bar, arrival and markers.
    fn paint_row(&self, pen: &mut Pen, row: &Row) {
        let top = pen.y;
        pen.row_top.push(top);
        let strip = if arrival_col(row).is_some() && !row.label.is_empty() {
            row.label.len() as f64 * LH + 2.0
        } else {
            0.0
        };
        let event = top + strip + 10.0;
        let body = match row.action {
            Some(Action::Lose(_) | Action::Duplicate(_) | Action::Partition(_) | Action::Heal) => {
                row.label.len().max(1) as f64 * LH + 6.0
            }
            _ => row
                .notes
                .iter()
                .map(|(_, n)| n.height())
                .fold(16.0, f64::max),
        };
        let bottom = event + body + 12.0;
        self.band(&mut pen.c, row.number, top, bottom, pen.width);
        self.number(&mut pen.c, row.number, event + 5.0);
        let actor = actor_col(row);
        let mut actor_bottom = event;
        for (col, note) in &row.notes {
            let x = self.x(*col);
            self.note(&mut pen.c, x, event, note);
            if actor == Some(*col) {
                actor_bottom = event + note.height();
                pen.c.middle.push(Shape::Rect(Rect {
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
        if let Some(y) = pen.send_y.get_mut(row.number) {
            *y = actor_bottom;
        }
        self.row_events(&mut pen.c, row, event, &pen.send_y, pen.width);
        match row.action {
            Some(Action::Crash(Some(i), _)) => {
                pen.crashed_at[*i] = Some(event);
                pen.c.front.push(Shape::Cross {
                    x: self.x(*i),
                    y: event,
                    r: 7.0,
                    stroke: RED,
                });
            }
            Some(Action::Recover(Some(i), _)) => {
                if let Some(from) = pen.crashed_at[*i].take() {
                    pen.crashed_spans.push((*i, from, event));
                }
                pen.c.front.push(Shape::Dot {
                    x: self.x(*i),
                    y: event,
                    r: 6.0,
                    fill: GREEN,
                });
            }
            _ => {}
        }
        pen.y = bottom;
    }

    /// Messages never received nor lost, dashed into the end zone.
    fn paint_in_flight(&self, pen: &mut Pen) {
        if self.flow.in_flight().next().is_none() {
            return;
        }
        pen.c.back.push(Shape::Text(Text {
            sans: true,
            ..Text::mono(
                GUTTER - 40.0,
                pen.y + 14.0,
                vec!["in flight".into()],
                10.0,
                GREY,
            )
        }));
        // One slot each, the longest arrows first: a shallow long arrow
        // passes above the labels of the shorter ones below it.
        let mut sends: Vec<_> = self
            .flow
            .in_flight()
            .filter_map(|send| Some((send, send.message.to?)))
            .collect();
        sends.sort_by_key(|(send, to)| {
            std::cmp::Reverse(send.message.from.unwrap_or(*to).abs_diff(*to))
        });
        let mut cursor = pen.y + 8.0;
        for (send, to) in sends {
            let label = in_flight_label(send);
            let arrive = cursor + label.len() as f64 * LH + 4.0;
            cursor = arrive + 8.0;
            let from = send.message.from.unwrap_or(to);
            let colour = PALETTE[from % PALETTE.len()];
            let start = pen.send_y.get(send.state).copied().unwrap_or(pen.y);
            self.arrow(&mut pen.c, (from, start), (to, arrive), colour, true);
            self.arrival_label(&mut pen.c, from, to, arrive, label, colour);
        }
        pen.y = cursor;
    }

    /// The red bar that says what is wrong with the last state, and a
    /// lasso's loop. The bar sits on whole pixels, so it is drawn crisp.
    fn paint_verdict(&self, pen: &mut Pen, rows_end: f64) {
        let y = (pen.y + 8.0).round();
        // A trace that is no counterexample ends in grey.
        let colour = if self.trace.violation.is_some() {
            RED
        } else {
            GREY
        };
        pen.c.front.push(Shape::Line(Line {
            width: 2.0,
            ..Line::new((8.0, y + 20.0), (pen.width - 8.0, y + 20.0), colour)
        }));
        pen.c.front.push(Shape::Text(Text {
            bold: true,
            sans: true,
            ..Text::mono(16.0, y + 14.0, vec![self.verdict()], 13.0, colour)
        }));
        if let Some(k) = self.trace.loop_at {
            self.loop_bracket(&mut pen.c, k, &pen.row_top, rows_end);
        }
        pen.y = y + 34.0;
    }

    /// The lifelines, dashed red while their instance is crashed.
    fn paint_lifelines(&self, pen: &mut Pen, head_top: f64, foot_top: f64) {
        for col in 0..self.columns.len() {
            let x = self.x(col);
            pen.c.back.push(Shape::Line(Line {
                width: 1.5,
                ..Line::new((x, head_top + HEAD_H), (x, foot_top), "#94a3b8")
            }));
            if let Some(from) = pen.crashed_at[col] {
                pen.crashed_spans.push((col, from, foot_top));
            }
        }
        for &(col, from, to) in &pen.crashed_spans {
            let x = self.x(col);
            pen.c.back.push(Shape::Line(Line {
                width: 4.0,
                ..Line::new((x, from), (x, to), "#ffffff")
            }));
            pen.c.back.push(Shape::Line(Line {
                dashed: true,
                ..Line::new((x, from), (x, to), RED)
            }));
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
                self.arrow(c, (from, start), (to, event), colour, false);
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

    /// An arrow from column `from` at height `y1` to column `to` at `y2`.
    fn arrow(
        &self,
        c: &mut Canvas,
        (from, y1): (usize, f64),
        (to, y2): (usize, f64),
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

    fn band(&self, c: &mut Canvas, step: usize, top: f64, bottom: f64, width: f64) {
        c.back.push(Shape::Rect(Rect {
            x: 0.0,
            y: top,
            w: width,
            h: bottom - top,
            fill: if step.is_multiple_of(2) {
                "#ffffff"
            } else {
                "#f1f5f9"
            },
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
}
