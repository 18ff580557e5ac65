//! Where output goes and whether it is coloured.

use std::io::IsTerminal;

use spec_lang::Diagnostic;

/// Whether to colour what goes to stderr: only on a terminal, and never when
/// `NO_COLOR` is set (<https://no-color.org>).
pub fn stderr_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Prints diagnostics for one file to stderr.
pub fn print_diagnostics(file_name: &str, source: &str, diagnostics: &[Diagnostic]) {
    eprint!(
        "{}",
        spec_lang::render(file_name, source, diagnostics, stderr_color())
    );
}

/// Prints a one-line error that has no source location.
pub fn print_error(message: &str) {
    eprintln!("error: {message}");
}
