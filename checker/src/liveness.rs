//! Liveness: temporal properties under fairness, after the safety search.
//!
//! When the safety search finds nothing and the spec has `eventually`,
//! `always eventually`, `eventually always` or `leads_to` properties, this
//! module explores the reachable states once more, without symmetry
//! reduction (a renamed state would lose which instance a fairness
//! obligation is about), and records the state graph compactly (see
//! `graph.rs`): each edge is labelled by the fairness actions it takes, a
//! step of one instance under a step or role fairness constraint, or the
//! delivery of one message under a delivery constraint. The exploration
//! numbers states in breadth-first order as a sequential search would:
//! states leave the queue a window at a time, the workers compute their
//! predicates and successors in parallel, and one thread merges the
//! results in queue order (numbering new states, interning actions,
//! recording edges), so the graph, the verdicts and the lassos are the
//! same for any number of workers. Each
//! property's negation is then searched for as a fair cycle
//! (`fair_cycle.rs`), and a lasso found is replayed into a concrete trace.
//!
//! `always P` is not handled here: it is an invariant, checked by the safety
//! search.

use std::ops::ControlFlow;

use hashbrown::HashMap;
use rayon::prelude::*;
use spec_lang::ir::{FairTarget, Spec, Temporal};

use crate::compile::Locals;
use crate::convert::unpack_state;
use crate::fair_cycle::{Lasso, Shape, find_lasso, negation};
use crate::fingerprint::fingerprint_words;
use crate::graph::Graph;
use crate::machine::{CPred, Machine};
use crate::model::Model;
use crate::outcome::{
    CheckConfig, CheckError, IncompleteReason, Trace, TraceState, Violation, ViolationKind,
};
use crate::seen::Identity;
use crate::transitions::{PLabel, Scratch, for_each_successor};

/// Whether a spec has properties that need the liveness search.
pub fn has_liveness(spec: &Spec) -> bool {
    spec.properties
        .iter()
        .any(|p| !matches!(p.formula, Temporal::Always(_)))
}

/// What the liveness search found.
pub enum Found {
    Holds { states: u64, edges: u64, bytes: u64 },
    Violated(Vec<Violation>),
    Incomplete(IncompleteReason),
    Error(Box<CheckError>),
}

/// A fairness action: a constraint and the instance (global index) or the
/// message (its network entry words) it is about.
#[derive(Clone, PartialEq, Eq, Hash)]
enum ActionKey {
    Instance(usize, u32),
    Delivery(usize, [u64; 2]),
}

/// Interns actions and labels (sets of actions).
struct Actions<'s> {
    spec: &'s Spec,
    ids: HashMap<ActionKey, u32>,
    labels: HashMap<Vec<u32>, u32>,
}

impl Actions<'_> {
    /// The sorted action ids of a transition; new actions are interned when
    /// `graph` is given, otherwise unknown ones are left out.
    fn of(&mut self, m: &Machine, label: &PLabel<'_>, graph: Option<&mut Graph>) -> Vec<u32> {
        let mut keys = Vec::new();
        action_keys(self.spec, m, label, &mut keys);
        self.ids(&keys, graph)
    }

    /// The sorted ids of `keys`; new actions are interned when `graph` is
    /// given, otherwise unknown ones are left out.
    fn ids(&mut self, keys: &[ActionKey], mut graph: Option<&mut Graph>) -> Vec<u32> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let id = match (self.ids.get(key), graph.as_deref_mut()) {
                (Some(&id), _) => id,
                (None, Some(g)) => {
                    let id = g.strengths.len() as u32;
                    let (ActionKey::Instance(c, _) | ActionKey::Delivery(c, _)) = key;
                    g.strengths.push(self.spec.fairness[*c].strength);
                    self.ids.insert(key.clone(), id);
                    id
                }
                (None, None) => continue,
            };
            out.push(id);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn label(&mut self, actions: Vec<u32>, graph: Option<&mut Graph>) -> Option<u32> {
        if let Some(&l) = self.labels.get(&actions) {
            return Some(l);
        }
        let g = graph?;
        let l = g.label_actions.len() as u32;
        g.label_actions.push(actions.clone());
        self.labels.insert(actions, l);
        Some(l)
    }
}

