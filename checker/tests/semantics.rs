//! Step semantics, runtime errors, shortest traces, constraints and
//! resource bounds, on tiny specs counted by hand.

#[path = "support/build.rs"]
mod build;
#[path = "support/run.rs"]
mod run;

use build::*;
use checker::{CheckOutcome, IncompleteReason, Verdict};
use run::{config, counts_ok, run};
use spec_lang::ir::{BinaryOp, Builtin, Expr, Spec, Type};

/// One singleton role `A` with one variable and the given steps.
fn one_var(
    ty: Type,
    init: Expr,
    steps: impl FnOnce(&mut B, spec_lang::ir::RoleId, spec_lang::ir::VarId),
) -> Spec {
    let mut b = B::new("T");
    let a = b.singleton("A");
    let x = b.var(a, "x", ty, init);
    steps(&mut b, a, x);
    b.build()
}

/// Runs a spec that must stop on a runtime error; returns the outcome.
fn check_error(spec: &Spec, message: &str, span: (u32, u32)) -> CheckOutcome {
    let out = run(spec, &config(2));
    assert_eq!(
        out.result,
        Verdict::Error,
        "{:?}",
        out.violations.first().map(|v| &v.property)
    );
    let Some(e) = &out.error else {
        panic!("no error recorded");
    };
    assert!(e.message.contains(message), "{}", e.message);
    assert_eq!((e.span.start, e.span.end), span);
    out
}

#[test]
fn choose_forks_one_successor_per_allowed_element() {
    // on A step pick when x == 0 { choose y in 1..3 where y != 2; x := y }
    let spec = one_var(range_ty(0, 3), int(0), |b, a, x| {
        let guard = eq(b.own(x), int(0));
        let mut s = internal("pick", a);
        let y = s.local("y", int_ty());
        b.step(s.guard(guard).body(vec![
            choose(&y, range(int(1), int(3)), Some(ne(y.clone(), int(2)))),
            assign(x, y),
        ]));
    });
    assert_eq!(counts_ok(&spec, &config(1)), (3, 3, 2));
}

#[test]
fn choose_continues_through_enclosing_loops_and_branches() {
    // on A step fill when x == {} {
    //   for i in 1..2 { choose c in 0..1; if c == 1 { x := x + {i} } }
    // }
    let spec = one_var(set_ty(int_ty()), set_of(vec![], int_ty()), |b, a, x| {
        let guard = eq(b.own(x), set_of(vec![], int_ty()));
        let mut s = internal("fill", a);
        let i = s.local("i", int_ty());
        let c = s.local("c", int_ty());
        let add_i = assign(
            x,
            bin(BinaryOp::Union, b.own(x), set_of(vec![i.clone()], int_ty())),
        );
        b.step(s.guard(guard).body(vec![for_(
            &i,
            range(int(1), int(2)),
            vec![
                choose(&c, range(int(0), int(1)), None),
                if_(eq(c.clone(), int(1)), vec![add_i], vec![]),
            ],
        )]));
    });
    // {} and its four successors {}, {1}, {2}, {1,2} ({} is a self-loop).
    assert_eq!(counts_ok(&spec, &config(1)), (4, 5, 2));
}

#[test]
fn choose_from_nothing_disables_the_step() {
    let spec = one_var(Type::Bool, boolean(false), |b, a, x| {
        let mut s = internal("never", a);
        let y = s.local("y", Type::Bool);
        b.step(s.body(vec![
            choose(&y, set_of(vec![], Type::Bool), None),
            assign(x, y),
        ]));
    });
    let mut cfg = config(1);
    cfg.check_deadlock = true;
    let out = run(&spec, &cfg);
    assert_eq!(out.result, Verdict::Violation);
    assert_eq!(out.violations[0].trace.states.len(), 1);
}

/// A counter with steps `inc1` (x < 10) and `inc2` (x <= 8) and the
/// invariant `x != 6`.
fn counter() -> Spec {
    one_var(range_ty(0, 10), int(0), |b, a, x| {
        for (k, limit) in [(1, 10), (2, 9)] {
            let guard = bin(BinaryOp::Lt, b.own(x), int(limit));
            b.step(
                internal(&format!("inc{k}"), a)
                    .guard(guard)
                    .body(vec![assign(x, add(b.own(x), int(k)))]),
            );
        }
        let inv = ne(b.of(x, inst(a, 0)), int(6));
        b.invariant("NotSix", &[], inv);
    })
}

#[test]
fn reports_the_shortest_counterexample() {
    for workers in [1, 2, 4] {
        let out = run(&counter(), &config(workers));
        assert_eq!(out.result, Verdict::Violation);
        let trace = &out.violations[0].trace;
        let xs: Vec<String> = trace
            .states
            .iter()
            .map(|s| format!("{:?}", s.state.vars[0]))
            .collect();
        assert_eq!(
            xs,
            ["Int(0)", "Int(2)", "Int(4)", "Int(6)"],
            "workers = {workers}"
        );
        assert_eq!(out.stats.depth, 4);
    }
}

#[test]
fn states_outside_the_constraint_are_checked_but_not_expanded() {
    // Unbounded counter, constraint x < 5: 0..=5 are found, 5 not expanded.
    let spec = one_var(int_ty(), int(0), |b, a, x| {
        b.step(internal("inc", a).body(vec![assign(x, add(b.own(x), int(1)))]));
        let c = bin(BinaryOp::Lt, b.of(x, inst(a, 0)), int(5));
        b.constraint(&[], c);
    });
    assert_eq!(counts_ok(&spec, &config(2)), (6, 6, 6));
    let mut b = B { spec };
    let x = spec_lang::ir::VarId(0);
    let inv = ne(b.of(x, inst(spec_lang::ir::RoleId(0), 0)), int(5));
    b.invariant("NotFive", &[], inv);
    assert_eq!(run(&b.spec, &config(2)).result, Verdict::Violation);
}

