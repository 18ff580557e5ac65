//! Expressions: one closure per IR node, specialised by the operands' forms.

use std::sync::Arc;

use spec_lang::ir::{Expr, ExprKind, Quantifier, Type, UnaryOp};

use super::domain::{Domain, compile_binders, compile_domain};
use super::ops::{compile_binary, compile_builtin};
use super::{
    Any, Cx, Ex, LocalSlot, Res, Scope, Val, fail, from_vfn, into_vfn, is_scalar, reshape,
    scalar_value, value_val,
};
use crate::eval::{literal, map_get, seq_offset, update_index};
use crate::pack::{Storage, VarSlot};
use crate::shape::{Shape, ShapeKind, mask, shl, shr};
use crate::value::Value;

/// Compiles an expression in a scope.
pub fn compile_expr(e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    match &e.kind {
        ExprKind::Lit(lit) => constant(literal(lit), &e.ty, sc),
        ExprKind::None => constant(Value::None, &e.ty, sc),
        ExprKind::Local(id) => match sc.frame.slot(*id) {
            Some(LocalSlot::S(i)) => Ex::S(Box::new(move |cx| Ok(cx.l.s[cx.sb + i]))),
            Some(LocalSlot::C(i)) => {
                let f: super::CFn = Box::new(move |cx| Ok(cx.l.c[cx.cb + i].clone()));
                let local_ty = sc
                    .local_types
                    .get(id.index())
                    .cloned()
                    .unwrap_or(Type::Bool);
                Ex::C(reshape(f, sc.shape(&local_ty), sc.shape(&e.ty), sc))
            }
            None => error_ex(&e.ty, span, "malformed IR: local out of range"),
        },
        ExprKind::Const(id) => match sc.consts.get(id.index()) {
            Some(v) => constant(v.clone(), &e.ty, sc),
            None => error_ex(&e.ty, span, "malformed IR: constant out of range"),
        },
        ExprKind::Var { var, instance } => {
            if sc.in_function {
                return error_ex(&e.ty, span, "variables cannot be read here");
            }
            let Some(slot) = sc.pack.vars.get(var.index()).cloned() else {
                return error_ex(&e.ty, span, "malformed IR: variable out of range");
            };
            match &instance.ty {
                Type::Role(r) if *r == slot.role => {}
                _ => return error_ex(&e.ty, span, "malformed IR: variable of another role"),
            }
            let inst = match (&instance.kind, sc.frame.slot_of(instance)) {
                (ExprKind::Local(_), Some(LocalSlot::S(i))) => Inst::Local(i),
                _ => Inst::Expr(scalar(compile_expr(instance, sc), span)),
            };
            read_var(slot, inst, &e.ty, sc, span)
        }
        ExprKind::RoleSet(role) => match sc.pack.roles.get(role.index()) {
            Some(r) => {
                let count = r.count;
                let set: Vec<Value> = (0..count)
                    .map(|i| Value::Inst(crate::value::Instance::new(*role, i)))
                    .collect();
                constant(Value::Set(set), &e.ty, sc)
            }
            None => error_ex(&e.ty, span, "malformed IR: unknown role"),
        },
        ExprKind::Unary(op, a) => {
            let a = scalar(compile_expr(a, sc), span);
            match op {
                UnaryOp::Not => Ex::S(Box::new(move |cx| Ok(u64::from(a(cx)? == 0)))),
                UnaryOp::Neg => Ex::S(Box::new(move |cx| match (a(cx)? as i64).checked_neg() {
                    Some(n) => Ok(n as u64),
                    None => fail(span, "integer overflow"),
                })),
            }
        }
        ExprKind::Binary(op, a, b) => compile_binary(*op, a, b, e, sc),
        ExprKind::Field(a, n) => field(a, *n, e, sc),
        ExprKind::TupleIndex(a, n) => field(a, *n, e, sc),
        ExprKind::Sender(a) | ExprKind::Receiver(a) => {
            endpoint(a, matches!(e.kind, ExprKind::Sender(_)), e, sc)
        }
        ExprKind::MapGet(m, k) => map_lookup(m, k, e, sc),
        ExprKind::SeqIndex(s, i) => seq_index(s, i, e, sc),
        ExprKind::Call(f, args) => call(*f, args, e, sc),
        ExprKind::Builtin(b, args) => compile_builtin(*b, args, e, sc),
        ExprKind::InFlight(_) => {
            let dom = compile_domain(e, sc);
            let elem_ty = match &e.ty {
                Type::Seq(t, _) => (**t).clone(),
                _ => Type::Bool,
            };
            let insts = sc.insts.clone();
            let elem_shape = sc.shape(&elem_ty);
            let f: super::VFn = Box::new(move |cx| {
                let mut items = Vec::new();
                dom.each(cx, &mut |_, x| {
                    items.push(any_value(x, &elem_ty, elem_shape.as_ref(), &insts));
                    Ok(true)
                })?;
                // The canonical order, whatever order the network keeps.
                items.sort();
                Ok(Value::Seq(items))
            });
            from_vfn(f, &e.ty, span, sc)
        }
        ExprKind::Crashed(a) => {
            let inst = scalar(compile_expr(a, sc), span);
            match sc.pack.faults.crashed {
                None => Ex::S(Box::new(move |cx| inst(cx).map(|_| 0))),
                Some(at) => Ex::S(Box::new(move |cx| {
                    let g = inst(cx)? as usize;
                    let w = cx.state.get(at + g / 64).copied().unwrap_or(0);
                    Ok(w >> (g % 64) & 1)
                })),
            }
        }
        ExprKind::SetLit(items) => set_literal(items, e, sc),
        ExprKind::SeqLit(items) => {
            let parts = items
                .iter()
                .map(|x| into_vfn(compile_expr(x, sc), &x.ty, sc))
                .collect();
            from_parts(parts, e, sc, |vals| Ok(Value::Seq(vals)))
        }
        ExprKind::TupleLit(items) => product_literal(items, None, e, sc),
        ExprKind::RecordLit(items) => match &e.ty {
            Type::Record(id) => product_literal(items, Some(*id), e, sc),
            _ => error_ex(
                &e.ty,
                span,
                "malformed IR: record literal without a record type",
            ),
        },
        ExprKind::MapLit(entries) => {
            let mut parts = Vec::with_capacity(entries.len() * 2);
            for (k, v) in entries {
                parts.push(into_vfn(compile_expr(k, sc), &k.ty, sc));
                parts.push(into_vfn(compile_expr(v, sc), &v.ty, sc));
            }
            from_parts(parts, e, sc, |vals| {
                let mut it = vals.into_iter();
                let mut out = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    out.push((k, v));
                }
                Ok(Value::map_from(out))
            })
        }
        ExprKind::Range(..) => {
            let dom = compile_domain(e, sc);
            collect_set(dom, &Type::Int(None), e, sc)
        }
        ExprKind::SetFilter { local, set, cond } => {
            let dom = compile_domain(set, sc);
            let slot = sc.frame.slot(*local);
            let cond = scalar(compile_expr(cond, sc), span);
            let elem_ty = sc
                .local_types
                .get(local.index())
                .cloned()
                .unwrap_or(Type::Bool);
            let filtered = Domain::Filter {
                inner: Box::new(dom),
                slot,
                cond,
            };
            collect_set(filtered, &elem_ty, e, sc)
        }
        ExprKind::SetMap {
            elem,
            binders,
            cond,
        } => {
            let binders = compile_binders(binders, sc);
            let cond = cond.as_ref().map(|c| scalar(compile_expr(c, sc), span));
            let elem_v = into_vfn(compile_expr(elem, sc), &elem.ty, sc);
            let f: super::VFn = Box::new(move |cx| {
                let mut out = Vec::new();
                binders.each(cx, 0, &mut |cx| {
                    if let Some(c) = &cond
                        && c(cx)? == 0
                    {
                        return Ok(true);
                    }
                    out.push(elem_v(cx)?);
                    Ok(true)
                })?;
                Ok(Value::set_from(out))
            });
            from_vfn(f, &e.ty, span, sc)
        }
        ExprKind::MapComp { local, set, value } => {
            let dom = compile_domain(set, sc);
            let slot = sc.frame.slot(*local);
            let key_ty = sc
                .local_types
                .get(local.index())
                .cloned()
                .unwrap_or(Type::Bool);
            let value = into_vfn(compile_expr(value, sc), &value.ty, sc);
            let insts = sc.insts.clone();
            let key_shape = sc.shape(&key_ty);
            let f: super::VFn = Box::new(move |cx| {
                let keys = dom.elements(cx)?;
                let mut out = Vec::with_capacity(keys.len());
                for k in keys {
                    if let Some(slot) = slot {
                        cx.bind(slot, k.clone());
                    }
                    let kv = any_value(k, &key_ty, key_shape.as_ref(), &insts);
                    out.push((kv, value(cx)?));
                }
                Ok(Value::map_from(out))
            });
            from_vfn(f, &e.ty, span, sc)
        }
        ExprKind::Quant {
            quantifier,
            binders,
            body,
        } => {
            if let Some(rewritten) = super::hoist::hoist(*quantifier, binders, body, span) {
                return compile_expr(&rewritten, sc);
            }
            let binders = compile_binders(binders, sc);
            match quantifier {
                Quantifier::Forall => {
                    let body = scalar(compile_expr(body, sc), span);
                    Ex::S(Box::new(move |cx| {
                        let all = binders.each(cx, 0, &mut |cx| Ok(body(cx)? != 0))?;
                        Ok(u64::from(all))
                    }))
                }
                Quantifier::Exists => {
                    let body = scalar(compile_expr(body, sc), span);
                    Ex::S(Box::new(move |cx| {
                        let none = binders.each(cx, 0, &mut |cx| Ok(body(cx)? == 0))?;
                        Ok(u64::from(!none))
                    }))
                }
                Quantifier::Sum => {
                    let body = scalar(compile_expr(body, sc), span);
                    Ex::S(Box::new(move |cx| {
                        let mut total: i64 = 0;
                        binders.each(cx, 0, &mut |cx| {
                            let n = body(cx)? as i64;
                            match total.checked_add(n) {
                                Some(t) => total = t,
                                None => return fail(span, "integer overflow"),
                            }
                            Ok(true)
                        })?;
                        Ok(total as u64)
                    }))
                }
            }
        }
        ExprKind::If(c, t, f) => {
            let c = scalar(compile_expr(c, sc), span);
            match (
                conform(compile_expr(t, sc), t, &e.ty, sc),
                conform(compile_expr(f, sc), f, &e.ty, sc),
            ) {
                (Ex::S(t), Ex::S(f)) => {
                    Ex::S(Box::new(move |cx| if c(cx)? != 0 { t(cx) } else { f(cx) }))
                }
                (Ex::C(t), Ex::C(f)) => {
                    Ex::C(Box::new(move |cx| if c(cx)? != 0 { t(cx) } else { f(cx) }))
                }
                _ => error_ex(&e.ty, span, "malformed IR: branches of different types"),
            }
        }
        ExprKind::Let(local, value, body) => {
            let slot = sc.frame.slot(*local);
            let local_ty = sc
                .local_types
                .get(local.index())
                .cloned()
                .unwrap_or(Type::Bool);
            let value = conform(compile_expr(value, sc), value, &local_ty, sc);
            let body = compile_expr(body, sc);
            match (slot, value, body) {
                (Some(LocalSlot::S(i)), Ex::S(v), Ex::S(b)) => Ex::S(Box::new(move |cx| {
                    let x = v(cx)?;
                    cx.set_s(i, x);
                    b(cx)
                })),
                (Some(LocalSlot::S(i)), Ex::S(v), Ex::C(b)) => Ex::C(Box::new(move |cx| {
                    let x = v(cx)?;
                    cx.set_s(i, x);
                    b(cx)
                })),
                (Some(LocalSlot::C(i)), Ex::C(v), Ex::S(b)) => Ex::S(Box::new(move |cx| {
                    let x = v(cx)?;
                    cx.set_c(i, x);
                    b(cx)
                })),
                (Some(LocalSlot::C(i)), Ex::C(v), Ex::C(b)) => Ex::C(Box::new(move |cx| {
                    let x = v(cx)?;
                    cx.set_c(i, x);
                    b(cx)
                })),
                _ => error_ex(&e.ty, span, "malformed IR: local out of range"),
            }
        }
        ExprKind::WithIndex(base, entries) => with_index(base, entries, e, sc),
        ExprKind::WithFields(base, updates) => {
            let base_v = into_vfn(compile_expr(base, sc), &base.ty, sc);
            let updates: Vec<(usize, super::VFn)> = updates
                .iter()
                .map(|(n, v)| (*n as usize, into_vfn(compile_expr(v, sc), &v.ty, sc)))
                .collect();
            let f: super::VFn = Box::new(move |cx| {
                let mut base = base_v(cx)?;
                for (n, v) in &updates {
                    let v = v(cx)?;
                    match &mut base {
                        Value::Record(_, fields) => match fields.get_mut(*n) {
                            Some(slot) => *slot = v,
                            None => return fail(span, "malformed IR: field out of range"),
                        },
                        _ => return fail(span, "field update of a value that is not a record"),
                    }
                }
                Ok(base)
            });
            from_vfn(f, &e.ty, span, sc)
        }
    }
}

