//! Offline charging end to end (issue: CDRs over GTP' with mediation outages and nothing lost):
//! `run` writes PGW-CDRs and SGW-CDRs, sends them to its embedded CGFs, survives an outage
//! through the dead-letter spool, fails over to a secondary, and a killed run's spool replays
//! once; a capture of the Ga traffic decodes in tshark.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{have_tshark, roamsim, Capture, Serve};
use roamsim::proto::gtpprime::spool;
use roamsim::wire::cdr::file::parse_file;
use roamsim::wire::cdr::{GwRecord, RecordKind};
use serde_json::Value;

/// The real-socket runs one at a time: the capture test sees every GTP' packet on loopback.
static SOCKETS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn sockets() -> std::sync::MutexGuard<'static, ()> {
    SOCKETS.lock().unwrap_or_else(|e| e.into_inner())
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "roamsim-charging-run-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The default profile with `extra` appended (a `[charging]` table).
fn profile(dir: &Path, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(common::root().join("profiles/default.toml")).unwrap();
    let path = dir.join("profile.toml");
    // Offline charging is off by default: every profile here turns it on.
    let extra = if extra.contains("[charging]\n") {
        extra.replacen("[charging]\n", "[charging]\noffline = true\n", 1)
    } else {
        format!("[charging]\noffline = true\n{extra}")
    };
    std::fs::write(&path, format!("{text}\n{extra}\n")).unwrap();
    path
}

