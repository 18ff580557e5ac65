//! The bench as a command: peers whose tools are absent are skipped with a
//! message, and TLC's whole path (finding it, writing the model, the
//! command line, reading its output) runs against a stand-in `java` that
//! checks its arguments and answers as TLC does.

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
