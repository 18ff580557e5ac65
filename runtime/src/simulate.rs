//! A seeded, deterministic simulator: every role instance of a protocol in
//! one process, a simulated network, and the faults the spec declares (the
//! transitions are in `system.rs`).
//!
//! Each round, the simulator offers the protocol's events (every
//! spontaneous step of every live instance, every deliverable message) in
//! an order shuffled by the seed and takes the first that some step
//! accepts; the `choose`s of the spec are answered by a seeded hook. With
//! probability `fault_percent` a round is special: by a coin flip, either
//! one declared fault still within its bound happens (a message lost or
//! duplicated, a partition begun or healed, an instance crashed or
//! recovered), or timers may fire early.
//!
//! Timeout steps stand for timers: in an ordinary round they are offered
//! after every other event, so that they fire when the system has nothing
//! else to do; in a special round they compete with the rest (a timer that
//! fires before a slow message arrives). In a synchronous protocol
//! (`network ... synchronous`) no round lets them: a timeout is taken only
//! when no other event is accepted, as the checker enables it only when no
//! other step can change the state.
//!
//! State constraints bound the region the checker explores: it checks a
//! state that violates one but explores nothing beyond it. The simulator
//! does the same: a run that reaches such a state records it and ends
//! ([`RunEnd::Constrained`]). So that runs explore the region rather than
//! leave it at once, a step that would leave it is set aside unless a
//! fifth of the special rounds allow it, and taken only when nothing else
//! is enabled.
//!
//! Every one of these policies picks among transitions the spec allows, so
//! every run is a behaviour of the spec. The same seed always gives the
//! same run and the same trace.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;

use crate::rng::Rng;
use crate::role::{ChoiceSite, Hook, Protocol};
use crate::system::{Fault, System, Taken, Tried};
use crate::trace::trace_object;

/// How to run one simulation.
#[derive(Clone, Copy, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// The run stops after this many recorded events.
    pub max_steps: usize,
    /// The chance, in percent, that a round injects a fault (or takes a
    /// step out of the state constraints).
    pub fault_percent: u32,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            seed: 0,
            max_steps: 1000,
            fault_percent: 10,
        }
    }
}

/// Why a run ended.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RunEnd {
    /// No event was accepted and no crashed instance could recover.
    Quiescent,
    StepLimit,
    /// The last state violates a state constraint of the spec, beyond which
    /// the checker explores nothing.
    Constrained,
    /// A step assertion failed or an expression had no value (an
    /// evaluation error, including a store out of its declared bounds).
    Failed(String),
}

/// One simulated run.
#[derive(Clone, Debug)]
pub struct SimRun {
    /// The trace, one JSON object per line, starting with a header.
    pub trace: String,
    pub end: RunEnd,
    /// How often each step ran, by `Role.step`; every step the protocol
    /// lists is present, those that never ran with 0.
    pub coverage: BTreeMap<String, usize>,
}

struct RngHook(Rng);

impl Hook for RngHook {
    fn choose(&mut self, _site: &ChoiceSite, candidates: usize) -> usize {
        self.0.below(candidates)
    }
}

/// What a round of the simulation did.
enum Round {
    /// A transition was taken; `inside` tells whether its state satisfies
    /// the state constraints.
    Moved { inside: bool },
    /// Nothing was enabled.
    Stuck,
}

struct Sim<P: Protocol> {
    system: System<P>,
    fault_percent: u32,
    rng: Rng,
    hook: RngHook,
    lines: Vec<String>,
    coverage: BTreeMap<String, usize>,
}

/// The coverage map of a protocol with every step at 0.
pub(crate) fn empty_coverage<P: Protocol>() -> BTreeMap<String, usize> {
    let mut coverage = BTreeMap::new();
    for role in P::INFO.roles {
        for step in P::steps(role.id) {
            coverage.insert(format!("{}.{step}", role.name), 0);
        }
    }
    coverage
}

/// Runs one seeded simulation of a protocol.
pub fn simulate<P: Protocol>(config: &SimConfig) -> SimRun {
    let mut sim = Sim::<P> {
        system: System::new(),
        fault_percent: config.fault_percent,
        rng: Rng::new(config.seed),
        hook: RngHook(Rng::new(config.seed ^ 0x5EED_C401_CE00_0001)),
        lines: Vec::new(),
        coverage: empty_coverage::<P>(),
    };
    sim.record(trace_object(vec![
        ("kind", Value::from("header")),
        ("protocol", Value::from(P::INFO.name)),
        ("seed", Value::from(config.seed)),
    ]));
    let end = sim.run(config.max_steps);
    let mut trace = sim.lines.join("\n");
    trace.push('\n');
    SimRun {
        trace,
        end,
        coverage: sim.coverage,
    }
}

