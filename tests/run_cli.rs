//! `roamsim run`, `roamsim run --virtual` and `roamsim load` as a user runs them (sharded
//! open-loop load, docs/ARCHITECTURE.md §4, §5): the summary's schema and outcomes, determinism
//! of virtual time, and `load` against a `roamsim serve` in another process giving the outcomes
//! `run` gives.

mod common;

use std::path::Path;

use common::{roamsim, Serve};
use serde_json::Value;

const PROCEDURES: [&str; 5] = [
    "attach",
    "location_update",
    "plmn_change",
    "detach",
    "data_session",
];

fn summary(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json written");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

fn out_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Runs the binary with `args`; returns (exit code, stdout).
fn run(args: &[&str]) -> (i32, String) {
    let out = roamsim().args(args).output().expect("run roamsim");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Runs `args` plus a short, small load (`--duration`, `--rate`, `--population`) writing into
/// `dir`; returns (exit code, stdout).
fn run_small(
    args: &[&str],
    duration: &str,
    rate: &str,
    population: &str,
    dir: &Path,
) -> (i32, String) {
    let mut all = args.to_vec();
    all.extend([
        "--duration",
        duration,
        "--rate",
        rate,
        "--population",
        population,
        "--out",
        dir.to_str().unwrap(),
    ]);
    run(&all)
}

fn counts(s: &Value) -> Vec<(String, u64, u64, u64, u64, u64)> {
    PROCEDURES
        .iter()
        .map(|p| {
            let v = &s["procedures"][p];
            let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{p}.{k}"));
            (
                p.to_string(),
                n("started"),
                n("ok"),
                n("rejected_expected"),
                n("failed"),
                n("timed_out"),
            )
        })
        .collect()
}

/// Checks a run's summary: the v1 schema (docs/ARCHITECTURE.md §7), all five procedures with ok >
/// 0, nothing lost, zero timeouts and failures, the anomalies as rejected_expected.
fn check_outcomes(s: &Value) {
    assert_eq!(s["schema"], "roamsim/summary/v1");
    for key in ["run", "procedures", "messages", "links", "slo", "verdict"] {
        assert!(s.get(key).is_some(), "summary lacks {key}");
    }
    for key in [
        "id",
        "seed",
        "profile",
        "started_at",
        "duration_s",
        "shards",
        "offered_rate",
        "achieved_rate",
        "generator_saturated",
    ] {
        assert!(s["run"].get(key).is_some(), "run lacks {key}");
    }
    for (p, started, ok, rejected, failed, timed_out) in counts(s) {
        assert!(ok > 0, "{p}: no ok");
        assert_eq!(
            started,
            ok + rejected + failed + timed_out,
            "{p}: a procedure vanished"
        );
        assert_eq!(failed, 0, "{p}: failed");
        assert_eq!(timed_out, 0, "{p}: timed out");
        for q in ["p50", "p90", "p95", "p99", "p999", "max", "mean"] {
            assert!(
                s["procedures"][&p]["latency_us"].get(q).is_some(),
                "{p} lacks {q}"
            );
        }
    }
    assert!(
        s["procedures"]["attach"]["rejected_expected"]
            .as_u64()
            .unwrap()
            > 0,
        "anomalies"
    );
    assert_eq!(s["verdict"], "pass");
}

#[test]
fn run_writes_a_summary_with_every_procedure_and_the_offered_rate() {
    let dir = out_dir("run");
    // A small population so that roamers cycle through every procedure in a short run.
    let (code, stdout) = run_small(&["run"], "8s", "400", "300", &dir);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("## Procedures"),
        "report.md is printed: {stdout}"
    );
    assert!(dir.join("report.md").exists());
    let s = summary(&dir);
    check_outcomes(&s);
    let offered = s["run"]["offered_rate"].as_f64().unwrap();
    let achieved = s["run"]["achieved_rate"].as_f64().unwrap();
    // Poisson arrivals: 3,200 in 8 s vary by about 1.8 % (1 sigma); allow 4 sigma here.
    assert!(
        (achieved - offered).abs() / offered < 0.07,
        "achieved {achieved} vs offered {offered}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_warm_start_runs_the_steady_state_mix_from_the_first_second() {
    let dir = out_dir("warm");
    // Over the real sockets: the warm start attaches through the embedded core first.
    let (code, stdout) = run_small(&["run", "--warm-start"], "6s", "500", "2000", &dir);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("Warm start: "), "{stdout}");
    let s = summary(&dir);
    check_outcomes(&s);
    let w = &s["run"]["warm_start"];
    let (roamers, attached) = (
        w["roamers"].as_u64().unwrap(),
        w["attached"].as_u64().unwrap(),
    );
    // 77 % of 2000 by the default personas' steady-state shares.
    assert!((1450..1630).contains(&roamers), "{w}");
    assert_eq!(attached, roamers, "{w}");
    assert_eq!(w["failed"], 0, "{w}");
    assert_eq!(s["capacity"]["steady_state"], true);
    // The user's model: churn (attach ok + detach) about 20 %, anomalies about 10 %, mobility
    // about 60 %, of the measured procedures only.
    let c = counts(&s);
    let total: u64 = c.iter().map(|x| x.1).sum();
    let share = |n: u64| n as f64 / total as f64;
    let (attach, lu, plmn, detach) = (&c[0], &c[1], &c[2], &c[3]);
    assert!(
        (0.12..0.30).contains(&share(attach.2 + detach.1)),
        "churn {c:?}"
    );
    assert!((0.05..0.16).contains(&share(attach.3)), "anomalies {c:?}");
    assert!(
        (0.48..0.70).contains(&share(lu.1 + plmn.1)),
        "mobility {c:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn virtual_runs_are_deterministic_per_seed() {
    let args = |seed: &str, dir: &Path| {
        let d = dir.to_str().unwrap().to_string();
        vec![
            "run".to_string(),
            "--virtual".into(),
            "--duration".into(),
            "20s".into(),
            "--rate".into(),
            "200".into(),
            "--population".into(),
            "500".into(),
            "--seed".into(),
            seed.into(),
            "--out".into(),
            d,
        ]
    };
    let mut results = Vec::new();
    for (seed, name) in [("7", "v1"), ("7", "v2"), ("8", "v3")] {
        let dir = out_dir(name);
        let a = args(seed, &dir);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, out) = run(&a);
        assert_eq!(code, 0, "{out}");
        let s = summary(&dir);
        let messages: Vec<(String, u64, u64)> = s["messages"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v["sent"].as_u64().unwrap(),
                    v["answered"].as_u64().unwrap(),
                )
            })
            .collect();
        results.push((counts(&s), messages));
        let _ = std::fs::remove_dir_all(dir);
    }
    assert_eq!(results[0], results[1], "same seed, same counts");
    assert_ne!(results[0], results[2], "another seed, other counts");
}

