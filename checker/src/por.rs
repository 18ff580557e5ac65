//! Partial-order reduction from role locality (`--por`), for the safety
//! search: at some states only the steps of one role instance are
//! followed (an *ample set*), when every other ordering of those steps
//! with the rest of the system reaches the same states the invariants can
//! tell apart.
//!
//! An instance `P` of role `R` gets an ample set at state `s` (its enabled
//! transitions, every step and every choice) only when all of these hold,
//! which give the classic conditions C0 to C3 (Clarke, Grumberg and Peled,
//! *Model Checking*, chapter 10) for invariants and deadlocks:
//!
//! - **Locality (C1, statically).** `R`'s steps read only their own
//!   instance's variables (through `self`), no message in flight but the
//!   one they receive, and no crash status; no step of any other instance
//!   reads `R`'s variables; `R` has no crash fault. Steps write only their
//!   own instance's variables by construction. So the transitions of `P`
//!   and of any other instance or of the environment commute and never
//!   disable each other, except through messages.
//! - **Messages (C1).** The ample set holds no receive: every receive step
//!   of `R` must be *blocked* in `s` by a conjunct of its guard that reads
//!   only `P`'s variables and comes before any conjunct that reads the
//!   message (`P`'s messages arriving can then neither enable it nor make
//!   its guard fail, and until `P` moves, nothing else changes those
//!   variables). A step in the
//!   ample set may send only when sends commute with everything else: no
//!   bound on messages in flight, no loss, duplication or partition, no
//!   crash fault in the spec, and no invariant reading messages in flight.
//!   Other instances' internal steps and timeouts cannot become enabled by
//!   anything but their own moves, since their guards read only their own
//!   variables.
//! - **Invisibility (C2).** No step in the ample set writes a variable any
//!   invariant (or `always` property) reads, or asserts.
//! - **Cycles (C3).** No successor in the ample set is already known (in
//!   the seen-set, which during level `d` holds exactly the states of
//!   depth `d` or less), or `s` is expanded in full. A step of `P` that
//!   leaves `s` unchanged is left out: it reads and writes only `P`'s
//!   variables, so it leaves unchanged every state reached without `P`
//!   moving, and leads nowhere.
//!   Along ample edges the depth therefore grows, so every cycle of the
//!   reduced graph has a fully expanded state, and no step is postponed
//!   forever. The seen-set is fixed while a level is expanded, so the
//!   choice is the same for any number of workers.
//! - **C0.** `P` has at least one successor, and some other instance or
//!   the environment has one too (otherwise nothing is saved).
//!
//! The instance chosen is the lowest-numbered one that qualifies. The
//! reduction is off (and says why) for specs with state constraints (they
//! prune the graph in a way no ample set accounts for) and for synchronous
//! networks with timeout steps (a timeout's enabledness reads every
//! instance's). Temporal properties are checked by the liveness search,
//! which never uses it.

use spec_lang::ir::{
    BinaryOp, Expr, ExprKind, FnId, LocalId, Spec, Step, StepKind, Stmt, StmtKind, VarId,
};

use crate::compile::Locals;
use crate::compile::hoist::cannot_fail;
use crate::machine::Machine;

/// Why the reduction does nothing for a spec whose roles all fail the
/// locality conditions.
pub(crate) const NO_ROLE: &str = "no role qualifies: each reads another instance's variables, \
     messages in flight or crash status, can crash, or has a receive step whose guard \
     does not test its own variables";

/// A transition of the environment (a fault), not of an instance.
pub(crate) const ENVIRONMENT: u32 = u32::MAX;

/// A state's successors as the reduction sees them (one buffer a worker).
#[derive(Default)]
pub(crate) struct Moves {
    /// The successors other than the state itself, as (actor, step,
    /// fingerprint); the actor is [`ENVIRONMENT`] for a fault.
    pub moves: Vec<(u32, u32, u64)>,
    /// The instances that moved, sorted (filled by [`Por::choose`]).
    actors: Vec<u32>,
}

impl Moves {
    pub(crate) fn clear(&mut self) {
        self.moves.clear();
    }
}

/// The static half of the analysis; the dynamic half is [`Por::choose`].
pub(crate) struct Por {
    /// Per role: its instances may have ample sets.
    role_ok: Vec<bool>,
    /// Per step: its transitions may be in an ample set.
    step_ok: Vec<bool>,
    /// Per role: its receive steps (all have a blocker when the role is
    /// eligible).
    receives: Vec<Vec<usize>>,
}

