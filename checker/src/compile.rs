//! The compiler: IR expressions and statements to closures that read and
//! write packed states directly.
//!
//! Every expression compiles once, before the search, to a closure tree
//! ([`Ex`]); nothing is looked up by name or matched on IR shape while
//! exploring. Values take one of two forms, chosen by type at compile time:
//!
//! - **scalars** (`bool`, integers, enum variants, instances) are a `u64`:
//!   0 or 1, the integer's two's complement, the variant's index, the
//!   instance's *global* index (roles in order, then index);
//! - **compound** values are a [`Val`]: the code of the type's
//!   [`Shape`](crate::shape::Shape) when the value has one, otherwise a
//!   [`Value`] tree. A `Val::Value` never holds a value that has a code, so
//!   equal values are always in the same form.
//!
//! Operators have fast paths on codes (bitmask set algebra, field
//! extraction, sequence slots) and one general path: convert the operands
//! to [`Value`]s and apply the reference operators of `eval/ops.rs`, the
//! same functions the reference evaluator uses. The fast paths are
//! optimisations of that meaning and are tested against it (see
//! `tests/engines.rs`), never a second definition of the language.
//!
//! Compilation never fails: an IR shape the compiler does not expect (which
//! the type checker rules out) compiles to a closure that reports a runtime
//! error, as the reference evaluator would.

use std::sync::Arc;

use spec_lang::ir::{LocalId, RoleId, Span, Spec, Type};

use crate::eval::EvalError;
use crate::machine::Machine;
use crate::pack::Packing;
use crate::shape::{Instances, Shape};
use crate::value::{Instance, Value};

mod domain;
mod expr;
pub(crate) mod hoist;
mod ops;
mod stmt;

pub use expr::{Elem, Load, Place, Store, compile_expr, elem_part, scalar};
pub use stmt::{Actor, Block, CStmt, Run, Sent, compile_block, execute, execute_plain, has_choose};

/// A runtime error, boxed so results stay two words.
pub type Fail = Box<EvalError>;
pub type Res<T> = Result<T, Fail>;

pub fn fail<T>(span: Span, message: impl Into<String>) -> Res<T> {
    Err(Box::new(EvalError {
        message: message.into(),
        span,
    }))
}

/// A compound value: a shape code, or a value without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Code(u64),
    Value(Value),
}

/// A value in either form, as domains yield elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Any {
    S(u64),
    C(Val),
}

pub type SFn = Box<dyn Fn(&mut Cx<'_>) -> Res<u64> + Send + Sync>;
pub type CFn = Box<dyn Fn(&mut Cx<'_>) -> Res<Val> + Send + Sync>;
pub type VFn = Box<dyn Fn(&mut Cx<'_>) -> Res<Value> + Send + Sync>;

/// A compiled expression.
pub enum Ex {
    S(SFn),
    C(CFn),
}

/// The locals of every frame on the evaluation stack, reused across
/// evaluations so that evaluating allocates nothing for scalars.
#[derive(Default, Clone)]
pub struct Locals {
    pub s: Vec<u64>,
    pub c: Vec<Val>,
}

/// The acting instance inside a step body: its variables as the body has
/// updated them so far (stored codes, by position among its role's
/// variables).
#[derive(Clone, Copy)]
pub struct Own<'a> {
    pub global: u32,
    pub vars: &'a [u64],
}

/// What a running closure sees.
pub struct Cx<'a> {
    pub m: &'a Machine,
    /// The packed state being read; empty while constants and initial
    /// values are evaluated.
    pub state: &'a [u64],
    pub own: Option<Own<'a>>,
    pub l: &'a mut Locals,
    /// Where the current frame's locals start.
    pub sb: usize,
    pub cb: usize,
}

impl Cx<'_> {
    #[inline]
    pub fn set_s(&mut self, slot: usize, x: u64) {
        let at = self.sb + slot;
        if let Some(v) = self.l.s.get_mut(at) {
            *v = x;
        }
    }

    #[inline]
    pub fn set_c(&mut self, slot: usize, x: Val) {
        let at = self.cb + slot;
        if let Some(v) = self.l.c.get_mut(at) {
            *v = x;
        }
    }

    pub fn bind(&mut self, slot: LocalSlot, x: Any) {
        match (slot, x) {
            (LocalSlot::S(i), Any::S(x)) => self.set_s(i, x),
            (LocalSlot::C(i), Any::C(x)) => self.set_c(i, x),
            // A form mismatch means malformed IR; the local keeps its value.
            _ => {}
        }
    }
}

/// Where a frame keeps one IR local.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalSlot {
    S(usize),
    C(usize),
}

/// A frame's locals, mapped to scalar and compound slots.
#[derive(Clone, Debug, Default)]
pub struct FrameLayout {
    pub slots: Vec<LocalSlot>,
    pub scalars: usize,
    pub compounds: usize,
}

