//! Name resolution, declarations and parameters: what a user sees.

use crate::assert_user_sees;
use crate::testing::{check_error, check_error_with, check_ok};

/// Snapshots the errors of a spec; a macro so that the snapshot is named
/// after the test.
macro_rules! error {
    ($src:expr $(,)?) => {{
        let src: &str = $src;
        assert_user_sees!(src, check_error(src));
    }};
}

/// Snapshots the errors of a spec compiled with `--param` overrides.
macro_rules! param_error {
    ($src:expr, $params:expr $(,)?) => {{
        let (src, params): (&str, &[(&str, &str)]) = ($src, $params);
        let shown = format!("{src}\n// overrides: {}", overrides_text(params));
        assert_user_sees!(&shown, check_error_with(src, params));
    }};
}

fn overrides_text(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

const PARAMS: &str = "protocol P
param N: 1..5 = 3
param Fast: bool = false
role A[N] { var x: int = 0 }
on A step tick when not Fast { x := x + 1 }
";

#[test]
fn reports_a_duplicate_role_at_both_declarations() {
    error!(
        "protocol P
role A { var x: bool = false }
role A { var y: bool = true }
",
    );
}

#[test]
fn reports_a_name_declared_as_two_kinds() {
    error!(
        "protocol P
param Size: 1..3 = 2
const Size = 4
role A { var x: int = Size }
",
    );
}

#[test]
fn suggests_a_close_variable_name() {
    error!(
        "protocol P
role A { var phase: 0..3 = 0 }
on A step go { phse := 1 }
",
    );
}

#[test]
fn suggests_a_close_type_name() {
    error!(
        "protocol P
role Server[2] { var votes: set<Sever> = {} }
",
    );
}

#[test]
fn reports_every_independent_error_in_one_run() {
    error!(
        "protocol P
role A { var x: int = 0 }
message M { v: int }
on A step one { x := undefined + 1 }
on A step two { x := true }
on A step three { send M { v: 1, w: 2 } to A }
on A step one { skip }
",
    );
}

#[test]
fn an_unknown_name_does_not_cascade_into_type_errors() {
    let out = check_error(
        "protocol P
role A { var x: int = 0 }
on A step one when nope == 3 and x + nope > 1 { x := nope * 2 }
",
    );
    assert_eq!(out.matches("error").count(), 3, "{out}");
    assert!(!out.contains("mismatched"), "{out}");
}

#[test]
fn reports_a_cycle_of_type_aliases() {
    error!(
        "protocol P
type A = set<B>
type B = seq<A>
role R { var x: A = {} }
",
    );
}

#[test]
fn refuses_a_role_with_no_instances() {
    error!(
        "protocol P
param N: 0..3 = 0
role A[N] { var x: bool = false }
",
    );
}

#[test]
fn refuses_an_empty_range_type() {
    error!(
        "protocol P
role A { var x: 3..1 = 3 }
",
    );
}

#[test]
fn refuses_a_bound_that_is_not_constant() {
    error!(
        "protocol P
role A { var n: int = 2
         var x: 0..n = 0 }
",
    );
}

#[test]
fn refuses_a_second_network_declaration() {
    error!(
        "protocol P
role A { var x: bool = false }
network bag
network fifo
",
    );
}

#[test]
fn refuses_duplication_on_a_set_network() {
    error!(
        "protocol P
role A { var x: bool = false }
network set
fault duplication max 2
",
    );
}

#[test]
fn refuses_faults_declared_twice_and_unbounded_crashes() {
    error!(
        "protocol P
role A[2] { var x: bool = false }
fault loss max 1
fault loss
fault crash_stop A
fault crash_recover B max 1
",
    );
}

#[test]
fn names_the_cycle_of_mutually_recursive_functions() {
    error!(
        "protocol P
fn even(n: int) -> bool = if n == 0 then true else odd(n - 1)
fn odd(n: int) -> bool = if n == 0 then false else even(n - 1)
fn fact(n: int) -> int = if n == 0 then 1 else n * fact(n - 1)
role A { var x: bool = even(4) }
",
    );
}

#[test]
fn refuses_a_function_named_like_a_builtin() {
    error!(
        "protocol P
fn size(s: set<int>) -> int = 0
role A { var x: int = 0 }
",
    );
}

#[test]
fn refuses_a_constant_used_before_its_declaration() {
    error!(
        "protocol P
const A = B + 1
const B = 2
param N: 1..3 = A
role R { var x: int = A }
",
    );
}

#[test]
fn constants_may_use_parameters_and_earlier_constants() {
    let spec = check_ok(
        "protocol P
param N: 1..9 = 4
const Majority = N / 2 + 1
const Small = {1, Majority}
role R[Majority] { var x: 0..Majority = Majority }
on R step go { x := 0 }
",
    );
    assert_eq!(spec.roles[0].count, 3);
    assert_eq!(spec.consts.len(), 2);
}

#[test]
fn refuses_an_unknown_step_in_fairness_with_a_hint() {
    error!(
        "protocol P
role A { var x: 0..1 = 0 }
on A step commit { x := 1 }
fair A.comit, B, A.receive
",
    );
}

#[test]
fn refuses_two_steps_with_one_name_at_a_role() {
    error!(
        "protocol P
role A { var x: 0..1 = 0 }
message M
on A step go { send M to A }
on A receive M as go { x := 1 }
on A timeout go { x := 0 }
",
    );
}

#[test]
fn names_further_receives_of_a_message_with_a_counter() {
    let spec = check_ok(
        "protocol P
role A { var x: 0..2 = 0 }
message M { v: int }
on A step go { send M { v: 1 } to A }
on A receive M { v: 1 } { x := 1 }
on A receive M { v: 2 } { x := 2 }
on A receive M { v: _ } as other { x := 0 }
",
    );
    let names: Vec<&str> = spec.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["go", "receive_M", "receive_M_2", "other"]);
}

