use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use super::format::{fmt_ms, fmt_percent};
use super::*;
use crate::model::slo::SloSpec;
use crate::model::{Outcome, Procedure};

fn info() -> RunInfo {
    RunInfo {
        id: run_id(1_795_675_680_123, 7),
        seed: 7,
        profile: "default".into(),
        started_at: rfc3339_utc(1_795_675_680_123),
        duration_s: 60.0,
        shards: 2,
        offered_rate: 1000.0,
        achieved_rate: 998.5,
        generator_saturated: false,
    }
}

/// 1000 attaches (990 ok, 5 rejected as expected, 3 failed, 2 timed out) of 1..=1000 ms, 200
/// location updates, ULRs with 1 in 1000 unanswered, and one link.
fn recorder() -> Recorder {
    let mut rec = Recorder::new();
    for i in 0..1000u64 {
        let outcome = match i {
            0..=989 => Outcome::Ok,
            990..=994 => Outcome::RejectedExpected,
            995..=997 => Outcome::Failed,
            _ => Outcome::TimedOut,
        };
        rec.record_started(Procedure::Attach);
        rec.record_procedure(Procedure::Attach, outcome, (i + 1) * 1000);
        rec.record_message(MessageKind::S6aAir, 400 + i, 0);
        if i == 500 {
            rec.record_unanswered(MessageKind::S6aUlr, 3);
        } else {
            rec.record_message(MessageKind::S6aUlr, 700, u32::from(i % 100 == 0));
        }
        rec.record_lag(i % 50);
    }
    for _ in 0..200 {
        rec.record_started(Procedure::LocationUpdate);
        rec.record_procedure(Procedure::LocationUpdate, Outcome::Ok, 2500);
    }
    let link = rec.link_mut("ipx");
    link.packets = 4000;
    link.dropped = 12;
    link.duplicated = 3;
    link.reordered = 1;
    link.record_delay(100_000);
    rec
}

fn slo(text: &str) -> SloSpec {
    SloSpec::parse(text).unwrap()
}

fn summary_with(slos: &[&str]) -> Summary {
    let specs: Vec<SloSpec> = slos.iter().map(|s| slo(s)).collect();
    let mut summary = Summary::new(&recorder(), info());
    summary.evaluate_slos(&specs);
    summary
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

const LATENCY_KEYS: &[&str] = &["p50", "p90", "p95", "p99", "p999", "max", "mean"];

#[test]
fn json_has_exactly_the_keys_of_design_section_7() {
    let summary = summary_with(&["attach:p99<1s"]);
    let v: Value = serde_json::from_str(&summary.to_json()).unwrap();
    assert_eq!(
        keys(&v),
        set(&[
            "schema",
            "run",
            "procedures",
            "messages",
            "links",
            "slo",
            "verdict"
        ])
    );
    assert_eq!(v["schema"], "roamsim/summary/v1");
    let run = [
        "id",
        "seed",
        "profile",
        "started_at",
        "duration_s",
        "shards",
        "offered_rate",
        "achieved_rate",
        "generator_saturated",
        "lag_us",
    ];
    assert_eq!(keys(&v["run"]), set(&run));
    assert_eq!(keys(&v["run"]["lag_us"]), set(LATENCY_KEYS));
    for (_, p) in v["procedures"].as_object().unwrap() {
        let expected = [
            "started",
            "ok",
            "rejected_expected",
            "failed",
            "timed_out",
            "latency_us",
        ];
        assert_eq!(keys(p), set(&expected));
        assert_eq!(keys(&p["latency_us"]), set(LATENCY_KEYS));
    }
    assert_eq!(keys(&v["messages"]), set(&["s6a.air", "s6a.ulr"]));
    for (_, m) in v["messages"].as_object().unwrap() {
        assert_eq!(
            keys(m),
            set(&["sent", "answered", "retransmitted", "latency_us"])
        );
        assert_eq!(keys(&m["latency_us"]), set(LATENCY_KEYS));
    }
    let link = &v["links"]["ipx"];
    let expected = ["packets", "dropped", "duplicated", "reordered", "delay_us"];
    assert_eq!(keys(link), set(&expected));
    assert_eq!(keys(&link["delay_us"]), set(LATENCY_KEYS));
    let slo = &v["slo"][0];
    assert_eq!(
        keys(slo),
        set(&["name", "metric", "threshold", "observed", "pass"])
    );
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["run"]["started_at"], "2026-11-26T06:48:00.123Z");
    assert_eq!(v["procedures"]["attach"]["timed_out"], 2);
    assert_eq!(v["messages"]["s6a.ulr"]["retransmitted"], 12);
}

