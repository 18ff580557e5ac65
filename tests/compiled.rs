//! The compiled checker (`specc check --compiled`) against the interpreted
//! one. One crate holds the kernels of every spec in the library, the bug
//! variants, the language examples and the classic models; its binary
//! compares each kernel with the interpreted machine state by state (the
//! comparison request, `checker/src/kernel/compare.rs`). Then a few specs
//! are checked end to end with and without `--compiled`, whose reports
//! must be the same apart from timings.
//!
//! Everything is built under Cargo's temporary directory for tests
//! (`target/tmp/specc-compiled-tests`): the crate of all kernels, and the
//! crates `specc` writes for the end-to-end checks (its cache directory),
//! all sharing one target directory, so the release build of the checker
//! crate happens once and later runs rebuild only what changed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use spec_lang::ParamOverride;

/// States compared per spec at most (breadth-first from the initial
/// state): enough to exhaust most specs, and to reach well past the first
/// levels of the rest, in a few seconds each.
const MAX_STATES: u64 = 200_000;

/// Every spec whose kernel is compared, with its parameters.
const CORPUS: &[(&str, &[(&str, &str)])] = &[
    ("specs/2pc.spec", &[]),
    ("specs/2pc_chor.spec", &[]),
    ("specs/3pc.spec", &[]),
    ("specs/3pc_chor.spec", &[]),
    ("specs/chain_chor.spec", &[]),
    ("specs/chain_replication.spec", &[]),
    ("specs/chandy_lamport.spec", &[]),
    ("specs/primary_backup.spec", &[]),
    ("specs/raft.spec", &[]),
    ("specs/bugs/2pc_chor_ignores_no_votes.spec", &[]),
    ("specs/bugs/2pc_commit_early.spec", &[]),
    ("specs/bugs/2pc_coordinator_crash.spec", &[]),
    ("specs/bugs/2pc_no_vote_check.spec", &[]),
    ("specs/bugs/2pc_unfair.spec", &[]),
    ("specs/bugs/3pc_no_termination_protocol.spec", &[]),
    ("specs/bugs/3pc_partition.spec", &[]),
    ("specs/bugs/chain_ack_at_head.spec", &[]),
    ("specs/bugs/chain_read_at_head.spec", &[]),
    ("specs/bugs/primary_backup_ack_early.spec", &[]),
    ("specs/bugs/primary_backup_no_arbiter.spec", &[]),
    ("specs/bugs/raft_commit_old_term.spec", &[]),
    ("specs/bugs/raft_no_uptodate_check.spec", &[]),
    ("specs/bugs/raft_unfair.spec", &[]),
    ("specs/bugs/snapshot_no_channel_state.spec", &[]),
    ("specs/bugs/snapshot_non_fifo.spec", &[]),
    ("specs/bugs/weak_fairness_blink.spec", &[]),
    ("specs/lang/expressions.spec", &[]),
    ("specs/lang/faults.spec", &[]),
    ("specs/lang/fifo.spec", &[]),
    ("specs/lang/functions.spec", &[]),
    ("specs/lang/properties.spec", &[]),
    ("specs/lang/roles.spec", &[]),
    ("specs/lang/steps.spec", &[]),
    ("specs/lang/strong_fairness.spec", &[]),
    ("specs/classic/2pc_chor_as_steps.spec", &[]),
    ("specs/classic/two_phase.spec", &[("RMS", "3")]),
    // Whole state spaces of specs the bound cuts at their defaults.
    ("specs/raft.spec", &[("N", "2")]),
    ("specs/chandy_lamport.spec", &[("N", "2")]),
    ("specs/bugs/snapshot_non_fifo.spec", &[("N", "2")]),
    ("specs/bugs/raft_commit_old_term.spec", &[("N", "2")]),
    // Layouts other than the defaults': more instances (variables and
    // sets across words), crashes, longer logs, and message fields too
    // wide to pack (boxed).
    ("specs/2pc.spec", &[("N", "5"), ("MaxCrashes", "1")]),
    ("specs/raft.spec", &[("MaxLog", "2")]),
    (
        "specs/raft.spec",
        &[
            ("MaxTerm", "1000"),
            ("MaxLog", "100000"),
            ("MaxInFlight", "100000000"),
        ],
    ),
    ("specs/lang/fifo.spec", &[("S", "3"), ("M", "5")]),
    ("specs/lang/roles.spec", &[("W", "4")]),
    // Small specs of the constructs the compiled checker emits, with
    // their edge cases (some fail on purpose where the compiled checker
    // must give up).
    ("tests/compiled/sequences.spec", &[]),
    ("tests/compiled/maps.spec", &[]),
    ("tests/compiled/functions.spec", &[]),
    ("tests/compiled/sets.spec", &[]),
    ("tests/compiled/records.spec", &[]),
    ("tests/compiled/choose.spec", &[]),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where this file's tests build: the kernels' crate, `specc`'s cache
/// directory and their shared target directory.
fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("specc-compiled-tests")
}

