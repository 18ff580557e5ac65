//! The seen-set of fingerprints and the table of a level's new states.
//!
//! The explorer works level by level. While a level is expanded, [`Seen`]
//! (every state of the earlier levels and of this one) is only read, by
//! every worker at once, without locks. A successor not in it is offered
//! to [`Fresh`], the table of the next level's states, which keeps for each
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

use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;

/// The link of an initial state.
pub const ROOT: u64 = u64::MAX;
/// Parent indices must stay below this (2^40, about 10^12 states).
pub const MAX_INDEX: u64 = (1 << 40) - 1;
const TRANSITION_BITS: u32 = 24;
/// Transition indices must stay below this.
pub const MAX_TRANSITION: u64 = (1 << TRANSITION_BITS) - 1;
const SHARDS: usize = 256;

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

/// The shard of a fingerprint: bits that neither hashbrown's bucket index
/// (the low bits) nor its tag (the top seven) use.
#[inline]
fn shard_of(fp: u64) -> usize {
    (fp >> 32) as usize % SHARDS
}

/// The fingerprints of every state found so far.
pub struct Seen {
    shards: Vec<HashSet<u64, Identity>>,
    len: u64,
}

impl Default for Seen {
    fn default() -> Seen {
        Seen {
            shards: (0..SHARDS)
                .map(|_| HashSet::with_hasher(Identity))
                .collect(),
            len: 0,
        }
    }
}

impl Seen {
    #[inline]
    pub fn contains(&self, fp: u64) -> bool {
        self.shards[shard_of(fp)].contains(&fp)
    }

    /// Inserts fingerprints known to be new, in parallel by shard.
    pub fn insert_all(&mut self, fps: &[u64]) {
        let mut by_shard: Vec<Vec<u64>> = vec![Vec::new(); SHARDS];
        for &fp in fps {
            by_shard[shard_of(fp)].push(fp);
        }
        self.shards
            .par_iter_mut()
            .zip(by_shard)
            .for_each(|(shard, fps)| shard.extend(fps));
        self.len += fps.len() as u64;
    }

    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The bytes the tables hold: an 8-byte slot and a control byte per
    /// bucket.
    pub fn bytes(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.capacity() as u64 * 9 + 64)
            .sum()
    }
}

/// The parent link of every distinct state, by global index, kept one
/// exactly sized block per level in six bytes a state: the parent's offset
/// within the level before (the parent is always there) and the transition
/// index; the rare transition index past 65,534 is kept aside.
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
    packed: Vec<u8>,
    /// Transition indices too large for two bytes, by offset in the level.
    wide: HashMap<u32, u64>,
}

const WIDE: u16 = u16::MAX;

impl Links {
    /// Appends the links of one level (every state's parent is in the
    /// level before, or it is an initial state). Returns false if the level
    /// is too large to record (over 2^32 states).
    pub fn push_level(&mut self, links: Vec<u64>) -> bool {
        if links.is_empty() {
            return true;
        }
        let Ok(count) = u32::try_from(links.len()) else {
            return false;
        };
        let parents_start = self.starts.last().copied().unwrap_or(0);
        let mut level = LinkLevel {
            parents_start,
            packed: Vec::with_capacity(links.len() * 6),
            wide: HashMap::default(),
        };
        for (n, &l) in links.iter().enumerate().take(count as usize) {
            let (offset, transition) = match parent_of(l) {
                None => (u32::MAX, WIDE),
                Some(p) => {
                    let Ok(offset) = u32::try_from(p.saturating_sub(parents_start)) else {
                        return false;
                    };
                    let t = transition_of(l);
                    match u16::try_from(t) {
                        Ok(t) if t != WIDE => (offset, t),
                        _ => {
                            level.wide.insert(n as u32, t);
                            (offset, WIDE)
                        }
                    }
                }
            };
            level.packed.extend_from_slice(&offset.to_le_bytes());
            level.packed.extend_from_slice(&transition.to_le_bytes());
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
        let bytes = level.packed.get(n as usize * 6..n as usize * 6 + 6)?;
        let offset = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let transition = u16::from_le_bytes([bytes[4], bytes[5]]);
        if offset == u32::MAX && transition == WIDE && !level.wide.contains_key(&n) {
            return Some(ROOT);
        }
        let t = match transition {
            WIDE => *level.wide.get(&n)?,
            t => u64::from(t),
        };
        Some(link(level.parents_start + u64::from(offset), t))
    }

    pub fn bytes(&self) -> u64 {
        self.levels
            .iter()
            .map(|l| l.packed.capacity() as u64 + l.wide.capacity() as u64 * 17)
            .sum::<u64>()
            + self.starts.capacity() as u64 * 8
    }
}

/// Where the first finder of a new state stored it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stored {
    pub chunk: u32,
    pub index: u32,
}