impl<P: Protocol> Sim<P> {
    fn record(&mut self, line: Value) {
        self.lines.push(line.to_string());
    }

    fn run(&mut self, max_steps: usize) -> RunEnd {
        match self.system.within_constraints(None) {
            Ok(true) => {}
            Ok(false) => return RunEnd::Constrained,
            Err(e) => return RunEnd::Failed(format!("state constraint: evaluation error: {e}")),
        }
        while self.lines.len() <= max_steps {
            // A round that the fault chance picks is, by a coin flip, a
            // fault or a round in which timers may fire early.
            let fault_round = self.rng.chance(self.fault_percent);
            let early_timers = fault_round && self.rng.chance(50);
            let round = if fault_round
                && !early_timers
                && let Some(round) = self.fault(false)
            {
                round
            } else {
                // Leaving the constraints ends the run, so it is rarer: a
                // fifth of the fault chance.
                let may_leave = fault_round && self.rng.chance(20);
                match self.protocol_step(may_leave, fault_round) {
                    Ok(Round::Stuck) => match self.fault(true) {
                        Some(round) => round,
                        None => return RunEnd::Quiescent,
                    },
                    Ok(moved) => moved,
                    Err(message) => return RunEnd::Failed(message),
                }
            };
            match round {
                Round::Moved { inside: true } => {}
                Round::Moved { inside: false } => return RunEnd::Constrained,
                Round::Stuck => return RunEnd::Quiescent,
            }
        }
        RunEnd::StepLimit
    }

    /// Takes one protocol step. A step that would leave the state
    /// constraints is taken only when `may_leave` or when no other step is
    /// enabled; a timeout only when no other step is, unless `timers` and
    /// the protocol is not synchronous.
    fn protocol_step(&mut self, may_leave: bool, timers: bool) -> Result<Round, String> {
        let synchronous = self.system.info.synchronous;
        let mut offers = self.system.offers();
        self.rng.shuffle(&mut offers);
        if synchronous || !timers {
            // Timers fire when nothing else is enabled: timeouts go last
            // (a stable sort, so each group keeps its shuffled order).
            offers.sort_by_key(|&o| self.system.is_timeout(o));
        }
        let mut leaving: Option<Taken<P>> = None;
        for offer in offers {
            // A synchronous timeout is not enabled while another step is,
            // even one that leaves the constraints.
            if synchronous && leaving.is_some() && self.system.is_timeout(offer) {
                break;
            }
            let taken = match self.system.try_offer(offer, &mut self.hook) {
                Tried::Taken(taken) => taken,
                Tried::NotEnabled => continue,
                Tried::Failed(message) => return Err(message),
            };
            let inside = self
                .system
                .within_constraints(Some(&taken))
                .map_err(|e| format!("state constraint: evaluation error: {e}"))?;
            if inside || may_leave {
                self.commit(taken);
                return Ok(Round::Moved { inside });
            }
            leaving.get_or_insert(taken);
        }
        Ok(match leaving {
            Some(taken) => {
                self.commit(taken);
                Round::Moved { inside: false }
            }
            None => Round::Stuck,
        })
    }

    fn commit(&mut self, taken: Taken<P>) {
        let (record, step) = self.system.commit(taken);
        *self.coverage.entry(step).or_default() += 1;
        self.record(record);
    }

    /// Injects one declared fault within its bound; with `recover_only`,
    /// only a recovery. `None` when none is possible.
    fn fault(&mut self, recover_only: bool) -> Option<Round> {
        let mut faults = self.system.faults(recover_only);
        if !recover_only && self.system.can_partition() {
            faults.push(self.random_partition());
        }
        if faults.is_empty() {
            return None;
        }
        let fault = faults.swap_remove(self.rng.below(faults.len()));
        let record = self.system.apply(fault);
        self.record(record);
        // A constraint that cannot be evaluated ends the run as outside.
        let inside = self.system.within_constraints(None).unwrap_or(false);
        Some(Round::Moved { inside })
    }