/// Appends the fairness actions a transition takes (not yet interned).
fn action_keys(spec: &Spec, m: &Machine, label: &PLabel<'_>, out: &mut Vec<ActionKey>) {
    let PLabel::Step {
        step,
        actor,
        received,
        ..
    } = label
    else {
        return;
    };
    for (c, f) in spec.fairness.iter().enumerate() {
        let key = match &f.target {
            FairTarget::Steps(steps) if steps.contains(step) => ActionKey::Instance(c, *actor),
            FairTarget::Delivery(kind) => match received {
                Some(words) => {
                    let (k, _, _) = m.pack.entry_parts(words[0]);
                    if kind.is_some_and(|want| want.0 != k) {
                        continue;
                    }
                    let mut key = [0u64; 2];
                    for (slot, w) in key.iter_mut().zip(words.iter()) {
                        *slot = *w;
                    }
                    ActionKey::Delivery(c, key)
                }
                None => continue,
            },
            FairTarget::Steps(_) => continue,
        };
        out.push(key);
    }
}

/// Explores the graph and checks every liveness property.
pub fn check_liveness(spec: &Spec, config: &CheckConfig) -> Found {
    let setup = |message: String, span| {
        Found::Error(Box::new(CheckError {
            message,
            span,
            trace: None,
        }))
    };
    let model = match Model::new(spec, false) {
        Ok(m) => m,
        Err(e) => return setup(e.message, e.span),
    };
    let machine = match Machine::new(spec, &model) {
        Ok(m) => m,
        Err(e) => return setup(e.message, e.span),
    };
    let mut preds: Vec<&CPred> = Vec::new();
    let mut shapes = Vec::new();
    for (n, prop) in spec.properties.iter().enumerate() {
        let shape = match &prop.formula {
            Temporal::Always(_) => continue,
            Temporal::Eventually(_) => Shape::Eventually,
            Temporal::AlwaysEventually(_) => Shape::AlwaysEventually,
            Temporal::EventuallyAlways(_) => Shape::EventuallyAlways,
            Temporal::LeadsTo(..) => Shape::LeadsTo,
        };
        let Some(operands) = machine.properties.get(n) else {
            continue;
        };
        let pi = preds.len();
        preds.push(&operands[0]);
        let qi = operands.get(1).map(|q| {
            preds.push(q);
            preds.len() - 1
        });
        shapes.push((n, shape, pi, qi));
    }
    let explored = match explore(&model, &machine, config, &preds) {
        Ok(e) => e,
        Err(found) => return found,
    };
    let mut violations = Vec::new();
    for (n, shape, pi, qi) in shapes {
        let p = &explored.values[pi];
        let q = qi.map_or(p, |qi| &explored.values[qi]);
        let mut sets = negation(shape, p, q);
        // A run that leaves the state constraints is not judged: no
        // violating cycle may pass through a state that was not expanded.
        for (stay, &outside) in sets.stay.iter_mut().zip(&explored.outside) {
            *stay &= !outside;
        }
        let Some(lasso) = find_lasso(&explored.graph, &sets.problem()) else {
            continue;
        };
        let prop = &spec.properties[n];
        match replay(&model, &machine, &explored, &lasso) {
            Ok(trace) => violations.push(Violation {
                property: prop.name.clone(),
                kind: ViolationKind::Temporal,
                span: prop.span,
                message: None,
                trace,
            }),
            Err(message) => {
                return setup(
                    format!("internal error: {message}"),
                    spec_lang::Span::DETACHED,
                );
            }
        }
    }
    if violations.is_empty() {
        Found::Holds {
            states: explored.graph.states() as u64,
            edges: explored.graph.targets.len() as u64,
            bytes: explored.graph.bytes(),
        }
    } else {
        Found::Violated(violations)
    }
}

struct Explored<'s> {
    graph: Graph,
    fps: Vec<u64>,
    /// For each predicate, its value in every state.
    values: Vec<Vec<bool>>,
    /// The states outside a state constraint (not expanded).
    outside: Vec<bool>,
    actions: Actions<'s>,
}

/// The breadth-first queue of packed states, `[len, words...]` back to
/// back, consumed from the front.
#[derive(Default)]
struct Queue {
    words: Vec<u64>,
    at: usize,
}

impl Queue {
    fn push(&mut self, state: &[u64], depth: u32) {
        self.words.push(state.len() as u64);
        self.words.push(u64::from(depth));
        self.words.extend_from_slice(state);
    }

