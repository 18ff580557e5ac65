//! Operations on sequence and map codes (see `shape.rs` for their layout)
//! that generated code calls, with the shapes' widths as constant
//! arguments: each does what the closure compiler's fast path on codes
//! does (`compile/ops.rs`, `compile/expr.rs`), and gives up ([`Bail`])
//! wherever the closures would fail or leave the code form (an index out
//! of range, a sequence longer than its bound, a missing key).
//!
//! The tests compare every operation with the reference operators on
//! values (`eval/ops.rs`) through the shapes' `encode` and `decode`.

use super::{Bail, Machine};
use crate::shape::{map_offset, mask, seq_offset, shl, shr};

/// The length of a sequence code whose elements take `eb` bits, at most
/// `max` of them.
#[inline]
pub fn seq_len(code: u64, eb: u32, max: u32) -> u64 {
    shr(code, max * eb)
}

/// Element `k` (0-based, below the length) of a sequence code.
#[inline]
pub fn seq_at(code: u64, eb: u32, max: u32, k: u32) -> u64 {
    shr(code, seq_offset(eb, max, k)) & mask(eb)
}

/// The 0-based position of the 1-based index `i` in a sequence of length
/// `len`; out of range is an error.
#[inline]
pub fn seq_index(i: u64, len: u64) -> Result<u32, Bail> {
    let i = i as i64;
    if 1 <= i && i as u64 <= len {
        Ok((i - 1) as u32)
    } else {
        Err(Bail)
    }
}

/// Element at the 1-based index `i` of a sequence code.
#[inline]
pub fn seq_get(code: u64, eb: u32, max: u32, i: u64) -> Result<u64, Bail> {
    let k = seq_index(i, seq_len(code, eb, max))?;
    Ok(seq_at(code, eb, max, k))
}

/// The sequence code with element `k` (0-based, below the length)
/// replaced by `x`.
#[inline]
pub fn seq_put(code: u64, eb: u32, max: u32, k: u32, x: u64) -> u64 {
    let off = seq_offset(eb, max, k);
    (code & !shl(mask(eb), off)) | shl(x, off)
}

/// The first (`last` false) or last element; an empty sequence is an
/// error.
#[inline]
pub fn seq_end(code: u64, eb: u32, max: u32, last: bool) -> Result<u64, Bail> {
    let len = seq_len(code, eb, max) as u32;
    if len == 0 {
        return Err(Bail);
    }
    Ok(seq_at(code, eb, max, if last { len - 1 } else { 0 }))
}

/// `append(s, x)`: past the bound the result has no code.
#[inline]
pub fn seq_append(code: u64, eb: u32, max: u32, x: u64) -> Result<u64, Bail> {
    let len = seq_len(code, eb, max) as u32;
    if len >= max {
        return Err(Bail);
    }
    let body = code & mask(max * eb);
    Ok(shl(u64::from(len + 1), max * eb) | body | shl(x, seq_offset(eb, max, len)))
}

/// The `keep` elements from position `skip` on (both within the length).
#[inline]
fn seq_slice(code: u64, eb: u32, max: u32, skip: u32, keep: u32) -> u64 {
    let mut out = shl(u64::from(keep), max * eb);
    for k in 0..keep {
        out |= shl(seq_at(code, eb, max, skip + k), seq_offset(eb, max, k));
    }
    out
}

/// `take(s, n)`: the first `n` elements, all of them when `n` exceeds the
/// length; a negative count is an error.
#[inline]
pub fn seq_take(code: u64, eb: u32, max: u32, n: u64) -> Result<u64, Bail> {
    let len = seq_len(code, eb, max) as u32;
    let n = count(n)?.min(len);
    Ok(seq_slice(code, eb, max, 0, n))
}

/// `drop(s, n)`: all but the first `n` elements; a negative count is an
/// error.
#[inline]
pub fn seq_drop(code: u64, eb: u32, max: u32, n: u64) -> Result<u64, Bail> {
    let len = seq_len(code, eb, max) as u32;
    let n = count(n)?.min(len);
    Ok(seq_slice(code, eb, max, n, len - n))
}

