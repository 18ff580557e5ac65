//! Partial-order reduction (`CheckConfig::por`, `checker/src/por.rs`):
//! the verdict of every spec in the repository is the same with and
//! without it; every valuation of the invariants' variables, and every
//! deadlock, that the full search reaches, the reduced one reaches too;
//! its figures are the same for any number of workers.

#[path = "support/run.rs"]
mod run;

use checker::{CheckConfig, CheckOutcome, Verdict, ViolationKind};
use run::{config, library_spec, run, stable_json};
use spec_lang::ir::Spec;

fn with_por(workers: usize, por: bool) -> CheckConfig {
    CheckConfig {
        check_deadlock: true,
        por,
        ..config(workers)
    }
}

/// Without deadlock checking: for probes, where only the invariant counts.
fn probing(por: bool) -> CheckConfig {
    CheckConfig { por, ..config(1) }
}

fn compile(source: &str) -> Spec {
    match spec_lang::compile(source, &[]) {
        Ok(compiled) => compiled.spec,
        Err(diagnostics) => panic!("{}", spec_lang::render("test", source, &diagnostics, false)),
    }
}

/// The verdict and what was violated, by property name and kind.
fn verdict(out: &CheckOutcome) -> (Verdict, Vec<(String, ViolationKind)>) {
    let mut found: Vec<(String, ViolationKind)> = out
        .violations
        .iter()
        .map(|v| (v.property.clone(), v.kind))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    (out.result.clone(), found)
}

/// Every spec under specs/ but the malformed ones (specs/errors), by path
/// relative to specs/.
fn all_specs() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let mut paths = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("specs/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                if !path.ends_with("errors") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "spec") {
                let relative = path.strip_prefix(&root).expect("under specs/");
                paths.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    paths.sort();
    paths
}

#[test]
fn every_spec_keeps_its_verdict_under_reduction() {
    let mut reduced_somewhere = false;
    for path in all_specs() {
        let spec = library_spec(&path);
        let reduced = run(&spec, &with_por(2, true));
        let por = reduced
            .stats
            .por
            .clone()
            .expect("the figures of a --por check");
        if let Some(why) = &por.off {
            // Off: the search is the unreduced one.
            assert!(!why.is_empty(), "{path}");
            assert_eq!((por.ample, por.pruned), (0, 0), "{path}");
            continue;
        }
        let full = run(&spec, &with_por(2, false));
        assert!(full.stats.por.is_none(), "{path}");
        assert_eq!(verdict(&reduced), verdict(&full), "{path}");
        if por.ample == 0 {
            assert_eq!(reduced.stats.distinct, full.stats.distinct, "{path}");
        } else {
            reduced_somewhere = true;
        }
        if full.result == Verdict::Ok {
            assert!(reduced.stats.distinct <= full.stats.distinct, "{path}");
            assert_eq!(
                reduced.stats.distinct < full.stats.distinct,
                por.pruned > 0,
                "{path}: states are saved exactly when successors are pruned"
            );
        }
    }
    assert!(reduced_somewhere, "no spec under specs/ was reduced");
}

/// A small model in the shape of specs/por/local_work.spec: workers with
/// local steps (`work`, invisible to the invariants unless the probe
/// reads them) report to a summer. `extra` adds roles and steps.
fn local_work(network: &str, symmetric: bool, probe: &str, extra: &str) -> String {
    format!(
        "protocol Probe
param N: 1..4 = 2
param K: 1..4 = 2
{extra}
role Worker[N]{sym} {{
  var done: 0..K = 0
  var reported: bool = false
}}
role Summer {{
  var total: 0..N * K = 0
  var heard: 0..N = 0
}}
message Result {{ amount: 0..K }}
network {network}
on Worker[w] step work when w.done < K {{ w.done := w.done + 1 }}
on Worker[w] step report when w.done == K and not w.reported {{
  w.reported := true
  send Result {{ amount: w.done }} to Summer
}}
on Summer receive Result {{ amount }} as collect when heard < N {{
  total := total + amount
  heard := heard + 1
}}
invariant Probe: {probe}
",
        sym = if symmetric { " symmetric" } else { "" },
    )
}

