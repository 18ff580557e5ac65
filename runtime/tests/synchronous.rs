//! The simulator on a synchronous protocol: a timeout is taken only when no
//! other event is accepted, in every round and even when the other event
//! leaves the state constraints. A sender sends three numbers; the
//! receiver may give up waiting on a timeout.

use runtime::{
    Effects, EvalError, Event, Hook, InstanceId, NetworkKind, Outcome, Outgoing, Protocol,
    ProtocolInfo, RoleInfo, RunEnd, SimConfig, ToTrace, World, simulate,
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

/// `CONSTRAINED`: a state constraint holds while fewer than three numbers
/// arrived, so the third receipt leaves the checked region.
struct Patient<const SYNCHRONOUS: bool, const CONSTRAINED: bool = false>;

impl<const SYNCHRONOUS: bool, const CONSTRAINED: bool> Protocol
    for Patient<SYNCHRONOUS, CONSTRAINED>
{
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
        partition: None,
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

    fn constraints_hold(world: &World<'_, Node>) -> Result<bool, EvalError> {
        match world.node(RECEIVER.instance(0))? {
            Node::Receiver(got, _) => Ok(!CONSTRAINED || *got < 3),
            Node::Sender(_) => Err(EvalError::NoSuchInstance),
        }
    }

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

/// How many numbers had arrived when the receiver gave up, if it did, and
/// how the run ended. Half the rounds are special (rounds in which an
/// asynchronous timer may fire early).
fn gave_up_after<P: Protocol>(seed: u64) -> (Option<usize>, RunEnd) {
    let run = simulate::<P>(&SimConfig {
        seed,
        max_steps: 50,
        fault_percent: 50,
    });
    let steps: Vec<String> = run
        .trace
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["kind"] == "step")
        .filter_map(|r| r["step"].as_str().map(str::to_string))
        .collect();
    let gave_up = steps
        .iter()
        .position(|s| s == "give_up")
        .map(|at| steps[..at].iter().filter(|s| *s == "receive").count());
    (gave_up, run.end)
}

#[test]
fn a_synchronous_timeout_waits_until_nothing_else_can_happen() {
    for seed in 0..50 {
        assert_eq!(
            gave_up_after::<Patient<true>>(seed).0,
            Some(3),
            "seed {seed}: the receiver gives up only after every number arrived"
        );
    }
}

#[test]
fn an_asynchronous_timeout_may_fire_while_messages_are_on_their_way() {
    let early = (0..50)
        .filter(|&seed| {
            gave_up_after::<Patient<false>>(seed)
                .0
                .is_some_and(|n| n < 3)
        })
        .count();
    assert!(early > 0, "some run gives up early");
}

#[test]
fn a_step_that_leaves_the_constraints_holds_a_synchronous_timeout_back() {
    // The third receipt leaves the constraints, which the simulator avoids
    // while it can; the timeout is not enabled while the receipt is, so
    // the receipt is taken and the run ends there.
    for seed in 0..50 {
        assert_eq!(
            gave_up_after::<Patient<true, true>>(seed),
            (None, RunEnd::Constrained),
            "seed {seed}"
        );
    }
    // Without synchrony the receiver gives up rather than leave them.
    let gave_up = (0..50)
        .filter(|&seed| gave_up_after::<Patient<false, true>>(seed).0.is_some())
        .count();
    assert!(gave_up > 0, "some asynchronous run gives up");
}
