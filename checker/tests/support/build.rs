//! Builders for small IR specs in tests, until the front end can compile
//! spec text. Every node gets a detached span unless a test sets one with
//! [`at`].
#![allow(dead_code)]

use spec_lang::Span;
use spec_lang::ir::*;

pub struct B {
    pub spec: Spec,
}

impl B {
    pub fn new(name: &str) -> B {
        B {
            spec: Spec {
                name: name.into(),
                params: Vec::new(),
                consts: Vec::new(),
                enums: Vec::new(),
                records: Vec::new(),
                roles: Vec::new(),
                vars: Vec::new(),
                messages: Vec::new(),
                network: Network {
                    kind: NetworkKind::Bag,
                    max_in_flight: None,
                    synchronous: false,
                    loss: None,
                    duplication: None,
                    partition: None,
                    span: Span::DETACHED,
                },
                crashes: Vec::new(),
                functions: Vec::new(),
                steps: Vec::new(),
                invariants: Vec::new(),
                properties: Vec::new(),
                fairness: Vec::new(),
                terminal: Vec::new(),
                constraints: Vec::new(),
            },
        }
    }

    pub fn build(self) -> Spec {
        self.spec
    }

    /// A singleton role.
    pub fn singleton(&mut self, name: &str) -> RoleId {
        self.role(name, 1, false, false)
    }

    /// An indexed role of `count` instances.
    pub fn indexed(&mut self, name: &str, count: u32, symmetric: bool) -> RoleId {
        self.role(name, count, true, symmetric)
    }

    fn role(&mut self, name: &str, count: u32, indexed: bool, symmetric: bool) -> RoleId {
        self.spec.roles.push(Role {
            name: name.into(),
            count,
            indexed,
            symmetric,
            vars: Vec::new(),
            span: Span::DETACHED,
        });
        RoleId(self.spec.roles.len() as u32 - 1)
    }

    pub fn enumeration(&mut self, name: &str, variants: &[&str]) -> EnumId {
        self.spec.enums.push(EnumDef {
            name: name.into(),
            variants: variants.iter().map(|v| v.to_string()).collect(),
            span: Span::DETACHED,
        });
        EnumId(self.spec.enums.len() as u32 - 1)
    }

    pub fn record(&mut self, name: &str, fields: &[(&str, Type)]) -> RecordId {
        self.spec.records.push(RecordDef {
            name: name.into(),
            fields: fields_of(fields),
            span: Span::DETACHED,
        });
        RecordId(self.spec.records.len() as u32 - 1)
    }

    /// A volatile variable with an initial value (which may use `me(role)`).
    pub fn var(&mut self, role: RoleId, name: &str, ty: Type, init: Expr) -> VarId {
        let id = VarId(self.spec.vars.len() as u32);
        self.spec.vars.push(Var {
            name: name.into(),
            role,
            ty,
            init: Frame {
                locals: vec![local_def("self", Type::Role(role))],
                expr: init,
            },
            persistent: false,
            synthetic: false,
            span: Span::DETACHED,
        });
        self.spec.roles[role.index()].vars.push(id);
        id
    }

    pub fn persistent(&mut self, var: VarId) {
        self.spec.vars[var.index()].persistent = true;
    }

    pub fn message(&mut self, name: &str, fields: &[(&str, Type)]) -> MsgId {
        self.spec.messages.push(MessageDef {
            name: name.into(),
            fields: fields_of(fields),
            span: Span::DETACHED,
        });
        MsgId(self.spec.messages.len() as u32 - 1)
    }

    pub fn network(&mut self, kind: NetworkKind) {
        self.spec.network.kind = kind;
    }

    pub fn max_in_flight(&mut self, n: u32) {
        self.spec.network.max_in_flight = Some(n);
    }

    pub fn loss(&mut self, max: Option<u32>) {
        self.spec.network.loss = Some(bound(max));
    }

    pub fn duplication(&mut self, max: Option<u32>) {
        self.spec.network.duplication = Some(bound(max));
    }