/// The scalar closure of a compiled expression; a compound one is malformed
/// IR and fails when run.
pub fn scalar(ex: Ex, span: spec_lang::ir::Span) -> super::SFn {
    match ex {
        Ex::S(f) => f,
        Ex::C(_) => Box::new(move |_| fail(span, "malformed IR: expected a scalar")),
    }
}

/// The compound closure of a compiled expression.
pub fn compound(ex: Ex, span: spec_lang::ir::Span) -> super::CFn {
    match ex {
        Ex::C(f) => f,
        Ex::S(_) => Box::new(move |_| fail(span, "malformed IR: expected a compound value")),
    }
}

/// A compiled expression of type `from.ty` in the form of type `to`
/// (which differs at most in integer bounds).
pub fn conform(ex: Ex, from: &Expr, to: &Type, sc: &Scope<'_>) -> Ex {
    match ex {
        Ex::S(f) => Ex::S(f),
        Ex::C(f) => Ex::C(reshape(f, sc.shape(&from.ty), sc.shape(to), sc)),
    }
}

/// An expression that always fails with `message`.
pub fn error_ex(ty: &Type, span: spec_lang::ir::Span, message: &'static str) -> Ex {
    if is_scalar(ty) {
        Ex::S(Box::new(move |_| fail(span, message)))
    } else {
        Ex::C(Box::new(move |_| fail(span, message)))
    }
}

