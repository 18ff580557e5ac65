//! What quantifiers, comprehensions, `for` and `choose` range over: a
//! role's instances, an integer range, the messages in flight, or any set
//! or sequence value, yielding elements in the collection's canonical
//! order.

use std::sync::Arc;

use spec_lang::ir::{Expr, ExprKind, LocalId, MsgId, NetworkKind, Span, Type};

use super::expr::{Load, compile_expr, compound, scalar};
use super::{Any, CFn, Cx, LocalSlot, Res, SFn, Scope, Val, fail, is_scalar, value_val};
use crate::eval::MAX_RANGE;
use crate::network;
use crate::pack::FieldsPack;
use crate::shape::{Instances, Shape, ShapeKind, mask, seq_offset, shr};
use crate::value::Value;

pub enum Domain {
    /// Global indices `first..first + count`.
    Roles {
        first: u64,
        count: u64,
    },
    Range {
        lo: SFn,
        hi: SFn,
        span: Span,
    },
    InFlight(InFlight),
    /// A set or sequence value.
    Coll {
        f: CFn,
        shape: Option<Shape>,
        elem: ElemOut,
        span: Span,
    },
    /// The elements of `inner` for which `cond` holds with the element bound.
    Filter {
        inner: Box<Domain>,
        slot: Option<LocalSlot>,
        cond: SFn,
    },
}

/// How a collection's elements become values of the binder's form.
pub struct ElemOut {
    ty: Type,
    /// The shape of the binder's type.
    target: Option<Shape>,
    insts: Arc<Instances>,
}

impl ElemOut {
    fn code_elem(&self, code: u64, elem: &Shape) -> Any {
        if is_scalar(&self.ty) {
            Any::S(Load::of_shape(elem, &self.insts).apply(code))
        } else if self.target.as_ref() == Some(elem) {
            Any::C(Val::Code(code))
        } else {
            Any::C(value_val(
                elem.decode(code, &self.insts),
                self.target.as_ref(),
                &self.insts,
            ))
        }
    }

    fn value_elem(&self, v: Value, span: Span) -> Res<Any> {
        if is_scalar(&self.ty) {
            Ok(Any::S(super::value_scalar(&v, &self.insts, span)?))
        } else {
            Ok(Any::C(value_val(v, self.target.as_ref(), &self.insts)))
        }
    }
}

/// The messages of one kind in flight, as elements of type `Message(kind)`.
pub struct InFlight {
    kind: MsgId,
    /// The message type's shape, when messages of this kind have codes.
    msg_shape: Option<Shape>,
    insts: Arc<Instances>,
}

