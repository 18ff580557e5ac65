//! Traces in the Informal Trace Format (ITF) that Apalache and Quint write,
//! in the form the `itf-py` reader accepts (tested against it in
//! tests/itf_py.rs).
//!
//! Encoding choices, following the ITF conventions: integers are
//! `{"#bigint": "n"}`, sets `{"#set": [...]}`, sequences arrays, maps
//! `{"#map": [[k, v], ...]}`, records objects, tuples `{"#tup": [...]}`.
//! Enum variants and role instances are strings (`"Working"`, `"RM[1]"`).
//! Options and messages are variants with a record payload, named as the
//! spec language names them: `{"tag": "some", "value": {"value": v}}`,
//! `{"tag": "none", "value": {}}`, and `{"tag": "Prepared", "value":
//! {"from_": "RM[1]", "to": "TM", ...fields}}`. A variant's payload is
//! always a record, and no record key or tag is a Python keyword or starts
//! with `_` (see `itf_key`), because `itf-py` turns both into Python
//! named tuples.
//!
//! Variables: one per role variable (`TM.phase`; for an indexed role a map
//! from instance to value, `RM.state`), then `network` (a set for a set
//! network, a map from message to copies for a bag, a map from
//! `(from, to)` to the queue for FIFO), then `crashed` when the spec has
//! crash faults and `partitioned_off` when it has partitions.
//!
//! Metadata that ITF readers ignore and specc's charts read: the trace's
//! `#meta` lists the roles (`roles`: name, instances, variables) and the
//! network kind (`network`), and holds the action that failed in the last
//! state (`failed`) when there is one; each state after the first has the
//! action that led to it in its own `#meta` (`action`, see
//! `action_json`).

use serde_json::{Map, Value as Json, json};
use spec_lang::ir::{RoleId, Spec};

use crate::model::Layout;
use crate::outcome::{Action, Trace};
use crate::state::{Network, State};
use crate::value::{Instance, Msg, Value, variant_name};

/// The trace as an ITF document.
pub fn itf_trace(spec: &Spec, trace: &Trace, description: &str) -> Json {
    let layout = Layout::new(spec);
    let mut vars = Vec::new();
    let mut roles = Vec::new();
    for (r, role) in spec.roles.iter().enumerate() {
        let names: Vec<String> = role
            .vars
            .iter()
            .map(|&var| format!("{}.{}", role.name, spec.var(var).name))
            .collect();
        let instances: Vec<String> = (0..role.count)
            .map(|i| Instance::new(RoleId(r as u32), i).name(spec))
            .collect();
        roles.push(json!({
            "name": role.name,
            "indexed": role.indexed,
            "instances": instances,
            "vars": names,
        }));
        vars.extend(names);
    }
    vars.push("network".to_string());
    if !spec.crashes.is_empty() {
        vars.push("crashed".to_string());
    }
    if spec.network.partition.is_some() {
        vars.push("partitioned_off".to_string());
    }
    let states: Vec<Json> = trace
        .states
        .iter()
        .enumerate()
        .map(|(n, ts)| {
            let mut meta = Map::new();
            meta.insert("index".into(), json!(n));
            if let Some(action) = &ts.action {
                meta.insert("action".into(), action_json(spec, action));
            }
            state_json(spec, &layout, Json::Object(meta), &ts.state)
        })
        .collect();
    let mut meta = json!({
        "format": "ITF",
        "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
        "source": spec.name,
        "description": description,
        "network": spec.network.kind.to_string(),
        "roles": roles,
    });
    if let (Some(action), Some(obj)) = (&trace.failed, meta.as_object_mut()) {
        obj.insert("failed".into(), action_json(spec, action));
    }
    let mut doc = json!({
        "#meta": meta,
        "vars": vars,
        "states": states,
    });
    // A lasso's `loop` is the index of the state the behaviour returns to
    // after the last one (the last state equals it, or both are the same
    // state stuttering forever).
    if let (Some(k), Some(obj)) = (trace.loop_at, doc.as_object_mut()) {
        obj.insert("loop".into(), json!(k));
    }
    doc
}

