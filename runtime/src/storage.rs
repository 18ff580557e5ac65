//! Durable storage for one role instance: an append-only file of records
//! that holds the instance's persistent variables and the application's
//! remembered data, synced to disk before anything that depends on it
//! leaves the process.
//!
//! A record is `[length: u32 LE][crc32 of the payload: u32 LE][payload]`,
//! the payload a JSON object. The first record of a file is a snapshot
//! (every persistent variable, every remembered entry); later records are
//! deltas: a variable that changed is either set whole or, when it is an
//! array that kept a prefix (a log that grew or was cut), spliced (`keep`
//! the first elements, then append `tail`), so appending to a long log
//! writes only the new entries. When the file has grown well past its last
//! snapshot, it is compacted: a fresh snapshot is written beside it, synced
//! and renamed over it.
//!
//! Recovery reads the records in order. A last record that is incomplete or
//! fails its checksum and reaches the end of the file is a write the
//! process did not finish (it was killed): it is discarded and the file is
//! cut back to the last whole record. A bad record followed by more data is
//! corruption, and recovery refuses to guess.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

/// Records beyond this many bytes are refused on recovery as corrupt.
const MAX_RECORD: usize = 1 << 30;

/// A storage failure: the process cannot keep its promises and must stop.
#[derive(Debug)]
pub enum StorageError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A record in the middle of the file is damaged.
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            StorageError::Corrupt {
                path,
                offset,
                reason,
            } => write!(
                f,
                "{}: the record at byte {offset} is corrupt ({reason})",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StorageError {}

/// What a file held when it was opened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recovered {
    /// The persistent variables, by name; `None` for a new file.
    pub persistent: Option<Map<String, Json>>,
    /// The application's remembered data.
    pub remembered: BTreeMap<String, Json>,
    /// The sequence number of the last durable record (0 for a new file).
    pub seq: u64,
    /// How many bytes of a torn last record were discarded.
    pub discarded: u64,
}

/// An open storage file.
#[derive(Debug)]
pub struct Storage {
    path: PathBuf,
    file: File,
    /// The persistent variables as last written.
    current: Map<String, Json>,
    remembered: BTreeMap<String, Json>,
    len: u64,
    snapshot_len: u64,
}

