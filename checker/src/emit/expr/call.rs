//! Calls of user functions, inlined: the arguments in the caller's frame,
//! converted to the parameters' types as the closures convert them, then
//! the body in a frame of its own with the parameters bound. The resolver
//! forbids recursion, so inlining ends.

use quote::quote;
use spec_lang::ir::{Expr, FnId, Type};

use super::{Emitter, Frame, Val};
use crate::emit::{E, unsupported};

impl Emitter<'_> {
    pub(super) fn call(&self, id: FnId, args: &[Expr], e: &Expr, f: &mut Frame) -> E<Val> {
        let Some(func) = self.spec.functions.get(id.index()) else {
            return unsupported("malformed IR: an unknown function");
        };
        if func.params.len() != args.len() {
            return unsupported("malformed IR: a call with the wrong number of arguments");
        }
        let types: Vec<Type> = func.body.locals.iter().map(|l| l.ty.clone()).collect();
        let mut callee = Frame::new(types, None);
        callee.in_function = true;
        let mut lets = Vec::new();
        for (param, arg) in func.params.iter().zip(args) {
            let ty = callee.ty(*param)?.clone();
            let v = self.conform(arg, &ty, f)?;
            let name = self.fresh("arg");
            let ts = v.ts;
            lets.push(quote!(let #name: u64 = #ts;));
            callee.bind(*param, name, v.form);
        }
        let body = self.expr(&func.body.expr, &mut callee)?;
        // The closures pass the body's value on as a value of the result
        // type: only the same form is the same value.
        let form = self.form_of(&func.ret)?;
        if body.form != form || self.form_of(&e.ty)? != form {
            return unsupported("a function whose body's type has another shape than its result");
        }
        let bt = body.ts;
        Ok(Val {
            ts: quote!({
                #(#lets)*
                #bt
            }),
            form,
        })
    }
}
