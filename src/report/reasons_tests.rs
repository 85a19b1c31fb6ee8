//! Tests of the reasons in the results: `summary.json`'s `reasons` and `reason_examples`, the
//! "Why procedures did not succeed" table of report.md and report.html, and the top reasons in
//! junit.xml's failure messages.

use serde_json::Value;

use super::html::render_html;
use super::junit::render_junit;
use super::model::{HlogData, ReasonExample};
use super::*;
use crate::model::slo::SloSpec;
use crate::model::{Outcome, Procedure};

fn info() -> RunInfo {
    RunInfo {
        id: "20261207-160000-s3".into(),
        seed: 3,
        profile: "default".into(),
        started_at: rfc3339_utc(1_796_659_200_000),
        duration_s: 10.0,
        shards: 2,
        offered_rate: 100.0,
        achieved_rate: 100.0,
        generator_saturated: false,
    }
}

fn example(at_us: u64, message: &str, code: Option<u32>) -> ReasonExample {
    ReasonExample {
        at_us,
        node: "mme2.epc.mnc001.mcc208.3gppnetwork.org".into(),
        visited_plmn: "001-01".into(),
        home_plmn: "310-410".into(),
        message: message.into(),
        code,
        subscriber: "a1b2c3d4e5f6".into(),
    }
}

/// Attach: 100 ok, 30 rejected with 5001 and 16 with 5004 (as expected), 5 failed on the UE's
/// MAC check and 1 on a <bad|code>, 3 ULRs unanswered; detach: all ok.
fn recorder() -> Recorder {
    let mut rec = Recorder::new();
    let mut end = |o: Outcome, key: &str, n: u64, message: &str, code: Option<u32>| {
        for i in 0..n {
            rec.record_started(Procedure::Attach);
            rec.record_procedure(Procedure::Attach, o, 2000);
            if o != Outcome::Ok {
                let at = 1_000_000 + i * 1000;
                rec.record_reason(Procedure::Attach, o, key, || {
                    Some(example(at, message, code))
                });
                let kind = message.parse().expect("a message kind");
                rec.record_message_reason(kind, o, key);
            }
        }
    };
    end(Outcome::Ok, "", 100, "s8.create_session", None);
    end(
        Outcome::RejectedExpected,
        "s6a.5004",
        16,
        "s6a.air",
        Some(5004),
    );
    end(
        Outcome::RejectedExpected,
        "s6a.5001",
        30,
        "s6a.air",
        Some(5001),
    );
    end(Outcome::Failed, "ue.auth_mac", 5, "s6a.air", None);
    end(Outcome::Failed, "<bad|code>", 1, "s6a.ulr", None);
    end(Outcome::TimedOut, "timeout.s6a.ulr", 3, "s6a.ulr", None);
    for _ in 0..150 {
        rec.record_message(MessageKind::S6aAir, 300, 0);
        rec.record_message(MessageKind::S6aUlr, 300, 0);
    }
    for _ in 0..3 {
        rec.record_unanswered(MessageKind::S6aUlr, 0);
    }
    for _ in 0..20 {
        rec.record_started(Procedure::Detach);
        rec.record_procedure(Procedure::Detach, Outcome::Ok, 500);
    }
    rec
}

fn summary(slos: &[&str]) -> Summary {
    let specs: Vec<SloSpec> = slos.iter().map(|s| SloSpec::parse(s).unwrap()).collect();
    let mut s = Summary::new(&recorder(), info());
    s.evaluate_slos(&specs);
    s
}

