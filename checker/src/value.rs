//! Runtime values of the spec language, as the evaluator computes them.
//!
//! Values are canonical: a set is a sorted vector without duplicates and a
//! map is a vector of entries sorted by key with unique keys, so the derived
//! equality is the language's equality.
//!
//! The order ([`Ord`] below) is the language's canonical order, the one set
//! iteration, `for`, `choose`, `in_flight` and the network's listing follow.
//! Scalars compare naturally (integers ascending, enum variants and
//! instances by index, `false < true`, `none` before every `some`), tuples,
//! records and messages lexicographically. Collections compare the way
//! their packed codes do (`shape.rs`), so that the packed engine and this
//! representation agree on every order: sequences shortest first, then
//! lexicographically; sets by their largest differing element (the set
//! that holds the largest element of the symmetric difference is greater,
//! "colex" order, which is the order of bitmasks); maps at the smallest key
//! where they differ (a missing key is smaller than any value).

use std::cmp::Ordering;

use spec_lang::ir::{EnumId, MsgId, RecordId, RoleId, Spec};

/// One role instance: the role and the 0-based index within it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Instance {
    pub role: RoleId,
    pub index: u32,
}

impl Instance {
    pub fn new(role: RoleId, index: u32) -> Instance {
        Instance { role, index }
    }

    /// The display name, `TM` or `RM[2]`.
    pub fn name(self, spec: &Spec) -> String {
        spec.instance_name(self.role, self.index)
    }
}

/// A message in flight or being sent: its kind, its endpoints and one value
/// per declared field.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Msg {
    pub kind: MsgId,
    pub from: Instance,
    pub to: Instance,
    pub fields: Vec<Value>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Enum(EnumId, u32),
    Inst(Instance),
    None,
    Some(Box<Value>),
    /// Sorted, without duplicates.
    Set(Vec<Value>),
    Seq(Vec<Value>),
    /// Sorted by key, keys unique.
    Map(Vec<(Value, Value)>),
    /// One value per field of the record type, in declaration order.
    Record(RecordId, Vec<Value>),
    Tuple(Vec<Value>),
    Msg(Box<Msg>),
}

impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Enum(e, a), Value::Enum(f, b)) => (e, a).cmp(&(f, b)),
            (Value::Inst(a), Value::Inst(b)) => a.cmp(b),
            (Value::None, Value::None) => Ordering::Equal,
            (Value::Some(a), Value::Some(b)) => a.cmp(b),
            (Value::Set(a), Value::Set(b)) => colex(a, b),
            (Value::Seq(a), Value::Seq(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Value::Map(a), Value::Map(b)) => map_order(a, b),
            (Value::Record(i, a), Value::Record(j, b)) => (i, a).cmp(&(j, b)),
            (Value::Tuple(a), Value::Tuple(b)) => a.cmp(b),
            (Value::Msg(a), Value::Msg(b)) => a.cmp(b),
            // Values of different kinds meet only in ill-typed input;
            // order them by kind so the order stays total.
            _ => self.kind_rank().cmp(&other.kind_rank()),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Sorted sets compared from their largest elements down.
fn colex(a: &[Value], b: &[Value]) -> Ordering {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        match x.cmp(y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

/// Maps (entries sorted by key) compared at the smallest key where they
/// differ; the map without that key is the smaller.
fn map_order(a: &[(Value, Value)], b: &[(Value, Value)]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (None, None) => return Ordering::Equal,
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                Ordering::Less => return Ordering::Greater,
                Ordering::Greater => return Ordering::Less,
                Ordering::Equal => match va.cmp(vb) {
                    Ordering::Equal => {
                        i += 1;
                        j += 1;
                    }
                    other => return other,
                },
            },
        }
    }
}

impl Value {
    fn kind_rank(&self) -> u8 {
        match self {
            Value::Bool(_) => 0,
            Value::Int(_) => 1,
            Value::Enum(..) => 2,
            Value::Inst(_) => 3,
            Value::None => 4,
            Value::Some(_) => 5,
            Value::Set(_) => 6,
            Value::Seq(_) => 7,
            Value::Map(_) => 8,
            Value::Record(..) => 9,
            Value::Tuple(_) => 10,
            Value::Msg(_) => 11,
        }
    }

