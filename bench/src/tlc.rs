//! TLC as a peer: bench/models/TwoPhase.tla with a configuration written
//! for each RMS, run as
//! `java -XX:+UseParallelGC -cp $TLA2TOOLS_JAR tlc2.TLC -workers 1 ...`
//! when the environment variable names tla2tools.jar and `java` is on the
//! `PATH`; skipped with a message otherwise.
//!
//! The options, as TLC's own usage text (tlc2/TLC.java) describes them:
//! `-workers 1`, one worker thread; `-config FILE`, the model's
//! configuration; `-metadir DIR`, where TLC keeps its states directory (the
//! bench's temporary directory instead of beside the spec). Deadlock
//! checking stays on, as in specc (TwoPhase has no deadlock: a decision,
//! once sent, can always be received again). `-XX:+UseParallelGC` is the
//! garbage collector TLC asks for (it warns under any other).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::measure::{CommandLine, Counts};
use crate::tools::find_program;

/// The environment variable that names tla2tools.jar.
pub const JAR_VARIABLE: &str = "TLA2TOOLS_JAR";

/// The TLA+ module, the same for every RMS.
pub const MODULE: &str = include_str!("../models/TwoPhase.tla");

/// Java and tla2tools.jar.
#[derive(Clone, Debug)]
pub struct Tlc {
    pub java: PathBuf,
    pub jar: PathBuf,
}

/// Finds tla2tools.jar from the value of [`JAR_VARIABLE`] and `java` on
/// `path`; the error is the message that says why TLC is skipped.
pub fn locate(jar: Option<&OsStr>, path: Option<&OsStr>) -> Result<Tlc, String> {
    let jar = match jar {
        Some(value) if !value.is_empty() => PathBuf::from(value),
        _ => {
            return Err(format!(
                "{JAR_VARIABLE} is not set (point it to tla2tools.jar to measure TLC)"
            ));
        }
    };
    if !jar.is_file() {
        return Err(format!(
            "{JAR_VARIABLE}={} is not a file (it should name tla2tools.jar)",
            jar.display()
        ));
    }
    let java = find_program("java", path).ok_or("no `java` on PATH to run TLC")?;
    Ok(Tlc { java, jar })
}

/// The model configuration for `rms` resource managers, named by model
/// values `rm1` to `rmN`.
pub fn config(rms: u32) -> String {
    let rms: Vec<String> = (1..=rms).map(|i| format!("rm{i}")).collect();
    format!(
        "\\* TwoPhase with RMS = {}, written by specc-bench (bench/src/tlc.rs).\n\
         CONSTANT RM = {{{}}}\n\
         INIT TPInit\n\
         NEXT TPNext\n\
         INVARIANT TPTypeOK TCConsistent\n",
        rms.len(),
        rms.join(", ")
    )
}

