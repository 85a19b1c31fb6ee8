//! The ASP state machine against a scripted SGP, the dialogue layer's timers and P-Aborts, and
//! the SIGTRAN framing round trip.

use super::asp::{self, Asp, Received};
use super::dialogue::{AbortCause, Dialogues, Event, MEDIUM_TIMER};
use super::sigtran::{self, Route};
use crate::model::time::Micros;
use crate::wire::m3ua::{self, Asptm, Message, PointCodes, Ssnm, Status, TrafficMode};
use crate::wire::map::{self, op};
use crate::wire::sccp::{self, Address, GlobalTitle};
use crate::wire::tcap;

const ROUTE: Route = Route {
    opc: 200,
    dpc: 100,
    ni: 0,
    routing_context: Some(7),
};

fn addr(digits: &str, ssn: u8) -> Address {
    Address::gt(GlobalTitle::e164(digits).unwrap(), ssn)
}

fn emit(m: &Message<'_>) -> Vec<u8> {
    let mut v = vec![0u8; m.buffer_len()];
    m.emit(&mut v).unwrap();
    v
}

/// Everything the ASP wants to send, parsed back to (stream, class/type name).
fn sent(a: &mut Asp) -> Vec<(u16, &'static str, Vec<u8>)> {
    let mut buf = [0u8; 512];
    let mut out = Vec::new();
    while let Some((stream, n)) = a.poll_transmit(&mut buf) {
        let (m, _) = Message::parse(&buf[..n]).unwrap();
        out.push((stream, m.name(), buf[..n].to_vec()));
    }
    out
}

fn active_asp() -> Asp {
    let mut a = Asp::new(asp::Config {
        asp_id: Some(1),
        mode: TrafficMode::Loadshare,
        route: ROUTE,
        streams: 4,
        beat: Some(Micros::from_secs(30)),
    });
    a.handle_connected(Micros::ZERO);
    assert_eq!(sent(&mut a)[0].1, "ASPUP");
    let up_ack = emit(&Message::AspUpAck {
        asp_id: None,
        info: None,
    });
    a.handle_message(Micros::ZERO, &up_ack).unwrap();
    let ac = sent(&mut a);
    assert_eq!(ac[0].1, "ASPAC");
    let (m, _) = Message::parse(&ac[0].2).unwrap();
    assert_eq!(
        m,
        Message::AspActive(Asptm {
            mode: Some(TrafficMode::Loadshare),
            routing_context: Some(7),
            info: None
        })
    );
    let ac_ack = emit(&Message::AspActiveAck(Asptm::default()));
    a.handle_message(Micros::ZERO, &ac_ack).unwrap();
    assert_eq!(a.poll_event(), Some(asp::Event::Active));
    assert_eq!(a.state(), asp::State::Active);
    a
}

#[test]
fn asp_comes_up_retransmits_and_beats() {
    let mut a = Asp::new(asp::Config {
        asp_id: None,
        mode: TrafficMode::Override,
        route: ROUTE,
        streams: 2,
        beat: None,
    });
    a.handle_connected(Micros::ZERO);
    assert_eq!(sent(&mut a).len(), 1);
    // No ASPUP ACK within T(ack): ASPUP again, on stream 0.
    assert_eq!(a.poll_timeout(), Some(asp::T_ACK));
    a.handle_timeout(asp::T_ACK);
    let again = sent(&mut a);
    assert_eq!((again[0].0, again[0].1), (0, "ASPUP"));

    let mut a = active_asp();
    assert_eq!(a.poll_timeout(), Some(Micros::from_secs(30)));
    a.handle_timeout(Micros::from_secs(30));
    let beat = sent(&mut a);
    assert_eq!(beat[0].1, "BEAT");
    // A BEAT from the peer is echoed.
    let peer_beat = emit(&Message::Beat { data: Some(b"hi") });
    a.handle_message(Micros::from_secs(31), &peer_beat).unwrap();
    let ack = sent(&mut a);
    let (m, _) = Message::parse(&ack[0].2).unwrap();
    assert_eq!(m, Message::BeatAck { data: Some(b"hi") });
    // Ours goes unanswered for an interval.
    a.handle_timeout(Micros::from_secs(60));
    assert_eq!(a.poll_event(), Some(asp::Event::BeatLost));
}

