//! The transition relation on packed states: every successor, in the same
//! fixed order as the reference (`successors.rs`), so that transitions are
//! numbered alike.
//!
//! Order: the steps in spec order, each for every live instance of its
//! role in index order, each receive step once per deliverable matching
//! message in network order, each `choose` once per element in collection
//! order; then the environment: message loss, duplication, partition, heal,
//! crash, recovery. In a `synchronous` network the timeout steps come after
//! the other steps, and only when none of those changed the state. The
//! semantics of each is the reference's; see the module comment of
//! `successors.rs`.
//!
//! A successor is built in one reused buffer: the parent's words are
//! copied, the acting instance's variables written into its block, the
//! received message removed and the sent ones inserted in place.

use std::ops::ControlFlow;

use spec_lang::ir::{CrashKind, NetworkKind, StepId, StepKind};

use crate::compile::{Actor, Any, Locals, Place, Run, Sent, execute, execute_plain};
use crate::convert::entry_msg;
use crate::failure::Failure;
use crate::failure::StepFailure;
use crate::machine::{CStep, Machine};
use crate::network::{self, NetPos};
use crate::outcome::Action;
use crate::value::Msg;

/// What a transition did, borrowed from the enumeration.
#[derive(Clone, Copy, Debug)]
pub enum PLabel<'a> {
    Step {
        step: StepId,
        actor: u32,
        /// The received message's entry words.
        received: Option<&'a [u64]>,
        sent: &'a [Sent],
    },
    Lose(&'a [u64]),
    Duplicate(&'a [u64]),
    /// The new partition's group, as an instance bitmask.
    Partition(&'a [u64]),
    Heal,
    Crash(u32),
    Recover(u32),
}

/// Buffers reused across successor enumerations (one per worker).
#[derive(Default)]
pub struct Scratch {
    pub next: Vec<u64>,
    pub locals: Locals,
    vars: Vec<u64>,
    sends: Vec<Sent>,
    group: Vec<u64>,
    /// The deliverable messages of the state being expanded, by (kind,
    /// receiver), each group in network order.
    pub(crate) deliver: Vec<Deliverable>,
    /// A compiled step attempt's results (see `kernel.rs`).
    pub(crate) outcomes: crate::kernel::Outcomes,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Deliverable {
    pub kind: u32,
    pub to: u32,
    pub pos: NetPos,
}

/// Calls `visit` for every successor of `state`, in transition order, until
/// it breaks. A failing assertion or a runtime error stops the enumeration
/// and is returned. A machine with a compiled kernel enumerates with it.
pub fn for_each_successor(
    m: &Machine,
    state: &[u64],
    scratch: &mut Scratch,
    visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, Box<StepFailure>> {
    match m.kernel {
        Some(kernel) => kernel.successors(m, state, scratch, visit),
        None => interpreted_successors(m, state, scratch, visit),
    }
}

/// [`for_each_successor`] on the interpreted machine.
pub fn interpreted_successors(
    m: &Machine,
    state: &[u64],
    scratch: &mut Scratch,
    visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, Box<StepFailure>> {
    index_deliverable(m, state, &mut scratch.deliver);
    if !m.names.network.synchronous {
        if protocol_steps(m, state, Pass::All, scratch, visit)?.is_break() {
            return Ok(ControlFlow::Break(()));
        }
        return Ok(environment(m, state, scratch, visit));
    }
    // Synchronous timeouts (as in the reference): a timeout step is offered
    // only when no other step changes the state.
    let mut progress = false;
    let mut watch = |label: &PLabel<'_>, next: &[u64]| {
        progress |= next != state;
        visit(label, next)
    };
    if protocol_steps(m, state, Pass::NotTimeouts, scratch, &mut watch)?.is_break() {
        return Ok(ControlFlow::Break(()));
    }
    if !progress && protocol_steps(m, state, Pass::Timeouts, scratch, visit)?.is_break() {
        return Ok(ControlFlow::Break(()));
    }
    Ok(environment(m, state, scratch, visit))
}

/// Which steps [`protocol_steps`] offers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    All,
    NotTimeouts,
    Timeouts,
}

/// Offers the protocol's steps of one pass, in spec order.
fn protocol_steps(
    m: &Machine,
    state: &[u64],
    pass: Pass,
    scratch: &mut Scratch,
    visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, Box<StepFailure>> {
    let ew = m.pack.net.entry_words;
    for (n, step) in m.steps.iter().enumerate() {
        let is_timeout = m
            .names
            .steps
            .get(n)
            .is_some_and(|s| matches!(s.kind, StepKind::Timeout));
        if (pass == Pass::Timeouts && !is_timeout) || (pass == Pass::NotTimeouts && is_timeout) {
            continue;
        }
        let id = StepId(n as u32);
        for index in 0..step.count {
            let g = step.first + index;
            if is_crashed(m, state, g) {
                continue;
            }
            let actor = Actor {
                global: g,
                index,
                role: step.role,
            };
            let flow = match &step.receive {
                None => attempt(m, state, step, id, actor, None, scratch, visit)?,
                Some(recv) => {
                    let key = (recv.kind.0, g);
                    let from = scratch.deliver.partition_point(|d| (d.kind, d.to) < key);
                    let mut flow = ControlFlow::Continue(());
                    let mut at = from;
                    while let Some(d) = scratch.deliver.get(at).copied()
                        && (d.kind, d.to) == key
                    {
                        at += 1;
                        let words = &state[d.pos.entry..d.pos.entry + ew];
                        flow = attempt(
                            m,
                            state,
                            step,
                            id,
                            actor,
                            Some((words, d.pos)),
                            scratch,
                            visit,
                        )?;
                        if flow.is_break() {
                            break;
                        }
                    }
                    flow
                }
            };
            if flow.is_break() {
                return Ok(flow);
            }
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// Lists the messages a receive could take, sorted by (kind, receiver)
/// and otherwise in network order: every message of a set or a bag, the
/// head of every FIFO queue, when sender and receiver are connected.
pub(crate) fn index_deliverable(m: &Machine, state: &[u64], out: &mut Vec<Deliverable>) {
    out.clear();
    let pack = &m.pack;
    if pack.net.kind != NetworkKind::Fifo {
        // Every message of a set or a bag can be received: walk the
        // entries directly (what `network::for_each` would give).
        let start = pack.fixed_words;
        let stride = pack.net.entry_words + usize::from(pack.net.kind == NetworkKind::Bag);
        let n = state.get(start).copied().unwrap_or(0) as usize;
        for i in 0..n {
            let entry = start + 1 + i * stride;
            let Some(&[head, ..]) = state.get(entry..entry + pack.net.entry_words) else {
                break;
            };
            let (kind, from, to) = pack.entry_parts(head);
            if connected(m, state, from, to) {
                out.push(Deliverable {
                    kind,
                    to,
                    pos: NetPos { entry, channel: 0 },
                });
            }
        }
        out.sort_by_key(|d| (d.kind, d.to));
        return;
    }
    network::for_each(pack, state, &mut |e| {
        if e.head {
            let (kind, from, to) = pack.entry_parts(e.words[0]);
            if connected(m, state, from, to) {
                out.push(Deliverable {
                    kind,
                    to,
                    pos: e.pos,
                });
            }
        }
        true
    });
    // Stable: messages to one receiver keep their network order.
    out.sort_by_key(|d| (d.kind, d.to));
}

/// Whether a global instance is crashed.
#[inline]
pub fn is_crashed(m: &Machine, state: &[u64], g: u32) -> bool {
    match m.pack.faults.crashed {
        None => false,
        Some(at) => state
            .get(at + g as usize / 64)
            .is_some_and(|w| w >> (g % 64) & 1 == 1),
    }
}

/// Whether a message from `from` can reach `to` under the current partition.
#[inline]
fn connected(m: &Machine, state: &[u64], from: u32, to: u32) -> bool {
    match m.pack.faults.partition {
        None => true,
        Some(at) => {
            let bit = |g: u32| {
                state
                    .get(at + g as usize / 64)
                    .is_some_and(|w| w >> (g % 64) & 1 == 1)
            };
            bit(from) == bit(to)
        }
    }
}

/// Tries one step for one instance (and one message, for a receive).
#[allow(clippy::too_many_arguments)]
pub(crate) fn attempt(
    m: &Machine,
    state: &[u64],
    step: &CStep,
    id: StepId,
    actor: Actor,
    received: Option<(&[u64], NetPos)>,
    scratch: &mut Scratch,
    visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, Box<StepFailure>> {
    let fail = |failure: Failure| {
        Box::new(StepFailure {
            failure,
            action: Action::Step {
                step: id,
                instance: m
                    .pack
                    .insts
                    .get(u64::from(actor.global))
                    .unwrap_or(crate::value::Instance::new(actor.role, actor.index)),
                received: received.and_then(|(w, _)| entry_msg(w, &m.pack, &m.boxed)),
                sent: Vec::new(),
            },
        })
    };
    {
        let mut cx = m.frame_cx(&step.frame, state, &mut scratch.locals);
        if let Some(me) = step.me {
            cx.bind(me, Any::S(u64::from(actor.global)));
        }
        if let (Some(recv), Some((words, _))) = (&step.receive, received) {
            let (_, from, _) = m.pack.entry_parts(words[0]);
            let fields = m.pack.entry_fields(words);
            if !recv
                .bind(m, &mut cx, from, fields)
                .map_err(|e| fail(Failure::Error(*e)))?
            {
                return Ok(ControlFlow::Continue(()));
            }
        }
        if (step.guard)(&mut cx).map_err(|e| fail(Failure::Error(*e)))? == 0 {
            return Ok(ControlFlow::Continue(()));
        }
    }
    let places = &m.places[actor.role.index()];
    let emit = |vars: &[u64],
                sends: &[Sent],
                next: &mut Vec<u64>,
                visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>| {
        report(
            m, state, id, actor, places, received, vars, sends, next, visit,
        )
    };
    let Scratch {
        next,
        locals,
        vars,
        sends,
        ..
    } = scratch;
    vars.clear();
    vars.extend(
        places
            .iter()
            .map(|p| p.read(state, actor.global).unwrap_or(0)),
    );
    if step.plain {
        sends.clear();
        execute_plain(m, state, actor, &step.body, locals, vars, sends).map_err(fail)?;
        return Ok(emit(vars, sends, next, visit));
    }
    let run = Run::new(std::mem::take(locals), vars.clone(), &step.body);
    let mut done = |vars: &[u64], sends: &[Sent]| emit(vars, sends, next, visit);
    execute(m, state, actor, run, &mut done).map_err(fail)
}

/// Reports one completed run of a step: builds its successor into `next`
/// and visits it, unless its sends would exceed the bound on messages in
/// flight (then this run of the step is disabled).
#[allow(clippy::too_many_arguments)]
pub(crate) fn report(
    m: &Machine,
    state: &[u64],
    id: StepId,
    actor: Actor,
    places: &[Place],
    received: Option<(&[u64], NetPos)>,
    vars: &[u64],
    sends: &[Sent],
    next: &mut Vec<u64>,
    visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>,
) -> ControlFlow<()> {
    next.clear();
    next.extend_from_slice(state);
    for (p, code) in places.iter().zip(vars) {
        p.write(next, actor.index, *code);
    }
    apply_network(m, next, actor.global, received.map(|(_, p)| p), sends);
    report_built(
        m,
        id,
        actor.global,
        received.map(|(w, _)| w),
        sends,
        next,
        visit,
    )
}

/// The network part of a step's successor, whose other words `next`
/// already holds: the received message consumed (unless the network is a
/// set) and the sent messages added.
pub(crate) fn apply_network(
    m: &Machine,
    next: &mut Vec<u64>,
    actor: u32,
    received: Option<NetPos>,
    sends: &[Sent],
) {
    if let Some(pos) = received
        && m.pack.net.kind != NetworkKind::Set
    {
        network::remove(&m.pack, next, pos);
    }
    let mut entry = [0u64; 2];
    let ew = m.pack.net.entry_words;
    for s in sends {
        let kind = spec_lang::ir::MsgId(s.kind);
        entry[0] = m.pack.entry_head(kind, actor, s.to, s.fields);
        entry[1] = s.fields;
        network::add(&m.pack, next, &entry[..ew], actor, s.to);
    }
}

/// Visits a step's successor, built in `next`, unless its sends exceed
/// the bound on messages in flight.
pub(crate) fn report_built(
    m: &Machine,
    id: StepId,
    actor: u32,
    received: Option<&[u64]>,
    sends: &[Sent],
    next: &[u64],
    visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>,
) -> ControlFlow<()> {
    if let Some(max) = m.names.network.max_in_flight
        && !sends.is_empty()
        && network::count(&m.pack, next) > u64::from(max)
    {
        return ControlFlow::Continue(());
    }
    let label = PLabel::Step {
        step: id,
        actor,
        received,
        sent: sends,
    };
    visit(&label, next)
}

/// The environment's transitions: faults of the network and of processes.
pub(crate) fn environment(
    m: &Machine,
    state: &[u64],
    scratch: &mut Scratch,
    visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let net = &m.names.network;
    let pack = &m.pack;
    let faults = &pack.faults;
    let counter = |at: Option<usize>| at.and_then(|at| state.get(at)).map_or(0, |w| *w as u32);
    let within = |bound: Option<u32>, used: u32| bound.is_none_or(|max| used < max);
    let mut slots: Vec<(NetPos, usize)> = Vec::new();
    if net.loss.is_some() || net.duplication.is_some() {
        network::for_each(pack, state, &mut |e| {
            let offset = e.pos.entry;
            slots.push((e.pos, offset));
            true
        });
    }
    let ew = pack.net.entry_words;
    let next = &mut scratch.next;

    if let Some(loss) = net.loss
        && within(loss.max, counter(faults.losses))
    {
        for &(pos, at) in &slots {
            next.clear();
            next.extend_from_slice(state);
            network::remove(pack, next, pos);
            if let (Some(_), Some(c)) = (loss.max, faults.losses) {
                next[c] += 1;
            }
            visit(&PLabel::Lose(&state[at..at + ew]), next)?;
        }
    }

    if let Some(dup) = net.duplication
        && within(dup.max, counter(faults.duplications))
        && net.kind != NetworkKind::Set
        && net
            .max_in_flight
            .is_none_or(|max| network::count(pack, state) < u64::from(max))
    {
        for &(pos, at) in &slots {
            next.clear();
            next.extend_from_slice(state);
            network::duplicate(pack, next, pos);
            if let (Some(_), Some(c)) = (dup.max, faults.duplications) {
                next[c] += 1;
            }
            visit(&PLabel::Duplicate(&state[at..at + ew]), next)?;
        }
    }

    if let (Some(part), Some(at)) = (net.partition, faults.partition) {
        let words = pack.inst_words;
        let partitioned = state[at..at + words].iter().any(|w| *w != 0);
        if !partitioned && within(part.max, counter(faults.partitions)) {
            // Each split into two non-empty groups once: the group without
            // instance 0 is a non-empty proper subset of the others.
            let others = pack.insts.all.len().saturating_sub(1);
            for mask in 1u64..(1u64 << others) {
                let group = &mut scratch.group;
                group.clear();
                group.resize(words, 0);
                for b in 0..others {
                    if mask & (1 << b) != 0 {
                        let g = b + 1;
                        group[g / 64] |= 1 << (g % 64);
                    }
                }
                next.clear();
                next.extend_from_slice(state);
                next[at..at + words].copy_from_slice(group);
                if let (Some(_), Some(c)) = (part.max, faults.partitions) {
                    next[c] += 1;
                }
                visit(&PLabel::Partition(group), next)?;
            }
        }
        if partitioned {
            next.clear();
            next.extend_from_slice(state);
            next[at..at + words].iter_mut().for_each(|w| *w = 0);
            visit(&PLabel::Heal, next)?;
        }
    }

    if let (Some(crashed), Some(counts)) = (faults.crashed, faults.crash_counts) {
        for (g, inst) in pack.insts.all.iter().enumerate() {
            let g = g as u32;
            let Some(rule) = m.crash_of_role.get(inst.role.index()).copied().flatten() else {
                continue;
            };
            let used = state.get(counts + rule.index).copied().unwrap_or(0);
            if used >= u64::from(rule.max) || is_crashed(m, state, g) {
                continue;
            }
            next.clear();
            next.extend_from_slice(state);
            next[crashed + g as usize / 64] |= 1 << (g % 64);
            next[counts + rule.index] += 1;
            visit(&PLabel::Crash(g), next)?;
        }
        for (g, inst) in pack.insts.all.iter().enumerate() {
            let g = g as u32;
            if !is_crashed(m, state, g) {
                continue;
            }
            let recovers = m
                .crash_of_role
                .get(inst.role.index())
                .copied()
                .flatten()
                .is_some_and(|r| r.kind == CrashKind::Recover);
            if !recovers {
                continue;
            }
            next.clear();
            next.extend_from_slice(state);
            next[crashed + g as usize / 64] &= !(1 << (g % 64));
            let places = &m.places[inst.role.index()];
            if let Some(init) = m.init_codes.get(g as usize) {
                for &pos in &m.volatile[inst.role.index()] {
                    if let (Some(p), Some(code)) = (places.get(pos), init.get(pos)) {
                        p.write(next, inst.index, *code);
                    }
                }
            }
            visit(&PLabel::Recover(g), next)?;
        }
    }
    ControlFlow::Continue(())
}

impl Machine {
    /// The owned action of a label, for traces.
    pub fn action(&self, label: &PLabel<'_>) -> Option<Action> {
        let inst = |g: u32| self.pack.insts.get(u64::from(g));
        let msg = |w: &[u64]| entry_msg(w, &self.pack, &self.boxed);
        Some(match label {
            PLabel::Step {
                step,
                actor,
                received,
                sent,
            } => {
                let from = inst(*actor)?;
                let sent: Option<Vec<Msg>> = sent
                    .iter()
                    .map(|s| {
                        self.message_value(spec_lang::ir::MsgId(s.kind), *actor, s.to, s.fields)
                    })
                    .collect();
                Action::Step {
                    step: *step,
                    instance: from,
                    received: match received {
                        Some(w) => Some(msg(w)?),
                        None => None,
                    },
                    sent: sent?,
                }
            }
            PLabel::Lose(w) => Action::Lose(msg(w)?),
            PLabel::Duplicate(w) => Action::Duplicate(msg(w)?),
            PLabel::Partition(group) => Action::Partition(
                self.pack
                    .insts
                    .all
                    .iter()
                    .enumerate()
                    .filter(|(g, _)| group.get(g / 64).is_some_and(|w| w >> (g % 64) & 1 == 1))
                    .map(|(_, i)| *i)
                    .collect(),
            ),
            PLabel::Heal => Action::Heal,
            PLabel::Crash(g) => Action::Crash(inst(*g)?),
            PLabel::Recover(g) => Action::Recover(inst(*g)?),
        })
    }
}

impl Place {
    /// Writes the stored code of the instance with role index `index`.
    #[inline]
    pub fn write(&self, words: &mut [u64], index: u32, code: u64) {
        if self.bits == 0 {
            return;
        }
        let (w, shift) = self.at(index);
        if let Some(word) = words.get_mut(w) {
            let m = crate::shape::shl(crate::shape::mask(self.bits), shift);
            *word = (*word & !m) | (crate::shape::shl(code, shift) & m);
        }
    }
}

#[cfg(test)]
mod tests;