#[test]
fn reports_an_unknown_parameter_override_with_the_list_and_a_hint() {
    param_error!(PARAMS, &[("n", "4"), ("Slow", "true")]);
}

#[test]
fn reports_an_override_outside_the_declared_range() {
    param_error!(PARAMS, &[("N", "9")]);
}

#[test]
fn reports_an_override_of_the_wrong_kind() {
    param_error!(PARAMS, &[("N", "three"), ("Fast", "1")]);
}

#[test]
fn overrides_replace_defaults_everywhere() {
    let compiled = crate::compile(
        PARAMS,
        &[crate::ParamOverride {
            name: "N".into(),
            value: "5".into(),
        }],
    );
    let Ok(compiled) = compiled else {
        panic!("the override should be accepted");
    };
    assert_eq!(compiled.spec.roles[0].count, 5);
    assert_eq!(compiled.spec.params[0].value, crate::ir::Literal::Int(5));
}

#[test]
fn reports_a_default_outside_the_declared_range_and_a_bad_parameter_type() {
    error!(
        "protocol P
param N: 1..3 = 7
param S: set<int> = {}
role A { var x: bool = false }
",
    );
}

#[test]
fn selects_fair_steps_by_name_receive_and_role() {
    let spec = check_ok(
        "protocol P
role A { var x: 0..1 = 0 }
role B[2] { var y: 0..1 = 0 }
message M
message N
on A step go { send M to A; broadcast N to B }
on A receive M { x := 1 }
on B receive N { y := 1 }
on B timeout reset { y := 0 }
fair A.go, A.receive M, B
fair strong B.receive, delivery N, delivery
",
    );
    let targets: Vec<String> = spec
        .fairness
        .iter()
        .map(|f| format!("{:?} {:?}", f.strength, f.target))
        .collect();
    assert_eq!(
        targets,
        [
            "Weak Steps([StepId(0)])",
            "Weak Steps([StepId(1)])",
            "Weak Steps([StepId(2), StepId(3)])",
            "Strong Steps([StepId(2)])",
            "Strong Delivery(Some(MsgId(1)))",
            "Strong Delivery(None)",
        ]
    );
}
