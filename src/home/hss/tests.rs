use super::*;
use crate::model::aka::{ue_authenticate, ue_auts};

const CAPTURE_CSV: &str = include_str!("../../../profiles/capture-subscribers.csv");
const A: &str = "310410000100000";
const B: &str = "310410000100001";
const MME1: &str = "mme1.epc.mnc001.mcc208.3gppnetwork.org";
const MME2: &str = "mme2.epc.mnc001.mcc208.3gppnetwork.org";
const REALM: &str = "epc.mnc001.mcc208.3gppnetwork.org";

fn imsi(s: &str) -> Imsi {
    s.parse().unwrap()
}

fn plmn(s: &str) -> Plmn {
    s.parse().unwrap()
}

fn hss() -> Hss {
    let p = Profile::embedded_default();
    let d = Directory::from_csv_text(&p, "capture-subscribers.csv", CAPTURE_CSV).unwrap();
    Hss::new(&p, d)
}

#[test]
fn air_gives_vectors_the_ue_accepts_with_sqn_stepping_by_32() {
    let mut h = hss();
    let v = h
        .authentication_info(imsi(A), plmn("208-01"), 3, None)
        .unwrap();
    assert_eq!(v.len(), 3);
    let sub = h.subscriber(imsi(A)).unwrap();
    let sn = plmn("208-01").to_tbcd();
    for (i, vec) in v.iter().enumerate() {
        let ue = ue_authenticate(&sub.k, &sub.opc, vec.rand, vec.autn).unwrap();
        assert_eq!(ue.sqn, 0x20 * (i as u64 + 1), "capture's 0x20, 0x40, 0x60");
        assert_eq!(ue.amf, [0x80, 0x00]);
        assert_eq!(ue.res, vec.xres);
        assert_eq!(ue.kasme(sn), vec.kasme);
    }
    assert_ne!(v[0].rand, v[1].rand);
    assert_eq!(h.sqn(imsi(A)), Some(0x60));
    let next = h
        .authentication_info(imsi(A), plmn("208-01"), 1, None)
        .unwrap();
    let ue = ue_authenticate(&sub.k, &sub.opc, next[0].rand, next[0].autn).unwrap();
    assert_eq!(ue.sqn, 0x80);
    assert_eq!(h.sqn(imsi(B)), Some(0), "per-subscriber SQN");
    assert_eq!(h.counters().get(HssMessage::Air, 2001), 2);
}

#[test]
fn vector_count_is_clamped() {
    let mut h = hss();
    let v0 = h
        .authentication_info(imsi(B), plmn("262-01"), 0, None)
        .unwrap();
    assert_eq!(v0.len(), 1);
    let v9 = h
        .authentication_info(imsi(B), plmn("262-01"), 9, None)
        .unwrap();
    assert_eq!(v9.len(), 5);
    assert_eq!(h.sqn(imsi(B)), Some(6 * 32));
}

