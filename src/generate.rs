//! `specc gen FILE --out DIR`: compile the spec and write the generated
//! crate's files.

use std::path::{Path, PathBuf};

use crate::cli::{Exit, GenArgs};
use crate::spec_file::{self, SpecFile};
use crate::terminal;

pub fn run(args: &GenArgs) -> Exit {
    let file = match spec_file::compile(&args.file, &args.params) {
        Ok(file) => file,
        Err(exit) => return exit,
    };
    let SpecFile { name, source, spec } = file;
    let crate_name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&args.file));
    let config = codegen::GenConfig {
        crate_name,
        runtime_path: args.runtime.clone().unwrap_or_else(default_runtime),
    };
    let generated = match codegen::generate(&spec, &config) {
        Ok(generated) => generated,
        Err(e) => {
            let d = spec_lang::Diagnostic::error(e.span, e.message);
            terminal::print_diagnostics(&name, &source, &[d]);
            return Exit::Usage;
        }
    };
    for (path, text) in &generated.files {
        let target = args.out.join(path);
        if let Err(message) = write(&target, text) {
            terminal::print_error(&message);
            return Exit::Usage;
        }
    }
    eprintln!(
        "wrote {} files to {}",
        generated.files.len(),
        args.out.display()
    );
    Exit::Ok
}

/// Writes a file unless it already has this text, so that regenerating an
/// unchanged crate does not make Cargo rebuild it.
fn write(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The file name made a valid package name (`specs/2pc.spec` gives `spec-2pc`):
/// letters, digits, `-` and `_`, not starting with a digit.
fn default_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if clean.starts_with(|c: char| c.is_ascii_alphabetic()) {
        clean
    } else {
        format!("spec-{clean}")
    }
}

/// The runtime crate of the source tree this specc was built from.
fn default_runtime() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime")
}
