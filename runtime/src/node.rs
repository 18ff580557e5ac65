//! The driver of one role instance running as a process: the generated
//! sans-I/O state machine, fed by the TCP transport, timers on the real
//! clock and the application's inputs; its persistent variables kept in
//! durable storage; every step recorded in the process's trace.
//!
//! A step goes in this order: the state machine takes it (on a copy,
//! committed only if it completes); the trace record is written; if a
//! persistent variable changed (or the application remembered data), the
//! storage record is written and synced; only then do the step's messages
//! leave. So no message depends on state a crash could lose, and the trace
//! on disk always covers every message that left.
//!
//! The application ([`App`]) decides which spontaneous steps to offer and
//! when (the default: every internal step on each tick, every timeout step
//! when the randomised timeout expires, the timeout restarting whenever a
//! message is taken), picks among the spec's choices, carries data beside
//! messages and feeds its own inputs (a client request). It only ever
//! offers events to the state machine: it cannot change the protocol's
//! state except through the spec's steps.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value as Json};
use tokio::net::TcpSocket;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::instance::{InstanceId, ProtocolInfo};
use crate::log::Log;
use crate::net_protocol::NetProtocol;
use crate::peers::Peers;
use crate::recorder::{Recorder, RecorderError};
use crate::rng::Rng;
use crate::role::{ChoiceSite, Effects, Event, Hook, Outcome};
use crate::storage::{Storage, StorageError};
use crate::trace::{message_json, trace_object};
use crate::transport::{Envelope, Transport, TransportConfig};

/// Offers run for one event beyond this many are dropped: an application
/// that keeps offering steps from its callbacks would otherwise never let
/// the node read the network.
const MAX_OFFERS_PER_EVENT: usize = 10_000;

/// The node's clocks.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// How often [`App::tick`] runs.
    pub tick: Duration,
    /// The timeout fires after a random delay in this range since it was
    /// last restarted.
    pub timeout_min: Duration,
    pub timeout_max: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            tick: Duration::from_millis(20),
            timeout_min: Duration::from_millis(300),
            timeout_max: Duration::from_millis(600),
        }
    }
}

/// How to run one instance.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    pub me: InstanceId,
    pub peers: Peers,
    /// The peers file, for applications that keep their own tables in it.
    pub peers_file: PathBuf,
    /// Holds `state.log` (durable storage) and `trace.jsonl` (the trace).
    pub data_dir: PathBuf,
    pub timing: Timing,
    pub transport: TransportConfig,
    /// Log every step.
    pub verbose: bool,
}

/// Why a node stopped.
#[derive(Debug)]
pub enum NodeError {
    Setup(String),
    Storage(StorageError),
    Recorder(RecorderError),
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeError::Setup(m) => write!(f, "{m}"),
            NodeError::Storage(e) => write!(f, "durable storage: {e}"),
            NodeError::Recorder(e) => write!(f, "trace: {e}"),
        }
    }
}

impl std::error::Error for NodeError {}

impl From<StorageError> for NodeError {
    fn from(e: StorageError) -> NodeError {
        NodeError::Storage(e)
    }
}

impl From<RecorderError> for NodeError {
    fn from(e: RecorderError) -> NodeError {
        NodeError::Recorder(e)
    }
}

/// A spontaneous step to offer, with the indices to pick at its choices
/// (in the order the step makes them; missing ones pick the first
/// candidate).
#[derive(Clone, Debug)]
pub struct Offer {
    pub step: &'static str,
    pub choices: Vec<usize>,
}

/// What an application callback sees and may ask for.
pub struct Cx<'a, P: NetProtocol> {
    node: &'a P::Node,
    me: InstanceId,
    offers: &'a mut VecDeque<Offer>,
    remember: &'a mut Vec<(String, Json)>,
    reset: &'a mut bool,
    log: &'a Log,
}

