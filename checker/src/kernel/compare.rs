//! A compiled kernel against the interpreted machine, state by state: the
//! self-check behind `tests/compiled.rs`, served by a compiled checker
//! when its request asks for a comparison instead of a check.
//!
//! The comparison is a sequential breadth-first search of the interpreted
//! machine, without symmetry reduction, up to a bound on distinct states.
//! At every state both engines enumerate the successors, and the two lists
//! must be equal entry by entry: the coverage key, the acting instance,
//! the received entry's words, the messages sent and the successor's words,
//! and a failing step at the same position with the same failure. Every
//! invariant, constraint and terminal predicate the kernel decides must be
//! decided alike by the interpreted machine (an interpreted error where
//! the kernel answered is a difference too). A state is expanded when its
//! constraints hold on the interpreted machine, as the explorer does;
//! unlike the explorer, the comparison goes on past violations, so it also
//! covers states a check would stop at.
//!
//! No coverage unit is opened: branch hits reported by either engine count
//! nothing (see `coverage.rs`), so the comparison changes no counts.
//!
//! The first difference is described for a reader: the state's index and
//! depth, the trace that reaches it, the decoded state and both successor
//! lists with decoded actions.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write;
use std::ops::ControlFlow;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use spec_lang::ir::Spec;

use crate::canon::Engine;
use crate::compile::{Locals, Sent};
use crate::coverage::Key;
use crate::failure::Failure;
use crate::kernel::{Bail, Kernel, StepResult, Visit};
use crate::machine::Machine;
use crate::model::Model;
use crate::outcome::Action;
use crate::trace::ReplayMode;
use crate::transitions::{PLabel, Scratch, interpreted_successors};

/// How far a comparison goes.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Bounds {
    /// Distinct states compared, at most (the first ones breadth-first;
    /// the initial state in any case).
    pub max_states: u64,
}

/// What a comparison found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Distinct states compared.
    pub states: u64,
    /// Successors compared (both lists' entries, counted once).
    pub transitions: u64,
    /// Predicate evaluations the kernel decided and the interpreted
    /// machine confirmed.
    pub predicates: u64,
    /// Predicate evaluations the kernel left to the interpreted machine.
    pub bailed: u64,
    /// Every reachable state was compared (the bound did not cut the
    /// search).
    pub complete: bool,
    /// The first difference, described; `None` when the engines agree.
    pub mismatch: Option<String>,
}

/// The line a compiled checker writes for a comparison request.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Line<'a> {
    Compared(&'a Comparison),
    /// The spec could not be set up.
    Refused(String),
}

/// Serves a comparison request: compares `kernel` with the interpreted
/// machine of `spec` and writes one line to `out`. Returns the process's
/// exit code: 0 when the engines agree, 1 when they differ, 2 when nothing
/// could be compared or written.
pub(super) fn serve_comparison(
    spec: &Spec,
    kernel: &dyn Kernel,
    bounds: Bounds,
    out: &mut dyn Write,
) -> i32 {
    let (line, code) = match compare(spec, kernel, bounds) {
        Ok(c) => {
            let code = if c.mismatch.is_some() { 1 } else { 0 };
            (serde_json::to_string(&Line::Compared(&c)), code)
        }
        Err(message) => (serde_json::to_string(&Line::Refused(message)), 2),
    };
    let written = line
        .map_err(std::io::Error::other)
        .and_then(|text| writeln!(out, "{text}"))
        .and_then(|()| out.flush());
    if written.is_ok() { code } else { 2 }
}