    pub fn partition(&mut self, max: Option<u32>) {
        self.spec.network.partition = Some(bound(max));
    }

    pub fn crash(&mut self, role: RoleId, kind: CrashKind, max: u32) {
        self.spec.crashes.push(Crash {
            role,
            kind,
            max,
            span: Span::DETACHED,
        });
    }

    pub fn step(&mut self, step: Step) -> StepId {
        self.spec.steps.push(step);
        StepId(self.spec.steps.len() as u32 - 1)
    }

    /// An invariant; its expression may use locals `0..locals.len()`.
    pub fn invariant(&mut self, name: &str, locals: &[(&str, Type)], expr: Expr) {
        self.spec.invariants.push(Invariant {
            name: name.into(),
            cond: frame(locals, expr),
            span: Span::DETACHED,
        });
    }

    pub fn terminal(&mut self, locals: &[(&str, Type)], expr: Expr) {
        self.spec.terminal.push(Predicate {
            cond: frame(locals, expr),
            span: Span::DETACHED,
        });
    }

    pub fn constraint(&mut self, locals: &[(&str, Type)], expr: Expr) {
        self.spec.constraints.push(Predicate {
            cond: frame(locals, expr),
            span: Span::DETACHED,
        });
    }

    /// `instance.var`.
    pub fn of(&self, var: VarId, instance: Expr) -> Expr {
        let ty = self.spec.vars[var.index()].ty.clone();
        expr(
            ExprKind::Var {
                var,
                instance: Box::new(instance),
            },
            ty,
        )
    }

    /// The acting instance's variable (`self.var`).
    pub fn own(&self, var: VarId) -> Expr {
        let role = self.spec.vars[var.index()].role;
        self.of(var, me(role))
    }
}

fn bound(max: Option<u32>) -> FaultBound {
    FaultBound {
        max,
        span: Span::DETACHED,
    }
}

fn fields_of(fields: &[(&str, Type)]) -> Vec<Field> {
    fields
        .iter()
        .map(|(n, t)| Field {
            name: n.to_string(),
            ty: t.clone(),
            span: Span::DETACHED,
        })
        .collect()
}

fn local_def(name: &str, ty: Type) -> Local {
    Local {
        name: name.into(),
        ty,
        span: Span::DETACHED,
    }
}

pub fn frame(locals: &[(&str, Type)], expr: Expr) -> Frame {
    Frame {
        locals: locals
            .iter()
            .map(|(n, t)| local_def(n, t.clone()))
            .collect(),
        expr,
    }
}

// ------------------------------------------------------------------ steps

/// A step under construction; local 0 is the acting instance.
pub struct S {
    step: Step,
}

/// A spontaneous step of `role`.
pub fn internal(name: &str, role: RoleId) -> S {
    S {
        step: Step {
            name: name.into(),
            role,
            kind: StepKind::Internal,
            locals: vec![local_def("self", Type::Role(role))],
            guard: boolean(true),
            body: Vec::new(),
            span: Span::DETACHED,
            origin: None,
        },
    }
}

/// A receive step of `role` for `message`, sent by an instance of `from`;
/// local 1 is the sender.
pub fn receive(name: &str, role: RoleId, message: MsgId, from: RoleId) -> S {
    S {
        step: Step {
            name: name.into(),
            role,
            kind: StepKind::Receive(Receive {
                message,
                sender: LocalId(1),
                bindings: Vec::new(),
                matches: Vec::new(),
            }),
            locals: vec![
                local_def("self", Type::Role(role)),
                local_def("sender", Type::Role(from)),
            ],
            guard: boolean(true),
            body: Vec::new(),
            span: Span::DETACHED,
            origin: None,
        },
    }
}

impl S {
    /// Declares another local of the step.
    pub fn local(&mut self, name: &str, ty: Type) -> Expr {
        self.step.locals.push(local_def(name, ty.clone()));
        local(LocalId(self.step.locals.len() as u32 - 1), ty)
    }

