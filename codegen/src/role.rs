//! One module per role: its `State` (the spec's variables, typed), `init`,
//! the sans-I/O `handle`, crash recovery, and one method per step.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use spec_lang::ir::{RoleId, Spec, Step, StepKind};

use crate::bounds::{checks, has_bounds, static_fits};
use crate::expr::{Cx, Scope, is_copy, rust_type};
use crate::fallible::Fallibility;
use crate::names::{camel_ident, frame_names, snake_ident};
use crate::stmt::{StepCx, sends};
use crate::{GenError, GenResult, unsupported};

pub fn role_module(spec: &Spec, fallibility: &Fallibility, n: usize) -> GenResult<TokenStream> {
    let role = &spec.roles[n];
    let vars: Vec<_> = role.vars.iter().map(|v| spec.var(*v)).collect();
    let fields: Vec<_> = vars.iter().map(|v| snake_ident(&v.name)).collect();
    let types = vars.iter().map(|v| rust_type(spec, &v.ty));
    let docs = vars.iter().map(|v| {
        format!(
            " `{}`{}.",
            v.name,
            if v.persistent {
                " (persistent: kept across a crash)"
            } else {
                ""
            }
        )
    });
    // Initial values are computed by `State::init`, which cannot fail: an
    // initial value must provably be defined and within its bounds.
    let mut inits = Vec::new();
    for v in &vars {
        let cx = Cx::new(
            spec,
            fallibility,
            &v.init.locals,
            frame_names(&v.init.locals, true),
            Scope::Pure,
        );
        let e = &v.init.expr;
        if cx.can_fail(e) {
            return unsupported(e.span, "an initial value that can fail to evaluate");
        }
        match static_fits(spec, e, &v.ty) {
            Some(Ok(())) => {}
            Some(Err(reason)) => {
                return Err(GenError {
                    message: format!(
                        "the initial value of `{}` is out of its bounds: {reason}",
                        v.name
                    ),
                    span: e.span,
                });
            }
            None => {
                return unsupported(
                    e.span,
                    "an initial value that may leave its declared bounds (write it as a literal)",
                );
            }
        }
        inits.push(cx.expr(e)?);
    }
    // A check per bounded variable that some step assigns.
    let assigned =
        crate::stmt::assigned_vars(spec.steps.iter().filter(|s| s.role == RoleId(n as u32)));
    let bound_checks: Vec<TokenStream> = role
        .vars
        .iter()
        .filter(|id| assigned.contains(id))
        .map(|id| spec.var(*id))
        .filter(|v| has_bounds(spec, &v.ty))
        .map(|v| {
            let f = snake_ident(&v.name);
            let check = format_ident!("check_{}", f.to_string().trim_start_matches("r#"));
            let body = checks(spec, &v.ty, &quote!(self.#f), &v.name);
            let doc = format!(
                " Checks that `{}` is within its declared bounds (a store outside them is an evaluation error).",
                v.name
            );
            quote! {
                #[doc = #doc]
                fn #check(&self) -> runtime::Eval<()> {
                    #body
                    Ok(())
                }
            }
        })
        .collect();
    let persistent: Vec<_> = vars
        .iter()
        .zip(&fields)
        .filter(|(v, _)| v.persistent)
        .map(|(_, f)| f)
        .collect();
    let other = if persistent.is_empty() {
        quote::format_ident!("_other")
    } else {
        quote::format_ident!("other")
    };
    let persistent_eq = if persistent.is_empty() {
        quote!(true)
    } else {
        quote!(#(self.#persistent == other.#persistent)&&*)
    };
    let volatile: Vec<_> = vars
        .iter()
        .zip(&fields)
        .filter(|(v, _)| !v.persistent)
        .map(|(_, f)| f)
        .collect();
    let recover = if volatile.is_empty() {
        quote! {
            /// Restarts after a crash: every variable is persistent, so nothing changes.
            pub fn recover(&mut self, _me: runtime::InstanceId) {}
        }
    } else {
        quote! {
            /// Restarts after a crash: persistent variables are kept, volatile ones
            /// return to their initial values.
            pub fn recover(&mut self, me: runtime::InstanceId) {
                let fresh = State::init(me);
                #(self.#volatile = fresh.#volatile;)*
            }
        }
    };
    let texts = vars.iter().map(|v| v.name.as_str());

    let mut methods = Vec::new();
    let mut receive_arms: Vec<(usize, TokenStream)> = Vec::new();
    let mut step_arms = Vec::new();
    for step in spec.steps.iter().filter(|s| s.role == RoleId(n as u32)) {
        methods.push(step_method(spec, fallibility, &role.name, step)?);
        let method = format_ident!(
            "on_{}",
            snake_ident(&step.name).to_string().trim_start_matches("r#")
        );
        let name = step.name.as_str();
        match &step.kind {
            StepKind::Internal | StepKind::Timeout => step_arms.push(quote! {
                runtime::Event::Step(#name) => runtime::attempt(self, #name, |s| s.#method(me, hook))
            }),
            StepKind::Receive(r) => {
                let has_fields = !spec.message(r.message).fields.is_empty();
                let call = if has_fields {
                    quote!(runtime::attempt(self, #name, |s| s.#method(me, *from, msg, hook)))
                } else {
                    quote!(runtime::attempt(self, #name, |s| s.#method(me, *from, hook)))
                };
                receive_arms.push((r.message.index(), call));
            }
        }
    }
    // Receive steps of the same message kind are tried in spec order: the
    // first whose pattern and guard hold takes the message.
    let mut kinds: Vec<usize> = receive_arms.iter().map(|(k, _)| *k).collect();
    kinds.dedup();
    kinds.sort_unstable();
    kinds.dedup();
    let receive = kinds.iter().map(|k| {
        let def = &spec.messages[*k];
        let name = camel_ident(&def.name);
        let mut calls = receive_arms.iter().filter(|(m, _)| m == k).map(|(_, c)| c);
        let first = calls.next();
        let rest = calls.map(|c| quote!(.or_else(|| #c)));
        let pattern = if def.fields.is_empty() {
            quote!(Message::#name)
        } else {
            quote!(Message::#name(msg))
        };
        quote!(runtime::Event::Receive { from, message: #pattern } => #first #(#rest)*)
    });
    let doc = format!(" The `{}` role.", role.name);
    let body = quote! {
        /// The variables of one instance.
        #[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
        pub struct State {
            #(#[doc = #docs] pub #fields: #types,)*
        }

        impl State {
            /// The initial state of the instance `me`.
            #[allow(unused_variables)]
            pub fn init(me: runtime::InstanceId) -> State {
                State { #(#fields: #inits,)* }
            }

            /// Offers one event: the first enabled step for it runs, and its
            /// effects are returned; otherwise nothing changes.
            pub fn handle(&mut self, me: runtime::InstanceId, event: &runtime::Event<Message>, hook: &mut dyn runtime::Hook) -> runtime::Outcome<Message> {
                match event {
                    #(#receive,)*
                    #(#step_arms,)*
                    _ => runtime::Outcome::NotEnabled,
                }
            }

            #recover

            #(#bound_checks)*

            #(#methods)*
        }

        impl runtime::RoleState for State {
            type Message = Message;

            fn persistent_eq(&self, #other: &State) -> bool {
                #persistent_eq
            }
        }

        impl runtime::ToTrace for State {
            fn to_trace(&self, info: &runtime::ProtocolInfo) -> runtime::Json {
                runtime::trace_object([#((#texts, runtime::ToTrace::to_trace(&self.#fields, info))),*])
            }
        }
    };
    let imports = crate::items::imports(&body);
    Ok(quote! {
        #![doc = #doc]

        #imports
        use super::*;

        #body
    })
}

fn step_method(
    spec: &Spec,
    fallibility: &Fallibility,
    role: &str,
    step: &Step,
) -> GenResult<TokenStream> {
    let names = frame_names(&step.locals, true);
    let mut cx = Cx::new(spec, fallibility, &step.locals, names, Scope::Own);
    cx.hoisted = crate::stmt::escaping_locals(&step.body);
    let method = format_ident!(
        "on_{}",
        snake_ident(&step.name).to_string().trim_start_matches("r#")
    );
    let mut params = vec![quote!(me: runtime::InstanceId)];
    let mut prelude = Vec::new();
    if let StepKind::Receive(r) = &step.kind {
        let def = spec.message(r.message);
        let sender = cx.local(r.sender);
        params.push(quote!(#sender: runtime::InstanceId));
        if !def.fields.is_empty() {
            let name = camel_ident(&def.name);
            params.push(quote!(msg: &#name));
        }
        for (field, expected) in &r.matches {
            let f = snake_ident(&def.fields[*field as usize].name);
            let e = cx.operand(expected)?;
            prelude.push(quote!(if msg.#f != #e { return Err(runtime::Refusal::Disabled); }));
        }
        for (field, local) in &r.bindings {
            let fd = &def.fields[*field as usize];
            let f = snake_ident(&fd.name);
            let n = cx.local(*local);
            if is_copy(&fd.ty) {
                prelude.push(quote!(let #n = msg.#f;));
            } else {
                prelude.push(quote!(let #n = msg.#f.clone();));
            }
        }
    }
    params.push(quote!(hook: &mut dyn runtime::Hook));
    let guard = match &step.guard.kind {
        spec_lang::ir::ExprKind::Lit(spec_lang::ir::Literal::Bool(true)) => quote!(),
        _ => {
            let g = cx.operand(&step.guard)?;
            quote!(if !#g { return Err(runtime::Refusal::Disabled); })
        }
    };
    let scx = StepCx {
        cx,
        role,
        step: &step.name,
    };
    let hoisted = scx.hoisted_declarations();
    let body = scx.block(&step.body)?;
    let (start, end) = if sends(&step.body) {
        (quote!(let mut sends = Vec::new();), quote!(Ok(sends)))
    } else {
        (quote!(), quote!(Ok(Vec::new())))
    };
    let kind = match step.kind {
        StepKind::Internal => "internal step",
        StepKind::Timeout => "timeout",
        StepKind::Receive(_) => "receive step",
    };
    let doc = format!(" The {kind} `{}`.", step.name);
    Ok(quote! {
        #[doc = #doc]
        #[allow(unused_variables)]
        fn #method(&mut self, #(#params),*) -> runtime::StepResult<Message> {
            #(#prelude)*
            #guard
            #start
            #hoisted
            #body
            #end
        }
    })
}