/// A constant value in the form of its type.
pub fn constant(v: Value, ty: &Type, sc: &Scope<'_>) -> Ex {
    if is_scalar(ty) {
        match super::value_scalar(&v, &sc.insts, spec_lang::Span::DETACHED) {
            Ok(x) => Ex::S(Box::new(move |_| Ok(x))),
            Err(e) => Ex::S(Box::new(move |_| Err(e.clone()))),
        }
    } else {
        let val = value_val(v, sc.shape(ty).as_ref(), &sc.insts);
        match val {
            Val::Code(c) => Ex::C(Box::new(move |_| Ok(Val::Code(c)))),
            Val::Value(v) => Ex::C(Box::new(move |_| Ok(Val::Value(v.clone())))),
        }
    }
}

/// Turns a stored code into the evaluator's form of one scalar shape.
#[derive(Clone, Copy, Debug)]
pub enum Load {
    /// Codes are the scalars (bool, enum, wide integers).
    Raw,
    /// An integer range: add the low bound.
    Offset(i64),
    /// An instance: add the role's first global index.
    Role(u32),
}

impl Load {
    pub fn of(shape: &Shape, sc: &Scope<'_>) -> Load {
        match &shape.kind {
            ShapeKind::Int { lo, .. } => Load::Offset(*lo),
            ShapeKind::Role { role, .. } => {
                Load::Role(sc.insts.first.get(role.index()).copied().unwrap_or(0))
            }
            _ => Load::Raw,
        }
    }

    #[inline]
    pub fn apply(self, code: u64) -> u64 {
        match self {
            Load::Raw => code,
            Load::Offset(lo) => (code as i64).wrapping_add(lo) as u64,
            Load::Role(first) => code + u64::from(first),
        }
    }
}

/// Turns a scalar into the code of a scalar shape, if it is in the shape's
/// domain.
#[derive(Clone, Copy, Debug)]
pub enum Store {
    /// Codes below `count` are the scalars.
    Plain(u64),
    Int {
        lo: i64,
        hi: i64,
    },
    Role {
        first: u32,
        count: u32,
    },
}

impl Store {
    pub fn of(shape: &Shape, sc: &Scope<'_>) -> Store {
        Store::of_shape(shape, &sc.insts)
    }

