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

use std::collections::VecDeque;
use std::ops::ControlFlow;

use hashbrown::HashMap;
use spec_lang::ir::{FairTarget, Frame, Spec, Temporal};

use crate::encode::{decode_state, encode_state};
use crate::eval::Env;
use crate::fair_cycle::{Lasso, Shape, find_lasso, negation};
use crate::fingerprint::fingerprint;
use crate::graph::Graph;
use crate::model::Model;
use crate::outcome::{
    CheckConfig, CheckError, IncompleteReason, Trace, TraceState, Violation, ViolationKind,
};
use crate::seen::Identity;
use crate::state::State;
use crate::successors::{Label, for_each_successor};
use crate::value::{Instance, Msg};

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

/// A fairness action: a constraint and the instance or message it is about.
#[derive(Clone, PartialEq, Eq, Hash)]
enum ActionKey {
    Instance(usize, Instance),
    Delivery(usize, Msg),
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
    fn of(&mut self, label: &Label<'_>, mut graph: Option<&mut Graph>) -> Vec<u32> {
        let Label::Step {
            step,
            instance,
            received,
            ..
        } = label
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (c, f) in self.spec.fairness.iter().enumerate() {
            let key = match &f.target {
                FairTarget::Steps(steps) if steps.contains(step) => {
                    ActionKey::Instance(c, *instance)
                }
                FairTarget::Delivery(kind) => match received {
                    Some(m) if kind.is_none_or(|k| k == m.kind) => {
                        ActionKey::Delivery(c, (*m).clone())
                    }
                    _ => continue,
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
    let model = match Model::new(spec, false) {
        Ok(m) => m,
        Err(e) => {
            return Found::Error(Box::new(CheckError {
                message: e.message,
                span: e.span,
                trace: None,
            }));
        }
    };
    let mut frames: Vec<&Frame> = Vec::new();
    let mut shapes = Vec::new();
    for (n, prop) in spec.properties.iter().enumerate() {
        let (shape, p, q) = match &prop.formula {
            Temporal::Always(_) => continue,
            Temporal::Eventually(p) => (Shape::Eventually, p, None),
            Temporal::AlwaysEventually(p) => (Shape::AlwaysEventually, p, None),
            Temporal::EventuallyAlways(p) => (Shape::EventuallyAlways, p, None),
            Temporal::LeadsTo(p, q) => (Shape::LeadsTo, p, Some(q)),
        };
        let pi = frames.len();
        frames.push(p);
        let qi = q.map(|q| {
            frames.push(q);
            frames.len() - 1
        });
        shapes.push((n, shape, pi, qi));
    }
    let explored = match explore(&model, config, &frames) {
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
        match replay(&model, &explored, &lasso) {
            Ok(trace) => violations.push(Violation {
                property: prop.name.clone(),
                kind: ViolationKind::Temporal,
                span: prop.span,
                message: None,
                trace,
            }),
            Err(message) => {
                return Found::Error(Box::new(CheckError {
                    message: format!("internal error: {message}"),
                    span: spec_lang::Span::DETACHED,
                    trace: None,
                }));
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

fn explore<'s>(
    model: &Model<'s>,
    config: &CheckConfig,
    frames: &[&Frame],
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
    let mut values: Vec<Vec<bool>> = vec![Vec::new(); frames.len()];
    let mut outside = Vec::new();
    let mut queue: VecDeque<(Vec<u8>, u32)> = VecDeque::new();
    let mut bytes = Vec::new();
    encode_state(&model.initial_state(), &mut bytes);
    let fp = fingerprint(&bytes);
    index.insert(fp, 0);
    fps.push(fp);
    queue.push_back((bytes.clone(), 1));
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let error = |e: crate::eval::EvalError| {
        Found::Error(Box::new(CheckError {
            message: e.message,
            span: e.span,
            trace: None,
        }))
    };
    while let Some((encoded, depth)) = queue.pop_front() {
        let Some(state) = decode_state(&encoded, &model.layout, spec.network.kind) else {
            return Err(Found::Error(Box::new(CheckError {
                message: "internal error: a stored state could not be decoded".into(),
                span: spec_lang::Span::DETACHED,
                trace: None,
            })));
        };
        let env = Env::closed(spec, &model.layout, &model.consts).with_state(&state);
        for (f, frame) in frames.iter().enumerate() {
            values[f].push(env.eval_predicate(frame).map_err(error)?);
        }
        let mut inside = true;
        for c in &spec.constraints {
            if !env.eval_predicate(&c.cond).map_err(error)? {
                inside = false;
            }
        }
        outside.push(!inside);
        edges.clear();
        let expand = inside && config.max_depth.is_none_or(|max| depth < max);
        if expand {
            let mut failed = None;
            let result = for_each_successor(model, &state, &mut |label, succ| {
                bytes.clear();
                encode_state(&succ, &mut bytes);
                let fp = fingerprint(&bytes);
                let next = fps.len() as u32;
                let target = *index.entry(fp).or_insert(next);
                if target == next {
                    if fps.len() as u64 >= u64::from(u32::MAX) {
                        failed = Some(IncompleteReason::MaxStates(u64::from(u32::MAX)));
                        return ControlFlow::Break(());
                    }
                    fps.push(fp);
                    queue.push_back((bytes.clone(), depth + 1));
                    if config.max_states.is_some_and(|max| fps.len() as u64 > max) {
                        failed = Some(IncompleteReason::MaxStates(config.max_states.unwrap_or(0)));
                        return ControlFlow::Break(());
                    }
                }
                if target as usize == graph.states() {
                    // A transition that changes nothing is stuttering.
                    return ControlFlow::Continue(());
                }
                let acts = actions.of(label, Some(&mut graph));
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
            && graph.bytes() + index.capacity() as u64 * 13 > limit
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
fn replay(model: &Model<'_>, explored: &Explored<'_>, lasso: &Lasso) -> Result<Trace, String> {
    let mut actions = Actions {
        spec: explored.actions.spec,
        ids: explored.actions.ids.clone(),
        labels: explored.actions.labels.clone(),
    };
    let mut current: State = model.initial_state();
    let mut states = vec![TraceState {
        action: None,
        state: current.clone(),
    }];
    let mut bytes = Vec::new();
    for (i, &next) in lasso.states[1..].iter().enumerate() {
        let want = explored.fps[next as usize];
        let want_label = lasso.labels[i];
        let mut found = None;
        let _ = for_each_successor(model, &current, &mut |label, succ| {
            bytes.clear();
            encode_state(&succ, &mut bytes);
            if fingerprint(&bytes) != want {
                return ControlFlow::Continue(());
            }
            let acts = actions.of(label, None);
            if actions.label(acts, None) == Some(want_label) {
                found = Some((label.to_action(), succ));
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        let (action, succ) = found.ok_or_else(|| {
            format!(
                "replay found no successor leading to state {} of the lasso",
                i + 1
            )
        })?;
        states.push(TraceState {
            action: Some(action),
            state: succ.clone(),
        });
        current = succ;
    }
    Ok(Trace {
        states,
        failed: None,
        loop_at: Some(lasso.loop_at),
    })
}
