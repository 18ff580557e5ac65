//! A trace as the charts see it, decoded from an ITF document: the role
//! instances (one lifeline each), every state's variables by owner, and
//! the action that led to each state.
//!
//! specc's ITF writer records the roles and the actions in `#meta` fields
//! (see checker/src/format/itf.rs). A trace without them, as Apalache or
//! Quint write, still decodes: its variables are all global and its steps
//! have no actions, so its chart is a column of state changes.

use serde_json::{Map, Value as Json};

use crate::value::{self, FROM_KEY, TO_KEY};

/// A decoded trace.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The spec (or other source) the trace came from.
    pub source: String,
    pub description: String,
    /// The role instances, in the spec's order: one lifeline each.
    pub lifelines: Vec<String>,
    pub states: Vec<State>,
    /// The action that failed in the last state, if the trace ends in one.
    pub failed: Option<Action>,
    /// For a lasso, the state the behaviour returns to after the last one.
    pub loop_at: Option<usize>,
    pub violation: Option<Violation>,
}

/// What the trace is a counterexample to, as `specc check` records it.
#[derive(Clone, Debug, Default)]
pub struct Violation {
    /// `invariant`, `assertion`, `deadlock`, `temporal` or `error`.
    pub kind: String,
    pub property: String,
    /// The property's source text.
    pub text: Option<String>,
    /// `file:line:column` of the property.
    pub location: Option<String>,
    /// An assertion's or a runtime error's message.
    pub message: Option<String>,
}

#[derive(Clone, Debug)]
pub struct State {
    /// The action that led here; none for the initial state (and for
    /// traces that do not record actions).
    pub action: Option<Action>,
    pub vars: Vec<Var>,
}

/// One variable of one owner: `vote` of lifeline 2, or the global
/// `network`.
#[derive(Clone, Debug, PartialEq)]
pub struct Var {
    /// The lifeline it belongs to; none for a global variable.
    pub owner: Option<usize>,
    /// The name without the role: `vote` (or the ITF name for a global).
    pub name: String,
    pub value: Json,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Step {
        /// The acting lifeline, if it is one of the trace's instances.
        instance: Option<usize>,
        /// The instance's name as written.
        actor: String,
        step: String,
        received: Option<Message>,
        sent: Vec<Message>,
    },
    Lose(Message),
    Duplicate(Message),
    Crash(Option<usize>, String),
    Recover(Option<usize>, String),
    /// The instances cut off from the rest.
    Partition(Vec<String>),
    Heal,
}

/// A message with its endpoints resolved to lifelines.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub from: Option<usize>,
    pub to: Option<usize>,
    /// `Vote{ballot: Yes}`.
    pub text: String,
    /// The ITF value; equal values are the same message.
    pub value: Json,
}

/// Why an ITF document could not be decoded: where (a JSON path such as
/// `states[3].#meta.action`) and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at `{}`: {}", self.path, self.message)
        }
    }
}

fn fail<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError {
        path: path.into(),
        message: message.into(),
    })
}

/// Global variables that specc's charts draw as arrows and markers rather
/// than as notes.
pub const NETWORK_VARS: [&str; 3] = ["network", "crashed", "partitioned_off"];

/// One role as the ITF metadata lists it.
struct Role {
    indexed: bool,
    /// Lifeline indices of its instances.
    instances: Vec<usize>,
    /// ITF variable names (`RM.state`) with the short name (`state`).
    vars: Vec<(String, String)>,
}

