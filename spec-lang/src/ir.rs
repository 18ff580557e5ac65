//! The IR: the one description of a protocol that every consumer reads.
//!
//! The checker explores it, the projection produces it, the code generator
//! emits Rust from it and the trace validator replays traces on it. It is
//! fully resolved and typed: names are indices into the tables of [`Spec`],
//! parameters have their final values, every expression has its [`Type`],
//! and every node keeps the [`Span`] of the source it came from.
//!
//! Architecture invariant: this module imports nothing from `parse` or `ast`,
//! and no pest type appears in its API. A consumer never needs source text to
//! give an IR node its meaning.
//!
//! Semantics in brief (docs/language.md has the full story):
//! - A state is the local variables of every role instance, the messages in
//!   flight, and the fault counters (crashed instances, faults used).
//! - A transition is one enabled [`Step`] of one live role instance, with one
//!   choice for every `choose` and, for a receive step, one deliverable
//!   message. Statements run in order; an assignment is visible to the
//!   statements after it; messages are sent when the step ends.
//! - A step may read and write only its own instance's variables; invariants,
//!   properties, constraints and terminal predicates may read everything.

use std::fmt;

pub use crate::span::Span;

mod display;

pub(crate) use display::{TypeNamer, type_str};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// Index into [`Spec::roles`].
    RoleId
);
id_type!(
    /// Index into [`Spec::vars`].
    VarId
);
id_type!(
    /// Index into [`Spec::messages`].
    MsgId
);
id_type!(
    /// Index into [`Spec::enums`].
    EnumId
);
id_type!(
    /// Index into [`Spec::records`].
    RecordId
);
id_type!(
    /// Index into [`Spec::functions`].
    FnId
);
id_type!(
    /// Index into [`Spec::consts`].
    ConstId
);
id_type!(
    /// Index into [`Spec::steps`].
    StepId
);
id_type!(
    /// Index into the `locals` of the enclosing [`Frame`].
    LocalId
);

/// A checked, lowered protocol.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: String,
    /// Parameters with the values this IR was built for (defaults or
    /// `--param` overrides). Expressions already use the values.
    pub params: Vec<Param>,
    pub consts: Vec<Const>,
    pub enums: Vec<EnumDef>,
    pub records: Vec<RecordDef>,
    pub roles: Vec<Role>,
    pub vars: Vec<Var>,
    pub messages: Vec<MessageDef>,
    pub network: Network,
    pub crashes: Vec<Crash>,
    pub functions: Vec<Function>,
    pub steps: Vec<Step>,
    pub invariants: Vec<Invariant>,
    pub properties: Vec<Property>,
    pub fairness: Vec<FairnessConstraint>,
    /// States where having no enabled step is legal (not a deadlock). Empty
    /// means every state without a successor is a deadlock.
    pub terminal: Vec<Predicate>,
    /// State constraints: successors outside them are counted but not
    /// explored further.
    pub constraints: Vec<Predicate>,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub ty: Type,
    pub value: Literal,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Const {
    pub name: String,
    pub ty: Type,
    /// A closed expression (no locals, no variables).
    pub value: Expr,
    pub span: Span,
}

/// An enum type. Enums are nominal: two `enum { A, B }` written in two places
/// are two types.
#[derive(Clone, Debug)]
pub struct EnumDef {
    /// The alias name, or a name derived from where the enum was written
    /// (`TmPhase` for `var phase` of role `TM`).
    pub name: String,
    pub variants: Vec<String>,
    pub span: Span,
}

/// A record type. Records are structural: the lowering interns one
/// [`RecordDef`] per distinct list of field names and types.
#[derive(Clone, Debug)]
pub struct RecordDef {
    /// The alias name, or a derived one.
    pub name: String,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub span: Span,
}

/// A role: a singleton (`count == 1`, not `indexed`) or an indexed role set.
#[derive(Clone, Debug)]
pub struct Role {
    pub name: String,
    pub count: u32,
    pub indexed: bool,
    /// Instances are interchangeable: the spec never depends on their order
    /// or identity beyond equality. Checked by the type checker.
    pub symmetric: bool,
    /// This role's variables, in declaration order.
    pub vars: Vec<VarId>,
    pub span: Span,
}

