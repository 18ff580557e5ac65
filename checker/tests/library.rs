//! The protocol library under specs/, compiled by the front end and checked
//! end to end: the verdicts and state counts each spec's header promises.

use checker::{CheckConfig, CheckOutcome, Verdict, ViolationKind, check};
use spec_lang::ParamOverride;

/// Compiles `specs/<path>` with the given `NAME=VALUE` overrides and checks
/// it with deadlock detection on, on two workers.
fn check_library_spec(path: &str, overrides: &[&str], symmetry: bool) -> CheckOutcome {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(path);
    let source = std::fs::read_to_string(&full).expect("the library specs are in the repository");
    let overrides: Vec<ParamOverride> = overrides
        .iter()
        .filter_map(|o| o.split_once('='))
        .map(|(name, value)| ParamOverride {
            name: name.into(),
            value: value.into(),
        })
        .collect();
    let compiled = match spec_lang::compile(&source, &overrides) {
        Ok(compiled) => compiled,
        Err(diagnostics) => panic!("{}", spec_lang::render(path, &source, &diagnostics, false)),
    };
    assert!(
        compiled.warnings.is_empty(),
        "{}",
        spec_lang::render(path, &source, &compiled.warnings, false)
    );
    let config = CheckConfig {
        workers: 2,
        symmetry,
        max_states: Some(2_000_000),
        max_depth: None,
        memory_limit: None,
        spill: None,
        check_deadlock: true,
        por: false,
    };
    check(&compiled.spec, &config, &|_| {})
}

fn counts(out: &CheckOutcome) -> (u64, u64, u32) {
    (out.stats.distinct, out.stats.generated, out.stats.depth)
}

#[test]
fn two_phase_matches_tlc_state_counts() {
    let out = check_library_spec("classic/two_phase.spec", &[], false);
    assert_eq!(
        out.result,
        Verdict::Ok,
        "{:?}",
        out.violations.first().map(|v| &v.property)
    );
    assert_eq!(counts(&out), (288, 1146, 11));
}

#[test]
fn practitioners_two_phase_commit_holds_with_and_without_symmetry() {
    let reduced = check_library_spec("2pc.spec", &[], true);
    assert_eq!(reduced.result, Verdict::Ok);
    assert_eq!(counts(&reduced), (97, 249, 12));
    let full = check_library_spec("2pc.spec", &[], false);
    assert_eq!(full.result, Verdict::Ok);
    assert_eq!(counts(&full), (457, 1167, 12));
}

#[test]
fn committing_before_every_vote_breaks_validity_after_six_steps() {
    let out = check_library_spec("bugs/2pc_commit_early.spec", &[], true);
    assert_eq!(out.result, Verdict::Violation);
    let v = &out.violations[0];
    assert_eq!(
        (v.property.as_str(), v.kind),
        ("Validity", ViolationKind::Invariant)
    );
    // The trace holds the initial state and one state per step.
    assert_eq!(v.trace.states.len(), 7);
}

#[test]
fn ignoring_the_ballot_breaks_validity_after_eight_steps() {
    let out = check_library_spec("bugs/2pc_no_vote_check.spec", &[], true);
    assert_eq!(out.result, Verdict::Violation);
    let v = &out.violations[0];
    assert_eq!(
        (v.property.as_str(), v.kind),
        ("Validity", ViolationKind::Invariant)
    );
    assert_eq!(v.trace.states.len(), 9);
}

#[test]
fn every_language_coverage_spec_holds() {
    for path in [
        "lang/expressions.spec",
        "lang/faults.spec",
        "lang/fifo.spec",
        "lang/functions.spec",
        "lang/properties.spec",
        "lang/roles.spec",
        "lang/steps.spec",
    ] {
        let out = check_library_spec(path, &[], true);
        assert_eq!(
            out.result,
            Verdict::Ok,
            "{path}: {:?} {:?}",
            out.error,
            out.violations.first().map(|v| &v.property)
        );
    }
}
