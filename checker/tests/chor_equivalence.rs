//! A choreography and the same protocol written as steps have the same
//! reachable behaviour: the same number of distinct states (the
//! choreography's program counters correspond one to one to the step
//! version's flags and messages in flight) and the same verdicts, with
//! counterexamples of the same length. Two protocols: two-phase commit
//! (specs/2pc_chor.spec and specs/classic/2pc_chor_as_steps.spec) and
//! three-phase commit with its timeouts and termination protocol
//! (specs/3pc_chor.spec and the library's specs/3pc.spec).

use checker::{CheckConfig, CheckOutcome, Verdict, check};

const CHOREOGRAPHY: &str = include_str!("../../specs/2pc_chor.spec");
const STEPS: &str = include_str!("../../specs/classic/2pc_chor_as_steps.spec");
const THREE_PHASE_CHOREOGRAPHY: &str = include_str!("../../specs/3pc_chor.spec");
const THREE_PHASE_STEPS: &str = include_str!("../../specs/3pc.spec");

/// Checks both versions of two-phase commit, each with `extra` appended to
/// its source, and returns their outcomes (choreography first).
fn check_both(
    extra: &str,
    params: &[(&str, &str)],
    symmetry: bool,
) -> (CheckOutcome, CheckOutcome) {
    check_pair((CHOREOGRAPHY, STEPS), extra, params, symmetry)
}

/// Checks a choreography and its step form, each with `extra` appended.
fn check_pair(
    (chor, steps): (&str, &str),
    extra: &str,
    params: &[(&str, &str)],
    symmetry: bool,
) -> (CheckOutcome, CheckOutcome) {
    let overrides: Vec<spec_lang::ParamOverride> = params
        .iter()
        .map(|(name, value)| spec_lang::ParamOverride {
            name: (*name).into(),
            value: (*value).into(),
        })
        .collect();
    let config = CheckConfig {
        workers: 2,
        symmetry,
        max_states: None,
        max_depth: None,
        memory_limit: None,
        spill: None,
        check_deadlock: true,
        por: false,
    };
    let run = |source: &str| {
        let text = format!("{source}\n{extra}\n");
        let compiled = match spec_lang::compile(&text, &overrides) {
            Ok(c) => c,
            Err(d) => panic!("{}", spec_lang::render("test.spec", &text, &d, false)),
        };
        check(&compiled.spec, &config, &|_| {})
    };
    (run(chor), run(steps))
}

#[test]
fn choreography_and_steps_reach_the_same_number_of_states() {
    let mut previous = 0;
    for n in ["1", "2", "3"] {
        for symmetry in [false, true] {
            let (chor, steps) = check_both("", &[("N", n)], symmetry);
            assert_eq!(
                chor.result,
                Verdict::Ok,
                "N={n}: {:?}",
                chor.violations.first().map(|v| &v.property)
            );
            assert_eq!(
                steps.result,
                Verdict::Ok,
                "N={n}: {:?}",
                steps.violations.first().map(|v| &v.property)
            );
            assert_eq!(
                (chor.stats.distinct, chor.stats.depth),
                (steps.stats.distinct, steps.stats.depth),
                "N={n}, symmetry {symmetry}"
            );
            if !symmetry {
                // More participants, more interleavings: the test compares
                // real state spaces, not two empty ones.
                assert!(chor.stats.distinct > previous, "N={n}");
                previous = chor.stats.distinct;
            }
        }
    }
}

#[test]
fn choreography_and_steps_violate_the_same_invariant_in_as_many_steps() {
    let extra = "invariant NobodyCommits: forall p in Participant: p.decision != Committed";
    let (chor, steps) = check_both(extra, &[], true);
    assert_eq!(chor.result, Verdict::Violation);
    assert_eq!(steps.result, Verdict::Violation);
    let names = |o: &CheckOutcome| -> Vec<String> {
        o.violations.iter().map(|v| v.property.clone()).collect()
    };
    assert_eq!(names(&chor), names(&steps));
    assert_eq!(
        chor.violations[0].trace.states.len(),
        steps.violations[0].trace.states.len()
    );
}

