//! Expressions: inference with an expected type as a hint.

use crate::ast::{self, BinaryOp as A, ExprKind as E};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, BinaryOp, ExprKind, Literal, Quantifier, Type, UnaryOp};
use crate::resolve::Cx;
use crate::span::Span;
use crate::typeck::{join, mk};

impl Cx<'_> {
    /// Infers the type of an expression; `expect` is what the context would
    /// like (a hint, not a demand). `None` means an error was reported.
    pub(crate) fn expr(&mut self, e: &ast::Expr, expect: Option<&Type>) -> Option<ir::Expr> {
        let span = e.span;
        match &e.kind {
            E::Int(n) => Some(mk(ExprKind::Lit(Literal::Int(*n)), Type::Int(None), span)),
            E::Bool(b) => Some(mk(ExprKind::Lit(Literal::Bool(*b)), Type::Bool, span)),
            E::Name(id) => self.name(id, expect),
            E::Unary(op, a) => {
                let (op, ty) = match op {
                    ast::UnaryOp::Not => (UnaryOp::Not, Type::Bool),
                    ast::UnaryOp::Neg => (UnaryOp::Neg, Type::Int(None)),
                };
                let a = self.check(a, &ty)?;
                Some(mk(ExprKind::Unary(op, Box::new(a)), ty, span))
            }
            E::Binary(op, a, b) => self.binary(*op, a, b, expect, span),
            E::Field(base, field) => self.field(base, field, span),
            E::TupleIndex(base, n, _) => {
                let b = self.expr(base, None)?;
                let Type::Tuple(items) = &b.ty else {
                    self.expected(base.span, "a tuple", &b.ty);
                    return None;
                };
                let Some(ty) = items.get(*n as usize).cloned() else {
                    self.error(
                        Diagnostic::error(
                            span,
                            format!("a tuple of {} has no component {n}", items.len()),
                        )
                        .with_label("components are numbered from 0"),
                    );
                    return None;
                };
                Some(mk(ExprKind::TupleIndex(Box::new(b), *n), ty, span))
            }
            E::Index(base, index) => self.index(base, index, span),
            E::Call(name, args) => self.call(name, args, expect, span),
            E::SetLit(items) => {
                let elem = match expect {
                    Some(Type::Set(t)) => Some(t.as_ref().clone()),
                    _ => None,
                };
                let (items, ty) = self.elements(items, elem, span, "set", "{}")?;
                Some(mk(ExprKind::SetLit(items), Type::Set(Box::new(ty)), span))
            }
            E::SeqLit(items) => {
                if items.is_empty()
                    && let Some(ty @ Type::Map(..)) = expect
                {
                    return Some(mk(ExprKind::MapLit(Vec::new()), ty.clone(), span));
                }
                let (elem, bound) = match expect {
                    Some(Type::Seq(t, n)) => (Some(t.as_ref().clone()), *n),
                    _ => (None, None),
                };
                let (items, ty) = self.elements(items, elem, span, "sequence", "[]")?;
                Some(mk(
                    ExprKind::SeqLit(items),
                    Type::Seq(Box::new(ty), bound),
                    span,
                ))
            }
            E::MapLit(entries) => {
                let (k_hint, v_hint) = match expect {
                    Some(Type::Map(k, v)) => (Some(k.as_ref().clone()), Some(v.as_ref().clone())),
                    _ => (None, None),
                };
                let (keys, values): (Vec<ast::Expr>, Vec<ast::Expr>) =
                    entries.iter().cloned().unzip();
                let keys = self.elements(&keys, k_hint, span, "map", "[]");
                let values = self.elements(&values, v_hint, span, "map", "[]");
                let ((keys, kt), (values, vt)) = (keys?, values?);
                Some(mk(
                    ExprKind::MapLit(keys.into_iter().zip(values).collect()),
                    Type::Map(Box::new(kt), Box::new(vt)),
                    span,
                ))
            }
            E::RecordLit(fields) => self.record_lit(fields, expect, span),
            E::TupleLit(items) => {
                let hints: Vec<Option<Type>> = match expect {
                    Some(Type::Tuple(ts)) if ts.len() == items.len() => {
                        ts.iter().cloned().map(Some).collect()
                    }
                    _ => vec![None; items.len()],
                };
                let items: Vec<Option<ir::Expr>> = items
                    .iter()
                    .zip(&hints)
                    .map(|(item, hint)| self.expr(item, hint.as_ref()))
                    .collect();
                let items: Vec<ir::Expr> = items.into_iter().collect::<Option<_>>()?;
                let ty = Type::Tuple(items.iter().map(|i| i.ty.clone()).collect());
                Some(mk(ExprKind::TupleLit(items), ty, span))
            }
            E::Range(lo, hi) => {
                let int = Type::Int(None);
                let lo = self.check(lo, &int);
                let hi = self.check(hi, &int);
                let (lo, hi) = (lo?, hi?);
                Some(mk(
                    ExprKind::Range(Box::new(lo), Box::new(hi)),
                    Type::Set(Box::new(int)),
                    span,
                ))
            }
            E::SetFilter { binder, cond } => {
                let mark = self.scope_mark();
                let bound = self.binder(binder, true);
                let cond = self.check(cond, &Type::Bool);
                self.pop_scope(mark);
                let (mut bound, cond) = (bound?, cond?);
                let (local, set) = bound.pop()?;
                if !bound.is_empty() || !matches!(set.ty, Type::Set(_)) {
                    self.error(
                        Diagnostic::error(
                            binder.span,
                            "a set filter takes one name ranging over a set",
                        )
                        .with_label("write `{x in S where P}`"),
                    );
                    return None;
                }
                let ty = set.ty.clone();
                Some(mk(
                    ExprKind::SetFilter {
                        local,
                        set: Box::new(set),
                        cond: Box::new(cond),
                    },
                    ty,
                    span,
                ))
            }
            E::SetMap {
                elem,
                binders,
                cond,
            } => {
                let mark = self.scope_mark();
                let bound = self.binders(binders);
                let hint = match expect {
                    Some(Type::Set(t)) => Some(t.as_ref().clone()),
                    _ => None,
                };
                let elem = self.expr(elem, hint.as_ref());
                let cond = cond.as_ref().map(|c| self.check(c, &Type::Bool));
                self.pop_scope(mark);
                let cond = match cond {
                    Some(c) => Some(Box::new(c?)),
                    None => None,
                };
                let (binders, elem) = (bound?, elem?);
                let ty = Type::Set(Box::new(elem.ty.clone()));
                Some(mk(
                    ExprKind::SetMap {
                        elem: Box::new(elem),
                        binders,
                        cond,
                    },
                    ty,
                    span,
                ))
            }
            E::MapComp { binder, value } => {
                let mark = self.scope_mark();
                let bound = self.binder(binder, false);
                let hint = match expect {
                    Some(Type::Map(_, v)) => Some(v.as_ref().clone()),
                    _ => None,
                };
                let value = self.expr(value, hint.as_ref());
                self.pop_scope(mark);
                let (mut bound, value) = (bound?, value?);
                let (local, set) = bound.pop()?;
                let Type::Set(key) = set.ty.clone() else {
                    self.expected(binder.set.span, "a set", &set.ty);
                    return None;
                };
                if !bound.is_empty() {
                    self.error(
                        Diagnostic::error(binder.span, "a map comprehension takes one name")
                            .with_label("write `[x in S -> e]`"),
                    );
                    return None;
                }
                let ty = Type::Map(key, Box::new(value.ty.clone()));
                Some(mk(
                    ExprKind::MapComp {
                        local,
                        set: Box::new(set),
                        value: Box::new(value),
                    },
                    ty,
                    span,
                ))
            }
            E::Quant {
                quantifier,
                binders,
                body,
            } => {
                let mark = self.scope_mark();
                let bound = self.binders(binders);
                let (quantifier, ty) = match quantifier {
                    ast::Quantifier::Forall => (Quantifier::Forall, Type::Bool),
                    ast::Quantifier::Exists => (Quantifier::Exists, Type::Bool),
                    ast::Quantifier::Sum => (Quantifier::Sum, Type::Int(None)),
                };
                let body = self.check(body, &ty);
                self.pop_scope(mark);
                let (binders, body) = (bound?, body?);
                Some(mk(
                    ExprKind::Quant {
                        quantifier,
                        binders,
                        body: Box::new(body),
                    },
                    ty,
                    span,
                ))
            }
            E::If(c, a, b) => {
                let c = self.check(c, &Type::Bool);
                let (a, b) = self.pair(a, b, expect);
                let (c, a, b) = (c?, a?, b?);
                let Some(ty) = join(&a.ty, &b.ty) else {
                    self.mismatch(b.span, &a.ty, &b.ty);
                    return None;
                };
                Some(mk(
                    ExprKind::If(Box::new(c), Box::new(a), Box::new(b)),
                    ty,
                    span,
                ))
            }
            E::Let(name, value, body) => {
                let value = self.expr(value, None);
                let mark = self.scope_mark();
                let local = self.bind(name, value.as_ref().map(|v| v.ty.clone()), true);
                let body = self.expr(body, expect);
                self.pop_scope(mark);
                let (value, body) = (value?, body?);
                let ty = body.ty.clone();
                Some(mk(
                    ExprKind::Let(local, Box::new(value), Box::new(body)),
                    ty,
                    span,
                ))
            }
            E::WithIndex(base, entries) => self.with_index(base, entries, expect, span),
            E::WithFields(base, fields) => self.with_fields(base, fields, expect, span),
        }
    }

    /// Checks two expressions that must have compatible types, inferring the
    /// one that does not need context first.
    pub(crate) fn pair(
        &mut self,
        a: &ast::Expr,
        b: &ast::Expr,
        expect: Option<&Type>,
    ) -> (Option<ir::Expr>, Option<ir::Expr>) {
        if self.needs_context(a) && !self.needs_context(b) {
            let b = self.expr(b, expect);
            let a = self.expr(a, b.as_ref().map(|b| &b.ty).or(expect));
            (a, b)
        } else {
            let a = self.expr(a, expect);
            let b = self.expr(b, a.as_ref().map(|a| &a.ty).or(expect));
            (a, b)
        }
    }

    /// Whether an expression takes its type from the context: an enum
    /// variant, `none`, `{}`, `[]`, or a literal made only of such things.
    pub(crate) fn needs_context(&self, e: &ast::Expr) -> bool {
        match &e.kind {
            E::Name(id) => !self.name_is_value(&id.name),
            E::SetLit(items) | E::SeqLit(items) => items.iter().all(|i| self.needs_context(i)),
            E::Call(f, args) if f.name == "some" => args.iter().all(|a| self.needs_context(a)),
            _ => false,
        }
    }

    /// The elements of a set, sequence or map literal, with their common type.
    fn elements(
        &mut self,
        items: &[ast::Expr],
        hint: Option<Type>,
        span: Span,
        what: &str,
        empty: &str,
    ) -> Option<(Vec<ir::Expr>, Type)> {
        // Elements that need context are checked after the others, so that
        // `{Committed, x}` learns the enum from `x`.
        let mut ty = hint;
        let mut out: Vec<Option<ir::Expr>> = vec![None; items.len()];
        let mut ok = true;
        let order: Vec<usize> = (0..items.len())
            .filter(|&i| !self.needs_context(&items[i]))
            .chain((0..items.len()).filter(|&i| self.needs_context(&items[i])))
            .collect();
        for i in order {
            let item = &items[i];
            let Some(x) = self.expr(item, ty.as_ref()) else {
                ok = false;
                continue;
            };
            match &ty {
                None => ty = Some(x.ty.clone()),
                Some(t) => match join(t, &x.ty) {
                    Some(j) => ty = Some(j),
                    None => {
                        let t = t.clone();
                        self.mismatch(item.span, &t, &x.ty);
                        ok = false;
                        continue;
                    }
                },
            }
            out[i] = Some(x);
        }
        if !ok {
            return None;
        }
        let Some(ty) = ty else {
            self.error(
                Diagnostic::error(
                    span,
                    format!("the type of the empty {what} `{empty}` is not known here"),
                )
                .with_label("cannot tell what this would contain")
                .with_note(
                    "help: use it where its type is known, such as assigning it to a variable",
                ),
            );
            return None;
        };
        Some((out.into_iter().collect::<Option<_>>()?, ty))
    }

    fn binary(
        &mut self,
        op: A,
        a: &ast::Expr,
        b: &ast::Expr,
        expect: Option<&Type>,
        span: Span,
    ) -> Option<ir::Expr> {
        let boolean = |cx: &mut Self, op| {
            let x = cx.check(a, &Type::Bool);
            let y = cx.check(b, &Type::Bool);
            Some(mk(
                ExprKind::Binary(op, Box::new(x?), Box::new(y?)),
                Type::Bool,
                span,
            ))
        };
        match op {
            A::And => return boolean(self, BinaryOp::And),
            A::Or => return boolean(self, BinaryOp::Or),
            A::Implies => return boolean(self, BinaryOp::Implies),
            A::Iff => return boolean(self, BinaryOp::Iff),
            A::In | A::NotIn => return self.membership(op, a, b, span),
            _ => {}
        }
        let (x, y) = self.pair(a, b, expect);
        let (x, y) = (x?, y?);
        let (irop, ty) = match op {
            A::Add | A::Sub | A::Mul | A::Div | A::Mod if is_int(&x.ty) => {
                self.want_int(b.span, &y.ty)?;
                let irop = match op {
                    A::Add => BinaryOp::Add,
                    A::Sub => BinaryOp::Sub,
                    A::Mul => BinaryOp::Mul,
                    A::Div => BinaryOp::Div,
                    _ => BinaryOp::Mod,
                };
                (irop, Type::Int(None))
            }
            A::Add | A::Sub | A::Inter | A::Subset if matches!(x.ty, Type::Set(_)) => {
                let Some(ty) = join(&x.ty, &y.ty) else {
                    self.mismatch(b.span, &x.ty, &y.ty);
                    return None;
                };
                match op {
                    A::Add => (BinaryOp::Union, ty),
                    A::Sub => (BinaryOp::Diff, ty),
                    A::Inter => (BinaryOp::Inter, ty),
                    _ => (BinaryOp::Subset, Type::Bool),
                }
            }
            A::Concat if matches!(x.ty, Type::Seq(..)) => {
                let Some(ty) = join(&x.ty, &y.ty) else {
                    self.mismatch(b.span, &x.ty, &y.ty);
                    return None;
                };
                let ty = match ty {
                    Type::Seq(t, _) => Type::Seq(t, None),
                    other => other,
                };
                (BinaryOp::Concat, ty)
            }
            A::Eq | A::Ne => {
                if !x.ty.compatible(&y.ty) {
                    self.mismatch(b.span, &x.ty, &y.ty);
                    return None;
                }
                let irop = if op == A::Eq {
                    BinaryOp::Eq
                } else {
                    BinaryOp::Ne
                };
                (irop, Type::Bool)
            }
            A::Lt | A::Le | A::Gt | A::Ge => {
                self.ordered(&x, &y, a.span, b.span)?;
                let irop = match op {
                    A::Lt => BinaryOp::Lt,
                    A::Le => BinaryOp::Le,
                    A::Gt => BinaryOp::Gt,
                    _ => BinaryOp::Ge,
                };
                (irop, Type::Bool)
            }
            _ => {
                let what = match op {
                    A::Add => "`+` works on integers (sum) and sets (union)",
                    A::Sub => "`-` works on integers (difference) and sets (difference)",
                    A::Inter => "`&` works on sets",
                    A::Subset => "`subset` works on sets",
                    A::Concat => "`++` works on sequences",
                    _ => "this operator works on integers",
                };
                let shown = self.type_name(&x.ty);
                self.error(
                    Diagnostic::error(
                        a.span,
                        format!("`{}` cannot be applied to `{shown}`", op.symbol()),
                    )
                    .with_label(format!("this has type `{shown}`"))
                    .with_note(format!("note: {what}")),
                );
                return None;
            }
        };
        Some(mk(
            ExprKind::Binary(irop, Box::new(x), Box::new(y)),
            ty,
            span,
        ))
    }

    fn want_int(&mut self, span: Span, ty: &Type) -> Option<()> {
        if is_int(ty) {
            Some(())
        } else {
            self.expected(span, "an integer", ty);
            None
        }
    }

    /// `<` and friends: integers, or instances of one non-symmetric role.
    fn ordered(&mut self, x: &ir::Expr, y: &ir::Expr, xs: Span, ys: Span) -> Option<()> {
        match (&x.ty, &y.ty) {
            (Type::Int(_), _) => self.want_int(ys, &y.ty),
            (Type::Role(r), Type::Role(s)) if r == s => {
                let decl = self.roles[r.index()].decl;
                if decl.symmetric.is_some() {
                    self.error(
                        Diagnostic::error(xs.to(ys), format!("instances of the symmetric role `{}` cannot be ordered", decl.name))
                            .with_label("this comparison tells instances apart")
                            .with_secondary(decl.symmetric.unwrap_or(decl.name.span), "declared symmetric here")
                            .with_note("note: a symmetric role's instances are interchangeable; only `==` and `!=` may compare them"),
                    );
                    return None;
                }
                Some(())
            }
            (Type::Role(_), _) => {
                self.mismatch(ys, &x.ty, &y.ty);
                None
            }
            _ => {
                self.expected(xs, "an integer", &x.ty);
                None
            }
        }
    }

    fn membership(&mut self, op: A, a: &ast::Expr, b: &ast::Expr, span: Span) -> Option<ir::Expr> {
        let (x, y) = if self.needs_context(a) && !self.needs_context(b) {
            let y = self.expr(b, None);
            let hint = y.as_ref().and_then(|y| elem_type(&y.ty));
            (self.expr(a, hint.as_ref()), y)
        } else {
            let x = self.expr(a, None);
            let hint = x.as_ref().map(|x| Type::Set(Box::new(x.ty.clone())));
            (x, self.expr(b, hint.as_ref()))
        };
        let (x, y) = (x?, y?);
        let Some(elem) = elem_type(&y.ty).filter(|_| !matches!(y.ty, Type::Map(..))) else {
            self.expected(b.span, "a set or a sequence", &y.ty);
            return None;
        };
        if !elem.compatible(&x.ty) {
            let (e, g) = (self.type_name(&elem), self.type_name(&x.ty));
            self.error(
                Diagnostic::error(a.span, "mismatched types")
                    .with_label(format!("expected `{e}` (the elements' type), found `{g}`")),
            );
            return None;
        }
        let irop = if op == A::In {
            BinaryOp::In
        } else {
            BinaryOp::NotIn
        };
        Some(mk(
            ExprKind::Binary(irop, Box::new(x), Box::new(y)),
            Type::Bool,
            span,
        ))
    }

    /// Binds the names of several binders; each set is checked in the scope
    /// outside all of them.
    pub(crate) fn binders(
        &mut self,
        binders: &[ast::Binder],
    ) -> Option<Vec<(ir::LocalId, ir::Expr)>> {
        let mut sets = Vec::new();
        for b in binders {
            sets.push(self.collection(&b.set, true));
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (b, set) in binders.iter().zip(sets) {
            let elem = set.as_ref().and_then(|s| elem_type(&s.ty));
            for name in &b.names {
                let local = self.bind(name, elem.clone(), false);
                match &set {
                    Some(s) => out.push((local, s.clone())),
                    None => ok = false,
                }
            }
        }
        ok.then_some(out)
    }

    fn binder(&mut self, b: &ast::Binder, allow_seq: bool) -> Option<Vec<(ir::LocalId, ir::Expr)>> {
        let set = self.collection(&b.set, allow_seq);
        let elem = set.as_ref().and_then(|s| elem_type(&s.ty));
        let mut out = Vec::new();
        for name in &b.names {
            let local = self.bind(name, elem.clone(), false);
            if let Some(s) = &set {
                out.push((local, s.clone()));
            }
        }
        set.map(|_| out)
    }

    /// An expression that a binder ranges over: a set (a role set is one)
    /// or, where allowed, a sequence.
    pub(crate) fn collection(&mut self, e: &ast::Expr, allow_seq: bool) -> Option<ir::Expr> {
        let x = self.expr(e, None)?;
        match x.ty {
            Type::Set(_) => Some(x),
            Type::Seq(..) if allow_seq => Some(x),
            _ => {
                let what = if allow_seq {
                    "a set or a sequence"
                } else {
                    "a set"
                };
                self.expected(e.span, what, &x.ty);
                None
            }
        }
    }
}

fn is_int(ty: &Type) -> bool {
    matches!(ty, Type::Int(_))
}

/// The element type of a set, a sequence, or the keys of a map.
pub(crate) fn elem_type(ty: &Type) -> Option<Type> {
    match ty {
        Type::Set(t) | Type::Seq(t, _) => Some(t.as_ref().clone()),
        Type::Map(k, _) => Some(k.as_ref().clone()),
        _ => None,
    }
}
