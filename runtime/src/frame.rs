//! Length-prefixed frames: how values travel over a byte stream.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes of
//! JSON. [`FrameDecoder`] is sans-I/O: it is fed whatever bytes a socket
//! produced and yields whole frames, so the framing rules are tested
//! without a network. A frame longer than the decoder's limit cannot be
//! skipped safely (a garbage length would make the reader swallow the
//! stream), so it ends the stream: the connection is closed and the peer
//! reconnects. A frame of the right length whose bytes do not decode is
//! dropped and the stream goes on.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The default limit on one frame's payload: 1 MiB.
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// Why a frame was refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FrameError {
    /// The length prefix exceeds the limit; the stream cannot go on.
    Oversized { len: usize, max: usize },
    /// The payload is not the JSON of the expected value.
    Malformed(String),
    /// The stream ended inside a frame.
    Truncated { have: usize, want: usize },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Oversized { len, max } => {
                write!(f, "a frame of {len} bytes exceeds the limit of {max}")
            }
            FrameError::Malformed(e) => write!(f, "a malformed frame: {e}"),
            FrameError::Truncated { have, want } => {
                write!(
                    f,
                    "the stream ended inside a frame ({have} of {want} bytes)"
                )
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// The bytes of one frame holding `value`.
pub fn encode_frame<T: Serialize>(value: &T, max: usize) -> Result<Vec<u8>, FrameError> {
    let payload = serde_json::to_vec(value).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if payload.len() > max {
        return Err(FrameError::Oversized {
            len: payload.len(),
            max,
        });
    }
    let mut out = Vec::with_capacity(4 + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// The value a frame's payload holds.
pub fn decode_payload<T: DeserializeOwned>(payload: &[u8]) -> Result<T, FrameError> {
    serde_json::from_slice(payload).map_err(|e| FrameError::Malformed(e.to_string()))
}

/// Splits a byte stream into frame payloads.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    max: usize,
    broken: bool,
}

impl FrameDecoder {
    pub fn new(max: usize) -> FrameDecoder {
        FrameDecoder {
            buf: Vec::new(),
            max,
            broken: false,
        }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if !self.broken {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The next whole frame's payload, if one is buffered. After an
    /// oversized frame the decoder yields nothing more.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        if self.broken || self.buf.len() < 4 {
            return None;
        }
        let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
        if len > self.max {
            self.broken = true;
            self.buf = Vec::new();
            return Some(Err(FrameError::Oversized { len, max: self.max }));
        }
        if self.buf.len() < 4 + len {
            return None;
        }
        let payload = self.buf[4..4 + len].to_vec();
        self.buf.drain(..4 + len);
        Some(Ok(payload))
    }

    /// Whether an oversized frame ended the stream.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// At the end of the stream: the partial frame left over, if any.
    pub fn finish(&self) -> Option<FrameError> {
        if self.broken || self.buf.is_empty() {
            return None;
        }
        let want = if self.buf.len() >= 4 {
            4 + u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize
        } else {
            4
        };
        Some(FrameError::Truncated {
            have: self.buf.len(),
            want,
        })
    }
}

/// A stream read as frames, through a [`FrameDecoder`].
#[derive(Debug)]
pub struct FramedReader<R> {
    reader: R,
    decoder: FrameDecoder,
    done: bool,
}

impl<R: AsyncRead + Unpin> FramedReader<R> {
    pub fn new(reader: R, max: usize) -> FramedReader<R> {
        FramedReader {
            reader,
            decoder: FrameDecoder::new(max),
            done: false,
        }
    }

    /// The next frame's payload, or why it was refused; `None` once the
    /// stream has ended (a partial last frame is reported first, as
    /// truncated) or an oversized frame broke it.
    pub async fn next(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(frame) = self.decoder.next_frame() {
                return Some(frame);
            }
            if self.done || self.decoder.is_broken() {
                return None;
            }
            match self.reader.read(&mut chunk).await {
                Ok(n) if n > 0 => self.decoder.push(&chunk[..n]),
                _ => {
                    self.done = true;
                    return self.decoder.finish().map(Err);
                }
            }
        }
    }
}

/// Writes one frame holding `value` and flushes it.
pub async fn write_frame<W: AsyncWrite + Unpin, T: Serialize>(
    writer: &mut W,
    value: &T,
    max: usize,
) -> std::io::Result<()> {
    let bytes = encode_frame(value, max).map_err(std::io::Error::other)?;
    writer.write_all(&bytes).await?;
    writer.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_across_reads_are_reassembled() {
        let a = encode_frame(&vec![1, 2, 3], 100).unwrap();
        let b = encode_frame(&"hello", 100).unwrap();
        let stream: Vec<u8> = a.iter().chain(&b).copied().collect();
        let mut d = FrameDecoder::new(100);
        let mut got = Vec::new();
        for byte in stream.chunks(3) {
            d.push(byte);
            while let Some(f) = d.next_frame() {
                got.push(f.unwrap());
            }
        }
        assert_eq!(got, vec![b"[1,2,3]".to_vec(), b"\"hello\"".to_vec()]);
        assert_eq!(d.finish(), None);
    }

    #[test]
    fn an_oversized_length_ends_the_stream() {
        let mut d = FrameDecoder::new(10);
        d.push(&[0, 0, 0, 11, b'x']);
        assert_eq!(
            d.next_frame(),
            Some(Err(FrameError::Oversized { len: 11, max: 10 }))
        );
        d.push(&encode_frame(&1, 10).unwrap());
        assert_eq!(d.next_frame(), None);
        assert!(d.is_broken());
    }

    #[test]
    fn a_partial_frame_at_the_end_is_reported_as_truncated() {
        let mut d = FrameDecoder::new(100);
        let f = encode_frame(&"abcdef", 100).unwrap();
        d.push(&f[..6]);
        assert_eq!(d.next_frame(), None);
        assert_eq!(
            d.finish(),
            Some(FrameError::Truncated { have: 6, want: 12 })
        );
    }

    #[test]
    fn a_payload_that_is_not_the_expected_value_is_malformed() {
        assert!(matches!(
            decode_payload::<Vec<i64>>(b"{\"no\":1}"),
            Err(FrameError::Malformed(_))
        ));
        assert_eq!(decode_payload::<Vec<i64>>(b"[4]"), Ok(vec![4]));
    }

    #[test]
    fn encoding_refuses_a_value_over_the_limit() {
        assert!(matches!(
            encode_frame(&"a long string", 4),
            Err(FrameError::Oversized { .. })
        ));
    }
}
