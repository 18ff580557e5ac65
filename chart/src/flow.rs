//! Which send each receipt, loss and duplication refers to: the arrows of
//! a chart.
//!
//! A receipt consumes the earliest send of an equal message that still has
//! a copy in flight (a FIFO queue, a bag). In a set network a message stays
//! after its receipt, so a second receipt of it finds no copy left and
//! refers to the latest send of it instead. A duplication adds a copy to
//! the latest send. Sends that were never received nor lost are still in
//! flight at the end.

use serde_json::Value as Json;

use crate::trace::{Action, Message, Trace};

/// One sent message: the state whose step sent it.
#[derive(Clone, Debug, PartialEq)]
pub struct Send {
    pub state: usize,
    pub message: Message,
    copies: u32,
    /// Received or lost at least once.
    pub used: bool,
}

/// The arrows of a trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flow {
    pub sends: Vec<Send>,
    /// For each state (by index) whose action received, lost or duplicated
    /// a message, the send it refers to (an index into `sends`); none
    /// when no step of the trace sent it.
    pub source: Vec<Option<usize>>,
    /// The same for the failed action at the end.
    pub failed_source: Option<usize>,
}

impl Flow {
    pub fn of(trace: &Trace) -> Flow {
        let mut flow = Flow {
            sends: Vec::new(),
            source: vec![None; trace.states.len()],
            failed_source: None,
        };
        for (n, state) in trace.states.iter().enumerate() {
            let Some(action) = &state.action else {
                continue;
            };
            flow.source[n] = flow.apply(action);
            if let Action::Step { sent, .. } = action {
                for m in sent {
                    flow.sends.push(Send {
                        state: n,
                        message: m.clone(),
                        copies: 1,
                        used: false,
                    });
                }
            }
        }
        if let Some(action) = &trace.failed {
            flow.failed_source = flow.apply(action);
        }
        flow
    }

    /// Applies a receipt, loss or duplication; returns the send it refers
    /// to.
    fn apply(&mut self, action: &Action) -> Option<usize> {
        match action {
            Action::Step {
                received: Some(m), ..
            }
            | Action::Lose(m) => {
                let at = self.consume(&m.value)?;
                self.sends[at].used = true;
                Some(at)
            }
            Action::Duplicate(m) => {
                let at = self.latest(&m.value)?;
                self.sends[at].copies = self.sends[at].copies.saturating_add(1);
                Some(at)
            }
            _ => None,
        }
    }

    fn consume(&mut self, value: &Json) -> Option<usize> {
        let live = self
            .sends
            .iter()
            .position(|s| s.copies > 0 && s.message.value == *value);
        match live {
            Some(at) => {
                self.sends[at].copies -= 1;
                Some(at)
            }
            None => self.latest(value),
        }
    }

    fn latest(&self, value: &Json) -> Option<usize> {
        self.sends.iter().rposition(|s| s.message.value == *value)
    }

    /// The sends still in flight at the end, never received nor lost.
    pub fn in_flight(&self) -> impl Iterator<Item = &Send> {
        self.sends.iter().filter(|s| !s.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::State;
    use serde_json::json;

    fn msg(tag: &str) -> Message {
        Message {
            from: Some(0),
            to: Some(1),
            text: tag.to_string(),
            value: json!({"tag": tag, "value": {"from_": "A", "to": "B"}}),
        }
    }

    fn step(received: Option<Message>, sent: Vec<Message>) -> Option<Action> {
        Some(Action::Step {
            instance: Some(0),
            actor: "A".into(),
            step: "s".into(),
            received,
            sent,
        })
    }

    fn trace(actions: Vec<Option<Action>>) -> Trace {
        Trace {
            source: String::new(),
            description: String::new(),
            lifelines: vec!["A".into(), "B".into()],
            states: actions
                .into_iter()
                .map(|action| State {
                    action,
                    vars: Vec::new(),
                })
                .collect(),
            failed: None,
            loop_at: None,
            violation: None,
        }
    }

    #[test]
    fn receipts_take_the_earliest_copy_and_reuse_a_persisting_message() {
        let t = trace(vec![
            None,
            step(None, vec![msg("M")]),
            step(None, vec![msg("M"), msg("N")]),
            step(Some(msg("M")), vec![]),
            step(Some(msg("M")), vec![]),
            // A set network: a third receipt of M reuses the latest send.
            step(Some(msg("M")), vec![]),
        ]);
        let f = Flow::of(&t);
        assert_eq!(f.source, [None, None, None, Some(0), Some(1), Some(1)]);
        let left: Vec<&str> = f.in_flight().map(|s| s.message.text.as_str()).collect();
        assert_eq!(left, ["N"]);
    }

    #[test]
    fn a_duplicate_adds_a_copy_and_a_loss_uses_one() {
        let t = trace(vec![
            None,
            step(None, vec![msg("M")]),
            Some(Action::Duplicate(msg("M"))),
            Some(Action::Lose(msg("M"))),
            step(Some(msg("M")), vec![]),
        ]);
        let f = Flow::of(&t);
        assert_eq!(f.source, [None, None, Some(0), Some(0), Some(0)]);
        assert_eq!(f.in_flight().count(), 0);
    }
}