/// An action as state metadata: `{"kind": "step", "instance": "RM[1]",
/// "step": "prepare", "received": msg, "sent": [msg, ...]}` (`received`
/// only for a receive step), `{"kind": "lose" | "duplicate", "message":
/// msg}`, `{"kind": "crash" | "recover", "instance": name}`, `{"kind":
/// "partition", "group": [name, ...]}` (the group cut off from the rest)
/// or `{"kind": "heal"}`. Messages are encoded as in the state.
fn action_json(spec: &Spec, action: &Action) -> Json {
    match action {
        Action::Step {
            step,
            instance,
            received,
            sent,
        } => {
            let mut obj = Map::new();
            obj.insert("kind".into(), json!("step"));
            obj.insert("instance".into(), json!(instance.name(spec)));
            let name = spec
                .steps
                .get(step.index())
                .map_or_else(|| format!("step {}", step.0), |s| s.name.clone());
            obj.insert("step".into(), json!(name));
            if let Some(m) = received {
                obj.insert("received".into(), msg_json(spec, m));
            }
            let sent: Vec<Json> = sent.iter().map(|m| msg_json(spec, m)).collect();
            obj.insert("sent".into(), Json::Array(sent));
            Json::Object(obj)
        }
        Action::Lose(m) => json!({ "kind": "lose", "message": msg_json(spec, m) }),
        Action::Duplicate(m) => json!({ "kind": "duplicate", "message": msg_json(spec, m) }),
        Action::Partition(group) => {
            let names: Vec<String> = group.iter().map(|i| i.name(spec)).collect();
            json!({ "kind": "partition", "group": names })
        }
        Action::Heal => json!({ "kind": "heal" }),
        Action::Crash(i) => json!({ "kind": "crash", "instance": i.name(spec) }),
        Action::Recover(i) => json!({ "kind": "recover", "instance": i.name(spec) }),
    }
}

fn state_json(spec: &Spec, layout: &Layout, meta: Json, state: &State) -> Json {
    let mut obj = Map::new();
    obj.insert("#meta".into(), meta);
    for (r, role) in spec.roles.iter().enumerate() {
        for &var in &role.vars {
            let name = format!("{}.{}", role.name, spec.var(var).name);
            let value_of = |i: u32| {
                let inst = Instance::new(RoleId(r as u32), i);
                value_json(spec, &state.vars[layout.slot(inst, var)])
            };
            let v = if role.indexed {
                let entries: Vec<Json> = (0..role.count)
                    .map(|i| {
                        let inst = Instance::new(RoleId(r as u32), i);
                        json!([inst.name(spec), value_of(i)])
                    })
                    .collect();
                json!({ "#map": entries })
            } else {
                value_of(0)
            };
            obj.insert(name, v);
        }
    }
    obj.insert("network".into(), network_json(spec, &state.network));
    if !spec.crashes.is_empty() {
        obj.insert(
            "crashed".into(),
            instances_json(spec, &state.faults.crashed),
        );
    }
    if spec.network.partition.is_some() {
        let v = match &state.faults.partition {
            None => none_json(),
            Some(group) => some_json(instances_json(spec, group)),
        };
        obj.insert("partitioned_off".into(), v);
    }
    Json::Object(obj)
}

fn instances_json(spec: &Spec, list: &[Instance]) -> Json {
    let items: Vec<Json> = list.iter().map(|i| json!(i.name(spec))).collect();
    json!({ "#set": items })
}

fn network_json(spec: &Spec, network: &Network) -> Json {
    match network {
        Network::Set(msgs) => {
            let items: Vec<Json> = msgs.iter().map(|m| msg_json(spec, m)).collect();
            json!({ "#set": items })
        }
        Network::Bag(msgs) => {
            let items: Vec<Json> = msgs
                .iter()
                .map(|(m, n)| json!([msg_json(spec, m), bigint(i64::from(*n))]))
                .collect();
            json!({ "#map": items })
        }
        Network::Fifo(chans) => {
            let items: Vec<Json> = chans
                .iter()
                .map(|c| {
                    let queue: Vec<Json> = c.queue.iter().map(|m| msg_json(spec, m)).collect();
                    json!([{ "#tup": [c.from.name(spec), c.to.name(spec)] }, queue])
                })
                .collect();
            json!({ "#map": items })
        }
    }
}

