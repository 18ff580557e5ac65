//! The spec's state constraints, as functions of every instance's state
//! (`runtime::World`), for the simulator: the checker explores nothing
//! beyond a state that violates one, so a simulated run stops there too.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use spec_lang::ir::Spec;

use crate::GenResult;
use crate::expr::{Cx, Scope};
use crate::fallible::Fallibility;
use crate::names::{camel_ident, frame_names, snake_ident};

/// The `Node` accessors that constraints read instances through, and one
/// function per constraint. Nothing when the spec has no constraint.
pub fn constraints(spec: &Spec, fallibility: &Fallibility) -> GenResult<TokenStream> {
    if spec.constraints.is_empty() {
        return Ok(quote!());
    }
    let several = spec.roles.len() > 1;
    let accessors = spec.roles.iter().map(|r| {
        let variant = camel_ident(&r.name);
        let module = snake_ident(&r.name);
        let doc = format!(" The state of a `{}` instance.", r.name);
        let other = several.then(|| quote!(_ => Err(runtime::EvalError::NoSuchInstance),));
        quote! {
            #[doc = #doc]
            pub fn #module(&self) -> runtime::Eval<&#module::State> {
                match self {
                    Node::#variant(s) => Ok(s),
                    #other
                }
            }
        }
    });
    let mut functions = Vec::new();
    for (n, c) in spec.constraints.iter().enumerate() {
        let names = frame_names(&c.cond.locals, false);
        let cx = Cx::new(spec, fallibility, &c.cond.locals, names, Scope::World);
        let body = cx.expr(&c.cond.expr)?;
        let name = format_ident!("constraint_{}", n + 1);
        let doc = format!(" The spec's state constraint number {}.", n + 1);
        functions.push(quote! {
            #[doc = #doc]
            #[allow(unused_variables)]
            fn #name(world: &runtime::World<'_, Node>) -> runtime::Eval<bool> {
                Ok(#body)
            }
        });
    }
    Ok(quote! {
        impl Node {
            #(#accessors)*
        }

        #(#functions)*
    })
}

/// The `Protocol::constraints_hold` method: every constraint, in order.
pub fn constraints_hold(spec: &Spec) -> TokenStream {
    if spec.constraints.is_empty() {
        return quote!();
    }
    let calls = (1..=spec.constraints.len()).map(|n| {
        let name = format_ident!("constraint_{}", n);
        quote!(#name(world)?)
    });
    quote! {
        fn constraints_hold(world: &runtime::World<'_, Node>) -> runtime::Eval<bool> {
            Ok(#(#calls)&&*)
        }
    }
}
