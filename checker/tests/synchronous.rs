//! `network ... synchronous`: a timeout step is enabled only in a state
//! where no other step of any live instance changes the state, so a timeout
//! means a crash or a partition, never a slow message.

#[path = "support/run.rs"]
mod run;

use checker::{Action, CheckOutcome, Verdict};
use run::{config, run};

/// A sender that pings once and a receiver that gives up on a timeout.
/// `network` is the network line; `faults` more declarations.
fn ping(network: &str, faults: &str) -> String {
    format!(
        "protocol SyncPing
role Sender {{ var sent: bool = false }}
role Receiver {{
  var got: bool = false
  var gave_up: bool = false
}}
message Ping
{network}
{faults}
on Sender step ping when not sent {{
  sent := true
  send Ping to Receiver
}}
on Receiver receive Ping when not gave_up {{ got := true }}
on Receiver timeout give_up when not got and not gave_up {{ gave_up := true }}
invariant NeverGivesUp: not Receiver.gave_up
"
    )
}

fn check_text(text: &str) -> CheckOutcome {
    let compiled = match spec_lang::compile(text, &[]) {
        Ok(c) => c,
        Err(d) => panic!("{}", spec_lang::render("test.spec", text, &d, false)),
    };
    run(&compiled.spec, &config(2))
}

/// The actions of the first violation's trace, as the checker names them.
fn actions(out: &CheckOutcome) -> Vec<String> {
    out.violations[0]
        .trace
        .states
        .iter()
        .filter_map(|s| s.action.as_ref())
        .map(|a| match a {
            Action::Step { .. } => "step".to_string(),
            Action::Crash(_) => "crash".to_string(),
            Action::Partition(_) => "partition".to_string(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn an_asynchronous_timeout_fires_while_the_message_is_in_flight() {
    let out = check_text(&ping("network bag", ""));
    assert_eq!(out.result, Verdict::Violation);
    // The receiver gives up at once, before the sender has even acted.
    assert_eq!(actions(&out), ["step"]);
}

#[test]
fn a_synchronous_timeout_waits_for_every_deliverable_message() {
    let out = check_text(&ping("network bag synchronous", ""));
    assert_eq!(out.result, Verdict::Ok, "{:?}", out.violations.first());
    // initial, sent, received: the timeout never fires.
    assert_eq!((out.stats.distinct, out.stats.depth), (3, 3));
}

#[test]
fn a_synchronous_timeout_detects_a_crash() {
    let out = check_text(&ping(
        "network bag synchronous",
        "fault crash_stop Sender max 1",
    ));
    assert_eq!(out.result, Verdict::Violation);
    assert_eq!(actions(&out), ["crash", "step"]);
}

#[test]
fn a_synchronous_timeout_detects_a_partition() {
    let out = check_text(&ping("network bag synchronous", "fault partition max 1"));
    assert_eq!(out.result, Verdict::Violation);
    // The ping is sent, the partition cuts it off, the receiver gives up.
    assert_eq!(actions(&out), ["step", "partition", "step"]);
}

#[test]
fn a_synchronous_timeout_ignores_messages_no_step_accepts() {
    // The receiver has already given up on pings it no longer accepts; a
    // second receiver timeout is still possible although a Ping is in
    // flight, because no step would take it.
    let text = "protocol Ignored
role Sender { var sent: bool = false }
role Receiver { var ticks: 0..2 = 0 }
message Ping
network bag synchronous
on Sender step ping when not sent {
  sent := true
  send Ping to Receiver
}
on Receiver receive Ping when false { skip }
on Receiver timeout tick when ticks < 2 { ticks := ticks + 1 }
invariant FewTicks: Receiver.ticks < 2
";
    let out = check_text(text);
    assert_eq!(out.result, Verdict::Violation);
    assert_eq!(actions(&out), ["step", "step", "step"]);
}
