//! Local programs into steps with a program counter.
//!
//! A role's program is cut at the points where it waits: before each
//! receipt, before each choice it must learn, before each `for` it
//! coordinates, and (for a loop without any receipt) at the loop's head.
//! Each point is a variant of the role's `pc` enum and gets the steps that
//! leave it; a step runs everything up to the next point and sets `pc`.
//! A choice the role makes itself is an `if` inside the step, with the rest
//! of the program copied into both branches.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{self, BinaryOp, ExprKind, StmtKind};
use crate::diagnostic::Diagnostic;
use crate::project::local::{LKind, LStmt};
use crate::project::scope::{Code, Locality};
use crate::project::{Env, Who, ident};
use crate::span::Span;

mod waiting;

use waiting::{Sender, clear};

/// Everything the projection adds to the spec.
#[derive(Default)]
pub(crate) struct Output {
    /// Variables to add, with the role they belong to.
    pub vars: Vec<(String, ast::VarDecl)>,
    pub steps: Vec<ast::StepDecl>,
    pub origins: Vec<Span>,
    pub synthetic: Vec<(String, String)>,
    /// Each participating role, whether it is indexed, and its `pc`'s name.
    pub finished: Vec<(String, bool, String)>,
}

#[derive(Clone, Copy)]
enum FrameKind<'p> {
    Seq,
    /// The body of a loop: at its end, start again.
    Loop(&'p LStmt),
    /// A coordinator's part of `for`, once per member.
    Gather(&'p LStmt),
    /// The body of an `interruptible` block.
    Region,
}

#[derive(Clone)]
struct Frame<'p> {
    stmts: &'p [LStmt],
    next: usize,
    kind: FrameKind<'p>,
}

type Cont<'p> = Vec<Frame<'p>>;

enum Point<'p> {
    Recv(Cont<'p>, &'p LStmt),
    Offer(Cont<'p>, &'p LStmt),
    Gather(Cont<'p>, &'p LStmt),
    LoopHead(Cont<'p>, &'p LStmt),
}

struct Emitter<'e, 'a, 'p> {
    env: &'e Env<'a>,
    locality: Locality<'e, 'a>,
    role: &'e str,
    pc: String,
    /// Point id to its variant name and kind; loop heads use the negated
    /// loop id so they never collide with the loop's other uses.
    points: BTreeMap<i64, (String, Span)>,
    names: BTreeSet<String>,
    pending: Vec<(i64, Point<'p>)>,
    steps: Vec<(ast::StepDecl, Span)>,
    seen: Vec<(String, String, Span)>,
    /// The role's `interruptible` block, and the points where it waits
    /// inside it.
    interrupt: Option<&'p LStmt>,
    region_points: Vec<String>,
    errors: &'e mut Vec<Diagnostic>,
    /// How many more statements the walks may visit. A choice copies the
    /// rest of the program into both branches, so a long run of choices
    /// would multiply; past this budget the projection stops with an error
    /// instead of growing without bound.
    budget: usize,
}

/// The statements one role's projection may visit, summed over its steps.
const BUDGET: usize = 200_000;

