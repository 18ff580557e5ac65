//! One role's part of a choreography: its local program.
//!
//! The local program keeps only the statements the role takes part in. A
//! choice made elsewhere becomes an [`LKind::Offer`] when the role acts
//! differently in the branches; this is where knowledge of choice is checked.

use crate::ast::{self, ChorStmtKind};
use crate::diagnostic::Diagnostic;
use crate::project::{Env, Who, scope};
use crate::span::Span;

/// One statement of a role's local program.
#[derive(Clone, Debug)]
pub(crate) struct LStmt {
    /// Unique within the role's program; names the point before it.
    pub id: u32,
    /// The choreography statement it comes from.
    pub origin: Span,
    pub kind: LKind,
}

#[derive(Clone, Debug)]
pub(crate) enum LKind {
    /// Wait for a message from `from`; with `timeout`, the role may stop
    /// waiting, run the block and go on as if the message had come.
    Recv {
        message: ast::MessageExpr,
        from: Who,
        timeout: Option<ast::Block>,
    },
    /// Send a message (to every member, for a role set).
    Send {
        message: ast::MessageExpr,
        to: Who,
    },
    /// Local work.
    Local {
        body: ast::Block,
    },
    /// A choice this role makes.
    Choice {
        cond: ast::Expr,
        then: Vec<LStmt>,
        otherwise: Vec<LStmt>,
    },
    /// A choice made elsewhere: each arm starts with a receipt of a
    /// different message, which tells the role which arm it is in. `idle`:
    /// in some branch the role does nothing at all, which is realisable
    /// only when the choice ends a loop's body (the role then just waits
    /// at the loop's head for the next round); otherwise it is this error.
    Offer {
        arms: Vec<Vec<LStmt>>,
        idle: Option<Box<Diagnostic>>,
    },
    /// The part of a `for binder in set` that a role other than the set's
    /// runs once per member. `others`: the gatherer is itself a member of
    /// `set` (an interrupt handler's member) and deals with the others only.
    /// With `timeout`, it may stop waiting, run the block and go on after
    /// the loop.
    Gather {
        binder: ast::Ident,
        set: String,
        body: Vec<LStmt>,
        others: bool,
        timeout: Option<ast::Block>,
    },
    Loop {
        body: Vec<LStmt>,
    },
    /// An `interruptible` block, in the program of its handler's role set:
    /// `body` is the member's part of the block; a member that times out
    /// while it waits inside it (and `cond` holds) runs `as_member`; a
    /// member that receives the handler's first message while it waits
    /// inside the block, or after it, runs `as_other`, which starts with
    /// that receipt.
    Interrupt {
        body: Vec<LStmt>,
        member: ast::Ident,
        cond: Option<ast::Expr>,
        as_member: Vec<LStmt>,
        as_other: Vec<LStmt>,
        handler: Span,
    },
}

