//! Hoisting loop-invariant parts out of quantifiers, before compiling.
//!
//! `forall r1, r2 in RM: not (r1.s == A and r2.s == B)` evaluates
//! `r1.s == A` once per pair; rewritten as `forall r1 in RM: (r1.s != A)
//! or (forall r2 in RM: r2.s != B)` it evaluates it once per `r1`. The
//! rewrite keeps the evaluation order of every term that is evaluated, so
//! it changes neither values nor which runtime error is reported:
//!
//! - `forall x in D: P or Q` (and the forms that mean it, `P => Q` and
//!   `not (P and Q)`), with `P` not mentioning `x`, becomes
//!   `P or (forall x in D: Q)`;
//! - `exists x in D: P and Q` (and `not (P or Q)`) becomes
//!   `P and (exists x in D: Q)`.
//!
//! - `forall x in D: P or Q` with `Q` not mentioning `x`, when neither
//!   `P` nor `Q` can raise a runtime error (see `cannot_fail`), becomes
//!   `(forall x in D: P) or Q`, and `exists x in D: P and Q` becomes
//!   `(exists x in D: P) and Q`: `Q` is evaluated at most once instead of
//!   once per `x`. TwoPhase's TCConsistent, `forall r1, r2 in RM: not
//!   (r1.s == Aborted and r2.s == Committed)`, becomes `(forall r1 in RM:
//!   r1.s != Aborted) or (forall r2 in RM: r2.s != Committed)`, linear
//!   instead of quadratic. The order of evaluation changes, which is
//!   unobservable when nothing can fail.
//!
//! In the original `P` is evaluated first for each `x`, to the same value
//! each time; if it decides, `Q` is never evaluated, in either form. The
//! one difference would be an empty `D`, where the original never
//! evaluates `P`: the rewrite applies only to domains that are a role's
//! instances, which are never empty.

use spec_lang::ir::{BinaryOp, Expr, ExprKind, LocalId, Quantifier, Type, UnaryOp};

use super::is_scalar;

/// The quantifier rewritten with its binders nested one by one and
/// independent terms hoisted; `None` when nothing can be hoisted.
pub fn hoist(
    q: Quantifier,
    binders: &[(LocalId, Expr)],
    body: &Expr,
    span: spec_lang::Span,
) -> Option<Expr> {
    if !matches!(q, Quantifier::Forall | Quantifier::Exists) || binders.is_empty() {
        return None;
    }
    let out = nest(q, binders, body, span);
    (!same_shape(&out, binders.len())).then_some(out)
}

/// Whether `nest` produced nothing but the plain nesting (no hoist).
fn same_shape(e: &Expr, depth: usize) -> bool {
    match &e.kind {
        ExprKind::Quant { binders, body, .. } if binders.len() == 1 => {
            depth == 1 || same_shape(body, depth - 1)
        }
        _ => false,
    }
}

fn nest(q: Quantifier, binders: &[(LocalId, Expr)], body: &Expr, span: spec_lang::Span) -> Expr {
    let Some(((local, domain), rest)) = binders.split_first() else {
        return body.clone();
    };
    let inner = nest(q, rest, body, span);
    one(q, *local, domain, inner, span)
}

/// One quantifier over one binder, hoisting what does not mention it.
fn one(q: Quantifier, local: LocalId, domain: &Expr, body: Expr, span: spec_lang::Span) -> Expr {
    let never_empty = matches!(domain.kind, ExprKind::RoleSet(_));
    let split = match q {
        Quantifier::Forall => as_or(&body),
        _ => as_and(&body),
    };
    let op = match q {
        Quantifier::Forall => BinaryOp::Or,
        _ => BinaryOp::And,
    };
    if never_empty && let Some((p, rest)) = split {
        if !mentions(&p, local) {
            let inner = one(q, local, domain, rest, span);
            return bool_expr(ExprKind::Binary(op, Box::new(p), Box::new(inner)), span);
        }
        if !mentions(&rest, local) && cannot_fail(&p) && cannot_fail(&rest) {
            let inner = one(q, local, domain, p, span);
            return bool_expr(ExprKind::Binary(op, Box::new(inner), Box::new(rest)), span);
        }
    }
    bool_expr(
        ExprKind::Quant {
            quantifier: q,
            binders: vec![(local, domain.clone())],
            body: Box::new(body),
        },
        span,
    )
}

fn bool_expr(kind: ExprKind, span: spec_lang::Span) -> Expr {
    Expr {
        kind,
        ty: Type::Bool,
        span,
    }
}

fn not(e: &Expr) -> Expr {
    // Double negations cancel: `not not P` evaluates as `P`.
    if let ExprKind::Unary(UnaryOp::Not, inner) = &e.kind {
        return (**inner).clone();
    }
    bool_expr(ExprKind::Unary(UnaryOp::Not, Box::new(e.clone())), e.span)
}

