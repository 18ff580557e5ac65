//! Simulation: random walks through a state space too large to exhaust.
//!
//! A walk starts at the initial state and checks every state it reaches
//! as `check` does: the invariants (and `always` properties), then the
//! state constraints. From a state inside them it computes every
//! successor, so a failing step assertion or a runtime error in a step is
//! found as `check` finds it, and a state without successors that no
//! terminal predicate accepts is a deadlock. Otherwise it draws successors
//! uniformly at random, without replacement, checking each, until one is
//! inside the constraints, and goes on from that one; a state outside the
//! constraints is checked but not walked on, as `check` checks it but does
//! not expand it (when every successor is outside, the walk ends). A walk
//! ends at `depth` states. Walks see concrete states: symmetry reduction
//! does not apply.
//!
//! Run `r` of seed `s` draws its choices from its own generator
//! (`rng.rs`), derived from `(s, r)` alone. Runs go in batches of
//! [`BATCH`] run indices, the same for any number of workers; the runs of
//! a batch are walked in parallel and their results combined by sums and
//! minima, which do not depend on the order. The simulation stops after the
//! first batch in which some walk found a violation (or an error) and
//! reports the shortest such walk of that batch, the lowest run index among
//! equally short ones. So the same seed gives the same walk, the same
//! counts and the same report for any number of workers.
//!
//! The reported walk is rebuilt by replaying its transition indices
//! (`replay`), which checks that it ends in the state the walk saw.

use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use spec_lang::ir::Spec;

use crate::canon::Engine;
use crate::compile::Locals;
use crate::coverage::{self, Key, Tally};
use crate::eval::EvalError;
use crate::explore::always_as_invariants;
use crate::failure::{Failure, StepFailure};
use crate::fingerprint::fingerprint_words;
use crate::machine::Machine;
use crate::model::Model;
use crate::outcome::{
    Action, CheckError, CheckOutcome, Stats, Trace, TraceState, Verdict, Violation, ViolationKind,
};
use crate::rng::Rng;
use crate::transitions::{Scratch, for_each_successor};

/// Runs per batch: the unit after which a simulation may stop.
pub const BATCH: u64 = 256;

/// How to simulate. Every field is a decision of the caller.
#[derive(Clone, Debug)]
pub struct SimulateConfig {
    /// Walks to run (at most; the simulation stops after the first batch
    /// with a violation).
    pub runs: u64,
    /// The longest walk, in states (the initial state counts as 1): a
    /// state at this depth is checked but not left.
    pub depth: u32,
    pub seed: u64,
    /// Worker threads (at least one is used).
    pub workers: usize,
    /// Report states without successors that satisfy no terminal predicate.
    pub check_deadlock: bool,
}

/// The figures of a simulation.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SimulationStats {
    pub seed: u64,
    /// Walks asked for.
    pub runs: u64,
    /// Walks run (fewer when a violation stopped the simulation early).
    pub walks: u64,
    pub depth_bound: u32,
    /// States checked by all walks, counting repeats: the states walked
    /// and the successors drawn but left for being outside the constraints.
    pub states: u64,
    /// Walks that ended in a violation or an error.
    pub violating_walks: u64,
    /// The run index of the walk reported, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shown_walk: Option<u64>,
    /// Walks that reached the depth bound.
    pub reached_depth: u64,
    /// Successors drawn and checked but not walked on, being outside the
    /// state constraints (counted in `states`).
    pub outside: u64,
    /// Walks that ended because every successor (or the initial state) is
    /// outside the state constraints.
    pub left_constraints: u64,
    /// Walks that ended in a state without successors that a terminal
    /// predicate accepts (or any such state, with deadlock checks off).
    pub terminated: u64,
}

/// A snapshot of a running simulation, reported about once a second.
#[derive(Clone, Debug)]
pub struct SimulationProgress {
    pub walks: u64,
    pub runs: u64,
    pub states: u64,
    pub generated: u64,
    pub elapsed: Duration,
    /// The time left if every remaining run is walked.
    pub eta: Option<Duration>,
}

