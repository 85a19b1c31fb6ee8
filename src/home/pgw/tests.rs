use super::*;
use crate::model::Micros;

fn sgw(teid: u32) -> Fteid {
    Fteid {
        teid,
        ipv4: Ipv4Addr::new(127, 0, 0, 1),
    }
}

fn req(imsi: &str, apn: &'static str) -> CreateSessionRequest<'static> {
    CreateSessionRequest {
        imsi: imsi.parse().unwrap(),
        msisdn: Some("15550000000".parse().unwrap()),
        apn,
        serving_network: "208-01".parse().unwrap(),
        sgw_control: sgw(0x1111),
        ebi: 5,
        sgw_user: sgw(0x2222),
        rat_type: RAT_EUTRAN,
    }
}

fn pgw(pool: &str) -> Pgw {
    let cfg = PgwConfig {
        paa_pool: pool.parse().unwrap(),
        apns: vec!["internet".into(), "ims".into()],
        ..PgwConfig::default()
    };
    Pgw::new(&cfg, 7)
}

#[test]
fn create_modify_delete_with_cdrs() {
    let mut p = pgw("10.45.0.0/16");
    assert_eq!(p.recovery(), 7);
    let c = p
        .create_session(Micros(1_000), &req("310410000100000", "internet"))
        .unwrap();
    assert_eq!(c.paa, Ipv4Addr::new(10, 45, 0, 2));
    assert_eq!(c.ebi, 5);
    assert_eq!(c.sgw_control_teid, 0x1111);
    assert_ne!(c.pgw_control.teid, 0);
    assert_ne!(c.pgw_user.teid, c.pgw_control.teid);
    assert_eq!(c.pgw_control.ipv4, Ipv4Addr::LOCALHOST);
    assert_eq!(c.charging_id, 1);
    let start = p.poll_cdr().unwrap();
    assert_eq!(start.kind, CdrKind::Start);
    assert_eq!(start.imsi.to_string(), "310410000100000");
    assert_eq!(&*start.apn, "internet");
    assert_eq!((start.start_us, start.stop_us), (Micros(1_000), None));
    assert_eq!(start.serving_network.to_string(), "208-01");
    assert!(p.poll_cdr().is_none());

    let c2 = p
        .create_session(Micros(2_000), &req("310410000100001", "IMS"))
        .unwrap();
    assert_eq!(c2.paa, Ipv4Addr::new(10, 45, 0, 3));
    assert_eq!(c2.charging_id, 2);
    assert_ne!(c2.pgw_control.teid, c.pgw_control.teid);

    let m = p
        .modify_bearer(
            Micros(3_000),
            c.pgw_control.teid,
            &ModifyBearerRequest {
                ebi: 5,
                sgw_user: sgw(0x3333),
                sgw_control: Some(sgw(0x4444)),
                serving_network: Some("234-15".parse().unwrap()),
            },
        )
        .unwrap();
    assert_eq!(m.sgw_control_teid, 0x4444);
    let s = p.session(c.pgw_control.teid).unwrap();
    assert_eq!(s.sgw_user.teid, 0x3333);

    let d = p.delete_session(Micros(9_000), c.pgw_control.teid).unwrap();
    assert_eq!(d.sgw_control_teid, 0x4444);
    p.poll_cdr().unwrap(); // c2's start
    let stop = p.poll_cdr().unwrap();
    assert_eq!(stop.kind, CdrKind::Stop);
    assert_eq!(
        (stop.start_us, stop.stop_us),
        (Micros(1_000), Some(Micros(9_000)))
    );
    assert_eq!(stop.charging_id, 1);
    assert_eq!(stop.paa, Ipv4Addr::new(10, 45, 0, 2));
    assert_eq!(
        stop.serving_network.to_string(),
        "234-15",
        "moved by the Modify Bearer"
    );
    assert_eq!(p.session_count(), 1);

    let k = p.counters();
    assert_eq!(k.get(PgwMessage::CreateSession, 16), 2);
    assert_eq!(k.get(PgwMessage::ModifyBearer, 16), 1);
    assert_eq!(k.get(PgwMessage::DeleteSession, 16), 1);
    assert_eq!(k.cdrs, 3);
    assert!(k.to_string().contains("s8.create_session 16 2\n"), "{k}");
}

#[test]
fn unknown_teid_or_ebi_is_context_not_found() {
    let mut p = pgw("10.45.0.0/16");
    assert_eq!(p.delete_session(Micros(0), 42).unwrap_err().cause(), 64);
    let c = p
        .create_session(Micros(0), &req("310410000100000", "internet"))
        .unwrap();
    let bad_ebi = ModifyBearerRequest {
        ebi: 6,
        sgw_user: sgw(1),
        sgw_control: None,
        serving_network: None,
    };
    assert_eq!(
        p.modify_bearer(Micros(0), c.pgw_control.teid, &bad_ebi),
        Err(PgwError::ContextNotFound)
    );
    p.delete_session(Micros(1), c.pgw_control.teid).unwrap();
    assert_eq!(
        p.delete_session(Micros(2), c.pgw_control.teid)
            .unwrap_err()
            .cause(),
        64,
        "second delete"
    );
    assert_eq!(p.counters().get(PgwMessage::DeleteSession, 64), 2);
}

#[test]
fn unknown_apn_is_78() {
    let mut p = pgw("10.45.0.0/16");
    let e = p
        .create_session(Micros(0), &req("310410000100000", "mms"))
        .unwrap_err();
    assert_eq!(e.cause(), 78);
    assert!(p.poll_cdr().is_none());
}

#[test]
fn pool_exhaustion_is_73_and_release_reuses() {
    // /29: 8 addresses; .0 network, .1 gateway, .7 broadcast: .2 ..= .6 usable.
    let mut p = pgw("10.45.0.0/29");
    let mut teids = Vec::new();
    for i in 0..5 {
        let c = p
            .create_session(Micros(0), &req(&format!("31041000010000{i}"), "internet"))
            .unwrap();
        assert_eq!(c.paa, Ipv4Addr::new(10, 45, 0, 2 + i));
        teids.push(c.pgw_control.teid);
    }
    let e = p
        .create_session(Micros(0), &req("310410000100009", "internet"))
        .unwrap_err();
    assert_eq!((e, e.cause()), (PgwError::NoResources, 73));
    p.delete_session(Micros(1), teids[1]).unwrap();
    let c = p
        .create_session(Micros(2), &req("310410000100009", "internet"))
        .unwrap();
    assert_eq!(c.paa, Ipv4Addr::new(10, 45, 0, 3));
    assert_eq!(p.counters().get(PgwMessage::CreateSession, 73), 1);
}

#[test]
fn restart_bumps_recovery_and_forgets_sessions() {
    let mut p = pgw("10.45.0.0/16");
    let c = p
        .create_session(Micros(0), &req("310410000100000", "internet"))
        .unwrap();
    p.restart();
    assert_eq!(p.recovery(), 8);
    assert_eq!(p.session_count(), 0);
    assert_eq!(
        p.delete_session(Micros(1), c.pgw_control.teid)
            .unwrap_err()
            .cause(),
        64
    );
}

#[test]
fn cdr_queue_is_bounded() {
    let mut p = pgw("10.45.0.0/16");
    p.set_cdr_queue_limit(2);
    for i in 0..3 {
        p.create_session(Micros(0), &req(&format!("31041000010000{i}"), "internet"))
            .unwrap();
    }
    assert_eq!((p.counters().cdrs, p.counters().cdrs_dropped), (2, 1));
    assert!(p.poll_cdr().is_some() && p.poll_cdr().is_some() && p.poll_cdr().is_none());
}

#[test]
fn default_profile_pgw() {
    let profile = crate::model::config::Profile::embedded_default();
    let mut p = Pgw::new(&profile.home.pgw, 1);
    let c = p
        .create_session(Micros(0), &req("310410000100000", "internet"))
        .unwrap();
    assert!(profile.home.pgw.paa_pool.contains(c.paa));
}

#[test]
fn a_restarted_sgws_sessions_are_released_with_stop_records() {
    let mut p = pgw("10.45.0.0/29");
    let other = Fteid {
        teid: 0x3333,
        ipv4: Ipv4Addr::new(10, 0, 0, 9),
    };
    let a = p
        .create_session(Micros(1), &req("310410000100000", "internet"))
        .unwrap();
    p.create_session(Micros(2), &req("310410000100001", "internet"))
        .unwrap();
    let kept = p
        .create_session(
            Micros(3),
            &CreateSessionRequest {
                sgw_control: other,
                ..req("310410000100002", "internet")
            },
        )
        .unwrap();
    while p.poll_cdr().is_some() {}
    assert_eq!(p.release_peer(Micros(10), Ipv4Addr::new(127, 0, 0, 1)), 2);
    assert_eq!(p.session_count(), 1);
    assert!(p.session(kept.pgw_control.teid).is_some());
    assert!(p.session(a.pgw_control.teid).is_none());
    let stops: Vec<_> = std::iter::from_fn(|| p.poll_cdr()).collect();
    assert_eq!(stops.len(), 2);
    assert!(stops
        .iter()
        .all(|c| c.kind == CdrKind::Stop && c.stop_us == Some(Micros(10))));
    assert_eq!(p.counters().released_on_peer_restart, 2);
    // Their addresses are free again: a /29 has 4 usable, 1 held, so 3 more fit.
    for i in 0..3 {
        p.create_session(Micros(20), &req(&format!("31041000010001{i}"), "internet"))
            .unwrap();
    }
    assert_eq!(p.release_peer(Micros(30), Ipv4Addr::new(192, 0, 2, 1)), 0);
}

#[test]
fn a_create_session_colliding_with_a_pdn_connection_replaces_it() {
    let mut p = pgw("10.45.0.0/16");
    let first = p
        .create_session(Micros(1), &req("310410000100000", "internet"))
        .unwrap();
    // Another APN on another bearer of the same roamer: no collision.
    let ims = p
        .create_session(
            Micros(2),
            &CreateSessionRequest {
                ebi: 6,
                ..req("310410000100000", "ims")
            },
        )
        .unwrap();
    while p.poll_cdr().is_some() {}
    // The same IMSI and EBI again (a new SGW after a PLMN change, or a UE that re-attached).
    let second = p
        .create_session(Micros(3), &req("310410000100000", "internet"))
        .unwrap();
    assert_ne!(second.pgw_control.teid, first.pgw_control.teid);
    assert!(p.session(first.pgw_control.teid).is_none());
    assert!(p.session(ims.pgw_control.teid).is_some());
    assert_eq!(p.session_count(), 2);
    assert_eq!(p.counters().replaced_on_collision, 1);
    let stop = p.poll_cdr().unwrap();
    assert_eq!(
        (stop.kind, stop.charging_id),
        (CdrKind::Stop, first.charging_id)
    );
    // The old SGW's Delete Session then finds nothing; the new session is untouched.
    assert_eq!(
        p.delete_session(Micros(4), first.pgw_control.teid),
        Err(PgwError::ContextNotFound)
    );
    assert!(p.delete_session(Micros(5), second.pgw_control.teid).is_ok());
    // Deleted, it no longer collides.
    p.create_session(Micros(6), &req("310410000100000", "internet"))
        .unwrap();
    assert_eq!(p.counters().replaced_on_collision, 1);
}
