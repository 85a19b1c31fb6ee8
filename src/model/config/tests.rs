use super::*;

fn plmn(s: &str) -> Plmn {
    s.parse().unwrap()
}

#[test]
fn embedded_default_models_310_410_and_its_partners() {
    let p = Profile::embedded_default();
    let home = &p.home;
    assert_eq!(home.plmns[0].plmn, plmn("310-410"));
    for v in ["208-01", "234-15", "262-01", "440-10", "724-05"] {
        assert!(home.roaming_allowed(plmn("310-410"), plmn(v)), "{v}");
    }
    assert!(!home.roaming_allowed(plmn("310-410"), plmn("001-01")));
    assert!(home.roaming_allowed(plmn("310-410"), plmn("310-410")));
    let a: Imsi = "310410000100000".parse().unwrap();
    let b: Imsi = "310410000100001".parse().unwrap();
    assert_eq!(home.home_of(a), Some(0));
    let r = &home.plmns[0].ranges[0];
    assert!(r.first_imsi <= a && b.value() < r.first_imsi.value() + r.count);
    assert_eq!(r.msisdn_start.to_string(), "15550000000");
    assert_eq!(
        home.hss_origin_host(),
        "hss.epc.mnc410.mcc310.3gppnetwork.org"
    );
    assert_eq!(home.hss_origin_realm(), "epc.mnc410.mcc310.3gppnetwork.org");
    assert_eq!(home.pgw.paa_pool.to_string(), "10.0.0.0/8");
    assert_eq!(home.plmns[0].default_apn.name, "internet");
}

#[test]
fn allowed_peers_default_to_ts_23_003_realms_with_overrides() {
    let mut p = Profile::embedded_default();
    p.home.peers.visited.push(VisitedPeers {
        plmn: plmn("234-15"),
        realms: vec!["ipx.example.net".into()],
        hosts: vec!["mme7.ipx.example.net".into()],
    });
    let peers = p.home.allowed_peers();
    let fr = peers.iter().find(|a| a.plmn == plmn("208-01")).unwrap();
    assert_eq!(fr.realm, "epc.mnc001.mcc208.3gppnetwork.org");
    assert!(fr.hosts.is_empty());
    let uk = peers.iter().find(|a| a.plmn == plmn("234-15")).unwrap();
    assert_eq!(uk.realm, "ipx.example.net");
    assert_eq!(uk.hosts, ["mme7.ipx.example.net"]);
    assert!(!peers.iter().any(|a| a.plmn == plmn("001-01")));
}

#[test]
fn identity_overrides() {
    let text = DEFAULT_PROFILE_TOML.replace(
        "# origin_host = \"hss.epc.mnc410.mcc310.3gppnetwork.org\"",
        "origin_host = \"hss9.example.org\"",
    );
    let p = Profile::from_toml(&text, "x.toml").unwrap();
    assert_eq!(p.home.hss_origin_host(), "hss9.example.org");
    assert_eq!(
        p.home.hss_origin_realm(),
        "epc.mnc410.mcc310.3gppnetwork.org"
    );
}

#[test]
fn diameter_transport_is_read_from_the_profile() {
    use crate::model::transport::TransportChoice;
    assert_eq!(Profile::embedded_default().home.diameter.transport, None);
    let text = DEFAULT_PROFILE_TOML.replace(
        "# origin_host = \"hss.epc.mnc410.mcc310.3gppnetwork.org\"",
        "transport = \"sctp-udp\"",
    );
    let p = Profile::from_toml(&text, "x.toml").unwrap();
    assert_eq!(p.home.diameter.transport, Some(TransportChoice::SctpUdp));
    let bad = text.replace("\"sctp-udp\"", "\"udp\"");
    let err = Profile::from_toml(&bad, "x.toml").unwrap_err().to_string();
    assert!(err.contains("transport"), "{err}");
}

#[test]
fn typo_names_file_line_and_field() {
    let text = DEFAULT_PROFILE_TOML.replace("msisdn_start =", "msisdn_strat =");
    let line = text
        .lines()
        .position(|l| l.starts_with("msisdn_strat"))
        .unwrap()
        + 1;
    let e = Profile::from_toml(&text, "profiles/typo.toml").unwrap_err();
    assert_eq!(e.file, "profiles/typo.toml");
    assert_eq!(e.line, Some(line), "{e}");
    assert_eq!(e.field.as_deref(), Some("msisdn_strat"), "{e}");
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("profiles/typo.toml:{line}")),
        "{shown}"
    );
    assert!(
        shown.contains("msisdn_start"),
        "lists the expected fields: {shown}"
    );
}

