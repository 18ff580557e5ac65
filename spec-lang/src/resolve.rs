//! Global tables of declarations and everything that must be constant.
//!
//! [`Cx`] is the state shared by every pass after parsing: one table per kind
//! of declaration (indexed by the IR ids the lowering will use), the enums and
//! records interned so far, and the diagnostics. This module fills the tables
//! (`collect`), reports duplicate names, evaluates parameters (with their
//! command-line overrides), constants, role counts and fault bounds.
//! Anything that other declarations depend on in an order-independent way
//! (type aliases, role counts, function signatures) is computed on first use
//! and cached in a [`Slot`], which also detects cycles.

mod consteval;
mod decls;
#[cfg(test)]
mod tests;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use crate::ParamOverride;
use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, ConstId, EnumId, FnId, Literal, MsgId, RoleId, Type, VarId};
use crate::names;
use crate::span::{Ident, Span};
use crate::typeck::{Frame, Site};

/// What a global name refers to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Global {
    Param(usize),
    Const(ConstId),
    Alias(usize),
    Role(RoleId),
    Message(MsgId),
    Function(FnId),
}

impl Global {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Global::Param(_) => "parameter",
            Global::Const(_) => "constant",
            Global::Alias(_) => "type",
            Global::Role(_) => "role",
            Global::Message(_) => "message",
            Global::Function(_) => "function",
        }
    }
}

/// A value computed on first use. `Busy` while it is being computed, so that
/// a cycle is found instead of recursing forever.
#[derive(Clone, Debug)]
pub(crate) enum Slot<T> {
    Todo,
    Busy,
    Done(Option<T>),
}

pub(crate) struct ParamEntry<'a> {
    pub decl: &'a ast::ParamDecl,
    pub ty: Option<Type>,
    pub value: Option<Literal>,
}

pub(crate) struct ConstEntry<'a> {
    pub decl: &'a ast::ConstDecl,
    /// Whether the constant has been checked (constants are checked in
    /// declaration order; a later one is not yet usable).
    pub done: bool,
    pub ty: Option<Type>,
    pub value: Option<ir::Expr>,
    /// The value, when it is a scalar the compiler can compute (used in
    /// bounds and counts).
    pub scalar: Option<Literal>,
    /// The locals its value binds (let, quantifiers).
    pub locals: Vec<ir::Local>,
}

pub(crate) struct AliasEntry<'a> {
    pub decl: &'a ast::TypeDecl,
    pub slot: Slot<Type>,
}

pub(crate) struct RoleEntry<'a> {
    pub decl: &'a ast::RoleDecl,
    pub count: Slot<u32>,
    pub vars: Vec<VarId>,
}

pub(crate) struct VarEntry<'a> {
    pub decl: &'a ast::VarDecl,
    pub role: RoleId,
    pub ty: Option<Type>,
    pub init: Option<ir::Frame>,
}

pub(crate) struct MsgEntry<'a> {
    pub decl: &'a ast::MessageDecl,
    pub fields: Vec<Option<Type>>,
    /// Whether some step sends it (for the "never sent" warning).
    pub sent: bool,
    /// The roles whose steps send it, and the roles it is sent to.
    pub senders: BTreeSet<RoleId>,
    pub receivers: BTreeSet<RoleId>,
}

#[derive(Clone, Debug)]
pub(crate) struct FnSig {
    pub params: Vec<Option<Type>>,
    pub ret: Option<Type>,
}

pub(crate) struct FnEntry<'a> {
    pub decl: &'a ast::FnDecl,
    pub sig: Slot<FnSig>,
    pub body: Option<ir::Frame>,
    /// The functions its body calls, with the span of each call.
    pub calls: Vec<(FnId, Span)>,
    /// The constants its body reads.
    pub consts: Vec<ConstId>,
}