/// Emits the steps and variables of one role's program.
pub(crate) fn role_steps(
    env: &Env<'_>,
    chor: &ast::ChoreographyDecl,
    role: &str,
    program: &[LStmt],
    received: &BTreeMap<String, Vec<String>>,
    out: &mut Output,
    errors: &mut Vec<Diagnostic>,
) {
    let Some((indexed, vars)) = env.roles.get(role) else {
        return;
    };
    let pc = fresh(vars, "pc");
    let mut e = Emitter {
        env,
        locality: Locality {
            env,
            received,
            role,
        },
        role,
        pc: pc.clone(),
        points: BTreeMap::new(),
        names: BTreeSet::new(),
        pending: Vec::new(),
        steps: Vec::new(),
        seen: Vec::new(),
        interrupt: None,
        region_points: Vec::new(),
        errors,
        budget: BUDGET,
    };
    e.names.insert("Start".into());
    e.names.insert("Done".into());
    let root = vec![Frame {
        stmts: program,
        next: 0,
        kind: FrameKind::Seq,
    }];
    let first = e.walk(root, Vec::new(), &[]);
    let origin = program.first().map_or(chor.span, |s| s.origin);
    let initial = match first.as_slice() {
        [only] if e.is_pc_set(only).is_some() => e.is_pc_set(only).unwrap_or_default(),
        _ => {
            let step = e.step_decl(
                origin,
                internal("start", origin),
                e.at_pc("Start", origin),
                first,
            );
            e.steps.push((step, origin));
            "Start".to_string()
        }
    };
    while let Some((id, point)) = e.pending.pop() {
        e.point_steps(id, point);
    }
    if let Some(interrupt) = e.interrupt {
        e.interrupt_steps(interrupt);
        while let Some((id, point)) = e.pending.pop() {
            e.point_steps(id, point);
        }
    }
    // The enum: Start (when used), the points in source order, Done.
    let mut points: Vec<(Span, String)> = e
        .points
        .values()
        .map(|(name, span)| (*span, name.clone()))
        .collect();
    points.sort();
    let mut variants = Vec::new();
    if initial == "Start" {
        variants.push(ident("Start", chor.name.span));
    }
    variants.extend(points.into_iter().map(|(s, n)| ident(&n, s)));
    variants.push(ident("Done", chor.name.span));
    let span = chor.name.span;
    let pc_var = ast::VarDecl {
        persistent: None,
        name: ident(&pc, span),
        ty: ast::TypeExpr {
            kind: ast::TypeExprKind::Enum(variants),
            span,
        },
        init: name_expr(&initial, span),
        span,
    };
    out.vars.push((role.to_string(), pc_var));
    out.synthetic.push((role.to_string(), pc.clone()));
    for (var, set, span) in std::mem::take(&mut e.seen) {
        let decl = ast::VarDecl {
            persistent: None,
            name: ident(&var, span),
            ty: ast::TypeExpr {
                kind: ast::TypeExprKind::Set(Box::new(ast::TypeExpr {
                    kind: ast::TypeExprKind::Named(ident(&set, span)),
                    span,
                })),
                span,
            },
            init: expr(ExprKind::SetLit(Vec::new()), span),
            span,
        };
        out.vars.push((role.to_string(), decl));
        out.synthetic.push((role.to_string(), var));
    }
    for (step, origin) in std::mem::take(&mut e.steps) {
        out.steps.push(step);
        out.origins.push(origin);
    }
    out.finished.push((role.to_string(), *indexed, pc));
}

/// `base`, or `base_2`, ... if the role already has a variable of that name.
fn fresh(taken: &BTreeSet<String>, base: &str) -> String {
    std::iter::once(base.to_string())
        .chain((2..).map(|i| format!("{base}_{i}")))
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| base.to_string())
}

impl<'p> Emitter<'_, '_, 'p> {
    /// The variant name of a new point.
    fn point_name(&mut self, id: i64, origin: Span) -> String {
        if let Some((name, _)) = self.points.get(&id) {
            return name.clone();
        }
        let candidates: Vec<String> = match (self.env.line(origin), self.env.source) {
            (Some(line), Some(source)) => {
                let (_, col) = crate::diagnostic::line_column(source, origin.start);
                vec![format!("L{line}"), format!("L{line}_{col}")]
            }
            _ => vec![format!("P{}", id.unsigned_abs())],
        };
        let base = candidates.last().cloned().unwrap_or_default();
        let name = candidates
            .into_iter()
            .chain((2..).map(|i| format!("{base}_{i}")))
            .find(|n| !self.names.contains(n))
            .unwrap_or(base);
        self.names.insert(name.clone());
        self.points.insert(id, (name.clone(), origin));
        name
    }

    /// `pc := point`, registering the point's steps to be emitted. `cont`
    /// is where the point goes on from.
    fn goto(
        &mut self,
        id: i64,
        origin: Span,
        cont: &Cont<'p>,
        point: impl FnOnce() -> Point<'p>,
    ) -> ast::Stmt {
        let known = self.points.contains_key(&id);
        let name = self.point_name(id, origin);
        if !known {
            if cont.iter().any(|f| matches!(f.kind, FrameKind::Region)) {
                self.region_points.push(name.clone());
            }
            self.pending.push((id, point()));
        }
        self.set_pc(&name, origin)
    }