#[test]
fn typo_in_table_header_is_named() {
    let text = DEFAULT_PROFILE_TOML.replace("[home.pgw]", "[home.pwg]");
    let e = Profile::from_toml(&text, "t.toml").unwrap_err();
    assert!(e.to_string().contains("pwg"), "{e}");
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn bad_value_names_line_and_field() {
    let text = DEFAULT_PROFILE_TOML.replace("plmn = \"310-410\"", "plmn = \"31-0410\"");
    let e = Profile::from_toml(&text, "t.toml").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("plmn"), "{e}");
    assert!(e.message.contains("31-0410"), "{e}");
    let text = DEFAULT_PROFILE_TOML.replace("priority_level = 9", "priority_level = \"high\"");
    let e = Profile::from_toml(&text, "t.toml").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("priority_level"), "{e}");
    let text =
        DEFAULT_PROFILE_TOML.replace("paa_pool = \"10.0.0.0/8\"", "paa_pool = \"10.0.0.1/8\"");
    let e = Profile::from_toml(&text, "t.toml").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("paa_pool"), "{e}");
}

#[test]
fn validation_names_the_field_path() {
    let text = DEFAULT_PROFILE_TOML.replace(
        "first_imsi = \"310410000100000\"",
        "first_imsi = \"208010000100000\"",
    );
    let e = Profile::from_toml(&text, "t.toml").unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("home.plmns[0].ranges[0].first_imsi"),
        "{e}"
    );

    let text = DEFAULT_PROFILE_TOML.replace("home = \"310-410\"", "home = \"310-260\"");
    let e = Profile::from_toml(&text, "t.toml").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("home.agreements[0].home"), "{e}");

    let text = DEFAULT_PROFILE_TOML.replace("count = 100_000", "count = 100_000_000_000");
    let e = Profile::from_toml(&text, "t.toml").unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("home.plmns[0].ranges[0].count"),
        "{e}"
    );

    let overlap = DEFAULT_PROFILE_TOML.replace(
        "# No agreement",
        "[[home.plmns.ranges]]\nfirst_imsi = \"310410000100005\"\ncount = 2\nmsisdn_start = \"1\"\n\n# No agreement",
    );
    let e = Profile::from_toml(&overlap, "t.toml").unwrap_err();
    assert!(
        e.message.contains("overlaps home.plmns[0].ranges[0]"),
        "{e}"
    );
}

#[test]
fn minimal_profile_uses_defaults() {
    let p = Profile::from_toml("[[home.plmns]]\nplmn = \"208-01\"\n", "min.toml").unwrap();
    assert_eq!(p.seed, 1);
    assert_eq!(p.home.plmns[0].default_apn, ApnProfile::default());
    assert_eq!(p.home.pgw, PgwConfig::default());
    assert!(p.home.agreements.is_empty());
    let e = Profile::from_toml("seed = 3\n", "empty.toml").unwrap_err();
    assert!(e.to_string().contains("home"), "{e}");
}

/// `[charging.online]`: off by default; the bill-shock scenario turns it on; bad values name
/// the key under `charging.online` and say what is wrong.
#[test]
fn online_charging_is_read_and_checked() {
    let p = Profile::embedded_default();
    assert!(!p.charging.online.enabled);
    assert_eq!(p.charging.online.tx_timer_ms, 2000);
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/bill-shock.toml");
    let b = Profile::load(std::path::Path::new(scenario)).unwrap();
    assert!(b.charging.online.enabled);
    assert_eq!(b.charging.online.personas[0].persona, "streamer_opted_out");
    let with = |extra: &str| format!("{DEFAULT_PROFILE_TOML}\n{extra}");
    let e = Profile::from_toml(&with("[charging.online]\ntx_timer_ms = 0"), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("charging.online.tx_timer_ms"), "{e}");
    let e = Profile::from_toml(
        &with("[charging.online]\npersonas = [ { persona = \"nobody\" } ]"),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("charging.online.personas[0].persona") && e.contains("\"nobody\""),
        "{e}"
    );
    let e = Profile::from_toml(
        &with(
            "[charging.online.bill_shock]\nzones = [ { name = \"eu\", plmns = [\"208-01\"] } ]\n\
             caps = [ { home_zone = \"us\", visited_zone = \"eu\", monthly_cap_octets = 1 } ]",
        ),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("charging.online.bill_shock.caps[0].home_zone") && e.contains("\"us\""),
        "{e}"
    );
    let e = Profile::from_toml(&with("[charging.online]\nquota = 1"), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("quota"), "{e}");
}
