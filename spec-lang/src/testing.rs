//! Helpers shared by the front end's unit tests.

use crate::{Compiled, ParamOverride, compile, ir, render};

/// Compiles a spec that must have no errors.
pub fn check_ok(source: &str) -> ir::Spec {
    compile_ok(source).spec
}

/// Compiles a spec that must have no errors, keeping the warnings.
pub fn compile_ok(source: &str) -> Compiled {
    match compile(source, &[]) {
        Ok(compiled) => compiled,
        Err(errors) => panic!(
            "expected the spec to compile, got:\n{}",
            render("test.spec", source, &errors, false)
        ),
    }
}

/// Compiles a spec that must fail and renders its errors as a user sees them.
pub fn check_error(source: &str) -> String {
    check_error_with(source, &[])
}

/// Like [`check_error`], with `--param NAME=VALUE` overrides.
pub fn check_error_with(source: &str, params: &[(&str, &str)]) -> String {
    let overrides: Vec<ParamOverride> = params
        .iter()
        .map(|(name, value)| ParamOverride {
            name: (*name).to_string(),
            value: (*value).to_string(),
        })
        .collect();
    match compile(source, &overrides) {
        Ok(_) => panic!("expected errors, but the spec compiled:\n{source}"),
        Err(errors) => render("test.spec", source, &errors, false),
    }
}

/// Renders the warnings of a spec that compiles.
pub fn check_warnings(source: &str) -> String {
    let compiled = compile_ok(source);
    render("test.spec", source, &compiled.warnings, false)
}

/// Snapshots what a user sees, with the input spec beside it.
#[macro_export]
macro_rules! assert_user_sees {
    ($source:expr, $output:expr) => {
        insta::with_settings!({ description => $source, omit_expression => true }, {
            insta::assert_snapshot!($output);
        })
    };
}