    /// Appends the front state to `onto` and returns its depth.
    fn pop_onto(&mut self, onto: &mut Vec<u64>) -> Option<u32> {
        let len = *self.words.get(self.at)? as usize;
        let depth = *self.words.get(self.at + 1)? as u32;
        let start = self.at + 2;
        onto.extend_from_slice(self.words.get(start..start + len)?);
        self.at = start + len;
        // Reclaim the consumed front once it is most of the buffer.
        if self.at > 1 << 16 && self.at * 2 > self.words.len() {
            self.words.drain(..self.at);
            self.at = 0;
        }
        Some(depth)
    }
}

/// At most this many states are expanded at once: their successors are
/// computed in parallel, then merged in queue order.
const WINDOW: usize = 8192;

/// About this many successors are held at once: a window holds fewer
/// states when the last one's had many successors each, which bounds the
/// memory the window's buffers take beyond the estimate checked against
/// `--memory-limit` (they are counted in it, but only once computed).
const WINDOW_SUCCESSORS: usize = 1 << 16;

/// At most this many states a worker expands in one go (one set of
/// buffers for all). Batches depend on the window alone, never on the
/// number of workers, so the buffers' sizes, which the memory estimate
/// counts, are the same for any number of workers.
const BATCH: usize = 256;

/// What a worker found expanding a batch of states, before it is merged
/// into the graph: per state what the sequential search computed, without
/// touching the graph.
#[derive(Default)]
struct Expanded {
    states: Vec<Expansion>,
    /// The predicates' values, `preds.len()` a state.
    values: Vec<bool>,
    /// The successors in transition order: fingerprint, its number if it
    /// was known before the batch ([`UNKNOWN`] if not), its words (a range
    /// of `words`, empty if it was known) and the end of its fairness
    /// actions in `keys`.
    successors: Vec<(u64, u64, usize, usize, usize)>,
    words: Vec<u64>,
    keys: Vec<ActionKey>,
    /// The predicate that failed in the batch's last state (the batch
    /// stops there, as the merge will).
    error: Option<Box<crate::eval::EvalError>>,
}

impl Expanded {
    /// The bytes its buffers hold.
    fn bytes(&self) -> u64 {
        (self.states.capacity() * std::mem::size_of::<Expansion>()
            + self.values.capacity()
            + self.successors.capacity() * std::mem::size_of::<(u64, u64, usize, usize, usize)>()
            + self.words.capacity() * 8
            + self.keys.capacity() * std::mem::size_of::<ActionKey>()) as u64
    }
}

#[derive(Clone, Copy)]
struct Expansion {
    inside: bool,
    /// The end of its successors in `Expanded::successors`.
    successors_end: usize,
    /// A step failed after the successors listed.
    step_failed: bool,
}

/// A successor not numbered when its batch was expanded (numbers fit in
/// 32 bits).
const UNKNOWN: u64 = u64::MAX;

/// A successor equal to its state: a stuttering step, no edge.
const STUTTER: u64 = u64::MAX - 1;

/// The states of a window: their words back to back, and each one's range
/// and depth.
#[derive(Default)]
struct Window {
    words: Vec<u64>,
    states: Vec<(usize, usize, u32)>,
}

/// Expands `batch` (states of `window`) into `out`; `index` numbers the
/// states known before the window, whose words need not be kept.
#[allow(clippy::too_many_arguments)]
fn expand(
    spec: &Spec,
    machine: &Machine,
    config: &CheckConfig,
    preds: &[&CPred],
    index: &HashMap<u64, u32, Identity>,
    window: &[u64],
    batch: &[(usize, usize, u32)],
    scratch: &mut Scratch,
    locals: &mut Locals,
) -> Expanded {
    let mut out = Expanded::default();
    for &(start, end, depth) in batch {
        let state = &window[start..end];
        let mut inside = true;
        let mut evaluate = || -> Result<(), Box<crate::eval::EvalError>> {
            for pred in preds {
                out.values.push(machine.eval_pred(pred, state, locals)?);
            }
            for c in &machine.constraints {
                inside &= machine.eval_pred(c, state, locals)?;
            }
            Ok(())
        };
        if let Err(err) = evaluate() {
            out.error = Some(err);
            return out;
        }
        let expanded = inside && config.max_depth.is_none_or(|max| depth < max);
        let mut step_failed = false;
        if expanded {
            let (successors, words, keys) = (&mut out.successors, &mut out.words, &mut out.keys);
            let result = for_each_successor(machine, state, scratch, &mut |label, succ| {
                if succ == state {
                    successors.push((0, STUTTER, words.len(), words.len(), keys.len()));
                    return ControlFlow::Continue(());
                }
                let fp = fingerprint_words(succ);
                let known = index.get(&fp).map_or(UNKNOWN, |&n| u64::from(n));
                let start = words.len();
                if known == UNKNOWN {
                    words.extend_from_slice(succ);
                }
                action_keys(spec, machine, label, keys);
                successors.push((fp, known, start, words.len(), keys.len()));
                ControlFlow::Continue(())
            });
            step_failed = result.is_err();
        }
        out.states.push(Expansion {
            inside,
            successors_end: out.successors.len(),
            step_failed,
        });
    }
    out
}

