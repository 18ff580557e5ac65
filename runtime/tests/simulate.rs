//! The simulator on a small hand-written protocol: a sender sends numbered
//! messages to a receiver over a FIFO network, and the receiver records what
//! arrives. Checks determinism, FIFO order, declared faults and recovery.

use runtime::{
    CrashInfo, Effects, Event, FaultBound, Hook, InstanceId, NetworkKind, Outcome, Outgoing,
    Protocol, ProtocolInfo, RoleInfo, RunEnd, SimConfig, ToTrace, simulate,
};

const SENDER: RoleInfo = RoleInfo {
    id: 0,
    name: "Sender",
    count: 1,
    indexed: false,
};
const RECEIVER: RoleInfo = RoleInfo {
    id: 1,
    name: "Receiver",
    count: 1,
    indexed: false,
};

#[derive(Clone, Debug)]
enum Node {
    /// The next number to send.
    Sender(i64),
    /// What arrived (persistent) and how many arrived since the last
    /// restart (volatile).
    Receiver(Vec<i64>, i64),
}

struct Numbers<const FAULTS: bool>;

impl<const FAULTS: bool> Protocol for Numbers<FAULTS> {
    type Message = i64;
    type Node = Node;

    const INFO: ProtocolInfo = ProtocolInfo {
        name: "Numbers",
        roles: &[SENDER, RECEIVER],
        network: NetworkKind::Fifo,
        max_in_flight: None,
        synchronous: false,
        loss: if FAULTS {
            Some(FaultBound { max: Some(1) })
        } else {
            None
        },
        duplication: None,
        crashes: if FAULTS {
            &[CrashInfo {
                role: 1,
                recover: true,
                max: 1,
            }]
        } else {
            &[]
        },
    };

    fn init(me: InstanceId) -> Node {
        if me.role == 0 {
            Node::Sender(1)
        } else {
            Node::Receiver(Vec::new(), 0)
        }
    }

    fn handle(
        node: &mut Node,
        _me: InstanceId,
        event: &Event<i64>,
        _hook: &mut dyn Hook,
    ) -> Outcome<i64> {
        match (node, event) {
            (Node::Sender(next), Event::Step("send")) if *next <= 5 => {
                let sent = vec![Outgoing::new(RECEIVER.instance(0), *next)];
                *next += 1;
                Outcome::Taken(Effects {
                    step: "send",
                    sent,
                    persist: false,
                })
            }
            (Node::Receiver(got, since), Event::Receive { message, .. }) => {
                got.push(*message);
                *since += 1;
                Outcome::Taken(Effects {
                    step: "receive",
                    sent: Vec::new(),
                    persist: true,
                })
            }
            _ => Outcome::NotEnabled,
        }
    }

    fn recover(node: &mut Node, _me: InstanceId) {
        if let Node::Receiver(_, since) = node {
            *since = 0;
        }
    }

    fn spontaneous(role: u32) -> &'static [&'static str] {
        if role == 0 { &["send"] } else { &[] }
    }

    fn state_json(node: &Node) -> serde_json::Value {
        match node {
            Node::Sender(n) => serde_json::json!({ "next": n }),
            Node::Receiver(got, since) => serde_json::json!({ "got": got, "since": since }),
        }
    }

    fn message_json(message: &i64) -> (&'static str, serde_json::Value) {
        (
            "Number",
            serde_json::json!({ "n": message.to_trace(&Self::INFO) }),
        )
    }
}

fn run<const FAULTS: bool>(seed: u64) -> runtime::SimRun {
    simulate::<Numbers<FAULTS>>(&SimConfig {
        seed,
        max_steps: 100,
        fault_percent: if FAULTS { 30 } else { 0 },
    })
}

fn received(trace: &str) -> Vec<i64> {
    trace
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["kind"] == "step" && r["step"] == "receive")
        .filter_map(|r| r["received"]["fields"]["n"].as_i64())
        .collect()
}

#[test]
fn same_seed_gives_the_same_trace() {
    assert_eq!(run::<true>(42).trace, run::<true>(42).trace);
    let distinct: std::collections::BTreeSet<String> =
        (0..20).map(|s| run::<true>(s).trace).collect();
    assert!(distinct.len() > 1, "different seeds give different runs");
}

#[test]
fn fifo_network_delivers_in_send_order_and_runs_to_quiescence() {
    for seed in 0..50 {
        let r = run::<false>(seed);
        assert_eq!(r.end, RunEnd::Quiescent);
        assert_eq!(received(&r.trace), vec![1, 2, 3, 4, 5], "seed {seed}");
        assert_eq!(r.coverage.get("Receiver.receive"), Some(&5));
    }
}

#[test]
fn declared_faults_happen_within_their_bounds_and_recovery_resets_volatile_state() {
    let mut saw = std::collections::BTreeSet::new();
    for seed in 0..200 {
        let r = run::<true>(seed);
        let got = received(&r.trace);
        assert!(got.len() >= 4, "at most one message is lost: seed {seed}");
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "order is kept: seed {seed}"
        );
        for line in r.trace.lines() {
            let rec: serde_json::Value = serde_json::from_str(line).expect("every record is JSON");
            let kind = rec["kind"].as_str().unwrap_or_default().to_string();
            if kind == "recover" {
                assert_eq!(rec["state"]["since"], 0, "volatile state is reset");
            }
            saw.insert(kind);
        }
        assert!(r.trace.matches("\"kind\":\"crash\"").count() <= 1);
        assert!(r.trace.matches("\"kind\":\"lose\"").count() <= 1);
    }
    for kind in ["header", "step", "lose", "crash", "recover"] {
        assert!(saw.contains(kind), "{kind} records appear");
    }
}
