//! The validator must be able to fail: generated crates built from a
//! deliberately broken spec (a wrong guard, a persistent variable made
//! volatile, a state constraint dropped) are caught, by validation against
//! the correct spec or by the generated code's own evaluation errors.

use crate::generated::{compile, generated, read_spec};
use crate::library::two_phase_commit_with_faults;

#[test]
fn generated_crate_with_a_wrong_guard_is_caught_by_validation() {
    // The coordinator commits without waiting for every yes vote.
    let source = read_spec("specs/2pc.spec");
    let broken = source.replace(
        "on Coordinator step commit when decision == Undecided and yes_votes == Participant {",
        "on Coordinator step commit when decision == Undecided {",
    );
    assert_ne!(broken, source, "the guard to break is in the spec");
    let spec = compile(&source);
    let traces = generated("broken-2pc-wrong-guard", &broken).simulate_ok(200, 0);
    let caught = traces
        .iter()
        .filter(|(_, t)| {
            matches!(
                checker::validate_trace(&spec, t),
                Err(checker::TraceError::Divergence { .. } | checker::TraceError::Invariant { .. })
            )
        })
        .count();
    assert!(
        caught > 0,
        "some run of the broken crate diverges from the spec"
    );
}

#[test]
fn generated_crate_that_drops_a_persistent_write_is_caught_at_recovery() {
    // The generated participant forgets its vote when it crashes.
    let source = two_phase_commit_with_faults();
    let broken = source.replace(
        "persistent var vote: option<Ballot> = none",
        "var vote: option<Ballot> = none",
    );
    assert_ne!(broken, source, "the persistent variable is in the spec");
    let spec = compile(&source);
    let traces = generated("broken-2pc-volatile-vote", &broken).simulate_ok(300, 20);
    let caught = traces
        .iter()
        .filter(|(_, t)| {
            matches!(
                checker::validate_trace(&spec, t),
                Err(checker::TraceError::Divergence { message, .. }) if message.starts_with("`recover`")
            )
        })
        .count();
    assert!(
        caught > 0,
        "some run of the broken crate diverges at a recovery"
    );
}

#[test]
fn generated_code_reports_a_store_out_of_its_range_instead_of_panicking() {
    // Without its state constraint, the choreography's client writes past
    // the 0..4 range of `sent`: the generated code must stop with the
    // spec's evaluation error, as the checker would, not panic or wrap.
    let source = read_spec("specs/chain_chor.spec");
    let broken = source.replace("constraint Client.sent <= MAXW", "");
    assert_ne!(broken, source, "the constraint is in the spec");
    let (run, traces) = generated("broken-chain-chor-unconstrained", &broken).simulate(50, 0);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        run.status.code(),
        Some(1),
        "failed runs are reported: {stderr}"
    );
    assert!(
        stderr.contains("evaluation error: sent: value 5 is out of the range 0..4"),
        "the error names the variable, the value and the range: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(traces.len(), 50, "every run still wrote its trace");
}
