//! The table of the next level's states while a level is expanded: for
//! each new fingerprint, the smallest parent link offered and where the
//! first finder stored the state (see `seen.rs` for how the explorer uses
//! it).
//!
//! Every worker offers to it at once, so it takes no lock: open addressing
//! with linear probing over atomic words. A slot's fingerprint goes from
//! empty to a fingerprint by compare-and-swap, exactly once, so two
//! workers offering the same new state agree on which one stored it; its
//! link only decreases (`fetch_min`), so the smallest offered wins whatever
//! the order; its place is written by the worker that filled the slot and
//! read only after the level, when every worker has finished.
//!
//! The table cannot grow while workers use it, so it is sized before each
//! level from the growth of the levels before. Once it is three quarters
//! full it is closed: a worker that reaches an empty slot marks it
//! [`CLOSED`] (by compare-and-swap, so a concurrent insertion of the same
//! fingerprint into that slot and the closing exclude each other) and
//! continues in the overflow, a sharded table behind locks that holds what
//! the estimate missed. Slots only ever go from empty to full or closed, so
//! a fingerprint not found before the first empty or closed slot of its
//! probe sequence is not in the table. The fingerprints 0 and [`CLOSED`]
//! always go to the overflow.

use std::sync::Mutex;
use std::sync::atomic::{
    AtomicU64, AtomicUsize, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed,
};

use hashbrown::HashMap;
use rayon::prelude::*;

use crate::seen::{Identity, SHARDS, Seen, parent_of, shard_of};

/// A slot closed to new fingerprints (see the module comment).
const CLOSED: u64 = u64::MAX;
/// The smallest table.
const MIN_SLOTS: usize = 1 << 10;
/// Bytes of table per expected state: 24 a slot, 22 slots for every 15
/// expected states.
pub const BYTES_PER_EXPECTED: u64 = 36;
/// Bytes an entry of the overflow takes, about (a hash map of 24-byte
/// entries, control bytes and slack).
const OVERFLOW_BYTES: u64 = 40;

/// Where a new state is stored: its chunk of the level and its index
/// among that chunk's new states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub chunk: u32,
    pub index: u32,
}

impl Stored {
    fn word(self) -> u64 {
        (u64::from(self.chunk) << 32) | u64::from(self.index)
    }

    fn of(word: u64) -> Stored {
        Stored {
            chunk: (word >> 32) as u32,
            index: word as u32,
        }
    }
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

/// A worker's small memory of what it offered to [`Fresh`] this level:
/// per fingerprint, the link it offered. The table's link for that
/// fingerprint is at most that (links only decrease), so a later offer
/// of the same fingerprint with a link no smaller would change nothing
/// and need not reach the table. The explorer also notes here, with the
/// link 0, what it found in the seen-set, which no offer concerns.
/// Direct-mapped and 64 KiB, so it stays in the worker's cache, where the
/// tables do not: successors met again soon after (a diamond closing
/// among neighbouring states) cost no lookup in a shared table.
pub struct Recent {
    /// (fingerprint, link); the fingerprint 0 is never noted, so an entry
    /// of 0 is empty.
    slots: Vec<(u64, u64)>,
}

/// Entries in a [`Recent`]. In hits on two_phase RMS=8 (a share of the
/// successors that are not the state itself), 2^10 entries give 69%,
/// 2^12 74%, 2^14 78%, 2^16 80%.
const RECENT: usize = 1 << 12;

impl Default for Recent {
    fn default() -> Recent {
        Recent {
            slots: vec![(0, 0); RECENT],
        }
    }
}

impl Recent {
    #[inline]
    fn slot(fp: u64) -> usize {
        fp as usize % RECENT
    }

    /// Whether an offer of `fp` with `link` would change nothing.
    #[inline]
    pub fn covers(&self, fp: u64, link: u64) -> bool {
        let (known, least) = self.slots[Self::slot(fp)];
        fp != 0 && known == fp && least <= link
    }

