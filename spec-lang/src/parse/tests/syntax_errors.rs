//! Syntax errors, rendered as the user sees them.
