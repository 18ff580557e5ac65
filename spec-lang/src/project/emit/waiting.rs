//! The steps that leave a point where a role waits: a receipt, a
//! coordinator's dealing with one member of a `for`, a timeout, and the two
//! sides of an interrupt.

use crate::ast::{self, BinaryOp, ExprKind, StmtKind};
use crate::diagnostic::Diagnostic;
use crate::project::local::{LKind, LStmt};
use crate::project::scope::Code;
use crate::project::{Who, ident};
use crate::span::Span;

use super::{Cont, Emitter, Frame, FrameKind, binary, expr, internal, name_expr, stmt};

impl<'p> Emitter<'_, '_, 'p> {
    /// A receive step guarded by `guard`.
    pub(super) fn receive_step(
        &mut self,
        guard: ast::Expr,
        origin: Span,
        message: &ast::MessageExpr,
        sender: Sender<'_>,
        prefix: Option<ast::Stmt>,
        cont: Cont<'p>,
    ) {
        let mut scope: Vec<String> = message.fields.iter().map(|f| f.name.name.clone()).collect();
        let mut guard = guard;
        let from = match sender {
            Sender::Any => None,
            Sender::Bind(binder) => {
                scope.push(binder.name.clone());
                Some(binder)
            }
            Sender::Member(binder, seen) => {
                scope.push(binder.name.clone());
                let fresh = binary(
                    BinaryOp::NotIn,
                    name_expr(&binder.name, origin),
                    name_expr(seen, origin),
                );
                guard = binary(BinaryOp::And, guard, fresh);
                Some(binder)
            }
        };
        let mut body: Vec<ast::Stmt> = prefix.into_iter().collect();
        body.extend(self.walk(cont, Vec::new(), &scope));
        // A field the step never reads is matched with `_`, so the user is
        // not warned about a local they never wrote.
        let used = crate::project::scope::used_names(&body, origin);
        let fields: Vec<ast::FieldPattern> = message
            .fields
            .iter()
            .map(|f| ast::FieldPattern {
                field: f.name.clone(),
                pattern: if used.contains(&f.name.name) {
                    ast::Pattern::Bind(f.name.clone())
                } else {
                    ast::Pattern::Wildcard(f.name.span)
                },
                span: f.span,
            })
            .collect();
        // An interrupt's member is bound only when the step replies to it.
        let from = match sender {
            Sender::Bind(b) if !used.contains(&b.name) => None,
            _ => from,
        };
        let trigger = ast::Trigger::Receive(ast::ReceivePattern {
            message: message.name.clone(),
            fields,
            from: from.map(|b| ident(&b.name, origin)),
            name: None,
            span: origin,
        });
        let step = self.step_decl(origin, trigger, guard, body);
        self.steps.push((step, origin));
    }

    /// A timeout step `timeout_<point>` that leaves a point.
    pub(super) fn timeout_step(&mut self, point: &str, origin: Span, body: Vec<ast::Stmt>) {
        let trigger = ast::Trigger::Timeout {
            name: ident(&format!("timeout_{point}"), origin),
        };
        let step = self.step_decl(origin, trigger, self.at_pc(point, origin), body);
        self.steps.push((step, origin));
    }

    /// A timeout block runs when the message did not come, so it cannot
    /// read the message's fields.
    pub(super) fn not_received(&mut self, block: &ast::Block, message: &ast::MessageExpr) {
        let used = crate::project::scope::used_names(&block.stmts, block.span);
        for f in &message.fields {
            if used.contains(&f.name.name) {
                let role = self.role;
                self.errors.push(
                    Diagnostic::error(
                        block.span,
                        format!(
                            "the timeout reads `{}`, a field of `{}`, which `{role}` has not received",
                            f.name.name, message.name.name
                        ),
                    )
                    .with_label(format!("this runs when `{role}` stops waiting for `{}`", message.name.name))
                    .with_note("help: use the role's own variables in a timeout"),
                );
            }
        }
    }

