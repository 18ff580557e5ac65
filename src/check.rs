//! `specc check FILE`: compile the spec, explore it, report the verdict.

use std::io::IsTerminal;

use checker::{CheckConfig, GraphConfig, GraphError};
use spec_lang::ir;

use crate::cli::{CheckArgs, Exit, When};
use crate::compiled;
use crate::progress::{ProgressLine, group};
use crate::report::{self, Report};
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

    let graph_written = match write_graph(args, &spec) {
        Ok(note) => note,
        Err(message) => {
            terminal::print_error(&message);
            return Exit::Usage;
        }
    };
    let spill = match spill_config(args) {
        Ok(s) => s,
        Err(message) => {
            terminal::print_error(&message);
            return Exit::Usage;
        }
    };
    let config = CheckConfig {
        workers: args
            .workers
            .map_or_else(report::default_workers, usize::from),
        symmetry: !args.no_symmetry,
        max_states: args.max_states,
        max_depth: args.max_depth,
        memory_limit: args.memory_limit,
        spill: Some(spill),
        check_deadlock: !args.no_deadlock,
        por: args.por,
    };
    let show_progress = match args.progress {
        When::Always => true,
        When::Never => false,
        When::Auto => std::io::stderr().is_terminal(),
    };
    let file = SpecFile { name, source, spec };
    let outcome = {
        let line = ProgressLine::new(show_progress);
        if args.compiled {
            match compiled::check(&file, &args.params, &config, &line) {
                Ok(outcome) => outcome,
                Err(compiled::CompiledError::Interpret) => {
                    checker::check(&file.spec, &config, &|p| line.update(p))
                }
                Err(compiled::CompiledError::Failed(message)) => {
                    drop(line);
                    terminal::print_error(&message);
                    return Exit::Usage;
                }
            }
        } else {
            checker::check(&file.spec, &config, &|p| line.update(p))
        }
    };

    let report = Report {
        format: args.format,
        trace_out: args.trace_out.as_deref(),
        chart: args.chart.as_deref(),
        html: args.html.as_deref(),
        coverage: args.coverage,
    };
    let exit = report::finish(&report, &file, &outcome);
    if let Some(written) = graph_written {
        eprintln!("{written}");
    }
    exit
}

/// Writes the state graph when asked; an error (the graph is too large,
/// the file cannot be written) is the command line's problem. On success
/// returns the note to print after the report.
fn write_graph(args: &CheckArgs, spec: &ir::Spec) -> Result<Option<String>, String> {
    let Some(path) = &args.graph else {
        return Ok(None);
    };
    let config = GraphConfig {
        symmetry: !args.no_symmetry,
        check_deadlock: !args.no_deadlock,
    };
    match checker::state_graph(spec, &config) {
        Ok(graph) => {
            std::fs::write(path, checker::dot_graph(spec, &graph))
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
            Ok(Some(format!(
                "note: wrote the state graph ({} states, {} transitions) to `{}`",
                graph.states.len(),
                graph.edges.len(),
                path.display()
            )))
        }
        Err(GraphError::TooLarge { states, edges }) => Err(format!(
            "the state graph is too large for --graph: it has more than {} (found {} states and {} transitions so far); \
             --graph draws at most {} states and {} transitions, because a larger drawing cannot be read and Graphviz lays it out slowly; \
             make the space smaller (--param, a state constraint) or use --coverage to see what the steps do",
            if states > checker::MAX_GRAPH_STATES {
                format!("{} states", group(checker::MAX_GRAPH_STATES))
            } else {
                format!("{} transitions", group(checker::MAX_GRAPH_EDGES))
            },
            group(states),
            group(edges),
            group(checker::MAX_GRAPH_STATES),
            group(checker::MAX_GRAPH_EDGES),
        )),
        // The check reports the spec's error with its place.
        Err(GraphError::Spec(e)) => Ok(Some(format!(
            "note: no state graph was written: {}",
            e.message
        ))),
    }
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