/// Writes TwoPhase.tla and TwoPhase.cfg for `rms` into `dir`, which must
/// exist.
pub fn write_model(dir: &Path, rms: u32) -> Result<(), String> {
    for (name, text) in [
        ("TwoPhase.tla", MODULE.to_string()),
        ("TwoPhase.cfg", config(rms)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The TLC command line for the model written in `dir`.
pub fn command(tlc: &Tlc, dir: &Path, workers: usize) -> CommandLine {
    let file = |name: &str| dir.join(name).display().to_string();
    CommandLine {
        program: tlc.java.clone(),
        args: vec![
            "-XX:+UseParallelGC".to_string(),
            "-cp".to_string(),
            tlc.jar.display().to_string(),
            "tlc2.TLC".to_string(),
            "-workers".to_string(),
            workers.to_string(),
            "-config".to_string(),
            file("TwoPhase.cfg"),
            "-metadir".to_string(),
            file("states"),
            file("TwoPhase.tla"),
        ],
        env: Vec::new(),
        dir: Some(dir.to_path_buf()),
    }
}

/// Reads TLC's closing lines: "Model checking completed. No error has been
/// found.", "N states generated, M distinct states found, 0 states left on
/// queue." and "The depth of the complete state graph search is D." (TLC
/// writes the counts with or without thousands separators, by version.)
pub fn parse_output(text: &str) -> Result<Counts, String> {
    if !text.contains("Model checking completed. No error has been found.") {
        return Err("TLC did not report \"No error has been found\"".to_string());
    }
    let line = text
        .lines()
        .find(|line| line.contains("distinct states found"))
        .ok_or("no \"distinct states found\" in TLC's output")?;
    // The count is the word before its label, without separators.
    let number = |label: &str| -> Option<u64> {
        let before = line[..line.find(label)?].trim_end();
        before.rsplit(' ').next()?.replace(',', "").parse().ok()
    };
    let generated = number(" states generated").ok_or("no generated count in TLC's output")?;
    let distinct = number(" distinct states found").ok_or("no distinct count in TLC's output")?;
    let left = number(" states left on queue").ok_or("no queue count in TLC's output")?;
    if left != 0 {
        return Err(format!("TLC left {left} states on the queue"));
    }
    let depth = text
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("The depth of the complete state graph search is ")
        })
        .and_then(|rest| rest.trim_end_matches('.').replace(',', "").parse().ok());
    Ok(Counts {
        distinct,
        generated,
        depth,
        reported: None,
    })
}

#[cfg(test)]
mod tests {
    use super::{JAR_VARIABLE, command, config, locate, parse_output};
    use crate::measure::Counts;
    use std::ffi::OsStr;
    use std::path::Path;

    #[test]
    fn skips_tlc_without_a_jar_or_without_java() {
        let empty = std::env::join_paths(Vec::<&Path>::new()).expect("a PATH");
        assert_eq!(
            locate(None, Some(&empty)).map(|_| ()),
            Err(format!(
                "{JAR_VARIABLE} is not set (point it to tla2tools.jar to measure TLC)"
            ))
        );
        assert!(locate(Some(OsStr::new("")), Some(&empty)).is_err());
        assert_eq!(
            locate(Some(OsStr::new("/nonexistent/tla2tools.jar")), Some(&empty)).map(|_| ()),
            Err(format!(
                "{JAR_VARIABLE}=/nonexistent/tla2tools.jar is not a file (it should name \
                 tla2tools.jar)"
            ))
        );
        let dir = tempfile::tempdir().expect("a temporary directory");
        let jar = dir.path().join("tla2tools.jar");
        std::fs::write(&jar, "").expect("writes");
        assert_eq!(
            locate(Some(jar.as_os_str()), Some(&empty)).map(|_| ()),
            Err("no `java` on PATH to run TLC".to_string())
        );
    }

    #[test]
    fn writes_the_configuration_for_each_rms() {
        assert_eq!(
            config(3),
            "\\* TwoPhase with RMS = 3, written by specc-bench (bench/src/tlc.rs).\n\
             CONSTANT RM = {rm1, rm2, rm3}\n\
             INIT TPInit\n\
             NEXT TPNext\n\
             INVARIANT TPTypeOK TCConsistent\n"
        );
    }

    #[test]
    fn runs_tlc_with_one_worker_and_the_written_config() {
        let tlc = super::Tlc {
            java: "/usr/bin/java".into(),
            jar: "/opt/tla2tools.jar".into(),
        };
        let line = command(&tlc, Path::new("/tmp/tlc-rms8"), 1);
        assert_eq!(
            line.display(),
            "/usr/bin/java -XX:+UseParallelGC -cp /opt/tla2tools.jar tlc2.TLC -workers 1 \
             -config /tmp/tlc-rms8/TwoPhase.cfg -metadir /tmp/tlc-rms8/states \
             /tmp/tlc-rms8/TwoPhase.tla"
        );
        assert_eq!(line.dir.as_deref(), Some(Path::new("/tmp/tlc-rms8")));
    }

    /// TLC's closing lines for TwoPhase with three RMs (the counts of
    /// two_phase.spec's header), in the form TLC prints them.
    const OUTPUT: &str = "\
TLC2 Version 2.18
Running breadth-first search Model-Checking with fp 1 and seed 42 with 1 worker on 2 cores
Starting... (2026-11-23 09:00:00)
Computing initial states...
Finished computing initial states: 1 distinct state generated at 2026-11-23 09:00:00.
Model checking completed. No error has been found.
  Estimates of the probability that TLC did not check all reachable states
  because two distinct states had the same fingerprint:
  calculated (optimistic):  val = 2.4E-14
1146 states generated, 288 distinct states found, 0 states left on queue.
The depth of the complete state graph search is 11.
Finished in 00s at (2026-11-23 09:00:01)
";

    #[test]
    fn reads_tlcs_closing_lines() {
        let expected = Counts {
            distinct: 288,
            generated: 1146,
            depth: Some(11),
            reported: None,
        };
        assert_eq!(parse_output(OUTPUT), Ok(expected));
        let separated = OUTPUT.replace(
            "1146 states generated, 288",
            "18,507,778 states generated, 1,745,408",
        );
        assert_eq!(
            parse_output(&separated).map(|c| (c.generated, c.distinct)),
            Ok((18_507_778, 1_745_408))
        );
        let violated = OUTPUT.replace(
            "Model checking completed. No error has been found.",
            "Error: Invariant TCConsistent is violated.",
        );
        assert!(parse_output(&violated).is_err());
        let partial = OUTPUT.replace("0 states left", "7 states left");
        assert_eq!(
            parse_output(&partial),
            Err("TLC left 7 states on the queue".to_string())
        );
    }
}
