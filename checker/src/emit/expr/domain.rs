//! What quantifiers, comprehensions, `for` and `choose` range over, as
//! the closures' domains (`compile/domain.rs`) range: a role's
//! instances, an integer range, the elements of a set or sequence code,
//! the scalars of a set without a code, or the messages in flight, in the
//! collection's canonical order.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use spec_lang::ir::{Expr, ExprKind, LocalId, Quantifier, Type};

use super::{Emitter, Form, Frame, Load, Val, lit_u64, load, ordered_network};
use crate::compile::{is_scalar, value_scalar};
use crate::emit::{E, unsupported};
use crate::pack::FieldsPack;
use crate::shape::{Shape, ShapeKind};
use crate::value::Value;

/// A quantifier's, `for`'s or `choose`'s domain.
pub enum Dom {
    /// A role's instances: global indices.
    Roles { first: u32, count: u32 },
    /// An integer range.
    Range { lo: TokenStream, hi: TokenStream },
    /// The elements of a bitmask set code, as elements of `elem`.
    Bits { code: TokenStream, elem: Shape },
    /// The scalars of a set literal or constant whose type has no
    /// shape (integers without bounds), sorted as the set's values are
    /// (`signed` for integers), each once.
    List {
        items: Vec<TokenStream>,
        signed: bool,
    },
    /// The elements of a sequence code, in order.
    Seq {
        code: TokenStream,
        elem: Shape,
        max: u32,
    },
    /// The messages of a kind in flight, as message codes.
    InFlight { kind: u32, shape: Shape },
}