/// The local program of `role`.
pub(crate) fn project_role(
    env: &Env<'_>,
    chor: &ast::ChoreographyDecl,
    role: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<LStmt> {
    let mut p = Projector {
        env,
        role,
        next: 0,
        binder: None,
        persona: None,
        errors,
    };
    let program = p.block(&chor.body);
    idle_errors(&program, p.errors);
    program
}

/// Reports the choices a role sits out in some branch, except where that
/// is realisable (see [`LKind::Offer`]).
fn idle_errors(program: &[LStmt], errors: &mut Vec<Diagnostic>) {
    for s in program {
        match &s.kind {
            LKind::Offer { arms, idle } => {
                if let Some(d) = idle {
                    errors.push((**d).clone());
                }
                arms.iter().for_each(|a| idle_errors(a, errors));
            }
            LKind::Choice {
                then, otherwise, ..
            } => {
                idle_errors(then, errors);
                idle_errors(otherwise, errors);
            }
            LKind::Gather { body, .. } | LKind::Loop { body } => idle_errors(body, errors),
            LKind::Interrupt {
                body,
                as_member,
                as_other,
                ..
            } => {
                idle_errors(body, errors);
                idle_errors(as_member, errors);
                idle_errors(as_other, errors);
            }
            LKind::Recv { .. } | LKind::Send { .. } | LKind::Local { .. } => {}
        }
    }
}

/// Which part a member of the handler's role set plays in an interrupt
/// handler whose member (the one that timed out) is named by the string.
#[derive(Clone)]
enum Persona {
    /// The member that timed out.
    Member(String, String),
    /// Any other member of the set.
    Other(String, String),
}

impl Persona {
    fn member(&self) -> (&str, &str) {
        match self {
            Persona::Member(b, set) | Persona::Other(b, set) => (b, set),
        }
    }
}

struct Projector<'e, 'a> {
    env: &'e Env<'a>,
    role: &'e str,
    next: u32,
    /// The enclosing `for`'s binder and role set.
    binder: Option<(String, String)>,
    /// Inside an interrupt handler: the part this role plays.
    persona: Option<Persona>,
    errors: &'e mut Vec<Diagnostic>,
}

impl Projector<'_, '_> {
    fn mk(&mut self, origin: Span, kind: LKind) -> LStmt {
        self.next += 1;
        LStmt {
            id: self.next,
            origin,
            kind,
        }
    }

    fn who(&self, e: &ast::Expr) -> Option<Who> {
        let binders: Vec<(&str, &str)> = self
            .binder
            .iter()
            .map(|(b, r)| (b.as_str(), r.as_str()))
            .chain(self.persona.as_ref().map(Persona::member))
            .collect();
        self.env.who(e, &binders).ok()
    }

    /// Whether this role (in its persona, inside an interrupt handler) is
    /// the participant `who`. In a handler, the role set's name means the
    /// members other than the one that timed out.
    fn mine(&self, who: &Option<Who>) -> bool {
        let Some(w) = who else {
            return false;
        };
        if w.role() != self.role {
            return false;
        }
        match (&self.persona, w) {
            (None, _) => true,
            (Some(Persona::Member(b, _)), Who::Member(_, m)) => m == b,
            (Some(Persona::Member(..)), _) => false,
            (Some(Persona::Other(b, _)), Who::Member(_, m)) => m != b,
            (Some(Persona::Other(..)), _) => true,
        }
    }

    /// The binder that means the acting instance in this role's program.
    fn self_name(&self) -> Option<&str> {
        match (&self.persona, &self.binder) {
            (Some(Persona::Member(b, _)), _) => Some(b),
            (_, Some((b, r))) if r == self.role => Some(b),
            _ => None,
        }
    }

    /// A timeout's block at this role, if the timeout is this role's.
    fn timeout_at(&self, timeout: &Option<ast::ChorTimeout>) -> Option<ast::Block> {
        let t = timeout.as_ref()?;
        let me = self.self_name().map(str::to_string);
        self.mine(&self.who(&t.at))
            .then(|| scope::subst_block(&t.body, me.as_deref()))
    }

    fn block(&mut self, block: &ast::ChorBlock) -> Vec<LStmt> {
        let mut out = Vec::new();
        for stmt in &block.stmts {
            self.stmt(stmt, &mut out);
        }
        out
    }

    fn stmt(&mut self, stmt: &ast::ChorStmt, out: &mut Vec<LStmt>) {
        let me = self.self_name().map(str::to_string);
        let me = me.as_deref();
        match &stmt.kind {
            ChorStmtKind::Interact {
                from,
                to,
                message,
                timeout,
            } => {
                let f = self.who(from);
                let t = self.who(to);
                if self.mine(&f)
                    && let Some(to) = t.clone()
                {
                    let message = scope::subst_message(message, me);
                    out.push(self.mk(stmt.span, LKind::Send { message, to }));
                }
                if self.mine(&t)
                    && let Some(from) = f
                {
                    let message = message.clone();
                    let timeout = self.timeout_at(timeout);
                    out.push(self.mk(
                        stmt.span,
                        LKind::Recv {
                            message,
                            from,
                            timeout,
                        },
                    ));
                }
            }
            ChorStmtKind::Local { at, body } => {
                if self.mine(&self.who(at)) {
                    let body = scope::subst_block(body, me);
                    out.push(self.mk(stmt.span, LKind::Local { body }));
                }
            }
            ChorStmtKind::If {
                at,
                cond,
                then,
                otherwise,
            } => {
                let decider = self.who(at);
                let t = self.block(then);
                let e = otherwise
                    .as_ref()
                    .map(|b| self.block(b))
                    .unwrap_or_default();
                if self.mine(&decider) {
                    let cond = scope::subst_expr(cond, me);
                    out.push(self.mk(
                        stmt.span,
                        LKind::Choice {
                            cond,
                            then: t,
                            otherwise: e,
                        },
                    ));
                } else if shape(&t) == shape(&e) {
                    out.extend(t);
                } else if let Some((arms, idle)) = self.offer(stmt, at, [t, e], otherwise.is_some())
                {
                    out.push(self.mk(stmt.span, LKind::Offer { arms, idle }));
                }
            }
            ChorStmtKind::For {
                name,
                set,
                body,
                timeout,
            } => {
                let ast::ExprKind::Name(set_name) = &set.kind else {
                    return;
                };
                let timeout_block = self.timeout_at(timeout);
                let saved = self
                    .binder
                    .replace((name.name.clone(), set_name.name.clone()));
                let b = self.block(body);
                self.binder = saved;
                let others =
                    matches!(&self.persona, Some(Persona::Member(_, set)) if *set == set_name.name);
                if set_name.name == self.role && !others {
                    out.extend(b);
                } else if !b.is_empty() {
                    out.push(self.mk(
                        stmt.span,
                        LKind::Gather {
                            binder: name.clone(),
                            set: set_name.name.clone(),
                            body: b,
                            others,
                            timeout: timeout_block,
                        },
                    ));
                } else if let Some(t) = timeout {
                    self.errors.push(
                        Diagnostic::error(
                            t.at.span,
                            format!("`{}` does not wait in this loop", self.role),
                        )
                        .with_label("so it has nothing to time out on")
                        .with_secondary(stmt.span, "the loop")
                        .with_note(
                            "help: remove the timeout, or let the members send to it in the loop",
                        ),
                    );
                }
            }
            ChorStmtKind::Interruptible { body, handler } => {
                let b = self.block(body);
                if handler.set.name != self.role {
                    out.extend(b);
                    return;
                }
                let member = handler.member.name.clone();
                let set = handler.set.name.clone();
                let saved = self
                    .persona
                    .replace(Persona::Member(member.clone(), set.clone()));
                let as_member = self.block(&handler.body);
                self.persona = Some(Persona::Other(member.clone(), set));
                let as_other = self.block(&handler.body);
                self.persona = saved;
                let cond = handler
                    .cond
                    .as_ref()
                    .map(|c| scope::subst_expr(c, Some(&member)));
                out.push(self.mk(
                    stmt.span,
                    LKind::Interrupt {
                        body: b,
                        member: handler.member.clone(),
                        cond,
                        as_member,
                        as_other,
                        handler: handler.span,
                    },
                ));
            }
            ChorStmtKind::Loop { body } => {
                let mut b = self.block(body);
                // A choice that ends the loop's body may leave this role out
                // of a branch: it waits at the loop's head, which is where
                // the choice's other branches begin.
                if let Some(LStmt {
                    kind: LKind::Offer { idle, .. },
                    ..
                }) = b.last_mut()
                {
                    *idle = None;
                }
                if !b.is_empty() {
                    out.push(self.mk(stmt.span, LKind::Loop { body: b }));
                }
            }
        }
    }

    /// The arms of a choice this role must learn about, or an error saying
    /// why it cannot.
    fn offer(
        &mut self,
        stmt: &ast::ChorStmt,
        at: &ast::Expr,
        branches: [Vec<LStmt>; 2],
        has_else: bool,
    ) -> Option<(Vec<Vec<LStmt>>, Idle)> {
        let role = self.role;
        let mut idle: Option<Box<Diagnostic>> = None;
        let decider = match self.who(at) {
            Some(w) => match w {
                Who::Member(_, b) => b,
                other => other.role().to_string(),
            },
            None => "?".into(),
        };
        let where_ = self.env.at(stmt.span);
        let who = match self.self_name() {
            Some(b) => b.to_string(),
            None => role.to_string(),
        };
        let mut arms: Vec<Vec<LStmt>> = Vec::new();
        for (index, branch) in branches.into_iter().enumerate() {
            let which = if index == 0 {
                "the `then` branch"
            } else {
                "the `else` branch"
            };
            match branch.first().map(|s| &s.kind) {
                Some(LKind::Recv { .. }) => arms.push(branch),
                Some(LKind::Offer { .. }) => {
                    let mut branch = branch;
                    let first = branch.remove(0);
                    if let LKind::Offer {
                        arms: inner,
                        idle: inner_idle,
                    } = first.kind
                    {
                        match inner_idle {
                            // The inner choice's idle branch would go on
                            // with the rest of this branch: not realisable.
                            Some(d) if !branch.is_empty() => self.errors.push(*d),
                            Some(d) => idle = idle.or(Some(d)),
                            None => {}
                        }
                        for mut arm in inner {
                            arm.extend(branch.iter().cloned());
                            arms.push(arm);
                        }
                    }
                }
                first => {
                    let (label, note) = match (first, index, has_else) {
                        (None, 1, false) => (
                            format!(
                                "{who} takes part only when the condition holds, and nothing tells it that it does not"
                            ),
                            format!(
                                "help: add an `else` branch in which {decider} sends {who} a message"
                            ),
                        ),
                        (None, _, _) => (
                            format!("in {which}, {who} receives nothing"),
                            format!("help: send {who} a message in each branch"),
                        ),
                        (Some(_), _, _) => (
                            format!("in {which}, {who} acts before it receives any message"),
                            format!(
                                "help: make a message to {who} the first thing it sees in each branch"
                            ),
                        ),
                    };
                    let d = Diagnostic::error(
                        at.span,
                        format!(
                            "{who} cannot learn the outcome of the `if` at {where_}; send it a message in each branch"
                        ),
                    )
                    .with_label(format!("{decider} decides here, but {who} acts differently in the two branches"))
                    .with_secondary(branch_span(stmt, index).unwrap_or(stmt.span), label)
                    .with_note(note);
                    if first.is_none() {
                        idle = Some(Box::new(d.with_note(
                            "note: a role may sit out a branch when the `if` ends the body of a `loop`",
                        )));
                        continue;
                    }
                    self.errors.push(d);
                    return None;
                }
            }
        }
        for (i, arm) in arms.iter().enumerate() {
            for other in &arms[..i] {
                let (Some(a), Some(b)) = (first_message(arm), first_message(other)) else {
                    continue;
                };
                if a.0.name == b.0.name {
                    self.errors.push(
                        Diagnostic::error(
                            at.span,
                            format!(
                                "{who} cannot learn the outcome of the `if` at {where_}: it receives `{}` first in both branches",
                                a.0.name
                            ),
                        )
                        .with_label(format!("{decider} decides here"))
                        .with_secondary(b.1, format!("{who} receives `{}` here", b.0.name))
                        .with_secondary(a.1, "and here, then acts differently")
                        .with_note(format!(
                            "help: send {who} different messages in the two branches (e.g. `Commit` and `Abort`)"
                        )),
                    );
                    return None;
                }
            }
        }
        Some((arms, idle))
    }
}

/// The error a role's idle branch would be, unless the choice ends a loop.
type Idle = Option<Box<Diagnostic>>;

/// Calls `f` with every field name the program receives.
pub(crate) fn received_fields(program: &[LStmt], f: &mut dyn FnMut(&str)) {
    for s in program {
        match &s.kind {
            LKind::Recv { message, .. } => message.fields.iter().for_each(|fi| f(&fi.name.name)),
            LKind::Send { .. } | LKind::Local { .. } => {}
            LKind::Choice {
                then, otherwise, ..
            } => {
                received_fields(then, f);
                received_fields(otherwise, f);
            }
            LKind::Offer { arms, .. } => arms.iter().for_each(|a| received_fields(a, f)),
            LKind::Gather { body, .. } | LKind::Loop { body } => received_fields(body, f),
            LKind::Interrupt {
                body,
                as_member,
                as_other,
                ..
            } => {
                received_fields(body, f);
                received_fields(as_member, f);
                received_fields(as_other, f);
            }
        }
    }
}

/// The span of an `if`'s `then` (0) or `else` (1) block.
fn branch_span(stmt: &ast::ChorStmt, index: usize) -> Option<Span> {
    match &stmt.kind {
        ChorStmtKind::If { then, .. } if index == 0 => Some(then.span),
        ChorStmtKind::If {
            otherwise: Some(b), ..
        } => Some(b.span),
        _ => None,
    }
}

/// The message an arm starts by receiving, and where.
fn first_message(arm: &[LStmt]) -> Option<(&ast::Ident, Span)> {
    match &arm.first()?.kind {
        LKind::Recv { message, .. } => Some((&message.name, arm[0].origin)),
        _ => None,
    }
}

/// What a local program does, without positions: two branches with the same
/// shape need no message to tell them apart.
pub(crate) fn shape(stmts: &[LStmt]) -> String {
    let mut out = String::new();
    for s in stmts {
        let text = match &s.kind {
            LKind::Recv {
                message,
                from,
                timeout,
            } => format!("recv {message:?} {from:?} {timeout:?}"),
            LKind::Send { message, to } => format!("send {message:?} {to:?}"),
            LKind::Local { body } => format!("local {body:?}"),
            LKind::Choice {
                cond,
                then,
                otherwise,
            } => format!(
                "choice {cond:?} {{{}}} {{{}}}",
                shape(then),
                shape(otherwise)
            ),
            LKind::Offer { arms, .. } => {
                let arms: Vec<String> = arms.iter().map(|a| shape(a)).collect();
                format!("offer {{{}}}", arms.join("|"))
            }
            LKind::Gather {
                binder,
                set,
                body,
                others,
                timeout,
            } => {
                format!(
                    "gather {} {set} {others} {{{}}} {timeout:?}",
                    binder.name,
                    shape(body)
                )
            }
            LKind::Loop { body } => format!("loop {{{}}}", shape(body)),
            LKind::Interrupt {
                body,
                member,
                cond,
                as_member,
                as_other,
                ..
            } => format!(
                "interrupt {} {cond:?} {{{}}} {{{}}} {{{}}}",
                member.name,
                shape(body),
                shape(as_member),
                shape(as_other)
            ),
        };
        out.push_str(&strip_spans(&text));
        out.push(';');
    }
    out
}

/// Removes the `start..end` spans from a node's debug text.
fn strip_spans(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // A span prints as digits, `..`, digits.
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j > i
            && bytes.get(j..j + 2) == Some(b"..")
            && bytes.get(j + 2).is_some_and(u8::is_ascii_digit)
        {
            let mut k = j + 2;
            while k < bytes.len() && bytes[k].is_ascii_digit() {
                k += 1;
            }
            out.push(b'_');
            i = k;
            continue;
        }
        let end = if j > i { j } else { i + 1 };
        out.extend_from_slice(&bytes[i..end]);
        i = end;
    }
    String::from_utf8_lossy(&out).into_owned()
}
