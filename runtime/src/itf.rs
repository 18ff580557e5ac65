//! Reading the ITF traces that `specc check --trace-out` writes (the
//! Informal Trace Format of Apalache and Quint), in the terms of this
//! crate's own trace format, so that a counterexample's states can be
//! compared with the states of generated code.
//!
//! The translation needs no types: `{"#bigint": "3"}` is the number 3,
//! `{"#set": [..]}` and `{"#tup": [..]}` are arrays, `{"#map": [[k, v]..]}`
//! is an array of pairs, the option variants `{"tag": "None", ..}` and
//! `{"tag": "Some", "value": v}` are `null` and `{"some": v}`, and a message
//! `{"tag": "Vote", "value": {"from", "to", ..fields}}` is the trace
//! format's `{"type", "from", "to", "fields"}`. (A record with exactly the
//! fields `tag` and `value`, the tag `Some` or `None`, would be read as an
//! option; no spec of the library has one.)
//!
//! The checker writes sets and maps in its canonical order, which is the
//! order of the corresponding `BTreeSet` and `BTreeMap` of generated code
//! (integers ascending, enum variants and instances by declaration and
//! index, records field by field), so values compare as they are.

use serde_json::{Map, Value};

/// One state of an ITF trace: every variable by its ITF name
/// (`Role.var`, `network`, `crashed`, `partitioned_off`), translated; the
/// partition is the list of instances cut off, or `null`.
pub type ItfState = Map<String, Value>;

/// An ITF document, read.
#[derive(Clone, Debug)]
pub struct Itf {
    /// `#meta.description`: what the trace shows (`2pc: invariant ...`).
    pub description: String,
    pub states: Vec<ItfState>,
    /// For a lasso, the index of the state the behaviour returns to.
    pub loop_at: Option<usize>,
}

/// Reads an ITF document.
pub fn read_itf(doc: &Value) -> Result<Itf, String> {
    let description = doc
        .get("#meta")
        .and_then(|m| m.get("description"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(Value::Array(states)) = doc.get("states") else {
        return Err("the ITF document has no `states` array".into());
    };
    let mut out = Vec::with_capacity(states.len());
    for (n, state) in states.iter().enumerate() {
        let Value::Object(vars) = state else {
            return Err(format!("state {n} is not an object"));
        };
        let mut translated = Map::new();
        for (name, v) in vars {
            if name == "#meta" {
                continue;
            }
            let v = match name.as_str() {
                "network" => network(v).map_err(|e| format!("state {n}, network: {e}"))?,
                // An option of the set of instances cut off: the set, or null.
                "partitioned_off" => {
                    match value(v).map_err(|e| format!("state {n}, `{name}`: {e}"))? {
                        Value::Object(mut some) => some.remove("some").unwrap_or(Value::Null),
                        other => other,
                    }
                }
                _ => value(v).map_err(|e| format!("state {n}, `{name}`: {e}"))?,
            };
            translated.insert(name.clone(), v);
        }
        out.push(translated);
    }
    if out.is_empty() {
        return Err("the ITF document has no states".into());
    }
    let loop_at = match doc.get("loop") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let k = v
                .as_u64()
                .and_then(|k| usize::try_from(k).ok())
                .filter(|&k| k < out.len())
                .ok_or_else(|| format!("`loop` is not a state index: {v}"))?;
            Some(k)
        }
    };
    Ok(Itf {
        description,
        states: out,
        loop_at,
    })
}

