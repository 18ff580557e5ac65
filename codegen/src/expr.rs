//! Expressions: each IR expression becomes a Rust expression that computes
//! an owned value of the Rust type of the IR type. An operation that can
//! fail (see `fallible.rs`) is a call of a `runtime::value` function
//! followed by `?`, so the enclosing function or closure returns a
//! `Result`.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Literal as Lit, TokenStream};
use quote::quote;
use spec_lang::ir::{
    BinaryOp, Builtin, Expr, ExprKind, Literal, Local, LocalId, Quantifier, Spec, Type, UnaryOp,
};

use crate::fallible::{Fallibility, fold_int, small_range};
use crate::names::{camel_ident, snake_ident, upper_ident};
use crate::{GenResult, unsupported};

/// The Rust type of an IR type.
pub fn rust_type(spec: &Spec, ty: &Type) -> TokenStream {
    match ty {
        Type::Bool => quote!(bool),
        Type::Int(_) => quote!(i64),
        Type::Enum(id) => {
            let name = camel_ident(&spec.enums[id.index()].name);
            quote!(#name)
        }
        Type::Role(_) => quote!(runtime::InstanceId),
        Type::Set(t) => {
            let t = rust_type(spec, t);
            quote!(BTreeSet<#t>)
        }
        Type::Seq(t, _) => {
            let t = rust_type(spec, t);
            quote!(Vec<#t>)
        }
        Type::Map(k, v) => {
            let (k, v) = (rust_type(spec, k), rust_type(spec, v));
            quote!(BTreeMap<#k, #v>)
        }
        Type::Record(id) => {
            let name = camel_ident(&spec.records[id.index()].name);
            quote!(#name)
        }
        Type::Tuple(ts) => {
            let ts: Vec<TokenStream> = ts.iter().map(|t| rust_type(spec, t)).collect();
            quote!((#(#ts,)*))
        }
        Type::Option(t) => {
            let t = rust_type(spec, t);
            quote!(Option<#t>)
        }
        Type::Message(_) => quote!(Message),
    }
}

/// Whether values of the type are `Copy` in Rust (read without `.clone()`).
pub fn is_copy(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Bool | Type::Int(_) | Type::Enum(_) | Type::Role(_)
    )
}

/// Where variables are read from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
    /// A pure function or a constant: no variables.
    Pure,
    /// A step or an initial value: the acting instance's own variables,
    /// through `self`.
    Own,
    /// A state constraint: any instance's variables, through
    /// `world: &runtime::World<Node>`.
    World,
}

/// What an expression can refer to: the spec, the Rust names of the
/// enclosing frame's locals, and where variables are read from.
pub struct Cx<'a> {
    pub spec: &'a Spec,
    pub fallibility: &'a Fallibility,
    pub locals: &'a [Local],
    pub names: Vec<Ident>,
    pub scope: Scope,
    /// Locals bound inside a block and read after it: kept in an `Option`
    /// declared before the block (see `stmt.rs`).
    pub hoisted: BTreeSet<LocalId>,
}

impl<'a> Cx<'a> {
    pub fn new(
        spec: &'a Spec,
        fallibility: &'a Fallibility,
        locals: &'a [Local],
        names: Vec<Ident>,
        scope: Scope,
    ) -> Cx<'a> {
        Cx {
            spec,
            fallibility,
            locals,
            names,
            scope,
            hoisted: BTreeSet::new(),
        }
    }

    pub fn local(&self, id: LocalId) -> &Ident {
        &self.names[id.index()]
    }

    pub fn ty(&self, ty: &Type) -> TokenStream {
        rust_type(self.spec, ty)
    }

    /// Whether the generated expression can fail (contains a `?`).
    pub fn can_fail(&self, e: &Expr) -> bool {
        self.fallibility
            .fallible(self.spec, e, self.scope == Scope::World)
            || (!self.hoisted.is_empty() && self.reads_hoisted(e))
    }

    fn reads_hoisted(&self, e: &Expr) -> bool {
        matches!(&e.kind, ExprKind::Local(id) if self.hoisted.contains(id))
            || e.children().iter().any(|c| self.reads_hoisted(c))
    }

    /// A variable as a place: `self.x`, or in a state constraint the
    /// variable of the instance the expression names.
    fn var_place(
        &self,
        e: &Expr,
        var: spec_lang::ir::VarId,
        instance: &Expr,
    ) -> GenResult<TokenStream> {
        let def = self.spec.var(var);
        let f = snake_ident(&def.name);
        match self.scope {
            Scope::Own => Ok(quote!(self.#f)),
            Scope::World => {
                let inst = self.expr(instance)?;
                let role = snake_ident(&self.spec.role(def.role).name);
                Ok(quote!(world.node(#inst)?.#role()?.#f))
            }
            Scope::Pure => unsupported(e.span, "variables outside a step"),
        }
    }

    /// The expression, in parentheses when it is an operator or a block.
    pub fn operand(&self, e: &Expr) -> GenResult<TokenStream> {
        let t = self.expr(e)?;
        // Operators written as `value::` calls need no parentheses.
        let call = matches!(
            e.kind,
            ExprKind::Unary(UnaryOp::Neg, _)
                | ExprKind::Binary(
                    BinaryOp::Add
                        | BinaryOp::Sub
                        | BinaryOp::Mul
                        | BinaryOp::Div
                        | BinaryOp::Mod
                        | BinaryOp::Union
                        | BinaryOp::Diff
                        | BinaryOp::Inter
                        | BinaryOp::Concat,
                    ..
                )
        );
        let compound = !call
            && matches!(
                e.kind,
                ExprKind::Unary(..)
                    | ExprKind::Binary(..)
                    | ExprKind::If(..)
                    | ExprKind::Let(..)
                    | ExprKind::WithIndex(..)
                    | ExprKind::WithFields(..)
                    | ExprKind::SetMap { .. }
                    | ExprKind::MapComp { .. }
            )
            || fold_int(self.spec, e).is_some_and(|n| n < 0);
        Ok(if compound { quote!((#t)) } else { t })
    }

    /// The expression as the receiver of a `&self` method: a variable or a
    /// local is used in place, anything else is computed.
    pub fn receiver(&self, e: &Expr) -> GenResult<TokenStream> {
        match &e.kind {
            ExprKind::Local(id) if !self.hoisted.contains(id) => {
                let n = self.local(*id);
                Ok(quote!(#n))
            }
            ExprKind::Var { var, instance } if self.scope != Scope::Pure => {
                self.var_place(e, *var, instance)
            }
            _ => self.operand(e),
        }
    }

    /// A reference to the expression's value, without copying a variable or
    /// a local.
    pub fn borrow(&self, e: &Expr) -> GenResult<TokenStream> {
        match &e.kind {
            ExprKind::Local(id) if !self.hoisted.contains(id) => {
                let n = self.local(*id);
                Ok(quote!(&#n))
            }
            ExprKind::Var { var, instance } if self.scope != Scope::Pure => {
                let place = self.var_place(e, *var, instance)?;
                Ok(quote!(&#place))
            }
            _ => {
                let t = self.operand(e)?;
                Ok(quote!(&#t))
            }
        }
    }

    pub fn expr(&self, e: &Expr) -> GenResult<TokenStream> {
        let spec = self.spec;
        if matches!(
            e.kind,
            ExprKind::Unary(..) | ExprKind::Binary(..) | ExprKind::Builtin(..)
        ) && let Some(n) = fold_int(spec, e)
        {
            let l = Lit::i64_unsuffixed(n);
            return Ok(quote!(#l));
        }
        Ok(match &e.kind {
            ExprKind::Lit(lit) => literal(spec, lit),
            ExprKind::None => quote!(None),
            ExprKind::Local(id) => {
                let n = self.local(*id);
                if self.hoisted.contains(id) {
                    quote!(value::bound(#n.clone())?)
                } else if is_copy(&self.locals[id.index()].ty) {
                    quote!(#n)
                } else {
                    quote!(#n.clone())
                }
            }
            ExprKind::Const(id) => {
                let f = snake_ident(&spec.consts[id.index()].name);
                if self
                    .fallibility
                    .consts
                    .get(id.index())
                    .copied()
                    .unwrap_or(true)
                {
                    quote!(crate::#f()?)
                } else {
                    quote!(crate::#f())
                }
            }
            ExprKind::Var { var, instance } => {
                let place = self.var_place(e, *var, instance)?;
                if is_copy(&spec.var(*var).ty) {
                    place
                } else {
                    quote!(#place.clone())
                }
            }
            ExprKind::RoleSet(r) => {
                let c = upper_ident(&spec.role(*r).name);
                quote!(crate::#c.instances())
            }
            ExprKind::Unary(op, x) => match op {
                UnaryOp::Not => {
                    let x = self.operand(x)?;
                    quote!(!#x)
                }
                UnaryOp::Neg => {
                    let x = self.expr(x)?;
                    quote!(value::neg(#x)?)
                }
            },
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b)?,
            ExprKind::Field(x, n) => {
                let Type::Record(id) = &x.ty else {
                    return unsupported(e.span, "message values in steps");
                };
                let field = &spec.records[id.index()].fields[*n as usize];
                let f = snake_ident(&field.name);
                let x = self.operand(x)?;
                if is_copy(&field.ty) {
                    quote!(#x.#f)
                } else {
                    quote!(#x.#f.clone())
                }
            }
            ExprKind::TupleIndex(x, n) => {
                let x = self.operand(x)?;
                let i = syn::Index::from(*n as usize);
                if is_copy(&e.ty) {
                    quote!(#x.#i)
                } else {
                    quote!(#x.#i.clone())
                }
            }
            ExprKind::MapGet(m, k) => {
                let (m, k) = (self.borrow(m)?, self.borrow(k)?);
                quote!(value::map_get(#m, #k)?)
            }
            ExprKind::SeqIndex(s, i) => {
                let (s, i) = (self.borrow(s)?, self.expr(i)?);
                quote!(value::seq_get(#s, #i)?)
            }
            ExprKind::Call(f, args) => {
                let name = snake_ident(&spec.functions[f.index()].name);
                let args = self.list(args)?;
                if self
                    .fallibility
                    .functions
                    .get(f.index())
                    .copied()
                    .unwrap_or(true)
                {
                    quote!(crate::#name(#(#args),*)?)
                } else {
                    quote!(crate::#name(#(#args),*))
                }
            }
            ExprKind::Builtin(b, args) => self.builtin(*b, args, e)?,
            ExprKind::Crashed(i) if self.scope == Scope::World => {
                let i = self.expr(i)?;
                quote!(world.crashed(#i)?)
            }
            ExprKind::InFlight(_)
            | ExprKind::Crashed(_)
            | ExprKind::Sender(_)
            | ExprKind::Receiver(_) => {
                return unsupported(
                    e.span,
                    "global observations (in_flight, crashed, message endpoints) in steps",
                );
            }
            ExprKind::SetLit(xs) => {
                let xs = self.list(xs)?;
                let t = self.elem_type(&e.ty);
                if xs.is_empty() {
                    quote!(BTreeSet::<#t>::new())
                } else {
                    quote!(BTreeSet::from([#(#xs),*]))
                }
            }
            ExprKind::SeqLit(xs) => {
                let xs = self.list(xs)?;
                let t = self.elem_type(&e.ty);
                if xs.is_empty() {
                    quote!(Vec::<#t>::new())
                } else {
                    quote!(vec![#(#xs),*])
                }
            }
            ExprKind::MapLit(entries) => {
                let ty = self.ty(&e.ty);
                let mut out = Vec::new();
                for (k, v) in entries {
                    let (k, v) = (self.expr(k)?, self.expr(v)?);
                    out.push(quote!((#k, #v)));
                }
                if out.is_empty() {
                    quote!(<#ty>::new())
                } else {
                    quote!(BTreeMap::from([#(#out),*]))
                }
            }
            ExprKind::RecordLit(xs) => {
                let Type::Record(id) = &e.ty else {
                    return unsupported(e.span, "a record literal of a non-record type");
                };
                let def = &spec.records[id.index()];
                let name = camel_ident(&def.name);
                let fields = def.fields.iter().map(|f| snake_ident(&f.name));
                let xs = self.list(xs)?;
                quote!(#name { #(#fields: #xs),* })
            }
            ExprKind::TupleLit(xs) => {
                let xs = self.list(xs)?;
                quote!((#(#xs,)*))
            }
            ExprKind::Range(lo_e, hi_e) => {
                let (lo, hi) = (self.expr(lo_e)?, self.expr(hi_e)?);
                if small_range(spec, lo_e, hi_e).is_some() {
                    quote!(value::small_range(#lo, #hi))
                } else {
                    quote!(value::range(#lo, #hi)?)
                }
            }
            ExprKind::SetFilter { local, set, cond } => {
                let n = self.local(*local);
                let t = self.ty(&self.locals[local.index()].ty);
                let fails = self.can_fail(cond);
                let (set, cond) = (self.expr(set)?, self.expr(cond)?);
                match (matches!(e.ty, Type::Seq(..)), fails) {
                    (true, false) => quote!(value::filter_seq(#set, |#n: #t| #cond)),
                    (false, false) => quote!(value::filter_set(#set, |#n: #t| #cond)),
                    (true, true) => quote!(value::try_filter_seq(#set, |#n: #t| Ok(#cond))?),
                    (false, true) => quote!(value::try_filter_set(#set, |#n: #t| Ok(#cond))?),
                }
            }
            ExprKind::SetMap {
                elem,
                binders,
                cond,
            } => {
                let elem = self.expr(elem)?;
                let mut body = match cond {
                    Some(c) => {
                        let c = self.expr(c)?;
                        quote!(if #c { out.insert(#elem); })
                    }
                    None => quote!(out.insert(#elem);),
                };
                for (local, set) in binders.iter().rev() {
                    let n = self.local(*local);
                    let set = self.expr(set)?;
                    body = quote!(for #n in #set { #body });
                }
                let t = self.ty(&e.ty);
                quote!({ let mut out = <#t>::new(); #body out })
            }
            ExprKind::MapComp { local, set, value } => {
                let n = self.local(*local);
                let set = self.expr(set)?;
                let key = if is_copy(&self.locals[local.index()].ty) {
                    quote!(#n)
                } else {
                    quote!(#n.clone())
                };
                let v = self.expr(value)?;
                let t = self.ty(&e.ty);
                quote!({ let mut out = <#t>::new(); for #n in #set { out.insert(#key, #v); } out })
            }
            ExprKind::Quant {
                quantifier,
                binders,
                body,
            } => {
                // From the innermost binder out: each closure fails when its
                // body does (the body, an inner binder's set, or an inner
                // sum's overflow).
                let mut out = self.expr(body)?;
                let mut fails = self.can_fail(body);
                for (local, set) in binders.iter().rev() {
                    let name = self.local(*local);
                    let t = self.ty(&self.locals[local.index()].ty);
                    let f = match (quantifier, fails) {
                        (Quantifier::Forall, false) => quote!(value::forall),
                        (Quantifier::Exists, false) => quote!(value::exists),
                        (Quantifier::Sum, false) => quote!(value::sum),
                        (Quantifier::Forall, true) => quote!(value::try_forall),
                        (Quantifier::Exists, true) => quote!(value::try_exists),
                        (Quantifier::Sum, true) => quote!(value::try_sum),
                    };
                    let body = if fails { quote!(Ok(#out)) } else { out };
                    let call_fails = fails || *quantifier == Quantifier::Sum;
                    let set_fails = self.can_fail(set);
                    let set = self.expr(set)?;
                    out = if call_fails {
                        quote!(#f(#set, |#name: #t| #body)?)
                    } else {
                        quote!(#f(#set, |#name: #t| #body))
                    };
                    // An inner binder's set is evaluated inside the enclosing
                    // closure, so its failure makes that closure fail too.
                    fails = call_fails || set_fails;
                }
                out
            }
            ExprKind::If(c, a, b) => {
                let (c, a, b) = (self.expr(c)?, self.expr(a)?, self.expr(b)?);
                quote!(if #c { #a } else { #b })
            }
            ExprKind::Let(local, v, body) => {
                let n = self.local(*local);
                let (v, body) = (self.expr(v)?, self.expr(body)?);
                quote!({ let #n = #v; #body })
            }
            ExprKind::WithIndex(base, updates) => {
                let mut out = self.expr(base)?;
                for (k, v) in updates {
                    let (k, v) = (self.expr(k)?, self.expr(v)?);
                    out = quote!(value::with_index(#out, #k, #v)?);
                }
                return Ok(out);
            }
            ExprKind::WithFields(base, updates) => {
                let Type::Record(id) = &e.ty else {
                    return unsupported(e.span, "`with` on a non-record");
                };
                let def = &spec.records[id.index()];
                let base = self.expr(base)?;
                let mut sets = Vec::new();
                for (n, v) in updates {
                    let f = snake_ident(&def.fields[*n as usize].name);
                    let v = self.expr(v)?;
                    sets.push(quote!(updated.#f = #v;));
                }
                quote!({ let mut updated = #base; #(#sets)* updated })
            }
        })
    }

    fn list(&self, xs: &[Expr]) -> GenResult<Vec<TokenStream>> {
        xs.iter().map(|x| self.expr(x)).collect()
    }

    fn elem_type(&self, ty: &Type) -> TokenStream {
        match ty {
            Type::Set(t) | Type::Seq(t, _) => self.ty(t),
            other => self.ty(other),
        }
    }

    fn binary(&self, op: BinaryOp, a: &Expr, b: &Expr) -> GenResult<TokenStream> {
        Ok(match op {
            BinaryOp::Union | BinaryOp::Diff | BinaryOp::Inter => {
                let (a, b) = (self.borrow(a)?, self.borrow(b)?);
                let f = match op {
                    BinaryOp::Union => quote!(value::union),
                    BinaryOp::Diff => quote!(value::diff),
                    _ => quote!(value::inter),
                };
                quote!(#f(#a, #b))
            }
            BinaryOp::Subset => {
                let (a, b) = (self.receiver(a)?, self.borrow(b)?);
                quote!(#a.is_subset(#b))
            }
            BinaryOp::In | BinaryOp::NotIn => {
                let (x, s) = (self.borrow(a)?, self.receiver(b)?);
                if op == BinaryOp::In {
                    quote!(#s.contains(#x))
                } else {
                    quote!(!#s.contains(#x))
                }
            }
            BinaryOp::Concat => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                quote!(value::concat(#a, #b))
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                let f = match op {
                    BinaryOp::Add => quote!(add),
                    BinaryOp::Sub => quote!(sub),
                    BinaryOp::Mul => quote!(mul),
                    BinaryOp::Div => quote!(div),
                    _ => quote!(modulo),
                };
                quote!(value::#f(#a, #b)?)
            }
            BinaryOp::Implies => {
                let (a, b) = (self.operand(a)?, self.operand(b)?);
                quote!(!#a || #b)
            }
            _ => {
                let (a, b) = (self.operand(a)?, self.operand(b)?);
                match op {
                    BinaryOp::Lt => quote!(#a < #b),
                    BinaryOp::Le => quote!(#a <= #b),
                    BinaryOp::Gt => quote!(#a > #b),
                    BinaryOp::Ge => quote!(#a >= #b),
                    BinaryOp::Eq | BinaryOp::Iff => quote!(#a == #b),
                    BinaryOp::Ne => quote!(#a != #b),
                    BinaryOp::And => quote!(#a && #b),
                    _ => quote!(#a || #b),
                }
            }
        })
    }

    fn builtin(&self, b: Builtin, args: &[Expr], e: &Expr) -> GenResult<TokenStream> {
        let [x, rest @ ..] = args else {
            return unsupported(e.span, "a builtin without arguments");
        };
        let second = || match rest.first() {
            Some(y) => self.expr(y),
            None => unsupported(e.span, "a builtin with a missing argument"),
        };
        Ok(match b {
            Builtin::Size => {
                let x = self.borrow(x)?;
                quote!(value::size(#x))
            }
            Builtin::Some => {
                let x = self.expr(x)?;
                quote!(Some(#x))
            }
            Builtin::IsSome => {
                let x = self.receiver(x)?;
                quote!(#x.is_some())
            }
            Builtin::IsNone => {
                let x = self.receiver(x)?;
                quote!(#x.is_none())
            }
            Builtin::Get => {
                let x = self.expr(x)?;
                quote!(value::get(#x)?)
            }
            Builtin::Append => {
                let (x, y) = (self.expr(x)?, second()?);
                quote!(value::append(#x, #y))
            }
            Builtin::Head | Builtin::Tail | Builtin::Last | Builtin::MinOf | Builtin::MaxOf => {
                let x = self.borrow(x)?;
                let f = match b {
                    Builtin::Head => quote!(head),
                    Builtin::Tail => quote!(tail),
                    Builtin::Last => quote!(last),
                    Builtin::MinOf => quote!(min_of),
                    _ => quote!(max_of),
                };
                quote!(value::#f(#x)?)
            }
            Builtin::Keys => {
                let x = self.borrow(x)?;
                quote!(value::keys(#x))
            }
            Builtin::Take | Builtin::Drop => {
                let (x, y) = (self.borrow(x)?, second()?);
                if b == Builtin::Take {
                    quote!(value::take(#x, #y)?)
                } else {
                    quote!(value::drop_first(#x, #y)?)
                }
            }
            Builtin::Min2 | Builtin::Max2 => {
                let (x, y) = (self.operand(x)?, second()?);
                if b == Builtin::Min2 {
                    quote!(#x.min(#y))
                } else {
                    quote!(#x.max(#y))
                }
            }
            Builtin::Abs => {
                let x = self.expr(x)?;
                quote!(value::abs(#x)?)
            }
        })
    }
}

/// A literal value.
pub fn literal(spec: &Spec, lit: &Literal) -> TokenStream {
    match lit {
        Literal::Bool(b) => quote!(#b),
        Literal::Int(n) => {
            let l = Lit::i64_unsuffixed(*n);
            quote!(#l)
        }
        Literal::Variant(e, v) => {
            let def = &spec.enums[e.index()];
            let t = camel_ident(&def.name);
            let v = camel_ident(&def.variants[*v as usize]);
            quote!(#t::#v)
        }
        Literal::Instance(r, i) => {
            let c = upper_ident(&spec.role(*r).name);
            let i = Lit::u32_unsuffixed(*i);
            quote!(crate::#c.instance(#i))
        }
    }
}
