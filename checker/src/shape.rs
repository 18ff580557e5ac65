//! Shapes: how a value of an IR type packs into the bits of one word.
//!
//! A type whose values all fit in 64 bits gets a [`Shape`], a bijection
//! between its values and codes below `2^bits`:
//!
//! - `bool`: 0 or 1; an integer range `lo..hi`: `n - lo`; an enum: the
//!   variant's index; an instance of a role: its index within the role.
//! - `option<T>`: 0 for `none`, `2^bits(T) + code(x)` for `some(x)`.
//! - records and tuples: the fields side by side, the first field in the
//!   most significant bits.
//! - `set<T>` where `T` has at most 6 bits: a bitmask with bit `code(x)`
//!   set for each element `x`.
//! - `seq<T, n>`: the length in the most significant bits, then `n`
//!   element slots, the first element most significant, unused slots 0.
//! - `map<K, V>` where `K` has at most 6 bits: one digit per possible key,
//!   the smallest key most significant; a digit is 0 for an absent key and
//!   `2^bits(V) + code(v)` for a present one.
//! - a message value: sender and receiver (global instance indices) and
//!   the fields; its kind is known from its type.
//!
//! Codes preserve the canonical order of values (`value.rs`): for two
//! values of one type, `a < b` exactly when `code(a) < code(b)`. That is
//! what lets the packed engine iterate sets, maps and the network in the
//! same order as the reference evaluator, so both number transitions alike.
//!
//! Types without a shape (unbounded integers inside collections, unbounded
//! sequences, sets of wide elements, anything over 64 bits) are stored as
//! values in the boxed table instead (`boxed.rs`); the shape is the fast
//! path, never a restriction of the language.

use spec_lang::ir::{EnumId, MsgId, RecordId, RoleId, Spec, Type};

use crate::value::{Instance, Msg, Value};

/// Element and key types of bitmask sets and maps have at most this many
/// bits, so their domain has at most 64 codes.
const MAX_DOMAIN_BITS: u32 = 6;

/// How one type's values pack into a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub kind: ShapeKind,
    /// The width of every code of this type.
    pub bits: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShapeKind {
    Bool,
    Int {
        lo: i64,
        hi: i64,
    },
    Enum {
        id: EnumId,
        count: u32,
    },
    Role {
        role: RoleId,
        count: u32,
    },
    Option(Box<Shape>),
    /// A record or a tuple: `fields[i]` sits at bit offset `offsets[i]`.
    Product {
        record: Option<RecordId>,
        fields: Vec<Shape>,
        offsets: Vec<u32>,
    },
    Set(Box<Shape>),
    Seq {
        elem: Box<Shape>,
        max: u32,
    },
    Map {
        key: Box<Shape>,
        val: Box<Shape>,
    },
    Message {
        id: MsgId,
        inst_bits: u32,
        /// The fields as a product (no record id).
        fields: Box<Shape>,
    },
}

/// What shapes need to know about the spec's instances.
#[derive(Clone, Debug)]
pub struct Instances {
    /// Every instance by global index (roles in order, then index).
    pub all: Vec<Instance>,
    /// The global index of each role's first instance.
    pub first: Vec<u32>,
    /// Bits of a global instance index.
    pub bits: u32,
}

impl Instances {
    pub fn new(spec: &Spec) -> Instances {
        let mut all = Vec::new();
        let mut first = Vec::with_capacity(spec.roles.len());
        for (r, role) in spec.roles.iter().enumerate() {
            first.push(all.len() as u32);
            for i in 0..role.count {
                all.push(Instance::new(RoleId(r as u32), i));
            }
        }
        let bits = bits_for(all.len() as u64);
        Instances { all, first, bits }
    }

    /// The global index of an instance, if it is one of the spec's.
    pub fn global(&self, inst: Instance) -> Option<u32> {
        let first = *self.first.get(inst.role.index())?;
        let g = first.checked_add(inst.index)?;
        (self.all.get(g as usize) == Some(&inst)).then_some(g)
    }

    pub fn get(&self, global: u64) -> Option<Instance> {
        self.all.get(usize::try_from(global).ok()?).copied()
    }
}

/// Bits needed for `count` distinct codes `0..count`.
pub fn bits_for(count: u64) -> u32 {
    if count <= 1 {
        0
    } else {
        64 - (count - 1).leading_zeros()
    }
}

/// `x << n`, 0 when `n` is 64 or more.
#[inline]
pub fn shl(x: u64, n: u32) -> u64 {
    x.checked_shl(n).unwrap_or(0)
}

/// `x >> n`, 0 when `n` is 64 or more.
#[inline]
pub fn shr(x: u64, n: u32) -> u64 {
    x.checked_shr(n).unwrap_or(0)
}

/// A mask of the low `bits` bits.
#[inline]
pub fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

