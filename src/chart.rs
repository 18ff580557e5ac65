//! `specc chart TRACE --out FILE.svg --html FILE.html`: draw a saved ITF
//! trace; and the writing of charts and viewer pages that `specc check
//! --chart` and `--html` share.

use std::path::Path;

use serde_json::Value as Json;

use crate::cli::{ChartArgs, Exit};
use crate::terminal;

/// ITF files larger than this are refused rather than read into memory.
const MAX_TRACE_BYTES: u64 = 256 * 1024 * 1024;

pub fn run(args: &ChartArgs) -> Exit {
    if args.out.is_none() && args.html.is_none() {
        terminal::print_error("nothing to write: give --out FILE.svg, --html FILE.html or both");
        return Exit::Usage;
    }
    let name = args.trace.display().to_string();
    let doc = match read_json(&args.trace) {
        Ok(doc) => doc,
        Err(message) => {
            terminal::print_error(&format!("{name}: {message}"));
            return Exit::Usage;
        }
    };
    match write(&doc, args.out.as_deref(), args.html.as_deref()) {
        Ok(()) => Exit::Ok,
        Err(message) => {
            terminal::print_error(&format!("{name}: {message}"));
            Exit::Usage
        }
    }
}

fn read_json(path: &Path) -> Result<Json, String> {
    let too_big = std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_TRACE_BYTES);
    if too_big {
        return Err("the trace is larger than 256 MiB".into());
    }
    if path.is_dir() {
        return Err("is a directory, not an ITF trace".into());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))
}

/// Decodes an ITF document and writes its chart and viewer page where
/// asked.
pub fn write(doc: &Json, svg: Option<&Path>, html: Option<&Path>) -> Result<(), String> {
    let trace =
        chart::Trace::from_itf(doc).map_err(|e| format!("not an ITF trace specc can draw: {e}"))?;
    if let Some(path) = svg {
        save(path, &chart::svg(&trace))?;
    }
    if let Some(path) = html {
        save(path, &chart::html(&trace))?;
    }
    Ok(())
}

fn save(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}