/// A value of the spec, in the trace format.
pub fn value(v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::Array(items) => Value::Array(items.iter().map(value).collect::<Result<_, _>>()?),
        Value::Object(obj) => {
            if let Some(n) = obj.get("#bigint") {
                let n = n
                    .as_str()
                    .and_then(|s| s.parse::<i64>().ok())
                    .ok_or_else(|| format!("not a 64-bit integer: {n}"))?;
                return Ok(Value::from(n));
            }
            for key in ["#set", "#tup"] {
                if let Some(items) = obj.get(key) {
                    return value(items);
                }
            }
            if let Some(entries) = obj.get("#map") {
                return value(entries);
            }
            if obj.len() == 2
                && let (Some(Value::String(tag)), Some(inner)) = (obj.get("tag"), obj.get("value"))
            {
                match tag.as_str() {
                    "None" => return Ok(Value::Null),
                    "Some" => {
                        let mut some = Map::new();
                        some.insert("some".into(), value(inner)?);
                        return Ok(Value::Object(some));
                    }
                    _ => {}
                }
            }
            let mut out = Map::new();
            for (k, x) in obj {
                out.insert(k.clone(), value(x)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// A message `{"tag": kind, "value": {from, to, ..fields}}`, in the trace
/// format.
pub fn message(v: &Value) -> Result<Value, String> {
    let (Some(Value::String(kind)), Some(Value::Object(body))) = (v.get("tag"), v.get("value"))
    else {
        return Err(format!("not a message: {v}"));
    };
    let mut fields = Map::new();
    let mut from = Value::Null;
    let mut to = Value::Null;
    for (k, x) in body {
        match k.as_str() {
            "from" => from = x.clone(),
            "to" => to = x.clone(),
            _ => {
                fields.insert(k.clone(), value(x)?);
            }
        }
    }
    let mut out = Map::new();
    out.insert("type".into(), Value::String(kind.clone()));
    out.insert("from".into(), from);
    out.insert("to".into(), to);
    out.insert("fields".into(), Value::Object(fields));
    Ok(Value::Object(out))
}

/// The network, as the list the replay compares: one message per copy for
/// a set or a bag, `[[from, to], queue]` per channel for FIFO.
fn network(v: &Value) -> Result<Value, String> {
    if let Some(Value::Array(msgs)) = v.get("#set") {
        return Ok(Value::Array(
            msgs.iter().map(message).collect::<Result<_, _>>()?,
        ));
    }
    let Some(Value::Array(entries)) = v.get("#map") else {
        return Err(format!("expected a set or a map, found {v}"));
    };
    let mut out = Vec::new();
    for e in entries {
        let Some([key, val]) = e.as_array().map(Vec::as_slice) else {
            return Err(format!("expected a [key, value] pair, found {e}"));
        };
        if let Some(Value::Array(ends)) = key.get("#tup") {
            // A FIFO channel: (from, to) and its queue.
            let Value::Array(queue) = val else {
                return Err(format!("a channel's queue is not an array: {val}"));
            };
            let queue: Vec<Value> = queue.iter().map(message).collect::<Result<_, _>>()?;
            out.push(Value::Array(vec![
                Value::Array(ends.clone()),
                Value::Array(queue),
            ]));
        } else {
            // A bag entry: a message and its number of copies.
            let copies = value(val)?
                .as_u64()
                .ok_or_else(|| format!("not a number of copies: {val}"))?;
            let m = message(key)?;
            for _ in 0..copies.min(1 << 20) {
                out.push(m.clone());
            }
        }
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn itf_values_become_trace_values() {
        let itf =
            json!({"#set": [{"#bigint": "1"}, {"tag": "Some", "value": {"#tup": ["A", true]}}]});
        assert_eq!(value(&itf), Ok(json!([1, {"some": ["A", true]}])));
        let none = json!({"tag": "None", "value": {"#tup": []}});
        assert_eq!(value(&none), Ok(Value::Null));
        let map = json!({"#map": [["RM[1]", {"f": {"#bigint": "-2"}}]]});
        assert_eq!(value(&map), Ok(json!([["RM[1]", {"f": -2}]])));
    }

    #[test]
    fn a_bag_lists_each_copy_and_a_fifo_network_each_queue() {
        let vote = json!({"tag": "Vote", "value": {"from": "P[1]", "to": "C", "yes": true}});
        let bag = json!({"#map": [[vote, {"#bigint": "2"}]]});
        let want = json!({"type": "Vote", "from": "P[1]", "to": "C", "fields": {"yes": true}});
        assert_eq!(network(&bag), Ok(json!([want, want])));
        let fifo = json!({"#map": [[{"#tup": ["P[1]", "C"]}, [vote]]]});
        assert_eq!(network(&fifo), Ok(json!([[["P[1]", "C"], [want]]])));
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(read_itf(&json!({})).is_err());
        assert!(read_itf(&json!({"states": []})).is_err());
        assert!(read_itf(&json!({"states": [{"x": {"#bigint": "nope"}}]})).is_err());
        assert!(read_itf(&json!({"states": [{}], "loop": 3})).is_err());
    }
}
