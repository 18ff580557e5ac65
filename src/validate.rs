//! `specc validate FILE TRACE`: replay a recorded trace on the spec.

use crate::cli::{Exit, ValidateArgs};

pub fn run(_args: &ValidateArgs) -> Exit {
    Exit::Usage
}
