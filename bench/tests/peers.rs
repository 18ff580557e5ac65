//! The bench as a command: peers whose tools are absent are skipped with a
//! message, and TLC's whole path (finding it, writing the model, the
//! command line, reading its output) runs against a stand-in `java` that
//! checks its arguments and answers as TLC does; `specc --compiled`'s
//! warm-ups run against a stand-in `specc` that says when it builds.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn script(path: &Path, text: &str) {
    std::fs::write(path, text).expect("writes the script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn bench(path: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_specc-bench"))
        .args(args)
        .env("PATH", path)
        .env_remove("TLA2TOOLS_JAR")
        .output()
        .expect("specc-bench runs")
}

#[test]
fn skips_each_absent_peer_with_a_message() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A `specc` whose `check --help` has no --compiled flag.
    let specc = dir.path().join("specc");
    script(
        &specc,
        "#!/bin/sh\necho 'Usage: specc check [OPTIONS] <FILE>'\n",
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("creates");
    let output = bench(
        &empty,
        &[
            "--engines",
            "spin,tlc,specc-compiled",
            "--specs",
            "two-phase",
            "--min-rms",
            "1",
            "--max-rms",
            "1",
            "--specc",
            specc.to_str().expect("a UTF-8 path"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    for message in [
        "specc-bench: skipping SPIN: no `spin` on PATH (Debian's spin package provides it)",
        "specc-bench: skipping TLC: TLA2TOOLS_JAR is not set (point it to tla2tools.jar to \
         measure TLC)",
        &format!(
            "specc-bench: skipping specc --compiled (process): `{} check` has no --compiled \
             flag yet",
            specc.display()
        ),
    ] {
        assert!(stderr.contains(message), "no {message:?} in\n{stderr}");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("| spec | engine | workers |"), "{stdout}");
    assert!(!stdout.contains("| two_phase RMS=1 |"), "{stdout}");
}

/// A stand-in for `java` that accepts exactly TLC's documented command line
/// and prints TLC's closing lines: TwoPhase's counts for three RMs when the
/// configuration names three, one RM's otherwise (the baseline run).
const FAKE_JAVA: &str = r#"#!/bin/sh
[ "$1" = "-XX:+UseParallelGC" ] && [ "$2" = "-cp" ] && [ -f "$3" ] && [ "$4" = "tlc2.TLC" ] \
  && [ "$5" = "-workers" ] && [ "$6" = "1" ] && [ "$7" = "-config" ] && [ -f "$8" ] \
  && [ "$9" = "-metadir" ] || { echo "unexpected arguments: $*" >&2; exit 1; }
cfg="$8"
shift 9
[ "$#" = 2 ] && [ -f "$2" ] || { echo "no module: $*" >&2; exit 1; }
three=no
while read -r line; do
  case "$line" in "CONSTANT RM = {rm1, rm2, rm3}") three=yes ;; esac
done < "$cfg"
echo "Model checking completed. No error has been found."
if [ "$three" = yes ]; then
  echo "1146 states generated, 288 distinct states found, 0 states left on queue."
  echo "The depth of the complete state graph search is 11."
else
  echo "20 states generated, 12 distinct states found, 0 states left on queue."
  echo "The depth of the complete state graph search is 5."
fi
"#;

#[test]
fn measures_tlc_through_its_command_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    script(&dir.path().join("java"), FAKE_JAVA);
    let jar = dir.path().join("tla2tools.jar");
    std::fs::write(&jar, "").expect("writes");
    let output = Command::new(env!("CARGO_BIN_EXE_specc-bench"))
        .args([
            "--engines",
            "tlc",
            "--specs",
            "two-phase",
            "--min-rms",
            "3",
            "--max-rms",
            "3",
        ])
        .args(["--repeat", "1"])
        .env("PATH", dir.path())
        .env("TLA2TOOLS_JAR", &jar)
        .output()
        .expect("specc-bench runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("| two_phase RMS=3 | TLC | 1 | 288 | 1,146 |"),
        "{stdout}\n{stderr}"
    );
    assert!(stdout.contains("TLC: `"), "the command is shown: {stdout}");
}

/// A stand-in for `specc` with --compiled: it needs SPECC_CACHE_DIR in the
/// bench's temporary directory, "builds" each crate (the dependencies when
/// no RMS is given) the first time it is named in that cache, saying so as
/// specc does, and prints TwoPhase's counts for one RM or three.
const FAKE_SPECC: &str = r#"#!/bin/sh
[ "$2" = "--help" ] && { echo "      --compiled  Build a checker specialised to the spec"; exit 0; }
case "$SPECC_CACHE_DIR" in
  */specc-bench-*/specc-cache) ;;
  *) echo "SPECC_CACHE_DIR is '$SPECC_CACHE_DIR'" >&2; exit 1 ;;
