//! Operators and builtins: fast paths on scalars and codes, and the general
//! path through the reference operators on values.

use spec_lang::ir::{BinaryOp, Builtin, Expr, ExprKind, Type};

use super::expr::{Load, Store, compile_expr, compound, elem_part, scalar, var_read};
use super::{Cx, Ex, Res, Scope, VFn, Val, fail, from_vfn, into_vfn, is_scalar, value_val};
use crate::eval::{binary_values, builtin, contains};
use crate::shape::{Shape, ShapeKind, map_offset, mask, seq_offset, shl, shr};
use crate::value::Value;

pub fn compile_binary(op: BinaryOp, a: &Expr, b: &Expr, e: &Expr, sc: &Scope<'_>) -> Ex {
    use BinaryOp as B;
    let span = e.span;
    match op {
        B::And | B::Or | B::Implies => {
            let x = scalar(compile_expr(a, sc), span);
            let y = scalar(compile_expr(b, sc), span);
            // The connectives short-circuit: the right side may be undefined
            // where the left side already decides.
            return Ex::S(match op {
                B::And => Box::new(move |cx| Ok(u64::from(x(cx)? != 0 && y(cx)? != 0))),
                B::Or => Box::new(move |cx| Ok(u64::from(x(cx)? != 0 || y(cx)? != 0))),
                _ => Box::new(move |cx| Ok(u64::from(x(cx)? == 0 || y(cx)? != 0))),
            });
        }
        B::In | B::NotIn => return membership(op == B::NotIn, a, b, e, sc),
        _ => {}
    }
    let both_scalar = is_scalar(&a.ty) && is_scalar(&b.ty);
    if both_scalar
        && matches!(op, B::Eq | B::Ne | B::Iff)
        && let Some(c) = const_scalar(b, sc)
    {
        let want = op != B::Ne;
        // `x.v == Literal`: compare the stored code in place.
        if let Some((slot, read)) = var_read(a, sc)
            && let crate::pack::Storage::Packed(shape) = &slot.storage
            && let Some(code) = Store::of(shape, sc).code(c)
        {
            return Ex::S(Box::new(move |cx| {
                Ok(u64::from((read.stored(cx)? == code) == want))
            }));
        }
        let x = scalar(compile_expr(a, sc), span);
        return Ex::S(Box::new(move |cx| Ok(u64::from((x(cx)? == c) == want))));
    }
    if both_scalar {
        let x = scalar(compile_expr(a, sc), span);
        let y = scalar(compile_expr(b, sc), span);
        let overflow = move || fail(span, "integer overflow");
        let f: super::SFn = match op {
            B::Eq | B::Iff => Box::new(move |cx| Ok(u64::from(x(cx)? == y(cx)?))),
            B::Ne => Box::new(move |cx| Ok(u64::from(x(cx)? != y(cx)?))),
            B::Lt => Box::new(move |cx| Ok(u64::from((x(cx)? as i64) < (y(cx)? as i64)))),
            B::Le => Box::new(move |cx| Ok(u64::from((x(cx)? as i64) <= (y(cx)? as i64)))),
            B::Gt => Box::new(move |cx| Ok(u64::from((x(cx)? as i64) > (y(cx)? as i64)))),
            B::Ge => Box::new(move |cx| Ok(u64::from((x(cx)? as i64) >= (y(cx)? as i64)))),
            B::Add => Box::new(move |cx| {
                let (p, q) = (x(cx)? as i64, y(cx)? as i64);
                p.checked_add(q).map_or_else(overflow, |n| Ok(n as u64))
            }),
            B::Sub => Box::new(move |cx| {
                let (p, q) = (x(cx)? as i64, y(cx)? as i64);
                p.checked_sub(q).map_or_else(overflow, |n| Ok(n as u64))
            }),
            B::Mul => Box::new(move |cx| {
                let (p, q) = (x(cx)? as i64, y(cx)? as i64);
                p.checked_mul(q).map_or_else(overflow, |n| Ok(n as u64))
            }),
            B::Div | B::Mod => Box::new(move |cx| {
                let (p, q) = (x(cx)? as i64, y(cx)? as i64);
                match binary_values(op, Value::Int(p), Value::Int(q), span) {
                    Ok(Value::Int(n)) => Ok(n as u64),
                    Ok(_) => fail(span, "operands of the wrong types"),
                    Err(e) => Err(Box::new(e)),
                }
            }),
            _ => Box::new(move |_| fail(span, "operands of the wrong types")),
        };
        return Ex::S(f);
    }
    let ashape = sc.shape(&a.ty);
    let bshape = sc.shape(&b.ty);
    let same = ashape.is_some() && ashape == bshape;
    match op {
        B::Eq | B::Ne if same => {
            let x = compound(compile_expr(a, sc), span);
            let y = compound(compile_expr(b, sc), span);
            let want = op == B::Eq;
            return Ex::S(Box::new(move |cx| {
                let (p, q) = (x(cx)?, y(cx)?);
                Ok(u64::from((p == q) == want))
            }));
        }
        B::Union | B::Diff | B::Inter | B::Subset
            if same && matches!(ashape.as_ref().map(|s| &s.kind), Some(ShapeKind::Set(_))) =>
        {
            let out_same = op == B::Subset || sc.shape(&e.ty) == ashape;
            if out_same {
                let x = compound(compile_expr(a, sc), span);
                let y = compound(compile_expr(b, sc), span);
                let slow = slow_binary(op, a, b, e, sc);
                let insts = sc.insts.clone();
                let shape = ashape.clone();
                let bits = |cx: &mut Cx<'_>| -> Res<Result<(u64, u64), (Val, Val)>> {
                    let _ = cx;
                    Ok(Err((Val::Code(0), Val::Code(0))))
                };
                let _ = bits;
                let compute = move |cx: &mut Cx<'_>| -> Res<Result<(u64, u64), Value>> {
                    match (x(cx)?, y(cx)?) {
                        (Val::Code(p), Val::Code(q)) => Ok(Ok((p, q))),
                        (p, q) => {
                            let pv = super::val_value(p, shape.as_ref(), &insts);
                            let qv = super::val_value(q, shape.as_ref(), &insts);
                            binary_values(op, pv, qv, span).map(Err).map_err(Box::new)
                        }
                    }
                };
                let _ = slow;
                if op == B::Subset {
                    return Ex::S(Box::new(move |cx| match compute(cx)? {
                        Ok((p, q)) => Ok(u64::from(p & !q == 0)),
                        Err(Value::Bool(b)) => Ok(u64::from(b)),
                        Err(_) => fail(span, "operands of the wrong types"),
                    }));
                }
                let insts = sc.insts.clone();
                let shape = ashape.clone();
                return Ex::C(Box::new(move |cx| match compute(cx)? {
                    Ok((p, q)) => Ok(Val::Code(match op {
                        B::Union => p | q,
                        B::Diff => p & !q,
                        _ => p & q,
                    })),
                    Err(v) => Ok(value_val(v, shape.as_ref(), &insts)),
                }));
            }
        }
        _ => {}
    }
    let slow = slow_binary(op, a, b, e, sc);
    from_vfn(slow, &e.ty, span, sc)
}

