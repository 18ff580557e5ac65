//! The decoded form of one global state: what the evaluator reads and what
//! a transition writes.
//!
//! Every part is kept canonical (sorted where order carries no meaning), so
//! two equal states have equal fields and one encoding.

use crate::value::{Instance, Msg};

/// One global state of a spec.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct State {
    /// Every instance's variables, flattened: role by role, instance by
    /// instance, each role's variables in declaration order (see
    /// `Layout::slot`).
    pub vars: Vec<crate::value::Value>,
    pub network: Network,
    pub faults: Faults,
}

/// The messages in flight.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Network {
    /// Each distinct message once, sorted.
    Set(Vec<Msg>),
    /// Each distinct message with its number of copies (at least one),
    /// sorted by message.
    Bag(Vec<(Msg, u32)>),
    /// The non-empty queues, sorted by (sender, receiver); each queue's head
    /// is its first element.
    Fifo(Vec<Channel>),
}

/// One FIFO queue of the messages from one instance to another.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Channel {
    pub from: Instance,
    pub to: Instance,
    pub queue: Vec<Msg>,
}

/// Which faults have happened so far.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Faults {
    /// Crashed instances, sorted.
    pub crashed: Vec<Instance>,
    /// Crash events so far, one counter per entry of `Spec::crashes`.
    pub crashes: Vec<u32>,
    /// Messages lost so far; stays 0 unless loss has a bound (an unbounded
    /// counter would make the state space infinite and is not needed).
    pub losses: u32,
    /// Duplications so far; bounded duplication only, as for `losses`.
    pub duplications: u32,
    /// Partitions so far; bounded partitions only, as for `losses`.
    pub partitions: u32,
    /// While partitioned: the group that does not contain the first instance
    /// (global index 0), sorted. Messages between the groups cannot be
    /// received.
    pub partition: Option<Vec<Instance>>,
}

impl Network {
    pub fn empty(kind: spec_lang::ir::NetworkKind) -> Network {
        match kind {
            spec_lang::ir::NetworkKind::Set => Network::Set(Vec::new()),
            spec_lang::ir::NetworkKind::Bag => Network::Bag(Vec::new()),
            spec_lang::ir::NetworkKind::Fifo => Network::Fifo(Vec::new()),
        }
    }

    /// The number of messages in flight, counting every copy.
    pub fn count(&self) -> u64 {
        match self {
            Network::Set(msgs) => msgs.len() as u64,
            Network::Bag(msgs) => msgs.iter().map(|(_, n)| u64::from(*n)).sum(),
            Network::Fifo(chans) => chans.iter().map(|c| c.queue.len() as u64).sum(),
        }
    }

    /// Every message in flight, one entry per copy, in canonical order.
    pub fn all_copies(&self) -> Vec<&Msg> {
        let mut out: Vec<&Msg> = match self {
            Network::Set(msgs) => msgs.iter().collect(),
            Network::Bag(msgs) => msgs
                .iter()
                .flat_map(|(m, n)| std::iter::repeat_n(m, *n as usize))
                .collect(),
            Network::Fifo(chans) => chans.iter().flat_map(|c| c.queue.iter()).collect(),
        };
        out.sort();
        out
    }

    /// Adds one message (a send or a duplication).
    pub fn add(&mut self, msg: Msg) {
        match self {
            Network::Set(msgs) => {
                if let Err(at) = msgs.binary_search(&msg) {
                    msgs.insert(at, msg);
                }
            }
            Network::Bag(msgs) => match msgs.binary_search_by(|(m, _)| m.cmp(&msg)) {
                Ok(at) => msgs[at].1 = msgs[at].1.saturating_add(1),
                Err(at) => msgs.insert(at, (msg, 1)),
            },
            Network::Fifo(chans) => {
                let key = (msg.from, msg.to);
                match chans.binary_search_by(|c| (c.from, c.to).cmp(&key)) {
                    Ok(at) => chans[at].queue.push(msg),
                    Err(at) => chans.insert(
                        at,
                        Channel {
                            from: key.0,
                            to: key.1,
                            queue: vec![msg],
                        },
                    ),
                }
            }
        }
    }

    /// Removes one copy of the message at `at` in the canonical listing of
    /// its network kind: the set or bag entry index, or for a FIFO network
    /// the (channel, position) pair.
    pub fn remove(&mut self, at: Slot) {
        match (self, at) {
            (Network::Set(msgs), Slot::Entry(i)) if i < msgs.len() => {
                msgs.remove(i);
            }
            (Network::Bag(msgs), Slot::Entry(i)) => {
                if let Some((_, n)) = msgs.get_mut(i) {
                    if *n > 1 {
                        *n -= 1;
                    } else {
                        msgs.remove(i);
                    }
                }
            }
            (Network::Fifo(chans), Slot::Queued(c, p)) => {
                if let Some(chan) = chans.get_mut(c) {
                    if p < chan.queue.len() {
                        chan.queue.remove(p);
                    }
                    if chan.queue.is_empty() {
                        chans.remove(c);
                    }
                }
            }
            // A slot of the wrong shape names no message; nothing to remove.
            _ => {}
        }
    }

    /// Appends a copy of the message at `at` (a duplication): one more copy
    /// in a bag, a copy at the end of the same queue in a FIFO network. A
    /// set cannot hold two copies, so nothing changes.
    pub fn duplicate(&mut self, at: Slot) {
        match (self, at) {
            (Network::Bag(msgs), Slot::Entry(i)) => {
                if let Some((_, n)) = msgs.get_mut(i) {
                    *n = n.saturating_add(1);
                }
            }
            (Network::Fifo(chans), Slot::Queued(c, p)) => {
                if let Some(chan) = chans.get_mut(c)
                    && let Some(m) = chan.queue.get(p).cloned()
                {
                    chan.queue.push(m);
                }
            }
            _ => {}
        }
    }

    /// The message at a slot, if there is one.
    pub fn get(&self, at: Slot) -> Option<&Msg> {
        match (self, at) {
            (Network::Set(msgs), Slot::Entry(i)) => msgs.get(i),
            (Network::Bag(msgs), Slot::Entry(i)) => msgs.get(i).map(|(m, _)| m),
            (Network::Fifo(chans), Slot::Queued(c, p)) => chans.get(c)?.queue.get(p),
            _ => None,
        }
    }
}

/// Where a message sits in a network (see [`Network::remove`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Slot {
    Entry(usize),
    Queued(usize, usize),
}

impl Faults {
    pub fn is_crashed(&self, inst: Instance) -> bool {
        self.crashed.binary_search(&inst).is_ok()
    }

    /// Whether a message from `from` can reach `to` under the current
    /// partition.
    pub fn connected(&self, from: Instance, to: Instance) -> bool {
        match &self.partition {
            None => true,
            Some(group) => group.binary_search(&from).is_ok() == group.binary_search(&to).is_ok(),
        }
    }
}
