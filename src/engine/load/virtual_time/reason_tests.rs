//! Reasons in virtual time: a UE whose keys differ from its HSS's fails attach with
//! `ue.auth_mac`, and every reason's first example names where it happened without the IMSI.
//! Holds the test-only way to give the HSS other subscriber keys than the UEs
//! ([`VirtualRun::with_hss_seed`]).

use super::*;
use crate::model::message::MessageKind;
use crate::model::reason::ReasonExample;

impl VirtualRun {
    /// Replaces the home core by one whose subscribers' K/OPc derive from `seed` instead of
    /// the run's, so that every UE and the HSS disagree on the keys (as with a subscriber file
    /// given to one side only). Call before [`run`](Self::run).
    pub(crate) fn with_hss_seed(mut self, profile: &Profile, seed: u64) -> VirtualRun {
        let mut other = profile.clone();
        other.seed = seed;
        let settings = HomeSettings {
            host_ip: "10.0.0.3".parse().expect("literal"),
            boot: 1,
            recovery: 1,
            allow_any_peer: false,
            seed,
            pgw: PgwServiceConfig::default(),
            population: None,
        };
        let mut home = HomeCore::new(&other, Directory::from_profile(&other), &settings);
        for _ in 0..self.vn.mme_count() {
            home.s6a().open(Micros::ZERO);
        }
        self.net.home = home;
        self
    }
}

fn first(r: &VirtualResult, p: Procedure, o: Outcome, key: &str) -> ReasonExample {
    r.recorder
        .procedure_reasons()
        .get(p, o, key)
        .and_then(|c| c.first.clone())
        .unwrap_or_else(|| panic!("no example of {p} {o} {key}"))
}

#[test]
fn ues_and_an_hss_with_other_keys_fail_every_attach_on_the_mac() {
    let profile = Profile::embedded_default();
    let opts = VirtualOptions::new(300.0, Duration::from_secs(3), 500, 4);
    let r = VirtualRun::new(&profile, &opts)
        .unwrap()
        .with_hss_seed(&profile, 5)
        .run();
    let attach = r.procedure(Procedure::Attach);
    let mac = r.reason(Procedure::Attach, Outcome::Failed, "ue.auth_mac");
    assert!(mac > 100, "{mac}");
    assert_eq!(attach.count(Outcome::Failed), mac);
    assert_eq!(attach.count(Outcome::Ok), 0);
    // The anomalies are refused before any vector is checked.
    assert_eq!(
        attach.count(Outcome::RejectedExpected),
        r.reason(Procedure::Attach, Outcome::RejectedExpected, "s6a.5001")
            + r.reason(Procedure::Attach, Outcome::RejectedExpected, "s6a.5004")
    );
    // Per message: every MAC failure ended on the AIA.
    let air = r.recorder.message_reasons();
    assert_eq!(
        air.count(MessageKind::S6aAir, Outcome::Failed, "ue.auth_mac"),
        mac
    );
    let e = first(&r, Procedure::Attach, Outcome::Failed, "ue.auth_mac");
    assert_eq!(e.message, "s6a.air");
    assert_eq!(e.code, None);
    assert!(
        e.node.starts_with("mme") && e.node.ends_with(".3gppnetwork.org"),
        "{e:?}"
    );
    assert_eq!(e.home_plmn, "310-410");
    assert!(r
        .mmes
        .iter()
        .any(|m| m.host == e.node && m.plmn.to_string() == e.visited_plmn));
    assert!(e.at_us <= r.end_us);
    assert_eq!(e.subscriber.len(), 12);
    assert!(e.subscriber.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn an_expected_rejections_example_names_the_agreement_and_a_rerun_gives_the_same() {
    let profile = Profile::embedded_default();
    let r = run_virtual(&profile, 400.0, Duration::from_secs(5), 1000, 1).unwrap();
    let e = first(&r, Procedure::Attach, Outcome::RejectedExpected, "s6a.5004");
    assert_eq!((e.message.as_str(), e.code), ("s6a.air", Some(5004)));
    assert_eq!(
        (e.home_plmn.as_str(), e.visited_plmn.as_str()),
        ("310-410", "001-01")
    );
    // Same seed, same first end (the hash key is the process's, so the same here too).
    let again = run_virtual(&profile, 400.0, Duration::from_secs(5), 1000, 1).unwrap();
    assert_eq!(
        first(
            &again,
            Procedure::Attach,
            Outcome::RejectedExpected,
            "s6a.5004"
        ),
        e
    );
    let unknown = first(&r, Procedure::Attach, Outcome::RejectedExpected, "s6a.5001");
    assert_ne!(unknown.subscriber, e.subscriber);
}
