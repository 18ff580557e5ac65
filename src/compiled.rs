//! `specc check --compiled`: a checker compiled for the spec, as SPIN
//! compiles pan.c. The checker crate writes the source of a binary
//! specialised to the spec (`checker::kernel_crate`); this module writes it
//! into a cache directory, builds it with cargo (cargo rebuilds only what
//! changed, so a second run of the same spec builds nothing), runs it with
//! the spec's text and the configuration on its standard input, relays its
//! progress reports, and hands its result to the checker to conclude
//! (counterexamples are rebuilt by the interpreted engine here).
//!
//! The compiled checker depends on this source tree's `checker` crate, so
//! `--compiled` works where specc was built from source (as `cargo run`
//! or `cargo install --path` do), with cargo on the PATH.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use checker::{CheckConfig, CheckOutcome, KernelSummary};
use spec_lang::ParamOverride;

use crate::progress::ProgressLine;
use crate::spec_file::SpecFile;

/// Where specc's source tree was when this binary was built.
const SOURCE_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// Why a compiled check did not report.
pub enum CompiledError {
    /// Something went wrong (cargo, the cache, the compiled checker).
    Failed(String),
    /// The spec cannot be set up; the interpreted check says why.
    Interpret,
}

/// Builds (or finds built) the compiled checker of `file`'s spec and runs
/// it.
pub fn check(
    file: &SpecFile,
    params: &[ParamOverride],
    config: &CheckConfig,
    progress: &ProgressLine,
) -> Result<CheckOutcome, CompiledError> {
    let source = Path::new(SOURCE_DIR);
    let checker_dir = source.join("checker");
    if !checker_dir.join("Cargo.toml").is_file() {
        return Err(CompiledError::Failed(format!(
            "--compiled builds a checker against specc's `checker` crate, expected at `{}`, which is not there (specc was built from a source tree that has moved); run the check without --compiled",
            checker_dir.display()
        )));
    }
    let cache = cache_dir(source);
    let name = checker::kernel_crate_name(&[&file.spec]);
    let dir = cache.join("kernels").join(&name);
    let stamp = build_stamp(&name);
    let stamp_file = dir.join("specc-built");
    let summary_file = dir.join("specc-summary");
    let built = stamp
        .as_ref()
        .and_then(|stamp| built_binary(&stamp_file, stamp));
    let binary = match built {
        Some(binary) => {
            if let Ok(summary) = std::fs::read_to_string(&summary_file) {
                eprintln!("{}", summary.trim_end());
            }
            eprintln!(
                "note: using the compiled checker built before ({})",
                dir.display()
            );
            binary
        }
        None => {
            let krate =
                checker::kernel_crate(&[&file.spec], &checker_dir).map_err(|e| match e {
                    checker::KernelError::Spec(_) => CompiledError::Interpret,
                    checker::KernelError::Internal(message) => CompiledError::Failed(message),
                })?;
            let summary = krate
                .summaries
                .first()
                .map(summary_note)
                .unwrap_or_default();
            eprintln!("{summary}");
            write_crate(&dir, &krate.files, source).map_err(|e| {
                CompiledError::Failed(format!(
                    "cannot write the compiled checker to `{}`: {e}",
                    dir.display()
                ))
            })?;
            eprintln!(
                "note: building the compiled checker with cargo (the first build in a cache \
                 also compiles specc's checker crate, about a minute)"
            );
            let started = Instant::now();
            let binary = build(&dir, &cache.join("target"), &name)?;
            if let Some(stamp) = &stamp {
                // Without the stamp the next run generates and asks cargo
                // again.
                let _ = write_atomically(&summary_file, summary.as_bytes());
                let record = format!("{stamp}binary {}\n", binary.display());
                let _ = write_atomically(&stamp_file, record.as_bytes());
            }
            eprintln!(
                "note: compiled checker built in {:.1} s ({})",
                started.elapsed().as_secs_f64(),
                dir.display()
            );
            binary
        }
    };
    let request = checker::kernel::kernel_request(&file.source, params, config);
    let result = run(&binary, &request, progress).inspect_err(|_| {
        // A checker that failed or refused (built from other checker
        // sources, say) is built again next time.
        let _ = std::fs::remove_file(&stamp_file);
    })?;
    Ok(checker::kernel::finish_compiled(
        &file.spec, config, *result,
    ))
}

/// The binary a stamp file records, if the file records `stamp` and the
/// binary is there.
fn built_binary(stamp_file: &Path, stamp: &str) -> Option<PathBuf> {
    let record = std::fs::read_to_string(stamp_file).ok()?;
    let rest = record.strip_prefix(stamp)?;
    let binary = PathBuf::from(rest.strip_prefix("binary ")?.trim_end_matches('\n'));
    binary.is_file().then_some(binary)
}

