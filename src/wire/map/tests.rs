//! MAP parameters: known encodings (TS 29.002 §17.7.1 ASN.1) and a round trip of every type.

use proptest::prelude::*;

use super::*;

fn enc<'a, P: Param<'a>>(p: &P) -> Vec<u8> {
    let mut v = vec![0u8; p.buffer_len()];
    assert_eq!(p.emit(&mut v).unwrap(), v.len());
    v
}

fn imsi() -> Imsi {
    "001010123456789".parse().unwrap()
}

fn number(s: &str) -> Msisdn {
    s.parse().unwrap()
}

#[test]
fn sai_arg_v3_and_v2_layouts() {
    let a = SaiArg {
        imsi: imsi(),
        vectors: 2,
        resync: None,
        node: Some(NodeType::Vlr),
        plmn: None,
        v2: false,
    };
    assert_eq!(
        enc(&a),
        [
            0x30, 0x10, 0x80, 0x08, 0x00, 0x01, 0x01, 0x21, 0x43, 0x65, 0x87, 0xf9, 0x02, 0x01,
            0x02, 0x83, 0x01, 0x00
        ]
    );
    assert_eq!(SaiArg::parse(&enc(&a)).unwrap(), a);
    let v2 = SaiArg { v2: true, ..a };
    assert_eq!(enc(&v2)[..2], [0x04, 0x08]);
    let back = SaiArg::parse(&enc(&v2)).unwrap();
    assert_eq!(back.imsi, a.imsi);
    assert!(back.v2);
}

#[test]
fn ul_arg_layout() {
    let a = UlArg {
        imsi: imsi(),
        msc_number: number("4479000001"),
        vlr_number: number("4479000002"),
    };
    let b = enc(&a);
    assert_eq!(&b[..4], &[0x30, 0x1a, 0x04, 0x08]);
    assert_eq!(&b[12..15], &[0x81, 0x06, 0x91]);
    assert_eq!(&b[20..23], &[0x04, 0x06, 0x91]);
    assert_eq!(UlArg::parse(&b).unwrap(), a);
}

#[test]
fn cancel_location_and_purge_carry_tag_3() {
    let c = ClArg {
        imsi: imsi(),
        kind: Some(CancellationType::UpdateProcedure),
    };
    let b = enc(&c);
    assert_eq!(b[0], 0xa3);
    assert_eq!(&b[b.len() - 3..], &[0x0a, 0x01, 0x00]);
    assert_eq!(ClArg::parse(&b).unwrap(), c);
    let p = PurgeArg {
        imsi: imsi(),
        vlr_number: Some(number("4479000002")),
        sgsn_number: None,
    };
    assert_eq!(enc(&p)[0], 0xa3);
    assert_eq!(PurgeArg::parse(&enc(&p)).unwrap(), p);
}

#[test]
fn errors_name_the_field() {
    assert_eq!(UlArg::parse(&[0x30, 0x00]), Err(Error::Field("imsi")));
    assert_eq!(
        SaiRes::parse(&[0xa3, 0x00]),
        Err(Error::Field("authenticationSetList"))
    );
    assert!(matches!(
        ClArg::parse(&[0xa3, 0x05, 0x04]),
        Err(Error::Ber {
            field: "cancelLocationArg",
            ..
        })
    ));
}

#[test]
fn acn_table_and_fits() {
    let ul3 = acn_for(op::UPDATE_LOCATION, 3).unwrap();
    assert_eq!((ul3.context, ul3.version), (1, 3));
    assert!(fits(op::INSERT_SUBSCRIBER_DATA, ul3));
    assert!(!fits(op::SEND_AUTHENTICATION_INFO, ul3));
    assert_eq!(acn_for(op::UPDATE_GPRS_LOCATION, 3).unwrap().context, 32);
    assert_eq!(acn_for(op::PURGE_MS, 3).unwrap().context, 27);
    assert_eq!(acn_for(op::CANCEL_LOCATION, 3).unwrap().context, 2);
}

fn arr<const N: usize>(seed: u8) -> [u8; N] {
    std::array::from_fn(|i| seed.wrapping_add(i as u8))
}

