//! Projection: what each role's steps look like, and what is refused.

use crate::assert_user_sees;
use crate::testing::{check_error, check_ok};

/// What a user sees when a choreography cannot be projected.
fn refused(source: &str) -> String {
    check_error(source)
}

/// The projected steps of a choreography, as `specc project` prints them.
fn projected(source: &str) -> String {
    let spec = check_ok(source);
    spec.projection_text(&|span| {
        let (line, column) = crate::line_column(source, span.start);
        format!("{line}:{column}")
    })
}

#[test]
fn projects_two_phase_commit_into_steps_with_program_counters() {
    let source = include_str!("../../../specs/2pc_chor.spec");
    assert_user_sees!(source, projected(source));
}

#[test]
fn projects_a_loop_of_requests_and_replies() {
    let source = "protocol PingPong
role Client { var sent: 0..3 = 0 }
role Server { var served: 0..3 = 0 }
message Ping { n: 0..3 }
message Pong
choreography Main {
  loop {
    at Client { sent := (sent + 1) % 4 }
    Client -> Server: Ping { n: sent }
    at Server { served := n }
    Server -> Client: Pong
  }
}
";
    assert_user_sees!(source, projected(source));
}

#[test]
fn projects_a_loop_without_messages_into_one_repeating_step() {
    let source = "protocol Counter
role A { var x: 0..2 = 0 }
role B { var y: bool = false }
message Hello
choreography Main {
  A -> B: Hello
  loop {
    at A { x := (x + 1) % 3 }
  }
}
";
    assert_user_sees!(source, projected(source));
}

#[test]
fn lets_a_third_role_ignore_a_choice_it_takes_no_part_in() {
    let source = "protocol P
role A { var go: bool = true }
role B { var x: bool = false }
role C { var seen: bool = false }
message Yes
message No
message Tell
choreography Main {
  if at A: go {
    A -> B: Yes
  } else {
    A -> B: No
  }
  A -> C: Tell
  at C { seen := true }
}
";
    assert_user_sees!(source, projected(source));
}

#[test]
fn lets_a_role_receive_the_same_message_in_both_branches_when_it_acts_alike() {
    let source = "protocol P
role A { var go: bool = true }
role B { var x: bool = false }
role C { var seen: bool = false }
message Yes
message No
message Tell
choreography Main {
  if at A: go {
    A -> B: Yes
    B -> C: Tell
  } else {
    A -> B: No
    B -> C: Tell
  }
}
";
    let spec = check_ok(source);
    let c = spec.roles.iter().position(|r| r.name == "C");
    let c_steps = spec
        .steps
        .iter()
        .filter(|s| Some(s.role.index()) == c)
        .count();
    assert_eq!(c_steps, 1, "{}", projected(source));
}

#[test]
fn marks_program_counters_synthetic_and_steps_with_their_origin() {
    let source = include_str!("../../../specs/2pc_chor.spec");
    let spec = check_ok(source);
    let synthetic: Vec<&str> = spec
        .vars
        .iter()
        .filter(|v| v.synthetic)
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(synthetic, ["pc", "seen_L49", "pc"]);
    assert!(spec.steps.iter().all(|s| s.origin.is_some()));
    assert!(!spec.terminal.is_empty());
}

#[test]
fn refuses_a_send_hidden_in_local_work() {
    let source = "protocol P
role A { var x: bool = false }
role B { var y: bool = false }
message M
choreography Main {
  at A { if x { send M to B } }
}
";
    assert_user_sees!(source, refused(source));
}

#[test]
fn program_counters_coexist_with_user_variants_named_start_and_done() {
    let source = "protocol P
role A { var phase: enum { Start, Done } = Start }
role B { var pc: bool = false }
message M
choreography Main {
  at A { phase := Done }
  A -> B: M
}
";
    let spec = check_ok(source);
    let names: Vec<&str> = spec.vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["phase", "pc", "pc", "pc_2"]);
}