impl Shape {
    /// The shape of a type, if its values fit in one word.
    pub fn of(ty: &Type, spec: &Spec, insts: &Instances) -> Option<Shape> {
        let shape = match ty {
            Type::Bool => Shape {
                kind: ShapeKind::Bool,
                bits: 1,
            },
            Type::Int(Some(r)) => {
                let size = i128::from(r.hi) - i128::from(r.lo) + 1;
                if size > 1 << 62 {
                    return None;
                }
                Shape {
                    kind: ShapeKind::Int { lo: r.lo, hi: r.hi },
                    bits: bits_for(size.max(1) as u64),
                }
            }
            Type::Int(None) => return None,
            Type::Enum(id) => {
                let count = spec.enums.get(id.index())?.variants.len() as u32;
                Shape {
                    kind: ShapeKind::Enum { id: *id, count },
                    bits: bits_for(u64::from(count)),
                }
            }
            Type::Role(role) => {
                let count = spec.roles.get(role.index())?.count;
                Shape {
                    kind: ShapeKind::Role { role: *role, count },
                    bits: bits_for(u64::from(count)),
                }
            }
            Type::Option(inner) => {
                let inner = Shape::of(inner, spec, insts)?;
                let bits = inner.bits + 1;
                Shape {
                    kind: ShapeKind::Option(Box::new(inner)),
                    bits,
                }
            }
            Type::Record(id) => {
                let def = spec.records.get(id.index())?;
                let types: Vec<&Type> = def.fields.iter().map(|f| &f.ty).collect();
                product(Some(*id), &types, spec, insts)?
            }
            Type::Tuple(items) => {
                let types: Vec<&Type> = items.iter().collect();
                product(None, &types, spec, insts)?
            }
            Type::Set(elem) => {
                let elem = Shape::of(elem, spec, insts)?;
                if elem.bits > MAX_DOMAIN_BITS {
                    return None;
                }
                let bits = 1 << elem.bits;
                Shape {
                    kind: ShapeKind::Set(Box::new(elem)),
                    bits,
                }
            }
            Type::Seq(elem, Some(max)) => {
                let elem = Shape::of(elem, spec, insts)?;
                let bits = u64::from(bits_for(u64::from(*max) + 1))
                    + u64::from(*max) * u64::from(elem.bits);
                if bits > 64 {
                    return None;
                }
                Shape {
                    kind: ShapeKind::Seq {
                        elem: Box::new(elem),
                        max: *max,
                    },
                    bits: bits as u32,
                }
            }
            Type::Seq(_, None) => return None,
            Type::Map(key, val) => {
                let key = Shape::of(key, spec, insts)?;
                let val = Shape::of(val, spec, insts)?;
                if key.bits > MAX_DOMAIN_BITS {
                    return None;
                }
                let bits = (1u64 << key.bits) * u64::from(val.bits + 1);
                if bits > 64 {
                    return None;
                }
                Shape {
                    kind: ShapeKind::Map {
                        key: Box::new(key),
                        val: Box::new(val),
                    },
                    bits: bits as u32,
                }
            }
            Type::Message(id) => {
                let def = spec.messages.get(id.index())?;
                let types: Vec<&Type> = def.fields.iter().map(|f| &f.ty).collect();
                let fields = product(None, &types, spec, insts)?;
                let bits = 2 * insts.bits + fields.bits;
                if bits > 64 {
                    return None;
                }
                Shape {
                    kind: ShapeKind::Message {
                        id: *id,
                        inst_bits: insts.bits,
                        fields: Box::new(fields),
                    },
                    bits,
                }
            }
        };
        (shape.bits <= 64).then_some(shape)
    }