/// Compares `kernel` with the interpreted machine of `spec` on its first
/// `bounds.max_states` states, breadth-first. `Err` when the spec cannot
/// be set up.
pub fn compare(spec: &Spec, kernel: &dyn Kernel, bounds: Bounds) -> Result<Comparison, String> {
    // The kernel was generated for the spec with `always` properties as
    // invariants, and numbers its invariants so.
    let with_always = crate::explore::always_as_invariants(spec);
    let spec: &Spec = &with_always;
    let model = Model::new(spec, false).map_err(|e| e.message)?;
    let machine = Machine::new(spec, &model).map_err(|e| e.message)?;
    let engine = Engine {
        model: &model,
        machine: &machine,
    };
    let mut search = Search {
        engine: &engine,
        spec,
        kernel,
        found: Comparison::default(),
        scratch: Scratch::default(),
        kernel_scratch: Scratch::default(),
        locals: Locals::default(),
        states: vec![machine.init.as_slice().into()],
        links: vec![None],
    };
    search.run(bounds.max_states);
    Ok(search.found)
}

/// One successor as the comparison sees it, or the step failure that
/// stopped the enumeration.
#[derive(Debug, PartialEq)]
enum Transition {
    Succ {
        key: Key,
        label: Label,
        next: Vec<u64>,
    },
    Fails {
        failure: Failure,
        action: Action,
    },
}

/// A [`PLabel`], owned.
#[derive(Debug, PartialEq)]
enum Label {
    Step {
        actor: u32,
        received: Option<Vec<u64>>,
        sent: Vec<Sent>,
    },
    Lose(Vec<u64>),
    Duplicate(Vec<u64>),
    Partition(Vec<u64>),
    Heal,
    Crash(u32),
    Recover(u32),
}

impl Label {
    fn of(label: &PLabel<'_>) -> Label {
        match *label {
            PLabel::Step {
                actor,
                received,
                sent,
                ..
            } => Label::Step {
                actor,
                received: received.map(<[u64]>::to_vec),
                sent: sent.to_vec(),
            },
            PLabel::Lose(w) => Label::Lose(w.to_vec()),
            PLabel::Duplicate(w) => Label::Duplicate(w.to_vec()),
            PLabel::Partition(w) => Label::Partition(w.to_vec()),
            PLabel::Heal => Label::Heal,
            PLabel::Crash(g) => Label::Crash(g),
            PLabel::Recover(g) => Label::Recover(g),
        }
    }
}

/// A transition relation: the interpreted one or a kernel's.
type Enumerate<'a> = &'a dyn Fn(&Machine, &[u64], &mut Scratch, &mut Visit<'_>) -> StepResult;

/// Every transition of `state` under `enumerate`, with each label's
/// decoded action when `actions` is given (for a report).
fn transitions(
    m: &Machine,
    state: &[u64],
    x: &mut Scratch,
    enumerate: Enumerate<'_>,
    mut actions: Option<&mut Vec<Option<Action>>>,
) -> Vec<Transition> {
    let mut out = Vec::new();
    let result = enumerate(m, state, x, &mut |label, next| {
        out.push(Transition::Succ {
            key: Key::of(label),
            label: Label::of(label),
            next: next.to_vec(),
        });
        if let Some(actions) = actions.as_deref_mut() {
            actions.push(m.action(label));
        }
        ControlFlow::Continue(())
    });
    if let Err(f) = result {
        out.push(Transition::Fails {
            failure: f.failure,
            action: f.action,
        });
    }
    out
}

/// The kinds of state predicate, as the kernel numbers them.
#[derive(Clone, Copy, Debug)]
enum PredKind {
    Invariant,
    Constraint,
    Terminal,
}

struct Search<'a> {
    engine: &'a Engine<'a>,
    spec: &'a Spec,
    kernel: &'a dyn Kernel,
    found: Comparison,
    /// The interpreted machine's buffers.
    scratch: Scratch,
    /// The kernel's buffers, separate so that neither engine sees what the
    /// other left behind.
    kernel_scratch: Scratch,
    locals: Locals,
    /// Every distinct state found, in breadth-first order (which is also
    /// the order they are compared in).
    states: Vec<Rc<[u64]>>,
    /// Per state, its parent's index and the transition's position among
    /// the parent's successors (`None` for the initial state).
    links: Vec<Option<(usize, u64)>>,
}

