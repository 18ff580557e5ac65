//! SPIN as a peer: the Promela model of [`crate::promela`] turned into a
//! verifier (`spin -a`, then the C compiler on pan.c) and run as `./pan`,
//! whose report gives the counts, its own time and its own memory.
//!
//! Build options: `-O2 -DSAFETY -DNOREDUCE`. SAFETY leaves out the cycle
//! detection a safety run does not need; NOREDUCE turns off partial-order
//! reduction, which cannot reduce a model with one process and would only
//! cost its bookkeeping, and keeps "states stored" exactly the distinct
//! states. The search is SPIN's default, depth-first, with exact state
//! storage (no bitstate hashing, no hash compaction, no COLLAPSE).
//! Run options: `-n` (no listing of unreached code) and `-wN`, a hash table
//! of 2^N slots, the smallest power of two at least the number of states
//! (pan's default, -w24, would allocate 128 MiB whatever the model).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::measure::{CommandLine, Counts, Reported};
use crate::promela;
use crate::tools::{find_program, first_line};

/// The compiler flags of pan.c.
pub const CC_FLAGS: [&str; 3] = ["-O2", "-DSAFETY", "-DNOREDUCE"];

/// The distinct states of TwoPhase for RMS = 1 to 9 (TLC's, specc's and
/// SPIN's counts; a test checks them against specc for RMS = 1 to 5), used
/// only to size pan's hash table.
const TWO_PHASE_STATES: [u64; 9] = [
    12, 56, 288, 1_568, 8_832, 50_816, 296_448, 1_745_408, 10_340_352,
];

/// SPIN and a C compiler, found on the `PATH`.
#[derive(Clone, Debug)]
pub struct Spin {
    pub spin: PathBuf,
    pub cc: PathBuf,
    /// `spin -V`'s first line.
    pub version: String,
}

/// Finds `spin` and `gcc` (or `cc`) on `path`; the error is the message
/// that says why SPIN is skipped.
pub fn locate(path: Option<&OsStr>) -> Result<Spin, String> {
    let spin = find_program("spin", path)
        .ok_or("no `spin` on PATH (Debian's spin package provides it)")?;
    let cc = find_program("gcc", path)
        .or_else(|| find_program("cc", path))
        .ok_or("no C compiler (`gcc` or `cc`) on PATH to build SPIN's pan.c")?;
    let version = first_line(&spin, &["-V"]).unwrap_or_else(|| "SPIN".to_string());
    Ok(Spin { spin, cc, version })
}

/// A compiled verifier: `pan` and how long `spin -a` and the compiler took.
#[derive(Clone, Debug)]
pub struct Verifier {
    pub pan: PathBuf,
    pub rms: u32,
    pub build_secs: f64,
}

/// Writes TwoPhase for `rms` into `dir` (which must exist) as
/// two_phase.pml and builds its verifier there.
pub fn build(spin: &Spin, dir: &Path, rms: u32) -> Result<Verifier, String> {
    let model = dir.join("two_phase.pml");
    std::fs::write(&model, promela::two_phase(rms))
        .map_err(|e| format!("cannot write {}: {e}", model.display()))?;
    let start = Instant::now();
    run_in(dir, Command::new(&spin.spin).args(["-a", "two_phase.pml"]))?;
    run_in(
        dir,
        Command::new(&spin.cc)
            .args(CC_FLAGS)
            .args(["-o", "pan", "pan.c"]),
    )?;
    Ok(Verifier {
        pan: dir.join("pan"),
        rms,
        build_secs: start.elapsed().as_secs_f64(),
    })
}

fn run_in(dir: &Path, command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let output = command
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{shown} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The hash-table size option of pan for TwoPhase with `rms` RMs.
pub fn hash_bits(rms: u32) -> u32 {
    let states = TWO_PHASE_STATES
        .get(rms.saturating_sub(1) as usize)
        .copied()
        .unwrap_or(1 << 26);
    states.next_power_of_two().trailing_zeros().max(10)
}

/// How the measurement runs a verifier.
pub fn pan_command(verifier: &Verifier) -> CommandLine {
    CommandLine {
        program: verifier.pan.clone(),
        args: vec!["-n".to_string(), format!("-w{}", hash_bits(verifier.rms))],
        env: Vec::new(),
        dir: verifier.pan.parent().map(Path::to_path_buf),
    }
}

/// Reads pan's report: states stored, transitions, errors, depth, elapsed
/// time and total memory. A report with errors, or of a search that did
/// not complete, is an error.
pub fn parse_pan(text: &str) -> Result<Counts, String> {
    if text.contains("Search not completed") {
        return Err("pan's search did not complete".to_string());
    }
    let errors = field_before(text, "errors:", |line| line.contains("depth reached"))
        .ok_or("no `errors:` in pan's report")?;
    if errors != 0.0 {
        return Err(format!("pan found {errors} errors"));
    }
    let stored =
        number_before(text, "states, stored").ok_or("no `states, stored` in pan's report")?;
    let transitions =
        number_before(text, "transitions").ok_or("no `transitions` in pan's report")?;
    let secs = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("pan: elapsed time "))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .ok_or("no `pan: elapsed time` in pan's report")?;
    let mib = number_before(text, "total actual memory usage")
        .ok_or("no `total actual memory usage` in pan's report")?;
    Ok(Counts {
        distinct: stored.round() as u64,
        // pan prints large counts in %g notation (1.235584e+08), so the
        // generated count may be rounded to seven digits.
        generated: transitions.round() as u64,
        depth: None,
        reported: Some(Reported { secs, mib }),
    })
}

