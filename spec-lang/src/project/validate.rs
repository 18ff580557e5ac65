//! The shape of a choreography, checked before it is projected: who takes
//! part in each statement, what `for` ranges over, what follows a `loop`,
//! who may time out where, and what an `interruptible` block may contain.

use crate::ast::{self, ChorStmtKind, ExprKind};
use crate::diagnostic::Diagnostic;
use crate::project::{Env, Who};
use crate::span::Span;

/// Checks a choreography's body; errors go to `errors`.
pub(crate) fn validate(env: &Env<'_>, body: &ast::ChorBlock, errors: &mut Vec<Diagnostic>) {
    let mut v = Validator {
        env,
        errors,
        binder: None,
        handler: None,
        depth: 0,
    };
    v.block(body);
}

struct Validator<'e, 'a> {
    env: &'e Env<'a>,
    errors: &'e mut Vec<Diagnostic>,
    /// The enclosing `for`'s binder and role set.
    binder: Option<(String, String)>,
    /// Inside an interrupt handler: its member and role set.
    handler: Option<(String, String)>,
    /// How many blocks deep the statement is (0: the choreography's own).
    depth: usize,
}

impl Validator<'_, '_> {
    fn binders(&self) -> Vec<(&str, &str)> {
        self.binder
            .iter()
            .chain(self.handler.iter())
            .map(|(b, r)| (b.as_str(), r.as_str()))
            .collect()
    }

    fn who(&mut self, e: &ast::Expr) -> Option<Who> {
        let binders = self.binders();
        match self.env.who(e, &binders) {
            Ok(who) => {
                if let (Who::All(role), Some((b, r))) = (&who, &self.binder)
                    && role == r
                {
                    self.errors.push(
                        Diagnostic::error(
                            e.span,
                            format!("inside `for {b} in {r}`, the role set `{r}` cannot take part as a whole"),
                        )
                        .with_label(format!("every member of `{r}` is already running this loop as `{b}`"))
                        .with_note(format!("help: name the member: `{b}`")),
                    );
                    return None;
                }
                if let Some((member, set)) = &self.handler
                    && who.role() != set
                {
                    self.errors.push(
                        Diagnostic::error(
                            e.span,
                            format!("`{}` cannot take part in the interrupt handler", who.role()),
                        )
                        .with_label(format!(
                            "only the members of `{set}` learn that `{member}` timed out"
                        ))
                        .with_note(format!(
                            "help: let the handler involve only `{member}` and the other members of `{set}`"
                        )),
                    );
                    return None;
                }
                Some(who)
            }
            Err(d) => {
                self.errors.push(d);
                None
            }
        }
    }

    /// Messages in a choreography are interactions; a `send` hidden in an
    /// `at` block would have no receiver.
    fn no_sends(&mut self, stmts: &[ast::Stmt]) {
        for s in stmts {
            match &s.kind {
                ast::StmtKind::Send { message, .. }
                | ast::StmtKind::Broadcast { message, .. }
                | ast::StmtKind::Reply { message } => self.errors.push(
                    Diagnostic::error(
                        s.span,
                        format!(
                            "`{}` is sent inside `at`, so no role receives it",
                            message.name
                        ),
                    )
                    .with_label("a choreography sends messages with `A -> B: Msg`")
                    .with_note(format!(
                        "help: write the interaction after the `at` block: `... -> ...: {}`",
                        message.name
                    )),
                ),
                ast::StmtKind::If {
                    then, otherwise, ..
                } => {
                    self.no_sends(&then.stmts);
                    if let Some(o) = otherwise {
                        self.no_sends(&o.stmts);
                    }
                }
                ast::StmtKind::For { body, .. } => self.no_sends(&body.stmts),
                _ => {}
            }
        }
    }

    fn block(&mut self, block: &ast::ChorBlock) {
        let mut after_loop: Option<Span> = None;
        self.depth += 1;
        for (n, stmt) in block.stmts.iter().enumerate() {
            if let Some(l) = after_loop.take() {
                let what = match &stmt.kind {
                    ChorStmtKind::Interact { .. } => "this message is never sent or received",
                    _ => "this statement never runs",
                };
                self.errors.push(
                    Diagnostic::error(
                        stmt.span,
                        format!("{what}: the `loop` at {} never ends", self.env.at(l)),
                    )
                    .with_label("unreachable")
                    .with_secondary(l, "this loop repeats forever")
                    .with_note("help: move it into the loop, or before it"),
                );
                break;
            }
            if let ChorStmtKind::Interruptible { .. } = stmt.kind
                && (self.depth > 1 || n + 1 < block.stmts.len())
            {
                self.errors.push(
                    Diagnostic::error(stmt.span, "an `interruptible` block must end the choreography")
                        .with_label(if self.depth > 1 {
                            "inside another statement"
                        } else {
                            "statements follow it"
                        })
                        .with_note(
                            "note: a member that was interrupted finishes with the handler, and \
                             a member that finished the block can still be interrupted, so \
                             nothing can come after it",
                        )
                        .with_note("help: make it the last statement of the choreography, not inside `if`, `for` or `loop`"),
                );
            }
            self.stmt(stmt);
            if let ChorStmtKind::Loop { .. } = stmt.kind {
                after_loop = Some(stmt.span);
            }
        }
        self.depth -= 1;
    }

