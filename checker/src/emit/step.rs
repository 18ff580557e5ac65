//! Steps and predicates as Rust functions.
//!
//! A step's function runs one attempt for the instance `g` (and the
//! delivered message `d`, for a receive), as `transitions::attempt` does:
//! the acting instance's variables loaded, the message's sender and fields
//! matched and bound, the guard, then the body. A body with a `choose`
//! puts its completed runs in the scratch's
//! [`Outcomes`](crate::kernel::Outcomes); one without completes at most
//! once and writes its successor in place (see [`completes_once`]). It
//! returns whether the guard held; `Err(Bail)` hands the attempt to the
//! interpreted machine.
//!
//! A `choose` runs the rest of the body once per element, as the
//! executor's continuation does (`compile/stmt.rs`): the rest of its
//! block, then of each enclosing block, are emitted inside the loop over
//! the elements. A choice inside a branch of an `if` makes that `if` end
//! its block: each branch goes on with a copy of what follows it. A
//! choice inside a `for` is not compiled (its continuation would be the
//! rest of the loop's elements).

use std::collections::HashMap;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use spec_lang::ir::{
    Expr, Frame as IrFrame, MessageValue, Selector, Step, StepKind, Stmt, StmtKind, Type,
};

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
    let mut sites = HashMap::new();
    let mut next = first_site;
    number_sites(&st.body, &mut next, &mut sites);
    let mut body = Body {
        em,
        vars: &vars,
        sites,
        role: st.role,
    };
    // A body without `choose` completes at most once, at its end, when
    // nothing can fail any more: its successor is written in place (no
    // outcome collected, see `kernel::single`). Otherwise each run's
    // outcome is collected and reported after the attempt.
    let once = completes_once(st);
    let (buffers, commit) = if once {
        let mut writes = Vec::new();
        for (pos, v) in vars.iter().enumerate() {
            writes.push(em.write_stored(st.role, pos, quote!(me), quote!(#v))?);
        }
        let d = match st.kind {
            StepKind::Receive(_) => quote!(Some(d)),
            StepKind::Internal | StepKind::Timeout => quote!(None),
        };
        (
            quote!(let (o, n) = k::single(x);),
            quote! {
                k::begin(n, s);
                #(#writes)*
                k::complete(m, n, g, #d, o);
            },
        )
    } else {
        (
            quote!(let o = k::outcomes(x);),
            quote!(o.commit(&[#(#vars),*]);),
        )
    };
    let rest = Rest {
        blocks: Vec::new(),
        commit,
    };
    let block = body.block(&st.body, &mut f, Some(&rest))?;
    Ok(quote! {
        #[inline]
        fn #name(
            m: &Machine,
            s: &[u64],
            x: &mut Scratch,
            g: u32,
            d: Option<Delivery>,
        ) -> Result<bool, Bail> {
            #buffers
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

/// The code `old` of `shape` with the part at `path` replaced by the
/// value of `value`, as the closures' `set_path` replaces it: fields by
/// index, map keys (a missing key is added when it is the last selector,
/// an error before), 1-based sequence indices in range.
fn update(
    em: &Emitter<'_>,
    old: TokenStream,
    shape: &Shape,
    path: &[Selector],
    value: &Expr,
    f: &mut Frame,
) -> E<TokenStream> {
    let Some((sel, rest)) = path.split_first() else {
        return em.code_in(value, shape, quote!(return Err(Bail)), f);
    };
    Ok(match (sel, &shape.kind) {
        (
            Selector::Field(n) | Selector::TupleIndex(n),
            ShapeKind::Product {
                fields, offsets, ..
            },
        ) => {
            let (Some(fs), Some(off)) = (fields.get(*n as usize), offsets.get(*n as usize)) else {
                return unsupported("malformed IR: a field out of range");
            };
            let m = lit_u64(mask(fs.bits));
            let part = update(em, quote!(k::shr(pr, #off) & #m), fs, rest, value, f)?;
            quote!({
                let pr: u64 = #old;
                let part = #part;
                (pr & !k::shl(#m, #off)) | k::shl(part, #off)
            })
        }
        (Selector::Index(key), ShapeKind::Map { key: ks, val }) => {
            let (kb, vb) = (ks.bits, val.bits);
            let kc = em.code_in(key, ks, quote!(return Err(Bail)), f)?;
            let part = update(
                em,
                quote!(k::map_get(mp, #kb, #vb, key)?),
                val,
                rest,
                value,
                f,
            )?;
            quote!({
                let mp: u64 = #old;
                let key = #kc;
                let part = #part;
                k::map_put(mp, #kb, #vb, key, part)
            })
        }
        (Selector::Index(i), ShapeKind::Seq { elem, max }) => {
            let eb = elem.bits;
            let i = em.scalar(i, f)?;
            let part = update(
                em,
                quote!(k::seq_at(sq, #eb, #max, at)),
                elem,
                rest,
                value,
                f,
            )?;
            quote!({
                let sq: u64 = #old;
                let at = k::seq_index(#i, k::seq_len(sq, #eb, #max))?;
                let part = #part;
                k::seq_put(sq, #eb, #max, at, part)
            })
        }
        _ => return unsupported("malformed IR: a selector of another type"),
    })
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

/// Numbers the `if` statements of a block in pre-order from `next`, as
/// `coverage::number_branches` numbers the machine's branch sites (keyed
/// by address: a statement emitted twice, in two continuations, is one
/// site).
fn number_sites(block: &[Stmt], next: &mut u32, sites: &mut HashMap<*const Stmt, u32>) {
    for s in block {
        match &s.kind {
            StmtKind::If {
                then, otherwise, ..
            } => {
                sites.insert(s as *const Stmt, *next);
                *next += 1;
                number_sites(then, next, sites);
                number_sites(otherwise, next, sites);
            }
            StmtKind::For { body, .. } => number_sites(body, next, sites),
            _ => {}
        }
    }
}

/// Whether an attempt of `st` completes at most once (its body has no
/// `choose`): its function then writes the successor in place, for
/// `kernel::report_single`, instead of collecting outcomes for
/// `kernel::emit`.
pub fn completes_once(st: &Step) -> bool {
    !has_choose(&st.body)
}

/// Whether a block has a `choose` anywhere inside it.
fn has_choose(block: &[Stmt]) -> bool {
    block.iter().any(|s| match &s.kind {
        StmtKind::Choose { .. } => true,
        StmtKind::If {
            then, otherwise, ..
        } => has_choose(then) || has_choose(otherwise),
        StmtKind::For { body, .. } => has_choose(body),
        _ => false,
    })
}

/// What runs after a block that is the rest of the body: the rest of each
/// enclosing block, innermost first, then the commit of the run.
#[derive(Clone)]
struct Rest<'s> {
    blocks: Vec<&'s [Stmt]>,
    commit: TokenStream,
}

/// Emits a step body.
struct Body<'e, 'a> {
    em: &'e Emitter<'a>,
    /// The acting instance's stored codes, by position.
    vars: &'e [Ident],
    /// The branch site of each `if` of the body.
    sites: HashMap<*const Stmt, u32>,
    role: spec_lang::ir::RoleId,
}

impl Body<'_, '_> {
    /// A block; when `rest` is given, the block is the rest of the body:
    /// what follows it is emitted at its end, so that a `choose` (in it,
    /// or in a branch of one of its `if`s) can run the rest of the body
    /// once per element.
    fn block<'s>(
        &mut self,
        stmts: &'s [Stmt],
        f: &mut Frame,
        rest: Option<&Rest<'s>>,
    ) -> E<TokenStream> {
        let mut out = Vec::new();
        let mut bound = Vec::new();
        let result = self.block_into(stmts, f, rest, &mut out, &mut bound);
        for (local, old) in bound.into_iter().rev() {
            f.restore(local, old);
        }
        result?;
        Ok(quote!(#(#out)*))
    }

    /// [`Body::block`]'s statements, into `out`; the locals bound go to
    /// `bound`, for the caller to unbind.
    fn block_into<'s>(
        &mut self,
        stmts: &'s [Stmt],
        f: &mut Frame,
        rest: Option<&Rest<'s>>,
        out: &mut Vec<TokenStream>,
        bound: &mut Vec<(spec_lang::ir::LocalId, Option<(Ident, Form)>)>,
    ) -> E<()> {
        let mut left = stmts;
        while let Some((s, tail)) = left.split_first() {
            left = tail;
            match (&s.kind, rest) {
                (StmtKind::Choose { local, set, filter }, Some(rest)) => {
                    // The rest of the body runs inside the choice.
                    out.push(self.choose(*local, set, filter.as_ref(), tail, f, rest)?);
                    return Ok(());
                }
                (
                    StmtKind::If {
                        cond,
                        then,
                        otherwise,
                    },
                    Some(rest),
                ) if has_choose(then) || has_choose(otherwise) => {
                    // Each branch goes on with the rest of this block and
                    // of the enclosing ones.
                    let mut after = rest.clone();
                    after.blocks.insert(0, tail);
                    out.push(self.branch(s, cond, then, otherwise, f, Some(&after))?);
                    return Ok(());
                }
                _ => out.push(self.stmt(s, f, bound)?),
            }
        }
        if let Some(rest) = rest {
            match rest.blocks.split_first() {
                Some((next, outer)) => {
                    let outer = Rest {
                        blocks: outer.to_vec(),
                        commit: rest.commit.clone(),
                    };
                    out.push(self.block(next, f, Some(&outer))?);
                }
                None => out.push(rest.commit.clone()),
            }
        }
        Ok(())
    }

    /// The `if` statement `s`: its branch taken counted at its site; `rest`
    /// as for [`Body::block`].
    fn branch<'s>(
        &mut self,
        s: &Stmt,
        cond: &Expr,
        then: &'s [Stmt],
        otherwise: &'s [Stmt],
        f: &mut Frame,
        rest: Option<&Rest<'s>>,
    ) -> E<TokenStream> {
        let site = self.site(s)?;
        let c = self.em.scalar(cond, f)?;
        let then = self.block(then, f, rest)?;
        let otherwise = self.block(otherwise, f, rest)?;
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

    fn site(&self, s: &Stmt) -> E<u32> {
        match self.sites.get(&(s as *const Stmt)) {
            Some(site) => Ok(*site),
            None => unsupported("internal error: an `if` without a branch site"),
        }
    }

    /// `choose local in set [where filter]` followed by `rest`: the rest
    /// runs once per element, each run on its own copy of the variables
    /// and with its own sends.
    fn choose<'s>(
        &mut self,
        local: spec_lang::ir::LocalId,
        set: &spec_lang::ir::Expr,
        filter: Option<&spec_lang::ir::Expr>,
        tail: &'s [Stmt],
        f: &mut Frame,
        rest: &Rest<'s>,
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
            let body = self.block(tail, f, Some(rest))?;
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
                if slot.role != self.role {
                    return unsupported("malformed IR: an assignment to another role's variable");
                }
                let Some(target) = self.vars.get(slot.pos) else {
                    return unsupported("malformed IR: a variable out of range");
                };
                if !place.path.is_empty() {
                    let Storage::Packed(shape) = &slot.storage else {
                        return unsupported("an assignment to part of a variable without a code");
                    };
                    let code = update(em, quote!(#target), shape, &place.path, value, f)?;
                    return Ok(quote!(#target = #code;));
                }
                let v = em.conform(value, &slot.ty, f)?;
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
                let v = em.bind_value(value, &ty, f)?;
                let name = em.fresh("l");
                let ts = v.ts;
                bound.push((*local, f.bind(*local, name.clone(), v.form)));
                Ok(quote!(let #name: u64 = #ts;))
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => self.branch(s, cond, then, otherwise, f, None),
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
            StmtKind::Choose { .. } => unsupported("a choose inside a loop"),
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