/// `P or Q` in any of its spellings, as (P, Q), left operand first.
fn as_or(e: &Expr) -> Option<(Expr, Expr)> {
    match &e.kind {
        ExprKind::Binary(BinaryOp::Or, p, q) => Some(((**p).clone(), (**q).clone())),
        ExprKind::Binary(BinaryOp::Implies, p, q) => Some((not(p), (**q).clone())),
        ExprKind::Unary(UnaryOp::Not, inner) => match &inner.kind {
            ExprKind::Binary(BinaryOp::And, p, q) => Some((not(p), not(q))),
            _ => None,
        },
        _ => None,
    }
}

/// `P and Q` in any of its spellings, as (P, Q), left operand first.
fn as_and(e: &Expr) -> Option<(Expr, Expr)> {
    match &e.kind {
        ExprKind::Binary(BinaryOp::And, p, q) => Some(((**p).clone(), (**q).clone())),
        ExprKind::Unary(UnaryOp::Not, inner) => match &inner.kind {
            ExprKind::Binary(BinaryOp::Or, p, q) => Some((not(p), not(q))),
            _ => None,
        },
        _ => None,
    }
}

/// Whether evaluating `e` can never raise a runtime error: literals,
/// constants, locals, variable reads of an instance held in a local or a
/// constant, comparisons of scalars, the boolean connectives, and
/// quantifiers over a role's instances of such.
pub(crate) fn cannot_fail(e: &Expr) -> bool {
    let plain = |x: &Expr| matches!(x.kind, ExprKind::Local(_) | ExprKind::Const(_));
    match &e.kind {
        ExprKind::Lit(_) | ExprKind::Const(_) | ExprKind::Local(_) => true,
        ExprKind::Var { instance, .. } => plain(instance),
        ExprKind::Unary(UnaryOp::Not, a) => cannot_fail(a),
        ExprKind::Binary(
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge,
            a,
            b,
        ) => is_scalar(&a.ty) && is_scalar(&b.ty) && cannot_fail(a) && cannot_fail(b),
        ExprKind::Binary(
            BinaryOp::And | BinaryOp::Or | BinaryOp::Implies | BinaryOp::Iff,
            a,
            b,
        ) => cannot_fail(a) && cannot_fail(b),
        ExprKind::Quant { binders, body, .. } => {
            binders
                .iter()
                .all(|(_, d)| matches!(d.kind, ExprKind::RoleSet(_)))
                && cannot_fail(body)
        }
        _ => false,
    }
}

/// Whether `e` reads local `id` anywhere.
pub fn mentions(e: &Expr, id: LocalId) -> bool {
    matches!(e.kind, ExprKind::Local(l) if l == id)
        || e.binds().contains(&id)
        || e.children().into_iter().any(|c| mentions(c, id))
}

#[cfg(test)]
mod tests {
    use super::hoist;
    use spec_lang::ir::{BinaryOp, Expr, ExprKind};

    /// The condition of each invariant of a spec with one role `R`.
    fn invariants(conds: &[&str]) -> Vec<Expr> {
        let mut source = String::from(
            "protocol P\nrole R[3] {\n  var s: enum { A, B, C } = A\n  var n: 0..3 = 0\n}\n\
             on R[r] step go when r.s == A { r.s := B }\n",
        );
        for (i, c) in conds.iter().enumerate() {
            source.push_str(&format!("invariant I{i}: {c}\n"));
        }
        let compiled = spec_lang::compile(&source, &[]).unwrap_or_else(|e| panic!("{e:?}"));
        compiled
            .spec
            .invariants
            .iter()
            .map(|i| i.cond.expr.clone())
            .collect()
    }

    fn rewrite(e: &Expr) -> Option<Expr> {
        match &e.kind {
            ExprKind::Quant {
                quantifier,
                binders,
                body,
            } => hoist(*quantifier, binders, body, e.span),
            _ => None,
        }
    }

    /// `(Quant) op (Quant)`: two loops side by side, not nested.
    fn is_split(e: &Expr, op: BinaryOp) -> bool {
        matches!(&e.kind, ExprKind::Binary(o, a, b) if *o == op
            && matches!(a.kind, ExprKind::Quant { .. })
            && matches!(b.kind, ExprKind::Quant { .. }))
    }

    #[test]
    fn independent_right_operands_leave_the_loop_only_when_nothing_can_fail() {
        let conds = invariants(&[
            "forall r1, r2 in R: not (r1.s == A and r2.s == C)",
            "exists r1, r2 in R: r1.s == B and r2.s != A",
            // `/` can fail (in general): the right operand stays inside.
            "forall r1, r2 in R: not (r1.n / 1 == 0 and r2.s == C)",
            "forall r1, r2 in R: not (r1.s == A and r2.n / 1 == 0)",
        ]);
        let out: Vec<Option<Expr>> = conds.iter().map(rewrite).collect();
        assert!(out[0].as_ref().is_some_and(|e| is_split(e, BinaryOp::Or)));
        assert!(out[1].as_ref().is_some_and(|e| is_split(e, BinaryOp::And)));
        for e in &out[2..] {
            assert!(!e.as_ref().is_some_and(|e| is_split(e, BinaryOp::Or)));
        }
    }
}
