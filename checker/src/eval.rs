//! The expression evaluator: IR expressions to [`Value`]s over one state.
//!
//! Every runtime failure the language defines (division by zero, a missing
//! map key, `get(none)`, an index out of range, an out-of-range store, an
//! empty `min`/`max`, integer overflow) is an [`EvalError`] carrying the
//! span of the expression that failed. The evaluator never panics, even on
//! malformed IR: a shape it does not expect (which the type checker should
//! have ruled out) is reported as an error too.

use std::borrow::Cow;

use spec_lang::ir::{
    BinaryOp, Expr, ExprKind, Frame, Literal, LocalId, Quantifier, RoleId, Span, Spec, Type,
    UnaryOp, VarId,
};

use crate::model::Layout;
use crate::state::{Network, State};
use crate::value::{Instance, Msg, Value};

/// Sets built from integer ranges larger than this are refused, so that a
/// typo like `0..1000000000` fails cleanly instead of exhausting memory.
pub const MAX_RANGE: i64 = 1 << 24;

/// A runtime error, with the span of the expression or statement at fault.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EvalError {
    pub message: String,
    pub span: Span,
}

pub type EvalResult<T> = Result<T, EvalError>;

mod ops;

pub use ops::{binary_values, builtin, contains};

pub fn error<T>(span: Span, message: impl Into<String>) -> EvalResult<T> {
    Err(EvalError {
        message: message.into(),
        span,
    })
}

/// What an expression can see: the spec, the constants, one state (none for
/// constants and initial values) and, inside a step, the acting instance's
/// variables as the step has updated them so far.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub spec: &'a Spec,
    pub layout: &'a Layout,
    consts: &'a [Value],
    ready_consts: Option<&'a [bool]>,
    state: Option<&'a State>,
    own: Option<(Instance, &'a [Value])>,
}

