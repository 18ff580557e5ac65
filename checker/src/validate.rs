//! Trace validation: replays a trace recorded by a generated crate's
//! runtime on the spec's IR, with the checker's own transition relation.
//!
//! Each record must be one transition of the spec from the current state:
//! a step record names the instance, the step, the message received and the
//! messages sent, and the acting instance's state after the step must equal
//! one outcome of that step (one per `choose`); lose, duplicate, crash,
//! recover, partition and heal records must be environment transitions of
//! the spec. Every invariant must hold in every state reached, and a trace
//! may not go on from a state outside the state constraints. The first
//! divergence is reported with its record number, what the spec allows and
//! what the trace says. The trace format is docs/trace-format.md (written
//! by the runtime crate's trace.rs).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::ControlFlow;

use serde_json::Value as Json;
use spec_lang::ir::{Spec, Type};

use crate::canon::Engine;
use crate::compile::Locals;
use crate::failure::StepFailure;
use crate::machine::Machine;
use crate::model::Model;
use crate::outcome::Action;
use crate::state::State;
use crate::transitions::{Scratch, for_each_successor};
use crate::value::{Instance, Msg, Value};

/// A trace that replays on the spec.
#[derive(Clone, Debug, Default)]
pub struct TraceReport {
    /// Records replayed (the header not counted).
    pub records: usize,
    /// How often each step ran, by `Role.step`.
    pub coverage: BTreeMap<String, usize>,
}

/// Why a trace does not replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceError {
    /// The trace file is not a trace: bad JSON, a missing field, an unknown
    /// name, a truncated line. `line` is 1-based.
    Malformed { line: usize, message: String },
    /// A record is not a transition of the spec. `record` counts from 1
    /// after the header.
    Divergence {
        record: usize,
        line: usize,
        message: String,
        expected: String,
        actual: String,
    },
    /// An invariant is false in the state after a record.
    Invariant {
        record: usize,
        line: usize,
        name: String,
    },
    /// The spec itself cannot be set up for replay.
    Setup(String),
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Malformed { line, message } => {
                write!(f, "malformed trace at line {line}: {message}")
            }
            TraceError::Divergence {
                record,
                line,
                message,
                expected,
                actual,
            } => write!(
                f,
                "trace diverges from the spec at step {record} (line {line}): {message}\n  expected: {expected}\n  actual:   {actual}"
            ),
            TraceError::Invariant { record, line, name } => write!(
                f,
                "invariant `{name}` is violated after step {record} (line {line})"
            ),
            TraceError::Setup(m) => write!(f, "cannot replay on this spec: {m}"),
        }
    }
}

impl TraceError {
    /// Whether the trace file itself is at fault (rather than the run).
    pub fn is_malformed(&self) -> bool {
        matches!(self, TraceError::Malformed { .. } | TraceError::Setup(_))
    }
}

/// Replays a JSON-lines trace on a spec.
pub fn validate_trace(spec: &Spec, text: &str) -> Result<TraceReport, TraceError> {
    let model = Model::new(spec, false).map_err(|e| TraceError::Setup(e.message))?;
    let machine = Machine::new(spec, &model).map_err(|e| TraceError::Setup(e.message))?;
    let replay = Replay {
        spec,
        model: &model,
        engine: Engine {
            model: &model,
            machine: &machine,
        },
    };
    let mut state = model.initial_state();
    let mut report = TraceReport::default();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((n, header)) = lines.next() else {
        return Err(malformed(1, "the trace is empty (no header record)"));
    };
    let header = parse(n, header)?;
    if field_str(n, &header, "kind")? != "header" {
        return Err(malformed(n, "the first record is not a header"));
    }
    let protocol = field_str(n, &header, "protocol")?;
    if protocol != spec.name {
        return Err(malformed(
            n,
            &format!(
                "the trace is of protocol `{protocol}`, the spec is `{}`",
                spec.name
            ),
        ));
    }
    if let Some(broken) = replay.broken_invariant(&state) {
        return Err(TraceError::Invariant {
            record: 0,
            line: n,
            name: broken,
        });
    }
    for (record, (line, text)) in lines.enumerate() {
        let record = record + 1;
        let json = parse(line, text)?;
        if let Some(constraint) = replay.outside_constraints(&state) {
            return Err(TraceError::Divergence {
                record,
                line,
                message: "the trace goes on from a state outside the spec's state constraints"
                    .into(),
                expected: format!(
                    "the trace to end: the checker explores nothing beyond a state outside the constraint at {constraint}"
                ),
                actual: field_str(line, &json, "kind").unwrap_or("?").to_string(),
            });
        }
        state = replay.record(record, line, &json, &state, &mut report)?;
        report.records = record;
        if let Some(name) = replay.broken_invariant(&state) {
            return Err(TraceError::Invariant { record, line, name });
        }
    }
    Ok(report)
}

