//! A readable, stable rendering of the IR in spec-like syntax.
//!
//! Used by snapshot tests and `specc check --dump-ir`. Every name is printed
//! as the user wrote it; nested operators are fully parenthesised so that
//! the structure of an expression is visible; each step lists its locals.
//! The output depends only on the IR, never on hash order or addresses.

use std::fmt::{self, Write};

use crate::ir::*;

/// Names of the nominal types, for showing a type to a user.
pub(crate) trait TypeNamer {
    fn enum_name(&self, id: EnumId) -> &str;
    fn record_name(&self, id: RecordId) -> &str;
    fn role_name(&self, id: RoleId) -> &str;
    fn message_name(&self, id: MsgId) -> &str;
}

/// A type as a user would write it: `set<RM>`, `0..3`, `TmPhase`.
pub(crate) fn type_str(ty: &Type, n: &dyn TypeNamer) -> String {
    match ty {
        Type::Bool => "bool".to_string(),
        Type::Int(None) => "int".to_string(),
        Type::Int(Some(r)) => format!("{}..{}", r.lo, r.hi),
        Type::Enum(id) => n.enum_name(*id).to_string(),
        Type::Role(id) => n.role_name(*id).to_string(),
        Type::Set(t) => format!("set<{}>", type_str(t, n)),
        Type::Seq(t, None) => format!("seq<{}>", type_str(t, n)),
        Type::Seq(t, Some(b)) => format!("seq<{}, {b}>", type_str(t, n)),
        Type::Map(k, v) => format!("map<{}, {}>", type_str(k, n), type_str(v, n)),
        Type::Record(id) => n.record_name(*id).to_string(),
        Type::Tuple(ts) => format!(
            "({})",
            ts.iter()
                .map(|t| type_str(t, n))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Option(t) => format!("option<{}>", type_str(t, n)),
        Type::Message(id) => n.message_name(*id).to_string(),
    }
}

impl TypeNamer for Spec {
    fn enum_name(&self, id: EnumId) -> &str {
        self.enums.get(id.index()).map_or("?", |e| e.name.as_str())
    }
    fn record_name(&self, id: RecordId) -> &str {
        self.records
            .get(id.index())
            .map_or("?", |r| r.name.as_str())
    }
    fn role_name(&self, id: RoleId) -> &str {
        self.roles.get(id.index()).map_or("?", |r| r.name.as_str())
    }
    fn message_name(&self, id: MsgId) -> &str {
        self.messages
            .get(id.index())
            .map_or("?", |m| m.name.as_str())
    }
}

impl Spec {
    /// A type as the user would write it.
    pub fn type_name(&self, ty: &Type) -> String {
        type_str(ty, self)
    }

    /// A literal as the user would write it (`Committed`, `RM[2]`).
    pub fn literal_text(&self, lit: &Literal) -> String {
        match lit {
            Literal::Bool(b) => b.to_string(),
            Literal::Int(n) => n.to_string(),
            Literal::Variant(e, i) => self
                .enums
                .get(e.index())
                .and_then(|e| e.variants.get(*i as usize))
                .map_or_else(|| "?".to_string(), Clone::clone),
            Literal::Instance(r, i) => self.instance_name(*r, *i),
        }
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out)?;
        f.write_str(&out)
    }
}

