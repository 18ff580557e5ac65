//! The rows of a chart: for each step, the notes of the instances it
//! changed, the text beside its arrow, and the send it refers to.

use super::note::{Note, wrap};
use super::{Chart, LABEL_CHARS, MAX_NOTE_LINES, NOTE_CHARS};
use crate::changes::changes;
use crate::flow::Send;
use crate::svg::{GREEN, INK, RED};
use crate::trace::{Action, NETWORK_VARS};

/// One row of the chart: a state reached by an action, or the failed
/// action at the end.
pub(super) struct Row<'t> {
    /// The step number shown in the margin.
    pub(super) number: usize,
    pub(super) action: Option<&'t Action>,
    /// Notes by column.
    pub(super) notes: Vec<(usize, Note)>,
    /// The text beside an arriving arrow, or beside a fault marker.
    pub(super) label: Vec<String>,
    /// The send the row's receipt, loss or duplication refers to.
    pub(super) source: Option<usize>,
}

impl<'t> Chart<'t> {
    pub(super) fn build_rows(&self) -> Vec<Row<'t>> {
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

pub(super) fn in_flight_label(send: &Send) -> Vec<String> {
    wrap(&format!("in flight: {}", send.message.text), LABEL_CHARS)
}

pub(super) fn actor_col(row: &Row) -> Option<usize> {
    match row.action {
        Some(Action::Step { instance, .. }) => *instance,
        Some(Action::Crash(i, _) | Action::Recover(i, _)) => *i,
        _ => None,
    }
}

/// The column a row's received message arrives at.
pub(super) fn arrival_col(row: &Row) -> Option<usize> {
    match row.action {
        Some(Action::Step {
            instance,
            received: Some(_),
            ..
        }) => *instance,
        _ => None,
    }
}
