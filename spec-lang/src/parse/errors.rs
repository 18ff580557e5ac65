//! pest errors to diagnostics in the user's words.
//!
//! A syntax error reads "expected X, found Y": X lists what could have come
//! next, in words (`a type`, `` `}` ``, `a statement`), never a rule name;
//! Y names the token that is there. The label points at that token. A few
//! errors get a message of their own: a missing `protocol` header, a stray
//! character, and the lexical ones the scan finds (an unterminated comment
//! or string).

use pest::error::{Error, ErrorVariant, InputLocation};

use crate::diagnostic::Diagnostic;
use crate::span::Span;

use super::Rule;
use super::scan::{Scan, too_deep};

/// What a rule stands for when it was expected, in words.
///
/// Every rule of the grammar is listed, so a new rule cannot be added
/// without deciding how a user reads it.
pub(super) fn describe(rule: Rule) -> Expected {
    use Expected::*;
    match rule {
        // Declarations and the file.
        Rule::file | Rule::item => Declaration,
        Rule::protocol_header | Rule::kw_protocol => Words("`protocol Name`"),
        Rule::EOI => EndOfFile,
        Rule::param_decl
        | Rule::const_decl
        | Rule::type_decl
        | Rule::role_decl
        | Rule::message_decl
        | Rule::network_decl
        | Rule::fault_decl
        | Rule::fn_decl
        | Rule::step_decl
        | Rule::invariant_decl
        | Rule::property_decl
        | Rule::fairness_decl
        | Rule::terminal_decl
        | Rule::constraint_decl
        | Rule::choreography_decl
        | Rule::kw_param
        | Rule::kw_const
        | Rule::kw_type
        | Rule::kw_role
        | Rule::kw_message
        | Rule::kw_network
        | Rule::kw_fault
        | Rule::kw_fn
        | Rule::kw_on
        | Rule::kw_invariant
        | Rule::kw_property
        | Rule::kw_fair
        | Rule::kw_terminal
        | Rule::kw_constraint
        | Rule::kw_choreography => Declaration,
        Rule::role_count => Words("`[count]`"),
        Rule::var_decl | Rule::kw_var | Rule::kw_persistent => {
            Words("a variable declaration (`var name: Type = value`)")
        }
        Rule::field_decls | Rule::field_decl => Words("a field (`name: Type`)"),
        Rule::network_kind => Words("a network kind: `set`, `bag` or `fifo`"),
        Rule::fault_kind
        | Rule::fault_loss
        | Rule::fault_duplication
        | Rule::fault_partition
        | Rule::fault_crash_stop
        | Rule::fault_crash_recover
        | Rule::kw_crash_stop
        | Rule::kw_crash_recover => Words(
            "a fault: `loss`, `duplication`, `partition`, `crash_stop Role` or \
             `crash_recover Role`",
        ),
        Rule::fn_param => Words("a parameter (`name: Type`)"),

        // Steps.
        Rule::step_binder => Words("`[name]`"),
        Rule::step_rest
        | Rule::spontaneous_trigger
        | Rule::receive_trigger
        | Rule::receive_trigger_fields => Trigger,
        Rule::kw_step => Keyword("step"),
        Rule::kw_timeout => Keyword("timeout"),
        Rule::kw_receive => Keyword("receive"),
        Rule::step_tail | Rule::guard => Words("`when` or a block"),
        Rule::receive_from => Keyword("from"),
        Rule::receive_as => Keyword("as"),
        Rule::field_patterns | Rule::field_pattern => Words("a field pattern"),
        Rule::pattern | Rule::wildcard => Words("a pattern"),
        Rule::block | Rule::chor_block => Words("a block `{ ... }`"),
        Rule::stmt
        | Rule::let_stmt
        | Rule::choose_stmt
        | Rule::if_stmt
        | Rule::for_stmt
        | Rule::send_stmt
        | Rule::broadcast_stmt
        | Rule::reply_stmt
        | Rule::assert_stmt
        | Rule::skip_stmt
        | Rule::assign_stmt
        | Rule::assign_target
        | Rule::kw_send
        | Rule::kw_broadcast
        | Rule::kw_reply
        | Rule::kw_choose
        | Rule::kw_assert
        | Rule::kw_skip => Statement,
        Rule::else_if | Rule::chor_else_if => Keyword("else"),
        Rule::message_expr => Words("a message (`Name` or `Name { field: value }`)"),
        Rule::field_init => Words("a field (`name` or `name: value`)"),

        // Properties.
        Rule::temporal
        | Rule::always_eventually
        | Rule::eventually_always
        | Rule::always
        | Rule::eventually
        | Rule::leads_to
        | Rule::kw_always
        | Rule::kw_eventually => Temporal,
        Rule::kw_leads_to => Keyword("leads_to"),
        Rule::fair_strength | Rule::kw_weak | Rule::kw_strong => Words("`weak` or `strong`"),
        Rule::fair_target
        | Rule::fair_delivery
        | Rule::fair_receive
        | Rule::fair_step
        | Rule::fair_role
        | Rule::kw_delivery => {
            Words("a fairness target (`Role`, `Role.step`, `Role.receive` or `delivery`)")
        }

        // Choreographies.
        Rule::chor_stmt
        | Rule::chor_interact
        | Rule::chor_local
        | Rule::chor_if
        | Rule::chor_for
        | Rule::chor_loop
        | Rule::chor_interrupt
        | Rule::kw_interruptible
        | Rule::kw_loop => Words("a choreography statement such as `A -> B: Message`"),
        Rule::chor_timeout => Words("`timeout at Role { ... }`"),
        Rule::chor_handler => Words("`on timeout at member in RoleSet { ... }`"),
        Rule::kw_at => Keyword("at"),

        // Types.
        Rule::type_expr
        | Rule::enum_type
        | Rule::record_type
        | Rule::tuple_type
        | Rule::set_type
        | Rule::seq_type
        | Rule::map_type
        | Rule::option_type
        | Rule::range_type
        | Rule::named_type => Type,

        // Expressions.
        Rule::expr
        | Rule::range_expr
        | Rule::sum_expr
        | Rule::postfix
        | Rule::primary
        | Rule::prefix_op
        | Rule::quant
        | Rule::if_expr
        | Rule::let_expr
        | Rule::brace_expr
        | Rule::brace_body
        | Rule::bracket_expr
        | Rule::paren_expr
        | Rule::kw_true
        | Rule::kw_false
        | Rule::kw_forall
        | Rule::kw_exists
        | Rule::kw_sum
        | Rule::kw_let
        | Rule::op_neg => Expression,
        // `not` starts an expression (where the operand is expected too) or
        // `not in` (where the other operators are): never worth naming.
        Rule::kw_not => Nothing,
        Rule::int_lit => Words("an integer"),
        Rule::string_lit => Words("a string"),
        Rule::ident | Rule::keyword | Rule::ident_char => Name,
        Rule::field_name | Rule::tuple_index => Words("a field name"),
        Rule::cmp_op
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_le
        | Rule::op_ge
        | Rule::op_lt
        | Rule::op_gt
        | Rule::op_not_in
        | Rule::kw_subset => Comparison,
        // `in` is a comparison, and also what follows the names of a binder.
        Rule::kw_in => Keyword("in"),
        Rule::infix_op
        | Rule::arith_op
        | Rule::op_implies
        | Rule::op_iff
        | Rule::op_range
        | Rule::op_concat
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div
        | Rule::op_mod
        | Rule::op_inter
        | Rule::kw_and
        | Rule::kw_or => Operator,
        Rule::postfix_op
        | Rule::call_args
        | Rule::field_access
        | Rule::index_access
        | Rule::with_index
        | Rule::with_fields
        | Rule::kw_with => Selector,
        Rule::map_entry => Words("a map entry (`key -> value`)"),
        Rule::binder => Words("a binder (`x in S`)"),
        Rule::record_fields => Words("a record field (`name: value`)"),
        Rule::set_filter_tail | Rule::kw_where => Keyword("where"),
        Rule::set_map_tail | Rule::kw_for => Keyword("for"),
        Rule::set_rest | Rule::seq_tail => Words("`,`"),
        Rule::map_tail => Words("`->`"),
        Rule::kw_if => Keyword("if"),
        Rule::kw_then => Keyword("then"),
        Rule::kw_else => Keyword("else"),
        Rule::kw_when => Keyword("when"),
        Rule::kw_from => Keyword("from"),
        Rule::kw_as => Keyword("as"),
        Rule::kw_to => Keyword("to"),
        Rule::kw_symmetric => Keyword("symmetric"),
        Rule::kw_max => Keyword("max"),
        Rule::kw_max_in_flight => Keyword("max_in_flight"),
        Rule::kw_synchronous => Keyword("synchronous"),

        // Layout, which is never what is missing.
        Rule::WHITESPACE | Rule::COMMENT | Rule::line_comment | Rule::block_comment => Nothing,
    }
}

