//! Every counterexample of specs/bugs/ replays on its generated crate: the
//! checker's shortest counterexample (`specc check --trace-out`, an ITF
//! trace) drives the generated code through the same transitions, the hook
//! answering the choices the trace took, and the replayed run, recorded as
//! a runtime trace, shows the same violation to `specc validate`: the same
//! invariant broken after the same step, or for a liveness counterexample
//! the same lasso, every transition of it a step of the spec.

use std::path::Path;
use std::process::Command;

use crate::generated::{compile, generated, read_spec, repo};

/// What `specc check` says the counterexample shows: the violation's kind
/// and property, from the ITF description `FILE: KIND \`PROPERTY\``.
fn violation_of(itf: &serde_json::Value) -> (String, String) {
    let description = itf["#meta"]["description"].as_str().unwrap_or_default();
    let (_, what) = description
        .split_once(": ")
        .unwrap_or_else(|| panic!("a described violation: {description}"));
    let (kind, property) = what
        .split_once(' ')
        .unwrap_or_else(|| panic!("a kind and a property: {description}"));
    (kind.to_string(), property.trim_matches('`').to_string())
}

/// Checks a spec with `specc check --trace-out`, from the repository root
/// so that the description names the file as the user would.
fn counterexample(file: &str, out: &Path) -> serde_json::Value {
    let run = Command::new(env!("CARGO_BIN_EXE_specc"))
        .current_dir(repo())
        .args(["check", file, "--trace-out"])
        .arg(out)
        .output()
        .expect("specc runs");
    assert_eq!(
        run.status.code(),
        Some(1),
        "{file} has a violation: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(out).expect("specc wrote the ITF trace");
    serde_json::from_str(&text).expect("the ITF trace is JSON")
}

fn counterexample_replays_on_generated_code(bug: &str) {
    let file = format!("specs/bugs/{bug}.spec");
    let source = read_spec(&file);
    let spec = compile(&source);
    let crate_ = generated(&format!("bug-{}", bug.replace('_', "-")), &source);
    let itf_path = crate_.work.join("counterexample.itf.json");
    let itf = counterexample(&file, &itf_path);
    let (kind, property) = violation_of(&itf);
    let transitions = itf["states"]
        .as_array()
        .map_or(0, Vec::len)
        .saturating_sub(1);

    let (run, replayed) = crate_.replay(&itf_path);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{bug}: the generated code follows the counterexample: {}{stdout}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains(&format!("replayed {transitions} transitions")),
        "{stdout}"
    );
    let replayed = replayed.expect("the replay wrote its trace");
    let validated = checker::validate_trace(&spec, &replayed);
    match kind.as_str() {
        "invariant" => match validated {
            Err(checker::TraceError::Invariant { record, name, .. }) => {
                assert_eq!(name, property, "{bug}: the same invariant breaks");
                assert_eq!(record, transitions, "{bug}: after the same step");
            }
            other => panic!("{bug}: the replay breaks invariant {property}: {other:?}\n{replayed}"),
        },
        "temporal" => {
            let report = validated
                .unwrap_or_else(|e| panic!("{bug}: the lasso's steps are the spec's: {e}"));
            assert_eq!(report.records, transitions);
            let back = itf["loop"].as_u64().expect("a lasso has a loop index");
            assert!(
                stdout.contains(&format!("loops back to state {back}")),
                "{bug}: the generated code closes the same loop: {stdout}"
            );
        }
        other => panic!("{bug}: no replay check for a violation of kind {other}"),
    }
}

#[test]
fn early_commit_counterexample_replays() {
    counterexample_replays_on_generated_code("2pc_commit_early");
}

#[test]
fn no_vote_check_counterexample_replays() {
    counterexample_replays_on_generated_code("2pc_no_vote_check");
}

#[test]
fn choreography_ignoring_no_votes_counterexample_replays() {
    counterexample_replays_on_generated_code("2pc_chor_ignores_no_votes");
}

#[test]
fn unfair_coordinator_lasso_replays() {
    counterexample_replays_on_generated_code("2pc_unfair");
}

#[test]
fn two_phase_commit_blocking_on_a_coordinator_crash_lasso_replays() {
    counterexample_replays_on_generated_code("2pc_coordinator_crash");
}

