use super::*;
use crate::model::config::DEFAULT_PROFILE_TOML;
use crate::model::subscriber::Directory;

fn profile() -> Profile {
    Profile::from_toml(DEFAULT_PROFILE_TOML, "default.toml").unwrap()
}

fn population() -> Population {
    Population::from_profile(&profile(), "default.toml", None).unwrap()
}

#[test]
fn shuffle_is_a_bijection_with_its_inverse() {
    for n in [1u64, 2, 3, 10, 97, 1000, 4096, 10_007] {
        let s = Shuffle::new(n, 42);
        let mut seen = vec![false; n as usize];
        for i in 0..n {
            let x = s.forward(i);
            assert!(!seen[x as usize], "n={n} i={i}");
            seen[x as usize] = true;
            assert_eq!(s.inverse(x), i);
        }
    }
}

#[test]
fn default_profile_personas_get_exact_shares_and_the_users_mix() {
    let p = population();
    assert_eq!(p.len(), 10_000);
    let counts: Vec<(String, u32)> = p
        .personas()
        .iter()
        .map(|x| (x.config.name.clone(), x.count))
        .collect();
    let names: Vec<&str> = counts.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        ["business", "leisure", "iot", "unknown_imsi", "no_agreement"]
    );
    assert_eq!(
        counts.iter().map(|c| c.1).collect::<Vec<_>>(),
        [3000, 4000, 2000, 500, 500]
    );
    let mut by_persona = [0u32; 5];
    for i in 0..p.len() as u32 {
        by_persona[p.persona_of(RoamerId(i)) as usize] += 1;
    }
    assert_eq!(by_persona, [3000, 4000, 2000, 500, 500]);
    let m = p.expected_mix();
    for (got, want) in [
        (m.mobility, 0.6),
        (m.churn, 0.2),
        (m.data, 0.1),
        (m.anomaly, 0.1),
    ] {
        assert!((got - want).abs() < 0.02, "{m:?}");
    }
}

#[test]
fn roamers_are_the_hss_subscribers_or_outside_every_range() {
    let prof = profile();
    let p = population();
    let dir = Directory::from_profile(&prof);
    let mut unknown = 0;
    for i in (0..p.len() as u32).step_by(37) {
        let r = p.roamer(RoamerId(i));
        assert_eq!(r.imei.digits(), 14);
        assert_eq!(p.roamer_of_imsi(r.imsi), Some(r.id));
        match p.anomaly_of(r.id) {
            Some(Anomaly::UnknownImsi) => {
                unknown += 1;
                assert!(dir.lookup(r.imsi).is_none(), "{:?}", r.imsi);
                assert!(r.imsi.belongs_to(r.home));
            }
            _ => {
                let sub = dir.lookup(r.imsi).expect("provisioned");
                assert_eq!(sub.id.0, i);
                assert_eq!(Some(sub.msisdn), r.msisdn);
                assert_eq!(p.keys(r.imsi), (sub.k, sub.opc));
            }
        }
    }
    assert!(unknown > 0);
}

#[test]
fn anomalies_roam_where_they_should() {
    let p = population();
    let v = p.visited();
    for i in 0..2000u32 {
        let id = RoamerId(i);
        let plmn = v[p.initial_visited(id) as usize].plmn.to_string();
        match p.anomaly_of(id) {
            Some(Anomaly::NoAgreement) => assert_eq!(plmn, "001-01"),
            _ => assert_ne!(plmn, "001-01"),
        }
    }
}

#[test]
fn picks_follow_persona_weights_and_are_seeded() {
    let p = population();
    let mut rng = Rng::new(5);
    let n = 200_000;
    let mut per = [0u32; 5];
    for _ in 0..n {
        let (id, _) = p.pick(&mut rng);
        per[p.persona_of(id) as usize] += 1;
    }
    let total: f64 = p
        .personas()
        .iter()
        .map(|x| x.count as f64 * x.config.rate_per_hour())
        .sum();
    for (i, x) in p.personas().iter().enumerate() {
        let want = x.count as f64 * x.config.rate_per_hour() / total;
        let got = per[i] as f64 / n as f64;
        assert!(
            (got - want).abs() < 0.01,
            "{}: {got} vs {want}",
            x.config.name
        );
    }
    let a: Vec<_> = (0..50).map(|_| p.pick(&mut Rng::new(9))).collect();
    let b: Vec<_> = (0..50).map(|_| p.pick(&mut Rng::new(9))).collect();
    assert_eq!(a, b);
    let mut prof = profile();
    prof.seed = 2;
    let other = Population::from_profile(&prof, "x", None).unwrap();
    assert!((0..100u32).any(|i| other.persona_of(RoamerId(i)) != p.persona_of(RoamerId(i))));
}

#[test]
fn bad_tables_are_named() {
    let prof = profile();
    let e = Population::from_profile(&prof, "p.toml", Some(200_000)).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("load.population"));
    let mut bad = prof.clone();
    bad.personas[0].visited = vec!["999-99".parse().unwrap()];
    let e = Population::from_profile(&bad, "p.toml", None).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("personas[0].visited"));
    let mut bad = prof.clone();
    bad.visited[1].plmn = bad.visited[0].plmn;
    let e = Population::from_profile(&bad, "p.toml", None).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("visited[1].plmn"));
    let text = DEFAULT_PROFILE_TOML.replace("share = 0.30", "share = 0.30\nbogus = 1");
    let e = Profile::from_toml(&text, "p.toml").unwrap_err();
    assert!(e.message.contains("bogus"), "{e}");
}

#[test]
fn a_profile_without_visited_side_tables_gets_defaults() {
    let mut prof = profile();
    prof.personas.clear();
    prof.visited.clear();
    let p = Population::from_profile(&prof, "x", Some(1000)).unwrap();
    assert_eq!(p.personas().len(), 3);
    assert_eq!(p.visited().len(), 5);
    assert!(p.expected_mix().anomaly == 0.0);
}
