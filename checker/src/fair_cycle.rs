//! The search for a fair cycle: the core of liveness checking, on an
//! abstract [`Graph`] so that a differential test can drive it directly.
//!
//! Every temporal property's negation is reduced to a [`Problem`]: a
//! behaviour violates the property when it reaches a `seed` state, from
//! there stays in `stay` states forever, (with `accept`) visits an accepting
//! state infinitely often, and is fair. The states and edges such a
//! behaviour visits infinitely often lie in one strongly connected
//! component of the `stay` region reachable from the seeds, so:
//!
//! 1. Compute the region and its SCCs (an iterative Tarjan over the flat
//!    arrays; every state has an implicit stuttering self-loop, so every
//!    component, even a single state, holds a cycle).
//! 2. For each component C: if an accepting state is required and C has
//!    none, C is rejected. If a weakly fair action is enabled in every state
//!    of C and no edge inside C takes it, every cycle in C is unfair, and C
//!    is rejected. If a strongly fair action is enabled somewhere in C but
//!    never taken inside it, no fair cycle can visit the states where it is
//!    enabled: they are removed and the SCCs of the rest examined in turn.
//!    Otherwise C is fair: a cycle through all of C's edges is a fair,
//!    violating behaviour.
//! 3. The counterexample is a lasso: the shortest path from the initial
//!    state to C (through a seed, then inside `stay`), then a cycle inside C
//!    built greedily until it meets every fairness obligation.
//!
//! Everything is sequential and follows state-index order, so the result is
//! a function of the graph alone.

use std::collections::VecDeque;

use hashbrown::HashMap;
use spec_lang::ir::Fairness;

use crate::graph::Graph;

/// A violation to search for (see the module documentation).
pub struct Problem<'a> {
    pub stay: &'a [bool],
    /// States where the violating part may start; a subset of `stay`.
    pub seeds: &'a [bool],
    pub accept: Option<&'a [bool]>,
}

/// The temporal forms a lasso can violate (`always P` is an invariant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Eventually,
    AlwaysEventually,
    EventuallyAlways,
    LeadsTo,
}

/// The state sets of a [`Problem`].
pub struct Sets {
    pub stay: Vec<bool>,
    pub seeds: Vec<bool>,
    pub accept: Option<Vec<bool>>,
}

impl Sets {
    pub fn problem(&self) -> Problem<'_> {
        Problem {
            stay: &self.stay,
            seeds: &self.seeds,
            accept: self.accept.as_deref(),
        }
    }
}

/// The negation of a property as a [`Problem`], given the value of its
/// predicates in every state (`q` is used by `leads_to` only):
/// - `eventually P` fails when P never holds from the initial state on;
/// - `always eventually P` fails when from some state on P never holds;
/// - `eventually always P` fails when P fails infinitely often;
/// - `P leads_to Q` fails when some P state is followed by no Q state,
///   itself included.
pub fn negation(shape: Shape, p: &[bool], q: &[bool]) -> Sets {
    let n = p.len();
    match shape {
        Shape::Eventually => Sets {
            stay: p.iter().map(|&v| !v).collect(),
            seeds: (0..n).map(|s| s == 0 && !p[s]).collect(),
            accept: None,
        },
        Shape::AlwaysEventually => Sets {
            stay: p.iter().map(|&v| !v).collect(),
            seeds: p.iter().map(|&v| !v).collect(),
            accept: None,
        },
        Shape::EventuallyAlways => Sets {
            stay: vec![true; n],
            seeds: (0..n).map(|s| s == 0).collect(),
            accept: Some(p.iter().map(|&v| !v).collect()),
        },
        Shape::LeadsTo => Sets {
            stay: q.iter().map(|&v| !v).collect(),
            seeds: (0..n).map(|s| p[s] && !q[s]).collect(),
            accept: None,
        },
    }
}

/// A lasso: `states[0]` is the initial state, `labels[i]` labels the edge
/// from `states[i]` to `states[i + 1]`. The behaviour continues from the
/// last state at `states[loop_at]`: either the last state equals
/// `states[loop_at]` (a cycle of at least one edge), or `loop_at` is the
/// last index and the behaviour stutters there forever.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lasso {
    pub states: Vec<u32>,
    pub labels: Vec<u32>,
    pub loop_at: usize,
}

