//! `roamsim serve` with S6a over SCTP (RFC 6733 §2.1, TS 29.272 §4.1): user-space SCTP over
//! UDP (RFC 6951) checked by tshark and through a lossy `roamsim link`, kernel SCTP where the
//! kernel has it, and `--transport` resolution (`sctp` without kernel support is exit 2,
//! `auto` says what it picked).

mod common;

use std::io::Write;
use std::time::Duration;

use common::sctp_mme::{result_code, vector_count, SctpMme};
use common::{have_tshark, Capture, Serve};

const IMSI: &str = "310410000100000";

fn sctp_udp_serve() -> Serve {
    let serve = Serve::start(&["--transport", "sctp-udp"]);
    assert!(
        serve
            .banner
            .iter()
            .any(|l| l.starts_with("transport: sctp-udp")),
        "{:?}",
        serve.banner
    );
    serve
}

/// CER/CEA, AIR (2001, 3 vectors), ULR (2001) and a few more AIRs, then DPR and SHUTDOWN.
fn attach(mme: &mut SctpMme) {
    mme.air(1, IMSI, 3);
    mme.run_until(Duration::from_secs(10), |m| m.answers.contains_key(&1));
    assert_eq!(result_code(&mme.answers[&1]), 2001, "AIA");
    assert_eq!(vector_count(&mme.answers[&1]), 3, "AIA vectors");
    mme.ulr(2, IMSI);
    mme.run_until(Duration::from_secs(10), |m| m.answers.contains_key(&2));
    assert_eq!(result_code(&mme.answers[&2]), 2001, "ULA");
    for token in 3..8 {
        mme.air(token, IMSI, 1);
    }
    mme.run_until(Duration::from_secs(10), |m| m.answers.len() == 7);
}

#[test]
fn sctp_udp_s6a_decodes_clean_in_tshark() {
    let serve = sctp_udp_serve();
    let port = serve.s6a.port();
    let capture = have_tshark().then(|| Capture::start("sctp-udp", &format!("udp port {port}")));
    // tshark says "Capturing on" a moment before its filter sees packets.
    std::thread::sleep(Duration::from_millis(1000));
    let mut mme = SctpMme::connect(serve.s6a);
    attach(&mut mme);
    mme.close();
    std::thread::sleep(Duration::from_millis(200));
    let report = serve.stop();
    assert!(report.contains("sctp associations 1 closed 1"), "{report}");
    assert!(report.contains("s6a.air 2001"), "{report}");

    let Some(capture) = capture else {
        eprintln!("skipped tshark checks: tshark missing");
        return;
    };
    let file = capture.finish();
    let data = common::check_sctp_udp_capture(&file, port, 1);
    // CER/CEA, 7 requests and answers, DPR/DPA.
    assert!(
        data.chunks >= 18,
        "only {} DATA chunks captured",
        data.chunks
    );
    assert!(
        data.streams.len() >= 3,
        "DATA on streams {:?} only",
        data.streams
    );
    let _ = std::fs::remove_file(&file);
}

