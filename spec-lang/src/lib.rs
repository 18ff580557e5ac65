//! The specc language front end: source text in, checked IR out.
//!
//! `parse` turns text into an owned, spanned AST (pest is confined to that
//! module); `resolve` and `typeck` find every name and type error they can
//! in one run; `lower` builds the [`ir::Spec`] that the checker, the code
//! generator and the trace validator share.
//!
//! This crate does no I/O: it never opens files, prints or exits. Errors are
//! [`Diagnostic`] values; [`render`] turns them into text.

pub mod ast;
mod diagnostic;
pub mod ir;
mod lower;
mod names;
mod parse;
mod project;
mod resolve;
mod source;
mod span;
#[cfg(test)]
mod testing;
mod typeck;

pub use diagnostic::{Diagnostic, Label, Severity, line_column, render};
pub use parse::MAX_NESTING;
pub use source::source_text;
pub use span::{Ident, Span};

/// A `--param NAME=VALUE` given on the command line, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamOverride {
    pub name: String,
    pub value: String,
}

/// A spec that compiled, with the warnings found on the way.
#[derive(Debug)]
pub struct Compiled {
    pub spec: ir::Spec,
    pub warnings: Vec<Diagnostic>,
}

/// Parses one spec file into its syntax tree.
///
/// Syntax errors stop at the first one, since what follows it cannot be
/// trusted; every other pass reports all of its errors.
pub fn parse(source: &str) -> Result<ast::SpecFile, Vec<Diagnostic>> {
    parse::parse(source)
}

/// Parses, resolves, type-checks and lowers one spec.
///
/// Errors come back all at once, sorted by position; warnings are in
/// [`Compiled::warnings`].
pub fn compile(source: &str, overrides: &[ParamOverride]) -> Result<Compiled, Vec<Diagnostic>> {
    let file = parse(source)?;
    lower::lower(&file, Some(source), overrides)
}

/// Resolves, type-checks and lowers a parsed spec.
///
/// Without the source text, a choreography's points are named `P1`, `P2`,
/// ... instead of after their lines; [`compile`] names them `L12`.
pub fn compile_file(
    file: &ast::SpecFile,
    overrides: &[ParamOverride],
) -> Result<Compiled, Vec<Diagnostic>> {
    lower::lower(file, None, overrides)
}