/// The scalar value of a literal or a scalar constant.
fn const_scalar(e: &Expr, sc: &Scope<'_>) -> Option<u64> {
    let v = match &e.kind {
        ExprKind::Lit(lit) => crate::eval::literal(lit),
        ExprKind::Const(id) => sc.consts.get(id.index())?.clone(),
        _ => return None,
    };
    super::value_scalar(&v, &sc.insts, e.span).ok()
}

/// A binary operator on its operands' values.
fn slow_binary(op: BinaryOp, a: &Expr, b: &Expr, e: &Expr, sc: &Scope<'_>) -> VFn {
    let span = e.span;
    let x = into_vfn(compile_expr(a, sc), &a.ty, sc);
    let y = into_vfn(compile_expr(b, sc), &b.ty, sc);
    Box::new(move |cx| {
        let p = x(cx)?;
        let q = y(cx)?;
        binary_values(op, p, q, span).map_err(Box::new)
    })
}

/// `x in c` and `x not in c`.
fn membership(negate: bool, a: &Expr, b: &Expr, e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    let flip = move |r: bool| u64::from(r != negate);
    // Membership in a role's instances: a range of global indices.
    if let ExprKind::RoleSet(role) = b.kind
        && is_scalar(&a.ty)
    {
        let first = u64::from(sc.insts.first.get(role.index()).copied().unwrap_or(0));
        let count = u64::from(sc.pack.roles.get(role.index()).map_or(0, |r| r.count));
        let x = scalar(compile_expr(a, sc), span);
        return Ex::S(Box::new(move |cx| {
            let g = x(cx)?;
            Ok(flip(g >= first && g - first < count))
        }));
    }
    // Membership in an integer range.
    if let ExprKind::Range(lo, hi) = &b.kind
        && matches!(a.ty, Type::Int(_))
    {
        let x = scalar(compile_expr(a, sc), span);
        let lo = scalar(compile_expr(lo, sc), span);
        let hi = scalar(compile_expr(hi, sc), span);
        return Ex::S(Box::new(move |cx| {
            let n = x(cx)? as i64;
            let (l, h) = (lo(cx)? as i64, hi(cx)? as i64);
            if h >= l && h.saturating_sub(l) >= crate::eval::MAX_RANGE {
                return fail(span, format!("the range {l}..{h} is too large"));
            }
            Ok(flip(l <= n && n <= h))
        }));
    }
    let cshape = sc.shape(&b.ty);
    match cshape.as_ref().map(|s| &s.kind) {
        Some(ShapeKind::Set(elem)) => {
            let part = elem_part(a, elem, sc);
            let coll = compound(compile_expr(b, sc), span);
            let insts = sc.insts.clone();
            let cshape = cshape.clone();
            return Ex::S(Box::new(move |cx| {
                let x = part.eval(cx)?;
                let c = coll(cx)?;
                match (x, c) {
                    (Ok(code), Val::Code(m)) => Ok(flip(shr(m, code as u32) & 1 == 1)),
                    // An element without a code in the set's element shape
                    // cannot be in a set that has a code.
                    (Err(_), Val::Code(_)) => Ok(flip(false)),
                    (x, c) => {
                        let xv = match x {
                            Ok(code) => match &cshape {
                                Some(Shape {
                                    kind: ShapeKind::Set(el),
                                    ..
                                }) => el.decode(code, &insts),
                                _ => Value::None,
                            },
                            Err(any) => any,
                        };
                        let cv = super::val_value(c, cshape.as_ref(), &insts);
                        Ok(flip(contains(&cv, &xv, span).map_err(Box::new)?))
                    }
                }
            }));
        }
        Some(ShapeKind::Map { key, val }) => {
            let part = elem_part(a, key, sc);
            let coll = compound(compile_expr(b, sc), span);
            let (kb, vb) = (key.bits, val.bits);
            let insts = sc.insts.clone();
            let cshape = cshape.clone();
            let key_shape = (**key).clone();
            return Ex::S(Box::new(move |cx| {
                let x = part.eval(cx)?;
                let c = coll(cx)?;
                match (x, c) {
                    (Ok(k), Val::Code(m)) => {
                        let digit = shr(m, map_offset(kb, vb, k as u32)) & mask(vb + 1);
                        Ok(flip(digit != 0))
                    }
                    (Err(_), Val::Code(_)) => Ok(flip(false)),
                    (x, c) => {
                        let xv = match x {
                            Ok(code) => key_shape.decode(code, &insts),
                            Err(any) => any,
                        };
                        let cv = super::val_value(c, cshape.as_ref(), &insts);
                        Ok(flip(contains(&cv, &xv, span).map_err(Box::new)?))
                    }
                }
            }));
        }
        _ => {}
    }
    let x = into_vfn(compile_expr(a, sc), &a.ty, sc);
    let c = into_vfn(compile_expr(b, sc), &b.ty, sc);
    Ex::S(Box::new(move |cx| {
        let xv = x(cx)?;
        let cv = c(cx)?;
        Ok(flip(contains(&cv, &xv, span).map_err(Box::new)?))
    }))
}