#[test]
fn three_phase_choreography_and_steps_reach_the_same_states() {
    let pair = (THREE_PHASE_CHOREOGRAPHY, THREE_PHASE_STEPS);
    let mut previous = 0;
    for n in ["1", "2", "3"] {
        for symmetry in [false, true] {
            let (chor, steps) = check_pair(pair, "", &[("N", n)], symmetry);
            for (name, out) in [("choreography", &chor), ("steps", &steps)] {
                assert_eq!(
                    out.result,
                    Verdict::Ok,
                    "{name}, N={n}: {:?}",
                    out.violations.first().map(|v| &v.property)
                );
            }
            assert_eq!(
                (chor.stats.distinct, chor.stats.generated, chor.stats.depth),
                (
                    steps.stats.distinct,
                    steps.stats.generated,
                    steps.stats.depth
                ),
                "N={n}, symmetry {symmetry}"
            );
            if !symmetry {
                assert!(chor.stats.distinct > previous, "N={n}");
                previous = chor.stats.distinct;
            }
        }
    }
}

#[test]
fn three_phase_choreography_and_steps_break_alike_under_a_partition() {
    // The known 3PC inconsistency: the same fault model for both forms.
    let partitioned = |source: &str| {
        let fault = "fault crash_stop Coordinator max 1";
        assert!(source.contains(fault), "the spec declares the crash");
        source.replace(fault, "fault partition max 1")
    };
    let (chor, steps) = (
        partitioned(THREE_PHASE_CHOREOGRAPHY),
        partitioned(THREE_PHASE_STEPS),
    );
    let (chor, steps) = check_pair((&chor, &steps), "", &[], true);
    for out in [&chor, &steps] {
        assert_eq!(out.result, Verdict::Violation);
        assert_eq!(out.violations[0].property, "Consistency");
    }
    assert_eq!(
        chor.violations[0].trace.states.len(),
        steps.violations[0].trace.states.len()
    );
    assert_eq!(
        (chor.stats.distinct, chor.stats.depth),
        (steps.stats.distinct, steps.stats.depth)
    );
}

#[test]
fn three_phase_choreography_and_steps_violate_the_same_invariant_in_as_many_steps() {
    // A backup coordinator decides in both forms, in as many steps.
    let extra = "invariant NoBackupDecides: forall p in Participant: p.reports == {}";
    let pair = (THREE_PHASE_CHOREOGRAPHY, THREE_PHASE_STEPS);
    let (chor, steps) = check_pair(pair, extra, &[], true);
    for out in [&chor, &steps] {
        assert_eq!(out.result, Verdict::Violation);
        assert_eq!(out.violations[0].property, "NoBackupDecides");
    }
    assert_eq!(
        chor.violations[0].trace.states.len(),
        steps.violations[0].trace.states.len()
    );
}

/// Checks a library choreography with its default parameters.
fn check_library(source: &str) -> CheckOutcome {
    let compiled = match spec_lang::compile(source, &[]) {
        Ok(c) => c,
        Err(d) => panic!("{}", spec_lang::render("library.spec", source, &d, false)),
    };
    let config = CheckConfig {
        workers: 2,
        symmetry: true,
        max_states: None,
        max_depth: None,
        memory_limit: None,
        spill: None,
        check_deadlock: true,
        por: false,
    };
    check(&compiled.spec, &config, &|_| {})
}

#[test]
fn library_choreographies_hold_with_pinned_state_counts() {
    let two_phase = check_library(CHOREOGRAPHY);
    assert_eq!(two_phase.result, Verdict::Ok);
    assert_eq!((two_phase.stats.distinct, two_phase.stats.depth), (52, 11));
    let chain = check_library(include_str!("../../specs/chain_chor.spec"));
    assert_eq!(chain.result, Verdict::Ok);
    assert_eq!((chain.stats.distinct, chain.stats.depth), (64, 14));
    let three_phase = check_library(THREE_PHASE_CHOREOGRAPHY);
    assert_eq!(three_phase.result, Verdict::Ok);
    assert_eq!(
        (three_phase.stats.distinct, three_phase.stats.depth),
        (445, 29)
    );
}