/// `tail(s)`: an empty sequence is an error.
#[inline]
pub fn seq_tail(code: u64, eb: u32, max: u32) -> Result<u64, Bail> {
    let len = seq_len(code, eb, max) as u32;
    if len == 0 {
        return Err(Bail);
    }
    Ok(seq_slice(code, eb, max, 1, len - 1))
}

/// A count as `take` and `drop` read it (an integer scalar).
#[inline]
fn count(n: u64) -> Result<u32, Bail> {
    let n = n as i64;
    if n < 0 {
        return Err(Bail);
    }
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The same elements in a sequence code of bound `to` (from bound
/// `from`); a sequence longer than `to` has no code there.
#[inline]
pub fn seq_rebound(code: u64, eb: u32, from: u32, to: u32) -> Result<u64, Bail> {
    if from == to {
        return Ok(code);
    }
    let len = seq_len(code, eb, from) as u32;
    if len > to {
        return Err(Bail);
    }
    let mut out = shl(u64::from(len), to * eb);
    for k in 0..len {
        out |= shl(seq_at(code, eb, from, k), seq_offset(eb, to, k));
    }
    Ok(out)
}

/// `a ++ b`, all three codes of one shape; a result longer than the bound
/// has no code.
#[inline]
pub fn seq_concat(a: u64, b: u64, eb: u32, max: u32) -> Result<u64, Bail> {
    let la = seq_len(a, eb, max) as u32;
    let lb = seq_len(b, eb, max) as u32;
    if la + lb > max {
        return Err(Bail);
    }
    let mut out = shl(u64::from(la + lb), max * eb) | (a & mask(max * eb));
    for k in 0..lb {
        out |= shl(seq_at(b, eb, max, k), seq_offset(eb, max, la + k));
    }
    Ok(out)
}

/// Whether the element code `x` is in a sequence code.
#[inline]
pub fn seq_contains(code: u64, eb: u32, max: u32, x: u64) -> bool {
    let len = seq_len(code, eb, max) as u32;
    (0..len.min(max)).any(|k| seq_at(code, eb, max, k) == x)
}

/// The digit of key code `k` in a map code: 0 when the key is absent,
/// `2^vb + code(v)` when it maps to `v`.
#[inline]
pub fn map_digit(code: u64, kb: u32, vb: u32, k: u64) -> u64 {
    shr(code, map_offset(kb, vb, k as u32)) & mask(vb + 1)
}

/// `m[k]`: an absent key is an error.
#[inline]
pub fn map_get(code: u64, kb: u32, vb: u32, k: u64) -> Result<u64, Bail> {
    let digit = map_digit(code, kb, vb, k);
    if shr(digit, vb) & 1 == 1 {
        Ok(digit & mask(vb))
    } else {
        Err(Bail)
    }
}

/// The map code with key code `k` mapped to value code `v`.
#[inline]
pub fn map_put(code: u64, kb: u32, vb: u32, k: u64, v: u64) -> u64 {
    let off = map_offset(kb, vb, k as u32);
    (code & !shl(mask(vb + 1), off)) | shl(shl(1, vb) | v, off)
}

/// The number of keys of a map code.
#[inline]
pub fn map_size(code: u64, kb: u32, vb: u32) -> u64 {
    (0..1u64 << kb)
        .filter(|k| map_digit(code, kb, vb, *k) != 0)
        .count() as u64
}

/// The keys of a map code, as a bitmask set code.
#[inline]
pub fn map_keys(code: u64, kb: u32, vb: u32) -> u64 {
    (0..1u64 << kb)
        .filter(|k| map_digit(code, kb, vb, *k) != 0)
        .fold(0, |set, k| set | 1 << k)
}

/// The number of messages of kind `kind` in flight (each copy counted),
/// in any network; gives up on messages whose fields are boxed, whose
/// values the closures read from the boxed table.
pub fn in_flight_count(m: &Machine, state: &[u64], kind: u32) -> Result<u64, Bail> {
    let pack = &m.pack;
    if !matches!(
        pack.net.fields.get(kind as usize),
        Some(crate::pack::FieldsPack::Packed(_))
    ) {
        return Err(Bail);
    }
    let mut n = 0u64;
    let mut valid = true;
    crate::network::for_each(pack, state, &mut |e| {
        let (k, from, to) = pack.entry_parts(e.words[0]);
        if k == kind {
            valid &= pack.insts.get(u64::from(from)).is_some()
                && pack.insts.get(u64::from(to)).is_some();
            n += u64::from(e.copies);
        }
        true
    });
    if valid { Ok(n) } else { Err(Bail) }
}

#[cfg(test)]
mod tests {
    use spec_lang::ir::{Builtin, Span, Spec};

    use super::*;
    use crate::eval::{builtin, contains, map_get as value_map_get, update_index};
    use crate::shape::{Instances, Shape, ShapeKind};
    use crate::value::Value;

    const SOURCE: &str = r#"
protocol Ops
role R[3] {
  var s: seq<0..3, 3> = []
  var m: map<R, 0..2> = []
}
on R step noop { skip }
"#;

    fn setup() -> (Spec, Instances, Shape, Shape) {
        let spec = spec_lang::compile(SOURCE, &[])
            .expect("the test spec compiles")
            .spec;
        let insts = Instances::new(&spec);
        let shape = |n: usize| Shape::of(&spec.vars[n].ty, &spec, &insts).expect("a shape");
        let (seq, map) = (shape(0), shape(1));
        (spec, insts, seq, map)
    }

    /// Every sequence of `0..3` elements up to length 3, as codes.
    fn all_seqs(shape: &Shape, insts: &Instances) -> Vec<u64> {
        let mut out = vec![Value::Seq(Vec::new())];
        let mut last = out.clone();
        for _ in 0..3 {
            let mut next = Vec::new();
            for v in &last {
                for x in 0..4 {
                    let Value::Seq(items) = v else { continue };
                    let mut items = items.clone();
                    items.push(Value::Int(x));
                    next.push(Value::Seq(items));
                }
            }
            out.extend(next.iter().cloned());
            last = next;
        }
        out.iter()
            .map(|v| shape.encode(v, insts).expect("a code"))
            .collect()
    }

    /// What a code operation gives, as the value the reference gives.
    fn same(shape: &Shape, insts: &Instances, code: Result<u64, Bail>, want: Option<Value>) {
        let want = want.and_then(|v| shape.encode(&v, insts));
        assert_eq!(code.ok(), want);
    }

    #[test]
    fn sequence_operations_agree_with_the_reference_operators() {
        let (spec, insts, seq, _) = setup();
        let ShapeKind::Seq { elem, max } = &seq.kind else {
            panic!("a sequence shape")
        };
        let (eb, max) = (elem.bits, *max);
        let span = Span::DETACHED;
        let seqs = all_seqs(&seq, &insts);
        for &c in &seqs {
            let v = seq.decode(c, &insts);
            let Value::Seq(items) = &v else {
                panic!("a sequence")
            };
            let call = |b: Builtin, mut args: Vec<Value>| {
                args.insert(0, v.clone());
                builtin(b, args, span, &spec).ok()
            };
            assert_eq!(seq_len(c, eb, max), items.len() as u64);
            for i in -1..5i64 {
                let want = crate::eval::seq_offset(i, items.len(), span)
                    .ok()
                    .map(|at| items[at].clone());
                let got = seq_get(c, eb, max, i as u64)
                    .ok()
                    .map(|x| elem.decode(x, &insts));
                assert_eq!(got, want, "{v:?}[{i}]");
                let mut put = v.clone();
                let updated = update_index(&mut put, Value::Int(i), Value::Int(3), span);
                let code =
                    seq_index(i as u64, seq_len(c, eb, max)).map(|k| seq_put(c, eb, max, k, 3));
                same(&seq, &insts, code, updated.ok().map(|()| put));
            }
            for (last, b) in [(false, Builtin::Head), (true, Builtin::Last)] {
                let got = seq_end(c, eb, max, last)
                    .ok()
                    .map(|x| elem.decode(x, &insts));
                assert_eq!(got, call(b, vec![]), "{b:?} {v:?}");
            }
            same(
                &seq,
                &insts,
                seq_tail(c, eb, max),
                call(Builtin::Tail, vec![]),
            );
            for x in 0..4 {
                let code = seq_append(c, eb, max, x);
                same(
                    &seq,
                    &insts,
                    code,
                    call(Builtin::Append, vec![Value::Int(x as i64)]),
                );
                let member = contains(&v, &Value::Int(x as i64), span).ok();
                assert_eq!(Some(seq_contains(c, eb, max, x)), member);
            }
            for n in -1..5i64 {
                let got = seq_take(c, eb, max, n as u64);
                same(&seq, &insts, got, call(Builtin::Take, vec![Value::Int(n)]));
                let got = seq_drop(c, eb, max, n as u64);
                same(&seq, &insts, got, call(Builtin::Drop, vec![Value::Int(n)]));
            }
            for &d in &seqs {
                let w = seq.decode(d, &insts);
                let joined =
                    crate::eval::binary_values(spec_lang::ir::BinaryOp::Concat, v.clone(), w, span);
                same(&seq, &insts, seq_concat(c, d, eb, max), joined.ok());
            }
            for to in 0..5 {
                let narrow = Shape::of(
                    &spec_lang::ir::Type::Seq(
                        Box::new(spec_lang::ir::Type::Int(Some(spec_lang::ir::IntRange {
                            lo: 0,
                            hi: 3,
                        }))),
                        Some(to),
                    ),
                    &spec,
                    &insts,
                )
                .expect("a shape");
                same(
                    &narrow,
                    &insts,
                    seq_rebound(c, eb, max, to),
                    Some(v.clone()),
                );
            }
        }
    }

    #[test]
    fn map_operations_agree_with_the_reference_operators() {
        let (spec, insts, _, map) = setup();
        let ShapeKind::Map { key, val } = &map.kind else {
            panic!("a map shape")
        };
        let (kb, vb) = (key.bits, val.bits);
        let span = Span::DETACHED;
        // Every map from the three instances to 0..2: a digit per key.
        for n in 0..64u64 {
            let digits = [n % 4, n / 4 % 4, n / 16];
            let entries: Vec<(Value, Value)> = digits
                .iter()
                .enumerate()
                .filter(|(_, d)| **d != 0)
                .map(|(k, d)| {
                    let inst = crate::value::Instance::new(spec_lang::ir::RoleId(0), k as u32);
                    (Value::Inst(inst), Value::Int(*d as i64 - 1))
                })
                .collect();
            let v = Value::map_from(entries);
            let c = map.encode(&v, &insts).expect("a code");
            let size = builtin(Builtin::Size, vec![v.clone()], span, &spec).ok();
            assert_eq!(Some(Value::Int(map_size(c, kb, vb) as i64)), size);
            let keys = builtin(Builtin::Keys, vec![v.clone()], span, &spec).ok();
            let set = Shape::of(
                &spec_lang::ir::Type::Set(Box::new(spec_lang::ir::Type::Role(
                    spec_lang::ir::RoleId(0),
                ))),
                &spec,
                &insts,
            )
            .expect("a shape");
            same(&set, &insts, Ok(map_keys(c, kb, vb)), keys);
            for k in 0..3u64 {
                let kv = key.decode(k, &insts);
                let got = map_get(c, kb, vb, k).ok().map(|x| val.decode(x, &insts));
                assert_eq!(got, value_map_get(v.clone(), &kv, span, &spec).ok());
                assert_eq!(
                    map_digit(c, kb, vb, k) != 0,
                    contains(&v, &kv, span).expect("a map")
                );
                for x in 0..3u64 {
                    let mut put = v.clone();
                    update_index(&mut put, kv.clone(), val.decode(x, &insts), span).expect("a map");
                    same(&map, &insts, Ok(map_put(c, kb, vb, k, x)), Some(put));
                }
            }
        }
    }
}
