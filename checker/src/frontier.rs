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
//!
//! The queue can live on disk. Once the queue's bytes in memory pass a
//! budget ([`Spill`]), each chunk that finishes moves the states it found
//! to the level's spill file, and a next level larger than the budget is
//! written to a file of its own; both are unnamed temporary files (deleted
//! by the system when closed, even if the process dies), read back a chunk
//! at a time with positioned reads. Where a level lives changes nothing
//! else: the order of states and every count are the same.

/// States per chunk of a level (the unit of parallel work).
pub const CHUNK: usize = 256;

/// Appends the stored form of a packed state with `fixed` fixed words.
pub fn store(words: &[u64], fixed: usize, out: &mut Vec<u8>) {
    // Encoded into a buffer on the stack and appended at once: one
    // capacity check instead of one a byte.
    let mut buf = [0u8; 256];
    let mut n = 0;
    let flush = |buf: &mut [u8; 256], n: &mut usize, out: &mut Vec<u8>| {
        out.extend_from_slice(&buf[..*n]);
        *n = 0;
    };
    put_into(words.len() as u64, &mut buf, &mut n);
    let mut prev = 0u64;
    for (i, &w) in words.iter().enumerate() {
        // A varint takes at most ten bytes.
        if n > buf.len() - 10 {
            flush(&mut buf, &mut n, out);
        }
        if i < fixed {
            put_into(w, &mut buf, &mut n);
        } else {
            let d = w.wrapping_sub(prev) as i64;
            put_into(((d << 1) ^ (d >> 63)) as u64, &mut buf, &mut n);
        }
        prev = w;
    }
    flush(&mut buf, &mut n, out);
}

/// Writes `v` as a varint at `buf[*n..]` (which has room for ten bytes).
#[inline]
fn put_into(mut v: u64, buf: &mut [u8; 256], n: &mut usize) {
    while v >= 0x80 {
        buf[*n] = (v as u8) | 0x80;
        *n += 1;
        v >>= 7;
    }
    buf[*n] = v as u8;
    *n += 1;
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

/// Bytes in memory, or in an unnamed temporary file (read back with
/// positioned reads, so no mapping and no `unsafe`).
enum Bytes {
    Mem(Vec<u8>),
    Disk { file: std::fs::File, len: usize },
}

impl Bytes {
    fn len(&self) -> usize {
        match self {
            Bytes::Mem(v) => v.len(),
            Bytes::Disk { len, .. } => *len,
        }
    }

    /// The bytes `range`, borrowed from memory or read into `buf`.
    fn read<'a>(
        &'a self,
        range: std::ops::Range<usize>,
        buf: &'a mut Vec<u8>,
    ) -> std::io::Result<&'a [u8]> {
        use std::os::unix::fs::FileExt;
        match self {
            Bytes::Mem(v) => v
                .get(range)
                .ok_or_else(|| std::io::Error::other("a stored state is out of range")),
            Bytes::Disk { file, len } => {
                if range.start > range.end || range.end > *len {
                    return Err(std::io::Error::other("a stored state is out of range"));
                }
                buf.clear();
                buf.resize(range.len(), 0);
                file.read_exact_at(buf, range.start as u64)?;
                Ok(buf)
            }
        }
    }

    /// The bytes this holds in the process's own memory.
    fn memory(&self) -> u64 {
        match self {
            Bytes::Mem(v) => v.capacity() as u64,
            Bytes::Disk { .. } => 0,
        }
    }
}

impl Default for Bytes {
    fn default() -> Bytes {
        Bytes::Mem(Vec::new())
    }
}

/// Ends the writes to a temporary file.
fn written(writer: std::io::BufWriter<std::fs::File>, len: usize) -> std::io::Result<Bytes> {
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(Bytes::Disk { file, len })
}

/// Where the queue may spill to disk, and when.
#[derive(Clone, Debug)]
pub struct Spill {
    pub dir: std::path::PathBuf,
    /// Queue bytes kept in memory before levels go to disk.
    pub in_memory: u64,
}

/// One level of stored states.
#[derive(Default)]
pub struct Level {
    data: Bytes,
    /// The byte offset of states `0, CHUNK, 2 * CHUNK, ...`.
    chunk_starts: Vec<usize>,
    len: usize,
}

