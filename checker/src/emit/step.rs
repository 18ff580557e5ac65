//! Steps and predicates as Rust functions.
//!
//! A step's function runs one attempt for the instance `g` (and the
//! delivered message `d`, for a receive), as `transitions::attempt` does:
//! the acting instance's variables loaded, the message's sender and fields
//! matched and bound, the guard, then the body, whose completed runs go to
//! the scratch's [`Outcomes`](crate::kernel::Outcomes). It returns whether
//! the guard held; `Err(Bail)` hands the attempt to the interpreted
//! machine.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use spec_lang::ir::{Frame as IrFrame, MessageValue, Step, StepKind, Stmt, StmtKind, Type};

use super::expr::{Emitter, Form, Frame, load, store};
use super::{E, lit_u64, unsupported};
use crate::compile::{Load, Store, is_scalar};
use crate::pack::{FieldsPack, Storage};
use crate::shape::{Shape, ShapeKind, mask};

/// The function `step_{n}` of step `st`, whose first `if` is branch site
/// `first_site`.
pub fn step_fn(em: &Emitter<'_>, n: usize, st: &Step, first_site: u32) -> E<TokenStream> {
    let name = format_ident!("step_{n}");
    let types: Vec<Type> = st.locals.iter().map(|l| l.ty.clone()).collect();
    let mut f = Frame::new(types, Some(st.role));
    f.bind(Step::SELF, format_ident!("me"), Form::S);
    let role_vars = em
        .spec
        .roles
        .get(st.role.index())
        .map_or(0, |r| r.vars.len());
    let mut prologue = Vec::new();
    let mut vars = Vec::new();
    for pos in 0..role_vars {
        let v = format_ident!("v{pos}");
        let read = em.read_stored(st.role, pos, quote!(me))?;
        prologue.push(quote!(let mut #v: u64 = #read;));
        vars.push(v);
    }
    let receive = match &st.kind {
        StepKind::Receive(r) => receive(em, r, &mut f)?,
        StepKind::Internal | StepKind::Timeout => TokenStream::new(),
    };
    let guard = em.scalar(&st.guard, &mut f)?;
    let mut body = Body {
        em,
        vars: &vars,
        site: first_site,
        role: st.role,
    };
    let commit = quote!(o.commit(&[#(#vars),*]););
    let block = body.block(&st.body, &mut f, Some(commit))?;
    Ok(quote! {
        #[inline]
        fn #name(
            m: &Machine,
            s: &[u64],
            x: &mut Scratch,
            g: u32,
            d: Option<Delivery>,
        ) -> Result<bool, Bail> {
            let o = k::outcomes(x);
            let me = u64::from(g);
            #(#prologue)*
            #receive
            if (#guard) == 0 {
                return Ok(false);
            }
            #block
            Ok(true)
        }
    })
}

/// Takes the delivered message apart: sender, matched fields, bound
/// fields, as `CReceive::bind` does.
fn receive(em: &Emitter<'_>, r: &spec_lang::ir::Receive, f: &mut Frame) -> E<TokenStream> {
    let Some(FieldsPack::Packed(Shape {
        kind: ShapeKind::Product {
            fields, offsets, ..
        },
        ..
    })) = em.pack.net.fields.get(r.message.index())
    else {
        return unsupported("a received message without a field code");
    };
    let net = &em.pack.net;
    let low = if net.entry_words == 1 {
        net.field_bits
    } else {
        0
    };
    let ib = net.inst_bits;
    let im = lit_u64(mask(ib));
    let from_sh = low + ib;
    let mut out = vec![quote! {
        let d = d.ok_or(Bail)?;
        let fields = d.fields(m, s);
        let from = k::shr(d.head(s), #from_sh) & #im;
    }];
    f.bind(r.sender, format_ident!("from"), Form::S);
    let field = |i: u32| -> E<(TokenStream, Shape)> {
        match (fields.get(i as usize), offsets.get(i as usize)) {
            (Some(shape), Some(off)) => {
                let m = lit_u64(mask(shape.bits));
                Ok((quote!((k::shr(fields, #off) & #m)), shape.clone()))
            }
            _ => unsupported("malformed IR: a message field out of range"),
        }
    };
    for (i, e) in &r.matches {
        let (code, shape) = field(*i)?;
        let want = em.code_in(e, &shape, quote!(return Ok(false)), f)?;
        out.push(quote! {
            if #want != #code {
                return Ok(false);
            }
        });
    }
    for (i, local) in &r.bindings {
        let (code, shape) = field(*i)?;
        let ty = f.ty(*local)?.clone();
        let name = format_ident!("f{}", local.index());
        let (value, form) = if is_scalar(&ty) {
            (load(code, &Load::of_shape(&shape, em.insts)), Form::S)
        } else if em.shape(&ty).as_ref() == Some(&shape) {
            (code, Form::C(shape))
        } else {
            return unsupported("a received field bound in another shape");
        };
        out.push(quote!(let #name: u64 = #value;));
        f.bind(*local, name, form);
    }
    Ok(quote!(#(#out)*))
}

/// A predicate's function.
pub fn pred_fn(em: &Emitter<'_>, name: &Ident, frame: &IrFrame) -> E<TokenStream> {
    let types: Vec<Type> = frame.locals.iter().map(|l| l.ty.clone()).collect();
    let mut f = Frame::new(types, None);
    let cond = em.scalar(&frame.expr, &mut f)?;
    Ok(quote! {
        fn #name(m: &Machine, s: &[u64]) -> Result<bool, Bail> {
            Ok((#cond) != 0)
        }
    })
}

/// Emits a step body.
struct Body<'e, 'a> {
    em: &'e Emitter<'a>,
    /// The acting instance's stored codes, by position.
    vars: &'e [Ident],
    /// The next branch site.
    site: u32,
    role: spec_lang::ir::RoleId,
}

impl Body<'_, '_> {
    /// A block; `commit` is emitted at its end when the block is the rest
    /// of the body (so a `choose` may fork it).
    fn block(
        &mut self,
        stmts: &[Stmt],
        f: &mut Frame,
        commit: Option<TokenStream>,
    ) -> E<TokenStream> {
        let mut out = Vec::new();
        let mut bound = Vec::new();
        let mut rest = stmts;
        let mut result = Ok(());
        while let Some((s, tail)) = rest.split_first() {
            rest = tail;
            if let StmtKind::Choose { local, set, filter } = &s.kind {
                let Some(commit) = &commit else {
                    result = unsupported("a choose inside a branch or a loop");
                    break;
                };
                match self.choose(*local, set, filter.as_ref(), tail, f, commit.clone()) {
                    Ok(ts) => out.push(ts),
                    Err(e) => result = Err(e),
                }
                // The rest of the block ran inside the choice.
                for (local, old) in bound.into_iter().rev() {
                    f.restore(local, old);
                }
                return result.map(|()| quote!(#(#out)*));
            }
            match self.stmt(s, f, &mut bound) {
                Ok(ts) => out.push(ts),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        for (local, old) in bound.into_iter().rev() {
            f.restore(local, old);
        }
        result?;
        if let Some(commit) = commit {
            out.push(commit);
        }
        Ok(quote!(#(#out)*))
    }

    /// `choose local in set [where filter]` followed by `rest`: the rest
    /// runs once per element, each run on its own copy of the variables
    /// and with its own sends.
    fn choose(
        &mut self,
        local: spec_lang::ir::LocalId,
        set: &spec_lang::ir::Expr,
        filter: Option<&spec_lang::ir::Expr>,
        rest: &[Stmt],
        f: &mut Frame,
        commit: TokenStream,
    ) -> E<TokenStream> {
        let ty = f.ty(local)?.clone();
        let form = self.em.form_of(&ty)?;
        let d = self.em.domain(set, &ty, f)?;
        let name = self.em.fresh("c");
        let mark = self.em.fresh("mark");
        let old = f.bind(local, name.clone(), form.clone());
        let inner = (|| {
            let filter = match filter {
                Some(c) => {
                    let c = self.em.scalar(c, f)?;
                    quote!(if (#c) == 0 {
                        continue;
                    })
                }
                None => TokenStream::new(),
            };
            let vars = self.vars;
            let body = self.block(rest, f, Some(commit))?;
            Ok(quote! {
                #filter
                o.rewind(#mark);
                #(let mut #vars = #vars;)*
                #body
            })
        })();
        f.restore(local, old);
        let each = self.em.each(&d, &name, &form, inner?)?;
        Ok(quote! {
            let #mark = o.mark();
            #each
        })
    }

    fn stmt(
        &mut self,
        s: &Stmt,
        f: &mut Frame,
        bound: &mut Vec<(spec_lang::ir::LocalId, Option<(Ident, Form)>)>,
    ) -> E<TokenStream> {
        let em = self.em;
        match &s.kind {
            StmtKind::Assign { place, value } => {
                let Some(slot) = em.pack.vars.get(place.var.index()) else {
                    return unsupported("malformed IR: a variable out of range");
                };
                if slot.role != self.role || !place.path.is_empty() {
                    return unsupported("an assignment to part of a variable");
                }
                let v = em.conform(value, &slot.ty, f)?;
                let Some(target) = self.vars.get(slot.pos) else {
                    return unsupported("malformed IR: a variable out of range");
                };
                let code = match (&slot.storage, &v.form) {
                    (Storage::Packed(shape), Form::S) => store(
                        &v.ts,
                        &Store::of_shape(shape, em.insts),
                        quote!(return Err(Bail)),
                    ),
                    (Storage::Packed(shape), Form::C(c)) if c == shape => v.ts,
                    (Storage::Wide, Form::S) => v.ts,
                    _ => return unsupported("an assignment of a value without a code"),
                };
                Ok(quote!(#target = #code;))
            }
            StmtKind::Let { local, value } => {
                let ty = f.ty(*local)?.clone();
                let v = em.conform(value, &ty, f)?;
                let name = em.fresh("l");
                let ts = v.ts;
                bound.push((*local, f.bind(*local, name.clone(), v.form)));
                Ok(quote!(let #name: u64 = #ts;))
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let site = self.site;
                self.site += 1;
                let c = em.scalar(cond, f)?;
                let then = self.block(then, f, None)?;
                let otherwise = self.block(otherwise, f, None)?;
                Ok(quote! {
                    let taken = (#c) != 0;
                    o.hit(#site, taken);
                    if taken {
                        #then
                    } else {
                        #otherwise
                    }
                })
            }
            StmtKind::For { local, set, body } => {
                let ty = f.ty(*local)?.clone();
                let form = em.form_of(&ty)?;
                let d = em.domain(set, &ty, f)?;
                let name = em.fresh("e");
                let old = f.bind(*local, name.clone(), form.clone());
                let b = self.block(body, f, None);
                f.restore(*local, old);
                em.each(&d, &name, &form, b?)
            }
            StmtKind::Send { message, to } => {
                let fields = self.message_fields(message, f)?;
                let to = em.scalar(to, f)?;
                let kind = Literal::u32_suffixed(message.message.0);
                let n = lit_u64(em.insts.all.len() as u64);
                Ok(quote! {
                    let fields = #fields;
                    let to = #to;
                    if to >= #n {
                        return Err(Bail);
                    }
                    o.send(#kind, to as u32, fields);
                })
            }
            StmtKind::Broadcast {
                message,
                to,
                exclude_self,
            } => {
                let fields = self.message_fields(message, f)?;
                let elem = match &to.ty {
                    Type::Set(t) | Type::Seq(t, _) => (**t).clone(),
                    _ => return unsupported("malformed IR: a broadcast to something else"),
                };
                if !is_scalar(&elem) {
                    return unsupported("malformed IR: a broadcast to non-instances");
                }
                let d = em.domain(to, &elem, f)?;
                let kind = Literal::u32_suffixed(message.message.0);
                let t = em.fresh("t");
                let send = quote! {
                    if !(#exclude_self && #t == me) {
                        o.send(#kind, #t as u32, fields);
                    }
                };
                let each = em.each(&d, &t, &Form::S, send)?;
                Ok(quote!({
                    let fields = #fields;
                    #each
                }))
            }
            StmtKind::Assert { cond, .. } => {
                let c = em.scalar(cond, f)?;
                Ok(quote! {
                    if (#c) == 0 {
                        return Err(Bail);
                    }
                })
            }
            StmtKind::Choose { .. } => unsupported("a choose inside a branch or a loop"),
        }
    }

    /// The field code of a message value, each field checked against its
    /// declared type as a send checks it.
    fn message_fields(&self, message: &MessageValue, f: &mut Frame) -> E<TokenStream> {
        let em = self.em;
        let Some(FieldsPack::Packed(Shape {
            kind: ShapeKind::Product {
                fields, offsets, ..
            },
            ..
        })) = em.pack.net.fields.get(message.message.index())
        else {
            return unsupported("a message without a field code");
        };
        let Some(def) = em.spec.messages.get(message.message.index()) else {
            return unsupported("malformed IR: a message kind out of range");
        };
        if def.fields.len() != message.fields.len() || fields.len() != message.fields.len() {
            return unsupported("malformed IR: a message with the wrong number of fields");
        }
        let mut parts = Vec::new();
        for (((e, d), shape), off) in message
            .fields
            .iter()
            .zip(&def.fields)
            .zip(fields)
            .zip(offsets)
        {
            let v = em.conform(e, &d.ty, f)?;
            let c = match &v.form {
                Form::S => store(
                    &v.ts,
                    &Store::of_shape(shape, em.insts),
                    quote!(return Err(Bail)),
                ),
                Form::C(c) if c == shape => v.ts,
                Form::C(_) => return unsupported("a message field in another shape"),
            };
            parts.push(quote!(code |= k::shl(#c, #off);));
        }
        Ok(quote!({
            let mut code = 0u64;
            #(#parts)*
            code
        }))
    }
}
