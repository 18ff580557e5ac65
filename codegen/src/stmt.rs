//! Step bodies: statements in order, `choose` through the hook, sends
//! collected into the step's result, stores checked against their declared
//! bounds.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use spec_lang::ir::{
    Expr, LocalId, MessageValue, Place, Selector, Step, Stmt, StmtKind, Type, VarId,
};

use crate::GenResult;
use crate::bounds::has_bounds;
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

/// The variables that some statement of the steps assigns.
pub fn assigned_vars<'s>(steps: impl IntoIterator<Item = &'s Step>) -> BTreeSet<VarId> {
    fn walk(stmts: &[Stmt], out: &mut BTreeSet<VarId>) {
        for s in stmts {
            match &s.kind {
                StmtKind::Assign { place, .. } => {
                    out.insert(place.var);
                }
                StmtKind::If {
                    then, otherwise, ..
                } => {
                    walk(then, out);
                    walk(otherwise, out);
                }
                StmtKind::For { body, .. } => walk(body, out),
                _ => {}
            }
        }
    }
    let mut out = BTreeSet::new();
    for step in steps {
        walk(&step.body, &mut out);
    }
    out
}

/// The locals that a `let` or a `choose` binds inside a nested block (an
/// `if` branch, a `for` body) and that are read after that block: Rust
/// scoping would end them with the block, so the step declares them first,
/// as `Option`s. The spec language scopes a `let` to the rest of its block,
/// so only IR built by other means (a projection) can contain such reads.
pub fn escaping_locals(body: &[Stmt]) -> BTreeSet<LocalId> {
    // Each binding's block, as the path of block numbers from the body.
    let mut bound: BTreeMap<LocalId, Vec<usize>> = BTreeMap::new();
    let mut next = 1;
    bind_blocks(body, &mut vec![0], &mut next, &mut bound);
    let mut out = BTreeSet::new();
    let mut next = 1;
    read_blocks(body, &mut vec![0], &mut next, &bound, &mut out);
    out
}

fn bind_blocks(
    stmts: &[Stmt],
    path: &mut Vec<usize>,
    next: &mut usize,
    bound: &mut BTreeMap<LocalId, Vec<usize>>,
) {
    for s in stmts {
        match &s.kind {
            StmtKind::Let { local, .. } | StmtKind::Choose { local, .. } => {
                bound.insert(*local, path.clone());
            }
            StmtKind::If {
                then, otherwise, ..
            } => {
                for block in [then, otherwise] {
                    path.push(*next);
                    *next += 1;
                    bind_blocks(block, path, next, bound);
                    path.pop();
                }
            }
            StmtKind::For { local, body, .. } => {
                path.push(*next);
                *next += 1;
                bound.insert(*local, path.clone());
                bind_blocks(body, path, next, bound);
                path.pop();
            }
            _ => {}
        }
    }
}

fn read_blocks(
    stmts: &[Stmt],
    path: &mut Vec<usize>,
    next: &mut usize,
    bound: &BTreeMap<LocalId, Vec<usize>>,
    out: &mut BTreeSet<LocalId>,
) {
    let check = |e: &Expr, path: &[usize], out: &mut BTreeSet<LocalId>| {
        reads(e, &mut |id| {
            if let Some(at) = bound.get(&id)
                && !path.starts_with(at)
            {
                out.insert(id);
            }
        });
    };
    for s in stmts {
        for e in stmt_exprs(s) {
            check(e, path, out);
        }
        match &s.kind {
            StmtKind::If {
                then, otherwise, ..
            } => {
                for block in [then, otherwise] {
                    path.push(*next);
                    *next += 1;
                    read_blocks(block, path, next, bound, out);
                    path.pop();
                }
            }
            StmtKind::For { body, .. } => {
                path.push(*next);
                *next += 1;
                read_blocks(body, path, next, bound, out);
                path.pop();
            }
            _ => {}
        }
    }
}

