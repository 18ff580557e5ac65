//! TwoPhase state counts, pinned against TLC's numbers and against an
//! independent reference search written here from the TLA+ model.

#[path = "support/build.rs"]
mod build;
#[path = "support/permutations.rs"]
mod permutations;
#[path = "support/run.rs"]
mod run;
#[path = "support/two_phase.rs"]
mod two_phase;

use std::collections::{HashSet, VecDeque};

use checker::{Verdict, ViolationKind};
use permutations::permutations;
use run::{config, counts_ok, run};
use two_phase::{Options, two_phase};

/// TwoPhase.tla's state: tmState (0 init, 1 committed, 2 aborted), the
/// tmPrepared bitmask, rmState per RM (0 working, 1 prepared, 2 committed,
/// 3 aborted), and msgs: the Prepared bitmask, Commit, Abort.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Tp {
    tm: u8,
    prepared: u32,
    rm: Vec<u8>,
    msg_prepared: u32,
    commit: bool,
    abort: bool,
}

/// TPNext, one successor per disjunct instance that is enabled.
fn tp_next(s: &Tp) -> Vec<Tp> {
    let n = s.rm.len();
    let all = (1u32 << n) - 1;
    let mut out = Vec::new();
    if s.tm == 0 && s.prepared == all {
        out.push(Tp {
            tm: 1,
            commit: true,
            ..s.clone()
        });
    }
    if s.tm == 0 {
        out.push(Tp {
            tm: 2,
            abort: true,
            ..s.clone()
        });
    }
    for r in 0..n {
        let bit = 1 << r;
        if s.tm == 0 && s.msg_prepared & bit != 0 {
            out.push(Tp {
                prepared: s.prepared | bit,
                ..s.clone()
            });
        }
        let with_rm = |v: u8| {
            let mut t = s.clone();
            t.rm[r] = v;
            t
        };
        if s.rm[r] == 0 {
            let mut t = with_rm(1);
            t.msg_prepared |= bit;
            out.push(t);
            out.push(with_rm(3));
        }
        if s.commit {
            out.push(with_rm(2));
        }
        if s.abort {
            out.push(with_rm(3));
        }
    }
    out
}

/// The smallest renaming of the RMs, by brute force over all permutations.
fn tp_canonical(s: &Tp) -> Tp {
    let n = s.rm.len();
    let perms = permutations(n);
    let key = |t: &Tp| {
        (
            t.tm,
            t.prepared,
            t.rm.clone(),
            t.msg_prepared,
            t.commit,
            t.abort,
        )
    };
    perms
        .iter()
        .map(|p| {
            let mask = |m: u32| {
                (0..n)
                    .filter(|&i| m & (1 << i) != 0)
                    .map(|i| 1 << p[i])
                    .sum()
            };
            let mut rm = vec![0; n];
            for i in 0..n {
                rm[p[i]] = s.rm[i];
            }
            Tp {
                tm: s.tm,
                prepared: mask(s.prepared),
                rm,
                msg_prepared: mask(s.msg_prepared),
                commit: s.commit,
                abort: s.abort,
            }
        })
        .min_by_key(key)
        .unwrap_or_else(|| s.clone())
}

/// Breadth-first search counted as TLC counts: (distinct, generated, depth).
fn reference(rms: usize, symmetric: bool) -> (u64, u64, u32) {
    let canon = |s: Tp| if symmetric { tp_canonical(&s) } else { s };
    let init = canon(Tp {
        tm: 0,
        prepared: 0,
        rm: vec![0; rms],
        msg_prepared: 0,
        commit: false,
        abort: false,
    });
    let mut seen = HashSet::from([init.clone()]);
    let mut queue = VecDeque::from([(init, 1u32)]);
    let (mut generated, mut depth) = (1u64, 0u32);
    while let Some((s, d)) = queue.pop_front() {
        depth = depth.max(d);
        for t in tp_next(&s) {
            generated += 1;
            let t = canon(t);
            if seen.insert(t.clone()) {
                queue.push_back((t, d + 1));
            }
        }
    }
    (seen.len() as u64, generated, depth)
}

fn check_counts(rms: u32, symmetric: bool, workers: usize) -> (u64, u64, u32) {
    let spec = two_phase(Options {
        rms,
        symmetric,
        commit_early: false,
    });
    counts_ok(&spec, &config(workers))
}

#[test]
fn two_phase_with_three_rms_matches_tlc() {
    assert_eq!(check_counts(3, false, 2), (288, 1146, 11));
    assert_eq!(reference(3, false), (288, 1146, 11));
}

#[test]
fn two_phase_counts_match_the_reference_for_one_to_five_rms() {
    // Pinned values (the reference computes them independently).
    let pinned = [
        (1, (12, 20, 5)),
        (2, (56, 154, 8)),
        (3, (288, 1146, 11)),
        (4, (1568, 8258, 14)),
        (5, (8832, 58146, 17)),
    ];
    for (rms, expected) in pinned {
        assert_eq!(
            reference(rms as usize, false),
            expected,
            "reference, RMS = {rms}"
        );
        assert_eq!(
            check_counts(rms, false, 2),
            expected,
            "checker, RMS = {rms}"
        );
    }
}

#[test]
fn symmetry_counts_orbits_like_a_brute_force_reference() {
    let pinned = [
        (1, (12, 20, 5)),
        (2, (34, 94, 8)),
        (3, (80, 318, 11)),
        (4, (166, 869, 14)),
        (5, (314, 2048, 17)),
    ];
    for (rms, expected) in pinned {
        assert_eq!(
            reference(rms as usize, true),
            expected,
            "reference, RMS = {rms}"
        );
        assert_eq!(check_counts(rms, true, 2), expected, "checker, RMS = {rms}");
    }
}

#[test]
fn symmetry_flag_off_ignores_symmetric_roles() {
    let spec = two_phase(Options {
        rms: 3,
        symmetric: true,
        commit_early: false,
    });
    let mut cfg = config(1);
    cfg.symmetry = false;
    assert_eq!(counts_ok(&spec, &cfg), (288, 1146, 11));
}

#[test]
fn commit_without_all_prepared_violates_consistency_with_or_without_symmetry() {
    for symmetric in [false, true] {
        let spec = two_phase(Options {
            rms: 3,
            symmetric,
            commit_early: true,
        });
        let out = run(&spec, &config(2));
        assert_eq!(out.result, Verdict::Violation);
        assert_eq!(out.violations.len(), 1);
        let v = &out.violations[0];
        assert_eq!(v.property, "TCConsistent");
        assert_eq!(v.kind, ViolationKind::Invariant);
        // Shortest: one RM aborts, the TM commits, another RM receives it.
        assert_eq!(v.trace.states.len(), 4, "symmetric = {symmetric}");
    }
}
