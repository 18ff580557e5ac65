//! A set of fingerprints that costs one cache line per lookup.
//!
//! Open addressing over buckets of eight fingerprints, each bucket one
//! 64-byte cache line: a fingerprint's home bucket comes from its low 32
//! bits (by multiply-shift, so the bucket count need not be a power of
//! two), and a full bucket overflows into the next. Slots of a bucket fill
//! in order and nothing is ever removed, so a lookup stops at the first
//! bucket that has room (its last slot empty) after comparing all eight.
//! The fingerprint 0 marks an empty slot and is kept apart.
//!
//! The table grows by a quarter (not by doubling) once it is four fifths
//! full, so it holds between 64% and 80% of its slots in fingerprints: 10
//! to 12.5 bytes a state, against hashbrown's 9 bytes a bucket at a load
//! of 44% to 87.5% (10.3 to 20.6 bytes a state). (Nine tenths full saves
//! another byte a state but makes two_phase RMS=8 3% slower: more lookups
//! run into a second bucket.) Growing is cheap for the explorer's use: its
//! tables are shards of a few hundred kilobytes at most, rehashed within
//! the cache.

const WAYS: usize = 8;

#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct Bucket([u64; WAYS]);

#[derive(Default)]
pub struct FpSet {
    buckets: Vec<Bucket>,
    /// Fingerprints in the buckets (not counting 0).
    len: usize,
    zero: bool,
}

impl FpSet {
    #[inline]
    fn home(&self, fp: u64) -> usize {
        (((fp & 0xffff_ffff) * self.buckets.len() as u64) >> 32) as usize
    }

    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        if fp == 0 {
            return self.zero;
        }
        if self.buckets.is_empty() {
            return false;
        }
        let mut b = self.home(fp);
        loop {
            // All eight slots at once, without early exits (no branch to
            // mispredict on where the fingerprint sits); slots fill in
            // order, so the bucket is full exactly when its last slot is.
            let [s0, s1, s2, s3, s4, s5, s6, s7] = self.buckets[b].0;
            let found = ((s0 == fp) | (s1 == fp) | (s2 == fp) | (s3 == fp))
                | ((s4 == fp) | (s5 == fp) | (s6 == fp) | (s7 == fp));
            if found {
                return true;
            }
            if s7 == 0 {
                return false;
            }
            b += 1;
            if b == self.buckets.len() {
                b = 0;
            }
        }
    }

    /// Reads the first slot of `fp`'s home bucket (to bring the bucket
    /// into the cache before a lookup).
    #[inline]
    pub fn touch(&self, fp: u64) -> u64 {
        match self.buckets.len() {
            0 => 0,
            _ => self.buckets[self.home(fp)].0[0],
        }
    }

    /// Adds a fingerprint; returns whether it was new.
    pub fn insert(&mut self, fp: u64) -> bool {
        if fp == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        if (self.len + 1) * 10 > self.buckets.len() * WAYS * 8 {
            let more = (self.buckets.len() / 4).max(1);
            self.rehash(self.buckets.len() + more);
        }
        let new = self.place(fp);
        self.len += usize::from(new);
        new
    }

    /// Makes room for `extra` more fingerprints at once.
    pub fn reserve(&mut self, extra: usize) {
        let want = self.len + extra;
        if want * 10 > self.buckets.len() * WAYS * 8 {
            let buckets = (want * 10).div_ceil(WAYS * 8);
            self.rehash(buckets.max(self.buckets.len() + self.buckets.len() / 4));
        }
    }

    /// Puts `fp` (not 0) in the first empty slot from its home bucket on,
    /// unless it is already there. The table has a free slot.
    fn place(&mut self, fp: u64) -> bool {
        let mut b = self.home(fp);
        loop {
            for slot in &mut self.buckets[b].0 {
                if *slot == fp {
                    return false;
                }
                if *slot == 0 {
                    *slot = fp;
                    return true;
                }
            }
            b += 1;
            if b == self.buckets.len() {
                b = 0;
            }
        }
    }

    fn rehash(&mut self, buckets: usize) {
        let old = std::mem::replace(&mut self.buckets, vec![Bucket::default(); buckets]);
        for bucket in &old {
            for &fp in bucket.0.iter().take_while(|&&fp| fp != 0) {
                self.place(fp);
            }
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len + usize::from(self.zero)
    }

    /// The bytes of the table.
    pub fn bytes(&self) -> u64 {
        (self.buckets.capacity() * size_of::<Bucket>()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::FpSet;
    use std::collections::HashSet;

    /// Fingerprint-like values, with long runs sharing a home bucket and
    /// the 0 fingerprint among them.
    fn values(n: u64) -> Vec<u64> {
        (0..n)
            .map(|i| match i % 5 {
                // Same low 32 bits: the same home bucket whatever the size.
                0 => (i << 32) | 7,
                _ => i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            })
            .collect()
    }

    #[test]
    fn agrees_with_a_hash_set_through_every_growth() {
        let mut set = FpSet::default();
        let mut reference = HashSet::new();
        for fp in values(20_000) {
            assert_eq!(set.insert(fp), reference.insert(fp), "{fp}");
            assert_eq!(set.len(), reference.len());
        }
        for fp in values(20_000) {
            assert!(set.contains(fp));
            assert!(!set.insert(fp));
        }
        for probe in values(40_000).into_iter().skip(20_000) {
            assert_eq!(set.contains(probe), reference.contains(&probe), "{probe}");
        }
        // Between 64% and 80% full (fingerprints over slots).
        let slots = set.bytes() as usize / 8;
        assert!(set.len() * 100 <= slots * 80 && set.len() * 100 >= slots * 64);
    }

    #[test]
    fn reserve_keeps_every_fingerprint() {
        let mut set = FpSet::default();
        for fp in values(1_000) {
            set.insert(fp);
        }
        set.reserve(50_000);
        let slots = set.bytes() as usize / 8;
        assert!(slots * 8 >= 51_000 * 10);
        for fp in values(1_000) {
            assert!(set.contains(fp));
        }
        assert!(!set.contains(1) && !set.contains(u64::MAX));
    }

    #[test]
    fn zero_is_a_fingerprint_like_any_other() {
        let mut set = FpSet::default();
        assert!(!set.contains(0));
        assert!(set.insert(0));
        assert!(!set.insert(0));
        assert!(set.contains(0) && set.len() == 1);
    }
}