impl Level {
    /// A level of one state.
    pub fn single(words: &[u64], fixed: usize) -> Level {
        let mut bytes = Vec::new();
        store(words, fixed, &mut bytes);
        Level {
            data: Bytes::Mem(bytes),
            chunk_starts: vec![0],
            len: 1,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The stored states of chunk `c`, one after another, borrowed from
    /// memory or read into `buf`.
    pub fn chunk<'a>(&'a self, c: usize, buf: &'a mut Vec<u8>) -> std::io::Result<&'a [u8]> {
        let start = |c: usize| self.chunk_starts.get(c).copied().unwrap_or(self.data.len());
        self.data.read(start(c)..start(c + 1), buf)
    }

    pub fn on_disk(&self) -> bool {
        matches!(self.data, Bytes::Disk { .. })
    }

    /// The stored states' bytes, wherever they are.
    pub fn bytes(&self) -> u64 {
        self.data.len() as u64
    }

    /// The bytes the level holds in memory.
    pub fn memory(&self) -> u64 {
        self.data.memory() + self.chunk_starts.capacity() as u64 * 8
    }
}

/// A level being written, in memory or to a temporary file.
pub struct LevelBuilder {
    sink: Sink,
    written: usize,
    chunk_starts: Vec<usize>,
    len: usize,
}

enum Sink {
    Mem(Vec<u8>),
    Disk(std::io::BufWriter<std::fs::File>),
}

impl LevelBuilder {
    pub fn in_memory(capacity: usize) -> LevelBuilder {
        LevelBuilder::with(Sink::Mem(Vec::with_capacity(capacity)))
    }

    /// A level written to an unnamed temporary file in `dir`.
    pub fn on_disk(dir: &std::path::Path) -> std::io::Result<LevelBuilder> {
        let file = tempfile::tempfile_in(dir)?;
        Ok(LevelBuilder::with(Sink::Disk(
            std::io::BufWriter::with_capacity(1 << 20, file),
        )))
    }

    fn with(sink: Sink) -> LevelBuilder {
        LevelBuilder {
            sink,
            written: 0,
            chunk_starts: Vec::new(),
            len: 0,
        }
    }

    /// Appends a state already in stored form.
    pub fn push_stored(&mut self, stored: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        if self.len.is_multiple_of(CHUNK) {
            self.chunk_starts.push(self.written);
        }
        match &mut self.sink {
            Sink::Mem(v) => v.extend_from_slice(stored),
            Sink::Disk(w) => w.write_all(stored)?,
        }
        self.written += stored.len();
        self.len += 1;
        Ok(())
    }

    pub fn finish(self) -> std::io::Result<Level> {
        let data = match self.sink {
            Sink::Mem(v) => Bytes::Mem(v),
            Sink::Disk(w) => written(w, self.written)?,
        };
        Ok(Level {
            data,
            chunk_starts: self.chunk_starts,
            len: self.len,
        })
    }
}

/// States found first by one chunk, in stored form, with where each ends.
/// The bytes may move to the level's spill file ([`Found::spill`]).
#[derive(Default)]
pub struct Found {
    pub bytes: Vec<u8>,
    pub ends: Vec<u32>,
    /// Where the bytes start in the spill file, once they are there.
    spilled_at: Option<u64>,
}

impl Found {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn push(&mut self, words: &[u64], fixed: usize) {
        store(words, fixed, &mut self.bytes);
        self.ends.push(self.bytes.len() as u32);
    }

    /// Moves the bytes to the end of `file`; returns how many moved. The
    /// buffers keep their capacity (they were trimmed), so moving frees
    /// the bytes.
    pub fn spill(&mut self, file: &SpillFile) -> std::io::Result<u64> {
        use std::io::Write;
        let moved = self.bytes.len() as u64;
        if self.spilled_at.is_some() || moved == 0 {
            return Ok(0);
        }
        let mut guard = file
            .writer
            .lock()
            .map_err(|_| std::io::Error::other("a worker panicked while spilling"))?;
        let (writer, len) = &mut *guard;
        let writer = match writer {
            Some(w) => w,
            None => writer.insert(std::io::BufWriter::with_capacity(
                1 << 20,
                tempfile::tempfile_in(&file.dir)?,
            )),
        };
        writer.write_all(&self.bytes)?;
        self.spilled_at = Some(*len);
        *len += moved;
        self.bytes = Vec::new();
        Ok(moved)
    }

    /// The stored bytes of state `i`, borrowed or read from the spill
    /// file into `buf`.
    pub fn get<'a>(
        &'a self,
        i: usize,
        spilled: &'a Spilled,
        buf: &'a mut Vec<u8>,
    ) -> std::io::Result<&'a [u8]> {
        let missing = || std::io::Error::other("a found state is missing");
        let end = *self.ends.get(i).ok_or_else(missing)? as usize;
        let start = match i.checked_sub(1) {
            None => 0,
            Some(before) => *self.ends.get(before).ok_or_else(missing)? as usize,
        };
        match self.spilled_at {
            None => self.bytes.get(start..end).ok_or_else(missing),
            Some(at) => {
                let at = usize::try_from(at).map_err(|_| missing())?;
                spilled.0.read(at + start..at + end, buf)
            }
        }
    }
}

/// The file that one level's chunks spill their found states to, created
/// on the first spill.
pub struct SpillFile {
    dir: std::path::PathBuf,
    writer: std::sync::Mutex<(Option<std::io::BufWriter<std::fs::File>>, u64)>,
}

impl SpillFile {
    pub fn new(dir: &std::path::Path) -> SpillFile {
        SpillFile {
            dir: dir.to_path_buf(),
            writer: std::sync::Mutex::new((None, 0)),
        }
    }

    /// Ends the level's writes; what was written can be read back.
    pub fn finish(self) -> std::io::Result<Spilled> {
        let (writer, len) = self
            .writer
            .into_inner()
            .map_err(|_| std::io::Error::other("a worker panicked while spilling"))?;
        let len = usize::try_from(len).map_err(std::io::Error::other)?;
        match writer {
            None => Ok(Spilled(Bytes::Mem(Vec::new()))),
            Some(w) => Ok(Spilled(written(w, len)?)),
        }
    }
}

/// The found states of a level that went to disk, readable.
pub struct Spilled(Bytes);

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
        let mut bytes = Vec::new();
        for s in &states {
            store(s, 2, &mut bytes);
        }
        let mut at = 0;
        let mut out = Vec::new();
        for s in &states {
            assert_eq!(load(&bytes, &mut at, 2, &mut out), Some(()));
            assert_eq!(&out, s);
        }
        assert_eq!(at, bytes.len());
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
