//! Hostile input: no panic, no stack overflow, linear time.
//!
//! Every test here runs on an ordinary test thread (2 MiB of stack) and
//! checks both the outcome and that it came quickly.

use std::time::{Duration, Instant};

use super::*;

/// How long one hostile input may take: a guard against hangs, generous
/// because the machine may be busy (tests have met a load of 13 on two
/// cores). Growth faster than linear is caught by [`scales_linearly`], which
/// compares times measured side by side.
const BUDGET: Duration = Duration::from_secs(60);

/// The big inputs (ten megabytes, a million terms) are a tenth of their
/// size in debug builds, where the parser is several times slower; run
/// `cargo test --release` for the full sizes.
const BIG: usize = if cfg!(debug_assertions) { 10 } else { 1 };

/// What a hostile input should come to.
enum Outcome {
    Parses,
    /// Rejected, with a message containing this text.
    Fails(&'static str),
}

/// Parses `source`, checking the outcome, that no diagnostic is empty, and
/// the time taken.
fn check_bounded(source: &str, expected: Outcome) {
    let start = Instant::now();
    let result = crate::parse(source);
    let took = start.elapsed();
    assert!(
        took < BUDGET,
        "took {took:?} for {} bytes starting {:?}",
        source.len(),
        &source[..source.len().min(60)]
    );
    match (expected, result) {
        (Outcome::Parses, Ok(_)) => {}
        (Outcome::Parses, Err(d)) => panic!(
            "expected success, got {}",
            crate::render("t.spec", source, &d[..1], false)
        ),
        (Outcome::Fails(text), Err(d)) => {
            assert!(!d.is_empty());
            assert!(
                d[0].message.contains(text),
                "expected {text:?}, got {:?}",
                d[0].message
            );
        }
        (Outcome::Fails(text), Ok(_)) => panic!("expected an error containing {text:?}"),
    }
}

const DEEP: usize = 100_000;

fn invariant(expr: &str) -> String {
    format!("protocol P\ninvariant I: {expr}\n")
}

const TOO_DEEP: &str = "nested too deeply";

#[test]
fn rejects_deep_parentheses_brackets_and_braces() {
    for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
        let expr = format!("{}x{}", open.repeat(DEEP), close.repeat(DEEP));
        check_bounded(&invariant(&expr), Outcome::Fails(TOO_DEEP));
        // Unclosed, the same.
        check_bounded(&invariant(&open.repeat(DEEP)), Outcome::Fails(TOO_DEEP));
    }
    let calls = format!("{}x{}", "f(".repeat(DEEP), ")".repeat(DEEP));
    check_bounded(&invariant(&calls), Outcome::Fails(TOO_DEEP));
    let records = format!("{}x{}", "{a: ".repeat(DEEP), "}".repeat(DEEP));
    check_bounded(&invariant(&records), Outcome::Fails(TOO_DEEP));
}

#[test]
fn points_at_the_bracket_that_crosses_the_limit() {
    let source = invariant(&format!("{}x{}", "(".repeat(300), ")".repeat(300)));
    let error = crate::parse(&source).unwrap_err();
    let first = source.find('(').unwrap();
    assert_eq!(
        error[0].primary.span.start as usize,
        first + crate::MAX_NESTING
    );
    assert_eq!(error[0].message, "nested too deeply: more than 256 levels");
}

#[test]
fn rejects_deep_prefix_operators() {
    check_bounded(
        &invariant(&format!("{}x", "not ".repeat(DEEP))),
        Outcome::Fails(TOO_DEEP),
    );
    check_bounded(
        &invariant(&format!("{}x", "- ".repeat(DEEP))),
        Outcome::Fails(TOO_DEEP),
    );
    check_bounded(
        &invariant(&format!("{}x", "-".repeat(DEEP))),
        Outcome::Fails(TOO_DEEP),
    );
}

#[test]
fn rejects_deep_keyword_expressions() {
    let ifs = format!("{}x{}", "if a then ".repeat(DEEP), " else b".repeat(DEEP));
    check_bounded(&invariant(&ifs), Outcome::Fails(TOO_DEEP));
    let elses = format!("{}x", "if a then b else ".repeat(DEEP));
    check_bounded(&invariant(&elses), Outcome::Fails(TOO_DEEP));
    let lets = format!("{}x", "let y = 1 in ".repeat(DEEP));
    check_bounded(&invariant(&lets), Outcome::Fails(TOO_DEEP));
    let foralls = format!("{}x", "forall x in S: ".repeat(DEEP));
    check_bounded(&invariant(&foralls), Outcome::Fails(TOO_DEEP));
    let mixed = format!("{}x", "exists x, y in S, z in T: sum w in U: ".repeat(DEEP));
    check_bounded(&invariant(&mixed), Outcome::Fails(TOO_DEEP));
}

