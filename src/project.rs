//! `specc project FILE`: compile the spec and print what its choreography
//! became, each role's steps in the language's own syntax.

use crate::cli::{Exit, ProjectArgs};
use crate::spec_file::{self, SpecFile};
use crate::terminal;

pub fn run(args: &ProjectArgs) -> Exit {
    let file = match spec_file::compile(&args.file, &args.params) {
        Ok(file) => file,
        Err(exit) => return exit,
    };
    let SpecFile { name, source, spec } = file;
    let text = spec.projection_text(&|span| {
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
