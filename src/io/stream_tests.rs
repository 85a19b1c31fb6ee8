//! Framed stream buffers: messages split across reads, growth past the initial capacity,
//! coalesced writes with partial writes, and the same over real loopback TCP.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::stream::{FrameError, ReadStatus, StreamBuf, WriteQueue};
use super::tcp::{self, TcpConfig};

/// Diameter framing (RFC 6733 §3): version byte, then a 24-bit message length.
fn diameter_len(prefix: &[u8]) -> Option<usize> {
    (prefix.len() >= 4).then(|| u32::from_be_bytes([0, prefix[1], prefix[2], prefix[3]]) as usize)
}

/// A Diameter-shaped message of `len` bytes whose body identifies `id`.
fn message(id: u32, len: usize) -> Vec<u8> {
    let mut m = vec![0u8; len];
    m[0] = 1;
    m[1..4].copy_from_slice(&(len as u32).to_be_bytes()[1..]);
    m[4..8].copy_from_slice(&id.to_be_bytes());
    for (i, b) in m[8..].iter_mut().enumerate() {
        *b = (id as usize + i) as u8;
    }
    m
}

fn messages(n: u32) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| message(i, 20 + (i as usize * 37) % 300))
        .collect()
}

/// Yields its data in chunks of the given sizes (cycled), with `WouldBlock` between chunks.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    sizes: Vec<usize>,
    turn: usize,
    block_next: bool,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.data.len() {
            return Ok(0);
        }
        if std::mem::take(&mut self.block_next) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.block_next = true;
        let size = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let n = size.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn framed_read_across_splits_and_growth() {
    let msgs = messages(200);
    let mut src = Trickle {
        data: msgs.concat(),
        pos: 0,
        sizes: vec![1, 3, 7, 64, 500, 2, 1000],
        turn: 0,
        block_next: false,
    };
    // Smaller than most messages: forces growth, then compaction of partial tails.
    let mut sb = StreamBuf::new(diameter_len, 32, 4096);
    let mut got = Vec::new();
    loop {
        let (_, status) = sb.read_from(&mut src).unwrap();
        while let Some(m) = sb.next_message().unwrap() {
            got.push(m.to_vec());
        }
        if status == ReadStatus::Closed {
            break;
        }
    }
    assert_eq!(got, msgs);
    assert_eq!(sb.pending(), 0);
    assert!(sb.capacity() >= 300);
}

#[test]
fn full_buffer_is_drained_then_refilled() {
    let msgs = messages(50);
    let mut src = io::Cursor::new(msgs.concat());
    let mut sb = StreamBuf::new(diameter_len, 1024, 1024);
    let mut got = Vec::new();
    let mut fulls = 0;
    loop {
        let (_, status) = sb.read_from(&mut src).unwrap();
        fulls += usize::from(status == ReadStatus::Full);
        while let Some(m) = sb.next_message().unwrap() {
            got.push(m.to_vec());
        }
        if status == ReadStatus::Closed {
            break;
        }
    }
    assert!(fulls > 0);
    assert_eq!(got, msgs);
}

#[test]
fn bad_lengths_are_errors() {
    let mut sb = StreamBuf::new(diameter_len, 64, 100);
    let mut src = io::Cursor::new(message(1, 500));
    let _ = sb.read_from(&mut src).unwrap();
    assert_eq!(
        sb.next_message(),
        Err(FrameError::TooLong { len: 500, max: 100 })
    );
    let mut sb = StreamBuf::new(diameter_len, 64, 100);
    let _ = sb.read_from(&mut io::Cursor::new([1u8, 0, 0, 0])).unwrap();
    assert_eq!(sb.next_message(), Err(FrameError::ZeroLength));
}

/// Accepts at most `max` bytes per call and blocks every other call.
struct Choke {
    out: Vec<u8>,
    max: usize,
    block_next: bool,
}

impl Write for Choke {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if std::mem::take(&mut self.block_next) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.block_next = true;
        let n = buf.len().min(self.max);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn write_queue_coalesces_and_resumes_partial_writes() {
    let msgs = messages(100);
    let mut wq = WriteQueue::with_capacity(1024);
    let mut w = Choke {
        out: Vec::new(),
        max: 777,
        block_next: false,
    };
    for (i, m) in msgs.iter().enumerate() {
        if i % 2 == 0 {
            wq.push(m);
        } else {
            wq.push_with(m.len(), |buf| buf.copy_from_slice(m));
        }
        if i % 10 == 9 {
            wq.flush_to(&mut w).unwrap();
        }
    }
    while !wq.is_empty() {
        wq.flush_to(&mut w).unwrap();
    }
    assert_eq!(w.out, msgs.concat());
    // One unbounded writer takes 100 messages in a single call.
    let mut wq = WriteQueue::default();
    for m in &msgs {
        wq.push(m);
    }
    let mut sink = Vec::new();
    wq.flush_to(&mut sink).unwrap();
    assert_eq!(wq.write_calls(), 1);
    assert_eq!(sink, msgs.concat());
}

#[test]
fn loopback_tcp_framed_with_partial_writes() {
    let cfg = TcpConfig {
        recv_buffer: Some(16 << 10),
        send_buffer: Some(16 << 10),
        ..TcpConfig::default()
    };
    let listener = tcp::listen("127.0.0.1:0".parse().unwrap(), &cfg).unwrap();
    let mut client = tcp::connect(listener.local_addr().unwrap(), &cfg).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut server = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    tcp::configure_accepted(&server, &cfg).unwrap();
    let msgs = messages(20_000);
    let mut wq = WriteQueue::with_capacity(1 << 20);
    for m in &msgs {
        wq.push(m);
    }
    // The peer is not reading yet: the first flush must stop short at WouldBlock.
    let first = loop {
        match wq.flush_to(&mut client) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => continue,
            other => break other.unwrap(),
        }
    };
    assert!(!wq.is_empty() && first > 0, "expected a partial write");
    let mut sb = StreamBuf::new(diameter_len, 4096, 1 << 16);
    let mut got = 0usize;
    while got < msgs.len() && Instant::now() < deadline {
        wq.flush_to(&mut client).unwrap();
        let (_, status) = sb.read_from(&mut server).unwrap();
        assert_ne!(status, ReadStatus::Closed);
        while let Some(m) = sb.next_message().unwrap() {
            assert_eq!(m, msgs[got].as_slice());
            got += 1;
        }
    }
    assert_eq!(got, msgs.len());
    assert!(wq.write_calls() < msgs.len() as u64 / 10);
}
