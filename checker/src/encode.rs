//! The compact byte encoding of states, and decoding back.
//!
//! States wait in the breadth-first queue as these bytes, one flat buffer
//! per level (no allocation per state), and their fingerprints are hashes
//! of these bytes. The encoding is self-describing (a tag byte per value,
//! LEB128 varints for numbers), so it is injective without consulting
//! types: two states are equal exactly when their encodings are. Since
//! values are canonical (sorted sets and maps), equal states always encode
//! identically.
//!
//! Deferred: a type-directed encoding (no tags, enums and instances packed
//! into bits, small sets of instances as bitmasks) would roughly halve the
//! bytes per state; so would encoding a successor as a patch of its
//! parent's bytes instead of decoding and re-encoding whole states.

#[cfg(test)]
use crate::model::Layout;
#[cfg(test)]
use crate::state::{Channel, Faults};
use crate::state::{Network, State};
use crate::value::{Instance, Msg, Value};
#[cfg(test)]
use spec_lang::ir::{EnumId, MsgId, NetworkKind, RecordId, RoleId};

const FALSE: u8 = 0;
const TRUE: u8 = 1;
const INT: u8 = 2;
const ENUM: u8 = 3;
const INST: u8 = 4;
const NONE: u8 = 5;
const SOME: u8 = 6;
const SET: u8 = 7;
const SEQ: u8 = 8;
const MAP: u8 = 9;
const RECORD: u8 = 10;
const TUPLE: u8 = 11;
const MSG: u8 = 12;

/// Appends the encoding of a whole state.
pub fn encode_state(state: &State, out: &mut Vec<u8>) {
    for v in &state.vars {
        encode_value(v, out);
    }
    match &state.network {
        Network::Set(msgs) => {
            put_len(msgs.len(), out);
            for m in msgs {
                encode_msg(m, out);
            }
        }
        Network::Bag(msgs) => {
            put_len(msgs.len(), out);
            for (m, n) in msgs {
                encode_msg(m, out);
                put_u64(u64::from(*n), out);
            }
        }
        Network::Fifo(chans) => {
            put_len(chans.len(), out);
            for c in chans {
                put_instance(c.from, out);
                put_instance(c.to, out);
                put_len(c.queue.len(), out);
                for m in &c.queue {
                    encode_msg(m, out);
                }
            }
        }
    }
    let f = &state.faults;
    put_instances(&f.crashed, out);
    put_len(f.crashes.len(), out);
    for c in &f.crashes {
        put_u64(u64::from(*c), out);
    }
    put_u64(u64::from(f.losses), out);
    put_u64(u64::from(f.duplications), out);
    put_u64(u64::from(f.partitions), out);
    match &f.partition {
        None => out.push(0),
        Some(group) => {
            out.push(1);
            put_instances(group, out);
        }
    }
}

pub fn encode_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Int(n) => {
            out.push(INT);
            // Zigzag, so that small negative numbers stay short.
            put_u64(((*n << 1) ^ (*n >> 63)) as u64, out);
        }
        Value::Enum(e, variant) => {
            out.push(ENUM);
            put_u64(u64::from(e.0), out);
            put_u64(u64::from(*variant), out);
        }
        Value::Inst(i) => {
            out.push(INST);
            put_instance(*i, out);
        }
        Value::None => out.push(NONE),
        Value::Some(x) => {
            out.push(SOME);
            encode_value(x, out);
        }
        Value::Set(items) => encode_list(SET, items, out),
        Value::Seq(items) => encode_list(SEQ, items, out),
        Value::Tuple(items) => encode_list(TUPLE, items, out),
        Value::Record(id, items) => {
            out.push(RECORD);
            put_u64(u64::from(id.0), out);
            put_len(items.len(), out);
            for x in items {
                encode_value(x, out);
            }
        }
        Value::Map(entries) => {
            out.push(MAP);
            put_len(entries.len(), out);
            for (k, x) in entries {
                encode_value(k, out);
                encode_value(x, out);
            }
        }
        Value::Msg(m) => {
            out.push(MSG);
            encode_msg(m, out);
        }
    }
}

fn encode_list(tag: u8, items: &[Value], out: &mut Vec<u8>) {
    out.push(tag);
    put_len(items.len(), out);
    for x in items {
        encode_value(x, out);
    }
}

