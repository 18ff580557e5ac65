//! The reachable state graph of a small spec, for `specc check --graph`.
//!
//! A sequential breadth-first search over the same compiled machine and
//! the same representatives (with symmetry reduction) as the explorer, so
//! its states are the ones `check` counts as distinct, and every transition
//! from a state inside the constraints is an edge, so the edges are the
//! successors `check` counts as generated (less the initial state), when
//! the check finds nothing. Unlike the explorer it does not stop at a
//! violation: states that break an invariant, fail a step or deadlock are
//! marked and the search goes on, so the picture shows where they sit.
//! It refuses to go beyond a bound on states and on edges: a drawing
//! larger than that cannot be read, and Graphviz lays it out slowly.

use std::collections::VecDeque;
use std::ops::ControlFlow;

use hashbrown::HashMap;
use spec_lang::ir::Spec;

use crate::canon::Engine;
use crate::compile::Locals;
use crate::explore::always_as_invariants;
use crate::failure::Failure;
use crate::fingerprint::fingerprint_words;
use crate::machine::Machine;
use crate::model::Model;
use crate::outcome::{Action, CheckError};
use crate::state::State;
use crate::transitions::{Scratch, for_each_successor};

/// The most states a graph may have.
pub const MAX_GRAPH_STATES: u64 = 2_000;
/// The most edges a graph may have.
pub const MAX_GRAPH_EDGES: u64 = 20_000;

/// What to build.
#[derive(Clone, Debug)]
pub struct GraphConfig {
    /// Reduce states by permuting the instances of `symmetric` roles.
    pub symmetry: bool,
    /// Mark states without successors that satisfy no terminal predicate.
    pub check_deadlock: bool,
}

/// The reachable states and every transition between them.
#[derive(Clone, Debug)]
pub struct StateGraph {
    /// In breadth-first order; the initial state first.
    pub states: Vec<GraphState>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Clone, Debug)]
pub struct GraphState {
    pub state: State,
    /// The initial state has depth 1.
    pub depth: u32,
    /// False for a state outside the constraints, which is not expanded.
    pub expanded: bool,
    /// The invariants the state breaks, by name.
    pub broken: Vec<String>,
    /// A step that fails in this state (an assertion or a runtime error),
    /// with what went wrong; its successors after it are not computed.
    pub failed: Option<String>,
    pub deadlock: bool,
}

#[derive(Clone, Debug)]
pub struct GraphEdge {
    pub from: u32,
    pub to: u32,
    pub action: Action,
}

/// Why there is no graph.
#[derive(Clone, Debug)]
pub enum GraphError {
    /// More states or edges than the bounds allow.
    TooLarge { states: u64, edges: u64 },
    /// The spec cannot be set up, or a predicate fails to evaluate.
    Spec(Box<CheckError>),
}

/// Builds the reachable state graph, or refuses once it outgrows the
/// bounds ([`MAX_GRAPH_STATES`], [`MAX_GRAPH_EDGES`]).
pub fn state_graph(spec: &Spec, config: &GraphConfig) -> Result<StateGraph, GraphError> {
    // `always P` is an invariant: the safety search checks it.
    let with_always = always_as_invariants(spec);
    let spec: &spec_lang::ir::Spec = &with_always;
    let spec_error = |message: String, span| {
        GraphError::Spec(Box::new(CheckError {
            message,
            span,
            trace: None,
        }))
    };
    let model = Model::new(spec, config.symmetry).map_err(|e| spec_error(e.message, e.span))?;
    let machine = Machine::new(spec, &model).map_err(|e| spec_error(e.message, e.span))?;
    let engine = Engine {
        model: &model,
        machine: &machine,
    };
    let internal = |message: String| spec_error(message, spec_lang::Span::DETACHED);
    let mut canon = Vec::new();
    let representative = |words: &[u64], canon: &mut Vec<u64>| -> Result<Vec<u64>, GraphError> {
        Ok(match engine.canonical(words, canon).map_err(internal)? {
            Some(_) => canon.clone(),
            None => words.to_vec(),
        })
    };
    let mut index: HashMap<u64, u32> = HashMap::new();
    let mut packed: Vec<Vec<u64>> = Vec::new();
    let mut depths: Vec<u32> = Vec::new();
    let first = representative(&machine.init, &mut canon)?;
    index.insert(fingerprint_words(&first), 0);
    packed.push(first);
    depths.push(1);
    let mut queue = VecDeque::from([0u32]);
    let mut states = Vec::new();
    let mut edges: Vec<GraphEdge> = Vec::new();
    let mut scratch = Scratch::default();
    let mut locals = Locals::default();
    let too_large = |states: usize, edges: usize| {
        (states as u64 > MAX_GRAPH_STATES || edges as u64 > MAX_GRAPH_EDGES).then_some(
            GraphError::TooLarge {
                states: states as u64,
                edges: edges as u64,
            },
        )
    };
    while let Some(at) = queue.pop_front() {
        let words = packed[at as usize].clone();
        let mut node = GraphState {
            state: engine
                .unpack(&words)
                .ok_or_else(|| internal("internal error: a state could not be decoded".into()))?,
            depth: depths[at as usize],
            expanded: true,
            broken: Vec::new(),
            failed: None,
            deadlock: false,
        };
        let check = |pred, locals: &mut Locals| {
            machine
                .eval_pred(pred, &words, locals)
                .map_err(|e| spec_error(e.message, e.span))
        };
        for (n, inv) in machine.invariants.iter().enumerate() {
            if !check(inv, &mut locals)? {
                node.broken.push(spec.invariants[n].name.clone());
            }
        }
        for c in &machine.constraints {
            if !check(c, &mut locals)? {
                node.expanded = false;
            }
        }
        if node.expanded {
            let mut successors = Vec::new();
            let result = for_each_successor(&machine, &words, &mut scratch, &mut |label, next| {
                successors.push((machine.action(label), next.to_vec()));
                ControlFlow::Continue(())
            });
            if let Err(failure) = result {
                node.failed = Some(match &failure.failure {
                    Failure::Assertion { message, .. } => match message {
                        Some(m) => format!("assertion fails: {m}"),
                        None => "an assertion fails".into(),
                    },
                    Failure::Error(e) => e.message.clone(),
                });
            }
            if successors.is_empty() && node.failed.is_none() && config.check_deadlock {
                let mut terminal = false;
                for t in &machine.terminal {
                    terminal |= check(t, &mut locals)?;
                }
                node.deadlock = !terminal;
            }
            for (action, next) in successors {
                let action = action
                    .ok_or_else(|| internal("internal error: a transition has no action".into()))?;
                let rep = representative(&next, &mut canon)?;
                let fp = fingerprint_words(&rep);
                let to = match index.get(&fp) {
                    Some(&to) => to,
                    None => {
                        let to = packed.len() as u32;
                        index.insert(fp, to);
                        packed.push(rep);
                        depths.push(node.depth + 1);
                        queue.push_back(to);
                        to
                    }
                };
                edges.push(GraphEdge {
                    from: at,
                    to,
                    action,
                });
            }
            if let Some(e) = too_large(packed.len(), edges.len()) {
                return Err(e);
            }
        }
        states.push(node);
    }
    Ok(StateGraph { states, edges })
}
