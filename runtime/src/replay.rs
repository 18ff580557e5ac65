//! Replaying a checker counterexample on generated code: the generated
//! roles, driven through the same transitions as the counterexample, must
//! reach every one of its states.
//!
//! The counterexample is an ITF trace (`specc check --trace-out`), a list
//! of global states. From each state reached so far, the replay looks for a
//! transition of the generated code whose successor is the trace's next
//! state: first the protocol's steps (each spontaneous step of each live
//! instance, each deliverable message, with every answer of the hook to the
//! step's `choose`s, so the hook answers the choices the trace took), then
//! the faults the spec declares. Steps come first because a step that
//! changes nothing visible (a message received and ignored) and a fault
//! that has the same effect (the message lost) lead to the same state, and
//! the step spends no fault budget. The replayed run is recorded as an
//! ordinary trace, which `specc validate` checks against the spec: for a
//! counterexample to an invariant, validation must report the same
//! invariant broken at the same step.

use std::fmt;

use serde_json::{Map, Value};

use crate::instance::NetworkKind;
use crate::itf::{Itf, ItfState, itf_message, itf_spelling};
use crate::role::{ChoiceSite, Hook, Protocol};
use crate::system::{Fault, System, Tried};
use crate::trace::trace_object;

/// At most this many runs of one step are tried per event (combinations of
/// choices), so that a step with huge choices cannot stall the replay.
const MAX_CHOICE_RUNS: usize = 100_000;

/// A replay that reached every state of the counterexample.
#[derive(Clone, Debug)]
pub struct ReplayRun {
    /// The replayed run as a trace (JSON lines, with a header).
    pub trace: String,
    /// The transitions replayed (the states of the trace after the first).
    pub transitions: usize,
    /// For a lasso, the state the behaviour returns to.
    pub loop_at: Option<usize>,
}

/// Why the generated code could not follow the counterexample.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReplayError {
    /// The index of the state that could not be reached (0: the initial
    /// state differs).
    pub state: usize,
    /// The variables (and network parts) in which the generated code's
    /// current state differs from that state.
    pub differs: Vec<String>,
    pub message: String,
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state {}: {}", self.state, self.message)?;
        if !self.differs.is_empty() {
            write!(f, " (it differs in {})", self.differs.join(", "))?;
        }
        Ok(())
    }
}

/// A hook that answers from a script and records the choices offered, so
/// that every combination of answers can be enumerated.
#[derive(Default)]
struct ScriptHook {
    script: Vec<usize>,
    /// (answer, number of candidates) of each call, in order.
    calls: Vec<(usize, usize)>,
}

impl Hook for ScriptHook {
    fn choose(&mut self, _site: &ChoiceSite, candidates: usize) -> usize {
        let at = self.calls.len();
        let answer = self
            .script
            .get(at)
            .copied()
            .unwrap_or(0)
            .min(candidates.saturating_sub(1));
        self.calls.push((answer, candidates));
        answer
    }
}

impl ScriptHook {
    /// The next combination of answers after the one just run, or `None`
    /// when every combination has been tried.
    fn advance(&mut self) -> bool {
        let Some(j) = self.calls.iter().rposition(|&(a, n)| a + 1 < n) else {
            return false;
        };
        let mut script: Vec<usize> = self.calls[..j].iter().map(|&(a, _)| a).collect();
        script.push(self.calls[j].0 + 1);
        self.script = script;
        self.calls.clear();
        true
    }
}

/// Replays an ITF counterexample on a generated protocol.
pub fn replay<P: Protocol>(itf: &Itf) -> Result<ReplayRun, ReplayError> {
    let mut system = System::<P>::new();
    let mut lines = vec![
        trace_object(vec![
            ("kind", Value::from("header")),
            ("protocol", Value::from(P::INFO.name)),
            ("replay", Value::from(itf.description.as_str())),
        ])
        .to_string(),
    ];
    let differs = differences(&view(&system), &itf.states[0]);
    if !differs.is_empty() {
        return Err(ReplayError {
            state: 0,
            differs,
            message: "the generated code's initial state is not the trace's".into(),
        });
    }
    for (n, target) in itf.states.iter().enumerate().skip(1) {
        match step_to(&system, target) {
            Some((next, record)) => {
                system = next;
                lines.push(record.to_string());
            }
            None => {
                return Err(ReplayError {
                    state: n,
                    differs: differences(&view(&system), target),
                    message: "no transition of the generated code reaches this state".into(),
                });
            }
        }
    }
    let mut trace = lines.join("\n");
    trace.push('\n');
    Ok(ReplayRun {
        trace,
        transitions: itf.states.len() - 1,
        loop_at: itf.loop_at,
    })
}

/// The first transition (steps, then faults) from `system` whose successor
/// is `target`, with the successor and the transition's trace record.
fn step_to<P: Protocol>(system: &System<P>, target: &ItfState) -> Option<(System<P>, Value)> {
    for offer in system.offers() {
        let mut hook = ScriptHook::default();
        for _ in 0..MAX_CHOICE_RUNS {
            if let Tried::Taken(taken) = system.try_offer(offer, &mut hook) {
                let mut next = system.clone();
                let (record, _) = next.commit(taken);
                if differences(&view(&next), target).is_empty() {
                    return Some((next, record));
                }
            }
            if !hook.advance() {
                break;
            }
        }
    }
    let mut faults = system.faults(false);
    if system.can_partition()
        && let Some(cut) = partition_of(system, target)
    {
        faults.push(Fault::Partition(cut));
    }
    for fault in faults {
        let mut next = system.clone();
        let record = next.apply(fault);
        if differences(&view(&next), target).is_empty() {
            return Some((next, record));
        }
    }
    None
}

