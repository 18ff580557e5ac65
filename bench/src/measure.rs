//! One measurement: one engine checking one spec, inside a process of its
//! own so that its peak memory is its alone. The parent re-executes this
//! binary with the hidden `measure` subcommand and a [`Job`] as JSON; the
//! child calls [`measure`] and prints the [`Sample`] as one line of JSON.
//!
//! A job is either run in the child itself (specc as a library, the
//! Stateright model) or as a command the child starts twice: first on the
//! smallest TwoPhase (the baseline: what the program costs before it has
//! states to store), then on the measured spec. getrusage reports the
//! largest child waited for, which is then the measured one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use checker::{CheckConfig, Verdict};
use serde::{Deserialize, Serialize};
use spec_lang::ParamOverride;

use crate::compiled::{self, BuildNote};
use crate::process::{self, Stderr, Who, children_peak_rss_kib, cpu_secs, self_status_kib};
use crate::{spin, stateright_two_phase, tlc};

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
pub enum Engine {
    /// specc's checker called as a library (`spec_lang::compile`, then
    /// `checker::check`); the time is the check alone.
    SpeccLib,
    /// The `specc check` command (the interpreter), timed as a whole
    /// process.
    SpeccBin,
    /// `specc check --compiled`, timed as a whole process once its
    /// compiled checker is built (the build, timed apart, is its "build
    /// s", as SPIN's is); skipped when the command has no such flag.
    SpeccCompiled,
    /// The Stateright model in `stateright_two_phase`, breadth-first.
    Stateright,
    /// SPIN on the Promela model of `promela`: `spin -a`, the C compiler,
    /// then `./pan`.
    Spin,
    /// TLC on bench/models/TwoPhase.tla, when `TLA2TOOLS_JAR` names
    /// tla2tools.jar.
    Tlc,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Engine::SpeccLib => "specc (library)",
            Engine::SpeccBin => "specc (process)",
            Engine::SpeccCompiled => "specc --compiled (process)",
            Engine::Stateright => "Stateright 0.31",
            Engine::Spin => "SPIN",
            Engine::Tlc => "TLC",
        }
    }

    /// Whether this engine is specc itself (the peers have a model of
    /// TwoPhase only).
    pub fn is_specc(self) -> bool {
        matches!(
            self,
            Engine::SpeccLib | Engine::SpeccBin | Engine::SpeccCompiled
        )
    }
}

/// What is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Model {
    /// specs/classic/two_phase.spec with `RMS` resource managers; every
    /// peer has a model of it.
    TwoPhase { rms: u32 },
    /// specs/raft.spec with its default parameters (specc only).
    Raft,
    /// specs/chandy_lamport.spec with its default parameters (specc only).
    ChandyLamport,
}

const TWO_PHASE_SOURCE: &str = include_str!("../../specs/classic/two_phase.spec");
const RAFT_SOURCE: &str = include_str!("../../specs/raft.spec");
const CHANDY_LAMPORT_SOURCE: &str = include_str!("../../specs/chandy_lamport.spec");

impl Model {
    pub fn label(self) -> String {
        match self {
            Model::TwoPhase { rms } => format!("two_phase RMS={rms}"),
            Model::Raft => "raft".to_string(),
            Model::ChandyLamport => "chandy_lamport".to_string(),
        }
    }

    /// The spec file, as the `specc` command reads it.
    pub fn spec_path(self) -> PathBuf {
        let relative = match self {
            Model::TwoPhase { .. } => "specs/classic/two_phase.spec",
            Model::Raft => "specs/raft.spec",
            Model::ChandyLamport => "specs/chandy_lamport.spec",
        };
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(relative)
    }

    fn source(self) -> &'static str {
        match self {
            Model::TwoPhase { .. } => TWO_PHASE_SOURCE,
            Model::Raft => RAFT_SOURCE,
            Model::ChandyLamport => CHANDY_LAMPORT_SOURCE,
        }
    }

    fn params(self) -> Vec<ParamOverride> {
        match self {
            Model::TwoPhase { rms } => vec![ParamOverride {
                name: "RMS".to_string(),
                value: rms.to_string(),
            }],
            Model::Raft | Model::ChandyLamport => Vec::new(),
        }
    }
}