impl InFlight {
    fn each(&self, cx: &mut Cx<'_>, f: &mut dyn FnMut(&mut Cx<'_>, Any) -> Res<bool>) -> Res<bool> {
        let m = cx.m;
        let pack = &m.pack;
        let state = cx.state;
        let ordered = pack.net.kind != NetworkKind::Fifo
            && matches!(
                pack.net.fields.get(self.kind.index()),
                Some(FieldsPack::Packed(_))
            );
        if ordered && let Some(shape) = &self.msg_shape {
            // Entries of a set or a bag are in canonical order: walk them
            // in place.
            let mut result = Ok(true);
            let (lo, hi) = pack.kind_range(self.kind);
            network::for_each_in(pack, state, lo, hi, &mut |e| {
                let (kind, from, to) = pack.entry_parts(e.words[0]);
                if kind != self.kind.0 {
                    return true;
                }
                let code =
                    shape.message_code(u64::from(from), u64::from(to), pack.entry_fields(e.words));
                for _ in 0..e.copies {
                    match f(cx, Any::C(Val::Code(code))) {
                        Ok(true) => {}
                        other => {
                            result = other;
                            return false;
                        }
                    }
                }
                true
            });
            return result;
        }
        let mut values: Vec<Value> = Vec::new();
        network::for_each(pack, state, &mut |e| {
            let (kind, from, to) = pack.entry_parts(e.words[0]);
            if kind == self.kind.0
                && let Some(msg) = m.message_value(self.kind, from, to, pack.entry_fields(e.words))
            {
                for _ in 0..e.copies {
                    values.push(Value::Msg(Box::new(msg.clone())));
                }
            }
            true
        });
        // The canonical order, whatever order the network keeps.
        values.sort();
        for v in values {
            let x = Any::C(value_val(v, self.msg_shape.as_ref(), &self.insts));
            if !f(cx, x)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl Domain {
    /// Calls `f` with each element in order until it returns false;
    /// returns false if `f` stopped.
    pub fn each(
        &self,
        cx: &mut Cx<'_>,
        f: &mut dyn FnMut(&mut Cx<'_>, Any) -> Res<bool>,
    ) -> Res<bool> {
        match self {
            Domain::Roles { first, count } => {
                for g in *first..first + count {
                    if !f(cx, Any::S(g))? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Domain::Range { lo, hi, span } => {
                let (l, h) = (lo(cx)? as i64, hi(cx)? as i64);
                if h < l {
                    return Ok(true);
                }
                if h.saturating_sub(l) >= MAX_RANGE {
                    return fail(*span, format!("the range {l}..{h} is too large"));
                }
                for n in l..=h {
                    if !f(cx, Any::S(n as u64))? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Domain::InFlight(d) => d.each(cx, f),
            Domain::Coll {
                f: coll,
                shape,
                elem,
                span,
            } => match (coll(cx)?, shape.as_ref().map(|s| &s.kind)) {
                (Val::Code(c), Some(ShapeKind::Set(el))) => {
                    let mut rest = c;
                    while rest != 0 {
                        let bit = rest.trailing_zeros();
                        rest &= rest - 1;
                        if !f(cx, elem.code_elem(u64::from(bit), el))? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                (Val::Code(c), Some(ShapeKind::Seq { elem: el, max })) => {
                    let len = shr(c, max * el.bits) as u32;
                    for k in 0..len.min(*max) {
                        let x = shr(c, seq_offset(el.bits, *max, k)) & mask(el.bits);
                        if !f(cx, elem.code_elem(x, el))? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                (v, _) => {
                    let items = match super::val_value(v, shape.as_ref(), &elem.insts) {
                        Value::Set(items) | Value::Seq(items) => items,
                        _ => return fail(*span, "expected a set or a sequence"),
                    };
                    for x in items {
                        let x = elem.value_elem(x, *span)?;
                        if !f(cx, x)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
            },
            Domain::Filter { inner, slot, cond } => inner.each(cx, &mut |cx, x| {
                if let Some(slot) = slot {
                    cx.bind(*slot, x.clone());
                }
                if cond(cx)? != 0 { f(cx, x) } else { Ok(true) }
            }),
        }
    }

    /// Every element, in order.
    pub fn elements(&self, cx: &mut Cx<'_>) -> Res<Vec<Any>> {
        let mut out = Vec::new();
        self.each(cx, &mut |_, x| {
            out.push(x);
            Ok(true)
        })?;
        Ok(out)
    }
}

impl Load {
    pub fn of_shape(shape: &Shape, insts: &Instances) -> Load {
        match &shape.kind {
            ShapeKind::Int { lo, .. } => Load::Offset(*lo),
            ShapeKind::Role { role, .. } => {
                Load::Role(insts.first.get(role.index()).copied().unwrap_or(0))
            }
            _ => Load::Raw,
        }
    }
}

/// The domain of a binder, a `for` or a `choose`: `e` is the collection
/// expression; its elements take the form of `elem_ty`.
pub fn compile_domain_as(e: &Expr, elem_ty: &Type, sc: &Scope<'_>) -> Domain {
    match &e.kind {
        ExprKind::RoleSet(role) => {
            let first = u64::from(sc.insts.first.get(role.index()).copied().unwrap_or(0));
            let count = u64::from(sc.pack.roles.get(role.index()).map_or(0, |r| r.count));
            Domain::Roles { first, count }
        }
        ExprKind::Range(lo, hi) => Domain::Range {
            lo: scalar(compile_expr(lo, sc), e.span),
            hi: scalar(compile_expr(hi, sc), e.span),
            span: e.span,
        },
        ExprKind::InFlight(kind) if !sc.in_function => Domain::InFlight(InFlight {
            kind: *kind,
            msg_shape: sc.shape(&Type::Message(*kind)),
            insts: sc.insts.clone(),
        }),
        _ => Domain::Coll {
            f: compound(compile_expr(e, sc), e.span),
            shape: sc.shape(&e.ty),
            elem: ElemOut {
                ty: elem_ty.clone(),
                target: sc.shape(elem_ty),
                insts: sc.insts.clone(),
            },
            span: e.span,
        },
    }
}

/// The domain of a collection expression, with elements in the form of
/// the collection's element type.
pub fn compile_domain(e: &Expr, sc: &Scope<'_>) -> Domain {
    let elem_ty = match &e.ty {
        Type::Set(t) | Type::Seq(t, _) => (**t).clone(),
        Type::Map(k, _) => (**k).clone(),
        _ => Type::Bool,
    };
    compile_domain_as(e, &elem_ty, sc)
}

/// Nested binders `x in A, y in B(x)`: each later domain is evaluated with
/// the earlier binders bound.
pub struct Binders {
    list: Vec<(Option<LocalSlot>, Domain)>,
}

impl Binders {
    /// Calls `f` once per combination of the binders' values from binder
    /// `k` on, while it returns true; false if it stopped.
    pub fn each(
        &self,
        cx: &mut Cx<'_>,
        k: usize,
        f: &mut dyn FnMut(&mut Cx<'_>) -> Res<bool>,
    ) -> Res<bool> {
        let Some((slot, dom)) = self.list.get(k) else {
            return f(cx);
        };
        // Quantifying over a role's instances is the common case: count
        // through them.
        if let (Domain::Roles { first, count }, Some(LocalSlot::S(i))) = (dom, slot) {
            for g in *first..first + count {
                cx.set_s(*i, g);
                if !self.each(cx, k + 1, f)? {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        dom.each(cx, &mut |cx, x| {
            if let Some(slot) = slot {
                cx.bind(*slot, x);
            }
            self.each(cx, k + 1, f)
        })
    }
}

pub fn compile_binders(binders: &[(LocalId, Expr)], sc: &Scope<'_>) -> Binders {
    Binders {
        list: binders
            .iter()
            .map(|(local, dom)| {
                let ty = sc
                    .local_types
                    .get(local.index())
                    .cloned()
                    .unwrap_or(Type::Bool);
                (sc.frame.slot(*local), compile_domain_as(dom, &ty, sc))
            })
            .collect(),
    }
}
