//! Reports as a user gets them, for soaks, capacity planning and CI gates (docs/ARCHITECTURE.md
//! §7): `intervals.hlog` read back by an independent HdrHistogram implementation (Python `hdrh`),
//! `junit.xml` and exit codes of SLOs, `roamsim report` re-rendering, `roamsim compare` on a run
//! slowed by a `roamsim link` relay, `roamsim plan` on a hand-worked example, and `/metrics`
//! scraped during a run and parsed by Python's `prometheus_client`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{roamsim, run_py, Serve};
use serde_json::Value;

fn out_dir(name: &str) -> PathBuf {
    common::fresh_dir("reports", name)
}

fn run(args: &[&str]) -> (i32, String, String) {
    common::run_roamsim(args)
}

fn summary(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("JSON")
}

fn virtual_run(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let d = dir.to_str().unwrap();
    let mut args = vec![
        "run",
        "--virtual",
        "--duration",
        "20s",
        "--rate",
        "200",
        "--interval",
        "2s",
        "--out",
        d,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_virtual_run_writes_every_report_and_the_hlog_reads_back_independently() {
    let dir = out_dir("hlog");
    let (code, stdout, _) = virtual_run(&dir, &["--slo", "attach:p99<1s", "--slo-window", "5s"]);
    assert_eq!(code, 0, "{stdout}");
    for f in [
        "summary.json",
        "report.md",
        "report.html",
        "junit.xml",
        "intervals.hlog",
    ] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    let s = summary(&dir);
    let windows = &s["slo"][0]["windows"];
    assert_eq!(windows["window_s"], 5.0);
    assert_eq!(windows["evaluated"], 4, "{windows}");
    assert_eq!(windows["failed"], 0);
    assert!(s["capacity"]["instances"].as_array().unwrap().len() >= 10);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.matches("<svg").count() >= 5, "charts missing");
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http")
    );
    let Some(py) = common::python() else { return };
    let hlog = dir.join("intervals.hlog");
    let (code, out, err) = run_py(&py, "hlog_check.py", &[hlog.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    let read: Value = serde_json::from_str(&out).expect("hlog_check prints JSON");
    for (name, p) in s["procedures"].as_object().unwrap() {
        let ended: u64 = ["ok", "rejected_expected", "failed", "timed_out"]
            .iter()
            .map(|k| p[k].as_u64().unwrap())
            .sum();
        assert!(ended > 0, "{name}");
        assert_eq!(read["tags"][name]["count"], ended, "tag {name}");
        assert_eq!(read["tags"][name]["intervals"], 10, "tag {name}");
    }
    for (name, m) in s["messages"].as_object().unwrap() {
        if name == "s6a.clr" {
            // Received by the MME: counted, but it has no request-to-answer latency.
            assert!(read["tags"].get(name).is_none());
            continue;
        }
        assert_eq!(read["tags"][name]["count"], m["answered"], "tag {name}");
    }
}

#[test]
fn a_breached_slo_exits_99_with_a_failing_junit_case_and_a_typo_exits_2() {
    let dir = out_dir("junit");
    let (code, stdout, _) = virtual_run(
        &dir,
        &["--slo", "attach:p99<1us", "--slo", "detach:p99<10s"],
    );
    assert_eq!(code, 99, "{stdout}");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    // The default profile's two SLOs (attach p50 and success, both met) and the two given.
    assert!(junit.contains("tests=\"4\" failures=\"1\""), "{junit}");
    assert!(junit.contains("name=\"attach:p99&lt;1us\""), "{junit}");
    assert!(
        junit.contains("<failure type=\"slo\" message=\"attach:latency_us.p99: observed"),
        "{junit}"
    );
    assert!(junit.contains("threshold &lt; 0.001 ms"), "{junit}");
    assert!(junit.contains("<testcase classname=\"roamsim.slo\" name=\"detach:p99&lt;10s\" time="));

    let typo = out_dir("typo");
    let (code, _, stderr) = virtual_run(&typo, &["--slo", "atach:p99<1s"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`atach`"), "{stderr}");
}

#[test]
fn report_rerenders_a_run_folder() {
    let dir = out_dir("rerender");
    let (code, _, _) = virtual_run(&dir, &[]);
    assert_eq!(code, 0);
    let before = std::fs::read_to_string(dir.join("report.html")).unwrap();
    for f in ["report.md", "report.html", "junit.xml"] {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    let (code, stdout, _) = run(&["report", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("# roamsim run"));
    let after = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(
        before, after,
        "re-rendered from summary.json + intervals.hlog"
    );
    assert!(dir.join("junit.xml").exists() && dir.join("report.md").exists());
    let (code, _, stderr) = run(&["report", "/nonexistent/roamsim-run"]);
    assert_eq!(code, 2, "{stderr}");
}

/// A `roamsim link` relay in front of `upstream`, adding `delay` each way.
fn relay(upstream: SocketAddr, delay: &str) -> (std::process::Child, SocketAddr) {
    let mut child = roamsim()
        .args([
            "link",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &upstream.to_string(),
        ])
        .args(["--delay", delay, "--duration", "60s"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut ready = String::new();
    stdout.read_line(&mut ready).unwrap();
    let addr = ready
        .split_whitespace()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("ready line: {ready}"));
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
    });
    (child, addr)
}

fn load(serve: &Serve, s8: SocketAddr, dir: &Path) {
    let (code, stdout, stderr) = run(&[
        "load",
        "--s6a",
        &serve.s6a.to_string(),
        "--s8",
        &s8.to_string(),
        "--duration",
        "3s",
        "--rate",
        "400",
        "--shards",
        "1",
        "--population",
        "300",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn compare_passes_two_runs_of_one_build_and_flags_a_run_slowed_by_a_link() {
    let serve = Serve::start(&[]);
    let (a, b, slow) = (out_dir("cmp-a"), out_dir("cmp-b"), out_dir("cmp-slow"));
    load(&serve, serve.s8, &a);
    load(&serve, serve.s8, &b);
    let (mut link, relayed) = relay(serve.s8, "50ms");
    load(&serve, relayed, &slow);
    let _ = link.kill();
    let _ = link.wait();
    // This 2-core machine is shared and the binary is a debug build: the p90 of one loopback
    // run was seen at 44 ms against 8 ms for the next, so the gate here ignores latency
    // differences under 50 ms; the relay adds 100 ms to every S8 round trip.
    let cmp = |x: &Path, y: &Path| {
        let (x, y) = (x.to_str().unwrap(), y.to_str().unwrap());
        run(&[
            "compare",
            x,
            y,
            "--max-regression",
            "10%",
            "--min-latency-delta",
            "50ms",
        ])
    };
    let (code, table, _) = cmp(&a, &b);
    assert_eq!(code, 0, "{table}");
    assert!(table.contains("| attach | p90 |"), "{table}");
    let (code, table, _) = cmp(&a, &slow);
    assert_eq!(code, 99, "{table}");
    let attach_p50 = table
        .lines()
        .find(|l| l.starts_with("| attach | p50 |"))
        .unwrap_or("");
    assert!(attach_p50.contains("**REGRESSION**"), "{table}");
    drop(serve);
}

#[test]
fn plan_gives_the_hand_worked_pool_sizes() {
    // One persona: churn c = 1/h (mean_attached_s 3600), 1 location update/h, so λ = 2/h and
    // P(attached) = λ/(λ+c) = 2/3. 1,200,000 roamers → 800,000 attached, split 3:1 over A and B:
    // 600,000 and 200,000. 100,000 per instance with 20 % headroom → 80,000 usable:
    // A: 600,000 / 80,000 = 7.5 → 8; B: 200,000 / 80,000 = 2.5 → 3.
    let dir = out_dir("plan");
    std::fs::create_dir_all(&dir).unwrap();
    let profile = dir.join("plan.toml");
    std::fs::write(
        &profile,
        r#"
[[home.plmns]]
plmn = "310-410"
[[home.plmns.ranges]]
first_imsi = "310410000000000"
count = 1000
msisdn_start = "15550000000"
[[home.agreements]]
home = "310-410"
visited = ["208-01", "234-15"]
[[visited]]
plmn = "208-01"
weight = 3
mme_instances = 4
[[visited]]
plmn = "234-15"
weight = 1
[[personas]]
name = "traveller"
share = 1.0
mean_attached_s = 3600
location_updates_per_hour = 1
"#,
    )
    .unwrap();
    let p = profile.to_str().unwrap();
    let args = [
        "plan",
        "--profile",
        p,
        "--population",
        "1200000",
        "--vlr-capacity",
        "100000",
        "--headroom",
        "20%",
    ];
    let (code, text, err) = run(&[&args[..], &["--json"]].concat());
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let pools = v["pools"].as_array().unwrap();
    let got: Vec<(&str, u64)> = pools
        .iter()
        .map(|p| {
            (
                p["plmn"].as_str().unwrap(),
                p["instances"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, vec![("208-01", 8), ("234-15", 3)]);
    assert!((pools[0]["attached"].as_f64().unwrap() - 600_000.0).abs() < 1.0);
    let (code, text, _) = run(&args);
    assert_eq!(code, 0);
    assert!(text.contains("= 7.500 → 8 instance(s)"), "{text}");
    let (code, _, err) = run(&["plan", "--population", "10", "--headroom", "100%"]);
    assert_eq!(code, 2, "{err}");
}

fn scrape(addr: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
}

#[test]
fn metrics_scraped_during_a_run_parse_as_prometheus_text() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let dir = out_dir("metrics");
    let mut child = roamsim()
        .args([
            "run",
            "--duration",
            "4s",
            "--rate",
            "200",
            "--interval",
            "500ms",
            "--shards",
            "1",
            "--link",
            "netem/intra-eu.toml",
        ])
        .args(["--metrics", &addr, "--out", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut body = None;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(300));
        // The link's counters come with every interval, not only at the end of the run.
        let link_moved = |b: &String| {
            b.lines().any(|l| {
                l.starts_with("roamsim_link_packets_total{")
                    && l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()) > Some(0.0)
            })
        };
        if let Some(b) =
            scrape(&addr).filter(|b| b.contains("roamsim_procedures_total{") && link_moved(b))
        {
            body = Some(b);
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let body = body.expect("scraped /metrics during the run");
    assert!(
        body.contains("roamsim_procedure_latency_seconds_bucket{"),
        "{body}"
    );
    assert!(body.contains("roamsim_achieved_rate"), "{body}");
    // The link's delays per interval, as their own tag.
    let hlog = std::fs::read_to_string(dir.join("intervals.hlog")).unwrap();
    assert!(
        hlog.lines().filter(|l| l.starts_with("Tag=link.")).count() >= 4,
        "{hlog}"
    );
    let Some(py) = common::python() else { return };
    let check =
        "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as p\n\
fams = {f.name: f for f in p(sys.stdin.read())}\n\
assert fams['roamsim_procedures'].type == 'counter', fams.keys()\n\
assert fams['roamsim_procedure_latency_seconds'].type == 'histogram'\n\
print(len(fams), sum(len(f.samples) for f in fams.values()))\n";
    let out = Command::new(&py)
        .args(["-c", check])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(body.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
