//! The seen-set of fingerprints and the table of a level's new states.
//!
//! The explorer works level by level. While a level is expanded, [`Seen`]
//! (every state of the earlier levels and of this one) is only read, by
//! every worker at once, without locks. A successor not in it is offered
//! to `Fresh` (`fresh.rs`), the table of the next level's states (which the
//! explorer asks first: a state there is not in [`Seen`]), which keeps for each
//! new fingerprint the smallest parent link offered and where the first
//! finder stored the state. After the level, the new states are sorted by
//! that smallest link (the order a single worker exploring in canonical
//! order would have found them), appended to the level order, and their
//! fingerprints inserted into [`Seen`] shard by shard in parallel. So the
//! next level's order, every state's parent and every count are the same
//! for any number of workers.
//!
//! A parent link packs the parent's global state index (40 bits, in
//! canonical breadth-first order) and the transition index within the
//! parent's successors (24 bits). Initial states have the link [`ROOT`].

use hashbrown::HashMap;
use rayon::prelude::*;
use std::hash::{BuildHasher, Hasher};

use crate::fpset::FpSet;

/// The link of an initial state.
pub const ROOT: u64 = u64::MAX;
/// Parent indices must stay below this (2^40, about 10^12 states).
pub const MAX_INDEX: u64 = (1 << 40) - 1;
const TRANSITION_BITS: u32 = 24;
/// Transition indices must stay below this.
pub const MAX_TRANSITION: u64 = (1 << TRANSITION_BITS) - 1;
pub(crate) const SHARDS: usize = 256;

pub fn link(parent: u64, transition: u64) -> u64 {
    (parent << TRANSITION_BITS) | transition.min(MAX_TRANSITION)
}

pub fn parent_of(link: u64) -> Option<u64> {
    (link != ROOT).then_some(link >> TRANSITION_BITS)
}

pub fn transition_of(link: u64) -> u64 {
    link & MAX_TRANSITION
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

/// The shard of a fingerprint: bits that neither the tables' bucket
/// index (the low 32 bits) nor hashbrown's tag (the top seven) use.
#[inline]
pub(crate) fn shard_of(fp: u64) -> usize {
    (fp >> 32) as usize % SHARDS
}

/// The fingerprints of every state found so far.
pub struct Seen {
    shards: Vec<FpSet>,
}

impl Default for Seen {
    fn default() -> Seen {
        Seen {
            shards: (0..SHARDS).map(|_| FpSet::default()).collect(),
        }
    }
}

impl Seen {
    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        self.shards[shard_of(fp)].contains(fp)
    }

    /// Starts loading the buckets where `fps` would be, so that looking
    /// them up afterwards finds them in the cache: the loads are
    /// independent of each other, so their cache misses overlap.
    #[inline]
    pub fn prefetch(&self, fps: impl Iterator<Item = u64>) {
        let mut touched = 0u64;
        for fp in fps {
            touched ^= self.shards[shard_of(fp)].touch(fp);
        }
        std::hint::black_box(touched);
    }

    /// Inserts fingerprints known to be new, in parallel by shard.
    pub fn insert_all(&mut self, fps: impl IntoIterator<Item = u64>) {
        let mut by_shard: Vec<Vec<u64>> = vec![Vec::new(); SHARDS];
        for fp in fps {
            by_shard[shard_of(fp)].push(fp);
        }
        self.shards
            .par_iter_mut()
            .zip(by_shard)
            .for_each(|(shard, fps)| {
                shard.reserve(fps.len());
                for fp in fps {
                    shard.insert(fp);
                }
            });
    }

    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.shards.iter().map(|s| s.len() as u64).sum()
    }

    /// The bytes the tables hold.
    pub fn bytes(&self) -> u64 {
        self.shards.iter().map(|s| s.bytes() + 64).sum()
    }
}

/// The parent link of every distinct state, by global index, kept one
/// exactly sized block per level: the parent's offset within the level
/// before (the parent is always there) and the transition index, each in
/// as few bytes as the level needs (two_phase with 8 RMs: four bytes a
/// state, three for the offset and one for the transition). The value of
/// all ones is reserved in both fields: as a transition it sends the
/// reader to the rare indices kept aside; in both at once it marks an
/// initial state.
#[derive(Default)]
pub struct Links {
    levels: Vec<LinkLevel>,
    /// The global index of each level's first state.
    starts: Vec<u64>,
    len: u64,
}

struct LinkLevel {
    /// The global index of the first state of the level before.
    parents_start: u64,
    /// Bytes of the offset (1 to 4) and of the transition index (1 or 2).
    offset_bytes: u8,
    transition_bytes: u8,
    packed: Vec<u8>,
    /// Transition indices too large for the field, by offset in the level.
    wide: HashMap<u32, u64>,
}

/// The all-ones value of a field of `bytes` bytes.
fn all_ones(bytes: u8) -> u64 {
    (1u64 << (8 * u32::from(bytes))) - 1
}

/// The fewest bytes (at least 1, at most `max`) whose all-ones value is
/// above `value`, so that the all-ones value stays reserved.
fn bytes_for(value: u64, max: u8) -> u8 {
    (1..max).find(|&b| value < all_ones(b)).unwrap_or(max)
}