/// The expressions a statement evaluates itself (not those of nested
/// blocks).
fn stmt_exprs(s: &Stmt) -> Vec<&Expr> {
    match &s.kind {
        StmtKind::Assign { place, value } => {
            let mut out = vec![value];
            out.extend(place.path.iter().filter_map(|sel| match sel {
                Selector::Index(k) => Some(k),
                _ => None,
            }));
            out
        }
        StmtKind::Let { value, .. } => vec![value],
        StmtKind::Choose { set, filter, .. } => {
            let mut out = vec![set];
            out.extend(filter);
            out
        }
        StmtKind::If { cond, .. } => vec![cond],
        StmtKind::For { set, .. } => vec![set],
        StmtKind::Send { message, to } => {
            let mut out: Vec<&Expr> = message.fields.iter().collect();
            out.push(to);
            out
        }
        StmtKind::Broadcast { message, to, .. } => {
            let mut out: Vec<&Expr> = message.fields.iter().collect();
            out.push(to);
            out
        }
        StmtKind::Assert { cond, .. } => vec![cond],
    }
}

fn reads(e: &Expr, f: &mut dyn FnMut(LocalId)) {
    if let spec_lang::ir::ExprKind::Local(id) = e.kind {
        f(id);
    }
    for c in e.children() {
        reads(c, f);
    }
}

impl StepCx<'_> {
    /// The declarations of the step's hoisted locals (see
    /// [`escaping_locals`]), before its body.
    pub fn hoisted_declarations(&self) -> TokenStream {
        let cx = &self.cx;
        let decls = cx.hoisted.iter().map(|id| {
            let n = cx.local(*id);
            let t = cx.ty(&cx.locals[id.index()].ty);
            quote!(let mut #n: Option<#t> = None;)
        });
        quote!(#(#decls)*)
    }

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
            StmtKind::Assign { place, value } => {
                let store = self.assign(place, &cx.expr(value)?)?;
                let var = cx.spec.var(place.var);
                if has_bounds(cx.spec, &var.ty) {
                    let f = snake_ident(&var.name);
                    let check = format_ident!("check_{}", f.to_string().trim_start_matches("r#"));
                    quote!(#store self.#check()?;)
                } else {
                    store
                }
            }
            StmtKind::Let { local, value } => {
                let n = cx.local(*local);
                let v = cx.expr(value)?;
                if cx.hoisted.contains(local) {
                    quote!(#n = Some(#v);)
                } else {
                    quote!(let #n = #v;)
                }
            }
            StmtKind::Choose { local, set, filter } => {
                let n = cx.local(*local);
                let t = cx.ty(&cx.locals[local.index()].ty);
                let set = cx.expr(set)?;
                let candidates = match filter {
                    Some(f) => {
                        // The filter's own binding is the closure's
                        // parameter, never the hoisted `Option`.
                        let mut inner = cx.hoisted.clone();
                        inner.remove(local);
                        let fcx = Cx {
                            hoisted: inner,
                            names: cx.names.clone(),
                            ..*cx
                        };
                        let fails = fcx.can_fail(f);
                        let f = fcx.expr(f)?;
                        if fails {
                            quote!(value::try_filter_seq(#set, |#n: #t| Ok(#f))?)
                        } else {
                            quote!(value::filter_seq(#set, |#n: #t| #f))
                        }
                    }
                    None => quote!(value::elements(#set)),
                };
                let (role, step, name) = (self.role, self.step, &cx.locals[local.index()].name);
                let site = quote!(let site = runtime::ChoiceSite { role: #role, step: #step, local: #name };);
                if cx.hoisted.contains(local) {
                    quote! {
                        #site
                        let Some(picked) = runtime::pick(hook, &site, #candidates) else {
                            return Err(runtime::Refusal::Disabled);
                        };
                        #n = Some(picked);
                    }
                } else {
                    quote! {
                        #site
                        let Some(#n) = runtime::pick(hook, &site, #candidates) else {
                            return Err(runtime::Refusal::Disabled);
                        };
                    }
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
                if cx.hoisted.contains(local) {
                    return crate::unsupported(s.span, "a `for` variable read after its loop");
                }
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
        if def.fields.iter().any(|f| has_bounds(self.cx.spec, &f.ty)) {
            Ok(quote!(Message::#name(#name { #(#fields: #values),* }.checked()?)))
        } else {
            Ok(quote!(Message::#name(#name { #(#fields: #values),* })))
        }
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
                            value::Indexed::assign(&mut #target, #key, value)?;
                        }));
                    }
                    target = quote!((*value::Indexed::slot(&mut #target, #key)?));
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