impl Spec {
    fn write(&self, out: &mut String) -> fmt::Result {
        writeln!(out, "protocol {}", self.name)?;
        let t = |ty: &Type| self.type_name(ty);
        let blank = |out: &mut String, any: bool| {
            if any {
                out.push('\n')
            }
        };
        blank(out, !self.params.is_empty() || !self.consts.is_empty());
        for p in &self.params {
            writeln!(
                out,
                "param {}: {} = {}",
                p.name,
                t(&p.ty),
                self.literal_text(&p.value)
            )?;
        }
        for c in &self.consts {
            let value = Printer::new(self, &[]).expr(&c.value);
            writeln!(out, "const {}: {} = {value}", c.name, t(&c.ty))?;
        }
        blank(out, !self.enums.is_empty() || !self.records.is_empty());
        for e in &self.enums {
            writeln!(out, "enum {} {{ {} }}", e.name, e.variants.join(", "))?;
        }
        for r in &self.records {
            let fields: Vec<String> = r
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.name, t(&f.ty)))
                .collect();
            writeln!(out, "record {} {{ {} }}", r.name, fields.join(", "))?;
        }
        for role in &self.roles {
            out.push('\n');
            let count = if role.indexed {
                format!("[{}]", role.count)
            } else {
                String::new()
            };
            let sym = if role.symmetric { " symmetric" } else { "" };
            writeln!(out, "role {}{count}{sym} {{", role.name)?;
            for v in role.vars.iter().filter_map(|v| self.vars.get(v.index())) {
                let persistent = if v.persistent { "persistent " } else { "" };
                let synthetic = if v.synthetic { "  // synthetic" } else { "" };
                let init = Printer::new(self, &v.init.locals).expr(&v.init.expr);
                writeln!(
                    out,
                    "  {persistent}var {}: {} = {init}{synthetic}",
                    v.name,
                    t(&v.ty)
                )?;
            }
            writeln!(out, "}}")?;
        }
        blank(out, !self.messages.is_empty());
        for m in &self.messages {
            if m.fields.is_empty() {
                writeln!(out, "message {}", m.name)?;
            } else {
                let fields: Vec<String> = m
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, t(&f.ty)))
                    .collect();
                writeln!(out, "message {} {{ {} }}", m.name, fields.join(", "))?;
            }
        }
        out.push('\n');
        self.write_network(out)?;
        for func in &self.functions {
            out.push('\n');
            let p = Printer::new(self, &func.body.locals);
            let params: Vec<String> = func
                .params
                .iter()
                .map(|l| format!("{}: {}", p.local_name(*l), p.local_type(*l)))
                .collect();
            writeln!(
                out,
                "fn {}({}) -> {} =",
                func.name,
                params.join(", "),
                t(&func.ret)
            )?;
            writeln!(out, "  {}", p.expr(&func.body.expr))?;
        }
        for (i, step) in self.steps.iter().enumerate() {
            out.push('\n');
            self.write_step(out, i, step)?;
        }
        blank(
            out,
            !self.invariants.is_empty() || !self.properties.is_empty(),
        );
        for inv in &self.invariants {
            writeln!(out, "invariant {}: {}", inv.name, frame(self, &inv.cond))?;
        }
        for prop in &self.properties {
            let formula = match &prop.formula {
                Temporal::Always(p) => format!("always {}", frame(self, p)),
                Temporal::Eventually(p) => format!("eventually {}", frame(self, p)),
                Temporal::AlwaysEventually(p) => format!("always eventually {}", frame(self, p)),
                Temporal::EventuallyAlways(p) => format!("eventually always {}", frame(self, p)),
                Temporal::LeadsTo(p, q) => {
                    let p = Printer::new(self, &p.locals).operand(&p.expr);
                    let q = Printer::new(self, &q.locals).operand(&q.expr);
                    format!("{p} leads_to {q}")
                }
            };
            writeln!(out, "property {}: {formula}", prop.name)?;
        }
        for term in &self.terminal {
            writeln!(out, "terminal when {}", frame(self, &term.cond))?;
        }
        for c in &self.constraints {
            writeln!(out, "constraint {}", frame(self, &c.cond))?;
        }
        for fair in &self.fairness {
            let strength = match fair.strength {
                Fairness::Weak => "weak",
                Fairness::Strong => "strong",
            };
            let target = match &fair.target {
                FairTarget::Steps(ids) => ids
                    .iter()
                    .filter_map(|id| self.steps.get(id.index()))
                    .map(|s| format!("{}.{}", self.role_name(s.role), s.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                FairTarget::Delivery(None) => "delivery".to_string(),
                FairTarget::Delivery(Some(m)) => format!("delivery {}", self.message_name(*m)),
            };
            writeln!(out, "fair {strength} {target}")?;
        }
        Ok(())
    }

    fn write_network(&self, out: &mut String) -> fmt::Result {
        let n = &self.network;
        write!(out, "network {}", n.kind)?;
        if n.synchronous {
            out.push_str(" synchronous");
        }
        if let Some(max) = n.max_in_flight {
            write!(out, " max_in_flight {max}")?;
        }
        out.push('\n');
        let bound = |b: &FaultBound| b.max.map_or(String::new(), |m| format!(" max {m}"));
        for (name, fault) in [
            ("loss", &n.loss),
            ("duplication", &n.duplication),
            ("partition", &n.partition),
        ] {
            if let Some(b) = fault {
                writeln!(out, "fault {name}{}", bound(b))?;
            }
        }
        for c in &self.crashes {
            let kind = match c.kind {
                CrashKind::Stop => "crash_stop",
                CrashKind::Recover => "crash_recover",
            };
            writeln!(out, "fault {kind} {} max {}", self.role_name(c.role), c.max)?;
        }
        Ok(())
    }

    /// What a choreography became: for each role that takes part, its
    /// synthetic variables and the steps projected from the choreography,
    /// each headed by the choreography line it came from. `locate` turns a
    /// span into text such as `12:5`.
    pub fn projection_text(&self, locate: &dyn Fn(Span) -> String) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_projection(&mut out, locate);
        out
    }

    fn write_projection(&self, out: &mut String, locate: &dyn Fn(Span) -> String) -> fmt::Result {
        for (index, role) in self.roles.iter().enumerate() {
            let steps: Vec<(usize, &Step)> = self
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.role.index() == index && s.origin.is_some())
                .collect();
            let vars: Vec<&Var> = role
                .vars
                .iter()
                .filter_map(|v| self.vars.get(v.index()))
                .filter(|v| v.synthetic)
                .collect();
            if steps.is_empty() && vars.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            let count = if role.indexed {
                format!("[{}]", role.count)
            } else {
                String::new()
            };
            writeln!(out, "role {}{count} {{", role.name)?;
            for v in vars {
                let ty = match &v.ty {
                    Type::Enum(e) => self.enums.get(e.index()).map_or_else(
                        || self.type_name(&v.ty),
                        |e| format!("enum {{ {} }}", e.variants.join(", ")),
                    ),
                    other => self.type_name(other),
                };
                let init = Printer::new(self, &v.init.locals).expr(&v.init.expr);
                writeln!(out, "  var {}: {ty} = {init}", v.name)?;
            }
            writeln!(out, "}}")?;
            for (_, step) in steps {
                out.push('\n');
                if let Some(origin) = step.origin {
                    writeln!(out, "// from the choreography at {}", locate(origin))?;
                }
                self.write_step_body(out, step)?;
            }
        }
        Ok(())
    }

    fn write_step(&self, out: &mut String, index: usize, step: &Step) -> fmt::Result {
        writeln!(out, "// step {index}")?;
        let locals: Vec<String> = step
            .locals
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{i} {}: {}", l.name, self.type_name(&l.ty)))
            .collect();
        writeln!(out, "// locals: {}", locals.join(", "))?;
        self.write_step_body(out, step)
    }

    /// A step as source: `on Role ... when guard { body }`.
    fn write_step_body(&self, out: &mut String, step: &Step) -> fmt::Result {
        let p = Printer::new(self, &step.locals);
        let role = self.role_name(step.role);
        let me = p.local_name(Step::SELF);
        let trigger = match &step.kind {
            StepKind::Internal => format!("step {}", step.name),
            StepKind::Timeout => format!("timeout {}", step.name),
            StepKind::Receive(r) => {
                let msg = self.messages.get(r.message.index());
                let field = |i: u32| {
                    msg.and_then(|m| m.fields.get(i as usize))
                        .map_or("?", |f| f.name.as_str())
                };
                let mut parts: Vec<String> = r
                    .bindings
                    .iter()
                    .map(|(i, l)| format!("{}: {}", field(*i), p.local_name(*l)))
                    .collect();
                parts.extend(
                    r.matches
                        .iter()
                        .map(|(i, e)| format!("{} == {}", field(*i), p.expr(e))),
                );
                let fields = if parts.is_empty() {
                    String::new()
                } else {
                    format!(" {{ {} }}", parts.join(", "))
                };
                format!(
                    "receive {}{fields} from {} as {}",
                    self.message_name(r.message),
                    p.local_name(r.sender),
                    step.name
                )
            }
        };
        let indexed = self.roles.get(step.role.index()).is_some_and(|r| r.indexed);
        if indexed {
            writeln!(out, "on {role}[{me}] {trigger}")?;
        } else {
            writeln!(out, "on {role} {trigger}")?;
        }
        writeln!(out, "  when {}", p.expr(&step.guard))?;
        writeln!(out, "{{")?;
        p.stmts(out, &step.body, 1)?;
        writeln!(out, "}}")
    }
}

