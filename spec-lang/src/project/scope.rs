//! Names in choreography expressions: renaming a member's binder to `self`,
//! and locality (an expression at A reads only A's variables and the values
//! A has received in the current step).

use std::collections::BTreeMap;

use crate::ast::{self, ExprKind, StmtKind};
use crate::diagnostic::Diagnostic;
use crate::project::Env;
use crate::span::Ident;

/// Calls `f` on every name in `e` that none of its own binders binds.
fn names_mut(e: &mut ast::Expr, bound: &mut Vec<String>, f: &mut dyn FnMut(&mut Ident)) {
    let depth = bound.len();
    match &mut e.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) => {}
        ExprKind::Name(id) => {
            if !bound.contains(&id.name) {
                f(id);
            }
        }
        ExprKind::Unary(_, a) | ExprKind::Field(a, _) | ExprKind::TupleIndex(a, _, _) => {
            names_mut(a, bound, f)
        }
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) | ExprKind::Range(a, b) => {
            names_mut(a, bound, f);
            names_mut(b, bound, f);
        }
        ExprKind::Call(_, args)
        | ExprKind::SetLit(args)
        | ExprKind::SeqLit(args)
        | ExprKind::TupleLit(args) => args.iter_mut().for_each(|a| names_mut(a, bound, f)),
        ExprKind::MapLit(pairs) => {
            for (k, v) in pairs {
                names_mut(k, bound, f);
                names_mut(v, bound, f);
            }
        }
        ExprKind::RecordLit(fields) => fields
            .iter_mut()
            .for_each(|fi| names_mut(&mut fi.value, bound, f)),
        ExprKind::SetFilter { binder, cond } => {
            names_mut(&mut binder.set, bound, f);
            bound.extend(binder.names.iter().map(|n| n.name.clone()));
            names_mut(cond, bound, f);
        }
        ExprKind::SetMap {
            elem,
            binders,
            cond,
        } => {
            for b in binders.iter_mut() {
                names_mut(&mut b.set, bound, f);
            }
            for b in binders.iter() {
                bound.extend(b.names.iter().map(|n| n.name.clone()));
            }
            names_mut(elem, bound, f);
            if let Some(c) = cond {
                names_mut(c, bound, f);
            }
        }
        ExprKind::MapComp { binder, value } => {
            names_mut(&mut binder.set, bound, f);
            bound.extend(binder.names.iter().map(|n| n.name.clone()));
            names_mut(value, bound, f);
        }
        ExprKind::Quant { binders, body, .. } => {
            for b in binders.iter_mut() {
                names_mut(&mut b.set, bound, f);
            }
            for b in binders.iter() {
                bound.extend(b.names.iter().map(|n| n.name.clone()));
            }
            names_mut(body, bound, f);
        }
        ExprKind::If(a, b, c) => {
            names_mut(a, bound, f);
            names_mut(b, bound, f);
            names_mut(c, bound, f);
        }
        ExprKind::Let(name, value, body) => {
            names_mut(value, bound, f);
            bound.push(name.name.clone());
            names_mut(body, bound, f);
        }
        ExprKind::WithIndex(base, pairs) => {
            names_mut(base, bound, f);
            for (k, v) in pairs {
                names_mut(k, bound, f);
                names_mut(v, bound, f);
            }
        }
        ExprKind::WithFields(base, fields) => {
            names_mut(base, bound, f);
            fields
                .iter_mut()
                .for_each(|fi| names_mut(&mut fi.value, bound, f));
        }
    }
    bound.truncate(depth);
}

fn message_names_mut(
    m: &mut ast::MessageExpr,
    bound: &mut Vec<String>,
    f: &mut dyn FnMut(&mut Ident),
) {
    for fi in &mut m.fields {
        names_mut(&mut fi.value, bound, f);
    }
}

/// Calls `f` on every free name of a block, in order.
fn block_names_mut(b: &mut ast::Block, bound: &mut Vec<String>, f: &mut dyn FnMut(&mut Ident)) {
    let depth = bound.len();
    for s in &mut b.stmts {
        match &mut s.kind {
            StmtKind::Assign { target, value } => {
                names_mut(target, bound, f);
                names_mut(value, bound, f);
            }
            StmtKind::Let { name, value } => {
                names_mut(value, bound, f);
                bound.push(name.name.clone());
            }
            StmtKind::Choose { name, set, filter } => {
                names_mut(set, bound, f);
                bound.push(name.name.clone());
                if let Some(c) = filter {
                    names_mut(c, bound, f);
                }
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                names_mut(cond, bound, f);
                block_names_mut(then, bound, f);
                if let Some(o) = otherwise {
                    block_names_mut(o, bound, f);
                }
            }
            StmtKind::For { name, set, body } => {
                names_mut(set, bound, f);
                bound.push(name.name.clone());
                block_names_mut(body, bound, f);
                bound.pop();
            }
            StmtKind::Send { message, to } | StmtKind::Broadcast { message, to } => {
                message_names_mut(message, bound, f);
                names_mut(to, bound, f);
            }
            StmtKind::Reply { message } => message_names_mut(message, bound, f),
            StmtKind::Assert { cond, .. } => names_mut(cond, bound, f),
            StmtKind::Skip => {}
        }
    }
    bound.truncate(depth);
}