/// Workers that may also undo a unit of work: cycles of invisible states.
const UNDO: &str = "on Worker[w] step undo when w.done > 0 and w.done < K { w.done := w.done - 1 }";

/// A role declared first (so its instance is the lowest-numbered) that
/// toggles a bit forever: without the cycle proviso its two states would
/// be all the reduced search explores.
const SPINNER: &str = "role Spinner { var flag: bool = false }
on Spinner step spin { flag := not flag }";

/// A boss stops two workers at a moment of its choosing; each reports the
/// work done by then. The workers' work is never in an ample set (a stop
/// may arrive at any time, and the amount reported depends on when), which
/// a reduction that ignored the receive steps would get wrong.
fn stoppable(network: &str, symmetric: bool, probe: &str) -> String {
    format!(
        "protocol Stop
role Worker[2]{sym} {{
  var done: 0..2 = 0
  var stopped: bool = false
}}
role Boss {{
  var sent: bool = false
  var total: 0..4 = 0
  var heard: 0..2 = 0
}}
message Halt
message Done {{ amount: 0..2 }}
network {network}
on Boss step halt when not sent {{
  sent := true
  broadcast Halt to Worker
}}
on Worker[w] step work when w.done < 2 and not w.stopped {{ w.done := w.done + 1 }}
on Worker[w] receive Halt as stop when not w.stopped {{
  w.stopped := true
  send Done {{ amount: w.done }} to Boss
}}
on Boss receive Done {{ amount }} as tally when heard < 2 {{
  total := total + amount
  heard := heard + 1
}}
invariant Probe: {probe}
terminal when Boss.heard == 2
",
        sym = if symmetric { " symmetric" } else { "" },
    )
}

/// For each valuation of what the invariant reads, an invariant that
/// fails exactly there: the reduced search must fail it exactly when the
/// full one does. A reference for the reduction's soundness that does not
/// share its code; each kind of probe below catches a reduction that
/// drops one of the conditions (checked by breaking each in turn).
#[test]
fn every_visible_valuation_is_reached_under_reduction() {
    let mut ample = 0;
    let mut probes = 0;
    let sums = |role: &str| {
        let mut checks = Vec::new();
        for total in 0..=4 {
            for heard in 0..=2 {
                checks.push(format!(
                    "not ({role}.total == {total} and {role}.heard == {heard})"
                ));
            }
        }
        checks
    };
    // Reading the messages in flight makes the sends visible.
    let mut in_flight = Vec::new();
    for flying in 0..=2 {
        for heard in 0..=2 {
            in_flight.push(format!(
                "not (size(in_flight(Result)) == {flying} and Summer.heard == {heard})"
            ));
        }
    }
    // Reading the workers' progress makes their work visible.
    let mut progress = Vec::new();
    for a in 0..=2 {
        for b in 0..=2 {
            progress.push(format!(
                "not (exists v in Worker: exists u in Worker: v != u and v.done == {a} and u.done == {b})"
            ));
        }
    }
    // A model (network, symmetric, probe) to source, named.
    type Model = Box<dyn Fn(&str, bool, &str) -> String>;
    let models: Vec<(&str, Model, Vec<String>)> = vec![
        (
            "local work",
            Box::new(|n, s, p| local_work(n, s, p, "")),
            sums("Summer"),
        ),
        (
            "local work",
            Box::new(|n, s, p| local_work(n, s, p, "")),
            in_flight.clone(),
        ),
        (
            "local work",
            Box::new(|n, s, p| local_work(n, s, p, "")),
            progress,
        ),
        (
            "undo",
            Box::new(|n, s, p| local_work(n, s, p, UNDO)),
            sums("Summer"),
        ),
        (
            "undo",
            Box::new(|n, s, p| local_work(n, s, p, UNDO)),
            in_flight,
        ),
        (
            "spinner",
            Box::new(|n, s, p| local_work(n, s, p, SPINNER)),
            sums("Summer"),
        ),
        ("stoppable", Box::new(stoppable), sums("Boss")),
    ];
    for (name, model, checks) in &models {
        for network in ["bag", "set", "fifo"] {
            for symmetric in [false, true] {
                for probe in checks {
                    let spec = compile(&model(network, symmetric, probe));
                    let full = run(&spec, &probing(false));
                    let reduced = run(&spec, &probing(true));
                    let what = format!("{name}, {network}, symmetric {symmetric}, {probe}");
                    assert_eq!(verdict(&reduced), verdict(&full), "{what}");
                    let por = reduced.stats.por.expect("figures");
                    assert_eq!(por.off, None, "{what}");
                    ample += por.ample;
                    probes += 1;
                }
            }
        }
    }
    assert!(ample > 0, "no probe run was reduced");
    assert_eq!(probes, 6 * (15 + 9 + 9 + 15 + 9 + 15 + 15));
}