/// A program to run, with its arguments, the environment variables it is
/// given beside the inherited ones, and its working directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandLine {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, PathBuf)>,
    pub dir: Option<PathBuf>,
}

impl CommandLine {
    /// The command line as a shell would show it (for messages and docs).
    pub fn display(&self) -> String {
        let mut words: Vec<String> = self
            .env
            .iter()
            .map(|(name, value)| format!("{name}={}", value.display()))
            .collect();
        words.push(self.program.display().to_string());
        words.extend(self.args.iter().cloned());
        words.join(" ")
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }
}

/// One measurement, as the parent hands it to a child.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Job {
    /// specc as a library or the Stateright model, run in the child.
    InProcess {
        engine: Engine,
        model: Model,
        workers: usize,
    },
    /// A program run by the child: the baseline first, then the measured
    /// run; `engine` says how to read what it prints.
    Process {
        engine: Engine,
        baseline: CommandLine,
        run: CommandLine,
        timeout_secs: u64,
    },
}

/// What an engine says of its own run, beside what the bench measures.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reported {
    /// Its own elapsed time (pan's "elapsed time", specc's `elapsed_ms`).
    pub secs: f64,
    /// Its own memory figure, in MiB (pan's "total actual memory usage",
    /// specc's `peak_memory_bytes` estimate).
    pub mib: f64,
}

/// The counts an engine reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub distinct: u64,
    /// Generated states, TLC's sense (SPIN's transitions): every successor
    /// computed, the initial states included.
    pub generated: u64,
    /// The breadth-first depth (initial states at depth 1); `None` for
    /// SPIN, whose depth-first "depth reached" is another measure.
    pub depth: Option<u64>,
    pub reported: Option<Reported>,
}

/// The result of one measurement.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Sample {
    pub counts: Counts,
    pub wall_secs: f64,
    /// Processor time, user and system, of every thread.
    pub cpu_secs: f64,
    /// Resident memory before the search (for a process: the peak of the
    /// same program on TwoPhase with one RM), in KiB.
    pub baseline_kib: u64,
    /// Peak resident memory, in KiB.
    pub peak_kib: u64,
    /// The one-minute load average when the measurement ended (the parent
    /// fills it in).
    #[serde(default)]
    pub load: Option<f64>,
}

impl Sample {
    /// Peak resident memory over distinct states.
    pub fn peak_bytes_per_state(&self) -> f64 {
        (self.peak_kib * 1024) as f64 / self.counts.distinct.max(1) as f64
    }

    /// Peak resident memory above the baseline over distinct states.
    pub fn grown_bytes_per_state(&self) -> f64 {
        let grown = self.peak_kib.saturating_sub(self.baseline_kib);
        (grown * 1024) as f64 / self.counts.distinct.max(1) as f64
    }
}

/// Runs one measurement in this process.
pub fn measure(job: &Job) -> Result<Sample, String> {
    match job {
        Job::InProcess {
            engine: Engine::Stateright,
            model: Model::TwoPhase { rms },
            workers,
        } => stateright(*rms, *workers),
        Job::InProcess {
            engine: Engine::SpeccLib,
            model,
            workers,
        } => specc_library(*model, *workers),
        Job::InProcess { engine, model, .. } => Err(format!(
            "{} cannot run {} in process",
            engine.label(),
            model.label()
        )),
        Job::Process {
            engine,
            baseline,
            run,
            timeout_secs,
        } => process(*engine, baseline, run, Duration::from_secs(*timeout_secs)),
    }
}

