//! What a check is asked to do and what it reports: the configuration, the
//! progress reports, the outcome with its statistics, and the
//! counterexample traces.

use std::time::Duration;

use spec_lang::ir::{Span, StepId};

use crate::state::State;
use crate::value::{Instance, Msg};

/// How to check. Every field is a decision of the caller; there is no
/// default.
#[derive(Clone, Debug)]
pub struct CheckConfig {
    /// Worker threads (at least one is used).
    pub workers: usize,
    /// Reduce states by permuting the instances of `symmetric` roles.
    pub symmetry: bool,
    /// Stop once this many distinct states are known.
    pub max_states: Option<u64>,
    /// Do not expand states at this depth (the initial states have depth 1).
    pub max_depth: Option<u32>,
    /// Stop when the estimated memory of the seen-set and the queues
    /// exceeds this many bytes.
    pub memory_limit: Option<u64>,
    /// Where and when the breadth-first queue moves to disk; `None` keeps
    /// it in memory whatever its size.
    pub spill: Option<crate::frontier::Spill>,
    /// Report states without successors that satisfy no terminal predicate.
    pub check_deadlock: bool,
    /// Partial-order reduction in the safety search (see `por.rs`): fewer
    /// states for the same verdict; counterexamples are shortest within
    /// the reduced graph.
    pub por: bool,
}

/// A snapshot of a running check, reported about once a second.
#[derive(Clone, Debug)]
pub struct Progress {
    pub distinct: u64,
    pub generated: u64,
    /// States waiting to be expanded (the rest of this level and what the
    /// next level holds so far).
    pub queue: u64,
    /// The depth being expanded.
    pub depth: u32,
    /// Distinct states per second since the start.
    pub states_per_sec: f64,
    pub elapsed: Duration,
    /// The estimated time left, when `max_states` or `max_depth` bounds
    /// the search (see `eta.rs` for how it is estimated).
    pub eta: Option<Duration>,
}

/// The result of a check.
#[derive(Clone, Debug)]
pub struct CheckOutcome {
    pub result: Verdict,
    pub stats: Stats,
    /// The violations found, with shortest traces. A check stops at the
    /// first violating state, so all entries share one trace length; a state
    /// that breaks several invariants lists each.
    pub violations: Vec<Violation>,
    /// Set when `result` is [`Verdict::Error`].
    pub error: Option<CheckError>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Verdict {
    /// Every reachable state satisfies every property.
    Ok,
    Violation,
    /// A runtime error in the spec (or, never expected, in the checker).
    Error,
    /// A resource bound stopped the search before it finished.
    Incomplete {
        reason: IncompleteReason,
    },
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum IncompleteReason {
    MaxStates(u64),
    MaxDepth(u32),
    MemoryLimit(u64),
}

/// Counts, as TLC counts them: `generated` is the initial states plus every
/// successor computed (duplicates and self-loops included); `distinct` is
/// the number of different states found (after symmetry reduction when it
/// is on); `depth` is the length of the longest shortest path, counting the
/// initial state as 1.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub distinct: u64,
    pub generated: u64,
    pub depth: u32,
    /// States found but not expanded when the search stopped.
    pub queue: u64,
    pub workers: usize,
    pub elapsed: Duration,
    /// Distinct states per second.
    pub states_per_sec: f64,
    /// The peak estimated memory of the seen-set, the parent index and the
    /// queues, in bytes.
    pub peak_memory: u64,
    /// Bytes of the queue written to disk (see `CheckConfig::spill`).
    pub spilled: u64,
    /// The liveness search's graph, when it ran to the end.
    pub liveness: Option<LivenessStats>,
    /// What symmetry reduction saved, when it was on, the search ended
    /// with every level it found counted (it ran to the end, or stopped at
    /// a level's end on a bound), and every orbit was measured (not when a
    /// group of tied instances had more orderings than the canonical form
    /// tries).
    pub symmetry: Option<SymmetryStats>,
    /// What partial-order reduction did, when it was asked for.
    pub por: Option<PorStats>,
    /// What the safety search (or the simulation) ran; none when the spec
    /// could not be set up.
    pub coverage: Option<crate::coverage::Coverage>,
    /// Set for the outcome of a simulation: then `distinct` and `queue`
    /// are not counted, `generated` is the successors computed along the
    /// walks and `depth` the longest walk's length in states.
    pub simulation: Option<crate::simulate::SimulationStats>,
}

/// What partial-order reduction did in a safety search.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PorStats {
    /// Why no state can get an ample set, when none can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off: Option<String>,
    /// States expanded with an ample set (one instance's moves only).
    pub ample: u64,
    /// Successors computed at those states but not followed.
    pub pruned: u64,
}

/// The reduction of a search under symmetry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SymmetryStats {
    /// The states the distinct states (orbit representatives) stand for:
    /// the sum of their orbits' sizes, which is the number of distinct
    /// states a search without symmetry reduction finds to the same depth.
    pub states: u64,
}

/// The size of the state graph the liveness search recorded (without
/// symmetry reduction), and the bytes of its flat arrays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LivenessStats {
    pub states: u64,
    pub edges: u64,
    pub graph_bytes: u64,
}

#[derive(Clone, Debug)]
pub struct Violation {
    /// The invariant's name, the step of a failed assertion, or `deadlock`.
    pub property: String,
    pub kind: ViolationKind,
    /// The invariant, the `assert` statement, or (for a deadlock) nothing.
    pub span: Span,
    /// An assertion's message.
    pub message: Option<String>,
    pub trace: Trace,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ViolationKind {
    Invariant,
    Assertion,
    Deadlock,
    /// A temporal property, violated by a fair lasso.
    Temporal,
}

impl ViolationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::Invariant => "invariant",
            ViolationKind::Assertion => "assertion",
            ViolationKind::Deadlock => "deadlock",
            ViolationKind::Temporal => "temporal",
        }
    }
}

/// A runtime error of the spec, with the trace that reached it when there
/// is one (none for errors in constants and initial values).
#[derive(Clone, Debug)]
pub struct CheckError {
    pub message: String,
    pub span: Span,
    pub trace: Option<Trace>,
}

/// A behaviour from an initial state: `states[0]` is the initial state (no
/// action), each later entry the action taken and the state it led to.
#[derive(Clone, Debug)]
pub struct Trace {
    pub states: Vec<TraceState>,
    /// The action that failed in the last state (an assertion or a runtime
    /// error inside a step), if the trace ends that way.
    pub failed: Option<Action>,
    /// For a lasso (a liveness counterexample), where the behaviour loops
    /// back to after the last state: the last state equals
    /// `states[loop_at]`, or `loop_at` is the last index and the behaviour
    /// stutters there forever.
    pub loop_at: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct TraceState {
    pub action: Option<Action>,
    pub state: State,
}

/// One transition of a behaviour.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Action {
    /// A step of one instance, with the message it received (receive steps)
    /// and the messages it sent.
    Step {
        step: StepId,
        instance: Instance,
        received: Option<Msg>,
        sent: Vec<Msg>,
    },
    /// The network lost a message.
    Lose(Msg),
    /// The network duplicated a message.
    Duplicate(Msg),
    /// The instances split into two groups; this is the group without the
    /// first instance.
    Partition(Vec<Instance>),
    Heal,
    Crash(Instance),
    Recover(Instance),
}

impl Action {
    /// Whether the environment (a fault) took this action rather than a
    /// role.
    pub fn is_fault(&self) -> bool {
        !matches!(self, Action::Step { .. })
    }
}