/// One thing that could have come next.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum Expected {
    /// A punctuation token, shown in backticks (`}`, `:=`).
    Token(&'static str),
    /// A reserved or contextual word, shown in backticks.
    Keyword(&'static str),
    Name,
    Words(&'static str),
    Type,
    Trigger,
    Temporal,
    Expression,
    Statement,
    /// A binary operator other than a comparison.
    Operator,
    /// A comparison (`==`, `<`, `in`, ...), also worded "an operator".
    Comparison,
    /// `.field`, `[index]` or `with`: after a complete operand these are
    /// always possible and almost never what is missing.
    Selector,
    Declaration,
    EndOfFile,
    Nothing,
}

impl Expected {
    fn words(self) -> Option<String> {
        Some(match self {
            Expected::Token(t) | Expected::Keyword(t) => format!("`{t}`"),
            Expected::Name => "a name".into(),
            Expected::Type => "a type".into(),
            Expected::Trigger => {
                "a trigger (`step name`, `timeout name` or `receive Message`)".into()
            }
            Expected::Temporal => "a temporal formula (`always P`, `eventually P`, \
                                   `always eventually P`, `eventually always P` or \
                                   `P leads_to Q`)"
                .into(),
            Expected::Words(w) => w.into(),
            Expected::Statement => "a statement".into(),
            Expected::Declaration => "a declaration such as `role`, `message` or `on`".into(),
            Expected::Expression => "an expression".into(),
            Expected::Operator | Expected::Comparison => "an operator".into(),
            Expected::Selector => "`.`, `[` or `with`".into(),
            Expected::EndOfFile => "end of file".into(),
            Expected::Nothing => return None,
        })
    }
}

/// Punctuation worth naming when it was expected. Operators are covered by
/// "an operator"; brackets that start an expression by "an expression".
const STRUCTURAL: &[&str] = &[
    "}", ")", "]", ",", ":", "=", ":=", "->", "{", "(", "[", "<", ">", "..", ".",
];

pub(super) fn from_pest(source: &str, error: &Error<Rule>, scan: &Scan) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    }
    .min(source.len());
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.as_slice(),
        // pest's own guards ("stack limit reached", "call limit reached"):
        // the scan should have rejected such input first.
        ErrorVariant::CustomError { .. } => return too_deep(Found::at(source, pos).span),
    };
    // pest places its report at the furthest *rule* it tried; a literal
    // (`=`, `}`) that failed further on is only in the detailed attempts.
    // Where that is further, report there, with the punctuation expected.
    let mut expected: Vec<Expected> = Vec::new();
    let mut at = pos;
    if let Some(attempts) = error.parse_attempts()
        && attempts.max_position >= pos
        && attempts.max_position <= source.len()
    {
        // pest does not export the token type; its text is what matters.
        let tokens: Vec<Expected> = attempts
            .expected_tokens()
            .iter()
            .filter_map(|token| {
                let text = token.to_string();
                STRUCTURAL
                    .iter()
                    .find(|&&t| t == text)
                    .map(|&t| Expected::Token(t))
            })
            .collect();
        if attempts.max_position == pos {
            expected = tokens;
        } else if !tokens.is_empty() {
            at = attempts.max_position;
            expected = tokens;
        }
    }
    if at == pos {
        expected.extend(positives.iter().map(|&r| describe(r)));
    }
    let pos = at;
    if let Some(unterminated) = scan.unterminated
        && pos >= unterminated.start()
    {
        return unterminated.diagnostic();
    }
    let found = Found::at(source, pos);
    let expected = simplify(expected);

    if positives == [Rule::kw_protocol] && scan.first_token.map(|t| t.start as usize) == Some(pos) {
        return Diagnostic::error(found.span, "missing `protocol Name` header")
            .with_label("expected `protocol Name` before this")
            .with_note("help: every spec starts with `protocol Name`, naming the protocol");
    }

    let list = join(&expected);
    let diagnostic = if let FoundKind::Stray(c) = found.kind {
        Diagnostic::error(found.span, format!("unexpected character `{c}`"))
            .with_label(format!("expected {list}"))
            .with_note("note: this character is not part of the spec language")
    } else {
        Diagnostic::error(
            found.span,
            format!("expected {list}, found {}", found.words()),
        )
        .with_label(format!("expected {list}"))
    };
    match &found.kind {
        FoundKind::Keyword(word) if expected == [Expected::Name] => diagnostic.with_note(format!(
            "help: `{word}` is a reserved word and cannot be used as a name"
        )),
        FoundKind::Token(op)
            if matches!(op.as_str(), "==" | "!=" | "<" | "<=" | ">" | ">=")
                && expected.contains(&Expected::Operator)
                && !expected.contains(&Expected::Comparison) =>
        {
            diagnostic.with_note(
                "help: comparisons do not chain; write `a < b and b < c`, or add parentheses",
            )
        }
        _ => diagnostic,
    }
}