impl FrameLayout {
    pub fn new(types: &[&Type]) -> FrameLayout {
        let mut out = FrameLayout::default();
        for ty in types {
            if is_scalar(ty) {
                out.slots.push(LocalSlot::S(out.scalars));
                out.scalars += 1;
            } else {
                out.slots.push(LocalSlot::C(out.compounds));
                out.compounds += 1;
            }
        }
        out
    }

    pub fn slot(&self, id: LocalId) -> Option<LocalSlot> {
        self.slots.get(id.index()).copied()
    }

    /// The slot of an expression that is a plain local read.
    pub fn slot_of(&self, e: &spec_lang::ir::Expr) -> Option<LocalSlot> {
        match e.kind {
            spec_lang::ir::ExprKind::Local(id) => self.slot(id),
            _ => None,
        }
    }
}

/// What an expression is compiled against.
pub struct Scope<'a> {
    pub spec: &'a Spec,
    pub pack: &'a Packing,
    pub insts: Arc<Instances>,
    /// The spec again, shared by closures that display values in errors.
    pub names: Arc<Spec>,
    pub consts: &'a [Value],
    pub frame: FrameLayout,
    /// The local types, by id, for conversions.
    pub local_types: Vec<Type>,
    /// Inside a step: its role (local 0 is the acting instance).
    pub step_role: Option<RoleId>,
    /// Inside a function body: variables and the network are not visible.
    pub in_function: bool,
}

impl Scope<'_> {
    pub fn shape(&self, ty: &Type) -> Option<Shape> {
        Shape::of(ty, self.spec, &self.pack.insts)
    }
}

pub fn is_scalar(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Bool | Type::Int(_) | Type::Enum(_) | Type::Role(_)
    )
}

/// A scalar as a value of its type.
pub fn scalar_value(x: u64, ty: &Type, insts: &Instances) -> Value {
    match ty {
        Type::Bool => Value::Bool(x != 0),
        Type::Int(_) => Value::Int(x as i64),
        Type::Enum(id) => Value::Enum(*id, x as u32),
        Type::Role(_) => Value::Inst(
            insts
                .get(x)
                .unwrap_or(Instance::new(RoleId(u32::MAX), x as u32)),
        ),
        _ => Value::Int(x as i64),
    }
}

/// A value of a scalar type as a scalar.
pub fn value_scalar(v: &Value, insts: &Instances, span: Span) -> Res<u64> {
    match v {
        Value::Bool(b) => Ok(u64::from(*b)),
        Value::Int(n) => Ok(*n as u64),
        Value::Enum(_, x) => Ok(u64::from(*x)),
        Value::Inst(i) => match insts.global(*i) {
            Some(g) => Ok(u64::from(g)),
            None => fail(span, "no such role instance"),
        },
        _ => fail(span, "malformed IR: expected a scalar value"),
    }
}

/// A compound value as a [`Value`].
pub fn val_value(v: Val, shape: Option<&Shape>, insts: &Instances) -> Value {
    match (v, shape) {
        (Val::Value(v), _) => v,
        (Val::Code(c), Some(s)) => s.decode(c, insts),
        // A code without a shape cannot be made; keep the bits visible.
        (Val::Code(c), None) => Value::Int(c as i64),
    }
}

/// A [`Value`] as a compound value, in code form when it has one.
pub fn value_val(v: Value, shape: Option<&Shape>, insts: &Instances) -> Val {
    match shape.and_then(|s| s.encode(&v, insts)) {
        Some(c) => Val::Code(c),
        None => Val::Value(v),
    }
}

/// A compiled expression whose result is wanted as a [`Value`].
pub fn into_vfn(ex: Ex, ty: &Type, sc: &Scope<'_>) -> VFn {
    let insts = sc.insts.clone();
    match ex {
        Ex::S(f) => {
            let ty = ty.clone();
            Box::new(move |cx| Ok(scalar_value(f(cx)?, &ty, &insts)))
        }
        Ex::C(f) => {
            let shape = sc.shape(ty);
            Box::new(move |cx| Ok(val_value(f(cx)?, shape.as_ref(), &insts)))
        }
    }
}

/// A closure producing a [`Value`] of type `ty`, turned into the form of
/// `ty`.
pub fn from_vfn(f: VFn, ty: &Type, span: Span, sc: &Scope<'_>) -> Ex {
    let insts = sc.insts.clone();
    if is_scalar(ty) {
        Ex::S(Box::new(move |cx| value_scalar(&f(cx)?, &insts, span)))
    } else {
        let shape = sc.shape(ty);
        Ex::C(Box::new(move |cx| {
            Ok(value_val(f(cx)?, shape.as_ref(), &insts))
        }))
    }
}

/// Converts a compiled compound expression of shape `from` to shape `to`
/// (types that differ only in integer bounds), through values.
pub fn reshape(f: CFn, from: Option<Shape>, to: Option<Shape>, sc: &Scope<'_>) -> CFn {
    if from == to {
        return f;
    }
    let insts = sc.insts.clone();
    Box::new(move |cx| {
        let v = val_value(f(cx)?, from.as_ref(), &insts);
        Ok(value_val(v, to.as_ref(), &insts))
    })
}
