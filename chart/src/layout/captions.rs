//! The words of a chart: its title and what the red bar says about the
//! last state.

use super::{Chart, FONT};
use crate::svg::{GREY, INK, RED};

/// One line of the header: text, size, colour, bold, sans-serif.
pub(super) type HeaderLine = (String, f64, &'static str, bool, bool);

impl Chart<'_> {
    /// The title lines: (text, size, colour, bold, sans).
    pub(super) fn header(&self) -> (Vec<HeaderLine>, f64) {
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
    pub(super) fn verdict(&self) -> String {
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