fn target_dir() -> PathBuf {
    work_dir().join("target")
}

fn overrides(params: &[(&str, &str)]) -> Vec<ParamOverride> {
    params
        .iter()
        .map(|(name, value)| ParamOverride {
            name: name.to_string(),
            value: value.to_string(),
        })
        .collect()
}

/// One spec of the corpus: its path, source and parameters.
struct Case {
    path: &'static str,
    source: String,
    params: Vec<ParamOverride>,
}

fn corpus() -> Vec<Case> {
    CORPUS
        .iter()
        .map(|(path, params)| Case {
            path,
            source: std::fs::read_to_string(repo().join(path))
                .unwrap_or_else(|e| panic!("{path}: {e}")),
            params: overrides(params),
        })
        .collect()
}

/// The binary with every spec's kernel, built once per test binary.
fn kernels_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_kernels)
}

fn build_kernels() -> PathBuf {
    let specs: Vec<spec_lang::ir::Spec> = corpus()
        .iter()
        .map(
            |case| match spec_lang::compile(&case.source, &case.params) {
                Ok(compiled) => compiled.spec,
                Err(d) => panic!("{}", spec_lang::render(case.path, &case.source, &d, false)),
            },
        )
        .collect();
    let refs: Vec<&spec_lang::ir::Spec> = specs.iter().collect();
    let krate = checker::kernel_crate(&refs, &repo().join("checker"))
        .unwrap_or_else(|e| panic!("the kernels' crate cannot be generated: {e}"));
    let (steps, compiled): (usize, usize) = krate
        .summaries
        .iter()
        .fold((0, 0), |(a, b), s| (a + s.steps, b + s.steps_compiled));
    assert!(
        compiled * 2 > steps,
        "only {compiled} of {steps} steps are compiled: the comparison would test little"
    );
    let dir = work_dir().join("kernels");
    write_files(&dir, &krate.files);
    let started = std::time::Instant::now();
    let out = cargo_build(&dir);
    assert!(
        out.status.success(),
        "building the kernels' crate failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "the kernels of {} specs built in {:.1} s",
        specs.len(),
        started.elapsed().as_secs_f64()
    );
    target_dir()
        .join("release")
        .join(format!("{}{}", krate.name, std::env::consts::EXE_SUFFIX))
}

/// Writes a crate's files and the workspace's Cargo.lock (the versions
/// this build resolved, so nothing is resolved again), leaving unchanged
/// files alone so that cargo sees nothing new.
fn write_files(dir: &Path, files: &[(String, String)]) {
    let lock = std::fs::read(repo().join("Cargo.lock")).expect("the workspace has a Cargo.lock");
    let all = files
        .iter()
        .map(|(path, text)| (dir.join(path), text.as_bytes()))
        .chain([(dir.join("Cargo.lock"), &lock[..])]);
    for (path, bytes) in all {
        if std::fs::read(&path).is_ok_and(|old| old == bytes) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a writable target directory");
        }
        std::fs::write(&path, bytes).expect("a writable target directory");
    }
}

