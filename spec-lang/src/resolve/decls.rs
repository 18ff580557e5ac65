//! Declarations after the constants: messages, roles and their variables,
//! functions, the network and faults.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, FnId, RoleId, Type};
use crate::names;
use crate::resolve::{Cx, FnSig, Slot, len_u32};
use crate::span::{Ident, Span};
use crate::typeck::Site;

impl Cx<'_> {
    /// Resolves the field types of every message.
    pub(crate) fn messages(&mut self) {
        for index in 0..self.messages.len() {
            let decl = self.messages[index].decl;
            let fields = decl
                .fields
                .iter()
                .map(|f| {
                    let naming = format!("{}{}", decl.name.name, names::camel_case(&f.name.name));
                    self.resolve_type(&f.ty, &naming)
                })
                .collect();
            self.messages[index].fields = fields;
        }
    }

    /// Computes every role's instance count and its variables' types.
    pub(crate) fn roles(&mut self) {
        for index in 0..self.roles.len() {
            let _ = self.role_count(RoleId(len_u32(index)));
        }
        for index in 0..self.vars.len() {
            let entry = &self.vars[index];
            let decl = entry.decl;
            let role = self.roles[entry.role.index()].decl;
            let naming = format!(
                "{}{}",
                names::camel_case(&role.name.name),
                names::camel_case(&decl.name.name)
            );
            self.vars[index].ty = self.resolve_type(&decl.ty, &naming);
        }
    }

    /// Checks every variable's initial value; local 0 is the instance.
    pub(crate) fn var_inits(&mut self) {
        for index in 0..self.vars.len() {
            let (decl, role, ty) = {
                let v = &self.vars[index];
                (v.decl, v.role, v.ty.clone())
            };
            let saved = self.enter(Site::VarInit { role });
            let me = Ident::new("self", decl.name.span);
            let _ = self.bind(&me, Some(Type::Role(role)), false);
            let init = match &ty {
                Some(ty) => self.check(&decl.init, ty),
                None => {
                    self.skim(&decl.init);
                    None
                }
            };
            let locals = self.leave(saved);
            self.vars[index].init = init.map(|expr| ir::Frame { locals, expr });
        }
    }

    /// A function's parameter and result types, resolved on first use.
    pub(crate) fn fn_sig(&mut self, id: FnId) -> Option<FnSig> {
        let entry = &mut self.functions[id.index()];
        match &entry.sig {
            Slot::Done(sig) => return sig.clone(),
            Slot::Busy => return None,
            Slot::Todo => entry.sig = Slot::Busy,
        }
        let decl = entry.decl;
        let base = names::camel_case(&decl.name.name);
        let params = decl
            .params
            .iter()
            .map(|p| {
                self.resolve_type(&p.ty, &format!("{base}{}", names::camel_case(&p.name.name)))
            })
            .collect();
        let ret = self.resolve_type(&decl.ret, &base);
        let sig = FnSig { params, ret };
        self.functions[id.index()].sig = Slot::Done(Some(sig.clone()));
        Some(sig)
    }

    /// Checks every function body, then reports recursion.
    pub(crate) fn fn_bodies(&mut self) {
        for index in 0..self.functions.len() {
            let id = FnId(len_u32(index));
            let Some(sig) = self.fn_sig(id) else {
                continue;
            };
            let decl = self.functions[index].decl;
            let saved = self.enter(Site::Function { id });
            let mut seen: Vec<&Ident> = Vec::new();
            for (p, ty) in decl.params.iter().zip(&sig.params) {
                if let Some(first) = seen.iter().find(|s| s.name == p.name.name) {
                    let message = format!("parameter `{}` is declared twice", p.name);
                    self.error(crate::resolve::duplicate(&p.name, first.span, message));
                }
                seen.push(&p.name);
                let _ = self.bind(&p.name, ty.clone(), true);
            }
            let body = match &sig.ret {
                Some(ret) => self.check(&decl.body, ret),
                None => {
                    self.skim(&decl.body);
                    None
                }
            };
            let locals = self.leave(saved);
            self.functions[index].body = body.map(|expr| ir::Frame { locals, expr });
        }
        self.recursion();
        self.const_calls();
    }

    /// Reports every cycle of calls once, naming the functions in it.
    fn recursion(&mut self) {
        let n = self.functions.len();
        for start in 0..n {
            // A path from `start` back to itself through functions with a
            // larger index only, so each cycle is reported at its smallest
            // member.
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            let mut visited = vec![false; n];
            let mut found: Option<Vec<usize>> = None;
            while let Some((f, next)) = stack.pop() {
                let calls: Vec<usize> = self.functions[f]
                    .calls
                    .iter()
                    .map(|(c, _)| c.index())
                    .collect();
                if next >= calls.len() {
                    continue;
                }
                stack.push((f, next + 1));
                let c = calls[next];
                if c == start {
                    let mut path: Vec<usize> = stack.iter().map(|(f, _)| *f).collect();
                    path.push(start);
                    found = Some(path);
                    break;
                }
                if c > start && !visited[c] {
                    visited[c] = true;
                    stack.push((c, 0));
                }
            }
            if let Some(path) = found {
                let names: Vec<String> = path
                    .iter()
                    .map(|i| format!("`{}`", self.functions[*i].decl.name))
                    .collect();
                let decl = self.functions[start].decl;
                let first_call = path
                    .get(1)
                    .and_then(|next| {
                        self.functions[start]
                            .calls
                            .iter()
                            .find(|(c, _)| c.index() == *next)
                    })
                    .map_or(decl.name.span, |(_, s)| *s);
                let message = if path.len() == 2 {
                    format!("function `{}` calls itself", decl.name)
                } else {
                    format!(
                        "functions call each other in a cycle: {}",
                        names.join(" -> ")
                    )
                };
                self.error(
                    Diagnostic::error(first_call, message)
                        .with_label("this call starts the cycle")
                        .with_secondary(decl.name.span, "function declared here")
                        .with_note(format!("note: the cycle is {}", names.join(" -> ")))
                        .with_note(
                            "note: functions may not be recursive; every evaluation must terminate",
                        ),
                );
            }
        }
    }

    /// A constant may call functions, but only ones that read constants
    /// declared before it (constants are evaluated in order).
    fn const_calls(&mut self) {
        let calls = std::mem::take(&mut self.const_calls);
        for (c, f, span) in calls {
            let mut todo = vec![f];
            let mut seen = vec![false; self.functions.len()];
            while let Some(g) = todo.pop() {
                if std::mem::replace(&mut seen[g.index()], true) {
                    continue;
                }
                let entry = &self.functions[g.index()];
                if let Some(&late) = entry.consts.iter().find(|k| **k >= c) {
                    let (fname, lname, lspan) = (
                        entry.decl.name.name.clone(),
                        self.consts[late.index()].decl.name.name.clone(),
                        self.consts[late.index()].decl.name.span,
                    );
                    let cname = self.consts[c.index()].decl.name.name.clone();
                    self.error(
                        Diagnostic::error(
                            span,
                            format!(
                                "constant `{cname}` calls `{fname}`, which reads constant `{lname}`"
                            ),
                        )
                        .with_label("this call needs a constant that is not computed yet")
                        .with_secondary(lspan, "declared here")
                        .with_note("help: declare constants before the constants that use them"),
                    );
                    break;
                }
                todo.extend(entry.calls.iter().map(|(g, _)| *g));
            }
        }
    }

    /// The network declaration (at most one; the default is a bag).
    pub(crate) fn network(&mut self) -> ir::Network {
        let mut network = ir::Network {
            kind: ir::NetworkKind::Bag,
            max_in_flight: None,
            synchronous: false,
            loss: None,
            duplication: None,
            partition: None,
            span: Span::DETACHED,
        };
        let mut first: Option<Span> = None;
        let file = self.file;
        for item in &file.items {
            let ast::Item::Network(decl) = item else {
                continue;
            };
            if let Some(first) = first {
                self.error(
                    Diagnostic::error(decl.span, "the network is declared twice")
                        .with_label("second declaration")
                        .with_secondary(first, "first declared here")
                        .with_note("note: a spec has at most one network declaration"),
                );
                continue;
            }
            first = Some(decl.span);
            network.kind = match decl.kind {
                ast::NetworkKind::Set => ir::NetworkKind::Set,
                ast::NetworkKind::Bag => ir::NetworkKind::Bag,
                ast::NetworkKind::Fifo => ir::NetworkKind::Fifo,
            };
            network.span = decl.span;
            network.synchronous = decl.synchronous;
            if let Some(e) = &decl.max_in_flight {
                network.max_in_flight = self.bound(e, 1, "`max_in_flight`");
            }
        }
        network
    }

    /// A constant bound of at least `min`.
    fn bound(&mut self, e: &ast::Expr, min: i64, what: &str) -> Option<u32> {
        let n = self.constant_int(e, what)?;
        match u32::try_from(n) {
            Ok(v) if n >= min => Some(v),
            _ => {
                self.error(
                    Diagnostic::error(e.span, format!("{what} must be at least {min}, not {n}"))
                        .with_label("out of range"),
                );
                None
            }
        }
    }

    /// The fault declarations: network faults go into `network`, crashes
    /// are returned.
    pub(crate) fn faults(&mut self, network: &mut ir::Network) -> Vec<ir::Crash> {
        let mut crashes: Vec<ir::Crash> = Vec::new();
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut crash_roles: Vec<(RoleId, Span)> = Vec::new();
        let file = self.file;
        for item in &file.items {
            let ast::Item::Fault(decl) = item else {
                continue;
            };
            let max = match &decl.max {
                Some(e) => match self.bound(e, 0, "a fault bound") {
                    Some(n) => Some(n),
                    None => continue,
                },
                None => None,
            };
            let key = match &decl.kind {
                ast::FaultKind::Loss => "loss",
                ast::FaultKind::Duplication => "duplication",
                ast::FaultKind::Partition => "partition",
                ast::FaultKind::CrashStop(role) | ast::FaultKind::CrashRecover(role) => {
                    let kind = if matches!(decl.kind, ast::FaultKind::CrashStop(_)) {
                        ir::CrashKind::Stop
                    } else {
                        ir::CrashKind::Recover
                    };
                    self.crash(decl, role, kind, max, &mut crash_roles, &mut crashes);
                    continue;
                }
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                self.error(
                    Diagnostic::error(decl.span, format!("fault `{key}` is declared twice"))
                        .with_label("second declaration")
                        .with_secondary(*first, "first declared here"),
                );
                continue;
            }
            seen.push((key, decl.span));
            let bound = Some(ir::FaultBound {
                max,
                span: decl.span,
            });
            match key {
                "loss" => network.loss = bound,
                "duplication" => {
                    if network.kind == ir::NetworkKind::Set {
                        let mut d = Diagnostic::error(decl.span, "duplication is meaningless on a `set` network")
                            .with_label("this fault cannot change anything")
                            .with_note("note: a set network already delivers every message any number of times");
                        if !network.span.is_detached() {
                            d = d.with_secondary(network.span, "the network is a set here");
                        }
                        self.error(d);
                        continue;
                    }
                    network.duplication = bound;
                }
                _ => network.partition = bound,
            }
        }
        crashes
    }

    fn crash(
        &mut self,
        decl: &ast::FaultDecl,
        role: &Ident,
        kind: ir::CrashKind,
        max: Option<u32>,
        crash_roles: &mut Vec<(RoleId, Span)>,
        crashes: &mut Vec<ir::Crash>,
    ) {
        let Some(r) = self.role_named(role) else {
            return;
        };
        let Some(max) = max else {
            let word = if kind == ir::CrashKind::Stop {
                "crash_stop"
            } else {
                "crash_recover"
            };
            self.error(
                Diagnostic::error(decl.span, "a crash fault needs a bound")
                    .with_label("missing `max N`")
                    .with_note(format!("help: write `fault {word} {role} max 1`")),
            );
            return;
        };
        if let Some((_, first)) = crash_roles.iter().find(|(x, _)| *x == r) {
            self.error(
                Diagnostic::error(
                    decl.span,
                    format!("crashes of role `{role}` are declared twice"),
                )
                .with_label("second declaration")
                .with_secondary(*first, "first declared here")
                .with_note("note: a role either crash-stops or crash-recovers"),
            );
            return;
        }
        crash_roles.push((r, decl.span));
        crashes.push(ir::Crash {
            role: r,
            kind,
            max,
            span: decl.span,
        });
    }
}