#[test]
fn summary_json_has_reasons_per_outcome_largest_first_and_their_first_examples() {
    let s = summary(&[]);
    let v: Value = serde_json::from_str(&s.to_json()).unwrap();
    let attach = &v["procedures"]["attach"];
    let rejected = attach["reasons"]["rejected_expected"].as_object().unwrap();
    let keys: Vec<(&str, u64)> = rejected
        .iter()
        .map(|(k, n)| (k.as_str(), n.as_u64().unwrap()))
        .collect();
    assert_eq!(keys, vec![("s6a.5001", 30), ("s6a.5004", 16)]);
    // Outcomes in report order (serde_json's Value sorts keys: look at the text).
    let text = s.to_json();
    let at = |k: &str| text.find(&format!("\"{k}\": {{")).unwrap();
    assert!(at("rejected_expected") < at("failed") && at("failed") < at("timed_out"));
    assert_eq!(attach["reasons"]["failed"]["ue.auth_mac"], 5);
    assert_eq!(attach["reasons"]["timed_out"]["timeout.s6a.ulr"], 3);
    // Each reason's count adds up to its outcome's.
    for (outcome, keys) in attach["reasons"].as_object().unwrap() {
        let sum: u64 = keys
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(Some(sum), attach[outcome].as_u64(), "{outcome}");
    }
    let first = &attach["reason_examples"]["rejected_expected"]["s6a.5004"];
    assert_eq!(first["at_us"], 1_000_000);
    assert_eq!(first["code"], 5004);
    assert_eq!(first["message"], "s6a.air");
    assert_eq!(first["home_plmn"], "310-410");
    assert_eq!(first["subscriber"], "a1b2c3d4e5f6");
    assert!(attach["reason_examples"]["failed"]["ue.auth_mac"]
        .get("code")
        .is_none());
    // Messages: the reasons of the procedures their answer ended.
    assert_eq!(
        v["messages"]["s6a.air"]["reasons"]["failed"]["ue.auth_mac"],
        5
    );
    assert_eq!(
        v["messages"]["s6a.ulr"]["reasons"]["timed_out"]["timeout.s6a.ulr"],
        3
    );
    assert!(v["messages"]["s6a.air"].get("reason_examples").is_none());
    // A procedure that always ended ok has neither key.
    assert!(v["procedures"]["detach"].get("reasons").is_none());
    assert!(v["procedures"]["detach"].get("reason_examples").is_none());
    assert_eq!(Summary::from_json(&s.to_json()).unwrap(), s);
}

#[test]
fn report_md_has_the_why_table_with_counts_and_first_examples() {
    let md = render_markdown(&summary(&[]));
    let at = md.find("## Why procedures did not succeed").expect(&md);
    assert!(at > md.find("## Procedures").unwrap() && at < md.find("## Messages").unwrap());
    let table: Vec<&str> = md[at..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(
        table[0],
        "| procedure | outcome | reason | count | first example |"
    );
    assert_eq!(table.len(), 2 + 5, "{table:#?}");
    assert_eq!(
        table[2],
        "| attach | rejected_expected | `s6a.5001` | 30 | at 1.000 s, \
         mme2.epc.mnc001.mcc208.3gppnetwork.org (visited 001-01, home 310-410): s6a.air 5001, \
         subscriber a1b2c3d4e5f6 |"
    );
    assert!(
        table[4].contains("`ue.auth_mac` | 5 | at 1.000 s"),
        "{}",
        table[4]
    );
    // A pipe inside a cell does not break the table.
    assert!(md.contains("| `<bad\\|code>` | 1 |"), "{md}");
    for row in table.iter().filter(|l| !l.starts_with("|:")) {
        assert_eq!(row.replace("\\|", "").matches('|').count(), 6, "{row}");
    }
    assert!(!render_markdown(&Summary::new(&Recorder::new(), info())).contains("Why procedures"));
}

#[test]
fn report_html_has_the_why_table_escaped() {
    let html = render_html(&summary(&[]), &HlogData::default());
    let at = html
        .find("<h2>Why procedures did not succeed</h2><table>")
        .expect(&html);
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 1 + 5);
    assert!(
        table.contains("<td><code>s6a.5004</code></td><td>16</td>"),
        "{table}"
    );
    assert!(table.contains("&lt;bad|code&gt;"));
    assert!(!table.contains("<bad"));
    assert!(table.contains("subscriber a1b2c3d4e5f6"));
}

#[test]
fn a_failing_slo_in_junit_names_the_top_reasons_of_its_procedure() {
    let s = summary(&[
        "attach:success>=99%",
        "detach:p99<1s",
        "s6a.ulr:timeout<0.1%",
    ]);
    let xml = render_junit(&s);
    let failures: Vec<&str> = xml.lines().filter(|l| l.contains("<failure")).collect();
    assert_eq!(failures.len(), 2, "{xml}");
    assert!(
        failures[0].contains(
            "top reasons of attach: rejected_expected s6a.5001 30, rejected_expected s6a.5004 16, failed ue.auth_mac 5, ..."
        ),
        "{}",
        failures[0]
    );
    // A message SLO names the reasons its message ended procedures with.
    assert!(
        failures[1].contains(
            "top reasons of s6a.ulr: timed_out timeout.s6a.ulr 3, failed &lt;bad|code&gt; 1"
        ),
        "{}",
        failures[1]
    );
    assert!(xml.contains(
        "<testcase classname=\"roamsim.slo\" name=\"detach:p99&lt;1s\" time=\"10.000\"/>"
    ));
}