    /// Binds message field `field` to the local that `local` reads.
    pub fn bind(mut self, field: u32, local: &Expr) -> S {
        if let (StepKind::Receive(r), ExprKind::Local(id)) = (&mut self.step.kind, &local.kind) {
            r.bindings.push((field, *id));
        }
        self
    }

    pub fn matching(mut self, field: u32, value: Expr) -> S {
        if let StepKind::Receive(r) = &mut self.step.kind {
            r.matches.push((field, value));
        }
        self
    }

    pub fn guard(mut self, guard: Expr) -> S {
        self.step.guard = guard;
        self
    }

    pub fn body(mut self, body: Vec<Stmt>) -> Step {
        self.step.body = body;
        self.step
    }
}

// ------------------------------------------------------------- statements

fn stmt(kind: StmtKind) -> Stmt {
    Stmt {
        kind,
        span: Span::DETACHED,
    }
}

pub fn assign(var: VarId, value: Expr) -> Stmt {
    stmt(StmtKind::Assign {
        place: Place {
            var,
            path: Vec::new(),
            span: Span::DETACHED,
        },
        value,
    })
}

/// `var[key] := value`.
pub fn assign_at(var: VarId, key: Expr, value: Expr) -> Stmt {
    stmt(StmtKind::Assign {
        place: Place {
            var,
            path: vec![Selector::Index(key)],
            span: Span::DETACHED,
        },
        value,
    })
}

pub fn let_(local: &Expr, value: Expr) -> Stmt {
    stmt(StmtKind::Let {
        local: local_id(local),
        value,
    })
}

pub fn choose(local: &Expr, set: Expr, filter: Option<Expr>) -> Stmt {
    stmt(StmtKind::Choose {
        local: local_id(local),
        set,
        filter,
    })
}

pub fn if_(cond: Expr, then: Vec<Stmt>, otherwise: Vec<Stmt>) -> Stmt {
    stmt(StmtKind::If {
        cond,
        then,
        otherwise,
    })
}

pub fn for_(local: &Expr, set: Expr, body: Vec<Stmt>) -> Stmt {
    stmt(StmtKind::For {
        local: local_id(local),
        set,
        body,
    })
}

pub fn send(message: MsgId, fields: Vec<Expr>, to: Expr) -> Stmt {
    stmt(StmtKind::Send {
        message: MessageValue {
            message,
            fields,
            span: Span::DETACHED,
        },
        to,
    })
}

pub fn broadcast(message: MsgId, fields: Vec<Expr>, to: Expr) -> Stmt {
    stmt(StmtKind::Broadcast {
        message: MessageValue {
            message,
            fields,
            span: Span::DETACHED,
        },
        to,
        exclude_self: false,
    })
}

pub fn assert_(cond: Expr, message: &str, span: (u32, u32)) -> Stmt {
    Stmt {
        kind: StmtKind::Assert {
            cond,
            message: Some(message.into()),
        },
        span: Span {
            start: span.0,
            end: span.1,
        },
    }
}

fn local_id(e: &Expr) -> LocalId {
    match e.kind {
        ExprKind::Local(id) => id,
        _ => LocalId(u32::MAX),
    }
}

// ------------------------------------------------------------ expressions

pub fn expr(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: Span::DETACHED,
    }
}

/// Gives an expression a span, for tests of error locations.
pub fn at(mut e: Expr, start: u32, end: u32) -> Expr {
    e.span = Span { start, end };
    e
}

pub fn int_ty() -> Type {
    Type::Int(None)
}

pub fn range_ty(lo: i64, hi: i64) -> Type {
    Type::Int(Some(IntRange { lo, hi }))
}

pub fn set_ty(t: Type) -> Type {
    Type::Set(Box::new(t))
}

pub fn int(n: i64) -> Expr {
    expr(ExprKind::Lit(Literal::Int(n)), int_ty())
}

pub fn boolean(b: bool) -> Expr {
    expr(ExprKind::Lit(Literal::Bool(b)), Type::Bool)
}

