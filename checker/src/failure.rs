//! Why a transition could not be computed: a step whose `assert` failed or
//! whose evaluation hit a runtime error, and which step of which instance it
//! was.

use spec_lang::ir::Span;

use crate::eval::EvalError;
use crate::outcome::Action;

/// Why a step could not complete: a failed `assert` or a runtime error.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Failure {
    Assertion { message: Option<String>, span: Span },
    Error(EvalError),
}

impl From<EvalError> for Failure {
    fn from(e: EvalError) -> Failure {
        Failure::Error(e)
    }
}

/// A step that failed while running: which one, and how.
#[derive(Clone, Debug)]
pub struct StepFailure {
    pub failure: Failure,
    pub action: Action,
}