fn rename(me: Option<&str>) -> impl FnMut(&mut Ident) + '_ {
    move |id: &mut Ident| {
        if Some(id.name.as_str()) == me {
            id.name = "self".into();
        }
    }
}

/// A copy of `e` in which the member binder `me` is `self`.
pub(crate) fn subst_expr(e: &ast::Expr, me: Option<&str>) -> ast::Expr {
    let mut e = e.clone();
    if me.is_some() {
        names_mut(&mut e, &mut Vec::new(), &mut rename(me));
    }
    e
}

pub(crate) fn subst_block(b: &ast::Block, me: Option<&str>) -> ast::Block {
    let mut b = b.clone();
    if me.is_some() {
        block_names_mut(&mut b, &mut Vec::new(), &mut rename(me));
    }
    b
}

pub(crate) fn subst_message(m: &ast::MessageExpr, me: Option<&str>) -> ast::MessageExpr {
    let mut m = m.clone();
    if me.is_some() {
        message_names_mut(&mut m, &mut Vec::new(), &mut rename(me));
    }
    m
}

/// The free names of a block, so unused received fields can be ignored.
pub(crate) fn used_names(stmts: &[ast::Stmt], span: crate::span::Span) -> Vec<String> {
    let mut block = ast::Block {
        stmts: stmts.to_vec(),
        span,
    };
    let mut used = Vec::new();
    block_names_mut(&mut block, &mut Vec::new(), &mut |id: &mut Ident| {
        used.push(id.name.clone())
    });
    used
}

/// What the locality check needs to know about one role's step.
pub(crate) struct Locality<'e, 'a> {
    pub env: &'e Env<'a>,
    /// Every field name received anywhere, with the roles that receive it.
    pub received: &'e BTreeMap<String, Vec<String>>,
    /// The role whose step this is, and how the user calls it (`r` for a
    /// member bound by `for`).
    pub role: &'e str,
}

/// A piece of a local program whose free names are checked.
pub(crate) enum Code<'c> {
    Expr(&'c ast::Expr),
    Block(&'c ast::Block),
    Message(&'c ast::MessageExpr),
}

impl Locality<'_, '_> {
    /// Reports every free name of `code` that the role cannot read here.
    /// `scope` holds the names the current step binds.
    pub(crate) fn check(&self, code: Code<'_>, scope: &[String], errors: &mut Vec<Diagnostic>) {
        let mut free: Vec<Ident> = Vec::new();
        let mut collect = |id: &mut Ident| free.push(id.clone());
        match code {
            Code::Expr(e) => names_mut(&mut e.clone(), &mut Vec::new(), &mut collect),
            Code::Block(b) => block_names_mut(&mut b.clone(), &mut Vec::new(), &mut collect),
            Code::Message(m) => message_names_mut(&mut m.clone(), &mut Vec::new(), &mut collect),
        }
        let role = self.role;
        let Some((_, own)) = self.env.roles.get(role) else {
            return;
        };
        for id in free {
            let name = id.name.as_str();
            if scope.iter().any(|s| s == name)
                || own.contains(name)
                || name == "self"
                || name == "none"
                || self.env.globals.contains(name)
            {
                continue;
            }
            let owner = self.env.role_order.iter().find(|r| {
                self.env
                    .roles
                    .get(*r)
                    .is_some_and(|(_, vs)| vs.contains(name))
            });
            if let Some(owner) = owner {
                errors.push(
                    Diagnostic::error(
                        id.span,
                        format!("`{name}` is a variable of `{owner}`, but this runs at `{role}`"),
                    )
                    .with_label(format!(
                        "`{role}` may read only its own variables and the values it has received"
                    ))
                    .with_note(format!(
                        "help: send the value to `{role}` in a message, or do this work `at {owner}`"
                    )),
                );
                continue;
            }
            let Some(receivers) = self.received.get(name) else {
                continue;
            };
            if receivers.iter().any(|r| r == role) {
                errors.push(
                    Diagnostic::error(
                        id.span,
                        format!("`{name}` was received by `{role}` in an earlier step"),
                    )
                    .with_label(format!(
                        "a received value is visible only until `{role}` next waits for a message"
                    ))
                    .with_note(format!(
                        "help: keep it in a variable of `{role}` right after it arrives: `at {role} {{ kept := {name} }}`, with `kept` declared in `{role}`"
                    )),
                );
            } else {
                errors.push(
                    Diagnostic::error(
                        id.span,
                        format!(
                            "`{name}` is received by `{}`, not by `{role}`",
                            receivers.join("`, `")
                        ),
                    )
                    .with_label(format!("this runs at `{role}`"))
                    .with_note(format!("help: send the value to `{role}` in a message")),
                );
            }
        }
    }
}
