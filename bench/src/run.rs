//! The benchmark run: which engines can run here (a peer whose tools are
//! absent is skipped with a message), the peers' models and specc's
//! compiled checkers built once per size, the measurements round-robin in
//! child processes, then the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::measure::{CommandLine, Engine, Job, Model, Sample, specc_command};
use crate::report::{self, Config, Row};
use crate::spin::{self, Spin, Verifier};
use crate::tlc::{self, Tlc};
use crate::{RunArgs, SpecChoice, compiled, process};

/// The order of one round on TwoPhase: the single-core peers first, beside
/// specc's single-worker runs, then the parallel ones. `0` stands for the
/// parallel worker count.
const ROUND: [(Engine, usize); 10] = [
    (Engine::Stateright, 1),
    (Engine::Spin, 1),
    (Engine::Tlc, 1),
    (Engine::SpeccLib, 1),
    (Engine::SpeccBin, 1),
    (Engine::SpeccCompiled, 1),
    (Engine::SpeccLib, 0),
    (Engine::SpeccBin, 0),
    (Engine::SpeccCompiled, 0),
    (Engine::Stateright, 0),
];

/// What this machine has of each engine's tools; an error is the message
/// that says why the engine is skipped.
struct Tools {
    specc: Result<PathBuf, String>,
    compiled: Result<(), String>,
    spin: Result<Spin, String>,
    tlc: Result<Tlc, String>,
}

impl Tools {
    fn discover(specc: PathBuf) -> Tools {
        let path = std::env::var_os("PATH");
        let specc = if specc.is_file() {
            Ok(specc)
        } else {
            Err(format!(
                "no specc command at {}; build it with `cargo build --release -p specc`",
                specc.display()
            ))
        };
        let compiled = match &specc {
            Ok(specc) => has_compiled_flag(specc),
            Err(e) => Err(e.clone()),
        };
        Tools {
            specc,
            compiled,
            spin: spin::locate(path.as_deref()),
            tlc: tlc::locate(
                std::env::var_os(tlc::JAR_VARIABLE).as_deref(),
                path.as_deref(),
            ),
        }
    }

    /// Why `engine` cannot run here, if it cannot.
    fn missing(&self, engine: Engine) -> Option<String> {
        let why = match engine {
            Engine::SpeccLib | Engine::Stateright => return None,
            Engine::SpeccBin => self.specc.as_ref().err(),
            Engine::SpeccCompiled => self.compiled.as_ref().err(),
            Engine::Spin => self.spin.as_ref().err(),
            Engine::Tlc => self.tlc.as_ref().err(),
        };
        why.cloned()
    }
}

