//! Type checking, locality and statements: what a user sees.

use crate::assert_user_sees;
use crate::ir::{ExprKind, Literal, StmtKind, Type};
use crate::testing::{check_error, check_ok, check_warnings};

/// Snapshots the errors of a spec; a macro so that the snapshot is named
/// after the test.
macro_rules! error {
    ($src:expr $(,)?) => {{
        let src: &str = $src;
        assert_user_sees!(src, check_error(src));
    }};
}

/// Snapshots the warnings of a spec that compiles.
macro_rules! warnings {
    ($src:expr $(,)?) => {{
        let src: &str = $src;
        assert_user_sees!(src, check_warnings(src));
    }};
}

/// Two roles whose enums share variant names, as in two-phase commit.
const TWO_ENUMS: &str = "protocol P
role TM { var phase: enum { Init, Committed, Aborted } = Init }
role RM[2] symmetric { var state: enum { Working, Prepared, Committed, Aborted } = Working }
message Go
on TM step decide when phase == Init { phase := Committed; broadcast Go to RM }
on RM[r] receive Go when state in {Working, Prepared} { state := Committed }
invariant Agree: forall r in RM: r.state == Committed => TM.phase == Committed
";

#[test]
fn resolves_shared_variant_names_by_the_expected_type() {
    let spec = check_ok(TWO_ENUMS);
    assert_eq!(spec.enums.len(), 2);
    assert_eq!(spec.enums[0].name, "TmPhase");
    assert_eq!(spec.enums[1].name, "RmState");
    let StmtKind::Assign { value, .. } = &spec.steps[0].body[0].kind else {
        panic!("expected an assignment");
    };
    assert!(matches!(
        value.kind,
        ExprKind::Lit(Literal::Variant(e, 1)) if e.0 == 0
    ));
    assert_eq!(spec.steps[1].name, "receive_Go");
}

#[test]
fn asks_for_context_when_a_variant_is_ambiguous() {
    error!(&format!("{TWO_ENUMS}invariant Odd: Committed != Aborted\n"));
}

#[test]
fn reports_comparing_different_enums() {
    error!(&format!(
        "{TWO_ENUMS}invariant Mixed: forall r in RM: r.state == TM.phase\n"
    ));
}

#[test]
fn refuses_reading_another_roles_variable_in_a_step() {
    error!(
        "protocol P
role TM { var phase: 0..2 = 0 }
role RM[2] { var state: 0..2 = 0 }
on RM[r] step peek when TM.phase == 1 { state := 1 }
on RM[r] step peek_bare when phase == 1 { state := 2 }
",
    );
}

#[test]
fn refuses_writing_another_instances_variable() {
    error!(
        "protocol P
role RM[2] { var state: 0..2 = 0 }
on RM[r] step poke { forall_other := 1 }
on RM[r] step poke2 { choose o in RM where o != r; o.state := 1 }
",
    );
}

#[test]
fn asks_invariants_to_name_the_instance() {
    error!(
        "protocol P
role RM[2] { var state: 0..2 = 0 }
invariant Bad: state < 2
",
    );
}

#[test]
fn refuses_naming_an_instance_of_a_symmetric_role() {
    error!(
        "protocol P
role RM[3] symmetric { var state: 0..2 = 0 }
role S[2] { var x: 0..2 = 0 }
invariant First: RM[1].state == 0
invariant Order: forall a, b in RM: a < b
invariant Out: S[3].x == 0
",
    );
}

#[test]
fn allows_equality_and_membership_on_a_symmetric_role() {
    let spec = check_ok(
        "protocol P
role RM[3] symmetric { var peers: set<RM> = {} }
on RM[r] step add { choose o in RM where o != r and o not in peers; peers := peers + {o} }
invariant NotSelf: forall r in RM: r not in r.peers
",
    );
    assert!(spec.roles[0].symmetric);
}

#[test]
fn reports_mismatched_assignments_and_guards() {
    error!(
        "protocol P
role A { var x: 0..3 = 0
         var s: set<int> = {} }
on A step one when x { x := {1} }
on A step two { s := 3 }
",
    );
}

#[test]
fn allows_storing_int_arithmetic_into_a_bounded_variable() {
    let spec = check_ok(
        "protocol P
role A { var x: 0..3 = 0 }
on A step inc when x < 3 { x := x + 1 }
",
    );
    assert_eq!(
        spec.vars[0].ty,
        Type::Int(Some(crate::ir::IntRange { lo: 0, hi: 3 }))
    );
}

#[test]
fn reports_missing_duplicate_and_mistyped_message_fields() {
    error!(
        "protocol P
role A { var x: int = 0 }
message M { a: int, b: bool }
on A step one { send M { a: true } to A }
on A step two { send M { a: 1, a: 2, b: false } to A }
on A step three { send M { a: 1, b: false, c: 3 } to A }
",
    );
}