esac
case "$*" in *--compiled*) ;; *) echo "no --compiled: $*" >&2; exit 1 ;; esac
crate=dependencies
[ "$3" = "--param" ] && crate="$4"
[ -d "$SPECC_CACHE_DIR" ] || mkdir "$SPECC_CACHE_DIR" || exit 1
if [ -e "$SPECC_CACHE_DIR/$crate" ]; then
  echo "note: using the compiled checker built before ($SPECC_CACHE_DIR/$crate)" >&2
else
  : > "$SPECC_CACHE_DIR/$crate"
  secs=0.4
  [ "$crate" = dependencies ] && secs=61.5
  echo "note: compiled checker built in $secs s ($SPECC_CACHE_DIR/$crate)" >&2
fi
case "$*" in *"--max-states 1"*) echo '{"result": "incomplete"}'; exit 3 ;; esac
case "$crate" in
  RMS=1) counts='"distinct_states": 12, "generated_states": 20, "depth": 5' ;;
  RMS=3) counts='"distinct_states": 288, "generated_states": 1146, "depth": 11' ;;
  *) echo "unexpected arguments: $*" >&2; exit 1 ;;
esac
echo "{\"result\": \"ok\", $counts}"
"#;

#[test]
fn builds_compiled_checkers_before_timing_them() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let specc = dir.path().join("specc");
    script(&specc, FAKE_SPECC);
    let output = Command::new(env!("CARGO_BIN_EXE_specc-bench"))
        .args(["--engines", "specc-compiled", "--specs", "two-phase"])
        .args(["--min-rms", "3", "--max-rms", "3", "--repeat", "2"])
        .args(["--workers", "2", "--specc"])
        .arg(&specc)
        .output()
        .expect("specc-bench runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stderr}");
    for message in [
        "specc --compiled (process): building specc's checker crate and its dependencies",
        "specc --compiled (process): dependencies built in 61.5 s",
        "two_phase RMS=1 specc --compiled (process): compiled checker built in 0.4 s",
        "two_phase RMS=3 specc --compiled (process): compiled checker built in 0.4 s",
    ] {
        assert!(stderr.contains(message), "no {message:?} in\n{stderr}");
    }
    // Every timed run found its checker built, or the bench would have
    // failed the row; the build is the row's "build s".
    for workers in [1, 2] {
        let row =
            format!("| two_phase RMS=3 | specc --compiled (process) | {workers} | 288 | 1,146 |");
        let line = stdout.lines().find(|l| l.starts_with(&row));
        assert!(
            line.is_some_and(|l| l.contains("| 0.40 |")),
            "{stdout}\n{stderr}"
        );
    }
    assert!(
        stdout.contains("| specc --compiled (process): 2 workers against 1 | >= 1.8x |"),
        "{stdout}"
    );
    // The cache was the run's own, and went with its temporary directory.
    let cache = stderr
        .split_once("dependencies in release mode into ")
        .and_then(|(_, rest)| rest.split_once(", once"))
        .map(|(cache, _)| Path::new(cache))
        .expect("the cache is named");
    assert!(
        cache.ends_with("specc-cache") && !cache.exists(),
        "{stderr}"
    );
}
