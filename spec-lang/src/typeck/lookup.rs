//! What a bare name means, and who may read a role's variables.
//!
//! A name is looked up in this order: locals, the acting role's own
//! variables, parameters, constants, roles, `none`, and last enum variants,
//! which are resolved by the type the context expects.

use crate::diagnostic::Diagnostic;
use crate::ir::{self, ExprKind, Literal, LocalId, RoleId, Step, Type, VarId};
use crate::names;
use crate::resolve::{Cx, Global};
use crate::span::{Ident, Span};
use crate::typeck::{Site, mk};

impl Cx<'_> {
    /// The role whose variables bare names refer to, if any.
    pub(crate) fn acting_role(&self) -> Option<RoleId> {
        match self.site {
            Site::Step { role, .. } | Site::VarInit { role } => Some(role),
            _ => None,
        }
    }

    pub(crate) fn role_var(&self, role: RoleId, name: &str) -> Option<VarId> {
        self.roles[role.index()]
            .vars
            .iter()
            .copied()
            .find(|v| self.vars[v.index()].decl.name.name == name)
    }

    /// Whether a bare name means a value without help from the context
    /// (it is not an enum variant, `none`, or unknown).
    pub(crate) fn name_is_value(&self, name: &str) -> bool {
        if self.frame_has(name) {
            return true;
        }
        if let Some(role) = self.acting_role()
            && self.role_var(role, name).is_some()
        {
            return true;
        }
        matches!(
            self.globals.get(name),
            Some(Global::Param(_) | Global::Const(_) | Global::Role(_))
        )
    }

    fn frame_has(&self, name: &str) -> bool {
        self.local_names().contains(&name)
    }

    /// Whether an expression is the acting instance of the current step.
    pub(crate) fn is_acting_instance(&self, e: &ir::Expr) -> bool {
        let Some(role) = self.acting_role() else {
            return false;
        };
        match &e.kind {
            ExprKind::Local(id) => *id == Step::SELF,
            ExprKind::Lit(Literal::Instance(r, 0)) => {
                *r == role && self.roles[role.index()].decl.count.is_none()
            }
            _ => false,
        }
    }

    /// Resolves a bare name used as a value.
    pub(crate) fn name(&mut self, id: &Ident, expect: Option<&Type>) -> Option<ir::Expr> {
        let name = id.name.as_str();
        let span = id.span;
        if let Some((local, ty)) = self.local(name) {
            return Some(mk(ExprKind::Local(local), ty?, span));
        }
        if let Some(role) = self.acting_role()
            && let Some(var) = self.role_var(role, name)
        {
            let instance = mk(ExprKind::Local(Step::SELF), Type::Role(role), span);
            return self.var_access(var, instance, span);
        }
        if name == "self" {
            self.error(
                Diagnostic::error(span, "`self` is not defined here")
                    .with_label("there is no acting instance")
                    .with_note("note: `self` exists in steps and in variables' initial values"),
            );
            return None;
        }
        match self.globals.get(name).copied() {
            Some(Global::Param(i)) => return self.param_ref(i, span),
            Some(Global::Const(c)) => return self.const_ref(c, span),
            Some(Global::Role(r)) => return Some(self.role_value(r, span)),
            _ => {}
        }
        if name == "none" {
            return match expect {
                Some(ty @ Type::Option(_)) => Some(mk(ExprKind::None, ty.clone(), span)),
                _ => {
                    self.error(
                        Diagnostic::error(span, "the type of `none` is not known here")
                            .with_label("cannot tell which option type this is")
                            .with_note(
                                "help: compare or assign it to a value of a known option type",
                            ),
                    );
                    None
                }
            };
        }
        if let Some(found) = self.variant(id, expect) {
            return found;
        }
        self.unknown_name(id, expect);
        None
    }

    /// A parameter: its value, already final.
    fn param_ref(&mut self, index: usize, span: Span) -> Option<ir::Expr> {
        if let Site::Param { before } = self.site
            && index >= before
        {
            let decl = self.params[index].decl;
            self.error(
                Diagnostic::error(
                    span,
                    format!("parameter `{}` is used before it is declared", decl.name),
                )
                .with_label("a parameter's default may only use earlier parameters")
                .with_secondary(decl.name.span, "declared here"),
            );
            return None;
        }
        let entry = &self.params[index];
        let value = entry.value.clone()?;
        let ty = entry.ty.clone()?;
        Some(mk(ExprKind::Lit(value), ty, span))
    }

    fn const_ref(&mut self, c: ir::ConstId, span: Span) -> Option<ir::Expr> {
        let decl = self.consts[c.index()].decl;
        let too_early = match self.site {
            Site::Param { .. } => true,
            Site::Const { before } => c >= before,
            Site::Bound => !self.consts[c.index()].done,
            _ => false,
        };
        if too_early {
            let d = if let Site::Param { .. } = self.site {
                Diagnostic::error(span, "a parameter's default may not use constants")
                    .with_label(format!("`{}` is a constant", decl.name))
                    .with_note("note: parameters are computed before constants")
            } else {
                Diagnostic::error(
                    span,
                    format!("constant `{}` is used before it is declared", decl.name),
                )
                .with_label("a constant may only use constants declared before it")
            };
            self.error(d.with_secondary(decl.name.span, "declared here"));
            return None;
        }
        if let Site::Function { id } = self.site {
            self.functions[id.index()].consts.push(c);
        }
        let ty = self.consts[c.index()].ty.clone()?;
        Some(mk(ExprKind::Const(c), ty, span))
    }

    /// A role used as a value: the instance of a singleton, or the set of all
    /// instances of an indexed role.
    pub(crate) fn role_value(&self, r: RoleId, span: Span) -> ir::Expr {
        if self.roles[r.index()].decl.count.is_some() {
            mk(
                ExprKind::RoleSet(r),
                Type::Set(Box::new(Type::Role(r))),
                span,
            )
        } else {
            mk(ExprKind::Lit(Literal::Instance(r, 0)), Type::Role(r), span)
        }
    }

    /// An enum variant, chosen by the expected type; `None` when no enum has
    /// a variant of this name, `Some(None)` after reporting an ambiguity.
    fn variant(&mut self, id: &Ident, expect: Option<&Type>) -> Option<Option<ir::Expr>> {
        let candidates = self.variants.get(&id.name)?.clone();
        if let Some(Type::Enum(e)) = expect
            && let Some((_, i)) = candidates.iter().find(|(c, _)| c == e)
        {
            return Some(Some(mk(
                ExprKind::Lit(Literal::Variant(*e, *i)),
                Type::Enum(*e),
                id.span,
            )));
        }
        match candidates.as_slice() {
            [(e, i)] => Some(Some(mk(
                ExprKind::Lit(Literal::Variant(*e, *i)),
                Type::Enum(*e),
                id.span,
            ))),
            _ => {
                let enums: Vec<String> = candidates
                    .iter()
                    .map(|(e, _)| format!("`{}`", self.enums[e.index()].name))
                    .collect();
                self.error(
                    Diagnostic::error(id.span, format!("`{}` is ambiguous", id.name))
                        .with_label("several enums have a variant of this name")
                        .with_note(format!("note: it is a variant of {}", enums.join(" and ")))
                        .with_note(
                            "help: use it where its type is known, such as `x == Name` \
                             or `x := Name` with `x` an enum variable",
                        ),
                );
                Some(None)
            }
        }
    }

    fn unknown_name(&mut self, id: &Ident, expect: Option<&Type>) {
        let name = id.name.as_str();
        if let Some(global) = self.globals.get(name).copied() {
            let what = match global {
                Global::Function(_) => "a function: call it with arguments".to_string(),
                Global::Message(_) => "a message type, not a value".to_string(),
                Global::Alias(_) => "a type, not a value".to_string(),
                other => format!("a {}", other.kind()),
            };
            self.error(
                Diagnostic::error(id.span, format!("`{name}` is {what}"))
                    .with_label("not a value")
                    .with_secondary(self.global_span(global), "declared here"),
            );
            return;
        }
        // A variable of some role, in a place without an acting instance or
        // at another role.
        let owner = self
            .vars
            .iter()
            .find(|v| v.decl.name.name == name)
            .map(|v| v.role);
        if let Some(role) = owner {
            let role_name = self.roles[role.index()].decl.name.name.clone();
            let mut d = Diagnostic::error(
                id.span,
                format!("`{name}` is a variable of role `{role_name}`"),
            );
            d = match self.site {
                Site::Step { role: at, .. } => {
                    let at = &self.roles[at.index()].decl.name.name;
                    d.with_label(format!("a step at {at} may only read its own variables"))
                        .with_note("help: send the value in a message")
                }
                Site::Pred => {
                    let example = if self.roles[role.index()].decl.count.is_some() {
                        format!("`forall r in {role_name}: r.{name} ...`")
                    } else {
                        format!("`{role_name}.{name}`")
                    };
                    d.with_label("a state predicate has no acting instance")
                        .with_note(format!("help: name the instance, as in {example}"))
                }
                Site::Function { .. } => d
                    .with_label("a function reads only its arguments, parameters and constants")
                    .with_note("help: pass the value as an argument"),
                Site::Param { .. } | Site::Const { .. } | Site::Bound => {
                    d.with_label("this must be a constant, and a variable is not")
                }
                _ => d.with_label("variables cannot be read here"),
            };
            self.error(d);
            return;
        }
        let mut candidates: Vec<String> =
            self.local_names().iter().map(|s| s.to_string()).collect();
        if let Some(role) = self.acting_role() {
            candidates.extend(
                self.roles[role.index()]
                    .vars
                    .iter()
                    .map(|v| self.vars[v.index()].decl.name.name.clone()),
            );
        }
        candidates.extend(
            self.globals
                .iter()
                .filter(|(_, g)| matches!(g, Global::Param(_) | Global::Const(_) | Global::Role(_)))
                .map(|(n, _)| n.clone()),
        );
        match expect {
            Some(Type::Enum(e)) => {
                candidates.extend(self.enums[e.index()].variants.iter().cloned())
            }
            _ => candidates.extend(self.variants.keys().cloned()),
        }
        let mut d = Diagnostic::error(id.span, format!("unknown name `{name}`"))
            .with_label("not found in this scope");
        if let Some(help) = names::did_you_mean(name, candidates.iter().map(String::as_str)) {
            d = d.with_note(help);
        }
        self.error(d);
    }

    /// Reads variable `var` of `instance`, checking who may read it here.
    pub(crate) fn var_access(
        &mut self,
        var: VarId,
        instance: ir::Expr,
        span: Span,
    ) -> Option<ir::Expr> {
        let entry = &self.vars[var.index()];
        let owner = entry.role;
        let var_name = entry.decl.name.name.clone();
        let owner_name = self.roles[owner.index()].decl.name.name.clone();
        match self.site {
            Site::Pred => {}
            Site::Step { role, .. } => {
                if !self.is_acting_instance(&instance) {
                    let at = self.roles[role.index()].decl.name.name.clone();
                    let belongs = if owner == role {
                        format!("another instance of {owner_name}")
                    } else {
                        owner_name
                    };
                    self.error(
                        Diagnostic::error(
                            span,
                            format!(
                                "a step at {at} may only read its own variables; `{var_name}` belongs to {belongs}"
                            ),
                        )
                        .with_label("not a variable of the acting instance")
                        .with_note("help: send the value in a message"),
                    );
                    return None;
                }
            }
            Site::VarInit { .. } => {
                self.error(
                    Diagnostic::error(
                        span,
                        format!("an initial value may not read variable `{var_name}`"),
                    )
                    .with_label("initial values are computed before any variable exists")
                    .with_note("help: use a constant or a parameter"),
                );
                return None;
            }
            Site::Function { .. } => {
                self.error(
                    Diagnostic::error(
                        span,
                        format!("a function may not read variable `{var_name}`"),
                    )
                    .with_label("functions are pure")
                    .with_note("help: pass the value as an argument"),
                );
                return None;
            }
            Site::Param { .. } | Site::Const { .. } | Site::Bound => {
                self.error(
                    Diagnostic::error(
                        span,
                        format!("a constant may not read variable `{var_name}`"),
                    )
                    .with_label("this must be computable before the protocol runs"),
                );
                return None;
            }
        }
        // Inside a step, the acting instance is always local 0, however it
        // was named.
        let instance = if self.acting_role().is_some() && self.is_acting_instance(&instance) {
            mk(
                ExprKind::Local(Step::SELF),
                instance.ty.clone(),
                instance.span,
            )
        } else {
            instance
        };
        let ty = self.vars[var.index()].ty.clone()?;
        Some(mk(
            ExprKind::Var {
                var,
                instance: Box::new(instance),
            },
            ty,
            span,
        ))
    }

    /// The local of the receive's sender, in a receive step.
    pub(crate) fn sender_local(&self) -> Option<LocalId> {
        match self.site {
            Site::Step { sender, .. } => sender,
            _ => None,
        }
    }
}
