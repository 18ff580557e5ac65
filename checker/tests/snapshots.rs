//! Snapshots of what a user sees: counterexample tables, ITF traces and the
//! JSON summary. Each snapshot's description holds the spec it was made
//! from.

#[path = "support/build.rs"]
mod build;
#[path = "support/run.rs"]
mod run;
#[path = "support/small.rs"]
mod small;
#[path = "support/two_phase.rs"]
mod two_phase;

use build::*;
use checker::{CheckOutcome, itf_trace, text_report};
use run::{config, run, stable_json};
use small::{Ping, in_order, ping};
use spec_lang::ir::{CrashKind, NetworkKind, RoleId, Spec, VarId};
use two_phase::{BUG_SOURCE_CHANGE, Options, SOURCE, two_phase};

/// Checks a spec that must fail and returns the outcome.
fn check_violation(spec: &Spec) -> CheckOutcome {
    let out = run(spec, &config(2));
    assert!(
        !out.violations.is_empty(),
        "expected a violation, got {:?}",
        out.result
    );
    out
}

/// The report without its timing line.
fn report(spec: &Spec, out: &CheckOutcome) -> String {
    text_report(spec, out)
        .lines()
        .filter(|l| !l.contains(" states/s"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn two_phase_bug() -> (Spec, String) {
    let spec = two_phase(Options {
        rms: 3,
        symmetric: false,
        commit_early: true,
    });
    (spec, format!("{SOURCE}\nwith:\n{BUG_SOURCE_CHANGE}"))
}

#[test]
fn two_phase_commit_early_text_report() {
    let (spec, source) = two_phase_bug();
    let out = check_violation(&spec);
    insta::with_settings!({ description => source }, {
        insta::assert_snapshot!(report(&spec, &out));
    });
}

#[test]
fn two_phase_commit_early_itf_trace() {
    let (spec, source) = two_phase_bug();
    let out = check_violation(&spec);
    let itf = itf_trace(&spec, &out.violations[0].trace, "TCConsistent violated");
    insta::with_settings!({ description => source }, {
        insta::assert_snapshot!(serde_json::to_string_pretty(&itf).unwrap_or_default());
    });
}

#[test]
fn two_phase_commit_early_json_summary() {
    let (spec, source) = two_phase_bug();
    let out = check_violation(&spec);
    insta::with_settings!({ description => source }, {
        insta::assert_snapshot!(stable_json(&spec, &out));
    });
}

const CRASH_SOURCE: &str = "\
protocol Ping
role A { var sent: bool = false }
role B { var got: bool = false  persistent var seen: bool = false }
message Ping
network bag
fault crash_recover B max 1
on A step send when not sent { sent := true; send Ping to B }
on B receive Ping as recv { got := true; seen := true }
invariant NeverForgets: not (B.seen and not B.got)";

#[test]
fn crash_recovery_trace_marks_fault_events() {
    let mut b = B {
        spec: ping(Ping {
            network: NetworkKind::Bag,
            faults: |b, r| b.crash(r, CrashKind::Recover, 1),
            terminal: false,
        }),
    };
    let rb = RoleId(1);
    let bad = and(
        b.of(VarId(2), inst(rb, 0)),
        not(b.of(VarId(1), inst(rb, 0))),
    );
    b.invariant("NeverForgets", &[], not(bad));
    let out = check_violation(&b.spec);
    insta::with_settings!({ description => CRASH_SOURCE }, {
        insta::assert_snapshot!(report(&b.spec, &out));
    });
    let itf = itf_trace(&b.spec, &out.violations[0].trace, "NeverForgets violated");
    insta::with_settings!({ description => CRASH_SOURCE }, {
        insta::assert_snapshot!("crash_recovery_itf", serde_json::to_string_pretty(&itf).unwrap_or_default());
    });
}

const IN_ORDER_SOURCE: &str = "\
protocol InOrder
role A { var n: 0..2 = 0 }
role B { var last: 0..2 = 0 }
message M { v: 1..2 }
network bag
on A step send1 when n == 0 { n := 1; send M { v: 1 } to B }
on A step send2 when n == 1 { n := 2; send M { v: 2 } to B }
on B receive M { v } as recv { assert v == last + 1, \"in order\"; last := v }
terminal when B.last == 2";

#[test]
fn failed_assertion_is_the_last_row() {
    let spec = in_order(NetworkKind::Bag);
    let out = check_violation(&spec);
    insta::with_settings!({ description => IN_ORDER_SOURCE }, {
        insta::assert_snapshot!(report(&spec, &out));
    });
}

const DIV_SOURCE: &str = "\
protocol T
role A { var x: int = 0 }
on A step div { x := 10 / x }
";

#[test]
fn runtime_error_renders_as_a_diagnostic_at_its_expression() {
    let start = DIV_SOURCE.find("10 / x").unwrap_or(0) as u32;
    let mut b = B::new("T");
    let a = b.singleton("A");
    let x = b.var(a, "x", int_ty(), int(0));
    let e = at(
        bin(spec_lang::ir::BinaryOp::Div, int(10), b.own(x)),
        start,
        start + 6,
    );
    b.step(internal("div", a).body(vec![assign(x, e)]));
    let out = run(&b.spec, &config(1));
    let rendered = spec_lang::render("t.spec", DIV_SOURCE, &checker::diagnostics(&out), false);
    insta::with_settings!({ description => DIV_SOURCE }, {
        insta::assert_snapshot!(format!("{rendered}\n{}", report(&b.spec, &out)));
    });
}