const REPORT_EVERY: Duration = Duration::from_secs(1);

/// Runs a simulation on a pool of `workers` threads, calling `progress`
/// about once a second.
pub fn simulate(
    spec: &Spec,
    config: &SimulateConfig,
    progress: &(dyn Fn(&SimulationProgress) + Sync),
) -> CheckOutcome {
    let start = Instant::now();
    // `always P` is an invariant: the safety search checks it.
    let with_always = always_as_invariants(spec);
    let spec: &spec_lang::ir::Spec = &with_always;
    let workers = config.workers.max(1);
    let sim_stats = SimulationStats {
        seed: config.seed,
        runs: config.runs,
        depth_bound: config.depth,
        ..SimulationStats::default()
    };
    let setup_error = |message: String, span| CheckOutcome {
        result: Verdict::Error,
        stats: Stats {
            workers,
            elapsed: start.elapsed(),
            simulation: Some(sim_stats.clone()),
            ..Stats::default()
        },
        violations: Vec::new(),
        error: Some(CheckError {
            message,
            span,
            trace: None,
        }),
    };
    let model = match Model::new(spec, false) {
        Ok(m) => m,
        Err(e) => return setup_error(e.message, e.span),
    };
    let machine = match Machine::new(spec, &model) {
        Ok(m) => m,
        Err(e) => return setup_error(e.message, e.span),
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(workers).build() {
        Ok(p) => p,
        Err(e) => {
            return setup_error(
                format!("cannot start {workers} worker threads: {e}"),
                spec_lang::Span::DETACHED,
            );
        }
    };
    let engine = Engine {
        model: &model,
        machine: &machine,
    };
    let sim = Simulator {
        engine,
        config,
        progress,
        start,
        walks: AtomicU64::new(0),
        states: AtomicU64::new(0),
        generated: AtomicU64::new(0),
        last_report: Mutex::new(start),
    };
    let total = pool.install(|| sim.run());
    sim.outcome(total, sim_stats, workers)
}

struct Simulator<'a> {
    engine: Engine<'a>,
    config: &'a SimulateConfig,
    progress: &'a (dyn Fn(&SimulationProgress) + Sync),
    start: Instant,
    walks: AtomicU64,
    states: AtomicU64,
    generated: AtomicU64,
    last_report: Mutex<Instant>,
}

/// Why a walk stopped short of its bound.
#[derive(Clone, Debug)]
enum Event {
    /// The indices of the invariants the last state breaks.
    Invariant(Vec<usize>),
    Deadlock,
    Step(Box<StepFailure>),
    /// An invariant, constraint or terminal predicate failed to evaluate.
    Predicate(EvalError),
    Internal(String),
}

/// How a walk ended.
enum End {
    Depth,
    Constraint,
    Terminal,
    Event(Event),
}

/// A walk that found something: where it went and what it found.
#[derive(Clone, Debug)]
struct Found {
    run: u64,
    /// The transition index taken from each state.
    path: Vec<u32>,
    /// The fingerprint of the last state.
    last: u64,
    event: Event,
}

impl Found {
    /// Shorter walks first, then lower run indices.
    fn key(&self) -> (usize, u64) {
        (self.path.len(), self.run)
    }
}

/// The combined results of walks. Combining is associative and
/// commutative, so any grouping of the walks gives the same total.
#[derive(Default)]
struct Total {
    walks: u64,
    states: u64,
    outside: u64,
    generated: u64,
    longest: u32,
    violating: u64,
    reached_depth: u64,
    left_constraints: u64,
    terminated: u64,
    tally: Tally,
    best: Option<Found>,
}

impl Total {
    fn merge(mut self, other: Total) -> Total {
        self.walks += other.walks;
        self.states += other.states;
        self.outside += other.outside;
        self.generated += other.generated;
        self.longest = self.longest.max(other.longest);
        self.violating += other.violating;
        self.reached_depth += other.reached_depth;
        self.left_constraints += other.left_constraints;
        self.terminated += other.terminated;
        self.tally.add(&other.tally);
        self.best = match (self.best, other.best) {
            (Some(a), Some(b)) => Some(if b.key() < a.key() { b } else { a }),
            (a, b) => a.or(b),
        };
        self
    }
}