impl Trace {
    /// Decodes an ITF document.
    pub fn from_itf(doc: &Json) -> Result<Trace, DecodeError> {
        let Some(doc) = doc.as_object() else {
            return fail("", "an ITF trace is a JSON object");
        };
        let empty = Map::new();
        let meta = match doc.get("#meta") {
            None => &empty,
            Some(Json::Object(m)) => m,
            Some(_) => return fail("#meta", "expected an object"),
        };
        let mut lifelines = Vec::new();
        let roles = match meta.get("roles") {
            None => Vec::new(),
            Some(r) => roles(r, &mut lifelines)?,
        };
        let Some(raw_states) = doc.get("states").and_then(Json::as_array) else {
            return fail("states", "an ITF trace has an array of states");
        };
        if raw_states.is_empty() {
            return fail("states", "the trace has no states");
        }
        let mut states = Vec::with_capacity(raw_states.len());
        for (n, raw) in raw_states.iter().enumerate() {
            states.push(state(raw, &format!("states[{n}]"), &roles, &lifelines)?);
        }
        let failed = match meta.get("failed") {
            None => None,
            Some(a) => Some(action(a, "#meta.failed", &lifelines)?),
        };
        let loop_at = match doc.get("loop") {
            None | Some(Json::Null) => None,
            Some(v) => match v.as_u64() {
                Some(k) if (k as usize) < states.len() => Some(k as usize),
                _ => return fail("loop", "expected the index of a state of the trace"),
            },
        };
        let text = |key: &str| {
            meta.get(key)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string()
        };
        let violation = match meta.get("violation") {
            None => None,
            Some(v) => Some(violation(v)?),
        };
        Ok(Trace {
            source: text("source"),
            description: text("description"),
            lifelines,
            states,
            failed,
            loop_at,
            violation,
        })
    }

    /// The index of a lifeline by instance name.
    pub fn lifeline(&self, name: &str) -> Option<usize> {
        self.lifelines.iter().position(|l| l == name)
    }

    /// Whether the trace records specc's actions and roles (a trace of
    /// another tool has neither).
    pub fn has_roles(&self) -> bool {
        !self.lifelines.is_empty()
    }
}

fn roles(v: &Json, lifelines: &mut Vec<String>) -> Result<Vec<Role>, DecodeError> {
    let Some(list) = v.as_array() else {
        return fail("#meta.roles", "expected an array of roles");
    };
    let mut out = Vec::new();
    for (n, r) in list.iter().enumerate() {
        let path = format!("#meta.roles[{n}]");
        let name = r.get("name").and_then(Json::as_str);
        let instances = r.get("instances").and_then(strings);
        let vars = r.get("vars").and_then(strings);
        let (Some(name), Some(instances), Some(vars)) = (name, instances, vars) else {
            return fail(
                path,
                "a role has a name, instances and vars (arrays of strings)",
            );
        };
        let indexed = r.get("indexed").and_then(Json::as_bool).unwrap_or(true);
        if !indexed && instances.len() != 1 {
            return fail(path, "a role that is not indexed has one instance");
        }
        let mut ids = Vec::new();
        for i in instances {
            if lifelines.contains(&i) {
                return fail(path, format!("the instance `{i}` is listed twice"));
            }
            ids.push(lifelines.len());
            lifelines.push(i);
        }
        let prefix = format!("{name}.");
        let vars = vars
            .into_iter()
            .map(|v| {
                let short = v.strip_prefix(&prefix).unwrap_or(&v).to_string();
                (v, short)
            })
            .collect();
        out.push(Role {
            indexed,
            instances: ids,
            vars,
        });
    }
    Ok(out)
}

