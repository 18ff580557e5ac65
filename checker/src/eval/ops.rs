//! The strict operators and the builtin functions, on values.

use spec_lang::ir::{BinaryOp, Builtin, Span, Spec};

use super::{EvalResult, error};
use crate::value::Value;

/// Applies a strict binary operator to two values.
pub fn binary_values(op: BinaryOp, x: Value, y: Value, span: Span) -> EvalResult<Value> {
    use BinaryOp as B;
    let overflow = || error(span, "integer overflow");
    match (op, x, y) {
        (B::Eq, x, y) => Ok(Value::Bool(x == y)),
        (B::Ne, x, y) => Ok(Value::Bool(x != y)),
        (B::Iff, Value::Bool(x), Value::Bool(y)) => Ok(Value::Bool(x == y)),
        (B::Add, Value::Int(x), Value::Int(y)) => x
            .checked_add(y)
            .map_or_else(overflow, |n| Ok(Value::Int(n))),
        (B::Sub, Value::Int(x), Value::Int(y)) => x
            .checked_sub(y)
            .map_or_else(overflow, |n| Ok(Value::Int(n))),
        (B::Mul, Value::Int(x), Value::Int(y)) => x
            .checked_mul(y)
            .map_or_else(overflow, |n| Ok(Value::Int(n))),
        (B::Div, Value::Int(x), Value::Int(y)) => {
            if y == 0 {
                return error(span, "division by zero");
            }
            let Some(q) = x.checked_div(y) else {
                return overflow();
            };
            // Round toward negative infinity, as TLA+'s \div does.
            let q = if x % y != 0 && ((x < 0) != (y < 0)) {
                q - 1
            } else {
                q
            };
            Ok(Value::Int(q))
        }
        (B::Mod, Value::Int(x), Value::Int(y)) => {
            if y == 0 {
                return error(span, "division by zero");
            }
            let Some(r) = x.checked_rem(y) else {
                // i64::MIN % -1 overflows in Rust; the remainder is 0.
                return Ok(Value::Int(0));
            };
            // The remainder takes the divisor's sign.
            let r = if r != 0 && ((r < 0) != (y < 0)) {
                r + y
            } else {
                r
            };
            Ok(Value::Int(r))
        }
        (B::Lt, x, y) => Ok(Value::Bool(x < y)),
        (B::Le, x, y) => Ok(Value::Bool(x <= y)),
        (B::Gt, x, y) => Ok(Value::Bool(x > y)),
        (B::Ge, x, y) => Ok(Value::Bool(x >= y)),
        (B::Union, Value::Set(x), Value::Set(y)) => {
            let mut all = x;
            all.extend(y);
            Ok(Value::set_from(all))
        }
        (B::Diff, Value::Set(x), Value::Set(y)) => Ok(Value::Set(
            x.into_iter()
                .filter(|e| y.binary_search(e).is_err())
                .collect(),
        )),
        (B::Inter, Value::Set(x), Value::Set(y)) => Ok(Value::Set(
            x.into_iter()
                .filter(|e| y.binary_search(e).is_ok())
                .collect(),
        )),
        (B::Subset, Value::Set(x), Value::Set(y)) => {
            Ok(Value::Bool(x.iter().all(|e| y.binary_search(e).is_ok())))
        }
        (B::In, x, coll) => Ok(Value::Bool(contains(&coll, &x, span)?)),
        (B::NotIn, x, coll) => Ok(Value::Bool(!contains(&coll, &x, span)?)),
        (B::Concat, Value::Seq(mut x), Value::Seq(y)) => {
            x.extend(y);
            Ok(Value::Seq(x))
        }
        _ => error(span, "operands of the wrong types"),
    }
}

pub fn contains(coll: &Value, x: &Value, span: Span) -> EvalResult<bool> {
    match coll {
        Value::Set(items) => Ok(items.binary_search(x).is_ok()),
        Value::Seq(items) => Ok(items.contains(x)),
        Value::Map(entries) => Ok(entries.binary_search_by(|(k, _)| k.cmp(x)).is_ok()),
        _ => error(span, "membership in a value that is not a collection"),
    }
}

pub fn builtin(b: Builtin, args: Vec<Value>, span: Span, spec: &Spec) -> EvalResult<Value> {
    use Builtin as F;
    let mut args = args.into_iter();
    let mut next = || match args.next() {
        Some(v) => Ok(v),
        None => error(span, "malformed IR: missing argument"),
    };
    let empty = |what: &str| error(span, format!("{what} of an empty sequence"));
    match b {
        F::Size => match next()? {
            Value::Set(v) | Value::Seq(v) => Ok(Value::Int(v.len() as i64)),
            Value::Map(v) => Ok(Value::Int(v.len() as i64)),
            _ => error(span, "size of a value that is not a collection"),
        },
        F::Some => Ok(Value::Some(Box::new(next()?))),
        F::IsSome => Ok(Value::Bool(matches!(next()?, Value::Some(_)))),
        F::IsNone => Ok(Value::Bool(matches!(next()?, Value::None))),
        F::Get => match next()? {
            Value::Some(v) => Ok(*v),
            Value::None => error(span, "get(none): the option is empty"),
            _ => error(span, "get of a value that is not an option"),
        },
        F::Append => match (next()?, next()?) {
            (Value::Seq(mut s), x) => {
                s.push(x);
                Ok(Value::Seq(s))
            }
            _ => error(span, "append to a value that is not a sequence"),
        },
        F::Head => match next()? {
            Value::Seq(s) => s.into_iter().next().map_or_else(|| empty("head"), Ok),
            _ => error(span, "head of a value that is not a sequence"),
        },
        F::Last => match next()? {
            Value::Seq(s) => s.into_iter().next_back().map_or_else(|| empty("last"), Ok),
            _ => error(span, "last of a value that is not a sequence"),
        },
        F::Tail => match next()? {
            Value::Seq(s) if s.is_empty() => empty("tail"),
            Value::Seq(s) => Ok(Value::Seq(s.into_iter().skip(1).collect())),
            _ => error(span, "tail of a value that is not a sequence"),
        },
        F::Take | F::Drop => match (next()?, next()?) {
            (Value::Seq(s), Value::Int(n)) => {
                if n < 0 {
                    return error(span, format!("negative count {n}"));
                }
                let n = usize::try_from(n).unwrap_or(usize::MAX).min(s.len());
                Ok(Value::Seq(if b == F::Take {
                    s.into_iter().take(n).collect()
                } else {
                    s.into_iter().skip(n).collect()
                }))
            }
            _ => error(span, "take or drop of a value that is not a sequence"),
        },
        F::Keys => match next()? {
            Value::Map(entries) => Ok(Value::Set(entries.into_iter().map(|(k, _)| k).collect())),
            _ => error(span, "keys of a value that is not a map"),
        },
        F::MinOf | F::MaxOf => match next()? {
            Value::Set(s) => {
                let pick = if b == F::MinOf {
                    s.into_iter().next()
                } else {
                    s.into_iter().next_back()
                };
                pick.map_or_else(|| error(span, "min or max of an empty set"), Ok)
            }
            _ => error(span, "min or max of a value that is not a set"),
        },
        F::Min2 | F::Max2 => {
            let (x, y) = (next()?, next()?);
            Ok(if (b == F::Min2) == (x <= y) { x } else { y })
        }
        F::Abs => match next()? {
            Value::Int(n) => n
                .checked_abs()
                .map_or_else(|| error(span, "integer overflow"), |n| Ok(Value::Int(n))),
            v => error(
                span,
                format!("abs of a value that is not an integer: {}", v.display(spec)),
            ),
        },
    }
}