    fn stmt(&mut self, stmt: &ast::ChorStmt) {
        match &stmt.kind {
            ChorStmtKind::Interact {
                from,
                to,
                message,
                timeout,
            } => {
                let f = self.who(from);
                let t = self.who(to);
                if let Some(Who::All(role)) = &f {
                    self.errors.push(
                        Diagnostic::error(
                            from.span,
                            format!("the role set `{role}` cannot send one message"),
                        )
                        .with_label("a message has one sender")
                        .with_note(format!(
                            "help: let each member send: `for r in {role} {{ r -> ...: {} }}`",
                            message.name
                        )),
                    );
                }
                if let (Some(f), Some(t)) = (&f, &t)
                    && self.to_itself(f, t)
                {
                    self.errors.push(
                        Diagnostic::error(
                            stmt.span,
                            format!("`{}` sends `{}` to itself", f.role(), message.name),
                        )
                        .with_label("sender and receiver are the same participant")
                        .with_note(
                            "help: use `at` for local work; an interaction is between two roles",
                        ),
                    );
                }
                if let (Some(timeout), Some(f), Some(t)) = (timeout, &f, &t) {
                    self.interaction_timeout(timeout, message, f, t);
                }
            }
            ChorStmtKind::Local { at, body } => {
                self.who(at);
                self.no_sends(&body.stmts);
            }
            ChorStmtKind::If {
                at,
                then,
                otherwise,
                ..
            } => {
                if let Some(Who::All(role)) = self.who(at) {
                    self.errors.push(
                        Diagnostic::error(
                            at.span,
                            format!("the role set `{role}` cannot make one choice"),
                        )
                        .with_label("each member would decide for itself")
                        .with_note(format!(
                            "help: decide at one role, or at each member inside `for r in {role}`"
                        )),
                    );
                }
                self.block(then);
                if let Some(b) = otherwise {
                    self.block(b);
                }
            }
            ChorStmtKind::For {
                name,
                set,
                body,
                timeout,
            } => self.for_loop(stmt, name, set, body, timeout.as_ref()),
            ChorStmtKind::Loop { body } => self.block(body),
            ChorStmtKind::Interruptible { body, handler } => {
                self.interruptible(stmt, body, handler)
            }
        }
    }

    /// Whether an interaction goes from a participant to itself. In an
    /// interrupt handler the member may send to the role set (the others),
    /// and two different binders of one role set are different members.
    fn to_itself(&self, f: &Who, t: &Who) -> bool {
        if f.role() != t.role() || matches!(f, Who::All(_)) {
            return false;
        }
        match (f, t, &self.handler) {
            (Who::Member(_, a), Who::Member(_, b), Some(_)) => a == b,
            (Who::Member(_, a), Who::All(_), Some((member, _))) => a != member,
            _ => true,
        }
    }

    /// `A -> B: M timeout at X { ... }`: X must be the receiver, and the
    /// timeout does only local work.
    fn interaction_timeout(
        &mut self,
        timeout: &ast::ChorTimeout,
        message: &ast::MessageExpr,
        from: &Who,
        to: &Who,
    ) {
        self.no_sends(&timeout.body.stmts);
        let Some(at) = self.who(&timeout.at) else {
            return;
        };
        if at.role() != to.role() {
            self.errors.push(
                Diagnostic::error(
                    timeout.at.span,
                    format!(
                        "`{}` does not wait for `{}` here; `{}` does",
                        at.role(),
                        message.name.name,
                        to.role()
                    ),
                )
                .with_label("a timeout belongs to the role that waits")
                .with_note(format!("help: write `timeout at {} {{ ... }}`", to.role())),
            );
            return;
        }
        if let (Some((b, set)), Who::Member(r, m)) = (&self.binder, from)
            && r == set
            && m == b
            && to.role() != set
        {
            self.errors.push(
                Diagnostic::error(
                    timeout.span,
                    format!(
                        "`{}` gathers `{}` from every member of `{set}`: put its timeout on the `for`",
                        to.role(),
                        message.name.name
                    ),
                )
                .with_label("a timeout on one member's message")
                .with_note(format!(
                    "help: write `for {b} in {set} {{ ... }} timeout at {} {{ ... }}`: when it stops waiting, `{}` goes on after the loop",
                    to.role(),
                    to.role()
                )),
            );
        }
    }

