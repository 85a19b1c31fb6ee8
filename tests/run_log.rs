//! The structured log of `run` (`--log FILE --log-format json`, docs/logging.md): every line of a
//! 10 s virtual run and of a short real run is one JSON object with the documented fields, the
//! file holds no IMSI or MSISDN of the population (exported with `roamsim subscribers export`),
//! and summary.json's `log` section counts what was written (and `protocol_errors` is empty: the
//! embedded cores saw no bad input); bad log flags are usage errors.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use common::roamsim;
use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-log-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn roamsim_ok(args: &[&str]) {
    let out = roamsim().args(args).output().expect("run roamsim");
    assert!(
        out.status.success(),
        "roamsim {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The IMSIs and MSISDNs of the first `n` subscribers of the default profile.
fn population(d: &Path, n: &str) -> HashSet<String> {
    let csv = d.join("subscribers.csv");
    roamsim_ok(&[
        "subscribers",
        "export",
        "--population",
        n,
        "--out",
        csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut ids = HashSet::new();
    for row in text.lines().skip(1) {
        let mut f = row.split(',');
        ids.insert(f.next().unwrap().to_string());
        if let Some(m) = f.next().filter(|m| !m.is_empty()) {
            ids.insert(m.to_string());
        }
    }
    assert!(
        ids.len() >= 2 * n.parse::<usize>().unwrap() - 1,
        "{}",
        ids.len()
    );
    ids
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Checks one line's fields; returns its `result`.
fn check_line(l: &str) -> String {
    let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
    let time = v["time"].as_str().expect(l);
    // 2026-12-07T19:20:00.123456Z
    assert_eq!(time.len(), 27, "{l}");
    assert!(
        time.ends_with('Z') && &time[10..11] == "T" && &time[19..20] == ".",
        "{l}"
    );
    assert!(
        ["info", "warn"].contains(&v["level"].as_str().unwrap()),
        "{l}"
    );
    assert!(
        ["visited.mme", "visited.sgw"].contains(&v["component"].as_str().unwrap()),
        "{l}"
    );
    assert!(is_hex(v["correlation_id"].as_str().unwrap(), 16), "{l}");
    assert!(is_hex(v["subscriber"].as_str().unwrap(), 12), "{l}");
    assert_eq!(v["scenario"], "default", "{l}");
    assert!(v["procedure"].is_string(), "{l}");
    for k in ["visited_mcc", "home_mcc"] {
        assert_eq!(v[k].as_str().map(str::len), Some(3), "{k}: {l}");
    }
    for k in ["visited_mnc", "home_mnc"] {
        assert!(
            v[k].as_str().is_some_and(|m| m.len() == 2 || m.len() == 3),
            "{k}: {l}"
        );
    }
    assert!(v["transition"].as_str().unwrap().contains("->"), "{l}");
    assert!(v["latency_ms"].is_number(), "{l}");
    let result = v["result"].as_str().unwrap().to_string();
    match result.as_str() {
        "ok" => assert!(v["reason"].is_null(), "{l}"),
        _ => assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty()), "{l}"),
    }
    result
}

/// No run of digits in `text` holds an identity of `ids` (IMSIs have 15 digits, MSISDNs the
/// length of theirs).
fn assert_no_identity(text: &str, ids: &HashSet<String>) {
    let lens: HashSet<usize> = ids.iter().map(String::len).collect();
    for run in text.split(|c: char| !c.is_ascii_digit()) {
        for &n in &lens {
            for w in run.as_bytes().windows(n) {
                let w = std::str::from_utf8(w).unwrap();
                assert!(!ids.contains(w), "identity {w} in the log");
            }
        }
    }
}

/// `roamsim` with `args` (`run ...`, `load ...`), its results in `d/out` and a JSON log of every
/// procedure in `d/log.jsonl`.
fn run_logged(d: &Path, args: &[&str]) {
    let (out, log) = (d.join("out"), d.join("log.jsonl"));
    let mut all = args.to_vec();
    all.extend([
        "--out",
        out.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ]);
    all.extend(["--log-format", "json", "--log-sample", "1/1", "-q"]);
    roamsim_ok(&all);
}

fn check_log(d: &Path, ids: &HashSet<String>) -> (usize, usize) {
    let text = std::fs::read_to_string(d.join("log.jsonl")).unwrap();
    let mut failures = 0;
    for l in text.lines() {
        if check_line(l) != "ok" {
            failures += 1;
        }
    }
    assert_no_identity(&text, ids);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out/summary.json")).unwrap())
            .unwrap();
    let log = &summary["log"];
    assert_eq!(log["format"], "json");
    assert_eq!(log["lines_written"], text.lines().count() as u64);
    assert_eq!(log["sampled_out"], 0);
    assert_eq!(log["dropped"], 0);
    // The embedded cores (real or virtual) saw no bad input: the section is there, and empty.
    assert_eq!(summary["protocol_errors"], serde_json::json!({}));
    (text.lines().count(), failures)
}

#[test]
fn a_virtual_run_logs_every_procedure_as_json_without_identities() {
    let d = dir("virtual");
    let ids = population(&d, "2000");
    run_logged(
        &d,
        &[
            "run",
            "--virtual",
            "--duration",
            "10s",
            "--rate",
            "200",
            "--population",
            "2000",
        ],
    );
    let (lines, failures) = check_log(&d, &ids);
    // Every procedure that ended is there (the default profile has expected rejections).
    assert!(lines > 1500, "{lines} lines");
    assert!(failures > 0, "the default profile's anomalies are logged");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_real_run_logs_through_its_shards() {
    let d = dir("real");
    let ids = population(&d, "500");
    run_logged(
        &d,
        &[
            "run",
            "--duration",
            "2s",
            "--rate",
            "100",
            "--population",
            "500",
            "--shards",
            "2",
        ],
    );
    let (lines, _) = check_log(&d, &ids);
    assert!(lines > 0);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_load_against_serve_logs_too() {
    let d = dir("load");
    let ids = population(&d, "500");
    let serve = common::Serve::start(&[]);
    let (s6a, s8) = (serve.s6a.to_string(), serve.s8.to_string());
    let load = ["load", "--s6a", &s6a, "--s8", &s8];
    run_logged(
        &d,
        &[
            &load[..],
            &["--duration", "2s", "--rate", "100", "--population", "500"],
        ]
        .concat(),
    );
    serve.stop();
    let text = std::fs::read_to_string(d.join("log.jsonl")).unwrap();
    assert!(text.lines().count() > 0);
    for l in text.lines() {
        check_line(l);
    }
    assert_no_identity(&text, &ids);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["log"]["lines_written"], text.lines().count() as u64);
    // The cores are external: their error answers are theirs to report.
    assert!(summary.get("protocol_errors").is_none());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_log_flags_are_usage_errors() {
    for bad in [
        ["--log-sample", "5"],
        ["--log-format", "xml"],
        ["--log-key", "abcd"],
        ["--log-rate", "0"],
    ] {
        let d = dir("flags");
        let out = roamsim()
            .args([
                "run",
                "--virtual",
                "--duration",
                "1s",
                "--rate",
                "10",
                "--log",
            ])
            .arg(d.join("log"))
            .args(bad)
            .arg("--out")
            .arg(d.join("out"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(bad[0]), "{bad:?}: {err}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
