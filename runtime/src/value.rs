//! The spec language's operators on ordinary Rust collections: sets are
//! `BTreeSet`, sequences `Vec` (indexed from 1 in the spec), maps
//! `BTreeMap`. Generated code calls these so that it reads like the spec.
//!
//! Evaluation errors of the spec (reading a missing map key, `get(none)`, a
//! sequence index out of range, division by zero) panic with a message that
//! names the operator: `specc check` proves that a checked spec never
//! performs them, and the panic is the generated code's assertion of it.

use std::collections::{BTreeMap, BTreeSet};

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
pub fn get<T>(o: Option<T>) -> T {
    match o {
        Some(v) => v,
        None => panic!("get(none): the spec reads an absent option"),
    }
}

pub fn append<T>(mut s: Vec<T>, x: T) -> Vec<T> {
    s.push(x);
    s
}

pub fn concat<T>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
    a.extend(b);
    a
}

pub fn head<T: Clone>(s: &[T]) -> T {
    match s.first() {
        Some(v) => v.clone(),
        None => panic!("head of an empty sequence"),
    }
}

pub fn last<T: Clone>(s: &[T]) -> T {
    match s.last() {
        Some(v) => v.clone(),
        None => panic!("last of an empty sequence"),
    }
}

pub fn tail<T: Clone>(s: &[T]) -> Vec<T> {
    match s.split_first() {
        Some((_, rest)) => rest.to_vec(),
        None => panic!("tail of an empty sequence"),
    }
}

/// The first `n` elements (all when `n` exceeds the length, none when `n`
/// is negative).
pub fn take<T: Clone>(s: &[T], n: i64) -> Vec<T> {
    let n = usize::try_from(n).unwrap_or(0).min(s.len());
    s[..n].to_vec()
}

/// All but the first `n` elements.
pub fn drop_first<T: Clone>(s: &[T], n: i64) -> Vec<T> {
    let n = usize::try_from(n).unwrap_or(0).min(s.len());
    s[n..].to_vec()
}

pub fn keys<K: Ord + Clone, V>(m: &BTreeMap<K, V>) -> BTreeSet<K> {
    m.keys().cloned().collect()
}

pub fn min_of(s: &BTreeSet<i64>) -> i64 {
    match s.first() {
        Some(v) => *v,
        None => panic!("min of an empty set"),
    }
}

pub fn max_of(s: &BTreeSet<i64>) -> i64 {
    match s.last() {
        Some(v) => *v,
        None => panic!("max of an empty set"),
    }
}

/// The integers `lo..=hi`.
pub fn range(lo: i64, hi: i64) -> BTreeSet<i64> {
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
pub fn map_get<K: Ord, V: Clone>(m: &BTreeMap<K, V>, k: &K) -> V {
    match m.get(k) {
        Some(v) => v.clone(),
        None => panic!("map lookup of an absent key"),
    }
}

fn offset(i: i64, len: usize) -> usize {
    match usize::try_from(i) {
        Ok(n) if n >= 1 && n <= len => n - 1,
        _ => panic!("sequence index {i} out of range 1..={len}"),
    }
}

/// `s[i]`, 1-based.
pub fn seq_get<T: Clone>(s: &[T], i: i64) -> T {
    s[offset(i, s.len())].clone()
}

/// Integer division rounding toward negative infinity.
pub fn div(a: i64, b: i64) -> i64 {
    if b == 0 {
        panic!("division by zero");
    }
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// The remainder with the divisor's sign.
pub fn modulo(a: i64, b: i64) -> i64 {
    if b == 0 {
        panic!("division by zero");
    }
    let r = a % b;
    if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    }
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

pub fn filter_seq<T: Clone>(
    c: impl IntoIterator<Item = T>,
    mut keep: impl FnMut(T) -> bool,
) -> Vec<T> {
    c.into_iter().filter(|x| keep(x.clone())).collect()
}

pub fn forall<T>(c: impl IntoIterator<Item = T>, f: impl FnMut(T) -> bool) -> bool {
    c.into_iter().all(f)
}

pub fn exists<T>(c: impl IntoIterator<Item = T>, f: impl FnMut(T) -> bool) -> bool {
    c.into_iter().any(f)
}

pub fn sum<T>(c: impl IntoIterator<Item = T>, f: impl FnMut(T) -> i64) -> i64 {
    c.into_iter().map(f).sum()
}

/// Maps and sequences as the targets of `x[k] := v` and `x with [k] = v`.
pub trait Indexed<K, V> {
    /// The entry at `k`, which must exist.
    fn slot(&mut self, k: K) -> &mut V;
    /// Sets the entry at `k` (a new map key is added; a sequence index must
    /// be in range).
    fn assign(&mut self, k: K, v: V);
}

impl<K: Ord, V> Indexed<K, V> for BTreeMap<K, V> {
    fn slot(&mut self, k: K) -> &mut V {
        match self.get_mut(&k) {
            Some(v) => v,
            None => panic!("update of an absent map key"),
        }
    }

    fn assign(&mut self, k: K, v: V) {
        self.insert(k, v);
    }
}

impl<V> Indexed<i64, V> for Vec<V> {
    fn slot(&mut self, k: i64) -> &mut V {
        let at = offset(k, self.len());
        &mut self[at]
    }

    fn assign(&mut self, k: i64, v: V) {
        *self.slot(k) = v;
    }
}

/// A copy of `c` with the entry at `k` set to `v`.
pub fn with_index<K, V, C: Indexed<K, V>>(mut c: C, k: K, v: V) -> C {
    c.assign(k, v);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_rounds_toward_negative_infinity() {
        assert_eq!(div(7, 2), 3);
        assert_eq!(div(-7, 2), -4);
        assert_eq!(modulo(-7, 2), 1);
        assert_eq!(modulo(7, -2), -1);
    }

    #[test]
    fn sequences_are_one_based() {
        let s = vec![10, 20, 30];
        assert_eq!(seq_get(&s, 1), 10);
        assert_eq!(with_index(s, 3, 99), vec![10, 20, 99]);
        assert_eq!(take(&[1, 2], 5), vec![1, 2]);
        assert_eq!(drop_first(&[1, 2, 3], 1), vec![2, 3]);
    }
}