    pub fn of_shape(shape: &Shape, insts: &crate::shape::Instances) -> Store {
        match &shape.kind {
            ShapeKind::Int { lo, hi } => Store::Int { lo: *lo, hi: *hi },
            ShapeKind::Role { role, count } => Store::Role {
                first: insts.first.get(role.index()).copied().unwrap_or(0),
                count: *count,
            },
            ShapeKind::Bool => Store::Plain(2),
            ShapeKind::Enum { count, .. } => Store::Plain(u64::from(*count)),
            _ => Store::Plain(0),
        }
    }

    #[inline]
    pub fn code(self, x: u64) -> Option<u64> {
        match self {
            Store::Plain(count) => (x < count).then_some(x),
            Store::Int { lo, hi } => {
                let n = x as i64;
                (lo <= n && n <= hi).then(|| n.wrapping_sub(lo) as u64)
            }
            Store::Role { first, count } => {
                let i = x.wrapping_sub(u64::from(first));
                (x >= u64::from(first) && i < u64::from(count)).then_some(i)
            }
        }
    }
}

/// Reads one instance's variable; `inst` yields the global index.
/// How a variable read finds its instance.
pub enum Inst {
    /// In a scalar local (the acting instance, a quantified instance).
    Local(usize),
    Expr(super::SFn),
}

impl Inst {
    #[inline]
    pub fn get(&self, cx: &mut Cx<'_>) -> Res<u64> {
        match self {
            Inst::Local(i) => Ok(cx.l.s[cx.sb + i]),
            Inst::Expr(f) => f(cx),
        }
    }
}

/// Reads the stored code of one variable of one instance, seeing the
/// acting instance's updates inside a step.
pub struct VarRead {
    place: Place,
    pos: usize,
    inst: Inst,
    span: spec_lang::ir::Span,
}

impl VarRead {
    pub fn new(slot: &VarSlot, inst: Inst, sc: &Scope<'_>, span: spec_lang::ir::Span) -> VarRead {
        VarRead {
            place: Place::of(slot, sc.pack),
            pos: slot.pos,
            inst,
            span,
        }
    }

    #[inline]
    pub fn stored(&self, cx: &mut Cx<'_>) -> Res<u64> {
        let g = self.inst.get(cx)? as u32;
        if let Some(own) = cx.own
            && own.global == g
        {
            return Ok(own.vars.get(self.pos).copied().unwrap_or(0));
        }
        match self.place.read(cx.state, g) {
            Some(c) => Ok(c),
            None => fail(self.span, "no such role instance"),
        }
    }
}

/// A variable read `var` of `instance`, ready to compile.
pub fn var_read(e: &Expr, sc: &Scope<'_>) -> Option<(VarSlot, VarRead)> {
    let ExprKind::Var { var, instance } = &e.kind else {
        return None;
    };
    if sc.in_function {
        return None;
    }
    let slot = sc.pack.vars.get(var.index())?.clone();
    match &instance.ty {
        Type::Role(r) if *r == slot.role => {}
        _ => return None,
    }
    let inst = match (&instance.kind, sc.frame.slot_of(instance)) {
        (ExprKind::Local(_), Some(LocalSlot::S(i))) => Inst::Local(i),
        _ => Inst::Expr(scalar(compile_expr(instance, sc), e.span)),
    };
    let read = VarRead::new(&slot, inst, sc, e.span);
    Some((slot, read))
}

fn read_var(slot: VarSlot, inst: Inst, ty: &Type, sc: &Scope<'_>, span: spec_lang::ir::Span) -> Ex {
    let read = VarRead::new(&slot, inst, sc, span);
    let stored = move |cx: &mut Cx<'_>| read.stored(cx);
    match slot.storage {
        Storage::Packed(shape) if is_scalar(ty) => {
            let load = Load::of(&shape, sc);
            Ex::S(Box::new(move |cx| stored(cx).map(|c| load.apply(c))))
        }
        Storage::Packed(shape) => {
            let f: super::CFn = Box::new(move |cx| stored(cx).map(Val::Code));
            Ex::C(reshape(f, Some(shape), sc.shape(ty), sc))
        }
        Storage::Wide if is_scalar(ty) => Ex::S(Box::new(stored)),
        Storage::Wide => error_ex(
            ty,
            span,
            "malformed IR: an integer variable read as a compound",
        ),
        Storage::Boxed if is_scalar(ty) => error_ex(
            ty,
            span,
            "malformed IR: a compound variable read as a scalar",
        ),
        Storage::Boxed => {
            let shape = sc.shape(ty);
            let insts = sc.insts.clone();
            Ex::C(Box::new(move |cx| {
                let h = stored(cx)?;
                match cx.m.boxed.get(h) {
                    Some(v) => Ok(value_val((*v).clone(), shape.as_ref(), &insts)),
                    None => fail(span, "internal error: a boxed value is missing"),
                }
            }))
        }
    }
}

/// Where one variable sits for every instance of its role: enough to read
/// and write it without consulting the packing.
#[derive(Clone, Copy, Debug)]
pub struct Place {
    /// The global index of the role's first instance, and the count.
    pub first: u32,
    pub count: u32,
    pub base: usize,
    pub block: crate::pack::Block,
    pub word: u32,
    pub shift: u32,
    pub bits: u32,
}

impl Place {
    pub fn of(slot: &VarSlot, pack: &crate::pack::Packing) -> Place {
        let role = &pack.roles[slot.role.index()];
        Place {
            first: pack
                .insts
                .first
                .get(slot.role.index())
                .copied()
                .unwrap_or(0),
            count: role.count,
            base: role.base,
            block: role.block,
            word: slot.word,
            shift: slot.shift,
            bits: slot.storage.bits(),
        }
    }

