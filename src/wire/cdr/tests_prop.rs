//! Round-trip property tests: any PGW-CDR or SGW-CDR the struct can hold encodes, decodes to
//! the same record, and `emit`, `emit_fast` and `buffer_len` agree; any bytes decode to a
//! record or an error, never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| IpAddr::V6(Ipv6Addr::from(b))),
    ]
}

fn time() -> impl Strategy<Value = TimeStamp> {
    (946_684_800u64..4_102_444_799, -839i16..=839).prop_map(|(s, off)| TimeStamp::from_unix(s, off))
}

fn plmn() -> impl Strategy<Value = Plmn> {
    (0u16..1000, 0u16..100, prop_oneof![Just(2u8), Just(3u8)])
        .prop_map(|(mcc, mnc, d)| Plmn::new(mcc, mnc, d).unwrap())
}

fn container(kind: RecordKind) -> impl Strategy<Value = VolumeContainer> {
    let pgw = kind == RecordKind::Pgw;
    (
        any::<u32>(),
        any::<Option<u32>>(),
        proptest::option::of(time()),
        any::<Option<u32>>(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        time(),
        any::<Option<u8>>(),
    )
        .prop_map(
            move |(rg, lsn, first, tu, up, down, cond, report, qci)| VolumeContainer {
                rating_group: if pgw { rg } else { 0 },
                local_sequence_number: lsn.filter(|_| pgw),
                first_usage: first.filter(|_| pgw),
                last_usage: first.filter(|_| pgw),
                time_usage_s: tu.filter(|_| pgw),
                uplink: up,
                downlink: down,
                condition: cond,
                report_time: report,
                qci,
            },
        )
}

fn record() -> impl Strategy<Value = GwRecord> {
    prop_oneof![Just(RecordKind::Pgw), Just(RecordKind::Sgw)].prop_flat_map(|kind| {
        let ids = (
            proptest::option::of((0u64..1_000_000_000_000_000, 6u8..=15)),
            proptest::option::of((0u64..1_000_000_000_000_000, 1u8..=15)),
            ip(),
            ip(),
            proptest::option::of(ip()),
            "[a-z0-9.]{0,20}",
            "[a-z0-9.-]{0,63}",
        );
        let numbers = (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<Option<u32>>(),
            any::<Option<u32>>(),
            any::<Option<u8>>(),
            any::<[u8; 2]>(),
            any::<u8>(),
            any::<bool>(),
        );
        let times = (
            time(),
            proptest::option::of(time()),
            proptest::option::of(plmn()),
            proptest::option::of(plmn()),
            proptest::collection::vec(container(kind), 0..3),
            proptest::option::of(ip()),
            any::<Option<u32>>(),
        );
        (ids, numbers, times).prop_map(move |(ids, numbers, times)| {
            let (imsi, msisdn, gw, serving, ue, node_id, apn) = ids;
            let (cid, duration, cause, rsn, lsn, rat, cc, snt, dyn_flag) = numbers;
            let (opened, stop, vplmn, hplmn, volumes, used, pdn_cid) = times;
            GwRecord {
                kind,
                served_imsi: imsi.and_then(|(v, d)| Imsi::new(v % 10u64.pow(d.into()), d)),
                gw_address: gw,
                charging_id: cid,
                serving_node_address: serving,
                apn_ni: apn,
                pdp_pdn_type: Some(cc),
                served_pdp_pdn_address: ue,
                dynamic_address_flag: dyn_flag,
                record_opening_time: opened,
                duration_s: duration,
                cause_for_rec_closing: cause,
                record_sequence_number: rsn,
                node_id,
                local_sequence_number: lsn,
                apn_selection_mode: rat,
                served_msisdn: msisdn.and_then(|(v, d)| Msisdn::new(v % 10u64.pow(d.into()), d)),
                charging_characteristics: cc,
                ch_ch_selection_mode: rat,
                serving_node_plmn: vplmn,
                rat_type: rat,
                ms_time_zone: Some(cc),
                serving_node_type: snt,
                pgw_address_used: used.filter(|_| kind == RecordKind::Sgw),
                pgw_plmn: hplmn,
                start_time: Some(opened),
                stop_time: stop,
                pdn_connection_charging_id: pdn_cid,
                volumes,
            }
        })
    })
}

proptest! {
    #[test]
    fn fast_tbcd_matches_the_model(value in any::<u64>(), digits in 1u8..=15) {
        let v = value % 10u64.pow(digits.into());
        let imsi = Msisdn::new(v, digits).unwrap();
        let (want, n) = imsi.to_tbcd();
        let mut got = [0u8; 8];
        prop_assert_eq!(super::encode::tbcd(v, digits, &mut got), n);
        prop_assert_eq!(&got[..n], &want[..n]);
    }

    #[test]
    fn records_round_trip(r in record()) {
        let n = r.buffer_len();
        let mut a = vec![0u8; n];
        prop_assert_eq!(r.emit(&mut a), Ok(n));
        let mut b = vec![0u8; n + 64];
        prop_assert_eq!(r.emit_fast(&mut b), Ok(n));
        prop_assert_eq!(&a[..], &b[..n]);
        prop_assert_eq!(GwRecord::parse(&a), Ok(r));
    }

    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = GwRecord::parse(&bytes);
        let mut tagged = vec![0xbf, 0x4f, 0x81, bytes.len().min(255) as u8];
        tagged.extend_from_slice(&bytes[..bytes.len().min(255)]);
        let _ = GwRecord::parse(&tagged);
    }

    #[test]
    fn truncations_of_a_valid_record_are_errors(r in record(), cut in 0usize..400) {
        let bytes = r.to_vec().unwrap();
        let cut = cut % bytes.len();
        prop_assert!(GwRecord::parse(&bytes[..cut]).is_err());
    }
}
