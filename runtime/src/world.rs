//! A read-only view of every instance's state, for the predicates that may
//! read all of them (the spec's state constraints), as generated code
//! evaluates them.

use crate::eval_error::{Eval, EvalError};
use crate::instance::{InstanceId, ProtocolInfo};

/// Every instance's state and whether it is crashed, in the order of
/// [`ProtocolInfo::instances`]; optionally with one instance's state
/// replaced by the state a step would leave (a successor under
/// consideration).
#[derive(Clone, Copy, Debug)]
pub struct World<'a, N> {
    info: &'a ProtocolInfo,
    nodes: &'a [N],
    crashed: &'a [bool],
    replaced: Option<(usize, &'a N)>,
}

impl<'a, N> World<'a, N> {
    pub fn new(info: &'a ProtocolInfo, nodes: &'a [N], crashed: &'a [bool]) -> World<'a, N> {
        World {
            info,
            nodes,
            crashed,
            replaced: None,
        }
    }

    /// The same world with the instance at position `at` in state `node`.
    pub fn with_node(self, at: usize, node: &'a N) -> World<'a, N> {
        World {
            replaced: Some((at, node)),
            ..self
        }
    }

    /// The state of one instance.
    pub fn node(&self, id: InstanceId) -> Eval<&'a N> {
        let at = self.info.position(id).ok_or(EvalError::NoSuchInstance)?;
        match self.replaced {
            Some((r, node)) if r == at => Ok(node),
            _ => self.nodes.get(at).ok_or(EvalError::NoSuchInstance),
        }
    }

    /// Whether an instance is crashed.
    pub fn crashed(&self, id: InstanceId) -> Eval<bool> {
        let at = self.info.position(id).ok_or(EvalError::NoSuchInstance)?;
        self.crashed
            .get(at)
            .copied()
            .ok_or(EvalError::NoSuchInstance)
    }
}