impl Emitter<'_> {
    /// The elements of a set of scalars without a code, when they are
    /// the items of a literal or a constant's elements: `None` for any
    /// other set.
    pub(super) fn scalar_items(&self, e: &Expr, f: &mut Frame) -> Option<E<Vec<TokenStream>>> {
        if self.shape(&e.ty).is_some() {
            return None;
        }
        match &e.kind {
            ExprKind::SetLit(items) => Some(items.iter().map(|x| self.scalar(x, f)).collect()),
            ExprKind::Const(id) => match self.consts.get(id.index()) {
                Some(Value::Set(items)) => Some(
                    items
                        .iter()
                        .map(
                            |v| match value_scalar(v, self.insts, spec_lang::Span::DETACHED) {
                                Ok(x) => {
                                    let x = lit_u64(x);
                                    Ok(quote!(#x))
                                }
                                Err(_) => unsupported("a constant set of compound values"),
                            },
                        )
                        .collect(),
                ),
                _ => None,
            },
            _ => None,
        }
    }

    pub(super) fn quantifier(
        &self,
        q: Quantifier,
        binders: &[(LocalId, Expr)],
        body: &Expr,
        f: &mut Frame,
    ) -> E<Val> {
        let label = syn::Lifetime::new(
            &format!("'{}", self.fresh("q")),
            proc_macro2::Span::call_site(),
        );
        let r = self.fresh("r");
        let init = match q {
            Quantifier::Forall => quote!(1u64),
            Quantifier::Exists | Quantifier::Sum => quote!(0u64),
        };
        let loops = self.nest(binders, f, &mut |em, f| {
            let inner = em.scalar(body, f)?;
            Ok(match q {
                Quantifier::Forall => quote!(if (#inner) == 0 {
                    #r = 0;
                    break #label;
                }),
                Quantifier::Exists => quote!(if (#inner) != 0 {
                    #r = 1;
                    break #label;
                }),
                Quantifier::Sum => {
                    quote!(#r = (#r as i64).checked_add((#inner) as i64).ok_or(Bail)? as u64;)
                }
            })
        })?;
        Ok(Val {
            ts: quote!({
                let mut #r: u64 = #init;
                #label: {
                    #loops
                }
                #r
            }),
            form: Form::S,
        })
    }

    /// Nested loops over `binders`, each domain evaluated with the earlier
    /// binders bound, around what `inner` emits with all of them bound.
    pub fn nest(
        &self,
        binders: &[(LocalId, Expr)],
        f: &mut Frame,
        inner: &mut dyn FnMut(&Self, &mut Frame) -> E<TokenStream>,
    ) -> E<TokenStream> {
        let Some(((local, dom), rest)) = binders.split_first() else {
            return inner(self, f);
        };
        let ty = f.ty(*local)?.clone();
        let form = self.form_of(&ty)?;
        let d = self.domain(dom, &ty, f)?;
        let name = self.fresh("b");
        let old = f.bind(*local, name.clone(), form.clone());
        let body = self.nest(rest, f, inner);
        f.restore(*local, old);
        self.each(&d, &name, &form, body?)
    }

    /// The domain of a binder of type `elem_ty`.
    pub fn domain(&self, e: &Expr, elem_ty: &Type, f: &mut Frame) -> E<Dom> {
        match &e.kind {
            ExprKind::RoleSet(role) => {
                let (first, count) = self.role_range(*role);
                Ok(Dom::Roles { first, count })
            }
            ExprKind::Range(lo, hi) => Ok(Dom::Range {
                lo: self.scalar(lo, f)?,
                hi: self.scalar(hi, f)?,
            }),
            _ if is_scalar(elem_ty)
                && let Some(items) = self.scalar_items(e, f) =>
            {
                Ok(Dom::List {
                    items: items?,
                    signed: matches!(elem_ty, Type::Int(_)),
                })
            }
            ExprKind::InFlight(kind) => {
                if f.step.is_some() {
                    return unsupported("in_flight inside a step");
                }
                let packed = matches!(
                    self.pack.net.fields.get(kind.index()),
                    Some(FieldsPack::Packed(_))
                );
                match self.shape(&Type::Message(*kind)) {
                    Some(shape) if packed && ordered_network(self.pack) => Ok(Dom::InFlight {
                        kind: kind.0,
                        shape,
                    }),
                    _ => unsupported("in_flight over a FIFO network or messages without codes"),
                }
            }
            _ => {
                let v = self.expr(e, f)?;
                let Form::C(shape) = v.form else {
                    return unsupported("malformed IR: a scalar domain");
                };
                let elem = match &shape.kind {
                    ShapeKind::Set(elem) | ShapeKind::Seq { elem, .. } => elem,
                    _ => return unsupported("a domain that is not a set or a sequence"),
                };
                if !is_scalar(elem_ty) && self.shape(elem_ty).as_ref() != Some(&**elem) {
                    return unsupported("elements in another shape");
                }
                let elem = (**elem).clone();
                Ok(match shape.kind {
                    ShapeKind::Seq { max, .. } => Dom::Seq {
                        code: v.ts,
                        elem,
                        max,
                    },
                    _ => Dom::Bits { code: v.ts, elem },
                })
            }
        }
    }

    /// A loop binding `name` (in `form`) to each element of `d` around
    /// `body`. The domain is evaluated once, before the loop.
    pub fn each(&self, d: &Dom, name: &Ident, form: &Form, body: TokenStream) -> E<TokenStream> {
        Ok(match d {
            Dom::List { items, signed } => {
                let key = if *signed {
                    quote!(|x: &u64| *x as i64)
                } else {
                    quote!(|x: &u64| *x)
                };
                quote!({
                    let mut items: Vec<u64> = vec![#(#items),*];
                    items.sort_unstable_by_key(#key);
                    items.dedup();
                    for #name in items {
                        #body
                    }
                })
            }
            Dom::Roles { first, count } => {
                let (lo, hi) = (
                    lit_u64(u64::from(*first)),
                    lit_u64(u64::from(first + count)),
                );
                quote!(for #name in #lo..#hi {
                    #body
                })
            }
            Dom::Range { lo, hi } => {
                let max = crate::eval::MAX_RANGE;
                quote!({
                    let (l, h) = ((#lo) as i64, (#hi) as i64);
                    if h >= l {
                        if h.saturating_sub(l) >= #max {
                            return Err(Bail);
                        }
                        for n in l..=h {
                            let #name = n as u64;
                            #body
                        }
                    }
                })
            }
            Dom::Bits { code, elem } => {
                let elem_value = match form {
                    Form::S => load(quote!(bit), &Load::of_shape(elem, self.insts)),
                    Form::C(_) => quote!(bit),
                };
                quote!({
                    let mut rest: u64 = #code;
                    while rest != 0 {
                        let bit = u64::from(rest.trailing_zeros());
                        rest &= rest - 1;
                        let #name = #elem_value;
                        #body
                    }
                })
            }
            Dom::Seq { code, elem, max } => {
                let elem_value = match form {
                    Form::S => load(quote!(el), &Load::of_shape(elem, self.insts)),
                    Form::C(_) => quote!(el),
                };
                let eb = elem.bits;
                quote!({
                    let sq: u64 = #code;
                    let len = k::seq_len(sq, #eb, #max) as u32;
                    for at in 0..len.min(#max) {
                        let el = k::seq_at(sq, #eb, #max, at);
                        let #name = #elem_value;
                        #body
                    }
                })
            }
            Dom::InFlight { kind, shape } => {
                let ShapeKind::Message {
                    inst_bits, fields, ..
                } = &shape.kind
                else {
                    return unsupported("malformed IR: a message type without a message shape");
                };
                let (from_sh, to_sh) = (inst_bits + fields.bits, fields.bits);
                let kind = Literal::u32_suffixed(*kind);
                quote!(for msg in k::in_flight(m, s, #kind) {
                    let #name = k::shl(u64::from(msg.from), #from_sh)
                        | k::shl(u64::from(msg.to), #to_sh)
                        | msg.fields;
                    for _ in 0..msg.copies {
                        #body
                    }
                })
            }
        })
    }
}
