//! Generated protocols as real processes on loopback: raft-kv survives the
//! SIGKILL of its leader without losing an acknowledged write; a 2PC
//! participant killed after voting yes recovers its vote; garbage and
//! truncated frames leave a process serving. Every run's per-process traces
//! are merged and replayed on the spec.
//!
//! Each test builds what it runs in its own directory under the target
//! directory (generated crates with `--offline`, the workspace's Cargo.lock
//! and a shared target directory, as tests/codegen.rs does), picks free
//! ports, waits for readiness lines in the processes' logs rather than
//! sleeping, and kills every child it started when it fails.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one wait may take on a loaded machine.
const WAIT: Duration = Duration::from_secs(60);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared_target() -> PathBuf {
    repo().join("target/generated")
}

fn work_dir(name: &str) -> PathBuf {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("the test directory can be created");
    work
}

/// `specc gen` of a library spec into `out`.
fn generate(spec: &str, out: &Path, name: &str, params: &[&str]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_specc"));
    cmd.arg("gen")
        .arg(repo().join(spec))
        .arg("--out")
        .arg(out)
        .args(["--name", name]);
    for p in params {
        cmd.args(["--param", p]);
    }
    let status = cmd.output().expect("specc runs");
    assert!(
        status.status.success(),
        "specc gen succeeds: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Builds the crate at `dir` without warnings; returns the binaries' dir.
fn build(dir: &Path) -> PathBuf {
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock is copied");
    let build = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "{} builds without warnings:\n{}",
        dir.display(),
        String::from_utf8_lossy(&build.stderr)
    );
    shared_target().join("debug")
}

/// A free port on loopback (bound, then released for the child to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A child process that is killed when the test lets go of it.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn start(bin: &Path, args: &[String], log: PathBuf) -> Proc {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("the log can be opened");
        let child = Command::new(bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", bin.display()));
        Proc { child, log }
    }

    /// Starts `bin` and waits until its log (appended to) has one more
    /// line containing `ready` than before. The lines are counted before
    /// the start: once it runs, the process may have written it already.
    fn start_and_wait(bin: &Path, args: &[String], log: PathBuf, ready: &str) -> Proc {
        let before = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches(ready)
            .count();
        let mut p = Proc::start(bin, args, log);
        p.wait_log(ready, before + 1);
        p
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log has `count` lines containing `needle`.
    fn wait_log(&mut self, needle: &str, count: usize) {
        wait_until(&format!("`{needle}` in {}", self.log.display()), || {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) while waiting for `{needle}`:\n{}",
                    self.log.display(),
                    self.log_text()
                );
            }
            self.log_text().matches(needle).count() >= count
        });
    }

    fn sigkill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status must be success (a clean shutdown).
    fn sigterm_clean(&mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(
                    status.success(),
                    "{} exits cleanly on SIGTERM ({status}):\n{}",
                    self.log.display(),
                    self.log_text()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} stops on SIGTERM",
                self.log.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Merges the traces with `merger merge-traces`, then validates the result
/// with `specc validate` and the given parameters; returns the merged trace.
fn merge_and_validate(
    merger: &Path,
    traces: &[PathBuf],
    spec: &str,
    params: &[&str],
    out: &Path,
) -> String {
    let merge = Command::new(merger)
        .arg("merge-traces")
        .arg("--out")
        .arg(out)
        .args(traces)
        .output()
        .expect("the merge runs");
    assert!(
        merge.status.success(),
        "the traces merge: {}",
        String::from_utf8_lossy(&merge.stderr)
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_specc"));
    cmd.arg("validate").arg(repo().join(spec)).arg(out);
    for p in params {
        cmd.args(["--param", p]);
    }
    let validate = cmd.output().expect("specc runs");
    assert!(
        validate.status.success(),
        "the merged trace replays on {spec}:\n{}{}",
        String::from_utf8_lossy(&validate.stdout),
        String::from_utf8_lossy(&validate.stderr)
    );
    std::fs::read_to_string(out).expect("the merged trace is written")
}

const RAFT_PARAMS: &[&str] = &[
    "MaxTerm=1000",
    "MaxLog=100000",
    "MaxInFlight=100000000",
    "MaxCrashes=1000",
];

/// Copies examples/raft-kv beside a freshly generated Raft crate and builds
/// both.
fn build_raft_kv(work: &Path) -> PathBuf {
    let example = work.join("raft-kv");
    std::fs::create_dir_all(example.join("src/bin")).expect("the example directory");
    let source = repo().join("examples/raft-kv");
    for file in [
        "src/lib.rs",
        "src/app.rs",
        "src/client.rs",
        "src/wire.rs",
        "src/bin/server.rs",
        "src/bin/client.rs",
    ] {
        std::fs::copy(source.join(file), example.join(file)).expect("the example's sources");
    }
    let manifest = std::fs::read_to_string(source.join("Cargo.toml"))
        .expect("the example's manifest")
        .replace(
            "path = \"../../runtime\"",
            &format!("path = \"{}\"", repo().join("runtime").display()),
        );
    std::fs::write(example.join("Cargo.toml"), manifest).expect("the manifest is written");
    generate(
        "specs/raft.spec",
        &example.join("gen"),
        "raft-gen",
        RAFT_PARAMS,
    );
    build(&example)
}

struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    peers: PathBuf,
    servers: Vec<Option<Proc>>,
}

impl Cluster {
    fn start_server(&mut self, id: usize) {
        let args: Vec<String> = [
            "--id",
            &id.to_string(),
            "--peers",
            &self.peers.display().to_string(),
            "--data",
            &self.dir.join(format!("data{id}")).display().to_string(),
            "--tick-ms",
            "100",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let log = self.dir.join(format!("server{id}.log"));
        let p = Proc::start_and_wait(
            &self.bin.join("raft-kv-server"),
            &args,
            log,
            "clients: listening",
        );
        self.servers[id - 1] = Some(p);
    }

    fn client(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(self.bin.join("raft-kv"))
            .arg("--peers")
            .arg(&self.peers)
            .args(args)
            .output()
            .expect("the client runs");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).to_string())
        }
    }

    /// The server that announced the highest term's leadership.
    fn leader(&self) -> usize {
        let mut best = (0u64, 0usize);
        for (n, s) in self.servers.iter().enumerate() {
            let Some(s) = s else { continue };
            for line in s.log_text().lines() {
                if let Some(term) = line.split("leader of term ").nth(1) {
                    let term: u64 = term.trim().parse().unwrap_or(0);
                    if term > best.0 {
                        best = (term, n + 1);
                    }
                }
            }
        }
        assert!(best.1 > 0, "some server became leader");
        best.1
    }
}

