//! M3UA codec: known encodings (RFC 4666 §3) and a round trip of every message.

use proptest::prelude::*;

use super::*;

fn bytes(m: &Message<'_>) -> Vec<u8> {
    let mut v = vec![0u8; m.buffer_len()];
    assert_eq!(m.emit(&mut v).unwrap(), v.len());
    v
}

#[test]
fn aspup_and_aspac_have_the_rfc_layout() {
    let up = Message::AspUp {
        asp_id: None,
        info: None,
    };
    assert_eq!(bytes(&up), [1, 0, 3, 1, 0, 0, 0, 8]);
    let ac = Message::AspActive(Asptm {
        mode: Some(TrafficMode::Loadshare),
        routing_context: Some(7),
        info: None,
    });
    assert_eq!(
        bytes(&ac),
        [1, 0, 4, 1, 0, 0, 0, 24, 0, 0x0b, 0, 8, 0, 0, 0, 2, 0, 6, 0, 8, 0, 0, 0, 7]
    );
}

#[test]
fn data_carries_the_routing_label_and_pads_the_user_data() {
    let m = Message::Data {
        network_appearance: None,
        routing_context: Some(1),
        data: ProtocolData {
            opc: 0x0102,
            dpc: 0x0203,
            si: SI_SCCP,
            ni: 0,
            mp: 0,
            sls: 5,
            data: &[0xaa, 0xbb, 0xcc],
        },
        correlation_id: None,
    };
    let b = bytes(&m);
    // Header, RC (8), Protocol Data header (4) + label (12) + 3 octets + 1 pad.
    assert_eq!(b.len(), 8 + 8 + 20);
    assert_eq!(&b[16..20], &[0x02, 0x10, 0, 19]);
    assert_eq!(&b[28..32], &[3, 0, 0, 5]);
    let (back, len) = Message::parse(&b).unwrap();
    assert_eq!(len, b.len());
    assert_eq!(back, m);
}

#[test]
fn errors_name_the_parameter() {
    // NTFY without Status.
    assert_eq!(
        Message::parse(&[1, 0, 0, 1, 0, 0, 0, 8]),
        Err(Error::MissingParameter { tag: tag::STATUS })
    );
    // A Traffic Mode Type of 9.
    let b = [1, 0, 4, 1, 0, 0, 0, 16, 0, 0x0b, 0, 8, 0, 0, 0, 9];
    assert_eq!(
        Message::parse(&b),
        Err(Error::BadParameter {
            tag: tag::TRAFFIC_MODE
        })
    );
    // A parameter running past the message.
    let b = [1, 0, 3, 3, 0, 0, 0, 12, 0, 9, 0, 9];
    assert_eq!(
        Message::parse(&b),
        Err(Error::BadParameterLength {
            tag: tag::HEARTBEAT_DATA
        })
    );
    assert_eq!(
        Message::parse(&[2, 0, 3, 1, 0, 0, 0, 8]),
        Err(Error::BadVersion(2))
    );
    assert_eq!(
        Message::parse(&[1, 0, 9, 1, 0, 0, 0, 8]),
        Err(Error::Unsupported { class: 9, kind: 1 })
    );
}

#[test]
fn a_parameter_over_its_length_field_is_refused() {
    let big = vec![0u8; 70_000];
    let m = Message::Beat { data: Some(&big) };
    let mut buf = vec![0u8; m.buffer_len()];
    assert_eq!(
        m.emit(&mut buf),
        Err(Error::BadParameterLength {
            tag: tag::HEARTBEAT_DATA
        })
    );
}

#[test]
fn unknown_optional_parameters_are_skipped() {
    let b = [1, 0, 3, 4, 0, 0, 0, 16, 0x7f, 0x01, 0, 5, 9, 0, 0, 0];
    let (m, _) = Message::parse(&b).unwrap();
    assert_eq!(
        m,
        Message::AspUpAck {
            asp_id: None,
            info: None
        }
    );
}

fn every_message<'a>(pcs: &'a [u32], data: &'a [u8]) -> Vec<Message<'a>> {
    let a = Asptm {
        mode: Some(TrafficMode::Override),
        routing_context: Some(3),
        info: Some(b"roamsim"),
    };
    let ia = Asptm { mode: None, ..a };
    let s = Ssnm {
        network_appearance: Some(1),
        routing_context: Some(3),
        affected: PointCodes::List(pcs),
        info: None,
    };
    vec![
        Message::Err {
            code: error_code::INVALID_ROUTING_CONTEXT,
            routing_context: Some(4),
            affected: None,
            diagnostic: Some(data),
        },
        Message::Notify {
            status: Status::AS_ACTIVE,
            asp_id: Some(9),
            routing_context: Some(3),
            info: None,
        },
        Message::Data {
            network_appearance: Some(2),
            routing_context: None,
            data: ProtocolData {
                opc: 100,
                dpc: 200,
                si: SI_SCCP,
                ni: 2,
                mp: 1,
                sls: 15,
                data,
            },
            correlation_id: Some(77),
        },
        Message::Duna(s),
        Message::Dava(s),
        Message::Daud(s),
        Message::AspUp {
            asp_id: Some(1),
            info: None,
        },
        Message::AspDown { info: None },
        Message::Beat { data: Some(data) },
        Message::AspUpAck {
            asp_id: None,
            info: Some(b"x"),
        },
        Message::AspDownAck { info: None },
        Message::BeatAck { data: Some(data) },
        Message::AspActive(a),
        Message::AspInactive(ia),
        Message::AspActiveAck(a),
        Message::AspInactiveAck(ia),
    ]
}

/// Compares after a round trip: point codes come back as wire bytes.
fn same(a: &Message<'_>, b: &Message<'_>) -> bool {
    bytes(a) == bytes(b)
}

proptest! {
    #[test]
    fn every_message_round_trips(
        pcs in proptest::collection::vec(0u32..0x00ff_ffff, 1..4),
        data in proptest::collection::vec(any::<u8>(), 1..40),
    ) {
        for m in every_message(&pcs, &data) {
            let b = bytes(&m);
            let (back, len) = Message::parse(&b).unwrap();
            prop_assert_eq!(len, b.len());
            prop_assert!(same(&back, &m), "{} changed", m.name());
            if let Message::Duna(s) = back {
                prop_assert_eq!(s.affected.iter().collect::<Vec<_>>(), pcs.clone());
            }
        }
    }

    #[test]
    fn parse_never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = Message::parse(&b);
    }
}
