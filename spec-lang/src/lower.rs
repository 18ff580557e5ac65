//! Runs the passes in order and assembles the [`ir::Spec`].
//!
//! Every pass reports what it finds and goes on; the IR is returned only when
//! no pass found an error. Pieces of the IR that an error left undetermined
//! are filled with placeholders, which never escape: a placeholder without a
//! reported error is itself reported as an internal error.

use std::collections::BTreeMap;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, FnId, MsgId, RoleId, StepId, Type};
use crate::names;
use crate::resolve::{Cx, Global, len_u32};
use crate::span::{Ident, Span};
use crate::typeck::Site;
use crate::{Compiled, ParamOverride};

/// Projects the choreography (if any) into steps, then lowers the result.
/// `source` gives line numbers to the projection's point names and messages.
pub(crate) fn lower(
    file: &ast::SpecFile,
    source: Option<&str>,
    overrides: &[ParamOverride],
) -> Result<Compiled, Vec<Diagnostic>> {
    let Some(projection) = crate::project::project(file, source) else {
        return lower_file(file, overrides);
    };
    let user_steps = file
        .items
        .iter()
        .filter(|i| matches!(i, ast::Item::Step(_)))
        .count();
    match lower_file(&projection.file, overrides) {
        Ok(mut compiled) if projection.errors.is_empty() => {
            let spec = &mut compiled.spec;
            for (role, var) in &projection.synthetic {
                for v in &mut spec.vars {
                    if v.name == *var && spec.roles[v.role.index()].name == *role {
                        v.synthetic = true;
                    }
                }
            }
            for (step, origin) in spec.steps[user_steps..].iter_mut().zip(&projection.origins) {
                step.origin = Some(*origin);
            }
            Ok(compiled)
        }
        Ok(_) => Err(projection.errors),
        Err(mut errors) => {
            errors.extend(projection.errors);
            errors.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
            Err(errors)
        }
    }
}

fn lower_file(
    file: &ast::SpecFile,
    overrides: &[ParamOverride],
) -> Result<Compiled, Vec<Diagnostic>> {
    let mut cx = Cx::new(file);
    cx.collect();
    cx.params(overrides);
    cx.consts();
    cx.aliases();
    cx.roles();
    cx.messages();
    for index in 0..cx.functions.len() {
        let _ = cx.fn_sig(FnId(len_u32(index)));
    }
    cx.var_inits();
    cx.fn_bodies();
    let mut network = cx.network();
    let crashes = cx.faults(&mut network);
    cx.collect_senders();
    let steps = cx.steps();
    let step_names: Vec<StepInfo> = steps
        .iter()
        .map(|s| StepInfo {
            role: s.role,
            name: s.name.clone(),
            receives: match &s.kind {
                ir::StepKind::Receive(r) => Some(r.message),
                _ => None,
            },
        })
        .collect();
    let checks = cx.checks();
    let fairness = cx.fairness(&step_names);
    cx.unsent_messages();
    finish(cx, network, crashes, steps, checks, fairness)
}

/// What fairness targets select steps by.
struct StepInfo {
    role: RoleId,
    name: String,
    /// The message a receive step receives.
    receives: Option<MsgId>,
}

/// Invariants, properties, terminal conditions and constraints.
struct Checks {
    invariants: Vec<ir::Invariant>,
    properties: Vec<ir::Property>,
    terminal: Vec<ir::Predicate>,
    constraints: Vec<ir::Predicate>,
}