/// The first fair violating lasso, if any.
pub fn find_lasso(g: &Graph, p: &Problem<'_>) -> Option<Lasso> {
    let n = g.states();
    if n == 0 {
        return None;
    }
    let region = reach_within(g, p);
    let nodes: Vec<u32> = (0..n as u32).filter(|&s| region[s as usize]).collect();
    let mut tarjan = Tarjan::new(n);
    let mut member = vec![u32::MAX; n];
    let mut generation = 0u32;
    for v in &nodes {
        member[*v as usize] = generation;
    }
    let mut work: Vec<Vec<u32>> = tarjan.sccs(g, &nodes, &member, generation);
    work.reverse();
    while let Some(comp) = work.pop() {
        generation += 1;
        for &v in &comp {
            member[v as usize] = generation;
        }
        match judge(g, &comp, &member, generation, p.accept) {
            Judgement::Unfair => {}
            Judgement::Fair => {
                return Some(lasso(g, p, &comp, &member, generation));
            }
            Judgement::Remove(bad) => {
                let rest: Vec<u32> = comp
                    .iter()
                    .copied()
                    .filter(|&s| !bad.iter().any(|&a| g.enabled(s, a)))
                    .collect();
                generation += 1;
                for &v in &rest {
                    member[v as usize] = generation;
                }
                let mut sub = tarjan.sccs(g, &rest, &member, generation);
                sub.reverse();
                work.extend(sub);
            }
        }
    }
    None
}

/// The `stay` states reachable from a seed through `stay` states.
fn reach_within(g: &Graph, p: &Problem<'_>) -> Vec<bool> {
    let n = g.states();
    let mut seen = vec![false; n];
    let mut queue: VecDeque<u32> = VecDeque::new();
    for (s, seen_s) in seen.iter_mut().enumerate() {
        if p.seeds[s] && p.stay[s] {
            *seen_s = true;
            queue.push_back(s as u32);
        }
    }
    while let Some(s) = queue.pop_front() {
        for (t, _) in g.out(s) {
            if p.stay[t as usize] && !seen[t as usize] {
                seen[t as usize] = true;
                queue.push_back(t);
            }
        }
    }
    seen
}

enum Judgement {
    Fair,
    Unfair,
    /// Strongly fair actions enabled in the component but never taken in it.
    Remove(Vec<u32>),
}

/// Per action, over one component: in how many states it is enabled, and
/// whether an edge inside the component takes it.
fn census(g: &Graph, comp: &[u32], member: &[u32], gen_: u32) -> HashMap<u32, (usize, bool)> {
    let mut counts: HashMap<u32, (usize, bool)> = HashMap::new();
    let mut acts = Vec::new();
    for &s in comp {
        acts.clear();
        g.enabled_into(s, &mut acts);
        acts.sort_unstable();
        acts.dedup();
        for &a in &acts {
            counts.entry(a).or_insert((0, false)).0 += 1;
        }
        for (t, l) in g.out(s) {
            if member[t as usize] == gen_ {
                for &a in &g.label_actions[l as usize] {
                    counts.entry(a).or_insert((0, false)).1 = true;
                }
            }
        }
    }
    counts
}

fn judge(g: &Graph, comp: &[u32], member: &[u32], gen_: u32, accept: Option<&[bool]>) -> Judgement {
    if let Some(acc) = accept
        && !comp.iter().any(|&s| acc[s as usize])
    {
        return Judgement::Unfair;
    }
    let counts = census(g, comp, member, gen_);
    let mut bad = Vec::new();
    for (&a, &(enabled, taken)) in &counts {
        if taken {
            continue;
        }
        match g.strengths[a as usize] {
            Fairness::Weak if enabled == comp.len() => return Judgement::Unfair,
            Fairness::Weak => {}
            Fairness::Strong => bad.push(a),
        }
    }
    if bad.is_empty() {
        Judgement::Fair
    } else {
        bad.sort_unstable();
        Judgement::Remove(bad)
    }
}

/// Iterative Tarjan over the nodes whose `member` entry is `gen_`.
struct Tarjan {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
}

const UNVISITED: u32 = u32::MAX;

impl Tarjan {
    fn new(n: usize) -> Tarjan {
        Tarjan {
            index: vec![UNVISITED; n],
            low: vec![0; n],
            on_stack: vec![false; n],
        }
    }

