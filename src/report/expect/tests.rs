//! `[expect]` checks read against a summary: counts, reasons, ratios, values on the right, and
//! the verdict they give.

use super::*;
use crate::model::reason::ReasonExample;
use crate::model::{Outcome, Procedure};
use crate::report::{Recorder, RunInfo, Verdict};

pub(crate) fn info() -> RunInfo {
    RunInfo {
        id: "t".into(),
        seed: 1,
        profile: "default".into(),
        started_at: "2026-12-07T20:00:00Z".into(),
        duration_s: 10.0,
        shards: 1,
        offered_rate: 10.0,
        achieved_rate: 10.0,
        generator_saturated: false,
    }
}

/// 90 attaches ok, 8 rejected with s6a.5004 and 2 failed with ue.auth_mac.
pub(crate) fn recorder() -> Recorder {
    let mut rec = Recorder::new();
    let mut end = |o: Outcome, key: &str, n: u64| {
        for _ in 0..n {
            rec.record_started(Procedure::Attach);
            rec.record_procedure(Procedure::Attach, o, 2_000);
            if o != Outcome::Ok {
                rec.record_reason(Procedure::Attach, o, key, || {
                    Some(ReasonExample {
                        at_us: 1_000,
                        node: "mme1.epc.mnc001.mcc208.3gppnetwork.org".into(),
                        visited_plmn: "001-01".into(),
                        home_plmn: "310-410".into(),
                        message: "s6a.ulr".into(),
                        code: Some(5004),
                        subscriber: "00".into(),
                    })
                });
            }
        }
    };
    end(Outcome::Ok, "", 90);
    end(Outcome::RejectedExpected, "s6a.5004", 8);
    end(Outcome::Failed, "ue.auth_mac", 2);
    rec
}

fn check(summary: &Summary, text: &str) -> CheckResult {
    evaluate_check(summary, &Check::parse(text).unwrap())
}

#[test]
fn counts_reasons_and_ratios() {
    let s = Summary::new(&recorder(), info());
    let r = check(&s, "attach:rejected_expected[s6a.5004] == 8");
    assert!(r.pass, "{r:?}");
    assert_eq!(r.observed, Some(8.0));
    assert!(check(&s, "attach:failed[!ue.auth_mac] == 0").pass);
    assert!(!check(&s, "attach:failed[*] == 0").pass);
    assert!(check(&s, "attach:started == 100").pass);
    assert!(check(&s, "attach:success >= 98%").pass);
    assert!(!check(&s, "attach:success > 99%").pass);
    assert!(check(&s, "attach:p50 < 150ms").pass);
    // Nothing was sent: a count is 0, a ratio has no value and fails.
    assert!(check(&s, "s8.create_session:sent == 0").pass);
    let r = check(&s, "s8.create_session:success > 0%");
    assert_eq!((r.observed, r.pass), (None, false));
    // No charging in this run: a charging count has no value.
    assert!(!check(&s, "charging:lost == 0").pass);
    assert!(check(&s, "alerts[agreement_missing] == 0").pass);
    assert!(check(&s, "protocol_errors[diameter.5001] == 0").pass);
}

#[test]
fn a_value_on_the_right_is_read_from_the_summary() {
    let s = Summary::new(&recorder(), info());
    let r = check(&s, "attach:ok < attach:started");
    assert_eq!(
        (r.observed, r.expected, r.pass),
        (Some(90.0), Some(100.0), true)
    );
    let r = check(
        &s,
        "attach:rejected_expected[s6a.5004] == attach:rejected_expected",
    );
    assert!(r.pass);
    let r = check(
        &s,
        "attach:started == attach:ok + attach:rejected_expected + attach:failed",
    );
    assert_eq!((r.expected, r.pass), (Some(100.0), true));
}

#[test]
fn a_failed_check_fails_the_verdict() {
    let mut s = Summary::new(&recorder(), info());
    s.evaluate_slos(&[]);
    let ok = vec![Check::parse("attach:ok == 90").unwrap()];
    s.evaluate_expect(&ok);
    assert_eq!(s.verdict, Verdict::Pass);
    let bad = vec![Check::parse("attach:failed == 0").unwrap()];
    s.evaluate_expect(&bad);
    assert_eq!(s.verdict, Verdict::Fail);
    assert_eq!(s.expect[0].observed, Some(2.0));
    let json = s.to_json();
    assert!(json.contains("\"check\": \"attach:failed == 0\""), "{json}");
    assert_eq!(Summary::from_json(&json).unwrap().expect, s.expect);
}
