//! The sans-I/O interface that generated roles implement, and the small
//! pieces of logic every generated step shares (committing a step only when
//! it completes, asking the hook for a choice).

use crate::eval_error::EvalError;
use crate::instance::{InstanceId, ProtocolInfo};
use crate::world::World;

/// Something that happens to one role instance.
#[derive(Clone, Debug)]
pub enum Event<M> {
    /// A message from another instance has been delivered.
    Receive { from: InstanceId, message: M },
    /// A spontaneous step (internal or timer-driven) is offered, by name.
    Step(&'static str),
}

/// A message to send to one instance.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Outgoing<M> {
    pub to: InstanceId,
    pub message: M,
}

impl<M> Outgoing<M> {
    pub fn new(to: InstanceId, message: M) -> Outgoing<M> {
        Outgoing { to, message }
    }
}

/// What handling an event did.
#[derive(Clone, Debug)]
pub struct Effects<M> {
    /// The spec's name of the step taken.
    pub step: &'static str,
    /// Messages to send, in the order the step sent them.
    pub sent: Vec<Outgoing<M>>,
    /// Whether a persistent variable changed: a real transport must make the
    /// state durable before any of `sent` leaves.
    pub persist: bool,
}

/// The result of offering an event to a role instance.
#[derive(Clone, Debug)]
pub enum Outcome<M> {
    /// A step was taken; the state has been updated.
    Taken(Effects<M>),
    /// No step is enabled for this event; the state is unchanged.
    NotEnabled,
    /// A step assertion failed, or an expression of the step had no value
    /// (an evaluation error, which the checker reports as a violation); the
    /// state is unchanged.
    Failed { step: &'static str, message: String },
}

impl<M> Outcome<M> {
    /// This outcome, or when no step was enabled, the next attempt's.
    pub fn or_else(self, next: impl FnOnce() -> Outcome<M>) -> Outcome<M> {
        match self {
            Outcome::NotEnabled => next(),
            taken => taken,
        }
    }
}

/// Why a generated step body did not complete.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refusal {
    /// The pattern, the guard or an empty `choose` disabled the step.
    Disabled,
    /// A step assertion failed.
    Assertion(&'static str),
    /// An expression had no value, or a store left its declared bounds.
    Error(EvalError),
}

impl From<EvalError> for Refusal {
    fn from(e: EvalError) -> Refusal {
        Refusal::Error(e)
    }
}

/// What a generated step body returns: the messages it sends.
pub type StepResult<M> = Result<Vec<Outgoing<M>>, Refusal>;

/// Where a `choose` happens, for the hook.
#[derive(Clone, Copy, Debug)]
pub struct ChoiceSite {
    pub role: &'static str,
    pub step: &'static str,
    /// The name the spec binds the choice to.
    pub local: &'static str,
}

/// The application's say in the spec's open choices.
pub trait Hook {
    /// Picks one of `candidates` choices (at least one) by index. An index
    /// out of range is clamped: the hook can only pick what the spec allows.
    fn choose(&mut self, site: &ChoiceSite, candidates: usize) -> usize;
}

/// The default policy: always the first candidate in the spec's order.
#[derive(Clone, Copy, Debug, Default)]
pub struct FirstChoice;

impl Hook for FirstChoice {
    fn choose(&mut self, _site: &ChoiceSite, _candidates: usize) -> usize {
        0
    }
}

/// Asks the hook for one of the candidates; `None` (the step is disabled)
/// when there is none.
pub fn pick<T>(hook: &mut dyn Hook, site: &ChoiceSite, candidates: Vec<T>) -> Option<T> {
    let n = candidates.len();
    if n == 0 {
        return None;
    }
    let at = hook.choose(site, n).min(n - 1);
    candidates.into_iter().nth(at)
}

/// The state of one role, as generated.
pub trait RoleState: Clone {
    type Message;

    /// Whether the persistent variables of two states are equal.
    fn persistent_eq(&self, other: &Self) -> bool;
}

/// Runs a generated step body on a copy of the state and keeps the copy only
/// if the step completes, so a step disabled halfway (an empty `choose`)
/// leaves no trace.
pub fn attempt<S: RoleState>(
    state: &mut S,
    step: &'static str,
    body: impl FnOnce(&mut S) -> StepResult<S::Message>,
) -> Outcome<S::Message> {
    let mut next = state.clone();
    match body(&mut next) {
        Ok(sent) => {
            let persist = !next.persistent_eq(state);
            *state = next;
            Outcome::Taken(Effects {
                step,
                sent,
                persist,
            })
        }
        Err(Refusal::Disabled) => Outcome::NotEnabled,
        Err(Refusal::Assertion(message)) => Outcome::Failed {
            step,
            message: message.to_string(),
        },
        Err(Refusal::Error(e)) => Outcome::Failed {
            step,
            message: format!("evaluation error: {e}"),
        },
    }
}

/// A generated protocol: every role, tied together for a driver.
pub trait Protocol {
    type Message: Clone + PartialEq + std::fmt::Debug;
    /// The state of any one instance (an enum over the roles' states).
    type Node: Clone + std::fmt::Debug;

    const INFO: ProtocolInfo;

    /// The initial state of an instance.
    fn init(me: InstanceId) -> Self::Node;
    /// Offers one event to an instance.
    fn handle(
        node: &mut Self::Node,
        me: InstanceId,
        event: &Event<Self::Message>,
        hook: &mut dyn Hook,
    ) -> Outcome<Self::Message>;
    /// Restarts a crashed instance: persistent variables are kept, volatile
    /// ones return to their initial values.
    fn recover(node: &mut Self::Node, me: InstanceId);
    /// The names of the role's spontaneous steps (internal and timeouts).
    fn spontaneous(role: u32) -> &'static [&'static str];
    /// The names of the role's timeout steps, a subset of
    /// [`Protocol::spontaneous`]: a process drives them from its timer; the
    /// simulator offers them after every other event, and for a synchronous
    /// protocol only when no other event is accepted.
    fn timeouts(_role: u32) -> &'static [&'static str] {
        &[]
    }
    /// The names of all the role's steps, in spec order (for coverage
    /// reports).
    fn steps(_role: u32) -> &'static [&'static str] {
        &[]
    }
    /// Whether a global state satisfies the spec's state constraints. The
    /// checker does not explore beyond a state that violates one, so a
    /// simulation stops there too.
    fn constraints_hold(_world: &World<'_, Self::Node>) -> Result<bool, EvalError> {
        Ok(true)
    }
    /// The instance's variables for the trace, by the spec's names.
    fn state_json(node: &Self::Node) -> serde_json::Value;
    /// The message's kind and its fields for the trace.
    fn message_json(message: &Self::Message) -> (&'static str, serde_json::Value);
}
