//! Statements: compiled step bodies and the executor that runs them on a
//! copy of the acting instance's stored variables.
//!
//! As in the reference executor (`exec.rs`), a run is the locals, the
//! acting instance's variables and the messages to send, plus a
//! continuation stack; `choose` forks the run once per element, so a choice
//! inside an `if` or a `for` continues with the rest of the enclosing
//! blocks.

use std::ops::ControlFlow;
use std::sync::Arc;

use spec_lang::ir::{MessageValue, Place, Selector, Span, Stmt, StmtKind, Type};

use super::domain::{Domain, compile_domain_as};
use super::expr::{Store, compile_expr, conform, scalar};
use super::{Any, Cx, Ex, LocalSlot, Locals, Own, Res, SFn, Scope, Val, fail, into_vfn};
use crate::eval::{EvalError, check_stored};
use crate::failure::Failure;
use crate::machine::Machine;
use crate::pack::{FieldsPack, Storage};
use crate::shape::{Shape, ShapeKind, map_offset, mask, shl};
use crate::value::Value;

pub type Block = Vec<CStmt>;

/// A compiled statement.
pub enum CStmt {
    /// Computes the new stored code of the acting instance's variable at
    /// position `pos`.
    Assign {
        pos: usize,
        f: SFn,
    },
    Let {
        slot: Option<LocalSlot>,
        value: Ex,
    },
    Choose {
        slot: Option<LocalSlot>,
        dom: Domain,
        filter: Option<super::SFn>,
    },
    If {
        cond: super::SFn,
        then: Block,
        otherwise: Block,
        /// The statement's index among the machine's branch sites, for
        /// coverage (numbered after compilation, `coverage.rs`).
        site: usize,
        span: Span,
    },
    For {
        slot: Option<LocalSlot>,
        dom: Domain,
        body: Block,
    },
    Send {
        msg: MsgBuild,
        to: super::SFn,
    },
    Broadcast {
        msg: MsgBuild,
        to: Domain,
        exclude_self: bool,
    },
    Assert {
        cond: super::SFn,
        message: Option<String>,
        span: Span,
    },
}

/// Builds a message's network entry (without the header's endpoints).
pub struct MsgBuild {
    kind: u32,
    fields: Vec<FieldPart>,
    pack: FieldsPack,
    span: Span,
}

struct FieldPart {
    value: Ex,
    ty: Type,
    /// The shape of the field's own type, for reading its value.
    shape: Option<Shape>,
    /// The field's shape and bit offset, for packed fields.
    code: Option<(Shape, u32, Option<Store>)>,
    insts: Arc<crate::shape::Instances>,
    span: Span,
}

/// A message to send: receiver and entry words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    pub to: u32,
    pub kind: u32,
    /// The field code, or the boxed handle of the fields.
    pub fields: u64,
}

pub fn compile_block(stmts: &[Stmt], sc: &Scope<'_>) -> Block {
    stmts.iter().map(|s| compile_stmt(s, sc)).collect()
}

fn local_ty(sc: &Scope<'_>, local: spec_lang::ir::LocalId) -> Type {
    sc.local_types
        .get(local.index())
        .cloned()
        .unwrap_or(Type::Bool)
}

