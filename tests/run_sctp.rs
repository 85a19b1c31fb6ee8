//! `roamsim run` and `roamsim load` with S6a over SCTP (RFC 6733 §2.1, TS 29.272 §4.1):
//! `run --transport sctp-udp` gives the outcomes and mix of TCP and decodes clean in tshark
//! (handshake, PPID 46, several streams, CRC32c, graceful SHUTDOWN); `load` through a lossy
//! `roamsim link` completes every S6a transaction and counts the SCTP retransmissions in
//! summary.json; kernel SCTP runs where the kernel has it and is a usage error elsewhere.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use common::{have_tshark, roamsim, Capture, Serve};
use serde_json::Value;

const PROCEDURES: [&str; 5] = [
    "attach",
    "location_update",
    "plmn_change",
    "detach",
    "data_session",
];

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-sctp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Runs the binary; returns (exit code, stdout, the summary when one was written).
fn roamsim_run(args: &[&str], dir: &Path) -> (i32, String, Option<Value>) {
    let out = roamsim()
        .args(args)
        .arg("--out")
        .arg(dir)
        .output()
        .expect("run roamsim");
    let stdout =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let summary = std::fs::read_to_string(dir.join("summary.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).expect("summary.json is JSON"));
    (out.status.code().unwrap_or(-1), stdout, summary)
}

/// Every procedure ran, none failed or timed out, nothing vanished, anomalies rejected as
/// expected; returns the started counts.
fn check_outcomes(s: &Value, what: &str) -> Vec<u64> {
    assert_eq!(s["schema"], "roamsim/summary/v1");
    let mut started = Vec::new();
    for p in PROCEDURES {
        let v = &s["procedures"][p];
        let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{p}.{k}"));
        assert!(n("ok") > 0, "{what}: {p} has no ok");
        assert_eq!(n("failed"), 0, "{what}: {p} failed");
        assert_eq!(n("timed_out"), 0, "{what}: {p} timed out");
        assert_eq!(
            n("started"),
            n("ok") + n("rejected_expected"),
            "{what}: {p} vanished"
        );
        started.push(n("started"));
    }
    assert!(
        s["procedures"]["attach"]["rejected_expected"]
            .as_u64()
            .unwrap()
            > 0,
        "{what}: anomalies"
    );
    assert_eq!(s["verdict"], "pass", "{what}");
    started
}

/// The S6a messages of the summary: (sent, answered) by kind.
fn s6a_messages(s: &Value) -> Vec<(String, u64, u64)> {
    s["messages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("s6a."))
        .map(|(k, v)| {
            (
                k.clone(),
                v["sent"].as_u64().unwrap(),
                v["answered"].as_u64().unwrap(),
            )
        })
        .collect()
}

const LOAD: [&str; 8] = [
    "--duration",
    "5s",
    "--rate",
    "300",
    "--population",
    "300",
    "--shards",
    "2",
];

#[test]
fn run_over_sctp_udp_matches_tcp_and_decodes_clean_in_tshark() {
    let dir = out_dir("tcp");
    let mut args = vec!["run", "--transport", "tcp"];
    args.extend(LOAD);
    let (code, out, tcp) = roamsim_run(&args, &dir);
    assert_eq!(code, 0, "{out}");
    let tcp = tcp.expect("summary");
    let tcp_started = check_outcomes(&tcp, "tcp");
    assert_eq!(tcp["run"]["transport"]["s6a"], "tcp");
    let _ = std::fs::remove_dir_all(&dir);

    // Both ends use SCTP port 3868 inside UDP (RFC 6951): capture just that, whatever the
    // UDP ports the run picks.
    let capture = have_tshark().then(|| {
        Capture::start(
            "run-sctp-udp",
            "udp and udp[8:2] == 3868 and udp[10:2] == 3868",
        )
    });
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let dir = out_dir("sctp-udp");
    let mut args = vec!["run", "--transport", "sctp-udp"];
    args.extend(LOAD);
    let (code, out, sctp) = roamsim_run(&args, &dir);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("transport: sctp-udp (user-space SCTP"),
        "{out}"
    );
    let sctp = sctp.expect("summary");
    let sctp_started = check_outcomes(&sctp, "sctp-udp");
    let _ = std::fs::remove_dir_all(&dir);

    // The same mix: each procedure's share of the starts within 3 points of TCP's.
    let share = |v: &[u64], i: usize| v[i] as f64 / v.iter().sum::<u64>() as f64;
    for (i, p) in PROCEDURES.iter().enumerate() {
        let (a, b) = (share(&tcp_started, i), share(&sctp_started, i));
        assert!(
            (a - b).abs() < 0.03,
            "{p}: {a:.3} of starts over TCP, {b:.3} over SCTP"
        );
    }
    for (kind, sent, answered) in s6a_messages(&sctp) {
        assert_eq!(sent, answered, "{kind} unanswered over sctp-udp");
    }
    let t = &sctp["run"]["transport"];
    assert_eq!(t["s6a"], "sctp-udp");
    // Every MME (the profile's 14, split over the shards) is its own association.
    let mme_assocs = t["mme"]["associations"].as_u64().unwrap();
    assert_eq!(mme_assocs, 14, "{t}");
    assert_eq!(t["hss"]["associations"], mme_assocs, "{t}");

    let Some(capture) = capture else {
        eprintln!("skipped tshark checks: tshark missing");
        return;
    };
    // One embedded core per shard: the MMEs' associations are split over their ports.
    let ports: Vec<u16> = out
        .split("embedded HSS at ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .map(|list| {
            list.split(", ")
                .filter_map(|a| a.parse::<SocketAddr>().ok())
                .map(|a| a.port())
                .collect()
        })
        .filter(|v: &Vec<u16>| !v.is_empty())
        .unwrap_or_else(|| panic!("no embedded HSS address in {out}"));
    let file = capture.finish();
    // The pools' instances are split over the shards unevenly (instance i to shard i % n):
    // count each core's associations by its INITs, and check that they add up.
    let inits: Vec<usize> = ports
        .iter()
        .map(|p| {
            let args = vec!["-d".to_string(), format!("udp.port=={p},sctp")];
            common::tshark_count(
                &file,
                &args,
                &format!("udp.port == {p} && sctp.chunk_type == 1"),
            )
        })
        .collect();
    assert_eq!(
        inits.iter().sum::<usize>(),
        mme_assocs as usize,
        "INITs per core: {inits:?}"
    );
    for (port, n) in ports.into_iter().zip(inits) {
        check_capture(&file, port, n);
    }
    let _ = std::fs::remove_file(file);
}

/// The capture of a run on one core's port: every association's handshake and shutdown,
/// every DATA chunk one Diameter message with PPID 46 (common), many of them, on several
/// streams, carrying every S6a command.
fn check_capture(file: &Path, port: u16, assocs: usize) {
    let data = common::check_sctp_udp_capture(file, port, assocs);
    assert!(
        data.chunks > 1000,
        "only {} DATA chunks captured",
        data.chunks
    );
    assert!(
        data.streams.len() >= 8,
        "DATA on streams {:?} only",
        data.streams
    );
    // CER, AIR, ULR, CLR, PUR (257, 318, 316, 317, 321).
    for code in ["257", "316", "317", "318", "321"] {
        assert!(
            data.commands.contains(code),
            "no command {code} in {:?}",
            data.commands
        );
    }
}

#[test]
fn load_over_sctp_udp_through_a_lossy_link_completes_every_s6a_transaction() {
    let serve = Serve::start(&["--transport", "sctp-udp"]);
    let (mut link, relay) = common::lossy_link(serve.s6a, "2%", 5, 100);
    let dir = out_dir("load-loss");
    let (relay, s8) = (relay.to_string(), serve.s8.to_string());
    let mut args = vec![
        "load",
        "--transport",
        "sctp-udp",
        "--s6a",
        &relay,
        "--s8",
        &s8,
    ];
    args.extend(LOAD);
    let (code, out, s) = roamsim_run(&args, &dir);
    let _ = std::process::Command::new("kill")
        .args(["-INT", &link.id().to_string()])
        .status();
    let _ = link.wait();
    assert_eq!(code, 0, "{out}");
    let s = s.expect("summary");
    check_outcomes(&s, "sctp-udp through 2% loss");
    for (kind, sent, answered) in s6a_messages(&s) {
        assert_eq!(sent, answered, "{kind}: not every transaction completed");
    }
    let mme = &s["run"]["transport"]["mme"];
    let retransmissions = mme["retransmissions"].as_u64().unwrap();
    eprintln!("through 2% loss: {mme}");
    assert!(retransmissions > 0, "no SCTP retransmission counted: {mme}");
    assert!(out.contains("retransmissions"), "{out}");
    let report = serve.stop();
    assert!(report.contains("s6a.air 2001"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_over_kernel_sctp_where_the_kernel_has_it() {
    let dir = out_dir("kernel");
    let mut args = vec!["run", "--transport", "sctp"];
    args.extend(LOAD);
    if let Some(why) = roamsim::io::kernel_sctp_unavailable_reason() {
        eprintln!("skipped kernel SCTP run: the kernel has no SCTP ({why})");
        let (code, out, _) = roamsim_run(&args, &dir);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("--transport sctp-udp"), "{out}");
        return;
    }
    let (code, out, s) = roamsim_run(&args, &dir);
    assert_eq!(code, 0, "{out}");
    let s = s.expect("summary");
    check_outcomes(&s, "kernel sctp");
    assert_eq!(s["run"]["transport"]["s6a"], "sctp");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_over_kernel_sctp_against_serve_where_the_kernel_has_it() {
    if let Some(why) = roamsim::io::kernel_sctp_unavailable_reason() {
        eprintln!("skipped: the kernel has no SCTP ({why})");
        return;
    }
    let serve = Serve::start(&["--transport", "sctp"]);
    let dir = out_dir("kernel-load");
    let (s6a, s8) = (serve.s6a.to_string(), serve.s8.to_string());
    let mut args = vec!["load", "--transport", "sctp", "--s6a", &s6a, "--s8", &s8];
    args.extend(LOAD);
    let (code, out, s) = roamsim_run(&args, &dir);
    assert_eq!(code, 0, "{out}");
    check_outcomes(&s.expect("summary"), "load over kernel sctp");
    let report = serve.stop();
    assert!(report.contains("s6a.air 2001"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_auto_says_which_transport_it_picked() {
    let dir = out_dir("auto");
    let args = [
        "run",
        "--transport",
        "auto",
        "--duration",
        "2s",
        "--rate",
        "100",
        "--population",
        "100",
        "--shards",
        "1",
    ];
    let (code, out, s) = roamsim_run(&args, &dir);
    assert_eq!(code, 0, "{out}");
    let picked = if roamsim::io::kernel_sctp_available() {
        "sctp"
    } else {
        assert!(
            out.contains("transport: tcp (auto: kernel SCTP unavailable"),
            "{out}"
        );
        "tcp"
    };
    assert_eq!(s.expect("summary")["run"]["transport"]["s6a"], picked);
    let _ = std::fs::remove_dir_all(&dir);
}
