//! Test support: reads the reference captures in `../shared/captures/` (classic pcap, Ethernet, IPv4)
//! and returns each frame's TCP or UDP payload, so codec tests run on bytes real peers produced.
#![cfg(test)]

use std::path::PathBuf;

/// One frame's transport payload, with its 1-based frame number as tshark shows it.
pub(crate) struct Frame {
    pub number: usize,
    pub payload: Vec<u8>,
}

/// Path of a file in the shared captures folder.
pub(crate) fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/captures")
        .join(name)
}

/// Frames of `name` that carry a non-empty TCP or UDP payload.
pub(crate) fn payloads(name: &str) -> Vec<Frame> {
    let data = std::fs::read(path(name)).unwrap_or_else(|e| panic!("read capture {name}: {e}"));
    assert!(data.len() >= 24, "pcap too short");
    let le = data[..4] == [0xd4, 0xc3, 0xb2, 0xa1];
    let u32_at = |b: &[u8], at: usize| {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if le {
            u32::from_le_bytes(v)
        } else {
            u32::from_be_bytes(v)
        }
    };
    let mut frames = Vec::new();
    let mut at = 24;
    let mut number = 0;
    while at + 16 <= data.len() {
        let incl = u32_at(&data, at + 8) as usize;
        let frame = &data[at + 16..at + 16 + incl];
        at += 16 + incl;
        number += 1;
        // Ethernet II, IPv4 only (the captures are loopback IPv4).
        if frame.len() < 14 + 20 || frame[12..14] != [0x08, 0x00] {
            continue;
        }
        let ip = &frame[14..];
        let ihl = (ip[0] & 0x0f) as usize * 4;
        let total = u16::from_be_bytes([ip[2], ip[3]]) as usize;
        let l4 = &ip[ihl..total.min(ip.len())];
        let payload = match ip[9] {
            6 => &l4[((l4[12] >> 4) as usize * 4).min(l4.len())..],
            17 => &l4[8.min(l4.len())..],
            _ => continue,
        };
        if !payload.is_empty() {
            frames.push(Frame {
                number,
                payload: payload.to_vec(),
            });
        }
    }
    frames
}

/// The payload of frame `number` (1-based); panics if that frame carries none.
pub(crate) fn frame(name: &str, number: usize) -> Vec<u8> {
    payloads(name)
        .into_iter()
        .find(|f| f.number == number)
        .unwrap_or_else(|| panic!("{name}: frame {number} has no payload"))
        .payload
}

#[test]
fn captures_have_the_indexed_frames() {
    assert_eq!(payloads("s6a-tcp.pcap").len(), 24);
    assert_eq!(payloads("gtpv2-udp.pcap").len(), 20);
    assert_eq!(frame("s6a-tcp.pcap", 9).len(), 700);
    assert_eq!(frame("gtpv2-udp.pcap", 3).len(), 151);
}
