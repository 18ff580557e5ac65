//! Expressions as Rust expressions over `u64`: a scalar in the evaluator's
//! form (0 or 1, an integer's two's complement, a variant's index, an
//! instance's global index) or a code of a known shape, exactly the forms
//! of `compile/expr.rs`. Emitted code runs inside a function returning
//! `Result<_, Bail>`, so `?` and `return Err(Bail)` give up.
//!
//! Sequence and map codes are read and built with the helpers of
//! `kernel/ops.rs`; values built for a shape other than their type's (a
//! store, an argument, `a ++ b`, literals and comprehensions) are made in
//! the target shape directly (`expr/reshape.rs`); calls of user functions
//! are inlined (`expr/call.rs`).
//!
//! Emitted blocks bind temporaries (`p`, `sq`, `key`, ...) around code
//! emitted for subexpressions. That code refers only to the function's
//! parameters (`m`, `s`, `x`, `g`, `d`), the step's variables (`me`,
//! `from`, `fields`, `o`, `v0`, `f0`, ...) and fresh names (`l0`, `b1`,
//! ...), never to another block's temporaries, so the temporaries shadow
//! nothing it reads.

use std::cell::Cell;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use spec_lang::ir::{BinaryOp, Expr, ExprKind, LocalId, RoleId, Spec, Type, UnaryOp};

use super::{E, const_code, lit_u64, ordered_network, unsupported};

mod bounds;
mod builtin;
mod call;
mod comprehension;
mod domain;
mod literal;
mod reshape;

use crate::compile::{Load, Store, is_scalar, value_scalar};
use crate::pack::{Packing, Storage};
use crate::shape::{Instances, Shape, ShapeKind, mask};
use crate::value::Value;
pub use domain::Dom;

/// The form of an emitted value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// A scalar.
    S,
    /// A code of this shape.
    C(Shape),
}

/// An emitted expression and its form.
pub struct Val {
    pub ts: TokenStream,
    pub form: Form,
}

/// The locals in scope while emitting one frame.
pub struct Frame {
    pub types: Vec<Type>,
    /// The Rust variable holding each IR local, when it is in scope.
    pub bound: Vec<Option<(Ident, Form)>>,
    /// Inside a step: its role, and the Rust variables holding the acting
    /// instance's stored codes, by position.
    pub step: Option<RoleId>,
    /// Inside a user function's body (inlined): variables and the network
    /// are not visible there.
    pub in_function: bool,
}

impl Frame {
    pub fn new(types: Vec<Type>, step: Option<RoleId>) -> Frame {
        let bound = vec![None; types.len()];
        Frame {
            types,
            bound,
            step,
            in_function: false,
        }
    }

    pub fn ty(&self, id: LocalId) -> E<&Type> {
        match self.types.get(id.index()) {
            Some(t) => Ok(t),
            None => unsupported("malformed IR: a local out of range"),
        }
    }

    /// Binds `id` to a Rust variable until [`Frame::restore`].
    pub fn bind(&mut self, id: LocalId, name: Ident, form: Form) -> Option<(Ident, Form)> {
        match self.bound.get_mut(id.index()) {
            Some(slot) => slot.replace((name, form)),
            None => None,
        }
    }

    pub fn restore(&mut self, id: LocalId, old: Option<(Ident, Form)>) {
        if let Some(slot) = self.bound.get_mut(id.index()) {
            *slot = old;
        }
    }
}

/// What expressions are emitted against.
pub struct Emitter<'a> {
    pub spec: &'a Spec,
    pub pack: &'a Packing,
    pub insts: &'a Instances,
    pub consts: &'a [Value],
    fresh: Cell<u32>,
}