    /// A random split of the instances into two non-empty groups: the
    /// first instance stays on one side, each other one joins the cut-off
    /// group by a coin flip, and at least one does.
    fn random_partition(&mut self) -> Fault {
        let n = self.system.ids.len();
        let mut cut: Vec<bool> = (0..n).map(|at| at > 0 && self.rng.chance(50)).collect();
        if !cut.iter().any(|&c| c) {
            let at = 1 + self.rng.below(n - 1);
            cut[at] = true;
        }
        Fault::Partition(cut)
    }
}

/// The `main` of a generated crate's simulator binary.
///
/// `simulate --seeds FROM..TO --out DIR [--max-steps N] [--faults PERCENT]`
/// writes `DIR/trace-SEED.jsonl` for every seed and prints how often each
/// step ran (0 for those that never did). Exit code 1 when a run failed (an
/// assertion or an evaluation error), 2 for a wrong command line.
///
/// `simulate --replay COUNTEREXAMPLE.itf.json --out TRACE.jsonl` replays a
/// counterexample of `specc check --trace-out` on the generated code and
/// writes the replayed run as a trace for `specc validate`. Exit code 1
/// when the generated code cannot follow it, 2 for a wrong command line or
/// an unreadable file.
pub fn simulate_main<P: Protocol>() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run_main::<P>(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(MainError::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(MainError::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

enum MainError {
    Usage(String),
    Failed(String),
}

impl From<String> for MainError {
    fn from(message: String) -> MainError {
        MainError::Usage(message)
    }
}

impl From<&str> for MainError {
    fn from(message: &str) -> MainError {
        MainError::Usage(message.to_string())
    }
}

fn run_main<P: Protocol>(args: &[String]) -> Result<(), MainError> {
    let mut seeds = 0..100u64;
    let mut out: Option<PathBuf> = None;
    let mut replay_from: Option<PathBuf> = None;
    let mut config = SimConfig::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<u64>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--seeds" => {
                let (a, b) = value
                    .split_once("..")
                    .ok_or_else(|| format!("--seeds {value}: expected FROM..TO"))?;
                seeds = number(a)?..number(b)?;
            }
            "--out" => out = Some(PathBuf::from(value)),
            "--max-steps" => config.max_steps = number(value)? as usize,
            "--faults" => config.fault_percent = number(value)?.min(100) as u32,
            "--replay" => replay_from = Some(PathBuf::from(value)),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let out = out.ok_or("--out is required")?;
    if let Some(itf) = replay_from {
        return replay_main::<P>(&itf, &out);
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut coverage = empty_coverage::<P>();
    let mut failed = 0;
    for seed in seeds {
        config.seed = seed;
        let run = simulate::<P>(&config);
        for (step, n) in run.coverage {
            *coverage.entry(step).or_default() += n;
        }
        if let RunEnd::Failed(m) = &run.end {
            failed += 1;
            eprintln!("seed {seed}: {m}");
        }
        let path = out.join(format!("trace-{seed}.jsonl"));
        std::fs::write(&path, run.trace).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    for (step, n) in &coverage {
        println!("{step}: {n}");
    }
    if failed > 0 {
        return Err(MainError::Failed(format!(
            "{failed} runs failed (an assertion or an evaluation error)"
        )));
    }
    Ok(())
}

fn replay_main<P: Protocol>(itf: &std::path::Path, out: &std::path::Path) -> Result<(), MainError> {
    let text = std::fs::read_to_string(itf).map_err(|e| format!("{}: {e}", itf.display()))?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", itf.display()))?;
    let itf_trace = crate::itf::read_itf(&doc).map_err(|e| format!("{}: {e}", itf.display()))?;
    let run = crate::replay::replay::<P>(&itf_trace).map_err(|e| {
        MainError::Failed(format!("the generated code does not follow the trace: {e}"))
    })?;
    std::fs::write(out, &run.trace).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "replayed {} transitions of {}: the generated code reached every state",
        run.transitions,
        if itf_trace.description.is_empty() {
            "the trace"
        } else {
            itf_trace.description.as_str()
        }
    );
    if let Some(k) = run.loop_at {
        println!(
            "the behaviour loops back to state {k} (a lasso), which the generated code reached too"
        );
    }
    println!("wrote {}", out.display());
    Ok(())
}