fn cargo_build(dir: &Path) -> Output {
    Command::new(option_env!("CARGO").unwrap_or("cargo"))
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir())
        .stdin(Stdio::null())
        .output()
        .expect("cargo runs")
}

/// Runs `binary` with `input` on its standard input.
fn run_with_input(binary: &Path, input: &str) -> Output {
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .expect("the binary reads its request");
    }
    child.wait_with_output().expect("the binary finishes")
}

/// The comparison request for a spec: a check request (whose
/// configuration the comparison does not read) asking for a comparison
/// instead.
fn comparison_request(case: &Case) -> String {
    let config = checker::CheckConfig {
        workers: 1,
        symmetry: false,
        max_states: None,
        max_depth: None,
        memory_limit: None,
        spill: None,
        check_deadlock: false,
        por: false,
    };
    let check = checker::kernel::kernel_request(&case.source, &case.params, &config);
    let mut request: serde_json::Value = serde_json::from_str(&check).expect("a request is JSON");
    request["compare"] = serde_json::json!({ "max_states": MAX_STATES });
    request.to_string()
}

#[test]
fn compiled_kernels_agree_with_the_interpreter_on_every_state() {
    let binary = kernels_binary();
    let mut failures = Vec::new();
    let mut states = 0;
    for case in corpus() {
        let started = std::time::Instant::now();
        let out = run_with_input(binary, &comparison_request(&case));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line: serde_json::Value = match serde_json::from_str(stdout.trim()) {
            Ok(line) => line,
            Err(e) => {
                failures.push(format!(
                    "{}: no comparison ({e}, {}):\n{stdout}{}",
                    case.path,
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
        };
        let Some(found) = line.get("compared") else {
            failures.push(format!("{}: {line}", case.path));
            continue;
        };
        eprintln!(
            "{} {:?}: {} states ({}), {} transitions, {} predicate results compared, {} left to the interpreter, {:.1} s",
            case.path,
            case.params
                .iter()
                .map(|p| format!("{}={}", p.name, p.value))
                .collect::<Vec<_>>(),
            found["states"],
            if found["complete"] == true {
                "all"
            } else {
                "bounded"
            },
            found["transitions"],
            found["predicates"],
            found["bailed"],
            started.elapsed().as_secs_f64()
        );
        if let Some(mismatch) = found["mismatch"].as_str() {
            failures.push(format!("{}:\n{mismatch}", case.path));
        }
        states += found["states"].as_u64().unwrap_or(0);
        assert_eq!(
            out.status.code(),
            Some(if found["mismatch"].is_null() { 0 } else { 1 }),
            "{}: exit code",
            case.path
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(states > 100_000, "only {states} states were compared");
}

/// What `specc` printed and returned.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `specc` from the repository root with the test's cache directory
/// for compiled checkers.
fn specc(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_specc"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env("SPECC_CACHE_DIR", work_dir())
        .output()
        .expect("the specc binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `specc check` with `args`, compiled (which must say so) or not.
fn check(args: &[&str], compiled: bool) -> Run {
    let mut all = vec!["check", "--progress", "never"];
    all.extend_from_slice(args);
    if compiled {
        all.push("--compiled");
    }
    let run = specc(&all);
    if compiled {
        assert!(
            run.stderr.lines().any(|l| l.starts_with("note: compiled")),
            "specc {}: the check did not run compiled:\n{}",
            all.join(" "),
            run.stderr
        );
    }
    run
}

/// A JSON report without its timing figures.
fn json_report(run: &Run, what: &str) -> serde_json::Value {
    let mut report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{what}: {e}:\n{}{}", run.stdout, run.stderr));
    let object = report.as_object_mut().expect("the report is an object");
    for timing in ["elapsed_ms", "states_per_sec", "peak_memory_bytes"] {
        assert!(
            object.remove(timing).is_some(),
            "{what}: the report has no `{timing}`"
        );
    }
    report
}

/// The text report's counts line, up to the worker count and timings.
fn counts_line(run: &Run) -> String {
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(" distinct states, "))
        .unwrap_or_else(|| panic!("no counts line in:\n{}", run.stdout));
    match line.find(" worker") {
        Some(at) => line[..line[..at].rfind(", ").unwrap_or(at)].to_string(),
        None => line.to_string(),
    }
}

#[test]
fn compiled_checks_report_what_interpreted_checks_report() {
    let cases: &[(&str, &[&str])] = &[
        // Symmetric resource managers; TLC's counts.
        ("specs/classic/two_phase.spec", &["--param", "RMS=3"]),
        // An invariant violated: the counterexample is rebuilt.
        ("specs/bugs/2pc_commit_early.spec", &[]),
        // Liveness under fairness, symmetric participants.
        ("specs/2pc.spec", &[]),
        // A liveness counterexample (a lasso).
        ("specs/bugs/2pc_unfair.spec", &[]),
        // A FIFO network, symmetric senders, assertions in steps.
        ("specs/lang/fifo.spec", &[]),
        // Partial-order reduction in the compiled checker, and its
        // counterexample rebuilt by the interpreted one.
        ("specs/por/local_work_lost_unit.spec", &["--por"]),
    ];
    for (spec, params) in cases {
        let mut json_args = vec![*spec, "--format", "json"];
        json_args.extend_from_slice(params);
        let interpreted = check(&json_args, false);
        let compiled = check(&json_args, true);
        assert_eq!(interpreted.code, compiled.code, "{spec}: exit code");
        assert_eq!(
            json_report(&interpreted, spec),
            json_report(&compiled, spec),
            "{spec}: interpreted and compiled JSON reports"
        );

        let mut text_args = vec![*spec];
        text_args.extend_from_slice(params);
        let interpreted = check(&text_args, false);
        let compiled = check(&text_args, true);
        assert_eq!(interpreted.code, compiled.code, "{spec}: exit code");
        assert_eq!(
            counts_line(&interpreted),
            counts_line(&compiled),
            "{spec}: counts"
        );
    }
}

#[test]
fn compiled_checks_report_the_same_for_one_and_two_workers() {
    let spec = "specs/bugs/3pc_partition.spec";
    let reports: Vec<serde_json::Value> = ["1", "2"]
        .iter()
        .map(|workers| {
            let run = check(&[spec, "--format", "json", "--workers", workers], true);
            assert_eq!(run.code, Some(1), "{spec}: a violation\n{}", run.stderr);
            let mut report = json_report(&run, spec);
            let object = report.as_object_mut().expect("the report is an object");
            let count: u64 = workers.parse().expect("a worker count");
            assert_eq!(object.remove("workers"), Some(count.into()), "{spec}");
            report
        })
        .collect();
    assert_eq!(reports[0], reports[1], "{spec}: 1 vs 2 workers");
}

#[test]
fn compiled_checks_leave_errors_in_initial_values_to_the_interpreted_report() {
    // The compiled checker cannot be made (the initial value cannot be
    // evaluated); the check reports the error as an interpreted one does.
    let spec = work_dir().join("init_error.spec");
    std::fs::create_dir_all(work_dir()).expect("the work directory can be made");
    std::fs::write(
        &spec,
        "protocol InitError\n\nparam D: 0..3 = 0\n\nrole R {\n  var x: 0..9 = 1 % D\n}\n\n\
         on R step tick when x < 9 { x := x + 1 }\n",
    )
    .expect("the spec can be written");
    let path = spec.display().to_string();
    let args = ["check", path.as_str(), "--progress", "never"];
    let interpreted = specc(&args);
    let compiled = specc(&[&args[..], &["--compiled"]].concat());
    assert_eq!(interpreted.code, Some(2), "{}", interpreted.stderr);
    assert_eq!(compiled.code, interpreted.code, "{}", compiled.stderr);
    assert_eq!(compiled.stdout, interpreted.stdout);
    assert_eq!(compiled.stderr, interpreted.stderr);
    assert!(compiled.stderr.contains("division by zero"));
}
