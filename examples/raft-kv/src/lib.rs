//! A replicated key-value store on the generated Raft code.
//!
//! Each server is one process running the `Server` role generated from
//! specs/raft.spec, driven by the runtime's node driver, with [`KvApp`]
//! around it: client commands become log entries (through the spec's
//! `client_request` step), the command travels beside the AppendEntries
//! message that carries its entry, and the key-value map applies entries
//! once the spec's commit index passes them. Clients speak a small framed
//! protocol ([`wire`]) and follow redirects to the leader ([`Client`]).

mod app;
mod client;
pub mod wire;

pub use app::{Command, Input, KvApp};
pub use client::{Client, ClientError};