proptest! {
    #[test]
    fn every_parameter_round_trips(seed in any::<u8>(), n in 1usize..=5, imsi_v in 100_000u64..999_999_999_999_999) {
        let imsi = Imsi::new(imsi_v, 15).unwrap();
        let mut triplets = [Triplet::default(); 5];
        let mut quints = [Quintuplet::default(); 5];
        for i in 0..n {
            triplets[i] = Triplet { rand: arr(seed ^ i as u8), sres: arr(seed), kc: arr(seed.wrapping_add(3)) };
            quints[i] = Quintuplet { rand: arr(seed), xres: { let mut x = [0u8; 16]; x[..8].copy_from_slice(&arr::<8>(1)); x }, xres_len: 8, ck: arr(2), ik: arr(3), autn: arr(seed ^ 7) };
        }
        for v2 in [false, true] {
            let t = SaiRes { sets: AuthSets::Triplets { items: triplets, len: n as u8 }, v2 };
            let back = SaiRes::parse(&enc(&t)).unwrap();
            prop_assert_eq!(back.sets.triplets(), t.sets.triplets());
        }
        let q = SaiRes { sets: AuthSets::Quintuplets { items: quints, len: n as u8 }, v2: false };
        let qb = SaiRes::parse(&enc(&q)).unwrap();
        prop_assert_eq!(qb.sets.quintuplets(), q.sets.quintuplets());
        let sai = SaiArg { imsi, vectors: n as u8, resync: Some((arr(seed), arr(seed))), node: Some(NodeType::Sgsn), plmn: Some(crate::model::ids::Plmn::new(1, 1, 2).unwrap()), v2: false };
        prop_assert_eq!(SaiArg::parse(&enc(&sai)).unwrap(), sai);
        let isd = IsdArg {
            imsi: Some(imsi),
            msisdn: Some(number("31612345678")),
            category: Some(0x0a),
            service_granted: Some(true),
            teleservices: &[0x11, 0x21, 0x22],
            pdp: Some(PdpContext { id: 1, pdp_type: [0xf1, 0x21], qos: [0x23, 0x93, 0x1f], apn: b"\x08internet" }),
            network_access_mode: Some(NetworkAccessMode::PacketAndCircuit),
        };
        let b = enc(&isd);
        prop_assert_eq!(IsdArg::parse(&b).unwrap(), IsdArg { teleservices: &[], ..isd });
        let ugl = UglArg { imsi, sgsn_number: number("4479000003"), sgsn_address: std::net::Ipv4Addr::new(10, 0, seed, 1) };
        prop_assert_eq!(UglArg::parse(&enc(&ugl)).unwrap(), ugl);
        let res = UlRes { hlr_number: number("31612345678") };
        prop_assert_eq!(UlRes::parse(&enc(&res)).unwrap(), res);
        let pr = PurgeRes { freeze_tmsi: seed % 2 == 0, freeze_ptmsi: true };
        prop_assert_eq!(PurgeRes::parse(&enc(&pr)).unwrap(), pr);
        let rna = RoamingNotAllowedParam { cause: RoamingNotAllowedParam::OPERATOR_DETERMINED_BARRING };
        prop_assert_eq!(RoamingNotAllowedParam::parse(&enc(&rna)).unwrap(), rna);
        let us = UnknownSubscriberParam { diagnostic: Some(0) };
        prop_assert_eq!(UnknownSubscriberParam::parse(&enc(&us)).unwrap(), us);
        let sf = SystemFailureParam { resource: 1 };
        prop_assert_eq!(SystemFailureParam::parse(&enc(&sf)).unwrap(), sf);
        prop_assert_eq!(Empty::parse(&enc(&Empty)).unwrap(), Empty);
    }

    #[test]
    fn parsers_never_panic(b in proptest::collection::vec(any::<u8>(), 0..100)) {
        let _ = SaiArg::parse(&b);
        let _ = SaiRes::parse(&b);
        let _ = UlArg::parse(&b);
        let _ = UlRes::parse(&b);
        let _ = IsdArg::parse(&b);
        let _ = ClArg::parse(&b);
        let _ = UglArg::parse(&b);
        let _ = PurgeArg::parse(&b);
        let _ = PurgeRes::parse(&b);
        let _ = RoamingNotAllowedParam::parse(&b);
        let _ = SystemFailureParam::parse(&b);
    }
}
