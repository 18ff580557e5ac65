//! The reachable state graph that liveness checking needs, stored compactly.
//!
//! States are numbered in breadth-first order (0 is the initial state).
//! Edges are in flat arrays (compressed sparse rows): the successors of
//! state `s` are `targets[starts[s]..starts[s + 1]]`, each a `u32` state
//! index with a `u32` label. A label names a set of fairness-relevant
//! actions ("step X of instance I", "delivery of message M"), interned so
//! that each distinct set is stored once. Edges of one state with the same
//! target and label are stored once, and a transition that leaves the state
//! unchanged is not stored at all: it is stuttering, which every state
//! allows implicitly (TLA+'s `[Next]_vars`).
//!
//! An action is enabled in a state when some stored edge out of it carries
//! it, so enabledness is not stored either. This module knows nothing of
//! specs: it is the abstract graph that the fair-cycle search and its
//! differential test share.

use spec_lang::ir::Fairness;

/// A state graph with labelled edges.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// `starts[s]..starts[s + 1]` are the edges of state `s`; one more entry
    /// than states.
    pub starts: Vec<u64>,
    pub targets: Vec<u32>,
    pub labels: Vec<u32>,
    /// The actions of each label, sorted. Label 0 is the empty set.
    pub label_actions: Vec<Vec<u32>>,
    /// The fairness of each action.
    pub strengths: Vec<Fairness>,
}

impl Graph {
    /// A graph without states, whose label 0 is the empty action set.
    pub fn new() -> Graph {
        Graph {
            starts: vec![0],
            targets: Vec::new(),
            labels: Vec::new(),
            label_actions: vec![Vec::new()],
            strengths: Vec::new(),
        }
    }

    pub fn states(&self) -> usize {
        self.starts.len() - 1
    }

    /// The edges out of `s`: (target, label).
    pub fn out(&self, s: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let from = self.starts[s as usize] as usize;
        let to = self.starts[s as usize + 1] as usize;
        self.targets[from..to]
            .iter()
            .copied()
            .zip(self.labels[from..to].iter().copied())
    }

    /// Ends the edge list of the next state. `edges` are its (target,
    /// label) pairs; duplicates are dropped.
    pub fn push_state(&mut self, edges: &mut Vec<(u32, u32)>) {
        edges.sort_unstable();
        edges.dedup();
        for &(t, l) in edges.iter() {
            self.targets.push(t);
            self.labels.push(l);
        }
        self.starts.push(self.targets.len() as u64);
    }

    /// Whether action `a` is enabled in state `s`.
    pub fn enabled(&self, s: u32, a: u32) -> bool {
        self.out(s)
            .any(|(_, l)| self.label_actions[l as usize].binary_search(&a).is_ok())
    }

    /// Adds the actions enabled in `s` to `into` (unsorted, may repeat).
    pub fn enabled_into(&self, s: u32, into: &mut Vec<u32>) {
        for (_, l) in self.out(s) {
            into.extend_from_slice(&self.label_actions[l as usize]);
        }
    }

    /// Releases the arrays' spare capacity once the graph is complete.
    pub fn shrink(&mut self) {
        self.starts.shrink_to_fit();
        self.targets.shrink_to_fit();
        self.labels.shrink_to_fit();
    }

    /// The bytes held by the edge and state arrays.
    pub fn bytes(&self) -> u64 {
        (self.starts.capacity() * 8 + self.targets.capacity() * 4 + self.labels.capacity() * 4)
            as u64
    }
}
