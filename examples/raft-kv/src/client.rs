//! A client of the store: sends one request at a time, follows redirects
//! to the leader, and tries the other servers when one does not answer,
//! until the request's deadline.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use runtime::frame::{FramedReader, decode_payload, write_frame};
use runtime::tokio::net::TcpStream;
use runtime::tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use runtime::tokio::time::{Instant, sleep, timeout};

use crate::wire::{MAX_FRAME, Op, Response};

/// How long one server may take to answer one request.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);
/// The pause before trying again after a refusal or a failure.
const PAUSE: Duration = Duration::from_millis(50);

/// Why a request did not complete.
#[derive(Clone, Debug)]
pub struct ClientError {
    pub message: String,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ClientError {}

struct Connection {
    addr: SocketAddr,
    read: FramedReader<OwnedReadHalf>,
    write: OwnedWriteHalf,
}

/// A client connected to at most one server at a time.
pub struct Client {
    servers: Vec<SocketAddr>,
    next: usize,
    target: Option<SocketAddr>,
    conn: Option<Connection>,
}

impl Client {
    /// A client of the servers at these client addresses.
    pub fn new(servers: Vec<SocketAddr>) -> Client {
        Client {
            servers,
            next: 0,
            target: None,
            conn: None,
        }
    }

    fn pick(&mut self) -> Option<SocketAddr> {
        if let Some(t) = self.target {
            return Some(t);
        }
        let addr = *self.servers.get(self.next % self.servers.len().max(1))?;
        self.next += 1;
        Some(addr)
    }

    async fn ask(&mut self, addr: SocketAddr, op: &Op) -> Result<Response, String> {
        if self.conn.as_ref().is_none_or(|c| c.addr != addr) {
            let stream = timeout(ANSWER_TIMEOUT, TcpStream::connect(addr))
                .await
                .map_err(|_| format!("{addr}: connection timed out"))?
                .map_err(|e| format!("{addr}: {e}"))?;
            let _ = stream.set_nodelay(true);
            let (read, write) = stream.into_split();
            self.conn = Some(Connection {
                addr,
                read: FramedReader::new(read, MAX_FRAME),
                write,
            });
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err("no connection".to_string());
        };
        write_frame(&mut conn.write, op, MAX_FRAME)
            .await
            .map_err(|e| format!("{addr}: {e}"))?;
        match timeout(ANSWER_TIMEOUT, conn.read.next()).await {
            Err(_) => Err(format!("{addr}: no answer in time")),
            Ok(None) => Err(format!("{addr}: the connection closed")),
            Ok(Some(Err(e))) => Err(format!("{addr}: {e}")),
            Ok(Some(Ok(payload))) => decode_payload(&payload).map_err(|e| format!("{addr}: {e}")),
        }
    }

    /// Sends `op` until a leader has committed it or the deadline passes;
    /// returns the value a `Get` read.
    pub async fn request(
        &mut self,
        op: &Op,
        deadline: Instant,
    ) -> Result<Option<String>, ClientError> {
        let mut last = String::from("no server was tried");
        while Instant::now() < deadline {
            let Some(addr) = self.pick() else {
                return Err(ClientError {
                    message: "no servers".to_string(),
                });
            };
            match self.ask(addr, op).await {
                Ok(Response::Done { value }) => return Ok(value),
                Ok(Response::Redirect { leader: Some(l) }) if l != addr => {
                    self.target = Some(l);
                    continue;
                }
                Ok(Response::Redirect { .. }) => {
                    last = format!("{addr}: not the leader, and no leader known");
                    self.target = None;
                }
                Ok(Response::Retry { reason }) => {
                    last = format!("{addr}: {reason}");
                }
                Err(e) => {
                    last = e;
                    self.conn = None;
                    self.target = None;
                }
            }
            sleep(PAUSE).await;
        }
        Err(ClientError {
            message: format!("the deadline passed; last: {last}"),
        })
    }
}
