//! The specc model checker: explores every reachable state of a spec's IR
//! and proves its safety properties or returns the shortest counterexample.
//!
//! [`check`] runs a level-synchronous breadth-first search on a pool of
//! worker threads, with a seen-set of fixed-seed fingerprints, parent links
//! and traces rebuilt by replay, optional symmetry reduction, and resource
//! bounds. The results are identical for any number of workers. The
//! formatting functions turn an outcome into what a user sees: a text table
//! of the counterexample, a JSON summary, and an ITF trace.
//!
//! This crate reads the IR only: it never parses, prints, opens the user's
//! files or exits; the command-line program does that. The only files it
//! touches are the unnamed temporary files of a queue that spills to disk
//! ([`Spill`]).

mod boxed;
mod canon;
mod compile;
mod convert;
mod encode;
mod eval;
#[cfg(test)]
mod exec;
mod explore;
mod failure;
mod fair_cycle;
mod fingerprint;
mod format;
mod frontier;
mod graph;
mod liveness;
mod machine;
mod model;
mod network;
mod outcome;
mod pack;
mod seen;
mod shape;
mod state;
#[cfg(test)]
mod successors;
mod symmetry;
mod trace;
mod transitions;
mod validate;
mod value;

pub use explore::check;
pub use format::{
    Locate, diagnostics, itf_trace, json_summary, text_report, text_report_located, text_trace,
    text_trace_located,
};
pub use frontier::Spill;
pub use outcome::{
    Action, CheckConfig, CheckError, CheckOutcome, IncompleteReason, LivenessStats, Progress,
    Stats, Trace, TraceState, Verdict, Violation, ViolationKind,
};
pub use state::{Channel, Faults, Network, State};
pub use validate::{TraceError, TraceReport, validate_trace};
pub use value::{Instance, Msg, Value};
