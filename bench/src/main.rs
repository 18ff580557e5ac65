//! `specc-bench`: specc's checker against the peers, side by side in one
//! run on one machine: a Stateright model, SPIN on a Promela model and TLC
//! on a TLA+ model of Gray and Lamport's TwoPhase, each written here with
//! exactly the states specc explores on specs/classic/two_phase.spec, and
//! specc alone on specs/raft.spec and specs/chandy_lamport.spec.
//!
//! specc runs as a library, as the `specc check` command and as
//! `specc check --compiled` (its compiled checkers built into the run's own
//! cache before the timed runs, the build timed as SPIN's is), each with
//! one worker and with one per core; Stateright with one thread
//! and one per core; SPIN and TLC on one core. A peer whose tools are
//! absent is skipped with a message. Every measurement runs in a child
//! process of its own (this binary re-executed with a hidden `measure`
//! subcommand), so peak resident memory is not shared between them. The
//! bench checks that every engine found the same number of distinct
//! states, then prints a Markdown table with the medians and the ratios
//! against the targets of issue 10. docs/BENCHMARKS.md records a run.

mod compiled;
mod measure;
mod process;
mod promela;
mod report;
mod run;
mod spin;
mod stateright_two_phase;
mod tlc;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use measure::{Engine, Job};

/// Benchmark specc's checker against Stateright, SPIN and TLC.
#[derive(Parser, Debug)]
#[command(name = "specc-bench", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(flatten)]
    run: RunArgs,
    #[command(subcommand)]
    command: Option<Hidden>,
}

/// The specs measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SpecChoice {
    /// specs/classic/two_phase.spec for each RMS from --min-rms to
    /// --max-rms, against every peer.
    TwoPhase,
    /// specs/raft.spec with its default parameters, specc only.
    Raft,
    /// specs/chandy_lamport.spec with its default parameters, specc only.
    ChandyLamport,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The smallest number of resource managers of TwoPhase.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=9))]
    pub min_rms: u32,
    /// The largest number of resource managers (RMS=9 explores about 10
    /// million states per configuration).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=9))]
    pub max_rms: u32,
    /// Runs of each configuration; the table shows the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// The worker (thread) count of the parallel configurations [default:
    /// one per core].
    #[arg(long, value_parser = clap::value_parser!(u16).range(2..=1024))]
    pub workers: Option<u16>,
    /// The engines to measure; each is skipped with a message when its
    /// tools are absent.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_values_t = [
            Engine::Stateright, Engine::Spin, Engine::Tlc,
            Engine::SpeccLib, Engine::SpeccBin, Engine::SpeccCompiled,
        ]
    )]
    pub engines: Vec<Engine>,
    /// The specs to measure.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_values_t = [SpecChoice::TwoPhase, SpecChoice::Raft, SpecChoice::ChandyLamport]
    )]
    pub specs: Vec<SpecChoice>,
    /// The `specc` command to time [default: `specc` beside this binary].
    #[arg(long, value_name = "PATH")]
    pub specc: Option<PathBuf>,
    /// Stop a measurement that takes longer than this many seconds.
    #[arg(long, default_value_t = 1200)]
    pub timeout: u64,
}

#[derive(Subcommand, Debug)]
enum Hidden {
    /// Runs one measurement, given as JSON, and prints its sample as JSON
    /// (used by the benchmark itself, once per child process).
    #[command(hide = true)]
    Measure {
        #[arg(long)]
        job: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Hidden::Measure { job }) => measure_here(&job),
        None => run::run(&cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("specc-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn measure_here(job: &str) -> Result<(), String> {
    let job: Job = serde_json::from_str(job).map_err(|e| format!("cannot read the job: {e}"))?;
    let sample = measure::measure(&job)?;
    let line = serde_json::to_string(&sample).map_err(|e| e.to_string())?;
    println!("{line}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::measure::{Counts, Model, specc_counts};
    use crate::stateright_two_phase;

    /// The Stateright model and specc agree on TwoPhase with three RMs, and
    /// both give TLC's counts: 288 distinct states, 1,146 generated, depth
    /// 11.
    #[test]
    fn stateright_model_explores_the_same_states_as_specc() {
        let stateright = stateright_two_phase::check(3, 1);
        let specc = specc_counts(Model::TwoPhase { rms: 3 }, 1).expect("two_phase.spec checks");
        assert_eq!(
            (stateright.distinct, stateright.generated, stateright.depth),
            (288, 1146, 11)
        );
        assert!(!stateright.violated);
        assert_eq!(
            specc,
            Counts {
                distinct: 288,
                generated: 1146,
                depth: Some(11),
                reported: None
            }
        );
    }
}
