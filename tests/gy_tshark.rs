//! Gy on the wire (RFC 4006, TS 32.299): `roamsim serve --ocs` runs the OCS, a short
//! `roamsim run --ocs` of the bill-shock profile aims every shard's PGW at it over loopback
//! TCP, and tshark, capturing that port, must decode every Gy message as Diameter
//! Credit-Control (command 272, application 4) with the 3GPP AVPs, with no malformed packet and
//! no expert error of error severity; the CCR-Is carry 3GPP-SGSN-MCC-MNC, 3GPP-Charging-Id,
//! 3GPP-RAT-Type and both Subscription-Ids; per Session-Id the CC-Request-Numbers run 0, 1,
//! 2, ... with exactly one INITIAL first and at most one TERMINATION, last. Skips the capture
//! checks with a note when tshark is absent (`scripts/test-deps.sh` installs it).

mod common;

use std::collections::BTreeMap;

use common::{have_tshark, roamsim, tshark_count, tshark_fields, Capture, Serve};

#[test]
fn gy_of_a_run_decodes_as_credit_control_with_ordered_request_numbers() {
    let profile = common::root().join("profiles/bill-shock.toml");
    let profile = profile.to_str().unwrap();
    let serve = Serve::start(&["--profile", profile, "--ocs", "127.0.0.1:0"]);
    let ocs = serve.ocs.expect("serve printed the OCS's address");
    let capture = have_tshark().then(|| Capture::start("gy", &format!("tcp port {}", ocs.port())));
    let dir = std::env::temp_dir().join(format!("roamsim-gy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = roamsim()
        .args([
            "run",
            "--profile",
            profile,
            "--duration",
            "4s",
            "--rate",
            "40",
        ])
        .args(["--population", "300", "--shards", "2", "--ocs"])
        .arg(ocs.to_string())
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("run roamsim");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let online = &summary["charging"]["online"];
    assert!(
        online["sessions_authorised"].as_u64().unwrap() > 0,
        "{online}"
    );
    assert!(summary["messages"]["gy.ccr_i"]["sent"].as_u64().unwrap() > 0);
    let served = serve.stop();
    // The run's two shards' PGWs, and serve's own PGW (the profile turns online charging on).
    let conns: u64 = served
        .split("ocs connections ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{served}"));
    assert!(conns >= 2, "{served}");
    let _ = std::fs::remove_dir_all(&dir);

    let Some(capture) = capture else {
        eprintln!("skipped tshark checks: tshark missing");
        return;
    };
    let file = capture.finish();
    let decode = [format!("tcp.port=={},diameter", ocs.port())];
    let args: Vec<String> = decode
        .iter()
        .flat_map(|d| ["-d".to_string(), d.clone()])
        .collect();
    assert_eq!(
        tshark_count(
            &file,
            &args,
            "_ws.malformed || _ws.expert.severity == error"
        ),
        0,
        "malformed or erroneous Gy in {}",
        file.display()
    );
    // The capabilities exchange names application 4 as a plain Auth-Application-Id.
    let cer = tshark_fields(
        &file,
        &decode,
        "diameter.cmd.code == 257",
        &["diameter.Auth-Application-Id"],
    );
    let cer: Vec<String> = cer
        .iter()
        .flat_map(|l| per_message(l))
        .map(|r| r[0].clone())
        .collect();
    assert!(cer.len() >= 4 && cer.iter().all(|a| a == "4"), "{cer:?}");
    // Every other message is Credit-Control or the watchdog/disconnect of the base protocol
    // (a frame may hold several messages: tshark joins each field's values with commas).
    let apps = tshark_fields(
        &file,
        &decode,
        "diameter",
        &["diameter.cmd.code", "diameter.applicationId"],
    );
    let (mut cc, mut base) = (0, 0);
    for row in apps.iter().flat_map(|l| per_message(l)) {
        match (row[0].as_str(), row[1].as_str()) {
            ("272", "4") => cc += 1,
            ("257" | "280" | "282", "0") => base += 1,
            other => panic!("not Gy: {other:?}"),
        }
    }
    assert!(
        cc > 0 && base > 0,
        "{cc} credit-control, {base} base messages"
    );
    // Every CCR: CC-Request-Type and -Number, Session-Id; and in its PS-Information the
    // serving PLMN, the charging id and the RAT; IMSI and MSISDN as Subscription-Ids.
    let filter = "diameter.flags.request == 1 && diameter.cmd.code == 272";
    let requests = tshark_fields(
        &file,
        &decode,
        filter,
        &[
            "diameter.Session-Id",
            "diameter.CC-Request-Type",
            "diameter.CC-Request-Number",
        ],
    );
    let ccrs: Vec<Vec<String>> = requests.iter().flat_map(|l| per_message(l)).collect();
    let all = |field: &str| -> Vec<String> {
        tshark_fields(&file, &decode, filter, &[field])
            .iter()
            .flat_map(|l| l.split(',').map(String::from).collect::<Vec<_>>())
            .collect()
    };
    let sgsn = all("diameter.3GPP-SGSN-MCC-MNC");
    assert_eq!(sgsn.len(), ccrs.len());
    assert!(
        sgsn.iter().all(|d| d.len() == 5 || d.len() == 6),
        "{sgsn:?}"
    );
    assert_eq!(all("diameter.3GPP-Charging-Id").len(), ccrs.len());
    assert_eq!(all("diameter.3GPP-RAT-Type").len(), ccrs.len());
    let kinds = all("diameter.Subscription-Id-Type");
    assert_eq!(kinds.len(), 2 * ccrs.len(), "IMSI and MSISDN in every CCR");
    assert!(all("diameter.Service-Context-Id")
        .iter()
        .all(|c| c == "32251@3gpp.org"));
    // CC-Request-Numbers per Session-Id: 0, 1, 2, ... (a request sent again keeps its
    // number), one INITIAL first, a TERMINATION only last.
    let mut sessions: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    for f in &ccrs {
        sessions
            .entry(f[0].clone())
            .or_default()
            .push((f[1].parse().unwrap(), f[2].parse().unwrap()));
    }
    assert!(sessions.len() > 10, "{} sessions", sessions.len());
    let mut ended = 0;
    for (id, reqs) in &sessions {
        assert_eq!(reqs[0], (1, 0), "{id}: {reqs:?}");
        assert_eq!(
            reqs.iter().filter(|r| r.0 == 1).count(),
            1,
            "{id}: {reqs:?}"
        );
        let mut expect = 0;
        for (i, &(t, n)) in reqs.iter().enumerate() {
            assert!(n == expect || n + 1 == expect, "{id}: {reqs:?}");
            expect = n + 1;
            if t == 3 {
                assert_eq!(i, reqs.len() - 1, "{id}: TERMINATION not last: {reqs:?}");
                ended += 1;
            }
        }
    }
    assert!(ended > 0, "no session ended in the capture");
    let _ = std::fs::remove_file(&file);
}

/// Splits a tshark fields line whose columns hold one comma-joined value per Diameter message
/// of the frame into one row per message.
fn per_message(line: &str) -> Vec<Vec<String>> {
    let cols: Vec<Vec<&str>> = line.split('\t').map(|c| c.split(',').collect()).collect();
    let n = cols.iter().map(Vec::len).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            cols.iter()
                .map(|c| c.get(i).copied().unwrap_or("").to_string())
                .collect()
        })
        .collect()
}
