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

#[test]
fn liveness_verdicts_and_lassos_are_identical_for_any_number_of_workers() {
    for path in [
        "2pc.spec",
        "bugs/2pc_unfair.spec",
        "bugs/weak_fairness_blink.spec",
        "lang/strong_fairness.spec",
        "lang/properties.spec",
    ] {
        let (spec, _) = compile(path, &[]);
        let results: Vec<String> = [1, 2, 4]
            .iter()
            .map(|&w| {
                let out = run(&spec, &config(w));
                let lassos: Vec<_> = out
                    .violations
                    .iter()
                    .map(|v| (&v.property, &v.trace.states, v.trace.loop_at))
                    .collect();
                format!(
                    "{:?} {:?} {:?} {lassos:?}",
                    out.result, out.stats.distinct, out.stats.liveness
                )
            })
            .collect();
        assert_eq!(results[0], results[1], "{path}: 1 vs 2 workers");
        assert_eq!(results[0], results[2], "{path}: 1 vs 4 workers");
    }
}

#[test]
fn two_phase_commit_decides_only_under_fairness() {
    let (spec, _) = compile("2pc.spec", &[]);
    assert_eq!(run(&spec, &config(2)).result, Verdict::Ok);
    let (unfair, _) = compile("bugs/2pc_unfair.spec", &[]);
    let out = run(&unfair, &config(2));
    assert_eq!(out.result, Verdict::Violation);
    let v = &out.violations[0];
    assert_eq!(v.property, "Decided");
    // The coordinator never acts: the run stutters in the initial state.
    assert_eq!(v.trace.states.len(), 1);
    assert_eq!(v.trace.loop_at, Some(0));
}

#[test]
fn only_strong_fairness_makes_an_intermittent_step_happen() {
    let (strong, _) = compile("lang/strong_fairness.spec", &[]);
    assert_eq!(run(&strong, &config(2)).result, Verdict::Ok);
    let (weak, _) = compile("bugs/weak_fairness_blink.spec", &[]);
    let out = run(&weak, &config(2));
    let violated: Vec<&str> = out.violations.iter().map(|v| v.property.as_str()).collect();
    assert_eq!(violated, ["Noticed", "NoticedForGood", "LitLeadsToNoticed"]);
    for v in &out.violations {
        let k = v.trace.loop_at.expect("a lasso");
        let last = v.trace.states.len() - 1;
        assert!(k < last, "{}: a real cycle, not stuttering", v.property);
        assert_eq!(v.trace.states[k].state, v.trace.states[last].state);
    }
}
