//! The explorer: level-synchronous parallel breadth-first search.
//!
//! Each level (all states at one depth) is an encoded buffer in canonical
//! order. It is cut into fixed-size chunks that rayon workers expand in
//! parallel: decode a state, check the invariants, expand it, canonicalise
//! and fingerprint every successor, and offer it to the seen-set with a
//! parent link (parent's global index, transition index). New states are
//! recorded per chunk; after the level, a state enters the next level from
//! the chunk whose link survived in the seen-set (the smallest link, see
//! `seen.rs`), in chunk order. So the next level's order, every state's
//! parent and every count are the same for any number of workers.
//!
//! Invariants, deadlocks and step failures are detected when a state is
//! expanded, and every state of a level is expanded in canonical order, so
//! the first event of the lowest chunk that has one is the canonically first
//! violation at the minimal depth. Chunks after it are skipped; the counts
//! reported with a violation include exactly the states before it in
//! canonical order, whatever the timing.
//!
//! Deferred for speed (a later issue), in the order they would pay off:
//! - Evaluation works on decoded `Value` trees: every state is decoded, and
//!   every successor cloned and re-encoded whole. A compiled evaluator that
//!   reads and writes the flat encoding directly, and encodes a successor as
//!   a patch of its parent's bytes (only the acting instance's slots and the
//!   network change), would remove most allocations from the inner loop.
//! - The encoding is self-describing (a tag per value); a type-directed,
//!   bit-packed layout (enums and instances in a few bits, sets of instances
//!   as bitmasks) would shrink the queues and speed hashing.
//! - The seen-set is a sharded hashbrown map behind mutexes; a lock-free
//!   open-addressing table of fingerprints would avoid the locks.
//! - Symmetry computes signatures from whole-state abstractions for tied
//!   instances; incremental or cached signatures would cut its cost.
//! - A level lives in memory; very large levels would need a disk-backed
//!   queue, and the memory estimate between exact measurements is an
//!   average per state.

use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use spec_lang::ir::Temporal;

use crate::encode::decode_state;
use crate::eval::{Env, EvalError};
use crate::fingerprint::fingerprint;
use crate::liveness::{Found, check_liveness, has_liveness};
use crate::model::Model;
use crate::outcome::{
    CheckConfig, CheckError, CheckOutcome, IncompleteReason, Progress, Stats, Verdict, Violation,
    ViolationKind,
};
use crate::seen::{self, Insert, SeenSet};
use crate::state::State;
use crate::successors::for_each_successor;
use crate::symmetry::encode_canonical;
use crate::trace::{ReplayMode, rebuild};

/// States per chunk. Fixed, so that the work split, and with it nothing
/// but timing, depends on the number of workers.
const CHUNK: usize = 256;
/// Estimated seen-set and parent-index bytes per distinct state between
/// exact measurements: a 16-byte entry and a control byte at a typical load
/// factor, plus an 8-byte fingerprint in the index.
const BYTES_PER_STATE: u64 = 36;

const STOP_NONE: u8 = 0;
const STOP_STATES: u8 = 1;
const STOP_MEMORY: u8 = 2;

/// One level of states, encoded back to back.
#[derive(Default)]
struct Level {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Level {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        self.ends.push(self.bytes.len());
    }
}

/// A successor that was new when found, or lowered an existing link.
struct Candidate {
    fp: u64,
    link: u64,
    end: usize,
}

/// Something that stops the search at one state of the level.
enum EventKind {
    /// The indices of the invariants the state breaks.
    Invariant(Vec<usize>),
    Deadlock,
    /// A step failed (assertion or runtime error); the trace replay finds
    /// it again on the concrete state.
    Step,
    /// An invariant, constraint or terminal predicate failed to evaluate.
    Predicate(EvalError),
    Internal(String),
}

struct Event {
    pos: usize,
    kind: EventKind,
}

#[derive(Default)]
struct ChunkOut {
    generated: u64,
    expanded: u64,
    cands: Vec<Candidate>,
    bytes: Vec<u8>,
    event: Option<Event>,
    /// A state at the depth bound had a successor not seen yet.
    truncated: bool,
}

