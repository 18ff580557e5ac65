//! What `check` and `simulate` share once they have an outcome: the files
//! of the counterexample, the report in text or JSON, the coverage table
//! and warnings, and the exit code.

use std::path::Path;

use checker::{CheckOutcome, Verdict};
use spec_lang::ir;

use crate::chart;
use crate::cli::{Exit, Format};
use crate::counterexample;
use crate::spec_file::SpecFile;
use crate::terminal;

/// How the user asked to see an outcome.
pub struct Report<'a> {
    pub format: Format,
    pub trace_out: Option<&'a Path>,
    pub chart: Option<&'a Path>,
    pub html: Option<&'a Path>,
    /// Print the coverage table after a text report.
    pub coverage: bool,
}

/// Writes the files asked for, prints the report and returns the exit
/// code of the outcome.
pub fn finish(report: &Report<'_>, file: &SpecFile, outcome: &CheckOutcome) -> Exit {
    let SpecFile { name, source, spec } = file;
    if let Err(message) = write_counterexample(report, spec, outcome, name, source) {
        terminal::print_error(&message);
        return Exit::Usage;
    }
    terminal::print_diagnostics(name, source, &checker::coverage_warnings(spec, outcome));
    let locate = |span: ir::Span| {
        let (line, column) = spec_lang::line_column(source, span.start);
        Some(format!("{line}:{column}"))
    };
    match report.format {
        Format::Json => {
            let summary = checker::json_summary(spec, outcome);
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
        }
        Format::Text => {
            terminal::print_diagnostics(name, source, &checker::diagnostics(outcome));
            print!("{}", checker::text_report_located(spec, outcome, &locate));
            if report.coverage {
                println!();
                print!("{}", checker::text_coverage(spec, outcome, &locate));
            }
        }
    }
    match outcome.result {
        Verdict::Ok => Exit::Ok,
        Verdict::Violation => Exit::Violation,
        Verdict::Error => Exit::Usage,
        Verdict::Incomplete { .. } => Exit::Incomplete,
    }
}

/// Writes the counterexample (or the trace that reached an error) as an
/// ITF trace, a chart and a viewer page, as asked. Without one there is
/// nothing to write, which is said on stderr.
fn write_counterexample(
    report: &Report<'_>,
    spec: &ir::Spec,
    outcome: &CheckOutcome,
    name: &str,
    source: &str,
) -> Result<(), String> {
    let wanted: Vec<&Path> = [report.trace_out, report.chart, report.html]
        .into_iter()
        .flatten()
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let Some(doc) = counterexample::itf(outcome, spec, name, source) else {
        for path in wanted {
            eprintln!(
                "note: no counterexample, so nothing was written to `{}`",
                path.display()
            );
        }
        return Ok(());
    };
    if let Some(path) = report.trace_out {
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| format!("cannot encode the trace: {e}"))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    chart::write(&doc, report.chart, report.html)
        .map_err(|e| format!("cannot draw the counterexample: {e}"))
}

/// One worker per core.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
