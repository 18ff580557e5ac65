//! Evaluation errors of the spec language, as generated code meets them.
//!
//! The checker treats every one of these as a violation (docs/language.md,
//! "What a step means"); generated code returns them as values instead of
//! panicking, and the simulator ends the run with them, as the checker
//! would report them.

use std::fmt;

/// Why an expression of the spec has no value, or why a value may not be
/// stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EvalError {
    /// 64-bit integer arithmetic overflowed.
    Overflow,
    DivisionByZero,
    /// `m[k]` of a key that is not in the map (or the update of a field
    /// below an absent key).
    AbsentKey,
    /// `get(none)`.
    EmptyOption,
    /// A 1-based sequence index outside `1..=len`.
    IndexOutOfRange {
        index: i64,
        len: usize,
    },
    /// `head`, `last` or `tail` of an empty sequence, `min`/`max` of an
    /// empty set.
    Empty(&'static str),
    /// `take` or `drop` with a negative count.
    NegativeCount(i64),
    /// A range `lo..hi` too large to build as a set (the checker's limit).
    RangeTooLarge {
        lo: i64,
        hi: i64,
    },
    /// A stored integer outside its declared range: `what` names the
    /// variable or the message field.
    OutOfRange {
        what: &'static str,
        value: i64,
        lo: i64,
        hi: i64,
    },
    /// A stored sequence longer than its declared bound.
    TooLong {
        what: &'static str,
        len: usize,
        max: u32,
    },
    /// A local read where no statement bound it (a `let` in a branch not
    /// taken).
    Unbound,
    /// A state read of an instance that does not exist or is of another
    /// role (never for a spec that type-checks).
    NoSuchInstance,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Overflow => write!(f, "integer overflow"),
            EvalError::DivisionByZero => write!(f, "division by zero"),
            EvalError::AbsentKey => write!(f, "the key is not in the map"),
            EvalError::EmptyOption => write!(f, "get(none): the option is empty"),
            EvalError::IndexOutOfRange { index, len } => write!(
                f,
                "sequence index {index} is out of range (the length is {len})"
            ),
            EvalError::Empty(what) => write!(f, "{what} of an empty collection"),
            EvalError::NegativeCount(n) => write!(f, "negative count {n}"),
            EvalError::RangeTooLarge { lo, hi } => write!(f, "the range {lo}..{hi} is too large"),
            EvalError::OutOfRange {
                what,
                value,
                lo,
                hi,
            } => write!(f, "{what}: value {value} is out of the range {lo}..{hi}"),
            EvalError::TooLong { what, len, max } => write!(
                f,
                "{what}: a sequence of length {len} exceeds its bound {max}"
            ),
            EvalError::Unbound => write!(f, "a local is read where it was not bound"),
            EvalError::NoSuchInstance => write!(f, "no such role instance"),
        }
    }
}

impl std::error::Error for EvalError {}

/// The result of evaluating an expression of the spec.
pub type Eval<T> = Result<T, EvalError>;
