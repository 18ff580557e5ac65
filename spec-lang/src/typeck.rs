//! Type checking: AST expressions and statements to typed IR.
//!
//! Checking is bidirectional: [`Cx::expr`] infers a type, taking the type
//! the context expects as a hint (that is how `x := Committed` finds the
//! right enum and `{}` its element type); [`Cx::check`] also demands it. An
//! expression that has an error yields `None` after reporting it, and every
//! caller treats `None` as "already reported", so one mistake produces one
//! error: an unknown name does not cascade into type mismatches.
//!
//! Scopes live in a [`Frame`]: the locals of the item being checked (a step,
//! a function, an invariant) and the names currently in scope. The [`Site`]
//! says where the expression is, which decides what it may read.

mod access;
mod builtin;
mod expr;
mod lookup;
mod stmt;
#[cfg(test)]
mod tests;

use crate::diagnostic::Diagnostic;
use crate::ir::{self, ConstId, FnId, LocalId, RoleId, Type};
use crate::resolve::{Cx, len_u32};
use crate::span::{Ident, Span};

pub(crate) use builtin::is_builtin;

/// Where an expression is, which decides what it may read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Site {
    /// A parameter's default or type: only earlier parameters.
    Param { before: usize },
    /// A constant's value: parameters and earlier constants.
    Const { before: ConstId },
    /// A bound, a count, a fault bound: parameters and checked constants.
    Bound,
    /// A variable's initial value; local 0 is the instance.
    VarInit { role: RoleId },
    /// A function body: its parameters, parameters and constants.
    Function { id: FnId },
    /// A step of a role; local 0 is the acting instance. `sender` is the
    /// local bound to a receive's sender.
    Step {
        role: RoleId,
        sender: Option<LocalId>,
    },
    /// A state predicate (invariant, property, terminal, constraint).
    Pred,
}

/// The locals of the item being checked and the names in scope.
#[derive(Default)]
pub(crate) struct Frame {
    locals: Vec<LocalInfo>,
    scope: Vec<(String, LocalId)>,
}

struct LocalInfo {
    name: String,
    ty: Option<Type>,
    span: Span,
    used: bool,
    /// Whether an unused binding deserves a warning.
    warn: bool,
    /// How to silence that warning, when `_name` is not the way.
    hint: Option<String>,
}

/// The frame and site that were current before [`Cx::enter`].
pub(crate) struct Saved {
    site: Site,
    frame: Frame,
}

