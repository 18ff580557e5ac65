//! Source text to AST. The only module that sees pest.
//!
//! [`parse`] runs in three stages: a lexical scan ([`scan`]) that bounds the
//! nesting pest will meet and catches what is clearest to report lexically;
//! pest itself, with the grammar in `parse/grammar.pest`; and a builder
//! ([`build`], [`expr`]) that turns pest's pairs into the owned AST of
//! [`crate::ast`], applies operator precedence and bounds the depth of the
//! tree it makes. A pest error becomes one diagnostic in the user's words
//! ([`errors`]).
//!
//! # Limits
//!
//! Every input, however malformed, is either parsed or rejected with a
//! diagnostic, in time linear in its length, without exhausting the stack:
//!
//! - Nesting is limited to [`MAX_NESTING`] (256) levels. That counts
//!   brackets (`(`, `[`, `{`, and `<` in types) and the expressions that
//!   extend to the right (`if`, `let`, `forall`, `exists`, `sum`), and, in
//!   the finished tree, every level of expressions, types, statements and
//!   blocks: `a + b + c` is two levels deep, `not not x` two, `x.f.g` two,
//!   an `else if` chain two levels per `else if`.
//! - Chains of `and` and of `or` are built as balanced trees (both operators
//!   are associative, short-circuiting included), so an invariant with
//!   thousands of conjuncts is fine: a chain of n terms is about log2(n)
//!   levels deep.
//! - Every later pass (resolver, type checker, lowering, the checker's
//!   evaluator) may therefore recurse over the tree on a 2 MiB stack.
//! - Time and memory are linear in the length of the source. pest is not
//!   fast: about 2 MB of spec per second in a release build, and up to
//!   about 100 bytes of memory per byte of source while parsing. Real specs
//!   are a few kilobytes.

mod build;
mod errors;
mod expr;
mod scan;
#[cfg(test)]
mod tests;

use std::sync::Mutex;

use pest::Parser as _;
use pest_derive::Parser;

use crate::ast;
use crate::diagnostic::Diagnostic;

/// The deepest nesting of the syntax tree that `parse` accepts: brackets,
/// the expressions that extend to the right (`if`, `let`, quantifiers), and
/// every level of the finished tree count. Chains of `and` and `or` are
/// balanced, so they add only about log2(n) levels.
pub const MAX_NESTING: usize = 256;

#[derive(Parser)]
#[grammar = "parse/grammar.pest"]
struct SpecParser;

/// The stack the parser runs on. pest spends a few kilobytes of stack per
/// level of nesting in debug builds; this leaves a wide margin over what
/// [`MAX_NESTING`] levels need, and the memory is only touched when used.
const PARSER_STACK: usize = 64 * 1024 * 1024;

pub fn parse(source: &str) -> Result<ast::SpecFile, Vec<Diagnostic>> {
    let scan = scan::scan(source).map_err(|d| vec![d])?;
    // pest and the builder run on a thread of their own so that the stack
    // they may use does not depend on the caller's (test threads and rayon
    // workers have 2 MiB). Should the thread not start, parse on this one:
    // the scan has bounded the nesting, so that is still safe in release
    // builds, and the parser's own stack guard reports the rest.
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("specc-parse".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || parse_scanned(source, &scan));
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(vec![Diagnostic::error(
                    crate::Span::DETACHED,
                    "internal error: the parser stopped unexpectedly",
                )])
            }),
            Err(_) => parse_scanned(source, &scan),
        }
    })
}

fn parse_scanned(source: &str, scan: &scan::Scan) -> Result<ast::SpecFile, Vec<Diagnostic>> {
    let pairs = match SpecParser::parse(Rule::file, source) {
        Ok(pairs) => pairs,
        Err(_) => {
            let error = detailed_error(source);
            return Err(vec![errors::from_pest(source, &error, scan)]);
        }
    };
    build::Builder { scan }
        .file(source, pairs)
        .map_err(|d| vec![d])
}

/// Parses `source` again, recording what pest tried at the furthest point.
///
/// The record lets a syntax error name the punctuation it expected (`}`,
/// `:=`), which pest's rule-level report cannot; keeping it costs pest about
/// half its speed, so it is only switched on to explain an error. The switch
/// is process-wide and read when a parse starts: the lock keeps another
/// thread from switching it off in between, so every report is the same
/// whatever runs beside it. (A parse that starts meanwhile is only slower.)
fn detailed_error(source: &str) -> pest::error::Error<Rule> {
    static DETAIL: Mutex<()> = Mutex::new(());
    let _guard = DETAIL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    pest::set_error_detail(true);
    let result = SpecParser::parse(Rule::file, source);
    pest::set_error_detail(false);
    match result {
        Err(error) => error,
        // The grammar is deterministic, so this cannot happen; should it,
        // report the parse as failing at the end rather than panic.
        Ok(_) => pest::error::Error::new_from_pos(
            pest::error::ErrorVariant::CustomError {
                message: "internal error: the parser disagreed with itself".into(),
            },
            pest::Position::from_start(source),
        ),
    }
}