#[test]
fn rejects_long_right_and_left_folded_chains() {
    check_bounded(
        &invariant(&vec!["a"; DEEP].join(" => ")),
        Outcome::Fails(TOO_DEEP),
    );
    check_bounded(
        &invariant(&vec!["a"; DEEP].join(" <=> ")),
        Outcome::Fails(TOO_DEEP),
    );
    check_bounded(
        &invariant(&vec!["1"; DEEP].join(" + ")),
        Outcome::Fails(TOO_DEEP),
    );
    check_bounded(
        &invariant(&format!("x{}", ".f".repeat(DEEP))),
        Outcome::Fails(TOO_DEEP),
    );
    check_bounded(
        &invariant(&format!("x{}", "[1]".repeat(DEEP))),
        Outcome::Fails(TOO_DEEP),
    );
}

#[test]
fn accepts_a_million_conjuncts_and_disjuncts() {
    let n = 1_000_000 / BIG;
    check_bounded(&invariant(&vec!["a"; n].join(" and ")), Outcome::Parses);
    check_bounded(&invariant(&vec!["x == 1"; n].join(" or ")), Outcome::Parses);
    let tree = crate::parse(&invariant(&vec!["a"; n].join(" and "))).unwrap();
    let Item::Invariant(inv) = &tree.items[0] else {
        panic!()
    };
    assert!(height(&inv.cond) <= 21, "height {}", height(&inv.cond));
}

#[test]
fn accepts_nesting_up_to_the_limit() {
    // The invariant's condition is one level, so 255 parentheses fit.
    let n = crate::MAX_NESTING - 1;
    let parens = format!("{}x{}", "(".repeat(n), ")".repeat(n));
    check_bounded(&invariant(&parens), Outcome::Parses);
    let lets = format!("{}x", "let y = 1 in ".repeat(n));
    check_bounded(&invariant(&lets), Outcome::Parses);
    let types = format!(
        "protocol P\ntype T = {}int{}\n",
        "set<".repeat(n),
        ">".repeat(n)
    );
    check_bounded(&types, Outcome::Parses);
    // A thousand conjuncts of quantified comparisons, as in a large invariant.
    let conjuncts = vec!["(forall r in RM: r.x <= 3)"; 1000].join(" and ");
    check_bounded(&invariant(&conjuncts), Outcome::Parses);
}

#[test]
fn rejects_deep_types_and_statements() {
    let sets = format!(
        "protocol P\ntype T = {}int{}",
        "set<".repeat(DEEP),
        ">".repeat(DEEP)
    );
    check_bounded(&sets, Outcome::Fails(TOO_DEEP));
    let tuples = format!(
        "protocol P\ntype T = {}int{}",
        "(".repeat(DEEP),
        ", int)".repeat(DEEP)
    );
    check_bounded(&tuples, Outcome::Fails(TOO_DEEP));
    let blocks = format!(
        "protocol P\non A step s {}skip{}",
        "{ if a ".repeat(DEEP),
        "}".repeat(DEEP + 1)
    );
    check_bounded(&blocks, Outcome::Fails(TOO_DEEP));
    let else_ifs = format!(
        "protocol P\non A step s {{ if a {{ skip }}{} }}",
        " else if a { skip }".repeat(DEEP)
    );
    check_bounded(&else_ifs, Outcome::Fails(TOO_DEEP));
    let chor = format!(
        "protocol P\nchoreography C {{ {}A -> B: M{} }}",
        "loop { ".repeat(DEEP),
        " }".repeat(DEEP)
    );
    check_bounded(&chor, Outcome::Fails(TOO_DEEP));
}

#[test]
fn accepts_long_flat_sequences() {
    // Many statements, many if statements, many lets: nesting does not grow.
    let body = "x := 1\n if a { x := 2 } else { skip }\n let y = 3\n".repeat(20_000);
    check_bounded(
        &format!("protocol P\non A step s {{ {body} }}"),
        Outcome::Parses,
    );
    let ifs = "if a { skip }\n".repeat(20_000);
    check_bounded(
        &format!("protocol P\non A step s {{ {ifs} }}"),
        Outcome::Parses,
    );
    let set = vec!["1"; 200_000].join(", ");
    check_bounded(&invariant(&format!("x in {{{set}}}")), Outcome::Parses);
}

#[test]
fn handles_empty_and_blank_files() {
    check_bounded("", Outcome::Fails("the file is empty"));
    check_bounded("   \n\t\r\n", Outcome::Fails("the file is empty"));
    check_bounded(
        "// nothing\n/* still nothing */",
        Outcome::Fails("the file is empty"),
    );
}