pub fn compile_builtin(b: Builtin, args: &[Expr], e: &Expr, sc: &Scope<'_>) -> Ex {
    use Builtin as F;
    let span = e.span;
    let arg_shape = args.first().and_then(|a| sc.shape(&a.ty));
    let arg_kind = arg_shape.as_ref().map(|s| s.kind.clone());
    match (b, arg_kind, args) {
        (F::Size, Some(kind), [a]) => {
            let x = compound(compile_expr(a, sc), span);
            let slow = slow_builtin(b, args, e, sc);
            let count = move |c: u64| -> u64 {
                match &kind {
                    ShapeKind::Set(_) => u64::from(c.count_ones()),
                    ShapeKind::Seq { elem, max } => shr(c, *max * elem.bits),
                    ShapeKind::Map { key, val } => (0..(1u32 << key.bits))
                        .filter(|k| {
                            shr(c, map_offset(key.bits, val.bits, *k)) & mask(val.bits + 1) != 0
                        })
                        .count() as u64,
                    _ => 0,
                }
            };
            let insts = sc.insts.clone();
            let shape = arg_shape.clone();
            let _ = slow;
            let names = sc.names.clone();
            return Ex::S(Box::new(move |cx| match x(cx)? {
                Val::Code(c) => Ok(count(c)),
                v => {
                    let v = super::val_value(v, shape.as_ref(), &insts);
                    match builtin(b, vec![v], span, &names) {
                        Ok(Value::Int(n)) => Ok(n as u64),
                        Ok(_) => fail(span, "size of a value that is not a collection"),
                        Err(e) => Err(Box::new(e)),
                    }
                }
            }));
        }
        (F::IsSome | F::IsNone, Some(ShapeKind::Option(inner)), [a]) => {
            let x = compound(compile_expr(a, sc), span);
            let want_some = b == F::IsSome;
            let ib = inner.bits;
            return Ex::S(Box::new(move |cx| {
                let is_some = match x(cx)? {
                    Val::Code(c) => shr(c, ib) & 1 == 1,
                    Val::Value(v) => matches!(v, Value::Some(_)),
                };
                Ok(u64::from(is_some == want_some))
            }));
        }
        (F::Get, Some(ShapeKind::Option(inner)), [a]) => {
            let x = compound(compile_expr(a, sc), span);
            let ib = inner.bits;
            let inner = *inner;
            let insts = sc.insts.clone();
            let shape = arg_shape.clone();
            let names = sc.names.clone();
            let get = move |cx: &mut Cx<'_>| -> Res<Result<u64, Value>> {
                match x(cx)? {
                    Val::Code(c) if shr(c, ib) & 1 == 1 => Ok(Ok(c & mask(ib))),
                    Val::Code(_) => fail(span, "get(none): the option is empty"),
                    v => {
                        let v = super::val_value(v, shape.as_ref(), &insts);
                        builtin(b, vec![v], span, &names).map(Err).map_err(Box::new)
                    }
                }
            };
            return out_code(get, inner, e, sc);
        }
        (F::Some, _, [a]) => {
            if let Some(ShapeKind::Option(inner)) = sc.shape(&e.ty).map(|s| s.kind) {
                let part = elem_part(a, &inner, sc);
                let ib = inner.bits;
                return Ex::C(Box::new(move |cx| match part.eval(cx)? {
                    Ok(c) => Ok(Val::Code(shl(1, ib) | c)),
                    Err(x) => Ok(Val::Value(Value::Some(Box::new(x)))),
                }));
            }
        }
        (F::MinOf | F::MaxOf, Some(ShapeKind::Set(elem)), [a])
            if matches!(elem.kind, ShapeKind::Int { .. }) =>
        {
            let x = compound(compile_expr(a, sc), span);
            let load = Load::of(&elem, sc);
            let min = b == F::MinOf;
            let insts = sc.insts.clone();
            let shape = arg_shape.clone();
            let names = sc.names.clone();
            return Ex::S(Box::new(move |cx| match x(cx)? {
                Val::Code(0) => fail(span, "min or max of an empty set"),
                Val::Code(c) => Ok(load.apply(u64::from(if min {
                    c.trailing_zeros()
                } else {
                    63 - c.leading_zeros()
                }))),
                v => {
                    let v = super::val_value(v, shape.as_ref(), &insts);
                    match builtin(b, vec![v], span, &names) {
                        Ok(Value::Int(n)) => Ok(n as u64),
                        Ok(_) => fail(span, "min or max of a value that is not a set"),
                        Err(e) => Err(Box::new(e)),
                    }
                }
            }));
        }
        (F::Min2 | F::Max2, _, [x, y]) if is_scalar(&x.ty) && is_scalar(&y.ty) => {
            let p = scalar(compile_expr(x, sc), span);
            let q = scalar(compile_expr(y, sc), span);
            let min = b == F::Min2;
            return Ex::S(Box::new(move |cx| {
                let (p, q) = (p(cx)? as i64, q(cx)? as i64);
                Ok((if (p <= q) == min { p } else { q }) as u64)
            }));
        }
        (F::Abs, _, [x]) if is_scalar(&x.ty) => {
            let p = scalar(compile_expr(x, sc), span);
            return Ex::S(Box::new(move |cx| match (p(cx)? as i64).checked_abs() {
                Some(n) => Ok(n as u64),
                None => fail(span, "integer overflow"),
            }));
        }
        (F::Last | F::Head, Some(ShapeKind::Seq { elem, max }), [a]) => {
            let x = compound(compile_expr(a, sc), span);
            let last = b == F::Last;
            let insts = sc.insts.clone();
            let shape = arg_shape.clone();
            let eb = elem.bits;
            let names = sc.names.clone();
            let get = move |cx: &mut Cx<'_>| -> Res<Result<u64, Value>> {
                match x(cx)? {
                    Val::Code(c) => {
                        let len = shr(c, max * eb) as u32;
                        if len == 0 {
                            let what = if last { "last" } else { "head" };
                            return fail(span, format!("{what} of an empty sequence"));
                        }
                        let k = if last { len - 1 } else { 0 };
                        Ok(Ok(shr(c, seq_offset(eb, max, k)) & mask(eb)))
                    }
                    v => {
                        let v = super::val_value(v, shape.as_ref(), &insts);
                        builtin(b, vec![v], span, &names).map(Err).map_err(Box::new)
                    }
                }
            };
            return out_code(get, *elem, e, sc);
        }
        (F::Append, Some(ShapeKind::Seq { elem, max }), [s, x]) if sc.shape(&e.ty) == arg_shape => {
            let sf = compound(compile_expr(s, sc), span);
            let part = elem_part(x, &elem, sc);
            let eb = elem.bits;
            let insts = sc.insts.clone();
            let shape = arg_shape.clone();
            let names = sc.names.clone();
            return Ex::C(Box::new(move |cx| {
                let sv = sf(cx)?;
                let xv = part.eval(cx)?;
                if let (Val::Code(c), Ok(xc)) = (&sv, &xv) {
                    let len = shr(*c, max * eb) as u32;
                    if len < max {
                        let body = c & mask(max * eb);
                        let code = shl(u64::from(len + 1), max * eb)
                            | body
                            | shl(*xc, seq_offset(eb, max, len));
                        return Ok(Val::Code(code));
                    }
                }
                let s_value = super::val_value(sv, shape.as_ref(), &insts);
                let x_value = match xv {
                    Ok(code) => elem.decode(code, &insts),
                    Err(value) => value,
                };
                let v = builtin(b, vec![s_value, x_value], span, &names).map_err(Box::new)?;
                Ok(value_val(v, shape.as_ref(), &insts))
            }));
        }
        (F::Take | F::Drop | F::Tail, Some(ShapeKind::Seq { elem, max }), _)
            if sc.shape(&e.ty) == arg_shape =>
        {
            let sf = compound(compile_expr(&args[0], sc), span);
            let nf = args.get(1).map(|n| scalar(compile_expr(n, sc), span));
            let eb = elem.bits;
            let insts = sc.insts.clone();
            let shape = arg_shape.clone();
            let names = sc.names.clone();
            return Ex::C(Box::new(move |cx| {
                let sv = sf(cx)?;
                let n = match &nf {
                    Some(f) => f(cx)? as i64,
                    None => 1,
                };
                if let Val::Code(c) = &sv {
                    let len = shr(*c, max * eb) as u32;
                    if b == F::Tail && len == 0 {
                        return fail(span, "tail of an empty sequence");
                    }
                    if n < 0 {
                        return fail(span, format!("negative count {n}"));
                    }
                    let n = u32::try_from(n).unwrap_or(u32::MAX).min(len);
                    let (skip, keep) = match b {
                        F::Take => (0, n),
                        _ => (n, len - n),
                    };
                    let mut code = shl(u64::from(keep), max * eb);
                    for k in 0..keep {
                        let x = shr(*c, seq_offset(eb, max, skip + k)) & mask(eb);
                        code |= shl(x, seq_offset(eb, max, k));
                    }
                    return Ok(Val::Code(code));
                }
                let mut vals = vec![super::val_value(sv, shape.as_ref(), &insts)];
                if nf.is_some() {
                    vals.push(Value::Int(n));
                }
                let v = builtin(b, vals, span, &names).map_err(Box::new)?;
                Ok(value_val(v, shape.as_ref(), &insts))
            }));
        }
        _ => {}
    }
    let f = slow_builtin(b, args, e, sc);
    from_vfn(f, &e.ty, span, sc)
}