    /// The SCCs of the subgraph induced by `nodes`, each sorted, in the
    /// order of their smallest state.
    fn sccs(&mut self, g: &Graph, nodes: &[u32], member: &[u32], gen_: u32) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        // (node, next edge position)
        let mut calls: Vec<(u32, u64)> = Vec::new();
        let mut counter = 0u32;
        for &root in nodes {
            if self.index[root as usize] != UNVISITED {
                continue;
            }
            self.open(root, &mut counter, &mut stack);
            calls.push((root, g.starts[root as usize]));
            while let Some(&mut (v, ref mut pos)) = calls.last_mut() {
                let end = g.starts[v as usize + 1];
                let mut descended = false;
                while *pos < end {
                    let w = g.targets[*pos as usize];
                    *pos += 1;
                    if member[w as usize] != gen_ {
                        continue;
                    }
                    if self.index[w as usize] == UNVISITED {
                        self.open(w, &mut counter, &mut stack);
                        calls.push((w, g.starts[w as usize]));
                        descended = true;
                        break;
                    } else if self.on_stack[w as usize] {
                        self.low[v as usize] = self.low[v as usize].min(self.index[w as usize]);
                    }
                }
                if descended {
                    continue;
                }
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    self.low[parent as usize] = self.low[parent as usize].min(self.low[v as usize]);
                }
                if self.low[v as usize] == self.index[v as usize] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        self.on_stack[w as usize] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
        for &v in nodes {
            self.index[v as usize] = UNVISITED;
        }
        out.sort_by_key(|c| c[0]);
        out
    }

    fn open(&mut self, v: u32, counter: &mut u32, stack: &mut Vec<u32>) {
        self.index[v as usize] = *counter;
        self.low[v as usize] = *counter;
        *counter += 1;
        stack.push(v);
        self.on_stack[v as usize] = true;
    }
}

/// Builds the lasso to a fair component.
fn lasso(g: &Graph, p: &Problem<'_>, comp: &[u32], member: &[u32], gen_: u32) -> Lasso {
    let (mut states, mut labels) = prefix(g, p, member, gen_);
    let loop_at = states.len() - 1;
    let start = states[loop_at];
    let in_comp = |s: u32| member[s as usize] == gen_;
    let counts = census(g, comp, member, gen_);
    let mut actions: Vec<u32> = counts.keys().copied().collect();
    actions.sort_unstable();
    // The walk inside the component, from `start`, not yet closed.
    let mut walk_states = vec![start];
    let mut walk_labels: Vec<u32> = Vec::new();
    loop {
        let cur = *walk_states.last().expect("the walk starts with one state");
        let (close_s, close_l) = if cur == start {
            (Vec::new(), Vec::new())
        } else {
            path_to(g, cur, &in_comp, &|s| s == start, None)
        };
        let cyc_states: Vec<u32> = walk_states.iter().chain(close_s.iter()).copied().collect();
        let cyc_labels: Vec<u32> = walk_labels.iter().chain(close_l.iter()).copied().collect();
        let stutter = cyc_labels.is_empty();
        let taken = |a: u32| {
            cyc_labels
                .iter()
                .any(|&l| g.label_actions[l as usize].binary_search(&a).is_ok())
        };
        let mut need: Option<Need> = None;
        if let Some(acc) = p.accept
            && !cyc_states.iter().any(|&s| acc[s as usize])
        {
            need = Some(Need::Accept);
        }
        for &a in &actions {
            if need.is_some() {
                break;
            }
            if taken(a) {
                continue;
            }
            let enabled_at: Vec<bool> = cyc_states.iter().map(|&s| g.enabled(s, a)).collect();
            let unfair = match g.strengths[a as usize] {
                Fairness::Weak => enabled_at.iter().all(|&e| e),
                Fairness::Strong => enabled_at.iter().any(|&e| e),
            };
            if unfair {
                need = Some(Need::Action(a));
            }
        }
        let Some(need) = need else {
            if stutter {
                return Lasso {
                    states,
                    labels,
                    loop_at,
                };
            }
            states.extend_from_slice(&cyc_states[1..]);
            labels.extend_from_slice(&cyc_labels);
            return Lasso {
                states,
                labels,
                loop_at,
            };
        };
        let (ext_s, ext_l) = match need {
            Need::Accept => {
                let acc = p.accept.unwrap_or(&[]);
                path_to(g, cur, &in_comp, &|s| acc[s as usize], None)
            }
            Need::Action(a) => {
                let weak = g.strengths[a as usize] == Fairness::Weak;
                path_to(g, cur, &in_comp, &|s| weak && !g.enabled(s, a), Some(a))
            }
        };
        if ext_l.is_empty() && ext_s.is_empty() {
            // Cannot happen for a component judged fair: the obligation is
            // met somewhere in it. Fall back to the stuttering lasso rather
            // than loop.
            return Lasso {
                states,
                labels,
                loop_at,
            };
        }
        walk_states.extend_from_slice(&ext_s);
        walk_labels.extend_from_slice(&ext_l);
    }
}

