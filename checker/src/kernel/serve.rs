//! How a compiled checker talks to the `specc` command: the request it
//! reads (the spec's text, the parameters, the configuration), the lines
//! it writes (progress reports, then the search's result), and how the
//! command turns that result into an outcome.
//!
//! The compiled checker compiles the spec's text again with the same
//! front end and refuses to run unless the IR is the one its code was
//! generated from ([`spec_key`](super::spec_key)). Its search result
//! carries counts, coverage and, for a violation, the transition indices
//! that reach it; [`finish_compiled`] rebuilds the counterexample by
//! replaying the interpreted machine along them and runs the liveness
//! search, so what the user sees is produced by the same code as an
//! interpreted check's output.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use spec_lang::ParamOverride;
use spec_lang::ir::Spec;

use super::{Kernel, Machine};
use crate::coverage::{Coverage, FaultCoverage, Tally};
use crate::eval::EvalError;
use crate::explore::{conclude_compiled, search_compiled};
use crate::frontier::Spill;
use crate::outcome::{
    CheckConfig, CheckError, CheckOutcome, IncompleteReason, PorStats, Progress, Stats,
    SymmetryStats, Verdict,
};
use crate::resolve::{Finding, Pending, Search};

use super::compare;

/// What the command sends a compiled checker on its standard input.
#[derive(Serialize, Deserialize)]
struct Request {
    /// The `specc` command's [`CHECKER_SOURCE`](super::CHECKER_SOURCE).
    checker_source: String,
    source: String,
    params: Vec<(String, String)>,
    config: WireConfig,
    /// Compare the kernel with the interpreted machine state by state
    /// instead of checking (see `compare.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compare: Option<compare::Bounds>,
}

#[derive(Serialize, Deserialize)]
struct WireConfig {
    workers: usize,
    symmetry: bool,
    max_states: Option<u64>,
    max_depth: Option<u32>,
    memory_limit: Option<u64>,
    /// The spill directory, as text (lossily, if it is not UTF-8: such a
    /// path is refused on the other side rather than misread).
    spill: Option<(String, u64)>,
    check_deadlock: bool,
    por: bool,
}

/// One line a compiled checker writes on its standard output.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Progress(WireProgress),
    Done(Box<KernelResult>),
    /// The checker could not run the request at all.
    Refused(String),
}

#[derive(Serialize, Deserialize)]
struct WireProgress {
    distinct: u64,
    generated: u64,
    queue: u64,
    depth: u32,
    states_per_sec: f64,
    elapsed: Duration,
    eta: Option<Duration>,
}

/// A compiled checker's search result, as it travels to the command.
#[derive(Serialize, Deserialize, Debug)]
pub struct KernelResult {
    verdict: WireVerdict,
    distinct: u64,
    generated: u64,
    depth: u32,
    queue: u64,
    workers: usize,
    elapsed: Duration,
    peak_memory: u64,
    spilled: u64,
    symmetry: Option<SymmetryStats>,
    por: Option<PorStats>,
    coverage: Option<WireCoverage>,
    /// An error that belongs to no trace (setup, internal, the queue).
    error: Option<WireError>,
    /// What the search stopped at, and the path to it.
    pending: Option<(WireFinding, Vec<u64>)>,
}

#[derive(Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
enum WireVerdict {
    Ok,
    Violation,
    Error,
    MaxStates(u64),
    MaxDepth(u32),
    MemoryLimit(u64),
}

#[derive(Serialize, Deserialize, Debug)]
struct WireCoverage {
    steps: Vec<u64>,
    /// lose, duplicate, partition, heal, crash, recover.
    faults: [u64; 6],
    /// Per branch site: then, otherwise.
    branches: Vec<[u64; 2]>,
}

#[derive(Serialize, Deserialize, Debug)]
struct WireError {
    message: String,
    start: u32,
    end: u32,
}

#[derive(Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
enum WireFinding {
    Invariant(Vec<usize>),
    Deadlock,
    Step,
    Predicate(WireError),
}

/// What one line of a compiled checker's output says.
pub enum KernelMessage {
    Progress(Progress),
    Done(Box<KernelResult>),
}

/// The request for a compiled checker to check `source` with `params`
/// under `config`, as one line of JSON.
pub fn kernel_request(source: &str, params: &[ParamOverride], config: &CheckConfig) -> String {
    let request = Request {
        checker_source: super::CHECKER_SOURCE.to_string(),
        source: source.to_string(),
        params: params
            .iter()
            .map(|p| (p.name.clone(), p.value.clone()))
            .collect(),
        config: WireConfig {
            workers: config.workers,
            symmetry: config.symmetry,
            max_states: config.max_states,
            max_depth: config.max_depth,
            memory_limit: config.memory_limit,
            spill: config
                .spill
                .as_ref()
                .map(|s| (s.dir.to_string_lossy().into_owned(), s.in_memory)),
            check_deadlock: config.check_deadlock,
            por: config.por,
        },
        compare: None,
    };
    // Strings, numbers and flags: serialising them cannot fail.
    serde_json::to_string(&request).unwrap_or_default()
}