fn compile_stmt(s: &Stmt, sc: &Scope<'_>) -> CStmt {
    let span = s.span;
    match &s.kind {
        StmtKind::Assign { place, value } => compile_assign(place, value, sc),
        StmtKind::Let { local, value } => CStmt::Let {
            slot: sc.frame.slot(*local),
            value: conform(compile_expr(value, sc), value, &local_ty(sc, *local), sc),
        },
        StmtKind::Choose { local, set, filter } => CStmt::Choose {
            slot: sc.frame.slot(*local),
            dom: compile_domain_as(set, &local_ty(sc, *local), sc),
            filter: filter.as_ref().map(|f| scalar(compile_expr(f, sc), f.span)),
        },
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => CStmt::If {
            cond: scalar(compile_expr(cond, sc), cond.span),
            then: compile_block(then, sc),
            otherwise: compile_block(otherwise, sc),
            site: 0,
            span,
        },
        StmtKind::For { local, set, body } => CStmt::For {
            slot: sc.frame.slot(*local),
            dom: compile_domain_as(set, &local_ty(sc, *local), sc),
            body: compile_block(body, sc),
        },
        StmtKind::Send { message, to } => CStmt::Send {
            msg: compile_message(message, sc),
            to: scalar(compile_expr(to, sc), to.span),
        },
        StmtKind::Broadcast {
            message,
            to,
            exclude_self,
        } => {
            let elem = match &to.ty {
                Type::Set(t) | Type::Seq(t, _) => (**t).clone(),
                _ => Type::Bool,
            };
            CStmt::Broadcast {
                msg: compile_message(message, sc),
                to: compile_domain_as(to, &elem, sc),
                exclude_self: *exclude_self,
            }
        }
        StmtKind::Assert { cond, message } => CStmt::Assert {
            cond: scalar(compile_expr(cond, sc), cond.span),
            message: message.clone(),
            span,
        },
    }
}

/// The error a store reports for a value that does not fit its declared
/// type: exactly what the reference's `check_stored` says.
fn store_error(v: &Value, ty: &Type, names: &spec_lang::ir::Spec, span: Span) -> Box<EvalError> {
    match check_stored(v, ty, names, span) {
        Err(e) => Box::new(e),
        Ok(()) => Box::new(EvalError {
            message: "internal error: a stored value has no code".into(),
            span,
        }),
    }
}

