//! The reference transition relation (tests only): every successor of a
//! decoded state, in one fixed order. The packed engine (`transitions.rs`)
//! must agree with it exactly; `transitions/tests.rs` checks that.
//!
//! Order (it numbers transitions, which makes parent links and traces
//! deterministic): the steps in spec order, each for every live instance of
//! its role in index order, each receive step once per deliverable matching
//! message in network order, each `choose` once per element in collection
//! order; then the environment: message loss, duplication, partition, heal,
//! crash, recovery.
//!
//! Every successor is reported, duplicates and self-loops included, because
//! the generated-states count is the number of successors computed.
//!
//! Faults, one transition each: losing a message removes one copy of one
//! distinct message (set, bag) or one queued message, by position (FIFO);
//! duplicating adds a copy of one distinct message (bag) or appends a copy
//! of one queued message, by position, at the end of its own queue (FIFO;
//! the copy arrives after everything already queued, as a retransmission
//! would); a set cannot hold two copies, so duplication does nothing there.
//! Duplication respects `max_in_flight`. Fault counters are kept only for
//! bounded faults, so unbounded loss does not make the state space
//! infinite. A partition splits all instances into two non-empty groups
//! (each split once); heal ends it. Crash counts per role's crash fault;
//! recovery restores the initial values of volatile variables and keeps
//! persistent ones and the messages in flight.

use std::ops::ControlFlow;

use spec_lang::ir::{CrashKind, NetworkKind, StepId, StepKind};

use crate::eval::{Env, set_local};
use crate::exec::{Run, execute};
use crate::failure::{Failure, StepFailure};
use crate::model::Model;
use crate::outcome::Action;
use crate::state::{Network, Slot, State};
use crate::value::{Instance, Msg, Value};

/// What a transition did, borrowed from the enumeration (no allocation on
/// the hot path); [`Label::to_action`] makes an owned copy for traces.
pub enum Label<'a> {
    Step {
        step: StepId,
        instance: Instance,
        received: Option<&'a Msg>,
        sent: &'a [Msg],
    },
    Lose(&'a Msg),
    Duplicate(&'a Msg),
    Partition(&'a [Instance]),
    Heal,
    Crash(Instance),
    Recover(Instance),
}

impl Label<'_> {
    pub fn to_action(&self) -> Action {
        match self {
            Label::Step {
                step,
                instance,
                received,
                sent,
            } => Action::Step {
                step: *step,
                instance: *instance,
                received: received.cloned(),
                sent: sent.to_vec(),
            },
            Label::Lose(m) => Action::Lose((*m).clone()),
            Label::Duplicate(m) => Action::Duplicate((*m).clone()),
            Label::Partition(g) => Action::Partition(g.to_vec()),
            Label::Heal => Action::Heal,
            Label::Crash(i) => Action::Crash(*i),
            Label::Recover(i) => Action::Recover(*i),
        }
    }
}

/// Whether to go on enumerating, or the step failure that stopped it.
pub type Flow = Result<ControlFlow<()>, Box<StepFailure>>;

pub type Visit<'f> = dyn FnMut(&Label<'_>, State) -> ControlFlow<()> + 'f;