/// What a built compiled checker was built from: the spec (its crate's
/// name is its IR's fingerprint) and this `specc` executable, by size and
/// modification time, since the generated source is a function of the two
/// (a rebuilt `specc` may generate other code, and carries the checker
/// crate the compiled one is built against). A binary whose stamp matches
/// is used without generating its source or asking cargo, which takes a
/// noticeable fraction of a second even when there is nothing to do.
/// `None` when the executable cannot be examined: then cargo always
/// decides.
fn build_stamp(name: &str) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{name}\nspecc {} {} {}\n",
        exe.display(),
        meta.len(),
        modified.as_nanos()
    ))
}

/// `$SPECC_CACHE_DIR`, or `target/specc-compiled` in specc's source tree.
fn cache_dir(source: &Path) -> PathBuf {
    match std::env::var_os("SPECC_CACHE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => source.join("target").join("specc-compiled"),
    }
}

fn summary_note(s: &KernelSummary) -> String {
    let mut note = format!(
        "note: compiled {} of {} steps and {} of {} predicates",
        s.steps_compiled, s.steps, s.predicates_compiled, s.predicates
    );
    if !s.interpreted.is_empty() {
        let names: Vec<String> = s
            .interpreted
            .iter()
            .map(|(name, why)| format!("{name} ({why})"))
            .collect();
        note.push_str("; interpreted: ");
        note.push_str(&names.join(", "));
    }
    note
}

/// Writes the crate's files, leaving files that did not change alone (so
/// cargo sees nothing new), each by a rename so that a concurrent build of
/// the same crate never reads half a file; the first time, with specc's
/// Cargo.lock, so that the compiled checker uses the versions specc was
/// built with (cargo trims it to what the crate uses).
fn write_crate(dir: &Path, files: &[(String, String)], source: &Path) -> std::io::Result<()> {
    for (path, text) in files {
        let path = dir.join(path);
        if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            continue;
        }
        write_atomically(&path, text.as_bytes())?;
    }
    let lock = dir.join("Cargo.lock");
    if !lock.exists()
        && let Ok(bytes) = std::fs::read(source.join("Cargo.lock"))
    {
        write_atomically(&lock, &bytes)?;
    }
    Ok(())
}

/// Writes a file through a temporary file beside it and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("a file without a directory"))?;
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `cargo build --release` of the crate in `dir`, into `target`; returns
/// the binary cargo says it built (where it lands depends on cargo's
/// configuration, a build target for one).
fn build(dir: &Path, target: &Path, name: &str) -> Result<PathBuf, CompiledError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .arg("build")
        .arg("--release")
        .arg("--quiet")
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            CompiledError::Failed(format!(
                "--compiled needs cargo to build the compiled checker, and `{}` could not be run: {e}",
                Path::new(&cargo).display()
            ))
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(CompiledError::Failed(format!(
            "building the compiled checker in `{}` failed ({}):\n{}",
            dir.display(),
            output.status,
            stderr.trim_end()
        )));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| {
            CompiledError::Failed(format!(
                "cargo built the compiled checker in `{}` but named no executable",
                dir.display()
            ))
        })
}

/// Runs the compiled checker on `request`, relaying its progress reports.
fn run(
    binary: &Path,
    request: &str,
    progress: &ProgressLine,
) -> Result<Box<checker::kernel::KernelResult>, CompiledError> {
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            CompiledError::Failed(format!(
                "cannot run the compiled checker `{}`: {e}",
                binary.display()
            ))
        })?;
    let written = match child.stdin.take() {
        Some(mut stdin) => stdin.write_all(request.as_bytes()),
        None => Err(std::io::Error::other("no standard input")),
    };
    let mut result = None;
    let mut refused = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match checker::kernel::parse_kernel_line(&line) {
                Ok(checker::kernel::KernelMessage::Progress(p)) => progress.update(&p),
                Ok(checker::kernel::KernelMessage::Done(r)) => result = Some(r),
                Err(message) => refused = Some(message),
            }
        }
    }
    let status = child.wait();
    if let Some(r) = result {
        return Ok(r);
    }
    let why = match (refused, written, status) {
        (Some(message), _, _) => message,
        (None, Err(e), _) => format!("cannot send it the request: {e}"),
        (None, Ok(()), Ok(status)) => format!("it stopped without a result ({status})"),
        (None, Ok(()), Err(e)) => format!("cannot wait for it: {e}"),
    };
    Err(CompiledError::Failed(format!(
        "the compiled checker failed: {why}"
    )))
}
