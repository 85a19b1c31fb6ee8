//! Fault drills (issue 15): a run stopped by SIGTERM or SIGINT still writes everything it
//! measured, the last partial interval included; a results disk that fills up mid-run is an
//! error naming the path (exit 1) and never leaves a half-written summary.json.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{roamsim, Serve};
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-drill-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

/// Every started procedure ended with an outcome.
fn accounted(s: &Value) -> (u64, u64) {
    let p = s["procedures"].as_object().unwrap();
    let started = p.values().map(|v| v["started"].as_u64().unwrap()).sum();
    let ended = p
        .values()
        .map(|v| {
            ["ok", "rejected_expected", "failed", "timed_out"]
                .iter()
                .map(|k| v[k].as_u64().unwrap())
                .sum::<u64>()
        })
        .sum();
    (started, ended)
}

/// Starts `args` (a 60 s load), waits `after`, sends `sig`, and checks what it wrote in `out`.
fn stop_with(args: &[&str], sig: &str, out: &Path) {
    let child = roamsim()
        .args(args)
        .args([
            "--duration",
            "60s",
            "--rate",
            "200",
            "--interval",
            "1s",
            "-q",
        ])
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it run a few whole intervals, then stop it in the middle of one.
    std::thread::sleep(Duration::from_millis(4_500));
    let stopped = Instant::now();
    signal(child.id(), sig);
    let o = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{sig}: {text}");
    assert!(
        stopped.elapsed() < Duration::from_secs(40),
        "{sig}: took {:?} to stop",
        stopped.elapsed()
    );
    for f in [
        "summary.json",
        "report.md",
        "report.html",
        "junit.xml",
        "intervals.hlog",
    ] {
        assert!(out.join(f).is_file(), "{sig}: no {f}");
    }
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let duration = s["run"]["duration_s"].as_f64().unwrap();
    assert!(duration > 3.0 && duration < 30.0, "{sig}: ran {duration} s");
    let (started, ended) = accounted(&s);
    assert!(started > 300, "{sig}: {started} started");
    assert_eq!(started, ended, "{sig}: every started procedure accounted");
    // The last interval is a partial one: it starts at a whole second and is shorter than one.
    let hlog = std::fs::read_to_string(out.join("intervals.hlog")).unwrap();
    let last = hlog
        .lines()
        .rfind(|l| l.starts_with("Tag=attach,"))
        .unwrap_or_else(|| panic!("{sig}: no attach interval in {hlog}"));
    let fields: Vec<&str> = last.split(',').collect();
    let (start, length): (f64, f64) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    assert!(start >= 3.0, "{sig}: last interval starts at {start}");
    assert!(
        length < 1.0,
        "{sig}: last interval {length} s long, not the partial one"
    );
}

#[test]
fn sigterm_and_sigint_of_run_write_every_result() {
    for sig in ["TERM", "INT"] {
        let out = scratch(&format!("run-{sig}"));
        stop_with(&["run", "--shards", "1"], sig, &out);
        let _ = std::fs::remove_dir_all(&out);
    }
}

#[test]
fn sigterm_and_sigint_of_load_write_every_result() {
    let serve = Serve::start(&["--allow-any-peer"]);
    let (s6a, s8) = (serve.s6a.to_string(), serve.s8.to_string());
    for sig in ["TERM", "INT"] {
        let out = scratch(&format!("load-{sig}"));
        stop_with(
            &["load", "--s6a", &s6a, "--s8", &s8, "--shards", "1"],
            sig,
            &out,
        );
        let _ = std::fs::remove_dir_all(&out);
    }
    serve.stop();
}