/// A builtin on its arguments' values.
fn slow_builtin(b: Builtin, args: &[Expr], e: &Expr, sc: &Scope<'_>) -> VFn {
    let span = e.span;
    let parts: Vec<VFn> = args
        .iter()
        .map(|a| into_vfn(compile_expr(a, sc), &a.ty, sc))
        .collect();
    let names = sc.names.clone();
    Box::new(move |cx| {
        let mut vals = Vec::with_capacity(parts.len());
        for p in &parts {
            vals.push(p(cx)?);
        }
        builtin(b, vals, span, &names).map_err(Box::new)
    })
}

/// A component read out of a code (`Ok(code)` in shape `part`) or computed
/// as a value, in the form of the expression's type.
fn out_code(
    get: impl Fn(&mut Cx<'_>) -> Res<Result<u64, Value>> + Send + Sync + 'static,
    part: Shape,
    e: &Expr,
    sc: &Scope<'_>,
) -> Ex {
    let span = e.span;
    let insts = sc.insts.clone();
    if is_scalar(&e.ty) {
        let load = Load::of(&part, sc);
        Ex::S(Box::new(move |cx| match get(cx)? {
            Ok(c) => Ok(load.apply(c)),
            Err(v) => super::value_scalar(&v, &insts, span),
        }))
    } else {
        let target = sc.shape(&e.ty);
        let same = target.as_ref() == Some(&part);
        Ex::C(Box::new(move |cx| match get(cx)? {
            Ok(c) if same => Ok(Val::Code(c)),
            Ok(c) => Ok(value_val(part.decode(c, &insts), target.as_ref(), &insts)),
            Err(v) => Ok(value_val(v, target.as_ref(), &insts)),
        }))
    }
}
