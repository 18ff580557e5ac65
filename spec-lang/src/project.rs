//! Endpoint projection: a choreography becomes ordinary per-role steps.
//!
//! A `choreography` describes the protocol from the global point of view:
//! interactions `A -> B: Msg { ... }`, local work `at A { ... }`, choices
//! `if at A: cond { ... } else { ... }`, iteration over a role set
//! `for r in RM { ... }` and repetition `loop { ... }`. This module rewrites
//! it, before name resolution, into declarations the rest of the front end
//! already understands: every participating role gets a program counter
//! variable `pc` (an enum whose variants name the choreography's points,
//! `L12` for line 12) and, for each `for` it coordinates, a set `seen_L12`
//! of the members it has dealt with; every point where a role waits gets a
//! step guarded by `pc == point`. The steps are then checked and lowered
//! like hand-written ones, so the checker, faults and fairness apply
//! unchanged; the lowering marks the added variables `synthetic` and gives
//! each added step the span of the statement it came from as its `origin`.
//!
//! Semantics (docs/language.md, chapter "Choreographies", has the full
//! story):
//! - Every role instance runs its own projection: the statements it takes
//!   part in, in order. A role waits only to receive; what it does between
//!   two receipts (local work, sends, its own choices) is one atomic step.
//! - `A -> RM: M` with `RM` a role set sends one copy to every member; each
//!   member receives its copy. `at RM { ... }` runs at every member.
//! - `for r in RM { body }`: every member `r` runs the body's part for `r`;
//!   any other role taking part runs its part once per member, in any order
//!   (a coordinator gathering votes). That part must be one step: it starts
//!   with a message from `r` (or with the role's own action) and contains
//!   no further receipt.
//! - `if at A: c { .. } else { .. }`: A decides; every other role that acts
//!   differently in the two branches must learn the outcome from the first
//!   message it receives in each branch, and those messages must differ.
//! - `loop { body }` repeats the body forever; nothing may follow it.
//! - Reaching the end is the state `pc == Done`; a state where every
//!   participating instance is done is a legal end (a `terminal` predicate
//!   is added for it).

mod emit;
mod local;
mod scope;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{self, ExprKind};
use crate::diagnostic::Diagnostic;
use crate::span::{Ident, Span};

/// The choreography rewritten into ordinary declarations.
pub(crate) struct Projection {
    /// The spec with the choreography replaced by the projected variables,
    /// steps and terminal predicate (or, after an error, simply removed).
    pub file: ast::SpecFile,
    /// The added variables, as (role, variable).
    pub synthetic: Vec<(String, String)>,
    /// The origin of each added step, in the order the steps were appended
    /// after the user's own steps.
    pub origins: Vec<Span>,
    pub errors: Vec<Diagnostic>,
}

/// Projects the spec's choreography, if it has one.
pub(crate) fn project(file: &ast::SpecFile, source: Option<&str>) -> Option<Projection> {
    let chors: Vec<&ast::ChoreographyDecl> = file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Choreography(c) => Some(c),
            _ => None,
        })
        .collect();
    let first = *chors.first()?;
    let env = Env::new(file, source);
    let mut errors = Vec::new();
    for extra in &chors[1..] {
        errors.push(
            Diagnostic::error(extra.name.span, "a spec may have only one choreography")
                .with_label("a second choreography")
                .with_secondary(first.name.span, "the first one")
                .with_note("help: put both into one choreography, one after the other"),
        );
    }
    let mut base = file.clone();
    base.items
        .retain(|i| !matches!(i, ast::Item::Choreography(_)));
    validate::validate(&env, &first.body, &mut errors);
    let mut projection = Projection {
        file: base,
        synthetic: Vec::new(),
        origins: Vec::new(),
        errors: Vec::new(),
    };
    if errors.is_empty() {
        let programs: Vec<(&String, Vec<local::LStmt>)> = env
            .role_order
            .iter()
            .map(|role| (role, local::project_role(&env, first, role, &mut errors)))
            .filter(|(_, p)| !p.is_empty())
            .collect();
        let mut received: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (role, program) in &programs {
            local::received_fields(program, &mut |field| {
                let roles = received.entry(field.to_string()).or_default();
                if !roles.contains(role) {
                    roles.push((*role).clone());
                }
            });
        }
        let mut out = emit::Output::default();
        if errors.is_empty() {
            for (role, program) in &programs {
                emit::role_steps(&env, first, role, program, &received, &mut out, &mut errors);
            }
        }
        if errors.is_empty() {
            let terminal = finished(&out.finished, first.name.span);
            projection.synthetic = out.synthetic;
            projection.origins = out.origins;
            add_items(&mut projection.file, out.vars, out.steps, terminal);
        }
    }
    errors.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    errors.dedup_by(|a, b| a.primary.span == b.primary.span && a.message == b.message);
    projection.errors = errors;
    Some(projection)
}

