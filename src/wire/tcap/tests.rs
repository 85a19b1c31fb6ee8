//! TCAP codec: the byte layout of a Begin with AARQ (Q.773 §4.2), each message kind and
//! component round-tripping, and errors naming the field.

use proptest::prelude::*;

use super::*;

const INFO_RETRIEVAL_V3: Acn = Acn {
    context: 14,
    version: 3,
};

fn bytes(m: &Message<'_>) -> Vec<u8> {
    let mut v = vec![0u8; m.buffer_len()];
    assert_eq!(m.emit(&mut v).unwrap(), v.len());
    v
}

#[test]
fn begin_with_aarq_and_invoke_has_the_q773_layout() {
    // SendAuthenticationInfoArg { imsi [0] 001010123456789, numberOfRequestedVectors 1 }
    let arg = [
        0x30, 0x0d, 0x80, 0x08, 0x00, 0x01, 0x10, 0x32, 0x54, 0x76, 0x98, 0xf0, 0x02, 0x01, 0x01,
    ];
    let comps = [Component::Invoke {
        invoke_id: 1,
        linked_id: None,
        opcode: 56,
        parameter: Some(&arg),
    }];
    let m = Message {
        kind: Kind::Begin,
        otid: Some(0x0102_0304),
        dtid: None,
        dialogue: Some(Dialogue::Request {
            acn: INFO_RETRIEVAL_V3,
        }),
        p_abort: None,
        components: Components::List(&comps),
    };
    let b = bytes(&m);
    let dialogue = [
        0x6b, 0x1e, 0x28, 0x1c, 0x06, 0x07, 0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01, 0xa0, 0x11,
        0x60, 0x0f, 0x80, 0x02, 0x07, 0x80, 0xa1, 0x09, 0x06, 0x07, 0x04, 0x00, 0x00, 0x01, 0x00,
        0x0e, 0x03,
    ];
    assert_eq!(&b[2..8], &[0x48, 0x04, 1, 2, 3, 4]);
    assert_eq!(&b[8..8 + dialogue.len()], &dialogue);
    let comp = &b[8 + dialogue.len()..];
    assert_eq!(
        &comp[..8],
        &[0x6c, 0x17, 0xa1, 0x15, 0x02, 0x01, 0x01, 0x02]
    );
    assert_eq!(&comp[8..10], &[0x01, 56]);
    assert_eq!(&comp[10..], &arg);
    assert_eq!(b[0], 0x62);
    assert_eq!(b[1] as usize, b.len() - 2);

    let back = Message::parse(&b).unwrap();
    assert_eq!(back.kind, Kind::Begin);
    assert_eq!(back.otid, Some(0x0102_0304));
    assert_eq!(back.dialogue, m.dialogue);
    let got: Vec<_> = back.components.iter().collect::<Result<_, _>>().unwrap();
    assert_eq!(got, comps);
}

fn every_component(p: &[u8]) -> Vec<Component<'_>> {
    vec![
        Component::Invoke {
            invoke_id: 2,
            linked_id: Some(1),
            opcode: 7,
            parameter: Some(p),
        },
        Component::ReturnResultLast {
            invoke_id: 1,
            result: Some((2, Some(p))),
        },
        Component::ReturnResultLast {
            invoke_id: -3,
            result: None,
        },
        Component::ReturnError {
            invoke_id: 1,
            error_code: 8,
            parameter: Some(p),
        },
        Component::ReturnError {
            invoke_id: 1,
            error_code: 34,
            parameter: None,
        },
        Component::Reject {
            invoke_id: None,
            problem: Problem { kind: 0, code: 2 },
        },
        Component::Reject {
            invoke_id: Some(5),
            problem: Problem { kind: 1, code: 1 },
        },
    ]
}

fn every_message<'a>(comps: &'a [Component<'a>]) -> Vec<Message<'a>> {
    let base = Message {
        kind: Kind::Continue,
        otid: Some(7),
        dtid: Some(0xffff_ffff),
        dialogue: Some(Dialogue::Response {
            acn: INFO_RETRIEVAL_V3,
            result: AssociateResult::Accepted,
            diagnostic: Diagnostic::User(0),
        }),
        p_abort: None,
        components: Components::List(comps),
    };
    vec![
        base,
        Message {
            kind: Kind::End,
            otid: None,
            dialogue: None,
            ..base
        },
        Message {
            kind: Kind::Abort,
            otid: None,
            dialogue: Some(Dialogue::Response {
                acn: Acn {
                    context: 1,
                    version: 2,
                },
                result: AssociateResult::RejectPermanent,
                diagnostic: Diagnostic::ACN_NOT_SUPPORTED,
            }),
            components: Components::NONE,
            ..base
        },
        Message {
            kind: Kind::Abort,
            otid: None,
            dialogue: None,
            p_abort: Some(p_abort::RESOURCE_LIMITATION),
            components: Components::NONE,
            ..base
        },
        Message {
            kind: Kind::Abort,
            otid: None,
            dialogue: Some(Dialogue::Abort { by_provider: false }),
            components: Components::NONE,
            ..base
        },
    ]
}

#[test]
fn errors_name_the_field() {
    // A Continue without dtid.
    assert_eq!(
        Message::parse(&[0x65, 0x03, 0x48, 0x01, 0x01]),
        Err(Error::Field("dtid"))
    );
    // Unidirectional is not handled.
    assert_eq!(
        Message::parse(&[0x61, 0x00]),
        Err(Error::UnsupportedMessage(1))
    );
    // A 5-octet transaction id.
    assert_eq!(
        Message::parse(&[0x62, 0x07, 0x48, 0x05, 1, 2, 3, 4, 5]),
        Err(Error::Field("otid"))
    );
}

proptest! {
    #[test]
    fn messages_round_trip(p in proptest::collection::vec(any::<u8>(), 0..200)) {
        // Any parameter as an OCTET STRING.
        let mut param = vec![0u8; p.len() + 4];
        let mut w = RevWriter::new(&mut param);
        w.octets(Tag { class: Class::Universal, constructed: false, number: 4 }, &p);
        let n = w.finish().unwrap();
        let param = &param[param.len() - n..];
        let comps = every_component(param);
        for m in every_message(&comps) {
            let b = bytes(&m);
            let back = Message::parse(&b).unwrap();
            prop_assert_eq!(back.kind, m.kind);
            prop_assert_eq!(back.otid, m.otid);
            prop_assert_eq!(back.dtid, m.dtid);
            prop_assert_eq!(back.dialogue, m.dialogue);
            prop_assert_eq!(back.p_abort, m.p_abort);
            let got: Vec<_> = back.components.iter().collect::<Result<_, _>>().unwrap();
            let want: Vec<_> = m.components.iter().collect::<Result<_, _>>().unwrap();
            prop_assert_eq!(got, want);
            prop_assert_eq!(bytes(&back), b);
        }
    }

    #[test]
    fn parse_never_panics(b in proptest::collection::vec(any::<u8>(), 0..120)) {
        if let Ok(m) = Message::parse(&b) {
            for c in m.components.iter() {
                let _ = c;
            }
        }
    }
}
