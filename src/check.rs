//! `specc check FILE`: compile the spec, explore it, report the verdict.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use checker::{CheckConfig, CheckOutcome, Verdict};
use spec_lang::ir;

use crate::chart;
use crate::cli::{CheckArgs, Exit, Format, When};
use crate::counterexample;
use crate::progress::ProgressLine;
use crate::spec_file::{self, SpecFile};
use crate::terminal;

pub fn run(args: &CheckArgs) -> Exit {
    let file = match spec_file::compile(&args.file, &args.params) {
        Ok(file) => file,
        Err(exit) => return exit,
    };
    let SpecFile { name, source, spec } = file;
    if args.dump_ir {
        print!("{spec}");
        return Exit::Ok;
    }

    terminal::print_diagnostics(&name, &source, &liveness_notes(&spec, args));

    let spill = match spill_config(args) {
        Ok(s) => s,
        Err(message) => {
            terminal::print_error(&message);
            return Exit::Usage;
        }
    };
    let config = CheckConfig {
        workers: args.workers.map_or_else(default_workers, usize::from),
        symmetry: !args.no_symmetry,
        max_states: args.max_states,
        max_depth: args.max_depth,
        memory_limit: args.memory_limit,
        spill: Some(spill),
        check_deadlock: !args.no_deadlock,
    };
    let show_progress = match args.progress {
        When::Always => true,
        When::Never => false,
        When::Auto => std::io::stderr().is_terminal(),
    };
    let outcome = {
        let line = ProgressLine::new(show_progress);
        checker::check(&spec, &config, &|p| line.update(p))
    };

    if let Err(message) = write_counterexample(args, &spec, &outcome, &name, &source) {
        terminal::print_error(&message);
        return Exit::Usage;
    }
    match args.format {
        Format::Json => {
            let summary = checker::json_summary(&spec, &outcome);
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
        }
        Format::Text => {
            terminal::print_diagnostics(&name, &source, &checker::diagnostics(&outcome));
            let locate = |span: ir::Span| {
                let (line, column) = spec_lang::line_column(&source, span.start);
                Some(format!("{line}:{column}"))
            };
            print!("{}", checker::text_report_located(&spec, &outcome, &locate));
        }
    }
    match outcome.result {
        Verdict::Ok => Exit::Ok,
        Verdict::Violation => Exit::Violation,
        Verdict::Error => Exit::Usage,
        Verdict::Incomplete { .. } => Exit::Incomplete,
    }
}

fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Writes the counterexample (or the trace that reached an error) as an
/// ITF trace, a chart and a viewer page, as asked. Without one there is
/// nothing to write, which is said on stderr.
fn write_counterexample(
    args: &CheckArgs,
    spec: &ir::Spec,
    outcome: &CheckOutcome,
    name: &str,
    source: &str,
) -> Result<(), String> {
    let wanted: Vec<&Path> = [&args.trace_out, &args.chart, &args.html]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
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
    if let Some(path) = &args.trace_out {
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| format!("cannot encode the trace: {e}"))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    chart::write(&doc, args.chart.as_deref(), args.html.as_deref())
        .map_err(|e| format!("cannot draw the counterexample: {e}"))
}

/// Warnings about what makes a liveness verdict weaker than it looks: the
/// liveness search runs without symmetry reduction, and a state constraint
/// or a depth bound cuts behaviours short (a state that is not expanded can
/// only stutter, which may hide or invent a violation).
fn liveness_notes(spec: &ir::Spec, args: &CheckArgs) -> Vec<spec_lang::Diagnostic> {
    let Some(first) = spec
        .properties
        .iter()
        .find(|p| !matches!(p.formula, ir::Temporal::Always(_)))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if !spec.constraints.is_empty() {
        out.push(
            spec_lang::Diagnostic::warning(
                first.span,
                "a state constraint makes liveness verdicts unreliable",
            )
            .with_label("checked only on the states inside the constraints")
            .with_note(
                "note: states outside a constraint are not expanded, so runs that leave the constraints are not judged",
            ),
        );
    }
    if args.max_depth.is_some() {
        out.push(
            spec_lang::Diagnostic::warning(
                first.span,
                "a depth bound makes liveness verdicts unreliable",
            )
            .with_label("checked only on the states within the depth bound")
            .with_note(
                "note: states at the depth bound are not expanded, so behaviours stutter there",
            ),
        );
    }
    if !args.no_symmetry && spec.roles.iter().any(|r| r.symmetric) {
        eprintln!(
            "note: temporal properties are checked without symmetry reduction (fairness is about individual instances); invariants still use it"
        );
    }
    out
}

/// The in-memory budget of the queue: 1 GiB, or half the memory limit.
const DEFAULT_QUEUE_MEMORY: u64 = 1 << 30;

fn spill_config(args: &CheckArgs) -> Result<checker::Spill, String> {
    let dir = args.spill_dir.clone().unwrap_or_else(std::env::temp_dir);
    if args.spill_dir.is_some() && !dir.is_dir() {
        return Err(format!("--spill-dir {}: not a directory", dir.display()));
    }
    let in_memory = args.queue_memory.unwrap_or_else(|| {
        args.memory_limit
            .map_or(DEFAULT_QUEUE_MEMORY, |m| (m / 2).min(DEFAULT_QUEUE_MEMORY))
    });
    Ok(checker::Spill { dir, in_memory })
}