/// Adds the projected declarations: variables to their roles, steps and the
/// terminal predicate at the end.
fn add_items(
    file: &mut ast::SpecFile,
    vars: Vec<(String, ast::VarDecl)>,
    steps: Vec<ast::StepDecl>,
    terminal: Option<ast::TerminalDecl>,
) {
    for item in &mut file.items {
        if let ast::Item::Role(role) = item {
            for (owner, var) in &vars {
                if *owner == role.name.name {
                    role.vars.push(var.clone());
                }
            }
        }
    }
    file.items.extend(steps.into_iter().map(ast::Item::Step));
    if let Some(t) = terminal {
        file.items.push(ast::Item::Terminal(t));
    }
}

/// `terminal when` every participating instance has reached `Done`.
fn finished(roles: &[(String, bool, String)], span: Span) -> Option<ast::TerminalDecl> {
    use emit::{binary, expr, name_expr};
    let mut cond: Option<ast::Expr> = None;
    for (role, indexed, pc) in roles {
        let done = |instance: ast::Expr| {
            let field = expr(ExprKind::Field(Box::new(instance), ident(pc, span)), span);
            binary(ast::BinaryOp::Eq, field, name_expr("Done", span))
        };
        let part = if *indexed {
            let member = "member";
            expr(
                ExprKind::Quant {
                    quantifier: ast::Quantifier::Forall,
                    binders: vec![ast::Binder {
                        names: vec![ident(member, span)],
                        set: name_expr(role, span),
                        span,
                    }],
                    body: Box::new(done(name_expr(member, span))),
                },
                span,
            )
        } else {
            done(name_expr(role, span))
        };
        cond = Some(match cond {
            Some(c) => binary(ast::BinaryOp::And, c, part),
            None => part,
        });
    }
    Some(ast::TerminalDecl { cond: cond?, span })
}

/// Who takes part in a choreography statement.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Who {
    /// A singleton role.
    One(String),
    /// The member of a role set bound by the enclosing `for`: (role, binder).
    Member(String, String),
    /// Every member of a role set.
    All(String),
}

impl Who {
    pub(crate) fn role(&self) -> &str {
        match self {
            Who::One(r) | Who::Member(r, _) | Who::All(r) => r,
        }
    }
}

/// What the projection knows about the spec's declarations.
pub(crate) struct Env<'a> {
    pub source: Option<&'a str>,
    /// Role name to (indexed, variable names).
    pub roles: BTreeMap<String, (bool, BTreeSet<String>)>,
    /// Roles in declaration order.
    pub role_order: Vec<String>,
    /// Names that mean the same everywhere: parameters, constants, roles,
    /// functions, messages, type aliases, enum variants.
    pub globals: BTreeSet<String>,
}

