//! `specc-bench`: specc's checker against a Stateright model of the same
//! protocol (Gray and Lamport's TwoPhase), side by side in one run on one
//! machine.
//!
//! For each number of resource managers it measures specc's checker as a
//! library and as the `specc` command, each with one worker and with one
//! worker per core, and the Stateright model with one thread and with one
//! per core. Every measurement runs in a child process of its own (this
//! binary re-executed with a hidden `measure` subcommand), so peak resident
//! memory is not shared between them. It checks that every engine found the
//! same number of distinct states, then prints a Markdown table with the
//! medians and the throughput ratios that the checker issue sets as targets.
//! docs/BENCHMARKS.md records a run.

mod measure;
mod process;
mod report;
mod stateright_two_phase;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use measure::{Engine, Sample, Setup};
use report::{Config, Row};

/// Benchmark specc's checker against Stateright on TwoPhase commit.
#[derive(Parser, Debug)]
#[command(name = "specc-bench", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(flatten)]
    run: RunArgs,
    #[command(subcommand)]
    command: Option<Hidden>,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The smallest number of resource managers.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=9))]
    min_rms: u32,
    /// The largest number of resource managers (RMS=9 explores about 10
    /// million states per configuration).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=9))]
    max_rms: u32,
    /// Runs of each configuration; the table shows the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,
    /// The worker (thread) count of the parallel configurations [default:
    /// one per core].
    #[arg(long, value_parser = clap::value_parser!(u16).range(2..=1024))]
    workers: Option<u16>,
    /// The engines to measure.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_values_t = [Engine::Stateright, Engine::SpeccLib, Engine::SpeccBin]
    )]
    engines: Vec<Engine>,
    /// The `specc` command to time [default: `specc` beside this binary].
    #[arg(long, value_name = "PATH")]
    specc: Option<PathBuf>,
    /// Stop a measurement that takes longer than this many seconds.
    #[arg(long, default_value_t = 1200)]
    timeout: u64,
}

#[derive(Subcommand, Debug)]
enum Hidden {
    /// Runs one measurement and prints it as JSON (used by the benchmark
    /// itself, once per child process).
    #[command(hide = true)]
    Measure(MeasureArgs),
}

