//! `roamsim run` with online charging, end to end through the binary: a virtual run of the
//! bill-shock scenario writes `charging.online` into summary.json (bill shock in the capped
//! zone pair only, each cut-off a Delete Bearer answered), the `gy.*` messages and an SLO on
//! them, and the report's section; `--ocs` with `--virtual` is a usage error naming the flag.

mod common;

use common::roamsim;

#[test]
fn a_virtual_bill_shock_run_reports_online_charging() {
    let profile = common::root().join("profiles/bill-shock.toml");
    let dir = std::env::temp_dir().join(format!("roamsim-run-gy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = roamsim()
        .args(["run", "--virtual", "--duration", "60s", "--profile"])
        .arg(&profile)
        .args(["--slo", "gy.ccr_i:p99<50ms", "--out"])
        .arg(&dir)
        .output()
        .expect("run roamsim");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("## Online charging (Gy)"), "{text}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<h2>Online charging (Gy)</h2>") && html.contains("home&gt;eu"));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let o = &s["charging"]["online"];
    let pairs: Vec<&String> = o["bill_shock"].as_object().unwrap().keys().collect();
    assert_eq!(pairs, ["home>eu"], "{o}");
    let z = &o["bill_shock"]["home>eu"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    assert!(
        n(&z["warnings"]) > 0 && n(&z["cutoffs"]) > 0 && n(&z["opted_out"]) > 0,
        "{z}"
    );
    assert_eq!(
        n(&o["terminated"]["gy.final_units"]),
        n(&z["cutoffs"]),
        "{o}"
    );
    assert_eq!(o["delete_bearer"]["sent"], o["delete_bearer"]["accepted"]);
    assert_eq!(n(&o["delete_bearer"]["sent"]), n(&z["cutoffs"]));
    assert_eq!(o["sessions_at_end"], o["ocs"]["sessions_at_end"], "{o}");
    for m in ["gy.ccr_i", "gy.ccr_u", "gy.ccr_t"] {
        let msg = &s["messages"][m];
        assert!(
            n(&msg["sent"]) > 0 && msg["sent"] == msg["answered"],
            "{m}: {msg}"
        );
    }
    // Cut-off roamers' next sessions are refused: the visited side counts Cause 92.
    let refused = n(&o["refused"]["gy.4010"]);
    let seen: u64 = ["attach", "plmn_change", "data_session"]
        .iter()
        .map(|p| {
            s["procedures"][p]["reasons"]["failed"]["gtp.92"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(seen, refused, "{}", s["procedures"]);
    assert_eq!(s["slo"][0]["name"], "gy.ccr_i:p99<50ms");
    assert_eq!(s["slo"][0]["pass"], true, "{}", s["slo"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ocs_with_virtual_is_a_usage_error() {
    let out = roamsim()
        .args([
            "run",
            "--virtual",
            "--duration",
            "1s",
            "--ocs",
            "127.0.0.1:3868",
        ])
        .output()
        .expect("run roamsim");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--ocs") && err.contains("--virtual"), "{err}");
}
