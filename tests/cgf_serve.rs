//! `roamsim serve --cgf`: a CDF (roamsim's sans-IO `Cdf` on a real UDP socket, as a user's PGW
//! would send) delivers PGW-CDRs over GTP' to the home core's CGF, which acknowledges them and
//! writes TS 32.297 files holding each record exactly once.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::Serve;
use roamsim::model::Micros;
use roamsim::proto::gtpprime::{Cdf, CdfConfig};
use roamsim::wire::cdr::file::parse_file;
use roamsim::wire::cdr::{example, GwRecord, RecordKind};

#[test]
fn serve_cgf_acknowledges_and_files_every_cdr_once() {
    let dir = std::env::temp_dir().join(format!("roamsim-cgf-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let serve = Serve::start(&["--cgf", "127.0.0.1:0", "--cgf-dir", dir.to_str().unwrap()]);
    let cgf = serve.cgf.expect("serve printed the CGF's address");

    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut cdf = Cdf::new(CdfConfig {
        cgfs: vec![cgf],
        ..CdfConfig::default()
    });
    let t0 = Instant::now();
    let now = || Micros::from_duration(t0.elapsed());
    const N: u32 = 500;
    for n in 0..N {
        cdf.handle_record(now(), example(RecordKind::Pgw, n).to_vec().unwrap(), now());
    }
    let mut buf = Vec::new();
    let mut rbuf = [0u8; 65_536];
    while cdf.stats().records_acked < N as u64 {
        assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", cdf.stats());
        while let Some(d) = {
            buf.clear();
            cdf.poll_transmit(&mut buf)
        } {
            socket.send_to(&buf[..d.len], d.dst).unwrap();
        }
        if let Ok((n, src)) = socket.recv_from(&mut rbuf) {
            cdf.handle_datagram(now(), src, &rbuf[..n]);
        }
        if cdf.poll_timeout().is_some_and(|t| t <= now()) {
            cdf.handle_timeout(now());
        }
    }

    // SIGTERM: the CGF closes its open file and reports what it stored.
    let report = serve.stop();
    assert!(
        report.contains("cgf requests ") && report.contains(&format!(" stored {N} ")),
        "{report}"
    );
    let mut seen = vec![0u32; N as usize];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.ends_with(".partial"), "{name}");
        if path.is_dir() || !name.ends_with(".cdr") {
            continue; // the PGW's own spool (`spool/pgw.spool`)
        }
        let bytes = std::fs::read(&path).unwrap();
        let (_, cdrs) = parse_file(&bytes).unwrap();
        for (_, c) in cdrs {
            let r = GwRecord::parse(c).unwrap();
            seen[r.local_sequence_number.unwrap() as usize] += 1;
        }
    }
    assert!(
        seen.iter().all(|&n| n == 1),
        "every CDR exactly once: {seen:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
