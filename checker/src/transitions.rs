//! The transition relation on packed states: every successor, in the same
//! fixed order as the reference (`successors.rs`), so that transitions are
//! numbered alike.
//!
//! Order: the steps in spec order, each for every live instance of its
//! role in index order, each receive step once per deliverable matching
//! message in network order, each `choose` once per element in collection
//! order; then the environment: message loss, duplication, partition, heal,
//! crash, recovery. The semantics of each is the reference's; see the
//! module comment of `successors.rs`.
//!
//! A successor is built in one reused buffer: the parent's words are
//! copied, the acting instance's variables written into its block, the
//! received message removed and the sent ones inserted in place.

use std::ops::ControlFlow;

use spec_lang::ir::{CrashKind, NetworkKind, StepId};

use crate::compile::{Actor, Any, Cx, Locals, Place, Run, Sent, Val, execute};
use crate::convert::entry_msg;
use crate::exec::Failure;
use crate::machine::{CStep, Machine};
use crate::network::{self, NetPos};
use crate::outcome::Action;
use crate::successors::StepFailure;
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
    group: Vec<u64>,
}

/// Calls `visit` for every successor of `state`, in transition order, until
/// it breaks. A failing assertion or a runtime error stops the enumeration
/// and is returned.
pub fn for_each_successor(
    m: &Machine,
    state: &[u64],
    scratch: &mut Scratch,
    visit: &mut dyn FnMut(&PLabel<'_>, &[u64]) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, Box<StepFailure>> {
    for (n, step) in m.steps.iter().enumerate() {
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
                    let mut result = Ok(ControlFlow::Continue(()));
                    let pack = &m.pack;
                    let consumes = pack.net.kind != NetworkKind::Set;
                    let _ = consumes;
                    network::for_each(pack, state, &mut |e| {
                        if !e.head {
                            return true;
                        }
                        let (kind, from, to) = pack.entry_parts(e.words[0]);
                        if kind != recv.kind.0 || to != g || !connected(m, state, from, to) {
                            return true;
                        }
                        match attempt(m, state, step, id, actor, Some((e.words, e.pos)), scratch, visit) {
                            Ok(ControlFlow::Continue(())) => true,
                            other => {
                                result = other;
                                false
                            }
                        }
                    });
                    result?
                }
            };
            if flow.is_break() {
                return Ok(flow);
            }
        }
    }
    Ok(environment(m, state, scratch, visit))
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
fn attempt(
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
                instance: m.pack.insts.get(u64::from(actor.global)).unwrap_or(
                    crate::value::Instance::new(actor.role, actor.index),
                ),
                received: received.and_then(|(w, _)| entry_msg(w, &m.pack, &m.boxed)),
                sent: Vec::new(),
            },
        })
    };
    let locals = &mut scratch.locals;
    locals.s.clear();
    locals.s.resize(step.frame.scalars, 0);
    locals.c.clear();
    locals.c.resize(step.frame.compounds, Val::Code(0));
    {
        let mut cx = Cx {
            m,
            state,
            own: None,
            l: locals,
            sb: 0,
            cb: 0,
        };
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
    let vars: Vec<u64> = places
        .iter()
        .map(|p| p.read(state, actor.global).unwrap_or(0))
        .collect();
    let run = Run::new(locals.clone(), vars, &step.body);
    let consumes = m.pack.net.kind != NetworkKind::Set;
    let max = m.names.network.max_in_flight;
    let next = &mut scratch.next;
    let mut done = |run: Run<'_>| {
        next.clear();
        next.extend_from_slice(state);
        for (p, code) in places.iter().zip(&run.vars) {
            p.write(next, actor.index, *code);
        }
        if let Some((_, pos)) = received
            && consumes
        {
            network::remove(&m.pack, next, pos);
        }
        let mut entry = [0u64; 2];
        let ew = m.pack.net.entry_words;
        for s in &run.sends {
            let kind = spec_lang::ir::MsgId(s.kind);
            entry[0] = m.pack.entry_head(kind, actor.global, s.to, s.fields);
            entry[1] = s.fields;
            network::add(&m.pack, next, &entry[..ew], actor.global, s.to);
        }
        if let Some(max) = max
            && !run.sends.is_empty()
            && network::count(&m.pack, next) > u64::from(max)
        {
            // The sends would exceed the bound on messages in flight: this
            // run of the step is disabled.
            return ControlFlow::Continue(());
        }
        let label = PLabel::Step {
            step: id,
            actor: actor.global,
            received: received.map(|(w, _)| w),
            sent: &run.sends,
        };
        visit(&label, next)
    };
    execute(m, state, actor, run, &mut done).map_err(fail)
}

/// The environment's transitions: faults of the network and of processes.
fn environment(
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
                    .map(|s| self.message_value(spec_lang::ir::MsgId(s.kind), *actor, s.to, s.fields))
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