fn compile_assign(place: &Place, value: &spec_lang::ir::Expr, sc: &Scope<'_>) -> CStmt {
    let vspan = value.span;
    let Some(slot) = sc.pack.vars.get(place.var.index()).cloned() else {
        return CStmt::Assign {
            pos: usize::MAX,
            f: Box::new(move |_| fail(vspan, "malformed IR: unknown variable")),
        };
    };
    let pos = slot.pos;
    if sc.step_role != Some(slot.role) {
        let pspan = place.span;
        return CStmt::Assign {
            pos,
            f: Box::new(move |_| {
                fail(pspan, "a step can only assign its own instance's variables")
            }),
        };
    }
    let var_ty = slot.ty.clone();
    let names = sc.names.clone();
    let insts = sc.insts.clone();
    if place.path.is_empty() {
        let value = conform(compile_expr(value, sc), value, &var_ty, sc);
        let f: SFn = match (slot.storage, value) {
            (Storage::Packed(shape), Ex::S(v)) => {
                let store = Store::of(&shape, sc);
                Box::new(move |cx| {
                    let x = v(cx)?;
                    match store.code(x) {
                        Some(c) => Ok(c),
                        None => Err(store_error(
                            &super::scalar_value(x, &var_ty, &insts),
                            &var_ty,
                            &names,
                            vspan,
                        )),
                    }
                })
            }
            (Storage::Packed(_), Ex::C(v)) => Box::new(move |cx| match v(cx)? {
                Val::Code(c) => Ok(c),
                Val::Value(x) => Err(store_error(&x, &var_ty, &names, vspan)),
            }),
            (Storage::Wide, Ex::S(v)) => Box::new(v),
            (Storage::Boxed, Ex::C(v)) => Box::new(move |cx| {
                let x = super::val_value(v(cx)?, None, &insts);
                check_stored(&x, &var_ty, &names, vspan).map_err(Box::new)?;
                match cx.m.boxed.intern(x) {
                    Ok(h) => Ok(h),
                    Err(_) => fail(vspan, "internal error: two boxed values share a handle"),
                }
            }),
            _ => Box::new(move |_| fail(vspan, "malformed IR: value of the wrong form")),
        };
        return CStmt::Assign { pos, f };
    }
    // `m[k] := v` on a map with a code: replace one digit.
    if let [Selector::Index(k)] = place.path.as_slice()
        && let Storage::Packed(shape) = &slot.storage
        && let ShapeKind::Map { key, val } = &shape.kind
    {
        let kpart = super::expr::elem_part(k, key, sc);
        let vpart = super::expr::elem_part(value, val, sc);
        let (kb, vb) = (key.bits, val.bits);
        let shape = shape.clone();
        let key_shape = (**key).clone();
        let val_shape = (**val).clone();
        let kspan = k.span;
        return CStmt::Assign {
            pos,
            f: Box::new(move |cx| {
                let v = vpart.eval(cx)?;
                let kc = kpart.eval(cx)?;
                let old = cx.own.and_then(|o| o.vars.get(pos).copied()).unwrap_or(0);
                if let (Ok(kc), Ok(vc)) = (&kc, &v) {
                    let off = map_offset(kb, vb, *kc as u32);
                    let digit = shl(1, vb) | vc;
                    return Ok((old & !shl(mask(vb + 1), off)) | shl(digit, off));
                }
                // Through values: the key or the value has no code here.
                let mut base = shape.decode(old, &insts);
                let kv = match kc {
                    Ok(c) => key_shape.decode(c, &insts),
                    Err(x) => x,
                };
                let vv = match v {
                    Ok(c) => val_shape.decode(c, &insts),
                    Err(x) => x,
                };
                crate::eval::update_index(&mut base, kv, vv, kspan).map_err(Box::new)?;
                match shape.encode(&base, &insts) {
                    Some(c) => Ok(c),
                    None => Err(store_error(&base, &var_ty, &names, vspan)),
                }
            }),
        };
    }
    // Any other path: through values, as the reference executor does.
    let value_f = into_vfn(compile_expr(value, sc), &value.ty, sc);
    let keys: Vec<PathKey> = place
        .path
        .iter()
        .map(|sel| match sel {
            Selector::Field(n) | Selector::TupleIndex(n) => PathKey::Field(*n as usize),
            Selector::Index(e) => PathKey::Index(into_vfn(compile_expr(e, sc), &e.ty, sc), e.span),
        })
        .collect();
    let storage = slot.storage.clone();
    let pspan = place.span;
    CStmt::Assign {
        pos,
        f: Box::new(move |cx| {
            let v = value_f(cx)?;
            let mut evaluated = Vec::with_capacity(keys.len());
            for k in &keys {
                evaluated.push(match k {
                    PathKey::Field(n) => (Err(*n), pspan),
                    PathKey::Index(f, span) => (Ok(f(cx)?), *span),
                });
            }
            let old = cx.own.and_then(|o| o.vars.get(pos).copied()).unwrap_or(0);
            let mut whole = stored_value(cx.m, &storage, old, &insts, vspan)?;
            set_path(&mut whole, evaluated, v, pspan)?;
            check_stored(&whole, &var_ty, &names, vspan).map_err(Box::new)?;
            store_value(cx.m, &storage, whole, &insts, vspan, &var_ty, &names)
        }),
    }
}

enum PathKey {
    Field(usize),
    Index(super::VFn, Span),
}

/// A stored code as the variable's value.
fn stored_value(
    m: &Machine,
    storage: &Storage,
    code: u64,
    insts: &crate::shape::Instances,
    span: Span,
) -> Res<Value> {
    match storage {
        Storage::Packed(shape) => Ok(shape.decode(code, insts)),
        Storage::Wide => Ok(Value::Int(code as i64)),
        Storage::Boxed => match m.boxed.get(code) {
            Some(v) => Ok((*v).clone()),
            None => fail(span, "internal error: a boxed value is missing"),
        },
    }
}