impl<'a> Env<'a> {
    fn new(file: &ast::SpecFile, source: Option<&'a str>) -> Env<'a> {
        let mut env = Env {
            source,
            roles: BTreeMap::new(),
            role_order: Vec::new(),
            globals: BTreeSet::new(),
        };
        for item in &file.items {
            match item {
                ast::Item::Param(d) => {
                    env.globals.insert(d.name.name.clone());
                }
                ast::Item::Const(d) => {
                    env.globals.insert(d.name.name.clone());
                }
                ast::Item::Type(d) => {
                    env.globals.insert(d.name.name.clone());
                    variants(&d.ty, &mut env.globals);
                }
                ast::Item::Function(d) => {
                    env.globals.insert(d.name.name.clone());
                }
                ast::Item::Message(d) => {
                    env.globals.insert(d.name.name.clone());
                    for f in &d.fields {
                        variants(&f.ty, &mut env.globals);
                    }
                }
                ast::Item::Role(d) => {
                    env.globals.insert(d.name.name.clone());
                    let names = d.vars.iter().map(|v| v.name.name.clone()).collect();
                    for v in &d.vars {
                        variants(&v.ty, &mut env.globals);
                    }
                    if !env.roles.contains_key(&d.name.name) {
                        env.role_order.push(d.name.name.clone());
                    }
                    env.roles
                        .insert(d.name.name.clone(), (d.count.is_some(), names));
                }
                _ => {}
            }
        }
        env
    }

    /// `12:5` for a span when the source is known, else its byte offset.
    pub(crate) fn at(&self, span: Span) -> String {
        match self.source {
            Some(source) => {
                let (line, column) = crate::diagnostic::line_column(source, span.start);
                format!("{line}:{column}")
            }
            None => format!("byte {}", span.start),
        }
    }

    /// The line of a span, when the source is known.
    pub(crate) fn line(&self, span: Span) -> Option<usize> {
        self.source
            .map(|s| crate::diagnostic::line_column(s, span.start).0)
    }

    /// Who a participant expression names. `binders` are the member names in
    /// scope (an enclosing `for`'s binder, an interrupt handler's member),
    /// each with its role set.
    pub(crate) fn who(&self, e: &ast::Expr, binders: &[(&str, &str)]) -> Result<Who, Diagnostic> {
        if let ExprKind::Name(id) = &e.kind {
            if let Some((name, role)) = binders.iter().find(|(name, _)| id.name == *name) {
                return Ok(Who::Member(role.to_string(), name.to_string()));
            }
            if let Some((indexed, _)) = self.roles.get(&id.name) {
                return Ok(if *indexed {
                    Who::All(id.name.clone())
                } else {
                    Who::One(id.name.clone())
                });
            }
            let d = Diagnostic::error(e.span, format!("`{}` is not a role", id.name))
                .with_label("a choreography names its participants by role");
            let roles: Vec<&str> = self.role_order.iter().map(String::as_str).collect();
            return Err(match crate::names::did_you_mean(&id.name, roles) {
                Some(help) => d.with_note(help),
                None => d.with_note(
                    "note: a participant is a role (`TM`), a role set (`RM`) or the member \
                     bound by an enclosing `for r in RM`",
                ),
            });
        }
        Err(Diagnostic::error(
            e.span,
            "a choreography cannot address an instance chosen by an expression",
        )
        .with_label("no instance knows that this names it")
        .with_note(
            "note: a participant is a role (`TM`), a role set (`RM`) or the member bound \
             by an enclosing `for r in RM`",
        )
        .with_note("help: iterate with `for r in RM { ... }` and name the member `r`"))
    }
}

/// Collects the enum variants written in a type.
fn variants(ty: &ast::TypeExpr, out: &mut BTreeSet<String>) {
    match &ty.kind {
        ast::TypeExprKind::Enum(vs) => out.extend(vs.iter().map(|v| v.name.clone())),
        ast::TypeExprKind::Set(t) | ast::TypeExprKind::Seq(t, _) | ast::TypeExprKind::Option(t) => {
            variants(t, out)
        }
        ast::TypeExprKind::Map(k, v) => {
            variants(k, out);
            variants(v, out);
        }
        ast::TypeExprKind::Record(fs) => fs.iter().for_each(|f| variants(&f.ty, out)),
        ast::TypeExprKind::Tuple(ts) => ts.iter().for_each(|t| variants(t, out)),
        ast::TypeExprKind::Named(_) | ast::TypeExprKind::Range(..) => {}
    }
}

/// Makes an identifier at a span.
pub(crate) fn ident(name: &str, span: Span) -> Ident {
    Ident::new(name, span)
}
