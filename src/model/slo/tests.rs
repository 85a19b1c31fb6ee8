use super::*;
use crate::model::config::{Profile, DEFAULT_PROFILE_TOML};

fn slo(text: &str) -> SloSpec {
    SloSpec::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(text: &str) -> String {
    SloSpec::parse(text).unwrap_err().to_string()
}

#[test]
fn parses_the_three_documented_forms() {
    let a = slo("attach:p99<150ms");
    assert_eq!(a.target, SloTarget::Procedure(Procedure::Attach));
    assert_eq!(a.metric, SloMetric::Latency(LatencyStat::P99));
    assert_eq!(a.op, Comparison::Lt);
    assert!((a.threshold - 150_000.0).abs() < 1e-6);
    assert!(a.is_latency());

    let s = slo("attach:success>=99.5%");
    assert_eq!(s.metric, SloMetric::Success);
    assert_eq!(s.op, Comparison::Ge);
    assert!((s.threshold - 0.995).abs() < 1e-12);

    let t = slo("s6a.ulr:timeout<0.1%");
    assert_eq!(t.target, SloTarget::Message(MessageKind::S6aUlr));
    assert_eq!(t.metric, SloMetric::Timeout);
    assert!((t.threshold - 0.001).abs() < 1e-12);
}

#[test]
fn accepts_every_statistic_spacing_and_plain_ratios() {
    for stat in LatencyStat::ALL {
        let spec = slo(&format!("detach:{}<=2s", stat.name()));
        assert_eq!(spec.metric, SloMetric::Latency(*stat));
        assert_eq!(spec.op, Comparison::Le);
        assert!((spec.threshold - 2e6).abs() < 1e-6);
    }
    let spaced = slo("  plmn_change : error < 0.02 ");
    assert_eq!(spaced.metric, SloMetric::Error);
    assert!((spaced.threshold - 0.02).abs() < 1e-12);
    assert_eq!(slo("s8.create_session:p50<800us").threshold, 800.0);
    assert_eq!(slo("data_session:success>0.9").op, Comparison::Gt);
}

#[test]
fn errors_name_the_offending_word() {
    let e = err("atach:p99<1s");
    assert!(e.contains("`atach`"), "{e}");
    assert!(
        e.contains("attach, location_update") && e.contains("s6a.ulr"),
        "{e}"
    );
    let e = err("s6a.ulx:timeout<1%");
    assert!(e.contains("`s6a.ulx`"), "{e}");
    let e = err("attach:p98<1s");
    assert!(
        e.contains("unknown metric `p98`") && e.contains("p999"),
        "{e}"
    );
    let e = err("attach:p99>1s");
    assert!(e.contains("`p99`") && e.contains("`<` or `<=`"), "{e}");
    let e = err("attach:success<=99%");
    assert!(e.contains("`>=` or `>`"), "{e}");
    let e = err("attach:p99<150 parsecs");
    assert!(e.contains("invalid duration `150 parsecs`"), "{e}");
    let e = err("attach:success>=150%");
    assert!(e.contains("invalid percentage"), "{e}");
    let e = err("s6a.air:error<1%");
    assert!(e.contains("`error`") && e.contains("`s6a.air`"), "{e}");
    assert!(err("attach p99<1s").contains("missing `:`"));
    assert!(err("attach:p99 1s").contains("missing comparison"));
    assert!(err("attach:p99==1s").contains("`<` or `<=`"));
    assert!(err("attach:p99=1s").contains("must be"));
}

#[test]
fn charging_counts_and_latency() {
    let lost = SloSpec::parse("charging:lost==0").unwrap();
    assert_eq!(lost.target, SloTarget::Charging);
    assert_eq!(lost.metric, SloMetric::Count("lost"));
    assert_eq!(lost.op, Comparison::Eq);
    assert_eq!(lost.to_string(), "charging:lost==0");
    let depth = SloSpec::parse("charging:spooled_max<10000").unwrap();
    assert_eq!((depth.threshold, depth.op), (10_000.0, Comparison::Lt));
    let ack = SloSpec::parse("charging.ack:p95<200ms").unwrap();
    assert_eq!(ack.target, SloTarget::ChargingAck);
    assert_eq!(ack.threshold, 200_000.0);
    assert!(err("charging:lose==0").contains("unknown metric `lose`"));
    assert!(err("charging:p95<1s").contains("takes a count"));
    assert!(err("attach:lost==0").contains("takes a count"));
    assert!(err("charging.ack:lost==0").contains("takes a count"));
    assert!(err("charging:lost==0.5").contains("whole number"));
}

#[test]
fn display_is_the_compact_form_and_parses_back() {
    for text in [
        "attach:p99<150ms",
        "attach:success>=99.5%",
        "s6a.ulr:timeout<0.1%",
        "detach:mean<=250us",
        "location_update:p999<1.5ms",
        "plmn_change:error<0.001%",
    ] {
        let spec = slo(text);
        assert_eq!(spec.to_string(), text);
        assert_eq!(slo(&spec.to_string()), spec);
        assert_eq!(spec.label(), text);
    }
    let two_seconds = slo("attach:max<2s");
    assert_eq!(two_seconds.to_string(), "attach:max<2s");
    assert_eq!(slo("attach:max<1500ms").to_string(), "attach:max<1.5s");
    assert_eq!(slo("attach:max<0.5s").to_string(), "attach:max<500ms");
    let mut named = slo("attach:p99<150ms");
    named.name = Some("attach latency".into());
    assert_eq!(named.label(), "attach latency");
}

/// The default profile without its own SLOs (the happy path's), as a base to add SLOs to.
fn default_without_slos() -> String {
    DEFAULT_PROFILE_TOML
        .lines()
        .filter(|l| !l.starts_with("slo = "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn profile_with(slo_toml: &str) -> Result<Profile, crate::model::config::ConfigError> {
    Profile::from_toml(&format!("{}\n{slo_toml}", default_without_slos()), "p.toml")
}

#[test]
fn profile_tables_in_both_forms() {
    let p = profile_with(
        r#"
[[slo]]
name = "attach latency"
check = "attach:p99<150ms"

[[slo]]
target = "s6a.ulr"
metric = "timeout"
op = "<"
threshold = "0.1%"

[[slo]]
target = "attach"
metric = "success"
op = ">="
threshold = 0.995
"#,
    )
    .unwrap();
    assert_eq!(p.slo.len(), 3);
    assert_eq!(p.slo[0].name.as_deref(), Some("attach latency"));
    assert_eq!(p.slo[0].to_string(), "attach:p99<150ms");
    assert_eq!(p.slo[1], slo("s6a.ulr:timeout<0.1%"));
    assert_eq!(p.slo[2].to_string(), "attach:success>=99.5%");
    let default: Vec<String> = Profile::embedded_default()
        .slo
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(default, ["attach:p50<150ms", "attach:success>99%"]);
}

#[test]
fn profile_strings_and_serialize_round_trip() {
    let text = format!(
        "slo = [\"attach:p99<150ms\", \"detach:error<1%\"]\n{}",
        default_without_slos()
    );
    let p = Profile::from_toml(&text, "p.toml").unwrap();
    assert_eq!(p.slo, vec![slo("attach:p99<150ms"), slo("detach:error<1%")]);
    let mut named = slo("attach:success>=99%");
    named.name = Some("attach ok".into());
    let table = toml::to_string(&Wrapper {
        slo: vec![named.clone()],
    })
    .unwrap();
    let back: Wrapper = toml::from_str(&table).unwrap();
    assert_eq!(back.slo, vec![named]);
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Wrapper {
    slo: Vec<SloSpec>,
}

#[test]
fn profile_errors_point_at_the_slo() {
    let e = profile_with("[[slo]]\ncheck = \"atach:p99<1s\"\n").unwrap_err();
    let shown = e.to_string();
    assert!(shown.contains("`atach`"), "{shown}");
    assert!(e.line.is_some(), "{shown}");
    let e = profile_with("[[slo]]\ncheck = \"attach:p99<1s\"\nmetric = \"p50\"\n").unwrap_err();
    assert!(e.to_string().contains("either `check"), "{e}");
    let e = profile_with("[[slo]]\ncheck = \"attach:p99<1s\"\nlimit = 3\n").unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
    let e = profile_with(
        "[[slo]]\ntarget = \"attach\"\nmetric = \"p99\"\nop = \"<\"\nthreshold = 150\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("needs a unit"), "{e}");
}

#[test]
fn a_table_may_give_a_window_which_round_trips() {
    let p = profile_with("[[slo]]\ncheck = \"attach:p99<150ms\"\nwindow = \"5m\"\n").unwrap();
    assert_eq!(p.slo[0].window, Some(std::time::Duration::from_secs(300)));
    let table = toml::to_string(&Wrapper { slo: p.slo.clone() }).unwrap();
    let back: Wrapper = toml::from_str(&table).unwrap();
    assert_eq!(back.slo, p.slo);
    let e = profile_with("[[slo]]\ncheck = \"attach:p99<150ms\"\nwindow = \"soon\"\n").unwrap_err();
    assert!(e.to_string().contains("soon"), "{e}");
    assert!(profile_with("[[slo]]\ncheck = \"attach:p99<150ms\"\nwindow = \"0s\"\n").is_err());
}