#[test]
fn load_against_serve_gives_the_outcomes_of_run() {
    let serve = Serve::start(&[]);
    let dir = out_dir("load");
    let (s6a, s8) = (serve.s6a.to_string(), serve.s8.to_string());
    let (code, stdout) = run_small(
        &["load", "--s6a", &s6a, "--s8", &s8],
        "8s",
        "400",
        "300",
        &dir,
    );
    assert_eq!(code, 0, "{stdout}");
    check_outcomes(&summary(&dir));
    let report = serve.stop();
    assert!(
        report.contains("s6a.air 2001"),
        "the external core answered: {report}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_flags_and_slos_are_usage_errors() {
    let (code, _) = run(&["run", "--rate", "-5", "--duration", "1s"]);
    assert_eq!(code, 2);
    let out = roamsim()
        .args(["run", "--slo", "atach:p99<1s", "--duration", "1s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("atach"));
    // An address this host does not have (TEST-NET-1): named, before any load starts.
    let out = roamsim()
        .args(["load", "--s6a", "127.0.0.1:9", "--s8", "127.0.0.1:9"])
        .args(["--local-ip", "192.0.2.1", "--duration", "1s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--local-ip 192.0.2.1"));
    // A results folder that cannot be written: named, exit 2, nothing run.
    let out = roamsim()
        .args([
            "run",
            "--virtual",
            "--duration",
            "1s",
            "--out",
            "/proc/roamsim-results",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out /proc/roamsim-results"));
    let dir = out_dir("slo");
    let (code, _) = run(&[
        "run",
        "--virtual",
        "--duration",
        "5s",
        "--rate",
        "100",
        "--slo",
        "attach:p99<1us",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 99, "a breached SLO exits 99");
    assert_eq!(summary(&dir)["verdict"], "fail");
    let _ = std::fs::remove_dir_all(dir);
}

/// `--link FILE` puts one link under every partner: summary.json `links` has it, with the
/// profile's delay, and an attach takes three round trips of it more; `--link none` and the
/// default profile are unimpaired; a missing link file is a usage error naming it.
#[test]
fn virtual_runs_cross_the_link_given_by_flag_or_profile() {
    let run_exiting = |name: &str, extra: &[&str], expected: i32| {
        let dir = out_dir(name);
        let mut args = vec!["run", "--virtual", "--duration", "20s", "--rate", "20"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--out", dir.to_str().unwrap()]);
        let (code, out) = run(&args);
        assert_eq!(code, expected, "{out}");
        let s = summary(&dir);
        let _ = std::fs::remove_dir_all(dir);
        s
    };
    let p50 = |s: &Value| {
        s["procedures"]["attach"]["latency_us"]["p50"]
            .as_u64()
            .unwrap()
    };
    let run_virtual = |name: &str, extra: &[&str]| run_exiting(name, extra, 0);
    let plain = run_virtual("link-none", &["--link", "none"]);
    assert!(plain["links"].as_object().is_none_or(|l| l.is_empty()));
    // Three round trips of 250 ms breach the default profile's attach p50 < 150 ms (exit 99).
    let far = run_exiting("link-apac", &["--link", "netem/eu-apac.toml"], 99);
    let link = &far["links"]["eu-apac"];
    assert!(link["packets"].as_u64().unwrap() > 0, "{far}");
    let one_way = link["delay_us"]["p50"].as_u64().unwrap();
    assert!((120_000..135_000).contains(&one_way), "{link}");
    let rise = p50(&far) - p50(&plain);
    assert!((720_000..790_000).contains(&rise), "attach p50 +{rise} µs");
    let world = run_virtual("link-world", &["--profile", "profiles/ipx-world.toml"]);
    let names: Vec<&String> = world["links"].as_object().unwrap().keys().collect();
    assert!(names.iter().any(|n| *n == "440-10:us-apac"), "{names:?}");

    let out = roamsim()
        .args([
            "run",
            "--virtual",
            "--link",
            "netem/nope.toml",
            "--duration",
            "1s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("netem/nope.toml"));
}

#[test]
fn a_long_running_serve_releases_what_a_finished_load_left_and_concurrent_loads_coexist() {
    let serve = Serve::start(&[]);
    let (s6a, s8) = (serve.s6a.to_string(), serve.s8.to_string());
    // The second concurrent load plays other subscribers of serve's range: the same IMSI
    // attached through two SGWs at once is one PDN connection replacing the other (TS 29.274
    // §7.2.1), not two loads coexisting.
    let others = out_dir("others").with_extension("toml");
    let default = std::fs::read_to_string(common::root().join("profiles/default.toml")).unwrap();
    let moved = default
        .replace(
            "first_imsi = \"310410000100000\"",
            "first_imsi = \"310410000150000\"",
        )
        .replace("count = 100_000", "count = 50_000")
        .replace(
            "msisdn_start = \"15550000000\"",
            "msisdn_start = \"15550050000\"",
        );
    assert_ne!(moved, default);
    std::fs::write(&others, moved).unwrap();
    let others = others.to_str().unwrap();
    let load = |local: &str, name: &str, profile: &[&str]| {
        let dir = out_dir(name);
        let mut args = vec![
            "load",
            "--s6a",
            &s6a,
            "--s8",
            &s8,
            "--local-ip",
            local,
            "--warm-start",
        ];
        args.extend(profile);
        let (code, stdout) = run_small(&args, "4s", "400", "500", &dir);
        assert_eq!(code, 0, "{stdout}");
        let s = summary(&dir);
        for (p, _, ok, _, failed, timed_out) in counts(&s) {
            assert!(ok > 0, "{name} {p}: no ok");
            assert_eq!((failed, timed_out), (0, 0), "{name} {p}");
        }
        let _ = std::fs::remove_dir_all(dir);
    };
    // Two loads at once, each its own SGW node: neither is a restart of the other.
    std::thread::scope(|scope| {
        scope.spawn(|| load("127.0.0.2", "load-a", &[]));
        std::thread::sleep(std::time::Duration::from_millis(1500));
        load("127.0.0.3", "load-b", &["--profile", others]);
    });
    // A later run from the first node announces another restart counter: the PGW releases
    // the sessions its previous incarnation left (TS 23.007).
    load("127.0.0.2", "load-c", &[]);
    let _ = std::fs::remove_file(others);
    let report = serve.stop();
    let figure = |name: &str| -> u64 {
        report
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {report}"))
    };
    assert_eq!(figure("s8.restarts_detected "), 1, "{report}");
    assert!(figure("pgw.released_on_peer_restart ") > 100, "{report}");
}

/// The longest run of ASCII digits in `text` that is not a fraction (an IMSI would be 15).
fn longest_digit_run(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut longest, mut i) = (0, 0);
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i > start && !(start > 0 && b[start - 1] == b'.') {
            longest = longest.max(i - start);
        }
        i += 1;
    }
    longest
}

/// The default profile's anomalies (unknown IMSIs, roamers in a PLMN without agreement) as
/// reasons in summary.json and report.md: every unsuccessful end has a key, the keys of an outcome
/// add up to its count, each key has a first example with a hashed subscriber, and no IMSI is
/// written anywhere.
#[test]
fn a_virtual_run_says_why_procedures_did_not_succeed() {
    let dir = out_dir("reasons");
    let out = roamsim()
        .args(["run", "--virtual", "--duration", "10s", "--rate", "300"])
        .args(["--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("hint:"),
        "expected rejections need no hint: {stderr}"
    );
    let s = summary(&dir);
    let attach = &s["procedures"]["attach"];
    let rejected = attach["rejected_expected"].as_u64().unwrap();
    let reasons = attach["reasons"]["rejected_expected"].as_object().unwrap();
    let keys: Vec<&str> = reasons.keys().map(String::as_str).collect();
    assert_eq!(keys, ["s6a.5001", "s6a.5004"], "{reasons:?}");
    let n = |k: &str| reasons[k].as_u64().unwrap();
    assert!(n("s6a.5001") > 0 && n("s6a.5004") > 0);
    assert_eq!(n("s6a.5001") + n("s6a.5004"), rejected);
    for p in PROCEDURES {
        let v = &s["procedures"][p];
        for outcome in ["rejected_expected", "failed", "timed_out"] {
            let count = v[outcome].as_u64().unwrap();
            let sum: u64 = v["reasons"][outcome]
                .as_object()
                .map_or(0, |m| m.values().map(|n| n.as_u64().unwrap()).sum());
            assert_eq!(sum, count, "{p} {outcome}");
        }
    }
    for key in ["s6a.5001", "s6a.5004"] {
        let e = &attach["reason_examples"]["rejected_expected"][key];
        assert_eq!(e["message"], "s6a.air", "{e}");
        assert_eq!(
            e["code"].as_u64().map(|c| format!("s6a.{c}")).as_deref(),
            Some(key)
        );
        assert!(e["node"].as_str().unwrap().starts_with("mme"), "{e}");
        let hash = e["subscriber"].as_str().unwrap();
        assert!(
            hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{e}"
        );
    }
    assert_eq!(
        attach["reason_examples"]["rejected_expected"]["s6a.5004"]["visited_plmn"],
        "001-01"
    );
    // The message that ended them carries the same reasons.
    assert_eq!(
        s["messages"]["s6a.air"]["reasons"]["rejected_expected"]["s6a.5004"],
        n("s6a.5004")
    );
    let json = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    assert!(longest_digit_run(&json) < 15, "an IMSI in summary.json");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## Why procedures did not succeed"), "{md}");
    for key in ["s6a.5001", "s6a.5004"] {
        let row = format!("| attach | rejected_expected | `{key}` | {} | at ", n(key));
        assert!(md.contains(&row), "{row}\n{md}");
    }
    assert!(longest_digit_run(&md) < 15, "an IMSI in report.md");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<h2>Why procedures did not succeed</h2>"));
    let _ = std::fs::remove_dir_all(dir);
}
