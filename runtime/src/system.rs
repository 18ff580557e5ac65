//! The global state of a protocol run in one process (every instance's
//! state, the messages in flight, the faults so far) and its transitions,
//! as the spec defines them. The seeded simulator and the counterexample
//! replay drive the same transitions with different policies.
//!
//! Delivery follows the network kind: in a bag any message in flight may be
//! delivered and is consumed; in a set it stays in flight; in a FIFO network
//! only the oldest message of each (sender, receiver) pair is deliverable. A
//! crashed instance receives nothing, and while a partition lasts no message
//! crosses it. A step whose sends would leave more than `max_in_flight`
//! messages in flight is not enabled. Faults are those the spec declares,
//! within their bounds: loss, duplication (not beyond `max_in_flight`), a
//! partition into two non-empty groups and its healing (not counted), crash
//! and recovery (volatile state reset). Each transition yields the trace
//! record that describes it (docs/trace-format.md).

use serde_json::Value;

use crate::eval_error::EvalError;
use crate::instance::{InstanceId, NetworkKind, ProtocolInfo};
use crate::role::{Event, Hook, Outcome, Protocol};
use crate::trace::{message_json, trace_object};
use crate::world::World;

/// A message in flight.
#[derive(Clone, Debug)]
pub(crate) struct InFlight<M> {
    pub from: InstanceId,
    pub to: InstanceId,
    pub message: M,
}

impl<M: PartialEq> InFlight<M> {
    fn same(&self, other: &InFlight<M>) -> bool {
        self.from == other.from && self.to == other.to && self.message == other.message
    }
}

/// An event a live instance can be offered: a spontaneous step by name, or
/// the delivery of the message at a position of the network.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Offer {
    Step(usize, &'static str),
    Deliver(usize),
}

/// A step an instance would take, not yet committed.
pub(crate) struct Taken<P: Protocol> {
    at: usize,
    node: P::Node,
    step: &'static str,
    consumed: Option<usize>,
    sent: Vec<InFlight<P::Message>>,
}

/// What offering an event did.
pub(crate) enum Tried<P: Protocol> {
    Taken(Taken<P>),
    NotEnabled,
    /// A step assertion failed or an expression had no value.
    Failed(String),
}

/// One fault of the environment.
#[derive(Clone, Debug)]
pub(crate) enum Fault {
    Lose(usize),
    Duplicate(usize),
    /// The instance at a position crashes, counted against the crash
    /// declaration with this index.
    Crash(usize, usize),
    Recover(usize),
    /// The instances marked true are cut off from the others (the group
    /// without the first instance, as the checker names a partition).
    Partition(Vec<bool>),
    Heal,
}

/// Every instance, the network and the fault bookkeeping.
pub(crate) struct System<P: Protocol> {
    pub info: ProtocolInfo,
    pub ids: Vec<InstanceId>,
    pub nodes: Vec<P::Node>,
    pub crashed: Vec<bool>,
    pub net: Vec<InFlight<P::Message>>,
    crashes_used: Vec<u32>,
    losses: u32,
    duplications: u32,
    partitions: u32,
    pub partition: Option<Vec<bool>>,
}

// Written out rather than derived: a derive would demand `P: Clone`, and a
// protocol type need not be.
impl<P: Protocol> Clone for System<P> {
    fn clone(&self) -> System<P> {
        System {
            info: self.info,
            ids: self.ids.clone(),
            nodes: self.nodes.clone(),
            crashed: self.crashed.clone(),
            net: self.net.clone(),
            crashes_used: self.crashes_used.clone(),
            losses: self.losses,
            duplications: self.duplications,
            partitions: self.partitions,
            partition: self.partition.clone(),
        }
    }
}

impl<P: Protocol> System<P> {
    /// The initial state: every instance at its initial values, nothing in
    /// flight, no fault.
    pub fn new() -> System<P> {
        let info = P::INFO;
        let ids = info.instances();
        System {
            nodes: ids.iter().map(|&i| P::init(i)).collect(),
            crashed: vec![false; ids.len()],
            ids,
            net: Vec::new(),
            crashes_used: vec![0; info.crashes.len()],
            losses: 0,
            duplications: 0,
            partitions: 0,
            partition: None,
            info,
        }
    }

    pub fn message(&self, m: &InFlight<P::Message>) -> Value {
        let (kind, fields) = P::message_json(&m.message);
        message_json(&self.info, kind, fields, m.from, m.to)
    }

