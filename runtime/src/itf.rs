//! Reading the ITF traces that `specc check --trace-out` writes (the
//! Informal Trace Format of Apalache and Quint), in the terms of this
//! crate's own trace format, so that a counterexample's states can be
//! compared with the states of generated code.
//!
//! The translation needs no types: `{"#bigint": "3"}` is the number 3,
//! `{"#set": [..]}` and `{"#tup": [..]}` are arrays, `{"#map": [[k, v]..]}`
//! is an array of pairs, the option variants `{"tag": "none", "value": {}}`
//! and `{"tag": "some", "value": {"value": v}}` are `null` and `{"some":
//! v}`, and a message `{"tag": "Vote", "value": {"from_", "to",
//! ..fields}}` is the trace format's `{"type", "from", "to", "fields"}`.
//! (A record with exactly the fields `tag` and `value`, the tag `some` or
//! `none`, would be read as an option; no spec of the library has one.)
//!
//! Record keys and message kinds stay as the checker's writer spells them
//! ([`itf_key`]: a Python keyword gets a `_` appended, a name starting
//! with `_` gets an `f` put before it), since that spelling cannot be
//! undone without the spec (`f_x` may be the spec's `f_x` or its `_x`).
//! The replay instead spells the generated code's states the same way
//! ([`itf_spelling`], [`itf_message`]) before comparing.
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
                && let (Some(Value::String(tag)), Some(Value::Object(payload))) =
                    (obj.get("tag"), obj.get("value"))
            {
                match (tag.as_str(), payload.get("value")) {
                    ("none", _) if payload.is_empty() => return Ok(Value::Null),
                    ("some", Some(inner)) if payload.len() == 1 => {
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

/// A message `{"tag": kind, "value": {from_, to, ..fields}}`, in the
/// trace format (the kind and the field names as ITF spells them).
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
            FROM_KEY => from = x.clone(),
            TO_KEY => to = x.clone(),
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

/// The record key of a message's sender in ITF (the spec's `from`, which
/// Python reserves).
const FROM_KEY: &str = "from_";
/// The record key of a message's receiver in ITF.
const TO_KEY: &str = "to";

/// The hard keywords of Python 3, which the checker's ITF writer does not
/// use as a record key or a variant tag (`itf-py` builds a named tuple of
/// each).
const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// A name of the spec as the checker's ITF writer spells a record key or a
/// variant tag (`itf_key` in checker/src/format/itf.rs, which this must
/// match): `_` appended to a Python keyword, `f` put before a name that
/// starts with `_`.
pub fn itf_key(name: &str) -> String {
    if PYTHON_KEYWORDS.contains(&name) {
        format!("{name}_")
    } else if name.starts_with('_') {
        format!("f{name}")
    } else {
        name.to_string()
    }
}

/// The keys of a record as the writer spells them: each made an
/// [`itf_key`], one that then collides with a key already taken (`taken`,
/// then the earlier ones) getting another `_`. The writer takes the
/// fields in declaration order, a trace-format object holds them sorted by
/// name; the two orders differ only for names that collide, such as `in`
/// beside `in_`, which the replay may then fail to match.
fn itf_record(obj: &Map<String, Value>, taken: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, v) in obj {
        let mut key = itf_key(name);
        while out.contains_key(&key) || taken.contains(&key.as_str()) {
            key.push('_');
        }
        out.insert(key, itf_spelling(v));
    }
    out
}

/// A value of generated code's trace format with every record key spelled
/// as [`value`] leaves the keys of an ITF value. An option `{"some": v}`
/// keeps its key, which is no keyword.
pub fn itf_spelling(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(itf_spelling).collect()),
        Value::Object(obj) => Value::Object(itf_record(obj, &[])),
        other => other.clone(),
    }
}

/// A message of the trace format (`{"type", "from", "to", "fields"}`) with
/// its kind and field names spelled as [`message`] leaves those of an ITF
/// message.
pub fn itf_message(m: &Value) -> Value {
    let mut out = Map::new();
    for (k, x) in m.as_object().into_iter().flatten() {
        let x = match (k.as_str(), x) {
            ("type", Value::String(kind)) => Value::String(itf_key(kind)),
            ("fields", Value::Object(fields)) => {
                Value::Object(itf_record(fields, &[FROM_KEY, TO_KEY]))
            }
            _ => x.clone(),
        };
        out.insert(k.clone(), x);
    }
    Value::Object(out)
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
        let itf = json!({"#set": [
            {"#bigint": "1"},
            {"tag": "some", "value": {"value": {"#tup": ["A", true]}}}
        ]});
        assert_eq!(value(&itf), Ok(json!([1, {"some": ["A", true]}])));
        let none = json!({"tag": "none", "value": {}});
        assert_eq!(value(&none), Ok(Value::Null));
        // Any other variant is a record as it stands.
        let other = json!({"tag": "some", "value": {"value": 1, "extra": 2}});
        assert_eq!(
            value(&other),
            Ok(json!({"tag": "some", "value": {"value": 1, "extra": 2}}))
        );
        let map = json!({"#map": [["RM[1]", {"f": {"#bigint": "-2"}}]]});
        assert_eq!(value(&map), Ok(json!([["RM[1]", {"f": -2}]])));
    }

    #[test]
    fn a_bag_lists_each_copy_and_a_fifo_network_each_queue() {
        let vote = json!({"tag": "Vote", "value": {"from_": "P[1]", "to": "C", "yes": true}});
        let bag = json!({"#map": [[vote, {"#bigint": "2"}]]});
        let want = json!({"type": "Vote", "from": "P[1]", "to": "C", "fields": {"yes": true}});
        assert_eq!(network(&bag), Ok(json!([want, want])));
        let fifo = json!({"#map": [[{"#tup": ["P[1]", "C"]}, [vote]]]});
        assert_eq!(network(&fifo), Ok(json!([[["P[1]", "C"], [want]]])));
    }

    #[test]
    fn generated_states_are_spelled_as_the_writer_spells_keys() {
        let state = json!({"in": 1, "_x": {"some": {"from": 2}}, "f_y": [{"class": 3}]});
        assert_eq!(
            itf_spelling(&state),
            json!({"in_": 1, "f_x": {"some": {"from_": 2}}, "f_y": [{"class_": 3}]})
        );
        // A message field named like the sender or the receiver gets
        // another `_`, as the writer does after writing `from_` and `to`.
        let m = json!({"type": "None", "from": "A", "to": "B", "fields": {"from": 1, "to": 2}});
        assert_eq!(
            itf_message(&m),
            json!({"type": "None_", "from": "A", "to": "B", "fields": {"from__": 1, "to_": 2}})
        );
        let written =
            json!({"tag": "None_", "value": {"from_": "A", "to": "B", "from__": 1, "to_": 2}});
        assert_eq!(message(&written), Ok(itf_message(&m)));
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(read_itf(&json!({})).is_err());
        assert!(read_itf(&json!({"states": []})).is_err());
        assert!(read_itf(&json!({"states": [{"x": {"#bigint": "nope"}}]})).is_err());
        assert!(read_itf(&json!({"states": [{}], "loop": 3})).is_err());
    }
}