#[test]
fn raft_kv_loses_no_acknowledged_write_when_its_leader_is_killed_and_restarts() {
    let work = work_dir("raft-kv-kill-leader");
    let bin = build_raft_kv(&work);
    let peers = work.join("peers.toml");
    let mut text = String::from("[instances]\n");
    for id in 1..=3 {
        text.push_str(&format!(
            "\"Server[{id}]\" = \"127.0.0.1:{}\"\n",
            free_port()
        ));
    }
    text.push_str("[clients]\n");
    for id in 1..=3 {
        text.push_str(&format!(
            "\"Server[{id}]\" = \"127.0.0.1:{}\"\n",
            free_port()
        ));
    }
    std::fs::write(&peers, text).expect("the peers file is written");
    let mut cluster = Cluster {
        bin,
        dir: work.clone(),
        peers,
        servers: vec![None, None, None],
    };
    for id in 1..=3 {
        cluster.start_server(id);
    }
    let mut acked: Vec<(String, String)> = Vec::new();
    let write = |acked: &mut Vec<(String, String)>, cluster: &Cluster, round: &str, n: usize| {
        for i in 0..n {
            let (k, v) = (format!("{round}-{i}"), format!("value-{round}-{i}"));
            // A write that times out is not acknowledged: it may or may not
            // be in the store, and the test does not count it.
            if cluster.client(&["put", &k, &v]).is_ok() {
                acked.push((k, v));
            }
        }
    };
    write(&mut acked, &cluster, "before", 12);
    assert_eq!(
        acked.len(),
        12,
        "every write succeeds while no server fails"
    );
    let leader = cluster.leader();
    if let Some(p) = cluster.servers[leader - 1].as_mut() {
        p.sigkill();
    }
    write(&mut acked, &cluster, "without", 8);
    cluster.start_server(leader);
    if let Some(p) = cluster.servers[leader - 1].as_mut() {
        p.wait_log("recovered from", 1);
    }
    write(&mut acked, &cluster, "after", 8);
    assert!(
        acked.len() >= 20,
        "writes succeed after the failover: {acked:?}"
    );
    for (k, v) in &acked {
        assert_eq!(
            cluster.client(&["get", k]).as_deref(),
            Ok(v.as_str()),
            "key {k}"
        );
    }
    for s in cluster.servers.iter_mut().flatten() {
        assert!(s.alive(), "{} is still running", s.log.display());
        s.sigterm_clean();
    }
    let traces: Vec<PathBuf> = (1..=3)
        .map(|id| work.join(format!("data{id}/trace.jsonl")))
        .collect();
    let merged = merge_and_validate(
        &cluster.bin.join("raft-kv-server"),
        &traces,
        "specs/raft.spec",
        RAFT_PARAMS,
        &work.join("merged.jsonl"),
    );
    let leader_name = format!("\"instance\":\"Server[{leader}]\"");
    assert!(
        merged.contains(&format!(
            "{{\"instance\":\"Server[{leader}]\",\"kind\":\"crash\"}}"
        )) && merged
            .lines()
            .any(|l| l.contains("\"kind\":\"recover\"") && l.contains(&leader_name)),
        "the merged trace has the leader's crash and recovery"
    );
}