fn run(args: &[&str], out: &Path) -> Value {
    let o = roamsim()
        .args(args)
        .args(["--out", out.to_str().unwrap(), "-q"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {text}");
    let s = std::fs::read_to_string(out.join("summary.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

fn count(c: &Value, name: &str) -> u64 {
    c["counters"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no counter {name} in {c}"))
}

/// Every CDR in the CGF files under `dir`, by (nodeID, localSequenceNumber): how often each
/// was stored, and how many of each record type.
fn stored_records(dir: &Path) -> (HashMap<(String, u32), u32>, HashMap<RecordKind, u64>) {
    let mut seen = HashMap::new();
    let mut kinds = HashMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "cdr") {
                let bytes = std::fs::read(&p).unwrap();
                let (_, cdrs) = parse_file(&bytes).unwrap();
                for (_, c) in cdrs {
                    let r = GwRecord::parse(c).unwrap();
                    *kinds.entry(r.kind).or_insert(0) += 1;
                    let key = (r.node_id.clone(), r.local_sequence_number.unwrap());
                    *seen.entry(key).or_insert(0) += 1;
                }
            }
        }
    }
    (seen, kinds)
}

/// The checks every run with embedded CGFs must pass: nothing lost, each record stored once
/// in the files, the PGW's records = its ended sessions plus its partial records.
fn check_exactly_once(summary: &Value, out: &Path) -> Value {
    check_stored_once(summary, &out.join("cdr"), true)
}

/// As [`check_exactly_once`] for the CGF files under `files`; `embedded`: the run's own CGFs
/// (whose `stored` count it reports).
fn check_stored_once(summary: &Value, files: &Path, embedded: bool) -> Value {
    let c = summary["charging"].clone();
    assert!(c.is_object(), "no charging section: {summary}");
    let generated = count(&c, "generated");
    assert!(generated > 0, "{c}");
    assert_eq!(c["lost"], 0, "{c}");
    assert_eq!(c["outstanding"], 0, "{c}");
    if embedded {
        assert_eq!(count(&c, "stored"), generated, "{c}");
    }
    assert_eq!(
        count(&c, "pgw_records") + count(&c, "sgw_records"),
        generated,
        "{c}"
    );
    assert_eq!(
        count(&c, "pgw_records"),
        count(&c, "pgw_sessions_ended")
            + count(&c, "pgw_partial_time")
            + count(&c, "pgw_partial_volume"),
        "{c}"
    );
    let (seen, kinds) = stored_records(files);
    assert_eq!(
        seen.len() as u64,
        generated,
        "distinct records in the files"
    );
    let twice: Vec<_> = seen.iter().filter(|(_, &n)| n > 1).collect();
    assert!(twice.is_empty(), "stored more than once: {twice:?}");
    assert_eq!(kinds[&RecordKind::Pgw], count(&c, "pgw_records"));
    assert_eq!(kinds[&RecordKind::Sgw], count(&c, "sgw_records"));
    c
}

/// Spool depth per interval: rose above 0 and was 0 again at the end.
fn check_spool_rose_and_drained(c: &Value) {
    let depth: Vec<u64> = c["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["spool_depth"].as_u64().unwrap())
        .collect();
    assert!(
        depth.iter().any(|&d| d > 0),
        "the spool never filled: {depth:?}"
    );
    assert_eq!(depth.last(), Some(&0), "the spool did not drain: {depth:?}");
    assert!(count(c, "spooled") > 0, "{c}");
    assert_eq!(count(c, "replayed"), count(c, "spooled"), "{c}");
}

#[test]
fn a_cgf_outage_in_virtual_time_loses_nothing() {
    let dir = scratch("virtual");
    let p = profile(
        &dir,
        "[charging]\n[charging.cgf]\noutages = [ { at_s = 20, for_s = 15 } ]",
    );
    let out = dir.join("out");
    let s = run(
        &[
            "run",
            "--virtual",
            "--profile",
            p.to_str().unwrap(),
            "--duration",
            "60s",
            "--rate",
            "2000",
            "--interval",
            "1s",
        ],
        &out,
    );
    let c = &s["charging"];
    assert_eq!(c["lost"], 0, "{c}");
    assert_eq!(count(c, "stored"), count(c, "generated"), "{c}");
    assert!(count(c, "dropped_while_down") > 0, "{c}");
    check_spool_rose_and_drained(c);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Charging"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ga_across_a_lossy_link_still_stores_every_record_once() {
    let dir = scratch("galink");
    // Loss, jitter that reorders, duplicates; no corruption (a UDP checksum drops a corrupted
    // datagram on a real path, the emulator would hand GTP' the flipped bits).
    let link = dir.join("ga.toml");
    let direction = "delay = \"40ms\"\njitter = \"15ms\"\nloss = \"3%\"\nduplicate = \"0.5%\"\n";
    std::fs::write(
        &link,
        format!("name = \"ga\"\n[uplink]\n{direction}[downlink]\n{direction}"),
    )
    .unwrap();
    let p = profile(
        &dir,
        &format!("[charging]\nlink = {:?}", link.to_str().unwrap()),
    );
    let out = dir.join("out");
    let s = run(
        &["run", "--virtual", "--profile", p.to_str().unwrap()],
        &out,
    );
    let c = &s["charging"];
    assert_eq!(c["lost"], 0, "{c}");
    assert_eq!(count(c, "stored"), count(c, "generated"), "{c}");
    assert!(
        count(c, "retransmitted") > 0,
        "the lossy link lost nothing: {c}"
    );
    // The link's delay is in the acknowledgement latency (the hop alone is 200 µs there and back).
    assert!(c["ack_latency_us"]["p50"].as_u64().unwrap() > 10_000, "{c}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cgf_outage_on_real_sockets_stores_every_record_once() {
    let _one = sockets();
    let dir = scratch("outage");
    let p = profile(
        &dir,
        "[charging]\nt3_ms = 300\nbackoff_cap_ms = 1000\necho_interval_ms = 300\n\
         [charging.cgf]\noutages = [ { at_s = 5, for_s = 6 } ]",
    );
    let out = dir.join("out");
    let s = run(
        &[
            "run",
            "--profile",
            p.to_str().unwrap(),
            "--duration",
            "18s",
            "--rate",
            "800",
            "--shards",
            "1",
            "--interval",
            "1s",
        ],
        &out,
    );
    let c = check_exactly_once(&s, &out);
    check_spool_rose_and_drained(&c);
    assert!(count(&c, "retransmitted") > 0, "{c}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn with_the_primary_down_the_secondary_stores_everything_once() {
    let _one = sockets();
    let dir = scratch("failover");
    let p = profile(
        &dir,
        "[charging]\nt3_ms = 200\nbackoff_cap_ms = 1000\n\
         [charging.cgf]\nsecondary = true\noutages = [ { at_s = 0, for_s = 100000 } ]",
    );
    let out = dir.join("out");
    let s = run(
        &[
            "run",
            "--profile",
            p.to_str().unwrap(),
            "--duration",
            "8s",
            "--rate",
            "500",
            "--shards",
            "1",
        ],
        &out,
    );
    let c = check_exactly_once(&s, &out);
    assert!(count(&c, "dropped_while_down") > 0, "{c}");
    let (primary, _) = stored_records(&out.join("cdr/shard-0"));
    let (secondary, _) = stored_records(&out.join("cdr/shard-0/secondary"));
    assert_eq!(primary.len(), secondary.len(), "the primary stored none");
    assert_eq!(secondary.len() as u64, count(&c, "generated"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_killed_runs_spool_replays_each_record_once() {
    let _one = sockets();
    let dir = scratch("kill");
    let p = profile(
        &dir,
        "[charging]\nt3_ms = 200\nbackoff_cap_ms = 500\n\
         [charging.cgf]\noutages = [ { at_s = 0, for_s = 100000 } ]",
    );
    let out = dir.join("out");
    let mut child = roamsim()
        .args(["run", "--profile", p.to_str().unwrap(), "--duration", "60s"])
        .args(["--rate", "400", "--shards", "1", "-q", "--out"])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until records are spooled, then kill without a chance to clean up.
    let spooled = |out: &Path| -> Vec<Vec<u8>> {
        let mut records = Vec::new();
        for e in std::fs::read_dir(out.join("spool"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let data = std::fs::read(e.path()).unwrap_or_default();
            records.extend(
                spool::scan(&data, usize::MAX)
                    .records
                    .into_iter()
                    .map(|r| r.cdr),
            );
        }
        records
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    while spooled(&out).len() < 200 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = spooled(&out);
    assert!(before.len() >= 200, "only {} records spooled", before.len());
    let expected: HashSet<(String, u32)> = before
        .iter()
        .map(|b| {
            let r = GwRecord::parse(b).unwrap();
            (r.node_id, r.local_sequence_number.unwrap())
        })
        .collect();
    assert_eq!(expected.len(), before.len(), "a record spooled twice");

    let cgf_dir = dir.join("cgf");
    let serve = Serve::start(&[
        "--cgf",
        "127.0.0.1:0",
        "--cgf-dir",
        cgf_dir.to_str().unwrap(),
    ]);
    let cgf = serve
        .cgf
        .expect("serve printed the CGF's address")
        .to_string();
    let o = roamsim()
        .args(["charging", "replay", out.to_str().unwrap(), "--cgf", &cgf])
        .args(["--timeout", "30s"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("left 0"), "{text}");
    serve.stop();
    let (stored, _) = stored_records(&cgf_dir);
    let got: HashSet<(String, u32)> = stored.keys().cloned().collect();
    assert_eq!(
        got, expected,
        "the replay stored other records than the spool held"
    );
    assert!(stored.values().all(|&n| n == 1), "a record stored twice");
    assert!(spooled(&out).is_empty(), "the spools were not emptied");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_capture_of_ga_decodes_with_pgw_and_sgw_cdrs() {
    if !have_tshark() {
        eprintln!("skipped: tshark missing (scripts/test-deps.sh installs it)");
        return;
    }
    let _one = sockets();
    let dir = scratch("tshark");
    // Partial records every 4 s, so that the count covers them too.
    let p = profile(&dir, "[charging]\ntime_limit_s = 4");
    // The run sends to a CGF of our own, so that the capture holds this run's Ga and nothing
    // else on the machine's loopback.
    let cgf_dir = dir.join("cgf");
    let serve = Serve::start(&[
        "--cgf",
        "127.0.0.1:0",
        "--cgf-dir",
        cgf_dir.to_str().unwrap(),
    ]);
    let cgf = serve.cgf.expect("serve printed the CGF's address");
    let capture = Capture::start(
        &format!("ga-{}", std::process::id()),
        &format!("udp port {}", cgf.port()),
    );
    let out = dir.join("out");
    let cgf_arg = cgf.to_string();
    let s = run(
        &[
            "run",
            "--profile",
            p.to_str().unwrap(),
            "--duration",
            "20s",
            "--rate",
            "300",
            "--shards",
            "1",
            "--cgf",
            &cgf_arg,
        ],
        &out,
    );
    let file = capture.finish();
    serve.stop();
    let c = check_stored_once(&s, &cgf_dir, false);
    assert!(count(&c, "pgw_partial_time") > 0, "{c}");
    let ports: HashSet<String> =
        common::tshark_fields_args(&file, &[], "udp", &["udp.srcport", "udp.dstport"])
            .iter()
            .flat_map(|l| l.split('\t').map(String::from).collect::<Vec<_>>())
            .collect();
    let args: Vec<String> = ports
        .iter()
        .flat_map(|p| ["-d".to_string(), format!("udp.port=={p},gtpprime")])
        .collect();
    assert_eq!(
        common::tshark_count(
            &file,
            &args,
            "_ws.malformed || _ws.expert.severity == error"
        ),
        0
    );
    // One row per Data Record Transfer Request; a retransmission repeats its sender, receiver
    // and sequence number, so each request counts once.
    let rows = common::tshark_fields_args(
        &file,
        &args,
        "gtp.message == 240",
        &[
            "udp.srcport",
            "udp.dstport",
            "gtp.seq_number",
            "gprscdr.recordType",
        ],
    );
    let mut requests: HashSet<(String, String, String)> = HashSet::new();
    let mut records: HashMap<String, u64> = HashMap::new();
    for row in &rows {
        let cols: Vec<&str> = row.split('\t').collect();
        let key = (
            cols[0].to_string(),
            cols[1].to_string(),
            cols[2].to_string(),
        );
        if !requests.insert(key) {
            continue;
        }
        for t in cols.get(3).map(|v| v.split(',')).into_iter().flatten() {
            if !t.is_empty() {
                *records.entry(t.to_string()).or_insert(0) += 1;
            }
        }
    }
    let pgw = records.get("85").copied().unwrap_or(0);
    let sgw = records.get("84").copied().unwrap_or(0);
    assert_eq!(pgw, count(&c, "pgw_records"), "PGW-CDRs in the capture");
    assert_eq!(sgw, count(&c, "sgw_records"), "SGW-CDRs in the capture");
    let cdr_fields = common::tshark_count(&file, &args, "gtp.cdr_length && gtp.cdr_rel >= 15");
    assert!(
        cdr_fields > 0,
        "no Rel-15 Data Record Packet in the capture"
    );
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_dir_all(&dir);
}