/// A local variable of every instance of one role.
#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    pub role: RoleId,
    pub ty: Type,
    /// The initial value, evaluated once per instance in a frame whose local
    /// 0 is the instance itself.
    pub init: Frame,
    /// Kept across a crash-recovery; volatile variables return to `init`.
    pub persistent: bool,
    /// Introduced by the compiler (a choreography's program counter), not by
    /// the user.
    pub synthetic: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct MessageDef {
    pub name: String,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Network {
    pub kind: NetworkKind,
    /// At most this many messages in flight; a send that would exceed it
    /// disables the step.
    pub max_in_flight: Option<u32>,
    /// Timeouts are accurate, as in a synchronous system: a timeout step
    /// is enabled only in a state where no other step of any live instance
    /// can change the state (every message that can be received has been,
    /// every internal step that can run has). A timeout then means a crash
    /// or a partition, never a slow message.
    pub synchronous: bool,
    pub loss: Option<FaultBound>,
    pub duplication: Option<FaultBound>,
    pub partition: Option<FaultBound>,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NetworkKind {
    /// Messages persist once sent; receipt does not consume them.
    Set,
    /// An unordered multiset; receipt consumes one copy.
    Bag,
    /// One FIFO queue per ordered pair of instances; only the head of a
    /// queue can be received.
    Fifo,
}

/// How many times a fault may happen in one behaviour; `None` is unbounded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FaultBound {
    pub max: Option<u32>,
    pub span: Span,
}

/// Process faults of one role.
#[derive(Clone, Debug)]
pub struct Crash {
    pub role: RoleId,
    pub kind: CrashKind,
    /// At most this many crash events of this role's instances in one
    /// behaviour.
    pub max: u32,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CrashKind {
    /// A crashed instance never takes another step.
    Stop,
    /// A crashed instance may recover with its persistent variables and the
    /// initial values of its volatile ones.
    Recover,
}

/// A pure, non-recursive user function. Its parameters are locals
/// `0..params.len()` of its frame.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub params: Vec<LocalId>,
    pub ret: Type,
    pub body: Frame,
    pub span: Span,
}

/// An expression together with the locals it binds. Evaluating it needs a
/// fresh environment of `locals.len()` slots.
#[derive(Clone, Debug)]
pub struct Frame {
    pub locals: Vec<Local>,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub ty: Type,
    pub span: Span,
}

/// A guarded step located at one role.
#[derive(Clone, Debug)]
pub struct Step {
    pub name: String,
    pub role: RoleId,
    pub kind: StepKind,
    /// Locals of the guard and the body. Local 0 is always the acting
    /// instance (`self`, or the binder of `on Role[r]`).
    pub locals: Vec<Local>,
    /// Enabling condition, evaluated after a receive's pattern has matched.
    pub guard: Expr,
    pub body: Vec<Stmt>,
    pub span: Span,
    /// The choreography statement this step was projected from.
    pub origin: Option<Span>,
}

impl Step {
    /// The local that holds the acting instance.
    pub const SELF: LocalId = LocalId(0);
}

#[derive(Clone, Debug)]
pub enum StepKind {
    /// A spontaneous internal step.
    Internal,
    /// A spontaneous step that a runtime drives from a timer.
    Timeout,
    /// Enabled by a deliverable message of one kind addressed to the acting
    /// instance.
    Receive(Receive),
}

#[derive(Clone, Debug)]
pub struct Receive {
    pub message: MsgId,
    /// The local bound to the sending instance (always present; `reply`
    /// sends to it).
    pub sender: LocalId,
    /// Fields bound to locals, by field index.
    pub bindings: Vec<(u32, LocalId)>,
    /// Fields that must equal a value for the message to match, by field
    /// index. The expressions may not read the message's own bindings.
    pub matches: Vec<(u32, Expr)>,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Assign {
        place: Place,
        value: Expr,
    },
    Let {
        local: LocalId,
        value: Expr,
    },
    /// Nondeterministic choice of one element of `set` satisfying `filter`;
    /// every choice is a separate transition. No element disables the step.
    Choose {
        local: LocalId,
        set: Expr,
        filter: Option<Expr>,
    },
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    /// Runs `body` once per element of `set`, in the collection's order.
    For {
        local: LocalId,
        set: Expr,
        body: Vec<Stmt>,
    },
    /// Sends one message to one instance.
    Send {
        message: MessageValue,
        to: Expr,
    },
    /// Sends one copy of a message to every instance in a set; when
    /// `exclude_self`, the acting instance is skipped.
    Broadcast {
        message: MessageValue,
        to: Expr,
        exclude_self: bool,
    },
    /// A step assertion: false is a violation, reported at this statement.
    Assert {
        cond: Expr,
        message: Option<String>,
    },
}

/// A message to send: its kind and one expression per declared field, in
/// declaration order.
#[derive(Clone, Debug)]
pub struct MessageValue {
    pub message: MsgId,
    pub fields: Vec<Expr>,
    pub span: Span,
}

/// A location in the acting instance's state that a step may assign.
#[derive(Clone, Debug)]
pub struct Place {
    pub var: VarId,
    pub path: Vec<Selector>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Selector {
    /// A record field, by index.
    Field(u32),
    /// A tuple component.
    TupleIndex(u32),
    /// A map key or a 1-based sequence index.
    Index(Expr),
}

#[derive(Clone, Debug)]
pub struct Invariant {
    pub name: String,
    pub cond: Frame,
    pub span: Span,
}

/// A state predicate with its own frame (terminal states, constraints).
#[derive(Clone, Debug)]
pub struct Predicate {
    pub cond: Frame,
    pub span: Span,
}

/// A temporal property over state predicates. Each predicate has its own
/// frame.
#[derive(Clone, Debug)]
pub struct Property {
    pub name: String,
    pub formula: Temporal,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Temporal {
    Always(Frame),
    Eventually(Frame),
    AlwaysEventually(Frame),
    EventuallyAlways(Frame),
    LeadsTo(Frame, Frame),
}

#[derive(Clone, Debug)]
pub struct FairnessConstraint {
    pub strength: Fairness,
    pub target: FairTarget,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fairness {
    Weak,
    Strong,
}

#[derive(Clone, Debug)]
pub enum FairTarget {
    /// These steps, each instance separately (TLA+'s `\A r: WF(Step(r))`).
    Steps(Vec<StepId>),
    /// Delivery of messages of one kind, or of every kind: a message that
    /// stays deliverable is eventually received.
    Delivery(Option<MsgId>),
}

/// A value written directly in the IR.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    /// An enum variant, by index into [`EnumDef::variants`].
    Variant(EnumId, u32),
    /// A role instance, by 0-based index within its role (displayed 1-based,
    /// `RM[1]`).
    Instance(RoleId, u32),
}

/// A typed expression.
#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Lit(Literal),
    /// `none` of an option type.
    None,
    Local(LocalId),
    Const(ConstId),
    /// A variable of one instance (`r.state`, `TM.phase`, or bare `state`,
    /// which is `self.state`).
    Var {
        var: VarId,
        instance: Box<Expr>,
    },
    /// All instances of a role, as a set.
    RoleSet(RoleId),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A record's or a message's declared field, by index.
    Field(Box<Expr>, u32),
    /// The sending instance of a message value.
    Sender(Box<Expr>),
    /// The receiving instance of a message value.
    Receiver(Box<Expr>),
    TupleIndex(Box<Expr>, u32),
    /// `m[k]`: the key must be present.
    MapGet(Box<Expr>, Box<Expr>),
    /// `s[i]`, 1-based: the index must be in range.
    SeqIndex(Box<Expr>, Box<Expr>),
    Call(FnId, Vec<Expr>),
    Builtin(Builtin, Vec<Expr>),
    /// The messages of one kind in flight, as a sequence in canonical order
    /// with one entry per copy.
    InFlight(MsgId),
    /// Whether an instance is crashed.
    Crashed(Box<Expr>),
    SetLit(Vec<Expr>),
    SeqLit(Vec<Expr>),
    MapLit(Vec<(Expr, Expr)>),
    /// One value per field of the record type, in declaration order.
    RecordLit(Vec<Expr>),
    TupleLit(Vec<Expr>),
    /// The set of integers `lo..=hi` (empty when hi < lo).
    Range(Box<Expr>, Box<Expr>),
    SetFilter {
        local: LocalId,
        set: Box<Expr>,
        cond: Box<Expr>,
    },
    SetMap {
        elem: Box<Expr>,
        binders: Vec<(LocalId, Expr)>,
        cond: Option<Box<Expr>>,
    },
    MapComp {
        local: LocalId,
        set: Box<Expr>,
        value: Box<Expr>,
    },
    /// Each binder ranges over a set, a sequence (its elements) or a role set.
    Quant {
        quantifier: Quantifier,
        binders: Vec<(LocalId, Expr)>,
        body: Box<Expr>,
    },
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Let(LocalId, Box<Expr>, Box<Expr>),
    /// A map or a sequence with some entries replaced (a sequence index must
    /// be in range; a map key may be new).
    WithIndex(Box<Expr>, Vec<(Expr, Expr)>),
    /// A record with some fields replaced, by field index.
    WithFields(Box<Expr>, Vec<(u32, Expr)>),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Quantifier {
    Forall,
    Exists,
    Sum,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UnaryOp {
    Not,
    Neg,
}

/// Binary operators, resolved by operand type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    /// Integer division rounding toward negative infinity (TLA+'s `\div`);
    /// division by zero is an evaluation error.
    Div,
    /// The remainder with the divisor's sign (TLA+'s `%`).
    Mod,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Implies,
    Iff,
    Union,
    Diff,
    Inter,
    Subset,
    /// Membership in a set or a sequence.
    In,
    NotIn,
    Concat,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Builtin {
    /// Elements of a set, sequence or map.
    Size,
    /// `some(x)`.
    Some,
    IsSome,
    IsNone,
    /// The value inside a `some`; `none` is an evaluation error.
    Get,
    /// A sequence with one element added at the end.
    Append,
    Head,
    Tail,
    Last,
    /// The first n elements (all of them when n exceeds the length).
    Take,
    /// All but the first n elements.
    Drop,
    /// The keys of a map, as a set.
    Keys,
    /// The smallest element of a non-empty set of integers.
    MinOf,
    MaxOf,
    /// The smaller of two integers.
    Min2,
    Max2,
    Abs,
}

/// IR types. Integers carry their declared bounds where there are any;
/// arithmetic works on unbounded integers and a value is checked against
/// its bounds when it is stored.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Type {
    Bool,
    Int(Option<IntRange>),
    Enum(EnumId),
    /// An instance of a role.
    Role(RoleId),
    Set(Box<Type>),
    Seq(Box<Type>, Option<u32>),
    Map(Box<Type>, Box<Type>),
    Record(RecordId),
    Tuple(Vec<Type>),
    Option(Box<Type>),
    Message(MsgId),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct IntRange {
    pub lo: i64,
    pub hi: i64,
}

impl Type {
    /// Whether two types describe the same values, ignoring integer bounds.
    pub fn compatible(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Int(_), Type::Int(_)) => true,
            (Type::Set(a), Type::Set(b)) | (Type::Option(a), Type::Option(b)) => a.compatible(b),
            (Type::Seq(a, _), Type::Seq(b, _)) => a.compatible(b),
            (Type::Map(ka, va), Type::Map(kb, vb)) => ka.compatible(kb) && va.compatible(vb),
            (Type::Tuple(a), Type::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.compatible(y))
            }
            (a, b) => a == b,
        }
    }
}

impl Expr {
    /// The direct subexpressions, binders' domains included, in source
    /// order: for analyses that look at every node (what an expression
    /// reads, whether it can fail, which locals it mentions).
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Lit(_)
            | ExprKind::None
            | ExprKind::Local(_)
            | ExprKind::Const(_)
            | ExprKind::RoleSet(_)
            | ExprKind::InFlight(_) => Vec::new(),
            ExprKind::Var { instance, .. } => vec![instance],
            ExprKind::Unary(_, x)
            | ExprKind::Field(x, _)
            | ExprKind::Sender(x)
            | ExprKind::Receiver(x)
            | ExprKind::TupleIndex(x, _)
            | ExprKind::Crashed(x) => vec![x],
            ExprKind::Binary(_, a, b)
            | ExprKind::MapGet(a, b)
            | ExprKind::SeqIndex(a, b)
            | ExprKind::Range(a, b) => vec![a, b],
            ExprKind::Call(_, args)
            | ExprKind::Builtin(_, args)
            | ExprKind::SetLit(args)
            | ExprKind::SeqLit(args)
            | ExprKind::RecordLit(args)
            | ExprKind::TupleLit(args) => args.iter().collect(),
            ExprKind::MapLit(entries) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
            ExprKind::SetFilter { set, cond, .. } => vec![set, cond],
            ExprKind::SetMap {
                elem,
                binders,
                cond,
            } => {
                let mut out: Vec<&Expr> = binders.iter().map(|(_, s)| s).collect();
                out.push(elem);
                out.extend(cond.as_deref());
                out
            }
            ExprKind::MapComp { set, value, .. } => vec![set, value],
            ExprKind::Quant { binders, body, .. } => {
                let mut out: Vec<&Expr> = binders.iter().map(|(_, s)| s).collect();
                out.push(body);
                out
            }
            ExprKind::If(c, a, b) => vec![c, a, b],
            ExprKind::Let(_, v, body) => vec![v, body],
            ExprKind::WithIndex(base, updates) => {
                let mut out = vec![&**base];
                out.extend(updates.iter().flat_map(|(k, v)| [k, v]));
                out
            }
            ExprKind::WithFields(base, updates) => {
                let mut out = vec![&**base];
                out.extend(updates.iter().map(|(_, v)| v));
                out
            }
        }
    }

    /// The locals this expression binds (quantifiers, comprehensions,
    /// `let`), not counting those of its subexpressions.
    pub fn binds(&self) -> Vec<LocalId> {
        match &self.kind {
            ExprKind::SetFilter { local, .. }
            | ExprKind::MapComp { local, .. }
            | ExprKind::Let(local, _, _) => vec![*local],
            ExprKind::SetMap { binders, .. } | ExprKind::Quant { binders, .. } => {
                binders.iter().map(|(l, _)| *l).collect()
            }
            _ => Vec::new(),
        }
    }
}

impl Spec {
    pub fn role(&self, id: RoleId) -> &Role {
        &self.roles[id.index()]
    }

    pub fn var(&self, id: VarId) -> &Var {
        &self.vars[id.index()]
    }

    pub fn message(&self, id: MsgId) -> &MessageDef {
        &self.messages[id.index()]
    }

    pub fn step(&self, id: StepId) -> &Step {
        &self.steps[id.index()]
    }

    /// The total number of role instances.
    pub fn instance_count(&self) -> u32 {
        self.roles.iter().map(|r| r.count).sum()
    }

    /// A display name for an instance: `TM` for a singleton, `RM[2]` for the
    /// second member of an indexed role.
    pub fn instance_name(&self, role: RoleId, index: u32) -> String {
        let role = self.role(role);
        if role.indexed {
            format!("{}[{}]", role.name, index + 1)
        } else {
            role.name.clone()
        }
    }
}

impl fmt::Display for NetworkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetworkKind::Set => "set",
            NetworkKind::Bag => "bag",
            NetworkKind::Fifo => "fifo",
        })
    }
}