/// Orders and prunes the alternatives so that the list says what a user
/// most likely left out.
fn simplify(mut expected: Vec<Expected>) -> Vec<Expected> {
    expected.sort();
    expected.dedup();
    let has = |e: &[Expected], x: Expected| e.contains(&x);
    let snapshot = expected.clone();
    let specific = snapshot
        .iter()
        .any(|e| !matches!(e, Expected::Nothing | Expected::EndOfFile));
    let statement = has(&snapshot, Expected::Statement);
    let operator = has(&snapshot, Expected::Operator) || has(&snapshot, Expected::Comparison);
    expected.retain(|e| match e {
        Expected::Nothing => false,
        // The end of the file is possible after almost every declaration.
        Expected::EndOfFile => !specific,
        // Where a statement may start, so may an assignment (a name, an
        // expression) and the statements that start with a keyword.
        Expected::Expression | Expected::Name | Expected::Keyword("if" | "for" | "let") => {
            !statement
        }
        // Brackets that would start an expression or a type, or select.
        Expected::Token("{" | "(" | "[") => {
            !has(&snapshot, Expected::Expression)
                && !has(&snapshot, Expected::Type)
                && !has(&snapshot, Expected::Selector)
                && !has(&snapshot, Expected::Temporal)
                && !has(&snapshot, Expected::Trigger)
        }
        // The words that start a trigger.
        Expected::Keyword("step" | "timeout" | "receive") => !has(&snapshot, Expected::Trigger),
        Expected::Token("<" | ">") | Expected::Keyword("in") => {
            !has(&snapshot, Expected::Comparison)
        }
        Expected::Token("..") => !operator,
        Expected::Token(".") => !has(&snapshot, Expected::Selector),
        // Selectors are worth naming only when nothing else is possible.
        Expected::Selector => snapshot.len() == 1,
        _ => true,
    });
    if expected.is_empty() {
        // Only selectors or the end of the file remain, or nothing at all.
        if has(&snapshot, Expected::EndOfFile) {
            expected.push(Expected::EndOfFile);
        } else {
            expected.push(Expected::Words("something else"));
        }
    }
    expected
}