fn strings(v: &Json) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn state(
    raw: &Json,
    path: &str,
    roles: &[Role],
    lifelines: &[String],
) -> Result<State, DecodeError> {
    let Some(obj) = raw.as_object() else {
        return fail(path, "a state is a JSON object");
    };
    let action = match obj.get("#meta").and_then(|m| m.get("action")) {
        None => None,
        Some(a) => Some(action(a, &format!("{path}.#meta.action"), lifelines)?),
    };
    let mut vars = Vec::new();
    let mut owned: Vec<&str> = Vec::new();
    for role in roles {
        for (itf_name, short) in &role.vars {
            let Some(v) = obj.get(itf_name) else {
                return fail(path, format!("the variable `{itf_name}` is missing"));
            };
            owned.push(itf_name);
            if !role.indexed {
                vars.push(Var {
                    owner: role.instances.first().copied(),
                    name: short.clone(),
                    value: v.clone(),
                });
                continue;
            }
            let Some(entries) = value::map_entries(v) else {
                return fail(
                    format!("{path}.{itf_name}"),
                    "a variable of an indexed role is a map from instance to value",
                );
            };
            for &inst in &role.instances {
                let found = entries
                    .iter()
                    .find(|(k, _)| k.as_str() == Some(lifelines[inst].as_str()));
                let Some((_, value)) = found else {
                    return fail(
                        format!("{path}.{itf_name}"),
                        format!("no value for `{}`", lifelines[inst]),
                    );
                };
                vars.push(Var {
                    owner: Some(inst),
                    name: short.clone(),
                    value: (*value).clone(),
                });
            }
        }
    }
    for (name, v) in obj {
        if name != "#meta" && !owned.contains(&name.as_str()) {
            vars.push(Var {
                owner: None,
                name: name.clone(),
                value: v.clone(),
            });
        }
    }
    Ok(State { action, vars })
}

fn action(v: &Json, path: &str, lifelines: &[String]) -> Result<Action, DecodeError> {
    let field = |key: &str| v.get(key).and_then(Json::as_str);
    let instance = |key: &str| -> Result<(Option<usize>, String), DecodeError> {
        match field(key) {
            Some(name) => Ok((lifelines.iter().position(|l| l == name), name.to_string())),
            None => fail(format!("{path}.{key}"), "expected an instance name"),
        }
    };
    let message = |key: &str, m: Option<&Json>| match m {
        Some(m) => decode_message(m, &format!("{path}.{key}"), lifelines),
        None => fail(format!("{path}.{key}"), "expected a message"),
    };
    match field("kind") {
        Some("step") => {
            let (instance, actor) = instance("instance")?;
            let Some(step) = field("step") else {
                return fail(format!("{path}.step"), "expected the step's name");
            };
            let received = match v.get("received") {
                None => None,
                m => Some(message("received", m)?),
            };
            let sent = match v.get("sent") {
                None => Vec::new(),
                Some(Json::Array(list)) => list
                    .iter()
                    .enumerate()
                    .map(|(n, m)| message(&format!("sent[{n}]"), Some(m)))
                    .collect::<Result<_, _>>()?,
                Some(_) => return fail(format!("{path}.sent"), "expected an array of messages"),
            };
            Ok(Action::Step {
                instance,
                actor,
                step: step.to_string(),
                received,
                sent,
            })
        }
        Some("lose") => Ok(Action::Lose(message("message", v.get("message"))?)),
        Some("duplicate") => Ok(Action::Duplicate(message("message", v.get("message"))?)),
        Some("crash") => {
            let (i, name) = instance("instance")?;
            Ok(Action::Crash(i, name))
        }
        Some("recover") => {
            let (i, name) = instance("instance")?;
            Ok(Action::Recover(i, name))
        }
        Some("partition") => match v.get("group").and_then(strings) {
            Some(group) => Ok(Action::Partition(group)),
            None => fail(
                format!("{path}.group"),
                "expected an array of instance names",
            ),
        },
        Some("heal") => Ok(Action::Heal),
        _ => fail(
            format!("{path}.kind"),
            "expected one of step, lose, duplicate, crash, recover, partition, heal",
        ),
    }
}

fn decode_message(m: &Json, path: &str, lifelines: &[String]) -> Result<Message, DecodeError> {
    let rec = m.get("value").and_then(Json::as_object);
    let Some(rec) =
        rec.filter(|r| m.get("tag").is_some_and(Json::is_string) && value::is_message(r))
    else {
        return fail(
            path,
            format!(
                "a message is {{\"tag\": name, \"value\": {{\"{FROM_KEY}\": sender, \"{TO_KEY}\": receiver, ...}}}}"
            ),
        );
    };
    let end = |key: &str| {
        rec.get(key)
            .and_then(Json::as_str)
            .and_then(|name| lifelines.iter().position(|l| l == name))
    };
    Ok(Message {
        from: end(FROM_KEY),
        to: end(TO_KEY),
        text: value::display(m),
        value: m.clone(),
    })
}

