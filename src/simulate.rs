//! `specc simulate FILE`: random walks through a spec's state space,
//! reported as `check` reports a search.

use std::io::IsTerminal;

use checker::SimulateConfig;
use spec_lang::ir;

use crate::cli::{Exit, SimulateArgs, When};
use crate::progress::ProgressLine;
use crate::report::{self, Report};
use crate::spec_file;

pub fn run(args: &SimulateArgs) -> Exit {
    let file = match spec_file::compile(&args.file, &args.params) {
        Ok(file) => file,
        Err(exit) => return exit,
    };
    if let Some(note) = unchecked_properties(&file.spec) {
        eprintln!("{note}");
    }
    let config = SimulateConfig {
        runs: args.runs,
        depth: args.depth,
        seed: args.seed,
        workers: args
            .workers
            .map_or_else(report::default_workers, usize::from),
        check_deadlock: !args.no_deadlock,
    };
    let show_progress = match args.progress {
        When::Always => true,
        When::Never => false,
        When::Auto => std::io::stderr().is_terminal(),
    };
    let outcome = {
        let line = ProgressLine::new(show_progress);
        checker::simulate(&file.spec, &config, &|p| line.update_simulation(p))
    };
    if let Some(note) = never_taken(&file.spec, &outcome, args.coverage) {
        eprintln!("{note}");
    }
    let report = Report {
        format: args.format,
        trace_out: args.trace_out.as_deref(),
        chart: args.chart.as_deref(),
        html: args.html.as_deref(),
        coverage: args.coverage,
    };
    report::finish(&report, &file, &outcome)
}

/// Walks check invariants, `always` properties, step assertions and
/// deadlocks; other temporal properties need the whole graph.
fn unchecked_properties(spec: &ir::Spec) -> Option<String> {
    let names: Vec<&str> = spec
        .properties
        .iter()
        .filter(|p| !matches!(p.formula, ir::Temporal::Always(_)))
        .map(|p| p.name.as_str())
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "note: simulation does not check temporal properties other than `always` ({}); `specc check` does",
            names.join(", ")
        )
    })
}

/// A note on the steps no walk took, when the coverage table is not shown.
fn never_taken(spec: &ir::Spec, outcome: &checker::CheckOutcome, shown: bool) -> Option<String> {
    let coverage = outcome.stats.coverage.as_ref()?;
    let idle: Vec<String> = coverage
        .steps
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == 0)
        .filter_map(|(n, _)| spec.steps.get(n))
        .map(|s| format!("{}.{}", spec.role(s.role).name, s.name))
        .collect();
    if idle.is_empty() || shown {
        return None;
    }
    Some(format!(
        "note: no walk took {} ({}); --coverage shows every step's count",
        if idle.len() == 1 {
            "this step"
        } else {
            "these steps"
        },
        idle.join(", ")
    ))
}
