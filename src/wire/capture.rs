//! Test and bench support: reads the reference captures in `tests/data/captures/` (classic pcap,
//! Ethernet, IPv4) and returns each frame's TCP or UDP payload, so codec tests and benches run on
//! bytes real peers produced; writes pcaps of emitted messages and asks tshark about them.

use std::path::PathBuf;

/// One frame's transport payload, with its 1-based frame number as tshark shows it.
pub struct Frame {
    pub number: usize,
    pub payload: Vec<u8>,
}

/// Path of a file in the reference captures folder, `tests/data/captures/` of this crate.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/captures")
        .join(name)
}

/// Frames of `name` that carry a non-empty TCP or UDP payload.
pub fn payloads(name: &str) -> Vec<Frame> {
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
pub fn frame(name: &str, number: usize) -> Vec<u8> {
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

/// Transport of a frame written by [`write_pcap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    Tcp,
    Udp,
}

/// Writes `payloads` as Ethernet/IPv4 frames from 127.0.0.1:`src_port` to 127.0.0.2:`dst_port`
/// (TCP sequence numbers advance so tshark reassembles one message per frame). Test output only:
/// checksums are left zero, which tshark does not verify by default.
pub fn write_pcap(
    path: &std::path::Path,
    l4: L4,
    src_port: u16,
    dst_port: u16,
    payloads: &[&[u8]],
) {
    let mut out = Vec::new();
    for v in [
        0xa1b2c3d4u32.to_le_bytes(),
        [2, 0, 4, 0],
        [0; 4],
        [0; 4],
        65535u32.to_le_bytes(),
        1u32.to_le_bytes(),
    ] {
        out.extend_from_slice(&v);
    }
    let mut seq: u32 = 1;
    for (i, p) in payloads.iter().enumerate() {
        let l4_len = match l4 {
            L4::Tcp => 20,
            L4::Udp => 8,
        };
        let ip_len = 20 + l4_len + p.len();
        let mut f = Vec::with_capacity(14 + ip_len);
        f.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00]);
        f.extend_from_slice(&[
            0x45,
            0,
            (ip_len >> 8) as u8,
            ip_len as u8,
            0,
            0,
            0x40,
            0,
            64,
        ]);
        f.push(if l4 == L4::Tcp { 6 } else { 17 });
        f.extend_from_slice(&[0, 0, 127, 0, 0, 1, 127, 0, 0, 2]);
        f.extend_from_slice(&src_port.to_be_bytes());
        f.extend_from_slice(&dst_port.to_be_bytes());
        match l4 {
            L4::Tcp => {
                f.extend_from_slice(&seq.to_be_bytes());
                f.extend_from_slice(&[0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
                seq = seq.wrapping_add(p.len() as u32);
            }
            L4::Udp => {
                f.extend_from_slice(&((8 + p.len()) as u16).to_be_bytes());
                f.extend_from_slice(&[0, 0]);
            }
        }
        f.extend_from_slice(p);
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&f);
    }
    std::fs::write(path, out).expect("write pcap");
}

/// Runs tshark over `path` and returns the lines it reports as malformed or as expert errors
/// (empty when clean), or `None` when tshark is not installed. `decode_as` entries are passed as
/// `-d` options, e.g. `tcp.port==3868,diameter`.
pub fn tshark_problems(path: &std::path::Path, decode_as: &[&str]) -> Option<Vec<String>> {
    let mut cmd = std::process::Command::new("tshark");
    cmd.arg("-r").arg(path);
    for d in decode_as {
        cmd.arg("-d").arg(d);
    }
    cmd.args([
        "-Y",
        "_ws.malformed || _ws.expert.severity >= \"error\"",
        "-V",
    ]);
    let out = cmd.output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .filter(|l| l.contains("Malformed") || l.contains("Expert Info (Error"))
            .map(String::from)
            .collect(),
    )
}

/// tshark fields for every frame of `path`, one line per frame, or `None` without tshark.
pub fn tshark_fields(path: &std::path::Path, fields: &[&str]) -> Option<Vec<String>> {
    let mut cmd = std::process::Command::new("tshark");
    cmd.arg("-r")
        .arg(path)
        .args(["-T", "fields", "-E", "separator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect(),
    )
}

#[test]
fn reference_captures_are_clean_and_rewritten_frames_stay_clean() {
    let frames = payloads("gtpv2-udp.pcap");
    let slices: Vec<&[u8]> = frames.iter().map(|f| f.payload.as_slice()).collect();
    let tmp = std::env::temp_dir().join(format!(
        "roamsim-capture-selftest-{}.pcap",
        std::process::id()
    ));
    write_pcap(&tmp, L4::Udp, 40000, 2123, &slices);
    if let Some(problems) = tshark_problems(&tmp, &[]) {
        assert!(problems.is_empty(), "{problems:?}");
    } else {
        eprintln!("tshark not installed: tshark check skipped");
    }
    let _ = std::fs::remove_file(&tmp);
}

#[test]
fn tshark_check_flags_a_truncated_message() {
    let mut bad = frame("gtpv2-udp.pcap", 3);
    bad.truncate(60);
    let tmp = std::env::temp_dir().join(format!("roamsim-capture-bad-{}.pcap", std::process::id()));
    write_pcap(&tmp, L4::Udp, 40000, 2123, &[&bad]);
    if let Some(problems) = tshark_problems(&tmp, &[]) {
        assert!(
            !problems.is_empty(),
            "tshark should flag a truncated Create Session Request"
        );
    }
    let _ = std::fs::remove_file(&tmp);
}
