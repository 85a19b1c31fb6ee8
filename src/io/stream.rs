//! Framed byte-stream buffers for TCP (and SCTP-over-stream) transports, docs/ARCHITECTURE.md §5:
//! "many Diameter messages per write and read".
//!
//! [`StreamBuf`] reads as much as the socket has into one growable buffer and hands out
//! complete messages as slices of it; the caller supplies the framing rule as a [`Framer`]
//! (for Diameter, RFC 6733 §3: the 24-bit Message Length after the version byte). Only a
//! trailing partial message is ever moved (to the front, when the buffer end is reached).
//!
//! [`WriteQueue`] appends encoded messages to one contiguous buffer and writes it with as few
//! `write` calls as the socket accepts, resuming after partial writes and `WouldBlock`.

use std::io::{self, Read, Write};

/// Gives the full length of the message at the start of `prefix`, or `None` if `prefix` is too
/// short to tell.
pub type Framer = fn(&[u8]) -> Option<usize>;

/// A peer sent a length that cannot be framed; the stream should be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The framer reported a zero-length message.
    #[error("message length 0 cannot be framed")]
    ZeroLength,
    /// The message is larger than the configured limit.
    #[error("message length {len} exceeds the {max}-byte limit")]
    TooLong {
        /// Length the peer announced.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
}

/// Why [`StreamBuf::read_from`] stopped reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadStatus {
    /// The socket has no more data now; wait for readiness.
    WouldBlock,
    /// The buffer is full of complete (or unframeable) messages: drain with
    /// [`StreamBuf::next_message`], then read again.
    Full,
    /// The peer closed its side (read returned 0).
    Closed,
}

/// Read-side buffer yielding complete messages without copying them.
///
/// Call order: `read_from` until it returns `WouldBlock` or `Closed`; after each call, drain
/// `next_message` until it returns `Ok(None)`; on `Full`, drain and read again.
#[derive(Debug)]
pub struct StreamBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    framer: Framer,
    max_message: usize,
}

impl StreamBuf {
    /// A buffer starting at `capacity` bytes that grows, when one message needs it, up to
    /// `max_message` (or `capacity`, if larger).
    pub fn new(framer: Framer, capacity: usize, max_message: usize) -> Self {
        StreamBuf {
            buf: vec![0; capacity.max(16)],
            start: 0,
            end: 0,
            framer,
            max_message,
        }
    }

    /// Bytes received but not yet handed out.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    /// Current buffer size.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Reads from `r` until it would block, closes, or the buffer is full; returns the bytes
    /// read and why it stopped.
    pub fn read_from<R: Read>(&mut self, r: &mut R) -> io::Result<(usize, ReadStatus)> {
        let mut total = 0;
        loop {
            if !self.make_room() {
                return Ok((total, ReadStatus::Full));
            }
            match r.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok((total, ReadStatus::Closed)),
                Ok(n) => {
                    self.end += n;
                    total += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok((total, ReadStatus::WouldBlock))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<&[u8]>, FrameError> {
        let pending = &self.buf[self.start..self.end];
        let Some(len) = (self.framer)(pending) else {
            return Ok(None);
        };
        self.check_len(len)?;
        if len > pending.len() {
            return Ok(None);
        }
        let start = self.start;
        self.start += len;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        Ok(Some(&self.buf[start..start + len]))
    }

    fn check_len(&self, len: usize) -> Result<(), FrameError> {
        let max = self.limit();
        if len == 0 {
            Err(FrameError::ZeroLength)
        } else if len > max {
            Err(FrameError::TooLong { len, max })
        } else {
            Ok(())
        }
    }

    fn limit(&self) -> usize {
        self.max_message.max(self.buf.len())
    }

    /// Ensures free space at the end; false when the caller must drain messages first.
    fn make_room(&mut self) -> bool {
        let free = self.buf.len() - self.end;
        if free > self.buf.len() / 8 || (free > 0 && self.start == 0) {
            return true;
        }
        let pending = &self.buf[self.start..self.end];
        let want = match (self.framer)(pending) {
            Some(len) if len <= pending.len() => return free > 0,
            Some(len) if self.check_len(len).is_err() => return free > 0,
            Some(len) => len,
            None => pending.len() + 1,
        };
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() || want > self.buf.len() {
            let grown = (self.buf.len() * 2).max(want).min(self.limit());
            if grown > self.buf.len() {
                self.buf.resize(grown, 0);
            }
        }
        self.end < self.buf.len()
    }
}

/// Write-side queue: messages are appended to one buffer and written in as few calls as the
/// socket allows.
///
/// Call order: `push`/`push_with` any number of messages; `flush_to` when the socket is
/// writable (or right after pushing); if `!is_empty()` afterwards, wait for writability.
#[derive(Debug, Default)]
pub struct WriteQueue {
    buf: Vec<u8>,
    pos: usize,
    write_calls: u64,
}

impl WriteQueue {
    /// A queue with `capacity` bytes preallocated.
    pub fn with_capacity(capacity: usize) -> Self {
        WriteQueue {
            buf: Vec::with_capacity(capacity),
            pos: 0,
            write_calls: 0,
        }
    }

    /// Appends a copy of `msg`.
    pub fn push(&mut self, msg: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(msg);
    }

    /// Appends `len` bytes written in place by `emit` (e.g. a codec's `emit(&mut [u8])`),
    /// avoiding an intermediate copy; returns what `emit` returns.
    pub fn push_with<T>(&mut self, len: usize, emit: impl FnOnce(&mut [u8]) -> T) -> T {
        self.compact();
        let start = self.buf.len();
        self.buf.resize(start + len, 0);
        emit(&mut self.buf[start..])
    }

    /// Bytes waiting to be written.
    pub fn len(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when everything has been written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `write` calls made so far (for checking coalescing).
    pub fn write_calls(&self) -> u64 {
        self.write_calls
    }

    /// Writes queued bytes until done or the writer would block; returns bytes written.
    pub fn flush_to<W: Write>(&mut self, w: &mut W) -> io::Result<usize> {
        let mut total = 0;
        while self.pos < self.buf.len() {
            self.write_calls += 1;
            match w.write(&self.buf[self.pos..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.pos += n;
                    total += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        Ok(total)
    }

    /// Drops already-written bytes once they are the larger part of the buffer.
    fn compact(&mut self) {
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }
}
