//! Conformance of generated code to its spec, in both directions: seeded
//! simulations of every library protocol's generated crate validate
//! against the spec (with their step coverage pinned), broken generated
//! crates are caught, and every counterexample of specs/bugs/ replays on
//! its generated crate with the same violation.

mod broken;
mod generated;
mod library;
mod replay;
