//! `specc project FILE`: compile the spec and print what its choreography
//! became, each role's steps in the language's own syntax.

use crate::check::load;
use crate::cli::{Exit, ProjectArgs};
use crate::terminal;

pub fn run(args: &ProjectArgs) -> Exit {
    let name = args.file.display().to_string();
    let source = match load(&args.file) {
        Ok(source) => source,
        Err(exit) => return exit,
    };
    let compiled = match spec_lang::compile(&source, &args.params) {
        Ok(compiled) => compiled,
        Err(diagnostics) => {
            terminal::print_diagnostics(&name, &source, &diagnostics);
            return Exit::Usage;
        }
    };
    terminal::print_diagnostics(&name, &source, &compiled.warnings);
    let text = compiled.spec.projection_text(&|span| {
        let (line, column) = spec_lang::line_column(&source, span.start);
        format!("{line}:{column}")
    });
    if text.is_empty() {
        terminal::print_error(&format!("`{name}` has no choreography to project"));
        return Exit::Usage;
    }
    print!("{text}");
    Exit::Ok
}
