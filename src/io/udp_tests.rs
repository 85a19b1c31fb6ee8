//! Batched UDP on real loopback sockets: batch round trip, GSO bursts and their fallback,
//! GRO coalescing, `SO_REUSEPORT`, IPv6.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::udp::{RecvBatch, Transmit, UdpConfig, UdpSocket};

fn bind(addr: &str, cfg: &UdpConfig) -> UdpSocket {
    UdpSocket::bind(addr.parse().unwrap(), cfg).expect("bind")
}

/// Receives until `want` datagrams (GRO buffers split) arrived or 5 s passed.
fn recv_n(sock: &mut UdpSocket, batch: &mut RecvBatch, want: usize) -> Vec<(SocketAddr, Vec<u8>)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        match sock.recv_batch(batch) {
            Ok(_) => got.extend(batch.datagrams().map(|(a, d)| (a, d.to_vec()))),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("recv_batch: {e}"),
        }
    }
    got
}

/// Sends every transmit, retrying on `WouldBlock`.
fn send_all(sock: &mut UdpSocket, mut transmits: &[Transmit<'_>]) {
    while !transmits.is_empty() {
        match sock.send_batch(transmits) {
            Ok(n) => transmits = &transmits[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("send_batch: {e}"),
        }
    }
}

/// One plain datagram to `dst` per message.
fn plain(dst: SocketAddr, msgs: &[Vec<u8>]) -> Vec<Transmit<'_>> {
    msgs.iter()
        .map(|m| Transmit {
            dst,
            contents: m,
            segment_size: None,
        })
        .collect()
}

fn payloads(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut p = vec![i as u8; 100 + i % 7];
            p[..4].copy_from_slice(&(i as u32).to_be_bytes());
            p
        })
        .collect()
}

#[test]
fn batch_round_trip() {
    let cfg = UdpConfig::default();
    let mut a = bind("127.0.0.1:0", &cfg);
    let mut b = bind("127.0.0.1:0", &cfg);
    assert!(a.recv_buffer_size() > 0 && a.send_buffer_size() > 0);
    let msgs = payloads(150);
    send_all(&mut a, &plain(b.local_addr(), &msgs));
    let mut batch = RecvBatch::new(32, 2048);
    let got = recv_n(&mut b, &mut batch, msgs.len());
    assert_eq!(got.len(), msgs.len());
    for ((from, data), sent) in got.iter().zip(&msgs) {
        assert_eq!(*from, a.local_addr());
        assert_eq!(data, sent);
    }
    // Echo back and receive at `a`.
    let echo: Vec<_> = got
        .iter()
        .map(|(from, data)| Transmit {
            dst: *from,
            contents: data,
            segment_size: None,
        })
        .collect();
    send_all(&mut b, &echo);
    let back = recv_n(&mut a, &mut batch, msgs.len());
    assert_eq!(back.len(), msgs.len());
    assert!(back.iter().map(|(_, d)| d).eq(msgs.iter()));
    assert_eq!(a.stats().datagrams_sent, 150);
}

