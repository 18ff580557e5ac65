//! Builtin functions, map lookups and sequence indexing on codes, as the
//! fast paths of `compile/ops.rs` and `compile/expr.rs` compute them; the
//! cases the closures report as errors (`get(none)`, the head of an empty
//! sequence, an index out of range, a missing key, a sequence past its
//! bound) give up.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use spec_lang::ir::{Builtin, Expr, ExprKind, Type};

use super::{Emitter, Form, Frame, Load, Val, lit_u64, load};
use crate::emit::{E, unsupported};
use crate::shape::{Shape, ShapeKind, mask};

impl Emitter<'_> {
    pub(super) fn builtin(&self, b: Builtin, args: &[Expr], e: &Expr, f: &mut Frame) -> E<Val> {
        use Builtin as F;
        let s = |ts: TokenStream| Ok(Val { ts, form: Form::S });
        match (b, args) {
            (F::Size, [a]) if matches!(a.kind, ExprKind::InFlight(_)) => {
                let ExprKind::InFlight(kind) = &a.kind else {
                    return unsupported("malformed IR: in_flight");
                };
                if f.step.is_some() || f.in_function {
                    return unsupported("malformed IR: in_flight inside a step or a function");
                }
                let kind = Literal::u32_suffixed(kind.0);
                return s(quote!(k::in_flight_count(m, s, #kind)?));
            }
            (F::Some, [a]) => {
                let Some(shape) = self.shape(&e.ty) else {
                    return unsupported("an option without a code");
                };
                let ShapeKind::Option(inner) = &shape.kind else {
                    return unsupported("malformed IR: some() of another type");
                };
                let c = self.code_in(a, inner, quote!(return Err(Bail)), f)?;
                let ib = inner.bits;
                return Ok(Val {
                    ts: quote!(k::shl(1, #ib) | (#c)),
                    form: Form::C(shape),
                });
            }
            (F::Min2 | F::Max2, [a, c]) if matches!(e.ty, Type::Int(_)) => {
                let x = self.scalar(a, f)?;
                let y = self.scalar(c, f)?;
                let pick = if b == F::Min2 {
                    quote!(p.min(q))
                } else {
                    quote!(p.max(q))
                };
                return s(quote!({
                    let (p, q) = ((#x) as i64, (#y) as i64);
                    #pick as u64
                }));
            }
            (F::Abs, [a]) if matches!(e.ty, Type::Int(_)) => {
                let x = self.scalar(a, f)?;
                return s(quote!(((#x) as i64).checked_abs().ok_or(Bail)? as u64));
            }
            _ => {}
        }
        // The rest take a compound value first.
        let Some(a) = args.first() else {
            return unsupported("malformed IR: a builtin without arguments");
        };
        let v = self.expr(a, f)?;
        let Form::C(shape) = v.form else {
            return unsupported("malformed IR: a builtin on a scalar");
        };
        let x = v.ts;
        match (b, &shape.kind, args) {
            (F::Size, ShapeKind::Set(_), [_]) => s(quote!(u64::from((#x).count_ones()))),
            (F::Size, ShapeKind::Seq { elem, max }, [_]) => {
                let eb = elem.bits;
                s(quote!(k::seq_len(#x, #eb, #max)))
            }
            (F::Size, ShapeKind::Map { key, val }, [_]) => {
                let (kb, vb) = (key.bits, val.bits);
                s(quote!(k::map_size(#x, #kb, #vb)))
            }
            (F::IsSome | F::IsNone, ShapeKind::Option(inner), [_]) => {
                let ib = inner.bits;
                let want = b == F::IsSome;
                s(quote!(u64::from(((k::shr(#x, #ib) & 1) == 1) == #want)))
            }
            (F::Get, ShapeKind::Option(inner), [_]) => {
                let ib = inner.bits;
                let m = lit_u64(mask(ib));
                let code = quote!({
                    let op: u64 = #x;
                    if (k::shr(op, #ib) & 1) != 1 {
                        return Err(Bail);
                    }
                    op & #m
                });
                self.part(code, inner, &e.ty)
            }
            (F::Head | F::Last, ShapeKind::Seq { elem, max }, [_]) => {
                let eb = elem.bits;
                let last = b == F::Last;
                self.part(quote!(k::seq_end(#x, #eb, #max, #last)?), elem, &e.ty)
            }
            (F::Append, ShapeKind::Seq { elem, max }, [_, y]) => {
                let eb = elem.bits;
                let y = self.code_in(y, elem, quote!(return Err(Bail)), f)?;
                let code = quote!({
                    let (sq, el) = (#x, #y);
                    k::seq_append(sq, #eb, #max, el)?
                });
                self.same_type(code, &shape, e)
            }
            (F::Tail, ShapeKind::Seq { elem, max }, [_]) => {
                let eb = elem.bits;
                self.same_type(quote!(k::seq_tail(#x, #eb, #max)?), &shape, e)
            }
            (F::Take | F::Drop, ShapeKind::Seq { elem, max }, [_, n]) => {
                let eb = elem.bits;
                let n = self.scalar(n, f)?;
                let op = if b == F::Take {
                    quote!(k::seq_take)
                } else {
                    quote!(k::seq_drop)
                };
                let code = quote!({
                    let (sq, n) = (#x, #n);
                    #op(sq, #eb, #max, n)?
                });
                self.same_type(code, &shape, e)
            }
            (F::Keys, ShapeKind::Map { key, val }, [_]) => {
                let (kb, vb) = (key.bits, val.bits);
                let set = Shape {
                    bits: 1 << key.bits,
                    kind: ShapeKind::Set(key.clone()),
                };
                self.same_type(quote!(k::map_keys(#x, #kb, #vb)), &set, e)
            }
            (F::MinOf | F::MaxOf, ShapeKind::Set(elem), [_])
                if matches!(elem.kind, ShapeKind::Int { .. }) =>
            {
                let pick = if b == F::MinOf {
                    quote!(st.trailing_zeros())
                } else {
                    quote!(63 - st.leading_zeros())
                };
                let code = quote!({
                    let st: u64 = #x;
                    if st == 0 {
                        return Err(Bail);
                    }
                    u64::from(#pick)
                });
                s(load(code, &Load::of_shape(elem, self.insts)))
            }
            _ => unsupported(format!("the builtin {b:?} on these arguments")),
        }
    }

    /// A code of `shape` as the value of `e`, whose type's shape is
    /// converted to (a sequence operation's result, of its argument's
    /// type).
    fn same_type(&self, code: TokenStream, shape: &Shape, e: &Expr) -> E<Val> {
        let Some(want) = self.shape(&e.ty) else {
            return unsupported("a result without a code");
        };
        Ok(Val {
            ts: self.reshape(code, shape, &want)?,
            form: Form::C(want),
        })
    }

    /// `seq[i]`, 1-based.
    pub(super) fn seq_index(&self, seq: &Expr, i: &Expr, e: &Expr, f: &mut Frame) -> E<Val> {
        let v = self.expr(seq, f)?;
        let Form::C(Shape {
            kind: ShapeKind::Seq { elem, max },
            ..
        }) = &v.form
        else {
            return unsupported("an index into a sequence without a code");
        };
        let i = self.scalar(i, f)?;
        let (x, eb) = (v.ts, elem.bits);
        let code = quote!({
            let (sq, i) = (#x, #i);
            k::seq_get(sq, #eb, #max, i)?
        });
        self.part(code, elem, &e.ty)
    }

    /// `map[key]`: the key must be present.
    pub(super) fn map_get(&self, map: &Expr, key: &Expr, e: &Expr, f: &mut Frame) -> E<Val> {
        let v = self.expr(map, f)?;
        let Form::C(Shape {
            kind: ShapeKind::Map { key: ks, val },
            ..
        }) = &v.form
        else {
            return unsupported("a lookup in a map without a code");
        };
        // A key without a code in the key shape is not in the map.
        let kc = self.code_in(key, ks, quote!(return Err(Bail)), f)?;
        let (x, kb, vb) = (v.ts, ks.bits, val.bits);
        let code = quote!({
            let (mp, key) = (#x, #kc);
            k::map_get(mp, #kb, #vb, key)?
        });
        self.part(code, val, &e.ty)
    }
}