enum Need {
    Accept,
    Action(u32),
}

/// The shortest path inside `inside` from `from` to a state satisfying
/// `goal`, or (with `take`) through an edge inside carrying action `take`.
/// Returns the states after `from` and the labels of the edges; empty when
/// `from` itself satisfies `goal`, or when nothing is found.
fn path_to(
    g: &Graph,
    from: u32,
    inside: &dyn Fn(u32) -> bool,
    goal: &dyn Fn(u32) -> bool,
    take: Option<u32>,
) -> (Vec<u32>, Vec<u32>) {
    let mut parent: HashMap<u32, (u32, u32)> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    let mut visited: HashMap<u32, ()> = HashMap::new();
    visited.insert(from, ());
    let build = |parent: &HashMap<u32, (u32, u32)>, end: u32| {
        let mut s = Vec::new();
        let mut l = Vec::new();
        let mut at = end;
        while at != from {
            let (p, lab) = parent[&at];
            s.push(at);
            l.push(lab);
            at = p;
        }
        s.reverse();
        l.reverse();
        (s, l)
    };
    while let Some(u) = queue.pop_front() {
        if goal(u) {
            return build(&parent, u);
        }
        if let Some(a) = take
            && let Some((t, l)) = g
                .out(u)
                .find(|&(t, l)| inside(t) && g.label_actions[l as usize].binary_search(&a).is_ok())
        {
            let (mut s, mut ls) = build(&parent, u);
            s.push(t);
            ls.push(l);
            return (s, ls);
        }
        for (t, l) in g.out(u) {
            if inside(t) && visited.insert(t, ()).is_none() {
                parent.insert(t, (u, l));
                queue.push_back(t);
            }
        }
    }
    (Vec::new(), Vec::new())
}

/// The shortest path from state 0 to the component: any edges up to a seed,
/// then `stay` edges (a 0-1 breadth-first search over two layers).
fn prefix(g: &Graph, p: &Problem<'_>, member: &[u32], gen_: u32) -> (Vec<u32>, Vec<u32>) {
    let n = g.states();
    // Node 2s is "s, before a seed"; 2s+1 is "s, after a seed".
    const NONE: u32 = u32::MAX;
    let mut parent: Vec<(u32, u32)> = vec![(NONE, 0); 2 * n];
    let mut seen = vec![false; 2 * n];
    let mut queue: VecDeque<u32> = VecDeque::from([0u32]);
    seen[0] = true;
    let mut end = None;
    while let Some(node) = queue.pop_front() {
        let s = node / 2;
        let after = node % 2 == 1;
        if after && member[s as usize] == gen_ {
            end = Some(node);
            break;
        }
        if !after && p.seeds[s as usize] && p.stay[s as usize] && !seen[node as usize + 1] {
            seen[node as usize + 1] = true;
            parent[node as usize + 1] = (node, u32::MAX);
            queue.push_front(node + 1);
        }
        for (t, l) in g.out(s) {
            if after && !p.stay[t as usize] {
                continue;
            }
            let next = 2 * t + u32::from(after);
            if !seen[next as usize] {
                seen[next as usize] = true;
                parent[next as usize] = (node, l);
                queue.push_back(next);
            }
        }
    }
    let mut states = Vec::new();
    let mut labels = Vec::new();
    let mut at = end.unwrap_or(0);
    loop {
        let (p_node, l) = parent[at as usize];
        if p_node == NONE {
            states.push(at / 2);
            break;
        }
        if l != u32::MAX {
            states.push(at / 2);
            labels.push(l);
        }
        at = p_node;
    }
    states.reverse();
    labels.reverse();
    (states, labels)
}

#[cfg(test)]
mod tests;
