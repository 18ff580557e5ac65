//! Every protocol of the library: the generated crate builds without
//! warnings, and 1,000 seeded simulated runs with the faults the spec
//! declares each produce a trace that the validator accepts. The runs'
//! coverage of the spec's steps is the snapshot: how often each step fired,
//! and which never did.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::generated::{compile, generated, read_spec};

/// Seeded runs per protocol.
const RUNS: u32 = 1000;
/// The chance, in percent, that a round of a run injects a fault. Higher,
/// and a crash fault (available until used) ends most runs before the
/// protocol gets far: 3PC's commit path would never run.
const FAULTS: u32 = 10;

/// Simulates a library protocol, validates every run and snapshots the
/// coverage report.
fn runs_of_generated_code_validate(file: &str) {
    let source = read_spec(&format!("specs/{file}.spec"));
    let report = validated_runs(&format!("lib-{}", file.replace('_', "-")), &source);
    insta::assert_snapshot!(
        format!("coverage_{file}"),
        format!("// input: specs/{file}.spec\n{report}")
    );
}

/// Runs the generated crate's simulator, validates each trace against the
/// spec (panicking at the first that does not replay) and describes the
/// runs: their length, the faults injected and the steps' coverage.
fn validated_runs(crate_name: &str, source: &str) -> String {
    let spec = compile(source);
    let traces = generated(crate_name, source).simulate_ok(RUNS, FAULTS);
    let mut coverage: BTreeMap<String, usize> = spec
        .steps
        .iter()
        .map(|s| (format!("{}.{}", spec.role(s.role).name, s.name), 0))
        .collect();
    let mut faults: BTreeMap<String, usize> = BTreeMap::new();
    let (mut records, mut longest) = (0, 0);
    for (seed, trace) in &traces {
        let report = checker::validate_trace(&spec, trace)
            .unwrap_or_else(|e| panic!("{crate_name}, seed {seed}: {e}\n{trace}"));
        records += report.records;
        longest = longest.max(report.records);
        for (step, n) in report.coverage {
            *coverage.entry(step).or_default() += n;
        }
        for line in trace.lines().skip(1) {
            let kind = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|r| r["kind"].as_str().map(str::to_string))
                .unwrap_or_default();
            if kind != "step" {
                *faults.entry(kind).or_default() += 1;
            }
        }
    }
    let mut out = format!(
        "{RUNS} seeded runs, a fault chance of {FAULTS}% per round; every trace validates.\n\
         {records} records in all, {} on average, {longest} in the longest run.\n",
        records / traces.len().max(1)
    );
    let faults: Vec<String> = faults.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(
        out,
        "faults injected: {}",
        if faults.is_empty() {
            "none (the spec declares none)".to_string()
        } else {
            faults.join(", ")
        }
    );
    let width = coverage.keys().map(String::len).max().unwrap_or(0);
    out.push_str("steps fired:\n");
    for (step, n) in &coverage {
        let _ = writeln!(out, "  {step:width$}  {n}");
    }
    let never: Vec<&str> = coverage
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(s, _)| s.as_str())
        .collect();
    let _ = writeln!(
        out,
        "never fired: {}",
        if never.is_empty() {
            "none".to_string()
        } else {
            never.join(", ")
        }
    );
    out
}

#[test]
fn two_phase_commit_runs_validate() {
    runs_of_generated_code_validate("2pc");
}

#[test]
fn two_phase_commit_choreography_runs_validate() {
    runs_of_generated_code_validate("2pc_chor");
}

#[test]
fn three_phase_commit_runs_validate() {
    runs_of_generated_code_validate("3pc");
}

#[test]
fn three_phase_commit_choreography_runs_validate() {
    runs_of_generated_code_validate("3pc_chor");
}

#[test]
fn raft_runs_validate() {
    runs_of_generated_code_validate("raft");
}

#[test]
fn chain_replication_runs_validate() {
    runs_of_generated_code_validate("chain_replication");
}

#[test]
fn chain_replication_choreography_runs_validate() {
    runs_of_generated_code_validate("chain_chor");
}

#[test]
fn chandy_lamport_runs_validate() {
    runs_of_generated_code_validate("chandy_lamport");
}

#[test]
fn primary_backup_runs_validate() {
    runs_of_generated_code_validate("primary_backup");
}

