//! Codes for sets of integers whose type has none (`set<int>`: ranges
//! and comprehensions over ranges, as in raft's `{i in 1..size(log)
//! where ...}`): a bitmask over the integers the elements can take,
//! estimated from the bounds of the expressions that make them.
//!
//! The estimate need not be right: every element is stored into the
//! bitmask's element shape with a check that gives up when it does not
//! fit, so a wrong estimate costs a run on the interpreted machine, never
//! a different result. A bitmask set is the value the closures hold (a
//! `Val::Value` of the same elements), so every operation on it computes
//! what they compute.

use spec_lang::ir::{BinaryOp, Builtin, Expr, ExprKind, IntRange, Type};

use super::{Emitter, Frame};
use crate::shape::{Shape, ShapeKind};
use crate::value::Value;

impl Emitter<'_> {
    /// The shape of a bitmask set able to hold the value of `e`, a set
    /// of integers whose type has no shape, when its elements' bounds are
    /// known and fit one.
    pub(super) fn narrow_shape(&self, e: &Expr, f: &Frame) -> Option<Shape> {
        if !matches!(&e.ty, Type::Set(t) if matches!(**t, Type::Int(_))) {
            return None;
        }
        let (lo, hi) = self.elem_bounds(e, f)?;
        let ty = Type::Set(Box::new(Type::Int(Some(IntRange { lo, hi }))));
        self.shape(&ty)
    }

    /// Bounds of the elements of a set of integers.
    fn elem_bounds(&self, e: &Expr, f: &Frame) -> Option<(i64, i64)> {
        if let Some(Shape {
            kind: ShapeKind::Set(elem),
            ..
        }) = self.shape(&e.ty)
            && let ShapeKind::Int { lo, hi } = elem.kind
        {
            return Some((lo, hi));
        }
        match &e.kind {
            ExprKind::Range(lo, hi) => Some((self.int_bounds(lo, f)?.0, self.int_bounds(hi, f)?.1)),
            ExprKind::SetFilter { set, .. } => self.elem_bounds(set, f),
            ExprKind::SetMap { elem, .. } => self.int_bounds(elem, f),
            ExprKind::SetLit(items) => items
                .iter()
                .map(|x| self.int_bounds(x, f))
                .reduce(|a, b| Some(hull(a?, b?)))?,
            ExprKind::Binary(BinaryOp::Union, a, b) => {
                Some(hull(self.elem_bounds(a, f)?, self.elem_bounds(b, f)?))
            }
            ExprKind::Binary(BinaryOp::Diff | BinaryOp::Inter, a, _) => self.elem_bounds(a, f),
            ExprKind::Local(id) => match f.bound.get(id.index()) {
                Some(Some((_, super::Form::C(shape)))) => match &shape.kind {
                    ShapeKind::Set(elem) => match elem.kind {
                        ShapeKind::Int { lo, hi } => Some((lo, hi)),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    /// Bounds of an integer expression's values, when some are known.
    fn int_bounds(&self, e: &Expr, f: &Frame) -> Option<(i64, i64)> {
        if let Type::Int(Some(r)) = &e.ty {
            return Some((r.lo, r.hi));
        }
        match &e.kind {
            ExprKind::Lit(spec_lang::ir::Literal::Int(n)) => Some((*n, *n)),
            ExprKind::Const(id) => match self.consts.get(id.index()) {
                Some(Value::Int(n)) => Some((*n, *n)),
                _ => None,
            },
            ExprKind::Binary(op, a, b) => {
                let (x, y) = (self.int_bounds(a, f)?, self.int_bounds(b, f)?);
                match op {
                    BinaryOp::Add => Some((x.0.checked_add(y.0)?, x.1.checked_add(y.1)?)),
                    BinaryOp::Sub => Some((x.0.checked_sub(y.1)?, x.1.checked_sub(y.0)?)),
                    BinaryOp::Mul => {
                        let c = [
                            x.0.checked_mul(y.0)?,
                            x.0.checked_mul(y.1)?,
                            x.1.checked_mul(y.0)?,
                            x.1.checked_mul(y.1)?,
                        ];
                        Some((*c.iter().min()?, *c.iter().max()?))
                    }
                    // The remainder takes the divisor's sign.
                    BinaryOp::Mod if y.0 > 0 => Some((0, y.1 - 1)),
                    _ => None,
                }
            }
            ExprKind::If(_, t, x) => Some(hull(self.int_bounds(t, f)?, self.int_bounds(x, f)?)),
            ExprKind::Builtin(b, args) => match (b, args.as_slice()) {
                (Builtin::Min2 | Builtin::Max2, [a, c]) => {
                    let (x, y) = (self.int_bounds(a, f)?, self.int_bounds(c, f)?);
                    Some(if *b == Builtin::Min2 {
                        (x.0.min(y.0), x.1.min(y.1))
                    } else {
                        (x.0.max(y.0), x.1.max(y.1))
                    })
                }
                (Builtin::MinOf | Builtin::MaxOf, [a]) => self.elem_bounds(a, f),
                (Builtin::Size, [a]) => match self.shape(&a.ty).map(|s| s.kind) {
                    Some(ShapeKind::Seq { max, .. }) => Some((0, i64::from(max))),
                    Some(ShapeKind::Set(elem)) => Some((0, 1i64 << elem.bits)),
                    Some(ShapeKind::Map { key, .. }) => Some((0, 1i64 << key.bits)),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }
}

/// The smallest interval holding two.
fn hull(a: (i64, i64), b: (i64, i64)) -> (i64, i64) {
    (a.0.min(b.0), a.1.max(b.1))
}
