//! The spec language's operators on ordinary Rust collections: sets are
//! `BTreeSet`, sequences `Vec` (indexed from 1 in the spec), maps
//! `BTreeMap`. Generated code calls these so that it reads like the spec.
//!
//! Every operator that the spec language defines as able to fail (integer
//! overflow, division by zero, a missing map key, `get(none)`, a sequence
//! index out of range, `head` of an empty sequence, a negative `take`, a
//! range too large to build) returns an [`EvalError`] exactly where the
//! checker's evaluator reports one, so that generated code never panics and
//! fails where the spec says it fails. The `try_` variants take closures
//! that can fail themselves. The `check_` functions are the stores' checks
//! of integer ranges and sequence bounds.

use std::collections::{BTreeMap, BTreeSet};

use crate::eval_error::{Eval, EvalError};

/// Ranges with this many elements or more are refused, as the checker
/// refuses them.
const MAX_RANGE: i64 = 1 << 24;

/// The number of elements of a set, sequence or map.
pub trait Size {
    fn size(&self) -> i64;
}

impl<T> Size for BTreeSet<T> {
    fn size(&self) -> i64 {
        self.len() as i64
    }
}

impl<T> Size for Vec<T> {
    fn size(&self) -> i64 {
        self.len() as i64
    }
}

impl<K, V> Size for BTreeMap<K, V> {
    fn size(&self) -> i64 {
        self.len() as i64
    }
}

pub fn size(c: &impl Size) -> i64 {
    c.size()
}

/// The value inside `some`.
pub fn get<T>(o: Option<T>) -> Eval<T> {
    o.ok_or(EvalError::EmptyOption)
}

pub fn append<T>(mut s: Vec<T>, x: T) -> Vec<T> {
    s.push(x);
    s
}

pub fn concat<T>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
    a.extend(b);
    a
}

pub fn head<T: Clone>(s: &[T]) -> Eval<T> {
    s.first().cloned().ok_or(EvalError::Empty("head"))
}

pub fn last<T: Clone>(s: &[T]) -> Eval<T> {
    s.last().cloned().ok_or(EvalError::Empty("last"))
}

pub fn tail<T: Clone>(s: &[T]) -> Eval<Vec<T>> {
    match s.split_first() {
        Some((_, rest)) => Ok(rest.to_vec()),
        None => Err(EvalError::Empty("tail")),
    }
}

fn count(n: i64, len: usize) -> Eval<usize> {
    if n < 0 {
        return Err(EvalError::NegativeCount(n));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX).min(len))
}

/// The first `n` elements (all of them when `n` exceeds the length).
pub fn take<T: Clone>(s: &[T], n: i64) -> Eval<Vec<T>> {
    let n = count(n, s.len())?;
    Ok(s[..n].to_vec())
}

/// All but the first `n` elements.
pub fn drop_first<T: Clone>(s: &[T], n: i64) -> Eval<Vec<T>> {
    let n = count(n, s.len())?;
    Ok(s[n..].to_vec())
}

pub fn keys<K: Ord + Clone, V>(m: &BTreeMap<K, V>) -> BTreeSet<K> {
    m.keys().cloned().collect()
}

pub fn min_of(s: &BTreeSet<i64>) -> Eval<i64> {
    s.first().copied().ok_or(EvalError::Empty("min"))
}

pub fn max_of(s: &BTreeSet<i64>) -> Eval<i64> {
    s.last().copied().ok_or(EvalError::Empty("max"))
}

/// The integers `lo..=hi` (empty when `hi < lo`).
pub fn range(lo: i64, hi: i64) -> Eval<BTreeSet<i64>> {
    if hi < lo {
        return Ok(BTreeSet::new());
    }
    if hi.saturating_sub(lo) >= MAX_RANGE {
        return Err(EvalError::RangeTooLarge { lo, hi });
    }
    Ok((lo..=hi).collect())
}

/// The integers `lo..=hi` of a range whose bounds are constants of the
/// spec, known to be small (the code generator checked them).
pub fn small_range(lo: i64, hi: i64) -> BTreeSet<i64> {
    (lo..=hi).collect()
}

pub fn union<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> BTreeSet<T> {
    a.union(b).cloned().collect()
}

pub fn diff<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> BTreeSet<T> {
    a.difference(b).cloned().collect()
}

pub fn inter<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> BTreeSet<T> {
    a.intersection(b).cloned().collect()
}

/// `m[k]`: the key must be present.
pub fn map_get<K: Ord, V: Clone>(m: &BTreeMap<K, V>, k: &K) -> Eval<V> {
    m.get(k).cloned().ok_or(EvalError::AbsentKey)
}

fn offset(i: i64, len: usize) -> Eval<usize> {
    match usize::try_from(i) {
        Ok(n) if n >= 1 && n <= len => Ok(n - 1),
        _ => Err(EvalError::IndexOutOfRange { index: i, len }),
    }
}

