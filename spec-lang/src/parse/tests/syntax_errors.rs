//! Syntax errors, rendered as the user sees them, with the input beside
//! the output in each snapshot.

use super::*;

/// Snapshots the rendered error for `source` under `name`.
fn check_error(name: &str, source: &str) {
    let rendered = parse_err(source);
    let numbered: String = source
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{:>3} | {line}\n", i + 1))
        .collect();
    insta::assert_snapshot!(name, format!("{numbered}\n{rendered}"));
}

#[test]
fn empty_file() {
    check_error("empty_file", "");
    check_error("only_comments", "// a spec\n/* to come */\n");
}

#[test]
fn missing_protocol_header() {
    check_error("missing_header", "role TM { var x: bool = true }\n");
}

#[test]
fn missing_protocol_name() {
    check_error("missing_protocol_name", "protocol\nrole TM {}\n");
}

#[test]
fn stray_character() {
    check_error(
        "stray_character",
        "protocol P\nrole TM { var x: int = 1 $ }\n",
    );
    check_error("stray_unicode", "protocol P\ninvariant I: x ≤ 3\n");
}

#[test]
fn unterminated_block_comment() {
    check_error("unterminated_comment", "protocol P\n/* TODO\nrole TM {}\n");
}

#[test]
fn unterminated_string() {
    check_error(
        "unterminated_string",
        "protocol P\non TM step s {\n  assert x > 0, \"x must be positive\n}\n",
    );
}

#[test]
fn unknown_declaration() {
    check_error("unknown_declaration", "protocol P\nstate x: int = 0\n");
}

#[test]
fn reserved_word_as_name() {
    check_error(
        "reserved_word_as_name",
        "protocol P\nrole TM { var in: bool = true }\n",
    );
}

#[test]
fn missing_type() {
    check_error("missing_type", "protocol P\nrole TM { var x: = 3 }\n");
}

#[test]
fn assignment_in_declaration() {
    check_error("walrus_in_var", "protocol P\nrole TM { var x: int := 3 }\n");
}

#[test]
fn equals_instead_of_assignment() {
    check_error("equals_in_step", "protocol P\non TM step s { x = 1 }\n");
}

#[test]
fn missing_operand() {
    check_error("missing_operand", "protocol P\ninvariant I: x + \n");
    check_error("operator_for_operand", "protocol P\ninvariant I: x + * 3\n");
}

#[test]
fn unclosed_brackets() {
    check_error(
        "unclosed_paren",
        "protocol P\non TM step s { x := (1 + 2 }\n",
    );
    check_error("unclosed_set", "protocol P\ninvariant I: x in {1, 2\n");
    check_error(
        "unclosed_block",
        "protocol P\non TM step s when ready {\n  x := 1\n",
    );
}

#[test]
fn two_operands_in_a_row() {
    check_error("two_operands", "protocol P\non TM step s { x := 1 2 }\n");
}

#[test]
fn chained_comparison() {
    check_error(
        "chained_comparison",
        "protocol P\ninvariant I: 0 <= x <= 3\n",
    );
}

#[test]
fn not_after_comparison() {
    check_error(
        "not_after_comparison",
        "protocol P\ninvariant I: a == not b\n",
    );
}

#[test]
fn set_filter_without_binder() {
    check_error(
        "set_filter_without_binder",
        "protocol P\ninvariant I: {x + 1 where x > 2} == {}\n",
    );
}

#[test]
fn integer_too_large() {
    check_error(
        "integer_too_large",
        "protocol P\nparam N: int = 99999999999999999999\n",
    );
}

#[test]
fn missing_trigger() {
    check_error("missing_trigger", "protocol P\non TM commit { skip }\n");
    check_error("missing_step_name", "protocol P\non TM step { skip }\n");
}

#[test]
fn missing_field_separator() {
    check_error(
        "missing_field_comma",
        "protocol P\nmessage M { a: int b: int }\n",
    );
}

#[test]
fn bad_network_and_fault() {
    check_error("bad_network_kind", "protocol P\nnetwork reliable\n");
    check_error("bad_fault_kind", "protocol P\nfault byzantine max 1\n");
}

#[test]
fn incomplete_if_expression() {
    check_error("if_without_else", "protocol P\ninvariant I: if a then b\n");
}

#[test]
fn quantifier_without_colon() {
    check_error(
        "quantifier_without_colon",
        "protocol P\ninvariant I: forall r in RM r.ok\n",
    );
}

#[test]
fn bad_property_and_fairness() {
    check_error("property_without_formula", "protocol P\nproperty Q:\n");
    check_error("fairness_without_target", "protocol P\nfair TM.\n");
}

#[test]
fn bad_choreography() {
    check_error(
        "choreography_missing_colon",
        "protocol P\nchoreography C {\n  TM -> RM Prepare\n}\n",
    );
}

#[test]
fn too_deep() {
    // One bracket or operator per line, so that the excerpt is short enough
    // to show.
    let parens = format!("{}x{}", "(\n".repeat(300), ")".repeat(300));
    check_error("too_deep", &format!("protocol P\ninvariant I:\n{parens}\n"));
    let sum = vec!["x"; 300].join(" +\n");
    check_error(
        "too_long_sum",
        &format!("protocol P\ninvariant I:\n{sum} > 0\n"),
    );
}

/// Every `specs/errors/syntax_*.spec` whose first line promises a message
/// (the text in quotes after "should say") fails to parse with it.
#[test]
fn error_specs_say_what_their_comment_promises() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/errors");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("syntax_") && name.ends_with(".spec")) {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let first = source.lines().next().unwrap_or_default();
        assert!(first.starts_with("// "), "{name}: no comment line");
        let Some(promise) = first
            .split("should say \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            // Written to another convention; the snapshot harness of
            // specs/errors covers it.
            continue;
        };
        let errors = crate::parse(&source).expect_err(&name);
        assert!(
            errors[0].message.contains(promise),
            "{name}: expected {promise:?}, got {:?}",
            errors[0].message
        );
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} syntax error specs");
}
