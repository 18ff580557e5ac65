//! Trace validation of partitions, heals and state constraints, on
//! hand-written traces.

use super::{TraceError, validate_trace};

const SPEC: &str = r#"
protocol Split
role P[3] {
  var n: 0..3 = 0
}
message Hello
network bag
fault partition max 1
on P[p] step greet when n == 0 {
  n := 1
  broadcast Hello to P
}
on P[p] receive Hello { n := n + 1 }
constraint forall p in P: p.n <= 1
"#;

fn spec() -> spec_lang::ir::Spec {
    spec_lang::compile(SPEC, &[])
        .unwrap_or_else(|d| panic!("{}", spec_lang::render("split", SPEC, &d, false)))
        .spec
}

fn trace(records: &[&str]) -> String {
    let mut lines = vec![r#"{"kind":"header","protocol":"Split"}"#.to_string()];
    lines.extend(records.iter().map(|r| r.to_string()));
    lines.join("\n")
}

const GREET: &str = r#"{"kind":"step","instance":"P[2]","step":"greet","received":null,"sent":[{"type":"Hello","from":"P[2]","to":"P[1]","fields":{}},{"type":"Hello","from":"P[2]","to":"P[3]","fields":{}}],"state":{"n":1}}"#;

#[test]
fn partitions_and_heals_replay_as_the_checker_names_them() {
    let spec = spec();
    let ok = trace(&[
        r#"{"kind":"partition","group":["P[3]"]}"#,
        r#"{"kind":"heal"}"#,
    ]);
    assert!(validate_trace(&spec, &ok).is_ok());
    // The group is the side without the first instance; the other side is
    // not a name for the same partition.
    let wrong_side = trace(&[r#"{"kind":"partition","group":["P[1]", "P[2]"]}"#]);
    assert!(matches!(
        validate_trace(&spec, &wrong_side),
        Err(TraceError::Divergence { record: 1, .. })
    ));
    // The bound is one partition, and there is nothing to heal before one.
    let twice = trace(&[
        r#"{"kind":"partition","group":["P[3]"]}"#,
        r#"{"kind":"heal"}"#,
        r#"{"kind":"partition","group":["P[2]"]}"#,
    ]);
    assert!(matches!(
        validate_trace(&spec, &twice),
        Err(TraceError::Divergence { record: 3, .. })
    ));
    assert!(matches!(
        validate_trace(&spec, &trace(&[r#"{"kind":"heal"}"#])),
        Err(TraceError::Divergence { record: 1, .. })
    ));
    assert!(matches!(
        validate_trace(&spec, &trace(&[r#"{"kind":"partition","group":"P[3]"}"#])),
        Err(TraceError::Malformed { line: 2, .. })
    ));
}

#[test]
fn a_trace_ends_at_the_first_state_outside_the_constraints() {
    let spec = spec();
    let receive = r#"{"kind":"step","instance":"P[1]","step":"handle_Hello","received":{"type":"Hello","from":"P[2]","to":"P[1]","fields":{}},"sent":[],"state":{"n":1}}"#;
    let step_name = spec
        .steps
        .iter()
        .find(|s| matches!(s.kind, spec_lang::ir::StepKind::Receive(_)))
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let receive = receive.replace("handle_Hello", &step_name);
    let greet3 = r#"{"kind":"step","instance":"P[3]","step":"greet","received":null,"sent":[{"type":"Hello","from":"P[3]","to":"P[1]","fields":{}},{"type":"Hello","from":"P[3]","to":"P[2]","fields":{}}],"state":{"n":1}}"#;
    // P[1] receiving while still at 0 stays inside; receiving again takes
    // it to 2, outside the constraint: that state may end the trace...
    let second = receive
        .replace("P[2]\",\"to", "P[3]\",\"to")
        .replace("\"n\":1}}", "\"n\":2}}");
    let ends_outside = trace(&[GREET, greet3, &receive, &second]);
    assert!(
        validate_trace(&spec, &ends_outside).is_ok(),
        "{:?}",
        validate_trace(&spec, &ends_outside)
    );
    // ...but nothing may follow it.
    let goes_on = trace(&[
        GREET,
        greet3,
        &receive,
        &second,
        r#"{"kind":"partition","group":["P[3]"]}"#,
    ]);
    match validate_trace(&spec, &goes_on) {
        Err(TraceError::Divergence {
            record: 5, message, ..
        }) => {
            assert!(
                message.contains("outside the spec's state constraints"),
                "{message}"
            );
        }
        other => panic!("expected a divergence at record 5, got {other:?}"),
    }
}