impl<'a> Env<'a> {
    /// An environment without a state: constants and initial values.
    pub fn closed(spec: &'a Spec, layout: &'a Layout, consts: &'a [Value]) -> Env<'a> {
        Env {
            spec,
            layout,
            consts,
            ready_consts: None,
            state: None,
            own: None,
        }
    }

    /// While constants are being evaluated, only some have values.
    pub fn with_ready_consts(mut self, ready: &'a [bool]) -> Env<'a> {
        self.ready_consts = Some(ready);
        self
    }

    #[cfg(test)]
    pub fn with_state(mut self, state: &'a State) -> Env<'a> {
        self.state = Some(state);
        self
    }

    #[cfg(test)]
    /// Inside a step: reads of `inst`'s variables see `vars`.
    pub fn with_own(mut self, inst: Instance, vars: &'a [Value]) -> Env<'a> {
        self.own = Some((inst, vars));
        self
    }

    /// Evaluates a frame's expression in fresh locals, with local 0 set when
    /// given (the instance of an initial value).
    pub fn eval_frame(&self, frame: &Frame, local0: Option<Value>) -> EvalResult<Value> {
        let mut locals = vec![Value::Bool(false); frame.locals.len().max(1)];
        if let Some(v) = local0 {
            locals[0] = v;
        }
        self.eval(&frame.expr, &mut locals)
    }

    #[cfg(test)]
    /// Evaluates a state predicate.
    pub fn eval_predicate(&self, frame: &Frame) -> EvalResult<bool> {
        let v = self.eval_frame(frame, None)?;
        as_bool(&v, frame.expr.span)
    }

    pub fn eval_bool(&self, e: &Expr, locals: &mut Vec<Value>) -> EvalResult<bool> {
        if let Some(b) = self.try_bool(e, locals)? {
            return Ok(b);
        }
        let v = self.eval(e, locals)?;
        as_bool(&v, e.span)
    }

    /// Evaluates the kinds of expression that always give a boolean (the
    /// connectives, comparisons, membership, `forall` and `exists`) without
    /// building a [`Value`]. `None`, before evaluating anything, for every
    /// other kind.
    fn try_bool(&self, e: &Expr, locals: &mut Vec<Value>) -> EvalResult<Option<bool>> {
        let span = e.span;
        match &e.kind {
            ExprKind::Binary(op, a, b) => match op {
                BinaryOp::And => Ok(Some(
                    self.eval_bool(a, locals)? && self.eval_bool(b, locals)?,
                )),
                BinaryOp::Or => Ok(Some(
                    self.eval_bool(a, locals)? || self.eval_bool(b, locals)?,
                )),
                BinaryOp::Implies => Ok(Some(
                    !self.eval_bool(a, locals)? || self.eval_bool(b, locals)?,
                )),
                op if is_comparison(*op) => self.compare(*op, a, b, span, locals).map(Some),
                _ => Ok(None),
            },
            ExprKind::Unary(UnaryOp::Not, a) => Ok(self.try_bool(a, locals)?.map(|b| !b)),
            ExprKind::Quant {
                quantifier: Quantifier::Forall,
                binders,
                body,
            } => self
                .for_each_binding(binders, locals, span, &mut |env, locals| {
                    env.eval_bool(body, locals)
                })
                .map(Some),
            ExprKind::Quant {
                quantifier: Quantifier::Exists,
                binders,
                body,
            } => self
                .for_each_binding(binders, locals, span, &mut |env, locals| {
                    Ok(!env.eval_bool(body, locals)?)
                })
                .map(|none| Some(!none)),
            _ => Ok(None),
        }
    }

    pub fn eval_instance(&self, e: &Expr, locals: &mut Vec<Value>) -> EvalResult<Instance> {
        // The acting instance and quantified instances are locals: read
        // them in place.
        if let ExprKind::Local(id) = e.kind
            && let Some(v) = locals.get(id.index())
        {
            return self.as_instance(v, e.span);
        }
        let v = self.eval(e, locals)?;
        self.as_instance(&v, e.span)
    }

    pub fn as_instance(&self, v: &Value, span: Span) -> EvalResult<Instance> {
        match v {
            Value::Inst(i) if self.layout.is_instance(*i) => Ok(*i),
            Value::Inst(_) => error(span, "no such role instance"),
            _ => error(span, "expected a role instance"),
        }
    }

    /// Reads one instance's variable, seeing the acting instance's updates.
    pub fn read_var(&self, inst: Instance, var: VarId, span: Span) -> EvalResult<Value> {
        self.var_ref(inst, var, span).cloned()
    }

    /// Like [`Env::read_var`], but borrows the value instead of copying it.
    pub fn var_ref(&self, inst: Instance, var: VarId, span: Span) -> EvalResult<&'a Value> {
        match self.spec.vars.get(var.index()) {
            Some(def) if def.role == inst.role => {}
            _ => return error(span, "malformed IR: variable of another role"),
        }
        if let Some((own, vars)) = self.own
            && own == inst
        {
            return match vars.get(self.layout.var_pos[var.index()]) {
                Some(v) => Ok(v),
                None => error(span, "malformed IR: variable out of range"),
            };
        }
        let Some(state) = self.state else {
            return error(span, "variables cannot be read here");
        };
        match state.vars.get(self.layout.slot(inst, var)) {
            Some(v) => Ok(v),
            None => error(span, "malformed IR: variable out of range"),
        }
    }

    /// Evaluates an expression like [`Env::eval`], but borrows what it can
    /// instead of copying it: variable and constant reads, and fields of
    /// borrowed records and messages. Comparisons and membership tests use
    /// this, so that they allocate nothing for a set-valued variable.
    pub fn eval_ref(&self, e: &Expr, locals: &mut Vec<Value>) -> EvalResult<Cow<'a, Value>> {
        let span = e.span;
        match &e.kind {
            ExprKind::Lit(lit) => Ok(Cow::Owned(literal(lit))),
            ExprKind::Const(id) => {
                if let Some(ready) = self.ready_consts
                    && !ready.get(id.index()).copied().unwrap_or(false)
                {
                    return error(span, "constant used before it has a value");
                }
                match self.consts.get(id.index()) {
                    Some(v) => Ok(Cow::Borrowed(v)),
                    None => error(span, "malformed IR: constant out of range"),
                }
            }
            ExprKind::Var { var, instance } => {
                let inst = self.eval_instance(instance, locals)?;
                self.var_ref(inst, *var, span).map(Cow::Borrowed)
            }
            ExprKind::Field(a, n) => {
                // A field of a local (a received or quantified message, a
                // record): copy the field, not the whole value.
                if let ExprKind::Local(id) = a.kind
                    && let Some(v) = locals.get(id.index())
                {
                    return field_ref(v, *n as usize, span).map(|f| Cow::Owned(f.clone()));
                }
                match self.eval_ref(a, locals)? {
                    Cow::Borrowed(v) => field_ref(v, *n as usize, span).map(Cow::Borrowed),
                    Cow::Owned(v) => {
                        field_ref(&v, *n as usize, span).map(|f| Cow::Owned(f.clone()))
                    }
                }
            }
            _ => self.eval(e, locals).map(Cow::Owned),
        }
    }

    /// The sender or receiver of a message, reading a local in place.
    fn endpoint(
        &self,
        a: &Expr,
        locals: &mut Vec<Value>,
        span: Span,
        sender: bool,
    ) -> EvalResult<Value> {
        let pick = |v: &Value| match v {
            Value::Msg(m) => Ok(Value::Inst(if sender { m.from } else { m.to })),
            _ if sender => error(span, "sender of a value that is not a message"),
            _ => error(span, "receiver of a value that is not a message"),
        };
        if let ExprKind::Local(id) = a.kind
            && let Some(v) = locals.get(id.index())
        {
            return pick(v);
        }
        let v = self.eval_ref(a, locals)?;
        pick(&v)
    }

    /// The role and instance count of a role-set expression (`RM`).
    fn role_set(&self, e: &Expr) -> Option<(RoleId, u32)> {
        match e.kind {
            ExprKind::RoleSet(role) => self.layout.roles.get(role.index()).map(|r| (role, r.count)),
            _ => None,
        }
    }

    pub fn eval(&self, e: &Expr, locals: &mut Vec<Value>) -> EvalResult<Value> {
        let span = e.span;
        match &e.kind {
            ExprKind::Lit(lit) => Ok(literal(lit)),
            ExprKind::None => Ok(Value::None),
            ExprKind::Local(id) => match locals.get(id.index()) {
                Some(v) => Ok(v.clone()),
                None => error(span, "malformed IR: local out of range"),
            },
            ExprKind::Const(id) => {
                if let Some(ready) = self.ready_consts
                    && !ready.get(id.index()).copied().unwrap_or(false)
                {
                    return error(span, "constant used before it has a value");
                }
                match self.consts.get(id.index()) {
                    Some(v) => Ok(v.clone()),
                    None => error(span, "malformed IR: constant out of range"),
                }
            }
            ExprKind::Var { var, instance } => {
                let inst = self.eval_instance(instance, locals)?;
                self.read_var(inst, *var, span)
            }
            ExprKind::RoleSet(role) => match self.layout.roles.get(role.index()) {
                Some(r) => Ok(Value::Set(
                    (0..r.count)
                        .map(|i| Value::Inst(Instance::new(*role, i)))
                        .collect(),
                )),
                None => error(span, "malformed IR: unknown role"),
            },
            ExprKind::Unary(op, a) => {
                let a = self.eval(a, locals)?;
                match (op, a) {
                    (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
                    (UnaryOp::Neg, Value::Int(n)) => match n.checked_neg() {
                        Some(n) => Ok(Value::Int(n)),
                        None => error(span, "integer overflow"),
                    },
                    _ => error(span, "operand of the wrong type"),
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, span, locals),
            ExprKind::Field(..) => self.eval_ref(e, locals).map(Cow::into_owned),
            ExprKind::Sender(a) => self.endpoint(a, locals, span, true),
            ExprKind::Receiver(a) => self.endpoint(a, locals, span, false),
            ExprKind::TupleIndex(a, n) => match self.eval(a, locals)? {
                Value::Tuple(items) => take_nth(items, *n as usize, span),
                _ => error(span, "component of a value that is not a tuple"),
            },
            ExprKind::MapGet(m, k) => {
                let m = self.eval(m, locals)?;
                let k = self.eval(k, locals)?;
                map_get(m, &k, span, self.spec)
            }
            ExprKind::SeqIndex(s, i) => {
                let s = self.eval(s, locals)?;
                let i = self.eval(i, locals)?;
                match (s, i) {
                    (Value::Seq(items), Value::Int(i)) => {
                        let at = seq_offset(i, items.len(), span)?;
                        take_nth(items, at, span)
                    }
                    _ => error(span, "index into a value that is not a sequence"),
                }
            }
            ExprKind::Call(f, args) => {
                let Some(func) = self.spec.functions.get(f.index()) else {
                    return error(span, "malformed IR: unknown function");
                };
                let mut inner = vec![Value::Bool(false); func.body.locals.len()];
                if func.params.len() != args.len() {
                    return error(span, "malformed IR: wrong number of arguments");
                }
                for (param, arg) in func.params.iter().zip(args) {
                    let v = self.eval(arg, locals)?;
                    set_local(&mut inner, *param, v, span)?;
                }
                // A function sees only its parameters: no acting instance.
                let env = Env { own: None, ..*self };
                env.eval(&func.body.expr, &mut inner)
            }
            ExprKind::Builtin(b, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, locals)?);
                }
                builtin(*b, vals, span, self.spec)
            }
            ExprKind::InFlight(kind) => {
                let Some(state) = self.state else {
                    return error(span, "messages in flight cannot be read here");
                };
                Ok(Value::Seq(
                    state
                        .network
                        .all_copies()
                        .into_iter()
                        .filter(|m| m.kind == *kind)
                        .map(|m| Value::Msg(Box::new(m.clone())))
                        .collect(),
                ))
            }
            ExprKind::Crashed(a) => {
                let inst = self.eval_instance(a, locals)?;
                let Some(state) = self.state else {
                    return error(span, "crashes cannot be read here");
                };
                Ok(Value::Bool(state.faults.is_crashed(inst)))
            }
            ExprKind::SetLit(items) => {
                let vals = self.eval_all(items, locals)?;
                Ok(Value::set_from(vals))
            }
            ExprKind::SeqLit(items) => Ok(Value::Seq(self.eval_all(items, locals)?)),
            ExprKind::TupleLit(items) => Ok(Value::Tuple(self.eval_all(items, locals)?)),
            ExprKind::RecordLit(items) => match &e.ty {
                Type::Record(id) => Ok(Value::Record(*id, self.eval_all(items, locals)?)),
                _ => error(span, "malformed IR: record literal without a record type"),
            },
            ExprKind::MapLit(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    out.push((self.eval(k, locals)?, self.eval(v, locals)?));
                }
                Ok(Value::map_from(out))
            }
            ExprKind::Range(lo, hi) => {
                let lo = as_int(&self.eval(lo, locals)?, span)?;
                let hi = as_int(&self.eval(hi, locals)?, span)?;
                if hi < lo {
                    return Ok(Value::Set(Vec::new()));
                }
                if hi.saturating_sub(lo) >= MAX_RANGE {
                    return error(span, format!("the range {lo}..{hi} is too large"));
                }
                Ok(Value::Set((lo..=hi).map(Value::Int).collect()))
            }
            ExprKind::SetFilter { local, set, cond } => {
                let elems = self.elements(set, locals)?;
                let mut out = Vec::new();
                for x in elems {
                    set_local(locals, *local, x.clone(), span)?;
                    if self.eval_bool(cond, locals)? {
                        out.push(x);
                    }
                }
                Ok(Value::set_from(out))
            }
            ExprKind::SetMap {
                elem,
                binders,
                cond,
            } => {
                let mut out = Vec::new();
                self.for_each_binding(binders, locals, span, &mut |env, locals| {
                    if let Some(c) = cond
                        && !env.eval_bool(c, locals)?
                    {
                        return Ok(true);
                    }
                    out.push(env.eval(elem, locals)?);
                    Ok(true)
                })?;
                Ok(Value::set_from(out))
            }
            ExprKind::MapComp { local, set, value } => {
                let keys = self.elements(set, locals)?;
                let mut out = Vec::with_capacity(keys.len());
                for k in keys {
                    set_local(locals, *local, k.clone(), span)?;
                    out.push((k, self.eval(value, locals)?));
                }
                Ok(Value::map_from(out))
            }
            ExprKind::Quant {
                quantifier,
                binders,
                body,
            } => self.quantifier(*quantifier, binders, body, span, locals),
            ExprKind::If(c, t, f) => {
                if self.eval_bool(c, locals)? {
                    self.eval(t, locals)
                } else {
                    self.eval(f, locals)
                }
            }
            ExprKind::Let(local, value, body) => {
                let v = self.eval(value, locals)?;
                set_local(locals, *local, v, span)?;
                self.eval(body, locals)
            }
            ExprKind::WithIndex(base, entries) => {
                let mut base = self.eval(base, locals)?;
                for (ke, ve) in entries {
                    let k = self.eval(ke, locals)?;
                    let v = self.eval(ve, locals)?;
                    update_index(&mut base, k, v, ke.span)?;
                }
                Ok(base)
            }
            ExprKind::WithFields(base, updates) => {
                let mut base = self.eval(base, locals)?;
                for (n, v) in updates {
                    let v = self.eval(v, locals)?;
                    match &mut base {
                        Value::Record(_, fields) => match fields.get_mut(*n as usize) {
                            Some(slot) => *slot = v,
                            None => return error(span, "malformed IR: field out of range"),
                        },
                        _ => return error(span, "field update of a value that is not a record"),
                    }
                }
                Ok(base)
            }
        }
    }