impl Search<'_> {
    fn run(&mut self, max_states: u64) {
        // The initial state is always compared.
        let max = usize::try_from(max_states).unwrap_or(usize::MAX).max(1);
        let mut seen: HashSet<Rc<[u64]>> = self.states.iter().cloned().collect();
        let mut cut = false;
        // The states are compared in the order they are found.
        let mut next_at = 0;
        while let Some(state) = self.states.get(next_at).cloned() {
            let at = next_at;
            next_at += 1;
            self.found.states += 1;
            let expand = match self.predicates(at, &state) {
                Ok(expand) => expand,
                Err(report) => {
                    self.found.mismatch = Some(report);
                    return;
                }
            };
            if !expand {
                continue;
            }
            let m = self.engine.machine;
            let kernel = self.kernel;
            let interpreted =
                transitions(m, &state, &mut self.scratch, &interpreted_relation, None);
            let compiled = transitions(
                m,
                &state,
                &mut self.kernel_scratch,
                &|m, s, x, v| kernel.successors(m, s, x, v),
                None,
            );
            if interpreted != compiled {
                self.found.mismatch = Some(self.successors_differ(at, &interpreted, &compiled));
                return;
            }
            for (position, t) in interpreted.into_iter().enumerate() {
                let Transition::Succ { next, .. } = t else {
                    continue;
                };
                self.found.transitions += 1;
                if seen.contains(&next[..]) {
                    continue;
                }
                if self.states.len() >= max {
                    cut = true;
                    continue;
                }
                let next: Rc<[u64]> = next.into();
                seen.insert(Rc::clone(&next));
                self.states.push(next);
                self.links.push(Some((at, position as u64)));
            }
        }
        self.found.complete = !cut;
    }

    /// Compares every predicate on the state with index `at`; returns
    /// whether the state is expanded (its constraints hold on the
    /// interpreted machine), or the report of a difference.
    fn predicates(&mut self, at: usize, state: &[u64]) -> Result<bool, String> {
        let m = self.engine.machine;
        let mut expand = true;
        let kinds = [
            (PredKind::Invariant, &m.invariants),
            (PredKind::Constraint, &m.constraints),
            (PredKind::Terminal, &m.terminal),
        ];
        for (kind, preds) in kinds {
            for (n, pred) in preds.iter().enumerate() {
                let interpreted = m.eval_pred(pred, state, &mut self.locals);
                if let PredKind::Constraint = kind {
                    expand &= matches!(interpreted, Ok(true));
                }
                let compiled = match kind {
                    PredKind::Invariant => self.kernel.invariant(m, n, state),
                    PredKind::Constraint => self.kernel.constraint(m, n, state),
                    PredKind::Terminal => self.kernel.terminal(m, n, state),
                };
                match (compiled, &interpreted) {
                    (Err(Bail), _) => self.found.bailed += 1,
                    (Ok(b), Ok(i)) if b == *i => self.found.predicates += 1,
                    (Ok(b), _) => {
                        let interpreted = match interpreted {
                            Ok(i) => format!("{i}"),
                            Err(e) => format!("an error ({} at {:?})", e.message, e.span),
                        };
                        let why = format!(
                            "{} {n} ({}) is {b} compiled but {interpreted} interpreted",
                            kind_name(kind),
                            self.pred_name(kind, n),
                        );
                        return Err(self.describe(at, &why, ""));
                    }
                }
            }
        }
        Ok(expand)
    }

    /// How a reader finds predicate `n` of a kind: an invariant's name, a
    /// constraint's or terminal predicate's place in the spec.
    fn pred_name(&self, kind: PredKind, n: usize) -> String {
        let spec = self.spec;
        let named = match kind {
            PredKind::Invariant => spec.invariants.get(n).map(|i| (Some(&i.name), i.span)),
            PredKind::Constraint => spec.constraints.get(n).map(|c| (None, c.span)),
            PredKind::Terminal => spec.terminal.get(n).map(|t| (None, t.span)),
        };
        match named {
            Some((Some(name), _)) => format!("`{name}`"),
            Some((None, span)) => format!("at bytes {}..{}", span.start, span.end),
            None => "not in the spec".to_string(),
        }
    }

    /// The report of successor lists that differ from the state with
    /// index `at`.
    fn successors_differ(
        &mut self,
        at: usize,
        interpreted: &[Transition],
        compiled: &[Transition],
    ) -> String {
        let m = self.engine.machine;
        let kernel = self.kernel;
        let state = self.states[at].clone();
        // Enumerate again with the labels decoded, for the reader.
        let mut interpreted_actions = Vec::new();
        let mut compiled_actions = Vec::new();
        let _ = transitions(
            m,
            &state,
            &mut self.scratch,
            &interpreted_relation,
            Some(&mut interpreted_actions),
        );
        let _ = transitions(
            m,
            &state,
            &mut self.kernel_scratch,
            &|m, s, x, v| kernel.successors(m, s, x, v),
            Some(&mut compiled_actions),
        );
        let first = interpreted
            .iter()
            .zip(compiled)
            .position(|(a, b)| a != b)
            .unwrap_or(interpreted.len().min(compiled.len()));
        let why = format!(
            "the successors differ at position {first} ({} interpreted, {} compiled)",
            interpreted.len(),
            compiled.len()
        );
        let mut details = String::new();
        let lists = [
            ("interpreted", interpreted, &interpreted_actions),
            ("compiled", compiled, &compiled_actions),
        ];
        for (who, list, actions) in lists {
            let _ = write!(details, "\n{who} successor {first}: ");
            match list.get(first) {
                None => details.push_str("none"),
                Some(t) => details.push_str(&self.show(t, action_at(actions, first))),
            }
        }
        for (who, list, actions) in lists {
            let _ = write!(details, "\n{who} successors:");
            for (n, t) in list.iter().enumerate() {
                let _ = write!(details, "\n  {n}: {}", show_short(t, action_at(actions, n)));
            }
        }
        self.describe(at, &why, &details)
    }

    /// One transition in full: key, label, action, words and the
    /// decoded successor.
    fn show(&self, t: &Transition, action: Option<&Action>) -> String {
        match t {
            Transition::Succ { next, .. } => format!(
                "{}\n  decoded: {:?}",
                show_short(t, action),
                self.engine.unpack(next)
            ),
            Transition::Fails { .. } => show_short(t, action),
        }
    }

    /// A difference at the state with index `at`: what differs (`why`),
    /// where (the decoded state and the trace that reaches it), then
    /// `details`.
    fn describe(&self, at: usize, why: &str, details: &str) -> String {
        let mut chain = Vec::new();
        let mut cursor = at;
        while let Some(Some((parent, position))) = self.links.get(cursor) {
            chain.push(*position);
            cursor = *parent;
        }
        chain.reverse();
        let state = &self.states[at];
        let mut text = format!(
            "the compiled kernel and the interpreted machine differ at state {at} (depth {}) of the breadth-first search: {why}\nthe state: {:?}\nits words: {state:?}",
            chain.len(),
            self.engine.unpack(state),
        );
        match crate::trace::rebuild(self.engine, &chain, false, ReplayMode::Natural) {
            Ok(replayed) => {
                let _ = write!(
                    text,
                    "\nthe trace to it:\n{}",
                    crate::format::text_trace(self.spec, &replayed.trace)
                );
            }
            Err(e) => {
                let _ = write!(text, "\nthe trace to it could not be rebuilt: {e}");
            }
        }
        text.push_str(details);
        text
    }
}

