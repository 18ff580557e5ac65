//! Liveness: temporal properties under fairness, after the safety search.
//!
//! When the safety search finds nothing and the spec has `eventually`,
//! `always eventually`, `eventually always` or `leads_to` properties, this
//! module explores the reachable states once more, without symmetry
//! reduction (a renamed state would lose which instance a fairness
//! obligation is about), and records the state graph compactly (see
//! `graph.rs`): each edge is labelled by the fairness actions it takes, a
//! step of one instance under a step or role fairness constraint, or the
//! delivery of one message under a delivery constraint. The exploration is
//! sequential and numbers states in breadth-first order, so the graph, the
//! verdicts and the lassos are the same for any number of workers. Each
//! property's negation is then searched for as a fair cycle
//! (`fair_cycle.rs`), and a lasso found is replayed into a concrete trace.
//!
//! `always P` is not handled here: it is an invariant, checked by the safety
//! search.

use std::ops::ControlFlow;

use hashbrown::HashMap;
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
    fn of(&mut self, m: &Machine, label: &PLabel<'_>, mut graph: Option<&mut Graph>) -> Vec<u32> {
        let PLabel::Step {
            step,
            actor,
            received,
            ..
        } = label
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (c, f) in self.spec.fairness.iter().enumerate() {
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
            let id = match (self.ids.get(&key), graph.as_deref_mut()) {
                (Some(&id), _) => id,
                (None, Some(g)) => {
                    let id = g.strengths.len() as u32;
                    g.strengths.push(f.strength);
                    self.ids.insert(key, id);
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

    fn pop(&mut self, into: &mut Vec<u64>) -> Option<u32> {
        let len = *self.words.get(self.at)? as usize;
        let depth = *self.words.get(self.at + 1)? as u32;
        let start = self.at + 2;
        into.clear();
        into.extend_from_slice(self.words.get(start..start + len)?);
        self.at = start + len;
        // Reclaim the consumed front once it is most of the buffer.
        if self.at > 1 << 16 && self.at * 2 > self.words.len() {
            self.words.drain(..self.at);
            self.at = 0;
        }
        Some(depth)
    }
}

fn explore<'s>(
    model: &Model<'s>,
    machine: &Machine,
    config: &CheckConfig,
    preds: &[&CPred],
) -> Result<Explored<'s>, Found> {
    let spec = model.spec;
    let mut graph = Graph::new();
    let mut actions = Actions {
        spec,
        ids: HashMap::new(),
        labels: HashMap::new(),
    };
    let mut index: HashMap<u64, u32, Identity> = HashMap::with_hasher(Identity);
    let mut fps = Vec::new();
    let mut values: Vec<Vec<bool>> = vec![Vec::new(); preds.len()];
    let mut outside = Vec::new();
    let mut queue = Queue::default();
    let fp = fingerprint_words(&machine.init);
    index.insert(fp, 0);
    fps.push(fp);
    queue.push(&machine.init, 1);
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let mut scratch = Scratch::default();
    let mut locals = Locals::default();
    let mut state = Vec::new();
    let error = |e: Box<crate::eval::EvalError>| {
        Found::Error(Box::new(CheckError {
            message: e.message,
            span: e.span,
            trace: None,
        }))
    };
    while let Some(depth) = queue.pop(&mut state) {
        for (f, pred) in preds.iter().enumerate() {
            values[f].push(
                machine
                    .eval_pred(pred, &state, &mut locals)
                    .map_err(error)?,
            );
        }
        let mut inside = true;
        for c in &machine.constraints {
            if !machine.eval_pred(c, &state, &mut locals).map_err(error)? {
                inside = false;
            }
        }
        outside.push(!inside);
        edges.clear();
        let expand = inside && config.max_depth.is_none_or(|max| depth < max);
        if expand {
            let mut failed = None;
            let result = for_each_successor(machine, &state, &mut scratch, &mut |label, succ| {
                let fp = fingerprint_words(succ);
                let next = fps.len() as u32;
                let target = *index.entry(fp).or_insert(next);
                if target == next {
                    if fps.len() as u64 >= u64::from(u32::MAX) {
                        failed = Some(IncompleteReason::MaxStates(u64::from(u32::MAX)));
                        return ControlFlow::Break(());
                    }
                    fps.push(fp);
                    queue.push(succ, depth + 1);
                    if config.max_states.is_some_and(|max| fps.len() as u64 > max) {
                        failed = Some(IncompleteReason::MaxStates(config.max_states.unwrap_or(0)));
                        return ControlFlow::Break(());
                    }
                }
                if target as usize == graph.states() {
                    // A transition that changes nothing is stuttering.
                    return ControlFlow::Continue(());
                }
                let acts = actions.of(machine, label, Some(&mut graph));
                let l = actions.label(acts, Some(&mut graph)).unwrap_or(0);
                edges.push((target, l));
                ControlFlow::Continue(())
            });
            if let Some(reason) = failed {
                return Err(Found::Incomplete(reason));
            }
            if result.is_err() {
                // The safety search would have reported a failing step.
                return Err(Found::Error(Box::new(CheckError {
                    message: "internal error: a step failed during the liveness search".into(),
                    span: spec_lang::Span::DETACHED,
                    trace: None,
                })));
            }
        }
        if let Some(limit) = config.memory_limit
            && graph.bytes() + index.capacity() as u64 * 13 + queue.words.capacity() as u64 * 8
                > limit
        {
            return Err(Found::Incomplete(IncompleteReason::MemoryLimit(limit)));
        }
        graph.push_state(&mut edges);
    }
    drop(index);
    graph.shrink();
    Ok(Explored {
        graph,
        fps,
        values,
        outside,
        actions,
    })
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
