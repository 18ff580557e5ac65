//! `state_graph` (behind `specc check --graph`) against the search it
//! draws: on specs that hold, its states are `check`'s distinct states and
//! its edges `check`'s generated successors (less the initial state), with
//! and without symmetry reduction; above its bounds it refuses.

use checker::{GraphConfig, GraphError, Verdict, state_graph};

#[path = "support/run.rs"]
mod support;
use support::{config, library_spec, run};

#[test]
fn the_graph_has_the_states_and_transitions_check_counts() {
    for path in [
        "2pc.spec",
        "2pc_chor.spec",
        "classic/two_phase.spec",
        "classic/2pc_chor_as_steps.spec",
    ] {
        let spec = library_spec(path);
        for symmetry in [true, false] {
            let outcome = run(
                &spec,
                &checker::CheckConfig {
                    symmetry,
                    check_deadlock: true,
                    ..config(1)
                },
            );
            assert_eq!(outcome.result, Verdict::Ok, "{path}");
            let graph = match state_graph(
                &spec,
                &GraphConfig {
                    symmetry,
                    check_deadlock: true,
                },
            ) {
                Ok(g) => g,
                Err(e) => panic!("{path}: {e:?}"),
            };
            let what = format!("{path}, symmetry {symmetry}");
            assert_eq!(graph.states.len() as u64, outcome.stats.distinct, "{what}");
            assert_eq!(
                graph.edges.len() as u64,
                outcome.stats.generated - 1,
                "{what}"
            );
            let depth = graph.states.iter().map(|s| s.depth).max();
            assert_eq!(depth, Some(outcome.stats.depth), "{what}");
            assert!(
                graph
                    .states
                    .iter()
                    .all(|s| s.broken.is_empty() && !s.deadlock),
                "{what}"
            );
        }
    }
}

#[test]
fn a_violating_state_is_marked_and_the_search_goes_past_it() {
    let spec = library_spec("bugs/2pc_commit_early.spec");
    let outcome = run(&spec, &config(1));
    assert_eq!(outcome.result, Verdict::Violation);
    let graph = state_graph(
        &spec,
        &GraphConfig {
            symmetry: true,
            check_deadlock: true,
        },
    )
    .expect("a small graph");
    let marked: Vec<_> = graph
        .states
        .iter()
        .filter(|s| !s.broken.is_empty())
        .collect();
    assert!(!marked.is_empty());
    assert!(
        marked
            .iter()
            .all(|s| s.broken.iter().any(|b| b == "Validity")),
        "{:?}",
        marked.iter().map(|s| &s.broken).collect::<Vec<_>>()
    );
    // The shortest counterexample reaches the first marked state.
    let shortest = outcome.violations[0].trace.states.len() as u32;
    assert_eq!(marked.iter().map(|s| s.depth).min(), Some(shortest));
    assert!(graph.states.len() as u64 > outcome.stats.distinct);
}

#[test]
fn refuses_a_graph_above_its_bounds() {
    let spec = library_spec("raft.spec");
    match state_graph(
        &spec,
        &GraphConfig {
            symmetry: true,
            check_deadlock: true,
        },
    ) {
        Err(GraphError::TooLarge { states, edges }) => {
            assert!(
                states > checker::MAX_GRAPH_STATES || edges > checker::MAX_GRAPH_EDGES,
                "{states} states, {edges} edges"
            );
            // It stops as soon as it is past a bound, not at the end.
            assert!(states <= checker::MAX_GRAPH_STATES + 1_000, "{states}");
        }
        other => panic!(
            "raft's graph is too large to draw: {:?}",
            other.map(|g| g.states.len())
        ),
    }
}