    pub fn name(&self, at: usize) -> Value {
        Value::from(self.info.instance_name(self.ids[at]))
    }

    fn position(&self, id: InstanceId) -> Option<usize> {
        self.ids.iter().position(|&i| i == id)
    }

    /// Whether a message can cross between two instances under the current
    /// partition.
    fn connected(&self, from: InstanceId, to: InstanceId) -> bool {
        match (&self.partition, self.position(from), self.position(to)) {
            (None, _, _) => true,
            (Some(cut), Some(a), Some(b)) => cut[a] == cut[b],
            _ => false,
        }
    }

    fn deliverable(&self, k: usize) -> bool {
        let m = &self.net[k];
        let Some(to) = self.position(m.to) else {
            return false;
        };
        if self.crashed[to] || !self.connected(m.from, m.to) {
            return false;
        }
        self.info.network != NetworkKind::Fifo
            || !self.net[..k]
                .iter()
                .any(|e| e.from == m.from && e.to == m.to)
    }

    /// Every event that could be offered now, in a fixed order: the
    /// spontaneous steps of each live instance, then each deliverable
    /// message.
    pub fn offers(&self) -> Vec<Offer> {
        let mut offers = Vec::new();
        for (at, id) in self.ids.iter().enumerate() {
            if !self.crashed[at] {
                offers.extend(P::spontaneous(id.role).iter().map(|s| Offer::Step(at, s)));
            }
        }
        offers.extend(
            (0..self.net.len())
                .filter(|&k| self.deliverable(k))
                .map(Offer::Deliver),
        );
        offers
    }

    /// Whether an offer is a timeout step (driven by a timer).
    pub fn is_timeout(&self, offer: Offer) -> bool {
        match offer {
            Offer::Step(at, name) => P::timeouts(self.ids[at].role).contains(&name),
            Offer::Deliver(_) => false,
        }
    }

    /// Offers an event to its instance, on a copy of the instance's state.
    pub fn try_offer(&self, offer: Offer, hook: &mut dyn Hook) -> Tried<P> {
        let (at, event, consumed) = match offer {
            Offer::Step(at, name) => (at, Event::Step(name), None),
            Offer::Deliver(k) => {
                let m = &self.net[k];
                let Some(at) = self.position(m.to) else {
                    return Tried::NotEnabled;
                };
                let event = Event::Receive {
                    from: m.from,
                    message: m.message.clone(),
                };
                (at, event, Some(k))
            }
        };
        let me = self.ids[at];
        let mut node = self.nodes[at].clone();
        let effects = match P::handle(&mut node, me, &event, hook) {
            Outcome::Taken(effects) => effects,
            Outcome::NotEnabled => return Tried::NotEnabled,
            Outcome::Failed { step, message } => {
                return Tried::Failed(format!("step {step} failed: {message}"));
            }
        };
        let sent: Vec<InFlight<P::Message>> = effects
            .sent
            .into_iter()
            .map(|o| InFlight {
                from: me,
                to: o.to,
                message: o.message,
            })
            .collect();
        let removed = consumed.is_some() && self.info.network != NetworkKind::Set;
        let added = match self.info.network {
            NetworkKind::Set => sent
                .iter()
                .enumerate()
                .filter(|(n, m)| !self.net.iter().chain(sent[..*n].iter()).any(|e| e.same(m)))
                .count(),
            _ => sent.len(),
        };
        let in_flight = self.net.len() - usize::from(removed) + added;
        if self
            .info
            .max_in_flight
            .is_some_and(|max| !sent.is_empty() && in_flight > max as usize)
        {
            return Tried::NotEnabled;
        }
        Tried::Taken(Taken {
            at,
            node,
            step: effects.step,
            consumed,
            sent,
        })
    }

    /// Whether the state (with a step's new state for its instance, when
    /// given) satisfies the spec's state constraints.
    pub fn within_constraints(&self, taken: Option<&Taken<P>>) -> Result<bool, EvalError> {
        let world = World::new(&self.info, &self.nodes, &self.crashed);
        let world = match taken {
            Some(t) => world.with_node(t.at, &t.node),
            None => world,
        };
        P::constraints_hold(&world)
    }

