//! Network kinds and faults on tiny specs whose state spaces are counted by
//! hand in the comments.

#[path = "support/build.rs"]
mod build;
#[path = "support/run.rs"]
mod run;
#[path = "support/small.rs"]
mod small;

use build::*;
use checker::{Action, Verdict, ViolationKind};
use run::{config, counts_ok, run};
use small::{Ping, in_order, no_faults, ping};
use spec_lang::ir::{CrashKind, NetworkKind, Spec};

fn ping_counts(network: NetworkKind, faults: fn(&mut B, spec_lang::ir::RoleId)) -> (u64, u64, u32) {
    let spec = ping(Ping {
        network,
        faults,
        terminal: false,
    });
    counts_ok(&spec, &config(2))
}

#[test]
fn set_network_keeps_messages_so_receive_repeats_as_a_self_loop() {
    // {} -> {P} -> got (P stays; receiving again is a self-loop).
    assert_eq!(ping_counts(NetworkKind::Set, no_faults), (3, 4, 3));
}

#[test]
fn bag_network_consumes_the_received_copy() {
    assert_eq!(ping_counts(NetworkKind::Bag, no_faults), (3, 3, 3));
}

#[test]
fn reports_shortest_trace_for_deadlock_unless_terminal() {
    let spec = ping(Ping {
        network: NetworkKind::Bag,
        faults: no_faults,
        terminal: false,
    });
    let mut cfg = config(2);
    cfg.check_deadlock = true;
    let out = run(&spec, &cfg);
    assert_eq!(out.result, Verdict::Violation);
    assert_eq!(out.violations[0].kind, ViolationKind::Deadlock);
    assert_eq!(out.violations[0].trace.states.len(), 3);

    let spec = ping(Ping {
        network: NetworkKind::Bag,
        faults: no_faults,
        terminal: true,
    });
    assert_eq!(counts_ok(&spec, &cfg), (3, 3, 3));
}

#[test]
fn set_network_self_loop_is_not_a_deadlock() {
    let spec = ping(Ping {
        network: NetworkKind::Set,
        faults: no_faults,
        terminal: false,
    });
    let mut cfg = config(1);
    cfg.check_deadlock = true;
    assert_eq!(counts_ok(&spec, &cfg), (3, 4, 3));
}

#[test]
fn loss_drops_one_message_within_its_bound() {
    // {P} may also lose P: one more state, one more successor.
    assert_eq!(
        ping_counts(NetworkKind::Bag, |b, _| b.loss(Some(1))),
        (4, 4, 3)
    );
    // Unbounded loss keeps no counter, so the same states.
    assert_eq!(
        ping_counts(NetworkKind::Bag, |b, _| b.loss(None)),
        (4, 4, 3)
    );
}

#[test]
fn duplication_adds_a_copy_within_its_bound() {
    // s0 -> {P} -> {P,P}(dup) -> got {P} -> got {}; and {P} -> got {}.
    assert_eq!(
        ping_counts(NetworkKind::Bag, |b, _| b.duplication(Some(1))),
        (6, 6, 5)
    );
}

#[test]
fn partition_blocks_delivery_until_healed() {
    // Two instances: one split. Counted by hand: 9 states, 12 successors.
    assert_eq!(
        ping_counts(NetworkKind::Bag, |b, _| b.partition(Some(1))),
        (9, 12, 5)
    );
}

#[test]
fn crash_stop_freezes_an_instance() {
    assert_eq!(
        ping_counts(NetworkKind::Bag, |b, r| b.crash(r, CrashKind::Stop, 1)),
        (6, 7, 4)
    );
}

#[test]
fn crash_recover_resets_volatile_and_keeps_persistent_variables() {
    assert_eq!(
        ping_counts(NetworkKind::Bag, |b, r| b.crash(r, CrashKind::Recover, 1)),
        (10, 12, 5)
    );
    // The state where B recovered after receiving: got reset, seen kept.
    let spec = ping(Ping {
        network: NetworkKind::Bag,
        faults: |b, r| b.crash(r, CrashKind::Recover, 1),
        terminal: false,
    });
    let mut b = B { spec };
    let got = spec_lang::ir::VarId(1);
    let seen = spec_lang::ir::VarId(2);
    let rb = spec_lang::ir::RoleId(1);
    let bad = and(b.of(seen, inst(rb, 0)), not(b.of(got, inst(rb, 0))));
    b.invariant("NeverForgets", &[], not(bad));
    let out = run(&b.spec, &config(1));
    assert_eq!(out.result, Verdict::Violation);
    let trace = &out.violations[0].trace;
    let actions: Vec<&Action> = trace
        .states
        .iter()
        .filter_map(|s| s.action.as_ref())
        .collect();
    assert_eq!(actions.len(), 4);
    assert!(matches!(actions[2], Action::Crash(_)));
    assert!(matches!(actions[3], Action::Recover(_)));
}

/// A floods B with Pings that nobody receives:
///
/// ```text
/// network bag max_in_flight 2
/// on A step flood { send Ping to B }
/// ```
fn flood(dup: bool) -> Spec {
    let mut b = B::new("Flood");
    let a = b.singleton("A");
    let rb = b.singleton("B");
    let msg = b.message("Ping", &[]);
    b.network(NetworkKind::Bag);
    b.max_in_flight(2);
    if dup {
        b.duplication(None);
    }
    b.step(internal("flood", a).body(vec![send(msg, vec![], inst(rb, 0))]));
    b.build()
}

#[test]
fn max_in_flight_disables_sends_beyond_the_bound() {
    let spec = flood(false);
    assert_eq!(counts_ok(&spec, &config(1)), (3, 3, 3));
    let mut cfg = config(1);
    cfg.check_deadlock = true;
    let out = run(&spec, &cfg);
    assert_eq!(out.violations[0].kind, ViolationKind::Deadlock);
    assert_eq!(out.violations[0].trace.states.len(), 3);
    // Duplication respects the bound too: {P} -> {P,P} twice (send, dup).
    assert_eq!(counts_ok(&flood(true), &config(1)), (3, 4, 3));
}

#[test]
fn fifo_delivers_each_channel_in_order() {
    let mut cfg = config(2);
    cfg.check_deadlock = true;
    assert_eq!(counts_ok(&in_order(NetworkKind::Fifo), &cfg), (6, 7, 5));
}

#[test]
fn bag_reorders_and_breaks_the_in_order_assertion() {
    let out = run(&in_order(NetworkKind::Bag), &config(2));
    assert_eq!(out.result, Verdict::Violation);
    let v = &out.violations[0];
    assert_eq!(v.kind, ViolationKind::Assertion);
    assert_eq!(v.property, "recv");
    assert_eq!(v.message.as_deref(), Some("in order"));
    assert_eq!((v.span.start, v.span.end), (10, 20));
    // send1, send2, then receiving M{v: 2} first fails.
    assert_eq!(v.trace.states.len(), 3);
    assert!(v.trace.failed.is_some());
    // Counts stop exactly at the failing transition: the level before, and
    // the one successor of the failing state computed before it failed.
    assert_eq!(
        (out.stats.distinct, out.stats.generated, out.stats.depth),
        (5, 5, 3)
    );
}
