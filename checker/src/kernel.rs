//! Checkers compiled for one spec (`specc check --compiled`): the interface
//! between the explorer and the code `emit.rs` generates, and the small
//! API that generated code calls.
//!
//! A compiled checker is the same explorer, seen-set, queue and trace
//! machinery as an interpreted one; only the transition relation and the
//! state predicates are replaced, by functions generated for the spec that
//! read and write packed states with the layout's offsets as constants.
//! Packed states, transition numbering and labels are exactly the
//! interpreted machine's, so both engines find the same states in the same
//! order (`tests/compiled.rs` compares them state by state).
//!
//! Generated code never decides anything it is not sure of. Where an
//! operation could fail (overflow, a value outside its range, an
//! assertion) or meets a value it has no code for, it gives up with
//! [`Bail`], and the interpreted machine computes that one step attempt or
//! predicate instead. A step's results are collected before any is
//! reported ([`Outcomes`]), so giving up midway reports nothing twice.
//! Steps and predicates outside what the emitter compiles call the
//! interpreted machine directly.
//!
//! The items below are public for generated code only; they are not a
//! stable API.

use std::ops::{ControlFlow, Range};

use spec_lang::ir::{MsgId, NetworkKind, Spec, StepId};

use crate::compile::{Actor, Sent};
use crate::failure::StepFailure;
use crate::network::NetPos;
use crate::pack::Packing;
use crate::transitions::Deliverable;

mod compare;
mod ops;
mod serve;

pub use crate::machine::Machine;
pub use crate::shape::{shl, shr};
pub use crate::transitions::{PLabel, Scratch};
pub use ops::{
    in_flight_count, map_digit, map_get, map_keys, map_put, map_size, seq_append, seq_at,
    seq_concat, seq_contains, seq_drop, seq_end, seq_get, seq_index, seq_len, seq_put, seq_rebound,
    seq_tail, seq_take,
};
pub use serve::{
    KernelMessage, KernelResult, finish_compiled, kernel_request, parse_kernel_line, serve,
};

/// A fingerprint of this crate's source files (made by `build.rs`): a
/// compiled checker and the `specc` that runs it must have been built from
/// the same checker source, or the compiled one could search differently
/// from the interpreted one that rebuilds its traces.
pub const CHECKER_SOURCE: &str = env!("SPECC_CHECKER_SOURCE");

/// What a transition enumeration calls for every successor.
pub type Visit<'a> = dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()> + 'a;

/// The result of enumerating transitions: stopped or not, or the step that
/// failed.
pub type StepResult = Result<ControlFlow<()>, Box<StepFailure>>;

/// Compiled code cannot decide this one: the interpreted machine does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bail;

/// A spec's transition relation and predicates, compiled.
pub trait Kernel: Sync {
    /// The [`spec_key`] of the spec the code was generated for.
    fn key(&self) -> u64;

    /// Every successor of `state`, in transition order, as the interpreted
    /// `for_each_successor` enumerates them.
    fn successors(
        &self,
        m: &Machine,
        state: &[u64],
        x: &mut Scratch,
        visit: &mut Visit<'_>,
    ) -> StepResult;

    /// Whether invariant `n` holds in `state`.
    fn invariant(&self, m: &Machine, n: usize, state: &[u64]) -> Result<bool, Bail>;

    /// Whether state constraint `n` holds in `state`.
    fn constraint(&self, m: &Machine, n: usize, state: &[u64]) -> Result<bool, Bail>;

    /// Whether terminal predicate `n` holds in `state`.
    fn terminal(&self, m: &Machine, n: usize, state: &[u64]) -> Result<bool, Bail>;
}

/// What identifies a spec for a compiled checker: a fingerprint of its
/// whole IR (names, types, spans, parameter values), after `always`
/// properties became invariants, as the checker sees it.
pub fn spec_key(spec: &Spec) -> u64 {
    let with_always = crate::explore::always_as_invariants(spec);
    crate::fingerprint::fingerprint(format!("{:?}", &*with_always).as_bytes())
}

/// A message a receive step may take: where it sits in the state.
#[derive(Clone, Copy, Debug)]
pub struct Delivery {
    pos: NetPos,
}

