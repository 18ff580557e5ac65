//! The spec corpus as a test suite: every spec under specs/ compiles, and
//! every spec under specs/errors/ fails with the diagnostics in its snapshot.
//!
//! An error spec's first line is a `// ` comment saying what is wrong; a
//! second line `// params: NAME=VALUE ...` gives parameter overrides.

use std::path::{Path, PathBuf};

use spec_lang::ParamOverride;

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

/// Every `.spec` file below `dir`, sorted, as paths relative to specs/.
fn spec_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("specs/ is part of the repository") {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "spec") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn overrides(source: &str) -> Vec<ParamOverride> {
    let Some(line) = source
        .lines()
        .take(3)
        .find_map(|l| l.strip_prefix("// params:"))
    else {
        return Vec::new();
    };
    line.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| ParamOverride {
            name: name.into(),
            value: value.into(),
        })
        .collect()
}

fn relative(path: &Path) -> String {
    path.strip_prefix(specs_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_library_spec_compiles_without_errors() {
    let mut failures = String::new();
    for path in spec_files(&specs_dir()) {
        let name = relative(&path);
        if name.starts_with("errors/") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("spec files are UTF-8");
        if let Err(diagnostics) = spec_lang::compile(&source, &[]) {
            failures.push_str(&spec_lang::render(&name, &source, &diagnostics, false));
        }
    }
    assert!(
        failures.is_empty(),
        "library specs failed to compile:\n{failures}"
    );
}

#[test]
fn every_error_spec_reports_its_diagnostics() {
    let files = spec_files(&specs_dir().join("errors"));
    assert!(
        files.len() >= 30,
        "the error corpus has only {} specs",
        files.len()
    );
    for path in files {
        let name = relative(&path);
        let bytes = std::fs::read(&path).expect("error specs are readable");
        let rendered = match spec_lang::source_text(&bytes) {
            Err(diagnostic) => spec_lang::render(&name, "", &[diagnostic], false),
            Ok(source) => match spec_lang::compile(source, &overrides(source)) {
                Ok(_) => panic!("{name} compiled, but it is in specs/errors/"),
                Err(diagnostics) => spec_lang::render(&name, source, &diagnostics, false),
            },
        };
        let source = String::from_utf8_lossy(&bytes);
        let snapshot_name = name.trim_end_matches(".spec").replace('/', "__");
        insta::with_settings!({ description => source.to_string(), omit_expression => true }, {
            insta::assert_snapshot!(snapshot_name, rendered);
        });
    }
}
