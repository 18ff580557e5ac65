//! Declared bounds: integer ranges (`0..3`) and sequence bounds
//! (`seq<T, 4>`), at any depth of a type. The checker checks them when a
//! value is stored (a variable assigned, a message field sent, an initial
//! value), and a value outside them is an evaluation error; generated code
//! checks them at the same points.

use proc_macro2::{Literal as Lit, TokenStream};
use quote::{format_ident, quote};
use spec_lang::ir::{Expr, ExprKind, Spec, Type};

use crate::fallible::{fold_int, small_range};
use crate::names::snake_ident;

/// Whether values of the type carry a bound to check.
pub fn has_bounds(spec: &Spec, ty: &Type) -> bool {
    match ty {
        Type::Int(r) => r.is_some(),
        Type::Seq(t, bound) => bound.is_some() || has_bounds(spec, t),
        Type::Set(t) | Type::Option(t) => has_bounds(spec, t),
        Type::Map(k, v) => has_bounds(spec, k) || has_bounds(spec, v),
        Type::Tuple(ts) => ts.iter().any(|t| has_bounds(spec, t)),
        Type::Record(id) => spec
            .records
            .get(id.index())
            .is_some_and(|d| d.fields.iter().any(|f| has_bounds(spec, &f.ty))),
        Type::Bool | Type::Enum(_) | Type::Role(_) | Type::Message(_) => false,
    }
}

/// Statements that check the value at `place` (an expression of the Rust
/// type of `ty`) against the type's bounds, each failure returned with `?`
/// as an evaluation error naming `what`.
pub fn checks(spec: &Spec, ty: &Type, place: &TokenStream, what: &str) -> TokenStream {
    checks_at(spec, ty, place, false, what, 0)
}

