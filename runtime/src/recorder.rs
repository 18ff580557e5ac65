//! The trace recorder of one process, and the merge of every process's
//! file into one trace for `specc validate`.
//!
//! A process file starts with a header naming the protocol and the
//! instance; each record is a trace record (docs/trace-format.md) with
//! three more fields: `clock`, a Lamport clock (one more than the larger of
//! the process's last clock and, for a receive, the sender's clock carried
//! by the message), `seq`, the record's number in the process, and
//! `durable`, whether the step waited for a durable write. A record is
//! written before the step's durable write and before its messages leave,
//! so every message another process receives was recorded by its sender.
//!
//! When a killed process restarts, it reads its file back: a torn last line
//! is discarded, and so is a last step whose durable write did not complete
//! (its messages never left, and its persistent changes are lost, so the
//! run is the same as one where the crash came just before it). Then a
//! `crash` and a `recover` record follow.
//!
//! Merging sorts every record by (clock, instance, seq): an order in which
//! each process's records keep their order and each receive follows its
//! send, which is a run of the whole system.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

/// A recorder failure.
#[derive(Debug)]
pub enum RecorderError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file belongs to another protocol or instance, or is not a trace.
    Foreign { path: PathBuf, reason: String },
}

impl fmt::Display for RecorderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecorderError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            RecorderError::Foreign { path, reason } => write!(f, "{}: {reason}", path.display()),
        }
    }
}

impl std::error::Error for RecorderError {}

/// What the recorder found when it opened an existing file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resumed {
    /// Whether the process ran before (the file had a header).
    pub restarted: bool,
    /// Records discarded: a torn last line, a step that was not durable.
    pub discarded: usize,
    /// Whether the last record kept is a `crash` (the process was killed
    /// while it recorded its restart): it needs only a `recover`.
    pub crashed: bool,
}

/// The per-process trace file.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    file: File,
    clock: u64,
    seq: u64,
}

impl Recorder {
    /// Opens the trace file of `instance`, resuming after the records that
    /// agree with the durable state (its last durable step is `durable_seq`).
    pub fn open(
        path: &Path,
        protocol: &str,
        instance: &str,
        durable_seq: u64,
    ) -> Result<(Recorder, Resumed), RecorderError> {
        let io = |error| RecorderError::Io {
            path: path.to_path_buf(),
            error,
        };
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(e)),
        };
        let mut resumed = Resumed::default();
        let mut keep = 0usize;
        let mut clock = 0;
        let mut seq = durable_seq;
        let mut lines: Vec<(usize, Json)> = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            offset += line.len();
            match serde_json::from_str::<Json>(line) {
                Ok(json) if line.ends_with('\n') => lines.push((offset, json)),
                _ => {
                    resumed.discarded += 1;
                    break;
                }
            }
        }
        if let Some((end, header)) = lines.first() {
            let field = |k: &str| header.get(k).and_then(Json::as_str);
            if field("kind") != Some("header") {
                return Err(RecorderError::Foreign {
                    path: path.to_path_buf(),
                    reason: "the first line is not a trace header".to_string(),
                });
            }
            if field("protocol") != Some(protocol) || field("instance") != Some(instance) {
                return Err(RecorderError::Foreign {
                    path: path.to_path_buf(),
                    reason: format!(
                        "the trace is of {} {}, not of {protocol} {instance}",
                        field("protocol").unwrap_or("?"),
                        field("instance").unwrap_or("?")
                    ),
                });
            }
            resumed.restarted = true;
            keep = *end;
            let records = &lines[1..];
            let mut last = records.len();
            while last > 0 {
                let r = &records[last - 1].1;
                let durable = r.get("durable").and_then(Json::as_bool) == Some(true);
                let s = r.get("seq").and_then(Json::as_u64).unwrap_or(0);
                if durable && s > durable_seq {
                    last -= 1;
                    resumed.discarded += 1;
                } else {
                    break;
                }
            }
            if let Some((end, r)) = records[..last].last() {
                keep = *end;
                resumed.crashed = r.get("kind").and_then(Json::as_str) == Some("crash");
                clock = r.get("clock").and_then(Json::as_u64).unwrap_or(0);
                seq = seq.max(r.get("seq").and_then(Json::as_u64).unwrap_or(0));
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        if (keep as u64) < text.len() as u64 {
            file.set_len(keep as u64).map_err(io)?;
        }
        if !resumed.restarted {
            let mut header = Map::new();
            header.insert("kind".into(), Json::from("header"));
            header.insert("protocol".into(), Json::from(protocol));
            header.insert("instance".into(), Json::from(instance));
            writeln!(file, "{}", Json::Object(header)).map_err(io)?;
        }
        Ok((
            Recorder {
                path: path.to_path_buf(),
                file,
                clock,
                seq,
            },
            resumed,
        ))
    }

    /// Writes one record; `remote` is the clock a received message carried.
    /// Returns the record's sequence number and clock.
    pub fn record(
        &mut self,
        mut record: Map<String, Json>,
        remote: Option<u64>,
        durable: bool,
    ) -> Result<(u64, u64), RecorderError> {
        self.clock = self.clock.max(remote.unwrap_or(0)).saturating_add(1);
        self.seq += 1;
        record.insert("clock".into(), Json::from(self.clock));
        record.insert("seq".into(), Json::from(self.seq));
        record.insert("durable".into(), Json::from(durable));
        let mut line = Json::Object(record).to_string();
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|error| RecorderError::Io {
                path: self.path.clone(),
                error,
            })?;
        Ok((self.seq, self.clock))
    }

    /// The clock of the last record.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// The sequence number the next record will have, less one.
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// Why process traces could not be merged.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MergeError {
    /// Which input (0-based) and which line (1-based).
    pub file: usize,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "trace {}, line {}: {}",
            self.file + 1,
            self.line,
            self.message
        )
    }
}