    /// The steps of the role's `interruptible` block: a timeout at every
    /// point where it waits inside the block, which runs the handler as the
    /// member that timed out, and a receipt of the handler's first message
    /// at those points and at the end, which runs it as another member.
    pub(super) fn interrupt_steps(&mut self, s: &'p LStmt) {
        let LKind::Interrupt {
            member,
            cond,
            as_member,
            as_other,
            handler,
            ..
        } = &s.kind
        else {
            return;
        };
        let origin = *handler;
        let waiting = std::mem::take(&mut self.region_points);
        let root = |stmts: &'p [LStmt], next: usize| {
            vec![Frame {
                stmts,
                next,
                kind: FrameKind::Seq,
            }]
        };
        if let Some(guard) = self.at_any_pc(&waiting, origin) {
            if let Some(c) = cond {
                self.locality.check(Code::Expr(c), &[], self.errors);
            }
            let guard = match cond {
                Some(c) => binary(BinaryOp::And, guard, c.clone()),
                None => guard,
            };
            let body = self.walk(root(as_member, 0), Vec::new(), &[]);
            let name = match self.env.line(origin) {
                Some(line) => format!("interrupt_L{line}"),
                None => "interrupt".to_string(),
            };
            let trigger = ast::Trigger::Timeout {
                name: ident(&name, origin),
            };
            let step = self.step_decl(origin, trigger, guard, body);
            self.steps.push((step, origin));
        }
        let Some(first) = as_other.first() else {
            return;
        };
        let LKind::Recv { message, .. } = &first.kind else {
            return;
        };
        let mut at = waiting;
        at.push("Done".to_string());
        let Some(guard) = self.at_any_pc(&at, origin) else {
            return;
        };
        self.receive_step(
            guard,
            first.origin,
            message,
            Sender::Bind(member),
            None,
            root(as_other, 1),
        );
    }

    pub(super) fn gather_steps(&mut self, point: &str, cont: Cont<'p>, g: &'p LStmt) {
        let LKind::Gather {
            binder,
            set,
            body,
            others,
            timeout,
        } = &g.kind
        else {
            return;
        };
        let seen = self.seen_var(g);
        let origin = g.origin;
        let add = |span| {
            stmt(
                StmtKind::Assign {
                    target: name_expr(&seen, span),
                    value: binary(
                        BinaryOp::Add,
                        name_expr(&seen, span),
                        expr(ExprKind::SetLit(vec![name_expr(&binder.name, span)]), span),
                    ),
                },
                span,
            )
        };
        let from_member = |w: &Who| matches!(w, Who::Member(_, b) if *b == binder.name);
        let inside = |next: usize| {
            let mut c = cont.clone();
            c.push(Frame {
                stmts: body,
                next,
                kind: FrameKind::Gather(g),
            });
            c
        };
        let waits = matches!(
            body.first().map(|s| &s.kind),
            Some(LKind::Recv { .. } | LKind::Offer { .. })
        );
        if let Some(block) = timeout {
            if waits {
                self.locality.check(Code::Block(block), &[], self.errors);
                let mut stmts = vec![clear(&seen, origin)];
                stmts.extend(block.stmts.iter().cloned());
                stmts.extend(self.walk(cont.clone(), Vec::new(), &[]));
                self.timeout_step(point, origin, stmts);
            } else {
                let role = self.role;
                self.errors.push(
                    Diagnostic::error(block.span, format!("`{role}` does not wait in this loop"))
                        .with_label(format!("`{role}` starts each round itself, so it never waits here"))
                        .with_secondary(origin, "the loop")
                        .with_note("help: remove the timeout; a role times out only while it waits for a message"),
                );
            }
        }
        match body.first().map(|s| &s.kind) {
            Some(LKind::Recv { message, from, .. }) if from_member(from) => {
                let first = &body[0];
                let guard = self.at_pc(point, first.origin);
                self.receive_step(guard, first.origin, message, Sender::Member(binder, &seen), Some(add(first.origin)), inside(1));
            }
            Some(LKind::Offer { arms, .. })
                if arms.iter().all(|a| matches!(a.first().map(|s| &s.kind), Some(LKind::Recv { from, .. }) if from_member(from))) =>
            {
                for arm in arms {
                    let Some(first) = arm.first() else { continue };
                    let LKind::Recv { message, .. } = &first.kind else {
                        continue;
                    };
                    let mut c = inside(1);
                    c.push(Frame {
                        stmts: arm,
                        next: 1,
                        kind: FrameKind::Seq,
                    });
                    let guard = self.at_pc(point, first.origin);
                    self.receive_step(guard, first.origin, message, Sender::Member(binder, &seen), Some(add(first.origin)), c);
                }
            }
            Some(LKind::Recv { .. } | LKind::Offer { .. }) => {
                let role = self.role;
                self.errors.push(
                    Diagnostic::error(
                        body[0].origin,
                        format!("`{role}` first waits for a message that is not from `{}`", binder.name),
                    )
                    .with_label(format!("inside `for {} in {set}`", binder.name))
                    .with_secondary(origin, "the loop")
                    .with_note(format!(
                        "note: `{role}` deals with the members one at a time, in any order; it must learn which member from the first message, or act on its own"
                    ))
                    .with_note(format!("help: make `{}` send `{role}` the first message", binder.name)),
                );
            }
            _ => {
                let mut filter = binary(
                    BinaryOp::NotIn,
                    name_expr(&binder.name, origin),
                    name_expr(&seen, origin),
                );
                if *others {
                    let not_me = binary(BinaryOp::Ne, name_expr(&binder.name, origin), name_expr("self", origin));
                    filter = binary(BinaryOp::And, filter, not_me);
                }
                let choose = stmt(
                    StmtKind::Choose {
                        name: binder.clone(),
                        set: name_expr(set, origin),
                        filter: Some(filter),
                    },
                    origin,
                );
                let mut stmts = vec![choose, add(origin)];
                stmts.extend(self.walk(inside(0), Vec::new(), std::slice::from_ref(&binder.name)));
                let step = self.step_decl(origin, internal(&format!("for_{point}"), origin), self.at_pc(point, origin), stmts);
                self.steps.push((step, origin));
            }
        }
    }
}

/// Who a receive step may hear from.
pub(super) enum Sender<'i> {
    /// Anyone: the sender is not bound.
    Any,
    /// Anyone, bound to the binder (an interrupt's member).
    Bind(&'i ast::Ident),
    /// A member of a `for` not yet in the `seen` set.
    Member(&'i ast::Ident, &'i str),
}

/// `seen := {}`.
pub(super) fn clear(seen: &str, span: Span) -> ast::Stmt {
    stmt(
        StmtKind::Assign {
            target: name_expr(seen, span),
            value: expr(ExprKind::SetLit(Vec::new()), span),
        },
        span,
    )
}