/// Per-worker buffers.
#[derive(Default)]
struct WalkScratch {
    succ: Scratch,
    locals: Locals,
    state: Vec<u64>,
    /// The successors of the current state, one after the other.
    next: Vec<u64>,
    /// Where each successor ends in `next`, and what it counts as.
    ends: Vec<(usize, Key)>,
    path: Vec<u32>,
    /// The successors not drawn yet.
    candidates: Vec<u32>,
}

impl Simulator<'_> {
    fn run(&self) -> Total {
        let mut total = Total::default();
        let mut first = 0;
        while first < self.config.runs {
            let last = first.saturating_add(BATCH).min(self.config.runs);
            let batch = (first..last)
                .into_par_iter()
                .map_init(WalkScratch::default, |scratch, run| {
                    let walked = self.walk(run, scratch);
                    self.maybe_report();
                    walked
                })
                .reduce(Total::default, Total::merge);
            let found = batch.best.is_some();
            total = total.merge(batch);
            if found {
                break;
            }
            first = last;
        }
        total
    }

    /// One walk, as a total of one.
    fn walk(&self, run: u64, scratch: &mut WalkScratch) -> Total {
        let machine = self.engine.machine;
        let mut rng = Rng::for_run(self.config.seed, run);
        let mut tally = Tally::new(machine);
        coverage::open(machine);
        let WalkScratch {
            succ,
            locals,
            state,
            next,
            ends,
            path,
            candidates,
        } = scratch;
        state.clear();
        state.extend_from_slice(&machine.init);
        path.clear();
        let mut generated: u64 = 1;
        let mut depth: u32 = 1;
        let mut visited: u64 = 1;
        let mut outside: u64 = 0;
        let end = 'walk: {
            match check_state(machine, state, locals) {
                Err(e) => break 'walk End::Event(Event::Predicate(e)),
                Ok(Checked::Violates(invs)) => break 'walk End::Event(Event::Invariant(invs)),
                Ok(Checked::Outside) => break 'walk End::Constraint,
                Ok(Checked::Fine) => {}
            }
            loop {
                if depth >= self.config.depth {
                    break 'walk End::Depth;
                }
                next.clear();
                ends.clear();
                let result = for_each_successor(machine, state, succ, &mut |label, words| {
                    next.extend_from_slice(words);
                    ends.push((next.len(), Key::of(label)));
                    ControlFlow::Continue(())
                });
                generated += ends.len() as u64;
                if let Err(failure) = result {
                    break 'walk End::Event(Event::Step(failure));
                }
                if ends.is_empty() {
                    if !self.config.check_deadlock {
                        break 'walk End::Terminal;
                    }
                    match is_terminal(machine, state, locals) {
                        Err(e) => break 'walk End::Event(Event::Predicate(e)),
                        Ok(true) => break 'walk End::Terminal,
                        Ok(false) => break 'walk End::Event(Event::Deadlock),
                    }
                }
                if ends.len() > u32::MAX as usize {
                    break 'walk End::Event(Event::Internal(
                        "a state has more successors than a walk can number".into(),
                    ));
                }
                // Draw successors without replacement until one is inside
                // the constraints; each drawn is checked.
                candidates.clear();
                candidates.extend(0..ends.len() as u32);
                let mut chosen = None;
                while !candidates.is_empty() {
                    let i = rng.below(candidates.len() as u64) as usize;
                    let k = candidates.swap_remove(i) as usize;
                    let from = if k == 0 { 0 } else { ends[k - 1].0 };
                    let (to, key) = ends[k];
                    tally.count_key(key);
                    visited += 1;
                    let words = &next[from..to];
                    let event = match check_state(machine, words, locals) {
                        Err(e) => Event::Predicate(e),
                        Ok(Checked::Violates(invs)) => Event::Invariant(invs),
                        Ok(Checked::Outside) => {
                            outside += 1;
                            continue;
                        }
                        Ok(Checked::Fine) => {
                            chosen = Some(k);
                            break;
                        }
                    };
                    state.clear();
                    state.extend_from_slice(words);
                    path.push(k as u32);
                    depth += 1;
                    break 'walk End::Event(event);
                }
                let Some(k) = chosen else {
                    break 'walk End::Constraint;
                };
                let from = if k == 0 { 0 } else { ends[k - 1].0 };
                state.clear();
                state.extend_from_slice(&next[from..ends[k].0]);
                path.push(k as u32);
                depth += 1;
            }
        };
        coverage::close(&mut tally);
        self.walks.fetch_add(1, Relaxed);
        self.states.fetch_add(visited, Relaxed);
        self.generated.fetch_add(generated, Relaxed);
        let mut total = Total {
            walks: 1,
            states: visited,
            outside,
            generated,
            longest: depth,
            tally,
            ..Total::default()
        };
        match end {
            End::Depth => total.reached_depth = 1,
            End::Constraint => total.left_constraints = 1,
            End::Terminal => total.terminated = 1,
            End::Event(event) => {
                total.violating = 1;
                total.best = Some(Found {
                    run,
                    path: path.clone(),
                    last: fingerprint_words(state),
                    event,
                });
            }
        }
        total
    }

    /// Calls the progress callback if a second has passed since the last
    /// call; workers check after each walk.
    fn maybe_report(&self) {
        let Ok(mut last) = self.last_report.try_lock() else {
            return;
        };
        let now = Instant::now();
        if now.duration_since(*last) < REPORT_EVERY {
            return;
        }
        *last = now;
        let elapsed = self.start.elapsed();
        let walks = self.walks.load(Relaxed);
        let runs = self.config.runs;
        let eta = (walks > 0).then(|| {
            let left = runs.saturating_sub(walks) as f64 / walks as f64;
            Duration::from_secs((elapsed.as_secs_f64() * left).ceil().min(1e12) as u64)
        });
        (self.progress)(&SimulationProgress {
            walks,
            runs,
            states: self.states.load(Relaxed),
            generated: self.generated.load(Relaxed),
            elapsed,
            eta,
        });
    }

    fn outcome(&self, total: Total, mut sim: SimulationStats, workers: usize) -> CheckOutcome {
        let machine = self.engine.machine;
        sim.walks = total.walks;
        sim.states = total.states;
        sim.outside = total.outside;
        sim.violating_walks = total.violating;
        sim.reached_depth = total.reached_depth;
        sim.left_constraints = total.left_constraints;
        sim.terminated = total.terminated;
        let elapsed = self.start.elapsed();
        let secs = elapsed.as_secs_f64();
        let stats = Stats {
            generated: total.generated,
            depth: total.longest,
            workers,
            elapsed,
            states_per_sec: if secs > 0.0 {
                total.states as f64 / secs
            } else {
                0.0
            },
            coverage: Some(total.tally.into_coverage(machine)),
            simulation: Some(sim),
            ..Stats::default()
        };
        let mut outcome = CheckOutcome {
            result: Verdict::Ok,
            stats,
            violations: Vec::new(),
            error: None,
        };
        let Some(found) = total.best else {
            return outcome;
        };
        if let Some(sim) = &mut outcome.stats.simulation {
            sim.shown_walk = Some(found.run);
        }
        let internal = |outcome: &mut CheckOutcome, message: String| {
            outcome.result = Verdict::Error;
            outcome.error = Some(CheckError {
                message: format!("internal error: {message}"),
                span: spec_lang::Span::DETACHED,
                trace: None,
            });
        };
        let mut trace = match replay(&self.engine, &found.path, found.last) {
            Ok(t) => t,
            Err(message) => {
                internal(&mut outcome, message);
                return outcome;
            }
        };
        let spec = self.engine.model.spec;
        let violation = |property: String, kind, span, message, trace| Violation {
            property,
            kind,
            span,
            message,
            trace,
        };
        match found.event {
            Event::Invariant(invs) => {
                outcome.result = Verdict::Violation;
                outcome.violations = invs
                    .iter()
                    .filter_map(|&n| spec.invariants.get(n))
                    .map(|inv| {
                        violation(
                            inv.name.clone(),
                            ViolationKind::Invariant,
                            inv.span,
                            None,
                            trace.clone(),
                        )
                    })
                    .collect();
            }
            Event::Deadlock => {
                outcome.result = Verdict::Violation;
                outcome.violations = vec![violation(
                    "deadlock".into(),
                    ViolationKind::Deadlock,
                    spec_lang::Span::DETACHED,
                    None,
                    trace,
                )];
            }
            Event::Step(failure) => {
                trace.failed = Some(failure.action.clone());
                match failure.failure {
                    Failure::Assertion { message, span } => {
                        let property = match &failure.action {
                            Action::Step { step, .. } => spec
                                .steps
                                .get(step.index())
                                .map_or_else(|| "assertion".into(), |s| s.name.clone()),
                            _ => "assertion".into(),
                        };
                        outcome.result = Verdict::Violation;
                        outcome.violations = vec![violation(
                            property,
                            ViolationKind::Assertion,
                            span,
                            message,
                            trace,
                        )];
                    }
                    Failure::Error(e) => {
                        outcome.result = Verdict::Error;
                        outcome.error = Some(CheckError {
                            message: e.message,
                            span: e.span,
                            trace: Some(trace),
                        });
                    }
                }
            }
            Event::Predicate(e) => {
                outcome.result = Verdict::Error;
                outcome.error = Some(CheckError {
                    message: e.message,
                    span: e.span,
                    trace: Some(trace),
                });
            }
            Event::Internal(message) => internal(&mut outcome, message),
        }
        outcome
    }
}