#[test]
fn all_five_procedures_in_order_even_when_nothing_ran() {
    let summary = Summary::new(&Recorder::new(), info());
    let names: Vec<&str> = summary.procedures.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "attach",
            "location_update",
            "plmn_change",
            "detach",
            "data_session"
        ]
    );
    let json = summary.to_json();
    let at = |name: &str| json.find(&format!("\"{name}\"")).unwrap();
    assert!(at("attach") < at("location_update") && at("detach") < at("data_session"));
    let zero = summary.procedure(Procedure::DataSession).unwrap();
    assert_eq!(
        (zero.started, zero.latency_us.p99, zero.latency_us.mean),
        (0, 0, 0.0)
    );
    assert!(summary.messages.is_empty() && summary.links.is_empty());
    assert_eq!(summary.verdict, Verdict::Pass);
}

#[test]
fn latency_objects_hold_the_percentiles() {
    let summary = summary_with(&[]);
    let attach = &summary.procedure(Procedure::Attach).unwrap().latency_us;
    let near = |v: u64, want: f64| (v as f64 / want - 1.0).abs() < 1e-3;
    assert!(near(attach.p50, 500_000.0), "{attach:?}");
    assert!(near(attach.p90, 900_000.0), "{attach:?}");
    assert!(near(attach.p99, 990_000.0), "{attach:?}");
    assert!(near(attach.p999, 999_000.0), "{attach:?}");
    assert!(near(attach.max, 1_000_000.0), "{attach:?}");
    assert!((attach.mean / 500_500.0 - 1.0).abs() < 1e-3, "{attach:?}");
    let air = &summary.message(MessageKind::S6aAir).unwrap().latency_us;
    assert_eq!((air.p50, air.max), (899, 1399));
    assert_eq!(summary.run.lag_us.max, 49);
}

#[test]
fn reads_back_what_it_writes_and_tolerates_extra_keys() {
    let summary = summary_with(&["attach:p99<1s", "detach:p99<1s"]);
    let back = Summary::from_json(&summary.to_json()).unwrap();
    assert_eq!(back, summary);
    assert_eq!(back.slo[1].observed, None);

    let mut v: Value = serde_json::from_str(&summary.to_json()).unwrap();
    v["future"] = Value::from(1);
    v["run"]["host"] = Value::from("ci-7");
    v["procedures"]["attach"]["latency_us"]["p75"] = Value::from(3);
    // serde_json::Value sorts keys, so compare entry by entry.
    let extra = Summary::from_json(&v.to_string()).unwrap();
    assert_eq!(
        (&extra.run, &extra.slo, extra.verdict),
        (&summary.run, &summary.slo, summary.verdict)
    );
    for p in Procedure::ALL {
        assert_eq!(extra.procedure(*p), summary.procedure(*p));
    }
    assert_eq!(extra.messages, summary.messages);

    v.as_object_mut().unwrap().remove("verdict");
    let e = Summary::from_json(&v.to_string()).unwrap_err();
    assert!(e.to_string().contains("verdict"), "{e}");
    let e = Summary::from_json(r#"{"schema": "roamsim/summary/v2"}"#).unwrap_err();
    assert!(
        matches!(e, SummaryError::Schema(ref s) if s == "roamsim/summary/v2"),
        "{e}"
    );
    assert!(Summary::from_json("not json").is_err());
}

#[test]
fn non_finite_rates_are_written_as_zero() {
    let mut i = info();
    i.achieved_rate = f64::NAN;
    i.offered_rate = f64::INFINITY;
    let summary = Summary::new(&Recorder::new(), i);
    let back = Summary::from_json(&summary.to_json()).unwrap();
    assert_eq!(
        (back.run.info.achieved_rate, back.run.info.offered_rate),
        (0.0, 0.0)
    );
}

fn result<'a>(summary: &'a Summary, name: &str) -> &'a SloResult {
    summary.slo.iter().find(|r| r.name == name).unwrap()
}