pub fn variant(e: EnumId, v: u32) -> Expr {
    expr(ExprKind::Lit(Literal::Variant(e, v)), Type::Enum(e))
}

pub fn inst(role: RoleId, index: u32) -> Expr {
    expr(
        ExprKind::Lit(Literal::Instance(role, index)),
        Type::Role(role),
    )
}

pub fn local(id: LocalId, ty: Type) -> Expr {
    expr(ExprKind::Local(id), ty)
}

/// The acting instance (local 0).
pub fn me(role: RoleId) -> Expr {
    local(LocalId(0), Type::Role(role))
}

pub fn role_set(role: RoleId) -> Expr {
    expr(ExprKind::RoleSet(role), set_ty(Type::Role(role)))
}

pub fn set_of(items: Vec<Expr>, elem: Type) -> Expr {
    expr(ExprKind::SetLit(items), set_ty(elem))
}

pub fn range(lo: Expr, hi: Expr) -> Expr {
    expr(
        ExprKind::Range(Box::new(lo), Box::new(hi)),
        set_ty(int_ty()),
    )
}

pub fn in_flight(m: MsgId) -> Expr {
    expr(
        ExprKind::InFlight(m),
        Type::Seq(Box::new(Type::Message(m)), None),
    )
}

pub fn crashed(i: Expr) -> Expr {
    expr(ExprKind::Crashed(Box::new(i)), Type::Bool)
}

pub fn builtin(b: Builtin, args: Vec<Expr>, ty: Type) -> Expr {
    expr(ExprKind::Builtin(b, args), ty)
}

pub fn size(e: Expr) -> Expr {
    builtin(Builtin::Size, vec![e], int_ty())
}

pub fn field(e: Expr, n: u32, ty: Type) -> Expr {
    expr(ExprKind::Field(Box::new(e), n), ty)
}

pub fn map_get(m: Expr, k: Expr, ty: Type) -> Expr {
    expr(ExprKind::MapGet(Box::new(m), Box::new(k)), ty)
}

pub fn seq_index(s: Expr, i: Expr, ty: Type) -> Expr {
    expr(ExprKind::SeqIndex(Box::new(s), Box::new(i)), ty)
}

pub fn not(a: Expr) -> Expr {
    expr(ExprKind::Unary(UnaryOp::Not, Box::new(a)), Type::Bool)
}

pub fn bin(op: BinaryOp, a: Expr, b: Expr) -> Expr {
    use BinaryOp::*;
    let ty = match op {
        Add | Sub | Mul | Div | Mod => int_ty(),
        Union | Diff | Inter | Concat => a.ty.clone(),
        _ => Type::Bool,
    };
    expr(ExprKind::Binary(op, Box::new(a), Box::new(b)), ty)
}

pub fn eq(a: Expr, b: Expr) -> Expr {
    bin(BinaryOp::Eq, a, b)
}

pub fn ne(a: Expr, b: Expr) -> Expr {
    bin(BinaryOp::Ne, a, b)
}

pub fn and(a: Expr, b: Expr) -> Expr {
    bin(BinaryOp::And, a, b)
}

pub fn add(a: Expr, b: Expr) -> Expr {
    bin(BinaryOp::Add, a, b)
}

pub fn forall(binders: Vec<(Expr, Expr)>, body: Expr) -> Expr {
    quant(Quantifier::Forall, binders, body)
}

pub fn exists(binders: Vec<(Expr, Expr)>, body: Expr) -> Expr {
    quant(Quantifier::Exists, binders, body)
}

fn quant(quantifier: Quantifier, binders: Vec<(Expr, Expr)>, body: Expr) -> Expr {
    let ty = if quantifier == Quantifier::Sum {
        int_ty()
    } else {
        Type::Bool
    };
    expr(
        ExprKind::Quant {
            quantifier,
            binders: binders
                .into_iter()
                .map(|(l, s)| (local_id(&l), s))
                .collect(),
            body: Box::new(body),
        },
        ty,
    )
}