#[test]
fn sctp_udp_s6a_completes_every_transaction_through_a_lossy_link() {
    let serve = sctp_udp_serve();
    let (mut link, relay) = common::lossy_link(serve.s6a, "2%", 11, 110);
    let mut mme = SctpMme::connect(relay);
    attach(&mut mme);
    const AIRS: u64 = 500;
    const WINDOW: u64 = 32;
    let answered = |m: &SctpMme| m.answers.len() as u64 - 7;
    let mut sent = 0;
    let started = std::time::Instant::now();
    while answered(&mme) < AIRS {
        while sent < AIRS && sent - answered(&mme) < WINDOW {
            mme.air(100 + sent, IMSI, 1);
            sent += 1;
        }
        mme.step(Duration::from_millis(20));
        assert_eq!(mme.timed_out, 0, "a request timed out");
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{} of {AIRS} AIAs after 90 s",
            answered(&mme)
        );
    }
    let elapsed = started.elapsed();
    assert!(mme.answers.values().all(|a| result_code(a) == 2001));
    let stats = mme.sctp.stats(mme.assoc).expect("association alive");
    eprintln!(
        "{AIRS} AIRs through 2% loss in {elapsed:?}: client retransmissions {} \
         (fast {}, t3 {}), packets sent {}",
        stats.retransmissions, stats.fast_retransmissions, stats.t3_expirations, stats.packets_sent
    );
    assert!(stats.retransmissions > 0, "{stats:?}");
    mme.close();
    let report = serve.stop();
    let sctp_line = report
        .lines()
        .find(|l| l.starts_with("sctp associations"))
        .unwrap_or_default()
        .to_string();
    eprintln!("serve: {sctp_line}");
    assert!(sctp_line.contains("associations 1"), "{report}");
    let _ = std::process::Command::new("kill")
        .args(["-INT", &link.id().to_string()])
        .status();
    let _ = link.wait();
}

#[test]
fn sctp_without_kernel_support_is_a_usage_error_suggesting_sctp_udp() {
    if roamsim::io::kernel_sctp_available() {
        eprintln!("skipped: the kernel has SCTP, so --transport sctp is valid here");
        return;
    }
    let out = common::roamsim()
        .args(["serve", "--transport", "sctp", "--s6a", "127.0.0.1:0"])
        .args(["--s8", "127.0.0.1:0", "--duration", "1s"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--transport sctp-udp"), "{stderr}");
    assert!(stderr.contains("IPPROTO_SCTP"), "{stderr}");
}

#[test]
fn auto_says_which_transport_it_picked() {
    let serve = Serve::start(&["--transport", "auto"]);
    let line = serve
        .banner
        .iter()
        .find(|l| l.starts_with("transport: "))
        .cloned()
        .unwrap_or_else(|| panic!("no transport line in {:?}", serve.banner));
    if roamsim::io::kernel_sctp_available() {
        assert!(line.starts_with("transport: sctp (auto"), "{line}");
        return;
    }
    assert!(
        line.starts_with("transport: tcp (auto: kernel SCTP unavailable"),
        "{line}"
    );
    // It really is TCP: a CER over TCP gets its CEA.
    let mut s = std::net::TcpStream::connect(serve.s6a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(&common::cer(
        common::sctp_mme::MME_HOST,
        common::sctp_mme::MME_REALM,
    ))
    .unwrap();
    assert_eq!(result_code(&common::read_diameter(&mut s)), 2001);
    drop(s);
    serve.stop();
}

#[test]
fn kernel_sctp_s6a_where_the_kernel_has_it() {
    use roamsim::io::sctp::{Recv, SctpConfig, SctpStream};
    if let Some(why) = roamsim::io::kernel_sctp_unavailable_reason() {
        eprintln!("skipped: kernel has no SCTP ({why})");
        return;
    }
    let serve = Serve::start(&["--transport", "sctp"]);
    let client = SctpStream::connect(serve.s6a, &SctpConfig::default()).unwrap();
    let cer = common::cer(common::sctp_mme::MME_HOST, common::sctp_mme::MME_REALM);
    retry(|| client.send_msg(&cer, 0, 46));
    let mut client = client;
    let (stream, ppid, cea) = retry(|| match client.recv_msg()? {
        Recv::Message { stream, ppid, data } => Ok((stream, ppid, data.to_vec())),
        Recv::Closed => panic!("serve closed the association"),
    });
    assert_eq!((stream, ppid), (0, 46), "CEA on stream 0 with PPID 46");
    assert_eq!(result_code(&cea), 2001);
    client.shutdown().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let report = serve.stop();
    assert!(report.contains("diameter connections 1"), "{report}");
}

fn retry<T>(mut f: impl FnMut() -> std::io::Result<T>) -> T {
    let until = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match f() {
            Ok(v) => return v,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    && std::time::Instant::now() < until =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("{e}"),
        }
    }
}
