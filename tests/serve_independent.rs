//! `roamsim serve` checked by peers that share no code with it (docs/ARCHITECTURE.md §8):
//! python-diameter as an MME, a `struct`-built SGW, a Milenage/KASME written from the specs, and
//! tshark on a capture of the whole exchange.

mod common;

use common::{have_tshark, python, run_py, Capture, Serve};

const SUBSCRIBERS: &str = "profiles/capture-subscribers.csv";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn independent_mme_sgw_and_tshark_agree_with_serve() {
    let Some(py) = python() else { return };
    let tshark = have_tshark();
    let subscribers = common::root().join(SUBSCRIBERS);
    let serve = Serve::start(&[
        "--subscribers",
        subscribers.to_str().unwrap(),
        "--allow-any-peer",
    ]);
    let (s6a, s8) = (serve.s6a.to_string(), serve.s8.to_string());
    let capture = tshark.then(|| {
        Capture::start(
            "serve",
            &format!(
                "tcp port {} or udp port {}",
                serve.s6a.port(),
                serve.s8.port()
            ),
        )
    });

    // S6a: CER/CEA, AIR (3 vectors), ULR 2001 with Subscription-Data, 5001, 5004, PUR, DPR.
    let (code, out, err) = run_py(
        &py,
        "s6a_client.py",
        &["--hss", &s6a, "--check", "--timeout", "20"],
        None,
    );
    assert_eq!(code, 0, "s6a_client --check failed: {out}\n{err}");
    let s6a_result = json(&out);
    assert_eq!(s6a_result["cea"]["code"], 2001);
    assert_eq!(s6a_result["air"]["code"], 2001);
    assert_eq!(s6a_result["air"]["vectors"].as_array().unwrap().len(), 3);
    assert_eq!(s6a_result["ulr"]["code"], 2001);
    assert_eq!(s6a_result["ulr_unknown"]["experimental_result_code"], 5001);
    assert_eq!(
        s6a_result["ulr_no_roaming"]["experimental_result_code"],
        5004
    );

    // The vectors verify with an independent Milenage and KASME KDF (SN id of 208-01).
    let args = [
        "--subscribers",
        subscribers.to_str().unwrap(),
        "--imsi",
        "310410000100000",
        "--plmn",
        "208-01",
        "--expect-count",
        "3",
    ];
    let (code, vout, verr) = run_py(&py, "milenage_check.py", &args, Some(&out));
    assert_eq!(code, 0, "AIA vectors do not verify: {vout}\n{verr}");
    assert_eq!(json(&vout)["ok"], true);

    // S8: Echo, Create Session, the same CSR again (identical answer), Modify, Delete (+ copy).
    let (code, out, err) = run_py(
        &py,
        "gtp_client.py",
        &["--pgw", &s8, "--check", "--strict"],
        None,
    );
    assert_eq!(code, 0, "gtp_client --check failed: {out}\n{err}");
    let gtp = json(&out);
    assert_eq!(gtp["create"]["cause"], 16);
    assert_eq!(gtp["create_retransmission"]["identical"], true);
    assert_eq!(gtp["delete"]["cause"], 16);

    let report = serve.stop();
    // The retransmitted CSR allocated nothing: exactly one session was created and deleted.
    let lines: Vec<&str> = report.lines().collect();
    for expected in [
        "s8.create_session 16 1",
        "s8.delete_session 16 1",
        "s8.duplicates_replayed 2",
        "pgw.sessions 0",
    ] {
        assert!(
            lines.contains(&expected),
            "serve report lacks `{expected}`:\n{report}"
        );
    }

    if let Some(c) = capture {
        let file = c.finish();
        let decode = [
            format!("tcp.port=={},diameter", s6a.rsplit(':').next().unwrap()),
            format!("udp.port=={},gtp", s8.rsplit(':').next().unwrap()),
        ];
        let diameter = common::tshark_fields(&file, &decode, "diameter", &["frame.number"]);
        let gtp = common::tshark_fields(&file, &decode, "gtpv2", &["frame.number"]);
        assert!(
            diameter.len() >= 14,
            "only {} Diameter frames captured",
            diameter.len()
        );
        assert!(gtp.len() >= 12, "only {} GTPv2 frames captured", gtp.len());
        let bad = common::tshark_fields(
            &file,
            &decode,
            "_ws.malformed || _ws.expert.severity >= \"error\"",
            &["frame.number", "_ws.expert.message"],
        );
        assert!(
            bad.is_empty(),
            "tshark finds malformed frames or expert errors: {bad:?}"
        );
        let _ = std::fs::remove_file(file);
    }
}
