//! Projection: what each role's steps look like, and what is refused.

use crate::assert_user_sees;
use crate::testing::{check_error, check_ok};

/// What a user sees when a choreography cannot be projected.
fn refused(source: &str) -> String {
    check_error(source)
}

/// The projected steps of a choreography, as `specc project` prints them.
fn projected(source: &str) -> String {
    let spec = check_ok(source);
    spec.projection_text(&|span| {
        let (line, column) = crate::line_column(source, span.start);
        format!("{line}:{column}")
    })
}

#[test]
fn projects_two_phase_commit_into_steps_with_program_counters() {
    let source = include_str!("../../../specs/2pc_chor.spec");
    assert_user_sees!(source, projected(source));
}
