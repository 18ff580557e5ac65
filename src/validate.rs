//! `specc validate FILE TRACE`: replay a recorded trace on the spec.
//!
//! Exit codes: 0 the trace replays, 1 it diverges from the spec or breaks an
//! invariant, 2 the spec, the command line or the trace file is malformed.

use crate::cli::{Exit, ValidateArgs};
use crate::spec_file::{self, SpecFile};
use crate::terminal;

/// Traces larger than this are refused rather than read into memory.
const MAX_TRACE_BYTES: u64 = 1024 * 1024 * 1024;

pub fn run(args: &ValidateArgs) -> Exit {
    let file = match spec_file::compile(&args.file, &args.params) {
        Ok(file) => file,
        Err(exit) => return exit,
    };
    let SpecFile { spec, .. } = file;
    let trace_name = args.trace.display().to_string();
    let too_big = std::fs::metadata(&args.trace).is_ok_and(|m| m.len() > MAX_TRACE_BYTES);
    if too_big {
        terminal::print_error(&format!("{trace_name}: the trace is larger than 1 GiB"));
        return Exit::Usage;
    }
    let text = match std::fs::read(&args.trace) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                terminal::print_error(&format!("{trace_name}: the trace is not UTF-8 text"));
                return Exit::Usage;
            }
        },
        Err(e) => {
            terminal::print_error(&format!("{trace_name}: {e}"));
            return Exit::Usage;
        }
    };
    match checker::validate_trace(&spec, &text) {
        Ok(report) => {
            println!("{trace_name}: {} steps replay on the spec", report.records);
            for (step, n) in &report.coverage {
                println!("  {step}: {n}");
            }
            Exit::Ok
        }
        Err(e) => {
            terminal::print_error(&format!("{trace_name}: {e}"));
            if e.is_malformed() {
                Exit::Usage
            } else {
                Exit::Violation
            }
        }
    }
}