/// The cut the target state's `partitioned_off` names, if any.
fn partition_of<P: Protocol>(system: &System<P>, target: &ItfState) -> Option<Vec<bool>> {
    let Some(Value::Array(group)) = target.get("partitioned_off") else {
        return None;
    };
    let names: Vec<Value> = (0..system.ids.len()).map(|at| system.name(at)).collect();
    Some(names.iter().map(|n| group.contains(n)).collect())
}

/// The generated code's global state in the shape of an ITF state, its
/// record keys and message kinds spelled as ITF spells them.
fn view<P: Protocol>(system: &System<P>) -> ItfState {
    let info = &system.info;
    let mut out = Map::new();
    let mut indexed: Map<String, Value> = Map::new();
    for (at, id) in system.ids.iter().enumerate() {
        let Some(role) = info.roles.get(id.role as usize) else {
            continue;
        };
        let Value::Object(vars) = P::state_json(&system.nodes[at]) else {
            continue;
        };
        for (var, v) in vars {
            let key = format!("{}.{var}", role.name);
            let v = itf_spelling(&v);
            if role.indexed {
                let entry = Value::Array(vec![system.name(at), v]);
                match indexed.get_mut(&key) {
                    Some(Value::Array(entries)) => entries.push(entry),
                    _ => {
                        indexed.insert(key, Value::Array(vec![entry]));
                    }
                }
            } else {
                out.insert(key, v);
            }
        }
    }
    out.extend(indexed);
    let network = match info.network {
        NetworkKind::Fifo => {
            let mut channels: Vec<(Value, Vec<Value>)> = Vec::new();
            for m in &system.net {
                let ends = Value::Array(vec![
                    Value::from(info.instance_name(m.from)),
                    Value::from(info.instance_name(m.to)),
                ]);
                let json = itf_message(&system.message(m));
                match channels.iter_mut().find(|(e, _)| *e == ends) {
                    Some((_, queue)) => queue.push(json),
                    None => channels.push((ends, vec![json])),
                }
            }
            channels
                .into_iter()
                .map(|(ends, queue)| Value::Array(vec![ends, Value::Array(queue)]))
                .collect()
        }
        NetworkKind::Set | NetworkKind::Bag => system
            .net
            .iter()
            .map(|m| itf_message(&system.message(m)))
            .collect(),
    };
    out.insert("network".into(), Value::Array(network));
    let crashed: Vec<Value> = (0..system.ids.len())
        .filter(|&at| system.crashed[at])
        .map(|at| system.name(at))
        .collect();
    out.insert("crashed".into(), Value::Array(crashed));
    let partition = match &system.partition {
        None => Value::Null,
        Some(cut) => Value::Array(
            (0..system.ids.len())
                .filter(|&at| cut[at])
                .map(|at| system.name(at))
                .collect(),
        ),
    };
    out.insert("partitioned_off".into(), partition);
    out
}

/// The entries in which two states differ. The network, the crashed
/// instances and the partition are compared as unordered lists (the order
/// of messages in flight carries no meaning beyond each FIFO queue); a
/// state that does not mention crashes or partitions has none.
fn differences(actual: &ItfState, target: &ItfState) -> Vec<String> {
    let mut out = Vec::new();
    let empty = Value::Array(Vec::new());
    let mut keys: Vec<&String> = actual.keys().chain(target.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let unordered = matches!(key.as_str(), "network" | "crashed" | "partitioned_off");
        let default = match key.as_str() {
            "crashed" => Some(&empty),
            "partitioned_off" => Some(&Value::Null),
            _ => None,
        };
        let (a, t) = (actual.get(key).or(default), target.get(key).or(default));
        let same = match (a, t) {
            (Some(a), Some(t)) if unordered => sorted(a) == sorted(t),
            (Some(a), Some(t)) => a == t,
            _ => false,
        };
        if !same {
            out.push(key.clone());
        }
    }
    out
}

/// An array's elements as canonical text, sorted; other values as text.
fn sorted(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => {
            let mut out: Vec<String> = items.iter().map(canonical).collect();
            out.sort();
            out
        }
        other => vec![canonical(other)],
    }
}

/// A value as JSON text with object keys in sorted order, whatever order
/// the map keeps them in.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(obj) => {
            let mut entries: Vec<(&String, &Value)> = obj.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> = entries
                .into_iter()
                .map(|(k, x)| format!("{}:{}", Value::from(k.as_str()), canonical(x)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", parts.join(","))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_hook_enumerates_every_combination_of_answers() {
        // A step that chooses among 2, then among 3: six runs.
        let mut hook = ScriptHook::default();
        let site = ChoiceSite {
            role: "R",
            step: "s",
            local: "x",
        };
        let mut seen = Vec::new();
        loop {
            let a = hook.choose(&site, 2);
            let b = hook.choose(&site, 3);
            seen.push((a, b));
            if !hook.advance() {
                break;
            }
        }
        assert_eq!(seen, vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
    }

    #[test]
    fn states_differ_by_entry_and_networks_compare_unordered() {
        let a: ItfState =
            serde_json::from_str(r#"{"R.x": 1, "network": [1, 2]}"#).unwrap_or_default();
        let b: ItfState = serde_json::from_str(r#"{"R.x": 1, "network": [2, 1], "crashed": []}"#)
            .unwrap_or_default();
        assert!(differences(&a, &b).is_empty());
        let c: ItfState = serde_json::from_str(r#"{"R.x": 2, "network": [2]}"#).unwrap_or_default();
        assert_eq!(
            differences(&a, &c),
            vec!["R.x".to_string(), "network".to_string()]
        );
    }
}