/// Everything the passes after parsing share.
pub(crate) struct Cx<'a> {
    pub file: &'a ast::SpecFile,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    pub globals: BTreeMap<String, Global>,
    pub params: Vec<ParamEntry<'a>>,
    pub consts: Vec<ConstEntry<'a>>,
    pub aliases: Vec<AliasEntry<'a>>,
    pub roles: Vec<RoleEntry<'a>>,
    pub vars: Vec<VarEntry<'a>>,
    pub messages: Vec<MsgEntry<'a>>,
    pub functions: Vec<FnEntry<'a>>,
    pub enums: Vec<ir::EnumDef>,
    pub records: Vec<ir::RecordDef>,
    /// Every enum that has a variant of this name.
    pub variants: BTreeMap<String, Vec<(EnumId, u32)>>,
    /// Where the expression being checked is, and the locals it binds.
    pub site: Site,
    pub frame: Frame,
    /// Calls made from constants' values: (constant, function, span).
    pub const_calls: Vec<(ConstId, FnId, Span)>,
    /// How many IR pieces were replaced by placeholders because of an error;
    /// a sanity check that an error was reported for each.
    pub placeholders: usize,
}

/// Names a user may not declare: they mean something already.
const RESERVED: &[&str] = &["self", "none", "bool", "int", "set", "seq", "map", "option"];

impl<'a> Cx<'a> {
    pub(crate) fn new(file: &'a ast::SpecFile) -> Cx<'a> {
        Cx {
            file,
            errors: Vec::new(),
            warnings: Vec::new(),
            globals: BTreeMap::new(),
            params: Vec::new(),
            consts: Vec::new(),
            aliases: Vec::new(),
            roles: Vec::new(),
            vars: Vec::new(),
            messages: Vec::new(),
            functions: Vec::new(),
            enums: Vec::new(),
            records: Vec::new(),
            variants: BTreeMap::new(),
            site: Site::Bound,
            frame: Frame::default(),
            const_calls: Vec::new(),
            placeholders: 0,
        }
    }

    pub(crate) fn error(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
    }

    pub(crate) fn warn(&mut self, diagnostic: Diagnostic) {
        self.warnings.push(diagnostic);
    }

    /// Counts a placeholder put into the IR where an error was reported.
    pub(crate) fn placeholder<T>(&mut self, value: T) -> T {
        self.placeholders += 1;
        value
    }

    /// Fills the global tables from the items, reporting duplicates.
    pub(crate) fn collect(&mut self) {
        let file = self.file;
        for item in &file.items {
            match item {
                ast::Item::Param(decl) => {
                    let id = Global::Param(self.params.len());
                    self.declare(&decl.name, id);
                    self.params.push(ParamEntry {
                        decl,
                        ty: None,
                        value: None,
                    });
                }
                ast::Item::Const(decl) => {
                    let id = Global::Const(ConstId(len_u32(self.consts.len())));
                    self.declare(&decl.name, id);
                    self.consts.push(ConstEntry {
                        decl,
                        done: false,
                        ty: None,
                        value: None,
                        scalar: None,
                        locals: Vec::new(),
                    });
                }
                ast::Item::Type(decl) => {
                    self.declare(&decl.name, Global::Alias(self.aliases.len()));
                    self.aliases.push(AliasEntry {
                        decl,
                        slot: Slot::Todo,
                    });
                }
                ast::Item::Role(decl) => {
                    let role = RoleId(len_u32(self.roles.len()));
                    self.declare(&decl.name, Global::Role(role));
                    let mut vars = Vec::new();
                    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                    for var in &decl.vars {
                        if let Some(first) = seen.get(var.name.name.as_str()) {
                            let message = format!(
                                "role `{}` declares variable `{}` twice",
                                decl.name, var.name
                            );
                            self.error(duplicate(&var.name, *first, message));
                            continue;
                        }
                        seen.insert(&var.name.name, var.name.span);
                        vars.push(VarId(len_u32(self.vars.len())));
                        self.vars.push(VarEntry {
                            decl: var,
                            role,
                            ty: None,
                            init: None,
                        });
                    }
                    self.roles.push(RoleEntry {
                        decl,
                        count: Slot::Todo,
                        vars,
                    });
                }
                ast::Item::Message(decl) => {
                    let id = Global::Message(MsgId(len_u32(self.messages.len())));
                    self.declare(&decl.name, id);
                    let what = format!("message `{}`", decl.name);
                    self.check_field_names(&decl.fields, &what);
                    self.messages.push(MsgEntry {
                        decl,
                        fields: Vec::new(),
                        sent: false,
                        senders: BTreeSet::new(),
                        receivers: BTreeSet::new(),
                    });
                }
                ast::Item::Function(decl) => {
                    let id = Global::Function(FnId(len_u32(self.functions.len())));
                    if crate::typeck::is_builtin(&decl.name.name) {
                        self.error(
                            Diagnostic::error(
                                decl.name.span,
                                format!("`{}` is a builtin function", decl.name),
                            )
                            .with_label("a user function may not take a builtin's name")
                            .with_note("help: rename the function"),
                        );
                    } else {
                        self.declare(&decl.name, id);
                    }
                    self.functions.push(FnEntry {
                        decl,
                        sig: Slot::Todo,
                        body: None,
                        calls: Vec::new(),
                        consts: Vec::new(),
                    });
                }
                ast::Item::Network(_)
                | ast::Item::Fault(_)
                | ast::Item::Step(_)
                | ast::Item::Invariant(_)
                | ast::Item::Property(_)
                | ast::Item::Fairness(_)
                | ast::Item::Terminal(_)
                | ast::Item::Constraint(_) => {}
                // The projection has replaced the choreography by steps
                // before this pass runs.
                ast::Item::Choreography(_) => {}
            }
        }
    }

    /// Reports a field declared twice in a message or record type.
    pub(crate) fn check_field_names(&mut self, fields: &[ast::FieldDecl], what: &str) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for field in fields {
            if let Some(first) = seen.get(field.name.name.as_str()) {
                let message = format!("{what} declares field `{}` twice", field.name);
                self.error(duplicate(&field.name, *first, message));
            } else {
                seen.insert(&field.name.name, field.name.span);
            }
        }
    }

