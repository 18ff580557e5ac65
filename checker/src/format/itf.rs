//! Traces in the Informal Trace Format (ITF) that Apalache and Quint write.
//!
//! Encoding choices, following the ITF conventions: integers are
//! `{"#bigint": "n"}`, sets `{"#set": [...]}`, sequences arrays, maps
//! `{"#map": [[k, v], ...]}`, records objects, tuples `{"#tup": [...]}`.
//! Enum variants and role instances are strings (`"Working"`, `"RM[1]"`).
//! Options and messages are Quint-style variants: `{"tag": "Some", "value":
//! v}`, `{"tag": "None", "value": {"#tup": []}}`, and `{"tag": "Prepared",
//! "value": {"from": "RM[1]", "to": "TM", ...fields}}`.
//!
//! Variables: one per role variable (`TM.phase`; for an indexed role a map
//! from instance to value, `RM.state`), then `network` (a set for a set
//! network, a map from message to copies for a bag, a map from
//! `(from, to)` to the queue for FIFO), then `crashed` when the spec has
//! crash faults and `partitioned_off` when it has partitions.

use serde_json::{Map, Value as Json, json};
use spec_lang::ir::Spec;

use crate::model::Layout;
use crate::outcome::Trace;
use crate::state::{Network, State};
use crate::value::{Instance, Msg, Value, variant_name};

/// The trace as an ITF document.
pub fn itf_trace(spec: &Spec, trace: &Trace, description: &str) -> Json {
    let layout = Layout::new(spec);
    let mut vars = Vec::new();
    for role in &spec.roles {
        for &var in &role.vars {
            vars.push(format!("{}.{}", role.name, spec.var(var).name));
        }
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
        .map(|(n, ts)| state_json(spec, &layout, n, &ts.state))
        .collect();
    let mut doc = json!({
        "#meta": {
            "format": "ITF",
            "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
            "source": spec.name,
            "description": description,
        },
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

fn state_json(spec: &Spec, layout: &Layout, index: usize, state: &State) -> Json {
    let mut obj = Map::new();
    obj.insert("#meta".into(), json!({ "index": index }));
    for (r, role) in spec.roles.iter().enumerate() {
        for &var in &role.vars {
            let name = format!("{}.{}", role.name, spec.var(var).name);
            let value_of = |i: u32| {
                let inst = Instance::new(spec_lang::ir::RoleId(r as u32), i);
                value_json(spec, &state.vars[layout.slot(inst, var)])
            };
            let v = if role.indexed {
                let entries: Vec<Json> = (0..role.count)
                    .map(|i| {
                        let inst = Instance::new(spec_lang::ir::RoleId(r as u32), i);
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
            None => json!({ "tag": "None", "value": { "#tup": [] } }),
            Some(group) => json!({ "tag": "Some", "value": instances_json(spec, group) }),
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
    let mut value = Map::new();
    value.insert("from".into(), json!(m.from.name(spec)));
    value.insert("to".into(), json!(m.to.name(spec)));
    for (n, v) in m.fields.iter().enumerate() {
        let name = def
            .and_then(|d| d.fields.get(n))
            .map_or_else(|| format!("field{n}"), |f| f.name.clone());
        value.insert(name, value_json(spec, v));
    }
    let tag = def.map_or_else(|| format!("message{}", m.kind.0), |d| d.name.clone());
    json!({ "tag": tag, "value": Json::Object(value) })
}

fn bigint(n: i64) -> Json {
    json!({ "#bigint": n.to_string() })
}

fn value_json(spec: &Spec, v: &Value) -> Json {
    match v {
        Value::Bool(b) => json!(b),
        Value::Int(n) => bigint(*n),
        Value::Enum(e, x) => json!(variant_name(spec, *e, *x)),
        Value::Inst(i) => json!(i.name(spec)),
        Value::None => json!({ "tag": "None", "value": { "#tup": [] } }),
        Value::Some(x) => json!({ "tag": "Some", "value": value_json(spec, x) }),
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
            let mut obj = Map::new();
            for (n, x) in items.iter().enumerate() {
                let name = def
                    .and_then(|d| d.fields.get(n))
                    .map_or_else(|| format!("field{n}"), |f| f.name.clone());
                obj.insert(name, value_json(spec, x));
            }
            Json::Object(obj)
        }
        Value::Msg(m) => msg_json(spec, m),
    }
}