    fn for_loop(
        &mut self,
        stmt: &ast::ChorStmt,
        name: &ast::Ident,
        set: &ast::Expr,
        body: &ast::ChorBlock,
        timeout: Option<&ast::ChorTimeout>,
    ) {
        if let Some((outer, _)) = &self.binder {
            self.errors.push(
                Diagnostic::error(stmt.span, "a choreography's `for` loops cannot be nested")
                    .with_label(format!("inside the loop over `{outer}`"))
                    .with_note("help: write the loops one after the other"),
            );
            return;
        }
        let role = match &set.kind {
            ExprKind::Name(id) if self.env.roles.get(&id.name).is_some_and(|r| r.0) => {
                id.name.clone()
            }
            _ => {
                self.errors.push(
                    Diagnostic::error(set.span, "a choreography's `for` ranges over a role set")
                        .with_label("not the name of an indexed role")
                        .with_note(
                            "note: `for r in RM { ... }` runs the body once for each member of `RM`",
                        )
                        .with_note("help: compute the values inside `at A { for x in S { ... } }`"),
                );
                return;
            }
        };
        if self.fresh_name(name).is_none() {
            return;
        }
        self.binder = Some((name.name.clone(), role.clone()));
        self.block(body);
        self.binder = None;
        let Some(timeout) = timeout else {
            return;
        };
        self.no_sends(&timeout.body.stmts);
        let Some(at) = self.who(&timeout.at) else {
            return;
        };
        let gathers = match (&at, &self.handler) {
            (Who::Member(_, m), Some((member, _))) => m == member,
            (Who::One(_), _) => true,
            _ => false,
        };
        if !gathers || (at.role() == role && self.handler.is_none()) {
            self.errors.push(
                Diagnostic::error(
                    timeout.at.span,
                    format!("only the role that gathers from every member of `{role}` can time out on the loop"),
                )
                .with_label(format!("the members of `{role}` each run the loop once for themselves"))
                .with_note("help: put a member's timeout on the interaction it waits for: `A -> r: M timeout at r { ... }`"),
            );
        }
    }

    /// A name for a member must not hide anything.
    fn fresh_name(&mut self, name: &ast::Ident) -> Option<()> {
        let taken = self.env.roles.contains_key(&name.name)
            || self.env.globals.contains(&name.name)
            || self
                .handler
                .as_ref()
                .is_some_and(|(member, _)| *member == name.name);
        if taken {
            self.errors.push(
                Diagnostic::error(
                    name.span,
                    format!("`{}` already names something", name.name),
                )
                .with_label("the member needs a fresh name"),
            );
            return None;
        }
        Some(())
    }

    fn interruptible(
        &mut self,
        stmt: &ast::ChorStmt,
        body: &ast::ChorBlock,
        handler: &ast::ChorHandler,
    ) {
        if self.handler.is_some() {
            // Already reported: an interruptible block must end the
            // choreography, so it is not inside a handler either.
            return;
        }
        self.block(body);
        let set = &handler.set.name;
        if !self.env.roles.get(set).is_some_and(|r| r.0) {
            self.errors.push(
                Diagnostic::error(handler.set.span, format!("`{set}` is not a role set"))
                    .with_label("the members of an indexed role interrupt each other")
                    .with_note(
                        "note: write `on timeout at b in RM`, with `RM` declared `role RM[N]`",
                    ),
            );
            return;
        }
        if self.fresh_name(&handler.member).is_none() {
            return;
        }
        let member = handler.member.name.clone();
        // The first message of the handler is how the other members learn
        // of the interrupt: it must come from the member that timed out.
        let first = handler.body.stmts.iter().find(|s| {
            !matches!(&s.kind, ChorStmtKind::Local { at, .. }
                if matches!(&at.kind, ExprKind::Name(id) if id.name == member))
        });
        let interrupts = first.is_some_and(|s| match &s.kind {
            ChorStmtKind::Interact { from, to, .. } => {
                matches!(&from.kind, ExprKind::Name(id) if id.name == member)
                    && matches!(&to.kind, ExprKind::Name(id) if id.name == *set)
            }
            _ => false,
        });
        if let Some(ast::ChorStmt {
            kind: ChorStmtKind::Interact {
                timeout: Some(t), ..
            },
            ..
        }) = first
            && interrupts
        {
            self.errors.push(
                Diagnostic::error(t.span, "the other members cannot time out on the interrupt")
                    .with_label("they are not waiting for it: it interrupts whatever they wait for")
                    .with_note("help: remove this timeout"),
            );
        }
        if !interrupts {
            self.errors.push(
                Diagnostic::error(
                    first.map_or(handler.span, |s| s.span),
                    format!("the handler must start by telling the other members of `{set}`"),
                )
                .with_label(format!("the other members cannot learn that `{member}` timed out"))
                .with_secondary(stmt.span, "in this interruptible block")
                .with_note(format!(
                    "help: begin the handler with `{member} -> {set}: Msg`, after local work `at {member} {{ ... }}` if any"
                )),
            );
        }
        self.handler = Some((member, set.clone()));
        self.block(&handler.body);
        self.handler = None;
    }
}
