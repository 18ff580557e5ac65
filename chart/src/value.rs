//! ITF values as text, the way the spec language writes them: `{a, b}`,
//! `[k -> v]`, `(a, b)`, `some(x)`, `none`, `Vote{ballot: Yes}`.
//!
//! The reader accepts any JSON, so a trace written by another tool still
//! renders: unknown shapes fall back to their JSON text.

use serde_json::{Map, Value as Json};

/// The record key specc's ITF writer uses for a message's sender; the spec
/// language calls it `from`, which Python reserves.
pub const FROM_KEY: &str = "from_";
/// The record key of a message's receiver.
pub const TO_KEY: &str = "to";

/// Renders one ITF value.
pub fn display(v: &Json) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => out.push_str(s),
        Json::Array(items) => list(items.iter(), "[", "]", out),
        Json::Object(obj) => object(obj, out),
    }
}

fn object(obj: &Map<String, Json>, out: &mut String) {
    if let Some(n) = obj.get("#bigint").and_then(Json::as_str) {
        out.push_str(n);
        return;
    }
    if let Some(items) = obj.get("#set").and_then(Json::as_array) {
        return list(items.iter(), "{", "}", out);
    }
    if let Some(items) = obj.get("#tup").and_then(Json::as_array) {
        return list(items.iter(), "(", ")", out);
    }
    if let Some(entries) = obj.get("#map").and_then(Json::as_array) {
        return map(entries, out);
    }
    if let Some(s) = obj.get("#unserializable").and_then(Json::as_str) {
        out.push_str(s);
        return;
    }
    if obj.len() == 2
        && let (Some(Json::String(tag)), Some(value)) = (obj.get("tag"), obj.get("value"))
    {
        return variant(tag, value, out);
    }
    record(obj, &[], out);
}

fn variant(tag: &str, value: &Json, out: &mut String) {
    match (tag, value) {
        ("none" | "None", _) => out.push_str("none"),
        ("some" | "Some", Json::Object(rec)) if rec.len() == 1 && rec.contains_key("value") => {
            out.push_str("some(");
            write(&rec["value"], out);
            out.push(')');
        }
        ("some" | "Some", v) => {
            out.push_str("some(");
            write(v, out);
            out.push(')');
        }
        (_, Json::Object(rec)) if is_message(rec) => {
            out.push_str(tag);
            if rec.len() > 2 {
                record(rec, &[FROM_KEY, TO_KEY], out);
            }
        }
        (_, Json::Object(rec)) if rec.is_empty() => out.push_str(tag),
        (_, Json::Object(rec)) if !is_tagged(rec) => {
            out.push_str(tag);
            record(rec, &[], out);
        }
        (_, v) => {
            out.push_str(tag);
            out.push('(');
            write(v, out);
            out.push(')');
        }
    }
}

/// A message as specc writes it: a variant whose record has the sender and
/// the receiver.
pub fn is_message(rec: &Map<String, Json>) -> bool {
    rec.get(FROM_KEY).is_some_and(Json::is_string) && rec.get(TO_KEY).is_some_and(Json::is_string)
}

/// An object that is an ITF encoding (`#set`, `#map`, ...) rather than a
/// record.
fn is_tagged(rec: &Map<String, Json>) -> bool {
    rec.keys().any(|k| k.starts_with('#'))
}

fn record(rec: &Map<String, Json>, skip: &[&str], out: &mut String) {
    out.push('{');
    let mut first = true;
    for (k, v) in rec {
        if skip.contains(&k.as_str()) {
            continue;
        }
        if !first {
            out.push_str(", ");
        }
        first = false;
        out.push_str(k);
        out.push_str(": ");
        write(v, out);
    }
    out.push('}');
}

fn list<'a>(items: impl Iterator<Item = &'a Json>, open: &str, close: &str, out: &mut String) {
    out.push_str(open);
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        write(item, out);
    }
    out.push_str(close);
}

fn map(entries: &[Json], out: &mut String) {
    if entries.is_empty() {
        out.push_str("[->]");
        return;
    }
    out.push('[');
    for (n, entry) in entries.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        match entry.as_array().map(Vec::as_slice) {
            Some([k, v]) => {
                write(k, out);
                out.push_str(" -> ");
                write(v, out);
            }
            _ => write(entry, out),
        }
    }
    out.push(']');
}

/// The entries of an ITF map, when the value is one.
pub fn map_entries(v: &Json) -> Option<Vec<(&Json, &Json)>> {
    let entries = v.get("#map")?.as_array()?;
    entries
        .iter()
        .map(|e| match e.as_array().map(Vec::as_slice) {
            Some([k, v]) => Some((k, v)),
            _ => None,
        })
        .collect()
}

/// The elements of an ITF set, when the value is one.
pub fn set_items(v: &Json) -> Option<&[Json]> {
    v.get("#set")?.as_array().map(Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_values_as_the_spec_language_writes_them() {
        let cases = [
            (json!({"#bigint": "-3"}), "-3"),
            (json!({"#set": ["A", "B"]}), "{A, B}"),
            (json!({"#tup": [true, {"#bigint": "1"}]}), "(true, 1)"),
            (json!([]), "[]"),
            (json!({"#map": []}), "[->]"),
            (json!({"#map": [["S[1]", {"#bigint": "0"}]]}), "[S[1] -> 0]"),
            (json!({"tag": "none", "value": {}}), "none"),
            (
                json!({"tag": "some", "value": {"value": "Yes"}}),
                "some(Yes)",
            ),
            (json!({"tag": "Some", "value": {"#bigint": "4"}}), "some(4)"),
            (
                json!({"index": {"#bigint": "1"}, "term": {"#bigint": "2"}}),
                "{index: 1, term: 2}",
            ),
            (
                json!({"tag": "Commit", "value": {"from_": "C", "to": "P[1]"}}),
                "Commit",
            ),
            (
                json!({"tag": "Vote", "value": {"from_": "P[1]", "to": "C", "ballot": "Yes"}}),
                "Vote{ballot: Yes}",
            ),
            (json!({"tag": "Leaf", "value": "x"}), "Leaf(x)"),
            (json!({"#unserializable": "Int"}), "Int"),
        ];
        for (v, text) in cases {
            assert_eq!(display(&v), text, "{v}");
        }
    }
}