/// What a piece of the spec reads.
#[derive(Default)]
struct Reads {
    /// Variables read through the acting instance (`self`).
    own: Vec<VarId>,
    /// Variables read through any other instance expression (including
    /// every read inside a function body).
    other: Vec<VarId>,
    in_flight: bool,
    crashed: bool,
}

impl Reads {
    fn expr(&mut self, spec: &Spec, e: &Expr, in_function: bool) {
        match &e.kind {
            ExprKind::Var { var, instance } => {
                if !in_function && matches!(instance.kind, ExprKind::Local(Step::SELF)) {
                    self.own.push(*var);
                } else {
                    self.other.push(*var);
                }
            }
            ExprKind::InFlight(_) => self.in_flight = true,
            ExprKind::Crashed(_) => self.crashed = true,
            ExprKind::Call(f, _) => self.function(spec, *f),
            _ => {}
        }
        for c in e.children() {
            self.expr(spec, c, in_function);
        }
    }

    fn function(&mut self, spec: &Spec, f: FnId) {
        // Functions are not recursive (the type checker refuses it), so
        // this ends.
        if let Some(f) = spec.functions.get(f.index()) {
            self.expr(spec, &f.body.expr, true);
        }
    }

    fn stmts(&mut self, spec: &Spec, body: &[Stmt], effects: &mut Effects) {
        for s in body {
            match &s.kind {
                StmtKind::Assign { place, value } => {
                    effects.writes.push(place.var);
                    for sel in &place.path {
                        if let spec_lang::ir::Selector::Index(i) = sel {
                            self.expr(spec, i, false);
                        }
                    }
                    self.expr(spec, value, false);
                }
                StmtKind::Let { value, .. } => self.expr(spec, value, false),
                StmtKind::Choose { set, filter, .. } => {
                    self.expr(spec, set, false);
                    if let Some(f) = filter {
                        self.expr(spec, f, false);
                    }
                }
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    self.expr(spec, cond, false);
                    self.stmts(spec, then, effects);
                    self.stmts(spec, otherwise, effects);
                }
                StmtKind::For { set, body, .. } => {
                    self.expr(spec, set, false);
                    self.stmts(spec, body, effects);
                }
                StmtKind::Send { message, to } | StmtKind::Broadcast { message, to, .. } => {
                    effects.sends = true;
                    message
                        .fields
                        .iter()
                        .for_each(|f| self.expr(spec, f, false));
                    self.expr(spec, to, false);
                }
                StmtKind::Assert { cond, .. } => {
                    effects.asserts = true;
                    self.expr(spec, cond, false);
                }
            }
        }
    }
}

/// What a step's body does besides reading.
#[derive(Default)]
struct Effects {
    writes: Vec<VarId>,
    sends: bool,
    asserts: bool,
}

/// Everything a step reads and does.
fn summarise(spec: &Spec, step: &Step) -> (Reads, Effects) {
    let mut reads = Reads::default();
    let mut effects = Effects::default();
    reads.expr(spec, &step.guard, false);
    if let StepKind::Receive(r) = &step.kind {
        for (_, e) in &r.matches {
            reads.expr(spec, e, false);
        }
    }
    reads.stmts(spec, &step.body, &mut effects);
    (reads, effects)
}

/// The leading conjuncts of a receive step's guard that read no local but
/// the acting instance (so not the message), joined with `and`: while it
/// is false, no message can make the step fire, nor make its guard fail
/// (the guard stops at the first false conjunct, and the pattern's
/// matched fields must be expressions that cannot fail). `None` for other
/// steps and for guards that do not start with such a conjunct.
pub(crate) fn blocker(step: &Step) -> Option<Expr> {
    let StepKind::Receive(receive) = &step.kind else {
        return None;
    };
    if !receive.matches.iter().all(|(_, e)| cannot_fail(e)) {
        return None;
    }
    let mut conjuncts = Vec::new();
    split_and(&step.guard, &mut conjuncts);
    conjuncts
        .into_iter()
        .take_while(|c| only_self(c))
        .cloned()
        .reduce(|a, b| Expr {
            span: a.span,
            ty: a.ty.clone(),
            kind: ExprKind::Binary(BinaryOp::And, Box::new(a), Box::new(b)),
        })
}

fn split_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary(BinaryOp::And, a, b) => {
            split_and(a, out);
            split_and(b, out);
        }
        _ => out.push(e),
    }
}