    /// Builds a set from elements in any order.
    pub fn set_from(mut elems: Vec<Value>) -> Value {
        elems.sort_unstable();
        elems.dedup();
        Value::Set(elems)
    }

    /// Builds a map from entries in any order; a later entry for the same key
    /// wins.
    pub fn map_from(entries: Vec<(Value, Value)>) -> Value {
        let mut entries: Vec<(usize, (Value, Value))> = entries.into_iter().enumerate().collect();
        // Sort by key, later entries first, so that dedup keeps the last one.
        entries.sort_by(|(i, (a, _)), (j, (b, _))| a.cmp(b).then(j.cmp(i)));
        entries.dedup_by(|(_, (a, _)), (_, (b, _))| a == b);
        Value::Map(entries.into_iter().map(|(_, e)| e).collect())
    }

    /// Renders the value the way the spec language writes it.
    pub fn display(&self, spec: &Spec) -> String {
        let mut out = String::new();
        self.write(spec, &mut out);
        out
    }

    fn write(&self, spec: &Spec, out: &mut String) {
        match self {
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Enum(e, v) => out.push_str(&variant_name(spec, *e, *v)),
            Value::Inst(i) => out.push_str(&i.name(spec)),
            Value::None => out.push_str("none"),
            Value::Some(v) => {
                out.push_str("some(");
                v.write(spec, out);
                out.push(')');
            }
            Value::Set(elems) => write_list(spec, out, "{", elems, "}"),
            Value::Seq(elems) => write_list(spec, out, "[", elems, "]"),
            Value::Tuple(elems) => write_list(spec, out, "(", elems, ")"),
            Value::Map(entries) => {
                if entries.is_empty() {
                    // An empty map and an empty sequence look alike; say which.
                    out.push_str("[->]");
                    return;
                }
                out.push('[');
                for (n, (k, v)) in entries.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    k.write(spec, out);
                    out.push_str(" -> ");
                    v.write(spec, out);
                }
                out.push(']');
            }
            Value::Record(id, fields) => {
                let def = spec.records.get(id.index());
                out.push('{');
                for (n, v) in fields.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    let name = def
                        .and_then(|d| d.fields.get(n))
                        .map_or("?", |f| f.name.as_str());
                    out.push_str(name);
                    out.push_str(": ");
                    v.write(spec, out);
                }
                out.push('}');
            }
            Value::Msg(m) => out.push_str(&m.display(spec)),
        }
    }
}

fn write_list(spec: &Spec, out: &mut String, open: &str, elems: &[Value], close: &str) {
    out.push_str(open);
    for (n, e) in elems.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        e.write(spec, out);
    }
    out.push_str(close);
}

/// The name of an enum variant, or a placeholder if the IR does not have it.
pub fn variant_name(spec: &Spec, e: EnumId, v: u32) -> String {
    spec.enums
        .get(e.index())
        .and_then(|def| def.variants.get(v as usize))
        .cloned()
        .unwrap_or_else(|| format!("<variant {v}>"))
}

impl Msg {
    /// `Prepared{rm: RM[1]}`, or the bare name for a message without fields.
    pub fn display(&self, spec: &Spec) -> String {
        let Some(def) = spec.messages.get(self.kind.index()) else {
            return format!("<message {}>", self.kind.0);
        };
        let mut out = def.name.clone();
        if !self.fields.is_empty() {
            out.push('{');
            for (n, v) in self.fields.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                let name = def.fields.get(n).map_or("?", |f| f.name.as_str());
                out.push_str(name);
                out.push_str(": ");
                v.write(spec, &mut out);
            }
            out.push('}');
        }
        out
    }

    /// `Prepared{rm: RM[1]} RM[1] -> TM`: the message with its endpoints.
    pub fn display_routed(&self, spec: &Spec) -> String {
        format!(
            "{} {} -> {}",
            self.display(spec),
            self.from.name(spec),
            self.to.name(spec)
        )
    }
}