    fn declare(&mut self, name: &Ident, global: Global) {
        if RESERVED.contains(&name.name.as_str()) {
            self.error(
                Diagnostic::error(name.span, format!("`{name}` is a reserved name"))
                    .with_label(format!("a {} cannot be called `{name}`", global.kind())),
            );
            return;
        }
        if let Some(first) = self.globals.get(&name.name) {
            let first_span = self.global_span(*first);
            let message = if first.kind() == global.kind() {
                format!("the {} `{name}` is declared twice", global.kind())
            } else {
                format!(
                    "`{name}` is declared twice (a {} and a {})",
                    first.kind(),
                    global.kind()
                )
            };
            self.error(duplicate(name, first_span, message));
            return;
        }
        self.globals.insert(name.name.clone(), global);
    }

    /// The span of the name of a global declaration.
    pub(crate) fn global_span(&self, global: Global) -> Span {
        match global {
            Global::Param(i) => self.params[i].decl.name.span,
            Global::Const(id) => self.consts[id.index()].decl.name.span,
            Global::Alias(i) => self.aliases[i].decl.name.span,
            Global::Role(id) => self.roles[id.index()].decl.name.span,
            Global::Message(id) => self.messages[id.index()].decl.name.span,
            Global::Function(id) => self.functions[id.index()].decl.name.span,
        }
    }

    /// Checks every parameter in order, applying the overrides.
    pub(crate) fn params(&mut self, overrides: &[ParamOverride]) {
        for index in 0..self.params.len() {
            let decl = self.params[index].decl;
            self.site = Site::Param { before: index };
            let ty = self.resolve_type(&decl.ty, &names::camel_case(&decl.name.name));
            let ty = match ty {
                Some(ty @ (Type::Bool | Type::Int(_))) => Some(ty),
                Some(other) => {
                    let shown = self.type_name(&other);
                    self.error(
                        Diagnostic::error(
                            decl.ty.span,
                            format!("parameter `{}` has type `{shown}`", decl.name),
                        )
                        .with_label("parameters must be integers, integer ranges or booleans"),
                    );
                    None
                }
                None => None,
            };
            let value = match &ty {
                Some(ty) => self
                    .constant(&decl.default, Some(ty), "a parameter's default")
                    .and_then(|value| self.fit(value, ty, decl.default.span)),
                None => {
                    self.skim(&decl.default);
                    None
                }
            };
            self.params[index].ty = ty;
            self.params[index].value = value;
        }
        self.site = Site::Bound;
        for o in overrides {
            self.apply_override(o);
        }
    }

