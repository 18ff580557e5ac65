//! End-to-end tests of code generation and conformance: `specc gen` writes
//! a crate that builds without warnings; seeded simulations of the generated
//! code produce traces that replay on the spec; a generated crate with a
//! wrong guard is caught by validation; malformed traces are refused.
//!
//! The generated crates build with `--offline`, the workspace's Cargo.lock
//! and a shared target directory under target/, so that the runtime and its
//! dependencies are compiled once.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn spec_2pc() -> String {
    std::fs::read_to_string(repo().join("specs/2pc.spec"))
        .expect("specs/2pc.spec is in the repository")
}

fn compile(source: &str) -> spec_lang::ir::Spec {
    match spec_lang::compile(source, &[]) {
        Ok(c) => c.spec,
        Err(d) => panic!("the spec compiles: {d:?}"),
    }
}

/// Generates a crate from spec text with `specc gen`, builds it and runs its
/// simulator for `seeds`; returns the traces, one per seed.
fn generate_build_simulate(
    name: &str,
    source: &str,
    seeds: u32,
    faults: u32,
) -> Vec<(u32, String)> {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("the test directory can be created");
    let spec_file = work.join("spec.spec");
    std::fs::write(&spec_file, source).expect("the spec can be written");
    let out = work.join("crate");
    let gen_status = Command::new(env!("CARGO_BIN_EXE_specc"))
        .arg("gen")
        .arg(&spec_file)
        .arg("--out")
        .arg(&out)
        .args(["--name", name])
        .status()
        .expect("specc runs");
    assert!(gen_status.success(), "specc gen succeeds");
    std::fs::copy(repo().join("Cargo.lock"), out.join("Cargo.lock")).expect("Cargo.lock is copied");
    let target = repo().join("target/generated");
    let build = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "the generated crate builds without warnings:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let traces = work.join("traces");
    let sim = Command::new(target.join(format!("debug/{name}-simulate")))
        .args([
            "--seeds",
            &format!("0..{seeds}"),
            "--faults",
            &faults.to_string(),
            "--out",
        ])
        .arg(&traces)
        .output()
        .expect("the simulator runs");
    assert!(
        sim.status.success(),
        "the simulator succeeds: {}",
        String::from_utf8_lossy(&sim.stderr)
    );
    (0..seeds)
        .map(|seed| {
            let path = traces.join(format!("trace-{seed}.jsonl"));
            (
                seed,
                std::fs::read_to_string(&path).expect("the simulator wrote the trace"),
            )
        })
        .collect()
}

#[test]
fn thousand_simulated_runs_of_generated_2pc_validate_against_the_spec() {
    let source = spec_2pc();
    let spec = compile(&source);
    let traces = generate_build_simulate("gen-2pc", &source, 1000, 0);
    let mut coverage = std::collections::BTreeMap::new();
    for (seed, trace) in &traces {
        match checker::validate_trace(&spec, trace) {
            Ok(report) => {
                for (step, n) in report.coverage {
                    *coverage.entry(step).or_insert(0) += n;
                }
            }
            Err(e) => panic!("seed {seed}: {e}\n{trace}"),
        }
    }
    // Every step of the spec ran in some run: commit and abort paths both.
    for step in &spec.steps {
        let key = format!("{}.{}", spec.role(step.role).name, step.name);
        assert!(
            coverage.get(&key).is_some_and(|n| *n > 0),
            "step {key} was covered: {coverage:?}"
        );
    }
}