impl Cx<'_> {
    /// Records which roles send each message, from the statements as
    /// written; receive steps need it before the senders are checked.
    fn collect_senders(&mut self) {
        fn walk(stmts: &[ast::Stmt], out: &mut Vec<String>) {
            for s in stmts {
                match &s.kind {
                    ast::StmtKind::Send { message, .. }
                    | ast::StmtKind::Broadcast { message, .. }
                    | ast::StmtKind::Reply { message } => out.push(message.name.name.clone()),
                    ast::StmtKind::If {
                        then, otherwise, ..
                    } => {
                        walk(&then.stmts, out);
                        if let Some(b) = otherwise {
                            walk(&b.stmts, out);
                        }
                    }
                    ast::StmtKind::For { body, .. } => walk(&body.stmts, out),
                    _ => {}
                }
            }
        }
        let file = self.file;
        for item in &file.items {
            let ast::Item::Step(step) = item else {
                continue;
            };
            let Some(Global::Role(role)) = self.globals.get(&step.role.name).copied() else {
                continue;
            };
            let mut sent = Vec::new();
            walk(&step.body.stmts, &mut sent);
            for name in sent {
                if let Some(Global::Message(m)) = self.globals.get(&name).copied() {
                    self.messages[m.index()].senders.insert(role);
                }
            }
        }
    }

    /// Checks every step and gives each its name.
    fn steps(&mut self) -> Vec<ir::Step> {
        let file = self.file;
        let decls: Vec<&ast::StepDecl> = file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Step(s) => Some(s),
                _ => None,
            })
            .collect();
        let mut steps = Vec::new();
        for decl in &decls {
            match self.step(decl) {
                Some(step) => steps.push(step),
                None => {
                    // Keep step ids aligned with declarations; the spec is
                    // not returned anyway.
                    let placeholder = ir::Step {
                        name: String::new(),
                        role: RoleId(0),
                        kind: ir::StepKind::Internal,
                        locals: Vec::new(),
                        guard: crate::typeck::mk(
                            ir::ExprKind::Lit(ir::Literal::Bool(true)),
                            Type::Bool,
                            decl.span,
                        ),
                        body: Vec::new(),
                        span: decl.span,
                        origin: None,
                    };
                    steps.push(self.placeholder(placeholder));
                }
            }
        }
        self.name_steps(&decls, &mut steps);
        steps
    }

    /// Explicit names first (they must be unique per role), then the
    /// default names of receive steps: `receive_Msg`, `receive_Msg_2`, ...
    fn name_steps(&mut self, decls: &[&ast::StepDecl], steps: &mut [ir::Step]) {
        let mut taken: BTreeMap<(String, String), Span> = BTreeMap::new();
        for (decl, step) in decls.iter().zip(steps.iter_mut()) {
            let explicit: Option<&Ident> = match &decl.trigger {
                ast::Trigger::Step { name } | ast::Trigger::Timeout { name } => Some(name),
                ast::Trigger::Receive(p) => p.name.as_ref(),
            };
            let Some(name) = explicit else { continue };
            let key = (decl.role.name.clone(), name.name.clone());
            if let Some(first) = taken.get(&key) {
                let message = format!("role `{}` has two steps named `{name}`", decl.role);
                self.error(crate::resolve::duplicate(name, *first, message));
                continue;
            }
            taken.insert(key, name.span);
            step.name = name.name.clone();
        }
        for (decl, step) in decls.iter().zip(steps.iter_mut()) {
            let ast::Trigger::Receive(p) = &decl.trigger else {
                continue;
            };
            if p.name.is_some() {
                continue;
            }
            let base = format!("receive_{}", p.message.name);
            let name = std::iter::once(base.clone())
                .chain((2..).map(|i| format!("{base}_{i}")))
                .find(|n| !taken.contains_key(&(decl.role.name.clone(), n.clone())))
                .unwrap_or(base);
            taken.insert((decl.role.name.clone(), name.clone()), p.span);
            step.name = name;
        }
    }

    /// A state predicate in a frame of its own.
    fn predicate(&mut self, e: &ast::Expr) -> ir::Frame {
        let saved = self.enter(Site::Pred);
        let expr = self.check(e, &Type::Bool);
        let locals = self.leave(saved);
        let expr = match expr {
            Some(expr) => expr,
            None => {
                let t = crate::typeck::mk(
                    ir::ExprKind::Lit(ir::Literal::Bool(true)),
                    Type::Bool,
                    e.span,
                );
                self.placeholder(t)
            }
        };
        ir::Frame { locals, expr }
    }

    fn checks(&mut self) -> Checks {
        let mut checks = Checks {
            invariants: Vec::new(),
            properties: Vec::new(),
            terminal: Vec::new(),
            constraints: Vec::new(),
        };
        let mut names: BTreeMap<String, Span> = BTreeMap::new();
        let mut unique = |cx: &mut Cx<'_>, name: &Ident| {
            if let Some(first) = names.get(&name.name) {
                let message = format!("`{name}` names two invariants or properties");
                cx.error(crate::resolve::duplicate(name, *first, message));
            } else {
                names.insert(name.name.clone(), name.span);
            }
        };
        let file = self.file;
        for item in &file.items {
            match item {
                ast::Item::Invariant(d) => {
                    unique(self, &d.name);
                    let cond = self.predicate(&d.cond);
                    checks.invariants.push(ir::Invariant {
                        name: d.name.name.clone(),
                        cond,
                        span: d.span,
                    });
                }
                ast::Item::Property(d) => {
                    unique(self, &d.name);
                    let formula = match &d.formula {
                        ast::Temporal::Always(e) => ir::Temporal::Always(self.predicate(e)),
                        ast::Temporal::Eventually(e) => ir::Temporal::Eventually(self.predicate(e)),
                        ast::Temporal::AlwaysEventually(e) => {
                            ir::Temporal::AlwaysEventually(self.predicate(e))
                        }
                        ast::Temporal::EventuallyAlways(e) => {
                            ir::Temporal::EventuallyAlways(self.predicate(e))
                        }
                        ast::Temporal::LeadsTo(p, q) => {
                            let p = self.predicate(p);
                            ir::Temporal::LeadsTo(p, self.predicate(q))
                        }
                    };
                    checks.properties.push(ir::Property {
                        name: d.name.name.clone(),
                        formula,
                        span: d.span,
                    });
                }
                ast::Item::Terminal(d) => {
                    let cond = self.predicate(&d.cond);
                    checks.terminal.push(ir::Predicate { cond, span: d.span });
                }
                ast::Item::Constraint(d) => {
                    let cond = self.predicate(&d.cond);
                    checks
                        .constraints
                        .push(ir::Predicate { cond, span: d.span });
                }
                _ => {}
            }
        }
        checks
    }

    fn fairness(&mut self, steps: &[StepInfo]) -> Vec<ir::FairnessConstraint> {
        let ids = |pred: &dyn Fn(&StepInfo) -> bool| -> Vec<StepId> {
            steps
                .iter()
                .enumerate()
                .filter(|(_, s)| pred(s))
                .map(|(i, _)| StepId(len_u32(i)))
                .collect()
        };
        let mut out = Vec::new();
        let file = self.file;
        for item in &file.items {
            let ast::Item::Fairness(decl) = item else {
                continue;
            };
            let strength = match decl.strength {
                ast::Fairness::Weak => ir::Fairness::Weak,
                ast::Fairness::Strong => ir::Fairness::Strong,
            };
            for target in &decl.targets {
                let (target, span) = match target {
                    ast::FairTarget::Step { role, step, span } => {
                        let Some(r) = self.role_named(role) else {
                            continue;
                        };
                        let found = ids(&|s| s.role == r && s.name == step.name);
                        if found.is_empty() {
                            let names: Vec<&str> = steps
                                .iter()
                                .filter(|s| s.role == r)
                                .map(|s| s.name.as_str())
                                .collect();
                            let mut d = Diagnostic::error(
                                step.span,
                                format!("role `{role}` has no step `{step}`"),
                            )
                            .with_label("unknown step");
                            if let Some(help) =
                                names::did_you_mean(&step.name, names.iter().copied())
                            {
                                d = d.with_note(help);
                            } else if !names.is_empty() {
                                d = d.with_note(format!(
                                    "note: its steps are {}",
                                    names
                                        .iter()
                                        .map(|n| format!("`{n}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ));
                            }
                            self.error(d);
                            continue;
                        }
                        (ir::FairTarget::Steps(found), *span)
                    }
                    ast::FairTarget::Receive {
                        role,
                        message,
                        span,
                    } => {
                        let Some(r) = self.role_named(role) else {
                            continue;
                        };
                        let m = match message {
                            Some(m) => match self.message_named(m) {
                                Some(m) => Some(m),
                                None => continue,
                            },
                            None => None,
                        };
                        let found = ids(&|s| {
                            s.role == r && s.receives.is_some() && (m.is_none() || s.receives == m)
                        });
                        if found.is_empty() {
                            let what = message
                                .as_ref()
                                .map_or(String::new(), |m| format!(" of `{m}`"));
                            self.error(
                                Diagnostic::error(
                                    *span,
                                    format!("role `{role}` has no receive step{what}"),
                                )
                                .with_label("this fairness constraint names no step"),
                            );
                            continue;
                        }
                        (ir::FairTarget::Steps(found), *span)
                    }
                    ast::FairTarget::Role { role, span } => {
                        let Some(r) = self.role_named(role) else {
                            continue;
                        };
                        let found = ids(&|s| s.role == r);
                        if found.is_empty() {
                            self.error(
                                Diagnostic::error(*span, format!("role `{role}` has no steps"))
                                    .with_label("this fairness constraint names no step"),
                            );
                            continue;
                        }
                        (ir::FairTarget::Steps(found), *span)
                    }
                    ast::FairTarget::Delivery { message, span } => {
                        let m = match message {
                            Some(m) => match self.message_named(m) {
                                Some(m) => Some(m),
                                None => continue,
                            },
                            None => None,
                        };
                        (ir::FairTarget::Delivery(m), *span)
                    }
                };
                out.push(ir::FairnessConstraint {
                    strength,
                    target,
                    span,
                });
            }
        }
        out
    }

    /// Warns about messages that no step sends.
    fn unsent_messages(&mut self) {
        for index in 0..self.messages.len() {
            let entry = &self.messages[index];
            if !entry.sent {
                let name = &entry.decl.name;
                let d = Diagnostic::warning(name.span, format!("message `{name}` is never sent"))
                    .with_label("no step sends this message")
                    .with_note("note: receive steps for it can never run");
                self.warn(d);
            }
        }
    }
}

fn finish(
    mut cx: Cx<'_>,
    network: ir::Network,
    crashes: Vec<ir::Crash>,
    steps: Vec<ir::Step>,
    checks: Checks,
    fairness: Vec<ir::FairnessConstraint>,
) -> Result<Compiled, Vec<Diagnostic>> {
    let file = cx.file;
    let bool_lit = |span| {
        crate::typeck::mk(
            ir::ExprKind::Lit(ir::Literal::Bool(false)),
            Type::Bool,
            span,
        )
    };
    let mut params = Vec::new();
    for index in 0..cx.params.len() {
        let (decl, ty, value) = {
            let p = &cx.params[index];
            (p.decl, p.ty.clone(), p.value.clone())
        };
        let ty = match ty {
            Some(t) => t,
            None => cx.placeholder(Type::Bool),
        };
        let value = match value {
            Some(v) => v,
            None => cx.placeholder(ir::Literal::Bool(false)),
        };
        params.push(ir::Param {
            name: decl.name.name.clone(),
            ty,
            value,
            span: decl.span,
        });
    }
    let mut consts = Vec::new();
    for index in 0..cx.consts.len() {
        let (decl, ty, value) = {
            let c = &cx.consts[index];
            (c.decl, c.ty.clone(), c.value.clone())
        };
        let ty = match ty {
            Some(t) => t,
            None => cx.placeholder(Type::Bool),
        };
        let value = match value {
            Some(v) => v,
            None => cx.placeholder(bool_lit(decl.span)),
        };
        consts.push(ir::Const {
            name: decl.name.name.clone(),
            ty,
            value,
            span: decl.span,
        });
    }
    let mut roles = Vec::new();
    for index in 0..cx.roles.len() {
        let count = match cx.roles[index].count {
            crate::resolve::Slot::Done(Some(n)) => n,
            _ => cx.placeholder(1),
        };
        let entry = &cx.roles[index];
        roles.push(ir::Role {
            name: entry.decl.name.name.clone(),
            count,
            indexed: entry.decl.count.is_some(),
            symmetric: entry.decl.symmetric.is_some(),
            vars: entry.vars.clone(),
            span: entry.decl.span,
        });
    }
    let mut vars = Vec::new();
    for index in 0..cx.vars.len() {
        let (decl, role, ty, init) = {
            let v = &cx.vars[index];
            (v.decl, v.role, v.ty.clone(), v.init.clone())
        };
        let ty = match ty {
            Some(t) => t,
            None => cx.placeholder(Type::Bool),
        };
        let init = match init {
            Some(f) => f,
            None => cx.placeholder(ir::Frame {
                locals: Vec::new(),
                expr: bool_lit(decl.span),
            }),
        };
        vars.push(ir::Var {
            name: decl.name.name.clone(),
            role,
            ty,
            init,
            persistent: decl.persistent.is_some(),
            synthetic: false,
            span: decl.span,
        });
    }
    let mut messages = Vec::new();
    for index in 0..cx.messages.len() {
        let decl = cx.messages[index].decl;
        let types = cx.messages[index].fields.clone();
        let mut fields = Vec::new();
        for (f, ty) in decl.fields.iter().zip(types) {
            let ty = match ty {
                Some(t) => t,
                None => cx.placeholder(Type::Bool),
            };
            fields.push(ir::Field {
                name: f.name.name.clone(),
                ty,
                span: f.span,
            });
        }
        messages.push(ir::MessageDef {
            name: decl.name.name.clone(),
            fields,
            span: decl.span,
        });
    }
    let mut functions = Vec::new();
    for index in 0..cx.functions.len() {
        let decl = cx.functions[index].decl;
        let sig = match &cx.functions[index].sig {
            crate::resolve::Slot::Done(Some(sig)) => Some(sig.clone()),
            _ => None,
        };
        let ret = match sig.and_then(|s| s.ret) {
            Some(t) => t,
            None => cx.placeholder(Type::Bool),
        };
        let body = match cx.functions[index].body.clone() {
            Some(b) => b,
            None => cx.placeholder(ir::Frame {
                locals: Vec::new(),
                expr: bool_lit(decl.span),
            }),
        };
        functions.push(ir::Function {
            name: decl.name.name.clone(),
            params: (0..decl.params.len())
                .map(|i| ir::LocalId(len_u32(i)))
                .collect(),
            ret,
            body,
            span: decl.span,
        });
    }
    if cx.errors.is_empty() && cx.placeholders > 0 {
        cx.errors.push(
            Diagnostic::error(
                file.name.span,
                "internal error: part of the spec could not be compiled, but no error was reported",
            )
            .with_note("note: this is a bug in specc; please report it with the spec"),
        );
    }
    if !cx.errors.is_empty() {
        let mut errors = cx.errors;
        errors.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
        return Err(errors);
    }
    let spec = ir::Spec {
        name: file.name.name.clone(),
        params,
        consts,
        enums: cx.enums,
        records: cx.records,
        roles,
        vars,
        messages,
        network,
        crashes,
        functions,
        steps,
        invariants: checks.invariants,
        properties: checks.properties,
        fairness,
        terminal: checks.terminal,
        constraints: checks.constraints,
    };
    let mut warnings = cx.warnings;
    warnings.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    Ok(Compiled { spec, warnings })
}
