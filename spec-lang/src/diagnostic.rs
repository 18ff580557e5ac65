//! Errors and warnings as data, and the one function that renders them.
//!
//! Every pass reports [`Diagnostic`] values; none formats text itself.
//! [`render`] turns them into what a user sees: `file:line:column`, the
//! source line with the span underlined, and the notes. The command picks
//! colour; tests render without it and snapshot the result.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};

use crate::span::Span;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a short message, shown under the underlined source.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    /// One line: what is wrong, in the user's words.
    pub message: String,
    /// Where it is wrong.
    pub primary: Label,
    /// Related places (the earlier declaration of a duplicate, ...).
    pub secondary: Vec<Label>,
    /// Hints and explanations, each one full sentence; `help: ` and `note: `
    /// prefixes are rendered as written.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            primary: Label {
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// Sets the message shown under the primary span.
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders diagnostics for one source file, in the order given.
///
/// `color` selects ANSI colour codes; the text is otherwise identical.
pub fn render(file_name: &str, source: &str, diagnostics: &[Diagnostic], color: bool) -> String {
    let file = SimpleFile::new(file_name, source);
    let config = term::Config::default();
    let mut out = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    for diagnostic in diagnostics {
        let flattened;
        let diagnostic = if has_long_line(diagnostic, source) {
            flattened = without_excerpt(diagnostic, file_name, source);
            &flattened
        } else {
            diagnostic
        };
        let rendered = to_codespan(diagnostic, source.len());
        // Rendering into memory only fails when a span lies outside the
        // source; clamping in `to_codespan` rules that out. Should it still
        // fail, fall back to the bare message rather than lose the error.
        if term::emit(&mut out, &config, &file, &rendered).is_err() {
            let kind = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            out.clear();
            return format!("{kind}: {} ({file_name})\n", diagnostic.message);
        }
    }
    String::from_utf8_lossy(out.as_slice()).into_owned()
}

/// Source lines longer than this are not shown in an excerpt: a generated
/// or hostile one-line file would otherwise be echoed back whole.
const MAX_EXCERPT_LINE: usize = 400;

fn has_long_line(diagnostic: &Diagnostic, source: &str) -> bool {
    let line_len = |offset: u32| {
        let offset = (offset as usize).min(source.len());
        let bytes = source.as_bytes();
        let start = bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = bytes[offset..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| offset + i);
        end - start
    };
    std::iter::once(&diagnostic.primary)
        .chain(&diagnostic.secondary)
        .filter(|label| !label.span.is_detached())
        .any(|label| line_len(label.span.start) > MAX_EXCERPT_LINE)
}

/// The same diagnostic with its labels turned into `file:line:column` notes.
fn without_excerpt(diagnostic: &Diagnostic, file_name: &str, source: &str) -> Diagnostic {
    let mut notes: Vec<String> = std::iter::once(&diagnostic.primary)
        .chain(&diagnostic.secondary)
        .filter(|label| !label.span.is_detached())
        .map(|label| {
            let (line, column) = line_column(source, label.span.start);
            let text = if label.message.is_empty() {
                "here"
            } else {
                label.message.as_str()
            };
            format!("at {file_name}:{line}:{column}: {text} (the line is too long to show)")
        })
        .collect();
    notes.extend(diagnostic.notes.iter().cloned());
    Diagnostic {
        primary: Label {
            span: Span::DETACHED,
            message: String::new(),
        },
        secondary: Vec::new(),
        notes,
        ..diagnostic.clone()
    }
}

fn to_codespan(diagnostic: &Diagnostic, source_len: usize) -> cs::Diagnostic<()> {
    let clamp = |span: Span| {
        let end = (span.end as usize).min(source_len);
        let start = (span.start as usize).min(end);
        start..end
    };
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    // A detached primary span (an error about the command line, say) is
    // rendered as a message without a source excerpt.
    let mut labels = Vec::new();
    if !diagnostic.primary.span.is_detached() {
        labels.push(
            cs::Label::primary((), clamp(diagnostic.primary.span))
                .with_message(diagnostic.primary.message.clone()),
        );
    }
    labels.extend(
        diagnostic
            .secondary
            .iter()
            .map(|l| cs::Label::secondary((), clamp(l.span)).with_message(l.message.clone())),
    );
    cs::Diagnostic::new(severity)
        .with_message(diagnostic.message.clone())
        .with_labels(labels)
        .with_notes(diagnostic.notes.clone())
}

/// 1-based line and column of a byte offset, for messages outside the
/// rendered form (the checker's reports, JSON output).
pub fn line_column(source: &str, offset: u32) -> (usize, usize) {
    let offset = (offset as usize).min(source.len());
    let before = &source.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_column_and_underline() {
        let source = "protocol P\nrole A { var x: bool = 3 }\n";
        let start = source.find('3').unwrap();
        let diagnostic = Diagnostic::error(Span::new(start, start + 1), "type mismatch")
            .with_label("expected `bool`, found an integer")
            .with_note("help: write `true` or `false`");
        let text = render("p.spec", source, &[diagnostic], false);
        assert!(text.contains("p.spec:2:24"), "{text}");
        assert!(text.contains("^ expected `bool`"), "{text}");
        assert!(text.contains("help: write"), "{text}");
    }

    #[test]
    fn long_lines_are_located_but_not_echoed() {
        let source = format!("protocol P\ninvariant I: {}x", "(".repeat(1000));
        let diagnostic = Diagnostic::error(Span::new(500, 501), "nested too deeply");
        let text = render("p.spec", &source, &[diagnostic], false);
        assert!(text.contains("at p.spec:2:490"), "{text}");
        assert!(text.len() < 300, "{text}");
    }

    #[test]
    fn line_column_counts_characters_not_bytes() {
        assert_eq!(line_column("é\nab", 4), (2, 2));
        assert_eq!(line_column("abc", 99), (1, 4));
    }
}
