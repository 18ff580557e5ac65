//! The checker on the spec library: compiled from text by the front end.

#[path = "support/run.rs"]
mod run;

use checker::{Verdict, itf_trace, text_report};
use run::{config, counts_ok, run};
use spec_lang::ParamOverride;
use spec_lang::ir::Spec;

/// Compiles a spec of the library (a path under specs/) with parameter
/// overrides.
fn compile(path: &str, params: &[(&str, &str)]) -> (Spec, String) {
    let full = format!("{}/../specs/{path}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    let overrides: Vec<ParamOverride> = params
        .iter()
        .map(|(name, value)| ParamOverride {
            name: name.to_string(),
            value: value.to_string(),
        })
        .collect();
    match spec_lang::compile(&source, &overrides) {
        Ok(c) => (c.spec, source),
        Err(d) => panic!("{path} does not compile: {d:?}"),
    }
}

#[test]
fn two_phase_spec_matches_tlc_for_one_to_five_rms() {
    // The same numbers as the hand-built IR and the reference search in
    // two_phase.rs; RMS = 3 is TLC's 288 / 1,146 / 11.
    let pinned = [
        ("1", (12, 20, 5)),
        ("2", (56, 154, 8)),
        ("3", (288, 1146, 11)),
        ("4", (1568, 8258, 14)),
        ("5", (8832, 58146, 17)),
    ];
    for (rms, expected) in pinned {
        let (spec, _) = compile("classic/two_phase.spec", &[("RMS", rms)]);
        assert_eq!(counts_ok(&spec, &config(2)), expected, "RMS = {rms}");
    }
}

/// Checks a bug variant and snapshots its report and ITF trace.
fn check_bug(path: &str) {
    let (spec, source) = compile(path, &[]);
    let out = run(&spec, &config(2));
    assert_eq!(out.result, Verdict::Violation, "{path}");
    let report: String = text_report(&spec, &out)
        .lines()
        .filter(|l| !l.contains(" states/s"))
        .collect::<Vec<_>>()
        .join("\n");
    let itf = itf_trace(&spec, &out.violations[0].trace, &out.violations[0].property);
    let name = path.replace(['/', '.'], "_");
    insta::with_settings!({ description => source, snapshot_suffix => name }, {
        insta::assert_snapshot!("report", report);
        insta::assert_snapshot!("itf", serde_json::to_string_pretty(&itf).unwrap_or_default());
    });
}

#[test]
fn bug_variants_have_snapshotted_counterexamples() {
    let dir = format!("{}/../specs/bugs", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    assert!(!files.is_empty());
    for f in files.iter().filter(|f| f.ends_with(".spec")) {
        check_bug(&format!("bugs/{f}"));
    }
}
