//! The concurrent seen-set: fingerprint -> parent link, sharded by
//! fingerprint bits, one lock per shard.
//!
//! A parent link packs the parent's global state index (40 bits, in
//! canonical breadth-first order) and the transition index within the
//! parent's successors (24 bits, saturating; replay does not depend on it).
//! Initial states have the link [`ROOT`].
//!
//! Determinism: within one level several workers may find the same new
//! state from different parents. [`SeenSet::insert_min`] keeps the smallest
//! link of the current level, so the link that survives a level is the one
//! a single worker would have recorded first, whatever the timing.

use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, MutexGuard};

use hashbrown::HashMap;
use hashbrown::hash_map::Entry;

/// The link of an initial state.
pub const ROOT: u64 = u64::MAX;
/// Parent indices must stay below this (2^40, about 10^12 states).
pub const MAX_INDEX: u64 = (1 << 40) - 1;
const TRANSITION_BITS: u32 = 24;
const SHARDS: usize = 64;

pub fn link(parent: u64, transition: u64) -> u64 {
    (parent << TRANSITION_BITS) | transition.min((1 << TRANSITION_BITS) - 1)
}

pub fn parent_of(link: u64) -> Option<u64> {
    (link != ROOT).then_some(link >> TRANSITION_BITS)
}

/// Fingerprints are already uniformly mixed: hash them as themselves.
#[derive(Clone, Copy, Default)]
pub struct Identity;

pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl BuildHasher for Identity {
    type Hasher = IdentityHasher;

    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

type Shard = HashMap<u64, u64, Identity>;

pub struct SeenSet {
    shards: Vec<Mutex<Shard>>,
}

/// What [`SeenSet::insert_min`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Insert {
    /// A state never seen before.
    New,
    /// Seen earlier in this level from a later parent; the link now points
    /// to this one.
    Lowered,
    /// Seen in an earlier level, or earlier in this level from an earlier
    /// parent.
    Known,
}

impl SeenSet {
    pub fn new() -> SeenSet {
        SeenSet {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::with_hasher(Identity)))
                .collect(),
        }
    }

    fn shard(&self, fp: u64) -> MutexGuard<'_, Shard> {
        // The low bits choose hashbrown's bucket and the top seven its tag;
        // the shard uses bits in between.
        let shard = &self.shards[(fp >> 32) as usize % SHARDS];
        // A panic while holding the lock cannot leave a map half-updated in
        // a way that matters here (inserts are single calls), so a poisoned
        // lock is taken over.
        shard.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Inserts a state with `link`; when the state was first seen in this
    /// level (its link's parent index is at least `level_start`) and `link`
    /// is smaller, replaces the link.
    pub fn insert_min(&self, fp: u64, link: u64, level_start: u64) -> Insert {
        let mut shard = self.shard(fp);
        // One probe: the entry is either vacant (a new state) or the link.
        match shard.entry(fp) {
            Entry::Vacant(slot) => {
                slot.insert(link);
                Insert::New
            }
            Entry::Occupied(mut slot) => {
                let old = slot.get_mut();
                if *old != ROOT && (*old >> TRANSITION_BITS) >= level_start && link < *old {
                    *old = link;
                    Insert::Lowered
                } else {
                    Insert::Known
                }
            }
        }
    }

    pub fn get(&self, fp: u64) -> Option<u64> {
        self.shard(fp).get(&fp).copied()
    }

    pub fn contains(&self, fp: u64) -> bool {
        self.shard(fp).contains_key(&fp)
    }

    pub fn len(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len() as u64)
            .sum()
    }

    /// The bytes the tables hold: each bucket is a 16-byte entry plus one
    /// control byte.
    pub fn bytes(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).capacity() as u64 * 17)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_smallest_link_within_a_level() {
        let seen = SeenSet::new();
        assert_eq!(seen.insert_min(7, link(12, 0), 10), Insert::New);
        assert_eq!(seen.insert_min(7, link(11, 3), 10), Insert::Lowered);
        assert_eq!(seen.insert_min(7, link(11, 5), 10), Insert::Known);
        assert_eq!(seen.get(7), Some(link(11, 3)));
    }

    #[test]
    fn never_relinks_a_state_of_an_earlier_level() {
        let seen = SeenSet::new();
        seen.insert_min(7, link(3, 0), 0);
        assert_eq!(seen.insert_min(7, link(2, 0), 10), Insert::Known);
        assert_eq!(seen.get(7), Some(link(3, 0)));
        seen.insert_min(9, ROOT, 0);
        assert_eq!(seen.insert_min(9, link(0, 0), 0), Insert::Known);
        assert_eq!(parent_of(seen.get(9).unwrap_or(0)), None);
    }
}