/// A frame as the transport writes it: a 4-byte big-endian length, then
/// the payload.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

struct TwoPhase {
    bin: PathBuf,
    dir: PathBuf,
    peers: PathBuf,
    ports: Vec<u16>,
}

impl TwoPhase {
    fn setup(name: &str) -> TwoPhase {
        let dir = work_dir(name);
        let krate = dir.join("crate");
        // A crate name per test: tests build in parallel into one target
        // directory, and must not replace each other's binaries.
        let crate_name = format!("net-{name}");
        generate("specs/2pc.spec", &krate, &crate_name, &[]);
        let bin = build(&krate).join(format!("{crate_name}-node"));
        let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
        let mut text = format!(
            "[instances]\n\"Coordinator\" = \"127.0.0.1:{}\"\n",
            ports[0]
        );
        for (p, port) in ports.iter().enumerate().skip(1) {
            text.push_str(&format!("\"Participant[{p}]\" = \"127.0.0.1:{port}\"\n"));
        }
        let peers = dir.join("peers.toml");
        std::fs::write(&peers, text).expect("the peers file is written");
        TwoPhase {
            bin,
            dir,
            peers,
            ports,
        }
    }

    /// Starts an instance (`None`: the coordinator) and waits until it listens.
    fn start(&self, participant: Option<u32>) -> Proc {
        let (name, mut args) = match participant {
            None => ("coordinator".to_string(), vec!["--role", "Coordinator"]),
            Some(_) => ("participant".to_string(), vec!["--role", "Participant"]),
        };
        let id = participant.map(|p| p.to_string()).unwrap_or_default();
        if participant.is_some() {
            args.extend(["--id", &id]);
        }
        let tag = format!("{name}{id}");
        let data = self.dir.join(format!("data-{tag}"));
        let peers = self.peers.display().to_string();
        let data = data.display().to_string();
        args.extend(["--peers", &peers, "--data", &data]);
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Proc::start_and_wait(
            &self.bin,
            &args,
            self.dir.join(format!("{tag}.log")),
            "listening on",
        )
    }

    fn trace(&self, tag: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("data-{tag}/trace.jsonl")))
            .unwrap_or_default()
    }

    fn traces(&self) -> Vec<PathBuf> {
        [
            "coordinator",
            "participant1",
            "participant2",
            "participant3",
        ]
        .iter()
        .map(|t| self.dir.join(format!("data-{t}/trace.jsonl")))
        .collect()
    }

    fn wait_committed(&self) {
        for tag in ["participant1", "participant2", "participant3"] {
            wait_until(&format!("{tag} commits"), || {
                self.trace(tag).contains("\"decision\":\"Committed\"")
            });
        }
    }
}

#[test]
fn a_2pc_participant_killed_after_voting_yes_recovers_its_vote() {
    let t = TwoPhase::setup("2pc-kill-participant");
    let mut coordinator = t.start(None);
    let mut p1 = t.start(Some(1));
    // Killed once its vote has reached the coordinator: a vote still in
    // the network when its sender dies is lost (delivery is at most once),
    // and 2PC as specified then waits for it forever.
    wait_until("participant 1's yes vote reaches the coordinator", || {
        t.trace("participant1")
            .contains("\"vote\":{\"some\":\"Yes\"}")
            && t.trace("coordinator")
                .contains("\"yes_votes\":[\"Participant[1]\"]")
    });
    p1.sigkill();
    let mut p1 = t.start(Some(1));
    p1.wait_log("recovered from", 1);
    let recovered = t.trace("participant1");
    let recover = recovered
        .lines()
        .find(|l| l.contains("\"kind\":\"recover\""))
        .expect("a recover record");
    assert!(
        recover.contains("\"vote\":{\"some\":\"Yes\"}")
            && recover.contains("\"decision\":\"Undecided\""),
        "the vote is recovered from disk: {recover}"
    );
    let mut p2 = t.start(Some(2));
    let mut p3 = t.start(Some(3));
    t.wait_committed();
    assert!(
        !recovered.contains("Aborted") && !t.trace("coordinator").contains("Aborted"),
        "nobody aborts"
    );
    for p in [&mut coordinator, &mut p1, &mut p2, &mut p3] {
        p.sigterm_clean();
    }
    merge_and_validate(
        &t.bin,
        &t.traces(),
        "specs/2pc.spec",
        &["MaxCrashes=1"],
        &t.dir.join("merged.jsonl"),
    );
}

