//! Which expressions can fail at run time, and which fold to a constant.
//!
//! The spec language defines evaluation errors (integer overflow, division
//! by zero, a missing map key, `get(none)`, an index out of range, `head`
//! of an empty sequence, a negative `take`, a range too large). Generated
//! code returns them as `runtime::EvalError` values with `?`, so the code
//! generator must know where a `?` can appear: a closure whose body can
//! fail becomes a `try_` closure returning a `Result`, and a function or a
//! constant whose body can fail returns one too. Integer arithmetic on
//! literals is folded here, so that `MaxWrites + 1` (with its parameter
//! value) is written `3` and needs no overflow check.

use spec_lang::ir::{BinaryOp, Builtin, Expr, ExprKind, Literal, Spec, Type, UnaryOp};

use crate::bounds::static_fits;

/// Which functions and constants of a spec can fail, by index.
#[derive(Clone, Debug, Default)]
pub struct Fallibility {
    pub functions: Vec<bool>,
    pub consts: Vec<bool>,
}

impl Fallibility {
    /// Computes the fallibility of every constant and function. Functions
    /// are not recursive, so a fixpoint over the call graph terminates; it
    /// is reached in at most one round per function.
    pub fn of(spec: &Spec) -> Fallibility {
        let mut f = Fallibility {
            functions: vec![false; spec.functions.len()],
            consts: vec![false; spec.consts.len()],
        };
        for _ in 0..=spec.functions.len() + spec.consts.len() {
            // A constant fails when its value can, or when its declared
            // bounds cannot be checked before running it.
            let consts: Vec<bool> = spec
                .consts
                .iter()
                .map(|c| {
                    (fold_int(spec, &c.value).is_none() && f.fallible(spec, &c.value, false))
                        || static_fits(spec, &c.value, &c.ty).is_none()
                })
                .collect();
            let functions: Vec<bool> = spec
                .functions
                .iter()
                .map(|g| f.fallible(spec, &g.body.expr, false))
                .collect();
            if consts == f.consts && functions == f.functions {
                break;
            }
            f.consts = consts;
            f.functions = functions;
        }
        f
    }

    /// Whether evaluating the expression can fail. With `world`, variables
    /// and `crashed` are read through a lookup of the instance (a state
    /// constraint), which can fail for an instance that does not exist.
    pub fn fallible(&self, spec: &Spec, e: &Expr, world: bool) -> bool {
        if fold_int(spec, e).is_some() {
            return false;
        }
        let own = match &e.kind {
            ExprKind::Var { .. } | ExprKind::Crashed(_) => world,
            ExprKind::Const(id) => self.consts.get(id.index()).copied().unwrap_or(true),
            ExprKind::Call(id, _) => self.functions.get(id.index()).copied().unwrap_or(true),
            ExprKind::Unary(UnaryOp::Neg, _) => true,
            ExprKind::Binary(op, _, _) => matches!(
                op,
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
            ),
            ExprKind::MapGet(..) | ExprKind::SeqIndex(..) => true,
            // A range with constant bounds is known to be small enough.
            ExprKind::Range(lo, hi) => small_range(spec, lo, hi).is_none(),
            ExprKind::Builtin(b, _) => matches!(
                b,
                Builtin::Get
                    | Builtin::Head
                    | Builtin::Last
                    | Builtin::Tail
                    | Builtin::Take
                    | Builtin::Drop
                    | Builtin::MinOf
                    | Builtin::MaxOf
                    | Builtin::Abs
            ),
            ExprKind::Quant {
                quantifier: spec_lang::ir::Quantifier::Sum,
                ..
            } => true,
            ExprKind::WithIndex(base, _) => matches!(base.ty, Type::Seq(..)),
            _ => false,
        };
        own || e.children().iter().any(|c| self.fallible(spec, c, world))
    }
}

/// The value of an integer expression built from literals, constants that
/// fold, and checked arithmetic; `None` when it is not constant or when
/// evaluating it would fail (then the generated code fails at run time,
/// where the checker would).
pub fn fold_int(spec: &Spec, e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Lit(Literal::Int(n)) => Some(*n),
        ExprKind::Const(id) => fold_int(spec, &spec.consts.get(id.index())?.value),
        ExprKind::Unary(UnaryOp::Neg, x) => fold_int(spec, x)?.checked_neg(),
        ExprKind::Binary(op, a, b) => {
            let (a, b) = (fold_int(spec, a)?, fold_int(spec, b)?);
            match op {
                BinaryOp::Add => a.checked_add(b),
                BinaryOp::Sub => a.checked_sub(b),
                BinaryOp::Mul => a.checked_mul(b),
                BinaryOp::Div => {
                    let q = a.checked_div(b)?;
                    Some(if a % b != 0 && ((a < 0) != (b < 0)) {
                        q - 1
                    } else {
                        q
                    })
                }
                BinaryOp::Mod => {
                    let r = a.checked_rem(b)?;
                    Some(if r != 0 && ((r < 0) != (b < 0)) {
                        r + b
                    } else {
                        r
                    })
                }
                _ => None,
            }
        }
        ExprKind::Builtin(Builtin::Abs, args) => fold_int(spec, args.first()?)?.checked_abs(),
        ExprKind::Builtin(b @ (Builtin::Min2 | Builtin::Max2), args) => {
            let (x, y) = (
                fold_int(spec, args.first()?)?,
                fold_int(spec, args.get(1)?)?,
            );
            Some(if *b == Builtin::Min2 {
                x.min(y)
            } else {
                x.max(y)
            })
        }
        _ => None,
    }
}

/// The bounds of a range whose bounds fold, when it is small enough to
/// build (as the checker and `runtime::value::range` require).
pub fn small_range(spec: &Spec, lo: &Expr, hi: &Expr) -> Option<(i64, i64)> {
    let (lo, hi) = (fold_int(spec, lo)?, fold_int(spec, hi)?);
    (hi < lo || hi.saturating_sub(lo) < 1 << 24).then_some((lo, hi))
}