/// Explores the reachable states breadth-first, numbering them in the
/// order a sequential search finds them: states are taken from the queue
/// a window at a time, expanded in parallel, and merged in queue order,
/// so the graph is the same for any number of workers.
fn explore<'s>(
    model: &Model<'s>,
    machine: &Machine,
    config: &CheckConfig,
    preds: &[&CPred],
) -> Result<Explored<'s>, Found> {
    let spec = model.spec;
    let workers = config.workers.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .map_err(|e| internal(format!("cannot start {workers} worker threads: {e}")))?;
    let mut m = Merged {
        graph: Graph::new(),
        actions: Actions {
            spec,
            ids: HashMap::new(),
            labels: HashMap::new(),
        },
        index: HashMap::with_hasher(Identity),
        fps: Vec::new(),
        values: vec![Vec::new(); preds.len()],
        outside: Vec::new(),
        queue: Queue::default(),
        edges: Vec::new(),
        window_bytes: 0,
    };
    let fp = fingerprint_words(&machine.init);
    m.index.insert(fp, 0);
    m.fps.push(fp);
    m.queue.push(&machine.init, 1);
    let mut window = Window::default();
    let mut size = 1;
    loop {
        window.words.clear();
        window.states.clear();
        while window.states.len() < size {
            let start = window.words.len();
            let Some(depth) = m.queue.pop_onto(&mut window.words) else {
                break;
            };
            window.states.push((start, window.words.len(), depth));
        }
        if window.states.is_empty() {
            break;
        }
        let batch_size = window.states.len().div_ceil(8).clamp(1, BATCH);
        let index = &m.index;
        let batches: Vec<Expanded> = pool.install(|| {
            window
                .states
                .par_chunks(batch_size)
                .map_init(
                    || (Scratch::default(), Locals::default()),
                    |(scratch, locals), batch| {
                        let words = &window.words;
                        expand(
                            spec, machine, config, preds, index, words, batch, scratch, locals,
                        )
                    },
                )
                .collect()
        });
        // The next window: as many states as make about
        // `WINDOW_SUCCESSORS` successors at this window's rate.
        let successors: usize = batches.iter().map(|b| b.successors.len()).sum();
        let per_state = successors.div_ceil(window.states.len()).max(1);
        size = (WINDOW_SUCCESSORS / per_state).clamp(1, WINDOW);
        m.window_bytes = batches.iter().map(Expanded::bytes).sum::<u64>()
            + (window.words.capacity() * 8 + window.states.capacity() * 24) as u64;
        for (b, batch) in batches.into_iter().zip(window.states.chunks(batch_size)) {
            let mut at = 0;
            let mut keys_at = 0;
            for (k, (e, &(_, _, depth))) in b.states.iter().zip(batch).enumerate() {
                m.merge_state(&b, k, e, (&mut at, &mut keys_at), depth, config)?;
            }
            if let Some(e) = b.error {
                return Err(Found::Error(Box::new(CheckError {
                    message: e.message,
                    span: e.span,
                    trace: None,
                })));
            }
        }
    }
    let Merged {
        mut graph,
        actions,
        fps,
        values,
        outside,
        ..
    } = m;
    graph.shrink();
    Ok(Explored {
        graph,
        fps,
        values,
        outside,
        actions,
    })
}

/// An error that belongs to no place in the spec.
fn internal(message: String) -> Found {
    Found::Error(Box::new(CheckError {
        message,
        span: spec_lang::Span::DETACHED,
        trace: None,
    }))
}

/// The graph as the merge builds it.
struct Merged<'s> {
    graph: Graph,
    actions: Actions<'s>,
    index: HashMap<u64, u32, Identity>,
    fps: Vec<u64>,
    values: Vec<Vec<bool>>,
    outside: Vec<bool>,
    queue: Queue,
    edges: Vec<(u32, u32)>,
    /// The bytes of the window being merged and of its expansions.
    window_bytes: u64,
}