    fn apply_override(&mut self, o: &ParamOverride) {
        let Some(index) = self.params.iter().position(|p| p.decl.name.name == o.name) else {
            let names: Vec<&str> = self
                .params
                .iter()
                .map(|p| p.decl.name.name.as_str())
                .collect();
            let mut d = Diagnostic::error(
                Span::DETACHED,
                format!(
                    "`--param {}={}` names no parameter of this spec",
                    o.name, o.value
                ),
            );
            if names.is_empty() {
                d = d.with_note("note: this spec declares no parameters");
            } else {
                d = d.with_note(format!(
                    "note: the parameters are {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let Some(help) = names::did_you_mean(&o.name, names.iter().copied()) {
                d = d.with_note(help);
            }
            self.error(d);
            return;
        };
        let entry = &self.params[index];
        let decl_span = entry.decl.name.span;
        let Some(ty) = entry.ty.clone() else {
            return;
        };
        let text = o.value.trim();
        let parsed = match ty {
            Type::Bool => match text {
                "true" => Some(Literal::Bool(true)),
                "false" => Some(Literal::Bool(false)),
                _ => None,
            },
            _ => text.parse::<i64>().ok().map(Literal::Int),
        };
        let shown = self.type_name(&ty);
        let Some(value) = parsed else {
            let expected = if ty == Type::Bool {
                "`true` or `false`"
            } else {
                "an integer"
            };
            self.error(
                Diagnostic::error(
                    Span::DETACHED,
                    format!(
                        "`--param {}={}`: `{}` is not a value of type `{shown}`",
                        o.name, o.value, o.value
                    ),
                )
                .with_note(format!("help: give {expected}")),
            );
            let _ = decl_span;
            return;
        };
        if let (Type::Int(Some(range)), Literal::Int(n)) = (&ty, &value)
            && (*n < range.lo || *n > range.hi)
        {
            self.error(
                Diagnostic::error(
                    Span::DETACHED,
                    format!(
                        "`--param {}={}` is outside the declared range `{shown}`",
                        o.name, o.value
                    ),
                )
                .with_note(format!(
                    "note: parameter `{}` takes values from {} to {}",
                    o.name, range.lo, range.hi
                )),
            );
            return;
        }
        self.params[index].value = Some(value);
    }

    /// Checks that a constant value fits a declared type.
    fn fit(&mut self, value: Literal, ty: &Type, span: Span) -> Option<Literal> {
        if let (Type::Int(Some(range)), Literal::Int(n)) = (ty, &value)
            && (*n < range.lo || *n > range.hi)
        {
            let shown = self.type_name(ty);
            self.error(
                Diagnostic::error(span, format!("{n} is outside the declared range `{shown}`"))
                    .with_label("this default does not fit the parameter's type"),
            );
            return None;
        }
        Some(value)
    }

    /// Checks every constant in declaration order.
    pub(crate) fn consts(&mut self) {
        for index in 0..self.consts.len() {
            let decl = self.consts[index].decl;
            self.site = Site::Const {
                before: ConstId(len_u32(index)),
            };
            let ty = decl
                .ty
                .as_ref()
                .map(|t| self.resolve_type(t, &names::camel_case(&decl.name.name)));
            let saved = self.enter(Site::Const {
                before: ConstId(len_u32(index)),
            });
            let value = match &ty {
                Some(Some(ty)) => self.check(&decl.value, ty),
                Some(None) => {
                    self.skim(&decl.value);
                    None
                }
                None => self.expr(&decl.value, None),
            };
            let locals = self.leave(saved);
            let ty = match ty {
                Some(ty) => ty,
                None => value.as_ref().map(|v| v.ty.clone()),
            };
            if !locals.is_empty() {
                self.error(
                    Diagnostic::error(decl.value.span, "a constant's value may not bind names yet")
                        .with_label("this uses `let`, a quantifier or a comprehension")
                        .with_note(
                            "note: the IR stores a constant as a closed expression without locals",
                        )
                        .with_note("help: use a function with no parameters instead"),
                );
            }
            let scalar = value.as_ref().and_then(|v| self.eval(v));
            let entry = &mut self.consts[index];
            entry.ty = ty;
            entry.value = value;
            entry.scalar = scalar;
            entry.locals = locals;
            entry.done = true;
        }
        self.site = Site::Bound;
    }

    /// The number of instances of a role, computed on first use.
    pub(crate) fn role_count(&mut self, role: RoleId) -> Option<u32> {
        let entry = &mut self.roles[role.index()];
        match &entry.count {
            Slot::Done(n) => return *n,
            Slot::Busy => {
                let decl = entry.decl;
                entry.count = Slot::Done(None);
                self.error(
                    Diagnostic::error(
                        decl.count.as_ref().map_or(decl.name.span, |c| c.span),
                        format!(
                            "the instance count of role `{}` depends on itself",
                            decl.name
                        ),
                    )
                    .with_label("this count needs the role's own instances"),
                );
                return None;
            }
            Slot::Todo => entry.count = Slot::Busy,
        }
        let decl = entry.decl;
        let count = match &decl.count {
            None => Some(1),
            Some(expr) => {
                let n = self.constant_int(expr, "a role's instance count");
                match n {
                    Some(n) if n >= 1 && n <= i64::from(u16::MAX) => u32::try_from(n).ok(),
                    Some(n) => {
                        self.error(
                            Diagnostic::error(
                                expr.span,
                                format!("role `{}` would have {n} instances", decl.name),
                            )
                            .with_label(format!(
                                "an indexed role needs from 1 to {} instances",
                                u16::MAX
                            )),
                        );
                        None
                    }
                    None => None,
                }
            }
        };
        if let Slot::Busy = self.roles[role.index()].count {
            self.roles[role.index()].count = Slot::Done(count);
        }
        count
    }

    /// A constant integer (a bound, a count), reporting why when it is not.
    pub(crate) fn constant_int(&mut self, expr: &ast::Expr, what: &str) -> Option<i64> {
        match self.constant(expr, Some(&Type::Int(None)), what)? {
            Literal::Int(n) => Some(n),
            _ => None,
        }
    }

    /// Checks an expression in a context of constants and computes its value.
    pub(crate) fn constant(
        &mut self,
        expr: &ast::Expr,
        ty: Option<&Type>,
        what: &str,
    ) -> Option<Literal> {
        let site = match self.site {
            Site::Param { before } => Site::Param { before },
            Site::Const { before } => Site::Const { before },
            _ => Site::Bound,
        };
        let saved = self.enter(site);
        let checked = match ty {
            Some(ty) => self.check(expr, ty),
            None if self.needs_context(expr) => None,
            None => self.expr(expr, None),
        };
        let _ = self.leave(saved);
        let checked = checked?;
        let value = self.eval(&checked);
        if value.is_none() {
            self.error(
                Diagnostic::error(expr.span, format!("{what} must be a constant"))
                    .with_label("the compiler cannot compute this value")
                    .with_note(
                        "note: constants are built from literals, parameters, scalar \
                         constants and arithmetic",
                    ),
            );
        }
        value
    }
}

/// An error about a name declared twice, pointing at both declarations.
pub(crate) fn duplicate(name: &Ident, first: Span, message: String) -> Diagnostic {
    Diagnostic::error(name.span, message)
        .with_label("declared again here")
        .with_secondary(first, "first declared here")
}

/// Converts a table length to an IR index. Tables hold at most one entry per
/// declaration in a source far smaller than 4 GiB, so this cannot saturate in
/// practice; saturating keeps it total anyway.
pub(crate) fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