    /// The word and shift of the instance with role index `index`.
    #[inline]
    pub fn at(&self, index: u32) -> (usize, u32) {
        match self.block {
            crate::pack::Block::Small { bits, per_word } => (
                self.base + (index / per_word) as usize,
                (index % per_word) * bits + self.shift,
            ),
            crate::pack::Block::Large { words } => (
                self.base + index as usize * words as usize + self.word as usize,
                self.shift,
            ),
        }
    }

    /// The stored code of the instance with global index `g`; `None` when
    /// `g` is not an instance of this role.
    #[inline]
    pub fn read(&self, words: &[u64], g: u32) -> Option<u64> {
        let index = g.wrapping_sub(self.first);
        if g < self.first || index >= self.count {
            return None;
        }
        if self.bits == 0 {
            return Some(0);
        }
        let (w, shift) = self.at(index);
        Some(shr(words.get(w).copied().unwrap_or(0), shift) & mask(self.bits))
    }
}

/// A value of any form as a [`Value`].
pub fn any_value(
    x: Any,
    ty: &Type,
    shape: Option<&Shape>,
    insts: &crate::shape::Instances,
) -> Value {
    match x {
        Any::S(x) => scalar_value(x, ty, insts),
        Any::C(v) => super::val_value(v, shape, insts),
    }
}

/// A field of a record, a tuple component or a message field.
fn field(a: &Expr, n: u32, e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    let base = compound(compile_expr(a, sc), span);
    let base_shape = sc.shape(&a.ty);
    // The product holding the fields, and where its code sits.
    let product = match base_shape.as_ref().map(|s| &s.kind) {
        Some(ShapeKind::Product { .. }) => base_shape.clone(),
        Some(ShapeKind::Message { fields, .. }) => Some((**fields).clone()),
        _ => None,
    };
    let n = n as usize;
    let part = product.as_ref().and_then(|p| match &p.kind {
        ShapeKind::Product {
            fields, offsets, ..
        } => Some((fields.get(n)?.clone(), *offsets.get(n)?)),
        _ => None,
    });
    let insts = sc.insts.clone();
    let slow = {
        let base_shape = base_shape.clone();
        let insts = insts.clone();
        move |v: Val| -> Res<Value> {
            let v = super::val_value(v, base_shape.as_ref(), &insts);
            let fields = match &v {
                Value::Record(_, fields) | Value::Tuple(fields) => fields,
                Value::Msg(m) => &m.fields,
                _ => return fail(span, "field of a value that has no fields"),
            };
            match fields.get(n) {
                Some(f) => Ok(f.clone()),
                None => fail(span, "malformed IR: component out of range"),
            }
        }
    };
    match part {
        Some((fshape, off)) if is_scalar(&e.ty) => {
            let load = Load::of(&fshape, sc);
            let bits = fshape.bits;
            Ex::S(Box::new(move |cx| match base(cx)? {
                Val::Code(c) => Ok(load.apply(shr(c, off) & mask(bits))),
                v => super::value_scalar(&slow(v)?, &insts, span),
            }))
        }
        Some((fshape, off)) => {
            let bits = fshape.bits;
            let target = sc.shape(&e.ty);
            let same = target.as_ref() == Some(&fshape);
            Ex::C(Box::new(move |cx| match base(cx)? {
                Val::Code(c) if same => Ok(Val::Code(shr(c, off) & mask(bits))),
                Val::Code(c) => {
                    let v = fshape.decode(shr(c, off) & mask(bits), &insts);
                    Ok(value_val(v, target.as_ref(), &insts))
                }
                v => Ok(value_val(slow(v)?, target.as_ref(), &insts)),
            }))
        }
        None => {
            let f: super::VFn = Box::new(move |cx| slow(base(cx)?));
            from_vfn(f, &e.ty, span, sc)
        }
    }
}

/// The sender or receiver of a message, as a global instance index.
fn endpoint(a: &Expr, sender: bool, e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    let base = compound(compile_expr(a, sc), span);
    let shape = sc.shape(&a.ty);
    let insts = sc.insts.clone();
    let split = match shape.as_ref().map(|s| &s.kind) {
        Some(ShapeKind::Message {
            inst_bits, fields, ..
        }) => Some((*inst_bits, fields.bits)),
        _ => None,
    };
    Ex::S(Box::new(move |cx| match base(cx)? {
        Val::Code(c) => {
            let (ib, fb) = split.unwrap_or((0, 0));
            let (from, to, _) = crate::shape::split_message(c, ib, fb);
            Ok(if sender { from } else { to })
        }
        Val::Value(Value::Msg(m)) => {
            let inst = if sender { m.from } else { m.to };
            super::value_scalar(&Value::Inst(inst), &insts, span)
        }
        Val::Value(_) if sender => fail(span, "sender of a value that is not a message"),
        Val::Value(_) => fail(span, "receiver of a value that is not a message"),
    }))
}

