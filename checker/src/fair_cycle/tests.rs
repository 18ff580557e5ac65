//! Differential test of the fair-cycle search against a brute-force
//! reference written only for this test.
//!
//! The reference follows the definition directly: the states and edges a
//! lasso visits infinitely often form a strongly connected set of edges
//! (stuttering self-loops included), and every such set reachable from the
//! initial state is the infinite part of some lasso. So it enumerates every
//! subset of edges of a tiny graph, keeps the strongly connected ones, and
//! checks fairness and the property on each by the definitions of WF, SF
//! and the temporal forms. Every lasso the real search returns is also
//! validated step by step.

use spec_lang::ir::Fairness;

use super::{Shape, find_lasso, negation};
use crate::graph::Graph;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn coin(&mut self) -> bool {
        self.below(2) == 1
    }
}

struct Case {
    graph: Graph,
    /// Every edge, stuttering loops included: (from, to, label).
    edges: Vec<(u32, u32, u32)>,
    p: Vec<bool>,
    q: Vec<bool>,
    shape: Shape,
}

/// A random graph of 1 to 4 states, all reachable from state 0, with 1 to 3
/// actions of random strength; a label is a bitmask of actions.
fn random_case(rng: &mut Rng) -> Case {
    let n = 1 + rng.below(4) as u32;
    let actions = 1 + rng.below(3) as u32;
    let mut out: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n as usize];
    for s in 1..n {
        let from = rng.below(u64::from(s)) as u32;
        out[from as usize].push((s, rng.below(1 << actions) as u32));
    }
    for _ in 0..rng.below(5) {
        let from = rng.below(u64::from(n)) as u32;
        let to = rng.below(u64::from(n)) as u32;
        if from != to {
            out[from as usize].push((to, rng.below(1 << actions) as u32));
        }
    }
    let mut graph = Graph::new();
    graph.label_actions = (0..1u32 << actions)
        .map(|mask| (0..actions).filter(|a| mask & (1 << a) != 0).collect())
        .collect();
    graph.strengths = (0..actions)
        .map(|_| {
            if rng.coin() {
                Fairness::Weak
            } else {
                Fairness::Strong
            }
        })
        .collect();
    let mut edges = Vec::new();
    for (s, list) in out.iter_mut().enumerate() {
        graph.push_state(list);
        edges.extend(list.iter().map(|&(t, l)| (s as u32, t, l)));
        edges.push((s as u32, s as u32, 0));
    }
    let shape = match rng.below(4) {
        0 => Shape::Eventually,
        1 => Shape::AlwaysEventually,
        2 => Shape::EventuallyAlways,
        _ => Shape::LeadsTo,
    };
    Case {
        graph,
        edges,
        p: (0..n).map(|_| rng.coin()).collect(),
        q: (0..n).map(|_| rng.coin()).collect(),
        shape,
    }
}

fn has(label: u32, a: u32) -> bool {
    label & (1 << a) != 0
}

/// Whether action `a` is enabled in `s`: some non-stuttering edge has it.
fn enabled(c: &Case, s: u32, a: u32) -> bool {
    c.edges
        .iter()
        .any(|&(f, t, l)| f == s && t != s && has(l, a))
}

/// The definitions of WF and SF, for a behaviour that visits `states` and
/// takes the edges labelled `labels` infinitely often.
fn fair(c: &Case, states: &[u32], labels: &[u32]) -> bool {
    (0..c.graph.strengths.len() as u32).all(|a| {
        let taken = labels.iter().any(|&l| has(l, a));
        let en: Vec<bool> = states.iter().map(|&s| enabled(c, s, a)).collect();
        taken
            || match c.graph.strengths[a as usize] {
                Fairness::Weak => en.iter().any(|&e| !e),
                Fairness::Strong => en.iter().all(|&e| !e),
            }
    })
}

/// States reachable from `from` along edges whose target satisfies `ok`.
fn reach(c: &Case, from: &[u32], ok: &dyn Fn(u32) -> bool) -> Vec<bool> {
    let mut seen = vec![false; c.p.len()];
    let mut stack: Vec<u32> = from.to_vec();
    for &s in from {
        seen[s as usize] = true;
    }
    while let Some(s) = stack.pop() {
        for &(f, t, _) in &c.edges {
            if f == s && ok(t) && !seen[t as usize] {
                seen[t as usize] = true;
                stack.push(t);
            }
        }
    }
    seen
}