impl Links {
    /// Appends the links of one level (every state's parent is in the
    /// level before, or it is an initial state). Returns false if the level
    /// is too large to record (over 2^32 states).
    pub fn push_level(&mut self, links: Vec<u64>) -> bool {
        if links.is_empty() {
            return true;
        }
        if u32::try_from(links.len()).is_err() {
            return false;
        }
        let parents_start = self.starts.last().copied().unwrap_or(0);
        let mut max_offset = 0;
        let mut max_transition = 0;
        for &l in &links {
            if let Some(p) = parent_of(l) {
                max_offset = max_offset.max(p.saturating_sub(parents_start));
                max_transition = max_transition.max(transition_of(l));
            }
        }
        // Offsets must fit four bytes below their reserved value.
        if max_offset >= all_ones(4) {
            return false;
        }
        let offset_bytes = bytes_for(max_offset, 4);
        let transition_bytes = bytes_for(max_transition, 2);
        let width = usize::from(offset_bytes + transition_bytes);
        let (root_offset, escape) = (all_ones(offset_bytes), all_ones(transition_bytes));
        let mut level = LinkLevel {
            parents_start,
            offset_bytes,
            transition_bytes,
            packed: Vec::with_capacity(links.len() * width),
            wide: HashMap::default(),
        };
        for (n, &l) in links.iter().enumerate() {
            let (offset, transition) = match parent_of(l) {
                None => (root_offset, escape),
                Some(p) => {
                    let t = transition_of(l);
                    if t >= escape {
                        level.wide.insert(n as u32, t);
                    }
                    (p - parents_start, t.min(escape))
                }
            };
            let o = offset.to_le_bytes();
            level
                .packed
                .extend_from_slice(&o[..usize::from(offset_bytes)]);
            let t = transition.to_le_bytes();
            level
                .packed
                .extend_from_slice(&t[..usize::from(transition_bytes)]);
        }
        self.starts.push(self.len);
        self.len += links.len() as u64;
        self.levels.push(level);
        true
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn get(&self, index: u64) -> Option<u64> {
        let at = self
            .starts
            .partition_point(|&s| s <= index)
            .checked_sub(1)?;
        let n = u32::try_from(index - self.starts[at]).ok()?;
        let level = self.levels.get(at)?;
        let (ob, tb) = (
            usize::from(level.offset_bytes),
            usize::from(level.transition_bytes),
        );
        let from = n as usize * (ob + tb);
        let bytes = level.packed.get(from..from + ob + tb)?;
        let read = |field: &[u8]| {
            field
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
        };
        let offset = read(&bytes[..ob]);
        let transition = read(&bytes[ob..]);
        let escape = all_ones(level.transition_bytes);
        if transition == escape {
            if let Some(&t) = level.wide.get(&n) {
                return Some(link(level.parents_start + offset, t));
            }
            if offset == all_ones(level.offset_bytes) {
                return Some(ROOT);
            }
            return None;
        }
        Some(link(level.parents_start + offset, transition))
    }

    pub fn bytes(&self) -> u64 {
        self.levels
            .iter()
            .map(|l| l.packed.capacity() as u64 + l.wide.capacity() as u64 * 17)
            .sum::<u64>()
            + self.starts.capacity() as u64 * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_by_global_index_across_levels() {
        let mut links = Links::default();
        assert!(links.push_level(vec![ROOT]));
        assert!(links.push_level(vec![link(0, 0), link(0, 70_000)]));
        assert!(links.push_level(Vec::new()));
        assert!(links.push_level(vec![link(2, 7), link(1, 65_535)]));
        assert_eq!(links.len(), 5);
        assert_eq!(links.get(0), Some(ROOT));
        assert_eq!(links.get(1), Some(link(0, 0)));
        assert_eq!(links.get(2), Some(link(0, 70_000)));
        assert_eq!(links.get(3), Some(link(2, 7)));
        assert_eq!(links.get(4), Some(link(1, 65_535)));
        assert_eq!(links.get(5), None);
    }

    #[test]
    fn link_fields_take_the_bytes_each_level_needs() {
        assert_eq!(bytes_for(0, 4), 1);
        assert_eq!(bytes_for(254, 4), 1);
        assert_eq!(bytes_for(255, 4), 2);
        assert_eq!(bytes_for(65_535, 2), 2);
        assert_eq!(bytes_for(1 << 30, 4), 4);
        // Levels whose offsets and transitions sit just below, at and above
        // each width's reserved value, with initial states among them.
        let mut links = Links::default();
        let mut expected = Vec::new();
        let mut level_start = 0u64;
        for (size, transition) in [
            (1u64, 0u64),
            (254, 254),
            (255, 255),
            (256, 65_534),
            (300, 65_535),
            (70_000, 1 << 23),
        ] {
            let level: Vec<u64> = (0..size)
                .map(|n| match n % 7 {
                    3 if level_start == 0 => ROOT,
                    _ => link(
                        level_start + (n * 31) % size.max(1),
                        (transition + n) % (transition + 1),
                    ),
                })
                .collect();
            assert!(links.push_level(level.clone()));
            expected.extend(level);
            level_start = links.len() - size;
        }
        assert_eq!(links.len(), expected.len() as u64);
        for (i, &want) in expected.iter().enumerate() {
            assert_eq!(links.get(i as u64), Some(want), "state {i}");
        }
        // Two bytes for the offset and one for the transition of a level of
        // 256 states whose parents are in a level of 256.
        let mut small = Links::default();
        assert!(small.push_level(vec![ROOT; 256]));
        assert!(small.push_level((0..256).map(|n| link(n, 3)).collect()));
        assert_eq!(small.levels[1].packed.len(), 256 * 3);
    }

    #[test]
    fn seen_finds_what_was_inserted() {
        let mut seen = Seen::default();
        seen.insert_all([1, 2, u64::MAX]);
        assert!(seen.contains(2) && seen.contains(u64::MAX) && !seen.contains(3));
        assert_eq!(seen.len(), 3);
        assert_eq!(parent_of(ROOT), None);
        assert_eq!(parent_of(link(5, 2)), Some(5));
        assert_eq!(transition_of(link(5, 2)), 2);
    }
}
