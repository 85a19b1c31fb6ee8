//! Fuzz target: any bytes as an M3UA message (RFC 4666); a DATA's user data as an SCCP message
//! (Q.713), its user data as TCAP (Q.773), and each component's parameter as the MAP argument,
//! result or error parameter (TS 29.002) its code names. Nothing may panic; whatever parses must
//! re-emit and parse back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamsim::proto::map::sigtran;
use roamsim::wire::m3ua;
use roamsim::wire::map::{self, op, Param};
use roamsim::wire::sccp;
use roamsim::wire::tcap::{self, Component};

fn again<'a, P: Param<'a> + PartialEq + std::fmt::Debug>(p: &P, out: &'a mut Vec<u8>) {
    out.resize(p.buffer_len(), 0);
    p.emit(out).expect("a parsed parameter re-emits");
    assert_eq!(&P::parse(out).expect("re-emitted parameter parses"), p);
}

fn param(code: u8, is_error: bool, is_arg: bool, b: &[u8]) {
    let mut out = Vec::new();
    match (is_error, is_arg, code) {
        (true, _, map::err::ROAMING_NOT_ALLOWED) => {
            if let Ok(p) = map::RoamingNotAllowedParam::parse(b) {
                again(&p, &mut out);
            }
        }
        (true, _, map::err::UNKNOWN_SUBSCRIBER) => {
            if let Ok(p) = map::UnknownSubscriberParam::parse(b) {
                again(&p, &mut out);
            }
        }
        (true, _, _) => {
            let _ = map::SystemFailureParam::parse(b);
        }
        (false, true, op::SEND_AUTHENTICATION_INFO) => {
            if let Ok(p) = map::SaiArg::parse(b) {
                again(&p, &mut out);
            }
        }
        (false, false, op::SEND_AUTHENTICATION_INFO) => {
            if let Ok(p) = map::SaiRes::parse(b) {
                again(&p, &mut out);
            }
        }
        (false, true, op::UPDATE_LOCATION) => {
            if let Ok(p) = map::UlArg::parse(b) {
                again(&p, &mut out);
            }
        }
        (false, true, op::UPDATE_GPRS_LOCATION) => {
            if let Ok(p) = map::UglArg::parse(b) {
                again(&p, &mut out);
            }
        }
        (false, false, op::UPDATE_LOCATION | op::UPDATE_GPRS_LOCATION) => {
            if let Ok(p) = map::UlRes::parse(b) {
                again(&p, &mut out);
            }
        }
        (false, true, op::INSERT_SUBSCRIBER_DATA) => {
            if let Ok(p) = map::IsdArg::parse(b) {
                // The teleservice list is not kept on parse: compare what is.
                let p = map::IsdArg { teleservices: &[], ..p };
                again(&p, &mut out);
            }
        }
        (false, true, op::CANCEL_LOCATION) => {
            if let Ok(p) = map::ClArg::parse(b) {
                again(&p, &mut out);
            }
        }
        (false, true, op::PURGE_MS) => {
            if let Ok(p) = map::PurgeArg::parse(b) {
                again(&p, &mut out);
            }
        }
        (false, false, op::PURGE_MS) => {
            if let Ok(p) = map::PurgeRes::parse(b) {
                again(&p, &mut out);
            }
        }
        _ => {}
    }
}

fn tcap_message(b: &[u8]) {
    let Ok(m) = tcap::Message::parse(b) else {
        return;
    };
    let mut out = vec![0u8; m.buffer_len()];
    m.emit(&mut out).expect("a parsed TCAP message re-emits");
    assert_eq!(tcap::Message::parse(&out), Ok(m));
    for c in m.components.iter() {
        match c {
            Ok(Component::Invoke {
                opcode,
                parameter: Some(p),
                ..
            }) => param(opcode, false, true, p),
            Ok(Component::ReturnResultLast {
                result: Some((opcode, Some(p))),
                ..
            }) => param(opcode, false, false, p),
            Ok(Component::ReturnError {
                error_code,
                parameter: Some(p),
                ..
            }) => param(error_code, true, false, p),
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok((m, _)) = m3ua::Message::parse(data) else {
        // Not M3UA: try the inner layers on their own.
        if let Ok(s) = sccp::Message::parse(data) {
            let mut out = vec![0u8; s.buffer_len()];
            if s.emit(&mut out).is_ok() {
                assert_eq!(sccp::Message::parse(&out), Ok(s));
            }
        }
        tcap_message(data);
        return;
    };
    let mut out = vec![0u8; m.buffer_len()];
    m.emit(&mut out).expect("a parsed M3UA message re-emits");
    let (back, _) = m3ua::Message::parse(&out).expect("re-emitted M3UA parses");
    let mut out2 = vec![0u8; back.buffer_len()];
    back.emit(&mut out2).unwrap();
    assert_eq!(out, out2);
    if let Ok(inbound) = sigtran::unwrap(data) {
        tcap_message(inbound.tcap);
    }
});