impl<'a, P: NetProtocol> Cx<'a, P> {
    /// The instance's current state.
    pub fn state(&self) -> &'a P::Node {
        self.node
    }

    pub fn me(&self) -> InstanceId {
        self.me
    }

    /// Offers a spontaneous step once the callback returns; the step's
    /// choices pick their first candidate.
    pub fn offer(&mut self, step: &'static str) {
        self.offer_with(step, Vec::new());
    }

    /// Offers a spontaneous step with the given choice indices.
    pub fn offer_with(&mut self, step: &'static str, choices: Vec<usize>) {
        self.offers.push_back(Offer { step, choices });
    }

    /// Keeps `value` under `key` in durable storage: it is synced before
    /// the messages of the next step that is taken leave, and handed back
    /// to [`App::started`] after a restart.
    pub fn remember(&mut self, key: String, value: Json) {
        self.remember.push((key, value));
    }

    /// Restarts the timeout.
    pub fn reset_timeout(&mut self) {
        *self.reset = true;
    }

    pub fn log(&self) -> &'a Log {
        self.log
    }
}

/// An application around a running instance. Every method has a default;
/// [`SpecApp`] keeps them all.
pub trait App<P: NetProtocol>: Send + 'static {
    /// What the application's own tasks send to the node.
    type Input: Send + 'static;

    /// The node has started (fresh, or recovered with what was remembered).
    fn started(&mut self, cx: &mut Cx<'_, P>, remembered: &BTreeMap<String, Json>) {
        let _ = (cx, remembered);
    }

    /// A tick: by default, offers every internal step of the role.
    fn tick(&mut self, cx: &mut Cx<'_, P>) {
        let role = cx.me().role;
        for step in P::spontaneous(role) {
            if !P::timeouts(role).contains(step) {
                cx.offer(step);
            }
        }
    }

    /// The timeout fired: by default, offers every timeout step.
    fn timeout(&mut self, cx: &mut Cx<'_, P>) {
        for step in P::timeouts(cx.me().role) {
            cx.offer(step);
        }
    }

    /// A message arrived (with its data); false drops it unseen.
    fn received(
        &mut self,
        cx: &mut Cx<'_, P>,
        from: InstanceId,
        message: &P::Message,
        data: Option<&Json>,
    ) -> bool {
        let _ = (cx, from, message, data);
        true
    }

    /// Data to send beside an outgoing message.
    fn attach(&mut self, node: &P::Node, to: InstanceId, message: &P::Message) -> Option<Json> {
        let _ = (node, to, message);
        None
    }

    /// A step was taken, is durable, and its messages have left. By
    /// default a received message restarts the timeout.
    fn stepped(
        &mut self,
        cx: &mut Cx<'_, P>,
        event: &Event<P::Message>,
        effects: &Effects<P::Message>,
    ) {
        let _ = effects;
        if matches!(event, Event::Receive { .. }) {
            cx.reset_timeout();
        }
    }

    /// An offered step was not enabled (or failed an assertion).
    fn declined(&mut self, cx: &mut Cx<'_, P>, step: &'static str) {
        let _ = (cx, step);
    }

    /// An input from the application's own tasks.
    fn input(&mut self, cx: &mut Cx<'_, P>, input: Self::Input) {
        let _ = (cx, input);
    }
}

/// The application of a generated crate's `node` binary: the defaults, and
/// the first candidate at every choice.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpecApp;

impl<P: NetProtocol> App<P> for SpecApp {
    type Input = ();
}

struct Choices {
    given: Vec<usize>,
    next: usize,
}

impl Hook for Choices {
    fn choose(&mut self, _site: &ChoiceSite, _candidates: usize) -> usize {
        let c = self.given.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        c
    }
}

struct Core<P: NetProtocol> {
    me: InstanceId,
    info: ProtocolInfo,
    node: P::Node,
    storage: Storage,
    recorder: Recorder,
    transport: Transport,
    offers: VecDeque<Offer>,
    remember: Vec<(String, Json)>,
    reset: bool,
    log: Log,
}