/// Whether `e` reads no local but `self` and those it binds itself.
fn only_self(e: &Expr) -> bool {
    fn walk(e: &Expr, bound: &mut Vec<LocalId>) -> bool {
        if let ExprKind::Local(l) = e.kind
            && l != Step::SELF
            && !bound.contains(&l)
        {
            return false;
        }
        bound.extend(e.binds());
        e.children().into_iter().all(|c| walk(c, bound))
    }
    walk(e, &mut Vec::new())
}

impl Por {
    /// The static analysis of `spec` (whose `always` properties are
    /// already invariants), or why the reduction cannot apply to it.
    pub(crate) fn new(spec: &Spec) -> Result<Por, String> {
        if !spec.constraints.is_empty() {
            return Err("the spec has state constraints".into());
        }
        let timeouts = spec
            .steps
            .iter()
            .any(|s| matches!(s.kind, StepKind::Timeout));
        if spec.network.synchronous && timeouts {
            return Err(
                "its timeouts are synchronous (enabled only when no other step can run)".into(),
            );
        }
        let mut visible = vec![false; spec.vars.len()];
        let mut invariants_read_network = false;
        for inv in &spec.invariants {
            let mut r = Reads::default();
            r.expr(spec, &inv.cond.expr, true);
            for v in r.own.iter().chain(&r.other) {
                visible[v.index()] = true;
            }
            invariants_read_network |= r.in_flight;
        }
        let net = &spec.network;
        let sends_commute = net.max_in_flight.is_none()
            && net.loss.is_none()
            && net.duplication.is_none()
            && net.partition.is_none()
            && spec.crashes.is_empty()
            && !invariants_read_network;
        let mut role_ok: Vec<bool> = spec
            .roles
            .iter()
            .enumerate()
            .map(|(n, _)| !spec.crashes.iter().any(|c| c.role.index() == n))
            .collect();
        let mut step_ok = Vec::with_capacity(spec.steps.len());
        let mut receives = vec![Vec::new(); spec.roles.len()];
        for (n, step) in spec.steps.iter().enumerate() {
            let (reads, effects) = summarise(spec, step);
            let role = step.role.index();
            // Another instance's variables read here: this role's steps
            // depend on theirs, and theirs (if of this role) on this one's.
            for v in &reads.other {
                let owner = spec.var(*v).role.index();
                role_ok[owner] = false;
                role_ok[role] = false;
            }
            if reads.in_flight || reads.crashed {
                role_ok[role] = false;
            }
            if let StepKind::Receive(_) = step.kind {
                receives[role].push(n);
                if blocker(step).is_none() {
                    role_ok[role] = false;
                }
            }
            step_ok.push(
                !matches!(step.kind, StepKind::Receive(_))
                    && !effects.asserts
                    && (!effects.sends || sends_commute)
                    && effects.writes.iter().all(|v| !visible[v.index()]),
            );
        }
        Ok(Por {
            role_ok,
            step_ok,
            receives,
        })
    }

    /// Whether any state can get an ample set.
    pub(crate) fn applies(&self) -> bool {
        self.role_ok.iter().any(|ok| *ok)
    }

    /// The instance whose moves form an ample set at `state`, if one
    /// qualifies, given the state's successors; `seen` tells whether a
    /// fingerprint is already known.
    pub(crate) fn choose(
        &self,
        m: &Machine,
        state: &[u64],
        succ: &mut Moves,
        seen: &dyn Fn(u64) -> bool,
        locals: &mut Locals,
    ) -> Option<u32> {
        let Moves { moves, actors } = succ;
        actors.clear();
        actors.extend(
            moves
                .iter()
                .map(|&(a, _, _)| a)
                .filter(|&a| a != ENVIRONMENT),
        );
        actors.sort_unstable();
        actors.dedup();
        if actors.len() < 2 && moves.iter().all(|&(a, _, _)| a != ENVIRONMENT) {
            return None;
        }
        actors.iter().copied().find(|&p| {
            let own = || moves.iter().filter(move |&&(a, _, _)| a == p);
            let Some(role) = own()
                .next()
                .and_then(|&(_, step, _)| m.steps.get(step as usize))
                .map(|s| s.role)
            else {
                return false;
            };
            // The cheap tests first; the seen-set lookups last.
            self.role_ok.get(role.index()) == Some(&true)
                && own().all(|&(_, step, _)| self.step_ok.get(step as usize) == Some(&true))
                && self
                    .receives
                    .get(role.index())
                    .into_iter()
                    .flatten()
                    .all(|&step| matches!(m.blocked(step, p, state, locals), Ok(true)))
                && own().all(|&(_, _, fp)| !seen(fp))
        })
    }
}