#[test]
fn rands_are_deterministic_per_seed() {
    let (mut h1, mut h2) = (hss(), hss());
    let a = h1
        .authentication_info(imsi(A), plmn("208-01"), 2, None)
        .unwrap();
    let b = h2
        .authentication_info(imsi(A), plmn("208-01"), 2, None)
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn errors_map_to_diameter_codes() {
    let mut h = hss();
    let unknown = h.authentication_info(imsi("310410000999999"), plmn("208-01"), 1, None);
    assert_eq!(unknown.unwrap_err(), HssError::UserUnknown);
    assert_eq!(HssError::UserUnknown.code(), 5001);
    let e = h
        .update_location(imsi(B), plmn("001-01"), "mme1.test", "test", 0x22)
        .unwrap_err();
    assert_eq!(
        (e, e.code(), e.is_experimental()),
        (HssError::RoamingNotAllowed, 5004, true)
    );
    let e = h
        .update_location(imsi("310410000999999"), plmn("208-01"), MME1, REALM, 0x22)
        .unwrap_err();
    assert_eq!(e.code(), 5001);
    assert_eq!(HssError::UnknownEpsSubscription.code(), 5420);
    assert_eq!(HssError::AuthenticationDataUnavailable.code(), 4181);
    assert!(!HssError::TooBusy.is_experimental());
    assert_eq!(HssError::TooBusy.code(), 3004);
    assert_eq!(h.counters().get(HssMessage::Air, 5001), 1);
    assert_eq!(h.counters().get(HssMessage::Ulr, 5004), 1);
    assert_eq!(h.counters().get(HssMessage::Ulr, 5001), 1);
    assert!(
        h.registered_mme(imsi(B)).is_none(),
        "rejected ULR registers nothing"
    );
}

#[test]
fn resync_restarts_from_the_ue_sqn() {
    let mut h = hss();
    let sub = h.subscriber(imsi(A)).unwrap();
    let v = h
        .authentication_info(imsi(A), plmn("208-01"), 1, None)
        .unwrap();
    // The UE has already seen SQN 0x1000 (say, from an earlier HSS life) and asks to resync.
    let auts = ue_auts(&sub.k, &sub.opc, v[0].rand, 0x1000);
    let rs = Resync {
        rand: v[0].rand,
        auts,
    };
    let v2 = h
        .authentication_info(imsi(A), plmn("208-01"), 2, Some(rs))
        .unwrap();
    let sqns: Vec<u64> = v2
        .iter()
        .map(|x| {
            ue_authenticate(&sub.k, &sub.opc, x.rand, x.autn)
                .unwrap()
                .sqn
        })
        .collect();
    assert_eq!(sqns, [0x1020, 0x1040]);

    let mut forged = rs;
    forged.auts[13] ^= 1;
    let e = h.authentication_info(imsi(A), plmn("208-01"), 1, Some(forged));
    assert_eq!(e.unwrap_err(), HssError::AuthenticationDataUnavailable);
    assert_eq!(
        h.sqn(imsi(A)),
        Some(0x1040),
        "a forged AUTS changes nothing"
    );
}

#[test]
fn ulr_returns_subscription_data_like_the_capture() {
    let mut h = hss();
    let ul = h
        .update_location(imsi(A), plmn("208-01"), MME1, REALM, 0x22)
        .unwrap();
    assert_eq!(ul.ula_flags, 1);
    assert!(ul.cancel_old.is_none());
    let sd = ul.subscription.unwrap();
    assert_eq!(sd.msisdn.to_string(), "15550000000");
    assert_eq!(sd.apn.name, "internet");
    assert_eq!(sd.apn.qci, 9);
    assert_eq!(sd.apn.arp.priority_level, 9);
    assert_eq!(
        (sd.ue_ambr.uplink, sd.ue_ambr.downlink),
        (50_000_000, 100_000_000)
    );
    assert_eq!(h.registered_mme(imsi(A)).unwrap().host, MME1);
    let skip = h
        .update_location(imsi(A), plmn("208-01"), MME1, REALM, 0x02 | 0x04)
        .unwrap();
    assert!(skip.subscription.is_none());
}

#[test]
fn change_of_mme_cancels_the_old_one() {
    let mut h = hss();
    h.update_location(imsi(A), plmn("208-01"), MME1, REALM, 0x22)
        .unwrap();
    // The capture: mme2's ULR (flags 0x02) -> CLR to mme1, Cancellation-Type 0, CLR-Flags 1.
    let ul = h
        .update_location(imsi(A), plmn("208-01"), MME2, REALM, 0x02)
        .unwrap();
    let clr = ul.cancel_old.unwrap();
    assert_eq!(clr.imsi, imsi(A));
    assert_eq!(
        clr.peer,
        PeerRef {
            host: MME1.into(),
            realm: REALM.into()
        }
    );
    assert_eq!(clr.cancellation_type, CancellationType::MmeUpdateProcedure);
    assert_eq!(clr.cancellation_type.code(), 0);
    assert_eq!(clr.clr_flags, 1);
    h.cancel_ack(imsi(A), 2001);
    assert_eq!(h.registered_mme(imsi(A)).unwrap().host, MME2);

    // Same MME again: nothing to cancel.
    let again = h
        .update_location(imsi(A), plmn("208-01"), MME2, REALM, 0x02)
        .unwrap();
    assert!(again.cancel_old.is_none());

    // PLMN change with an initial attach in 234-15: INITIAL_ATTACH_PROCEDURE to mme2.
    let uk = h
        .update_location(
            imsi(A),
            plmn("234-15"),
            "mme1.epc.mnc015.mcc234.3gppnetwork.org",
            "epc.mnc015.mcc234.3gppnetwork.org",
            0x22,
        )
        .unwrap();
    let clr = uk.cancel_old.unwrap();
    assert_eq!(clr.peer.host, MME2);
    assert_eq!(
        clr.cancellation_type,
        CancellationType::InitialAttachProcedure
    );

    let c = h.counters();
    assert_eq!(c.get(HssMessage::Clr, 0), 2, "CLRs sent");
    assert_eq!(c.get(HssMessage::Clr, 2001), 1, "CLAs");
    assert_eq!(c.get(HssMessage::Ulr, 2001), 4);
    assert!(c.to_string().contains("s6a.clr 0 2\n"), "{c}");
}

#[test]
fn purge_only_from_the_registered_mme() {
    let mut h = hss();
    h.update_location(imsi(A), plmn("208-01"), MME1, REALM, 0x22)
        .unwrap();
    h.update_location(imsi(A), plmn("208-01"), MME2, REALM, 0x02)
        .unwrap();
    let stale = h.purge(imsi(A), MME1).unwrap();
    assert_eq!(stale.pua_flags, 0);
    assert_eq!(h.registered_mme(imsi(A)).unwrap().host, MME2);
    let p = h.purge(imsi(A), MME2).unwrap();
    assert_eq!(p.pua_flags, 1, "capture: PUA-Flags 1");
    assert!(h.registered_mme(imsi(A)).is_none());
    let ul = h
        .update_location(imsi(A), plmn("208-01"), MME1, REALM, 0x22)
        .unwrap();
    assert!(ul.cancel_old.is_none(), "purged: no one to cancel");
    assert_eq!(
        h.purge(imsi("310410000999999"), MME1).unwrap_err().code(),
        5001
    );
    assert_eq!(h.counters().get(HssMessage::Pur, 2001), 2);
    // SQN survives registration changes.
    h.authentication_info(imsi(A), plmn("208-01"), 1, None)
        .unwrap();
    h.purge(imsi(A), MME1).unwrap();
    assert_eq!(h.sqn(imsi(A)), Some(0x20));
}

#[test]
fn peer_admission() {
    let h = hss();
    assert_eq!(h.identity().host, "hss.epc.mnc410.mcc310.3gppnetwork.org");
    assert!(h.admit_peer(MME1, REALM).is_ok());
    assert!(h
        .admit_peer(
            "mme9.epc.mnc010.mcc440.3gppnetwork.org",
            "EPC.mnc010.mcc440.3gppnetwork.org"
        )
        .is_ok());
    let e = h
        .admit_peer(
            "mme1.epc.mnc001.mcc001.3gppnetwork.org",
            "epc.mnc001.mcc001.3gppnetwork.org",
        )
        .unwrap_err();
    assert_eq!(e.code(), 3010);
    let mut p = Profile::embedded_default();
    p.home.peers.allow_any = true;
    let open = Hss::new(&p, Directory::from_profile(&p));
    assert!(open.admit_peer("x", "y").is_ok());
}