/// A variable's value as its stored code (the value has been checked
/// against the variable's type).
fn store_value(
    m: &Machine,
    storage: &Storage,
    v: Value,
    insts: &crate::shape::Instances,
    span: Span,
    ty: &Type,
    names: &spec_lang::ir::Spec,
) -> Res<u64> {
    match storage {
        Storage::Packed(shape) => match shape.encode(&v, insts) {
            Some(c) => Ok(c),
            None => Err(store_error(&v, ty, names, span)),
        },
        Storage::Wide => match v {
            Value::Int(n) => Ok(n as u64),
            _ => fail(
                span,
                "malformed IR: an integer variable given another value",
            ),
        },
        Storage::Boxed => match m.boxed.intern(v) {
            Ok(h) => Ok(h),
            Err(_) => fail(span, "internal error: two boxed values share a handle"),
        },
    }
}

/// Writes `v` at a path inside `target` (fields by index, map keys, 1-based
/// sequence indices), as the reference executor's `store` does.
fn set_path(
    target: &mut Value,
    keys: Vec<(Result<Value, usize>, Span)>,
    v: Value,
    place_span: Span,
) -> Res<()> {
    let mut target = target;
    for (key, span) in keys {
        target = match key {
            Err(n) => match target {
                Value::Record(_, items) | Value::Tuple(items) => match items.get_mut(n) {
                    Some(t) => t,
                    None => return fail(place_span, "malformed IR: field out of range"),
                },
                _ => return fail(place_span, "field of a value that has no fields"),
            },
            Ok(k) => {
                if let Value::Map(entries) = target
                    && entries.binary_search_by(|(key, _)| key.cmp(&k)).is_err()
                {
                    crate::eval::update_index(target, k.clone(), Value::Bool(false), span)
                        .map_err(Box::new)?;
                }
                match target {
                    Value::Map(entries) => match entries.binary_search_by(|(key, _)| key.cmp(&k)) {
                        Ok(at) => &mut entries[at].1,
                        Err(_) => return fail(span, "malformed map"),
                    },
                    Value::Seq(items) => {
                        let at = match k {
                            Value::Int(i) => {
                                crate::eval::seq_offset(i, items.len(), span).map_err(Box::new)?
                            }
                            _ => return fail(span, "sequence index is not an integer"),
                        };
                        &mut items[at]
                    }
                    _ => return fail(span, "index into a value that is not a map or a sequence"),
                }
            }
        };
    }
    *target = v;
    Ok(())
}

fn compile_message(message: &MessageValue, sc: &Scope<'_>) -> MsgBuild {
    let span = message.span;
    let pack = sc
        .pack
        .net
        .fields
        .get(message.message.index())
        .cloned()
        .unwrap_or(FieldsPack::Boxed);
    let def_fields: Vec<Type> = sc
        .spec
        .messages
        .get(message.message.index())
        .map(|d| d.fields.iter().map(|f| f.ty.clone()).collect())
        .unwrap_or_default();
    let shapes: Option<(Vec<Shape>, Vec<u32>)> = match &pack {
        FieldsPack::Packed(Shape {
            kind: ShapeKind::Product {
                fields, offsets, ..
            },
            ..
        }) => Some((fields.clone(), offsets.clone())),
        _ => None,
    };
    let fields = message
        .fields
        .iter()
        .zip(&def_fields)
        .enumerate()
        .map(|(i, (e, ty))| {
            let code = shapes.as_ref().and_then(|(fs, offs)| {
                let shape = fs.get(i)?.clone();
                let store = super::is_scalar(ty).then(|| Store::of(&shape, sc));
                Some((shape, *offs.get(i)?, store))
            });
            FieldPart {
                value: conform(compile_expr(e, sc), e, ty, sc),
                ty: ty.clone(),
                shape: sc.shape(ty),
                code,
                insts: sc.insts.clone(),
                span: e.span,
            }
        })
        .collect::<Vec<_>>();
    MsgBuild {
        kind: message.message.0,
        fields: if def_fields.len() == message.fields.len() {
            fields
        } else {
            Vec::new()
        },
        pack,
        span: if def_fields.len() == message.fields.len() {
            span
        } else {
            Span::DETACHED
        },
    }
}