    /// Notes that `fp` was offered (or found) with `link`.
    #[inline]
    pub fn note(&mut self, fp: u64, link: u64) {
        if fp != 0 {
            self.slots[Self::slot(fp)] = (fp, link);
        }
    }
}

/// One shard of the overflow: fingerprint -> (smallest link, place).
type Shard = HashMap<u64, (u64, Stored), Identity>;

pub struct Fresh {
    /// Per slot, the fingerprint and the smallest link, side by side (one
    /// cache line holds four slots).
    slots: Vec<AtomicU64>,
    /// Per slot, where the state is stored.
    places: Vec<AtomicU64>,
    /// Fingerprints in the table (not the overflow).
    len: AtomicUsize,
    /// The table closes when `len` reaches this.
    limit: usize,
    overflow: Vec<Mutex<Shard>>,
}

impl Default for Fresh {
    fn default() -> Fresh {
        let mut fresh = Fresh {
            slots: Vec::new(),
            places: Vec::new(),
            len: AtomicUsize::new(0),
            limit: 0,
            overflow: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::with_hasher(Identity)))
                .collect(),
        };
        fresh.prepare(0);
        fresh
    }
}

impl Fresh {
    /// Makes the (empty) table ready for about `expected` new states.
    pub fn prepare(&mut self, expected: usize) {
        debug_assert!(
            self.len.load(Relaxed) == 0,
            "a table is prepared only when empty"
        );
        // Full at three quarters, with a tenth to spare.
        let slots = (expected.saturating_mul(22) / 15).max(MIN_SLOTS);
        if slots != self.places.len() {
            // The old table goes before the new one comes.
            self.slots = Vec::new();
            self.places = Vec::new();
            // Fingerprints empty, links at their largest.
            self.slots = (0..2 * slots)
                .map(|i| AtomicU64::new(if i % 2 == 0 { 0 } else { u64::MAX }))
                .collect();
            self.places = (0..slots).map(|_| AtomicU64::new(0)).collect();
        }
        self.limit = slots / 4 * 3;
        *self.len.get_mut() = 0;
    }

    #[inline]
    fn home(&self, fp: u64) -> usize {
        // The low 32 bits index the seen-set's buckets; bits 16 to 47 are
        // as good and correlate with them only in part (this table is not
        // sharded, so sharing the shard bits costs nothing). Multiply and
        // shift, so the size need not be a power of two.
        ((((fp >> 16) & 0xffff_ffff) * self.places.len() as u64) >> 32) as usize
    }

    #[inline]
    fn next(&self, i: usize) -> usize {
        if i + 1 == self.places.len() { 0 } else { i + 1 }
    }

    /// Brings the slots where `fps` would be into the cache (the loads are
    /// independent, so their misses overlap).
    #[inline]
    pub fn prefetch(&self, fps: impl Iterator<Item = u64>) {
        if self.places.is_empty() {
            return;
        }
        let mut touched = 0u64;
        for fp in fps {
            touched ^= self.slots[2 * self.home(fp)].load(Relaxed);
        }
        std::hint::black_box(touched);
    }

    /// Offers a new state with a parent link; keeps the smallest link.
    pub fn offer(&self, fp: u64, link: u64, at: Stored) -> Offer {
        if fp == 0 || fp == CLOSED || self.places.is_empty() {
            return self.offer_overflow(fp, link, at);
        }
        let mut i = self.home(fp);
        // Every slot full and none closed (only if more workers than a
        // quarter of the slots passed the size check at once): overflow.
        for _ in 0..self.places.len() {
            let slot = &self.slots[2 * i];
            let mut current = slot.load(Acquire);
            if current == 0 {
                let open = self.len.load(Relaxed) < self.limit;
                let want = if open { fp } else { CLOSED };
                match slot.compare_exchange(0, want, AcqRel, Acquire) {
                    Ok(_) if open => {
                        // Others may lower the link as soon as they see
                        // the fingerprint: a minimum, not a store.
                        self.slots[2 * i + 1].fetch_min(link, AcqRel);
                        self.len.fetch_add(1, Relaxed);
                        // Last: a locked instruction after this store (a
                        // cache miss, in its own array) would wait for it.
                        self.places[i].store(at.word(), Relaxed);
                        return Offer::New;
                    }
                    Ok(_) => return self.offer_overflow(fp, link, at),
                    Err(now) => current = now,
                }
            }
            if current == fp {
                self.lower(i, link);
                return Offer::Known;
            }
            if current == CLOSED {
                return self.offer_overflow(fp, link, at);
            }
            i = self.next(i);
        }
        self.offer_overflow(fp, link, at)
    }

