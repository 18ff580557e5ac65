//! `specc check FILE`.

use crate::cli::{CheckArgs, Exit};
use crate::terminal;

/// Files larger than this are refused before parsing; no protocol spec comes
/// close, and spans are 32-bit offsets.
const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

pub fn run(args: &CheckArgs) -> Exit {
    let name = args.file.display().to_string();
    let bytes = match read_spec(&args.file) {
        Ok(bytes) => bytes,
        Err(message) => {
            terminal::print_error(&message);
            return Exit::Usage;
        }
    };
    let source = match spec_lang::source_text(&bytes) {
        Ok(source) => source,
        Err(diagnostic) => {
            terminal::print_diagnostics(&name, "", &[diagnostic]);
            return Exit::Usage;
        }
    };
    let compiled = match spec_lang::compile(source, &args.params) {
        Ok(compiled) => compiled,
        Err(diagnostics) => {
            terminal::print_diagnostics(&name, source, &diagnostics);
            return Exit::Usage;
        }
    };
    terminal::print_diagnostics(&name, source, &compiled.warnings);
    if args.dump_ir {
        print!("{}", compiled.spec);
        return Exit::Ok;
    }
    println!("{name}: parsed and type-checked");
    Exit::Ok
}

fn read_spec(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if metadata.is_dir() {
        return Err(format!("`{shown}` is a directory, not a spec file"));
    }
    if metadata.len() > MAX_SPEC_BYTES {
        return Err(format!(
            "`{shown}` is {} bytes; specc reads spec files of at most {MAX_SPEC_BYTES} bytes",
            metadata.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read `{shown}`: {e}"))
}