#[test]
fn asp_closes_with_aspia_then_aspdn() {
    let mut a = active_asp();
    a.handle_close();
    let names: Vec<&str> = sent(&mut a).iter().map(|m| m.1).collect();
    assert_eq!(names, ["ASPIA", "ASPDN"]);
    a.handle_message(
        Micros::ZERO,
        &emit(&Message::AspInactiveAck(Asptm::default())),
    )
    .unwrap();
    assert_eq!(a.poll_event(), Some(asp::Event::Inactive));
    a.handle_message(Micros::ZERO, &emit(&Message::AspDownAck { info: None }))
        .unwrap();
    assert_eq!(a.state(), asp::State::Down);
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn asp_sends_data_per_sls_stream_and_honours_duna_dava_and_override() {
    let mut a = active_asp();
    let (hlr, vlr) = (addr("31612000001", sccp::ssn::HLR), addr("447900000001", 7));
    for sls in [0u8, 1, 2, 3, 4] {
        a.send(sls, &hlr, &vlr, &[0x62, 0x00]).unwrap();
    }
    let data = sent(&mut a);
    let streams: Vec<u16> = data.iter().map(|d| d.0).collect();
    assert_eq!(streams, [1, 2, 3, 1, 2], "SLS spread over streams 1..=3");
    let inbound = sigtran::unwrap(&data[1].2).unwrap();
    assert_eq!((inbound.opc, inbound.dpc, inbound.sls), (200, 100, 1));
    assert_eq!(inbound.called, hlr);
    assert_eq!(inbound.tcap, &[0x62, 0x00]);
    assert_eq!(
        a.handle_message(Micros::ZERO, &data[0].2),
        Ok(Received::Data)
    );

    let pcs = [100u32];
    let s = Ssnm {
        network_appearance: None,
        routing_context: Some(7),
        affected: PointCodes::List(&pcs),
        info: None,
    };
    a.handle_message(Micros::ZERO, &emit(&Message::Duna(s)))
        .unwrap();
    assert_eq!(a.poll_event(), Some(asp::Event::Unavailable(100)));
    assert_eq!(
        a.send(0, &hlr, &vlr, &[0x62, 0x00]),
        Err(asp::Error::Unavailable(100))
    );
    a.handle_message(Micros::ZERO, &emit(&Message::Dava(s)))
        .unwrap();
    assert_eq!(a.poll_event(), Some(asp::Event::Available(100)));
    a.send(0, &hlr, &vlr, &[0x62, 0x00]).unwrap();

    let ntfy = Message::Notify {
        status: Status::ALTERNATE_ASP_ACTIVE,
        asp_id: None,
        routing_context: Some(7),
        info: None,
    };
    a.handle_message(Micros::ZERO, &emit(&ntfy)).unwrap();
    assert_eq!(a.poll_event(), Some(asp::Event::Inactive));
    assert_eq!(
        a.send(0, &hlr, &vlr, &[0x62, 0x00]),
        Err(asp::Error::NotActive)
    );
    assert!(matches!(
        a.handle_message(Micros::ZERO, &[1, 0, 3]),
        Err(asp::Error::M3ua(m3ua::Error::Truncated))
    ));
}

#[test]
fn dialogue_timer_aborts_and_unknown_transactions_get_a_p_abort() {
    let vlr = addr("447900000001", sccp::ssn::VLR);
    let hlr = addr("31612000001", sccp::ssn::HLR);
    let mut d = Dialogues::new(vlr, 1, MEDIUM_TIMER);
    let acn = map::acn_for(op::UPDATE_LOCATION, 3).unwrap();
    let id = d.begin(Micros::ZERO, hlr, acn, op::UPDATE_LOCATION, &[0x30, 0x00]);
    let mut buf = [0u8; 300];
    let (to, n) = d.poll_transmit(&mut buf).unwrap();
    assert_eq!(to, hlr);
    let begin = tcap::Message::parse(&buf[..n]).unwrap();
    assert_eq!(begin.kind, tcap::Kind::Begin);
    assert_eq!(d.poll_timeout(), Some(MEDIUM_TIMER));
    // The HLR answers with a Continue (its otid 9): the timer stops.
    let cont = tcap::Message {
        kind: tcap::Kind::Continue,
        otid: Some(9),
        dtid: Some(id),
        dialogue: None,
        p_abort: None,
        components: tcap::Components::NONE,
    };
    let mut cb = vec![0u8; cont.buffer_len()];
    cont.emit(&mut cb).unwrap();
    d.handle_tcap(hlr, &cb).unwrap();
    assert_eq!(d.poll_timeout(), None);
    // Our invoke inside it times out: TC-U-ABORT to the HLR's transaction 9.
    d.invoke(
        Micros::from_secs(1),
        id,
        2,
        op::INSERT_SUBSCRIBER_DATA,
        &[0x30, 0x00],
    )
    .unwrap();
    let _ = d.poll_transmit(&mut buf);
    d.handle_timeout(Micros::from_secs(1) + MEDIUM_TIMER);
    assert_eq!(
        d.poll_event(),
        Some(Event::Aborted {
            id,
            cause: AbortCause::Timeout
        })
    );
    let (_, n) = d.poll_transmit(&mut buf).unwrap();
    let abort = tcap::Message::parse(&buf[..n]).unwrap();
    assert_eq!((abort.kind, abort.dtid), (tcap::Kind::Abort, Some(9)));
    assert!(d.is_empty());
    // A Continue for a transaction nobody has: P-Abort unrecognizedTransactionID.
    d.handle_tcap(hlr, &cb).unwrap();
    let (_, n) = d.poll_transmit(&mut buf).unwrap();
    let pa = tcap::Message::parse(&buf[..n]).unwrap();
    assert_eq!(pa.p_abort, Some(tcap::p_abort::UNRECOGNIZED_TRANSACTION_ID));
    assert_eq!(pa.dtid, Some(9));
}

#[test]
fn sigtran_refuses_what_is_not_sccp_data() {
    let up = emit(&Message::AspUp {
        asp_id: None,
        info: None,
    });
    assert_eq!(sigtran::unwrap(&up), Err(sigtran::Error::NotData("ASPUP")));
    let d = Message::Data {
        network_appearance: None,
        routing_context: None,
        data: m3ua::ProtocolData {
            opc: 1,
            dpc: 2,
            si: 5,
            ni: 0,
            mp: 0,
            sls: 0,
            data: &[1],
        },
        correlation_id: None,
    };
    assert_eq!(sigtran::unwrap(&emit(&d)), Err(sigtran::Error::NotSccp(5)));
}

#[test]
fn a_returned_begin_aborts_its_dialogue() {
    let vlr = addr("447900000001", sccp::ssn::VLR);
    let hlr = addr("31612000001", sccp::ssn::HLR);
    let mut d = Dialogues::new(vlr, 1, MEDIUM_TIMER);
    let acn = map::acn_for(op::PURGE_MS, 3).unwrap();
    let id = d.begin(Micros::ZERO, hlr, acn, op::PURGE_MS, &[0x30, 0x00]);
    let mut buf = [0u8; 300];
    let (_, n) = d.poll_transmit(&mut buf).unwrap();
    d.handle_returned(&buf[..n], sccp::return_cause::NO_TRANSLATION_FOR_ADDRESS);
    assert_eq!(
        d.poll_event(),
        Some(Event::Aborted {
            id,
            cause: AbortCause::Returned(sccp::return_cause::NO_TRANSLATION_FOR_ADDRESS)
        })
    );
    assert_eq!(d.poll_timeout(), None);
}