fn encode_msg(m: &Msg, out: &mut Vec<u8>) {
    put_u64(u64::from(m.kind.0), out);
    put_instance(m.from, out);
    put_instance(m.to, out);
    put_len(m.fields.len(), out);
    for x in &m.fields {
        encode_value(x, out);
    }
}

#[inline]
fn put_instance(i: Instance, out: &mut Vec<u8>) {
    put_u64(u64::from(i.role.0), out);
    put_u64(u64::from(i.index), out);
}

fn put_instances(list: &[Instance], out: &mut Vec<u8>) {
    put_len(list.len(), out);
    for i in list {
        put_instance(*i, out);
    }
}

#[inline]
fn put_len(n: usize, out: &mut Vec<u8>) {
    put_u64(n as u64, out);
}

/// LEB128: seven bits per byte, high bit set on all but the last. Almost
/// every number in a state is below 128 and takes the inlined first branch.
#[inline]
fn put_u64(n: u64, out: &mut Vec<u8>) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        put_u64_long(n, out);
    }
}

fn put_u64_long(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
/// Decodes a state that [`encode_state`] wrote for a spec with this layout
/// and network kind. `None` means the bytes are not such an encoding, which
/// would be a bug in the checker; callers report it as an internal error.
pub fn decode_state(bytes: &[u8], layout: &Layout, kind: NetworkKind) -> Option<State> {
    let mut r = Reader { bytes, at: 0 };
    let mut vars = Vec::with_capacity(layout.slots);
    for _ in 0..layout.slots {
        vars.push(r.value(0)?);
    }
    let network = match kind {
        NetworkKind::Set => {
            let n = r.len()?;
            let mut msgs = Vec::with_capacity(n);
            for _ in 0..n {
                msgs.push(r.msg(0)?);
            }
            Network::Set(msgs)
        }
        NetworkKind::Bag => {
            let n = r.len()?;
            let mut msgs = Vec::with_capacity(n);
            for _ in 0..n {
                let m = r.msg(0)?;
                msgs.push((m, r.u32()?));
            }
            Network::Bag(msgs)
        }
        NetworkKind::Fifo => {
            let n = r.len()?;
            let mut chans = Vec::with_capacity(n);
            for _ in 0..n {
                let from = r.instance()?;
                let to = r.instance()?;
                let len = r.len()?;
                let mut queue = Vec::with_capacity(len);
                for _ in 0..len {
                    queue.push(r.msg(0)?);
                }
                chans.push(Channel { from, to, queue });
            }
            Network::Fifo(chans)
        }
    };
    let crashed = r.instances()?;
    let n = r.len()?;
    let mut crashes = Vec::with_capacity(n);
    for _ in 0..n {
        crashes.push(r.u32()?);
    }
    let losses = r.u32()?;
    let duplications = r.u32()?;
    let partitions = r.u32()?;
    let partition = match r.byte()? {
        0 => None,
        1 => Some(r.instances()?),
        _ => return None,
    };
    if r.at != bytes.len() {
        return None;
    }
    Some(State {
        vars,
        network,
        faults: Faults {
            crashed,
            crashes,
            losses,
            duplications,
            partitions,
            partition,
        },
    })
}

/// Values nest no deeper than the spec's types; this bound only guards
/// against corrupt input.
#[cfg(test)]
const MAX_DEPTH: u32 = 256;

#[cfg(test)]
struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

#[cfg(test)]
impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn u64(&mut self) -> Option<u64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u64()?).ok()
    }

    /// A length, which can never exceed the bytes left (each element takes
    /// at least one byte), so a corrupt length cannot cause a huge
    /// allocation.
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    fn instance(&mut self) -> Option<Instance> {
        Some(Instance::new(RoleId(self.u32()?), self.u32()?))
    }

    fn instances(&mut self) -> Option<Vec<Instance>> {
        let n = self.len()?;
        (0..n).map(|_| self.instance()).collect()
    }

    fn list(&mut self, depth: u32) -> Option<Vec<Value>> {
        let n = self.len()?;
        (0..n).map(|_| self.value(depth + 1)).collect()
    }

    fn msg(&mut self, depth: u32) -> Option<Msg> {
        let kind = MsgId(self.u32()?);
        let from = self.instance()?;
        let to = self.instance()?;
        let fields = self.list(depth)?;
        Some(Msg {
            kind,
            from,
            to,
            fields,
        })
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match self.byte()? {
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            INT => {
                let z = self.u64()?;
                Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            ENUM => Value::Enum(EnumId(self.u32()?), self.u32()?),
            INST => Value::Inst(self.instance()?),
            NONE => Value::None,
            SOME => Value::Some(Box::new(self.value(depth + 1)?)),
            SET => Value::Set(self.list(depth)?),
            SEQ => Value::Seq(self.list(depth)?),
            TUPLE => Value::Tuple(self.list(depth)?),
            RECORD => {
                let id = RecordId(self.u32()?);
                Value::Record(id, self.list(depth)?)
            }
            MAP => {
                let n = self.len()?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.value(depth + 1)?;
                    let x = self.value(depth + 1)?;
                    entries.push((k, x));
                }
                Value::Map(entries)
            }
            MSG => Value::Msg(Box::new(self.msg(depth + 1)?)),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Faults;

    fn inst(role: u32, index: u32) -> Instance {
        Instance::new(RoleId(role), index)
    }

    fn msg(kind: u32, fields: Vec<Value>) -> Msg {
        Msg {
            kind: MsgId(kind),
            from: inst(0, 0),
            to: inst(1, 2),
            fields,
        }
    }

    fn layout(slots: usize) -> Layout {
        Layout {
            roles: Vec::new(),
            var_pos: Vec::new(),
            instances: Vec::new(),
            slots,
        }
    }

    fn every_kind_of_value() -> Vec<Value> {
        vec![
            Value::Bool(true),
            Value::Int(-1),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Enum(EnumId(3), 200),
            Value::Inst(inst(1, 300)),
            Value::None,
            Value::Some(Box::new(Value::Int(5))),
            Value::set_from(vec![Value::Int(2), Value::Int(1)]),
            Value::Seq(vec![Value::Bool(false), Value::Bool(false)]),
            Value::map_from(vec![(Value::Int(1), Value::None)]),
            Value::Record(RecordId(0), vec![Value::Int(0), Value::Tuple(vec![])]),
            Value::Msg(Box::new(msg(2, vec![Value::Int(7)]))),
        ]
    }

    #[test]
    fn states_survive_an_encoding_round_trip() {
        let vars = every_kind_of_value();
        let faults = Faults {
            crashed: vec![inst(1, 0)],
            crashes: vec![1, 0],
            losses: 2,
            duplications: 3,
            partitions: 1,
            partition: Some(vec![inst(1, 1), inst(1, 2)]),
        };
        let networks = [
            (
                NetworkKind::Set,
                Network::Set(vec![msg(0, vec![]), msg(1, vec![])]),
            ),
            (NetworkKind::Bag, Network::Bag(vec![(msg(0, vec![]), 3)])),
            (
                NetworkKind::Fifo,
                Network::Fifo(vec![Channel {
                    from: inst(0, 0),
                    to: inst(1, 2),
                    queue: vec![msg(0, vec![]), msg(0, vec![])],
                }]),
            ),
        ];
        for (kind, network) in networks {
            let state = State {
                vars: vars.clone(),
                network,
                faults: faults.clone(),
            };
            let mut bytes = Vec::new();
            encode_state(&state, &mut bytes);
            assert_eq!(decode_state(&bytes, &layout(vars.len()), kind), Some(state));
        }
    }

    #[test]
    fn different_values_encode_differently() {
        let values = every_kind_of_value();
        let encodings: Vec<Vec<u8>> = values
            .iter()
            .map(|v| {
                let mut b = Vec::new();
                encode_value(v, &mut b);
                b
            })
            .collect();
        for (i, a) in encodings.iter().enumerate() {
            for b in &encodings[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn corrupt_bytes_decode_to_nothing_instead_of_panicking() {
        let state = State {
            vars: every_kind_of_value(),
            network: Network::Bag(vec![(msg(0, vec![]), 1)]),
            faults: Faults::default(),
        };
        let mut bytes = Vec::new();
        encode_state(&state, &mut bytes);
        let l = layout(state.vars.len());
        for cut in 0..bytes.len() {
            assert_eq!(decode_state(&bytes[..cut], &l, NetworkKind::Bag), None);
        }
        let mut noisy = bytes.clone();
        for i in 0..noisy.len() {
            noisy[i] ^= 0xff;
            // Any result is fine as long as decoding returns.
            let _ = decode_state(&noisy, &l, NetworkKind::Bag);
            noisy[i] ^= 0xff;
        }
    }
}
