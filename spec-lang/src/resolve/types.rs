//! Types as written to IR types: aliases, enums, records, bounds.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, EnumId, IntRange, MsgId, RecordId, RoleId, Type, TypeNamer, type_str};
use crate::names;
use crate::resolve::{Cx, Global, Slot, len_u32};

impl TypeNamer for Cx<'_> {
    fn enum_name(&self, id: EnumId) -> &str {
        self.enums.get(id.index()).map_or("?", |e| e.name.as_str())
    }
    fn record_name(&self, id: RecordId) -> &str {
        self.records
            .get(id.index())
            .map_or("?", |r| r.name.as_str())
    }
    fn role_name(&self, id: RoleId) -> &str {
        self.roles
            .get(id.index())
            .map_or("?", |r| r.decl.name.name.as_str())
    }
    fn message_name(&self, id: MsgId) -> &str {
        self.messages
            .get(id.index())
            .map_or("?", |m| m.decl.name.name.as_str())
    }
}

impl Cx<'_> {
    pub(crate) fn type_name(&self, ty: &Type) -> String {
        type_str(ty, self)
    }

    /// Resolves a type as written. `naming` names any enum or record written
    /// inline (the alias, or a name derived from where it was written).
    pub(crate) fn resolve_type(&mut self, t: &ast::TypeExpr, naming: &str) -> Option<Type> {
        match &t.kind {
            ast::TypeExprKind::Named(name) => self.named_type(name),
            ast::TypeExprKind::Range(lo, hi) => {
                let lo_v = self.constant_int(lo, "a range bound");
                let hi_v = self.constant_int(hi, "a range bound");
                let (lo_v, hi_v) = (lo_v?, hi_v?);
                if lo_v > hi_v {
                    self.error(
                        Diagnostic::error(t.span, format!("the range `{lo_v}..{hi_v}` is empty"))
                            .with_label("the lower bound must not exceed the upper bound"),
                    );
                    return None;
                }
                Some(Type::Int(Some(IntRange { lo: lo_v, hi: hi_v })))
            }
            ast::TypeExprKind::Enum(variants) => {
                let mut names_seen: Vec<&ast::Ident> = Vec::new();
                for v in variants {
                    if let Some(first) = names_seen.iter().find(|f| f.name == v.name) {
                        let message = format!("the enum variant `{v}` is listed twice");
                        self.error(crate::resolve::duplicate(v, first.span, message));
                    } else {
                        names_seen.push(v);
                    }
                }
                let name = self.fresh_enum_name(naming);
                let id = EnumId(len_u32(self.enums.len()));
                for (i, v) in names_seen.iter().enumerate() {
                    self.variants
                        .entry(v.name.clone())
                        .or_default()
                        .push((id, len_u32(i)));
                }
                self.enums.push(ir::EnumDef {
                    name,
                    variants: names_seen.iter().map(|v| v.name.clone()).collect(),
                    span: t.span,
                });
                Some(Type::Enum(id))
            }
            ast::TypeExprKind::Set(inner) => {
                Some(Type::Set(Box::new(self.resolve_type(inner, naming)?)))
            }
            ast::TypeExprKind::Seq(inner, bound) => {
                let elem = self.resolve_type(inner, naming);
                let bound = match bound {
                    None => None,
                    Some(b) => {
                        let n = self.constant_int(b, "a sequence bound")?;
                        match u32::try_from(n) {
                            Ok(n) => Some(n),
                            Err(_) => {
                                self.error(
                                    Diagnostic::error(
                                        b.span,
                                        format!("a sequence cannot hold at most {n} elements"),
                                    )
                                    .with_label("the bound must be zero or more"),
                                );
                                return None;
                            }
                        }
                    }
                };
                Some(Type::Seq(Box::new(elem?), bound))
            }
            ast::TypeExprKind::Map(k, v) => {
                let k = self.resolve_type(k, &format!("{naming}Key"));
                let v = self.resolve_type(v, naming);
                Some(Type::Map(Box::new(k?), Box::new(v?)))
            }
            ast::TypeExprKind::Record(fields) => {
                self.check_field_names(fields, "this record type");
                let mut out = Vec::new();
                let mut ok = true;
                for f in fields {
                    let sub = format!("{naming}{}", names::camel_case(&f.name.name));
                    match self.resolve_type(&f.ty, &sub) {
                        Some(ty) => out.push(ir::Field {
                            name: f.name.name.clone(),
                            ty,
                            span: f.span,
                        }),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Some(Type::Record(self.intern_record(out, naming, t.span)))
            }
            ast::TypeExprKind::Tuple(items) => {
                let items: Vec<Option<Type>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.resolve_type(item, &format!("{naming}{i}")))
                    .collect();
                Some(Type::Tuple(items.into_iter().collect::<Option<Vec<_>>>()?))
            }
            ast::TypeExprKind::Option(inner) => {
                Some(Type::Option(Box::new(self.resolve_type(inner, naming)?)))
            }
        }
    }

    fn named_type(&mut self, name: &ast::Ident) -> Option<Type> {
        match name.name.as_str() {
            "bool" => return Some(Type::Bool),
            "int" => return Some(Type::Int(None)),
            _ => {}
        }
        match self.globals.get(&name.name).copied() {
            Some(Global::Alias(i)) => self.alias(i),
            Some(Global::Role(r)) => Some(Type::Role(r)),
            Some(Global::Message(m)) => Some(Type::Message(m)),
            Some(other) => {
                self.error(
                    Diagnostic::error(name.span, format!("`{name}` is not a type"))
                        .with_label(format!("this names a {}", other.kind()))
                        .with_secondary(self.global_span(other), "declared here"),
                );
                None
            }
            None => {
                let mut candidates: Vec<&str> = vec!["bool", "int"];
                candidates.extend(self.globals.iter().filter_map(|(n, g)| {
                    matches!(g, Global::Alias(_) | Global::Role(_) | Global::Message(_))
                        .then_some(n.as_str())
                }));
                let mut d = Diagnostic::error(name.span, format!("unknown type `{name}`"))
                    .with_label("no type of this name");
                if let Some(help) = names::did_you_mean(&name.name, candidates) {
                    d = d.with_note(help);
                }
                self.error(d);
                None
            }
        }
    }

    /// The type a `type` alias stands for, resolved on first use.
    fn alias(&mut self, index: usize) -> Option<Type> {
        let entry = &mut self.aliases[index];
        match &entry.slot {
            Slot::Done(ty) => return ty.clone(),
            Slot::Busy => {
                let decl = entry.decl;
                entry.slot = Slot::Done(None);
                self.error(
                    Diagnostic::error(
                        decl.name.span,
                        format!("the type `{}` is defined in terms of itself", decl.name),
                    )
                    .with_label("this alias takes part in a cycle")
                    .with_note("help: a type alias must not refer back to itself"),
                );
                return None;
            }
            Slot::Todo => entry.slot = Slot::Busy,
        }
        let decl = entry.decl;
        let ty = self.resolve_type(&decl.ty, &decl.name.name);
        if let Slot::Busy = self.aliases[index].slot {
            self.aliases[index].slot = Slot::Done(ty.clone());
        }
        ty
    }

    /// Resolves every alias (so that errors in unused ones are reported too).
    pub(crate) fn aliases(&mut self) {
        for index in 0..self.aliases.len() {
            let _ = self.alias(index);
        }
    }

    fn fresh_enum_name(&self, base: &str) -> String {
        let base = if base.is_empty() { "Enum" } else { base };
        let taken = |name: &str| {
            self.enums.iter().any(|e| e.name == name) || self.records.iter().any(|r| r.name == name)
        };
        if !taken(base) {
            return base.to_string();
        }
        (2..)
            .map(|i| format!("{base}{i}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| base.to_string())
    }

    /// The record type with exactly these fields, created if new.
    pub(crate) fn intern_record(
        &mut self,
        fields: Vec<ir::Field>,
        naming: &str,
        span: ir::Span,
    ) -> RecordId {
        let same = |r: &ir::RecordDef| {
            r.fields.len() == fields.len()
                && r.fields
                    .iter()
                    .zip(&fields)
                    .all(|(a, b)| a.name == b.name && a.ty == b.ty)
        };
        if let Some(i) = self.records.iter().position(same) {
            return RecordId(len_u32(i));
        }
        let name = self.fresh_enum_name(if naming.is_empty() { "Record" } else { naming });
        self.records.push(ir::RecordDef { name, fields, span });
        RecordId(len_u32(self.records.len() - 1))
    }
}