#[test]
fn a_batch_with_room_left_says_the_queue_was_drained() {
    let cfg = UdpConfig::default();
    let mut a = bind("127.0.0.1:0", &cfg);
    let mut b = bind("127.0.0.1:0", &cfg);
    let msgs = payloads(5);
    send_all(&mut a, &plain(b.local_addr(), &msgs));
    // Loopback delivers synchronously: all five are queued once the send returns.
    let mut small = RecvBatch::new(3, 2048);
    assert_eq!(b.recv_batch(&mut small).unwrap(), 3);
    assert!(!small.drained(), "a full batch cannot tell");
    assert_eq!(b.recv_batch(&mut small).unwrap(), 2);
    assert!(small.drained());
    assert_eq!(
        b.recv_batch(&mut small).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
}

/// 21 datagrams (20 × 100 B and one of 50 B) sent as one transmit with a segment size.
fn gso_burst(sender_cfg: &UdpConfig, segments: usize, seg: usize) -> (UdpSocket, Vec<Vec<u8>>) {
    let mut tx = bind("127.0.0.1:0", sender_cfg);
    let mut rx = bind("127.0.0.1:0", &UdpConfig::default());
    let mut burst = Vec::new();
    for i in 0..segments {
        burst.extend(std::iter::repeat_n(i as u8, seg));
    }
    burst.extend(std::iter::repeat_n(0xEE, seg / 2));
    let t = [Transmit {
        dst: rx.local_addr(),
        contents: &burst,
        segment_size: Some(seg),
    }];
    send_all(&mut tx, &t);
    let mut batch = RecvBatch::new(64, 2048);
    let got = recv_n(&mut rx, &mut batch, segments + 1);
    let expected: Vec<Vec<u8>> = burst.chunks(seg).map(<[u8]>::to_vec).collect();
    assert_eq!(got.len(), expected.len());
    assert!(got.iter().map(|(_, d)| d).eq(expected.iter()));
    (tx, expected)
}

#[test]
fn gso_burst_is_delivered_as_datagrams() {
    let (tx, expected) = gso_burst(&UdpConfig::default(), 20, 100);
    // Whether the kernel took GSO or refused it, every datagram arrived.
    assert_eq!(tx.stats().datagrams_sent, expected.len() as u64);
}

#[test]
fn gso_over_segment_limit_is_split() {
    let (tx, _) = gso_burst(&UdpConfig::default(), 150, 40);
    assert_eq!(tx.stats().datagrams_sent, 151);
}

#[test]
fn gso_fallback_sends_plain_datagrams() {
    let cfg = UdpConfig {
        gso: false,
        ..UdpConfig::default()
    };
    let (tx, expected) = gso_burst(&cfg, 100, 64);
    assert!(!tx.gso_enabled());
    assert_eq!(tx.stats().datagrams_sent, expected.len() as u64);
}

#[test]
fn runtime_gso_refusal_falls_back() {
    let mut tx = bind("127.0.0.1:0", &UdpConfig::default());
    let mut rx = bind("127.0.0.1:0", &UdpConfig::default());
    if !tx.gso_enabled() {
        eprintln!("GSO unavailable; fallback covered by gso_fallback_sends_plain_datagrams");
        return;
    }
    tx.simulate_gso_refusal = true;
    let burst = [7u8; 500];
    let t = [Transmit {
        dst: rx.local_addr(),
        contents: &burst,
        segment_size: Some(100),
    }];
    assert_eq!(tx.send_batch(&t).unwrap(), 1);
    assert!(!tx.gso_enabled());
    let got = recv_n(&mut rx, &mut RecvBatch::new(8, 256), 5);
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|(_, d)| d.as_slice() == [7u8; 100]));
}

#[test]
fn gro_receiver_reports_stride() {
    let mut tx = bind("127.0.0.1:0", &UdpConfig::default());
    let gro_cfg = UdpConfig {
        gro: true,
        ..UdpConfig::default()
    };
    let mut rx = bind("127.0.0.1:0", &gro_cfg);
    let burst: Vec<u8> = (0..10 * 200).map(|i| (i / 200) as u8).collect();
    let t = [Transmit {
        dst: rx.local_addr(),
        contents: &burst,
        segment_size: Some(200),
    }];
    send_all(&mut tx, &t);
    let mut batch = RecvBatch::new(8, 65_536);
    let got = recv_n(&mut rx, &mut batch, 10);
    assert_eq!(got.len(), 10);
    assert!(got.iter().all(|(_, d)| d.len() == 200));
    if rx.gro_enabled() && tx.gso_enabled() {
        // Loopback delivers the GSO unit intact to a GRO socket: one buffer, stride 200.
        let (meta, _) = batch.get(0);
        assert_eq!((meta.len, meta.stride), (2000, 200));
    }
}

