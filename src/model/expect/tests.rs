//! The `[expect]` grammar: what parses into which value, and errors that name the bad word.

use super::*;

fn err(text: &str) -> String {
    Check::parse(text).unwrap_err().to_string()
}

#[test]
fn slo_metrics_counts_reasons_alerts() {
    let c = Check::parse("attach:p50 < 150ms").unwrap();
    assert_eq!(c.op, Comparison::Lt);
    assert_eq!(c.right, Rhs::Number(150_000.0));
    assert_eq!(c.left.kind(), Kind::Latency);
    let c = Check::parse("attach:success>99%").unwrap();
    assert!(matches!(c.right, Rhs::Number(r) if (r - 0.99).abs() < 1e-12));
    let c = Check::parse("charging:lost == 0").unwrap();
    assert_eq!(
        c.left,
        Value::Slo(SloTarget::Charging, SloMetric::Count("lost"))
    );
    let c = Check::parse("attach:rejected_expected[s6a.5004] >= 1").unwrap();
    assert_eq!(
        c.left,
        Value::Reasons {
            target: SloTarget::Procedure(Procedure::Attach),
            outcome: Outcome::RejectedExpected,
            selector: ReasonSelector::Only(vec!["s6a.5004".into()]),
        }
    );
    let c = Check::parse("attach:rejected_expected[!s6a.5001, s6a.5004]==0").unwrap();
    assert!(matches!(
        c.left,
        Value::Reasons { selector: ReasonSelector::Except(ref k), .. } if k.len() == 2
    ));
    let c = Check::parse("attach:failed[*] == 0").unwrap();
    assert!(matches!(
        c.left,
        Value::Reasons {
            selector: ReasonSelector::All,
            ..
        }
    ));
    let c = Check::parse("alerts[agreement_missing] >= 1").unwrap();
    assert_eq!(c.alerts().collect::<Vec<_>>(), ["agreement_missing"]);
    let c = Check::parse("s8.create_session:sent == 0").unwrap();
    assert_eq!(
        c.left,
        Value::MessageCount(MessageKind::S8CreateSession, "sent")
    );
    let c = Check::parse("protocol_errors[diameter.5001] == 0").unwrap();
    assert_eq!(c.left, Value::ProtocolError("diameter.5001".into()));
}

#[test]
fn value_on_the_right_must_be_of_the_same_kind() {
    let c = Check::parse("charging:stored == charging:generated").unwrap();
    assert_eq!(
        c.right,
        Rhs::Values(vec![Value::Slo(
            SloTarget::Charging,
            SloMetric::Count("generated")
        )])
    );
    let c = Check::parse("attach:rejected_expected[s6a.5004] == attach:started").unwrap();
    assert_eq!(
        c.right,
        Rhs::Values(vec![Value::ProcedureCount(Procedure::Attach, "started")])
    );
    let c = Check::parse("charging:pgw_records == attach:ok + data_session:ok").unwrap();
    assert!(matches!(c.right, Rhs::Values(ref v) if v.len() == 2));
    assert!(err("attach:p50 < attach:p90 + attach:p99").contains("only counts"));
    assert!(err("attach:p50 < attach:ok").contains("not the same kind"));
}

#[test]
fn errors_name_the_bad_word() {
    assert!(err("atach:ok == 1").contains("unknown target `atach`"));
    assert!(err("attach:okk == 1").contains("unknown metric `okk`"));
    assert!(err("attach:refused[s6a.5004] == 1").contains("unknown outcome `refused`"));
    assert!(err("attach:ok[s6a.5004] == 1").contains("unknown outcome `ok`"));
    assert!(err("alarms[x] >= 1").contains("unknown value `alarms`"));
    assert!(err("attach:ok 1").contains("missing comparison"));
    assert!(err("attach:p50 < 150").contains("needs a unit"));
    assert!(err("attach:p50 < 150 parsecs").contains("invalid duration"));
    assert!(err("attach:ok == lots").contains("unknown value `lots`"));
    assert!(err("s6a.ulr:error < 1%").contains("unknown metric `error`"));
    assert!(err("charging:p99 < 1s").contains("unknown metric `p99`"));
    assert!(err("attach:ok ==").contains("nothing after"));
}

#[test]
fn reads_from_a_profile_table() {
    let e: ExpectConfig =
        toml::from_str("checks = [\"attach:ok > 0\", \"charging:lost == 0\"]").unwrap();
    assert_eq!(e.checks.len(), 2);
    assert_eq!(e.checks[1].to_string(), "charging:lost == 0");
    let bad = toml::from_str::<ExpectConfig>("checks = [\"atach:ok > 0\"]").unwrap_err();
    assert!(bad.to_string().contains("atach"), "{bad}");
}