/// `place` is a reference to the value when `is_ref` (a loop variable).
fn checks_at(
    spec: &Spec,
    ty: &Type,
    place: &TokenStream,
    is_ref: bool,
    what: &str,
    depth: usize,
) -> TokenStream {
    if !has_bounds(spec, ty) {
        return quote!();
    }
    let x = format_ident!("x{}", depth);
    let borrowed = if is_ref {
        place.clone()
    } else {
        quote!(&#place)
    };
    match ty {
        Type::Int(Some(r)) => {
            let (lo, hi) = (Lit::i64_unsuffixed(r.lo), Lit::i64_unsuffixed(r.hi));
            let v = if is_ref {
                quote!(*#place)
            } else {
                place.clone()
            };
            quote!(value::check_range(#what, #v, #lo, #hi)?;)
        }
        Type::Seq(t, bound) => {
            let len = bound.map(|max| {
                let max = Lit::u32_unsuffixed(max);
                quote!(value::check_len(#what, #borrowed, #max)?;)
            });
            let inner = checks_at(spec, t, &quote!(#x), true, what, depth + 1);
            let each = (!inner.is_empty()).then(|| quote!(for #x in #borrowed { #inner }));
            quote!(#len #each)
        }
        Type::Set(t) => {
            let inner = checks_at(spec, t, &quote!(#x), true, what, depth + 1);
            quote!(for #x in #borrowed { #inner })
        }
        Type::Option(t) => {
            let inner = checks_at(spec, t, &quote!(#x), true, what, depth + 1);
            quote!(if let Some(#x) = #borrowed { #inner })
        }
        Type::Map(k, v) => {
            let (xk, xv) = (format_ident!("k{}", depth), format_ident!("v{}", depth));
            let keys = checks_at(spec, k, &quote!(#xk), true, what, depth + 1);
            let values = checks_at(spec, v, &quote!(#xv), true, what, depth + 1);
            match (keys.is_empty(), values.is_empty()) {
                (false, false) => quote!(for (#xk, #xv) in #borrowed { #keys #values }),
                (false, true) => quote!(for #xk in #place.keys() { #keys }),
                _ => quote!(for #xv in #place.values() { #values }),
            }
        }
        Type::Tuple(ts) => {
            let parts = ts.iter().enumerate().map(|(i, t)| {
                let i = syn::Index::from(i);
                checks_at(spec, t, &quote!(#place.#i), false, what, depth)
            });
            quote!(#(#parts)*)
        }
        Type::Record(id) => match spec.records.get(id.index()) {
            Some(def) => {
                let parts = def.fields.iter().map(|f| {
                    let name = snake_ident(&f.name);
                    checks_at(spec, &f.ty, &quote!(#place.#name), false, what, depth)
                });
                quote!(#(#parts)*)
            }
            None => quote!(),
        },
        Type::Int(None) | Type::Bool | Type::Enum(_) | Type::Role(_) | Type::Message(_) => {
            quote!()
        }
    }
}

/// Whether an initial value provably fits its type's bounds: `Some(Ok)`
/// when it does, `Some(Err)` with the reason when it provably does not,
/// `None` when it cannot be decided without running it. Integer arithmetic
/// on literals is folded; literals of collections, options, tuples and
/// records are looked into.
pub fn static_fits(spec: &Spec, e: &Expr, ty: &Type) -> Option<Result<(), String>> {
    if !has_bounds(spec, ty) {
        return Some(Ok(()));
    }
    let all = |items: &mut dyn Iterator<Item = (&Expr, &Type)>| {
        let mut out = Ok(());
        for (x, t) in items {
            match static_fits(spec, x, t)? {
                Ok(()) => {}
                Err(e) => out = Err(e),
            }
        }
        Some(out)
    };
    match (ty, &e.kind) {
        (Type::Int(Some(r)), _) => {
            let n = fold_int(spec, e)?;
            Some(if n < r.lo || n > r.hi {
                Err(format!("value {n} is out of the range {}..{}", r.lo, r.hi))
            } else {
                Ok(())
            })
        }
        (Type::Seq(t, bound), ExprKind::SeqLit(xs)) => {
            if let Some(max) = bound
                && xs.len() > *max as usize
            {
                return Some(Err(format!(
                    "a sequence of length {} exceeds its bound {max}",
                    xs.len()
                )));
            }
            all(&mut xs.iter().map(|x| (x, &**t)))
        }
        (Type::Set(t), ExprKind::SetLit(xs)) => all(&mut xs.iter().map(|x| (x, &**t))),
        (Type::Map(k, v), ExprKind::MapLit(entries)) => {
            all(&mut entries.iter().flat_map(|(a, b)| [(a, &**k), (b, &**v)]))
        }
        (Type::Option(_), ExprKind::None) => Some(Ok(())),
        (Type::Option(t), ExprKind::Builtin(spec_lang::ir::Builtin::Some, args)) => {
            static_fits(spec, args.first()?, t)
        }
        (Type::Tuple(ts), ExprKind::TupleLit(xs)) => all(&mut xs.iter().zip(ts)),
        (Type::Record(id), ExprKind::RecordLit(xs)) => {
            let def = spec.records.get(id.index())?;
            all(&mut xs.iter().zip(def.fields.iter().map(|f| &f.ty)))
        }
        (Type::Map(k, v), ExprKind::MapComp { set, value, .. }) => {
            match (
                static_fits(spec, set, &Type::Set(k.clone()))?,
                static_fits(spec, value, v)?,
            ) {
                (Ok(()), Ok(())) => Some(Ok(())),
                (Err(e), _) | (_, Err(e)) => Some(Err(e)),
            }
        }
        (Type::Set(_), ExprKind::SetFilter { set, .. }) => static_fits(spec, set, ty),
        (Type::Set(t), ExprKind::Range(lo, hi)) => {
            let (lo, hi) = small_range(spec, lo, hi)?;
            if hi < lo {
                return Some(Ok(()));
            }
            match &**t {
                Type::Int(Some(r)) if lo < r.lo || hi > r.hi => Some(Err(format!(
                    "the range {lo}..{hi} leaves the range {}..{}",
                    r.lo, r.hi
                ))),
                _ => Some(Ok(())),
            }
        }
        (_, ExprKind::Const(id)) => static_fits(spec, &spec.consts.get(id.index())?.value, ty),
        (_, ExprKind::If(_, a, b)) => {
            match (static_fits(spec, a, ty)?, static_fits(spec, b, ty)?) {
                (Ok(()), Ok(())) => Some(Ok(())),
                _ => None,
            }
        }
        _ => None,
    }
}
