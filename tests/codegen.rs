//! Code generation and trace validation without building generated code:
//! the snapshot of the generated 2PC crate, malformed and divergent traces,
//! and the exit codes of `specc validate`. The generated crates are built,
//! simulated and replayed in tests/conformance/.

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

/// Chain replication shows what 2PC does not need: checks of stores
/// against declared bounds, evaluation errors returned with `?`, and the
/// state constraint as a function of every instance's state.
#[test]
fn generated_chain_replication_matches_snapshot() {
    let source = std::fs::read_to_string(repo().join("specs/chain_replication.spec"))
        .expect("specs/chain_replication.spec is in the repository");
    let spec = compile(&source);
    let config = codegen::GenConfig {
        crate_name: "chain-replication".to_string(),
        runtime_path: Path::new("../runtime").to_path_buf(),
    };
    let generated = codegen::generate(&spec, &config).expect("chain replication generates");
    let lib = &generated.files[Path::new("src/lib.rs")];
    let server = &generated.files[Path::new("src/server.rs")];
    insta::assert_snapshot!(
        "chain_replication_lib",
        format!("// input: specs/chain_replication.spec\n{lib}")
    );
    insta::assert_snapshot!(
        "chain_replication_server",
        format!("// input: specs/chain_replication.spec\n{server}")
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