impl Merged<'_> {
    /// Adds state `k` of batch `b` to the graph: its predicates' values,
    /// its edges, its new successors to the queue (`at` walks the batch's
    /// successors, and their actions).
    fn merge_state(
        &mut self,
        b: &Expanded,
        k: usize,
        e: &Expansion,
        (at, keys_at): (&mut usize, &mut usize),
        depth: u32,
        config: &CheckConfig,
    ) -> Result<(), Found> {
        let np = self.values.len();
        for (f, v) in b.values[k * np..(k + 1) * np].iter().enumerate() {
            self.values[f].push(*v);
        }
        self.outside.push(!e.inside);
        self.edges.clear();
        for &(fp, known, start, end, keys_end) in &b.successors[*at..e.successors_end] {
            let keys = &b.keys[*keys_at..keys_end];
            *keys_at = keys_end;
            if known == STUTTER {
                continue;
            }
            let next = self.fps.len() as u32;
            let target = if known == UNKNOWN {
                *self.index.entry(fp).or_insert(next)
            } else {
                known as u32
            };
            if target == next {
                if self.fps.len() as u64 >= u64::from(u32::MAX) {
                    let most = u64::from(u32::MAX);
                    return Err(Found::Incomplete(IncompleteReason::MaxStates(most)));
                }
                self.fps.push(fp);
                self.queue.push(&b.words[start..end], depth + 1);
                if let Some(max) = config.max_states
                    && self.fps.len() as u64 > max
                {
                    return Err(Found::Incomplete(IncompleteReason::MaxStates(max)));
                }
            }
            if target as usize == self.graph.states() {
                // A transition that changes nothing is stuttering.
                continue;
            }
            let acts = self.actions.ids(keys, Some(&mut self.graph));
            let l = self.actions.label(acts, Some(&mut self.graph)).unwrap_or(0);
            self.edges.push((target, l));
        }
        *at = e.successors_end;
        if e.step_failed {
            // The safety search would have reported a failing step.
            return Err(internal(
                "internal error: a step failed during the liveness search".into(),
            ));
        }
        if let Some(limit) = config.memory_limit
            && self.graph.bytes()
                + self.index.capacity() as u64 * 13
                + self.queue.words.capacity() as u64 * 8
                + self.window_bytes
                > limit
        {
            return Err(Found::Incomplete(IncompleteReason::MemoryLimit(limit)));
        }
        self.graph.push_state(&mut self.edges);
        Ok(())
    }
}

/// Replays a lasso into a concrete trace: from each state, the first
/// successor in transition order with the next state's fingerprint and the
/// edge's label.
fn replay(
    model: &Model<'_>,
    machine: &Machine,
    explored: &Explored<'_>,
    lasso: &Lasso,
) -> Result<Trace, String> {
    let mut actions = Actions {
        spec: explored.actions.spec,
        ids: explored.actions.ids.clone(),
        labels: explored.actions.labels.clone(),
    };
    let unpack = |w: &[u64]| {
        unpack_state(w, model.spec, &model.layout, &machine.pack, &machine.boxed)
            .ok_or_else(|| "a packed state of the lasso could not be decoded".to_string())
    };
    let mut current = machine.init.clone();
    let mut states = vec![TraceState {
        action: None,
        state: unpack(&current)?,
    }];
    let mut scratch = Scratch::default();
    for (i, &next) in lasso.states[1..].iter().enumerate() {
        let want = explored.fps[next as usize];
        let want_label = lasso.labels[i];
        let mut found = None;
        let _ = for_each_successor(machine, &current, &mut scratch, &mut |label, succ| {
            if fingerprint_words(succ) != want {
                return ControlFlow::Continue(());
            }
            let acts = actions.of(machine, label, None);
            if actions.label(acts, None) == Some(want_label) {
                found = Some((machine.action(label), succ.to_vec()));
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        let Some((Some(action), succ)) = found else {
            return Err(format!(
                "replay found no successor leading to state {} of the lasso",
                i + 1
            ));
        };
        states.push(TraceState {
            action: Some(action),
            state: unpack(&succ)?,
        });
        current = succ;
    }
    Ok(Trace {
        states,
        failed: None,
        loop_at: Some(lasso.loop_at),
    })
}