impl Delivery {
    /// The first word of the message's entry (kind, sender, receiver and,
    /// in one-word entries, the fields).
    #[inline]
    pub fn head(self, state: &[u64]) -> u64 {
        state.get(self.pos.entry).copied().unwrap_or(0)
    }

    /// The message's field code (or boxed handle).
    #[inline]
    pub fn fields(self, m: &Machine, state: &[u64]) -> u64 {
        let ew = m.pack.net.entry_words;
        match state.get(self.pos.entry..self.pos.entry + ew) {
            Some(words) => m.pack.entry_fields(words),
            None => 0,
        }
    }

    fn received<'s>(self, m: &Machine, state: &'s [u64]) -> Option<(&'s [u64], NetPos)> {
        let ew = m.pack.net.entry_words;
        state
            .get(self.pos.entry..self.pos.entry + ew)
            .map(|w| (w, self.pos))
    }
}

/// Lists the messages receive steps may take in `state` (call once per
/// state, before [`deliveries_from`]).
#[inline]
pub fn index_deliveries(m: &Machine, state: &[u64], x: &mut Scratch) {
    crate::transitions::index_deliverable(m, state, &mut x.deliver);
}

/// Where the messages of kind `kind` to instances from `to` on start in
/// the list of deliverable messages: a cursor for [`next_deliveries`].
#[inline]
pub fn deliveries_from(x: &Scratch, kind: u32, to: u32) -> usize {
    x.deliver.partition_point(|d| (d.kind, d.to) < (kind, to))
}

/// The indices of the messages of kind `kind` that global instance `to`
/// may receive, the cursor `at` moved past them. Instances must be asked
/// for in ascending order, each once, from the cursor
/// [`deliveries_from`] gave for the first.
#[inline]
pub fn next_deliveries(x: &Scratch, kind: u32, to: u32, at: &mut usize) -> Range<usize> {
    let list = &x.deliver;
    let mut i = *at;
    while i < list.len() && (list[i].kind, list[i].to) < (kind, to) {
        i += 1;
    }
    let lo = i;
    while i < list.len() && list[i].kind == kind && list[i].to == to {
        i += 1;
    }
    *at = i;
    lo..i
}

#[inline]
pub fn delivery(x: &Scratch, i: usize) -> Delivery {
    let d: Deliverable = x.deliver[i];
    Delivery { pos: d.pos }
}

/// Every successor of `state` on the interpreted machine.
pub fn interpreted_successors(
    m: &Machine,
    state: &[u64],
    x: &mut Scratch,
    visit: &mut Visit<'_>,
) -> StepResult {
    crate::transitions::interpreted_successors(m, state, x, visit)
}

/// Integer division as the language defines it.
#[inline]
pub fn div(p: i64, q: i64) -> Result<i64, Bail> {
    int_op(spec_lang::ir::BinaryOp::Div, p, q)
}

/// The remainder as the language defines it.
#[inline]
pub fn rem(p: i64, q: i64) -> Result<i64, Bail> {
    int_op(spec_lang::ir::BinaryOp::Mod, p, q)
}

fn int_op(op: spec_lang::ir::BinaryOp, p: i64, q: i64) -> Result<i64, Bail> {
    use crate::value::Value;
    match crate::eval::binary_values(op, Value::Int(p), Value::Int(q), spec_lang::Span::DETACHED) {
        Ok(Value::Int(n)) => Ok(n),
        _ => Err(Bail),
    }
}

/// Whether global instance `g` is crashed.
#[inline]
pub fn crashed(m: &Machine, state: &[u64], g: u32) -> bool {
    crate::transitions::is_crashed(m, state, g)
}

/// Runs step `step` for global instance `global` (and one message, for a
/// receive) on the interpreted machine.
#[inline(never)]
pub fn interpreted(
    m: &Machine,
    state: &[u64],
    step: usize,
    global: u32,
    d: Option<Delivery>,
    x: &mut Scratch,
    visit: &mut Visit<'_>,
) -> StepResult {
    let Some(cstep) = m.steps.get(step) else {
        return Ok(ControlFlow::Continue(()));
    };
    let actor = Actor {
        global,
        index: global.wrapping_sub(cstep.first),
        role: cstep.role,
    };
    let received = d.and_then(|d| d.received(m, state));
    crate::transitions::attempt(
        m,
        state,
        cstep,
        StepId(step as u32),
        actor,
        received,
        x,
        visit,
    )
}