impl<'a> Emitter<'a> {
    pub fn new(
        spec: &'a Spec,
        pack: &'a Packing,
        insts: &'a Instances,
        consts: &'a [Value],
    ) -> Emitter<'a> {
        Emitter {
            spec,
            pack,
            insts,
            consts,
            fresh: Cell::new(0),
        }
    }

    /// A fresh Rust identifier.
    pub fn fresh(&self, base: &str) -> Ident {
        let n = self.fresh.get();
        self.fresh.set(n + 1);
        format_ident!("{base}{n}")
    }

    pub fn shape(&self, ty: &Type) -> Option<Shape> {
        Shape::of(ty, self.spec, self.insts)
    }

    /// The form values of `ty` take: scalar, or a code of its shape.
    pub fn form_of(&self, ty: &Type) -> E<Form> {
        if is_scalar(ty) {
            return Ok(Form::S);
        }
        match self.shape(ty) {
            Some(s) => Ok(Form::C(s)),
            None => unsupported("values of a type without codes"),
        }
    }

    pub fn role_range(&self, role: RoleId) -> (u32, u32) {
        let first = self.insts.first.get(role.index()).copied().unwrap_or(0);
        let count = self.spec.roles.get(role.index()).map_or(0, |r| r.count);
        (first, count)
    }

    /// `e` in the form of type `ty` (which differs from `e.ty` at most in
    /// integer bounds and sequence bounds), as the closures' `conform`
    /// makes it: a compound value in the code of `ty`'s shape, giving up
    /// when it has none there.
    pub fn conform(&self, e: &Expr, ty: &Type, f: &mut Frame) -> E<Val> {
        match self.form_of(ty)? {
            Form::S => {
                let v = self.expr(e, f)?;
                match v.form {
                    Form::S => Ok(v),
                    Form::C(_) => unsupported("malformed IR: a compound value for a scalar"),
                }
            }
            Form::C(shape) => Ok(Val {
                ts: self.expr_in(e, &shape, f)?,
                form: Form::C(shape),
            }),
        }
    }

    /// The value a `let` binds to a local of type `ty`: converted as
    /// [`Emitter::conform`] converts it, or, for a type without a shape,
    /// in the code the value has (the closures keep such a value as it
    /// is).
    pub fn bind_value(&self, value: &Expr, ty: &Type, f: &mut Frame) -> E<Val> {
        if is_scalar(ty) || self.shape(ty).is_some() {
            return self.conform(value, ty, f);
        }
        let v = self.expr(value, f)?;
        match v.form {
            Form::C(_) => Ok(v),
            Form::S => unsupported("malformed IR: a scalar for a compound local"),
        }
    }

    pub fn scalar(&self, e: &Expr, f: &mut Frame) -> E<TokenStream> {
        let v = self.expr(e, f)?;
        match v.form {
            Form::S => Ok(v.ts),
            Form::C(_) => unsupported("malformed IR: a compound value where a scalar is expected"),
        }
    }

    /// `e` as a code of `shape` (a component of a literal, a message
    /// field, a map key): for a scalar, its code when it is in the shape's
    /// domain; `miss` is the code to run when it is not. A compound value
    /// is converted as [`Emitter::expr_in`] converts it.
    pub fn code_in(
        &self,
        e: &Expr,
        shape: &Shape,
        miss: TokenStream,
        f: &mut Frame,
    ) -> E<TokenStream> {
        if is_scalar(&e.ty) {
            let v = self.scalar(e, f)?;
            return Ok(store(&v, &Store::of_shape(shape, self.insts), miss));
        }
        // A compound value without a code in the shape gives up rather
        // than miss.
        self.expr_in(e, shape, f)
    }

    pub fn expr(&self, e: &Expr, f: &mut Frame) -> E<Val> {
        let s = |ts: TokenStream| Ok(Val { ts, form: Form::S });
        match &e.kind {
            ExprKind::Lit(lit) => {
                let v = crate::eval::literal(lit);
                self.constant(&v, &e.ty)
            }
            ExprKind::None => self.constant(&Value::None, &e.ty),
            ExprKind::Const(id) => match self.consts.get(id.index()) {
                Some(v) => self.constant(v, &e.ty),
                None => unsupported("malformed IR: a constant out of range"),
            },
            ExprKind::Local(id) => {
                let Some(Some((name, form))) = f.bound.get(id.index()).cloned() else {
                    return unsupported("a local read outside the block that binds it");
                };
                // A local of a type without a shape holds the code its
                // value was given (see `bounds.rs`).
                if self.shape(&e.ty).is_some() || is_scalar(&e.ty) {
                    let want = self.form_of(&e.ty)?;
                    if form != want {
                        return unsupported("a local changes shape");
                    }
                }
                Ok(Val {
                    ts: quote!(#name),
                    form,
                })
            }
            ExprKind::Var { var, instance } => self.var(*var, instance, &e.ty, f),
            ExprKind::RoleSet(role) => {
                let (_, count) = self.role_range(*role);
                let set: Vec<Value> = (0..count)
                    .map(|i| Value::Inst(crate::value::Instance::new(*role, i)))
                    .collect();
                self.constant(&Value::Set(set), &e.ty)
            }
            ExprKind::Unary(op, a) => {
                let a = self.scalar(a, f)?;
                match op {
                    UnaryOp::Not => s(quote!(u64::from((#a) == 0))),
                    UnaryOp::Neg => s(quote!(((#a) as i64).checked_neg().ok_or(Bail)? as u64)),
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e, f),
            ExprKind::Field(a, n) | ExprKind::TupleIndex(a, n) => self.field(a, *n, e, f),
            ExprKind::Sender(a) | ExprKind::Receiver(a) => {
                let sender = matches!(e.kind, ExprKind::Sender(_));
                let v = self.expr(a, f)?;
                let Form::C(Shape {
                    kind:
                        ShapeKind::Message {
                            inst_bits, fields, ..
                        },
                    ..
                }) = &v.form
                else {
                    return unsupported("an endpoint of a message without a code");
                };
                let code = v.ts;
                let fb = fields.bits;
                let im = lit_u64(mask(*inst_bits));
                if sender {
                    let sh = fb + inst_bits;
                    s(quote!(k::shr(#code, #sh) & #im))
                } else {
                    s(quote!(k::shr(#code, #fb) & #im))
                }
            }
            ExprKind::Crashed(a) => {
                let g = self.scalar(a, f)?;
                match self.pack.faults.crashed {
                    None => s(quote!({
                        let _ = #g;
                        0u64
                    })),
                    Some(at) => {
                        let at = Literal::usize_unsuffixed(at);
                        s(quote!({
                            let g = (#g) as usize;
                            (s.get(#at + g / 64).copied().unwrap_or(0) >> (g % 64)) & 1
                        }))
                    }
                }
            }
            ExprKind::SetLit(_)
            | ExprKind::TupleLit(_)
            | ExprKind::RecordLit(_)
            | ExprKind::SeqLit(_)
            | ExprKind::MapLit(_)
            | ExprKind::MapComp { .. }
            | ExprKind::Range(..)
            | ExprKind::SetFilter { .. }
            | ExprKind::SetMap { .. }
            | ExprKind::WithIndex(..)
            | ExprKind::WithFields(..) => {
                let Some(shape) = self.shape(&e.ty).or_else(|| self.narrow_shape(e, f)) else {
                    return unsupported("a collection or record built without a code");
                };
                Ok(Val {
                    ts: self.expr_in(e, &shape, f)?,
                    form: Form::C(shape),
                })
            }
            ExprKind::MapGet(map, key) => self.map_get(map, key, e, f),
            ExprKind::SeqIndex(seq, i) => self.seq_index(seq, i, e, f),
            ExprKind::Call(id, args) => self.call(*id, args, e, f),
            ExprKind::Quant {
                quantifier,
                binders,
                body,
            } => {
                if let Some(rewritten) =
                    crate::compile::hoist::hoist(*quantifier, binders, body, e.span)
                {
                    return self.expr(&rewritten, f);
                }
                self.quantifier(*quantifier, binders, body, f)
            }
            ExprKind::If(c, t, x) => {
                let c = self.scalar(c, f)?;
                let t = self.conform(t, &e.ty, f)?;
                let x = self.conform(x, &e.ty, f)?;
                let (t, x) = (t.ts, x.ts);
                Ok(Val {
                    ts: quote!(if (#c) != 0 { #t } else { #x }),
                    form: self.form_of(&e.ty)?,
                })
            }
            ExprKind::Let(local, value, body) => {
                let ty = f.ty(*local)?.clone();
                let v = self.bind_value(value, &ty, f)?;
                let name = self.fresh("l");
                let old = f.bind(*local, name.clone(), v.form.clone());
                let b = self.expr(body, f);
                f.restore(*local, old);
                let b = b?;
                let vt = v.ts;
                let bt = b.ts;
                Ok(Val {
                    ts: quote!({
                        let #name: u64 = #vt;
                        #bt
                    }),
                    form: b.form,
                })
            }
            ExprKind::Builtin(b, args) => self.builtin(*b, args, e, f),
            ExprKind::InFlight(_) => unsupported("in_flight as a value"),
        }
    }

    /// A constant value in the form of its type.
    fn constant(&self, v: &Value, ty: &Type) -> E<Val> {
        if is_scalar(ty) {
            return match value_scalar(v, self.insts, spec_lang::Span::DETACHED) {
                Ok(x) => {
                    let x = lit_u64(x);
                    Ok(Val {
                        ts: quote!(#x),
                        form: Form::S,
                    })
                }
                Err(_) => unsupported("a constant that is not a scalar"),
            };
        }
        let Some(shape) = self.shape(ty) else {
            return unsupported("a constant without a code");
        };
        match const_code(v, &shape, self.insts) {
            Some(c) => {
                let c = lit_u64(c);
                Ok(Val {
                    ts: quote!(#c),
                    form: Form::C(shape),
                })
            }
            None => unsupported("a constant outside its type's codes"),
        }
    }

    /// Reads variable `var` of the instance `instance` evaluates to.
    fn var(&self, var: spec_lang::ir::VarId, instance: &Expr, ty: &Type, f: &mut Frame) -> E<Val> {
        let Some(slot) = self.pack.vars.get(var.index()) else {
            return unsupported("malformed IR: a variable out of range");
        };
        if !matches!(instance.ty, Type::Role(r) if r == slot.role) {
            return unsupported("malformed IR: a variable of another role");
        }
        if f.in_function {
            return unsupported("malformed IR: a variable read inside a function");
        }
        let own = format_ident!("v{}", slot.pos);
        let in_own_step = f.step == Some(slot.role);
        let is_me = in_own_step
            && matches!(instance.kind, ExprKind::Local(id) if id == spec_lang::ir::Step::SELF);
        let stored = if is_me {
            quote!(#own)
        } else {
            let g = self.scalar(instance, f)?;
            let read = self.read_stored(slot.role, slot.pos, quote!(g))?;
            if in_own_step {
                quote!({
                    let g = #g;
                    if g == me { #own } else { #read }
                })
            } else {
                quote!({
                    let g = #g;
                    #read
                })
            }
        };
        match &slot.storage {
            Storage::Packed(shape) if is_scalar(ty) => Ok(Val {
                ts: load(stored, &Load::of_shape(shape, self.insts)),
                form: Form::S,
            }),
            Storage::Packed(shape) => match self.shape(ty) {
                Some(want) if want == *shape => Ok(Val {
                    ts: stored,
                    form: Form::C(want),
                }),
                _ => unsupported("a variable read in another shape"),
            },
            Storage::Wide if is_scalar(ty) => Ok(Val {
                ts: stored,
                form: Form::S,
            }),
            _ => unsupported("a variable without a code"),
        }
    }

    /// The stored code of the variable at position `pos` of role `role`
    /// for the global instance `g` (a `u64` expression), read from the
    /// state `s`; gives up when `g` is not an instance of the role.
    pub fn read_stored(&self, role: RoleId, pos: usize, g: TokenStream) -> E<TokenStream> {
        let (index, at, bits) = self.stored_at(role, pos, g)?;
        if bits == 0 {
            return Ok(quote!({
                #index
                0u64
            }));
        }
        let m = lit_u64(mask(bits));
        Ok(quote!({
            #index
            let (w, sh) = #at;
            k::shr(s[w], sh) & #m
        }))
    }

    /// Writes `code`, the stored code of the variable at position `pos` of
    /// role `role` for the global instance `g`, into the successor `n`
    /// (as `Place::write` does); gives up as [`Emitter::read_stored`] does.
    pub fn write_stored(
        &self,
        role: RoleId,
        pos: usize,
        g: TokenStream,
        code: TokenStream,
    ) -> E<TokenStream> {
        let (index, at, bits) = self.stored_at(role, pos, g)?;
        if bits == 0 {
            return Ok(TokenStream::new());
        }
        let m = lit_u64(mask(bits));
        Ok(quote!({
            #index
            let (w, sh) = #at;
            let mk = k::shl(#m, sh);
            n[w] = (n[w] & !mk) | (k::shl(#code, sh) & mk);
        }))
    }

    /// Where a variable's stored code sits: statements binding `i`, the
    /// instance's index in its role (giving up outside the role), an
    /// expression of its (word, shift) from `i`, and its width in bits.
    fn stored_at(
        &self,
        role: RoleId,
        pos: usize,
        g: TokenStream,
    ) -> E<(TokenStream, TokenStream, u32)> {
        let Some(rp) = self.pack.roles.get(role.index()) else {
            return unsupported("malformed IR: a role out of range");
        };
        let Some(&var) = self
            .spec
            .roles
            .get(role.index())
            .and_then(|r| r.vars.get(pos))
        else {
            return unsupported("malformed IR: a variable out of range");
        };
        let slot = &self.pack.vars[var.index()];
        let bits = slot.storage.bits();
        let (first, count) = self.role_range(role);
        let (first, count) = (lit_u64(u64::from(first)), lit_u64(u64::from(count)));
        let base = Literal::usize_unsuffixed(rp.base);
        let at = match rp.block {
            crate::pack::Block::Small { bits: bb, per_word } => {
                let (bb, pw, sh) = (
                    lit_u64(u64::from(bb)),
                    lit_u64(u64::from(per_word)),
                    lit_u64(u64::from(slot.shift)),
                );
                quote!((#base + (i / #pw) as usize, ((i % #pw) * #bb + #sh) as u32))
            }
            crate::pack::Block::Large { words } => {
                let (wd, w, sh) = (
                    lit_u64(u64::from(words)),
                    Literal::usize_unsuffixed(slot.word as usize),
                    slot.shift,
                );
                quote!((#base + (i * #wd) as usize + #w, #sh))
            }
        };
        let index = quote! {
            let i = (#g).wrapping_sub(#first);
            if i >= #count {
                return Err(Bail);
            }
        };
        Ok((index, at, bits))
    }

    fn binary(&self, op: BinaryOp, a: &Expr, b: &Expr, e: &Expr, f: &mut Frame) -> E<Val> {
        use BinaryOp as B;
        let s = |ts: TokenStream| Ok(Val { ts, form: Form::S });
        match op {
            B::And | B::Or | B::Implies => {
                let x = self.scalar(a, f)?;
                let y = self.scalar(b, f)?;
                return match op {
                    B::And => s(quote!(u64::from((#x) != 0 && (#y) != 0))),
                    B::Or => s(quote!(u64::from((#x) != 0 || (#y) != 0))),
                    _ => s(quote!(u64::from((#x) == 0 || (#y) != 0))),
                };
            }
            B::In | B::NotIn => return self.membership(op == B::NotIn, a, b, f),
            _ => {}
        }
        if is_scalar(&a.ty) && is_scalar(&b.ty) {
            let x = self.scalar(a, f)?;
            let y = self.scalar(b, f)?;
            return match op {
                B::Eq | B::Iff => s(quote!({
                    let (p, q) = (#x, #y);
                    u64::from(p == q)
                })),
                B::Ne => s(quote!({
                    let (p, q) = (#x, #y);
                    u64::from(p != q)
                })),
                B::Lt | B::Le | B::Gt | B::Ge => {
                    let cmp = match op {
                        B::Lt => quote!(<),
                        B::Le => quote!(<=),
                        B::Gt => quote!(>),
                        _ => quote!(>=),
                    };
                    s(quote!({
                        let (p, q) = ((#x) as i64, (#y) as i64);
                        u64::from(p #cmp q)
                    }))
                }
                B::Add | B::Sub | B::Mul => {
                    let method = match op {
                        B::Add => format_ident!("checked_add"),
                        B::Sub => format_ident!("checked_sub"),
                        _ => format_ident!("checked_mul"),
                    };
                    s(quote!({
                        let (p, q) = ((#x) as i64, (#y) as i64);
                        p.#method(q).ok_or(Bail)? as u64
                    }))
                }
                B::Div => s(quote!({
                    let (p, q) = ((#x) as i64, (#y) as i64);
                    k::div(p, q)? as u64
                })),
                B::Mod => s(quote!({
                    let (p, q) = ((#x) as i64, (#y) as i64);
                    k::rem(p, q)? as u64
                })),
                _ => unsupported("malformed IR: an operator on scalars of the wrong type"),
            };
        }
        let ashape = self.shape(&a.ty);
        match op {
            B::Eq | B::Ne => {
                // Values of types that differ in bounds (or of a literal
                // without a code): the other side converted to the shape
                // of one, giving up where it has no code there.
                let (x, y) = match (&ashape, self.shape(&b.ty)) {
                    (Some(sa), _) => (self.expr(a, f)?.ts, self.expr_in(b, sa, f)?),
                    (None, Some(sb)) => (self.expr_in(a, &sb, f)?, self.expr(b, f)?.ts),
                    // Neither type has a shape: the code one side has (a
                    // set of integers, see `bounds.rs`).
                    (None, None) => match self.expr(a, f) {
                        Ok(Val {
                            ts,
                            form: Form::C(sa),
                        }) => (ts, self.expr_in(b, &sa, f)?),
                        _ => match self.expr(b, f)? {
                            Val {
                                ts,
                                form: Form::C(sb),
                            } => (self.expr_in(a, &sb, f)?, ts),
                            _ => return unsupported("malformed IR: a compound compared"),
                        },
                    },
                };
                let eq = op == B::Eq;
                s(quote!({
                    let (p, q) = (#x, #y);
                    u64::from((p == q) == #eq)
                }))
            }
            B::Union | B::Diff | B::Inter | B::Subset => {
                // Both operands in the result's shape (operands that fit
                // make a result that fits, and a union that fits has
                // operands that fit); for `subset`, or a result without a
                // shape, in the left operand's.
                let target = match op {
                    B::Subset => None,
                    _ => self.shape(&e.ty),
                };
                let (x, y, shape) = match target {
                    Some(t) => (self.expr_in(a, &t, f)?, self.expr_in(b, &t, f)?, t),
                    None => {
                        let v = self.expr(a, f)?;
                        let Form::C(sa) = v.form else {
                            return unsupported("malformed IR: a set operator on a scalar");
                        };
                        let y = self.expr_in(b, &sa, f)?;
                        (v.ts, y, sa)
                    }
                };
                if !matches!(shape.kind, ShapeKind::Set(_)) {
                    return unsupported("malformed IR: a set operator on another value");
                }
                let code = |ts: TokenStream| {
                    Ok(Val {
                        ts,
                        form: Form::C(shape.clone()),
                    })
                };
                match op {
                    B::Union => code(quote!({
                        let (p, q) = (#x, #y);
                        p | q
                    })),
                    B::Diff => code(quote!({
                        let (p, q) = (#x, #y);
                        p & !q
                    })),
                    B::Inter => code(quote!({
                        let (p, q) = (#x, #y);
                        p & q
                    })),
                    _ => s(quote!({
                        let (p, q) = (#x, #y);
                        u64::from(p & !q == 0)
                    })),
                }
            }
            _ => unsupported("an operator on values without codes"),
        }
    }

    /// `a in b`, `a not in b`.
    fn membership(&self, negate: bool, a: &Expr, b: &Expr, f: &mut Frame) -> E<Val> {
        let flip = |ts: TokenStream| {
            Ok(Val {
                ts: quote!(u64::from((#ts) != #negate)),
                form: Form::S,
            })
        };
        if let ExprKind::RoleSet(role) = b.kind
            && is_scalar(&a.ty)
        {
            let (first, count) = self.role_range(role);
            let (first, count) = (lit_u64(u64::from(first)), lit_u64(u64::from(count)));
            let x = self.scalar(a, f)?;
            return flip(quote!({
                let g = #x;
                // Below `first` the difference wraps far above `count`.
                g.wrapping_sub(#first) < #count
            }));
        }
        if is_scalar(&a.ty)
            && let Some(items) = self.scalar_items(b, f)
        {
            let items = items?;
            let x = self.scalar(a, f)?;
            return flip(quote!({
                let (x, items) = (#x, [#(#items),*]);
                items.contains(&x)
            }));
        }
        if let ExprKind::Range(lo, hi) = &b.kind
            && matches!(a.ty, Type::Int(_))
        {
            let x = self.scalar(a, f)?;
            let lo = self.scalar(lo, f)?;
            let hi = self.scalar(hi, f)?;
            let max = crate::eval::MAX_RANGE;
            return flip(quote!({
                let n = (#x) as i64;
                let (l, h) = ((#lo) as i64, (#hi) as i64);
                if h >= l && h.saturating_sub(l) >= #max {
                    return Err(Bail);
                }
                l <= n && n <= h
            }));
        }
        let coll = self.expr(b, f)?;
        let Form::C(cshape) = &coll.form else {
            return unsupported("malformed IR: membership in a scalar");
        };
        // An element without a code in the collection's element shape
        // cannot be in a collection that has a code. Element codes are
        // below 2^63: `u64::MAX` is no element's. (The type checker
        // allows no membership in a map.)
        let (elem, test) = match &cshape.kind {
            ShapeKind::Set(elem) => (elem, quote!((k::shr(c, x as u32) & 1) == 1)),
            ShapeKind::Seq { elem, max } => {
                let eb = elem.bits;
                (elem, quote!(k::seq_contains(c, #eb, #max, x)))
            }
            _ => return unsupported("membership in a value that is not a set or a sequence"),
        };
        let x = self.code_in(a, elem, quote!(u64::MAX), f)?;
        let c = &coll.ts;
        flip(quote!({
            let (x, c) = (#x, #c);
            x != u64::MAX && #test
        }))
    }

    fn field(&self, a: &Expr, n: u32, e: &Expr, f: &mut Frame) -> E<Val> {
        let base = self.expr(a, f)?;
        let Form::C(bshape) = &base.form else {
            return unsupported("a field of a value without a code");
        };
        let product = match &bshape.kind {
            ShapeKind::Product { .. } => bshape.clone(),
            ShapeKind::Message { fields, .. } => (**fields).clone(),
            _ => return unsupported("a field of a value without fields"),
        };
        let ShapeKind::Product {
            fields, offsets, ..
        } = &product.kind
        else {
            return unsupported("a field of a value without fields");
        };
        let (Some(fshape), Some(off)) = (fields.get(n as usize), offsets.get(n as usize)) else {
            return unsupported("malformed IR: a field out of range");
        };
        let bt = base.ts;
        let m = lit_u64(mask(fshape.bits));
        self.part(quote!((k::shr(#bt, #off) & #m)), fshape, &e.ty)
    }

    /// A component's code (of shape `part`: a field, an element, a map
    /// value) as a value of type `ty`: a scalar, or a code of `ty`'s shape.
    pub fn part(&self, code: TokenStream, part: &Shape, ty: &Type) -> E<Val> {
        if is_scalar(ty) {
            return Ok(Val {
                ts: load(code, &Load::of_shape(part, self.insts)),
                form: Form::S,
            });
        }
        let Some(want) = self.shape(ty) else {
            return unsupported("a component read without a code");
        };
        Ok(Val {
            ts: self.reshape(code, part, &want)?,
            form: Form::C(want),
        })
    }
}

/// A stored code as a scalar.
pub fn load(code: TokenStream, l: &Load) -> TokenStream {
    match *l {
        Load::Raw => code,
        Load::Offset(lo) => quote!(((#code) as i64).wrapping_add(#lo) as u64),
        Load::Role(first) => {
            let first = lit_u64(u64::from(first));
            quote!((#code) + #first)
        }
    }
}

/// A scalar as the code of a scalar shape; `miss` when it is outside the
/// shape's domain.
pub fn store(x: &TokenStream, s: &Store, miss: TokenStream) -> TokenStream {
    match *s {
        Store::Plain(count) => {
            let count = lit_u64(count);
            quote!({
                let x = #x;
                if x < #count { x } else { #miss }
            })
        }
        Store::Int { lo, hi } => quote!({
            let n = (#x) as i64;
            if #lo <= n && n <= #hi {
                n.wrapping_sub(#lo) as u64
            } else {
                #miss
            }
        }),
        Store::Role { first, count } => {
            let (first, count) = (lit_u64(u64::from(first)), lit_u64(u64::from(count)));
            // Below `first` the difference wraps far above `count`.
            quote!({
                let i = (#x).wrapping_sub(#first);
                if i < #count { i } else { #miss }
            })
        }
    }
}
