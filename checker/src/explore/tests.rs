//! Tests of the explorer's internals: progress reports and trace replay.
use std::sync::Mutex;
use std::time::Duration;

use super::two_phase::{Options, two_phase};
use super::{Internals, ReplayMode, check_with};
use crate::outcome::{CheckConfig, Progress};

#[test]
fn reports_progress_between_chunks_without_exceeding_the_final_counts() {
    let spec = two_phase(Options {
        rms: 4,
        symmetric: false,
        commit_early: false,
    });
    let config = CheckConfig {
        workers: 2,
        symmetry: false,
        max_states: None,
        max_depth: None,
        memory_limit: None,
        spill: None,
        check_deadlock: false,
        por: false,
    };
    let seen: Mutex<Vec<Progress>> = Mutex::new(Vec::new());
    let record = |p: &Progress| {
        if let Ok(mut v) = seen.lock() {
            v.push(p.clone());
        }
    };
    let internals = Internals {
        report_every: Duration::ZERO,
        replay: ReplayMode::Natural,
    };
    let out = check_with(&spec, &config, &record, internals);
    let reports = seen.into_inner().unwrap_or_default();
    assert!(!reports.is_empty());
    for p in &reports {
        assert!(p.distinct <= out.stats.distinct);
        assert!(p.generated <= out.stats.generated);
        assert!(p.depth <= out.stats.depth);
    }
    assert!(reports.windows(2).all(|w| w[0].distinct <= w[1].distinct));
}

/// Every step of a trace is a real transition of the concrete states
/// shown, with the action shown, also when the search ran on symmetry
/// representatives.
#[test]
fn traces_under_symmetry_are_real_behaviours() {
    use crate::model::Model;
    use crate::successors::for_each_successor;
    use std::ops::ControlFlow;

    let modes = [ReplayMode::Natural, ReplayMode::Stored];
    for (symmetric, replay) in [false, true]
        .into_iter()
        .flat_map(|s| modes.map(|m| (s, m)))
    {
        let spec = two_phase(Options {
            rms: 4,
            symmetric,
            commit_early: true,
        });
        let config = CheckConfig {
            workers: 2,
            symmetry: true,
            max_states: None,
            max_depth: None,
            memory_limit: None,
            spill: None,
            check_deadlock: false,
            por: false,
        };
        let internals = Internals {
            report_every: Duration::from_secs(60),
            replay,
        };
        let out = check_with(&spec, &config, &|_| {}, internals);
        let Some(v) = out.violations.first() else {
            panic!("expected a violation");
        };
        let model = match Model::new(&spec, true) {
            Ok(m) => m,
            Err(e) => panic!("{}", e.message),
        };
        assert_eq!(v.trace.states[0].state, model.initial_state());
        for pair in v.trace.states.windows(2) {
            let mut matched = false;
            let _ = for_each_successor(&model, &pair[0].state, &mut |label, succ| {
                if succ == pair[1].state && Some(label.to_action()) == pair[1].action {
                    matched = true;
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
            assert!(
                matched,
                "symmetric = {symmetric}, {replay:?}: {:?}",
                pair[1].action
            );
        }
    }
}

#[test]
fn a_queue_on_disk_changes_nothing_but_where_it_lives() {
    let dir = std::env::temp_dir();
    for (commit_early, symmetric) in [(false, false), (false, true), (true, false)] {
        let spec = two_phase(Options {
            rms: 4,
            symmetric,
            commit_early,
        });
        let run = |workers: usize, spill: Option<crate::Spill>| {
            let config = CheckConfig {
                workers,
                symmetry: symmetric,
                max_states: None,
                max_depth: None,
                memory_limit: None,
                spill,
                check_deadlock: true,
                por: false,
            };
            super::check(&spec, &config, &|_| {})
        };
        let memory = run(2, None);
        assert_eq!(memory.stats.spilled, 0);
        for workers in [1, 2] {
            // Budget 0: every chunk's found states and every level go to disk.
            let disk = run(
                workers,
                Some(crate::Spill {
                    dir: dir.clone(),
                    in_memory: 0,
                }),
            );
            assert!(disk.stats.spilled > 0, "nothing went to disk");
            assert_eq!(disk.result, memory.result);
            assert_eq!(disk.stats.distinct, memory.stats.distinct);
            assert_eq!(disk.stats.generated, memory.stats.generated);
            assert_eq!(disk.stats.depth, memory.stats.depth);
            assert_eq!(
                format!("{:?}", disk.violations),
                format!("{:?}", memory.violations)
            );
        }
    }
}

#[test]
fn a_spill_directory_that_cannot_hold_files_is_an_error() {
    let spec = two_phase(Options {
        rms: 3,
        symmetric: false,
        commit_early: false,
    });
    let config = CheckConfig {
        workers: 1,
        symmetry: false,
        max_states: None,
        max_depth: None,
        memory_limit: None,
        spill: Some(crate::Spill {
            dir: std::path::PathBuf::from("/nonexistent/specc-spill"),
            in_memory: 0,
        }),
        check_deadlock: true,
        por: false,
    };
    let out = super::check(&spec, &config, &|_| {});
    assert_eq!(out.result, crate::Verdict::Error);
    let message = out.error.map(|e| e.message).unwrap_or_default();
    assert!(message.contains("/nonexistent/specc-spill"), "{message}");
}
