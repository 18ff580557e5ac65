//! The network region of a packed state: listing, adding, removing and
//! duplicating messages in place (see `pack.rs` for the layout).
//!
//! Messages are compared by their entry words, which order them as the
//! canonical order of messages does whenever their fields have codes; an
//! entry with boxed fields orders by handle within its (kind, sender,
//! receiver), which is fixed but not the values' order. Where that order
//! would show (`in_flight` as a sequence), callers sort the values.

use spec_lang::ir::NetworkKind;

use crate::pack::Packing;

/// Where a message sits in the network region: the word offset of its
/// entry, and for FIFO networks the offset of its channel's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetPos {
    pub entry: usize,
    pub channel: usize,
}

/// One message in flight, as the network lists it.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub words: &'a [u64],
    /// Copies of this message (bag), or 1.
    pub copies: u32,
    pub pos: NetPos,
    /// For FIFO networks, whether this is the head of its queue.
    pub head: bool,
}

/// Calls `f` for every message entry, in network order, until it returns
/// false. Returns false if `f` stopped.
pub fn for_each(pack: &Packing, state: &[u64], f: &mut dyn FnMut(Entry<'_>) -> bool) -> bool {
    let start = pack.fixed_words;
    let ew = pack.net.entry_words;
    let Some(&n) = state.get(start) else {
        return true;
    };
    let mut at = start + 1;
    match pack.net.kind {
        NetworkKind::Set | NetworkKind::Bag => {
            let bag = pack.net.kind == NetworkKind::Bag;
            for _ in 0..n {
                let Some(words) = state.get(at..at + ew) else {
                    return true;
                };
                let copies = if bag {
                    state.get(at + ew).copied().unwrap_or(1) as u32
                } else {
                    1
                };
                let entry = Entry {
                    words,
                    copies,
                    pos: NetPos {
                        entry: at,
                        channel: 0,
                    },
                    head: true,
                };
                if !f(entry) {
                    return false;
                }
                at += ew + usize::from(bag);
            }
        }
        NetworkKind::Fifo => {
            for _ in 0..n {
                let channel = at;
                let len = state.get(at + 1).copied().unwrap_or(0) as usize;
                at += 2;
                for k in 0..len {
                    let Some(words) = state.get(at..at + ew) else {
                        return true;
                    };
                    let entry = Entry {
                        words,
                        copies: 1,
                        pos: NetPos { entry: at, channel },
                        head: k == 0,
                    };
                    if !f(entry) {
                        return false;
                    }
                    at += ew;
                }
            }
        }
    }
    true
}

/// Like [`for_each`] for the entries whose first word lies in `lo..=hi`
/// (one message kind, see `Packing::kind_range`), of a set or a bag,
/// found by binary search instead of a walk. FIFO networks are walked.
pub fn for_each_in(
    pack: &Packing,
    state: &[u64],
    lo: u64,
    hi: u64,
    f: &mut dyn FnMut(Entry<'_>) -> bool,
) -> bool {
    let start = pack.fixed_words;
    let ew = pack.net.entry_words;
    let bag = match pack.net.kind {
        NetworkKind::Set => false,
        NetworkKind::Bag => true,
        NetworkKind::Fifo => {
            return for_each(pack, state, &mut |e| {
                if (lo..=hi).contains(&e.words[0]) {
                    f(e)
                } else {
                    true
                }
            });
        }
    };
    let stride = ew + usize::from(bag);
    let n = state.get(start).copied().unwrap_or(0) as usize;
    let head = |i: usize| {
        state
            .get(start + 1 + i * stride)
            .copied()
            .unwrap_or(u64::MAX)
    };
    let (mut a, mut b) = (0usize, n);
    while a < b {
        let mid = (a + b) / 2;
        if head(mid) < lo {
            a = mid + 1;
        } else {
            b = mid;
        }
    }
    for i in a..n {
        let at = start + 1 + i * stride;
        let Some(words) = state.get(at..at + ew) else {
            return true;
        };
        if words[0] > hi {
            break;
        }
        let copies = if bag {
            state.get(at + ew).copied().unwrap_or(1) as u32
        } else {
            1
        };
        let entry = Entry {
            words,
            copies,
            pos: NetPos {
                entry: at,
                channel: 0,
            },
            head: true,
        };
        if !f(entry) {
            return false;
        }
    }
    true
}

/// The number of messages in flight, counting copies.
pub fn count(pack: &Packing, state: &[u64]) -> u64 {
    let start = pack.fixed_words;
    let n = state.get(start).copied().unwrap_or(0);
    match pack.net.kind {
        NetworkKind::Set => n,
        _ => {
            let mut total = 0u64;
            for_each(pack, state, &mut |e| {
                total += u64::from(e.copies);
                true
            });
            total
        }
    }
}

/// The FIFO channel key of a message between two global instances.
#[inline]
pub fn channel_key(pack: &Packing, from: u32, to: u32) -> u64 {
    u64::from(from) * pack.insts.all.len() as u64 + u64::from(to)
}

/// Adds one copy of a message (a send) to the state's network. `entry` is
/// the message's entry words (`entry_words` of them); `from` and `to` are
/// only used by FIFO networks. A set ignores a message already in it.
pub fn add(pack: &Packing, state: &mut Vec<u64>, entry: &[u64], from: u32, to: u32) {
    let start = pack.fixed_words;
    let ew = pack.net.entry_words;
    if state.len() <= start {
        state.resize(start + 1, 0);
    }
    let n = state[start] as usize;
    match pack.net.kind {
        NetworkKind::Set | NetworkKind::Bag => {
            let bag = pack.net.kind == NetworkKind::Bag;
            let stride = ew + usize::from(bag);
            // Binary search over the sorted entries.
            let (mut lo, mut hi) = (0usize, n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                let at = start + 1 + mid * stride;
                match state[at..at + ew].cmp(entry) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => {
                        if bag {
                            state[at + ew] = state[at + ew].saturating_add(1);
                        }
                        return;
                    }
                }
            }
            let at = start + 1 + lo * stride;
            let count: &[u64] = if bag { &[1] } else { &[] };
            state.splice(at..at, entry.iter().chain(count).copied());
            state[start] += 1;
        }
        NetworkKind::Fifo => {
            let key = channel_key(pack, from, to);
            let mut at = start + 1;
            for _ in 0..n {
                let k = state[at];
                let len = state[at + 1] as usize;
                if k == key {
                    let end = at + 2 + len * ew;
                    state.splice(end..end, entry.iter().copied());
                    state[at + 1] += 1;
                    return;
                }
                if k > key {
                    break;
                }
                at += 2 + len * ew;
            }
            state.splice(at..at, [key, 1].iter().chain(entry).copied());
            state[start] += 1;
        }
    }
}

/// Removes one copy of the message at `pos` (a receipt or a loss).
pub fn remove(pack: &Packing, state: &mut Vec<u64>, pos: NetPos) {
    let start = pack.fixed_words;
    let ew = pack.net.entry_words;
    match pack.net.kind {
        NetworkKind::Set => {
            if pos.entry + ew <= state.len() {
                state.drain(pos.entry..pos.entry + ew);
                state[start] -= 1;
            }
        }
        NetworkKind::Bag => {
            if pos.entry + ew < state.len() {
                if state[pos.entry + ew] > 1 {
                    state[pos.entry + ew] -= 1;
                } else {
                    state.drain(pos.entry..pos.entry + ew + 1);
                    state[start] -= 1;
                }
            }
        }
        NetworkKind::Fifo => {
            if pos.entry + ew <= state.len() && pos.channel + 1 < state.len() {
                state.drain(pos.entry..pos.entry + ew);
                state[pos.channel + 1] -= 1;
                if state[pos.channel + 1] == 0 {
                    state.drain(pos.channel..pos.channel + 2);
                    state[start] -= 1;
                }
            }
        }
    }
}

/// Adds a copy of the message at `pos` (a duplication): one more copy in a
/// bag, a copy at the end of its queue in a FIFO network; a set cannot hold
/// two copies.
pub fn duplicate(pack: &Packing, state: &mut Vec<u64>, pos: NetPos) {
    let ew = pack.net.entry_words;
    match pack.net.kind {
        NetworkKind::Set => {}
        NetworkKind::Bag => {
            if let Some(c) = state.get_mut(pos.entry + ew) {
                *c = c.saturating_add(1);
            }
        }
        NetworkKind::Fifo => {
            let Some(len) = state.get(pos.channel + 1).map(|l| *l as usize) else {
                return;
            };
            let end = pos.channel + 2 + len * ew;
            if end > state.len() || pos.entry + ew > state.len() {
                return;
            }
            let mut copy = [0u64; 2];
            copy[..ew].copy_from_slice(&state[pos.entry..pos.entry + ew]);
            state.splice(end..end, copy[..ew].iter().copied());
            state[pos.channel + 1] += 1;
        }
    }
}