    /// Commits a step; returns its trace record and its `Role.step` name.
    pub fn commit(&mut self, taken: Taken<P>) -> (Value, String) {
        let Taken {
            at,
            node,
            step,
            consumed,
            sent,
        } = taken;
        let received = consumed.map(|k| self.message(&self.net[k]));
        let sent_json: Vec<Value> = sent.iter().map(|m| self.message(m)).collect();
        if let Some(k) = consumed
            && self.info.network != NetworkKind::Set
        {
            self.net.remove(k);
        }
        for m in sent {
            if self.info.network != NetworkKind::Set || !self.net.iter().any(|e| e.same(&m)) {
                self.net.push(m);
            }
        }
        self.nodes[at] = node;
        let role = self
            .info
            .roles
            .get(self.ids[at].role as usize)
            .map_or("?", |r| r.name);
        let record = trace_object(vec![
            ("kind", Value::from("step")),
            ("instance", self.name(at)),
            ("step", Value::from(step)),
            ("received", received.unwrap_or(Value::Null)),
            ("sent", Value::Array(sent_json)),
            ("state", P::state_json(&self.nodes[at])),
        ]);
        (record, format!("{role}.{step}"))
    }

    /// The faults the spec allows now, within their bounds, except a
    /// partition (see [`System::can_partition`]: there are too many splits
    /// to list); with `recover_only`, only recoveries.
    pub fn faults(&self, recover_only: bool) -> Vec<Fault> {
        let within = |bound: Option<u32>, used: u32| bound.is_none_or(|max| used < max);
        let mut faults = Vec::new();
        if !recover_only {
            if let Some(loss) = self.info.loss
                && within(loss.max, self.losses)
            {
                faults.extend((0..self.net.len()).map(Fault::Lose));
            }
            if let Some(dup) = self.info.duplication
                && within(dup.max, self.duplications)
                && self.info.network != NetworkKind::Set
                && self
                    .info
                    .max_in_flight
                    .is_none_or(|max| self.net.len() < max as usize)
            {
                faults.extend((0..self.net.len()).map(Fault::Duplicate));
            }
            if self.partition.is_some() {
                faults.push(Fault::Heal);
            }
        }
        for (at, id) in self.ids.iter().enumerate() {
            for (c, crash) in self.info.crashes.iter().enumerate() {
                if crash.role != id.role {
                    continue;
                }
                if self.crashed[at] && crash.recover {
                    faults.push(Fault::Recover(at));
                } else if !self.crashed[at] && !recover_only && self.crashes_used[c] < crash.max {
                    faults.push(Fault::Crash(at, c));
                }
            }
        }
        faults
    }

    /// Whether a partition may start now: the spec declares partitions,
    /// their bound is not used up, none is in force, and there are at least
    /// two instances to split.
    pub fn can_partition(&self) -> bool {
        self.info
            .partition
            .is_some_and(|b| b.max.is_none_or(|max| self.partitions < max))
            && self.partition.is_none()
            && self.ids.len() >= 2
    }

    /// Applies a fault; returns its trace record.
    pub fn apply(&mut self, fault: Fault) -> Value {
        let line = match fault {
            Fault::Lose(k) => {
                let m = self.net.remove(k);
                if self.info.loss.is_some_and(|b| b.max.is_some()) {
                    self.losses += 1;
                }
                vec![("kind", Value::from("lose")), ("message", self.message(&m))]
            }
            Fault::Duplicate(k) => {
                let copy = self.net[k].clone();
                let json = self.message(&copy);
                self.net.push(copy);
                if self.info.duplication.is_some_and(|b| b.max.is_some()) {
                    self.duplications += 1;
                }
                vec![("kind", Value::from("duplicate")), ("message", json)]
            }
            Fault::Crash(at, c) => {
                self.crashed[at] = true;
                self.crashes_used[c] += 1;
                vec![("kind", Value::from("crash")), ("instance", self.name(at))]
            }
            Fault::Recover(at) => {
                self.crashed[at] = false;
                P::recover(&mut self.nodes[at], self.ids[at]);
                vec![
                    ("kind", Value::from("recover")),
                    ("instance", self.name(at)),
                    ("state", P::state_json(&self.nodes[at])),
                ]
            }
            Fault::Partition(cut) => {
                let group: Vec<Value> = (0..self.ids.len())
                    .filter(|&at| cut.get(at).copied().unwrap_or(false))
                    .map(|at| self.name(at))
                    .collect();
                self.partition = Some(cut);
                if self.info.partition.is_some_and(|b| b.max.is_some()) {
                    self.partitions += 1;
                }
                vec![
                    ("kind", Value::from("partition")),
                    ("group", Value::Array(group)),
                ]
            }
            Fault::Heal => {
                self.partition = None;
                vec![("kind", Value::from("heal"))]
            }
        };
        trace_object(line)
    }
}
