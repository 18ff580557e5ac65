//! Values in a given shape: what the closures' `conform` and `reshape`
//! make of a value whose type differs from the one wanted only in integer
//! and sequence bounds (or has no shape at all, as `a ++ b` and a range
//! have), and what a literal or a comprehension builds for its type.
//!
//! The closures convert through values (`compile.rs`: decode, then encode
//! in the new shape); a value that has no code there stays a value, which
//! a store then rejects. The code below converts code to code and gives
//! up where the value has no code in the new shape.

use proc_macro2::TokenStream;
use quote::quote;
use spec_lang::ir::{BinaryOp, Builtin, Expr, ExprKind};

use super::{Emitter, Form, Frame, lit_u64};
use crate::emit::{E, unsupported};
use crate::shape::{Shape, ShapeKind, mask};

impl Emitter<'_> {
    /// `e` as a code of `target`, giving up (at run time) when its value
    /// has no code there. Only for places where the closures convert the
    /// value to `target`'s shape: a store, a message field, an argument,
    /// a component of a literal.
    pub fn expr_in(&self, e: &Expr, target: &Shape, f: &mut Frame) -> E<TokenStream> {
        match &e.kind {
            ExprKind::SetLit(items) => self.set_lit_in(items, target, f),
            ExprKind::TupleLit(items) | ExprKind::RecordLit(items) => {
                self.product_lit_in(items, target, f)
            }
            ExprKind::SeqLit(items) => self.seq_lit_in(items, target, f),
            ExprKind::MapLit(entries) => self.map_lit_in(entries, target, f),
            ExprKind::Binary(BinaryOp::Concat, a, b) => self.concat_in(a, b, target, f),
            // Operands that fit make a result that fits (and a result of
            // a union that fits has operands that fit).
            ExprKind::Binary(op @ (BinaryOp::Union | BinaryOp::Diff | BinaryOp::Inter), a, b)
                if matches!(target.kind, ShapeKind::Set(_)) =>
            {
                let x = self.expr_in(a, target, f)?;
                let y = self.expr_in(b, target, f)?;
                let op = match op {
                    BinaryOp::Union => quote!(p | q),
                    BinaryOp::Diff => quote!(p & !q),
                    _ => quote!(p & q),
                };
                Ok(quote!({
                    let (p, q) = (#x, #y);
                    #op
                }))
            }
            ExprKind::WithIndex(base, entries) => self.with_index_in(base, entries, target, f),
            ExprKind::WithFields(base, updates) => self.with_fields_in(base, updates, target, f),
            ExprKind::Range(lo, hi) => self.range_in(lo, hi, target, f),
            ExprKind::SetFilter { local, set, cond } => {
                self.filter_in(*local, set, cond, target, f)
            }
            ExprKind::SetMap {
                elem,
                binders,
                cond,
            } => self.set_map_in(elem, binders, cond.as_deref(), target, f),
            ExprKind::MapComp { local, set, value } => {
                self.map_comp_in(*local, set, value, target, f)
            }
            ExprKind::Builtin(Builtin::Some, args)
                if matches!(target.kind, ShapeKind::Option(_)) =>
            {
                let (ShapeKind::Option(inner), [a]) = (&target.kind, args.as_slice()) else {
                    return unsupported("malformed IR: some() with other arguments");
                };
                let c = self.code_in(a, inner, quote!(return Err(Bail)), f)?;
                let ib = inner.bits;
                Ok(quote!(k::shl(1, #ib) | (#c)))
            }
            ExprKind::If(c, t, x) => {
                let c = self.scalar(c, f)?;
                let t = self.expr_in(t, target, f)?;
                let x = self.expr_in(x, target, f)?;
                Ok(quote!(if (#c) != 0 { #t } else { #x }))
            }
            _ => {
                let v = self.expr(e, f)?;
                match &v.form {
                    Form::C(from) => self.reshape(v.ts, from, target),
                    Form::S => unsupported("malformed IR: a scalar where a compound is expected"),
                }
            }
        }
    }

    /// The code `code` of shape `from` as a code of shape `to`, for types
    /// that differ only in integer and sequence bounds.
    pub fn reshape(&self, code: TokenStream, from: &Shape, to: &Shape) -> E<TokenStream> {
        if from == to {
            return Ok(code);
        }
        // Each conversion of a component reads it from `el`.
        let el = quote!(el);
        Ok(match (&from.kind, &to.kind) {
            (ShapeKind::Int { lo: a, .. }, ShapeKind::Int { lo, hi }) => quote!({
                let n = ((#code) as i64).wrapping_add(#a);
                if #lo <= n && n <= #hi {
                    n.wrapping_sub(#lo) as u64
                } else {
                    return Err(Bail);
                }
            }),
            (ShapeKind::Option(a), ShapeKind::Option(b)) => {
                let inner = self.reshape(el.clone(), a, b)?;
                let (ab, bb) = (a.bits, b.bits);
                let m = lit_u64(mask(ab));
                quote!({
                    let op: u64 = #code;
                    if k::shr(op, #ab) & 1 == 0 {
                        0u64
                    } else {
                        let el = op & #m;
                        k::shl(1, #bb) | (#inner)
                    }
                })
            }
            (
                ShapeKind::Product {
                    record: ra,
                    fields: fa,
                    offsets: oa,
                },
                ShapeKind::Product {
                    record: rb,
                    fields: fb,
                    offsets: ob,
                },
            ) if ra == rb && fa.len() == fb.len() => {
                let mut parts = Vec::new();
                for (((sa, a_off), sb), b_off) in fa.iter().zip(oa).zip(fb).zip(ob) {
                    let conv = self.reshape(el.clone(), sa, sb)?;
                    let m = lit_u64(mask(sa.bits));
                    parts.push(quote! {
                        let el = k::shr(pr, #a_off) & #m;
                        out |= k::shl(#conv, #b_off);
                    });
                }
                quote!({
                    let pr: u64 = #code;
                    let mut out = 0u64;
                    #(#parts)*
                    out
                })
            }
            (ShapeKind::Set(a), ShapeKind::Set(b)) => {
                let conv = self.reshape(el.clone(), a, b)?;
                quote!({
                    let mut rest: u64 = #code;
                    let mut out = 0u64;
                    while rest != 0 {
                        let el = u64::from(rest.trailing_zeros());
                        rest &= rest - 1;
                        out |= k::shl(1, (#conv) as u32);
                    }
                    out
                })
            }
            (ShapeKind::Seq { elem: a, max: ma }, ShapeKind::Seq { elem: b, max: mb }) => {
                let (ab, bb) = (a.bits, b.bits);
                if a == b {
                    return Ok(quote!(k::seq_rebound(#code, #ab, #ma, #mb)?));
                }
                let conv = self.reshape(el.clone(), a, b)?;
                quote!({
                    let sq: u64 = #code;
                    let len = k::seq_len(sq, #ab, #ma);
                    if len > u64::from(#mb) {
                        return Err(Bail);
                    }
                    let mut out = k::shl(len, #mb * #bb);
                    for at in 0..len as u32 {
                        let el = k::seq_at(sq, #ab, #ma, at);
                        out = k::seq_put(out, #bb, #mb, at, #conv);
                    }
                    out
                })
            }
            (ShapeKind::Map { key: ka, val: va }, ShapeKind::Map { key: kb, val: vb }) => {
                let kconv = self.reshape(el.clone(), ka, kb)?;
                let vconv = self.reshape(el.clone(), va, vb)?;
                let (kab, vab, kbb, vbb) = (ka.bits, va.bits, kb.bits, vb.bits);
                let vm = lit_u64(mask(vab));
                quote!({
                    let mp: u64 = #code;
                    let mut out = 0u64;
                    for key in 0..(1u64 << #kab) {
                        let digit = k::map_digit(mp, #kab, #vab, key);
                        if digit != 0 {
                            let el = key;
                            let to_key = #kconv;
                            let el = digit & #vm;
                            out = k::map_put(out, #kbb, #vbb, to_key, #vconv);
                        }
                    }
                    out
                })
            }
            _ => return unsupported("a value changes shape"),
        })
    }
}
