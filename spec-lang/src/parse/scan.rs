//! A cheap lexical pass that runs before pest.
//!
//! pest is a recursive-descent parser: every level of nesting in the source
//! costs it a few dozen native stack frames. This pass bounds that nesting
//! before pest sees the text, so that no input can exhaust the stack, and it
//! finds the problems that are clearer to report lexically (an empty file, an
//! unterminated comment or string).
//!
//! The nesting it measures is an upper bound of the real one. Brackets
//! (`(`, `[`, `{`, and `<` after `set`, `seq`, `map` or `option`) open a
//! frame. Inside a frame, each `if`, `let`, `forall`, `exists` and `sum`
//! opens an expression that extends to the right as far as it can, so each
//! counts one more level until something ends every expression of the frame:
//! a token that no expression contains (`:=`, `;`, a statement or
//! declaration keyword), a block closing inside the frame, or an operand
//! directly followed by one of those words (which must start a new
//! statement). Operator chains (`a and b and ...`, `not not x`, `- - x`,
//! `x.f.g`) are repetitions in the grammar, not recursions, so they cost
//! pest no stack; the AST builder bounds the depth of the tree they make.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

use super::MAX_NESTING;

/// What the scan learned about a source that pest may safely parse.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// The first token, if the file has one.
    pub first_token: Option<Span>,
    /// A comment or string that runs to the end of the file. pest fails at
    /// its start at the latest; the dedicated message is clearer than pest's.
    pub unterminated: Option<Unterminated>,
    /// Maximal runs of whitespace and comments, in order, as byte ranges.
    pub trivia: Vec<(u32, u32)>,
}

impl Scan {
    /// `end` moved back over any whitespace and comments that end there,
    /// but not before `start`. pest's pairs may end with the layout it
    /// skipped before an optional part that turned out to be absent.
    pub fn trim_end(&self, start: u32, end: u32) -> u32 {
        if end <= start {
            return end;
        }
        let i = self.trivia.partition_point(|&(s, _)| s < end);
        match i.checked_sub(1).map(|i| self.trivia[i]) {
            Some((s, e)) if e >= end => s.max(start),
            _ => end,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unterminated {
    /// `/*` without `*/`; the span covers the `/*`.
    Comment(Span),
    /// `"` without a closing quote on the same line; the span covers the quote.
    String(Span),
}

impl Unterminated {
    pub fn start(self) -> usize {
        match self {
            Unterminated::Comment(span) | Unterminated::String(span) => span.start as usize,
        }
    }

    pub fn diagnostic(self) -> Diagnostic {
        match self {
            Unterminated::Comment(span) => Diagnostic::error(span, "unterminated block comment")
                .with_label("this comment is never closed")
                .with_note("help: close the comment with `*/`; block comments do not nest"),
            Unterminated::String(span) => Diagnostic::error(span, "unterminated string")
                .with_label("this string has no closing quote on its line")
                .with_note("help: end the string with `\"` before the end of the line"),
        }
    }
}

/// The kind of an open frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Bracket {
    Paren,
    Square,
    Brace,
    /// `<` after `set`, `seq`, `map` or `option`: probably a type argument.
    Angle,
}

#[derive(Debug)]
struct Frame {
    bracket: Bracket,
    /// Where the frame was opened, for the diagnostic.
    open: Span,
    /// Expressions opened by a keyword in this frame and maybe still open.
    open_keywords: usize,
    /// Whether a statement-only token occurred directly in this frame, which
    /// makes a brace frame a block rather than a set or record.
    is_block: bool,
}

/// The previous token, as far as the nesting estimate cares.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Prev {
    /// Nothing yet, or a token after which an expression may start.
    Other,
    /// A name, literal or closing bracket: an expression may end here.
    Operand,
    /// One of the words `set`, `seq`, `map`, `option`.
    TypeConstructor,
}

/// Scans `source`, returning an error if it is empty or nested too deeply.
pub(super) fn scan(source: &str) -> Result<Scan, Diagnostic> {
    let mut scanner = Scanner {
        bytes: source.as_bytes(),
        pos: 0,
        frames: Vec::new(),
        // Nesting at the top level (outside every bracket) counts as a frame
        // too; a declaration keyword resets it.
        top: Frame {
            bracket: Bracket::Brace,
            open: Span::DETACHED,
            open_keywords: 0,
            is_block: false,
        },
        depth: 0,
        prev: Prev::Other,
        result: Scan::default(),
    };
    scanner.run()?;
    if scanner.result.first_token.is_none() && scanner.result.unterminated.is_none() {
        return Err(Diagnostic::error(Span::DETACHED, "the file is empty")
            .with_note("help: a spec starts with `protocol Name`"));
    }
    Ok(scanner.result)
}

struct Scanner<'s> {
    bytes: &'s [u8],
    pos: usize,
    frames: Vec<Frame>,
    top: Frame,
    /// The estimated nesting: the number of frames plus every frame's open
    /// keywords. Kept up to date rather than summed for each token.
    depth: usize,
    prev: Prev,
    result: Scan,
}

