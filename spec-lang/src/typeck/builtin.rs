//! Calls: builtin functions and user functions.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Builtin, ExprKind, Type};
use crate::names;
use crate::resolve::{Cx, Global};
use crate::span::{Ident, Span};
use crate::typeck::{Site, mk};

/// Every builtin function's name.
const BUILTINS: &[&str] = &[
    "size",
    "some",
    "is_some",
    "is_none",
    "get",
    "append",
    "head",
    "tail",
    "last",
    "take",
    "drop",
    "keys",
    "min",
    "max",
    "abs",
    "in_flight",
    "crashed",
];

pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

impl Cx<'_> {
    pub(crate) fn call(
        &mut self,
        name: &Ident,
        args: &[ast::Expr],
        expect: Option<&Type>,
        span: Span,
    ) -> Option<ir::Expr> {
        if is_builtin(&name.name) {
            return self.builtin(name, args, expect, span);
        }
        let Some(Global::Function(id)) = self.globals.get(&name.name).copied() else {
            for a in args {
                self.skim(a);
            }
            let mut candidates: Vec<&str> = BUILTINS.to_vec();
            candidates.extend(
                self.globals
                    .iter()
                    .filter_map(|(n, g)| matches!(g, Global::Function(_)).then_some(n.as_str())),
            );
            let mut d = Diagnostic::error(name.span, format!("unknown function `{name}`"))
                .with_label("no function of this name");
            if let Some(help) = names::did_you_mean(&name.name, candidates) {
                d = d.with_note(help);
            }
            self.error(d);
            return None;
        };
        if matches!(self.site, Site::Param { .. } | Site::Bound) {
            self.error(
                Diagnostic::error(
                    span,
                    "a bound or a parameter's default cannot call a function",
                )
                .with_label("the compiler computes these values itself")
                .with_note("help: write the arithmetic directly"),
            );
            return None;
        }
        let sig = self.fn_sig(id);
        let Some(sig) = sig else {
            for a in args {
                self.skim(a);
            }
            return None;
        };
        if sig.params.len() != args.len() {
            self.arity(name, sig.params.len(), args.len(), span);
            return None;
        }
        match self.site {
            Site::Function { id: caller } => {
                self.functions[caller.index()].calls.push((id, name.span));
            }
            Site::Const { before } => self.const_calls.push((before, id, name.span)),
            _ => {}
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (a, ty) in args.iter().zip(&sig.params) {
            let x = match ty {
                Some(ty) => self.check(a, ty),
                None => {
                    self.skim(a);
                    None
                }
            };
            match x {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        let ret = sig.ret?;
        ok.then(|| mk(ExprKind::Call(id, out), ret, span))
    }

    fn arity(&mut self, name: &Ident, want: usize, got: usize, span: Span) {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        self.error(
            Diagnostic::error(
                span,
                format!("`{name}` takes {want} {}, not {got}", plural(want)),
            )
            .with_label(format!("{got} {} given", plural(got))),
        );
    }

    fn builtin(
        &mut self,
        name: &Ident,
        args: &[ast::Expr],
        expect: Option<&Type>,
        span: Span,
    ) -> Option<ir::Expr> {
        let f = name.name.as_str();
        let want = match f {
            "append" | "take" | "drop" => 2,
            "min" | "max" if args.len() == 2 => 2,
            _ => 1,
        };
        if args.len() != want {
            for a in args {
                self.skim(a);
            }
            self.arity(name, want, args.len(), span);
            return None;
        }
        let int = Type::Int(None);
        let out = |b: Builtin, args: Vec<ir::Expr>, ty: Type| {
            Some(mk(ExprKind::Builtin(b, args), ty, span))
        };
        match f {
            "in_flight" => return self.in_flight(&args[0], span),
            "crashed" => {
                let x = self.expr(&args[0], None)?;
                self.only_in_predicates("crashed", span)?;
                if !matches!(x.ty, Type::Role(_)) {
                    self.expected(args[0].span, "a role instance", &x.ty);
                    return None;
                }
                return Some(mk(ExprKind::Crashed(Box::new(x)), Type::Bool, span));
            }
            "some" => {
                let hint = match expect {
                    Some(Type::Option(t)) => Some(t.as_ref().clone()),
                    _ => None,
                };
                let x = self.expr(&args[0], hint.as_ref())?;
                let ty = Type::Option(Box::new(x.ty.clone()));
                return out(Builtin::Some, vec![x], ty);
            }
            "min" | "max" if args.len() == 2 => {
                let a = self.check(&args[0], &int);
                let b = self.check(&args[1], &int);
                let b2 = if f == "min" {
                    Builtin::Min2
                } else {
                    Builtin::Max2
                };
                return out(b2, vec![a?, b?], int);
            }
            _ => {}
        }
        let x = self.expr(&args[0], None)?;
        let xs = args[0].span;
        match (f, &x.ty) {
            ("size", Type::Set(_) | Type::Seq(..) | Type::Map(..)) => {
                out(Builtin::Size, vec![x], int)
            }
            ("size", _) => self.bad_arg(xs, "a set, a sequence or a map", &x.ty),
            ("is_some" | "is_none" | "get", Type::Option(t)) => {
                let (b, ty) = match f {
                    "is_some" => (Builtin::IsSome, Type::Bool),
                    "is_none" => (Builtin::IsNone, Type::Bool),
                    _ => (Builtin::Get, t.as_ref().clone()),
                };
                out(b, vec![x], ty)
            }
            ("is_some" | "is_none" | "get", _) => self.bad_arg(xs, "an option", &x.ty),
            ("head" | "last" | "tail", Type::Seq(t, _)) => {
                let (b, ty) = match f {
                    "head" => (Builtin::Head, t.as_ref().clone()),
                    "last" => (Builtin::Last, t.as_ref().clone()),
                    _ => (Builtin::Tail, x.ty.clone()),
                };
                out(b, vec![x], ty)
            }
            ("append", Type::Seq(t, _)) => {
                let t = t.as_ref().clone();
                let y = self.check(&args[1], &t)?;
                let ty = x.ty.clone();
                out(Builtin::Append, vec![x, y], ty)
            }
            ("take" | "drop", Type::Seq(..)) => {
                let n = self.check(&args[1], &int)?;
                let b = if f == "take" {
                    Builtin::Take
                } else {
                    Builtin::Drop
                };
                let ty = x.ty.clone();
                out(b, vec![x, n], ty)
            }
            ("head" | "last" | "tail" | "append" | "take" | "drop", _) => {
                self.bad_arg(xs, "a sequence", &x.ty)
            }
            ("keys", Type::Map(k, _)) => {
                let ty = Type::Set(k.clone());
                out(Builtin::Keys, vec![x], ty)
            }
            ("keys", _) => self.bad_arg(xs, "a map", &x.ty),
            ("min" | "max", Type::Set(t)) if matches!(**t, Type::Int(_)) => {
                let b = if f == "min" {
                    Builtin::MinOf
                } else {
                    Builtin::MaxOf
                };
                out(b, vec![x], int)
            }
            ("min" | "max", _) => self.bad_arg(xs, "a set of integers (or two integers)", &x.ty),
            ("abs", Type::Int(_)) => out(Builtin::Abs, vec![x], int),
            ("abs", _) => self.bad_arg(xs, "an integer", &x.ty),
            _ => None,
        }
    }

    fn bad_arg(&mut self, span: Span, what: &str, got: &Type) -> Option<ir::Expr> {
        self.expected(span, what, got);
        None
    }

    fn only_in_predicates(&mut self, what: &str, span: Span) -> Option<()> {
        if self.site == Site::Pred {
            return Some(());
        }
        let why = match self.site {
            Site::Step { .. } => "a step knows only its own state and the message it receives",
            Site::Function { .. } => "functions are pure",
            _ => "this value must be known before the protocol runs",
        };
        self.error(
            Diagnostic::error(span, format!("`{what}` can only be used in invariants, properties, constraints and terminal conditions"))
                .with_label(why),
        );
        None
    }

    fn in_flight(&mut self, arg: &ast::Expr, span: Span) -> Option<ir::Expr> {
        let ast::ExprKind::Name(id) = &arg.kind else {
            self.error(
                Diagnostic::error(arg.span, "`in_flight` takes the name of a message")
                    .with_label("expected a message name, as in `in_flight(Prepared)`"),
            );
            return None;
        };
        let Some(Global::Message(m)) = self.globals.get(&id.name).copied() else {
            let messages: Vec<&str> = self
                .globals
                .iter()
                .filter_map(|(n, g)| matches!(g, Global::Message(_)).then_some(n.as_str()))
                .collect();
            let mut d = Diagnostic::error(id.span, format!("unknown message `{id}`"))
                .with_label("`in_flight` takes the name of a message");
            if let Some(help) = names::did_you_mean(&id.name, messages) {
                d = d.with_note(help);
            }
            self.error(d);
            return None;
        };
        self.only_in_predicates("in_flight", span)?;
        Some(mk(
            ExprKind::InFlight(m),
            Type::Seq(Box::new(Type::Message(m)), None),
            span,
        ))
    }
}