/// The number that starts the first line containing `label` (pan writes
/// "   1745408 states, stored", "    69.876\ttotal actual memory usage").
fn number_before(text: &str, label: &str) -> Option<f64> {
    let line = text.lines().find(|line| line.contains(label))?;
    line.split_whitespace().next()?.parse().ok()
}

/// The number after `label` on the first line that `pick` accepts.
fn field_before(text: &str, label: &str, pick: impl Fn(&str) -> bool) -> Option<f64> {
    let line = text.lines().find(|line| pick(line))?;
    let rest = &line[line.find(label)? + label.len()..];
    rest.split_whitespace()
        .next()?
        .trim_end_matches(',')
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::{hash_bits, parse_pan};
    use crate::measure::{Counts, Reported};

    /// pan's report for TwoPhase with RMS=8, as SPIN 6.5.2 printed it here.
    const REPORT: &str = "
(Spin Version 6.5.2 -- 6 December 2019)

Full statespace search for:
\tnever claim         \t- (none specified)
\tassertion violations\t+
\tcycle checks       \t- (disabled by -DSAFETY)
\tinvalid end states\t+

State-vector 20 byte, depth reached 25, errors: 0
  1745408 states, stored
 16762370 states, matched
 18507778 transitions (= stored+matched)
        0 atomic steps
hash conflicts:    556932 (resolved)

Stats on memory usage (in Megabytes):
   66.582\tequivalent memory usage for states (stored*(State-vector + overhead))
   53.360\tactual memory usage for states
   16.000\tmemory used for hash table (-w21)
    0.534\tmemory used for DFS stack (-m10000)
   69.876\ttotal actual memory usage



pan: elapsed time 3.41 seconds
pan: rate 511849.85 states/second
";

    #[test]
    fn reads_pans_report() {
        assert_eq!(
            parse_pan(REPORT),
            Ok(Counts {
                distinct: 1_745_408,
                generated: 18_507_778,
                depth: None,
                reported: Some(Reported {
                    secs: 3.41,
                    mib: 69.876
                }),
            })
        );
        let big = REPORT.replace(" 18507778 transitions", "1.235584e+08 transitions");
        assert_eq!(parse_pan(&big).map(|c| c.generated), Ok(123_558_400));
    }

    #[test]
    fn rejects_reports_with_errors_or_an_incomplete_search() {
        let failed = REPORT.replace("errors: 0", "errors: 1");
        assert_eq!(parse_pan(&failed), Err("pan found 1 errors".to_string()));
        let cut = REPORT.replace(
            "(Spin Version",
            "Warning: Search not completed\n(Spin Version",
        );
        assert_eq!(
            parse_pan(&cut),
            Err("pan's search did not complete".to_string())
        );
        assert!(parse_pan("pan: something else").is_err());
    }

    #[test]
    fn sizes_the_hash_table_to_the_state_count() {
        assert_eq!(hash_bits(1), 10);
        assert_eq!(hash_bits(6), 16);
        assert_eq!(hash_bits(8), 21);
        assert_eq!(hash_bits(9), 24);
    }
}

#[cfg(test)]
mod agreement {
    use super::{TWO_PHASE_STATES, build, locate, pan_command, parse_pan};
    use crate::measure::{Model, specc_counts};
    use std::time::Duration;

    /// The table that sizes pan's hash table holds specc's counts.
    #[test]
    fn state_counts_for_the_hash_table_are_speccs() {
        for rms in 1..=5 {
            let specc = specc_counts(Model::TwoPhase { rms }, 1).expect("two_phase.spec checks");
            assert_eq!(
                specc.distinct,
                TWO_PHASE_STATES[rms as usize - 1],
                "RMS={rms}"
            );
        }
    }

    /// SPIN's "states stored" and transitions equal specc's distinct and
    /// generated counts for RMS = 3 to 5; skipped, saying so, where `spin`
    /// or a C compiler is absent.
    #[test]
    fn spin_stores_the_states_specc_finds() {
        let spin = match locate(std::env::var_os("PATH").as_deref()) {
            Ok(spin) => spin,
            Err(why) => {
                eprintln!("skipping the SPIN cross-check: {why}");
                return;
            }
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        // The three verifiers build in parallel: compiling pan.c is most
        // of this test's time.
        let built: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (3..=5)
                .map(|rms| {
                    let spin = &spin;
                    let dir = dir.path().join(format!("rms{rms}"));
                    scope.spawn(move || {
                        std::fs::create_dir_all(&dir).expect("creates");
                        build(spin, &dir, rms)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("builds"))
                .collect()
        });
        for (rms, verifier) in (3..=5).zip(built) {
            let verifier = verifier.expect("spin -a and the C compiler succeed");
            let line = pan_command(&verifier);
            let mut command = std::process::Command::new(&line.program);
            command
                .args(&line.args)
                .current_dir(line.dir.as_deref().expect("a directory"));
            let finished =
                crate::process::run_with_limit(command, Duration::from_secs(60)).expect("pan runs");
            assert!(finished.status.success(), "pan: {}", finished.status);
            let pan = parse_pan(&finished.stdout).expect("pan's report reads");
            let specc = specc_counts(Model::TwoPhase { rms }, 1).expect("two_phase.spec checks");
            assert_eq!(
                (pan.distinct, pan.generated),
                (specc.distinct, specc.generated),
                "RMS={rms}"
            );
        }
    }
}
