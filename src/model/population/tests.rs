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
                assert_eq!(p.keys(r.id), (sub.k, sub.opc));
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

/// `n` subscribers of 310-410 with their own keys; `pin(i)` gives row i's persona and visited.
fn file_directory(n: u32, pin: impl Fn(u32) -> (&'static str, &'static str)) -> Directory {
    let mut csv = String::from("imsi,msisdn,k,opc,persona,visited\n");
    for i in 0..n {
        let (persona, visited) = pin(i);
        csv.push_str(&format!(
            "31041005{i:07},1666{i:07},{:032x},{:032x},{persona},{visited}\n",
            i as u128 * 7 + 1,
            i as u128 * 13 + 5
        ));
    }
    Directory::from_csv_text(&profile(), "subs.csv", &csv).unwrap()
}

#[test]
fn roamers_are_the_files_subscribers_with_their_keys() {
    let d = file_directory(1000, |_| ("", ""));
    let p = Population::new(&profile(), d.clone(), "default.toml", Some(1000)).unwrap();
    let mut provisioned = 0;
    for i in 0..1000 {
        let r = p.roamer(RoamerId(i));
        if p.anomaly_of(r.id) == Some(Anomaly::UnknownImsi) {
            assert!(d.lookup(r.imsi).is_none());
            assert_eq!(p.roamer_of_imsi(r.imsi), Some(r.id));
            continue;
        }
        provisioned += 1;
        let s = d.get(SubscriberId(i)).unwrap();
        assert_eq!((r.imsi, r.msisdn, r.home), (s.imsi, Some(s.msisdn), s.home));
        assert_eq!(p.keys(r.id), (s.k, s.opc), "the UE has the file's keys");
        assert_eq!(p.roamer_of_imsi(r.imsi), Some(r.id));
    }
    assert_eq!(provisioned, 950, "all but the unknown_imsi persona's 5 %");
    let e = Population::new(&profile(), d, "default.toml", Some(1001))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("1001 roamers but only 1000 subscribers in subs.csv"),
        "{e}"
    );
}

#[test]
fn pinned_personas_and_visited_plmns_hold_and_the_shares_split_the_rest() {
    // Rows 0..300 are IoT SIMs pinned to 262-01; the others are free.
    let d = file_directory(1000, |i| if i < 300 { ("iot", "262-01") } else { ("", "") });
    let p = Population::new(&profile(), d, "default.toml", Some(1000)).unwrap();
    let iot = p
        .personas()
        .iter()
        .position(|x| x.config.name == "iot")
        .unwrap() as u8;
    let v262 = p
        .visited()
        .iter()
        .position(|v| v.plmn == "262-01".parse().unwrap())
        .unwrap() as u8;
    let mut rng = Rng::new(4);
    for i in 0..300 {
        let id = RoamerId(i);
        assert_eq!(p.persona_of(id), iot);
        assert_eq!(p.initial_visited(id), v262);
        assert_eq!(
            p.other_visited(id, v262, &mut rng),
            v262,
            "pinned roamers stay"
        );
    }
    // The 700 free roamers split by share (0.30/0.40/0.20/0.05/0.05 of 700).
    let counts: Vec<u32> = p.personas().iter().map(|x| x.count).collect();
    assert_eq!(counts, [210, 280, 300 + 140, 35, 35]);
    let mut seen = vec![0u32; 5];
    for i in 0..1000 {
        seen[p.persona_of(RoamerId(i)) as usize] += 1;
    }
    assert_eq!(seen, counts);
    // Arrivals pick roamers of the persona they name.
    for _ in 0..2000 {
        let (id, _) = p.pick(&mut rng);
        assert!(id.0 < 1000);
    }
}

#[test]
fn the_unknown_imsi_block_must_be_clear_of_the_files_subscribers() {
    // 310-410's top MSIN is where the unknown_imsi persona's IMSIs are.
    let csv = format!("imsi,msisdn,k,opc\n310410999999999,15550000000,{0},{0}\n310410000100000,15550000001,{0},{0}\n", "0".repeat(32));
    let d = Directory::from_csv_text(&profile(), "top.csv", &csv).unwrap();
    let e = Population::new(&profile(), d, "default.toml", Some(2))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown-IMSI block") && e.contains("holds provisioned subscribers"),
        "{e}"
    );
}
