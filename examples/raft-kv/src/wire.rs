//! The client protocol: one request, one response, each a frame
//! (`runtime::frame`) of JSON.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// What a client asks for. Both kinds go through the replicated log, so a
/// `Get` sees every write acknowledged before it was sent.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Op {
    Put { key: String, value: String },
    Get { key: String },
}

/// The answer to one request.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Response {
    /// The command is committed and applied; for a `Get`, the value.
    Done { value: Option<String> },
    /// This server is not the leader; the leader's client address, if known.
    Redirect { leader: Option<SocketAddr> },
    /// The command was not committed (leadership changed, the log is full):
    /// it may or may not take effect; a put can be sent again.
    Retry { reason: String },
}

/// Frames larger than this are refused by servers and clients.
pub const MAX_FRAME: usize = 64 * 1024;