impl MsgBuild {
    /// The field code, or the boxed handle of the fields; every field is
    /// checked against its declared type, as sending does in the reference.
    fn fields(&self, cx: &mut Cx<'_>) -> Res<u64> {
        let names = cx.m.names.clone();
        match &self.pack {
            FieldsPack::Packed(_) => {
                let mut code = 0u64;
                for f in &self.fields {
                    let Some((shape, off, store)) = &f.code else {
                        return fail(self.span, "malformed IR: wrong number of message fields");
                    };
                    let c = match &f.value {
                        Ex::S(v) => {
                            let x = v(cx)?;
                            match store.and_then(|s| s.code(x)) {
                                Some(c) => c,
                                None => {
                                    let value = super::scalar_value(x, &f.ty, &f.insts);
                                    return Err(store_error(&value, &f.ty, &names, f.span));
                                }
                            }
                        }
                        Ex::C(v) => match v(cx)? {
                            Val::Code(c) => c,
                            Val::Value(x) => match shape.encode(&x, &f.insts) {
                                Some(c) => c,
                                None => return Err(store_error(&x, &f.ty, &names, f.span)),
                            },
                        },
                    };
                    code |= shl(c, *off);
                }
                Ok(code)
            }
            FieldsPack::Boxed => {
                let mut vals = Vec::with_capacity(self.fields.len());
                for f in &self.fields {
                    let v = match &f.value {
                        Ex::S(v) => super::scalar_value(v(cx)?, &f.ty, &f.insts),
                        Ex::C(v) => super::val_value(v(cx)?, f.shape.as_ref(), &f.insts),
                    };
                    check_stored(&v, &f.ty, &names, f.span).map_err(Box::new)?;
                    vals.push(v);
                }
                match cx.m.boxed.intern(Value::Tuple(vals)) {
                    Ok(h) => Ok(h),
                    Err(_) => fail(self.span, "internal error: two boxed values share a handle"),
                }
            }
        }
    }
}

/// Where a continuation stands.
#[derive(Clone)]
enum Cont<'s> {
    Block(&'s [CStmt]),
    Loop {
        slot: Option<LocalSlot>,
        items: std::vec::IntoIter<Any>,
        body: &'s [CStmt],
    },
}

/// One run of a step body.
#[derive(Clone)]
pub struct Run<'s> {
    pub locals: Locals,
    /// The acting instance's stored variables.
    pub vars: Vec<u64>,
    pub sends: Vec<Sent>,
    stack: Vec<Cont<'s>>,
}