impl Storage {
    /// Opens (or creates) the file at `path` and recovers what it holds.
    pub fn open(path: &Path) -> Result<(Storage, Recovered), StorageError> {
        let io = |error| StorageError::Io {
            path: path.to_path_buf(),
            error,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let scan = scan(&bytes).map_err(|(offset, reason)| StorageError::Corrupt {
            path: path.to_path_buf(),
            offset,
            reason,
        })?;
        if scan.good < bytes.len() as u64 {
            file.set_len(scan.good).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        if bytes.is_empty() {
            sync_dir(path).map_err(io)?;
        }
        let mut current = Map::new();
        let mut remembered = BTreeMap::new();
        let mut seq = 0;
        let mut seen_any = false;
        let mut snapshot_len = 0;
        for (record, size) in &scan.records {
            apply(record, &mut current, &mut remembered);
            if record.get("snapshot").is_some() {
                snapshot_len = *size;
            }
            seq = record.get("seq").and_then(Json::as_u64).unwrap_or(seq);
            seen_any = true;
        }
        let recovered = Recovered {
            persistent: seen_any.then(|| current.clone()),
            remembered: remembered.clone(),
            seq,
            discarded: bytes.len() as u64 - scan.good,
        };
        Ok((
            Storage {
                path: path.to_path_buf(),
                file,
                current,
                remembered,
                len: scan.good,
                snapshot_len,
            },
            recovered,
        ))
    }

    /// Writes the persistent variables (a JSON object) and newly remembered
    /// entries as one record for step `seq`, and syncs it to disk.
    pub fn save(
        &mut self,
        seq: u64,
        persistent: &Map<String, Json>,
        remember: &[(String, Json)],
    ) -> Result<(), StorageError> {
        let first = self.len == 0;
        let mut record = Map::new();
        record.insert("seq".to_string(), Json::from(seq));
        if first {
            record.insert("snapshot".to_string(), Json::Object(persistent.clone()));
        } else {
            let mut set = Map::new();
            let mut splice = Map::new();
            for (name, value) in persistent {
                match self.current.get(name) {
                    Some(old) if old == value => {}
                    Some(Json::Array(old)) if matches!(value, Json::Array(_)) => {
                        let Json::Array(new) = value else {
                            unreachable!("matched as an array")
                        };
                        let keep = old.iter().zip(new).take_while(|(a, b)| a == b).count();
                        splice.insert(
                            name.clone(),
                            Json::Array(vec![Json::from(keep), Json::Array(new[keep..].to_vec())]),
                        );
                    }
                    _ => {
                        set.insert(name.clone(), value.clone());
                    }
                }
            }
            record.insert("set".to_string(), Json::Object(set));
            record.insert("splice".to_string(), Json::Object(splice));
        }
        let mut side = Map::new();
        for (k, v) in remember {
            side.insert(k.clone(), v.clone());
        }
        record.insert("remember".to_string(), Json::Object(side));
        let record = Json::Object(record);
        self.append(&record)?;
        apply(&record, &mut self.current, &mut self.remembered);
        self.current = persistent.clone();
        if first {
            self.snapshot_len = self.len;
        } else if self.len > 4 * self.snapshot_len + (1 << 20) {
            self.compact(seq)?;
        }
        Ok(())
    }

    fn append(&mut self, record: &Json) -> Result<(), StorageError> {
        let bytes = encode_record(record);
        let io = |error| StorageError::Io {
            path: self.path.clone(),
            error,
        };
        self.file.write_all(&bytes).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Rewrites the file as one snapshot record.
    fn compact(&mut self, seq: u64) -> Result<(), StorageError> {
        let mut record = Map::new();
        record.insert("seq".to_string(), Json::from(seq));
        record.insert("snapshot".to_string(), Json::Object(self.current.clone()));
        let side: Map<String, Json> = self
            .remembered
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        record.insert("remember".to_string(), Json::Object(side));
        let bytes = encode_record(&Json::Object(record));
        let tmp = self.path.with_extension("compact");
        let io = |error| StorageError::Io {
            path: tmp.clone(),
            error,
        };
        let mut f = File::create(&tmp).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        sync_dir(&self.path).map_err(io)?;
        self.file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        self.len = bytes.len() as u64;
        self.snapshot_len = self.len;
        Ok(())
    }

    /// The file's size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

fn encode_record(record: &Json) -> Vec<u8> {
    let payload = record.to_string().into_bytes();
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Applies one record to the state it describes.
fn apply(record: &Json, current: &mut Map<String, Json>, remembered: &mut BTreeMap<String, Json>) {
    if let Some(Json::Object(snapshot)) = record.get("snapshot") {
        *current = snapshot.clone();
        remembered.clear();
    }
    if let Some(Json::Object(set)) = record.get("set") {
        for (k, v) in set {
            current.insert(k.clone(), v.clone());
        }
    }
    if let Some(Json::Object(splice)) = record.get("splice") {
        for (k, v) in splice {
            let (keep, tail) = match v.as_array().map(Vec::as_slice) {
                Some([keep, Json::Array(tail)]) => (keep.as_u64().unwrap_or(0) as usize, tail),
                _ => continue,
            };
            let entry = current
                .entry(k.clone())
                .or_insert_with(|| Json::Array(Vec::new()));
            if let Json::Array(items) = entry {
                items.truncate(keep);
                items.extend(tail.iter().cloned());
            }
        }
    }
    if let Some(Json::Object(side)) = record.get("remember") {
        for (k, v) in side {
            remembered.insert(k.clone(), v.clone());
        }
    }
}

struct Scan {
    records: Vec<(Json, u64)>,
    /// The length of the prefix made of whole, valid records.
    good: u64,
}

/// Reads the records of a file; a damaged record that reaches the end of
/// the file ends the scan, one followed by more bytes is an error.
fn scan(bytes: &[u8]) -> Result<Scan, (u64, String)> {
    let mut records = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < 8 {
            break;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len > MAX_RECORD {
            return Err((at as u64, format!("a record length of {len} bytes")));
        }
        if rest.len() < 8 + len {
            break;
        }
        let payload = &rest[8..8 + len];
        let ends_file = at + 8 + len == bytes.len();
        let valid = crc32fast::hash(payload) == crc;
        let parsed = if valid {
            serde_json::from_slice::<Json>(payload).ok()
        } else {
            None
        };
        match parsed {
            Some(record) if record.is_object() => {
                records.push((record, 8 + len as u64));
                at += 8 + len;
            }
            _ if ends_file => break,
            _ => {
                let reason = if valid {
                    "not a JSON object"
                } else {
                    "checksum mismatch"
                };
                return Err((at as u64, reason.to_string()));
            }
        }
    }
    Ok(Scan {
        records,
        good: at as u64,
    })
}

/// Syncs the directory holding `path`, so that a created or renamed file
/// survives a crash.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("specc-storage-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn obj(json: Json) -> Map<String, Json> {
        match json {
            Json::Object(m) => m,
            _ => panic!("an object"),
        }
    }

    #[test]
    fn saved_state_is_recovered_with_deltas_and_remembered_data() {
        let path = dir("recover").join("state");
        {
            let (mut s, r) = Storage::open(&path).unwrap();
            assert_eq!(r, Recovered::default());
            s.save(1, &obj(serde_json::json!({"term": 1, "log": [1]})), &[])
                .unwrap();
            s.save(
                2,
                &obj(serde_json::json!({"term": 1, "log": [1, 1, 1]})),
                &[("a".into(), Json::from("x"))],
            )
            .unwrap();
            s.save(5, &obj(serde_json::json!({"term": 2, "log": [1, 2]})), &[])
                .unwrap();
        }
        let (_, r) = Storage::open(&path).unwrap();
        assert_eq!(
            r.persistent,
            Some(obj(serde_json::json!({"term": 2, "log": [1, 2]})))
        );
        assert_eq!(r.remembered.get("a"), Some(&Json::from("x")));
        assert_eq!(r.seq, 5);
        assert_eq!(r.discarded, 0);
    }

    #[test]
    fn a_torn_last_record_is_discarded_and_the_file_cut_back() {
        let path = dir("torn").join("state");
        {
            let (mut s, _) = Storage::open(&path).unwrap();
            s.save(1, &obj(serde_json::json!({"v": 1})), &[]).unwrap();
            s.save(2, &obj(serde_json::json!({"v": 2})), &[]).unwrap();
        }
        let whole = std::fs::read(&path).unwrap();
        for cut in 1..12 {
            std::fs::write(&path, &whole[..whole.len() - cut]).unwrap();
            let (_, r) = Storage::open(&path).unwrap();
            assert_eq!(
                r.persistent,
                Some(obj(serde_json::json!({"v": 1}))),
                "cut {cut}"
            );
            assert_eq!(r.seq, 1);
            assert!(r.discarded > 0);
        }
        // A last record with a flipped byte is torn too.
        let mut flipped = whole.clone();
        let last = flipped.len() - 2;
        flipped[last] ^= 0xff;
        std::fs::write(&path, &flipped).unwrap();
        let (mut s, r) = Storage::open(&path).unwrap();
        assert_eq!(r.seq, 1);
        // Writing after recovery continues from the good prefix.
        s.save(3, &obj(serde_json::json!({"v": 3})), &[]).unwrap();
        drop(s);
        let (_, r) = Storage::open(&path).unwrap();
        assert_eq!(r.persistent, Some(obj(serde_json::json!({"v": 3}))));
    }

    #[test]
    fn a_damaged_record_in_the_middle_is_corruption() {
        let path = dir("corrupt").join("state");
        {
            let (mut s, _) = Storage::open(&path).unwrap();
            s.save(1, &obj(serde_json::json!({"v": 1})), &[]).unwrap();
            s.save(2, &obj(serde_json::json!({"v": 2})), &[]).unwrap();
        }
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[10] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            Storage::open(&path),
            Err(StorageError::Corrupt { offset: 0, .. })
        ));
    }

    #[test]
    fn a_growing_file_is_compacted_to_one_snapshot() {
        let path = dir("compact").join("state");
        let big = "x".repeat(30_000);
        {
            let (mut s, _) = Storage::open(&path).unwrap();
            for i in 0..60u64 {
                // A variable rewritten whole by every step.
                let state = obj(serde_json::json!({"blob": format!("{i}{big}"), "log": [i]}));
                s.save(i + 1, &state, &[(format!("k{i}"), Json::from(i))])
                    .unwrap();
            }
            assert!(s.len() < 4 * 31_000 + (1 << 20) + 31_000, "{}", s.len());
        }
        assert!(std::fs::metadata(&path).unwrap().len() < 60 * 30_000);
        let (_, r) = Storage::open(&path).unwrap();
        let state = r.persistent.unwrap();
        assert_eq!(state["blob"], Json::from(format!("59{big}")));
        assert_eq!(state["log"], serde_json::json!([59]));
        assert_eq!(r.remembered.len(), 60);
        assert_eq!(r.seq, 60);
    }
}
