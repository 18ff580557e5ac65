//! The specc model checker: explores every reachable state of a spec's IR
//! and proves its safety properties or returns the shortest counterexample.
//!
//! [`check`] runs a level-synchronous breadth-first search on a pool of
//! worker threads, with a seen-set of fixed-seed fingerprints, parent links
//! and traces rebuilt by replay, optional symmetry reduction, and resource
//! bounds. The results are identical for any number of workers.
//! [`simulate`] walks at random through spaces too large to exhaust,
//! reproducibly by seed. Both report what ran ([`Coverage`]). The
//! formatting functions turn an outcome into what a user sees: a text table
//! of the counterexample, a JSON summary, an ITF trace and the coverage
//! table.
//!
//! This crate reads the IR only: it never parses, prints, opens the user's
//! files or exits; the command-line program does that. The only files it
//! touches are the unnamed temporary files of a queue that spills to disk
//! ([`Spill`]).

mod boxed;
mod canon;
mod compile;
mod convert;
mod coverage;
mod emit;
mod encode;
mod eta;
mod eval;
#[cfg(test)]
mod exec;
mod explore;
mod failure;
mod fair_cycle;
mod fingerprint;
mod format;
mod fpset;
mod fresh;
mod frontier;
mod graph;
pub mod kernel;
mod liveness;
mod machine;
mod model;
mod network;
mod outcome;
mod pack;
mod por;
mod resolve;
mod rng;
mod seen;
mod shape;
mod simulate;
mod state;
mod state_graph;
#[cfg(test)]
mod successors;
mod symmetry;
mod trace;
mod transitions;
mod validate;
mod value;

pub use coverage::{BranchCoverage, Coverage, FaultCoverage};
pub use emit::{KernelCrate, KernelError, KernelSummary, kernel_crate, kernel_crate_name};
pub use explore::check;
pub use format::{
    Locate, coverage_warnings, diagnostics, dot_graph, itf_trace, json_summary, text_coverage,
    text_report, text_report_located, text_trace, text_trace_located,
};
pub use frontier::Spill;
pub use outcome::{
    Action, CheckConfig, CheckError, CheckOutcome, IncompleteReason, LivenessStats, PorStats,
    Progress, Stats, SymmetryStats, Trace, TraceState, Verdict, Violation, ViolationKind,
};
pub use simulate::{BATCH, SimulateConfig, SimulationProgress, SimulationStats, simulate};
pub use state::{Channel, Faults, Network, State};
pub use state_graph::{
    GraphConfig, GraphEdge, GraphError, GraphState, MAX_GRAPH_EDGES, MAX_GRAPH_STATES, StateGraph,
    state_graph,
};
pub use validate::{TraceError, TraceReport, validate_trace};
pub use value::{Instance, Msg, Value};