/// The `specc check` command line for a model, with its JSON summary on
/// stdout. `compiled` is the cache directory of `--compiled` (given as
/// `SPECC_CACHE_DIR`), `None` for the interpreter.
pub fn specc_command(
    specc: &Path,
    model: Model,
    workers: usize,
    compiled: Option<&Path>,
) -> CommandLine {
    let mut args = vec!["check".to_string(), model.spec_path().display().to_string()];
    for param in model.params() {
        args.push("--param".to_string());
        args.push(format!("{}={}", param.name, param.value));
    }
    args.extend(["--workers".to_string(), workers.to_string()]);
    args.extend(["--format", "json", "--progress", "never"].map(String::from));
    let mut env = Vec::new();
    if let Some(cache) = compiled {
        args.push("--compiled".to_string());
        env.push((compiled::CACHE_VARIABLE.to_string(), cache.to_path_buf()));
    }
    CommandLine {
        program: specc.to_path_buf(),
        args,
        env,
        dir: None,
    }
}

/// The distinct, generated and depth counts of specc's checker as a
/// library, for the correctness tests.
#[cfg(test)]
pub fn specc_counts(model: Model, workers: usize) -> Result<Counts, String> {
    specc_library(model, workers).map(|sample| sample.counts)
}

fn specc_library(model: Model, workers: usize) -> Result<Sample, String> {
    let compiled = spec_lang::compile(model.source(), &model.params()).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|d| d.message.clone()).collect();
        format!(
            "{} does not compile: {}",
            model.label(),
            messages.join("; ")
        )
    })?;
    // What `specc check` does without options.
    let config = CheckConfig {
        workers,
        symmetry: true,
        max_states: None,
        max_depth: None,
        memory_limit: None,
        spill: None,
        check_deadlock: true,
        por: false,
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
        counts: Counts {
            distinct: outcome.stats.distinct,
            generated: outcome.stats.generated,
            depth: Some(u64::from(outcome.stats.depth)),
            reported: None,
        },
        wall_secs,
        cpu_secs,
        baseline_kib,
        peak_kib,
        load: None,
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
        counts: Counts {
            distinct: counts.distinct,
            generated: counts.generated,
            depth: Some(counts.depth),
            reported: None,
        },
        wall_secs,
        cpu_secs,
        baseline_kib,
        peak_kib,
        load: None,
    })
}

fn process(
    engine: Engine,
    baseline: &CommandLine,
    run: &CommandLine,
    limit: Duration,
) -> Result<Sample, String> {
    run_and_read(engine, baseline, limit)?;
    let baseline_kib = children_peak_rss_kib()?;
    let cpu_before = cpu_secs(Who::Children)?;
    let (counts, wall) = run_and_read(engine, run, limit)?;
    let cpu_secs = cpu_secs(Who::Children)? - cpu_before;
    let peak_kib = children_peak_rss_kib()?;
    Ok(Sample {
        counts,
        wall_secs: wall.as_secs_f64(),
        cpu_secs,
        baseline_kib,
        peak_kib,
        load: None,
    })
}

fn run_and_read(
    engine: Engine,
    line: &CommandLine,
    limit: Duration,
) -> Result<(Counts, Duration), String> {
    // specc --compiled says on stderr whether it built its checker; a
    // timed run must find it built by the warm-up, so that no run's time
    // or memory is cargo's.
    let stderr = match engine {
        Engine::SpeccCompiled => Stderr::Capture,
        _ => Stderr::Inherit,
    };
    let finished = process::run(line.command(), limit, stderr)?;
    if !finished.status.success() {
        let said = match finished.stderr.trim_end() {
            "" => String::new(),
            text => format!("; its stderr:\n{text}"),
        };
        return Err(format!(
            "`{}` exited with {}{said}",
            line.display(),
            finished.status
        ));
    }
    if engine == Engine::SpeccCompiled
        && compiled::parse_build_note(&finished.stderr) != Some(BuildNote::BuiltBefore)
    {
        return Err(format!(
            "`{}` did not use a compiled checker built before it; its stderr:\n{}",
            line.display(),
            finished.stderr.trim_end()
        ));
    }
    let counts = match engine {
        Engine::SpeccBin | Engine::SpeccCompiled => parse_specc_summary(&finished.stdout),
        Engine::Spin => spin::parse_pan(&finished.stdout),
        Engine::Tlc => tlc::parse_output(&finished.stdout),
        Engine::SpeccLib | Engine::Stateright => {
            Err(format!("{} does not run as a process", engine.label()))
        }
    }
    .map_err(|e| format!("`{}`: {e}", line.display()))?;
    Ok((counts, finished.wall))
}