#[test]
fn garbage_truncated_and_unexpected_frames_leave_a_process_serving() {
    let t = TwoPhase::setup("2pc-garbage");
    let mut p1 = t.start(Some(1));
    let addr = format!("127.0.0.1:{}", t.ports[1]);
    let send = |bytes: &[u8]| {
        let mut s = TcpStream::connect(&addr).expect("the participant accepts connections");
        let _ = s.write_all(bytes);
    };
    let envelope = |from: &str, to: &str, message: &str| {
        frame(
            format!("{{\"from\":{from},\"to\":{to},\"clock\":1,\"message\":{message}}}").as_bytes(),
        )
    };
    let (coordinator, me, other) = (
        "{\"role\":0,\"index\":0}",
        "{\"role\":1,\"index\":0}",
        "{\"role\":1,\"index\":1}",
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "garbage",
            b"\x00\x00\x00\x05hello, this is not a frame at all".to_vec(),
        ),
        ("not JSON", frame(b"{{{{")),
        ("oversized", vec![0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
        (
            "truncated",
            frame(b"{\"from\":{\"role\":0,\"index\":0}}")[..12].to_vec(),
        ),
        (
            "unknown sender",
            envelope("{\"role\":7,\"index\":0}", me, "\"Prepare\""),
        ),
        (
            "another receiver",
            envelope(coordinator, other, "\"Prepare\""),
        ),
        ("unknown message", envelope(coordinator, me, "\"Launch\"")),
        (
            "unexpected",
            envelope(other, me, "{\"Vote\":{\"ballot\":\"No\"}}"),
        ),
    ];
    let warnings = |p: &Proc| p.log_text().matches(" warn: ").count();
    for (what, bytes) in &cases {
        let before = warnings(&p1);
        send(bytes);
        wait_until(&format!("the {what} frame is logged"), || {
            warnings(&p1) > before
        });
        assert!(p1.alive(), "the participant survives the {what} frame");
    }
    // Several frames on one connection: the bad one is dropped, the stream
    // goes on.
    let mut stream = frame(b"not json");
    stream.extend(envelope(other, me, "{\"Vote\":{\"ballot\":\"Yes\"}}"));
    let before = warnings(&p1);
    send(&stream);
    wait_until("both frames on one connection are logged", || {
        warnings(&p1) >= before + 2
    });
    let trace = t.trace("participant1");
    assert_eq!(
        trace.lines().count(),
        1,
        "no state change, only the header: {trace}"
    );
    // The participant still serves the protocol.
    let mut coordinator = t.start(None);
    let mut p2 = t.start(Some(2));
    let mut p3 = t.start(Some(3));
    t.wait_committed();
    for p in [&mut coordinator, &mut p1, &mut p2, &mut p3] {
        p.sigterm_clean();
    }
    merge_and_validate(
        &t.bin,
        &t.traces(),
        "specs/2pc.spec",
        &[],
        &t.dir.join("merged.jsonl"),
    );
}

#[test]
fn the_node_binary_refuses_a_wrong_command_line_or_peers_file_with_exit_code_2() {
    let t = TwoPhase::setup("2pc-command-line");
    let peers = t.peers.display().to_string();
    let bad_peers = t.dir.join("bad.toml");
    std::fs::write(
        &bad_peers,
        "[instances]\n\"Coordinator\" = \"127.0.0.1:1\"\n",
    )
    .expect("the file is written");
    let bad_peers = bad_peers.display().to_string();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--role", "Nobody", "--peers", &peers, "--data", "d"],
            "no such role",
        ),
        (
            &["--role", "Participant", "--peers", &peers, "--data", "d"],
            "--id N is required",
        ),
        (
            &[
                "--role",
                "Participant",
                "--id",
                "4",
                "--peers",
                &peers,
                "--data",
                "d",
            ],
            "numbered 1..=3",
        ),
        (
            &[
                "--role",
                "Coordinator",
                "--peers",
                &bad_peers,
                "--data",
                "d",
            ],
            "no address for Participant[1]",
        ),
        (
            &["--role", "Coordinator", "--peers", &peers],
            "--data DIR is required",
        ),
        (&["merge-traces"], "no traces to merge"),
    ];
    for (args, expected) in cases {
        let out = Command::new(&t.bin)
            .args(args)
            .output()
            .expect("the node runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