impl Cx<'_> {
    /// Starts a fresh frame for an item at `site`.
    pub(crate) fn enter(&mut self, site: Site) -> Saved {
        let frame = std::mem::take(&mut self.frame);
        let old = std::mem::replace(&mut self.site, site);
        Saved { site: old, frame }
    }

    /// Ends the current frame, returning its locals, and restores the one
    /// before it.
    pub(crate) fn leave(&mut self, saved: Saved) -> Vec<ir::Local> {
        self.pop_scope(0);
        let frame = std::mem::replace(&mut self.frame, saved.frame);
        self.site = saved.site;
        frame
            .locals
            .into_iter()
            .map(|l| {
                let ty = match l.ty {
                    Some(ty) => ty,
                    None => self.placeholder(Type::Bool),
                };
                ir::Local {
                    name: l.name,
                    ty,
                    span: l.span,
                }
            })
            .collect()
    }

    /// Adds a local and puts it in scope.
    pub(crate) fn bind(&mut self, name: &Ident, ty: Option<Type>, warn: bool) -> LocalId {
        let id = LocalId(len_u32(self.frame.locals.len()));
        self.frame.locals.push(LocalInfo {
            name: name.name.clone(),
            ty,
            span: name.span,
            used: false,
            warn: warn && !name.name.starts_with('_'),
            hint: None,
        });
        self.frame.scope.push((name.name.clone(), id));
        id
    }

    /// Adds a local that no name refers to (a receive's hidden sender).
    pub(crate) fn hidden_local(&mut self, name: &str, ty: Option<Type>, span: Span) -> LocalId {
        let id = LocalId(len_u32(self.frame.locals.len()));
        self.frame.locals.push(LocalInfo {
            name: name.to_string(),
            ty,
            span,
            used: true,
            warn: false,
            hint: None,
        });
        id
    }

    /// Makes another name refer to an existing local (`self` and `r`).
    pub(crate) fn alias_local(&mut self, name: &str, id: LocalId) {
        self.frame.scope.push((name.to_string(), id));
    }

    pub(crate) fn scope_mark(&self) -> usize {
        self.frame.scope.len()
    }

    /// Leaves every scope opened since `mark`, warning about unused locals.
    pub(crate) fn pop_scope(&mut self, mark: usize) {
        let popped: Vec<(String, LocalId)> = self
            .frame
            .scope
            .drain(mark.min(self.frame.scope.len())..)
            .collect();
        for (name, id) in popped.into_iter().rev() {
            let Some(local) = self.frame.locals.get_mut(id.index()) else {
                continue;
            };
            if local.warn && !local.used && local.name == name {
                local.warn = false;
                let span = local.span;
                let hint = local.hint.clone().unwrap_or_else(|| {
                    format!("help: if this is intentional, name it `_{name}` instead")
                });
                self.warn(
                    Diagnostic::warning(span, format!("unused local `{name}`"))
                        .with_label("bound here but never read")
                        .with_note(hint),
                );
            }
        }
    }

    /// The local a name refers to, marking it used.
    pub(crate) fn local(&mut self, name: &str) -> Option<(LocalId, Option<Type>)> {
        let (_, id) = self.frame.scope.iter().rev().find(|(n, _)| n == name)?;
        let id = *id;
        let local = self.frame.locals.get_mut(id.index())?;
        local.used = true;
        Some((id, local.ty.clone()))
    }

    /// The type of the local a name refers to, without marking it used.
    pub(crate) fn peek_local(&self, name: &str) -> Option<Option<Type>> {
        let (_, id) = self.frame.scope.iter().rev().find(|(n, _)| n == name)?;
        Some(self.local_type(*id))
    }

    /// Marks a local as read (a `reply` reads the sender).
    pub(crate) fn touch_local(&mut self, id: LocalId) {
        if let Some(local) = self.frame.locals.get_mut(id.index()) {
            local.used = true;
        }
    }

    /// Sets how to silence the unused-local warning of a local.
    pub(crate) fn set_unused_hint(&mut self, id: LocalId, hint: String) {
        if let Some(local) = self.frame.locals.get_mut(id.index()) {
            local.hint = Some(hint);
        }
    }

    /// Makes an unused local worth a warning (a receive's `from x`).
    pub(crate) fn set_warn_unused(&mut self, id: LocalId) {
        if let Some(local) = self.frame.locals.get_mut(id.index()) {
            local.used = false;
            local.warn = !local.name.starts_with('_');
        }
    }

    pub(crate) fn local_names(&self) -> Vec<&str> {
        self.frame.scope.iter().map(|(n, _)| n.as_str()).collect()
    }

    pub(crate) fn local_type(&self, id: LocalId) -> Option<Type> {
        self.frame.locals.get(id.index()).and_then(|l| l.ty.clone())
    }

    /// Checks an expression whose type is unknown because of an earlier
    /// error, for its own independent errors. Expressions that take their
    /// type from the context are skipped: without one, they would only
    /// repeat the earlier error.
    pub(crate) fn skim(&mut self, e: &crate::ast::Expr) {
        if !self.needs_context(e) {
            let _ = self.expr(e, None);
        }
    }

    /// Checks an expression against the type the context requires.
    pub(crate) fn check(&mut self, e: &crate::ast::Expr, want: &Type) -> Option<ir::Expr> {
        let got = self.expr(e, Some(want))?;
        if got.ty.compatible(want) {
            Some(got)
        } else {
            self.mismatch(e.span, want, &got.ty);
            None
        }
    }

    pub(crate) fn mismatch(&mut self, span: Span, want: &Type, got: &Type) {
        let (w, g) = (self.type_name(want), self.type_name(got));
        let mut d = Diagnostic::error(span, "mismatched types")
            .with_label(format!("expected `{w}`, found `{g}`"));
        if let (Type::Set(inner), _) = (want, got)
            && inner.compatible(got)
        {
            d = d.with_note("help: a single value can be made a set: `{...}`");
        }
        self.error(d);
    }

    /// Reports that an expression of type `got` cannot be used as `what`.
    pub(crate) fn expected(&mut self, span: Span, what: &str, got: &Type) {
        let g = self.type_name(got);
        self.error(
            Diagnostic::error(span, format!("expected {what}, found `{g}`"))
                .with_label(format!("this has type `{g}`")),
        );
    }
}

/// Builds an IR expression.
pub(crate) fn mk(kind: ir::ExprKind, ty: Type, span: Span) -> ir::Expr {
    ir::Expr { kind, ty, span }
}

/// The type of both `a` and `b` where the two are compatible: integer bounds
/// that differ are dropped.
pub(crate) fn join(a: &Type, b: &Type) -> Option<Type> {
    if a == b {
        return Some(a.clone());
    }
    Some(match (a, b) {
        (Type::Int(_), Type::Int(_)) => Type::Int(None),
        (Type::Set(x), Type::Set(y)) => Type::Set(Box::new(join(x, y)?)),
        (Type::Option(x), Type::Option(y)) => Type::Option(Box::new(join(x, y)?)),
        (Type::Seq(x, n), Type::Seq(y, m)) => {
            Type::Seq(Box::new(join(x, y)?), if n == m { *n } else { None })
        }
        (Type::Map(k1, v1), Type::Map(k2, v2)) => {
            Type::Map(Box::new(join(k1, k2)?), Box::new(join(v1, v2)?))
        }
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => Type::Tuple(
            xs.iter()
                .zip(ys)
                .map(|(x, y)| join(x, y))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}