/// The summary `specc check --format json` prints.
#[derive(Deserialize)]
struct Summary {
    result: String,
    distinct_states: u64,
    generated_states: u64,
    depth: u64,
    elapsed_ms: Option<f64>,
    peak_memory_bytes: Option<f64>,
}

fn parse_specc_summary(text: &str) -> Result<Counts, String> {
    let summary: Summary =
        serde_json::from_str(text).map_err(|e| format!("cannot read specc's JSON summary: {e}"))?;
    if summary.result != "ok" {
        return Err(format!("specc's result is {}, not ok", summary.result));
    }
    let reported = match (summary.elapsed_ms, summary.peak_memory_bytes) {
        (Some(ms), Some(bytes)) => Some(Reported {
            secs: ms / 1000.0,
            mib: bytes / (1024.0 * 1024.0),
        }),
        _ => None,
    };
    Ok(Counts {
        distinct: summary.distinct_states,
        generated: summary.generated_states,
        depth: Some(summary.depth),
        reported,
    })
}

#[cfg(test)]
mod tests {
    use super::{Counts, Model, Reported, parse_specc_summary, specc_command};
    use std::path::Path;

    #[test]
    fn reads_specc_json_summary() {
        let text = r#"{"depth": 26, "distinct_states": 1745408, "elapsed_ms": 8798,
            "generated_states": 18507778, "peak_memory_bytes": 46546106, "queue": 0,
            "result": "ok", "states_per_sec": 198380.7, "violations": [], "workers": 1}"#;
        let counts = parse_specc_summary(text).expect("reads");
        assert_eq!(
            counts,
            Counts {
                distinct: 1_745_408,
                generated: 18_507_778,
                depth: Some(26),
                reported: Some(Reported {
                    secs: 8.798,
                    mib: 46_546_106.0 / 1_048_576.0
                }),
            }
        );
        let violated = text.replace(r#""result": "ok""#, r#""result": "violated""#);
        assert_eq!(
            parse_specc_summary(&violated),
            Err("specc's result is violated, not ok".to_string())
        );
        assert!(parse_specc_summary("not json").is_err());
    }

    #[test]
    fn builds_specc_command_lines() {
        let cache = Path::new("/tmp/specc-bench-x/specc-cache");
        let line = specc_command(
            Path::new("specc"),
            Model::TwoPhase { rms: 7 },
            2,
            Some(cache),
        );
        let args: Vec<&str> = line.args.iter().map(String::as_str).collect();
        assert_eq!(args[0], "check");
        assert!(args[1].ends_with("specs/classic/two_phase.spec"));
        assert_eq!(
            &args[2..],
            [
                "--param",
                "RMS=7",
                "--workers",
                "2",
                "--format",
                "json",
                "--progress",
                "never",
                "--compiled"
            ]
        );
        assert_eq!(
            line.env,
            [("SPECC_CACHE_DIR".to_string(), cache.to_path_buf())]
        );
        assert!(
            line.display()
                .starts_with("SPECC_CACHE_DIR=/tmp/specc-bench-x/specc-cache specc check ")
        );
        let raft = specc_command(Path::new("specc"), Model::Raft, 1, None);
        assert!(raft.args[1].ends_with("specs/raft.spec"));
        assert!(raft.env.is_empty());
        assert!(
            !raft
                .args
                .iter()
                .any(|a| a == "--param" || a == "--compiled")
        );
    }
}
