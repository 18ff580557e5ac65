//! The simulator on a synchronous protocol: a timeout is taken only when no
//! other event is accepted. A sender sends three numbers; the receiver may
//! give up waiting on a timeout.

use runtime::{
    Effects, Event, Hook, InstanceId, NetworkKind, Outcome, Outgoing, Protocol, ProtocolInfo,
    RoleInfo, SimConfig, ToTrace, simulate,
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
    /// How many numbers arrived, and whether it gave up.
    Receiver(i64, bool),
}

struct Patient<const SYNCHRONOUS: bool>;

impl<const SYNCHRONOUS: bool> Protocol for Patient<SYNCHRONOUS> {
    type Message = i64;
    type Node = Node;

    const INFO: ProtocolInfo = ProtocolInfo {
        name: "Patient",
        roles: &[SENDER, RECEIVER],
        network: NetworkKind::Bag,
        max_in_flight: None,
        synchronous: SYNCHRONOUS,
        loss: None,
        duplication: None,
        crashes: &[],
    };

    fn init(me: InstanceId) -> Node {
        if me.role == 0 {
            Node::Sender(1)
        } else {
            Node::Receiver(0, false)
        }
    }

    fn handle(
        node: &mut Node,
        _me: InstanceId,
        event: &Event<i64>,
        _hook: &mut dyn Hook,
    ) -> Outcome<i64> {
        let taken = |step, sent| {
            Outcome::Taken(Effects {
                step,
                sent,
                persist: false,
            })
        };
        match (node, event) {
            (Node::Sender(next), Event::Step("send")) if *next <= 3 => {
                let sent = vec![Outgoing::new(RECEIVER.instance(0), *next)];
                *next += 1;
                taken("send", sent)
            }
            (Node::Receiver(got, false), Event::Receive { .. }) => {
                *got += 1;
                taken("receive", Vec::new())
            }
            (Node::Receiver(_, gave_up @ false), Event::Step("give_up")) => {
                *gave_up = true;
                taken("give_up", Vec::new())
            }
            _ => Outcome::NotEnabled,
        }
    }

    fn recover(_node: &mut Node, _me: InstanceId) {}

    fn spontaneous(role: u32) -> &'static [&'static str] {
        if role == 0 { &["send"] } else { &["give_up"] }
    }

    fn timeouts(role: u32) -> &'static [&'static str] {
        if role == 0 { &[] } else { &["give_up"] }
    }

    fn state_json(node: &Node) -> serde_json::Value {
        match node {
            Node::Sender(n) => serde_json::json!({ "next": n }),
            Node::Receiver(got, gave_up) => serde_json::json!({ "got": got, "gave_up": gave_up }),
        }
    }

    fn message_json(message: &i64) -> (&'static str, serde_json::Value) {
        (
            "Number",
            serde_json::json!({ "n": message.to_trace(&Self::INFO) }),
        )
    }
}

/// How many numbers had arrived when the receiver gave up, if it did.
fn gave_up_after<P: Protocol>(seed: u64) -> Option<usize> {
    let run = simulate::<P>(&SimConfig {
        seed,
        max_steps: 50,
        fault_percent: 0,
    });
    let steps: Vec<String> = run
        .trace
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["kind"] == "step")
        .filter_map(|r| r["step"].as_str().map(str::to_string))
        .collect();
    let at = steps.iter().position(|s| s == "give_up")?;
    Some(steps[..at].iter().filter(|s| *s == "receive").count())
}

#[test]
fn a_synchronous_timeout_waits_until_nothing_else_can_happen() {
    for seed in 0..50 {
        assert_eq!(
            gave_up_after::<Patient<true>>(seed),
            Some(3),
            "seed {seed}: the receiver gives up only after every number arrived"
        );
    }
}

#[test]
fn an_asynchronous_timeout_may_fire_while_messages_are_on_their_way() {
    let early = (0..50)
        .filter(|&seed| gave_up_after::<Patient<false>>(seed).is_some_and(|n| n < 3))
        .count();
    assert!(early > 0, "some run gives up early");
}
