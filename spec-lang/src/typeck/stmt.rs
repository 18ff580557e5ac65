//! Steps and statements.

use crate::ast::{self, StmtKind as S};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, ExprKind, MsgId, RoleId, Selector, StepKind, Type, VarId};
use crate::names;
use crate::resolve::{Cx, Global, len_u32};
use crate::span::{Ident, Span};
use crate::typeck::{Site, mk};

impl Cx<'_> {
    /// Checks one step. The name is filled in by the lowering, which sees
    /// every step of the role.
    pub(crate) fn step(&mut self, decl: &ast::StepDecl) -> Option<ir::Step> {
        let role = self.role_named(&decl.role)?;
        let role_decl = self.roles[role.index()].decl;
        if role_decl.count.is_none()
            && let Some(binder) = &decl.binder
        {
            self.error(
                Diagnostic::error(
                    binder.span,
                    format!("`{}` is a single instance and has no index", role_decl.name),
                )
                .with_label("only steps of indexed roles bind the acting instance")
                .with_note(format!(
                    "help: write `on {}` and use `self`",
                    role_decl.name
                )),
            );
        }
        let saved = self.enter(Site::Step { role, sender: None });
        let self_name = decl
            .binder
            .clone()
            .unwrap_or_else(|| Ident::new("self", decl.role.span));
        let me = self.bind(&self_name, Some(Type::Role(role)), false);
        if decl.binder.is_some() {
            self.alias_local("self", me);
        }
        let kind = match &decl.trigger {
            ast::Trigger::Step { .. } => Some(StepKind::Internal),
            ast::Trigger::Timeout { .. } => Some(StepKind::Timeout),
            ast::Trigger::Receive(p) => self.receive(p, role).map(StepKind::Receive),
        };
        let guard = match &decl.guard {
            Some(g) => self.check(g, &Type::Bool),
            None => Some(mk(
                ExprKind::Lit(ir::Literal::Bool(true)),
                Type::Bool,
                decl.span,
            )),
        };
        let body = self.block(&decl.body);
        let locals = self.leave(saved);
        Some(ir::Step {
            name: String::new(),
            role,
            kind: kind?,
            locals,
            guard: guard?,
            body,
            span: decl.span,
            origin: None,
        })
    }

    /// The role a step or fairness target names.
    pub(crate) fn role_named(&mut self, name: &Ident) -> Option<RoleId> {
        match self.globals.get(&name.name).copied() {
            Some(Global::Role(r)) => Some(r),
            other => {
                let roles: Vec<&str> = self
                    .globals
                    .iter()
                    .filter_map(|(n, g)| matches!(g, Global::Role(_)).then_some(n.as_str()))
                    .collect();
                let mut d = Diagnostic::error(name.span, format!("unknown role `{name}`"));
                d = match other {
                    Some(g) => d.with_label(format!("this is a {}, not a role", g.kind())),
                    None => d.with_label("no role of this name"),
                };
                if let Some(help) = names::did_you_mean(&name.name, roles) {
                    d = d.with_note(help);
                }
                self.error(d);
                None
            }
        }
    }

    pub(crate) fn message_named(&mut self, name: &Ident) -> Option<MsgId> {
        match self.globals.get(&name.name).copied() {
            Some(Global::Message(m)) => Some(m),
            _ => {
                let messages: Vec<&str> = self
                    .globals
                    .iter()
                    .filter_map(|(n, g)| matches!(g, Global::Message(_)).then_some(n.as_str()))
                    .collect();
                let mut d = Diagnostic::error(name.span, format!("unknown message `{name}`"))
                    .with_label("no message of this name");
                if let Some(help) = names::did_you_mean(&name.name, messages) {
                    d = d.with_note(help);
                }
                self.error(d);
                None
            }
        }
    }

    /// The pattern of a receive step: its sender local, matches and bindings.
    fn receive(&mut self, p: &ast::ReceivePattern, role: RoleId) -> Option<ir::Receive> {
        let message = self.message_named(&p.message)?;
        let decl = self.messages[message.index()].decl;
        let field_types = self.messages[message.index()].fields.clone();
        let sender_ty = self.sender_type(message, role, p.from.as_ref());
        let sender = self.hidden_local(
            p.from.as_ref().map_or("sender", |f| f.name.as_str()),
            sender_ty,
            p.from.as_ref().map_or(p.span, |f| f.span),
        );
        self.site = Site::Step {
            role,
            sender: Some(sender),
        };
        let mut matches = Vec::new();
        let mut binds: Vec<(u32, &Ident, Option<Type>)> = Vec::new();
        let mut seen: Vec<(&str, Span)> = Vec::new();
        let mut unknown: Vec<&Ident> = Vec::new();
        let mut ok = true;
        for fp in &p.fields {
            let Some(index) = decl
                .fields
                .iter()
                .position(|f| f.name.name == fp.field.name)
            else {
                let mut names: Vec<&str> =
                    decl.fields.iter().map(|f| f.name.name.as_str()).collect();
                names.sort_unstable();
                let mut d = Diagnostic::error(
                    fp.field.span,
                    format!("message `{}` has no field `{}`", decl.name, fp.field),
                )
                .with_label("unknown field");
                if let Some(help) = names::did_you_mean(&fp.field.name, names) {
                    d = d.with_note(help);
                }
                self.error(d);
                ok = false;
                // Bind the name anyway, with an unknown type, so that its
                // uses in the body are not reported as unknown too.
                if let ast::Pattern::Bind(x) = &fp.pattern {
                    unknown.push(x);
                }
                continue;
            };
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == fp.field.name) {
                self.error(
                    Diagnostic::error(
                        fp.field.span,
                        format!("field `{}` appears twice in this pattern", fp.field),
                    )
                    .with_label("again here")
                    .with_secondary(*first, "first here"),
                );
                ok = false;
                continue;
            }
            seen.push((&fp.field.name, fp.field.span));
            let index = len_u32(index);
            let field_ty = field_types.get(index as usize).cloned().flatten();
            match &fp.pattern {
                ast::Pattern::Wildcard(_) => {}
                ast::Pattern::Bind(x) if !self.pattern_compares(x, field_ty.as_ref()) => {
                    binds.push((index, x, field_ty));
                }
                ast::Pattern::Bind(x) => {
                    let e = ast::Expr {
                        kind: ast::ExprKind::Name(x.clone()),
                        span: x.span,
                    };
                    match self.pattern_value(&e, field_ty.as_ref()) {
                        Some(v) => matches.push((index, v)),
                        None => ok = false,
                    }
                }
                ast::Pattern::Equals(e) => match self.pattern_value(e, field_ty.as_ref()) {
                    Some(v) => matches.push((index, v)),
                    None => ok = false,
                },
            }
        }
        // The bindings come into scope after the matches were checked: a
        // match may not read the message's own fields.
        if let Some(from) = &p.from {
            self.check_shadow(from, role);
            self.alias_local(&from.name, sender);
            self.set_warn_unused(sender);
        }
        for x in unknown {
            let _ = self.bind(x, None, false);
        }
        let mut bindings = Vec::new();
        let mut bound: Vec<&Ident> = Vec::new();
        for (index, x, ty) in binds {
            if let Some(first) = bound.iter().find(|b| b.name == x.name) {
                self.error(
                    Diagnostic::error(x.span, format!("`{x}` is bound twice in this pattern"))
                        .with_label("bound again here")
                        .with_secondary(first.span, "first bound here"),
                );
                ok = false;
                continue;
            }
            bound.push(x);
            ok &= self.check_shadow(x, role);
            ok &= ty.is_some();
            let local = self.bind(x, ty, true);
            let field = &decl.fields[index as usize].name;
            self.set_unused_hint(
                local,
                format!("help: write `{field}: _` to ignore this field"),
            );
            bindings.push((index, local));
        }
        ok.then_some(ir::Receive {
            message,
            sender,
            bindings,
            matches,
        })
    }

    /// Whether `field: x` compares the field with `x` instead of binding it.
    fn pattern_compares(&self, x: &Ident, field_ty: Option<&Type>) -> bool {
        if let Some(Global::Param(_) | Global::Const(_)) = self.globals.get(&x.name) {
            return true;
        }
        if let Some(Global::Role(r)) = self.globals.get(&x.name) {
            return self.roles[r.index()].decl.count.is_none();
        }
        match field_ty {
            Some(Type::Enum(e)) => self.enums[e.index()].variants.contains(&x.name),
            _ => self.variants.contains_key(&x.name),
        }
    }

    fn pattern_value(&mut self, e: &ast::Expr, ty: Option<&Type>) -> Option<ir::Expr> {
        match ty {
            Some(ty) => self.check(e, ty),
            None => {
                self.skim(e);
                None
            }
        }
    }

    /// A pattern binding may not hide a variable of the role or the acting
    /// instance; both would make the pattern read like a comparison.
    fn check_shadow(&mut self, x: &Ident, role: RoleId) -> bool {
        let hides_var = self.role_var(role, &x.name).is_some();
        let hides_local = self.local_names().contains(&x.name.as_str());
        if !hides_var && !hides_local {
            return true;
        }
        let what = if hides_var {
            format!(
                "the variable `{x}` of role `{}`",
                self.roles[role.index()].decl.name
            )
        } else {
            format!("the local `{x}`")
        };
        self.error(
            Diagnostic::error(x.span, format!("this pattern would bind a new `{x}`, hiding {what}"))
                .with_label("a bare name in a pattern binds a new local")
                .with_note(format!(
                    "help: to require the field to equal `{x}`, bind another name and add a guard: `field: v ... when v == {x}`"
                )),
        );
        false
    }

    /// The type of a receive's sender: an instance of the one role that
    /// sends this message.
    fn sender_type(&mut self, m: MsgId, at: RoleId, from: Option<&Ident>) -> Option<Type> {
        let senders: Vec<RoleId> = self.messages[m.index()].senders.iter().copied().collect();
        match senders.as_slice() {
            [r] => Some(Type::Role(*r)),
            [] => Some(Type::Role(at)),
            [first, ..] => {
                if let Some(from) = from {
                    let names: Vec<String> = senders
                        .iter()
                        .map(|r| format!("`{}`", self.roles[r.index()].decl.name))
                        .collect();
                    let msg = self.messages[m.index()].decl.name.name.clone();
                    self.error(
                        Diagnostic::error(
                            from.span,
                            format!("`{msg}` is sent by several roles ({})", names.join(", ")),
                        )
                        .with_label("so the sender has no single role type")
                        .with_note("note: use a separate message kind per sending role"),
                    );
                    return None;
                }
                Some(Type::Role(*first))
            }
        }
    }

    /// The statements of a block, in a scope of their own.
    pub(crate) fn block(&mut self, b: &ast::Block) -> Vec<ir::Stmt> {
        let mark = self.scope_mark();
        let mut out = Vec::new();
        for s in &b.stmts {
            if let Some(kind) = self.stmt(s) {
                out.push(ir::Stmt { kind, span: s.span });
            }
        }
        self.pop_scope(mark);
        out
    }

    fn stmt(&mut self, s: &ast::Stmt) -> Option<ir::StmtKind> {
        match &s.kind {
            S::Assign { target, value } => {
                let place = self.place(target);
                let value = match &place {
                    Some((_, _, ty)) => self.check(value, ty),
                    None => {
                        self.skim(value);
                        None
                    }
                };
                let ((var, path, _), value) = (place?, value?);
                Some(ir::StmtKind::Assign {
                    place: ir::Place {
                        var,
                        path,
                        span: target.span,
                    },
                    value,
                })
            }
            S::Let { name, value } => {
                let value = self.expr(value, None);
                let local = self.bind(name, value.as_ref().map(|v| v.ty.clone()), true);
                Some(ir::StmtKind::Let {
                    local,
                    value: value?,
                })
            }
            S::Choose { name, set, filter } => {
                let set = self.collection(set, false);
                let elem = set.as_ref().and_then(|s| super::expr::elem_type(&s.ty));
                let local = self.bind(name, elem, true);
                let filter = match filter {
                    Some(f) => Some(self.check(f, &Type::Bool)?),
                    None => None,
                };
                Some(ir::StmtKind::Choose {
                    local,
                    set: set?,
                    filter,
                })
            }
            S::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = self.check(cond, &Type::Bool);
                let then = self.block(then);
                let otherwise = otherwise
                    .as_ref()
                    .map(|b| self.block(b))
                    .unwrap_or_default();
                Some(ir::StmtKind::If {
                    cond: cond?,
                    then,
                    otherwise,
                })
            }
            S::For { name, set, body } => {
                let set = self.collection(set, true);
                let elem = set.as_ref().and_then(|s| super::expr::elem_type(&s.ty));
                let mark = self.scope_mark();
                let local = self.bind(name, elem, true);
                let body = self.block(body);
                self.pop_scope(mark);
                Some(ir::StmtKind::For {
                    local,
                    set: set?,
                    body,
                })
            }
            S::Send { message, to } => {
                let value = self.message_value(message);
                let to = self.expr(to, None);
                let (value, to) = (value?, to?);
                let Type::Role(r) = to.ty else {
                    let mut_hint = matches!(to.ty, Type::Set(_));
                    self.expected(to.span, "a role instance", &to.ty);
                    if mut_hint && let Some(d) = self.errors.last_mut() {
                        d.notes.push(
                            "help: to send to every instance of a set, use `broadcast`".to_string(),
                        );
                    }
                    return None;
                };
                self.messages[value.message.index()].receivers.insert(r);
                Some(ir::StmtKind::Send { message: value, to })
            }
            S::Broadcast { message, to } => {
                let value = self.message_value(message);
                let to = self.expr(to, None);
                let (value, to) = (value?, to?);
                let Type::Set(inner) = &to.ty else {
                    self.expected(
                        to.span,
                        "a set of role instances or an indexed role",
                        &to.ty,
                    );
                    if matches!(to.ty, Type::Role(_))
                        && let Some(d) = self.errors.last_mut()
                    {
                        d.notes
                            .push("help: to send to one instance, use `send`".to_string());
                    }
                    return None;
                };
                let Type::Role(r) = **inner else {
                    self.expected(
                        to.span,
                        "a set of role instances or an indexed role",
                        &to.ty,
                    );
                    return None;
                };
                self.messages[value.message.index()].receivers.insert(r);
                Some(ir::StmtKind::Broadcast {
                    message: value,
                    to,
                    exclude_self: true,
                })
            }
            S::Reply { message } => {
                let value = self.message_value(message);
                let Some(sender) = self.sender_local() else {
                    self.error(
                        Diagnostic::error(s.span, "`reply` is only allowed in a receive step")
                            .with_label("there is no received message to reply to")
                            .with_note("help: use `send Msg { ... } to instance`"),
                    );
                    return None;
                };
                let value = value?;
                self.touch_local(sender);
                let ty = self.local_type(sender)?;
                if let Type::Role(r) = ty {
                    self.messages[value.message.index()].receivers.insert(r);
                }
                let to = mk(ExprKind::Local(sender), ty, s.span);
                Some(ir::StmtKind::Send { message: value, to })
            }
            S::Assert { cond, message } => {
                let cond = self.check(cond, &Type::Bool)?;
                Some(ir::StmtKind::Assert {
                    cond,
                    message: message.clone(),
                })
            }
            S::Skip => None,
        }
    }

    fn message_value(&mut self, m: &ast::MessageExpr) -> Option<ir::MessageValue> {
        let id = self.message_named(&m.name);
        let Some(id) = id else {
            for f in &m.fields {
                self.skim(&f.value);
            }
            return None;
        };
        let entry = &self.messages[id.index()];
        let decl: Option<Vec<(String, Type)>> = entry
            .decl
            .fields
            .iter()
            .zip(&entry.fields)
            .map(|(f, ty)| ty.clone().map(|ty| (f.name.name.clone(), ty)))
            .collect();
        self.messages[id.index()].sent = true;
        let decl = decl?;
        let fields =
            self.field_inits(&m.fields, &decl, &format!("message `{}`", m.name), m.span)?;
        Some(ir::MessageValue {
            message: id,
            fields,
            span: m.span,
        })
    }

    /// An assignment target: a variable of the acting instance with
    /// selectors, and the type stored there.
    fn place(&mut self, e: &ast::Expr) -> Option<(VarId, Vec<Selector>, Type)> {
        match &e.kind {
            ast::ExprKind::Name(id) => {
                if let Some((_, _)) = self.local(&id.name) {
                    self.error(
                        Diagnostic::error(id.span, format!("cannot assign to `{id}`: it is a local, and locals are immutable"))
                            .with_label("not a variable")
                            .with_note("help: only the acting instance's variables can be assigned; use a new `let` for a new value"),
                    );
                    return None;
                }
                if let Some(role) = self.acting_role()
                    && let Some(var) = self.role_var(role, &id.name)
                {
                    let ty = self.vars[var.index()].ty.clone()?;
                    return Some((var, Vec::new(), ty));
                }
                if self.name(id, None).is_some() {
                    self.error(
                        Diagnostic::error(id.span, format!("cannot assign to `{id}`"))
                            .with_label("only variables of the acting instance can be assigned"),
                    );
                }
                None
            }
            ast::ExprKind::Field(base, field) => {
                if self.names_instance(base) {
                    let b = self.expr(base, None)?;
                    let Type::Role(owner) = b.ty else {
                        return None;
                    };
                    let Some(var) = self.role_var(owner, &field.name) else {
                        let _ = self.expr(e, None);
                        return None;
                    };
                    if !self.is_acting_instance(&b) {
                        let at = self
                            .acting_role()
                            .map(|r| self.roles[r.index()].decl.name.name.clone())
                            .unwrap_or_default();
                        self.error(
                            Diagnostic::error(e.span, format!("a step at {at} may only write its own variables; `{}` belongs to {}", field.name, if Some(owner) == self.acting_role() { format!("another instance of {at}") } else { self.roles[owner.index()].decl.name.name.clone() }))
                                .with_label("not a variable of the acting instance")
                                .with_note("help: send the value in a message"),
                        );
                        return None;
                    }
                    let ty = self.vars[var.index()].ty.clone()?;
                    return Some((var, Vec::new(), ty));
                }
                let (var, mut path, ty) = self.place(base)?;
                let Type::Record(id) = ty else {
                    self.expected(base.span, "a record", &ty);
                    return None;
                };
                let fields = &self.records[id.index()].fields;
                let Some(i) = fields.iter().position(|f| f.name == field.name) else {
                    let _ = self.expr(e, None);
                    return None;
                };
                let ty = fields[i].ty.clone();
                path.push(Selector::Field(len_u32(i)));
                Some((var, path, ty))
            }
            ast::ExprKind::TupleIndex(base, n, _) => {
                let (var, mut path, ty) = self.place(base)?;
                let Type::Tuple(items) = ty else {
                    self.expected(base.span, "a tuple", &ty);
                    return None;
                };
                let Some(ty) = items.get(*n as usize).cloned() else {
                    let _ = self.expr(e, None);
                    return None;
                };
                path.push(Selector::TupleIndex(*n));
                Some((var, path, ty))
            }
            ast::ExprKind::Index(base, index) => {
                let (var, mut path, ty) = self.place(base)?;
                let (key, value) = match ty {
                    Type::Map(k, v) => (*k, *v),
                    Type::Seq(t, _) => (Type::Int(None), *t),
                    other => {
                        self.expected(base.span, "a map or a sequence", &other);
                        return None;
                    }
                };
                let k = self.check(index, &key)?;
                path.push(Selector::Index(k));
                Some((var, path, value))
            }
            _ => {
                let _ = self.expr(e, None);
                self.error(
                    Diagnostic::error(e.span, "cannot assign to this expression").with_label(
                        "expected a variable, optionally followed by `.field`, `.0` or `[key]`",
                    ),
                );
                None
            }
        }
    }

    /// Whether `base` in `base.x` names a role instance (so `x` is a
    /// variable), rather than a variable holding a record.
    fn names_instance(&self, base: &ast::Expr) -> bool {
        let id = match &base.kind {
            ast::ExprKind::Name(id) => id,
            ast::ExprKind::Index(inner, _) => {
                return matches!(&inner.kind, ast::ExprKind::Name(id)
                    if !self.local_names().contains(&id.name.as_str())
                        && matches!(self.globals.get(&id.name), Some(Global::Role(_))));
            }
            _ => return false,
        };
        if let Some(ty) = self.peek_local(&id.name) {
            return matches!(ty, Some(Type::Role(_)));
        }
        if let Some(role) = self.acting_role()
            && self.role_var(role, &id.name).is_some()
        {
            return false;
        }
        matches!(self.globals.get(&id.name), Some(Global::Role(_)))
    }
}
