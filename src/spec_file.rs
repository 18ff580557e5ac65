//! Reading a spec file from disk and compiling it: the prologue every
//! subcommand shares.

use std::path::Path;

use spec_lang::{ParamOverride, ir};

use crate::cli::Exit;
use crate::terminal;

/// Files larger than this are refused before parsing; no protocol spec comes
/// close, and spans are 32-bit offsets.
const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

/// A compiled spec with the text its diagnostics point into.
pub struct SpecFile {
    /// The path as the user gave it, for messages.
    pub name: String,
    pub source: String,
    pub spec: ir::Spec,
}

/// Reads, decodes and compiles a spec file. Errors and warnings are printed
/// here; an error yields the exit code to return.
pub fn compile(path: &Path, params: &[ParamOverride]) -> Result<SpecFile, Exit> {
    let name = path.display().to_string();
    let source = load(path)?;
    match spec_lang::compile(&source, params) {
        Ok(compiled) => {
            terminal::print_diagnostics(&name, &source, &compiled.warnings);
            Ok(SpecFile {
                name,
                source,
                spec: compiled.spec,
            })
        }
        Err(diagnostics) => {
            terminal::print_diagnostics(&name, &source, &diagnostics);
            Err(Exit::Usage)
        }
    }
}

/// Reads and decodes a spec file, printing any problem.
fn load(path: &Path) -> Result<String, Exit> {
    let name = path.display().to_string();
    let bytes = read_spec(path).map_err(|message| {
        terminal::print_error(&message);
        Exit::Usage
    })?;
    match spec_lang::source_text(&bytes) {
        Ok(source) => Ok(source.to_string()),
        Err(diagnostic) => {
            terminal::print_diagnostics(&name, "", &[diagnostic]);
            Err(Exit::Usage)
        }
    }
}

fn read_spec(path: &Path) -> Result<Vec<u8>, String> {
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