    /// If `fp` is in the table (not the overflow), lowers its link to
    /// `link` if that is smaller and says so. `false` does not mean absent
    /// (the overflow is not searched, and another worker may be adding
    /// it): [`Fresh::offer`] decides that.
    #[inline]
    pub fn lower_if_known(&self, fp: u64, link: u64) -> bool {
        if fp == 0 || fp == CLOSED || self.places.is_empty() {
            return false;
        }
        let mut i = self.home(fp);
        for _ in 0..self.places.len() {
            match self.slots[2 * i].load(Acquire) {
                0 | CLOSED => return false,
                x if x == fp => {
                    self.lower(i, link);
                    return true;
                }
                _ => i = self.next(i),
            }
        }
        false
    }

    /// Lowers slot `i`'s link to `link` if that is smaller.
    #[inline]
    fn lower(&self, i: usize, link: u64) {
        let l = &self.slots[2 * i + 1];
        if link < l.load(Relaxed) {
            l.fetch_min(link, AcqRel);
        }
    }

    fn offer_overflow(&self, fp: u64, link: u64, at: Stored) -> Offer {
        let mut shard = self.overflow[shard_of(fp)]
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
        if fp != 0 && fp != CLOSED && !self.places.is_empty() {
            let mut i = self.home(fp);
            for _ in 0..self.places.len() {
                match self.slots[2 * i].load(Acquire) {
                    0 | CLOSED => break,
                    x if x == fp => return true,
                    _ => i = self.next(i),
                }
            }
        }
        self.overflow[shard_of(fp)]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&fp)
    }

    /// Every new state: (fingerprint, smallest link, place).
    fn entries(&self) -> Vec<(u64, u64, Stored)> {
        let slots = &self.slots;
        let places = &self.places;
        let mut all: Vec<(u64, u64, Stored)> = (0..places.len())
            .into_par_iter()
            .with_min_len(1 << 12)
            .filter_map(|i| {
                let fp = slots[2 * i].load(Relaxed);
                (fp != 0 && fp != CLOSED).then(|| {
                    (
                        fp,
                        slots[2 * i + 1].load(Relaxed),
                        Stored::of(places[i].load(Relaxed)),
                    )
                })
            })
            .collect();
        for shard in &self.overflow {
            let shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            all.extend(shard.iter().map(|(fp, (link, at))| (*fp, *link, *at)));
        }
        all
    }

    /// Moves every new state's fingerprint into `seen` and returns them
    /// as (fingerprint, smallest link, where it is stored), sorted by link.
    /// Empties the table and frees it: the next level's table is made by
    /// [`Fresh::prepare`], and the states in between need the memory.
    pub fn drain_into(&mut self, seen: &mut Seen) -> Vec<(u64, u64, Stored)> {
        let mut all = self.entries();
        self.slots = Vec::new();
        self.places = Vec::new();
        for shard in &mut self.overflow {
            let shard = shard.get_mut().unwrap_or_else(|e| e.into_inner());
            shard.clear();
            shard.shrink_to_fit();
        }
        *self.len.get_mut() = 0;
        seen.insert_all(all.iter().map(|e| e.0));
        all.par_sort_unstable_by_key(|e| e.1);
        all
    }

    /// The new states whose smallest link's parent comes before `index`.
    pub fn count_before(&self, index: u64) -> u64 {
        self.entries()
            .iter()
            .filter(|(_, link, _)| parent_of(*link).is_some_and(|p| p < index))
            .count() as u64
    }

    /// The bytes the table and its overflow hold.
    pub fn bytes(&self) -> u64 {
        let overflow: u64 = self
            .overflow
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.capacity() as u64))
            .sum();
        ((self.slots.len() + self.places.len()) * 8) as u64 + overflow * OVERFLOW_BYTES
    }

    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.entries().len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seen::link;

    #[test]
    fn keeps_the_smallest_link_and_the_first_place() {
        let fresh = Fresh::default();
        let at = |chunk| Stored { chunk, index: 0 };
        assert_eq!(fresh.offer(7, link(12, 0), at(3)), Offer::New);
        assert_eq!(fresh.offer(7, link(5, 1), at(1)), Offer::Known);
        assert_eq!(fresh.offer(7, link(9, 0), at(2)), Offer::Known);
        assert!(fresh.contains(7) && !fresh.contains(8));
        // A known fingerprint's link is lowered, never raised; an unknown
        // one is left to `offer`.
        assert!(fresh.lower_if_known(7, link(6, 0)));
        assert!(fresh.lower_if_known(7, link(4, 2)));
        assert!(!fresh.lower_if_known(8, link(1, 0)));
        assert!(!fresh.contains(8));
        let mut fresh = fresh;
        let mut seen = Seen::default();
        assert_eq!(fresh.drain_into(&mut seen), vec![(7, link(4, 2), at(3))]);
        fresh.prepare(0);
        assert!(seen.contains(7) && !fresh.contains(7));
    }

    #[test]
    fn recent_offers_cover_only_links_no_smaller() {
        let mut recent = Recent::default();
        recent.note(7, link(5, 1));
        assert!(recent.covers(7, link(5, 1)) && recent.covers(7, link(6, 0)));
        // A smaller link must still reach the table.
        assert!(!recent.covers(7, link(5, 0)) && !recent.covers(7, link(4, 9)));
        assert!(!recent.covers(8, link(9, 9)));
        // A fingerprint in the same entry replaces it.
        let other = 7 + RECENT as u64;
        recent.note(other, link(1, 0));
        assert!(recent.covers(other, link(1, 0)) && !recent.covers(7, link(9, 0)));
        // The fingerprint 0 marks an empty entry: never noted or covered.
        recent.note(0, link(1, 0));
        assert!(!recent.covers(0, link(2, 0)) && !recent.covers(0, 0));
    }

    #[test]
    fn counts_and_drains_in_link_order() {
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
        assert_eq!(all, vec![(9, link(10, 0), at(0)), (7, link(11, 3), at(3))]);
        fresh.prepare(0);
        assert_eq!(fresh.len(), 0);
        assert!(seen.contains(7) && seen.contains(9) && seen.len() == 2);
    }

    #[test]
    fn an_overfull_table_goes_on_in_the_overflow() {
        // 1,024 slots close at 768; offer ten times that, twice each, in
        // parallel, with the fingerprints 0 and CLOSED among them.
        let mut fresh = Fresh::default();
        let fps: Vec<u64> = (0..8_000u64)
            .map(|i| match i {
                0 => 0,
                1 => CLOSED,
                _ => i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            })
            .collect();
        let offered: Vec<Offer> = fps
            .par_iter()
            .chain(fps.par_iter())
            .enumerate()
            .map(|(n, &fp)| fresh.offer(fp, link(n as u64, 0), Stored::default()))
            .collect();
        let new = offered.iter().filter(|o| **o == Offer::New).count();
        assert_eq!(new, fps.len());
        assert!(fps.iter().all(|&fp| fresh.contains(fp)));
        assert!(!fresh.contains(12345));
        let mut seen = Seen::default();
        let drained = fresh.drain_into(&mut seen);
        assert_eq!(drained.len(), fps.len());
        // The smallest link of each is its first offer's.
        let mut links: Vec<u64> = drained.iter().map(|(_, l, _)| *l).collect();
        links.sort_unstable();
        let want: Vec<u64> = (0..fps.len() as u64).map(|n| link(n, 0)).collect();
        assert_eq!(links, want);
        fresh.prepare(0);
        assert_eq!(fresh.len(), 0);
    }
}
