//! Field access, indexing, records and message fields.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, ExprKind, Literal, Type};
use crate::names;
use crate::resolve::{Cx, Global, len_u32};
use crate::span::Span;
use crate::typeck::mk;

impl Cx<'_> {
    pub(crate) fn field(
        &mut self,
        base: &ast::Expr,
        field: &crate::span::Ident,
        span: Span,
    ) -> Option<ir::Expr> {
        let b = self.expr(base, None)?;
        let name = field.name.as_str();
        match b.ty.clone() {
            Type::Role(r) => {
                let Some(var) = self.role_var(r, name) else {
                    let decl = self.roles[r.index()].decl;
                    let mut d = Diagnostic::error(
                        field.span,
                        format!("role `{}` has no variable `{name}`", decl.name),
                    )
                    .with_label("unknown variable");
                    let vars: Vec<&str> = decl.vars.iter().map(|v| v.name.name.as_str()).collect();
                    if let Some(help) = names::did_you_mean(name, vars) {
                        d = d.with_note(help);
                    }
                    self.error(d);
                    return None;
                };
                self.var_access(var, b, span)
            }
            Type::Record(id) => {
                let fields = &self.records[id.index()].fields;
                let Some(i) = fields.iter().position(|f| f.name == name) else {
                    let shown = self.records[id.index()].name.clone();
                    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                    self.no_field(field, &format!("record `{shown}`"), &names);
                    return None;
                };
                let ty = fields[i].ty.clone();
                Some(mk(ExprKind::Field(Box::new(b), len_u32(i)), ty, span))
            }
            Type::Message(m) => {
                match name {
                    "from" | "to" => {
                        let ty = self.endpoint_type(m, name == "from", field.span)?;
                        let kind = if name == "from" {
                            ExprKind::Sender(Box::new(b))
                        } else {
                            ExprKind::Receiver(Box::new(b))
                        };
                        return Some(mk(kind, ty, span));
                    }
                    _ => {}
                }
                let decl = self.messages[m.index()].decl;
                let Some(i) = decl.fields.iter().position(|f| f.name.name == name) else {
                    let mut names: Vec<String> =
                        decl.fields.iter().map(|f| f.name.name.clone()).collect();
                    names.extend(["from".to_string(), "to".to_string()]);
                    self.no_field(field, &format!("message `{}`", decl.name), &names);
                    return None;
                };
                let ty = self.messages[m.index()].fields.get(i).cloned().flatten()?;
                Some(mk(ExprKind::Field(Box::new(b), len_u32(i)), ty, span))
            }
            Type::Set(inner)
                if matches!(*inner, Type::Role(_)) && matches!(b.kind, ExprKind::RoleSet(_)) =>
            {
                let shown = self.type_name(&inner);
                self.error(
                    Diagnostic::error(base.span, format!("`{shown}` is the set of all its instances"))
                        .with_label(format!("`.{name}` needs one instance"))
                        .with_note(format!("help: quantify over the instances, as in `forall r in {shown}: r.{name} ...`")),
                );
                None
            }
            other => {
                let shown = self.type_name(&other);
                self.error(
                    Diagnostic::error(field.span, format!("`{shown}` has no fields"))
                        .with_label(format!("`{name}` is not a field of this value")),
                );
                None
            }
        }
    }

    fn no_field(&mut self, field: &crate::span::Ident, owner: &str, names: &[String]) {
        let mut d = Diagnostic::error(field.span, format!("{owner} has no field `{}`", field.name))
            .with_label("unknown field");
        if let Some(help) = names::did_you_mean(&field.name, names.iter().map(String::as_str)) {
            d = d.with_note(help);
        }
        self.error(d);
    }

    /// The type of `m.from` (or `m.to`): an instance of the one role that
    /// sends (or receives) messages of this kind. Message values exist only
    /// in state predicates, which are checked after every step, so the roles
    /// are known by then.
    fn endpoint_type(&mut self, m: ir::MsgId, from: bool, span: Span) -> Option<Type> {
        let entry = &self.messages[m.index()];
        let roles = if from {
            &entry.senders
        } else {
            &entry.receivers
        };
        let msg = entry.decl.name.name.clone();
        let end = if from { "sent" } else { "received" };
        match roles.iter().copied().collect::<Vec<_>>().as_slice() {
            [r] => Some(Type::Role(*r)),
            [] => {
                self.error(
                    Diagnostic::error(span, format!("no role sends `{msg}`"))
                        .with_label(format!("so the role this message is {end} by is unknown")),
                );
                None
            }
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|r| format!("`{}`", self.roles[r.index()].decl.name))
                    .collect();
                self.error(
                    Diagnostic::error(
                        span,
                        format!("`{msg}` is {end} by several roles ({})", names.join(", ")),
                    )
                    .with_label("so this instance has no single role type")
                    .with_note("note: use a separate message kind per role"),
                );
                None
            }
        }
    }

    pub(crate) fn index(
        &mut self,
        base: &ast::Expr,
        index: &ast::Expr,
        span: Span,
    ) -> Option<ir::Expr> {
        if let ast::ExprKind::Name(id) = &base.kind
            && !self.local_names().contains(&id.name.as_str())
            && let Some(Global::Role(r)) = self.globals.get(&id.name).copied()
        {
            return self.instance_literal(r, id, index, span);
        }
        let b = self.expr(base, None)?;
        match b.ty.clone() {
            Type::Map(k, v) => {
                let i = self.check(index, &k)?;
                Some(mk(ExprKind::MapGet(Box::new(b), Box::new(i)), *v, span))
            }
            Type::Seq(t, _) => {
                let i = self.check(index, &Type::Int(None))?;
                Some(mk(ExprKind::SeqIndex(Box::new(b), Box::new(i)), *t, span))
            }
            other => {
                self.skim(index);
                self.expected(base.span, "a map or a sequence to index", &other);
                None
            }
        }
    }

    /// `Server[2]`: one instance of an indexed role, numbered from 1.
    fn instance_literal(
        &mut self,
        r: ir::RoleId,
        id: &crate::span::Ident,
        index: &ast::Expr,
        span: Span,
    ) -> Option<ir::Expr> {
        let decl = self.roles[r.index()].decl;
        if decl.count.is_none() {
            self.error(
                Diagnostic::error(
                    span,
                    format!("`{}` is a single instance and has no index", decl.name),
                )
                .with_label("only indexed roles (`role R[N]`) have numbered instances")
                .with_note(format!("help: write `{}`", decl.name)),
            );
            return None;
        }
        if let Some(sym) = decl.symmetric {
            self.error(
                Diagnostic::error(
                    span,
                    format!(
                        "`{}` is symmetric, so its instances cannot be named",
                        decl.name
                    ),
                )
                .with_label("this singles out one instance")
                .with_secondary(sym, "declared symmetric here")
                .with_note(format!(
                    "help: quantify (`forall r in {}`) or choose an instance instead",
                    decl.name
                )),
            );
            return None;
        }
        let value = self.constant_int(index, "an instance index")?;
        let count = self.role_count(r)?;
        if value < 1 || value > i64::from(count) {
            self.error(
                Diagnostic::error(index.span, format!("`{}` has no instance {value}", id.name))
                    .with_label(format!("instances are numbered 1 to {count}")),
            );
            return None;
        }
        let k = u32::try_from(value - 1).ok()?;
        Some(mk(
            ExprKind::Lit(Literal::Instance(r, k)),
            Type::Role(r),
            span,
        ))
    }

    pub(crate) fn record_lit(
        &mut self,
        fields: &[ast::FieldInit],
        expect: Option<&Type>,
        span: Span,
    ) -> Option<ir::Expr> {
        if let Some(Type::Record(id)) = expect {
            let id = *id;
            let decl: Vec<(String, Type)> = self.records[id.index()]
                .fields
                .iter()
                .map(|f| (f.name.clone(), f.ty.clone()))
                .collect();
            let record_name = self.records[id.index()].name.clone();
            let values =
                self.field_inits(fields, &decl, &format!("record `{record_name}`"), span)?;
            return Some(mk(ExprKind::RecordLit(values), Type::Record(id), span));
        }
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen: Vec<&str> = Vec::new();
        for f in fields {
            if seen.contains(&f.name.name.as_str()) {
                self.error(
                    Diagnostic::error(f.name.span, format!("field `{}` is given twice", f.name))
                        .with_label("again here"),
                );
                ok = false;
                continue;
            }
            seen.push(&f.name.name);
            match self.expr(&f.value, None) {
                Some(v) => out.push((f, v)),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        // Reuse a record type with the same field names and compatible types.
        let existing = self.records.iter().position(|r| {
            r.fields.len() == out.len()
                && out.iter().all(|(f, v)| {
                    r.fields
                        .iter()
                        .any(|rf| rf.name == f.name.name && rf.ty.compatible(&v.ty))
                })
        });
        let id = match existing {
            Some(i) => ir::RecordId(len_u32(i)),
            None => {
                let defs = out
                    .iter()
                    .map(|(f, v)| ir::Field {
                        name: f.name.name.clone(),
                        ty: v.ty.clone(),
                        span: f.span,
                    })
                    .collect();
                self.intern_record(defs, "Record", span)
            }
        };
        let order: Vec<String> = self.records[id.index()]
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let mut values = Vec::new();
        for name in order {
            let (_, v) = out.iter().find(|(f, _)| f.name.name == name)?;
            values.push(v.clone());
        }
        Some(mk(ExprKind::RecordLit(values), Type::Record(id), span))
    }

    /// One expression per declared field, each given exactly once.
    pub(crate) fn field_inits(
        &mut self,
        fields: &[ast::FieldInit],
        decl: &[(String, Type)],
        owner: &str,
        span: Span,
    ) -> Option<Vec<ir::Expr>> {
        let mut values: Vec<Option<ir::Expr>> = vec![None; decl.len()];
        let mut given: Vec<Option<Span>> = vec![None; decl.len()];
        let mut ok = true;
        for f in fields {
            let Some(i) = decl.iter().position(|(n, _)| *n == f.name.name) else {
                let names: Vec<String> = decl.iter().map(|(n, _)| n.clone()).collect();
                self.no_field(&f.name, owner, &names);
                self.skim(&f.value);
                ok = false;
                continue;
            };
            if let Some(first) = given[i] {
                self.error(
                    Diagnostic::error(f.name.span, format!("field `{}` is given twice", f.name))
                        .with_label("again here")
                        .with_secondary(first, "first given here"),
                );
                ok = false;
                continue;
            }
            given[i] = Some(f.name.span);
            values[i] = self.check(&f.value, &decl[i].1);
            ok &= values[i].is_some();
        }
        let missing: Vec<String> = decl
            .iter()
            .zip(&given)
            .filter(|(_, g)| g.is_none())
            .map(|((n, _), _)| format!("`{n}`"))
            .collect();
        // A misspelt field is reported once, as unknown, and not again as
        // missing.
        let misspelt = fields
            .iter()
            .any(|f| !decl.iter().any(|(n, _)| *n == f.name.name));
        if !missing.is_empty() && !misspelt {
            self.error(
                Diagnostic::error(
                    span,
                    format!(
                        "missing {} {} of {owner}",
                        if missing.len() == 1 {
                            "field"
                        } else {
                            "fields"
                        },
                        missing.join(", ")
                    ),
                )
                .with_label("every declared field must be given"),
            );
            return None;
        }
        if !ok || !missing.is_empty() {
            return None;
        }
        values.into_iter().collect()
    }

    pub(crate) fn with_index(
        &mut self,
        base: &ast::Expr,
        entries: &[(ast::Expr, ast::Expr)],
        expect: Option<&Type>,
        span: Span,
    ) -> Option<ir::Expr> {
        let b = self.expr(base, expect)?;
        let (key, value) = match &b.ty {
            Type::Map(k, v) => (k.as_ref().clone(), v.as_ref().clone()),
            Type::Seq(t, _) => (Type::Int(None), t.as_ref().clone()),
            other => {
                let other = other.clone();
                self.expected(base.span, "a map or a sequence", &other);
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (k, v) in entries {
            let k = self.check(k, &key);
            let v = self.check(v, &value);
            match (k, v) {
                (Some(k), Some(v)) => out.push((k, v)),
                _ => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let ty = b.ty.clone();
        Some(mk(ExprKind::WithIndex(Box::new(b), out), ty, span))
    }

    pub(crate) fn with_fields(
        &mut self,
        base: &ast::Expr,
        fields: &[ast::FieldInit],
        expect: Option<&Type>,
        span: Span,
    ) -> Option<ir::Expr> {
        let b = self.expr(base, expect)?;
        let Type::Record(id) = b.ty else {
            self.expected(base.span, "a record", &b.ty);
            return None;
        };
        let decl: Vec<(String, Type)> = self.records[id.index()]
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.ty.clone()))
            .collect();
        let owner = self.records[id.index()].name.clone();
        let mut out = Vec::new();
        let mut ok = true;
        for f in fields {
            let Some(i) = decl.iter().position(|(n, _)| *n == f.name.name) else {
                let names: Vec<String> = decl.iter().map(|(n, _)| n.clone()).collect();
                self.no_field(&f.name, &format!("record `{owner}`"), &names);
                ok = false;
                continue;
            };
            match self.check(&f.value, &decl[i].1) {
                Some(v) => out.push((len_u32(i), v)),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        Some(mk(
            ExprKind::WithFields(Box::new(b), out),
            Type::Record(id),
            span,
        ))
    }
}