/// Calls `visit` for every successor of `state`, in transition order, until
/// it breaks. A failing assertion or a runtime error stops the enumeration.
pub fn for_each_successor(
    model: &Model<'_>,
    state: &State,
    visit: &mut Visit<'_>,
) -> Result<ControlFlow<()>, Box<StepFailure>> {
    let spec = model.spec;
    let env = Env::closed(spec, &model.layout, &model.consts).with_state(state);
    // One locals buffer for every attempt: most steps are disabled, and
    // their guards should not cost an allocation each.
    let mut locals = Vec::new();
    let ctx = (model, &env, state);
    if !spec.network.synchronous {
        if protocol_steps(ctx, Pass::All, &mut locals, visit)?.is_break() {
            return Ok(ControlFlow::Break(()));
        }
        return Ok(environment(model, state, visit));
    }
    // Synchronous timeouts: a timeout step is offered only when no other
    // step changes the state.
    let mut progress = false;
    let mut watch = |label: &Label<'_>, next: State| {
        progress |= next != *state;
        visit(label, next)
    };
    if protocol_steps(ctx, Pass::NotTimeouts, &mut locals, &mut watch)?.is_break() {
        return Ok(ControlFlow::Break(()));
    }
    if !progress && protocol_steps(ctx, Pass::Timeouts, &mut locals, visit)?.is_break() {
        return Ok(ControlFlow::Break(()));
    }
    Ok(environment(model, state, visit))
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
    (model, env, state): (&Model<'_>, &Env<'_>, &State),
    pass: Pass,
    locals: &mut Vec<Value>,
    visit: &mut Visit<'_>,
) -> Flow {
    let spec = model.spec;
    for (n, step) in spec.steps.iter().enumerate() {
        let is_timeout = matches!(step.kind, StepKind::Timeout);
        if (pass == Pass::Timeouts && !is_timeout) || (pass == Pass::NotTimeouts && is_timeout) {
            continue;
        }
        let id = StepId(n as u32);
        let count = model.layout.roles[step.role.index()].count;
        for index in 0..count {
            let inst = Instance::new(step.role, index);
            if state.faults.is_crashed(inst) {
                continue;
            }
            let flow = match &step.kind {
                StepKind::Internal | StepKind::Timeout => {
                    attempt((model, env, state), id, inst, None, locals, visit)?
                }
                StepKind::Receive(recv) => {
                    let mut offer = |slot: Slot, msg: &Msg| {
                        if msg.kind != recv.message
                            || msg.to != inst
                            || !state.faults.connected(msg.from, msg.to)
                        {
                            return Ok(ControlFlow::Continue(()));
                        }
                        attempt(
                            (model, env, state),
                            id,
                            inst,
                            Some((slot, msg)),
                            locals,
                            visit,
                        )
                    };
                    for_each_deliverable(&state.network, inst, &mut offer)?
                }
            };
            if flow.is_break() {
                return Ok(flow);
            }
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// Offers every message addressed to `inst` that a receive could take, with
/// where it sits: every one in a set or a bag (each distinct message once),
/// the head of each queue into `inst` in a FIFO network. Stops when an
/// offer breaks.
fn for_each_deliverable(
    network: &Network,
    inst: Instance,
    offer: &mut dyn FnMut(Slot, &Msg) -> Flow,
) -> Flow {
    match network {
        Network::Set(msgs) => {
            for (i, m) in msgs.iter().enumerate() {
                if m.to == inst && offer(Slot::Entry(i), m)?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
        }
        Network::Bag(msgs) => {
            for (i, (m, _)) in msgs.iter().enumerate() {
                if m.to == inst && offer(Slot::Entry(i), m)?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
        }
        Network::Fifo(chans) => {
            for (i, c) in chans.iter().enumerate() {
                if c.to == inst
                    && let Some(m) = c.queue.first()
                    && offer(Slot::Queued(i, 0), m)?.is_break()
                {
                    return Ok(ControlFlow::Break(()));
                }
            }
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// Tries one step for one instance (and one message, for a receive): the
/// pattern, the guard, then the body, reporting one successor per run.
/// `locals` is a scratch buffer, reused across attempts.
fn attempt(
    (model, env, state): (&Model<'_>, &Env<'_>, &State),
    id: StepId,
    inst: Instance,
    received: Option<(Slot, &Msg)>,
    locals: &mut Vec<Value>,
    visit: &mut Visit<'_>,
) -> Result<ControlFlow<()>, Box<StepFailure>> {
    let step = &model.spec.steps[id.index()];
    let fail = |failure: Failure| {
        Box::new(StepFailure {
            failure,
            action: Action::Step {
                step: id,
                instance: inst,
                received: received.map(|(_, m)| m.clone()),
                sent: Vec::new(),
            },
        })
    };
    locals.clear();
    locals.resize(step.locals.len().max(1), Value::Bool(false));
    locals[0] = Value::Inst(inst);
    if let (Some((_, msg)), StepKind::Receive(recv)) = (received, &step.kind) {
        set_local(locals, recv.sender, Value::Inst(msg.from), step.span)
            .map_err(|e| fail(e.into()))?;
        for (field, expected) in &recv.matches {
            let want = env.eval_ref(expected, locals).map_err(|e| fail(e.into()))?;
            if msg.fields.get(*field as usize) != Some(&*want) {
                return Ok(ControlFlow::Continue(()));
            }
        }
        for (field, local) in &recv.bindings {
            let Some(v) = msg.fields.get(*field as usize) else {
                return Ok(ControlFlow::Continue(()));
            };
            set_local(locals, *local, v.clone(), step.span).map_err(|e| fail(e.into()))?;
        }
    }
    if !env
        .eval_bool(&step.guard, locals)
        .map_err(|e| fail(e.into()))?
    {
        return Ok(ControlFlow::Continue(()));
    }
    let slots = model.layout.instance_slots(inst);
    let own_vars = state.vars[slots.clone()].to_vec();
    let run = Run::new(std::mem::take(locals), own_vars, &step.body);
    let consumes = model.spec.network.kind != NetworkKind::Set;
    let max = model.spec.network.max_in_flight;
    let mut done = |run: Run<'_>| {
        // Build the successor's variables in one pass, moving the step's
        // updated values in rather than cloning the old ones first.
        let mut vars = Vec::with_capacity(state.vars.len());
        vars.extend_from_slice(&state.vars[..slots.start]);
        vars.extend(run.vars);
        vars.extend_from_slice(&state.vars[slots.end..]);
        let mut next = State {
            vars,
            network: state.network.clone(),
            faults: state.faults.clone(),
        };
        if let Some((slot, _)) = received
            && consumes
        {
            next.network.remove(slot);
        }
        let sends = run.sends;
        for m in &sends {
            next.network.add(m.clone());
        }
        if let Some(max) = max
            && !sends.is_empty()
            && next.network.count() > u64::from(max)
        {
            // The sends would exceed the bound on messages in flight: this
            // run of the step is disabled.
            return ControlFlow::Continue(());
        }
        let label = Label::Step {
            step: id,
            instance: inst,
            received: received.map(|(_, m)| m),
            sent: &sends,
        };
        visit(&label, next)
    };
    execute(env, inst, run, &mut done).map_err(fail)
}

/// The environment's transitions: faults of the network and of processes.
fn environment(model: &Model<'_>, state: &State, visit: &mut Visit<'_>) -> ControlFlow<()> {
    let net = &model.spec.network;
    let within = |bound: Option<u32>, used: u32| bound.is_none_or(|max| used < max);
    let slots = if net.loss.is_some() || net.duplication.is_some() {
        all_slots(&state.network)
    } else {
        Vec::new()
    };

    if let Some(loss) = net.loss
        && within(loss.max, state.faults.losses)
    {
        for &slot in &slots {
            let Some(msg) = state.network.get(slot) else {
                continue;
            };
            let mut next = state.clone();
            next.network.remove(slot);
            if loss.max.is_some() {
                next.faults.losses += 1;
            }
            visit(&Label::Lose(msg), next)?;
        }
    }

    if let Some(dup) = net.duplication
        && within(dup.max, state.faults.duplications)
        && net.kind != NetworkKind::Set
        && net
            .max_in_flight
            .is_none_or(|max| state.network.count() < u64::from(max))
    {
        for &slot in &slots {
            let Some(msg) = state.network.get(slot) else {
                continue;
            };
            let mut next = state.clone();
            next.network.duplicate(slot);
            if dup.max.is_some() {
                next.faults.duplications += 1;
            }
            visit(&Label::Duplicate(msg), next)?;
        }
    }

    if let Some(part) = net.partition {
        if state.faults.partition.is_none() && within(part.max, state.faults.partitions) {
            // Each split into two non-empty groups once: the group without
            // instance 0 is a non-empty proper subset of the others.
            let all = &model.layout.instances;
            let others = all.len().saturating_sub(1);
            for mask in 1u32..(1u32 << others) {
                let group: Vec<Instance> = (0..others)
                    .filter(|b| mask & (1 << b) != 0)
                    .map(|b| all[b + 1])
                    .collect();
                let mut next = state.clone();
                next.faults.partition = Some(group.clone());
                if part.max.is_some() {
                    next.faults.partitions += 1;
                }
                visit(&Label::Partition(&group), next)?;
            }
        }
        if state.faults.partition.is_some() {
            let mut next = state.clone();
            next.faults.partition = None;
            visit(&Label::Heal, next)?;
        }
    }

    for &inst in &model.layout.instances {
        let Some((n, _)) = model.crash_kind(inst.role) else {
            continue;
        };
        let used = state.faults.crashes.get(n).copied().unwrap_or(0);
        if used >= model.spec.crashes[n].max || state.faults.is_crashed(inst) {
            continue;
        }
        let mut next = state.clone();
        if let Err(at) = next.faults.crashed.binary_search(&inst) {
            next.faults.crashed.insert(at, inst);
        }
        if let Some(c) = next.faults.crashes.get_mut(n) {
            *c += 1;
        }
        visit(&Label::Crash(inst), next)?;
    }

    for &inst in &state.faults.crashed {
        if !matches!(model.crash_kind(inst.role), Some((_, CrashKind::Recover))) {
            continue;
        }
        let mut next = state.clone();
        next.faults.crashed.retain(|c| *c != inst);
        for &var in &model.spec.role(inst.role).vars {
            if !model.spec.var(var).persistent {
                let slot = model.layout.slot(inst, var);
                next.vars[slot] = model.init_vars[slot].clone();
            }
        }
        visit(&Label::Recover(inst), next)?;
    }
    ControlFlow::Continue(())
}

/// Every message position of a network: each set or bag entry, each queued
/// message of a FIFO network.
fn all_slots(network: &Network) -> Vec<Slot> {
    match network {
        Network::Set(msgs) => (0..msgs.len()).map(Slot::Entry).collect(),
        Network::Bag(msgs) => (0..msgs.len()).map(Slot::Entry).collect(),
        Network::Fifo(chans) => chans
            .iter()
            .enumerate()
            .flat_map(|(c, chan)| (0..chan.queue.len()).map(move |p| Slot::Queued(c, p)))
            .collect(),
    }
}