fn violation(v: &Json) -> Result<Violation, DecodeError> {
    let text = |key: &str| v.get(key).and_then(Json::as_str).map(str::to_string);
    let (Some(kind), Some(property)) = (text("kind"), text("property")) else {
        return fail("#meta.violation", "a violation has a kind and a property");
    };
    Ok(Violation {
        kind,
        property,
        text: text("text"),
        location: text("location"),
        message: text("message"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(tag: &str, from: &str, to: &str) -> Json {
        json!({"tag": tag, "value": {"from_": from, "to": to}})
    }

    #[test]
    fn decodes_roles_into_lifelines_and_per_instance_variables() {
        let doc = json!({
            "#meta": {"roles": [
                {"name": "TM", "indexed": false, "instances": ["TM"], "vars": ["TM.phase"]},
                {"name": "RM", "indexed": true, "instances": ["RM[1]", "RM[2]"], "vars": ["RM.state"]},
            ]},
            "vars": ["TM.phase", "RM.state", "network"],
            "states": [
                {"#meta": {"index": 0}, "TM.phase": "Init",
                 "RM.state": {"#map": [["RM[1]", "W"], ["RM[2]", "W"]]}, "network": {"#set": []}},
                {"#meta": {"index": 1, "action": {"kind": "step", "instance": "TM", "step": "go",
                  "sent": [msg("Go", "TM", "RM[2]")]}},
                 "TM.phase": "Done",
                 "RM.state": {"#map": [["RM[1]", "W"], ["RM[2]", "W"]]},
                 "network": {"#set": [msg("Go", "TM", "RM[2]")]}},
            ],
            "loop": 1,
        });
        let t = Trace::from_itf(&doc).expect("decodes");
        assert_eq!(t.lifelines, ["TM", "RM[1]", "RM[2]"]);
        let names: Vec<(Option<usize>, &str)> = t.states[0]
            .vars
            .iter()
            .map(|v| (v.owner, v.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (Some(0), "phase"),
                (Some(1), "state"),
                (Some(2), "state"),
                (None, "network")
            ]
        );
        let Some(Action::Step { instance, sent, .. }) = &t.states[1].action else {
            panic!("a step")
        };
        assert_eq!(*instance, Some(0));
        assert_eq!(
            (sent[0].from, sent[0].to, sent[0].text.as_str()),
            (Some(0), Some(2), "Go")
        );
        assert_eq!(t.loop_at, Some(1));
    }

    #[test]
    fn decodes_a_trace_of_another_tool_as_global_variables() {
        let doc =
            json!({"vars": ["x"], "states": [{"x": {"#bigint": "1"}}, {"x": {"#bigint": "2"}}]});
        let t = Trace::from_itf(&doc).expect("decodes");
        assert!(!t.has_roles());
        assert_eq!(t.states[1].vars[0].owner, None);
        assert_eq!(t.states[1].action, None);
    }

    #[test]
    fn names_the_place_of_a_malformed_part() {
        let bad = [
            (json!([]), ""),
            (json!({"states": []}), "states"),
            (json!({"states": [{}], "loop": 4}), "loop"),
            (
                json!({"states": [{"#meta": {"action": {"kind": "jump"}}}]}),
                "states[0].#meta.action.kind",
            ),
            (
                json!({"states": [{"#meta": {"action": {"kind": "lose", "message": 3}}}]}),
                "states[0].#meta.action.message",
            ),
            (
                json!({"#meta": {"roles": [{"name": "R", "instances": ["R[1]"], "vars": ["R.x"]}]},
                       "states": [{"R.x": 1}]}),
                "states[0].R.x",
            ),
        ];
        for (doc, path) in bad {
            let e = Trace::from_itf(&doc).expect_err("refused");
            assert_eq!(e.path, path, "{doc}: {e}");
        }
    }
}
