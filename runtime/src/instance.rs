//! Role instances and the static description of a protocol that the
//! simulator needs (roles, network kind, declared faults).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One role instance: the role's index in the spec and the 0-based index
/// within the role. Ordered by role, then index, as the spec orders them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct InstanceId {
    pub role: u32,
    pub index: u32,
}

impl InstanceId {
    pub const fn new(role: u32, index: u32) -> InstanceId {
        InstanceId { role, index }
    }
}

/// One role of a protocol.
#[derive(Clone, Copy, Debug)]
pub struct RoleInfo {
    pub id: u32,
    pub name: &'static str,
    pub count: u32,
    pub indexed: bool,
}

impl RoleInfo {
    /// The instance with a 0-based index.
    pub const fn instance(&self, index: u32) -> InstanceId {
        InstanceId::new(self.id, index)
    }

    /// Every instance of the role, as a set.
    pub fn instances(&self) -> BTreeSet<InstanceId> {
        (0..self.count).map(|i| self.instance(i)).collect()
    }
}

/// How the network delivers messages (the spec's `network` declaration).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NetworkKind {
    Set,
    Bag,
    Fifo,
}

/// A declared fault and its bound (`None`: unbounded).
#[derive(Clone, Copy, Debug)]
pub struct FaultBound {
    pub max: Option<u32>,
}

/// A declared process fault of one role.
#[derive(Clone, Copy, Debug)]
pub struct CrashInfo {
    pub role: u32,
    pub recover: bool,
    pub max: u32,
}

/// What a simulator or a transport needs to know about a protocol.
#[derive(Clone, Copy, Debug)]
pub struct ProtocolInfo {
    pub name: &'static str,
    pub roles: &'static [RoleInfo],
    pub network: NetworkKind,
    pub max_in_flight: Option<u32>,
    /// The spec's `network ... synchronous`: a timeout is taken only when
    /// no other event is accepted.
    pub synchronous: bool,
    pub loss: Option<FaultBound>,
    pub duplication: Option<FaultBound>,
    pub partition: Option<FaultBound>,
    pub crashes: &'static [CrashInfo],
}

impl ProtocolInfo {
    /// Every instance of every role, in spec order.
    pub fn instances(&self) -> Vec<InstanceId> {
        self.roles
            .iter()
            .flat_map(|r| (0..r.count).map(|i| r.instance(i)))
            .collect()
    }

    /// The position of an instance in [`ProtocolInfo::instances`].
    pub fn position(&self, id: InstanceId) -> Option<usize> {
        let role = self.roles.get(id.role as usize)?;
        if id.index >= role.count {
            return None;
        }
        let before: u32 = self.roles[..id.role as usize].iter().map(|r| r.count).sum();
        Some((before + id.index) as usize)
    }

    /// The display name the spec language uses: `Coordinator`, `Participant[2]`.
    pub fn instance_name(&self, id: InstanceId) -> String {
        match self.roles.get(id.role as usize) {
            Some(r) if r.indexed => format!("{}[{}]", r.name, id.index + 1),
            Some(r) => r.name.to_string(),
            None => format!("<role {}>[{}]", id.role, id.index + 1),
        }
    }
}