/// The environment's transitions (faults), on the interpreted machine.
#[inline]
pub fn environment(
    m: &Machine,
    state: &[u64],
    x: &mut Scratch,
    visit: &mut Visit<'_>,
) -> ControlFlow<()> {
    crate::transitions::environment(m, state, x, visit)
}

/// The results of one step attempt, collected before they are reported:
/// for each way the step can complete (one per combination of `choose`
/// elements), the acting instance's variables and the messages it sends.
#[derive(Default, Debug)]
pub struct Outcomes {
    /// The sends of the run in progress (a `choose` rewinds them for its
    /// next element).
    pending: Vec<Sent>,
    vars: Vec<u64>,
    sends: Vec<Sent>,
    /// Per outcome, where its variables and its sends end.
    ends: Vec<(usize, usize)>,
    /// Branch sites decided, with the branch taken.
    hits: Vec<(u32, bool)>,
}

impl Outcomes {
    #[inline]
    pub fn clear(&mut self) {
        self.pending.clear();
        self.vars.clear();
        self.sends.clear();
        self.ends.clear();
        self.hits.clear();
    }

    /// How many sends the run in progress has made.
    #[inline]
    pub fn mark(&self) -> usize {
        self.pending.len()
    }

    /// Forgets the sends after `mark` (a `choose` goes on with its next
    /// element).
    #[inline]
    pub fn rewind(&mut self, mark: usize) {
        self.pending.truncate(mark);
    }

    #[inline]
    pub fn send(&mut self, kind: u32, to: u32, fields: u64) {
        self.pending.push(Sent { to, kind, fields });
    }

    /// Records that the `if` at branch site `site` was decided.
    #[inline]
    pub fn hit(&mut self, site: u32, taken: bool) {
        self.hits.push((site, taken));
    }

    /// Completes one run: the acting instance's variables (stored codes,
    /// by position) and the sends made so far.
    #[inline]
    pub fn commit(&mut self, vars: &[u64]) {
        self.vars.extend_from_slice(vars);
        self.sends.extend_from_slice(&self.pending);
        self.ends.push((self.vars.len(), self.sends.len()));
    }
}

/// The step attempt's outcome buffers, cleared.
#[inline]
pub fn outcomes(x: &mut Scratch) -> &mut Outcomes {
    let o = &mut x.outcomes;
    o.clear();
    o
}

/// The buffers of an attempt of a step that completes at most once (its
/// body has no `choose`): the outcome buffers, cleared, for its sends and
/// branches, and the successor, which the step writes in place once
/// nothing can fail any more ([`begin`], its variables, [`complete`]).
#[inline]
pub fn single(x: &mut Scratch) -> (&mut Outcomes, &mut Vec<u64>) {
    let Scratch { outcomes, next, .. } = x;
    outcomes.clear();
    (outcomes, next)
}

/// Starts a successor written in place: the parent's words.
#[inline]
pub fn begin(next: &mut Vec<u64>, state: &[u64]) {
    next.clear();
    next.extend_from_slice(state);
}

/// Completes a successor written in place by global instance `global`
/// (whose variables it already holds): the message received consumed
/// unless the network is a set, the sends added.
#[inline]
pub fn complete(m: &Machine, next: &mut Vec<u64>, global: u32, d: Option<Delivery>, o: &Outcomes) {
    crate::transitions::apply_network(m, next, global, d.map(|d| d.pos), &o.pending);
}

/// Reports the successor a step that completes at most once wrote in
/// place (see [`single`]), as [`emit`] reports a collected outcome.
#[inline]
pub fn report_single(
    m: &Machine,
    state: &[u64],
    step: usize,
    global: u32,
    d: Option<Delivery>,
    x: &mut Scratch,
    visit: &mut Visit<'_>,
) -> ControlFlow<()> {
    let Scratch { next, outcomes, .. } = x;
    count_branches(outcomes);
    let received = d.and_then(|d| d.received(m, state)).map(|(w, _)| w);
    crate::transitions::report_built(
        m,
        StepId(step as u32),
        global,
        received,
        &outcomes.pending,
        next,
        visit,
    )
}

/// Counts the branches a step attempt decided (coverage).
#[inline]
fn count_branches(o: &Outcomes) {
    for &(site, taken) in &o.hits {
        crate::coverage::hit(site as usize, taken);
    }
}