/// What [`Fresh::offer`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offer {
    /// The first time this level: the caller must store the state at the
    /// place it gave.
    New,
    /// Found before in this level; the link may have been lowered.
    Known,
}

/// The next level's states, while the current one is expanded.
/// One shard of [`Fresh`]: fingerprint -> (smallest link, first place).
type FreshShard = HashMap<u64, (u64, Stored), Identity>;

pub struct Fresh {
    shards: Vec<Mutex<FreshShard>>,
}

impl Default for Fresh {
    fn default() -> Fresh {
        Fresh {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::with_hasher(Identity)))
                .collect(),
        }
    }
}

impl Fresh {
    /// Offers a new state with a parent link; keeps the smallest link.
    pub fn offer(&self, fp: u64, link: u64, at: Stored) -> Offer {
        let mut shard = self.shards[shard_of(fp)]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match shard.entry(fp) {
            hashbrown::hash_map::Entry::Vacant(slot) => {
                slot.insert((link, at));
                Offer::New
            }
            hashbrown::hash_map::Entry::Occupied(mut slot) => {
                let entry = slot.get_mut();
                if link < entry.0 {
                    entry.0 = link;
                }
                Offer::Known
            }
        }
    }

    pub fn contains(&self, fp: u64) -> bool {
        self.shards[shard_of(fp)]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&fp)
    }

    /// Moves every new state's fingerprint into `seen` (shard by shard,
    /// in parallel: a fingerprint's shard is the same in both tables) and
    /// returns (smallest link, where it is stored) of each, sorted by link.
    /// Empties the table.
    pub fn drain_into(&mut self, seen: &mut Seen) -> Vec<(u64, Stored)> {
        let mut all: Vec<(u64, Stored)> = self
            .shards
            .par_iter_mut()
            .zip(seen.shards.par_iter_mut())
            .flat_map_iter(|(shard, seen)| {
                let shard = shard.get_mut().unwrap_or_else(|e| e.into_inner());
                seen.reserve(shard.len());
                let taken: Vec<(u64, Stored)> = shard
                    .drain()
                    .map(|(fp, (link, at))| {
                        seen.insert(fp);
                        (link, at)
                    })
                    .collect();
                shard.shrink_to_fit();
                taken
            })
            .collect();
        seen.len += all.len() as u64;
        all.par_sort_unstable_by_key(|(link, _)| *link);
        all
    }

    /// The new states whose smallest link's parent comes before `index`.
    pub fn count_before(&self, index: u64) -> u64 {
        self.shards
            .par_iter()
            .map(|shard| {
                shard
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .values()
                    .filter(|(link, _)| parent_of(*link).is_some_and(|p| p < index))
                    .count() as u64
            })
            .sum()
    }

    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len() as u64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_keeps_the_smallest_link_and_the_first_place() {
        let fresh = Fresh::default();
        let at = |chunk| Stored { chunk, index: 0 };
        assert_eq!(fresh.offer(7, link(12, 0), at(3)), Offer::New);
        assert_eq!(fresh.offer(7, link(11, 3), at(1)), Offer::Known);
        assert_eq!(fresh.offer(7, link(11, 5), at(2)), Offer::Known);
        assert_eq!(fresh.offer(9, link(10, 0), at(0)), Offer::New);
        assert_eq!(fresh.count_before(11), 1);
        let mut fresh = fresh;
        let mut seen = Seen::default();
        let all = fresh.drain_into(&mut seen);
        assert_eq!(all, vec![(link(10, 0), at(0)), (link(11, 3), at(3))]);
        assert_eq!(fresh.len(), 0);
        assert!(seen.contains(7) && seen.contains(9) && seen.len() == 2);
    }

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
    fn seen_finds_what_was_inserted() {
        let mut seen = Seen::default();
        seen.insert_all(&[1, 2, u64::MAX]);
        assert!(seen.contains(2) && seen.contains(u64::MAX) && !seen.contains(3));
        assert_eq!(seen.len(), 3);
        assert_eq!(parent_of(ROOT), None);
        assert_eq!(parent_of(link(5, 2)), Some(5));
        assert_eq!(transition_of(link(5, 2)), 2);
    }
}