fn malformed(line: usize, message: &str) -> TraceError {
    TraceError::Malformed {
        line,
        message: message.to_string(),
    }
}

fn parse(line: usize, text: &str) -> Result<Json, TraceError> {
    serde_json::from_str(text).map_err(|e| {
        let what = if e.is_eof() {
            "truncated record"
        } else {
            "not JSON"
        };
        malformed(line, &format!("{what}: {e}"))
    })
}

fn field<'j>(line: usize, json: &'j Json, name: &str) -> Result<&'j Json, TraceError> {
    json.get(name)
        .ok_or_else(|| malformed(line, &format!("the record has no `{name}` field")))
}

fn field_str<'j>(line: usize, json: &'j Json, name: &str) -> Result<&'j str, TraceError> {
    field(line, json, name)?
        .as_str()
        .ok_or_else(|| malformed(line, &format!("`{name}` is not a string")))
}

struct Replay<'a> {
    spec: &'a Spec,
    model: &'a Model<'a>,
    engine: Engine<'a>,
}

/// The transitions of the spec from one state: what each did and where it
/// leads, or the step failure that stopped the enumeration.
type Transitions = (Vec<(Action, State)>, Option<Box<StepFailure>>);

impl Replay<'_> {
    fn broken_invariant(&self, state: &State) -> Option<String> {
        let m = self.engine.machine;
        let Ok(words) = self.engine.pack(state) else {
            return Some("(a state of the trace has no value of its types)".into());
        };
        let mut locals = Locals::default();
        self.spec
            .invariants
            .iter()
            .zip(&m.invariants)
            .find(|(_, pred)| !matches!(m.eval_pred(pred, &words, &mut locals), Ok(true)))
            .map(|(inv, _)| inv.name.clone())
    }

    /// The place of the first state constraint `state` violates (or whose
    /// evaluation fails), if any.
    fn outside_constraints(&self, state: &State) -> Option<String> {
        let m = self.engine.machine;
        let words = self.engine.pack(state).ok()?;
        let mut locals = Locals::default();
        self.spec
            .constraints
            .iter()
            .zip(&m.constraints)
            .position(|(_, pred)| !matches!(m.eval_pred(pred, &words, &mut locals), Ok(true)))
            .map(|n| format!("number {} (in the order of the spec)", n + 1))
    }

    /// Every transition of the spec from `state`, in transition order.
    fn transitions(&self, line: usize, state: &State) -> Result<Transitions, TraceError> {
        let m = self.engine.machine;
        let words = self
            .engine
            .pack(state)
            .map_err(|e| malformed(line, &format!("the state before this record: {e}")))?;
        let mut out = Vec::new();
        let mut bad = false;
        let mut scratch = Scratch::default();
        let result = for_each_successor(m, &words, &mut scratch, &mut |label, next| {
            match (m.action(label), self.engine.unpack(next)) {
                (Some(action), Some(next)) => out.push((action, next)),
                _ => {
                    bad = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
        if bad {
            return Err(TraceError::Setup(
                "internal error: a successor could not be decoded".into(),
            ));
        }
        Ok((out, result.err()))
    }

    fn instance(&self, line: usize, name: &str) -> Result<Instance, TraceError> {
        self.model
            .layout
            .instances
            .iter()
            .copied()
            .find(|i| i.name(self.spec) == name)
            .ok_or_else(|| malformed(line, &format!("no role instance is named `{name}`")))
    }

    fn record(
        &self,
        record: usize,
        line: usize,
        json: &Json,
        state: &State,
        report: &mut TraceReport,
    ) -> Result<State, TraceError> {
        let kind = field_str(line, json, "kind")?;
        let diverge = |message: String, expected: String, actual: String| TraceError::Divergence {
            record,
            line,
            message,
            expected,
            actual,
        };
        match kind {
            "step" => {
                let inst = self.instance(line, field_str(line, json, "instance")?)?;
                let step = field_str(line, json, "step")?;
                let received = match field(line, json, "received")? {
                    Json::Null => None,
                    m => Some(self.message(line, m)?),
                };
                let Json::Array(sent) = field(line, json, "sent")? else {
                    return Err(malformed(line, "`sent` is not an array"));
                };
                let mut sent: Vec<Msg> = sent
                    .iter()
                    .map(|m| self.message(line, m))
                    .collect::<Result<_, _>>()?;
                sent.sort();
                let after = self.own_state(line, inst, field(line, json, "state")?)?;
                let slots = self.model.layout.instance_slots(inst);
                let mut found = None;
                let mut outcomes = Vec::new();
                let (transitions, failure) = self.transitions(line, state)?;
                for (action, next) in transitions {
                    if let Action::Step {
                        step: id,
                        instance,
                        received: r,
                        sent: s,
                    } = action
                        && instance == inst
                        && self.spec.steps[id.index()].name == step
                        && r == received
                    {
                        let mut s = s;
                        s.sort();
                        if s == sent && next.vars[slots.clone()] == after[..] {
                            found = Some(next);
                            break;
                        }
                        outcomes.push(self.describe(inst, &next.vars[slots.clone()], &s));
                    }
                }
                if found.is_none()
                    && let Some(failure) = failure
                {
                    return Err(diverge(
                        "the spec's step fails in this state".to_string(),
                        format!("{:?}", failure.failure),
                        step.to_string(),
                    ));
                }
                let role = &self.spec.role(inst.role).name;
                *report.coverage.entry(format!("{role}.{step}")).or_default() += 1;
                let actual = self.describe(inst, &after, &sent);
                let received_text = received.as_ref().map_or(String::new(), |m| {
                    format!(" receiving {}", m.display_routed(self.spec))
                });
                match found {
                    Some(next) => Ok(next),
                    None if outcomes.is_empty() => Err(diverge(
                        format!(
                            "step `{step}` of {} is not enabled{received_text}",
                            inst.name(self.spec)
                        ),
                        "no such transition from the current state".to_string(),
                        actual,
                    )),
                    None => Err(diverge(
                        format!(
                            "step `{step}` of {}{received_text} ends in a different state",
                            inst.name(self.spec)
                        ),
                        outcomes.join(" | "),
                        actual,
                    )),
                }
            }
            "partition" | "heal" => {
                let group = match kind {
                    "partition" => {
                        let Json::Array(names) = field(line, json, "group")? else {
                            return Err(malformed(line, "`group` is not an array"));
                        };
                        let mut group = names
                            .iter()
                            .map(|n| {
                                n.as_str()
                                    .ok_or_else(|| malformed(line, "a `group` entry is not a name"))
                                    .and_then(|n| self.instance(line, n))
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        group.sort();
                        Some(group)
                    }
                    _ => None,
                };
                let (transitions, _) = self.transitions(line, state)?;
                let found = transitions.into_iter().find_map(|(action, next)| {
                    let hit = match (&action, &group) {
                        (Action::Partition(g), Some(want)) => g == want,
                        (Action::Heal, None) => true,
                        _ => false,
                    };
                    hit.then_some(next)
                });
                found.ok_or_else(|| {
                    let what = match &group {
                        Some(g) => {
                            let names: Vec<String> = g.iter().map(|i| i.name(self.spec)).collect();
                            format!("`partition` of [{}]", names.join(", "))
                        }
                        None => "`heal`".to_string(),
                    };
                    diverge(
                        format!("{what} is not a transition of the spec here"),
                        "a partition the spec declares, within its bound, into the group without the first instance and the rest; or the end of the current partition".to_string(),
                        what.clone(),
                    )
                })
            }
            "lose" | "duplicate" | "crash" | "recover" => {
                let target = match kind {
                    "lose" | "duplicate" => Err(self.message(line, field(line, json, "message")?)?),
                    _ => Ok(self.instance(line, field_str(line, json, "instance")?)?),
                };
                let after = match (kind, &target) {
                    ("recover", Ok(inst)) => {
                        Some(self.own_state(line, *inst, field(line, json, "state")?)?)
                    }
                    _ => None,
                };
                let (transitions, _) = self.transitions(line, state)?;
                let found = transitions.into_iter().find_map(|(action, next)| {
                    let hit = match (&action, kind, &target) {
                        (Action::Lose(m), "lose", Err(t)) => m == t,
                        (Action::Duplicate(m), "duplicate", Err(t)) => m == t,
                        (Action::Crash(i), "crash", Ok(t)) => i == t,
                        (Action::Recover(i), "recover", Ok(t)) => {
                            i == t
                                && after.as_ref().is_none_or(|a| {
                                    next.vars[self.model.layout.instance_slots(*i)] == a[..]
                                })
                        }
                        _ => false,
                    };
                    hit.then_some(next)
                });
                found.ok_or_else(|| {
                    let what = match &target {
                        Ok(i) => i.name(self.spec),
                        Err(m) => m.display_routed(self.spec),
                    };
                    diverge(
                        format!("`{kind}` of {what} is not a transition of the spec here"),
                        "a fault the spec declares, within its bound (recovery restores volatile variables)".to_string(),
                        after.map_or(what, |a| self.describe_vars(target_inst(&target), &a)),
                    )
                })
            }
            other => Err(malformed(line, &format!("unknown record kind `{other}`"))),
        }
    }

    fn message(&self, line: usize, json: &Json) -> Result<Msg, TraceError> {
        let kind = field_str(line, json, "type")?;
        let Some(at) = self.spec.messages.iter().position(|m| m.name == kind) else {
            return Err(malformed(line, &format!("no message is named `{kind}`")));
        };
        let def = &self.spec.messages[at];
        let fields = field(line, json, "fields")?;
        let mut values = Vec::with_capacity(def.fields.len());
        for f in &def.fields {
            let v = field(line, fields, &f.name)?;
            values.push(
                decode(self, &f.ty, v)
                    .map_err(|e| malformed(line, &format!("field `{}` of {kind}: {e}", f.name)))?,
            );
        }
        Ok(Msg {
            kind: spec_lang::ir::MsgId(at as u32),
            from: self.instance(line, field_str(line, json, "from")?)?,
            to: self.instance(line, field_str(line, json, "to")?)?,
            fields: values,
        })
    }

    fn own_state(
        &self,
        line: usize,
        inst: Instance,
        json: &Json,
    ) -> Result<Vec<Value>, TraceError> {
        let role = self.spec.role(inst.role);
        let mut out = Vec::with_capacity(role.vars.len());
        for &var in &role.vars {
            let def = self.spec.var(var);
            let v = json.get(&def.name).ok_or_else(|| {
                malformed(line, &format!("the state has no variable `{}`", def.name))
            })?;
            out.push(
                decode(self, &def.ty, v)
                    .map_err(|e| malformed(line, &format!("variable `{}`: {e}", def.name)))?,
            );
        }
        Ok(out)
    }

    fn describe_vars(&self, inst: Option<Instance>, vars: &[Value]) -> String {
        let Some(inst) = inst else {
            return String::new();
        };
        let role = self.spec.role(inst.role);
        let parts: Vec<String> = role
            .vars
            .iter()
            .zip(vars)
            .map(|(v, x)| format!("{} = {}", self.spec.var(*v).name, x.display(self.spec)))
            .collect();
        format!("{} {{{}}}", inst.name(self.spec), parts.join(", "))
    }

    fn describe(&self, inst: Instance, vars: &[Value], sent: &[Msg]) -> String {
        let sent: Vec<String> = sent.iter().map(|m| m.display_routed(self.spec)).collect();
        format!(
            "{} sending [{}]",
            self.describe_vars(Some(inst), vars),
            sent.join(", ")
        )
    }
}

fn target_inst(target: &Result<Instance, Msg>) -> Option<Instance> {
    target.as_ref().ok().copied()
}

/// A trace value of a spec type (the runtime's trace format).
fn decode(replay: &Replay<'_>, ty: &Type, json: &Json) -> Result<Value, String> {
    let spec = replay.spec;
    let array = |json: &Json| match json {
        Json::Array(items) => Ok(items.clone()),
        _ => Err(format!("expected an array, found {json}")),
    };
    Ok(match ty {
        Type::Bool => Value::Bool(
            json.as_bool()
                .ok_or(format!("expected a boolean, found {json}"))?,
        ),
        Type::Int(_) => Value::Int(
            json.as_i64()
                .ok_or(format!("expected an integer, found {json}"))?,
        ),
        Type::Enum(id) => {
            let name = json
                .as_str()
                .ok_or(format!("expected a variant name, found {json}"))?;
            let def = &spec.enums[id.index()];
            let at = def
                .variants
                .iter()
                .position(|v| v == name)
                .ok_or(format!("`{name}` is not a variant of {}", def.name))?;
            Value::Enum(*id, at as u32)
        }
        Type::Role(r) => {
            let name = json
                .as_str()
                .ok_or(format!("expected an instance name, found {json}"))?;
            let inst = replay
                .instance(0, name)
                .map_err(|_| format!("no role instance is named `{name}`"))?;
            if inst.role != *r {
                return Err(format!("`{name}` is not a {}", spec.role(*r).name));
            }
            Value::Inst(inst)
        }
        Type::Set(t) => Value::set_from(
            array(json)?
                .iter()
                .map(|x| decode(replay, t, x))
                .collect::<Result<_, _>>()?,
        ),
        Type::Seq(t, _) => Value::Seq(
            array(json)?
                .iter()
                .map(|x| decode(replay, t, x))
                .collect::<Result<_, _>>()?,
        ),
        Type::Map(k, v) => {
            let mut entries = Vec::new();
            for e in array(json)? {
                match e.as_array().map(Vec::as_slice) {
                    Some([a, b]) => entries.push((decode(replay, k, a)?, decode(replay, v, b)?)),
                    _ => return Err(format!("expected a [key, value] pair, found {e}")),
                }
            }
            Value::map_from(entries)
        }
        Type::Record(id) => {
            let def = &spec.records[id.index()];
            let mut fields = Vec::new();
            for f in &def.fields {
                let x = json
                    .get(&f.name)
                    .ok_or(format!("missing field `{}`", f.name))?;
                fields.push(decode(replay, &f.ty, x)?);
            }
            Value::Record(*id, fields)
        }
        Type::Tuple(ts) => {
            let items = array(json)?;
            if items.len() != ts.len() {
                return Err(format!("expected a tuple of {}, found {json}", ts.len()));
            }
            Value::Tuple(
                ts.iter()
                    .zip(&items)
                    .map(|(t, x)| decode(replay, t, x))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Option(t) => match json {
            Json::Null => Value::None,
            _ => {
                let inner = json
                    .get("some")
                    .ok_or(format!("expected null or {{\"some\": ..}}, found {json}"))?;
                Value::Some(Box::new(decode(replay, t, inner)?))
            }
        },
        Type::Message(_) => {
            return Err("message values in state are not supported in traces".to_string());
        }
    })
}

#[cfg(test)]
mod tests;