/// A library spec with extra faults declared, which the checker proves
/// its invariants hold under (only liveness suffers from lost messages).
/// Chandy-Lamport has no such variant: its snapshot conserves money only
/// over reliable channels.
pub fn with_faults(file: &str, faults: &str) -> String {
    let mut source = read_spec(&format!("specs/{file}.spec"));
    source.push('\n');
    source.push_str(faults);
    source.push('\n');
    source
}

/// 2PC with every fault the simulator injects and the validator replays:
/// bounded loss and duplication, crash and recovery of participants. The
/// spec declares participant crashes up to MaxCrashes (0 by default); this
/// variant allows two.
pub fn two_phase_commit_with_faults() -> String {
    let source = with_faults("2pc", FAULTS_2PC);
    let crashing = source.replace("param MaxCrashes: 0..3 = 0", "param MaxCrashes: 0..3 = 2");
    assert_ne!(crashing, source, "2pc.spec declares MaxCrashes");
    crashing
}

/// The faults [`two_phase_commit_with_faults`] adds to the spec.
const FAULTS_2PC: &str = "fault loss max 2\nfault duplication max 2";

/// Simulates a library spec with extra faults, validates every run and
/// snapshots the coverage; every fault kind named must have happened.
fn runs_with_faults_validate(file: &str, faults: &str, kinds: &[&str]) {
    let source = with_faults(file, faults);
    let declared = faults.replace('\n', ", ");
    runs_of_variant_validate(file, "faults", &source, &declared, kinds);
}

/// Simulates a variant of a library spec (`declared` says how it differs;
/// `variant` names its crate and snapshot beside the spec's), validates
/// every run and snapshots the coverage; every fault kind named must have
/// happened.
fn runs_of_variant_validate(
    file: &str,
    variant: &str,
    source: &str,
    declared: &str,
    kinds: &[&str],
) {
    let name = format!("lib-{}-{variant}", file.replace('_', "-"));
    let report = validated_runs(&name, source);
    insta::assert_snapshot!(
        format!("coverage_{file}_with_{variant}"),
        format!("// input: specs/{file}.spec with {declared}\n{report}")
    );
    for kind in kinds {
        assert!(
            report.contains(&format!(" {kind} ")),
            "{kind} was injected:\n{report}"
        );
    }
}

#[test]
fn two_phase_commit_with_every_fault_runs_validate() {
    runs_of_variant_validate(
        "2pc",
        "faults",
        &two_phase_commit_with_faults(),
        &format!("MaxCrashes = 2, {}", FAULTS_2PC.replace('\n', ", ")),
        &["lose", "duplicate", "crash", "recover"],
    );
}

#[test]
fn two_phase_commit_with_partitions_runs_validate() {
    let faults = "fault partition max 2";
    let source = with_faults("2pc", faults);
    runs_of_variant_validate("2pc", "partitions", &source, faults, &["partition", "heal"]);
}

#[test]
fn two_phase_commit_choreography_with_message_faults_runs_validate() {
    runs_with_faults_validate(
        "2pc_chor",
        "fault loss max 2\nfault duplication max 1",
        &["lose", "duplicate"],
    );
}

#[test]
fn chain_replication_choreography_with_message_faults_runs_validate() {
    runs_with_faults_validate(
        "chain_chor",
        "fault loss max 2\nfault duplication max 1",
        &["lose", "duplicate"],
    );
}

#[test]
fn chain_replication_with_message_loss_runs_validate() {
    runs_with_faults_validate("chain_replication", "fault loss max 2", &["lose"]);
}

/// The language corpus (specs/lang/, specs/classic/) exercises constructs
/// the library does not: every spec generates, builds without warnings,
/// and 100 seeded runs of each validate.
#[test]
fn language_corpus_generates_builds_and_its_runs_validate() {
    let mut files: Vec<String> = ["specs/lang", "specs/classic"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(crate::generated::repo().join(dir))
                .expect("the corpus directory exists")
                .filter_map(|e| e.ok())
                .map(move |e| format!("{dir}/{}", e.file_name().to_string_lossy()))
        })
        .filter(|f| f.ends_with(".spec"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the corpus is there: {files:?}");
    for file in files {
        let source = read_spec(&file);
        let spec = compile(&source);
        let name = format!(
            "corpus-{}",
            file.trim_start_matches("specs/")
                .trim_end_matches(".spec")
                .replace(['/', '_'], "-")
        );
        for (seed, trace) in generated(&name, &source).simulate_ok(100, FAULTS) {
            if let Err(e) = checker::validate_trace(&spec, &trace) {
                panic!("{file}, seed {seed}: {e}\n{trace}");
            }
        }
    }
}