impl std::error::Error for MergeError {}

/// Merges the trace files of every process of one run into one trace in
/// the format `specc validate` reads. A torn last line (a process killed
/// while writing) is left out.
pub fn merge_traces(files: &[&str]) -> Result<String, MergeError> {
    let mut protocol: Option<String> = None;
    let mut instances: Vec<String> = Vec::new();
    let mut records: Vec<(u64, String, u64, Map<String, Json>)> = Vec::new();
    for (n, text) in files.iter().enumerate() {
        let err = |line: usize, message: String| MergeError {
            file: n,
            line,
            message,
        };
        let mut lines = text.split_inclusive('\n').enumerate();
        let header = match lines.next() {
            Some((_, l)) => serde_json::from_str::<Json>(l)
                .map_err(|e| err(1, format!("the header is not JSON: {e}")))?,
            None => return Err(err(1, "the trace is empty".to_string())),
        };
        let field = |k: &str| header.get(k).and_then(Json::as_str).map(str::to_string);
        if field("kind").as_deref() != Some("header") {
            return Err(err(1, "the first line is not a header".to_string()));
        }
        let p = field("protocol").ok_or_else(|| err(1, "no protocol".to_string()))?;
        let inst = field("instance").ok_or_else(|| err(1, "no instance".to_string()))?;
        match &protocol {
            Some(q) if *q != p => {
                return Err(err(1, format!("protocol `{p}`, but the others are `{q}`")));
            }
            _ => protocol = Some(p),
        }
        if instances.contains(&inst) {
            return Err(err(1, format!("a second trace of {inst}")));
        }
        instances.push(inst.clone());
        for (k, l) in lines {
            let line = k + 1;
            let json = match serde_json::from_str::<Json>(l) {
                Ok(Json::Object(m)) if l.ends_with('\n') => m,
                _ if !l.ends_with('\n') => break,
                _ => return Err(err(line, "a record is not a JSON object".to_string())),
            };
            let num = |k: &str| json.get(k).and_then(Json::as_u64);
            let (Some(clock), Some(seq)) = (num("clock"), num("seq")) else {
                return Err(err(line, "a record without `clock` and `seq`".to_string()));
            };
            let mut json = json;
            json.remove("clock");
            json.remove("seq");
            json.remove("durable");
            records.push((clock, inst.clone(), seq, json));
        }
    }
    let Some(protocol) = protocol else {
        return Err(MergeError {
            file: 0,
            line: 0,
            message: "no traces to merge".to_string(),
        });
    };
    records.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
    let mut header = Map::new();
    header.insert("kind".into(), Json::from("header"));
    header.insert("protocol".into(), Json::from(protocol));
    header.insert("seed".into(), Json::from(0));
    header.insert("processes".into(), Json::from(instances));
    let mut out = Json::Object(header).to_string();
    out.push('\n');
    for (_, _, _, r) in records {
        out.push_str(&Json::Object(r).to_string());
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("specc-recorder-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join(name);
        let _ = std::fs::remove_file(&p);
        p
    }

    fn step(name: &str) -> Map<String, Json> {
        let mut m = Map::new();
        m.insert("kind".into(), Json::from("step"));
        m.insert("step".into(), Json::from(name));
        m
    }

    #[test]
    fn a_restart_drops_a_torn_line_and_a_step_that_was_not_durable() {
        let p = path("restart.jsonl");
        {
            let (mut r, resumed) = Recorder::open(&p, "P", "A", 0).unwrap();
            assert!(!resumed.restarted);
            r.record(step("one"), None, true).unwrap();
            r.record(step("two"), Some(10), false).unwrap();
            r.record(step("three"), None, true).unwrap();
        }
        let mut text = std::fs::read_to_string(&p).unwrap();
        text.push_str("{\"kind\":\"st");
        std::fs::write(&p, &text).unwrap();
        // Only step one's durable write completed.
        let (mut r, resumed) = Recorder::open(&p, "P", "A", 1).unwrap();
        assert_eq!(
            resumed,
            Resumed {
                restarted: true,
                discarded: 2,
                crashed: false
            }
        );
        assert_eq!((r.seq(), r.clock()), (2, 11));
        assert_eq!(r.record(step("four"), None, false).unwrap(), (3, 12));
        let text = std::fs::read_to_string(&p).unwrap();
        let steps: Vec<&str> = ["one", "two", "four"].to_vec();
        for s in &steps {
            assert!(text.contains(&format!("\"step\":\"{s}\"")), "{text}");
        }
        assert!(!text.contains("three"), "{text}");
    }

    #[test]
    fn a_file_of_another_instance_is_refused() {
        let p = path("foreign.jsonl");
        drop(Recorder::open(&p, "P", "A", 0).unwrap());
        assert!(matches!(
            Recorder::open(&p, "P", "B", 0),
            Err(RecorderError::Foreign { .. })
        ));
    }

    #[test]
    fn merging_orders_by_clock_and_keeps_each_process_in_order() {
        let a = "{\"kind\":\"header\",\"protocol\":\"P\",\"instance\":\"A\"}\n\
                 {\"kind\":\"step\",\"step\":\"send\",\"clock\":1,\"seq\":1,\"durable\":false}\n\
                 {\"kind\":\"step\",\"step\":\"late\",\"clock\":5,\"seq\":2,\"durable\":false}\n";
        let b = "{\"kind\":\"header\",\"protocol\":\"P\",\"instance\":\"B\"}\n\
                 {\"kind\":\"step\",\"step\":\"recv\",\"clock\":2,\"seq\":1,\"durable\":true}\n\
                 {\"kind\":\"step\",\"step\":\"torn";
        let merged = merge_traces(&[a, b]).unwrap();
        let steps: Vec<String> = merged
            .lines()
            .skip(1)
            .map(|l| serde_json::from_str::<Json>(l).unwrap()["step"].to_string())
            .collect();
        assert_eq!(steps, ["\"send\"", "\"recv\"", "\"late\""]);
        assert!(!merged.contains("clock"), "{merged}");
        let c = a.replace("\"P\"", "\"Q\"").replace("\"A\"", "\"C\"");
        assert!(merge_traces(&[a, &c]).is_err());
        assert!(merge_traces(&[a, a]).is_err());
    }
}
