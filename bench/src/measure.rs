//! One measurement: a single engine checking TwoPhase with one number of
//! resource managers, run inside a process of its own so that its peak
//! memory is its alone. The parent re-executes this binary with the hidden
//! `measure` subcommand, which calls [`measure`] and prints the [`Sample`]
//! as one line of JSON.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use checker::{CheckConfig, Verdict};
use serde::{Deserialize, Serialize};
use spec_lang::ParamOverride;

use crate::process::{Who, children_peak_rss_kib, cpu_secs, run_with_limit, self_status_kib};
use crate::stateright_two_phase;

/// The TwoPhase spec the library runs; the binary reads the same file.
pub const TWO_PHASE_SOURCE: &str = include_str!("../../specs/classic/two_phase.spec");
pub const TWO_PHASE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../specs/classic/two_phase.spec"
);

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
pub enum Engine {
    /// specc's checker called as a library (`spec_lang::compile`, then
    /// `checker::check`); the time is the check alone.
    SpeccLib,
    /// The `specc check` command, timed as a whole process.
    SpeccBin,
    /// The Stateright model in `stateright_two_phase`, breadth-first.
    Stateright,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Engine::SpeccLib => "specc (library)",
            Engine::SpeccBin => "specc (process)",
            Engine::Stateright => "Stateright 0.31",
        }
    }
}

/// The result of one measurement.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Sample {
    pub distinct: u64,
    pub generated: u64,
    pub depth: u64,
    pub wall_secs: f64,
    /// Processor time, user and system, of every thread.
    pub cpu_secs: f64,
    /// Resident memory before the search (for the process: the peak of the
    /// same command on TwoPhase with one RM), in KiB.
    pub baseline_kib: u64,
    /// Peak resident memory, in KiB.
    pub peak_kib: u64,
}

impl Sample {
    pub fn bytes_per_state(&self) -> f64 {
        let grown = self.peak_kib.saturating_sub(self.baseline_kib);
        (grown * 1024) as f64 / self.distinct.max(1) as f64
    }
}

/// Where the `specc` command is and how long a measurement may take.
pub struct Setup<'a> {
    pub specc: &'a Path,
    pub limit: Duration,
}

/// Runs one measurement in this process.
pub fn measure(engine: Engine, rms: u32, workers: usize, setup: &Setup) -> Result<Sample, String> {
    match engine {
        Engine::SpeccLib => specc_library(rms, workers),
        Engine::SpeccBin => specc_process(rms, workers, setup),
        Engine::Stateright => stateright(rms, workers),
    }
}

/// The distinct, generated and depth counts of specc's checker, for the
/// correctness test.
#[cfg(test)]
pub fn specc_counts(rms: u32, workers: usize) -> Result<(u64, u64, u64), String> {
    let sample = specc_library(rms, workers)?;
    Ok((sample.distinct, sample.generated, sample.depth))
}

fn specc_library(rms: u32, workers: usize) -> Result<Sample, String> {
    let overrides = [ParamOverride {
        name: "RMS".to_string(),
        value: rms.to_string(),
    }];
    let compiled = spec_lang::compile(TWO_PHASE_SOURCE, &overrides).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|d| d.message.clone()).collect();
        format!("two_phase.spec does not compile: {}", messages.join("; "))
    })?;
    let config = CheckConfig {
        workers,
        symmetry: false,
        max_states: None,
        max_depth: None,
        memory_limit: None,
        check_deadlock: true,
    };
    let baseline_kib = self_status_kib("VmRSS")?;
    let cpu_before = cpu_secs(Who::Me)?;
    let start = Instant::now();
    let outcome = checker::check(&compiled.spec, &config, &|_| {});
    let wall_secs = start.elapsed().as_secs_f64();
    let cpu_secs = cpu_secs(Who::Me)? - cpu_before;
    let peak_kib = self_status_kib("VmHWM")?;
    if outcome.result != Verdict::Ok {
        return Err(format!("specc's verdict is {:?}, not ok", outcome.result));
    }
    Ok(Sample {
        distinct: outcome.stats.distinct,
        generated: outcome.stats.generated,
        depth: u64::from(outcome.stats.depth),
        wall_secs,
        cpu_secs,
        baseline_kib,
        peak_kib,
    })
}

fn stateright(rms: u32, threads: usize) -> Result<Sample, String> {
    let baseline_kib = self_status_kib("VmRSS")?;
    let cpu_before = cpu_secs(Who::Me)?;
    let start = Instant::now();
    let counts = stateright_two_phase::check(rms as usize, threads);
    let wall_secs = start.elapsed().as_secs_f64();
    let cpu_secs = cpu_secs(Who::Me)? - cpu_before;
    let peak_kib = self_status_kib("VmHWM")?;
    if counts.violated {
        return Err("Stateright found an invariant violated".to_string());
    }
    Ok(Sample {
        distinct: counts.distinct,
        generated: counts.generated,
        depth: counts.depth,
        wall_secs,
        cpu_secs,
        baseline_kib,
        peak_kib,
    })
}

/// The summary `specc check --format json` prints.
#[derive(Deserialize)]
struct Summary {
    result: String,
    distinct_states: u64,
    generated_states: u64,
    depth: u64,
}

fn specc_process(rms: u32, workers: usize, setup: &Setup) -> Result<Sample, String> {
    // getrusage reports the largest child waited for: first the baseline
    // run, then the measured one, which is the larger.
    run_specc(1, workers, setup)?;
    let baseline_kib = children_peak_rss_kib()?;
    let cpu_before = cpu_secs(Who::Children)?;
    let (summary, wall) = run_specc(rms, workers, setup)?;
    let cpu_secs = cpu_secs(Who::Children)? - cpu_before;
    let peak_kib = children_peak_rss_kib()?;
    Ok(Sample {
        distinct: summary.distinct_states,
        generated: summary.generated_states,
        depth: summary.depth,
        wall_secs: wall.as_secs_f64(),
        cpu_secs,
        baseline_kib,
        peak_kib,
    })
}

fn run_specc(rms: u32, workers: usize, setup: &Setup) -> Result<(Summary, Duration), String> {
    let mut command = Command::new(setup.specc);
    command
        .arg("check")
        .arg(TWO_PHASE_PATH)
        .arg("--param")
        .arg(format!("RMS={rms}"))
        .arg("--workers")
        .arg(workers.to_string())
        .args(["--format", "json", "--progress", "never"]);
    let finished = run_with_limit(command, setup.limit)?;
    if !finished.status.success() {
        return Err(format!(
            "specc check exited with {} for RMS={rms}",
            finished.status
        ));
    }
    let summary: Summary = serde_json::from_str(&finished.stdout)
        .map_err(|e| format!("cannot read specc's JSON summary: {e}"))?;
    if summary.result != "ok" {
        return Err(format!("specc's result is {}, not ok", summary.result));
    }
    Ok((summary, finished.wall))
}
