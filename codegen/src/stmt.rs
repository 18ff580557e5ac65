//! Step bodies: statements in order, `choose` through the hook, sends
//! collected into the step's result.

use proc_macro2::TokenStream;
use quote::quote;
use spec_lang::ir::{MessageValue, Place, Selector, Stmt, StmtKind, Type};

use crate::GenResult;
use crate::expr::Cx;
use crate::names::{camel_ident, snake_ident};

/// Where the statements of one step are generated.
pub struct StepCx<'a> {
    pub cx: Cx<'a>,
    pub role: &'a str,
    pub step: &'a str,
}

/// Whether a block sends anything (so that the step needs a send list).
pub fn sends(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Send { .. } | StmtKind::Broadcast { .. } => true,
        StmtKind::If {
            then, otherwise, ..
        } => sends(then) || sends(otherwise),
        StmtKind::For { body, .. } => sends(body),
        _ => false,
    })
}

impl StepCx<'_> {
    pub fn block(&self, stmts: &[Stmt]) -> GenResult<TokenStream> {
        let out: Vec<TokenStream> = stmts
            .iter()
            .map(|s| self.stmt(s))
            .collect::<GenResult<_>>()?;
        Ok(quote!(#(#out)*))
    }

    fn stmt(&self, s: &Stmt) -> GenResult<TokenStream> {
        let cx = &self.cx;
        Ok(match &s.kind {
            StmtKind::Assign { place, value } => self.assign(place, &cx.expr(value)?)?,
            StmtKind::Let { local, value } => {
                let n = cx.local(*local);
                let v = cx.expr(value)?;
                quote!(let #n = #v;)
            }
            StmtKind::Choose { local, set, filter } => {
                let n = cx.local(*local);
                let t = cx.ty(&cx.locals[local.index()].ty);
                let set = cx.expr(set)?;
                let candidates = match filter {
                    Some(f) => {
                        let f = cx.expr(f)?;
                        quote!(value::filter_seq(#set, |#n: #t| #f))
                    }
                    None => quote!(value::elements(#set)),
                };
                let (role, step, name) = (self.role, self.step, &cx.locals[local.index()].name);
                quote! {
                    let site = runtime::ChoiceSite { role: #role, step: #step, local: #name };
                    let Some(#n) = runtime::pick(hook, &site, #candidates) else {
                        return Err(runtime::Refusal::Disabled);
                    };
                }
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = cx.expr(cond)?;
                let t = self.block(then)?;
                if otherwise.is_empty() {
                    quote!(if #c { #t })
                } else {
                    let o = self.block(otherwise)?;
                    quote!(if #c { #t } else { #o })
                }
            }
            StmtKind::For { local, set, body } => {
                let n = cx.local(*local);
                let set = cx.expr(set)?;
                let body = self.block(body)?;
                quote!(for #n in #set { #body })
            }
            StmtKind::Send { message, to } => {
                let m = self.message(message)?;
                let to = cx.expr(to)?;
                quote!(sends.push(runtime::Outgoing::new(#to, #m));)
            }
            StmtKind::Broadcast {
                message,
                to,
                exclude_self,
            } => {
                let m = self.message(message)?;
                let to = cx.expr(to)?;
                let push = quote!(sends.push(runtime::Outgoing::new(recipient, message.clone())););
                let push = if *exclude_self {
                    quote!(if recipient != me { #push })
                } else {
                    push
                };
                quote! {
                    let message = #m;
                    for recipient in #to { #push }
                }
            }
            StmtKind::Assert { cond, message } => {
                let c = cx.operand(cond)?;
                let text = message
                    .clone()
                    .unwrap_or_else(|| format!("assertion in step {}", self.step));
                quote!(if !#c { return Err(runtime::Refusal::Assertion(#text)); })
            }
        })
    }

    fn message(&self, m: &MessageValue) -> GenResult<TokenStream> {
        let def = self.cx.spec.message(m.message);
        let name = camel_ident(&def.name);
        if def.fields.is_empty() {
            return Ok(quote!(Message::#name));
        }
        let fields = def.fields.iter().map(|f| snake_ident(&f.name));
        let values: Vec<TokenStream> = m
            .fields
            .iter()
            .map(|e| self.cx.expr(e))
            .collect::<GenResult<_>>()?;
        Ok(quote!(Message::#name(#name { #(#fields: #values),* })))
    }

    /// `x := v`, `x.f := v`, `x[k] := v`: the value is computed first, then
    /// stored in the acting instance's state.
    fn assign(&self, place: &Place, value: &TokenStream) -> GenResult<TokenStream> {
        let cx = &self.cx;
        let var = cx.spec.var(place.var);
        let f = snake_ident(&var.name);
        if place.path.is_empty() {
            return Ok(quote!(self.#f = #value;));
        }
        let mut target = quote!(self.#f);
        let mut ty = var.ty.clone();
        let mut keys = Vec::new();
        let last = place.path.len() - 1;
        for (n, sel) in place.path.iter().enumerate() {
            match sel {
                Selector::Field(i) => {
                    let Type::Record(id) = &ty else {
                        return crate::unsupported(place.span, "a field of a non-record");
                    };
                    let field = &cx.spec.records[id.index()].fields[*i as usize];
                    let fi = snake_ident(&field.name);
                    target = quote!(#target.#fi);
                    ty = field.ty.clone();
                }
                Selector::TupleIndex(i) => {
                    let Type::Tuple(ts) = &ty else {
                        return crate::unsupported(place.span, "a component of a non-tuple");
                    };
                    let idx = syn::Index::from(*i as usize);
                    target = quote!(#target.#idx);
                    ty = ts[*i as usize].clone();
                }
                Selector::Index(k) => {
                    let key = quote::format_ident!("key{}", n);
                    let kv = cx.expr(k)?;
                    keys.push(quote!(let #key = #kv;));
                    if n == last {
                        return Ok(quote!({
                            let value = #value;
                            #(#keys)*
                            value::Indexed::assign(&mut #target, #key, value);
                        }));
                    }
                    target = quote!((*value::Indexed::slot(&mut #target, #key)));
                    ty = match &ty {
                        Type::Map(_, v) | Type::Seq(v, _) => (**v).clone(),
                        _ => {
                            return crate::unsupported(
                                place.span,
                                "an index into a non-collection",
                            );
                        }
                    };
                }
            }
        }
        Ok(quote!({
            let value = #value;
            #(#keys)*
            #target = value;
        }))
    }
}