#[test]
fn slos_are_evaluated_against_the_summary() {
    let summary = summary_with(&[
        "attach:p99<1us",
        "attach:p99<1s",
        "attach:success>=99.5%",
        "attach:success>99.5%",
        "attach:timeout<=0.2%",
        "attach:error<0.3%",
        "s6a.ulr:timeout<0.2%",
        "s6a.ulr:p50<=700us",
        "location_update:max<3ms",
    ]);
    let r = result(&summary, "attach:p99<1us");
    assert!(!r.pass);
    assert_eq!(r.metric, "attach:latency_us.p99");
    assert_eq!(r.threshold, 1.0);
    assert!(r.observed.unwrap() > 900_000.0);
    assert!(result(&summary, "attach:p99<1s").pass);
    let success = result(&summary, "attach:success>=99.5%");
    assert!(success.pass, "{success:?}");
    assert_eq!(success.metric, "attach:success_ratio");
    assert!((success.observed.unwrap() - 0.995).abs() < 1e-12);
    assert!(!result(&summary, "attach:success>99.5%").pass);
    assert!(result(&summary, "attach:timeout<=0.2%").pass);
    assert!(
        !result(&summary, "attach:error<0.3%").pass,
        "3 in 1000 is not < 0.3%"
    );
    let ulr = result(&summary, "s6a.ulr:timeout<0.2%");
    assert!(ulr.pass && ulr.metric == "s6a.ulr:timeout_ratio", "{ulr:?}");
    assert!((ulr.observed.unwrap() - 0.001).abs() < 1e-12);
    assert!(result(&summary, "s6a.ulr:p50<=700us").pass);
    assert!(result(&summary, "location_update:max<3ms").pass);
    assert_eq!(summary.verdict, Verdict::Fail);
}

#[test]
fn slos_without_data_fail_with_null_and_the_verdict_follows() {
    let summary = summary_with(&["detach:p99<1s", "s8.echo:success>=1%"]);
    for r in &summary.slo {
        assert_eq!((r.observed, r.pass), (None, false), "{r:?}");
    }
    let v: Value = serde_json::from_str(&summary.to_json()).unwrap();
    assert!(v["slo"][0]["observed"].is_null());
    assert_eq!(v["verdict"], "fail");

    assert_eq!(verdict(&[]), Verdict::Pass);
    let mut named = slo("attach:p99<1s");
    named.name = Some("attach latency".into());
    let mut summary = summary_with(&[]);
    assert_eq!(summary.verdict, Verdict::Pass);
    summary.evaluate_slos(&[named, slo("attach:p50<1ms")]);
    assert_eq!(summary.slo[0].name, "attach latency");
    assert_eq!(
        (summary.slo[0].pass, summary.slo[1].pass, summary.verdict),
        (true, false, Verdict::Fail)
    );
    summary.evaluate_slos(&[slo("attach:p50<1s")]);
    assert_eq!((summary.slo.len(), summary.verdict), (1, Verdict::Pass));
}

#[test]
fn regating_a_stored_summary_gives_the_same_results() {
    let specs = [slo("attach:p99<995ms"), slo("s6a.air:p90<1ms")];
    let mut summary = Summary::new(&recorder(), info());
    summary.evaluate_slos(&specs);
    let mut stored = Summary::from_json(&summary.to_json()).unwrap();
    stored.evaluate_slos(&specs);
    assert_eq!(stored.slo, summary.slo);
    assert_eq!(stored.verdict, summary.verdict);
}

#[test]
fn markdown_has_the_run_line_tables_and_verdict() {
    let md = render_markdown(&summary_with(&["attach:p99<1us", "attach:success>=99.5%"]));
    assert!(md.starts_with("# roamsim run `20261126-064800-s7`"), "{md}");
    assert!(md.contains("offered 1000.0/s, achieved 998.5/s"), "{md}");
    assert!(md.contains("60.0 s on 2 shards"), "{md}");
    assert!(
        md.contains("Generator saturated: no (lag p99 0.049 ms"),
        "{md}"
    );
    let procedures = "| procedure | started | ok | rejected_expected | failed | timed_out | \
                      p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |";
    assert!(md.contains(procedures), "{md}");
    assert!(
        md.contains("| attach | 1000 | 990 | 5 | 3 | 2 | 500 | 900 | 990 | 999 | 1000 |"),
        "{md}"
    );
    assert!(
        md.contains("| data_session | 0 | 0 | 0 | 0 | 0 | - | - | - | - | - |"),
        "{md}"
    );
    assert!(
        md.contains("| message | sent | answered | retransmitted |"),
        "{md}"
    );
    assert!(md.contains("| s6a.ulr | 1000 | 999 | 12 | 0.700 |"), "{md}");
    assert!(
        md.contains("| ipx | 4000 | 12 | 3 | 1 | 100 | 100 | 100 |"),
        "{md}"
    );
    assert!(
        md.contains("| `attach:p99<1us` | attach:latency_us.p99 | 0.001 ms | 990 ms | **FAIL** |"),
        "{md}"
    );
    assert!(
        md.contains("| `attach:success>=99.5%` | attach:success_ratio | 99.5% | 99.5% | PASS |"),
        "{md}"
    );
    assert!(
        md.trim_end()
            .ends_with("**Verdict: FAIL** (1 of 2 SLOs met)"),
        "{md}"
    );

    let mut saturated = info();
    saturated.generator_saturated = true;
    let quiet = render_markdown(&Summary::new(&Recorder::new(), saturated));
    assert!(quiet.contains("Generator saturated: **yes**"), "{quiet}");
    assert!(!quiet.contains("## Links"));
    assert!(quiet.contains("No messages sent.") && quiet.contains("No SLOs given."));
    assert!(quiet.contains("**Verdict: PASS** (0 of 0 SLOs met)"));
}