/// `s[i]`, 1-based.
pub fn seq_get<T: Clone>(s: &[T], i: i64) -> Eval<T> {
    Ok(s[offset(i, s.len())?].clone())
}

pub fn add(a: i64, b: i64) -> Eval<i64> {
    a.checked_add(b).ok_or(EvalError::Overflow)
}

pub fn sub(a: i64, b: i64) -> Eval<i64> {
    a.checked_sub(b).ok_or(EvalError::Overflow)
}

pub fn mul(a: i64, b: i64) -> Eval<i64> {
    a.checked_mul(b).ok_or(EvalError::Overflow)
}

pub fn neg(a: i64) -> Eval<i64> {
    a.checked_neg().ok_or(EvalError::Overflow)
}

pub fn abs(a: i64) -> Eval<i64> {
    a.checked_abs().ok_or(EvalError::Overflow)
}

/// Integer division rounding toward negative infinity.
pub fn div(a: i64, b: i64) -> Eval<i64> {
    if b == 0 {
        return Err(EvalError::DivisionByZero);
    }
    let q = a.checked_div(b).ok_or(EvalError::Overflow)?;
    Ok(if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

/// The remainder with the divisor's sign.
pub fn modulo(a: i64, b: i64) -> Eval<i64> {
    if b == 0 {
        return Err(EvalError::DivisionByZero);
    }
    // i64::MIN % -1 overflows in Rust; the remainder is 0.
    let Some(r) = a.checked_rem(b) else {
        return Ok(0);
    };
    Ok(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

/// The elements of a collection, in its order, as a vector.
pub fn elements<T>(c: impl IntoIterator<Item = T>) -> Vec<T> {
    c.into_iter().collect()
}

pub fn filter_set<T: Ord + Clone>(
    c: impl IntoIterator<Item = T>,
    mut keep: impl FnMut(T) -> bool,
) -> BTreeSet<T> {
    c.into_iter().filter(|x| keep(x.clone())).collect()
}

pub fn try_filter_set<T: Ord + Clone>(
    c: impl IntoIterator<Item = T>,
    mut keep: impl FnMut(T) -> Eval<bool>,
) -> Eval<BTreeSet<T>> {
    let mut out = BTreeSet::new();
    for x in c {
        if keep(x.clone())? {
            out.insert(x);
        }
    }
    Ok(out)
}

pub fn filter_seq<T: Clone>(
    c: impl IntoIterator<Item = T>,
    mut keep: impl FnMut(T) -> bool,
) -> Vec<T> {
    c.into_iter().filter(|x| keep(x.clone())).collect()
}

pub fn try_filter_seq<T: Clone>(
    c: impl IntoIterator<Item = T>,
    mut keep: impl FnMut(T) -> Eval<bool>,
) -> Eval<Vec<T>> {
    let mut out = Vec::new();
    for x in c {
        if keep(x.clone())? {
            out.push(x);
        }
    }
    Ok(out)
}

pub fn forall<T>(c: impl IntoIterator<Item = T>, f: impl FnMut(T) -> bool) -> bool {
    c.into_iter().all(f)
}

/// `forall` whose body can fail; it stops at the first false, as the
/// checker does, so an error after it is not reached.
pub fn try_forall<T>(
    c: impl IntoIterator<Item = T>,
    mut f: impl FnMut(T) -> Eval<bool>,
) -> Eval<bool> {
    for x in c {
        if !f(x)? {
            return Ok(false);
        }
    }
    Ok(true)
}

pub fn exists<T>(c: impl IntoIterator<Item = T>, f: impl FnMut(T) -> bool) -> bool {
    c.into_iter().any(f)
}

/// `exists` whose body can fail; it stops at the first true.
pub fn try_exists<T>(
    c: impl IntoIterator<Item = T>,
    mut f: impl FnMut(T) -> Eval<bool>,
) -> Eval<bool> {
    for x in c {
        if f(x)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The sum of the body over the elements; overflow is an error.
pub fn sum<T>(c: impl IntoIterator<Item = T>, mut f: impl FnMut(T) -> i64) -> Eval<i64> {
    c.into_iter().try_fold(0i64, |total, x| add(total, f(x)))
}

pub fn try_sum<T>(c: impl IntoIterator<Item = T>, mut f: impl FnMut(T) -> Eval<i64>) -> Eval<i64> {
    c.into_iter().try_fold(0i64, |total, x| add(total, f(x)?))
}

/// Maps and sequences as the targets of `x[k] := v` and `x with [k] = v`.
pub trait Indexed<K, V> {
    /// The entry at `k`, which must exist.
    fn slot(&mut self, k: K) -> Eval<&mut V>;
    /// Sets the entry at `k` (a new map key is added; a sequence index must
    /// be in range).
    fn assign(&mut self, k: K, v: V) -> Eval<()>;
}

impl<K: Ord, V> Indexed<K, V> for BTreeMap<K, V> {
    fn slot(&mut self, k: K) -> Eval<&mut V> {
        self.get_mut(&k).ok_or(EvalError::AbsentKey)
    }

    fn assign(&mut self, k: K, v: V) -> Eval<()> {
        self.insert(k, v);
        Ok(())
    }
}

impl<V> Indexed<i64, V> for Vec<V> {
    fn slot(&mut self, k: i64) -> Eval<&mut V> {
        let at = offset(k, self.len())?;
        Ok(&mut self[at])
    }

    fn assign(&mut self, k: i64, v: V) -> Eval<()> {
        *self.slot(k)? = v;
        Ok(())
    }
}

/// A copy of `c` with the entry at `k` set to `v`.
pub fn with_index<K, V, C: Indexed<K, V>>(mut c: C, k: K, v: V) -> Eval<C> {
    c.assign(k, v)?;
    Ok(c)
}

/// A local that a `let` or a `choose` in a nested block may have bound.
pub fn bound<T>(x: Option<T>) -> Eval<T> {
    x.ok_or(EvalError::Unbound)
}

/// A stored integer must be within its declared range `lo..hi`.
pub fn check_range(what: &'static str, value: i64, lo: i64, hi: i64) -> Eval<()> {
    if value < lo || value > hi {
        return Err(EvalError::OutOfRange {
            what,
            value,
            lo,
            hi,
        });
    }
    Ok(())
}

/// A stored sequence must be no longer than its declared bound.
pub fn check_len<T>(what: &'static str, s: &[T], max: u32) -> Eval<()> {
    if s.len() > max as usize {
        return Err(EvalError::TooLong {
            what,
            len: s.len(),
            max,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_rounds_toward_negative_infinity() {
        assert_eq!(div(7, 2), Ok(3));
        assert_eq!(div(-7, 2), Ok(-4));
        assert_eq!(modulo(-7, 2), Ok(1));
        assert_eq!(modulo(7, -2), Ok(-1));
        assert_eq!(div(1, 0), Err(EvalError::DivisionByZero));
        assert_eq!(div(i64::MIN, -1), Err(EvalError::Overflow));
        assert_eq!(modulo(i64::MIN, -1), Ok(0));
    }

    #[test]
    fn sequences_are_one_based() {
        let s = vec![10, 20, 30];
        assert_eq!(seq_get(&s, 1), Ok(10));
        assert_eq!(
            seq_get(&s, 4),
            Err(EvalError::IndexOutOfRange { index: 4, len: 3 })
        );
        assert_eq!(with_index(s, 3, 99), Ok(vec![10, 20, 99]));
        assert_eq!(take(&[1, 2], 5), Ok(vec![1, 2]));
        assert_eq!(drop_first(&[1, 2, 3], 1), Ok(vec![2, 3]));
        assert_eq!(take(&[1, 2], -1), Err(EvalError::NegativeCount(-1)));
    }

    #[test]
    fn evaluation_errors_are_values() {
        assert_eq!(add(i64::MAX, 1), Err(EvalError::Overflow));
        assert_eq!(neg(i64::MIN), Err(EvalError::Overflow));
        assert_eq!(get::<i64>(None), Err(EvalError::EmptyOption));
        assert_eq!(head::<i64>(&[]), Err(EvalError::Empty("head")));
        assert_eq!(tail::<i64>(&[]), Err(EvalError::Empty("tail")));
        assert_eq!(min_of(&BTreeSet::new()), Err(EvalError::Empty("min")));
        let m: BTreeMap<i64, bool> = BTreeMap::new();
        assert_eq!(map_get(&m, &1), Err(EvalError::AbsentKey));
        assert_eq!(range(3, 1), Ok(BTreeSet::new()));
        assert!(matches!(
            range(0, 1 << 30),
            Err(EvalError::RangeTooLarge { .. })
        ));
        assert_eq!(sum([i64::MAX, 1], |x| x), Err(EvalError::Overflow));
    }

    #[test]
    fn quantifiers_short_circuit_before_a_later_error() {
        let failing = |x: i64| {
            if x == 2 {
                Err(EvalError::Overflow)
            } else {
                Ok(x != 1)
            }
        };
        assert_eq!(try_forall([0, 1, 2], failing), Ok(false));
        assert_eq!(
            try_exists([0, 2], |x| if x == 2 {
                Err(EvalError::Overflow)
            } else {
                Ok(x == 0)
            }),
            Ok(true)
        );
        assert_eq!(try_forall([0, 2], failing), Err(EvalError::Overflow));
    }

    #[test]
    fn stores_check_ranges_and_bounds() {
        assert_eq!(check_range("x", 3, 0, 3), Ok(()));
        assert_eq!(
            check_range("x", 4, 0, 3),
            Err(EvalError::OutOfRange {
                what: "x",
                value: 4,
                lo: 0,
                hi: 3
            })
        );
        assert_eq!(check_len("log", &[1, 2], 2), Ok(()));
        assert!(check_len("log", &[1, 2, 3], 2).is_err());
    }
}
