//! The trace format: how values, messages and states are written as JSON.
//!
//! Values follow their spec type: booleans and integers as JSON booleans and
//! numbers, enum variants as their names, role instances as their display
//! names (`Participant[2]`), sets and sequences as arrays (sets in the
//! spec's order), maps as arrays of `[key, value]` pairs, options as `null`
//! or `{"some": value}`, records as objects, tuples as arrays. A message is
//! `{"type", "from", "to", "fields"}`. docs/trace-format.md has the records.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::instance::{InstanceId, ProtocolInfo};

/// A value that can be written in a trace.
pub trait ToTrace {
    fn to_trace(&self, info: &ProtocolInfo) -> Value;
}

impl ToTrace for bool {
    fn to_trace(&self, _info: &ProtocolInfo) -> Value {
        Value::Bool(*self)
    }
}

impl ToTrace for i64 {
    fn to_trace(&self, _info: &ProtocolInfo) -> Value {
        Value::from(*self)
    }
}

impl ToTrace for InstanceId {
    fn to_trace(&self, info: &ProtocolInfo) -> Value {
        Value::String(info.instance_name(*self))
    }
}

impl<T: ToTrace> ToTrace for BTreeSet<T> {
    fn to_trace(&self, info: &ProtocolInfo) -> Value {
        Value::Array(self.iter().map(|x| x.to_trace(info)).collect())
    }
}

impl<T: ToTrace> ToTrace for Vec<T> {
    fn to_trace(&self, info: &ProtocolInfo) -> Value {
        Value::Array(self.iter().map(|x| x.to_trace(info)).collect())
    }
}

impl<K: ToTrace, V: ToTrace> ToTrace for BTreeMap<K, V> {
    fn to_trace(&self, info: &ProtocolInfo) -> Value {
        Value::Array(
            self.iter()
                .map(|(k, v)| Value::Array(vec![k.to_trace(info), v.to_trace(info)]))
                .collect(),
        )
    }
}

impl<T: ToTrace> ToTrace for Option<T> {
    fn to_trace(&self, info: &ProtocolInfo) -> Value {
        match self {
            None => Value::Null,
            Some(v) => trace_object(vec![("some", v.to_trace(info))]),
        }
    }
}

macro_rules! tuple_trace {
    ($($t:ident $n:tt),+) => {
        impl<$($t: ToTrace),+> ToTrace for ($($t,)+) {
            fn to_trace(&self, info: &ProtocolInfo) -> Value {
                Value::Array(vec![$(self.$n.to_trace(info)),+])
            }
        }
    };
}

tuple_trace!(A 0);
tuple_trace!(A 0, B 1);
tuple_trace!(A 0, B 1, C 2);
tuple_trace!(A 0, B 1, C 2, D 3);
tuple_trace!(A 0, B 1, C 2, D 3, E 4);

/// A JSON object from named values, in the given order.
pub fn trace_object<'a>(fields: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let mut map = Map::new();
    for (name, v) in fields {
        map.insert(name.to_string(), v);
    }
    Value::Object(map)
}

/// A routed message as the trace writes it.
pub fn message_json(
    info: &ProtocolInfo,
    kind: &str,
    fields: Value,
    from: InstanceId,
    to: InstanceId,
) -> Value {
    trace_object(vec![
        ("type", Value::String(kind.to_string())),
        ("from", from.to_trace(info)),
        ("to", to.to_trace(info)),
        ("fields", fields),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::{NetworkKind, RoleInfo};

    const INFO: ProtocolInfo = ProtocolInfo {
        name: "T",
        roles: &[
            RoleInfo {
                id: 0,
                name: "Leader",
                count: 1,
                indexed: false,
            },
            RoleInfo {
                id: 1,
                name: "Node",
                count: 2,
                indexed: true,
            },
        ],
        network: NetworkKind::Bag,
        max_in_flight: None,
        synchronous: false,
        loss: None,
        duplication: None,
        partition: None,
        crashes: &[],
    };

    #[test]
    fn values_are_written_in_the_documented_shapes() {
        let set: BTreeSet<InstanceId> = [InstanceId::new(1, 1), InstanceId::new(0, 0)].into();
        assert_eq!(set.to_trace(&INFO).to_string(), r#"["Leader","Node[2]"]"#);
        let map: BTreeMap<i64, Option<bool>> = [(1, None), (2, Some(true))].into();
        assert_eq!(
            map.to_trace(&INFO).to_string(),
            r#"[[1,null],[2,{"some":true}]]"#
        );
        assert_eq!((3i64, false).to_trace(&INFO).to_string(), "[3,false]");
    }
}