#[test]
fn handles_a_ten_megabyte_spec() {
    let mut source = String::from("protocol Big\n");
    let mut i = 0;
    while source.len() < (10 << 20) / BIG {
        source.push_str(&format!(
            "role R{i}[3] {{ var x: 0..3 = 0 }}\n\
             on R{i}[r] step s when x < 3 {{ x := x + 1; send M {{ v: x }} to r }}\n\
             invariant I{i}: forall r in R{i}: r.x <= 3 // bounded\n"
        ));
        i += 1;
    }
    check_bounded(&source, Outcome::Parses);
    // The same with an error at the very end.
    source.push_str("invariant Broken: (");
    check_bounded(&source, Outcome::Fails("expected an expression"));
    // And ten megabytes of one comment, of one string, of one line of junk.
    let comment = format!("protocol P\n/*{}*/", "x".repeat((10 << 20) / BIG));
    check_bounded(&comment, Outcome::Parses);
    let junk = format!("protocol P\n{}", "$".repeat((10 << 20) / BIG));
    check_bounded(&junk, Outcome::Fails("unexpected character `$`"));
}

#[test]
fn handles_unterminated_comments_and_strings() {
    check_bounded(
        "protocol P\n/* open",
        Outcome::Fails("unterminated block comment"),
    );
    let long = format!("protocol P\n/*{}", "x".repeat((10 << 20) / BIG));
    check_bounded(&long, Outcome::Fails("unterminated block comment"));
    check_bounded(
        "protocol P\non A step s { assert x, \"open }\n",
        Outcome::Fails("unterminated string"),
    );
    let strings = format!(
        "protocol P\non A step s {{ assert x, \"{}",
        "x".repeat(DEEP)
    );
    check_bounded(&strings, Outcome::Fails("unterminated string"));
    // Many `/*` inside a comment do not nest, and `*/` alone is an error.
    check_bounded(
        &format!("protocol P\n/*{}*/", "/* ".repeat(DEEP)),
        Outcome::Parses,
    );
    check_bounded("protocol P\n*/", Outcome::Fails("expected a declaration"));
}

#[test]
fn handles_deep_unbalanced_junk() {
    check_bounded(
        &invariant(&")".repeat(DEEP)),
        Outcome::Fails("expected an expression"),
    );
    check_bounded(&invariant(&"([{<".repeat(DEEP)), Outcome::Fails(TOO_DEEP));
    check_bounded(
        &"protocol P\n".repeat(DEEP),
        Outcome::Fails("expected a declaration"),
    );
}

/// The height of an expression tree, measured with an explicit stack.
fn height(e: &Expr) -> usize {
    let mut max = 0;
    let mut todo = vec![(e, 1)];
    while let Some((e, h)) = todo.pop() {
        max = max.max(h);
        match &e.kind {
            ExprKind::Binary(_, a, b) => {
                todo.push((a, h + 1));
                todo.push((b, h + 1));
            }
            ExprKind::Unary(_, a) => todo.push((a, h + 1)),
            _ => {}
        }
    }
    max
}

#[test]
fn rejects_misplaced_not_and_chained_comparisons_without_recursing() {
    check_bounded(
        &invariant(&vec!["a"; DEEP].join(" == ")),
        Outcome::Fails("comparisons do not chain"),
    );
    check_bounded(
        &invariant(&vec!["a"; DEEP].join(" .. ")),
        Outcome::Fails("ranges do not chain"),
    );
    check_bounded(
        &invariant(&vec!["a"; DEEP].join(" == not ")),
        Outcome::Fails("`not` needs parentheses"),
    );
}

#[test]
fn does_not_count_comparisons_with_names_like_types_as_nesting() {
    // `set < 3` looks like the start of `set<T>` to the scan.
    let source = format!(
        "protocol P\nrole A {{ var set: int = 0 }}\n{}",
        "invariant I: A.set < 3 and A.set > -1\ninvariant J: A.set < 3\n".repeat(1000)
    );
    check_bounded(&source, Outcome::Parses);
}

/// The best of three timings of parsing `source`.
fn best_time(source: &str) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let _ = crate::parse(source);
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Eight times the input takes well under 32 times as long (linear is 8,
/// quadratic 64), for valid specs, long chains and rejected nesting.
#[test]
fn scales_linearly() {
    let spec = |n: usize| {
        let mut source = String::from("protocol Big\n");
        for i in 0..n {
            source.push_str(&format!(
                "role R{i} {{ var x: 0..3 = 0 }}\n\
                 on R{i} step s when x < 3 {{ x := x + 1 }}\n\
                 invariant I{i}: R{i}.x <= 3 and not (R{i}.x < 0)\n"
            ));
        }
        source
    };
    let chain = |n: usize| invariant(&vec!["a.b[1]"; n].join(" and "));
    let deep = |n: usize| invariant(&format!("{}x", "not - ".repeat(n)));
    let comment = |n: usize| format!("protocol P\n/*{}", "x".repeat(n * 100));
    let shapes: [(&str, &dyn Fn(usize) -> String); 4] = [
        ("spec", &spec),
        ("chain", &chain),
        ("deep", &deep),
        ("comment", &comment),
    ];
    for (name, make) in shapes {
        let small = best_time(&make(500));
        let large = best_time(&make(4000));
        // Below a millisecond the ratio is noise.
        let small = small.max(Duration::from_millis(1));
        assert!(
            large < small * 32,
            "{name}: {large:?} for 8x the input of {small:?}"
        );
    }
}
