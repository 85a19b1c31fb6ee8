//! A short exchange written inside UDP (RFC 6951, port 9899) to a pcap and checked by an
//! independent decoder: tshark must find no malformed packet or expert error, verify every
//! CRC32c, see PPID 46 on every DATA chunk and decode the Diameter messages inside.

use super::harness::{closed, Pair, MS, S};
use super::*;
use crate::wire::capture;

/// Real Diameter messages (whole ones) from the S6a reference capture.
fn diameter_messages(n: usize) -> Vec<Vec<u8>> {
    let msgs: Vec<Vec<u8>> = capture::payloads("s6a-tcp.pcap")
        .into_iter()
        .map(|f| f.payload)
        .filter(|p| {
            p.len() >= 20
                && p[0] == 1
                && u32::from_be_bytes([0, p[1], p[2], p[3]]) as usize == p.len()
        })
        .take(n)
        .collect();
    assert_eq!(
        msgs.len(),
        n,
        "reference capture holds {n} whole Diameter messages"
    );
    msgs
}

/// Runs tshark with the CRC32c check on; returns one line of fields per SCTP chunk.
fn tshark_fields(path: &std::path::Path) -> Option<Vec<String>> {
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-d", "udp.port==9899,sctp", "-o", "sctp.checksum:CRC 32c"])
        .args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"])
        .args([
            "-e",
            "sctp.checksum.status",
            "-e",
            "sctp.chunk_type",
            "-e",
            "sctp.data_payload_proto_id",
        ])
        .args([
            "-e",
            "sctp.data_sid",
            "-e",
            "diameter.cmd.code",
            "-e",
            "_ws.expert.severity",
        ])
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect(),
    )
}

/// Handshake, four Diameter requests on streams 0..3, one answer, SACKs, shutdown: every
/// packet either side sent, in order.
fn short_exchange() -> Vec<Vec<u8>> {
    let mut p = Pair::new(91, 0.0, MS, Micros(0));
    p.log = Some(Vec::new());
    let (c, s) = p.establish();
    let msgs = diameter_messages(4);
    for (stream, m) in msgs.iter().enumerate() {
        p.client
            .association(c)
            .unwrap()
            .send(p.now, stream as u16, PPID_DIAMETER, m)
            .unwrap();
        // One DATA packet per message, so the capture shows them one by one.
        p.settle();
    }
    p.run_until(p.now + S, |p| {
        p.server_events
            .iter()
            .filter(|(_, e)| matches!(e, Event::Message { .. }))
            .count()
            == 4
    });
    let answer = &msgs[1];
    p.server
        .association(s)
        .unwrap()
        .send(p.now, 2, PPID_DIAMETER, answer)
        .unwrap();
    p.run_until(p.now + S, |p| {
        p.client
            .association(c)
            .is_some_and(|a| a.queued_bytes() == 0)
            && p.server
                .association(s)
                .is_some_and(|a| a.queued_bytes() == 0)
    });
    p.client.association(c).unwrap().shutdown(p.now);
    assert!(
        p.run_until(p.now + 10 * S, |p| closed(&p.server_events).is_some()
            && closed(&p.client_events).is_some())
    );
    p.log.take().unwrap()
}

#[test]
fn short_exchange_decodes_clean_in_tshark() {
    let log = short_exchange();
    let slices: Vec<&[u8]> = log.iter().map(Vec::as_slice).collect();
    let path = std::env::temp_dir().join(format!("roamsim-sctp-{}.pcap", std::process::id()));
    capture::write_pcap(&path, capture::L4::Udp, 40000, UDP_ENCAPS_PORT, &slices);
    let Some(problems) = capture::tshark_problems(&path, &["udp.port==9899,sctp"]) else {
        eprintln!("tshark not installed: tshark check skipped");
        let _ = std::fs::remove_file(&path);
        return;
    };
    assert!(problems.is_empty(), "{problems:?}");
    let lines = tshark_fields(&path).expect("tshark ran once already");
    // The check is not vacuous: a flipped checksum byte reads as bad (status 0).
    let mut bad = log[0].clone();
    bad[8] ^= 0xff;
    capture::write_pcap(&path, capture::L4::Udp, 40000, UDP_ENCAPS_PORT, &[&bad]);
    let bad_lines = tshark_fields(&path).unwrap();
    assert!(bad_lines[0].starts_with("0\t"), "{bad_lines:?}");
    let _ = std::fs::remove_file(&path);
    eprintln!("{}", lines.join("\n"));
    assert_eq!(lines.len(), log.len());
    check_fields(&lines);
}

/// Every checksum good, no expert error, PPID 46 and Diameter in every DATA chunk, and all
/// the chunk types of the exchange present.
fn check_fields(lines: &[String]) {
    let mut chunk_types = Vec::new();
    let mut data_chunks = 0;
    let mut diameter = 0;
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f[0], "1", "checksum not verified good: {l}");
        assert!(
            f[5].is_empty() || !f[5].split(',').any(|sev| sev == "8388608"),
            "expert error: {l}"
        );
        chunk_types.extend(
            f[1].split(',')
                .filter(|t| !t.is_empty())
                .map(|t| t.parse::<u8>().unwrap()),
        );
        for ppid in f[2].split(',').filter(|t| !t.is_empty()) {
            assert_eq!(ppid, "46", "{l}");
            data_chunks += 1;
        }
        diameter += f[4].split(',').filter(|t| !t.is_empty()).count();
    }
    assert_eq!(data_chunks, 5);
    assert_eq!(diameter, 5, "every DATA chunk decoded as Diameter");
    for t in [1u8, 2, 10, 11, 0, 3, 7, 8, 14] {
        assert!(
            chunk_types.contains(&t),
            "chunk type {t} missing from {chunk_types:?}"
        );
    }
}