/// A 2 MB tmpfs as the results folder: it fills up during the run. Needs root (mount).
#[test]
fn a_full_results_disk_is_a_named_error_and_no_half_written_summary() {
    let mnt = scratch("full");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&mnt)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let out = mnt.join("run");
    // Charging's CDR files fill the 2 MB in a few seconds at this rate.
    let profile = scratch("full-profile.toml");
    let text = std::fs::read_to_string(common::root().join("profiles/default.toml")).unwrap();
    std::fs::write(&profile, format!("{text}\n[charging]\noffline = true\n")).unwrap();
    let o = roamsim()
        .args([
            "run",
            "--profile",
            profile.to_str().unwrap(),
            "--duration",
            "20s",
            "--rate",
            "1500",
            "--shards",
            "1",
            "-q",
        ])
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    let summary = std::fs::read_to_string(out.join("summary.json")).ok();
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let _ = Command::new("umount").arg(&mnt).status();
    let _ = std::fs::remove_dir_all(&mnt);
    let _ = std::fs::remove_file(&profile);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&out.display().to_string()) && text.contains("No space left on device"),
        "the error names the path and the cause: {text}"
    );
    if let Some(s) = summary {
        assert!(
            serde_json::from_str::<Value>(&s).is_ok(),
            "summary.json is half written: {s}"
        );
    }
    assert!(
        !leftovers
            .iter()
            .any(|n| n.ends_with(".partial") && n.contains("summary")),
        "a temporary summary was left: {leftovers:?}"
    );
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time stamp (`2026-12-07T18:56:44.512843Z`).
fn unix_seconds(t: &str) -> f64 {
    let (date, time) = t.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let (y, m, day) = (d[0], d[1], d[2]);
    // Days from civil (proleptic Gregorian), as in Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let hms: Vec<f64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    days as f64 * 86_400.0 + hms[0] * 3600.0 + hms[1] * 60.0 + hms[2]
}

#[test]
fn kill_9_of_serve_during_a_load_and_its_restart_lose_no_procedure() {
    let dir = scratch("kill-serve");
    std::fs::create_dir_all(&dir).unwrap();
    let mut first = Serve::start(&["--allow-any-peer"]);
    let (s6a, s8) = (first.s6a.to_string(), first.s8.to_string());
    let log = dir.join("log.jsonl");
    let out = dir.join("out");
    let load = roamsim()
        .args(["load", "--s6a", &s6a, "--s8", &s8, "--shards", "1"])
        .args(["--duration", "30s", "--rate", "200", "-q"])
        .args(["--log-format", "json", "--log-sample", "1/1", "--log"])
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(8));
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    // The same addresses again, as a restarted core would have.
    let mut second = Command::new(env!("CARGO_BIN_EXE_roamsim"))
        .args(["serve", "--allow-any-peer", "--duration", "40s"])
        .args(["--s6a", &s6a, "--s8", &s8])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let restarted = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let o = load.wait_with_output().unwrap();
    let _ = second.kill();
    let _ = second.wait();
    let text = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let (started, ended) = accounted(&s);
    assert_eq!(started, ended, "every started procedure accounted");
    // The failures of the outage are named by reason.
    let mut unexplained = Vec::new();
    let mut failed = 0;
    for (name, p) in s["procedures"].as_object().unwrap() {
        for outcome in ["failed", "timed_out"] {
            let n = p[outcome].as_u64().unwrap();
            failed += n;
            let named: u64 = p["reasons"][outcome]
                .as_object()
                .map(|m| m.values().map(|v| v.as_u64().unwrap()).sum())
                .unwrap_or(0);
            if named != n {
                unexplained.push(format!(
                    "{name} {outcome}: {n} ended, {named} with a reason"
                ));
            }
        }
    }
    assert!(failed > 0, "the outage failed nothing? {s}");
    assert!(unexplained.is_empty(), "{unexplained:?}");
    // Success is back above 99 % from 10 s after the restart.
    let (mut after, mut good) = (0u64, 0u64);
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let Some(t) = v["time"].as_str() else {
            continue;
        };
        if v["procedure"].is_null() || unix_seconds(t) < restarted + 10.0 {
            continue;
        }
        after += 1;
        if matches!(v["result"].as_str(), Some("ok" | "rejected_expected")) {
            good += 1;
        }
    }
    assert!(
        after > 500,
        "only {after} procedures ended 10 s after the restart"
    );
    assert!(
        good as f64 >= 0.99 * after as f64,
        "{good} of {after} succeeded 10 s after the restart"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