impl<'s> Run<'s> {
    pub fn new(locals: Locals, vars: Vec<u64>, body: &'s [CStmt]) -> Run<'s> {
        Run {
            locals,
            vars,
            sends: Vec::new(),
            stack: vec![Cont::Block(body)],
        }
    }
}

/// The acting instance of a run.
#[derive(Clone, Copy)]
pub struct Actor {
    pub global: u32,
    pub index: u32,
    pub role: spec_lang::ir::RoleId,
}

/// What a completed run reports: the acting instance's variables and the
/// messages to send.
pub type Done<'a> = dyn FnMut(&[u64], &[Sent]) -> ControlFlow<()> + 'a;

/// Executes the rest of `run`, calling `done` once per completed run (one
/// per combination of choices) until it breaks.
pub fn execute<'s>(
    m: &Machine,
    state: &[u64],
    actor: Actor,
    mut run: Run<'s>,
    done: &mut Done<'_>,
) -> Result<ControlFlow<()>, Failure> {
    loop {
        let Some(top) = run.stack.last_mut() else {
            return Ok(done(&run.vars, &run.sends));
        };
        let stmt = match top {
            Cont::Block(stmts) => match stmts.split_first() {
                Some((first, rest)) => {
                    *stmts = rest;
                    first
                }
                None => {
                    run.stack.pop();
                    continue;
                }
            },
            Cont::Loop { slot, items, body } => match items.next() {
                Some(x) => {
                    let (slot, body) = (*slot, *body);
                    if let Some(slot) = slot {
                        bind(&mut run.locals, slot, x);
                    }
                    run.stack.push(Cont::Block(body));
                    continue;
                }
                None => {
                    run.stack.pop();
                    continue;
                }
            },
        };
        match stmt {
            CStmt::Choose { slot, dom, filter } => {
                let items = {
                    let mut cx = cx_of(m, state, actor, &run.vars, &mut run.locals);
                    dom.elements(&mut cx).map_err(err)?
                };
                for x in items {
                    if let Some(slot) = slot {
                        bind(&mut run.locals, *slot, x);
                    }
                    if let Some(f) = filter {
                        let mut cx = cx_of(m, state, actor, &run.vars, &mut run.locals);
                        if f(&mut cx).map_err(err)? == 0 {
                            continue;
                        }
                    }
                    if execute(m, state, actor, run.clone(), done)?.is_break() {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                // Every choice has been explored; no choice disables the step.
                return Ok(ControlFlow::Continue(()));
            }
            CStmt::If {
                cond,
                then,
                otherwise,
                site,
                ..
            } => {
                let mut cx = cx_of(m, state, actor, &run.vars, &mut run.locals);
                let taken = cond(&mut cx).map_err(err)? != 0;
                crate::coverage::hit(*site, taken);
                let branch = if taken { then } else { otherwise };
                run.stack.push(Cont::Block(branch));
            }
            CStmt::For { slot, dom, body } => {
                let mut cx = cx_of(m, state, actor, &run.vars, &mut run.locals);
                let items = dom.elements(&mut cx).map_err(err)?;
                run.stack.push(Cont::Loop {
                    slot: *slot,
                    items: items.into_iter(),
                    body,
                });
            }
            leaf => leaf_stmt(
                m,
                state,
                actor,
                leaf,
                &mut run.locals,
                &mut run.vars,
                &mut run.sends,
            )?,
        }
    }
}

/// Executes a block without `choose` directly on the given buffers: one
/// run, nothing cloned, nothing allocated for the continuation.
pub fn execute_plain(
    m: &Machine,
    state: &[u64],
    actor: Actor,
    block: &[CStmt],
    locals: &mut Locals,
    vars: &mut [u64],
    sends: &mut Vec<Sent>,
) -> Result<(), Failure> {
    for stmt in block {
        match stmt {
            CStmt::If {
                cond,
                then,
                otherwise,
                site,
                ..
            } => {
                let mut cx = cx_of(m, state, actor, vars, locals);
                let taken = cond(&mut cx).map_err(err)? != 0;
                crate::coverage::hit(*site, taken);
                let branch = if taken { then } else { otherwise };
                execute_plain(m, state, actor, branch, locals, vars, sends)?;
            }
            CStmt::For { slot, dom, body } => {
                let items = {
                    let mut cx = cx_of(m, state, actor, vars, locals);
                    dom.elements(&mut cx).map_err(err)?
                };
                for x in items {
                    if let Some(slot) = slot {
                        bind(locals, *slot, x);
                    }
                    execute_plain(m, state, actor, body, locals, vars, sends)?;
                }
            }
            CStmt::Choose { .. } => {
                return Err(Failure::Error(EvalError {
                    message: "internal error: a choice in a body compiled without choices".into(),
                    span: Span::DETACHED,
                }));
            }
            leaf => leaf_stmt(m, state, actor, leaf, locals, vars, sends)?,
        }
    }
    Ok(())
}

/// Whether a block has a `choose` anywhere inside it.
pub fn has_choose(block: &[CStmt]) -> bool {
    block.iter().any(|s| match s {
        CStmt::Choose { .. } => true,
        CStmt::If {
            then, otherwise, ..
        } => has_choose(then) || has_choose(otherwise),
        CStmt::For { body, .. } => has_choose(body),
        _ => false,
    })
}

// Takes the box because evaluation results carry boxed errors.
#[allow(clippy::boxed_local)]
fn err(e: Box<EvalError>) -> Failure {
    Failure::Error(*e)
}

fn cx_of<'a>(
    m: &'a Machine,
    state: &'a [u64],
    actor: Actor,
    vars: &'a [u64],
    locals: &'a mut Locals,
) -> Cx<'a> {
    Cx {
        m,
        state,
        own: Some(Own {
            global: actor.global,
            vars,
        }),
        l: locals,
        sb: 0,
        cb: 0,
    }
}