/// Whether `specc check` takes `--compiled` (the compiled evaluator).
fn has_compiled_flag(specc: &Path) -> Result<(), String> {
    let help = Command::new(specc)
        .args(["check", "--help"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", specc.display()))?;
    if String::from_utf8_lossy(&help.stdout).contains("--compiled") {
        Ok(())
    } else {
        Err(format!(
            "`{} check` has no --compiled flag yet",
            specc.display()
        ))
    }
}

/// The peers' built models and specc's compiled checkers, kept for the
/// whole run.
struct Workshop {
    dir: tempfile::TempDir,
    spin: BTreeMap<u32, Result<Verifier, String>>,
    /// The build time of each model's compiled checker, in
    /// [`Workshop::compiled_cache`].
    compiled: BTreeMap<Model, Result<f64, String>>,
}

impl Workshop {
    /// The cache of `specc check --compiled` for this run: empty at the
    /// start, so that no build of an earlier run is used or timed.
    fn compiled_cache(&self) -> PathBuf {
        self.dir.path().join("specc-cache")
    }

    /// Builds `model`'s compiled checker on first use and returns how long
    /// the build took.
    fn compiled_build(
        &mut self,
        specc: &Path,
        model: Model,
        limit: Duration,
    ) -> Result<f64, String> {
        let cache = self.compiled_cache();
        self.compiled
            .entry(model)
            .or_insert_with(|| {
                let secs = compiled::build(specc, &cache, model, limit)?;
                eprintln!(
                    "{} {}: compiled checker built in {secs:.1} s (its build s, outside the \
                     timed runs)",
                    model.label(),
                    Engine::SpeccCompiled.label()
                );
                Ok(secs)
            })
            .clone()
    }

    /// A copy of `program` to run instead of it. The `specc` measured is
    /// the one there when the run starts: in a shared checkout another
    /// build may replace the original during the run, which would change
    /// what later runs measure, and would make the compiled checkers
    /// built by the warm-ups stale (their build stamp names the `specc`
    /// executable), so that timed runs would build them again.
    fn keep_copy(&self, program: &Path) -> Result<PathBuf, String> {
        let name = program.file_name().unwrap_or(program.as_os_str());
        let copy = self.dir.path().join(name);
        std::fs::copy(program, &copy).map_err(|e| {
            format!(
                "cannot copy {} to {}: {e}",
                program.display(),
                copy.display()
            )
        })?;
        Ok(copy)
    }

    /// SPIN's verifier for `rms`, built on first use.
    fn verifier(&mut self, spin: &Spin, rms: u32) -> Result<Verifier, String> {
        let root = self.dir.path();
        self.spin
            .entry(rms)
            .or_insert_with(|| {
                let dir = root.join(format!("spin-rms{rms}"));
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))
                    .and_then(|()| spin::build(spin, &dir, rms))
            })
            .clone()
    }

    /// The directory of TLC's model for `rms`, written on first use.
    fn tlc_model(&self, rms: u32) -> Result<PathBuf, String> {
        let dir = self.dir.path().join(format!("tlc-rms{rms}"));
        if !dir.join("TwoPhase.cfg").is_file() {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            tlc::write_model(&dir, rms)?;
        }
        Ok(dir)
    }
}

/// The smallest TwoPhase, on which each process is run first for its
/// baseline memory.
const BASELINE: Model = Model::TwoPhase { rms: 1 };

