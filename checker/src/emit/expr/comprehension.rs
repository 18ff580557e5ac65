//! Ranges, set comprehensions and map comprehensions built in a target
//! shape, with the domains of quantifiers (`Emitter::domain`): elements
//! in the domain's order, the condition or value evaluated for each, as
//! the closures' `collect_set`, `SetMap` and `MapComp` evaluate them.

use proc_macro2::TokenStream;
use quote::quote;
use spec_lang::ir::{Expr, LocalId};

use super::{Dom, Emitter, Form, Frame, Store, store};
use crate::emit::{E, unsupported};
use crate::shape::{Shape, ShapeKind};

impl Emitter<'_> {
    /// `lo..hi` as a set.
    pub(super) fn range_in(
        &self,
        lo: &Expr,
        hi: &Expr,
        target: &Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Set(elem) = &target.kind else {
            return unsupported("malformed IR: a range of another type");
        };
        let d = Dom::Range {
            lo: self.scalar(lo, f)?,
            hi: self.scalar(hi, f)?,
        };
        let acc = self.fresh("acc");
        let n = self.fresh("el");
        let code = store(
            &quote!(#n),
            &Store::of_shape(elem, self.insts),
            quote!(return Err(Bail)),
        );
        let each = self.each(&d, &n, &Form::S, quote!(#acc |= 1u64 << (#code);))?;
        Ok(quote!({
            let mut #acc = 0u64;
            #each
            #acc
        }))
    }

    /// `{x in set where cond}`.
    pub(super) fn filter_in(
        &self,
        local: LocalId,
        set: &Expr,
        cond: &Expr,
        target: &Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Set(elem) = &target.kind else {
            return unsupported("malformed IR: a set filter of another type");
        };
        let ty = f.ty(local)?.clone();
        let form = self.form_of(&ty)?;
        let d = self.domain(set, &ty, f)?;
        let name = self.fresh("el");
        let acc = self.fresh("acc");
        let old = f.bind(local, name.clone(), form.clone());
        let body = (|| {
            let c = self.scalar(cond, f)?;
            let code = self.local_in(&name, &form, elem)?;
            Ok(quote!(if (#c) != 0 {
                #acc |= 1u64 << (#code);
            }))
        })();
        f.restore(local, old);
        let each = self.each(&d, &name, &form, body?)?;
        Ok(quote!({
            let mut #acc = 0u64;
            #each
            #acc
        }))
    }

    /// `{elem : x in A, y in B where cond}`.
    pub(super) fn set_map_in(
        &self,
        elem: &Expr,
        binders: &[(LocalId, Expr)],
        cond: Option<&Expr>,
        target: &Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Set(elem_shape) = &target.kind else {
            return unsupported("malformed IR: a set comprehension of another type");
        };
        let acc = self.fresh("acc");
        let loops = self.nest(binders, f, &mut |em, f| {
            let add = em.code_in(elem, elem_shape, quote!(return Err(Bail)), f)?;
            let add = quote!(#acc |= 1u64 << (#add););
            Ok(match cond {
                Some(c) => {
                    let c = em.scalar(c, f)?;
                    quote!(if (#c) != 0 {
                        #add
                    })
                }
                None => add,
            })
        })?;
        Ok(quote!({
            let mut #acc = 0u64;
            #loops
            #acc
        }))
    }

    /// `[x in set -> value]`: one entry per element, a later one for the
    /// same key winning.
    pub(super) fn map_comp_in(
        &self,
        local: LocalId,
        set: &Expr,
        value: &Expr,
        target: &Shape,
        f: &mut Frame,
    ) -> E<TokenStream> {
        let ShapeKind::Map { key, val } = &target.kind else {
            return unsupported("malformed IR: a map comprehension of another type");
        };
        let (kb, vb) = (key.bits, val.bits);
        let ty = f.ty(local)?.clone();
        let form = self.form_of(&ty)?;
        let d = self.domain(set, &ty, f)?;
        let name = self.fresh("el");
        let acc = self.fresh("acc");
        let old = f.bind(local, name.clone(), form.clone());
        let body = (|| {
            let kc = self.local_in(&name, &form, key)?;
            let vc = self.code_in(value, val, quote!(return Err(Bail)), f)?;
            Ok(quote! {
                let (key, value) = (#kc, #vc);
                #acc = k::map_put(#acc, #kb, #vb, key, value);
            })
        })();
        f.restore(local, old);
        let each = self.each(&d, &name, &form, body?)?;
        Ok(quote!({
            let mut #acc = 0u64;
            #each
            #acc
        }))
    }

    /// The Rust variable `name` (a value in `form`) as a code of `shape`,
    /// giving up when it has none there.
    fn local_in(&self, name: &proc_macro2::Ident, form: &Form, shape: &Shape) -> E<TokenStream> {
        match form {
            Form::S => Ok(store(
                &quote!(#name),
                &Store::of_shape(shape, self.insts),
                quote!(return Err(Bail)),
            )),
            Form::C(from) => self.reshape(quote!(#name), from, shape),
        }
    }
}