enum Checked {
    Fine,
    Violates(Vec<usize>),
    Outside,
}

fn check_state(m: &Machine, state: &[u64], locals: &mut Locals) -> Result<Checked, EvalError> {
    let mut broken = Vec::new();
    for (n, inv) in m.invariants.iter().enumerate() {
        if !m.eval_pred(inv, state, locals).map_err(|e| *e)? {
            broken.push(n);
        }
    }
    if !broken.is_empty() {
        return Ok(Checked::Violates(broken));
    }
    for c in &m.constraints {
        if !m.eval_pred(c, state, locals).map_err(|e| *e)? {
            return Ok(Checked::Outside);
        }
    }
    Ok(Checked::Fine)
}

fn is_terminal(m: &Machine, state: &[u64], locals: &mut Locals) -> Result<bool, EvalError> {
    for t in &m.terminal {
        if m.eval_pred(t, state, locals).map_err(|e| *e)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The trace of a walk, rebuilt from its transition indices; it must end
/// in the state with fingerprint `last`.
fn replay(engine: &Engine<'_>, path: &[u32], last: u64) -> Result<Trace, String> {
    let machine = engine.machine;
    let unpack = |w: &[u64]| {
        engine
            .unpack(w)
            .ok_or_else(|| "a state of the walk could not be decoded".to_string())
    };
    let mut scratch = Scratch::default();
    let mut current = machine.init.clone();
    let mut states = vec![TraceState {
        action: None,
        state: unpack(&current)?,
    }];
    for (n, &k) in path.iter().enumerate() {
        let mut found = None;
        let mut at = 0u32;
        let _ = for_each_successor(machine, &current, &mut scratch, &mut |label, succ| {
            if at == k {
                found = Some((machine.action(label), succ.to_vec()));
                return ControlFlow::Break(());
            }
            at += 1;
            ControlFlow::Continue(())
        });
        let Some((Some(action), succ)) = found else {
            return Err(format!(
                "replaying the walk found no transition {k} from its state {n}"
            ));
        };
        states.push(TraceState {
            action: Some(action),
            state: unpack(&succ)?,
        });
        current = succ;
    }
    if fingerprint_words(&current) != last {
        return Err("replaying the walk did not reach the state the walk ended in".into());
    }
    Ok(Trace {
        states,
        failed: None,
        loop_at: None,
    })
}