pub fn run(args: &RunArgs) -> Result<(), String> {
    if args.min_rms > args.max_rms {
        return Err("--min-rms is larger than --max-rms".to_string());
    }
    let machine = process::machine();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let parallel = args.workers.map_or(cores, usize::from);
    let this = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let specc = args
        .specc
        .clone()
        .unwrap_or_else(|| this.with_file_name("specc"));
    let mut tools = Tools::discover(specc);
    let mut engines = Vec::new();
    for &engine in &args.engines {
        match tools.missing(engine) {
            Some(why) => eprintln!("specc-bench: skipping {}: {why}", engine.label()),
            None if !engines.contains(&engine) => engines.push(engine),
            None => {}
        }
    }
    eprintln!(
        "machine: {} logical processors ({} available), {}; load average {}",
        machine.processors,
        cores,
        machine.cpu_model,
        process::load_average()
    );
    if let (Ok(spin), true) = (&tools.spin, engines.contains(&Engine::Spin)) {
        eprintln!(
            "SPIN: {} ({}), pan.c built with {} {}",
            spin.version,
            spin.spin.display(),
            spin.cc.display(),
            spin::CC_FLAGS.join(" ")
        );
    }
    let mut workshop = Workshop {
        dir: tempfile::Builder::new()
            .prefix("specc-bench-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?,
        spin: BTreeMap::new(),
        compiled: BTreeMap::new(),
    };
    if let (Ok(specc), true) = (&tools.specc, engines.iter().any(|e| e.is_specc())) {
        tools.specc = workshop.keep_copy(specc);
    }
    if let (Ok(specc), true) = (&tools.specc, engines.contains(&Engine::SpeccCompiled)) {
        let cache = workshop.compiled_cache();
        eprintln!(
            "{}: building specc's checker crate and its dependencies in release mode into {}, \
             once for this run and outside any timing (a minute or more)",
            Engine::SpeccCompiled.label(),
            cache.display()
        );
        match compiled::build_dependencies(specc, &cache, Duration::from_secs(args.timeout)) {
            Ok(secs) => eprintln!(
                "{}: dependencies built in {secs:.1} s",
                Engine::SpeccCompiled.label()
            ),
            Err(why) => {
                eprintln!(
                    "specc-bench: skipping {}: cannot build its dependencies: {why}",
                    Engine::SpeccCompiled.label()
                );
                engines.retain(|&engine| engine != Engine::SpeccCompiled);
            }
        }
    }

    let mut models = Vec::new();
    for spec in &args.specs {
        match spec {
            SpecChoice::TwoPhase => {
                models.extend((args.min_rms..=args.max_rms).map(|rms| Model::TwoPhase { rms }));
            }
            SpecChoice::Raft => models.push(Model::Raft),
            SpecChoice::ChandyLamport => models.push(Model::ChandyLamport),
        }
    }
    models.dedup();

    let mut all_rows = Vec::new();
    let mut warnings = Vec::new();
    let mut peer_commands = Vec::new();
    for model in models {
        let mut rows = Vec::new();
        let mut jobs = Vec::new();
        for (engine, workers) in ROUND {
            let workers = if workers == 0 { parallel } else { workers };
            let config = Config { engine, workers };
            let runs_here = engine.is_specc() || matches!(model, Model::TwoPhase { .. });
            if !engines.contains(&engine)
                || !runs_here
                || rows.iter().any(|r: &Row| r.config == config)
            {
                continue;
            }
            let mut row = Row {
                model,
                config,
                samples: Vec::new(),
                failure: None,
                build_secs: None,
            };
            let job = job(&tools, &mut workshop, model, config, args.timeout);
            match job {
                Ok((job, build_secs)) => {
                    row.build_secs = build_secs;
                    if let Job::Process { run, .. } = &job
                        && !engine.is_specc()
                        && model == (Model::TwoPhase { rms: args.max_rms })
                    {
                        let build = match (engine, &tools.spin) {
                            (Engine::Spin, Ok(spin)) => format!(
                                "`{} -a two_phase.pml`, `{} {} -o pan pan.c`, then ",
                                spin.spin.display(),
                                spin.cc.display(),
                                spin::CC_FLAGS.join(" ")
                            ),
                            _ => String::new(),
                        };
                        peer_commands.push(format!(
                            "{}: {build}`{}`",
                            engine.label(),
                            run.display()
                        ));
                    }
                    jobs.push(Some(job));
                }
                Err(message) => {
                    eprintln!("{} {}: {message}", model.label(), engine.label());
                    row.failure = Some(message);
                    jobs.push(None);
                }
            }
            rows.push(row);
        }
        // Round-robin over the configurations so that a change in the
        // machine's load spreads over all of them.
        for run in 1..=args.repeat {
            for (row, job) in rows.iter_mut().zip(&jobs) {
                let (None, Some(job)) = (&row.failure, job) else {
                    continue;
                };
                let Config { engine, workers } = row.config;
                match measure_in_child(&this, job, args.timeout) {
                    Ok(mut sample) => {
                        sample.load = process::load_average_1min();
                        eprintln!(
                            "{} {} workers={workers} run {run}/{}: {} distinct, {:.3} s, \
                             {:.1} MiB peak (load {})",
                            model.label(),
                            engine.label(),
                            args.repeat,
                            sample.counts.distinct,
                            sample.wall_secs,
                            sample.peak_kib as f64 / 1024.0,
                            process::load_average(),
                        );
                        row.samples.push(sample);
                    }
                    Err(message) => {
                        eprintln!(
                            "{} {} workers={workers}: {message}",
                            model.label(),
                            engine.label()
                        );
                        row.failure = Some(message);
                    }
                }
            }
        }
        warnings.extend(report::cross_check(&rows).map_err(|e| format!("{}: {e}", model.label()))?);
        all_rows.extend(rows);
    }

    println!(
        "specc-bench: {} logical processors, {}; median of {} runs; load average at the end {}. \
         TwoPhase has no symmetric roles; raft and chandy_lamport run with their default \
         parameters, symmetry reduction and liveness, as `specc check` does.\n",
        machine.processors,
        machine.cpu_model,
        args.repeat,
        process::load_average()
    );
    print!("{}", report::table(&all_rows));
    println!();
    print!("{}", report::ratios(&all_rows, parallel));
    if !peer_commands.is_empty() {
        println!("\nThe peers' commands (RMS={}):", args.max_rms);
        for line in peer_commands {
            println!("- {line}");
        }
    }
    for warning in warnings {
        println!("warning: {warning}");
    }
    Ok(())
}

/// The job of one configuration, with its build time (SPIN's, or specc
/// --compiled's once its dependencies are built).
fn job(
    tools: &Tools,
    workshop: &mut Workshop,
    model: Model,
    config: Config,
    timeout_secs: u64,
) -> Result<(Job, Option<f64>), String> {
    let Config { engine, workers } = config;
    let process = |baseline: CommandLine, run: CommandLine| Job::Process {
        engine,
        baseline,
        run,
        timeout_secs,
    };
    let specc = || tools.specc.clone();
    let rms = match model {
        Model::TwoPhase { rms } => Some(rms),
        Model::Raft | Model::ChandyLamport => None,
    };
    let peer_rms =
        || rms.ok_or_else(|| format!("{} has no model of {}", engine.label(), model.label()));
    Ok(match engine {
        Engine::SpeccLib | Engine::Stateright => (
            Job::InProcess {
                engine,
                model,
                workers,
            },
            None,
        ),
        Engine::SpeccBin => {
            let specc = specc()?;
            let baseline = specc_command(&specc, BASELINE, workers, None);
            (
                process(baseline, specc_command(&specc, model, workers, None)),
                None,
            )
        }
        Engine::SpeccCompiled => {
            // Both checkers are built here, so that no measured run (the
            // baseline included) runs cargo.
            let specc = specc()?;
            let limit = Duration::from_secs(timeout_secs);
            workshop.compiled_build(&specc, BASELINE, limit)?;
            let build_secs = workshop.compiled_build(&specc, model, limit)?;
            let cache = workshop.compiled_cache();
            let baseline = specc_command(&specc, BASELINE, workers, Some(&cache));
            (
                process(
                    baseline,
                    specc_command(&specc, model, workers, Some(&cache)),
                ),
                Some(build_secs),
            )
        }
        Engine::Spin => {
            let rms = peer_rms()?;
            let spin = tools.spin.as_ref().map_err(Clone::clone)?;
            let baseline = workshop.verifier(spin, 1)?;
            let verifier = workshop.verifier(spin, rms)?;
            let build_secs = verifier.build_secs;
            (
                process(spin::pan_command(&baseline), spin::pan_command(&verifier)),
                Some(build_secs),
            )
        }
        Engine::Tlc => {
            let rms = peer_rms()?;
            let tlc = tools.tlc.as_ref().map_err(Clone::clone)?;
            let baseline = tlc::command(tlc, &workshop.tlc_model(1)?, 1);
            (
                process(baseline, tlc::command(tlc, &workshop.tlc_model(rms)?, 1)),
                None,
            )
        }
    })
}

/// Runs one measurement in a fresh child process (this binary's hidden
/// `measure` subcommand) and reads the sample it prints.
fn measure_in_child(this: &Path, job: &Job, timeout: u64) -> Result<Sample, String> {
    let text = serde_json::to_string(job).map_err(|e| e.to_string())?;
    let mut command = Command::new(this);
    command.args(["measure", "--job", &text]);
    // The child's own limit applies to each program it starts (the
    // baseline, then the measured run); this one to the child itself.
    let finished = process::run_with_limit(command, Duration::from_secs(2 * timeout + 30))?;
    if !finished.status.success() {
        return Err(format!("the measurement failed ({})", finished.status));
    }
    serde_json::from_str(finished.stdout.trim())
        .map_err(|e| format!("cannot read the measurement: {e}"))
}
