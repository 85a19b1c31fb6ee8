use super::*;

#[test]
fn names_round_trip() {
    for p in Procedure::ALL {
        assert_eq!(p.as_str().parse::<Procedure>().unwrap(), *p);
    }
    for o in Outcome::ALL {
        assert_eq!(o.to_string().parse::<Outcome>().unwrap(), *o);
    }
    assert_eq!(Procedure::PlmnChange.as_str(), "plmn_change");
    assert_eq!(Outcome::RejectedExpected.as_str(), "rejected_expected");
    assert_eq!(Outcome::TimedOut.index(), 3);
    let e = "attack".parse::<Procedure>().unwrap_err();
    assert!(e.to_string().contains("attach, location_update"), "{e}");
}

#[test]
fn serde_uses_snake_case() {
    #[derive(serde::Deserialize)]
    struct T {
        p: Procedure,
    }
    let t: T = toml::from_str("p = \"data_session\"").unwrap();
    assert_eq!(t.p, Procedure::DataSession);
}