    /// The code of a value of this shape; `None` when the value is not one
    /// of the type's (an integer out of range, a sequence too long, a value
    /// of another kind).
    pub fn encode(&self, v: &Value, insts: &Instances) -> Option<u64> {
        match (&self.kind, v) {
            (ShapeKind::Bool, Value::Bool(b)) => Some(u64::from(*b)),
            (ShapeKind::Int { lo, hi }, Value::Int(n)) => {
                (*lo <= *n && *n <= *hi).then(|| n.wrapping_sub(*lo) as u64)
            }
            (ShapeKind::Enum { id, count }, Value::Enum(e, x)) => {
                (e == id && x < count).then_some(u64::from(*x))
            }
            (ShapeKind::Role { role, count }, Value::Inst(i)) => {
                (i.role == *role && i.index < *count).then_some(u64::from(i.index))
            }
            (ShapeKind::Option(_), Value::None) => Some(0),
            (ShapeKind::Option(inner), Value::Some(x)) => {
                Some(shl(1, inner.bits) | inner.encode(x, insts)?)
            }
            (ShapeKind::Product { record, .. }, Value::Record(id, items)) => {
                if *record != Some(*id) {
                    return None;
                }
                self.encode_fields(items, insts)
            }
            (ShapeKind::Product { record: None, .. }, Value::Tuple(items)) => {
                self.encode_fields(items, insts)
            }
            (ShapeKind::Set(elem), Value::Set(items)) => {
                let mut code = 0u64;
                for x in items {
                    code |= shl(1, elem.encode(x, insts)? as u32);
                }
                Some(code)
            }
            (ShapeKind::Seq { elem, max }, Value::Seq(items)) => {
                if items.len() > *max as usize {
                    return None;
                }
                let mut code = shl(items.len() as u64, *max * elem.bits);
                for (k, x) in items.iter().enumerate() {
                    code |= shl(
                        elem.encode(x, insts)?,
                        seq_offset(elem.bits, *max, k as u32),
                    );
                }
                Some(code)
            }
            (ShapeKind::Map { key, val }, Value::Map(entries)) => {
                let mut code = 0u64;
                for (k, x) in entries {
                    let k = key.encode(k, insts)? as u32;
                    let digit = shl(1, val.bits) | val.encode(x, insts)?;
                    code |= shl(digit, map_offset(key.bits, val.bits, k));
                }
                Some(code)
            }
            (ShapeKind::Message { id, fields, .. }, Value::Msg(m)) => {
                if m.kind != *id {
                    return None;
                }
                let f = fields.encode_fields(&m.fields, insts)?;
                Some(self.message_code(
                    u64::from(insts.global(m.from)?),
                    u64::from(insts.global(m.to)?),
                    f,
                ))
            }
            _ => None,
        }
    }

    fn encode_fields(&self, items: &[Value], insts: &Instances) -> Option<u64> {
        let ShapeKind::Product {
            fields, offsets, ..
        } = &self.kind
        else {
            return None;
        };
        if items.len() != fields.len() {
            return None;
        }
        let mut code = 0u64;
        for ((shape, off), x) in fields.iter().zip(offsets).zip(items) {
            code |= shl(shape.encode(x, insts)?, *off);
        }
        Some(code)
    }

    /// The value of a code of this shape. Codes come from [`Shape::encode`]
    /// or from the packed engine's operations, which keep them valid; a
    /// code that is not valid still decodes to some value, never panics.
    pub fn decode(&self, code: u64, insts: &Instances) -> Value {
        match &self.kind {
            ShapeKind::Bool => Value::Bool(code & 1 == 1),
            ShapeKind::Int { lo, .. } => Value::Int(lo.wrapping_add(code as i64)),
            ShapeKind::Enum { id, .. } => Value::Enum(*id, code as u32),
            ShapeKind::Role { role, .. } => Value::Inst(Instance::new(*role, code as u32)),
            ShapeKind::Option(inner) => {
                if shr(code, inner.bits) & 1 == 0 {
                    Value::None
                } else {
                    Value::Some(Box::new(inner.decode(code & mask(inner.bits), insts)))
                }
            }
            ShapeKind::Product {
                record,
                fields,
                offsets,
            } => {
                let items = fields
                    .iter()
                    .zip(offsets)
                    .map(|(s, off)| s.decode(shr(code, *off) & mask(s.bits), insts))
                    .collect();
                match record {
                    Some(id) => Value::Record(*id, items),
                    None => Value::Tuple(items),
                }
            }
            ShapeKind::Set(elem) => {
                let mut items = Vec::with_capacity(code.count_ones() as usize);
                let mut rest = code;
                while rest != 0 {
                    let bit = rest.trailing_zeros();
                    items.push(elem.decode(u64::from(bit), insts));
                    rest &= rest - 1;
                }
                Value::Set(items)
            }
            ShapeKind::Seq { elem, max } => {
                let len = shr(code, *max * elem.bits).min(u64::from(*max)) as u32;
                Value::Seq(
                    (0..len)
                        .map(|k| {
                            elem.decode(
                                shr(code, seq_offset(elem.bits, *max, k)) & mask(elem.bits),
                                insts,
                            )
                        })
                        .collect(),
                )
            }
            ShapeKind::Map { key, val } => {
                let mut entries = Vec::new();
                for k in 0..(1u32 << key.bits) {
                    let digit = shr(code, map_offset(key.bits, val.bits, k)) & mask(val.bits + 1);
                    if shr(digit, val.bits) & 1 == 1 {
                        entries.push((
                            key.decode(u64::from(k), insts),
                            val.decode(digit & mask(val.bits), insts),
                        ));
                    }
                }
                Value::Map(entries)
            }
            ShapeKind::Message {
                id,
                inst_bits,
                fields,
            } => {
                let (from, to, f) = split_message(code, *inst_bits, fields.bits);
                let field_values = match fields.decode(f, insts) {
                    Value::Tuple(items) => items,
                    _ => Vec::new(),
                };
                let fallback = Instance::new(RoleId(0), 0);
                Value::Msg(Box::new(Msg {
                    kind: *id,
                    from: insts.get(from).unwrap_or(fallback),
                    to: insts.get(to).unwrap_or(fallback),
                    fields: field_values,
                }))
            }
        }
    }