impl Scanner<'_> {
    fn run(&mut self) -> Result<(), Diagnostic> {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let byte = self.bytes[start];
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    self.pos += 1;
                    self.trivia(start);
                }
                b'/' if self.peek(1) == Some(b'/') => {
                    while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                    self.trivia(start);
                }
                b'/' if self.peek(1) == Some(b'*') => match find(&self.bytes[start + 2..], b"*/") {
                    Some(offset) => {
                        self.pos = start + 2 + offset + 2;
                        self.trivia(start);
                    }
                    None => {
                        self.result.unterminated =
                            Some(Unterminated::Comment(Span::new(start, start + 2)));
                        return Ok(());
                    }
                },
                b'"' => {
                    self.token(start, start + 1);
                    let rest = &self.bytes[start + 1..];
                    match rest.iter().position(|&b| b == b'"' || b == b'\n') {
                        Some(offset) if rest[offset] == b'"' => {
                            self.pos = start + 1 + offset + 1;
                            self.prev = Prev::Operand;
                        }
                        _ => {
                            self.result.unterminated =
                                Some(Unterminated::String(Span::new(start, start + 1)));
                            return Ok(());
                        }
                    }
                }
                b'(' | b'[' | b'{' => {
                    self.token(start, start + 1);
                    self.pos += 1;
                    let bracket = match byte {
                        b'(' => Bracket::Paren,
                        b'[' => Bracket::Square,
                        _ => Bracket::Brace,
                    };
                    self.open(bracket, Span::new(start, start + 1))?;
                }
                b'<' if self.prev == Prev::TypeConstructor => {
                    self.token(start, start + 1);
                    self.pos += 1;
                    self.open(Bracket::Angle, Span::new(start, start + 1))?;
                }
                b')' | b']' | b'}' => {
                    self.token(start, start + 1);
                    self.pos += 1;
                    if !self.close(byte) {
                        // pest cannot get past a closing bracket that does not
                        // match (every rule closes the brackets it opens), so
                        // the rest of the file is never parsed and needs no
                        // bound.
                        return Ok(());
                    }
                    self.prev = Prev::Operand;
                }
                b'>' => {
                    self.token(start, start + 1);
                    self.pos += 1;
                    // A `>` closes a type argument list unless an open
                    // keyword expression in it could be using it as a
                    // comparison; leaving the frame open only overestimates.
                    if let Some(frame) = self.frames.last()
                        && frame.bracket == Bracket::Angle
                        && frame.open_keywords == 0
                    {
                        self.frames.pop();
                        self.depth -= 1;
                        self.prev = Prev::Operand;
                    } else {
                        self.prev = Prev::Other;
                    }
                }
                b';' => {
                    self.token(start, start + 1);
                    self.pos += 1;
                    self.end_of_statement();
                }
                b':' if self.peek(1) == Some(b'=') => {
                    self.token(start, start + 2);
                    self.pos += 2;
                    self.end_of_statement();
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'0'..=b'9' => {
                    let end = start
                        + self.bytes[start..]
                            .iter()
                            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
                            .unwrap_or(self.bytes.len() - start);
                    self.token(start, end);
                    self.pos = end;
                    self.word(start, end)?;
                }
                _ => {
                    // Operators, punctuation and stray characters: pest judges
                    // them; here they only mean an expression may go on.
                    self.token(start, start + 1);
                    self.pos += 1;
                    self.prev = Prev::Other;
                }
            }
        }
        Ok(())
    }

    /// Records `start..self.pos` as whitespace or a comment.
    fn trivia(&mut self, start: usize) {
        let run = (
            Span::new(start, self.pos).start,
            Span::new(start, self.pos).end,
        );
        match self.result.trivia.last_mut() {
            Some(last) if last.1 == run.0 => last.1 = run.1,
            _ => self.result.trivia.push(run),
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn token(&mut self, start: usize, end: usize) {
        if self.result.first_token.is_none() {
            // A stray byte may be the first of a multi-byte character; the
            // span still starts on a character boundary, which is all the
            // header diagnostic needs.
            self.result.first_token = Some(Span::new(start, end));
        }
    }

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().unwrap_or(&mut self.top)
    }

    fn open(&mut self, bracket: Bracket, open: Span) -> Result<(), Diagnostic> {
        self.frames.push(Frame {
            bracket,
            open,
            open_keywords: 0,
            is_block: false,
        });
        self.depth += 1;
        self.prev = Prev::Other;
        self.check(open)
    }

    /// Pops the frame `byte` closes; false if it closes nothing open.
    fn close(&mut self, byte: u8) -> bool {
        let wanted = match byte {
            b')' => Bracket::Paren,
            b']' => Bracket::Square,
            _ => Bracket::Brace,
        };
        // Type argument lists still open inside the bracket end with it.
        while let Some(frame) = self.frames.last()
            && frame.bracket == Bracket::Angle
        {
            self.pop();
        }
        match self.frames.last() {
            Some(frame) if frame.bracket == wanted => {
                let was_block = frame.is_block;
                self.pop();
                if was_block {
                    // A block ends every expression around it in its frame
                    // (blocks never occur inside expressions) and makes that
                    // frame a block too.
                    self.end_of_statement();
                }
                true
            }
            _ => false,
        }
    }

    fn pop(&mut self) {
        if let Some(frame) = self.frames.pop() {
            self.depth -= 1 + frame.open_keywords;
        }
    }

    /// A token that no expression contains: every expression of the current
    /// frame has ended.
    fn end_of_statement(&mut self) {
        // A `<` after `set` (or `seq`, ...) that no `>` closed was a
        // comparison, not a type: statements and declarations never occur
        // inside type arguments.
        while self
            .frames
            .last()
            .is_some_and(|frame| frame.bracket == Bracket::Angle)
        {
            self.pop();
        }
        let frame = self.frame();
        let closed = frame.open_keywords;
        frame.open_keywords = 0;
        frame.is_block = true;
        self.depth -= closed;
        self.prev = Prev::Other;
    }

    fn word(&mut self, start: usize, end: usize) -> Result<(), Diagnostic> {
        let word = &self.bytes[start..end];
        match word {
            b"if" | b"let" | b"forall" | b"exists" | b"sum" => {
                if self.prev == Prev::Operand {
                    // An operand followed by one of these words ends the
                    // expression: it can only start a new statement.
                    self.end_of_statement();
                }
                self.frame().open_keywords += 1;
                self.depth += 1;
                self.prev = Prev::Other;
                self.check(Span::new(start, end))
            }
            b"set" | b"seq" | b"map" | b"option" => {
                self.prev = Prev::TypeConstructor;
                Ok(())
            }
            // Words that only statements and declarations contain.
            b"protocol" | b"param" | b"const" | b"type" | b"role" | b"var" | b"persistent"
            | b"symmetric" | b"message" | b"network" | b"fault" | b"fn" | b"on" | b"step"
            | b"timeout" | b"receive" | b"from" | b"as" | b"when" | b"send" | b"broadcast"
            | b"to" | b"reply" | b"choose" | b"assert" | b"skip" | b"invariant" | b"property"
            | b"always" | b"eventually" | b"leads_to" | b"fair" | b"terminal" | b"constraint"
            | b"choreography" | b"at" | b"loop" => {
                self.end_of_statement();
                Ok(())
            }
            // Words inside expressions after which an operand follows.
            b"and" | b"or" | b"not" | b"in" | b"subset" | b"then" | b"else" | b"where" | b"for"
            | b"with" => {
                self.prev = Prev::Other;
                Ok(())
            }
            _ => {
                self.prev = Prev::Operand;
                Ok(())
            }
        }
    }

    fn check(&self, at: Span) -> Result<(), Diagnostic> {
        if self.depth <= MAX_NESTING {
            return Ok(());
        }
        let mut diagnostic = too_deep(at);
        if let Some(outermost) = self.frames.first()
            && !outermost.open.is_detached()
        {
            diagnostic =
                diagnostic.with_secondary(outermost.open, "the outermost level starts here");
        }
        Err(diagnostic)
    }
}

/// The diagnostic for nesting beyond [`MAX_NESTING`], at the token that
/// crosses the limit.
pub(super) fn too_deep(at: Span) -> Diagnostic {
    Diagnostic::error(
        at,
        format!("nested too deeply: more than {MAX_NESTING} levels"),
    )
    .with_label(format!("this is more than {MAX_NESTING} levels deep"))
    .with_note(
        "help: name intermediate results with `let` or a `fn`, or split long operator chains",
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