fn join(expected: &[Expected]) -> String {
    let mut words: Vec<String> = Vec::new();
    for w in expected.iter().filter_map(|e| e.words()) {
        if !words.contains(&w) {
            words.push(w);
        }
    }
    match words.as_slice() {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token at the error position.
struct Found {
    span: Span,
    kind: FoundKind,
}

enum FoundKind {
    EndOfFile,
    Keyword(String),
    Token(String),
    String,
    /// A character that starts no token of the language.
    Stray(char),
}

/// Multi-character operators, longest first.
const OPERATORS: &[&str] = &[
    "<=>", ":=", "=>", "==", "!=", "<=", ">=", "->", "..", "++", "//", "/*", "*/",
];

/// Single characters that start some token of the language.
const PUNCTUATION: &str = "{}()[],:;=<>+-*/%&.!";

impl Found {
    fn at(source: &str, pos: usize) -> Found {
        let rest = source.get(pos..).unwrap_or_default();
        let Some(c) = rest.chars().next() else {
            return Found {
                span: Span::new(source.len(), source.len()),
                kind: FoundKind::EndOfFile,
            };
        };
        let token = |len: usize, kind: FoundKind| Found {
            span: Span::new(pos, pos + len),
            kind,
        };
        if c.is_ascii_alphanumeric() || c == '_' {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            let kind = if is_keyword(word) {
                FoundKind::Keyword(word.to_owned())
            } else {
                FoundKind::Token(word.to_owned())
            };
            return token(len, kind);
        }
        if c == '"' {
            let len = rest[1..]
                .find(['"', '\n'])
                .map_or(rest.len(), |i| i + 2)
                .min(rest.len());
            return token(len, FoundKind::String);
        }
        if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            return token(op.len(), FoundKind::Token((*op).to_owned()));
        }
        if PUNCTUATION.contains(c) {
            return token(1, FoundKind::Token(c.to_string()));
        }
        token(c.len_utf8(), FoundKind::Stray(c))
    }

    fn words(&self) -> String {
        match &self.kind {
            FoundKind::EndOfFile => "end of file".into(),
            FoundKind::Keyword(w) | FoundKind::Token(w) => format!("`{w}`"),
            FoundKind::String => "a string".into(),
            FoundKind::Stray(c) => format!("`{c}`"),
        }
    }
}

/// Whether `word` is a reserved word (one that `ident` refuses).
fn is_keyword(word: &str) -> bool {
    use pest::Parser as _;
    super::SpecParser::parse(Rule::keyword, word).is_ok_and(|p| p.as_str() == word)
}
