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
fn projects_three_phase_commit_with_timeouts_and_an_interrupt_handler() {
    let source = include_str!("../../../specs/3pc_chor.spec");
    assert_user_sees!(source, projected(source));
}

#[test]
fn projects_chain_replication_where_two_servers_sit_out_reads() {
    let source = include_str!("../../../specs/chain_chor.spec");
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

#[test]
fn gives_up_on_a_long_run_of_choices_instead_of_hanging() {
    let mut source = String::from(
        "protocol P\nrole A { var x: 0..1 = 0 }\nrole B { var y: bool = false }\nmessage M\nchoreography Main {\n",
    );
    for _ in 0..40 {
        source.push_str("  if at A: x == 0 { at A { x := 1 } } else { at A { x := 0 } }\n");
    }
    source.push_str("  A -> B: M\n}\n");
    let errors = refused(&source);
    assert!(errors.contains("too many cases"), "{errors}");
}

#[test]
fn gathers_answers_that_each_member_chooses() {
    let source = "protocol Poll
role A { var yes: 0..3 = 0 }
role R[2] { var ok: bool = false }
message Yes
message No
choreography Main {
  for r in R {
    at r { choose b in {true, false}; ok := b }
    if at r: ok {
      r -> A: Yes
      at A { yes := yes + 1 }
    } else {
      r -> A: No
    }
  }
}
";
    assert_user_sees!(source, projected(source));
}

#[test]
fn sends_to_each_member_in_any_order_when_the_coordinator_acts_first() {
    let source = "protocol Notify
role A { var n: 0..3 = 0 }
role R[2] { var told: bool = false }
message Ping
choreography Main {
  for r in R {
    A -> r: Ping
    at r { told := true }
  }
}
";
    assert_user_sees!(source, projected(source));
}

#[test]
fn odd_choreographies_compile_or_fail_without_panicking() {
    let bodies = [
        "",
        "loop { }",
        "loop { loop { A -> B: M } }",
        "loop { at A { x := not x } }",
        "for r in R { loop { A -> r: M } }",
        "for r in R { } for q in R { q -> A: M }",
        "if at A: x { } else { }",
        "if at A: x { A -> B: M } else if at A: not x { A -> B: N } else { A -> B: M }",
        "if at A: x { if at A: x { A -> B: M } else { A -> B: N } } else { A -> B: N }",
        "A -> R: M  at R { y := true }  for r in R { r -> A: N }",
        "at self { }",
        "A -> B: M { }",
        "A -> B: Missing",
        "for A in R { }",
        "if at B: z { A -> B: M } else { A -> B: N }",
    ];
    for body in bodies {
        let source = format!(
            "protocol P
role A {{ var x: bool = false }}
role B {{ var z: bool = false }}
role R[2] {{ var y: bool = false }}
message M
message N
choreography Main {{ {body} }}
"
        );
        let _ = crate::compile(&source, &[]);
        let _ = crate::compile_file(
            &crate::parse(&source).unwrap_or_else(|_| panic!("parses: {body}")),
            &[],
        );
    }
}