fn object(json: Json) -> Map<String, Json> {
    match json {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}

impl<P: NetProtocol> Core<P> {
    fn cx(&mut self) -> Cx<'_, P> {
        Cx {
            node: &self.node,
            me: self.me,
            offers: &mut self.offers,
            remember: &mut self.remember,
            reset: &mut self.reset,
            log: &self.log,
        }
    }

    fn name(&self) -> Json {
        Json::from(self.info.instance_name(self.me))
    }

    /// Offers one event to the state machine and carries out its effects.
    fn take<A: App<P>>(
        &mut self,
        app: &mut A,
        event: Event<P::Message>,
        remote: Option<u64>,
        choices: Vec<usize>,
    ) -> Result<(), NodeError> {
        let mut hook = Choices {
            given: choices,
            next: 0,
        };
        let effects = match P::handle(&mut self.node, self.me, &event, &mut hook) {
            Outcome::Taken(effects) => effects,
            Outcome::NotEnabled => {
                match &event {
                    Event::Receive { from, message } => {
                        let (kind, _) = P::message_json(message);
                        self.log.warn(&format!(
                            "dropped {kind} from {}: no step accepts it in this state",
                            self.info.instance_name(*from)
                        ));
                    }
                    Event::Step(step) => app.declined(&mut self.cx(), step),
                }
                return Ok(());
            }
            Outcome::Failed { step, message } => {
                self.log.warn(&format!(
                    "step {step} failed its assertion ({message}); the state is unchanged"
                ));
                if let Event::Step(step) = &event {
                    app.declined(&mut self.cx(), step);
                }
                return Ok(());
            }
        };
        let durable = effects.persist || !self.remember.is_empty();
        let received = match &event {
            Event::Receive { from, message } => {
                let (kind, fields) = P::message_json(message);
                message_json(&self.info, kind, fields, *from, self.me)
            }
            Event::Step(_) => Json::Null,
        };
        let sent: Vec<Json> = effects
            .sent
            .iter()
            .map(|o| {
                let (kind, fields) = P::message_json(&o.message);
                message_json(&self.info, kind, fields, self.me, o.to)
            })
            .collect();
        let record = object(trace_object([
            ("kind", Json::from("step")),
            ("instance", self.name()),
            ("step", Json::from(effects.step)),
            ("received", received),
            ("sent", Json::Array(sent)),
            ("state", P::state_json(&self.node)),
        ]));
        let (seq, clock) = self.recorder.record(record, remote, durable)?;
        if durable {
            let remember = std::mem::take(&mut self.remember);
            self.storage
                .save(seq, &P::persistent(&self.node), &remember)?;
        }
        for o in &effects.sent {
            let data = app.attach(&self.node, o.to, &o.message);
            self.transport.send(&Envelope {
                from: self.me,
                to: o.to,
                clock,
                message: &o.message,
                data,
            });
        }
        if self.log.is_verbose() {
            self.log.debug(&format!(
                "step {} (clock {clock}, {} sent{})",
                effects.step,
                effects.sent.len(),
                if durable { ", durable" } else { "" }
            ));
        }
        app.stepped(&mut self.cx(), &event, &effects);
        Ok(())
    }

    /// Runs the steps the application offered.
    fn drain<A: App<P>>(&mut self, app: &mut A) -> Result<(), NodeError> {
        let mut budget = MAX_OFFERS_PER_EVENT;
        while let Some(offer) = self.offers.pop_front() {
            if budget == 0 {
                self.log.warn(&format!(
                    "more than {MAX_OFFERS_PER_EVENT} offers for one event: the rest are dropped"
                ));
                self.offers.clear();
                break;
            }
            budget -= 1;
            self.take(app, Event::Step(offer.step), None, offer.choices)?;
        }
        Ok(())
    }
}

fn timeout_delay(timing: &Timing, rng: &mut Rng) -> Duration {
    let span = timing.timeout_max.saturating_sub(timing.timeout_min);
    let extra = if span.is_zero() {
        0
    } else {
        rng.next_u64() % span.as_micros().max(1) as u64
    };
    timing.timeout_min + Duration::from_micros(extra)
}

/// Runs one instance until `shutdown` completes or durable storage fails.
/// Must run inside a multi-threaded tokio runtime.
pub async fn run_node<P, A>(
    config: NodeConfig,
    mut app: A,
    mut inputs: mpsc::Receiver<A::Input>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), NodeError>