    fn set_pc(&self, name: &str, span: Span) -> ast::Stmt {
        stmt(
            StmtKind::Assign {
                target: name_expr(&self.pc, span),
                value: name_expr(name, span),
            },
            span,
        )
    }

    /// The point a statement sets `pc` to, if it is such an assignment.
    fn is_pc_set(&self, s: &ast::Stmt) -> Option<String> {
        match &s.kind {
            StmtKind::Assign { target, value } => match (&target.kind, &value.kind) {
                (ExprKind::Name(t), ExprKind::Name(v)) if t.name == self.pc => Some(v.name.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    fn at_pc(&self, point: &str, span: Span) -> ast::Expr {
        binary(
            BinaryOp::Eq,
            name_expr(&self.pc, span),
            name_expr(point, span),
        )
    }

    /// `pc == P1 or pc == P2 ...`, or `None` for no points.
    fn at_any_pc(&self, points: &[String], span: Span) -> Option<ast::Expr> {
        points
            .iter()
            .map(|p| self.at_pc(p, span))
            .reduce(|a, b| binary(BinaryOp::Or, a, b))
    }

    fn step_decl(
        &self,
        origin: Span,
        trigger: ast::Trigger,
        guard: ast::Expr,
        body: Vec<ast::Stmt>,
    ) -> ast::StepDecl {
        ast::StepDecl {
            role: ident(self.role, origin),
            binder: None,
            trigger,
            guard: Some(guard),
            body: ast::Block {
                stmts: body,
                span: origin,
            },
            span: origin,
        }
    }

    /// Whether the continuation is inside a coordinator's part of a `for`.
    fn gathering(cont: &Cont<'p>) -> Option<&'p LStmt> {
        cont.iter().rev().find_map(|f| match f.kind {
            FrameKind::Gather(g) => Some(g),
            _ => None,
        })
    }

    fn one_step_only(&mut self, gather: &LStmt, at: &LStmt) {
        let (binder, set) = match &gather.kind {
            LKind::Gather { binder, set, .. } => (binder.name.clone(), set.clone()),
            _ => return,
        };
        let role = self.role;
        self.errors.push(
            Diagnostic::error(
                at.origin,
                format!(
                    "`{role}` waits again inside `for {binder} in {set}` at {}",
                    self.env.at(gather.origin)
                ),
            )
            .with_label(format!("a second exchange of `{role}` with each member"))
            .with_secondary(gather.origin, format!("`{role}` deals with the members of `{set}` one at a time, in any order, here"))
            .with_note(format!(
                "note: `{role}`'s part of the loop must be one step: a message from `{binder}` (or an action of its own), then local work and sends"
            ))
            .with_note("help: split the loop into one `for` per exchange"),
        );
    }

    /// The statements from a position up to the next point, ending with
    /// `pc := point`.
    fn walk(
        &mut self,
        mut cont: Cont<'p>,
        mut visited: Vec<u32>,
        scope: &[String],
    ) -> Vec<ast::Stmt> {
        let mut out = Vec::new();
        loop {
            let Some(top) = cont.last_mut() else {
                let span = out.last().map_or(Span::DETACHED, |s: &ast::Stmt| s.span);
                out.push(self.set_pc("Done", span));
                return out;
            };
            if top.next >= top.stmts.len() {
                let Some(frame) = cont.pop() else {
                    continue;
                };
                match frame.kind {
                    FrameKind::Seq | FrameKind::Region => continue,
                    FrameKind::Loop(l) => {
                        let again = Frame { next: 0, ..frame };
                        cont.push(again);
                        if visited.contains(&l.id) {
                            let point = cont.clone();
                            out.push(self.goto(-i64::from(l.id), l.origin, &cont, || {
                                Point::LoopHead(point, l)
                            }));
                            return out;
                        }
                        visited.push(l.id);
                        continue;
                    }
                    FrameKind::Gather(g) => {
                        let LKind::Gather { set, others, .. } = &g.kind else {
                            continue;
                        };
                        let seen = self.seen_var(g);
                        let span = g.origin;
                        let rest = self.walk(cont.clone(), visited.clone(), scope);
                        let mut then = vec![clear(&seen, span)];
                        then.extend(rest);
                        // Dealt with every member (but itself, when the
                        // gatherer is one of them).
                        let dealt = if *others {
                            let me = expr(ExprKind::SetLit(vec![name_expr("self", span)]), span);
                            binary(BinaryOp::Add, name_expr(&seen, span), me)
                        } else {
                            name_expr(&seen, span)
                        };
                        out.push(stmt(
                            StmtKind::If {
                                cond: binary(BinaryOp::Eq, dealt, name_expr(set, span)),
                                then: ast::Block { stmts: then, span },
                                otherwise: None,
                            },
                            span,
                        ));
                        return out;
                    }
                }
            }
            let s: &'p LStmt = &top.stmts[top.next];
            top.next += 1;
            if self.budget == 0 {
                return out;
            }
            self.budget -= 1;
            if self.budget == 0 {
                let role = self.role;
                self.errors.push(
                    Diagnostic::error(
                        s.origin,
                        format!("`{role}`'s part of the choreography has too many cases to project"),
                    )
                    .with_label("projection gave up here")
                    .with_note(format!(
                        "note: each choice `{role}` makes copies what follows it into both branches, \
                         and {BUDGET} statements were reached"
                    ))
                    .with_note(format!(
                        "help: let `{role}` wait for a message between choices, or write this part as steps"
                    )),
                );
                return out;
            }
            match &s.kind {
                LKind::Recv { .. } | LKind::Offer { .. } | LKind::Gather { .. } => {
                    if let Some(g) = Self::gathering(&cont) {
                        self.one_step_only(g, s);
                        return out;
                    }
                    let here = cont.clone();
                    let id = i64::from(s.id);
                    let set = self.goto(id, s.origin, &cont, || match &s.kind {
                        LKind::Recv { .. } => Point::Recv(here, s),
                        LKind::Offer { .. } => Point::Offer(here, s),
                        _ => Point::Gather(here, s),
                    });
                    out.push(set);
                    return out;
                }
                LKind::Send { message, to } => {
                    self.locality
                        .check(Code::Message(message), scope, self.errors);
                    let span = s.origin;
                    if let Who::Member(_, r) = to
                        && !scope.contains(r)
                    {
                        self.unknown_member(r, message, span);
                        return out;
                    }
                    let kind = match to {
                        Who::All(set) => StmtKind::Broadcast {
                            message: message.clone(),
                            to: name_expr(set, span),
                        },
                        Who::One(r) | Who::Member(_, r) => StmtKind::Send {
                            message: message.clone(),
                            to: name_expr(r, span),
                        },
                    };
                    out.push(stmt(kind, span));
                }
                LKind::Local { body } => {
                    self.locality.check(Code::Block(body), scope, self.errors);
                    out.extend(body.stmts.iter().cloned());
                }
                LKind::Choice {
                    cond,
                    then,
                    otherwise,
                } => {
                    self.locality.check(Code::Expr(cond), scope, self.errors);
                    let branch = |stmts: &'p [LStmt]| {
                        let mut c = cont.clone();
                        c.push(Frame {
                            stmts,
                            next: 0,
                            kind: FrameKind::Seq,
                        });
                        c
                    };
                    let (c1, c2) = (branch(then), branch(otherwise));
                    let t = self.walk(c1, visited.clone(), scope);
                    let e = self.walk(c2, visited, scope);
                    let span = s.origin;
                    out.push(stmt(
                        StmtKind::If {
                            cond: cond.clone(),
                            then: ast::Block { stmts: t, span },
                            otherwise: Some(ast::Block { stmts: e, span }),
                        },
                        span,
                    ));
                    return out;
                }
                LKind::Loop { body } => {
                    visited.push(s.id);
                    cont.push(Frame {
                        stmts: body,
                        next: 0,
                        kind: FrameKind::Loop(s),
                    });
                }
                LKind::Interrupt { body, .. } => {
                    self.interrupt = Some(s);
                    cont.push(Frame {
                        stmts: body,
                        next: 0,
                        kind: FrameKind::Region,
                    });
                }
            }
        }
    }

    /// A send to a member that the sender knows only from a message it
    /// received in an earlier step.
    fn unknown_member(&mut self, member: &str, message: &ast::MessageExpr, span: Span) {
        let role = self.role;
        self.errors.push(
            Diagnostic::error(
                span,
                format!("`{role}` does not know which instance `{member}` is here"),
            )
            .with_label(format!("`{}` is sent to `{member}` in a later step", message.name.name))
            .with_note(format!(
                "note: `{role}` learns who `{member}` is from the message `{member}` sends it, and only for the step that receives it"
            ))
            .with_note(format!(
                "help: send `{}` in the same step, right after that receipt, or let `{member}` send a message to all of `{role}`",
                message.name.name
            )),
        );
    }

    /// The set of members a coordinator has dealt with in one `for`.
    fn seen_var(&mut self, g: &LStmt) -> String {
        let point = self.point_name(i64::from(g.id), g.origin);
        let name = format!("seen_{point}");
        if !self.seen.iter().any(|(n, _, _)| *n == name)
            && let LKind::Gather { set, .. } = &g.kind
        {
            self.seen.push((name.clone(), set.clone(), g.origin));
        }
        name
    }

    /// The steps that leave one point.
    fn point_steps(&mut self, id: i64, point: Point<'p>) {
        let Some((name, _)) = self.points.get(&id).cloned() else {
            return;
        };
        match point {
            Point::Recv(cont, s) => {
                let LKind::Recv {
                    message, timeout, ..
                } = &s.kind
                else {
                    return;
                };
                if let Some(block) = timeout {
                    let mut body = block.stmts.clone();
                    // A field read here is reported once, as not received.
                    let fields: Vec<String> =
                        message.fields.iter().map(|f| f.name.name.clone()).collect();
                    self.locality
                        .check(Code::Block(block), &fields, self.errors);
                    self.not_received(block, message);
                    body.extend(self.walk(cont.clone(), Vec::new(), &[]));
                    self.timeout_step(&name, s.origin, body);
                }
                let guard = self.at_pc(&name, s.origin);
                self.receive_step(guard, s.origin, message, Sender::Any, None, cont);
            }
            Point::Offer(cont, s) => {
                let LKind::Offer { arms, .. } = &s.kind else {
                    return;
                };
                for arm in arms {
                    let Some(first) = arm.first() else { continue };
                    let LKind::Recv {
                        message, timeout, ..
                    } = &first.kind
                    else {
                        continue;
                    };
                    if timeout.is_some() {
                        let role = self.role;
                        self.errors.push(
                            Diagnostic::error(
                                first.origin,
                                format!("`{role}` cannot time out on `{}` here", message.name.name),
                            )
                            .with_label(format!(
                                "this message tells `{role}` which branch of a choice it is in"
                            ))
                            .with_note(format!(
                                "note: `{role}` waits here for one of several messages, so a timeout on one of them is not a timeout of the wait"
                            ))
                            .with_note(format!(
                                "help: let `{role}` learn the choice from an earlier message, or time out in an `interruptible` block"
                            )),
                        );
                    }
                    let mut c = cont.clone();
                    c.push(Frame {
                        stmts: arm,
                        next: 1,
                        kind: FrameKind::Seq,
                    });
                    let guard = self.at_pc(&name, first.origin);
                    self.receive_step(guard, first.origin, message, Sender::Any, None, c);
                }
            }
            Point::Gather(cont, g) => self.gather_steps(&name, cont, g),
            Point::LoopHead(cont, l) => {
                let body = self.walk(cont, vec![l.id], &[]);
                let step = self.step_decl(
                    l.origin,
                    internal(&format!("loop_{name}"), l.origin),
                    self.at_pc(&name, l.origin),
                    body,
                );
                self.steps.push((step, l.origin));
            }
        }
    }
}

fn internal(name: &str, span: Span) -> ast::Trigger {
    ast::Trigger::Step {
        name: ident(name, span),
    }
}

fn stmt(kind: StmtKind, span: Span) -> ast::Stmt {
    ast::Stmt { kind, span }
}

pub(crate) fn expr(kind: ExprKind, span: Span) -> ast::Expr {
    ast::Expr { kind, span }
}

pub(crate) fn name_expr(name: &str, span: Span) -> ast::Expr {
    expr(ExprKind::Name(ident(name, span)), span)
}

pub(crate) fn binary(op: BinaryOp, a: ast::Expr, b: ast::Expr) -> ast::Expr {
    let span = a.span.to(b.span);
    expr(ExprKind::Binary(op, Box::new(a), Box::new(b)), span)
}