#[test]
fn reports_division_by_zero_with_span_and_trace() {
    // on A step div { x := 10 / x }
    let spec = one_var(int_ty(), int(0), |b, a, x| {
        let e = at(bin(BinaryOp::Div, int(10), b.own(x)), 30, 36);
        b.step(internal("div", a).body(vec![assign(x, e)]));
    });
    let out = check_error(&spec, "division by zero", (30, 36));
    let trace = out
        .error
        .and_then(|e| e.trace)
        .map(|t| (t.states.len(), t.failed.is_some()));
    assert_eq!(trace, Some((1, true)));
}

#[test]
fn reports_out_of_range_store_after_the_last_valid_value() {
    // var x: 0..2; on A step inc { x := x + 1 }
    let spec = one_var(range_ty(0, 2), int(0), |b, a, x| {
        let e = at(add(b.own(x), int(1)), 40, 45);
        b.step(internal("inc", a).body(vec![assign(x, e)]));
    });
    let out = check_error(&spec, "out of the range 0..2", (40, 45));
    let trace = out.error.and_then(|e| e.trace).map(|t| t.states.len());
    assert_eq!(trace, Some(3));
}

#[test]
fn reports_missing_map_key() {
    let map_ty = Type::Map(Box::new(int_ty()), Box::new(int_ty()));
    let empty = expr(spec_lang::ir::ExprKind::MapLit(vec![]), map_ty.clone());
    let spec = one_var(map_ty, empty, |b, a, x| {
        let e = at(map_get(b.of(x, inst(a, 0)), int(1), int_ty()), 5, 9);
        b.invariant("Lookup", &[], eq(e, int(0)));
    });
    check_error(&spec, "key 1 is not in the map", (5, 9));
}

#[test]
fn reports_get_of_none() {
    let opt = Type::Option(Box::new(int_ty()));
    let none = expr(spec_lang::ir::ExprKind::None, opt.clone());
    let spec = one_var(opt, none, |b, a, x| {
        let e = at(
            builtin(Builtin::Get, vec![b.of(x, inst(a, 0))], int_ty()),
            1,
            2,
        );
        b.invariant("Get", &[], eq(e, int(0)));
    });
    check_error(&spec, "get(none)", (1, 2));
}

#[test]
fn reports_sequence_index_out_of_range() {
    let seq = Type::Seq(Box::new(int_ty()), None);
    let lit = expr(spec_lang::ir::ExprKind::SeqLit(vec![int(7)]), seq.clone());
    let spec = one_var(seq, lit, |b, a, x| {
        let e = at(seq_index(b.of(x, inst(a, 0)), int(2), int_ty()), 3, 4);
        b.invariant("Index", &[], eq(e, int(7)));
    });
    check_error(&spec, "sequence index 2 is out of range", (3, 4));
}

#[test]
fn reports_min_of_an_empty_set() {
    let spec = one_var(set_ty(int_ty()), set_of(vec![], int_ty()), |b, a, x| {
        let e = at(
            builtin(Builtin::MinOf, vec![b.of(x, inst(a, 0))], int_ty()),
            6,
            8,
        );
        b.invariant("Min", &[], eq(e, int(0)));
    });
    check_error(&spec, "min or max of an empty set", (6, 8));
}

#[test]
fn reports_errors_in_initial_values_without_a_trace() {
    let spec = one_var(
        int_ty(),
        at(bin(BinaryOp::Mod, int(1), int(0)), 2, 9),
        |_, _, _| {},
    );
    let out = check_error(&spec, "division by zero", (2, 9));
    assert!(out.error.is_some_and(|e| e.trace.is_none()));
}

#[test]
fn max_states_stops_with_incomplete() {
    let out = run(&counter_without_invariant(), &{
        let mut c = config(2);
        c.max_states = Some(3);
        c
    });
    assert_eq!(
        out.result,
        Verdict::Incomplete {
            reason: IncompleteReason::MaxStates(3)
        }
    );
    assert!(out.stats.distinct > 3);
}

#[test]
fn max_depth_is_incomplete_only_when_states_lie_beyond_it() {
    let spec = counter_without_invariant();
    let mut cfg = config(2);
    cfg.max_depth = Some(4);
    let out = run(&spec, &cfg);
    assert_eq!(
        out.result,
        Verdict::Incomplete {
            reason: IncompleteReason::MaxDepth(4)
        }
    );
    assert_eq!(out.stats.distinct, 7);
    // 0..10 are all reached within depth 6 (0,2,4,6,8,10 / 9,..).
    cfg.max_depth = Some(11);
    assert_eq!(run(&spec, &cfg).result, Verdict::Ok);
}

#[test]
fn memory_limit_stops_with_incomplete() {
    let mut cfg = config(1);
    cfg.memory_limit = Some(1);
    let out = run(&counter_without_invariant(), &cfg);
    assert_eq!(
        out.result,
        Verdict::Incomplete {
            reason: IncompleteReason::MemoryLimit(1)
        }
    );
}

fn counter_without_invariant() -> Spec {
    let mut spec = counter();
    spec.invariants.clear();
    spec
}