#[test]
fn number_formats() {
    assert_eq!(fmt_ms(123.0), "0.123");
    assert_eq!(fmt_ms(1234.0), "1.23");
    assert_eq!(fmt_ms(12_345.0), "12.3");
    assert_eq!(fmt_ms(123_456.0), "123");
    assert_eq!(fmt_ms(0.0), "0.000");
    assert_eq!(fmt_percent(0.995), "99.5%");
    assert_eq!(fmt_percent(1.0), "100%");
    assert_eq!(fmt_percent(0.00012), "0.012%");
}

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("roamsim-report-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn files(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn write_results_is_atomic_and_overwrites_cleanly() {
    let tmp = TempDir::new("write");
    let dir = tmp.0.join("results").join("20261126-064800-s7");
    let first = summary_with(&["attach:p99<1us"]);
    write_results(&dir, &first).unwrap();
    let names = files(&dir);
    assert_eq!(
        names,
        ["report.md", "summary.json"].map(String::from).into()
    );
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    assert_eq!(Summary::from_json(&text).unwrap(), first);
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md")).unwrap(),
        render_markdown(&first)
    );

    let second = Summary::new(&Recorder::new(), info());
    write_results(&dir, &second).unwrap();
    assert_eq!(files(&dir), names);
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    assert_eq!(Summary::from_json(&text).unwrap(), second);
    assert!(std::fs::read_to_string(dir.join("report.md"))
        .unwrap()
        .contains("No SLOs given."));
}

#[test]
fn a_failed_atomic_write_leaves_nothing_behind() {
    let tmp = TempDir::new("fail");
    std::fs::create_dir_all(&tmp.0).unwrap();
    // Renaming a file over a non-empty folder fails after the temporary file was written.
    let target = tmp.0.join("summary.json");
    std::fs::create_dir_all(target.join("occupied")).unwrap();
    assert!(write_atomic(&target, b"{}").is_err());
    assert_eq!(files(&tmp.0), ["summary.json".to_string()].into());
    assert!(write_atomic(&tmp.0.join("missing").join("x.json"), b"{}").is_err());
}

#[test]
fn run_ids_and_times_are_utc_and_sortable() {
    assert_eq!(run_id(1_795_675_680_123, 1), "20261126-064800-s1");
    assert_eq!(rfc3339_utc(1_795_675_680_123), "2026-11-26T06:48:00.123Z");
    assert_eq!(rfc3339_utc(951_868_799_999), "2000-02-29T23:59:59.999Z");
    assert_eq!(rfc3339_utc(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
    assert_eq!(run_id(0, 42), "19700101-000000-s42");
    let (a, b) = (run_id(951_868_799_999, 9), run_id(1_795_675_680_123, 1));
    assert!(a < b);
}

#[test]
fn run_transport_is_an_extra_key_that_round_trips() {
    let mut summary = summary_with(&[]);
    let sctp = SctpSummary {
        associations: 14,
        packets_sent: 9000,
        retransmissions: 55,
        fast_retransmissions: 41,
        t3_expirations: 11,
        ..SctpSummary::default()
    };
    summary.run.transport = Some(TransportSummary {
        s6a: "sctp-udp".into(),
        mme: Some(sctp),
        hss: None,
    });
    let v: Value = serde_json::from_str(&summary.to_json()).unwrap();
    assert_eq!(v["run"]["transport"]["s6a"], "sctp-udp");
    assert_eq!(v["run"]["transport"]["mme"]["retransmissions"], 55);
    assert!(v["run"]["transport"].get("hss").is_none());
    // The v1 keys stay as they were.
    assert_eq!(v["run"]["seed"], 7);
    assert_eq!(Summary::from_json(&summary.to_json()).unwrap(), summary);
    // A summary without it (virtual runs, older writers) reads back with none.
    summary.run.transport = None;
    let text = summary.to_json();
    assert!(!text.contains("transport"));
    assert_eq!(Summary::from_json(&text).unwrap().run.transport, None);
}