/// A deadlock that only some choices of local steps reach: every worker
/// picks the same colour. Deadlocks are kept by any ample set (no
/// visibility needed); step assertions in non-ample steps are found too.
#[test]
fn deadlocks_and_assertions_behind_local_choices_are_found() {
    let spec = |tail: &str| {
        compile(&format!(
            "protocol Colours
role Worker[3] {{
  var colour: 0..3 = 0
  var told: bool = false
}}
role Judge {{
  var seen: set<1..3> = {{}}
  var heard: 0..3 = 0
}}
message Colour {{ c: 1..3 }}
network bag
on Worker[w] step pick when w.colour == 0 {{
  choose c in 1..3
  w.colour := c
}}
on Worker[w] step tell when w.colour != 0 and not w.told {{
  w.told := true
  send Colour {{ c: w.colour }} to Judge
}}
{tail}
"
        ))
    };
    let cases = [
        // Judge stops listening once it has heard three equal colours:
        // a deadlock, since the terminal predicate wants two colours.
        (
            "on Judge receive Colour { c } as hear when heard < 3 {
  seen := seen + {c}
  heard := heard + 1
}
terminal when Judge.heard == 3 and size(Judge.seen) > 1",
            Some(ViolationKind::Deadlock),
        ),
        (
            "on Judge receive Colour { c } as hear when heard < 3 {
  seen := seen + {c}
  heard := heard + 1
  assert heard < 3 or size(seen) > 1
}
terminal when Judge.heard == 3",
            Some(ViolationKind::Assertion),
        ),
        (
            "on Judge receive Colour { c } as hear when heard < 3 {
  seen := seen + {c}
  heard := heard + 1
}
terminal when Judge.heard == 3",
            None,
        ),
    ];
    for (tail, expected) in cases {
        let spec = spec(tail);
        let full = run(&spec, &with_por(2, false));
        let reduced = run(&spec, &with_por(2, true));
        assert_eq!(verdict(&reduced), verdict(&full), "{tail}");
        assert_eq!(full.violations.first().map(|v| v.kind), expected, "{tail}");
        let por = reduced.stats.por.expect("figures");
        assert!(por.ample > 0, "{tail}: not reduced");
    }
}

