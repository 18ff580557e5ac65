//! The breadth-first frontier: packed states stored compactly while they
//! wait to be expanded.
//!
//! A packed state is mostly small numbers: variable words with few bits
//! set, counts, and message entries in ascending order. A stored state is
//! its word count, then each word of the fixed part (variables, faults) as
//! a LEB128 varint, then each word of the network as the zigzag varint of
//! its difference from the word before, so sorted entries take a byte or
//! two each. two_phase with 8 RMs stores a state in about 20 bytes instead
//! of about 100.
//!
//! A level is one byte buffer of stored states in level order, with the
//! offset of every `CHUNK`-th state, so workers can start decoding at any
//! chunk and decode sequentially within it.

/// States per chunk of a level (the unit of parallel work).
pub const CHUNK: usize = 256;

/// Appends the stored form of a packed state with `fixed` fixed words.
pub fn store(words: &[u64], fixed: usize, out: &mut Vec<u8>) {
    put(words.len() as u64, out);
    let mut prev = 0u64;
    for (i, &w) in words.iter().enumerate() {
        if i < fixed {
            put(w, out);
        } else {
            let d = w.wrapping_sub(prev) as i64;
            put(((d << 1) ^ (d >> 63)) as u64, out);
        }
        prev = w;
    }
}

/// Decodes the stored state at `*at` into `out`, advancing `*at`. `None` if
/// the bytes are not a stored state (a bug in the checker).
pub fn load(bytes: &[u8], at: &mut usize, fixed: usize, out: &mut Vec<u64>) -> Option<()> {
    out.clear();
    let n = usize::try_from(get(bytes, at)?).ok()?;
    // Every word takes at least one byte.
    if n > bytes.len().saturating_sub(*at) {
        return None;
    }
    let mut prev = 0u64;
    for i in 0..n {
        let v = get(bytes, at)?;
        let w = if i < fixed {
            v
        } else {
            let d = ((v >> 1) as i64) ^ -((v & 1) as i64);
            prev.wrapping_add(d as u64)
        };
        out.push(w);
        prev = w;
    }
    Some(())
}

#[inline]
fn put(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[inline]
fn get(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

/// One level of stored states.
#[derive(Default)]
pub struct Level {
    pub bytes: Vec<u8>,
    /// The byte offset of states `0, CHUNK, 2 * CHUNK, ...`.
    chunk_starts: Vec<usize>,
    len: usize,
}

impl Level {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Appends a state already in stored form.
    pub fn push_stored(&mut self, stored: &[u8]) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunk_starts.push(self.bytes.len());
        }
        self.bytes.extend_from_slice(stored);
        self.len += 1;
    }

    /// Appends a packed state.
    pub fn push(&mut self, words: &[u64], fixed: usize) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunk_starts.push(self.bytes.len());
        }
        store(words, fixed, &mut self.bytes);
        self.len += 1;
    }

    /// The byte offset where chunk `c` starts.
    pub fn chunk_start(&self, c: usize) -> usize {
        self.chunk_starts
            .get(c)
            .copied()
            .unwrap_or(self.bytes.len())
    }

    pub fn bytes(&self) -> u64 {
        (self.bytes.capacity() + self.chunk_starts.capacity() * 8) as u64
    }
}

/// States found first by one chunk, in stored form, with where each ends.
#[derive(Default)]
pub struct Found {
    pub bytes: Vec<u8>,
    pub ends: Vec<u32>,
}

impl Found {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn push(&mut self, words: &[u64], fixed: usize) {
        store(words, fixed, &mut self.bytes);
        self.ends.push(self.bytes.len() as u32);
    }

    /// The stored bytes of state `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.bytes.get(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_sorted_entries_take_few_bytes() {
        let states: Vec<Vec<u64>> = vec![
            vec![],
            vec![0, u64::MAX, 3],
            vec![5, 2, 100, 101, 4096, 4097, u64::MAX, 0],
            (0..50).map(|i| i * 3).collect(),
        ];
        let mut level = Level::default();
        for s in &states {
            level.push(s, 2);
        }
        let mut at = 0;
        let mut out = Vec::new();
        for s in &states {
            assert_eq!(load(&level.bytes, &mut at, 2, &mut out), Some(()));
            assert_eq!(&out, s);
        }
        assert_eq!(at, level.bytes.len());
        let mut small = Vec::new();
        store(&(1000..1010).collect::<Vec<u64>>(), 0, &mut small);
        assert!(small.len() <= 12, "{} bytes", small.len());
    }

    #[test]
    fn corrupt_bytes_fail_without_panicking() {
        let mut bytes = Vec::new();
        store(&[1, 2, 3, 1 << 40], 1, &mut bytes);
        let mut out = Vec::new();
        for cut in 0..bytes.len() {
            let mut at = 0;
            assert_eq!(load(&bytes[..cut], &mut at, 1, &mut out), None);
        }
        let mut at = 0;
        assert_eq!(load(&[0xff; 12], &mut at, 0, &mut out), None);
    }
}
