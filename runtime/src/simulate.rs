//! A seeded, deterministic simulator: every role instance of a protocol in
//! one process, a simulated network, and the faults the spec declares.
//!
//! Each round, with probability `fault_percent`, one declared fault that is
//! still within its bound happens (a message lost or duplicated, an
//! instance crashed or recovered); otherwise the simulator offers the
//! protocol's events (every spontaneous step of every live instance, every
//! deliverable message) in an order shuffled by the seed and takes the
//! first that some step accepts. Delivery follows the network kind: in a
//! bag any message in flight may be delivered and is consumed; in a set it
//! stays in flight; in a FIFO network only the oldest message of each
//! (sender, receiver) pair is deliverable. A step whose sends would exceed
//! `max_in_flight` is not taken, as in the spec. In a synchronous protocol
//! (`network ... synchronous`) a timeout step is offered only when no other
//! event is accepted, as the checker allows it only when nothing else can
//! happen. The same seed always gives the same run and the same trace.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;

use crate::instance::{InstanceId, NetworkKind, ProtocolInfo};
use crate::rng::Rng;
use crate::role::{ChoiceSite, Event, Hook, Outcome, Protocol};
use crate::trace::{message_json, trace_object};

/// How to run one simulation.
#[derive(Clone, Copy, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// The run stops after this many recorded events.
    pub max_steps: usize,
    /// The chance, in percent, that a round injects a fault.
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
    /// A step assertion failed.
    Failed(String),
}

/// One simulated run.
#[derive(Clone, Debug)]
pub struct SimRun {
    /// The trace, one JSON object per line, starting with a header.
    pub trace: String,
    pub end: RunEnd,
    /// How often each step ran, by `Role.step`.
    pub coverage: BTreeMap<String, usize>,
}

struct InFlight<M> {
    from: InstanceId,
    to: InstanceId,
    message: M,
}

struct RngHook(Rng);

impl Hook for RngHook {
    fn choose(&mut self, _site: &ChoiceSite, candidates: usize) -> usize {
        self.0.below(candidates)
    }
}

