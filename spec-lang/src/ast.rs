//! The owned syntax tree of one `.spec` file, exactly as written.
//!
//! Every node carries a [`Span`]. Nothing here is resolved: names are plain
//! [`Ident`]s, types are as written, and constructs that mean different things
//! in different places (a bare name may be a variable, a parameter, an enum
//! variant or a role) are told apart by the resolver, not the parser.
//!
//! Architecture invariant: this module knows nothing about pest. `parse.rs`
//! builds these values; every later pass matches on them exhaustively.

pub use crate::span::{Ident, Span};

/// A whole spec file: `protocol Name` followed by its items in source order.
#[derive(Clone, Debug)]
pub struct SpecFile {
    pub name: Ident,
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Item {
    Param(ParamDecl),
    Const(ConstDecl),
    Type(TypeDecl),
    Role(RoleDecl),
    Message(MessageDecl),
    Network(NetworkDecl),
    Fault(FaultDecl),
    Function(FnDecl),
    Step(StepDecl),
    Invariant(InvariantDecl),
    Property(PropertyDecl),
    Fairness(FairnessDecl),
    Terminal(TerminalDecl),
    Constraint(ConstraintDecl),
    Choreography(ChoreographyDecl),
}

/// `param RMS: 1..9 = 3`: a named constant that `--param RMS=5` can override.
#[derive(Clone, Debug)]
pub struct ParamDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Expr,
    pub span: Span,
}

/// `const Values = {1, 2}` or `const Max: int = 3`: a named constant expression.
#[derive(Clone, Debug)]
pub struct ConstDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

/// `type Term = 0..3`: a type alias (also the way to name an enum or record).
#[derive(Clone, Debug)]
pub struct TypeDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `role TM { ... }` or `role RM[RMS] symmetric { ... }`.
#[derive(Clone, Debug)]
pub struct RoleDecl {
    pub name: Ident,
    /// The number of instances of an indexed role set; `None` for a singleton.
    pub count: Option<Expr>,
    /// Span of the `symmetric` keyword, when present.
    pub symmetric: Option<Span>,
    pub vars: Vec<VarDecl>,
    pub span: Span,
}

/// `persistent var state: enum { Working, Prepared } = Working`.
#[derive(Clone, Debug)]
pub struct VarDecl {
    /// Span of the `persistent` keyword, when present.
    pub persistent: Option<Span>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub init: Expr,
    pub span: Span,
}