where
    P: NetProtocol,
    A: App<P>,
{
    let info = P::INFO;
    let me = config.me;
    let name = info.instance_name(me);
    let log = Log::new(&name, config.verbose);
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| NodeError::Setup(format!("{}: {e}", config.data_dir.display())))?;
    let (storage, recovered) = Storage::open(&config.data_dir.join("state.log"))?;
    if recovered.discarded > 0 {
        log.warn(&format!(
            "discarded a torn last storage record ({} bytes)",
            recovered.discarded
        ));
    }
    let node = match &recovered.persistent {
        Some(saved) => P::restore(me, saved).map_err(|e| {
            NodeError::Setup(format!(
                "{}: cannot restore the saved state: {e}",
                config.data_dir.display()
            ))
        })?,
        None => P::init(me),
    };
    let (recorder, resumed) = Recorder::open(
        &config.data_dir.join("trace.jsonl"),
        info.name,
        &name,
        recovered.seq,
    )?;
    let Some(&addr) = config.peers.addrs.get(&me) else {
        return Err(NodeError::Setup(format!(
            "the peers file has no address for {name}"
        )));
    };
    let socket = if addr.is_ipv6() {
        TcpSocket::new_v6()
    } else {
        TcpSocket::new_v4()
    }
    .and_then(|s| s.set_reuseaddr(true).map(|()| s))
    .map_err(|e| NodeError::Setup(format!("socket: {e}")))?;
    socket
        .bind(addr)
        .map_err(|e| NodeError::Setup(format!("cannot listen on {addr}: {e}")))?;
    let listener = socket
        .listen(1024)
        .map_err(|e| NodeError::Setup(format!("cannot listen on {addr}: {e}")))?;
    let (transport, mut incoming) = Transport::start::<P::Message>(
        me,
        info,
        &config.peers.addrs,
        listener,
        config.transport,
        log.clone(),
    );
    let mut core = Core::<P> {
        me,
        info,
        node,
        storage,
        recorder,
        transport,
        offers: VecDeque::new(),
        remember: Vec::new(),
        reset: false,
        log: log.clone(),
    };
    if resumed.restarted {
        if !resumed.crashed {
            let crash = object(trace_object([
                ("kind", Json::from("crash")),
                ("instance", core.name()),
            ]));
            core.recorder.record(crash, None, false)?;
        }
        let recover = object(trace_object([
            ("kind", Json::from("recover")),
            ("instance", core.name()),
            ("state", P::state_json(&core.node)),
        ]));
        core.recorder.record(recover, None, false)?;
        log.info(&format!(
            "recovered from {} (step {}, {} trace records discarded)",
            config.data_dir.display(),
            recovered.seq,
            resumed.discarded
        ));
    }
    log.info(&format!("listening on {addr}"));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ (u64::from(std::process::id()) << 32);
    let mut rng = Rng::new(seed);
    app.started(&mut core.cx(), &recovered.remembered);
    core.drain(&mut app)?;
    let mut tick = tokio::time::interval(config.timing.tick);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut deadline = Instant::now() + timeout_delay(&config.timing, &mut rng);
    let mut inputs_open = true;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => {
                log.info("shutting down");
                return Ok(());
            }
            envelope = incoming.recv() => {
                let Some(envelope) = envelope else {
                    return Err(NodeError::Setup("the transport stopped".to_string()));
                };
                let Envelope { from, clock, message, data, .. } = envelope;
                if app.received(&mut core.cx(), from, &message, data.as_ref()) {
                    core.take(&mut app, Event::Receive { from, message }, Some(clock), Vec::new())?;
                } else {
                    log.warn(&format!(
                        "dropped a message from {}: the application refused it",
                        info.instance_name(from)
                    ));
                }
            }
            input = inputs.recv(), if inputs_open => match input {
                Some(input) => app.input(&mut core.cx(), input),
                None => inputs_open = false,
            },
            _ = tick.tick() => app.tick(&mut core.cx()),
            () = tokio::time::sleep_until(deadline) => {
                app.timeout(&mut core.cx());
                core.reset = true;
            }
        }
        core.drain(&mut app)?;
        if core.reset {
            core.reset = false;
            deadline = Instant::now() + timeout_delay(&config.timing, &mut rng);
        }
    }
}