enum Offer {
    Step(usize, &'static str),
    Deliver(usize),
}

struct Sim<P: Protocol> {
    info: ProtocolInfo,
    ids: Vec<InstanceId>,
    nodes: Vec<P::Node>,
    crashed: Vec<bool>,
    net: Vec<InFlight<P::Message>>,
    crashes_used: Vec<u32>,
    losses: u32,
    duplications: u32,
    rng: Rng,
    hook: RngHook,
    lines: Vec<String>,
    coverage: BTreeMap<String, usize>,
}

/// Runs one seeded simulation of a protocol.
pub fn simulate<P: Protocol>(config: &SimConfig) -> SimRun {
    let info = P::INFO;
    let ids = info.instances();
    let mut sim = Sim::<P> {
        info,
        nodes: ids.iter().map(|&i| P::init(i)).collect(),
        crashed: vec![false; ids.len()],
        ids,
        net: Vec::new(),
        crashes_used: vec![0; info.crashes.len()],
        losses: 0,
        duplications: 0,
        rng: Rng::new(config.seed),
        hook: RngHook(Rng::new(config.seed ^ 0x5EED_C401_CE00_0001)),
        lines: Vec::new(),
        coverage: BTreeMap::new(),
    };
    sim.record(trace_object(vec![
        ("kind", Value::from("header")),
        ("protocol", Value::from(info.name)),
        ("seed", Value::from(config.seed)),
    ]));
    let mut end = RunEnd::StepLimit;
    while sim.lines.len() <= config.max_steps {
        if sim.rng.chance(config.fault_percent) && sim.fault(false) {
            continue;
        }
        match sim.protocol_step() {
            Ok(true) => {}
            Ok(false) => {
                if !sim.fault(true) {
                    end = RunEnd::Quiescent;
                    break;
                }
            }
            Err(message) => {
                end = RunEnd::Failed(message);
                break;
            }
        }
    }
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

    fn message(&self, m: &InFlight<P::Message>) -> Value {
        let (kind, fields) = P::message_json(&m.message);
        message_json(&self.info, kind, fields, m.from, m.to)
    }

    fn name(&self, at: usize) -> Value {
        Value::from(self.info.instance_name(self.ids[at]))
    }

    fn deliverable(&self, k: usize) -> bool {
        let m = &self.net[k];
        let Some(to) = self.ids.iter().position(|&i| i == m.to) else {
            return false;
        };
        if self.crashed[to] {
            return false;
        }
        self.info.network != NetworkKind::Fifo
            || !self.net[..k]
                .iter()
                .any(|e| e.from == m.from && e.to == m.to)
    }

    /// Takes one protocol step; false when no event is accepted.
    fn protocol_step(&mut self) -> Result<bool, String> {
        let mut offers = Vec::new();
        for (at, id) in self.ids.iter().enumerate() {
            if !self.crashed[at] {
                offers.extend(P::spontaneous(id.role).iter().map(|s| Offer::Step(at, s)));
            }
        }
        offers.extend(
            (0..self.net.len())
                .filter(|&k| self.deliverable(k))
                .map(Offer::Deliver),
        );
        self.rng.shuffle(&mut offers);
        if self.info.synchronous {
            // Timeouts last, in their shuffled order.
            let (timeouts, others): (Vec<Offer>, Vec<Offer>) =
                offers.into_iter().partition(|o| match o {
                    Offer::Step(at, name) => P::timeouts(self.ids[*at].role).contains(name),
                    Offer::Deliver(_) => false,
                });
            offers = others;
            offers.extend(timeouts);
        }
        for offer in offers {
            let (at, event, consumed) = match offer {
                Offer::Step(at, name) => (at, Event::Step(name), None),
                Offer::Deliver(k) => {
                    let m = &self.net[k];
                    let Some(at) = self.ids.iter().position(|&i| i == m.to) else {
                        continue;
                    };
                    let event = Event::Receive {
                        from: m.from,
                        message: m.message.clone(),
                    };
                    (at, event, Some(k))
                }
            };
            let me = self.ids[at];
            let mut node = self.nodes[at].clone();
            let effects = match P::handle(&mut node, me, &event, &mut self.hook) {
                Outcome::Taken(effects) => effects,
                Outcome::NotEnabled => continue,
                Outcome::Failed { step, message } => {
                    return Err(format!("assertion failed in step {step}: {message}"));
                }
            };
            let received = consumed.map(|k| self.message(&self.net[k]));
            let mut net: Vec<InFlight<P::Message>> = Vec::new();
            let removed = consumed.filter(|_| self.info.network != NetworkKind::Set);
            let sent: Vec<InFlight<P::Message>> = effects
                .sent
                .into_iter()
                .map(|o| InFlight {
                    from: me,
                    to: o.to,
                    message: o.message,
                })
                .collect();
            let sent_json: Vec<Value> = sent.iter().map(|m| self.message(m)).collect();
            let in_flight = self.net.len() - usize::from(removed.is_some())
                + match self.info.network {
                    NetworkKind::Set => sent
                        .iter()
                        .enumerate()
                        .filter(|(n, m)| {
                            !self.net.iter().chain(sent[..*n].iter()).any(|e| same(e, m))
                        })
                        .count(),
                    _ => sent.len(),
                };
            if self
                .info
                .max_in_flight
                .is_some_and(|max| !sent.is_empty() && in_flight > max as usize)
            {
                continue;
            }
            for (k, m) in std::mem::take(&mut self.net).into_iter().enumerate() {
                if Some(k) != removed {
                    net.push(m);
                }
            }
            for m in sent {
                if self.info.network != NetworkKind::Set || !net.iter().any(|e| same(e, &m)) {
                    net.push(m);
                }
            }
            self.net = net;
            self.nodes[at] = node;
            let role = self
                .info
                .roles
                .get(me.role as usize)
                .map_or("?", |r| r.name);
            *self
                .coverage
                .entry(format!("{role}.{}", effects.step))
                .or_default() += 1;
            let line = trace_object(vec![
                ("kind", Value::from("step")),
                ("instance", self.name(at)),
                ("step", Value::from(effects.step)),
                ("received", received.unwrap_or(Value::Null)),
                ("sent", Value::Array(sent_json)),
                ("state", P::state_json(&self.nodes[at])),
            ]);
            self.record(line);
            return Ok(true);
        }
        Ok(false)
    }

    /// Injects one declared fault within its bound; with `recover_only`,
    /// only a recovery. False when none is possible.
    fn fault(&mut self, recover_only: bool) -> bool {
        #[derive(Clone, Copy)]
        enum Fault {
            Lose(usize),
            Duplicate(usize),
            Crash(usize, usize),
            Recover(usize),
        }
        let within = |bound: Option<u32>, used: u32| bound.is_none_or(|max| used < max);
        let mut faults = Vec::new();
        if !recover_only {
            if let Some(loss) = self.info.loss
                && within(loss.max, self.losses)
            {
                faults.extend((0..self.net.len()).map(Fault::Lose));
            }
            if let Some(dup) = self.info.duplication
                && within(dup.max, self.duplications)
                && self.info.network != NetworkKind::Set
                && self
                    .info
                    .max_in_flight
                    .is_none_or(|max| self.net.len() < max as usize)
            {
                faults.extend((0..self.net.len()).map(Fault::Duplicate));
            }
        }
        for (at, id) in self.ids.iter().enumerate() {
            for (c, crash) in self.info.crashes.iter().enumerate() {
                if crash.role != id.role {
                    continue;
                }
                if self.crashed[at] && crash.recover {
                    faults.push(Fault::Recover(at));
                } else if !self.crashed[at] && !recover_only && self.crashes_used[c] < crash.max {
                    faults.push(Fault::Crash(at, c));
                }
            }
        }
        if faults.is_empty() {
            return false;
        }
        let line = match faults[self.rng.below(faults.len())] {
            Fault::Lose(k) => {
                let m = self.net.remove(k);
                if self.info.loss.is_some_and(|b| b.max.is_some()) {
                    self.losses += 1;
                }
                vec![("kind", Value::from("lose")), ("message", self.message(&m))]
            }
            Fault::Duplicate(k) => {
                let m = &self.net[k];
                let copy = InFlight {
                    from: m.from,
                    to: m.to,
                    message: m.message.clone(),
                };
                let json = self.message(&copy);
                self.net.push(copy);
                if self.info.duplication.is_some_and(|b| b.max.is_some()) {
                    self.duplications += 1;
                }
                vec![("kind", Value::from("duplicate")), ("message", json)]
            }
            Fault::Crash(at, c) => {
                self.crashed[at] = true;
                self.crashes_used[c] += 1;
                vec![("kind", Value::from("crash")), ("instance", self.name(at))]
            }
            Fault::Recover(at) => {
                self.crashed[at] = false;
                P::recover(&mut self.nodes[at], self.ids[at]);
                vec![
                    ("kind", Value::from("recover")),
                    ("instance", self.name(at)),
                    ("state", P::state_json(&self.nodes[at])),
                ]
            }
        };
        self.record(trace_object(line));
        true
    }
}

fn same<M: PartialEq>(a: &InFlight<M>, b: &InFlight<M>) -> bool {
    a.from == b.from && a.to == b.to && a.message == b.message
}

/// The `main` of a generated crate's simulator binary:
/// `simulate --seeds FROM..TO --out DIR [--max-steps N] [--faults PERCENT]`
/// writes `DIR/trace-SEED.jsonl` for every seed and prints the step
/// coverage.
pub fn simulate_main<P: Protocol>() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run_main::<P>(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_main<P: Protocol>(args: &[String]) -> Result<(), String> {
    let mut seeds = 0..100u64;
    let mut out: Option<PathBuf> = None;
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
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut coverage: BTreeMap<String, usize> = BTreeMap::new();
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
        return Err(format!("{failed} runs failed an assertion"));
    }
    Ok(())
}