fn map_lookup(m: &Expr, k: &Expr, e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    let mshape = sc.shape(&m.ty);
    if let Some(ShapeKind::Map { key, val }) = mshape.as_ref().map(|s| &s.kind)
        && let Some(kshape) = sc.shape(&k.ty).filter(|s| s == &**key)
    {
        // Both in code form: read the key's digit in place.
        let key_store = is_scalar(&k.ty).then(|| Store::of(&kshape, sc));
        let kb = key.bits;
        let vb = val.bits;
        let vshape = (**val).clone();
        let mf = compound(compile_expr(m, sc), span);
        let kf = compile_expr(k, sc);
        let slow_m = mshape.clone();
        let insts = sc.insts.clone();
        let ty = e.ty.clone();
        let target = sc.shape(&e.ty);
        let load = Load::of(&vshape, sc);
        let spec_names = sc.names.clone();
        let key_ty = k.ty.clone();
        let kshape2 = kshape.clone();
        let lookup = move |cx: &mut Cx<'_>| -> Res<Result<u64, Value>> {
            let mv = mf(cx)?;
            let kc = match &kf {
                Ex::S(f) => {
                    let x = f(cx)?;
                    match key_store.and_then(|s| s.code(x)) {
                        Some(c) => Ok(c),
                        None => Err(scalar_value(x, &key_ty, &insts)),
                    }
                }
                Ex::C(f) => match f(cx)? {
                    Val::Code(c) => Ok(c),
                    Val::Value(v) => Err(v),
                },
            };
            match (mv, kc) {
                (Val::Code(c), Ok(kc)) => {
                    let digit = shr(c, crate::shape::map_offset(kb, vb, kc as u32)) & mask(vb + 1);
                    if shr(digit, vb) & 1 == 1 {
                        Ok(Ok(digit & mask(vb)))
                    } else {
                        let kv = kshape2.decode(kc, &insts);
                        fail(
                            span,
                            format!("key {} is not in the map", kv.display(&spec_names)),
                        )
                    }
                }
                (mv, kc) => {
                    let mv = super::val_value(mv, slow_m.as_ref(), &insts);
                    let kv = match kc {
                        Ok(c) => kshape2.decode(c, &insts),
                        Err(v) => v,
                    };
                    map_get(mv, &kv, span, &spec_names)
                        .map(Err)
                        .map_err(Box::new)
                }
            }
        };
        return if is_scalar(&ty) {
            let insts = sc.insts.clone();
            Ex::S(Box::new(move |cx| match lookup(cx)? {
                Ok(code) => Ok(load.apply(code)),
                Err(v) => super::value_scalar(&v, &insts, span),
            }))
        } else {
            let same = target.as_ref() == Some(&vshape);
            let insts = sc.insts.clone();
            Ex::C(Box::new(move |cx| match lookup(cx)? {
                Ok(code) if same => Ok(Val::Code(code)),
                Ok(code) => Ok(value_val(
                    vshape.decode(code, &insts),
                    target.as_ref(),
                    &insts,
                )),
                Err(v) => Ok(value_val(v, target.as_ref(), &insts)),
            }))
        };
    }
    let mf = into_vfn(compile_expr(m, sc), &m.ty, sc);
    let kf = into_vfn(compile_expr(k, sc), &k.ty, sc);
    let names = sc.names.clone();
    let f: super::VFn = Box::new(move |cx| {
        let mv = mf(cx)?;
        let kv = kf(cx)?;
        map_get(mv, &kv, span, &names).map_err(Box::new)
    });
    from_vfn(f, &e.ty, span, sc)
}

fn seq_index(s: &Expr, i: &Expr, e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    let sshape = sc.shape(&s.ty);
    let sf = compound(compile_expr(s, sc), span);
    let idx = scalar(compile_expr(i, sc), span);
    let insts = sc.insts.clone();
    let code_part = match sshape.as_ref().map(|s| &s.kind) {
        Some(ShapeKind::Seq { elem, max }) => Some(((**elem).clone(), *max)),
        _ => None,
    };
    let target = sc.shape(&e.ty);
    let scalar_out = is_scalar(&e.ty);
    let load = code_part.as_ref().map(|(el, _)| Load::of(el, sc));
    let get = move |cx: &mut Cx<'_>| -> Res<Any> {
        let v = sf(cx)?;
        let i = idx(cx)? as i64;
        match (v, &code_part) {
            (Val::Code(c), Some((elem, max))) => {
                let len = shr(c, *max * elem.bits) as usize;
                let at = seq_offset(i, len, span).map_err(Box::new)?;
                let x =
                    shr(c, crate::shape::seq_offset(elem.bits, *max, at as u32)) & mask(elem.bits);
                if scalar_out {
                    Ok(Any::S(load.unwrap_or(Load::Raw).apply(x)))
                } else if target.as_ref() == Some(elem) {
                    Ok(Any::C(Val::Code(x)))
                } else {
                    Ok(Any::C(value_val(
                        elem.decode(x, &insts),
                        target.as_ref(),
                        &insts,
                    )))
                }
            }
            (v, _) => {
                let items = match super::val_value(v, sshape.as_ref(), &insts) {
                    Value::Seq(items) => items,
                    _ => return fail(span, "index into a value that is not a sequence"),
                };
                let at = seq_offset(i, items.len(), span).map_err(Box::new)?;
                let x = items.into_iter().nth(at).unwrap_or(Value::None);
                if scalar_out {
                    Ok(Any::S(super::value_scalar(&x, &insts, span)?))
                } else {
                    Ok(Any::C(value_val(x, target.as_ref(), &insts)))
                }
            }
        }
    };
    if scalar_out {
        Ex::S(Box::new(move |cx| match get(cx)? {
            Any::S(x) => Ok(x),
            Any::C(_) => fail(span, "malformed IR: expected a scalar"),
        }))
    } else {
        Ex::C(Box::new(move |cx| match get(cx)? {
            Any::C(v) => Ok(v),
            Any::S(_) => fail(span, "malformed IR: expected a compound value"),
        }))
    }
}

