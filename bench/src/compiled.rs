//! `specc check --compiled` as an engine: the bench run's own cache of
//! compiled checkers, and the warm-ups that fill it before any timed run,
//! as SPIN's verifier is built before pan is timed.
//!
//! A warm-up is a check stopped after its first state (`--max-states 1`).
//! The run's first warm-up builds specc's `checker` crate and its
//! dependencies in release mode, a minute or more, untimed, on a spec the
//! bench does not measure. After that the first warm-up of each model
//! builds that model's own small crate, and the build time specc reports
//! is the model's "build s", counted in its time to verdict as SPIN's
//! `spin -a` and C compiler are. Timed runs then find their checker built
//! and never run cargo (the measurement checks that they say so).

use std::path::Path;
use std::time::Duration;

use crate::measure::{CommandLine, Model, specc_command};
use crate::process::{self, Stderr};

/// The environment variable that tells `specc check --compiled` where its
/// cache of compiled checkers is.
pub const CACHE_VARIABLE: &str = "SPECC_CACHE_DIR";

/// The spec whose warm-up builds the dependencies: one the bench does not
/// measure, so that every measured model's build is of its own crate.
const DEPENDENCIES_SPEC: &str = "specs/2pc.spec";

/// What `specc check --compiled` says on stderr about the compiled checker
/// it is about to run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BuildNote {
    /// "note: compiled checker built in 1.2 s (DIR)": cargo built it.
    Built { secs: f64 },
    /// "note: using the compiled checker built before (DIR)": cargo was not
    /// run.
    BuiltBefore,
}

/// Finds the build note among specc's other messages.
pub fn parse_build_note(stderr: &str) -> Option<BuildNote> {
    stderr.lines().find_map(|line| {
        if line.starts_with("note: using the compiled checker built before (") {
            return Some(BuildNote::BuiltBefore);
        }
        let rest = line.strip_prefix("note: compiled checker built in ")?;
        let (secs, _dir) = rest.split_once(" s (")?;
        Some(BuildNote::Built {
            secs: secs.parse().ok()?,
        })
    })
}

/// Builds specc's `checker` crate and its dependencies into `cache`, with
/// the compiled checker of [`DEPENDENCIES_SPEC`]; returns the build time
/// specc reports.
pub fn build_dependencies(specc: &Path, cache: &Path, limit: Duration) -> Result<f64, String> {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(DEPENDENCIES_SPEC);
    let mut args = vec!["check".to_string(), spec.display().to_string()];
    args.extend(["--progress", "never", "--compiled"].map(String::from));
    let line = CommandLine {
        program: specc.to_path_buf(),
        args,
        env: vec![(CACHE_VARIABLE.to_string(), cache.to_path_buf())],
        dir: None,
    };
    built(&line, limit)
}

/// Builds `model`'s compiled checker into `cache`, whose dependencies are
/// built; returns the build time specc reports.
pub fn build(specc: &Path, cache: &Path, model: Model, limit: Duration) -> Result<f64, String> {
    built(&specc_command(specc, model, 1, Some(cache)), limit)
}

/// Runs `line` as a warm-up and returns how long it says its build took.
/// A warm-up that found its checker built already is an error: the build
/// it should have timed happened elsewhere.
fn built(line: &CommandLine, limit: Duration) -> Result<f64, String> {
    let mut line = line.clone();
    line.args.extend(["--max-states", "1"].map(String::from));
    let finished = process::run(line.command(), limit, Stderr::Capture)?;
    let stderr = finished.stderr.trim_end();
    // `--max-states 1` leaves the search incomplete, for which specc exits
    // with 3.
    if !matches!(finished.status.code(), Some(0 | 3)) {
        return Err(format!(
            "`{}` exited with {}; its stderr:\n{stderr}",
            line.display(),
            finished.status
        ));
    }
    match parse_build_note(stderr) {
        Some(BuildNote::Built { secs }) => Ok(secs),
        Some(BuildNote::BuiltBefore) => Err(format!(
            "`{}` found its compiled checker built already, so its build cannot be timed",
            line.display()
        )),
        None => Err(format!(
            "`{}` did not say whether it built its compiled checker; its stderr:\n{stderr}",
            line.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{BuildNote, parse_build_note};

    /// specc's notes, as `specc check --compiled` printed them here, with
    /// the one about interpreted steps before them.
    #[test]
    fn reads_the_build_note() {
        let built = "note: compiled 7 of 7 steps and 2 of 2 predicates\n\
            note: compiled checker built in 0.7 s \
            (/tmp/specc-bench-x/specc-cache/kernels/specc-kernel-410b39ea5103f100)\n";
        assert_eq!(
            parse_build_note(built),
            Some(BuildNote::Built { secs: 0.7 })
        );
        let minutes = built.replace("0.7 s", "178.5 s");
        assert_eq!(
            parse_build_note(&minutes),
            Some(BuildNote::Built { secs: 178.5 })
        );
        let before = "note: compiled 7 of 7 steps and 2 of 2 predicates\n\
            note: using the compiled checker built before \
            (/tmp/specc-bench-x/specc-cache/kernels/specc-kernel-410b39ea5103f100)\n";
        assert_eq!(parse_build_note(before), Some(BuildNote::BuiltBefore));
        assert_eq!(parse_build_note("note: compiled 7 of 7 steps\n"), None);
        assert_eq!(
            parse_build_note("note: compiled checker built in soon s (DIR)"),
            None
        );
    }
}