#[test]
fn generated_crate_with_a_wrong_guard_is_caught_by_validation() {
    // The coordinator commits without waiting for every yes vote.
    let source = spec_2pc();
    let broken = source.replace(
        "on Coordinator step commit when decision == Undecided and yes_votes == Participant {",
        "on Coordinator step commit when decision == Undecided {",
    );
    assert_ne!(broken, source, "the guard to break is in the spec");
    let spec = compile(&source);
    let traces = generate_build_simulate("gen-2pc-wrong-guard", &broken, 200, 0);
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

/// 2PC with every fault the simulator injects: bounded loss and
/// duplication, crash and recovery of participants.
fn spec_2pc_with_faults() -> String {
    // The spec declares participant crashes up to MaxCrashes (default 0).
    let mut source = spec_2pc().replace("param MaxCrashes: 0..3 = 0", "param MaxCrashes: 0..3 = 2");
    assert!(source.contains("MaxCrashes: 0..3 = 2"));
    source.push_str("\nfault loss max 2\nfault duplication max 2\n");
    source
}

#[test]
fn thousand_simulated_runs_with_faults_validate_against_the_spec() {
    let source = spec_2pc_with_faults();
    let spec = compile(&source);
    let traces = generate_build_simulate("gen-2pc-faults", &source, 1000, 20);
    let mut kinds = std::collections::BTreeSet::new();
    for (seed, trace) in &traces {
        if let Err(e) = checker::validate_trace(&spec, trace) {
            panic!("seed {seed}: {e}\n{trace}");
        }
        for kind in ["lose", "duplicate", "crash", "recover"] {
            if trace.contains(&format!("\"kind\":\"{kind}\"")) {
                kinds.insert(kind);
            }
        }
    }
    assert_eq!(kinds.len(), 4, "every fault kind was injected: {kinds:?}");
}

#[test]
fn generated_crate_that_drops_a_persistent_write_is_caught_at_recovery() {
    // The generated participant forgets its vote when it crashes.
    let source = spec_2pc_with_faults();
    let broken = source.replace(
        "persistent var vote: option<Ballot> = none",
        "var vote: option<Ballot> = none",
    );
    assert_ne!(broken, source, "the persistent variable is in the spec");
    let spec = compile(&source);
    let traces = generate_build_simulate("gen-2pc-volatile-vote", &broken, 300, 20);
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

fn validate_error(trace: &str) -> checker::TraceError {
    let spec = compile(&spec_2pc());
    match checker::validate_trace(&spec, trace) {
        Ok(_) => panic!("the trace is refused"),
        Err(e) => e,
    }
}

const HEADER: &str = r#"{"kind":"header","protocol":"TwoPhaseCommit","seed":0}"#;
const BEGIN: &str = r#"{"kind":"step","instance":"Coordinator","step":"begin","received":null,"sent":[{"type":"Prepare","from":"Coordinator","to":"Participant[1]","fields":{}},{"type":"Prepare","from":"Coordinator","to":"Participant[2]","fields":{}},{"type":"Prepare","from":"Coordinator","to":"Participant[3]","fields":{}}],"state":{"asked":true,"yes_votes":[],"decision":"Undecided"}}"#;

#[test]
fn malformed_and_truncated_traces_are_reported_with_their_line() {
    assert!(matches!(
        validate_error(""),
        checker::TraceError::Malformed { line: 1, .. }
    ));
    let truncated = format!("{HEADER}\n{}", &BEGIN[..80]);
    let e = validate_error(&truncated);
    assert!(
        matches!(e, checker::TraceError::Malformed { line: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("truncated"), "{e}");
    let wrong_name = format!(
        "{HEADER}\n{}",
        BEGIN.replace("Participant[3]", "Participant[9]")
    );
    assert!(matches!(
        validate_error(&wrong_name),
        checker::TraceError::Malformed { line: 2, .. }
    ));
}

#[test]
fn a_step_that_is_not_enabled_is_reported_with_expected_and_actual() {
    let twice = format!("{HEADER}\n{BEGIN}\n{BEGIN}\n");
    let e = validate_error(&twice);
    assert!(
        matches!(e, checker::TraceError::Divergence { record: 2, .. }),
        "{e}"
    );
    let wrong_state = format!(
        "{HEADER}\n{}",
        BEGIN.replace(r#""asked":true"#, r#""asked":false"#)
    );
    let e = validate_error(&wrong_state);
    let checker::TraceError::Divergence {
        expected, actual, ..
    } = &e
    else {
        panic!("a divergence: {e}");
    };
    assert!(
        expected.contains("asked = true") && actual.contains("asked = false"),
        "{e}"
    );
}

#[test]
fn generated_2pc_lib_matches_snapshot() {
    let spec = compile(&spec_2pc());
    let config = codegen::GenConfig {
        crate_name: "spec-2pc".to_string(),
        runtime_path: Path::new("../runtime").to_path_buf(),
    };
    let generated = codegen::generate(&spec, &config).expect("2pc generates");
    let lib = &generated.files[Path::new("src/lib.rs")];
    let participant = &generated.files[Path::new("src/participant.rs")];
    insta::assert_snapshot!("2pc_lib", format!("// input: specs/2pc.spec\n{lib}"));
    insta::assert_snapshot!(
        "2pc_participant",
        format!("// input: specs/2pc.spec\n{participant}")
    );
}

#[test]
fn validate_command_exits_0_for_a_replaying_trace_1_for_a_divergence_2_for_a_malformed_file() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("validate-exit-codes");
    std::fs::create_dir_all(&dir).expect("the test directory can be created");
    let cases = [
        ("ok.jsonl", format!("{HEADER}\n{BEGIN}\n"), 0),
        ("diverges.jsonl", format!("{HEADER}\n{BEGIN}\n{BEGIN}\n"), 1),
        ("truncated.jsonl", format!("{HEADER}\n{}", &BEGIN[..40]), 2),
        ("binary.jsonl", "\u{0}\u{1}garbage".to_string(), 2),
    ];
    for (file, text, code) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).expect("the trace can be written");
        let status = Command::new(env!("CARGO_BIN_EXE_specc"))
            .arg("validate")
            .arg(repo().join("specs/2pc.spec"))
            .arg(&path)
            .output()
            .expect("specc runs");
        assert_eq!(
            status.status.code(),
            Some(code),
            "{file}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
}

/// Every protocol of the library whose simulated runs stay inside the
/// spec's checked bounds: generated, built without warnings, and 200 seeded
/// runs with faults each replay on the spec.
///
/// Debt: chain_replication.spec and chain_chor.spec are left out. Their
/// state constraints (at most MaxFailures failed servers) and bounded
/// integers keep the checker's model finite; the generated code enforces
/// neither, so a long simulated run leaves the checked region (a value out
/// of its range, an empty chain) and the replay rightly refuses it. The
/// simulator needs the constraints as a stop condition first.
#[test]
fn library_protocols_generate_build_and_their_simulated_runs_validate() {
    for name in [
        "2pc_chor",
        "3pc",
        "3pc_chor",
        "chandy_lamport",
        "primary_backup",
        "raft",
    ] {
        let source = std::fs::read_to_string(repo().join(format!("specs/{name}.spec")))
            .expect("the library spec is in the repository");
        let spec = compile(&source);
        let crate_name = format!("lib-{}", name.replace('_', "-"));
        for (seed, trace) in generate_build_simulate(&crate_name, &source, 200, 10) {
            if let Err(e) = checker::validate_trace(&spec, &trace) {
                panic!("{name}, seed {seed}: {e}");
            }
        }
    }
}
