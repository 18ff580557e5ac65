//! The same report, byte for byte (apart from timings and the worker
//! count), for 1, 2 and 4 workers.

#[path = "support/build.rs"]
mod build;
#[path = "support/run.rs"]
mod run;
#[path = "support/two_phase.rs"]
mod two_phase;

use build::*;
use checker::{Verdict, text_report};
use run::{config, run, stable_json};
use spec_lang::ir::{LocalId, Spec, Type, VarId};
use two_phase::{Options, two_phase};

/// Checks with 1, 2 and 4 workers and requires identical reports; returns
/// the verdict.
fn same_for_any_workers(spec: &Spec) -> Verdict {
    let reports: Vec<(String, String, Verdict)> = [1, 2, 4]
        .iter()
        .map(|&w| {
            let out = run(spec, &config(w));
            let text = text_report(spec, &out);
            // The last line has timings; the rest must match.
            let text = text
                .lines()
                .filter(|l| !l.contains(" states/s"))
                .collect::<Vec<_>>()
                .join("\n");
            (stable_json(spec, &out), text, out.result)
        })
        .collect();
    for r in &reports[1..] {
        assert_eq!(r.0, reports[0].0);
        assert_eq!(r.1, reports[0].1);
    }
    reports[0].2.clone()
}

#[test]
fn complete_search_is_identical_for_any_worker_count() {
    let spec = two_phase(Options {
        rms: 5,
        symmetric: false,
        commit_early: false,
    });
    assert_eq!(same_for_any_workers(&spec), Verdict::Ok);
}

#[test]
fn counterexample_is_identical_for_any_worker_count() {
    for symmetric in [false, true] {
        let spec = two_phase(Options {
            rms: 5,
            symmetric,
            commit_early: true,
        });
        assert_eq!(same_for_any_workers(&spec), Verdict::Violation);
    }
}

#[test]
fn violation_deep_in_a_wide_level_is_identical_for_any_worker_count() {
    // NotAllCommitted: the first violation sits in a level of thousands of
    // states, spread over many chunks.
    let mut b = B {
        spec: two_phase(Options {
            rms: 5,
            symmetric: false,
            commit_early: false,
        }),
    };
    let rm = spec_lang::ir::RoleId(1);
    let r = local(LocalId(0), Type::Role(rm));
    let rm_state = VarId(2);
    let all = forall(
        vec![(r.clone(), role_set(rm))],
        eq(b.of(rm_state, r), variant(spec_lang::ir::EnumId(1), 2)),
    );
    b.invariant("NotAllCommitted", &[("r", Type::Role(rm))], not(all));
    assert_eq!(same_for_any_workers(&b.spec), Verdict::Violation);
}

#[test]
fn deadlock_and_errors_are_identical_for_any_worker_count() {
    // With a bag network every message is received once, so finished
    // states have no successor.
    let mut spec = two_phase(Options {
        rms: 4,
        symmetric: false,
        commit_early: false,
    });
    spec.network.kind = spec_lang::ir::NetworkKind::Bag;
    let mut cfg = config(1);
    cfg.check_deadlock = true;
    let first = run(&spec, &cfg);
    assert_eq!(first.result, Verdict::Violation);
    for w in [2, 4] {
        cfg.workers = w;
        assert_eq!(
            stable_json(&spec, &run(&spec, &cfg)),
            stable_json(&spec, &first)
        );
    }
    // An invariant that divides by zero once an RM has aborted.
    let rm = spec_lang::ir::RoleId(1);
    let r = local(LocalId(0), Type::Role(rm));
    let mut b = B {
        spec: std::mem::replace(
            &mut spec,
            two_phase(Options {
                rms: 1,
                symmetric: false,
                commit_early: false,
            }),
        ),
    };
    let aborted = eq(
        b.of(VarId(2), r.clone()),
        variant(spec_lang::ir::EnumId(1), 3),
    );
    let div = bin(spec_lang::ir::BinaryOp::Div, int(1), int(0));
    let body = spec_lang::ir::Expr {
        kind: spec_lang::ir::ExprKind::If(
            Box::new(aborted),
            Box::new(eq(div, int(0))),
            Box::new(boolean(true)),
        ),
        ty: Type::Bool,
        span: spec_lang::Span::DETACHED,
    };
    b.invariant(
        "Divides",
        &[("r", Type::Role(rm))],
        forall(vec![(r, role_set(rm))], body),
    );
    assert_eq!(same_for_any_workers(&b.spec), Verdict::Error);
}

/// The liveness search expands windows of states in parallel and merges
/// them in queue order: its graph, verdicts and lassos must not depend on
/// the workers. 2pc with five participants (42,017 states) and raft_unfair
/// (97,945, a lasso) span several windows.
#[test]
fn liveness_is_identical_for_any_worker_count() {
    let two_pc = {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/2pc.spec");
        let source =
            std::fs::read_to_string(path).expect("the library specs are in the repository");
        let n = [spec_lang::ParamOverride {
            name: "N".to_string(),
            value: "5".to_string(),
        }];
        match spec_lang::compile(&source, &n) {
            Ok(compiled) => compiled.spec,
            Err(d) => panic!("{}", spec_lang::render("2pc.spec", &source, &d, false)),
        }
    };
    assert_eq!(same_for_any_workers(&two_pc), Verdict::Ok);
    let unfair = run::library_spec("bugs/raft_unfair.spec");
    assert_eq!(same_for_any_workers(&unfair), Verdict::Violation);
}

/// A liveness search stopped by the memory limit stops at the same state
/// for any number of workers: the estimate counts the window's buffers,
/// whose sizes do not depend on the workers.
#[test]
fn liveness_memory_stop_is_identical_for_any_worker_count() {
    let spec = run::library_spec("bugs/raft_unfair.spec");
    let reports: Vec<String> = [1, 2, 4]
        .iter()
        .map(|&w| {
            let cfg = checker::CheckConfig {
                memory_limit: Some(7 << 20),
                ..config(w)
            };
            let out = run(&spec, &cfg);
            assert!(
                matches!(out.result, Verdict::Incomplete { .. }),
                "{:?}",
                out.result
            );
            stable_json(&spec, &out)
        })
        .collect();
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0], reports[2]);
}
