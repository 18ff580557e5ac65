//! The TCP transport between the processes of a deployment.
//!
//! Every process listens on its address from the peers file and opens one
//! outgoing connection to each peer, used only to send. A message travels
//! as one frame (crate::frame) holding an [`Envelope`]: sender, receiver,
//! the sender's Lamport clock, the message, and optional application data.
//!
//! Delivery is at most once: a frame is written once and never resent. A
//! frame queued while a peer is unreachable waits (up to a bound) and
//! leaves when the connection is back; the connection is retried with
//! exponential backoff. A frame written into a connection that then breaks
//! is lost, as a message the network never delivers (which a bag or a set
//! network allows; the run just never delivers it).
//!
//! What arrives is checked before the node sees it: a frame that is not a
//! well-formed envelope, names an unknown instance or another receiver is
//! dropped and logged; an oversized or truncated frame also closes that
//! connection. Nothing the network sends can reach the protocol's state
//! except a well-formed message from a known instance to this one.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::frame::{FrameError, FramedReader, decode_payload, encode_frame};
use crate::instance::{InstanceId, ProtocolInfo};
use crate::log::Log;

/// One message on the wire.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope<M> {
    pub from: InstanceId,
    pub to: InstanceId,
    /// The sender's Lamport clock when it sent the message.
    pub clock: u64,
    pub message: M,
    /// Application data that travels beside the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Json>,
}

/// How the transport behaves.
#[derive(Clone, Copy, Debug)]
pub struct TransportConfig {
    pub max_frame: usize,
    /// Frames waiting for one peer beyond this many are dropped.
    pub queue_limit: usize,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for TransportConfig {
    fn default() -> TransportConfig {
        TransportConfig {
            max_frame: crate::frame::DEFAULT_MAX_FRAME,
            queue_limit: 10_000,
            backoff_min: Duration::from_millis(20),
            backoff_max: Duration::from_secs(1),
        }
    }
}

/// The sending side: one queue per peer.
#[derive(Debug)]
pub struct Transport {
    queues: BTreeMap<InstanceId, mpsc::Sender<Vec<u8>>>,
    config: TransportConfig,
    log: Log,
}

impl Transport {
    /// Starts sending to `peers` and receiving on `listener`. Must run
    /// inside a tokio runtime. Received envelopes come out of the channel.
    pub fn start<M>(
        me: InstanceId,
        info: ProtocolInfo,
        peers: &BTreeMap<InstanceId, SocketAddr>,
        listener: TcpListener,
        config: TransportConfig,
        log: Log,
    ) -> (Transport, mpsc::Receiver<Envelope<M>>)
    where
        M: DeserializeOwned + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(accept_loop(me, info, listener, config, log.clone(), tx));
        let mut queues = BTreeMap::new();
        for (&id, &addr) in peers {
            let (qtx, qrx) = mpsc::channel(config.queue_limit.max(1));
            let name = info.instance_name(id);
            tokio::spawn(send_loop(addr, name, qrx, config, log.clone()));
            queues.insert(id, qtx);
        }
        (
            Transport {
                queues,
                config,
                log,
            },
            rx,
        )
    }

    /// Queues one envelope for its receiver; a full queue or an unknown
    /// receiver drops it (and says so).
    pub fn send<M: Serialize>(&self, envelope: &Envelope<M>) {
        let Some(queue) = self.queues.get(&envelope.to) else {
            self.log.warn(&format!(
                "no address for {:?}: message dropped",
                envelope.to
            ));
            return;
        };
        match encode_frame(envelope, self.config.max_frame) {
            Ok(bytes) => {
                if queue.try_send(bytes).is_err() {
                    self.log.warn(&format!(
                        "the queue to {:?} is full: message dropped",
                        envelope.to
                    ));
                }
            }
            Err(e) => self.log.warn(&format!("message not sent: {e}")),
        }
    }
}

async fn send_loop(
    addr: SocketAddr,
    name: String,
    mut queue: mpsc::Receiver<Vec<u8>>,
    config: TransportConfig,
    log: Log,
) {
    let mut backoff = config.backoff_min;
    let mut connected_before = false;
    loop {
        let stream = match TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(_) => {
                if queue.is_closed() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(config.backoff_max);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        backoff = config.backoff_min;
        if connected_before {
            log.info(&format!("reconnected to {name} at {addr}"));
        }
        connected_before = true;
        let (mut read, mut write) = stream.into_split();
        let mut scratch = [0u8; 64];
        loop {
            tokio::select! {
                frame = queue.recv() => {
                    let Some(frame) = frame else { return };
                    if let Err(e) = write.write_all(&frame).await {
                        log.warn(&format!("connection to {name} broke ({e}): a message is lost"));
                        break;
                    }
                }
                // The peer never writes: a read that completes means the
                // connection closed (or the peer misbehaves); reconnect.
                _ = read.read(&mut scratch) => {
                    log.info(&format!("connection to {name} closed"));
                    break;
                }
            }
        }
    }
}

async fn accept_loop<M>(
    me: InstanceId,
    info: ProtocolInfo,
    listener: TcpListener,
    config: TransportConfig,
    log: Log,
    tx: mpsc::Sender<Envelope<M>>,
) where
    M: DeserializeOwned + Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(read_loop(
                    me,
                    info,
                    stream,
                    peer,
                    config.max_frame,
                    log.clone(),
                    tx.clone(),
                ));
            }
            Err(e) => {
                log.warn(&format!("accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn read_loop<M>(
    me: InstanceId,
    info: ProtocolInfo,
    stream: TcpStream,
    peer: SocketAddr,
    max_frame: usize,
    log: Log,
    tx: mpsc::Sender<Envelope<M>>,
) where
    M: DeserializeOwned + Send + 'static,
{
    let mut frames = FramedReader::new(stream, max_frame);
    while let Some(frame) = frames.next().await {
        let payload = match frame {
            Ok(p) => p,
            Err(e @ (FrameError::Oversized { .. } | FrameError::Truncated { .. })) => {
                log.warn(&format!("from {peer}: {e}; connection closed"));
                return;
            }
            Err(e) => {
                log.warn(&format!("from {peer}: {e}; dropped"));
                continue;
            }
        };
        match decode_payload::<Envelope<M>>(&payload).and_then(|e| check(e, me, &info)) {
            Ok(envelope) => {
                if tx.send(envelope).await.is_err() {
                    return;
                }
            }
            Err(e) => log.warn(&format!("from {peer}: {e}; dropped")),
        }
    }
}

/// Refuses an envelope that names an unknown instance or another receiver.
fn check<M>(
    envelope: Envelope<M>,
    me: InstanceId,
    info: &ProtocolInfo,
) -> Result<Envelope<M>, FrameError> {
    let known = |i: InstanceId| {
        info.roles
            .get(i.role as usize)
            .is_some_and(|r| i.index < r.count)
    };
    if !known(envelope.from) {
        return Err(FrameError::Malformed(format!(
            "an unknown sender {:?}",
            envelope.from
        )));
    }
    if envelope.to != me {
        return Err(FrameError::Malformed(format!(
            "a message for {}, not for this instance",
            info.instance_name(envelope.to)
        )));
    }
    Ok(envelope)
}