#[test]
fn local_work_counts() {
    let spec = library_spec("por/local_work.spec");
    let full = run(&spec, &with_por(2, false));
    let reduced = run(&spec, &with_por(2, true));
    assert_eq!(full.result, Verdict::Ok);
    assert_eq!(reduced.result, Verdict::Ok);
    let counts = |o: &CheckOutcome| (o.stats.distinct, o.stats.generated, o.stats.depth);
    assert_eq!(counts(&full), (343, 883, 19));
    assert_eq!(counts(&reduced), (23, 58, 19));
    let por = reduced.stats.por.expect("figures");
    assert_eq!((por.ample, por.pruned), (15, 30));

    let bug = library_spec("por/local_work_lost_unit.spec");
    for por in [false, true] {
        let out = run(&bug, &with_por(2, por));
        assert_eq!(out.result, Verdict::Violation, "por {por}");
        assert_eq!(out.violations[0].property, "SumComplete", "por {por}");
        // The counterexample is replayed from the links: a real behaviour
        // of the spec, ending in the violation.
        assert_eq!(out.violations[0].trace.states.len(), 19, "por {por}");
    }
}

#[test]
fn reduction_is_the_same_for_any_number_of_workers() {
    for (path, params) in [
        ("por/local_work.spec", "N=4 K=3"),
        ("por/local_work_lost_unit.spec", "N=3 K=3"),
    ] {
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../specs")
            .join(path);
        let source = std::fs::read_to_string(full).expect("the spec is in the repository");
        let overrides: Vec<spec_lang::ParamOverride> = params
            .split(' ')
            .filter_map(|p| p.split_once('='))
            .map(|(name, value)| spec_lang::ParamOverride {
                name: name.into(),
                value: value.into(),
            })
            .collect();
        let spec = spec_lang::compile(&source, &overrides)
            .expect("the spec compiles")
            .spec;
        let reports: Vec<String> = [1, 2, 4]
            .iter()
            .map(|&w| stable_json(&spec, &run(&spec, &with_por(w, true))))
            .collect();
        assert!(reports[0].contains("\"partial_order\""), "{}", reports[0]);
        assert_eq!(reports[0], reports[1], "{path}");
        assert_eq!(reports[0], reports[2], "{path}");
    }
}

#[test]
fn reduction_says_why_it_is_off() {
    for (path, why) in [
        ("3pc.spec", "synchronous"),
        ("chain_replication.spec", "state constraints"),
        ("raft.spec", "no role qualifies"),
    ] {
        let out = run(&library_spec(path), &with_por(2, true));
        let off = out.stats.por.and_then(|p| p.off).unwrap_or_default();
        assert!(off.contains(why), "{path}: {off}");
    }
}

/// A receive guard that fails for some message while the instance is in
/// one local state, before the conjunct that tests the instance's own
/// variables: the instance is not blocked (its guard would fail rather
/// than be false), so the failure the full search finds is found.
#[test]
fn a_guard_failing_before_its_blocking_conjunct_is_found() {
    let spec = |guard: &str| {
        compile(&format!(
            "protocol Fails
role Worker {{
  var done: 0..2 = 0
  var open: bool = false
}}
role Boss {{ var sent: bool = false }}
message Poke {{ k: 1..2 }}
network bag
on Worker step work when done < 2 {{ done := done + 1 }}
on Worker receive Poke {{ k }} as poked when {guard} {{ done := 0 }}
on Boss step poke when not sent {{
  sent := true
  send Poke {{ k: 2 }} to Worker
}}
invariant Fine: true
terminal when Boss.sent
"
        ))
    };
    // `[7][k]` fails for k = 2, but only while `done == 1`.
    let failing = "(if done == 1 then [7][k] else 1) > 0 and open";
    let full = run(&spec(failing), &with_por(1, false));
    let reduced = run(&spec(failing), &with_por(1, true));
    assert_eq!(full.result, Verdict::Error);
    assert_eq!(reduced.result, Verdict::Error);
    // With the test on its own variable first, the guard never fails.
    let guarded = "open and (if done == 1 then [7][k] else 1) > 0";
    let full = run(&spec(guarded), &with_por(1, false));
    let reduced = run(&spec(guarded), &with_por(1, true));
    assert_eq!(verdict(&full), verdict(&reduced));
    assert_eq!(full.result, Verdict::Ok);
    assert!(reduced.stats.por.is_some_and(|p| p.ample > 0));
}