fn msg_json(spec: &Spec, m: &Msg) -> Json {
    let def = spec.messages.get(m.kind.index());
    let mut fields = vec![
        ("from".to_string(), json!(m.from.name(spec))),
        ("to".to_string(), json!(m.to.name(spec))),
    ];
    for (n, v) in m.fields.iter().enumerate() {
        let name = def
            .and_then(|d| d.fields.get(n))
            .map_or_else(|| format!("field{n}"), |f| f.name.clone());
        fields.push((name, value_json(spec, v)));
    }
    let tag = def.map_or_else(|| format!("message{}", m.kind.0), |d| d.name.clone());
    json!({ "tag": itf_key(&tag), "value": record(fields) })
}

fn bigint(n: i64) -> Json {
    json!({ "#bigint": n.to_string() })
}

fn some_json(v: Json) -> Json {
    json!({ "tag": "some", "value": { "value": v } })
}

fn none_json() -> Json {
    json!({ "tag": "none", "value": {} })
}

/// A record with the given field names, each made a safe key; a key that
/// then collides with an earlier one gets another `_`.
fn record(fields: Vec<(String, Json)>) -> Json {
    let mut obj = Map::new();
    for (name, v) in fields {
        let mut key = itf_key(&name);
        while obj.contains_key(&key) {
            key.push('_');
        }
        obj.insert(key, v);
    }
    Json::Object(obj)
}

/// The hard keywords of Python 3, which `itf-py` cannot use as the name of
/// a record field or a variant (it builds a named tuple of each).
const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// A record key or variant tag as ITF files of specc spell it: the spec's
/// name, with `_` appended to a Python keyword (`from` becomes `from_`)
/// and `f` put before a name that starts with `_` (Python's named tuples
/// refuse both).
fn itf_key(name: &str) -> String {
    if PYTHON_KEYWORDS.contains(&name) {
        format!("{name}_")
    } else if name.starts_with('_') {
        format!("f{name}")
    } else {
        name.to_string()
    }
}

fn value_json(spec: &Spec, v: &Value) -> Json {
    match v {
        Value::Bool(b) => json!(b),
        Value::Int(n) => bigint(*n),
        Value::Enum(e, x) => json!(variant_name(spec, *e, *x)),
        Value::Inst(i) => json!(i.name(spec)),
        Value::None => none_json(),
        Value::Some(x) => some_json(value_json(spec, x)),
        Value::Set(items) => {
            json!({ "#set": items.iter().map(|x| value_json(spec, x)).collect::<Vec<_>>() })
        }
        Value::Seq(items) => Json::Array(items.iter().map(|x| value_json(spec, x)).collect()),
        Value::Tuple(items) => {
            json!({ "#tup": items.iter().map(|x| value_json(spec, x)).collect::<Vec<_>>() })
        }
        Value::Map(entries) => json!({
            "#map": entries
                .iter()
                .map(|(k, x)| json!([value_json(spec, k), value_json(spec, x)]))
                .collect::<Vec<_>>()
        }),
        Value::Record(id, items) => {
            let def = spec.records.get(id.index());
            let fields = items
                .iter()
                .enumerate()
                .map(|(n, x)| {
                    let name = def
                        .and_then(|d| d.fields.get(n))
                        .map_or_else(|| format!("field{n}"), |f| f.name.clone());
                    (name, value_json(spec, x))
                })
                .collect();
            record(fields)
        }
        Value::Msg(m) => msg_json(spec, m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_python_refuses_are_renamed_and_kept_distinct() {
        assert_eq!(itf_key("from"), "from_");
        assert_eq!(itf_key("None"), "None_");
        assert_eq!(itf_key("_hidden"), "f_hidden");
        assert_eq!(itf_key("term"), "term");
        let r = record(vec![
            ("from".into(), json!(1)),
            ("from_".into(), json!(2)),
            ("to".into(), json!(3)),
        ]);
        assert_eq!(r, json!({ "from_": 1, "from__": 2, "to": 3 }));
    }
}