/// Everything the workers share while exploring.
struct Explorer<'a> {
    model: &'a Model<'a>,
    config: &'a CheckConfig,
    progress: &'a (dyn Fn(&Progress) + Sync),
    start: Instant,
    seen: SeenSet,
    /// The fingerprint of every distinct state, by global index.
    fps: Vec<u64>,
    /// The lowest chunk of the current level with an event.
    event_chunk: AtomicUsize,
    stop: AtomicU8,
    generated: AtomicU64,
    /// Distinct states inserted so far, all levels.
    inserted: AtomicU64,
    /// Bytes of new-state candidates held by the current level's chunks.
    cand_bytes: AtomicU64,
    /// States of the current level expanded so far.
    expanded: AtomicU64,
    /// Successors generated by the current level's finished chunks (for
    /// progress reports; `generated` is updated when a level ends).
    level_generated: AtomicU64,
    peak_memory: AtomicU64,
    last_report: Mutex<Instant>,
    internals: Internals,
    workers: usize,
}

/// The counts reported with a result.
#[derive(Clone, Copy)]
struct Counts {
    depth: u32,
    distinct: u64,
    /// States found but not expanded.
    queue: u64,
}

/// How often the progress callback is called.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Runs a check on a pool of `workers` threads, calling `progress` about
/// once a second (from whichever worker finishes a chunk when a second has
/// passed; nobody sleeps or polls).
pub fn check(
    spec: &spec_lang::ir::Spec,
    config: &CheckConfig,
    progress: &(dyn Fn(&Progress) + Sync),
) -> CheckOutcome {
    let internals = Internals {
        report_every: PROGRESS_EVERY,
        replay: ReplayMode::Natural,
    };
    check_with(spec, config, progress, internals)
}

/// Knobs that are not part of the configuration, for tests.
#[derive(Clone, Copy)]
struct Internals {
    report_every: Duration,
    replay: ReplayMode,
}