/// The statements that neither branch nor loop.
fn leaf_stmt(
    m: &Machine,
    state: &[u64],
    actor: Actor,
    stmt: &CStmt,
    locals: &mut Locals,
    vars: &mut [u64],
    sends: &mut Vec<Sent>,
) -> Result<(), Failure> {
    match stmt {
        CStmt::Assign { pos, f } => {
            let code = {
                let mut cx = cx_of(m, state, actor, vars, locals);
                f(&mut cx).map_err(err)?
            };
            match vars.get_mut(*pos) {
                Some(slot) => *slot = code,
                None => {
                    return Err(Failure::Error(EvalError {
                        message: "malformed IR: variable out of range".into(),
                        span: Span::DETACHED,
                    }));
                }
            }
        }
        CStmt::Let { slot, value } => {
            let x = {
                let mut cx = cx_of(m, state, actor, vars, locals);
                match value {
                    Ex::S(f) => Any::S(f(&mut cx).map_err(err)?),
                    Ex::C(f) => Any::C(f(&mut cx).map_err(err)?),
                }
            };
            if let Some(slot) = slot {
                bind(locals, *slot, x);
            }
        }
        CStmt::Send { msg, to } => {
            let mut cx = cx_of(m, state, actor, vars, locals);
            let fields = msg.fields(&mut cx).map_err(err)?;
            let to = to(&mut cx).map_err(err)?;
            if m.pack.insts.get(to).is_none() {
                return Err(Failure::Error(EvalError {
                    message: "no such role instance".into(),
                    span: msg.span,
                }));
            }
            sends.push(Sent {
                to: to as u32,
                kind: msg.kind,
                fields,
            });
        }
        CStmt::Broadcast {
            msg,
            to,
            exclude_self,
        } => {
            let mut cx = cx_of(m, state, actor, vars, locals);
            let fields = msg.fields(&mut cx).map_err(err)?;
            let mut bad = false;
            to.each(&mut cx, &mut |_, t| {
                match t {
                    Any::S(t) => {
                        if !(*exclude_self && t == u64::from(actor.global)) {
                            sends.push(Sent {
                                to: t as u32,
                                kind: msg.kind,
                                fields,
                            });
                        }
                    }
                    Any::C(_) => bad = true,
                }
                Ok(!bad)
            })
            .map_err(err)?;
            if bad {
                return Err(Failure::Error(EvalError {
                    message: "expected a role instance".into(),
                    span: msg.span,
                }));
            }
        }
        CStmt::Assert {
            cond,
            message,
            span,
        } => {
            let mut cx = cx_of(m, state, actor, vars, locals);
            if cond(&mut cx).map_err(err)? == 0 {
                return Err(Failure::Assertion {
                    message: message.clone(),
                    span: *span,
                });
            }
        }
        CStmt::Choose { .. } | CStmt::If { .. } | CStmt::For { .. } => {}
    }
    Ok(())
}

fn bind(l: &mut Locals, slot: LocalSlot, x: Any) {
    match (slot, x) {
        (LocalSlot::S(i), Any::S(x)) => {
            if let Some(v) = l.s.get_mut(i) {
                *v = x;
            }
        }
        (LocalSlot::C(i), Any::C(x)) => {
            if let Some(v) = l.c.get_mut(i) {
                *v = x;
            }
        }
        _ => {}
    }
}