#[test]
fn suggests_broadcast_when_sending_to_a_set() {
    error!(
        "protocol P
role A[2] { var x: int = 0 }
message M
on A step one { send M to A }
on A step two { broadcast M to self }
",
    );
}

#[test]
fn refuses_reply_outside_a_receive_step() {
    error!(
        "protocol P
role A { var x: int = 0 }
message M
on A step one { reply M }
",
    );
}

#[test]
fn refuses_a_pattern_that_would_hide_a_variable() {
    error!(
        "protocol P
role A[2] { var term: int = 0 }
message M { term: int, from_term: int }
on A step one { send M { term: 1, from_term: 2 } to self }
on A[a] receive M { term, from_term: a } { skip }
on A[a] receive M { term: t, term: u, nope: 3 } as two { skip }
",
    );
}

#[test]
fn reads_pattern_names_as_comparisons_or_bindings() {
    let spec = check_ok(
        "protocol P
param Limit: 1..3 = 2
type Vote = enum { Yes, No }
role A { var seen: int = 0 }
message M { vote: Vote, n: int, who: A }
on A step one { send M { vote: Yes, n: Limit, who: A } to A }
on A receive M { vote: Yes, n: Limit, who: w } from s { seen := 1; assert w == s }
",
    );
    let crate::ir::StepKind::Receive(r) = &spec.steps[1].kind else {
        panic!("expected a receive step");
    };
    assert_eq!(r.matches.len(), 2);
    assert_eq!(r.bindings.len(), 1);
    assert_eq!(spec.steps[1].locals[r.sender.index()].name, "s");
}

#[test]
fn asks_for_context_for_an_empty_set() {
    error!(
        "protocol P
role A { var x: int = 0 }
invariant Empty: size({}) == 0
",
    );
}

#[test]
fn refuses_assigning_to_locals_and_parameters() {
    error!(
        "protocol P
param N: 1..3 = 2
role A { var x: int = 0 }
on A step one { let y = 1; y := 2 }
on A step two { N := 3 }
",
    );
}

#[test]
fn keeps_the_network_out_of_steps() {
    error!(
        "protocol P
role A { var x: int = 0 }
message M
on A step one when size(in_flight(M)) == 0 { send M to A }
on A step two when crashed(A) { x := 1 }
",
    );
}

#[test]
fn checks_builtin_arguments() {
    error!(
        "protocol P
role A { var log: seq<int> = []
         var m: map<int, bool> = [] }
on A step one { log := append(log, true) }
on A step two { m := m with [1 -> 2] }
on A step three when head(m) == 1 { skip }
on A step four when min(1, 2, 3) == 1 { skip }
on A step five when sise(log) == 1 { skip }
",
    );
}

#[test]
fn types_options_maps_sequences_and_records() {
    let spec = check_ok(
        "protocol P
type Entry = record { term: int, value: bool }
role A { var log: seq<Entry, 3> = []
         var votes: map<int, option<int>> = [k in 1..2 -> none]
         var best: option<Entry> = none }
fn last_term(l: seq<Entry, 3>) -> int = if size(l) == 0 then 0 else last(l).term
on A step add when size(log) < 3 {
  let e = { term: last_term(log) + 1, value: true }
  log := append(log, e)
  best := some(e)
  votes[1] := some(e.term)
  log[1].value := false
}
invariant Terms: forall e in A.log: e.term >= 1 and is_none(A.best) == (size(A.log) == 0)
",
    );
    assert_eq!(spec.records.len(), 1);
    assert_eq!(spec.records[0].name, "Entry");
}

#[test]
fn warns_about_unused_locals_and_unsent_messages() {
    warnings!(
        "protocol P
role A { var x: int = 0 }
message Never
message Used { v: int }
on A step one { let unused = 3; let _ignored = 4; choose c in {1, 2}; send Used { v: c } to A }
on A receive Used { v } from s { x := 1 }
",
    );
}

#[test]
fn reads_message_fields_and_endpoints_in_invariants() {
    let spec = check_ok(
        "protocol P
role C { var sent: int = 0 }
role S[2] { var got: int = 0 }
message Req { n: int }
on C step go { broadcast Req { n: 1 } to S }
on S receive Req { n } { got := n }
invariant Small: forall m in in_flight(Req): m.n == 1 and m.from == C and m.to in S
",
    );
    assert_eq!(spec.invariants.len(), 1);
}

#[test]
fn reports_a_misspelt_field_once_and_reads_no_variable_in_a_function() {
    error!(
        "protocol P
role A { var x: int = 0 }
message M { rm: int }
on A step one { send M { rn: 1 } to A }
on A receive M { id } { x := id + 1 }
fn f() -> int = x
",
    );
}
