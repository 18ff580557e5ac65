//! Generating and building a crate from spec text, once per crate name for
//! the whole test binary, and running its simulator binary.
//!
//! The generated crates build with `--offline`, the workspace's Cargo.lock
//! and one shared target directory under target/, so that the runtime and
//! its dependencies are compiled once for all of them. They build in the
//! debug profile with `-D warnings`: the generated code must compile
//! without warnings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read_spec(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn compile(source: &str) -> spec_lang::ir::Spec {
    match spec_lang::compile(source, &[]) {
        Ok(c) => c.spec,
        Err(d) => panic!("the spec compiles: {d:?}"),
    }
}

/// A generated, built crate.
pub struct Generated {
    /// Where the spec, the crate and the runs' files are.
    pub work: PathBuf,
    /// The crate's `NAME-simulate` binary.
    pub simulator: PathBuf,
}

/// One slot per crate name, allocated once and kept for the whole run.
type Cache = Mutex<BTreeMap<String, &'static OnceLock<Generated>>>;

/// Generates the crate `name` from spec text with `specc gen` and builds
/// it; the first call for a name does the work, later calls (from any
/// test thread) reuse it. The text must be the same for one name.
pub fn generated(name: &str, source: &str) -> &'static Generated {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let slot: &'static OnceLock<Generated> = {
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cache
            .entry(name.to_string())
            .or_insert_with(|| Box::leak(Box::new(OnceLock::new())))
    };
    // Built outside the lock, so that other crates can build meanwhile.
    slot.get_or_init(|| generate_and_build(name, source))
}

fn generate_and_build(name: &str, source: &str) -> Generated {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("conformance")
        .join(name);
    // The directory is kept from run to run: `specc gen` leaves unchanged
    // files alone, so Cargo rebuilds only crates whose code changed.
    std::fs::create_dir_all(&work).expect("the test directory can be created");
    let spec_file = work.join("spec.spec");
    std::fs::write(&spec_file, source).expect("the spec can be written");
    let out = work.join("crate");
    let gen_run = Command::new(env!("CARGO_BIN_EXE_specc"))
        .arg("gen")
        .arg(&spec_file)
        .arg("--out")
        .arg(&out)
        .args(["--name", name])
        .output()
        .expect("specc runs");
    assert!(
        gen_run.status.success(),
        "specc gen {name} succeeds: {}",
        String::from_utf8_lossy(&gen_run.stderr)
    );
    let lock = std::fs::read(repo().join("Cargo.lock")).expect("Cargo.lock is readable");
    if std::fs::read(out.join("Cargo.lock")).ok() != Some(lock.clone()) {
        std::fs::write(out.join("Cargo.lock"), lock).expect("Cargo.lock is copied");
    }
    let target = repo().join("target/generated");
    let build = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "the generated crate {name} builds without warnings:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    Generated {
        simulator: target.join(format!("debug/{name}-simulate")),
        work,
    }
}

impl Generated {
    /// Runs the simulator for seeds `0..seeds` with the given fault chance
    /// and at most 100 records per run (every library protocol but Raft
    /// quiesces well before; Raft's leaders replicate forever); returns its
    /// output and the traces, one per seed.
    pub fn simulate(&self, seeds: u32, faults: u32) -> (Output, Vec<(u32, String)>) {
        let traces = self.work.join(format!("traces-{seeds}-{faults}"));
        let _ = std::fs::remove_dir_all(&traces);
        let run = Command::new(&self.simulator)
            .args([
                "--seeds",
                &format!("0..{seeds}"),
                "--faults",
                &faults.to_string(),
                "--max-steps",
                "100",
                "--out",
            ])
            .arg(&traces)
            .output()
            .expect("the simulator runs");
        let read = (0..seeds)
            .filter_map(|seed| {
                let path = traces.join(format!("trace-{seed}.jsonl"));
                std::fs::read_to_string(&path).ok().map(|t| (seed, t))
            })
            .collect();
        (run, read)
    }

    /// Runs the simulator and insists that it succeeds.
    pub fn simulate_ok(&self, seeds: u32, faults: u32) -> Vec<(u32, String)> {
        let (run, traces) = self.simulate(seeds, faults);
        assert!(
            run.status.success(),
            "the simulator succeeds: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert_eq!(traces.len(), seeds as usize, "every seed wrote a trace");
        traces
    }

    /// Replays an ITF counterexample with the simulator binary; returns its
    /// output and the replayed trace.
    pub fn replay(&self, itf: &Path) -> (Output, Option<String>) {
        let out = self.work.join("replayed.jsonl");
        let _ = std::fs::remove_file(&out);
        let run = Command::new(&self.simulator)
            .arg("--replay")
            .arg(itf)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("the simulator runs");
        (run, std::fs::read_to_string(&out).ok())
    }
}