#[derive(Args, Debug)]
struct MeasureArgs {
    #[arg(long, value_enum)]
    engine: Engine,
    #[arg(long)]
    rms: u32,
    #[arg(long)]
    workers: usize,
    #[arg(long)]
    specc: PathBuf,
    #[arg(long)]
    timeout: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Hidden::Measure(args)) => measure_here(&args),
        None => run(&cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("specc-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn measure_here(args: &MeasureArgs) -> Result<(), String> {
    let setup = Setup {
        specc: &args.specc,
        limit: Duration::from_secs(args.timeout),
    };
    let sample = measure::measure(args.engine, args.rms, args.workers, &setup)?;
    let line = serde_json::to_string(&sample).map_err(|e| e.to_string())?;
    println!("{line}");
    Ok(())
}

fn run(args: &RunArgs) -> Result<(), String> {
    if args.min_rms > args.max_rms {
        return Err("--min-rms is larger than --max-rms".to_string());
    }
    let machine = process::machine();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let parallel = args.workers.map_or(cores, usize::from);
    let this = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let specc = match &args.specc {
        Some(path) => path.clone(),
        None => this.with_file_name("specc"),
    };
    let mut configs = Vec::new();
    // The order of one round: the serial configurations first, so that the
    // peers' single-thread runs sit side by side.
    for (engine, workers) in [
        (Engine::Stateright, 1),
        (Engine::SpeccLib, 1),
        (Engine::SpeccLib, parallel),
        (Engine::Stateright, parallel),
        (Engine::SpeccBin, 1),
        (Engine::SpeccBin, parallel),
    ] {
        let config = Config { engine, workers };
        if args.engines.contains(&engine) && !configs.contains(&config) {
            configs.push(config);
        }
    }
    if args.engines.contains(&Engine::SpeccBin) && !specc.is_file() {
        eprintln!(
            "specc-bench: no specc command at {}; build it with `cargo build --release -p specc` \
             (skipping the whole-process figures)",
            specc.display()
        );
        configs.retain(|config| config.engine != Engine::SpeccBin);
    }
    eprintln!(
        "machine: {} logical processors ({} available), {}; load average {}",
        machine.processors,
        cores,
        machine.cpu_model,
        process::load_average()
    );

    let mut all_rows = Vec::new();
    let mut warnings = Vec::new();
    for rms in args.min_rms..=args.max_rms {
        let mut rows: Vec<Row> = configs
            .iter()
            .map(|&config| Row {
                rms,
                config,
                samples: Vec::new(),
                failure: None,
            })
            .collect();
        // Round-robin over the configurations so that a change in the
        // machine's load spreads over all of them.
        for run in 1..=args.repeat {
            for row in rows.iter_mut().filter(|row| row.failure.is_none()) {
                let measured = measure_in_child(&this, row.config, rms, &specc, args.timeout);
                let Config { engine, workers } = row.config;
                match measured {
                    Ok(sample) => {
                        eprintln!(
                            "RMS={rms} {} workers={workers} run {run}/{}: {} distinct, {:.3} s, \
                             {:.0} MiB peak (load {})",
                            engine.label(),
                            args.repeat,
                            sample.distinct,
                            sample.wall_secs,
                            sample.peak_kib as f64 / 1024.0,
                            process::load_average(),
                        );
                        row.samples.push(sample);
                    }
                    Err(message) => {
                        eprintln!("RMS={rms} {} workers={workers}: {message}", engine.label());
                        row.failure = Some(message);
                    }
                }
            }
        }
        warnings.extend(report::cross_check(&rows)?);
        all_rows.extend(rows);
    }

    println!(
        "TwoPhase (specs/classic/two_phase.spec), no symmetry reduction; {} logical \
         processors, {}; median of {} runs; load average at the end {}.\n",
        machine.processors,
        machine.cpu_model,
        args.repeat,
        process::load_average()
    );
    print!("{}", report::table(&all_rows));
    println!();
    print!("{}", report::ratios(&all_rows, parallel));
    for warning in warnings {
        println!("warning: {warning}");
    }
    Ok(())
}

/// Runs one measurement in a fresh child process (this binary's hidden
/// `measure` subcommand) and reads the sample it prints.
fn measure_in_child(
    this: &std::path::Path,
    config: Config,
    rms: u32,
    specc: &std::path::Path,
    timeout: u64,
) -> Result<Sample, String> {
    let engine = match config.engine {
        Engine::SpeccLib => "specc-lib",
        Engine::SpeccBin => "specc-bin",
        Engine::Stateright => "stateright",
    };
    let mut command = Command::new(this);
    command
        .arg("measure")
        .args(["--engine", engine])
        .args(["--rms", &rms.to_string()])
        .args(["--workers", &config.workers.to_string()])
        .arg("--specc")
        .arg(specc)
        .args(["--timeout", &timeout.to_string()]);
    // The child's own limit applies to the `specc` process it may start;
    // this one, a little longer, to the child itself.
    let finished = process::run_with_limit(command, Duration::from_secs(timeout + 30))?;
    if !finished.status.success() {
        return Err(format!("the measurement failed ({})", finished.status));
    }
    serde_json::from_str(finished.stdout.trim())
        .map_err(|e| format!("cannot read the measurement: {e}"))
}

#[cfg(test)]
mod tests {
    use crate::measure::specc_counts;
    use crate::stateright_two_phase;

    /// The Stateright model and specc agree on TwoPhase with three RMs, and
    /// both give TLC's counts: 288 distinct states, 1,146 generated, depth
    /// 11.
    #[test]
    fn stateright_model_explores_the_same_states_as_specc() {
        let stateright = stateright_two_phase::check(3, 1);
        let specc = specc_counts(3, 1).expect("two_phase.spec checks");
        assert_eq!(
            (stateright.distinct, stateright.generated, stateright.depth),
            (288, 1146, 11)
        );
        assert!(!stateright.violated);
        assert_eq!(specc, (288, 1146, 11));
    }
}
