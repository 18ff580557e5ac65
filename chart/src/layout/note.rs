//! Notes: boxes of monospace text hung right of a lifeline, and the
//! wrapping that keeps their lines short.

use super::{CW, Canvas, Chart, FONT, INK, LH, PAD};
use crate::svg::{Rect, Shape, Text};

/// At most this many characters of one value are shown.
const MAX_TEXT_CHARS: usize = 400;

/// A box of text hung right of a lifeline.
#[derive(Clone, Debug)]
pub(super) struct Note {
    pub(super) title: Option<String>,
    pub(super) title_fill: &'static str,
    pub(super) lines: Vec<String>,
    pub(super) fill: &'static str,
    pub(super) stroke: &'static str,
}

impl Note {
    pub(super) fn plain(title: Option<String>, lines: Vec<String>) -> Note {
        Note {
            title,
            title_fill: INK,
            lines,
            fill: "#fefce8",
            stroke: "#d6d3d1",
        }
    }

    pub(super) fn all_lines(&self) -> impl Iterator<Item = &String> {
        self.title.iter().chain(&self.lines)
    }

    pub(super) fn width(&self) -> f64 {
        chars(self.all_lines()) as f64 * CW + 2.0 * PAD
    }

    pub(super) fn height(&self) -> f64 {
        self.all_lines().count().max(1) as f64 * LH + 2.0 * PAD - 3.0
    }
}

pub(super) fn chars<'a>(lines: impl Iterator<Item = &'a String>) -> usize {
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

impl Chart<'_> {
    pub(super) fn note(&self, c: &mut Canvas, x: f64, y: f64, note: &Note) {
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
        let lines: Vec<String> = note.all_lines().cloned().collect();
        c.middle.push(Shape::Text(Text {
            heading: note.title.as_ref().map(|_| note.title_fill),
            ..Text::mono(x + 10.0 + PAD, y + PAD + 10.0, lines, FONT, INK)
        }));
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