/// Reads one line of a compiled checker's output.
pub fn parse_kernel_line(line: &str) -> Result<KernelMessage, String> {
    match serde_json::from_str::<Line>(line) {
        Ok(Line::Progress(p)) => Ok(KernelMessage::Progress(Progress {
            distinct: p.distinct,
            generated: p.generated,
            queue: p.queue,
            depth: p.depth,
            states_per_sec: p.states_per_sec,
            elapsed: p.elapsed,
            eta: p.eta,
        })),
        Ok(Line::Done(result)) => Ok(KernelMessage::Done(result)),
        Ok(Line::Refused(message)) => Err(message),
        Err(e) => Err(format!("unreadable output from the compiled checker: {e}")),
    }
}

/// The body of a compiled checker's `main`: reads the request in `input`,
/// checks with the first of `kernels` made for the spec, and writes
/// progress lines and the result line to `out`. Returns the process's exit
/// code: 0 when a result was written, 2 when the request was refused.
pub fn serve(kernels: &[&'static dyn Kernel], input: &str, out: &mut (dyn Write + Send)) -> i32 {
    let refuse = |out: &mut dyn Write, message: String| {
        let _ = write_line(out, &Line::Refused(message));
        2
    };
    let request: Request = match serde_json::from_str(input) {
        Ok(r) => r,
        Err(e) => return refuse(out, format!("unreadable request: {e}")),
    };
    if request.checker_source != super::CHECKER_SOURCE {
        return refuse(
            out,
            "this compiled checker was built from other checker sources than the specc that runs it \
             (the source tree changed after specc was built); build specc again (cargo build --release) \
             and run the check again"
                .into(),
        );
    }
    let params: Vec<ParamOverride> = request
        .params
        .into_iter()
        .map(|(name, value)| ParamOverride { name, value })
        .collect();
    let spec = match spec_lang::compile(&request.source, &params) {
        Ok(compiled) => compiled.spec,
        Err(diagnostics) => {
            let first = diagnostics
                .first()
                .map_or_else(String::new, |d| d.message.clone());
            return refuse(out, format!("the spec does not compile: {first}"));
        }
    };
    let key = super::spec_key(&spec);
    let Some(kernel) = kernels.iter().copied().find(|k| k.key() == key) else {
        return refuse(
            out,
            "this compiled checker was generated for another spec (or other parameters)".into(),
        );
    };
    if let Some(bounds) = request.compare {
        return compare::serve_comparison(&spec, kernel, bounds, out);
    }
    let w = request.config;
    let config = CheckConfig {
        workers: w.workers,
        symmetry: w.symmetry,
        max_states: w.max_states,
        max_depth: w.max_depth,
        memory_limit: w.memory_limit,
        spill: w.spill.map(|(dir, in_memory)| Spill {
            dir: PathBuf::from(dir),
            in_memory,
        }),
        check_deadlock: w.check_deadlock,
        por: w.por,
    };
    let out = std::sync::Mutex::new(out);
    let report = |p: &Progress| {
        let line = Line::Progress(WireProgress {
            distinct: p.distinct,
            generated: p.generated,
            queue: p.queue,
            depth: p.depth,
            states_per_sec: p.states_per_sec,
            elapsed: p.elapsed,
            eta: p.eta,
        });
        if let Ok(mut out) = out.lock() {
            let _ = write_line(&mut **out, &line);
        }
    };
    let search = search_compiled(&spec, &config, &report, kernel);
    let result = Line::Done(Box::new(to_wire(search)));
    match out.lock() {
        Ok(mut out) => match write_line(&mut **out, &result) {
            Ok(()) => 0,
            Err(_) => 2,
        },
        Err(_) => 2,
    }
}

fn write_line(out: &mut dyn Write, line: &Line) -> std::io::Result<()> {
    let text = serde_json::to_string(line).map_err(std::io::Error::other)?;
    writeln!(out, "{text}")?;
    out.flush()
}

/// The outcome of a compiled checker's result for `spec` (compiled from
/// the same text and parameters): the counterexample rebuilt by the
/// interpreted machine, the liveness properties checked.
pub fn finish_compiled(spec: &Spec, config: &CheckConfig, result: KernelResult) -> CheckOutcome {
    conclude_compiled(spec, config, result.elapsed, |machine| {
        from_wire(machine, result)
    })
}

fn wire_error(e: &EvalError) -> WireError {
    WireError {
        message: e.message.clone(),
        start: e.span.start,
        end: e.span.end,
    }
}

fn eval_error(e: WireError) -> EvalError {
    EvalError {
        message: e.message,
        span: spec_lang::Span {
            start: e.start,
            end: e.end,
        },
    }
}

fn to_wire(search: Search) -> KernelResult {
    let Search { outcome, pending } = search;
    let stats = outcome.stats;
    let verdict = match outcome.result {
        Verdict::Ok => WireVerdict::Ok,
        Verdict::Violation => WireVerdict::Violation,
        Verdict::Error => WireVerdict::Error,
        Verdict::Incomplete { reason } => match reason {
            IncompleteReason::MaxStates(n) => WireVerdict::MaxStates(n),
            IncompleteReason::MaxDepth(n) => WireVerdict::MaxDepth(n),
            IncompleteReason::MemoryLimit(n) => WireVerdict::MemoryLimit(n),
        },
    };
    KernelResult {
        verdict,
        distinct: stats.distinct,
        generated: stats.generated,
        depth: stats.depth,
        queue: stats.queue,
        workers: stats.workers,
        elapsed: stats.elapsed,
        peak_memory: stats.peak_memory,
        spilled: stats.spilled,
        symmetry: stats.symmetry,
        por: stats.por,
        coverage: stats.coverage.map(|c| {
            let f = c.faults;
            WireCoverage {
                steps: c.steps,
                faults: [f.lose, f.duplicate, f.partition, f.heal, f.crash, f.recover],
                branches: c.branches.iter().map(|b| [b.then, b.otherwise]).collect(),
            }
        }),
        error: outcome.error.map(|e| WireError {
            message: e.message,
            start: e.span.start,
            end: e.span.end,
        }),
        pending: pending.map(|p| {
            let kind = match &p.kind {
                Finding::Invariant(n) => WireFinding::Invariant(n.clone()),
                Finding::Deadlock => WireFinding::Deadlock,
                Finding::Step => WireFinding::Step,
                Finding::Predicate(e) => WireFinding::Predicate(wire_error(e)),
            };
            (kind, p.chain)
        }),
    }
}

fn from_wire(machine: &Machine, r: KernelResult) -> Search {
    let result = match r.verdict {
        WireVerdict::Ok => Verdict::Ok,
        WireVerdict::Violation => Verdict::Violation,
        WireVerdict::Error => Verdict::Error,
        WireVerdict::MaxStates(n) => Verdict::Incomplete {
            reason: IncompleteReason::MaxStates(n),
        },
        WireVerdict::MaxDepth(n) => Verdict::Incomplete {
            reason: IncompleteReason::MaxDepth(n),
        },
        WireVerdict::MemoryLimit(n) => Verdict::Incomplete {
            reason: IncompleteReason::MemoryLimit(n),
        },
    };
    let coverage = r.coverage.map(|c| coverage_of(machine, c));
    let stats = Stats {
        distinct: r.distinct,
        generated: r.generated,
        depth: r.depth,
        queue: r.queue,
        workers: r.workers,
        elapsed: r.elapsed,
        states_per_sec: per_sec(r.distinct, r.elapsed),
        peak_memory: r.peak_memory,
        spilled: r.spilled,
        symmetry: r.symmetry,
        por: r.por,
        liveness: None,
        coverage,
        simulation: None,
    };
    let outcome = CheckOutcome {
        result,
        stats,
        violations: Vec::new(),
        error: r.error.map(|e| CheckError {
            message: e.message,
            span: spec_lang::Span {
                start: e.start,
                end: e.end,
            },
            trace: None,
        }),
    };
    let pending = r.pending.map(|(kind, chain)| Pending {
        kind: match kind {
            WireFinding::Invariant(n) => Finding::Invariant(n),
            WireFinding::Deadlock => Finding::Deadlock,
            WireFinding::Step => Finding::Step,
            WireFinding::Predicate(e) => Finding::Predicate(eval_error(e)),
        },
        chain,
    });
    Search { outcome, pending }
}

/// Coverage counts as the command's machine names them: the branch sites
/// are numbered alike on both sides (spec order).
fn coverage_of(machine: &Machine, c: WireCoverage) -> Coverage {
    let [lose, duplicate, partition, heal, crash, recover] = c.faults;
    let faults = FaultCoverage {
        lose,
        duplicate,
        partition,
        heal,
        crash,
        recover,
    };
    Tally::from_counts(c.steps, faults, &c.branches).into_coverage(machine)
}

fn per_sec(n: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}