/// A call of a user function: arguments in the caller's frame, the body in
/// a fresh frame pushed on the locals stack.
fn call(f: spec_lang::ir::FnId, args: &[Expr], e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    let Some(func) = sc.spec.functions.get(f.index()) else {
        return error_ex(&e.ty, span, "malformed IR: unknown function");
    };
    if func.params.len() != args.len() {
        return error_ex(&e.ty, span, "malformed IR: wrong number of arguments");
    }
    let param_types: Vec<Type> = func
        .params
        .iter()
        .map(|p| {
            func.body
                .locals
                .get(p.index())
                .map_or(Type::Bool, |l| l.ty.clone())
        })
        .collect();
    let args: Vec<Ex> = args
        .iter()
        .zip(&param_types)
        .map(|(a, t)| conform(compile_expr(a, sc), a, t, sc))
        .collect();
    let fid = f.index();
    let run = move |cx: &mut Cx<'_>| -> Res<Any> {
        let m = cx.m;
        let Some(func) = m.functions.get(fid) else {
            return fail(span, "malformed IR: unknown function");
        };
        let mut vals = Vec::with_capacity(args.len());
        for a in &args {
            vals.push(match a {
                Ex::S(f) => Any::S(f(cx)?),
                Ex::C(f) => Any::C(f(cx)?),
            });
        }
        let (sb, cb) = (cx.sb, cx.cb);
        let (ns, nc) = (cx.l.s.len(), cx.l.c.len());
        cx.l.s.resize(ns + func.frame.scalars, 0);
        cx.l.c.resize(nc + func.frame.compounds, Val::Code(0));
        cx.sb = ns;
        cx.cb = nc;
        for (slot, v) in func.params.iter().zip(vals) {
            cx.bind(*slot, v);
        }
        let own = cx.own.take();
        let out = match &func.body {
            Ex::S(b) => b(cx).map(Any::S),
            Ex::C(b) => b(cx).map(Any::C),
        };
        cx.own = own;
        cx.sb = sb;
        cx.cb = cb;
        cx.l.s.truncate(ns);
        cx.l.c.truncate(nc);
        out
    };
    if is_scalar(&e.ty) {
        Ex::S(Box::new(move |cx| match run(cx)? {
            Any::S(x) => Ok(x),
            Any::C(_) => fail(span, "malformed IR: expected a scalar"),
        }))
    } else {
        let ret_shape = sc.shape(&func.ret);
        let target = sc.shape(&e.ty);
        let insts = sc.insts.clone();
        Ex::C(Box::new(move |cx| match run(cx)? {
            Any::C(v) if ret_shape == target => Ok(v),
            Any::C(v) => Ok(value_val(
                super::val_value(v, ret_shape.as_ref(), &insts),
                target.as_ref(),
                &insts,
            )),
            Any::S(_) => fail(span, "malformed IR: expected a compound value"),
        }))
    }
}

/// `{a, b, ...}`: a bitmask when the elements have codes, a value otherwise.
fn set_literal(items: &[Expr], e: &Expr, sc: &Scope<'_>) -> Ex {
    if let Some(ShapeKind::Set(elem)) = sc.shape(&e.ty).map(|s| s.kind) {
        let parts: Vec<Elem> = items.iter().map(|x| elem_part(x, &elem, sc)).collect();
        let fallback: Vec<super::VFn> = Vec::new();
        let _ = fallback;
        let insts = sc.insts.clone();
        return Ex::C(Box::new(move |cx| {
            let mut mask_code = 0u64;
            let mut values: Option<Vec<Value>> = None;
            for p in &parts {
                match p.eval(cx)? {
                    Ok(code) => {
                        if let Some(vs) = &mut values {
                            vs.push(elem.decode(code, &insts));
                        } else {
                            mask_code |= shl(1, code as u32);
                        }
                    }
                    Err(v) => {
                        let vs =
                            values.get_or_insert_with(|| decode_mask(mask_code, &elem, &insts));
                        vs.push(v);
                    }
                }
            }
            Ok(match values {
                None => Val::Code(mask_code),
                Some(vs) => Val::Value(Value::set_from(vs)),
            })
        }));
    }
    let parts = items
        .iter()
        .map(|x| into_vfn(compile_expr(x, sc), &x.ty, sc))
        .collect();
    from_parts(parts, e, sc, |vals| Ok(Value::set_from(vals)))
}

fn decode_mask(code: u64, elem: &Shape, insts: &crate::shape::Instances) -> Vec<Value> {
    match (Shape {
        kind: ShapeKind::Set(Box::new(elem.clone())),
        bits: 1 << elem.bits,
    })
    .decode(code, insts)
    {
        Value::Set(items) => items,
        _ => Vec::new(),
    }
}

/// One component of a literal, compiled to yield its code in a component
/// shape, or its value when it has no code there.
pub struct Elem {
    ex: Ex,
    ty: Type,
    store: Option<Store>,
    same_shape: bool,
    from_shape: Option<Shape>,
    to_shape: Shape,
    insts: Arc<crate::shape::Instances>,
}

impl Elem {
    /// The component's code in the target shape, or (when it has none
    /// there) its value.
    pub fn eval(&self, cx: &mut Cx<'_>) -> Res<Result<u64, Value>> {
        match &self.ex {
            Ex::S(f) => {
                let x = f(cx)?;
                Ok(self
                    .store
                    .and_then(|s| s.code(x))
                    .ok_or_else(|| scalar_value(x, &self.ty, &self.insts)))
            }
            Ex::C(f) => match f(cx)? {
                Val::Code(c) if self.same_shape => Ok(Ok(c)),
                v => {
                    let value = super::val_value(v, self.from_shape.as_ref(), &self.insts);
                    match self.to_shape.encode(&value, &self.insts) {
                        Some(c) => Ok(Ok(c)),
                        None => Ok(Err(value)),
                    }
                }
            },
        }
    }
}

pub fn elem_part(x: &Expr, shape: &Shape, sc: &Scope<'_>) -> Elem {
    let ex = compile_expr(x, sc);
    let from_shape = sc.shape(&x.ty);
    Elem {
        store: is_scalar(&x.ty).then(|| Store::of(shape, sc)),
        same_shape: from_shape.as_ref() == Some(shape),
        from_shape,
        to_shape: shape.clone(),
        ty: x.ty.clone(),
        ex,
        insts: sc.insts.clone(),
    }
}