fn frame(spec: &Spec, f: &Frame) -> String {
    Printer::new(spec, &f.locals).expr(&f.expr)
}

/// Prints expressions and statements of one frame.
struct Printer<'a> {
    spec: &'a Spec,
    locals: &'a [Local],
}

impl<'a> Printer<'a> {
    fn new(spec: &'a Spec, locals: &'a [Local]) -> Printer<'a> {
        Printer { spec, locals }
    }

    fn local_name(&self, id: LocalId) -> String {
        self.locals
            .get(id.index())
            .map_or_else(|| format!("_{}", id.0), |l| l.name.clone())
    }

    fn local_type(&self, id: LocalId) -> String {
        self.locals
            .get(id.index())
            .map_or_else(|| "?".to_string(), |l| self.spec.type_name(&l.ty))
    }

    fn stmts(&self, out: &mut String, stmts: &[Stmt], depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        for s in stmts {
            match &s.kind {
                StmtKind::Assign { place, value } => {
                    let mut target = self
                        .spec
                        .vars
                        .get(place.var.index())
                        .map_or("?".to_string(), |v| v.name.clone());
                    let mut ty = self.spec.vars.get(place.var.index()).map(|v| v.ty.clone());
                    for sel in &place.path {
                        match sel {
                            Selector::Field(i) => {
                                let field = match &ty {
                                    Some(Type::Record(r)) => self
                                        .spec
                                        .records
                                        .get(r.index())
                                        .and_then(|r| r.fields.get(*i as usize)),
                                    _ => None,
                                };
                                target.push('.');
                                target.push_str(field.map_or("?", |f| f.name.as_str()));
                                ty = field.map(|f| f.ty.clone());
                            }
                            Selector::TupleIndex(i) => {
                                write!(target, ".{i}")?;
                                ty = match ty {
                                    Some(Type::Tuple(ts)) => ts.get(*i as usize).cloned(),
                                    _ => None,
                                };
                            }
                            Selector::Index(k) => {
                                write!(target, "[{}]", self.expr(k))?;
                                ty = match ty {
                                    Some(Type::Map(_, v)) => Some(*v),
                                    Some(Type::Seq(t, _)) => Some(*t),
                                    _ => None,
                                };
                            }
                        }
                    }
                    writeln!(out, "{pad}{target} := {}", self.expr(value))?;
                }
                StmtKind::Let { local, value } => {
                    writeln!(
                        out,
                        "{pad}let {} = {}",
                        self.local_name(*local),
                        self.expr(value)
                    )?;
                }
                StmtKind::Choose { local, set, filter } => {
                    let filter = filter
                        .as_ref()
                        .map_or(String::new(), |f| format!(" where {}", self.expr(f)));
                    writeln!(
                        out,
                        "{pad}choose {} in {}{filter}",
                        self.local_name(*local),
                        self.expr(set)
                    )?;
                }
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    writeln!(out, "{pad}if {} {{", self.expr(cond))?;
                    self.stmts(out, then, depth + 1)?;
                    if otherwise.is_empty() {
                        writeln!(out, "{pad}}}")?;
                    } else {
                        writeln!(out, "{pad}}} else {{")?;
                        self.stmts(out, otherwise, depth + 1)?;
                        writeln!(out, "{pad}}}")?;
                    }
                }
                StmtKind::For { local, set, body } => {
                    writeln!(
                        out,
                        "{pad}for {} in {} {{",
                        self.local_name(*local),
                        self.expr(set)
                    )?;
                    self.stmts(out, body, depth + 1)?;
                    writeln!(out, "{pad}}}")?;
                }
                StmtKind::Send { message, to } => {
                    writeln!(
                        out,
                        "{pad}send {} to {}",
                        self.message(message),
                        self.expr(to)
                    )?;
                }
                StmtKind::Broadcast {
                    message,
                    to,
                    exclude_self,
                } => {
                    let ex = if *exclude_self { " except self" } else { "" };
                    writeln!(
                        out,
                        "{pad}broadcast {} to {}{ex}",
                        self.message(message),
                        self.expr(to)
                    )?;
                }
                StmtKind::Assert { cond, message } => {
                    let m = message
                        .as_ref()
                        .map_or(String::new(), |m| format!(", {m:?}"));
                    writeln!(out, "{pad}assert {}{m}", self.expr(cond))?;
                }
            }
        }
        Ok(())
    }

    fn message(&self, m: &MessageValue) -> String {
        let def = self.spec.messages.get(m.message.index());
        let name = def.map_or("?", |d| d.name.as_str());
        if m.fields.is_empty() {
            return name.to_string();
        }
        let fields: Vec<String> = m
            .fields
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let f = def
                    .and_then(|d| d.fields.get(i))
                    .map_or("?", |f| f.name.as_str());
                format!("{f}: {}", self.expr(e))
            })
            .collect();
        format!("{name} {{ {} }}", fields.join(", "))
    }

    /// An expression as an operand: parenthesised unless it is atomic.
    fn operand(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Binary(..)
            | ExprKind::Unary(..)
            | ExprKind::If(..)
            | ExprKind::Let(..)
            | ExprKind::Quant { .. }
            | ExprKind::Range(..) => format!("({})", self.expr(e)),
            _ => self.expr(e),
        }
    }

    fn list(&self, items: &[Expr]) -> String {
        items
            .iter()
            .map(|e| self.expr(e))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn binders(&self, binders: &[(LocalId, Expr)]) -> String {
        binders
            .iter()
            .map(|(l, s)| format!("{} in {}", self.local_name(*l), self.operand(s)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn field_name(&self, base: &Expr, index: u32) -> String {
        let fields = match &base.ty {
            Type::Record(r) => self.spec.records.get(r.index()).map(|r| &r.fields),
            Type::Message(m) => self.spec.messages.get(m.index()).map(|m| &m.fields),
            _ => None,
        };
        fields
            .and_then(|f| f.get(index as usize))
            .map_or_else(|| format!("#{index}"), |f| f.name.clone())
    }

    fn expr(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Lit(l) => self.spec.literal_text(l),
            ExprKind::None => "none".to_string(),
            ExprKind::Local(l) => self.local_name(*l),
            ExprKind::Const(c) => self
                .spec
                .consts
                .get(c.index())
                .map_or("?".to_string(), |c| c.name.clone()),
            ExprKind::Var { var, instance } => {
                let name = self
                    .spec
                    .vars
                    .get(var.index())
                    .map_or("?", |v| v.name.as_str());
                format!("{}.{name}", self.operand(instance))
            }
            ExprKind::RoleSet(r) => self.spec.role_name(*r).to_string(),
            ExprKind::Unary(UnaryOp::Not, a) => format!("not {}", self.operand(a)),
            ExprKind::Unary(UnaryOp::Neg, a) => format!("-{}", self.operand(a)),
            ExprKind::Binary(op, a, b) => {
                format!("{} {} {}", self.operand(a), op_symbol(*op), self.operand(b))
            }
            ExprKind::Field(base, i) => {
                format!("{}.{}", self.operand(base), self.field_name(base, *i))
            }
            ExprKind::Sender(m) => format!("{}.from", self.operand(m)),
            ExprKind::Receiver(m) => format!("{}.to", self.operand(m)),
            ExprKind::TupleIndex(base, i) => format!("{}.{i}", self.operand(base)),
            ExprKind::MapGet(m, k) | ExprKind::SeqIndex(m, k) => {
                format!("{}[{}]", self.operand(m), self.expr(k))
            }
            ExprKind::Call(f, args) => {
                let name = self
                    .spec
                    .functions
                    .get(f.index())
                    .map_or("?", |f| f.name.as_str());
                format!("{name}({})", self.list(args))
            }
            ExprKind::Builtin(b, args) => format!("{}({})", builtin_name(*b), self.list(args)),
            ExprKind::InFlight(m) => format!("in_flight({})", self.spec.message_name(*m)),
            ExprKind::Crashed(i) => format!("crashed({})", self.expr(i)),
            ExprKind::SetLit(items) => format!("{{{}}}", self.list(items)),
            ExprKind::SeqLit(items) => format!("[{}]", self.list(items)),
            ExprKind::MapLit(entries) if entries.is_empty() => "[->]".to_string(),
            ExprKind::MapLit(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{} -> {}", self.expr(k), self.expr(v)))
                    .collect();
                format!("[{}]", entries.join(", "))
            }
            ExprKind::RecordLit(values) => {
                let fields: Vec<String> = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("{}: {}", self.field_name(e, i as u32), self.expr(v)))
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }
            ExprKind::TupleLit(items) => format!("({})", self.list(items)),
            ExprKind::Range(lo, hi) => format!("{}..{}", self.operand(lo), self.operand(hi)),
            ExprKind::SetFilter { local, set, cond } => {
                format!(
                    "{{{} in {} where {}}}",
                    self.local_name(*local),
                    self.operand(set),
                    self.expr(cond)
                )
            }
            ExprKind::SetMap {
                elem,
                binders,
                cond,
            } => {
                let cond = cond
                    .as_ref()
                    .map_or(String::new(), |c| format!(" where {}", self.expr(c)));
                format!(
                    "{{{} for {}{cond}}}",
                    self.expr(elem),
                    self.binders(binders)
                )
            }
            ExprKind::MapComp { local, set, value } => {
                format!(
                    "[{} in {} -> {}]",
                    self.local_name(*local),
                    self.operand(set),
                    self.expr(value)
                )
            }
            ExprKind::Quant {
                quantifier,
                binders,
                body,
            } => {
                let q = match quantifier {
                    Quantifier::Forall => "forall",
                    Quantifier::Exists => "exists",
                    Quantifier::Sum => "sum",
                };
                format!("{q} {}: {}", self.binders(binders), self.expr(body))
            }
            ExprKind::If(c, a, b) => format!(
                "if {} then {} else {}",
                self.expr(c),
                self.expr(a),
                self.expr(b)
            ),
            ExprKind::Let(l, v, body) => format!(
                "let {} = {} in {}",
                self.local_name(*l),
                self.operand(v),
                self.expr(body)
            ),
            ExprKind::WithIndex(base, entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{} -> {}", self.expr(k), self.expr(v)))
                    .collect();
                format!("{} with [{}]", self.operand(base), entries.join(", "))
            }
            ExprKind::WithFields(base, fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(i, v)| format!("{}: {}", self.field_name(base, *i), self.expr(v)))
                    .collect();
                format!("{} with {{ {} }}", self.operand(base), fields.join(", "))
            }
        }
    }
}

fn op_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add | BinaryOp::Union => "+",
        BinaryOp::Sub | BinaryOp::Diff => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::And => "and",
        BinaryOp::Or => "or",
        BinaryOp::Implies => "=>",
        BinaryOp::Iff => "<=>",
        BinaryOp::Inter => "&",
        BinaryOp::Subset => "subset",
        BinaryOp::In => "in",
        BinaryOp::NotIn => "not in",
        BinaryOp::Concat => "++",
    }
}

fn builtin_name(b: Builtin) -> &'static str {
    match b {
        Builtin::Size => "size",
        Builtin::Some => "some",
        Builtin::IsSome => "is_some",
        Builtin::IsNone => "is_none",
        Builtin::Get => "get",
        Builtin::Append => "append",
        Builtin::Head => "head",
        Builtin::Tail => "tail",
        Builtin::Last => "last",
        Builtin::Take => "take",
        Builtin::Drop => "drop",
        Builtin::Keys => "keys",
        Builtin::MinOf | Builtin::Min2 => "min",
        Builtin::MaxOf | Builtin::Max2 => "max",
        Builtin::Abs => "abs",
    }
}

#[cfg(test)]
mod tests;