/// Reports the outcomes collected for step `step` of global instance
/// `global`: each as a successor, built as the interpreted machine builds
/// it (the message received consumed unless the network is a set, the
/// sends added, the bound on messages in flight applied).
pub fn emit(
    m: &Machine,
    state: &[u64],
    step: usize,
    global: u32,
    d: Option<Delivery>,
    x: &mut Scratch,
    visit: &mut Visit<'_>,
) -> ControlFlow<()> {
    let Some(cstep) = m.steps.get(step) else {
        return ControlFlow::Continue(());
    };
    let actor = Actor {
        global,
        index: global.wrapping_sub(cstep.first),
        role: cstep.role,
    };
    let received = d.and_then(|d| d.received(m, state));
    let Scratch { next, outcomes, .. } = x;
    count_branches(outcomes);
    let places = &m.places[cstep.role.index()];
    let (mut vars_at, mut sends_at) = (0, 0);
    for &(vars_end, sends_end) in &outcomes.ends {
        let vars = &outcomes.vars[vars_at..vars_end];
        let sends = &outcomes.sends[sends_at..sends_end];
        vars_at = vars_end;
        sends_at = sends_end;
        let flow = crate::transitions::report(
            m,
            state,
            StepId(step as u32),
            actor,
            places,
            received,
            vars,
            sends,
            next,
            visit,
        );
        if flow.is_break() {
            return flow;
        }
    }
    ControlFlow::Continue(())
}

/// A message in flight, as an `in_flight` quantifier sees it.
#[derive(Clone, Copy, Debug)]
pub struct InFlight {
    pub from: u32,
    pub to: u32,
    pub fields: u64,
    pub copies: u32,
}

/// The messages of kind `kind` in flight in a set or bag network whose
/// kind has packed fields, in network order (the canonical order).
pub fn in_flight<'s>(m: &Machine, state: &'s [u64], kind: u32) -> InFlightIter<'s> {
    let pack: &Packing = &m.pack;
    let start = pack.fixed_words;
    let ew = pack.net.entry_words;
    let bag = pack.net.kind == NetworkKind::Bag;
    let stride = ew + usize::from(bag);
    let n = state.get(start).copied().unwrap_or(0) as usize;
    let (lo, hi) = pack.kind_range(MsgId(kind));
    let head = |i: usize| {
        state
            .get(start + 1 + i * stride)
            .copied()
            .unwrap_or(u64::MAX)
    };
    let (mut a, mut b) = (0usize, n);
    while a < b {
        let mid = (a + b) / 2;
        if head(mid) < lo {
            a = mid + 1;
        } else {
            b = mid;
        }
    }
    let net = &pack.net;
    let low = if ew == 1 { net.field_bits } else { 0 };
    InFlightIter {
        state,
        at: start + 1 + a * stride,
        end: start + 1 + n * stride,
        stride,
        ew,
        bag,
        hi,
        low,
        inst_bits: net.inst_bits,
    }
}

pub struct InFlightIter<'s> {
    state: &'s [u64],
    at: usize,
    end: usize,
    stride: usize,
    ew: usize,
    bag: bool,
    hi: u64,
    low: u32,
    inst_bits: u32,
}

impl Iterator for InFlightIter<'_> {
    type Item = InFlight;

    #[inline]
    fn next(&mut self) -> Option<InFlight> {
        if self.at >= self.end {
            return None;
        }
        let head = *self.state.get(self.at)?;
        if head > self.hi {
            self.at = self.end;
            return None;
        }
        let fields = if self.ew == 1 {
            head & crate::shape::mask(self.low)
        } else {
            self.state.get(self.at + 1).copied().unwrap_or(0)
        };
        let h = crate::shape::shr(head, self.low);
        let to = (h & crate::shape::mask(self.inst_bits)) as u32;
        let from =
            (crate::shape::shr(h, self.inst_bits) & crate::shape::mask(self.inst_bits)) as u32;
        let copies = if self.bag {
            self.state.get(self.at + self.ew).copied().unwrap_or(1) as u32
        } else {
            1
        };
        self.at += self.stride;
        Some(InFlight {
            from,
            to,
            fields,
            copies,
        })
    }
}
