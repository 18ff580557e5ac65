//! Tests of the parser: every construct, syntax-error diagnostics, and
//! hostile input.

mod constructs;
mod hostile;
mod random;
mod syntax_errors;

use crate::ast::*;

/// Parses a whole spec, failing the test with rendered diagnostics.
fn parse_ok(source: &str) -> SpecFile {
    match super::parse(source) {
        Ok(file) => file,
        Err(diagnostics) => panic!(
            "expected the spec to parse:\n{}",
            crate::render("test.spec", source, &diagnostics, false)
        ),
    }
}

/// Parses a spec that must fail, returning its rendered diagnostics.
fn parse_err(source: &str) -> String {
    match super::parse(source) {
        Ok(_) => panic!("expected a syntax error for:\n{source}"),
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty());
            crate::render("test.spec", source, &diagnostics, false)
        }
    }
}

/// An S-expression for an expression: `(+ 1 (* 2 3))`. Written for these
/// tests, so that precedence and associativity read at a glance.
fn sexp(e: &Expr) -> String {
    let list = |head: &str, parts: Vec<String>| {
        if parts.is_empty() {
            format!("({head})")
        } else {
            format!("({head} {})", parts.join(" "))
        }
    };
    let all = |es: &[Expr]| es.iter().map(sexp).collect::<Vec<_>>();
    let binder = |b: &Binder| {
        let names: Vec<_> = b.names.iter().map(|n| n.name.clone()).collect();
        format!("({} in {})", names.join(" "), sexp(&b.set))
    };
    let fields = |fs: &[FieldInit]| {
        fs.iter()
            .map(|f| format!("({} {})", f.name, sexp(&f.value)))
            .collect::<Vec<_>>()
    };
    let entries = |es: &[(Expr, Expr)]| {
        es.iter()
            .map(|(k, v)| format!("({} -> {})", sexp(k), sexp(v)))
            .collect::<Vec<_>>()
    };
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Unary(UnaryOp::Not, x) => list("not", vec![sexp(x)]),
        ExprKind::Unary(UnaryOp::Neg, x) => list("neg", vec![sexp(x)]),
        ExprKind::Binary(op, a, b) => list(op.symbol(), vec![sexp(a), sexp(b)]),
        ExprKind::Field(x, f) => list(".", vec![sexp(x), f.name.clone()]),
        ExprKind::TupleIndex(x, i, _) => list(".", vec![sexp(x), i.to_string()]),
        ExprKind::Index(x, i) => list("index", vec![sexp(x), sexp(i)]),
        ExprKind::Call(f, args) => list(&format!("call {}", f.name), all(args)),
        ExprKind::SetLit(es) => list("set", all(es)),
        ExprKind::SeqLit(es) => list("seq", all(es)),
        ExprKind::MapLit(es) => list("map", entries(es)),
        ExprKind::RecordLit(fs) => list("record", fields(fs)),
        ExprKind::TupleLit(es) => list("tuple", all(es)),
        ExprKind::Range(a, b) => list("..", vec![sexp(a), sexp(b)]),
        ExprKind::SetFilter { binder: b, cond } => list("filter", vec![binder(b), sexp(cond)]),
        ExprKind::SetMap {
            elem,
            binders,
            cond,
        } => {
            let mut parts = vec![sexp(elem)];
            parts.extend(binders.iter().map(binder));
            if let Some(c) = cond {
                parts.push(format!("(where {})", sexp(c)));
            }
            list("setmap", parts)
        }
        ExprKind::MapComp { binder: b, value } => list("mapcomp", vec![binder(b), sexp(value)]),
        ExprKind::Quant {
            quantifier,
            binders,
            body,
        } => {
            let head = match quantifier {
                Quantifier::Forall => "forall",
                Quantifier::Exists => "exists",
                Quantifier::Sum => "sum",
            };
            let mut parts: Vec<_> = binders.iter().map(binder).collect();
            parts.push(sexp(body));
            list(head, parts)
        }
        ExprKind::If(c, a, b) => list("if", vec![sexp(c), sexp(a), sexp(b)]),
        ExprKind::Let(n, v, b) => list(&format!("let {}", n.name), vec![sexp(v), sexp(b)]),
        ExprKind::WithIndex(x, es) => {
            let mut parts = vec![sexp(x)];
            parts.extend(entries(es));
            list("with", parts)
        }
        ExprKind::WithFields(x, fs) => {
            let mut parts = vec![sexp(x)];
            parts.extend(fields(fs));
            list("with", parts)
        }
    }
}

/// The expression `text`, parsed as the condition of an invariant.
fn expr(text: &str) -> Expr {
    let source = format!("protocol P\ninvariant I: {text}\n");
    let file = parse_ok(&source);
    match file.items.into_iter().next() {
        Some(Item::Invariant(inv)) => inv.cond,
        other => panic!("expected an invariant, got {other:?}"),
    }
}

/// The S-expression of the expression `text`.
fn ex(text: &str) -> String {
    sexp(&expr(text))
}

/// The example of the design guide, in the language as built.
const TWO_PHASE: &str = r#"protocol TwoPhaseCommit

param RMS: 1..9 = 3

role TM {
  var phase: enum { Init, Committed, Aborted } = Init
  var prepared: set<RM> = {}
}

role RM[RMS] symmetric {
  persistent var state: enum { Working, Prepared, Committed, Aborted } = Working
}

message Prepared { rm: RM }
message Commit
message Abort

network set

on RM[r] step prepare when r.state == Working {
  r.state := Prepared
  send Prepared { rm: r } to TM
}
on RM[r] step abort when r.state == Working { r.state := Aborted }
on TM receive Prepared { rm } when phase == Init { prepared := prepared + {rm} }
on TM step commit when phase == Init and prepared == RM {
  phase := Committed
  broadcast Commit to RM
}
on TM step abort when phase == Init { phase := Aborted; broadcast Abort to RM }
on RM[r] receive Commit { r.state := Committed }
on RM[r] receive Abort  { r.state := Aborted }

invariant Consistent: not (exists a, b in RM: a.state == Committed and b.state == Aborted)
fair TM.commit, TM.abort, RM.receive
property Decided: eventually (forall r in RM: r.state in {Committed, Aborted})
"#;