    fn eval_all(&self, items: &[Expr], locals: &mut Vec<Value>) -> EvalResult<Vec<Value>> {
        items.iter().map(|e| self.eval(e, locals)).collect()
    }

    /// The elements a binder ranges over: a set's or a sequence's elements.
    pub fn elements(&self, e: &Expr, locals: &mut Vec<Value>) -> EvalResult<Vec<Value>> {
        match self.eval(e, locals)? {
            Value::Set(items) | Value::Seq(items) => Ok(items),
            _ => error(e.span, "expected a set or a sequence"),
        }
    }

    /// Calls `f` once per combination of the binders' values, in order,
    /// while it returns true. Later binders may depend on earlier ones.
    /// Returns false when `f` stopped the iteration.
    fn for_each_binding(
        &self,
        binders: &[(LocalId, Expr)],
        locals: &mut Vec<Value>,
        span: Span,
        f: &mut dyn FnMut(&Env<'a>, &mut Vec<Value>) -> EvalResult<bool>,
    ) -> EvalResult<bool> {
        let Some(((local, domain), rest)) = binders.split_first() else {
            return f(self, locals);
        };
        // Quantifying over a role's instances is the common case: count
        // through them instead of building the set.
        if let ExprKind::RoleSet(role) = domain.kind
            && let Some(r) = self.layout.roles.get(role.index())
        {
            for i in 0..r.count {
                set_local(locals, *local, Value::Inst(Instance::new(role, i)), span)?;
                if !self.for_each_binding(rest, locals, span, f)? {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        // Quantifying over the messages in flight: walk the network in
        // place. A set or a bag is already sorted, so its messages of one
        // kind come in canonical order, one entry per copy.
        if let ExprKind::InFlight(kind) = domain.kind
            && let Some(state) = self.state
        {
            let mut each = |m: &Msg, copies: u32, locals: &mut Vec<Value>| -> EvalResult<bool> {
                for _ in 0..copies {
                    set_local_msg(locals, *local, m, span)?;
                    if !self.for_each_binding(rest, locals, span, f)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            };
            match &state.network {
                Network::Set(msgs) => {
                    for m in msgs.iter().filter(|m| m.kind == kind) {
                        if !each(m, 1, locals)? {
                            return Ok(false);
                        }
                    }
                    return Ok(true);
                }
                Network::Bag(msgs) => {
                    for (m, n) in msgs.iter().filter(|(m, _)| m.kind == kind) {
                        if !each(m, *n, locals)? {
                            return Ok(false);
                        }
                    }
                    return Ok(true);
                }
                Network::Fifo(_) => {}
            }
        }
        for x in self.elements(domain, locals)? {
            set_local(locals, *local, x, span)?;
            if !self.for_each_binding(rest, locals, span, f)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn quantifier(
        &self,
        q: Quantifier,
        binders: &[(LocalId, Expr)],
        body: &Expr,
        span: Span,
        locals: &mut Vec<Value>,
    ) -> EvalResult<Value> {
        match q {
            Quantifier::Forall => {
                let all = self.for_each_binding(binders, locals, span, &mut |env, locals| {
                    env.eval_bool(body, locals)
                })?;
                Ok(Value::Bool(all))
            }
            Quantifier::Exists => {
                let none = self.for_each_binding(binders, locals, span, &mut |env, locals| {
                    Ok(!env.eval_bool(body, locals)?)
                })?;
                Ok(Value::Bool(!none))
            }
            Quantifier::Sum => {
                let mut total: i64 = 0;
                self.for_each_binding(binders, locals, span, &mut |env, locals| {
                    let n = as_int(&env.eval(body, locals)?, body.span)?;
                    match total.checked_add(n) {
                        Some(t) => total = t,
                        None => return error(span, "integer overflow"),
                    }
                    Ok(true)
                })?;
                Ok(Value::Int(total))
            }
        }
    }

    fn binary(
        &self,
        op: BinaryOp,
        a: &Expr,
        b: &Expr,
        span: Span,
        locals: &mut Vec<Value>,
    ) -> EvalResult<Value> {
        // The connectives short-circuit: the right side may be undefined
        // where the left side already decides (`x != 0 and 10 / x > 1`).
        match op {
            BinaryOp::And => {
                return Ok(Value::Bool(
                    self.eval_bool(a, locals)? && self.eval_bool(b, locals)?,
                ));
            }
            BinaryOp::Or => {
                return Ok(Value::Bool(
                    self.eval_bool(a, locals)? || self.eval_bool(b, locals)?,
                ));
            }
            BinaryOp::Implies => {
                return Ok(Value::Bool(
                    !self.eval_bool(a, locals)? || self.eval_bool(b, locals)?,
                ));
            }
            _ => {}
        }
        if is_comparison(op) {
            return self.compare(op, a, b, span, locals).map(Value::Bool);
        }
        let x = self.eval(a, locals)?;
        let y = self.eval(b, locals)?;
        binary_values(op, x, y, span)
    }

    /// A comparison or membership test, reading its operands by reference.
    fn compare(
        &self,
        op: BinaryOp,
        a: &Expr,
        b: &Expr,
        span: Span,
        locals: &mut Vec<Value>,
    ) -> EvalResult<bool> {
        // Comparing a variable or a local with a literal (`state ==
        // Working`) is the most common test: compare in place.
        if let ExprKind::Lit(lit) = &b.kind
            && matches!(op, BinaryOp::Eq | BinaryOp::Ne)
        {
            let y = literal(lit);
            let equal = match &a.kind {
                ExprKind::Var { var, instance } => {
                    let inst = self.eval_instance(instance, locals)?;
                    *self.var_ref(inst, *var, a.span)? == y
                }
                ExprKind::Local(id) if id.index() < locals.len() => locals[id.index()] == y,
                _ => *self.eval_ref(a, locals)? == y,
            };
            return Ok(equal == (op == BinaryOp::Eq));
        }
        // Membership in and equality with a role's instances need not
        // build the set.
        if let Some((role, count)) = self.role_set(b) {
            let x = self.eval_ref(a, locals)?;
            let is_member =
                |v: &Value| matches!(v, Value::Inst(i) if i.role == role && i.index < count);
            return Ok(match op {
                BinaryOp::In => is_member(&x),
                BinaryOp::NotIn => !is_member(&x),
                BinaryOp::Eq | BinaryOp::Ne => {
                    let equal = match &*x {
                        Value::Set(items) => {
                            items.len() == count as usize
                                && items
                                    .iter()
                                    .zip(0..)
                                    .all(|(v, i)| *v == Value::Inst(Instance::new(role, i)))
                        }
                        _ => false,
                    };
                    equal == (op == BinaryOp::Eq)
                }
                _ => {
                    let y = self.eval(b, locals)?;
                    let x = x.into_owned();
                    return match binary_values(op, x, y, span)? {
                        Value::Bool(v) => Ok(v),
                        _ => error(span, "malformed IR: comparison without a boolean"),
                    };
                }
            });
        }
        let x = self.eval_ref(a, locals)?;
        let y = self.eval_ref(b, locals)?;
        match op {
            BinaryOp::Eq => Ok(x == y),
            BinaryOp::Ne => Ok(x != y),
            BinaryOp::Lt => Ok(x < y),
            BinaryOp::Le => Ok(x <= y),
            BinaryOp::Gt => Ok(x > y),
            BinaryOp::Ge => Ok(x >= y),
            BinaryOp::In => contains(&y, &x, span),
            BinaryOp::NotIn => Ok(!contains(&y, &x, span)?),
            _ => error(span, "malformed IR: not a comparison"),
        }
    }
}

pub fn literal(lit: &Literal) -> Value {
    match lit {
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(n) => Value::Int(*n),
        Literal::Variant(e, v) => Value::Enum(*e, *v),
        Literal::Instance(r, i) => Value::Inst(Instance::new(*r, *i)),
    }
}

pub fn as_bool(v: &Value, span: Span) -> EvalResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => error(span, "expected a boolean"),
    }
}

pub fn as_int(v: &Value, span: Span) -> EvalResult<i64> {
    match v {
        Value::Int(n) => Ok(*n),
        _ => error(span, "expected an integer"),
    }
}

pub fn set_local(locals: &mut Vec<Value>, id: LocalId, v: Value, span: Span) -> EvalResult<()> {
    // Frames declare their locals, but a malformed frame must not panic:
    // grow the environment within reason, refuse absurd indices.
    let at = id.index();
    if at >= locals.len() {
        if at > 1 << 16 {
            return error(span, "malformed IR: local out of range");
        }
        locals.resize(at + 1, Value::Bool(false));
    }
    locals[at] = v;
    Ok(())
}

/// A field of a record or a message, by reference.
fn field_ref(v: &Value, n: usize, span: Span) -> EvalResult<&Value> {
    let fields = match v {
        Value::Record(_, fields) => fields,
        Value::Msg(m) => &m.fields,
        _ => return error(span, "field of a value that has no fields"),
    };
    match fields.get(n) {
        Some(f) => Ok(f),
        None => error(span, "malformed IR: component out of range"),
    }
}

/// Sets a local to a copy of a message, reusing the local's previous
/// message allocation when it held one.
fn set_local_msg(locals: &mut Vec<Value>, id: LocalId, m: &Msg, span: Span) -> EvalResult<()> {
    if let Some(Value::Msg(old)) = locals.get_mut(id.index()) {
        old.kind = m.kind;
        old.from = m.from;
        old.to = m.to;
        old.fields.clone_from(&m.fields);
        return Ok(());
    }
    set_local(locals, id, Value::Msg(Box::new(m.clone())), span)
}

fn take_nth(items: Vec<Value>, n: usize, span: Span) -> EvalResult<Value> {
    match items.into_iter().nth(n) {
        Some(v) => Ok(v),
        None => error(span, "malformed IR: component out of range"),
    }
}

/// The 0-based offset of a 1-based sequence index, or an error.
pub fn seq_offset(i: i64, len: usize, span: Span) -> EvalResult<usize> {
    match usize::try_from(i) {
        Ok(i) if (1..=len).contains(&i) => Ok(i - 1),
        _ => error(
            span,
            format!("sequence index {i} is out of range (the length is {len})"),
        ),
    }
}

pub fn map_get(m: Value, k: &Value, span: Span, spec: &Spec) -> EvalResult<Value> {
    match m {
        Value::Map(entries) => match entries.binary_search_by(|(key, _)| key.cmp(k)) {
            Ok(at) => match entries.into_iter().nth(at) {
                Some((_, v)) => Ok(v),
                None => error(span, "malformed map"),
            },
            Err(_) => error(span, format!("key {} is not in the map", k.display(spec))),
        },
        _ => error(span, "lookup in a value that is not a map"),
    }
}

/// `base with [k -> v]`: replaces a sequence element (1-based, in range) or
/// sets a map entry (new keys allowed).
pub fn update_index(base: &mut Value, k: Value, v: Value, span: Span) -> EvalResult<()> {
    match (base, k) {
        (Value::Seq(items), Value::Int(i)) => {
            let at = seq_offset(i, items.len(), span)?;
            items[at] = v;
            Ok(())
        }
        (Value::Map(entries), k) => {
            match entries.binary_search_by(|(key, _)| key.cmp(&k)) {
                Ok(at) => entries[at].1 = v,
                Err(at) => entries.insert(at, (k, v)),
            }
            Ok(())
        }
        _ => error(
            span,
            "index update of a value that is not a map or a sequence",
        ),
    }
}

/// Checks a value being stored (into a variable, a message field or a
/// constant) against its declared type: integer ranges and sequence bounds,
/// at every depth.
pub fn check_stored(v: &Value, ty: &Type, spec: &Spec, span: Span) -> EvalResult<()> {
    match (ty, v) {
        (Type::Int(Some(r)), Value::Int(n)) => {
            if *n < r.lo || *n > r.hi {
                return error(
                    span,
                    format!("value {n} is out of the range {}..{}", r.lo, r.hi),
                );
            }
            Ok(())
        }
        (Type::Seq(t, bound), Value::Seq(items)) => {
            if let Some(max) = bound
                && items.len() > *max as usize
            {
                return error(
                    span,
                    format!(
                        "a sequence of length {} exceeds its bound {max}",
                        items.len()
                    ),
                );
            }
            items
                .iter()
                .try_for_each(|x| check_stored(x, t, spec, span))
        }
        (Type::Set(t), Value::Set(items)) => items
            .iter()
            .try_for_each(|x| check_stored(x, t, spec, span)),
        (Type::Map(kt, vt), Value::Map(entries)) => entries.iter().try_for_each(|(k, x)| {
            check_stored(k, kt, spec, span)?;
            check_stored(x, vt, spec, span)
        }),
        (Type::Option(t), Value::Some(x)) => check_stored(x, t, spec, span),
        (Type::Tuple(ts), Value::Tuple(items)) => ts
            .iter()
            .zip(items)
            .try_for_each(|(t, x)| check_stored(x, t, spec, span)),
        (Type::Record(id), Value::Record(_, items)) => match spec.records.get(id.index()) {
            Some(def) => def
                .fields
                .iter()
                .zip(items)
                .try_for_each(|(f, x)| check_stored(x, &f.ty, spec, span)),
            None => Ok(()),
        },
        (Type::Message(id), Value::Msg(m)) => match spec.messages.get(id.index()) {
            Some(def) => def
                .fields
                .iter()
                .zip(&m.fields)
                .try_for_each(|(f, x)| check_stored(x, &f.ty, spec, span)),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The operators [`Env::compare`] evaluates by reference, without building
/// their operands' values.
fn is_comparison(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn
    )
}

#[cfg(test)]
mod tests;
