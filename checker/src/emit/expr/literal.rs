//! Literals, `++` and `with` built directly in a target shape (see
//! `reshape.rs` for when a value is built in a shape other than its
//! type's). Each gives up where the closures' value would have no code in
//! the target: a component outside its shape, a sequence past its bound,
//! an index out of range.

use proc_macro2::TokenStream;
use quote::quote;
use spec_lang::ir::Expr;

use super::{Emitter, Frame, lit_u64};
use crate::emit::{E, unsupported};
use crate::shape::{ShapeKind, mask, seq_offset};

impl Emitter<'_> {
    /// `{a, b, ...}`: one bit per element.
    pub(super) fn set_lit_in(
        &self,
        items: &[Expr],
        target: &crate::shape::Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Set(elem) = &target.kind else {
            return unsupported("malformed IR: a set literal of another type");
        };
        let mut parts = Vec::new();
        for x in items {
            let c = self.code_in(x, elem, quote!(return Err(Bail)), f)?;
            parts.push(quote!(code |= 1u64 << (#c);));
        }
        Ok(quote!({
            let mut code = 0u64;
            #(#parts)*
            code
        }))
    }

    /// A record or tuple literal: the fields side by side.
    pub(super) fn product_lit_in(
        &self,
        items: &[Expr],
        target: &crate::shape::Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Product {
            fields, offsets, ..
        } = &target.kind
        else {
            return unsupported("malformed IR: a literal of another type");
        };
        if fields.len() != items.len() {
            return unsupported("malformed IR: a literal with the wrong arity");
        }
        let mut parts = Vec::new();
        for ((x, fs), off) in items.iter().zip(fields).zip(offsets) {
            let c = self.code_in(x, fs, quote!(return Err(Bail)), f)?;
            parts.push(quote!(code |= k::shl(#c, #off);));
        }
        Ok(quote!({
            let mut code = 0u64;
            #(#parts)*
            code
        }))
    }

    /// `[a, b, ...]`: the length, then the elements.
    pub(super) fn seq_lit_in(
        &self,
        items: &[Expr],
        target: &crate::shape::Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Seq { elem, max } = &target.kind else {
            return unsupported("malformed IR: a sequence literal of another type");
        };
        if items.len() > *max as usize {
            return unsupported("a sequence literal longer than its bound");
        }
        let eb = elem.bits;
        let len = lit_u64(items.len() as u64);
        let len_at = max * eb;
        let mut parts = Vec::new();
        for (k, x) in items.iter().enumerate() {
            let c = self.code_in(x, elem, quote!(return Err(Bail)), f)?;
            let off = seq_offset(eb, *max, k as u32);
            parts.push(quote!(code |= k::shl(#c, #off);));
        }
        Ok(quote!({
            let mut code = k::shl(#len, #len_at);
            #(#parts)*
            code
        }))
    }

    /// `[k1 -> v1, ...]`: a later entry for a key replaces an earlier one,
    /// as `Value::map_from` keeps the last.
    pub(super) fn map_lit_in(
        &self,
        entries: &[(Expr, Expr)],
        target: &crate::shape::Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Map { key, val } = &target.kind else {
            return unsupported("malformed IR: a map literal of another type");
        };
        let (kb, vb) = (key.bits, val.bits);
        let mut parts = Vec::new();
        for (k, v) in entries {
            let kc = self.code_in(k, key, quote!(return Err(Bail)), f)?;
            let vc = self.code_in(v, val, quote!(return Err(Bail)), f)?;
            parts.push(quote! {
                let (key, value) = (#kc, #vc);
                code = k::map_put(code, #kb, #vb, key, value);
            });
        }
        Ok(quote!({
            let mut code = 0u64;
            #(#parts)*
            code
        }))
    }

    /// `a ++ b` in a sequence shape: both operands in the target's shape
    /// (a result that fits has operands that fit), then joined.
    pub(super) fn concat_in(
        &self,
        a: &Expr,
        b: &Expr,
        target: &crate::shape::Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Seq { elem, max } = &target.kind else {
            return unsupported("malformed IR: `++` of another type");
        };
        let x = self.expr_in(a, target, f)?;
        let y = self.expr_in(b, target, f)?;
        let eb = elem.bits;
        Ok(quote!({
            let (p, q) = (#x, #y);
            k::seq_concat(p, q, #eb, #max)?
        }))
    }

    /// `base with [k -> v, ...]`: map entries set (new keys allowed) or
    /// sequence elements replaced (1-based, in range), in order.
    pub(super) fn with_index_in(
        &self,
        base: &Expr,
        entries: &[(Expr, Expr)],
        target: &crate::shape::Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let code = self.expr_in(base, target, f)?;
        let mut parts = Vec::new();
        for (k, v) in entries {
            parts.push(match &target.kind {
                ShapeKind::Map { key, val } => {
                    let (kb, vb) = (key.bits, val.bits);
                    let kc = self.code_in(k, key, quote!(return Err(Bail)), f)?;
                    let vc = self.code_in(v, val, quote!(return Err(Bail)), f)?;
                    quote! {
                        let (key, value) = (#kc, #vc);
                        code = k::map_put(code, #kb, #vb, key, value);
                    }
                }
                ShapeKind::Seq { elem, max } => {
                    let eb = elem.bits;
                    let i = self.scalar(k, f)?;
                    let vc = self.code_in(v, elem, quote!(return Err(Bail)), f)?;
                    quote! {
                        let at = k::seq_index(#i, k::seq_len(code, #eb, #max))?;
                        let value = #vc;
                        code = k::seq_put(code, #eb, #max, at, value);
                    }
                }
                _ => return unsupported("malformed IR: `with` on a value without entries"),
            });
        }
        Ok(quote!({
            let mut code: u64 = #code;
            #(#parts)*
            code
        }))
    }

    /// `base with { f: v, ... }` on a record.
    pub(super) fn with_fields_in(
        &self,
        base: &Expr,
        updates: &[(u32, Expr)],
        target: &crate::shape::Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Product {
            fields, offsets, ..
        } = &target.kind
        else {
            return unsupported("malformed IR: a field update of a value without fields");
        };
        let code = self.expr_in(base, target, f)?;
        let mut parts = Vec::new();
        for (n, v) in updates {
            let (Some(fs), Some(off)) = (fields.get(*n as usize), offsets.get(*n as usize)) else {
                return unsupported("malformed IR: a field out of range");
            };
            let m = lit_u64(mask(fs.bits));
            let vc = self.code_in(v, fs, quote!(return Err(Bail)), f)?;
            parts.push(quote! {
                let value = #vc;
                code = (code & !k::shl(#m, #off)) | k::shl(value, #off);
            });
        }
        Ok(quote!({
            let mut code: u64 = #code;
            #(#parts)*
            code
        }))
    }
}