fn action_at(actions: &[Option<Action>], n: usize) -> Option<&Action> {
    actions.get(n).and_then(Option::as_ref)
}

/// One transition on a line: key, label, words and decoded action.
fn show_short(t: &Transition, action: Option<&Action>) -> String {
    match t {
        Transition::Succ { key, label, next } => {
            let mut line = format!("{key:?} {label:?} -> {next:?}");
            if let Some(action) = action {
                let _ = write!(line, "; {action:?}");
            }
            line
        }
        Transition::Fails { failure, action } => format!("fails: {failure:?} in {action:?}"),
    }
}

/// The interpreted transition relation, as an [`Enumerate`].
fn interpreted_relation(
    m: &Machine,
    state: &[u64],
    x: &mut Scratch,
    visit: &mut Visit<'_>,
) -> StepResult {
    interpreted_successors(m, state, x, visit)
}

fn kind_name(kind: PredKind) -> &'static str {
    match kind {
        PredKind::Invariant => "invariant",
        PredKind::Constraint => "constraint",
        PredKind::Terminal => "terminal predicate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two processes each count to two; nothing more.
    const COUNTERS: &str = r#"
protocol Counters
role P[2] {
  var n: 0..2 = 0
}
network set
on P step count when n < 2 {
  n := n + 1
}
invariant Small: forall p in P: p.n <= 2
terminal when forall p in P: p.n == 2
"#;

    fn counters() -> Spec {
        spec_lang::compile(COUNTERS, &[])
            .unwrap_or_else(|d| panic!("{}", spec_lang::render("counters", COUNTERS, &d, false)))
            .spec
    }

    /// The interpreted machine, as a kernel that decides no predicate.
    struct Faithful;

    impl Kernel for Faithful {
        fn key(&self) -> u64 {
            0
        }

        fn successors(
            &self,
            m: &Machine,
            state: &[u64],
            x: &mut Scratch,
            visit: &mut Visit<'_>,
        ) -> StepResult {
            interpreted_successors(m, state, x, visit)
        }

        fn invariant(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }

        fn constraint(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }

        fn terminal(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }
    }

    /// Forgets the last successor of every state that has one.
    struct DropsLast;

    impl Kernel for DropsLast {
        fn key(&self) -> u64 {
            0
        }

        fn successors(
            &self,
            m: &Machine,
            state: &[u64],
            x: &mut Scratch,
            visit: &mut Visit<'_>,
        ) -> StepResult {
            let mut count = 0usize;
            let _ = interpreted_successors(m, state, x, &mut |_, _| {
                count += 1;
                ControlFlow::Continue(())
            })?;
            let mut left = count.saturating_sub(1);
            interpreted_successors(m, state, x, &mut |label, next| {
                if left == 0 {
                    return ControlFlow::Break(());
                }
                left -= 1;
                visit(label, next)
            })
        }

        fn invariant(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }

        fn constraint(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }

        fn terminal(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }
    }

    /// Decides the invariants right, but says every terminal predicate
    /// holds once anything has moved.
    struct EagerTerminal;

    impl Kernel for EagerTerminal {
        fn key(&self) -> u64 {
            0
        }

        fn successors(
            &self,
            m: &Machine,
            state: &[u64],
            x: &mut Scratch,
            visit: &mut Visit<'_>,
        ) -> StepResult {
            interpreted_successors(m, state, x, visit)
        }

        fn invariant(&self, m: &Machine, n: usize, state: &[u64]) -> Result<bool, Bail> {
            let pred = m.invariants.get(n).ok_or(Bail)?;
            m.eval_pred(pred, state, &mut Locals::default())
                .map_err(|_| Bail)
        }

        fn constraint(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }

        fn terminal(&self, m: &Machine, n: usize, state: &[u64]) -> Result<bool, Bail> {
            if state == m.init {
                return Err(Bail);
            }
            let pred = m.terminal.get(n).ok_or(Bail)?;
            m.eval_pred(pred, state, &mut Locals::default())
                .map(|_| true)
                .map_err(|_| Bail)
        }
    }

    /// Reports no step failure: a failing enumeration ends quietly.
    struct HidesFailures;

    impl Kernel for HidesFailures {
        fn key(&self) -> u64 {
            0
        }

        fn successors(
            &self,
            m: &Machine,
            state: &[u64],
            x: &mut Scratch,
            visit: &mut Visit<'_>,
        ) -> StepResult {
            interpreted_successors(m, state, x, visit).or(Ok(ControlFlow::Continue(())))
        }

        fn invariant(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }

        fn constraint(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }

        fn terminal(&self, _: &Machine, _: usize, _: &[u64]) -> Result<bool, Bail> {
            Err(Bail)
        }
    }

    /// The counters, where the second count of a process fails.
    fn failing_counters() -> Spec {
        let source = COUNTERS.replace("n := n + 1", "assert n == 0, \"once\"\n  n := n + 1");
        spec_lang::compile(&source, &[])
            .unwrap_or_else(|d| panic!("{}", spec_lang::render("counters", &source, &d, false)))
            .spec
    }

    const ALL: Bounds = Bounds { max_states: 1000 };

    #[test]
    fn the_interpreted_machine_agrees_with_itself_on_every_state() {
        let found = compare(&counters(), &Faithful, ALL).expect("the spec sets up");
        assert_eq!(found.mismatch, None);
        // 3 x 3 counter values; each count below two is one transition.
        assert_eq!(found.states, 9);
        assert_eq!(found.transitions, 12);
        assert!(found.complete);
        assert_eq!((found.predicates, found.bailed), (0, 18));
    }

    #[test]
    fn a_kernel_that_drops_a_successor_is_caught_at_the_initial_state() {
        let found = compare(&counters(), &DropsLast, ALL).expect("the spec sets up");
        let report = found.mismatch.expect("the kernel is wrong");
        assert!(
            report.contains("differ at state 0 (depth 0)")
                && report.contains("at position 1 (2 interpreted, 1 compiled)"),
            "{report}"
        );
        assert!(report.contains("compiled successor 1: none"), "{report}");
    }

    #[test]
    fn a_kernel_with_a_wrong_predicate_is_caught_with_the_trace_to_the_state() {
        let found = compare(&counters(), &EagerTerminal, ALL).expect("the spec sets up");
        let report = found.mismatch.expect("the kernel is wrong");
        let at = COUNTERS
            .find("terminal")
            .expect("the spec has a terminal predicate");
        assert!(
            report.contains("differ at state 1 (depth 1)")
                && report.contains(&format!("terminal predicate 0 (at bytes {at}..")),
            "{report}"
        );
        assert!(
            report.contains("is true compiled but false interpreted"),
            "{report}"
        );
        assert!(report.contains("the trace to it:\n"), "{report}");
        assert!(
            report.contains("count"),
            "the trace names the step: {report}"
        );
        // The invariant was confirmed on both states.
        assert_eq!((found.states, found.predicates), (2, 2));
    }

    #[test]
    fn step_failures_are_compared_with_their_position() {
        let found = compare(&failing_counters(), &Faithful, ALL).expect("the spec sets up");
        assert_eq!(found.mismatch, None);
        // A process that has counted fails, and so ends the enumeration
        // before the other's count if it comes first: (1, 0) has no
        // successor, (0, 1) has (1, 1).
        assert_eq!((found.states, found.transitions), (4, 3));

        let found = compare(&failing_counters(), &HidesFailures, ALL).expect("the spec sets up");
        let report = found.mismatch.expect("the kernel is wrong");
        assert!(
            report.contains("differ at state 1 (depth 1)")
                && report.contains("at position 0 (1 interpreted, 0 compiled)")
                && report.contains("interpreted successor 0: fails: Assertion"),
            "{report}"
        );
    }

    #[test]
    fn the_bound_cuts_the_search_breadth_first() {
        let found =
            compare(&counters(), &Faithful, Bounds { max_states: 4 }).expect("the spec sets up");
        assert_eq!(found.mismatch, None);
        assert_eq!(found.states, 4);
        assert!(!found.complete);
    }
}