fn check_with(
    spec: &spec_lang::ir::Spec,
    config: &CheckConfig,
    progress: &(dyn Fn(&Progress) + Sync),
    internals: Internals,
) -> CheckOutcome {
    let start = Instant::now();
    // `always P` is an invariant: the safety search checks it.
    let with_always;
    let spec = if spec
        .properties
        .iter()
        .any(|p| matches!(p.formula, Temporal::Always(_)))
    {
        with_always = always_as_invariants(spec);
        &with_always
    } else {
        spec
    };
    let workers = config.workers.max(1);
    let stats = Stats {
        workers,
        ..Stats::default()
    };
    let model = match Model::new(spec, config.symmetry) {
        Ok(m) => m,
        Err(e) => return error_outcome(e.message, e.span, stats, start),
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(workers).build() {
        Ok(p) => p,
        Err(e) => {
            return error_outcome(
                format!("cannot start {workers} worker threads: {e}"),
                spec_lang::Span::DETACHED,
                stats,
                start,
            );
        }
    };
    let explorer = Explorer {
        model: &model,
        config,
        progress,
        start,
        seen: SeenSet::new(),
        fps: Vec::new(),
        event_chunk: AtomicUsize::new(usize::MAX),
        stop: AtomicU8::new(STOP_NONE),
        generated: AtomicU64::new(0),
        inserted: AtomicU64::new(0),
        cand_bytes: AtomicU64::new(0),
        expanded: AtomicU64::new(0),
        level_generated: AtomicU64::new(0),
        peak_memory: AtomicU64::new(0),
        last_report: Mutex::new(start),
        internals,
        workers,
    };
    let outcome = pool.install(move || explorer.run());
    if outcome.result == Verdict::Ok && has_liveness(spec) {
        return add_liveness(spec, config, outcome, start);
    }
    outcome
}

/// A copy of the spec with each `always P` property as an invariant.
fn always_as_invariants(spec: &spec_lang::ir::Spec) -> spec_lang::ir::Spec {
    let mut out = spec.clone();
    for p in &spec.properties {
        if let Temporal::Always(cond) = &p.formula {
            out.invariants.push(spec_lang::ir::Invariant {
                name: p.name.clone(),
                cond: cond.clone(),
                span: p.span,
            });
        }
    }
    out
}

/// Runs the liveness search after a safety search that found nothing.
fn add_liveness(
    spec: &spec_lang::ir::Spec,
    config: &CheckConfig,
    mut outcome: CheckOutcome,
    start: Instant,
) -> CheckOutcome {
    match check_liveness(spec, config) {
        Found::Holds {
            states,
            edges,
            bytes,
        } => {
            outcome.stats.liveness = Some(crate::outcome::LivenessStats {
                states,
                edges,
                graph_bytes: bytes,
            });
        }
        Found::Violated(violations) => {
            outcome.result = Verdict::Violation;
            outcome.violations = violations;
        }
        Found::Incomplete(reason) => outcome.result = Verdict::Incomplete { reason },
        Found::Error(e) => {
            outcome.result = Verdict::Error;
            outcome.error = Some(*e);
        }
    }
    outcome.stats.elapsed = start.elapsed();
    outcome.stats.states_per_sec = per_sec(outcome.stats.distinct, outcome.stats.elapsed);
    outcome
}

fn error_outcome(
    message: String,
    span: spec_lang::Span,
    mut stats: Stats,
    start: Instant,
) -> CheckOutcome {
    stats.elapsed = start.elapsed();
    CheckOutcome {
        result: Verdict::Error,
        stats,
        violations: Vec::new(),
        error: Some(CheckError {
            message,
            span,
            trace: None,
        }),
    }
}

impl Explorer<'_> {
    fn run(mut self) -> CheckOutcome {
        let mut level = Level::default();
        let mut scratch = Vec::new();
        let initial = self.model.initial_state();
        encode_canonical(self.model, &initial, &mut scratch);
        let fp = fingerprint(&scratch);
        self.seen.insert_min(fp, seen::ROOT, 0);
        self.fps.push(fp);
        level.push(&scratch);
        self.generated.store(1, Relaxed);
        self.inserted.store(1, Relaxed);

        let mut level_start: u64 = 0;
        let mut depth: u32 = 1;
        loop {
            if level_start + level.len() as u64 > seen::MAX_INDEX {
                return self.incomplete(
                    IncompleteReason::MaxStates(seen::MAX_INDEX),
                    depth,
                    &level,
                );
            }
            let outs = self.expand_level(&level, level_start, depth);
            let generated: u64 = outs.iter().map(|o| o.generated).sum();

            if let Some(reason) = self.stop_reason() {
                self.generated.fetch_add(generated, Relaxed);
                return self.incomplete(reason, depth, &level);
            }

            let event_chunk = self.event_chunk.load(Relaxed);
            if event_chunk != usize::MAX {
                let done = &outs[..=event_chunk.min(outs.len().saturating_sub(1))];
                let gen_before: u64 = done.iter().map(|o| o.generated).sum();
                self.generated.fetch_add(gen_before, Relaxed);
                let kept: u64 = done
                    .par_iter()
                    .map(|o| {
                        o.cands
                            .iter()
                            .filter(|c| self.seen.get(c.fp) == Some(c.link))
                            .count() as u64
                    })
                    .sum();
                let distinct = self.fps.len() as u64 + kept;
                let event = outs.into_iter().nth(event_chunk).and_then(|o| o.event);
                return self.report_event(
                    event,
                    level_start,
                    Counts {
                        depth,
                        distinct,
                        queue: 0,
                    },
                );
            }

            self.generated.fetch_add(generated, Relaxed);
            let truncated = outs.iter().any(|o| o.truncated);
            let next = self.next_level(outs);
            self.note_memory(&next, true);
            if next.len() == 0 {
                let result = if truncated {
                    Verdict::Incomplete {
                        reason: IncompleteReason::MaxDepth(self.config.max_depth.unwrap_or(depth)),
                    }
                } else {
                    Verdict::Ok
                };
                let counts = Counts {
                    depth,
                    distinct: self.fps.len() as u64,
                    queue: 0,
                };
                return self.finish(result, counts, Vec::new(), None);
            }
            level_start += level.len() as u64;
            level = next;
            depth += 1;
        }
    }

    fn expand_level(&self, level: &Level, level_start: u64, depth: u32) -> Vec<ChunkOut> {
        self.event_chunk.store(usize::MAX, Relaxed);
        self.cand_bytes.store(0, Relaxed);
        self.expanded.store(0, Relaxed);
        self.level_generated.store(0, Relaxed);
        let chunks = level.len().div_ceil(CHUNK);
        (0..chunks)
            .into_par_iter()
            .map(|c| {
                let out = self.expand_chunk(level, c, level_start, depth);
                self.maybe_report(level, depth);
                out
            })
            .collect()
    }

    fn expand_chunk(&self, level: &Level, chunk: usize, level_start: u64, depth: u32) -> ChunkOut {
        let model = self.model;
        let spec = model.spec;
        let mut out = ChunkOut::default();
        let mut scratch = Vec::new();
        let expand = self.config.max_depth.is_none_or(|max| depth < max);
        let end = ((chunk + 1) * CHUNK).min(level.len());
        for pos in chunk * CHUNK..end {
            if self.stop.load(Relaxed) != STOP_NONE || self.event_chunk.load(Relaxed) < chunk {
                break;
            }
            let event = |kind| Some(Event { pos, kind });
            let Some(state) = decode_state(level.get(pos), &model.layout, spec.network.kind) else {
                out.event = event(EventKind::Internal(
                    "a stored state could not be decoded".into(),
                ));
                break;
            };
            match self.check_state(&state) {
                Err(e) => {
                    out.event = event(EventKind::Predicate(e));
                    break;
                }
                Ok(StateCheck::Violates(invs)) => {
                    out.event = event(EventKind::Invariant(invs));
                    break;
                }
                Ok(StateCheck::OutsideConstraints) => {
                    self.expanded.fetch_add(1, Relaxed);
                    continue;
                }
                Ok(StateCheck::Fine) => {}
            }
            let parent = level_start + pos as u64;
            let mut count: u64 = 0;
            let result = for_each_successor(model, &state, &mut |_, succ| {
                count += 1;
                scratch.clear();
                encode_canonical(model, &succ, &mut scratch);
                let fp = fingerprint(&scratch);
                if !expand {
                    if self.seen.contains(fp) {
                        return ControlFlow::Continue(());
                    }
                    out.truncated = true;
                    return ControlFlow::Break(());
                }
                out.generated += 1;
                let link = seen::link(parent, count - 1);
                match self.seen.insert_min(fp, link, level_start) {
                    Insert::Known => {}
                    inserted => {
                        if inserted == Insert::New {
                            let n = self.inserted.fetch_add(1, Relaxed) + 1;
                            if self.config.max_states.is_some_and(|max| n > max) {
                                self.stop.store(STOP_STATES, Relaxed);
                            }
                        }
                        out.bytes.extend_from_slice(&scratch);
                        self.cand_bytes
                            .fetch_add(scratch.len() as u64 + 24, Relaxed);
                        out.cands.push(Candidate {
                            fp,
                            link,
                            end: out.bytes.len(),
                        });
                    }
                }
                ControlFlow::Continue(())
            });
            if result.is_err() {
                out.event = event(EventKind::Step);
                break;
            }
            if count == 0 && self.config.check_deadlock {
                match self.is_terminal(&state) {
                    Err(e) => {
                        out.event = event(EventKind::Predicate(e));
                        break;
                    }
                    Ok(false) => {
                        out.event = event(EventKind::Deadlock);
                        break;
                    }
                    Ok(true) => {}
                }
            }
            out.expanded += 1;
            self.expanded.fetch_add(1, Relaxed);
        }
        if out.event.is_some() {
            self.event_chunk.fetch_min(chunk, Relaxed);
        }
        self.level_generated.fetch_add(out.generated, Relaxed);
        if let Some(limit) = self.config.memory_limit
            && self.note_memory(level, false) > limit
        {
            self.stop.store(STOP_MEMORY, Relaxed);
        }
        out
    }

    fn check_state(&self, state: &State) -> Result<StateCheck, EvalError> {
        let model = self.model;
        let env = Env::closed(model.spec, &model.layout, &model.consts).with_state(state);
        let mut broken = Vec::new();
        for (n, inv) in model.spec.invariants.iter().enumerate() {
            if !env.eval_predicate(&inv.cond)? {
                broken.push(n);
            }
        }
        if !broken.is_empty() {
            return Ok(StateCheck::Violates(broken));
        }
        for c in &model.spec.constraints {
            if !env.eval_predicate(&c.cond)? {
                return Ok(StateCheck::OutsideConstraints);
            }
        }
        Ok(StateCheck::Fine)
    }

    fn is_terminal(&self, state: &State) -> Result<bool, EvalError> {
        let model = self.model;
        let env = Env::closed(model.spec, &model.layout, &model.consts).with_state(state);
        for t in &model.spec.terminal {
            if env.eval_predicate(&t.cond)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The next level: each chunk's candidates whose link survived, in
    /// chunk order. Appends their fingerprints to the index.
    fn next_level(&mut self, outs: Vec<ChunkOut>) -> Level {
        let seen = &self.seen;
        let filtered: Vec<(Vec<u8>, Vec<usize>, Vec<u64>)> = outs
            .into_par_iter()
            .map(|o| {
                let mut bytes = Vec::new();
                let mut ends = Vec::new();
                let mut fps = Vec::new();
                let mut start = 0;
                for c in &o.cands {
                    if seen.get(c.fp) == Some(c.link) {
                        bytes.extend_from_slice(&o.bytes[start..c.end]);
                        ends.push(bytes.len());
                        fps.push(c.fp);
                    }
                    start = c.end;
                }
                (bytes, ends, fps)
            })
            .collect();
        let mut level = Level::default();
        for (bytes, ends, fps) in filtered {
            let base = level.bytes.len();
            level.bytes.extend_from_slice(&bytes);
            level.ends.extend(ends.into_iter().map(|e| e + base));
            self.fps.extend(fps);
        }
        level
    }

    fn stop_reason(&self) -> Option<IncompleteReason> {
        match self.stop.load(Relaxed) {
            STOP_STATES => Some(IncompleteReason::MaxStates(
                self.config.max_states.unwrap_or(0),
            )),
            STOP_MEMORY => Some(IncompleteReason::MemoryLimit(
                self.config.memory_limit.unwrap_or(0),
            )),
            _ => None,
        }
    }

    /// Estimates the memory in use and records the peak. `exact` measures
    /// the seen-set's tables (locking every shard); otherwise the estimate
    /// uses a per-state average.
    fn note_memory(&self, level: &Level, exact: bool) -> u64 {
        let seen = if exact {
            self.seen.bytes() + self.fps.capacity() as u64 * 8
        } else {
            self.inserted.load(Relaxed) * BYTES_PER_STATE
        };
        let queues = level.bytes.capacity() as u64
            + level.ends.capacity() as u64 * 8
            + self.cand_bytes.load(Relaxed);
        let total = seen + queues;
        self.peak_memory.fetch_max(total, Relaxed);
        total
    }

    /// Calls the progress callback if a second has passed since the last
    /// call. Workers check between chunks; nobody sleeps.
    fn maybe_report(&self, level: &Level, depth: u32) {
        let Ok(mut last) = self.last_report.try_lock() else {
            return;
        };
        let now = Instant::now();
        if now.duration_since(*last) < self.internals.report_every {
            return;
        }
        // Keep the lock while reporting: reports never overlap and their
        // numbers never go backwards.
        *last = now;
        let elapsed = self.start.elapsed();
        let distinct = self.inserted.load(Relaxed);
        let remaining = (level.len() as u64).saturating_sub(self.expanded.load(Relaxed));
        (self.progress)(&Progress {
            distinct,
            generated: self.generated.load(Relaxed) + self.level_generated.load(Relaxed),
            queue: remaining,
            depth,
            states_per_sec: per_sec(distinct, elapsed),
            elapsed,
        });
    }

    fn incomplete(&self, reason: IncompleteReason, depth: u32, level: &Level) -> CheckOutcome {
        let counts = Counts {
            depth,
            distinct: self.seen.len(),
            queue: (level.len() as u64).saturating_sub(self.expanded.load(Relaxed)),
        };
        self.finish(Verdict::Incomplete { reason }, counts, Vec::new(), None)
    }

    fn report_event(&self, event: Option<Event>, level_start: u64, counts: Counts) -> CheckOutcome {
        let internal = |message: String| {
            self.finish(
                Verdict::Error,
                counts,
                Vec::new(),
                Some(CheckError {
                    message,
                    span: spec_lang::Span::DETACHED,
                    trace: None,
                }),
            )
        };
        let Some(event) = event else {
            return internal("internal error: a stopped chunk recorded no event".into());
        };
        let target = level_start + event.pos as u64;
        if let EventKind::Internal(message) = event.kind {
            return internal(format!("internal error: {message}"));
        }
        let step_failed = matches!(event.kind, EventKind::Step);
        let replayed = match rebuild(
            self.model,
            &self.seen,
            &self.fps,
            target,
            step_failed,
            self.internals.replay,
        ) {
            Ok(r) => r,
            Err(message) => return internal(format!("internal error: {message}")),
        };
        let failure = replayed.failure;
        let trace = replayed.trace;
        let spec = self.model.spec;
        let violation = |property: String, kind, span, message, trace| Violation {
            property,
            kind,
            span,
            message,
            trace,
        };
        let (violations, error) = match event.kind {
            EventKind::Invariant(invs) => (
                invs.iter()
                    .map(|&n| {
                        let inv = &spec.invariants[n];
                        violation(
                            inv.name.clone(),
                            ViolationKind::Invariant,
                            inv.span,
                            None,
                            trace.clone(),
                        )
                    })
                    .collect(),
                None,
            ),
            EventKind::Deadlock => (
                vec![violation(
                    "deadlock".into(),
                    ViolationKind::Deadlock,
                    spec_lang::Span::DETACHED,
                    None,
                    trace,
                )],
                None,
            ),
            EventKind::Predicate(e) => (
                Vec::new(),
                Some(CheckError {
                    message: e.message,
                    span: e.span,
                    trace: Some(trace),
                }),
            ),
            EventKind::Step => match failure.map(|f| *f) {
                None => return internal("internal error: a failing step was not found".into()),
                Some(found) => match found.failure {
                    crate::exec::Failure::Assertion { message, span } => {
                        let property = match &found.action {
                            crate::outcome::Action::Step { step, .. } => {
                                spec.steps[step.index()].name.clone()
                            }
                            _ => "assertion".into(),
                        };
                        (
                            vec![violation(
                                property,
                                ViolationKind::Assertion,
                                span,
                                message,
                                trace,
                            )],
                            None,
                        )
                    }
                    crate::exec::Failure::Error(e) => (
                        Vec::new(),
                        Some(CheckError {
                            message: e.message,
                            span: e.span,
                            trace: Some(trace),
                        }),
                    ),
                },
            },
            EventKind::Internal(_) => (Vec::new(), None),
        };
        let result = if error.is_some() {
            Verdict::Error
        } else {
            Verdict::Violation
        };
        self.finish(result, counts, violations, error)
    }

    fn finish(
        &self,
        result: Verdict,
        counts: Counts,
        violations: Vec<Violation>,
        error: Option<CheckError>,
    ) -> CheckOutcome {
        let elapsed = self.start.elapsed();
        CheckOutcome {
            result,
            stats: Stats {
                distinct: counts.distinct,
                generated: self.generated.load(Relaxed),
                depth: counts.depth,
                queue: counts.queue,
                workers: self.workers,
                elapsed,
                states_per_sec: per_sec(counts.distinct, elapsed),
                peak_memory: self.peak_memory.load(Relaxed),
                liveness: None,
            },
            violations,
            error,
        }
    }
}

enum StateCheck {
    Fine,
    Violates(Vec<usize>),
    OutsideConstraints,
}

fn per_sec(n: u64, elapsed: std::time::Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

// The tests' IR builders, shared with the integration tests.
#[cfg(test)]
#[path = "../tests/support/build.rs"]
mod build;
#[cfg(test)]
#[path = "../tests/support/two_phase.rs"]
mod two_phase;

#[cfg(test)]
mod tests;