    /// The code of a message value from its parts.
    pub fn message_code(&self, from: u64, to: u64, fields: u64) -> u64 {
        match &self.kind {
            ShapeKind::Message {
                inst_bits,
                fields: f,
                ..
            } => shl(from, inst_bits + f.bits) | shl(to, f.bits) | fields,
            _ => 0,
        }
    }

    /// Whether a code is one this shape's [`Shape::encode`] can produce.
    #[cfg(test)]
    /// Bitmask sets and maps over a domain with unused codes (an enum of
    /// three variants in two bits) must never set those bits.
    pub fn is_valid(&self, code: u64) -> bool {
        if code & !mask(self.bits) != 0 {
            return false;
        }
        match &self.kind {
            ShapeKind::Bool => true,
            ShapeKind::Int { lo, hi } => (code as i128) <= i128::from(*hi) - i128::from(*lo),
            ShapeKind::Enum { count, .. } | ShapeKind::Role { count, .. } => {
                code < u64::from(*count)
            }
            ShapeKind::Option(inner) => {
                if shr(code, inner.bits) & 1 == 0 {
                    code == 0
                } else {
                    inner.is_valid(code & mask(inner.bits))
                }
            }
            ShapeKind::Product {
                fields, offsets, ..
            } => fields
                .iter()
                .zip(offsets)
                .all(|(s, off)| s.is_valid(shr(code, *off) & mask(s.bits))),
            ShapeKind::Set(elem) => {
                let mut rest = code;
                while rest != 0 {
                    if !elem.is_valid(u64::from(rest.trailing_zeros())) {
                        return false;
                    }
                    rest &= rest - 1;
                }
                true
            }
            ShapeKind::Seq { elem, max } => {
                let len = shr(code, *max * elem.bits);
                len <= u64::from(*max)
                    && (0..*max).all(|k| {
                        let x = shr(code, seq_offset(elem.bits, *max, k)) & mask(elem.bits);
                        if u64::from(k) < len {
                            elem.is_valid(x)
                        } else {
                            x == 0
                        }
                    })
            }
            ShapeKind::Map { key, val } => (0..(1u32 << key.bits)).all(|k| {
                let digit = shr(code, map_offset(key.bits, val.bits, k)) & mask(val.bits + 1);
                if digit == 0 {
                    true
                } else {
                    shr(digit, val.bits) & 1 == 1
                        && key.is_valid(u64::from(k))
                        && val.is_valid(digit & mask(val.bits))
                }
            }),
            ShapeKind::Message {
                inst_bits, fields, ..
            } => {
                let (_, _, f) = split_message(code, *inst_bits, fields.bits);
                fields.is_valid(f)
            }
        }
    }
}

/// Sender, receiver and field code of a message code.
#[inline]
pub fn split_message(code: u64, inst_bits: u32, field_bits: u32) -> (u64, u64, u64) {
    let f = code & mask(field_bits);
    let to = shr(code, field_bits) & mask(inst_bits);
    let from = shr(code, field_bits + inst_bits) & mask(inst_bits);
    (from, to, f)
}

/// The bit offset of element `k` (0-based) of a sequence code.
#[inline]
pub fn seq_offset(elem_bits: u32, max: u32, k: u32) -> u32 {
    max.saturating_sub(k + 1) * elem_bits
}

/// The bit offset of the digit of key code `k` in a map code.
#[inline]
pub fn map_offset(key_bits: u32, val_bits: u32, k: u32) -> u32 {
    let keys = 1u32 << key_bits;
    (keys - 1 - k.min(keys - 1)) * (val_bits + 1)
}

fn product(
    record: Option<RecordId>,
    types: &[&Type],
    spec: &Spec,
    insts: &Instances,
) -> Option<Shape> {
    let fields: Vec<Shape> = types
        .iter()
        .map(|t| Shape::of(t, spec, insts))
        .collect::<Option<_>>()?;
    let total: u64 = fields.iter().map(|f| u64::from(f.bits)).sum();
    if total > 64 {
        return None;
    }
    let mut offsets = Vec::with_capacity(fields.len());
    let mut used = 0u32;
    for f in &fields {
        used += f.bits;
        offsets.push(total as u32 - used);
    }
    Some(Shape {
        kind: ShapeKind::Product {
            record,
            fields,
            offsets,
        },
        bits: total as u32,
    })
}

#[cfg(test)]
mod tests;
