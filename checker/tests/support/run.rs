//! Running checks in tests.
#![allow(dead_code)]

use checker::{CheckConfig, CheckOutcome, Verdict, check};
use spec_lang::ir::Spec;

pub fn config(workers: usize) -> CheckConfig {
    CheckConfig {
        workers,
        symmetry: true,
        max_states: None,
        max_depth: None,
        memory_limit: None,
        spill: None,
        check_deadlock: false,
        por: false,
    }
}

pub fn run(spec: &Spec, config: &CheckConfig) -> CheckOutcome {
    check(spec, config, &|_| {})
}

/// (distinct, generated, depth) of a check that must succeed.
pub fn counts_ok(spec: &Spec, config: &CheckConfig) -> (u64, u64, u32) {
    let out = run(spec, config);
    assert_eq!(
        out.result,
        Verdict::Ok,
        "{:?} {:?}",
        out.error,
        out.violations.first().map(|v| &v.property)
    );
    (out.stats.distinct, out.stats.generated, out.stats.depth)
}

/// The JSON summary without the fields that depend on timing or on the
/// number of workers.
pub fn stable_json(spec: &Spec, out: &CheckOutcome) -> String {
    let mut v = checker::json_summary(spec, out);
    if let Some(obj) = v.as_object_mut() {
        for key in [
            "elapsed_ms",
            "states_per_sec",
            "peak_memory_bytes",
            "workers",
        ] {
            obj.remove(key);
        }
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// Compiles `specs/<path>` of the protocol library with its defaults.
pub fn library_spec(path: &str) -> Spec {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(path);
    let source = std::fs::read_to_string(&full).expect("the library specs are in the repository");
    match spec_lang::compile(&source, &[]) {
        Ok(compiled) => compiled.spec,
        Err(diagnostics) => panic!("{}", spec_lang::render(path, &source, &diagnostics, false)),
    }
}
