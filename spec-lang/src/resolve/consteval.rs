//! Computes scalar constants at compile time (bounds, counts, defaults).
//!
//! Only what a bound needs: integer and boolean literals, parameters (already
//! literals in the IR), scalar constants, arithmetic, comparisons, boolean
//! connectives, `if`, `min`/`max`/`abs`. Anything else is "not a constant",
//! which the caller reports. Overflow and division by zero are not constants
//! either, so nothing here can panic.

use crate::ir::Expr;
use crate::ir::{BinaryOp, Builtin, ExprKind, Literal, UnaryOp};
use crate::resolve::Cx;

impl Cx<'_> {
    pub(crate) fn eval(&self, e: &Expr) -> Option<Literal> {
        match &e.kind {
            ExprKind::Lit(l) => Some(l.clone()),
            ExprKind::Const(id) => self.consts.get(id.index())?.scalar.clone(),
            ExprKind::Unary(UnaryOp::Not, a) => match self.eval(a)? {
                Literal::Bool(b) => Some(Literal::Bool(!b)),
                _ => None,
            },
            ExprKind::Unary(UnaryOp::Neg, a) => {
                Some(Literal::Int(int(self.eval(a)?)?.checked_neg()?))
            }
            ExprKind::Binary(op, a, b) => self.eval_binary(*op, a, b),
            ExprKind::If(c, a, b) => match self.eval(c)? {
                Literal::Bool(true) => self.eval(a),
                Literal::Bool(false) => self.eval(b),
                _ => None,
            },
            ExprKind::Builtin(f, args) => {
                let values: Vec<i64> = args
                    .iter()
                    .map(|a| self.eval(a).and_then(int))
                    .collect::<Option<_>>()?;
                let n = match (f, values.as_slice()) {
                    (Builtin::Min2, [a, b]) => *a.min(b),
                    (Builtin::Max2, [a, b]) => *a.max(b),
                    (Builtin::Abs, [a]) => a.checked_abs()?,
                    _ => return None,
                };
                Some(Literal::Int(n))
            }
            _ => None,
        }
    }

    fn eval_binary(&self, op: BinaryOp, a: &Expr, b: &Expr) -> Option<Literal> {
        let (x, y) = (self.eval(a)?, self.eval(b)?);
        let lit = match op {
            BinaryOp::Add => Literal::Int(int(x)?.checked_add(int(y)?)?),
            BinaryOp::Sub => Literal::Int(int(x)?.checked_sub(int(y)?)?),
            BinaryOp::Mul => Literal::Int(int(x)?.checked_mul(int(y)?)?),
            BinaryOp::Div => Literal::Int(floor_div(int(x)?, int(y)?)?),
            BinaryOp::Mod => Literal::Int(floor_mod(int(x)?, int(y)?)?),
            BinaryOp::Lt => Literal::Bool(int(x)? < int(y)?),
            BinaryOp::Le => Literal::Bool(int(x)? <= int(y)?),
            BinaryOp::Gt => Literal::Bool(int(x)? > int(y)?),
            BinaryOp::Ge => Literal::Bool(int(x)? >= int(y)?),
            BinaryOp::Eq => Literal::Bool(x == y),
            BinaryOp::Ne => Literal::Bool(x != y),
            BinaryOp::And => Literal::Bool(boolean(x)? && boolean(y)?),
            BinaryOp::Or => Literal::Bool(boolean(x)? || boolean(y)?),
            BinaryOp::Implies => Literal::Bool(!boolean(x)? || boolean(y)?),
            BinaryOp::Iff => Literal::Bool(boolean(x)? == boolean(y)?),
            _ => return None,
        };
        Some(lit)
    }
}

fn int(l: Literal) -> Option<i64> {
    match l {
        Literal::Int(n) => Some(n),
        _ => None,
    }
}

fn boolean(l: Literal) -> Option<bool> {
    match l {
        Literal::Bool(b) => Some(b),
        _ => None,
    }
}

/// Division rounding toward negative infinity, as the IR defines it.
fn floor_div(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q.checked_sub(1)
    } else {
        Some(q)
    }
}

/// The remainder with the divisor's sign.
fn floor_mod(a: i64, b: i64) -> Option<i64> {
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) {
        r.checked_add(b)
    } else {
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_rounds_toward_negative_infinity() {
        assert_eq!(floor_div(7, 2), Some(3));
        assert_eq!(floor_div(-7, 2), Some(-4));
        assert_eq!(floor_mod(-7, 2), Some(1));
        assert_eq!(floor_mod(7, -2), Some(-1));
        assert_eq!(floor_div(1, 0), None);
        assert_eq!(floor_div(i64::MIN, -1), None);
    }
}
