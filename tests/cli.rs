//! End-to-end tests of the `specc` command: exit codes, what it prints, and
//! what it writes. Each snapshot holds the command line, the exit code and
//! both output streams, with timings masked.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `specc` from the repository root.
fn specc(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_specc"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("the specc binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The summary line's worker count (one per core by default) and timing
/// figures change from machine to machine and run to run.
fn mask_timing(text: &str) -> String {
    text.lines()
        .map(
            |line| match (line.find(" worker"), line.rfind(", depth ")) {
                (Some(_), Some(depth)) => {
                    let end = line[depth + 2..]
                        .find(',')
                        .map_or(line.len(), |i| depth + 2 + i);
                    format!("{}, <workers and timing>", &line[..end])
                }
                _ => line.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

fn transcript(args: &[&str], run: &Run) -> String {
    format!(
        "$ specc {}\nexit code: {}\n----- stdout\n{}\n----- stderr\n{}",
        args.join(" "),
        run.code,
        mask_timing(&run.stdout),
        run.stderr
    )
}

/// Runs a command that must exit with `code` and snapshots its transcript.
fn check_exit(name: &str, args: &[&str], code: i32) -> Run {
    let run = specc(args);
    assert_eq!(run.code, code, "{}", transcript(args, &run));
    insta::assert_snapshot!(name, transcript(args, &run));
    run
}

fn json(args: &[&str]) -> serde_json::Value {
    let run = specc(args);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("specc-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a writable temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("a writable temp file");
    path
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

#[test]
fn proves_two_phase_commit_with_tlc_counts() {
    check_exit(
        "two_phase_ok",
        &["check", "specs/classic/two_phase.spec"],
        0,
    );
}

#[test]
fn reports_shortest_counterexample_for_early_commit() {
    check_exit(
        "bug_2pc_commit_early",
        &["check", "specs/bugs/2pc_commit_early.spec"],
        1,
    );
}

#[test]
fn json_summary_counts_states_as_tlc_does() {
    // TLC's figures for Gray and Lamport's TwoPhase, also computed by an
    // independent search in checker/tests/two_phase.rs.
    let expected = [
        (1, 12, 20, 5),
        (2, 56, 154, 8),
        (3, 288, 1146, 11),
        (4, 1568, 8258, 14),
    ];
    for (rms, distinct, generated, depth) in expected {
        let summary = json(&[
            "check",
            "specs/classic/two_phase.spec",
            "--param",
            &format!("RMS={rms}"),
            "--format",
            "json",
        ]);
        assert_eq!(summary["result"], "ok", "RMS={rms}");
        assert_eq!(summary["distinct_states"], distinct, "RMS={rms}");
        assert_eq!(summary["generated_states"], generated, "RMS={rms}");
        assert_eq!(summary["depth"], depth, "RMS={rms}");
    }
}

/// A JSON summary without the fields that depend on timing or the number
/// of workers.
fn strip(mut v: serde_json::Value) -> serde_json::Value {
    let object = v.as_object_mut().expect("the summary is an object");
    for key in [
        "elapsed_ms",
        "states_per_sec",
        "workers",
        "peak_memory_bytes",
    ] {
        object.remove(key);
    }
    v
}

#[test]
fn worker_count_never_changes_the_report() {
    for spec in [
        "specs/bugs/2pc_commit_early.spec",
        "specs/2pc.spec",
        "specs/bugs/2pc_unfair.spec",
        "specs/bugs/weak_fairness_blink.spec",
        "specs/lang/properties.spec",
    ] {
        let reports: Vec<_> = ["1", "2", "4"]
            .iter()
            .map(|w| strip(json(&["check", spec, "--format", "json", "--workers", w])))
            .collect();
        assert_eq!(reports[0], reports[1], "{spec}: 1 vs 2 workers");
        assert_eq!(reports[0], reports[2], "{spec}: 1 vs 4 workers");
    }
}

#[test]
fn writes_the_counterexample_as_itf() {
    let out = temp_file("early.itf.json", b"");
    let run = specc(&[
        "check",
        "specs/bugs/2pc_commit_early.spec",
        "--trace-out",
        arg(&out),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = std::fs::read_to_string(&out).expect("the trace file was written");
    let itf: serde_json::Value = serde_json::from_str(&text).expect("the trace is JSON");
    let states = itf["states"].as_array().expect("an ITF trace has states");
    assert_eq!(states.len(), 7, "six steps after the initial state");
    assert_eq!(states[6]["#meta"]["index"], 6);
}

#[test]
fn two_phase_commit_decides_under_fairness() {
    check_exit("liveness_2pc_decides", &["check", "specs/2pc.spec"], 0);
}

#[test]
fn two_phase_commit_without_fairness_stutters_before_the_coordinator_acts() {
    check_exit(
        "liveness_2pc_unfair",
        &["check", "specs/bugs/2pc_unfair.spec"],
        1,
    );
}

#[test]
fn strong_fairness_makes_an_intermittently_enabled_step_happen() {
    check_exit(
        "liveness_strong_fairness",
        &["check", "specs/lang/strong_fairness.spec"],
        0,
    );
}

#[test]
fn weak_fairness_allows_a_lasso_that_skips_an_intermittent_step() {
    check_exit(
        "liveness_weak_fairness_lasso",
        &["check", "specs/bugs/weak_fairness_blink.spec"],
        1,
    );
}

#[test]
fn warns_that_a_depth_bound_makes_liveness_unreliable() {
    check_exit(
        "liveness_depth_bound_warning",
        &[
            "check",
            "specs/lang/strong_fairness.spec",
            "--max-depth",
            "2",
        ],
        3,
    );
}

#[test]
fn warns_that_a_state_constraint_makes_liveness_unreliable() {
    let source = std::fs::read_to_string(repo().join("specs/lang/strong_fairness.spec"))
        .expect("the spec is readable");
    let path = temp_file(
        "constrained.spec",
        format!("{source}\nconstraint not Lamp.noticed\n").as_bytes(),
    );
    let run = specc(&["check", arg(&path)]);
    assert!(
        run.stderr
            .contains("a state constraint makes liveness verdicts unreliable"),
        "{}",
        run.stderr
    );
    // Outside the constraint the lamp can only stutter, so the noticed
    // state is never left: the properties still hold on this graph.
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn json_summary_gives_the_lasso_loop_index() {
    let summary = json(&[
        "check",
        "specs/bugs/weak_fairness_blink.spec",
        "--format",
        "json",
    ]);
    let violations = summary["violations"].as_array().expect("violations");
    let leads_to = &violations[2];
    assert_eq!(leads_to["property"], "LitLeadsToNoticed");
    assert_eq!(leads_to["kind"], "temporal");
    assert_eq!(leads_to["loop"], 1);
    assert_eq!(leads_to["trace"].as_array().map(Vec::len), Some(4));
}

#[test]
fn writes_a_lasso_as_itf_with_its_loop_index() {
    let out = temp_file("blink.itf.json", b"");
    let run = specc(&[
        "check",
        "specs/bugs/weak_fairness_blink.spec",
        "--trace-out",
        arg(&out),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = std::fs::read_to_string(&out).expect("the trace file was written");
    insta::assert_snapshot!("liveness_weak_fairness_itf", text);
}

#[test]
fn stops_at_a_state_bound_with_exit_code_3() {
    check_exit(
        "max_states",
        &[
            "check",
            "specs/classic/two_phase.spec",
            "--max-states",
            "50",
        ],
        3,
    );
}

#[test]
fn stops_at_a_state_bound_at_the_same_place_for_any_worker_count() {
    // RMS=7's levels run to tens of thousands of states, many chunks each:
    // the bound is applied once the level that crosses it is complete.
    let lines: Vec<String> = ["1", "2", "3"]
        .iter()
        .map(|workers| {
            let args = [
                "check",
                "specs/classic/two_phase.spec",
                "--param",
                "RMS=7",
                "--max-states",
                "100000",
                "--workers",
                workers,
            ];
            let run = specc(&args);
            assert_eq!(run.code, 3, "{}", transcript(&args, &run));
            mask_timing(&run.stdout)
        })
        .collect();
    assert!(lines[0].contains("113322 distinct states"), "{}", lines[0]);
    assert_eq!(lines[0], lines[1]);
    assert_eq!(lines[0], lines[2]);
}

#[test]
fn reports_a_failing_step_of_a_state_at_the_depth_bound() {
    // The state at the bound is not expanded, but its successors are
    // computed, all of them, for any number of workers.
    for workers in ["1", "2"] {
        let args = [
            "check",
            "tests/inspect/depth_bound_assert.spec",
            "--max-depth",
            "2",
            "--workers",
            workers,
        ];
        let run = specc(&args);
        assert_eq!(run.code, 1, "{}", transcript(&args, &run));
        assert!(run.stdout.contains("check [fails]"), "{}", run.stdout);
    }
}

#[test]
fn refuses_a_missing_file() {
    check_exit("missing_file", &["check", "specs/no_such.spec"], 2);
}

#[test]
fn refuses_a_directory() {
    check_exit("directory", &["check", "specs"], 2);
}

#[test]
fn refuses_an_unknown_flag() {
    check_exit(
        "unknown_flag",
        &["check", "specs/2pc.spec", "--frobnicate"],
        2,
    );
}

#[test]
fn refuses_a_malformed_param_flag() {
    check_exit(
        "malformed_param",
        &["check", "specs/2pc.spec", "--param", "N"],
        2,
    );
}

#[test]
fn refuses_a_param_of_the_wrong_type() {
    check_exit(
        "param_wrong_type",
        &["check", "specs/2pc.spec", "--param", "N=yes"],
        2,
    );
}

#[test]
fn refuses_zero_workers() {
    check_exit(
        "zero_workers",
        &["check", "specs/2pc.spec", "--workers", "0"],
        2,
    );
}

#[test]
fn refuses_bytes_that_are_not_utf8() {
    let path = temp_file("latin1.spec", b"protocol P\n// caf\xe9\n");
    let run = specc(&["check", arg(&path)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not valid UTF-8"), "{}", run.stderr);
}

#[test]
fn refuses_an_empty_file() {
    let path = temp_file("empty.spec", b"");
    let run = specc(&["check", arg(&path)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
}

#[test]
fn reports_errors_of_a_ten_megabyte_file_without_echoing_it() {
    let mut text = b"protocol Big\n".to_vec();
    while text.len() < 10 << 20 {
        text.extend_from_slice(b"// padding padding padding padding padding padding padding\n");
    }
    text.extend_from_slice(b"role A { var x: bool = 1 }\n");
    let path = temp_file("big.spec", &text);
    let run = specc(&["check", arg(&path)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("mismatched types"), "{}", run.stderr);
    assert!(run.stderr.len() < 2000, "{}", run.stderr);
}

#[test]
fn projects_a_choreography_into_each_roles_steps() {
    check_exit("project_2pc_chor", &["project", "specs/2pc_chor.spec"], 0);
}

#[test]
fn refuses_to_project_a_spec_without_a_choreography() {
    check_exit("project_no_choreography", &["project", "specs/2pc.spec"], 2);
}

#[test]
fn refuses_to_project_a_choreography_that_cannot_be_realised() {
    check_exit(
        "project_unrealisable",
        &["project", "specs/errors/chor_knowledge_of_choice.spec"],
        2,
    );
}

#[test]
fn names_the_choreography_line_of_each_step_in_a_counterexample() {
    check_exit(
        "bug_2pc_chor_ignores_no_votes",
        &[
            "check",
            "specs/bugs/2pc_chor_ignores_no_votes.spec",
            "--param",
            "N=2",
            "--workers",
            "1",
        ],
        1,
    );
}

// The protocol library (docs/protocols.md): every spec holds with its
// default parameters and explores exactly the pinned number of states, and
// every broken variant is caught with the counterexample in its snapshot.

/// Checks a library spec with its defaults: it must hold, with these counts.
fn library_spec_holds(spec: &str, distinct_states: u64, depth: u64) {
    let summary = json(&["check", spec, "--format", "json", "--progress", "never"]);
    assert_eq!(summary["result"], "ok", "{spec}: {summary}");
    assert_eq!(
        (
            summary["distinct_states"].as_u64(),
            summary["depth"].as_u64()
        ),
        (Some(distinct_states), Some(depth)),
        "{spec}: {summary}"
    );
}

#[test]
fn two_phase_commit_holds_with_pinned_state_counts() {
    library_spec_holds("specs/2pc.spec", 97, 12);
}

#[test]
fn three_phase_commit_holds_under_coordinator_crash_with_pinned_state_counts() {
    library_spec_holds("specs/3pc.spec", 445, 29);
}

#[test]
fn three_phase_commit_choreography_holds_with_pinned_state_counts() {
    library_spec_holds("specs/3pc_chor.spec", 445, 29);
}

#[test]
fn chain_replication_choreography_holds_with_pinned_state_counts() {
    library_spec_holds("specs/chain_chor.spec", 64, 14);
}

#[test]
fn two_phase_commit_choreography_holds_with_pinned_state_counts() {
    library_spec_holds("specs/2pc_chor.spec", 52, 11);
}

#[test]
fn raft_is_safe_and_elects_a_leader_under_crash_recovery_with_pinned_state_counts() {
    library_spec_holds("specs/raft.spec", 106_885, 33);
}

#[test]
fn chain_replication_holds_under_fail_stop_with_pinned_state_counts() {
    library_spec_holds("specs/chain_replication.spec", 47_991, 24);
}

#[test]
fn chandy_lamport_snapshot_holds_with_pinned_state_counts() {
    library_spec_holds("specs/chandy_lamport.spec", 148_785, 20);
}

#[test]
fn catches_two_phase_commit_without_vote_check() {
    check_exit(
        "bug_2pc_no_vote_check",
        &["check", "specs/bugs/2pc_no_vote_check.spec"],
        1,
    );
}

#[test]
fn catches_three_phase_commit_inconsistency_under_partition() {
    check_exit(
        "bug_3pc_partition",
        &["check", "specs/bugs/3pc_partition.spec"],
        1,
    );
}

#[test]
fn catches_three_phase_commit_participants_deciding_alone() {
    check_exit(
        "bug_3pc_no_termination_protocol",
        &["check", "specs/bugs/3pc_no_termination_protocol.spec"],
        1,
    );
}

#[test]
fn shows_two_phase_commit_blocking_on_a_coordinator_crash_as_a_lasso() {
    check_exit(
        "bug_2pc_coordinator_crash",
        &["check", "specs/bugs/2pc_coordinator_crash.spec"],
        1,
    );
}

#[test]
fn shows_raft_electing_no_leader_without_fairness_as_a_lasso() {
    check_exit(
        "bug_raft_unfair",
        &["check", "specs/bugs/raft_unfair.spec"],
        1,
    );
}

#[test]
fn catches_raft_voter_without_up_to_date_check() {
    check_exit(
        "bug_raft_no_uptodate_check",
        &["check", "specs/bugs/raft_no_uptodate_check.spec"],
        1,
    );
}

#[test]
fn catches_raft_leader_committing_an_old_term_entry() {
    check_exit(
        "bug_raft_commit_old_term",
        &["check", "specs/bugs/raft_commit_old_term.spec"],
        1,
    );
}

#[test]
fn catches_chain_replication_acknowledging_at_the_head() {
    check_exit(
        "bug_chain_ack_at_head",
        &["check", "specs/bugs/chain_ack_at_head.spec"],
        1,
    );
}

#[test]
fn catches_chain_replication_reading_at_the_head() {
    check_exit(
        "bug_chain_read_at_head",
        &["check", "specs/bugs/chain_read_at_head.spec"],
        1,
    );
}

#[test]
fn catches_snapshot_over_non_fifo_channels() {
    check_exit(
        "bug_snapshot_non_fifo",
        &["check", "specs/bugs/snapshot_non_fifo.spec"],
        1,
    );
}

#[test]
fn catches_snapshot_without_channel_state() {
    check_exit(
        "bug_snapshot_no_channel_state",
        &["check", "specs/bugs/snapshot_no_channel_state.spec"],
        1,
    );
}

#[test]
fn primary_backup_holds_under_crash_stop_with_pinned_state_counts() {
    library_spec_holds("specs/primary_backup.spec", 3951, 18);
}

#[test]
fn catches_primary_backup_acknowledging_before_the_backup() {
    check_exit(
        "bug_primary_backup_ack_early",
        &["check", "specs/bugs/primary_backup_ack_early.spec"],
        1,
    );
}

#[test]
fn catches_primary_backup_taking_over_without_the_arbiter() {
    check_exit(
        "bug_primary_backup_no_arbiter",
        &["check", "specs/bugs/primary_backup_no_arbiter.spec"],
        1,
    );
}

#[test]
fn prints_coverage_and_warns_of_a_step_that_can_never_fire() {
    check_exit(
        "coverage_turnstile",
        &[
            "check",
            "tests/inspect/turnstile.spec",
            "--coverage",
            "--workers",
            "1",
        ],
        0,
    );
}

#[test]
fn coverage_of_a_stopped_search_proves_nothing_and_warns_of_nothing() {
    let run = check_exit(
        "coverage_turnstile_stopped",
        &[
            "check",
            "tests/inspect/turnstile.spec",
            "--coverage",
            "--max-states",
            "2",
        ],
        3,
    );
    assert!(!run.stderr.contains("can never fire"), "{}", run.stderr);
}

#[test]
fn writes_the_state_graph_of_a_small_spec_in_dot() {
    let dot = temp_file("turnstile.dot", b"");
    let args = [
        "check",
        "tests/inspect/turnstile.spec",
        "--graph",
        arg(&dot),
    ];
    let run = specc(&args);
    assert_eq!(run.code, 0, "{}", transcript(&args, &run));
    assert!(
        run.stderr
            .contains("wrote the state graph (5 states, 4 transitions)")
    );
    let text = std::fs::read_to_string(&dot).expect("the graph was written");
    insta::assert_snapshot!("graph_turnstile", text);
    // Graphviz must accept it, where it is installed.
    match Command::new("dot").arg("-Tsvg").arg(&dot).output() {
        Ok(out) => assert!(
            out.status.success() && out.stdout.starts_with(b"<?xml"),
            "dot refused the graph: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("skipped: Graphviz's `dot` is not installed"),
    }
}

#[test]
fn refuses_to_draw_a_state_graph_too_large_to_read() {
    let dot = repo().join("target/raft-graph-never-written.dot");
    let _ = std::fs::remove_file(&dot);
    check_exit(
        "graph_too_large",
        &[
            "check",
            "specs/raft.spec",
            "--graph",
            "target/raft-graph-never-written.dot",
        ],
        2,
    );
    assert!(!dot.exists());
}

#[test]
fn simulate_finds_the_early_commit_with_a_fixed_seed() {
    check_exit(
        "simulate_2pc_commit_early",
        &[
            "simulate",
            "specs/bugs/2pc_commit_early.spec",
            "--seed",
            "1",
            "--runs",
            "256",
        ],
        1,
    );
}

#[test]
fn simulate_of_a_spec_that_holds_reports_its_walks_and_coverage() {
    check_exit(
        "simulate_2pc",
        &[
            "simulate",
            "specs/2pc.spec",
            "--seed",
            "7",
            "--runs",
            "300",
            "--depth",
            "30",
            "--coverage",
        ],
        0,
    );
}

#[test]
fn simulate_reports_the_same_walk_and_trace_for_any_worker_count() {
    for (spec, seed, result) in [
        ("specs/bugs/raft_no_uptodate_check.spec", "100", "violation"),
        ("specs/bugs/chain_ack_at_head.spec", "5", "violation"),
        ("specs/3pc.spec", "2", "ok"),
    ] {
        let runs: Vec<(serde_json::Value, String)> = ["1", "2", "3"]
            .iter()
            .map(|w| {
                let itf = temp_file(&format!("walk-{w}.itf.json"), b"");
                let _ = std::fs::remove_file(&itf);
                let summary = strip(json(&[
                    "simulate",
                    spec,
                    "--seed",
                    seed,
                    "--runs",
                    "512",
                    "--format",
                    "json",
                    "--workers",
                    w,
                    "--trace-out",
                    arg(&itf),
                ]));
                (summary, std::fs::read_to_string(&itf).unwrap_or_default())
            })
            .collect();
        assert_eq!(runs[0].0["result"], result, "{spec}");
        // A violation's walk is written, so the traces are compared too.
        assert_eq!(runs[0].1.is_empty(), result == "ok", "{spec}");
        assert_eq!(runs[0], runs[1], "{spec}: 1 vs 2 workers");
        assert_eq!(runs[0], runs[2], "{spec}: 1 vs 3 workers");
    }
}

#[test]
fn simulate_refuses_zero_runs_and_a_zero_depth() {
    for flag in ["--runs", "--depth"] {
        let run = specc(&["simulate", "specs/2pc.spec", flag, "0"]);
        assert_eq!(run.code, 2, "{flag}: {}", run.stderr);
        assert!(run.stderr.contains(flag), "{}", run.stderr);
    }
}