/// `message Prepared { rm: RM }` or `message Commit`.
#[derive(Clone, Debug)]
pub struct MessageDecl {
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

/// One `name: Type` in a message or record type.
#[derive(Clone, Debug)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `network bag max_in_flight 4`.
#[derive(Clone, Debug)]
pub struct NetworkDecl {
    pub kind: NetworkKind,
    pub kind_span: Span,
    /// `synchronous`: timeouts fire only when nothing else can happen.
    pub synchronous: bool,
    pub max_in_flight: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NetworkKind {
    /// Messages persist once sent; receiving does not consume (TLA+ style).
    Set,
    /// An unordered multiset; receiving consumes one copy.
    Bag,
    /// One FIFO channel per ordered pair of role instances.
    Fifo,
}

/// `fault loss max 2`, `fault crash_recover RM max 1`.
#[derive(Clone, Debug)]
pub struct FaultDecl {
    pub kind: FaultKind,
    /// The bound on how many times the fault may happen; `None` means
    /// unbounded, which only some faults allow (the resolver decides).
    pub max: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum FaultKind {
    /// A message in flight may vanish.
    Loss,
    /// A message in flight may be delivered more than once.
    Duplication,
    /// The role instances may split into two sides that cannot talk.
    Partition,
    /// An instance of the role may stop forever.
    CrashStop(Ident),
    /// An instance of the role may crash and later recover, keeping only its
    /// `persistent` variables.
    CrashRecover(Ident),
}

/// `fn quorum(s: set<Server>) -> bool = 2 * size(s) > size(Server)`.
#[derive(Clone, Debug)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<FnParam>,
    pub ret: TypeExpr,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FnParam {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `on RM[r] step prepare when guard { body }` and its receive/timeout forms.
#[derive(Clone, Debug)]
pub struct StepDecl {
    /// The role the step runs at.
    pub role: Ident,
    /// `r` in `on RM[r]`: the name of the acting instance, when given.
    pub binder: Option<Ident>,
    pub trigger: Trigger,
    pub guard: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Trigger {
    /// `step name`: a spontaneous internal step.
    Step { name: Ident },
    /// `timeout name`: a spontaneous step that a runtime drives from a timer.
    Timeout { name: Ident },
    /// `receive Msg { field, field: pattern } from sender as name`.
    Receive(ReceivePattern),
}

#[derive(Clone, Debug)]
pub struct ReceivePattern {
    pub message: Ident,
    pub fields: Vec<FieldPattern>,
    /// `from s`: binds the sending instance.
    pub from: Option<Ident>,
    /// `as name`: an explicit step name; the default is `receive_<Msg>`.
    pub name: Option<Ident>,
    pub span: Span,
}

/// `field` (binds a variable of the same name), `field: name`, `field: _`, or
/// `field: <literal expression>` (the receive is enabled only on a match).
#[derive(Clone, Debug)]
pub struct FieldPattern {
    pub field: Ident,
    pub pattern: Pattern,
    pub span: Span,
}

/// A bare name binds a fresh local, unless it names an enum variant, a
/// parameter, a constant or a singleton role, in which case the field must
/// equal it. The resolver makes that call; the parser always says `Bind`.
#[derive(Clone, Debug)]
pub enum Pattern {
    Bind(Ident),
    Wildcard(Span),
    /// Any expression other than a bare name: the field must equal it.
    Equals(Expr),
}

/// `{ stmt; stmt }`. Statements may be separated by newlines or `;`.
#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `target := value`, where target is a variable optionally followed by
    /// `.field`, `.0` or `[index]` selectors: `log[i] := e`, `r.state := e`.
    Assign { target: Expr, value: Expr },
    /// `let x = e`: a local for the rest of the block.
    Let { name: Ident, value: Expr },
    /// `choose x in S` or `choose x in S where cond`: nondeterministic choice
    /// for the rest of the block. An empty choice disables the step.
    Choose {
        name: Ident,
        set: Expr,
        filter: Option<Expr>,
    },
    If {
        cond: Expr,
        then: Block,
        otherwise: Option<Block>,
    },
    /// `for x in S { ... }`: runs the body once per element, in order.
    For { name: Ident, set: Expr, body: Block },
    /// `send Msg { ... } to dest`.
    Send { message: MessageExpr, to: Expr },
    /// `broadcast Msg { ... } to Role` (every instance of the role but the
    /// sender) or `to S` (every instance in a set of instances).
    Broadcast { message: MessageExpr, to: Expr },
    /// `reply Msg { ... }`: send to the sender of the received message.
    Reply { message: MessageExpr },
    /// `assert cond` or `assert cond, "explanation"`: a step assertion.
    Assert { cond: Expr, message: Option<String> },
    /// `skip`: do nothing (an explicit empty body).
    Skip,
}

/// `Msg { field: e, field }` in send position; a bare `field` means
/// `field: field`.
#[derive(Clone, Debug)]
pub struct MessageExpr {
    pub name: Ident,
    pub fields: Vec<FieldInit>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldInit {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `invariant Name: expr`.
#[derive(Clone, Debug)]
pub struct InvariantDecl {
    pub name: Ident,
    pub cond: Expr,
    pub span: Span,
}

/// `property Name: formula`.
#[derive(Clone, Debug)]
pub struct PropertyDecl {
    pub name: Ident,
    pub formula: Temporal,
    pub span: Span,
}

/// Temporal formulas over state predicates. Nesting is deliberately limited
/// to the forms a user of TLC reaches for.
#[derive(Clone, Debug)]
pub enum Temporal {
    /// `always P`: P holds in every reachable state (a safety property).
    Always(Expr),
    /// `eventually P`.
    Eventually(Expr),
    /// `always eventually P`: P holds infinitely often.
    AlwaysEventually(Expr),
    /// `eventually always P`: from some point on, P holds forever.
    EventuallyAlways(Expr),
    /// `P leads_to Q`: every P-state is followed by a Q-state.
    LeadsTo(Expr, Expr),
}

/// `fair TM.commit, RM.receive Commit`, `fair strong TM`, `fair delivery`.
#[derive(Clone, Debug)]
pub struct FairnessDecl {
    pub strength: Fairness,
    pub targets: Vec<FairTarget>,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fairness {
    Weak,
    Strong,
}

#[derive(Clone, Debug)]
pub enum FairTarget {
    /// `Role.step`: one named step (spontaneous, timeout, or `as` receive).
    Step {
        role: Ident,
        step: Ident,
        span: Span,
    },
    /// `Role.receive` (all receive steps) or `Role.receive Msg`.
    Receive {
        role: Ident,
        message: Option<Ident>,
        span: Span,
    },
    /// `Role`: every step of the role.
    Role { role: Ident, span: Span },
    /// `delivery` or `delivery Msg`: a message that stays deliverable is
    /// eventually received.
    Delivery { message: Option<Ident>, span: Span },
}

/// `terminal when expr`: states where having no enabled step is legal.
#[derive(Clone, Debug)]
pub struct TerminalDecl {
    pub cond: Expr,
    pub span: Span,
}

/// `constraint expr`: states outside it are not explored further (TLC's
/// CONSTRAINT).
#[derive(Clone, Debug)]
pub struct ConstraintDecl {
    pub cond: Expr,
    pub span: Span,
}

/// `choreography Name { ... }`: a global description of the interactions,
/// projected into per-role steps.
#[derive(Clone, Debug)]
pub struct ChoreographyDecl {
    pub name: Ident,
    pub body: ChorBlock,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ChorBlock {
    pub stmts: Vec<ChorStmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ChorStmt {
    pub kind: ChorStmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ChorStmtKind {
    /// `A -> B: Msg { ... }`. `from` names an instance (`TM`, `r`); `to` names
    /// an instance, or a role set or set of instances for a broadcast.
    Interact {
        from: Expr,
        to: Expr,
        message: MessageExpr,
        timeout: Option<ChorTimeout>,
    },
    /// `at A { stmts }`: local computation at one role instance.
    Local { at: Expr, body: Block },
    /// `if at A: cond { ... } else { ... }`: a choice made by A.
    If {
        at: Expr,
        cond: Expr,
        then: ChorBlock,
        otherwise: Option<ChorBlock>,
    },
    /// `for r in S { ... }`: the body once for each member of S.
    For {
        name: Ident,
        set: Expr,
        body: ChorBlock,
        timeout: Option<ChorTimeout>,
    },
    /// `loop { ... }`: repeat the body forever.
    Loop { body: ChorBlock },
    /// `interruptible { body } on timeout at b in RM when cond { handler }`:
    /// a member `b` of `RM` that times out while it waits inside `body`
    /// runs `handler`, whose first message interrupts the other members.
    Interruptible {
        body: ChorBlock,
        handler: ChorHandler,
    },
}

/// `timeout at B { statements }` after an interaction or a `for`: what the
/// waiting role B does when it stops waiting.
#[derive(Clone, Debug)]
pub struct ChorTimeout {
    pub at: Expr,
    pub body: Block,
    pub span: Span,
}

/// `on timeout at b in RM when cond { ... }` of an `interruptible` block.
#[derive(Clone, Debug)]
pub struct ChorHandler {
    /// The member that times out.
    pub member: Ident,
    /// Its role set.
    pub set: Ident,
    pub cond: Option<Expr>,
    pub body: ChorBlock,
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TypeExprKind {
    /// `bool`, `int`, a role name, a message name or a type alias.
    Named(Ident),
    /// `lo..hi` with constant bounds.
    Range(Box<Expr>, Box<Expr>),
    /// `enum { A, B, C }`.
    Enum(Vec<Ident>),
    /// `set<T>`.
    Set(Box<TypeExpr>),
    /// `seq<T>` or `seq<T, N>` (at most N elements).
    Seq(Box<TypeExpr>, Option<Box<Expr>>),
    /// `map<K, V>`: a finite partial function.
    Map(Box<TypeExpr>, Box<TypeExpr>),
    /// `record { a: T, b: U }`.
    Record(Vec<FieldDecl>),
    /// `(T, U)`.
    Tuple(Vec<TypeExpr>),
    /// `option<T>`.
    Option(Box<TypeExpr>),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    Bool(bool),
    /// A bare name: a local, a parameter, a constant, a variable of the
    /// acting instance, an enum variant, a role, or `none`.
    Name(Ident),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `e.field`: a record field, a message field, or a variable of a role
    /// instance (`r.state`, `TM.phase`).
    Field(Box<Expr>, Ident),
    /// `e.0`: a tuple component.
    TupleIndex(Box<Expr>, u32, Span),
    /// `e[i]`: a map lookup or a (1-based) sequence index.
    Index(Box<Expr>, Box<Expr>),
    /// `f(args)`: a user function or a builtin (`size`, `some`, `in_flight`, ...).
    Call(Ident, Vec<Expr>),
    /// `{a, b}`; `{}` is the empty set.
    SetLit(Vec<Expr>),
    /// `[a, b]`; `[]` is the empty sequence or map, told apart by context.
    SeqLit(Vec<Expr>),
    /// `[k1 -> v1, k2 -> v2]`.
    MapLit(Vec<(Expr, Expr)>),
    /// `{ a: 1, b: x }`.
    RecordLit(Vec<FieldInit>),
    /// `(a, b)`.
    TupleLit(Vec<Expr>),
    /// `lo..hi`: the set of integers from lo to hi inclusive.
    Range(Box<Expr>, Box<Expr>),
    /// `{ x in S where P }`.
    SetFilter {
        binder: Box<Binder>,
        cond: Box<Expr>,
    },
    /// `{ e for x in S, y in T where P }`.
    SetMap {
        elem: Box<Expr>,
        binders: Vec<Binder>,
        cond: Option<Box<Expr>>,
    },
    /// `[x in S -> e]`: the map from every x in S to e.
    MapComp {
        binder: Box<Binder>,
        value: Box<Expr>,
    },
    /// `forall x, y in S, z in T: body`, `exists ...` and `sum ...`.
    Quant {
        quantifier: Quantifier,
        binders: Vec<Binder>,
        body: Box<Expr>,
    },
    /// `if c then a else b`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `let x = e in body`.
    Let(Ident, Box<Expr>, Box<Expr>),
    /// `e with [k -> v, ...]`: a map or sequence with some entries replaced.
    WithIndex(Box<Expr>, Vec<(Expr, Expr)>),
    /// `e with { field: v, ... }`: a record with some fields replaced.
    WithFields(Box<Expr>, Vec<FieldInit>),
}

/// `x, y in S`: one or more names ranging over one set.
#[derive(Clone, Debug)]
pub struct Binder {
    pub names: Vec<Ident>,
    pub set: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Quantifier {
    Forall,
    Exists,
    /// `sum x in S: e`: the sum of an integer expression over a collection.
    Sum,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BinaryOp {
    /// `+`: integer addition or set union.
    Add,
    /// `-`: integer subtraction or set difference.
    Sub,
    Mul,
    Div,
    Mod,
    /// `&`: set intersection.
    Inter,
    /// `++`: sequence concatenation.
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    /// `subset`: the left set is contained in the right one.
    Subset,
    And,
    Or,
    /// `=>`.
    Implies,
    /// `<=>`.
    Iff,
}

impl BinaryOp {
    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Inter => "&",
            BinaryOp::Concat => "++",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Subset => "subset",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Implies => "=>",
            BinaryOp::Iff => "<=>",
        }
    }
}