#[test]
fn three_phase_commit_without_termination_protocol_counterexample_replays() {
    counterexample_replays_on_generated_code("3pc_no_termination_protocol");
}

#[test]
fn three_phase_commit_partition_counterexample_replays() {
    counterexample_replays_on_generated_code("3pc_partition");
}

#[test]
fn chain_ack_at_head_counterexample_replays() {
    counterexample_replays_on_generated_code("chain_ack_at_head");
}

#[test]
fn chain_read_at_head_counterexample_replays() {
    counterexample_replays_on_generated_code("chain_read_at_head");
}

#[test]
fn primary_backup_ack_early_counterexample_replays() {
    counterexample_replays_on_generated_code("primary_backup_ack_early");
}

#[test]
fn primary_backup_without_arbiter_counterexample_replays() {
    counterexample_replays_on_generated_code("primary_backup_no_arbiter");
}

#[test]
fn raft_commit_of_an_old_term_counterexample_replays() {
    counterexample_replays_on_generated_code("raft_commit_old_term");
}

#[test]
fn raft_without_up_to_date_check_counterexample_replays() {
    counterexample_replays_on_generated_code("raft_no_uptodate_check");
}

#[test]
fn raft_without_fairness_lasso_replays() {
    counterexample_replays_on_generated_code("raft_unfair");
}

#[test]
fn snapshot_without_channel_state_counterexample_replays() {
    counterexample_replays_on_generated_code("snapshot_no_channel_state");
}

#[test]
fn snapshot_over_a_non_fifo_network_counterexample_replays() {
    counterexample_replays_on_generated_code("snapshot_non_fifo");
}

#[test]
fn weak_fairness_blink_lasso_replays() {
    counterexample_replays_on_generated_code("weak_fairness_blink");
}

#[test]
fn every_bug_spec_has_a_replay_test() {
    let listed = [
        "2pc_chor_ignores_no_votes",
        "2pc_commit_early",
        "2pc_coordinator_crash",
        "2pc_no_vote_check",
        "2pc_unfair",
        "3pc_no_termination_protocol",
        "3pc_partition",
        "chain_ack_at_head",
        "chain_read_at_head",
        "primary_backup_ack_early",
        "primary_backup_no_arbiter",
        "raft_commit_old_term",
        "raft_no_uptodate_check",
        "raft_unfair",
        "snapshot_no_channel_state",
        "snapshot_non_fifo",
        "weak_fairness_blink",
    ];
    let mut found: Vec<String> = std::fs::read_dir(repo().join("specs/bugs"))
        .expect("specs/bugs is a directory")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".spec").map(str::to_string)
        })
        .collect();
    found.sort();
    assert_eq!(found, listed, "each bug spec has a replay test above");
}

/// A counterexample that needs a partition: without one, weak fairness of
/// the receive would force the ping to arrive. The replay must follow the
/// partition transition, and the validator replays the partition record
/// on the spec.
#[test]
fn a_lasso_through_a_partition_replays() {
    let source = "protocol Partitioned\n\
        role A { var sent: bool = false }\n\
        role B { var got: bool = false }\n\
        message Ping\n\
        network bag\n\
        fault partition max 1\n\
        on A step ping when not sent { sent := true\n send Ping to B }\n\
        on B receive Ping { got := true }\n\
        fair A.ping, B.receive\n\
        terminal when B.got\n\
        property Got: eventually B.got\n";
    let spec = compile(source);
    let crate_ = generated("replay-partition", source);
    let spec_file = crate_.work.join("spec.spec");
    let itf_path = crate_.work.join("counterexample.itf.json");
    let itf = counterexample(&spec_file.to_string_lossy(), &itf_path);
    assert_eq!(violation_of(&itf).0, "temporal");
    let (run, replayed) = crate_.replay(&itf_path);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let replayed = replayed.expect("the replay wrote its trace");
    assert!(
        replayed.contains(r#""kind":"partition""#),
        "the replayed run partitions the network: {replayed}"
    );
    let report = checker::validate_trace(&spec, &replayed)
        .unwrap_or_else(|e| panic!("the replayed run validates: {e}\n{replayed}"));
    let transitions = itf["states"].as_array().map_or(0, Vec::len) - 1;
    assert_eq!(report.records, transitions);
}