/// A record or tuple literal: the fields' codes side by side when they all
/// have codes, a value otherwise.
fn product_literal(
    items: &[Expr],
    record: Option<spec_lang::ir::RecordId>,
    e: &Expr,
    sc: &Scope<'_>,
) -> Ex {
    let span = e.span;
    if let Some(ShapeKind::Product {
        fields, offsets, ..
    }) = sc.shape(&e.ty).map(|s| s.kind)
        && fields.len() == items.len()
    {
        let parts: Vec<(Elem, u32)> = items
            .iter()
            .zip(&fields)
            .zip(&offsets)
            .map(|((x, f), off)| (elem_part(x, f, sc), *off))
            .collect();
        let insts = sc.insts.clone();
        let items_ty: Vec<Type> = items.iter().map(|x| x.ty.clone()).collect();
        let field_shapes = fields.clone();
        return Ex::C(Box::new(move |cx| {
            let mut code = 0u64;
            let mut codes = Vec::with_capacity(parts.len());
            let mut slow = false;
            for (p, _) in &parts {
                let r = p.eval(cx)?;
                slow |= r.is_err();
                codes.push(r);
            }
            if !slow {
                for (r, (_, off)) in codes.iter().zip(&parts) {
                    if let Ok(c) = r {
                        code |= shl(*c, *off);
                    }
                }
                return Ok(Val::Code(code));
            }
            let vals: Vec<Value> = codes
                .into_iter()
                .zip(&field_shapes)
                .zip(&items_ty)
                .map(|((r, fs), _)| match r {
                    Ok(c) => fs.decode(c, &insts),
                    Err(x) => x,
                })
                .collect();
            Ok(Val::Value(match record {
                Some(id) => Value::Record(id, vals),
                None => Value::Tuple(vals),
            }))
        }));
    }
    let parts = items
        .iter()
        .map(|x| into_vfn(compile_expr(x, sc), &x.ty, sc))
        .collect();
    let _ = span;
    from_parts(parts, e, sc, move |vals| {
        Ok(match record {
            Some(id) => Value::Record(id, vals),
            None => Value::Tuple(vals),
        })
    })
}

/// A node evaluated on its parts' values.
fn from_parts(
    parts: Vec<super::VFn>,
    e: &Expr,
    sc: &Scope<'_>,
    build: impl Fn(Vec<Value>) -> Res<Value> + Send + Sync + 'static,
) -> Ex {
    let f: super::VFn = Box::new(move |cx| {
        let mut vals = Vec::with_capacity(parts.len());
        for p in &parts {
            vals.push(p(cx)?);
        }
        build(vals)
    });
    from_vfn(f, &e.ty, e.span, sc)
}

/// The set of a domain's elements (a range, a filter).
fn collect_set(dom: Domain, elem_ty: &Type, e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    let insts = sc.insts.clone();
    if let Some(ShapeKind::Set(elem)) = sc.shape(&e.ty).map(|s| s.kind) {
        let store = is_scalar(elem_ty).then(|| Store::of(&elem, sc));
        let elem_shape = sc.shape(elem_ty);
        let same = elem_shape.as_ref() == Some(&*elem);
        let elem_ty = elem_ty.clone();
        return Ex::C(Box::new(move |cx| {
            let mut code = 0u64;
            let mut values: Option<Vec<Value>> = None;
            dom.each(cx, &mut |_, x| {
                let c = match (&x, store) {
                    (Any::S(s), Some(st)) => st.code(*s),
                    (Any::C(Val::Code(c)), None) if same => Some(*c),
                    _ => None,
                };
                match c {
                    Some(c) if values.is_none() => code |= shl(1, c as u32),
                    Some(c) => {
                        if let Some(vs) = &mut values {
                            vs.push(elem.decode(c, &insts));
                        }
                    }
                    None => {
                        let vs = values.get_or_insert_with(|| decode_mask(code, &elem, &insts));
                        vs.push(any_value(x, &elem_ty, elem_shape.as_ref(), &insts));
                    }
                }
                Ok(true)
            })?;
            Ok(match values {
                None => Val::Code(code),
                Some(vs) => Val::Value(Value::set_from(vs)),
            })
        }));
    }
    let elem_shape = sc.shape(elem_ty);
    let elem_ty = elem_ty.clone();
    let f: super::VFn = Box::new(move |cx| {
        let mut out = Vec::new();
        dom.each(cx, &mut |_, x| {
            out.push(any_value(x, &elem_ty, elem_shape.as_ref(), &insts));
            Ok(true)
        })?;
        Ok(Value::set_from(out))
    });
    from_vfn(f, &e.ty, span, sc)
}

/// `base with [k -> v, ...]` on maps and sequences.
fn with_index(base: &Expr, entries: &[(Expr, Expr)], e: &Expr, sc: &Scope<'_>) -> Ex {
    let span = e.span;
    let base_v = into_vfn(compile_expr(base, sc), &base.ty, sc);
    let entries: Vec<(super::VFn, super::VFn, spec_lang::ir::Span)> = entries
        .iter()
        .map(|(k, v)| {
            (
                into_vfn(compile_expr(k, sc), &k.ty, sc),
                into_vfn(compile_expr(v, sc), &v.ty, sc),
                k.span,
            )
        })
        .collect();
    let f: super::VFn = Box::new(move |cx| {
        let mut base = base_v(cx)?;
        for (k, v, kspan) in &entries {
            let k = k(cx)?;
            let v = v(cx)?;
            update_index(&mut base, k, v, *kspan).map_err(Box::new)?;
        }
        Ok(base)
    });
    from_vfn(f, &e.ty, span, sc)
}