#[test]
fn reuseport_shares_one_port() {
    let cfg = UdpConfig {
        reuse_port: true,
        ..UdpConfig::default()
    };
    let mut s1 = bind("127.0.0.1:0", &cfg);
    let port_addr = s1.local_addr();
    let mut s2 = UdpSocket::bind(port_addr, &cfg).expect("second bind with SO_REUSEPORT");
    assert_eq!(s2.local_addr(), port_addr);
    let plain = UdpConfig::default();
    assert!(UdpSocket::bind(port_addr, &plain).is_err());
    // Many senders (distinct 4-tuples) spread over both sockets.
    let mut senders: Vec<_> = (0..32).map(|_| bind("127.0.0.1:0", &plain)).collect();
    for s in &mut senders {
        let m = [Transmit {
            dst: port_addr,
            contents: b"hello",
            segment_size: None,
        }];
        send_all(s, &m);
    }
    let mut batch = RecvBatch::new(64, 64);
    let deadline = Instant::now() + Duration::from_secs(5);
    let (mut n1, mut n2) = (0, 0);
    while n1 + n2 < 32 && Instant::now() < deadline {
        n1 += s1.recv_batch(&mut batch).unwrap_or(0);
        n2 += s2.recv_batch(&mut batch).unwrap_or(0);
    }
    assert_eq!(n1 + n2, 32);
    assert!(n1 > 0 && n2 > 0, "reuseport spread: {n1}/{n2}");
}

#[test]
fn ipv6_and_dual_stack() {
    let cfg = UdpConfig::default();
    let Ok(mut v6) = UdpSocket::bind("[::1]:0".parse().unwrap(), &cfg) else {
        eprintln!("no IPv6 loopback; skipping");
        return;
    };
    let mut dual = bind("[::]:0", &cfg);
    let mut v4 = bind("127.0.0.1:0", &cfg);
    let mut batch = RecvBatch::new(4, 256);
    let dual_port = dual.local_addr().port();
    let to_dual6: SocketAddr = format!("[::1]:{dual_port}").parse().unwrap();
    send_all(
        &mut v6,
        &[Transmit {
            dst: to_dual6,
            contents: b"six",
            segment_size: None,
        }],
    );
    let got = recv_n(&mut dual, &mut batch, 1);
    assert_eq!(got, vec![(v6.local_addr(), b"six".to_vec())]);
    // A dual-stack socket sees IPv4 peers unmapped and can answer them.
    let to_dual4: SocketAddr = format!("127.0.0.1:{dual_port}").parse().unwrap();
    send_all(
        &mut v4,
        &[Transmit {
            dst: to_dual4,
            contents: b"four",
            segment_size: None,
        }],
    );
    let got = recv_n(&mut dual, &mut batch, 1);
    assert_eq!(got, vec![(v4.local_addr(), b"four".to_vec())]);
    send_all(
        &mut dual,
        &[Transmit {
            dst: v4.local_addr(),
            contents: b"back",
            segment_size: None,
        }],
    );
    let got = recv_n(&mut v4, &mut batch, 1);
    assert_eq!(got[0].1, b"back");
}

#[test]
fn works_with_mio_poll() {
    let cfg = UdpConfig::default();
    let mut a = bind("127.0.0.1:0", &cfg);
    let mut b = bind("127.0.0.1:0", &cfg);
    let mut poll = mio::Poll::new().unwrap();
    poll.registry()
        .register(&mut b, mio::Token(7), mio::Interest::READABLE)
        .unwrap();
    send_all(
        &mut a,
        &[Transmit {
            dst: b.local_addr(),
            contents: b"ping",
            segment_size: None,
        }],
    );
    let mut events = mio::Events::with_capacity(4);
    poll.poll(&mut events, Some(Duration::from_secs(5)))
        .unwrap();
    assert!(events
        .iter()
        .any(|e| e.token() == mio::Token(7) && e.is_readable()));
    let mut batch = RecvBatch::new(4, 64);
    assert_eq!(b.recv_batch(&mut batch).unwrap(), 1);
    let err = b.recv_batch(&mut batch).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
}