/// The reference verdict: whether a fair violating behaviour exists.
fn reference_violated(c: &Case) -> bool {
    let m = c.edges.len();
    let n = c.p.len();
    let (p, q) = (&c.p, &c.q);
    for mask in 1u32..(1 << m) {
        let chosen: Vec<(u32, u32, u32)> = (0..m)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| c.edges[i])
            .collect();
        let mut states: Vec<u32> = chosen.iter().flat_map(|&(f, t, _)| [f, t]).collect();
        states.sort_unstable();
        states.dedup();
        // Strongly connected: every state reaches every other along chosen
        // edges.
        let connected = states.iter().all(|&s| {
            let mut seen = vec![false; n];
            let mut stack = vec![s];
            seen[s as usize] = true;
            while let Some(u) = stack.pop() {
                for &(f, t, _) in &chosen {
                    if f == u && !seen[t as usize] {
                        seen[t as usize] = true;
                        stack.push(t);
                    }
                }
            }
            states.iter().all(|&t| seen[t as usize])
        });
        if !connected {
            continue;
        }
        let labels: Vec<u32> = chosen.iter().map(|&(_, _, l)| l).collect();
        if !fair(c, &states, &labels) {
            continue;
        }
        let hits = |r: &[bool]| states.iter().any(|&s| r[s as usize]);
        let violates = match c.shape {
            Shape::Eventually => {
                !p[0]
                    && states.iter().all(|&s| !p[s as usize])
                    && hits(&reach(c, &[0], &|t| !p[t as usize]))
            }
            Shape::AlwaysEventually => {
                states.iter().all(|&s| !p[s as usize]) && hits(&reach(c, &[0], &|_| true))
            }
            Shape::EventuallyAlways => {
                states.iter().any(|&s| !p[s as usize]) && hits(&reach(c, &[0], &|_| true))
            }
            Shape::LeadsTo => {
                let all = reach(c, &[0], &|_| true);
                let pending: Vec<u32> = (0..n as u32)
                    .filter(|&s| all[s as usize] && p[s as usize] && !q[s as usize])
                    .collect();
                states.iter().all(|&s| !q[s as usize])
                    && hits(&reach(c, &pending, &|t| !q[t as usize]))
            }
        };
        if violates {
            return true;
        }
    }
    false
}

/// Checks that a lasso is a real, fair behaviour that violates the
/// property; returns what is wrong otherwise.
fn validate(c: &Case, l: &super::Lasso) -> Result<(), String> {
    let (p, q) = (&c.p, &c.q);
    if l.states.first() != Some(&0) || l.labels.len() + 1 != l.states.len() {
        return Err("malformed".into());
    }
    for i in 0..l.labels.len() {
        let (f, t, lab) = (l.states[i], l.states[i + 1], l.labels[i]);
        if !c.edges.contains(&(f, t, lab)) {
            return Err(format!("edge {f}->{t} label {lab} does not exist"));
        }
    }
    let last = l.states.len() - 1;
    if l.loop_at > last || (l.loop_at < last && l.states[l.loop_at] != l.states[last]) {
        return Err("the loop does not close".into());
    }
    let cycle = &l.states[l.loop_at..];
    let cycle_labels = &l.labels[l.loop_at..];
    if !fair(c, cycle, cycle_labels) {
        return Err("the cycle is unfair".into());
    }
    let ok = match c.shape {
        Shape::Eventually => l.states.iter().all(|&s| !p[s as usize]),
        Shape::AlwaysEventually => cycle.iter().all(|&s| !p[s as usize]),
        Shape::EventuallyAlways => cycle.iter().any(|&s| !p[s as usize]),
        Shape::LeadsTo => (0..=l.loop_at)
            .any(|i| p[l.states[i] as usize] && l.states[i..].iter().all(|&s| !q[s as usize])),
    };
    if ok {
        Ok(())
    } else {
        Err("the lasso does not violate the property".into())
    }
}

#[test]
fn fair_cycle_search_agrees_with_brute_force_on_random_graphs() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut violated = 0;
    for case in 0..3000 {
        let c = random_case(&mut rng);
        let sets = negation(c.shape, &c.p, &c.q);
        let found = find_lasso(&c.graph, &sets.problem());
        let expected = reference_violated(&c);
        assert_eq!(
            found.is_some(),
            expected,
            "case {case}: shape {:?}, p {:?}, q {:?}, edges {:?}, strengths {:?}, lasso {found:?}",
            c.shape,
            c.p,
            c.q,
            c.edges,
            c.graph.strengths
        );
        if let Some(l) = &found {
            violated += 1;
            if let Err(e) = validate(&c, l) {
                panic!("case {case}: {e}: {l:?}, edges {:?}", c.edges);
            }
        }
    }
    // Both verdicts must be well represented for the test to mean much.
    assert!(violated > 300 && violated < 2700, "{violated} violations");
}
