// Hand-assembled MAP dialogues for tests/map_tshark.rs: each TCAP message is wrapped in an SCCP
// UDT, an M3UA DATA and an SCTP DATA chunk, as the wire layer's codecs write them.

use roamsim::model::ids::{Imsi, Msisdn};
use roamsim::wire::m3ua::{self, ProtocolData};
use roamsim::wire::map::{self, op, AuthSets, Param, Quintuplet, Triplet};
use roamsim::wire::sccp::{self, Address, GlobalTitle, ProtocolClass};
use roamsim::wire::sctp::{ChunkRepr, DataChunk, Header, PacketBuilder};
use roamsim::wire::tcap::{
    Acn, AssociateResult, Component, Components, Diagnostic, Dialogue, Kind, Message,
};

/// An SCTP packet (both ports 2905) with one DATA chunk of M3UA (PPID 3) on `stream`.
pub fn sctp_data(tsn: u32, stream: u16, m3ua_bytes: &[u8]) -> Vec<u8> {
    let mut udp = Vec::new();
    let mut b = PacketBuilder::new(
        &mut udp,
        &Header {
            src_port: m3ua::PORT,
            dst_port: m3ua::PORT,
            verification_tag: 0x1234_5678,
        },
    );
    b.push(&ChunkRepr::Data(DataChunk {
        tsn,
        stream_id: stream,
        ssn: tsn as u16,
        ppid: m3ua::PPID,
        unordered: false,
        beginning: true,
        ending: true,
        immediate: false,
        user_data: m3ua_bytes,
    }));
    b.finish();
    udp
}

/// One frame of the capture and what tshark must show for it.
pub struct Frame {
    pub number: usize,
    pub what: &'static str,
    pub udp_payload: Vec<u8>,
    pub m3ua: Vec<u8>,
    /// Whether the TCAP message has components (then gsm_map is in the protocol stack).
    pub components: bool,
    /// `tcap.application_context_name` when the message has a dialogue portion naming one.
    pub acn: Option<String>,
    /// Operation and error codes, in order (`gsm_old.localValue`).
    pub codes: Vec<u8>,
}

fn param<'a, P: Param<'a>>(p: &P) -> Vec<u8> {
    let mut v = vec![0u8; p.buffer_len()];
    p.emit(&mut v).unwrap();
    v
}

fn acn(opcode: u8, version: u8) -> Acn {
    map::acn_for(opcode, version).unwrap()
}

fn acn_text(a: Acn) -> String {
    format!("0.4.0.0.1.0.{}.{}", a.context, a.version)
}

struct Capture {
    frames: Vec<Frame>,
    tsn: u32,
    next_tid: u32,
}

const HLR_PC: u32 = 100;
const VLR_PC: u32 = 200;

fn hlr() -> Address {
    Address::gt(GlobalTitle::e164("31612000001").unwrap(), sccp::ssn::HLR)
}

fn vlr() -> Address {
    Address::gt(GlobalTitle::e164("447900000001").unwrap(), sccp::ssn::VLR)
}

fn old_vlr() -> Address {
    Address::gt(GlobalTitle::e164("447900000009").unwrap(), sccp::ssn::VLR)
}

fn sgsn() -> Address {
    Address::gt(GlobalTitle::e164("447900000101").unwrap(), sccp::ssn::SGSN)
}

fn imsi() -> Imsi {
    "204080000000001".parse().unwrap()
}

fn number(s: &str) -> Msisdn {
    s.parse().unwrap()
}

impl Capture {
    fn tid(&mut self) -> u32 {
        self.next_tid += 1;
        0x0100_0000 + self.next_tid
    }

    /// Adds a TCAP message sent from `from` to `to`.
    fn push(&mut self, what: &'static str, from: Address, to: Address, m: &Message<'_>) {
        let mut tcap = vec![0u8; m.buffer_len()];
        m.emit(&mut tcap).unwrap();
        let udt = sccp::Message::Udt {
            class: ProtocolClass {
                class: 1,
                return_on_error: true,
            },
            called: to,
            calling: from,
            data: &tcap,
        };
        let mut sccp_bytes = vec![0u8; udt.buffer_len()];
        udt.emit(&mut sccp_bytes).unwrap();
        let (opc, dpc) = if to.ssn == Some(sccp::ssn::HLR) {
            (VLR_PC, HLR_PC)
        } else {
            (HLR_PC, VLR_PC)
        };
        let data = m3ua::Message::Data {
            network_appearance: None,
            routing_context: Some(1),
            data: ProtocolData {
                opc,
                dpc,
                si: m3ua::SI_SCCP,
                ni: 0,
                mp: 0,
                sls: (self.frames.len() % 16) as u8,
                data: &sccp_bytes,
            },
            correlation_id: None,
        };
        let mut m3ua_bytes = vec![0u8; data.buffer_len()];
        data.emit(&mut m3ua_bytes).unwrap();
        self.tsn += 1;
        let udp = sctp_data(self.tsn, 1, &m3ua_bytes);
        let mut codes = Vec::new();
        let mut components = false;
        for c in m.components.iter() {
            components = true;
            match c.unwrap() {
                Component::Invoke { opcode, .. } => codes.push(opcode),
                Component::ReturnResultLast {
                    result: Some((opcode, _)),
                    ..
                } => codes.push(opcode),
                Component::ReturnError { error_code, .. } => codes.push(error_code),
                _ => {}
            }
        }
        self.frames.push(Frame {
            number: self.frames.len() + 1,
            what,
            udp_payload: udp,
            m3ua: m3ua_bytes,
            components,
            acn: m.dialogue.and_then(|d| d.acn()).map(acn_text),
            codes,
        });
    }

    /// A Begin with an AARQ for `a` and one Invoke; returns the otid.
    fn begin(
        &mut self,
        what: &'static str,
        from: Address,
        to: Address,
        a: Acn,
        opcode: u8,
        arg: &[u8],
    ) -> u32 {
        let otid = self.tid();
        let comps = [Component::Invoke {
            invoke_id: 1,
            linked_id: None,
            opcode,
            parameter: Some(arg),
        }];
        self.push(
            what,
            from,
            to,
            &Message {
                kind: Kind::Begin,
                otid: Some(otid),
                dtid: None,
                dialogue: Some(Dialogue::Request { acn: a }),
                p_abort: None,
                components: Components::List(&comps),
            },
        );
        otid
    }

    /// An End answering `dtid` with an AARE accepting `a` (when `first`) and `comps`.
    fn end(
        &mut self,
        what: &'static str,
        from: Address,
        to: Address,
        dtid: u32,
        a: Option<Acn>,
        comps: &[Component<'_>],
    ) {
        self.push(
            what,
            from,
            to,
            &Message {
                kind: Kind::End,
                otid: None,
                dtid: Some(dtid),
                dialogue: a.map(accepted),
                p_abort: None,
                components: Components::List(comps),
            },
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn cont(
        &mut self,
        what: &'static str,
        from: Address,
        to: Address,
        otid: u32,
        dtid: u32,
        a: Option<Acn>,
        comps: &[Component<'_>],
    ) {
        self.push(
            what,
            from,
            to,
            &Message {
                kind: Kind::Continue,
                otid: Some(otid),
                dtid: Some(dtid),
                dialogue: a.map(accepted),
                p_abort: None,
                components: Components::List(comps),
            },
        );
    }
}

fn accepted(acn: Acn) -> Dialogue {
    Dialogue::Response {
        acn,
        result: AssociateResult::Accepted,
        diagnostic: Diagnostic::User(0),
    }
}

fn result(opcode: u8, p: &[u8]) -> Component<'_> {
    Component::ReturnResultLast {
        invoke_id: 1,
        result: Some((opcode, Some(p))),
    }
}

fn error(code: u8, p: &[u8]) -> Component<'_> {
    Component::ReturnError {
        invoke_id: 1,
        error_code: code,
        parameter: Some(p),
    }
}

fn vectors(triplets: bool) -> AuthSets {
    if triplets {
        let t = Triplet {
            rand: [7; 16],
            sres: [1, 2, 3, 4],
            kc: [9; 8],
        };
        AuthSets::Triplets {
            items: [t; 5],
            len: 2,
        }
    } else {
        let q = Quintuplet {
            rand: [7; 16],
            xres: [3; 16],
            xres_len: 8,
            ck: [4; 16],
            ik: [5; 16],
            autn: [6; 16],
        };
        AuthSets::Quintuplets {
            items: [q; 5],
            len: 1,
        }
    }
}

fn isd_arg(gprs: bool) -> Vec<u8> {
    param(&map::IsdArg {
        imsi: Some(imsi()),
        msisdn: Some(number("31612345678")),
        category: Some(0x0a),
        service_granted: Some(true),
        teleservices: if gprs { &[] } else { &[0x11, 0x21, 0x22] },
        pdp: gprs.then_some(map::PdpContext {
            id: 1,
            pdp_type: [0xf1, 0x21],
            qos: [0x23, 0x93, 0x1f],
            apn: b"\x08internet",
        }),
        network_access_mode: Some(map::NetworkAccessMode::PacketAndCircuit),
    })
}

fn sai(c: &mut Capture, triplets: bool) {
    let a = acn(op::SEND_AUTHENTICATION_INFO, 3);
    let arg = param(&map::SaiArg {
        imsi: imsi(),
        vectors: if triplets { 2 } else { 1 },
        resync: None,
        node: Some(map::NodeType::Vlr),
        plmn: None,
        v2: false,
    });
    // The triplet request goes to the HLR by an E.214 title derived from the IMSI.
    let called = if triplets {
        Address::gt(
            GlobalTitle::e214("3165", "204080000000001", 5).unwrap(),
            sccp::ssn::HLR,
        )
    } else {
        hlr()
    };
    let t = c.begin(
        "SAI begin",
        vlr(),
        called,
        a,
        op::SEND_AUTHENTICATION_INFO,
        &arg,
    );
    let res = param(&map::SaiRes {
        sets: vectors(triplets),
        v2: false,
    });
    c.end(
        "SAI end",
        hlr(),
        vlr(),
        t,
        Some(a),
        &[result(op::SEND_AUTHENTICATION_INFO, &res)],
    );
}

fn update_location(c: &mut Capture) {
    let a = acn(op::UPDATE_LOCATION, 3);
    let arg = param(&map::UlArg {
        imsi: imsi(),
        msc_number: number("447900000001"),
        vlr_number: number("447900000001"),
    });
    let v = c.begin("UL begin", vlr(), hlr(), a, op::UPDATE_LOCATION, &arg);
    // The HLR cancels the old VLR in a dialogue of its own.
    let cl = param(&map::ClArg {
        imsi: imsi(),
        kind: Some(map::CancellationType::UpdateProcedure),
    });
    let cla = acn(op::CANCEL_LOCATION, 3);
    let ct = c.begin("CL begin", hlr(), old_vlr(), cla, op::CANCEL_LOCATION, &cl);
    c.end(
        "CL end",
        old_vlr(),
        hlr(),
        ct,
        Some(cla),
        &[result(op::CANCEL_LOCATION, &param(&map::Empty))],
    );
    let h = c.tid();
    let isd = isd_arg(false);
    c.cont(
        "UL ISD",
        hlr(),
        vlr(),
        h,
        v,
        Some(a),
        &[Component::Invoke {
            invoke_id: 1,
            linked_id: None,
            opcode: op::INSERT_SUBSCRIBER_DATA,
            parameter: Some(&isd),
        }],
    );
    c.cont(
        "UL ISD ack",
        vlr(),
        hlr(),
        v,
        h,
        None,
        &[result(op::INSERT_SUBSCRIBER_DATA, &param(&map::Empty))],
    );
    let res = param(&map::UlRes {
        hlr_number: number("31612000001"),
    });
    c.end(
        "UL end",
        hlr(),
        vlr(),
        v,
        None,
        &[result(op::UPDATE_LOCATION, &res)],
    );
}

fn update_gprs_location(c: &mut Capture) {
    let a = acn(op::UPDATE_GPRS_LOCATION, 3);
    let arg = param(&map::UglArg {
        imsi: imsi(),
        sgsn_number: number("447900000101"),
        sgsn_address: std::net::Ipv4Addr::new(10, 1, 2, 3),
    });
    let s = c.begin(
        "UGL begin",
        sgsn(),
        hlr(),
        a,
        op::UPDATE_GPRS_LOCATION,
        &arg,
    );
    let h = c.tid();
    let isd = isd_arg(true);
    c.cont(
        "UGL ISD",
        hlr(),
        sgsn(),
        h,
        s,
        Some(a),
        &[Component::Invoke {
            invoke_id: 1,
            linked_id: None,
            opcode: op::INSERT_SUBSCRIBER_DATA,
            parameter: Some(&isd),
        }],
    );
    c.cont(
        "UGL ISD ack",
        sgsn(),
        hlr(),
        s,
        h,
        None,
        &[result(op::INSERT_SUBSCRIBER_DATA, &param(&map::Empty))],
    );
    let res = param(&map::UglRes {
        hlr_number: number("31612000001"),
    });
    c.end(
        "UGL end",
        hlr(),
        sgsn(),
        s,
        None,
        &[result(op::UPDATE_GPRS_LOCATION, &res)],
    );
}

fn purge(c: &mut Capture) {
    let a = acn(op::PURGE_MS, 3);
    let arg = param(&map::PurgeArg {
        imsi: imsi(),
        vlr_number: Some(number("447900000001")),
        sgsn_number: None,
    });
    let t = c.begin("purgeMS begin", vlr(), hlr(), a, op::PURGE_MS, &arg);
    let res = param(&map::PurgeRes {
        freeze_tmsi: true,
        freeze_ptmsi: false,
    });
    c.end(
        "purgeMS end",
        hlr(),
        vlr(),
        t,
        Some(a),
        &[result(op::PURGE_MS, &res)],
    );
}

fn errors(c: &mut Capture) {
    let a = acn(op::SEND_AUTHENTICATION_INFO, 3);
    let arg = param(&map::SaiArg {
        imsi: "204089999999999".parse().unwrap(),
        vectors: 1,
        resync: None,
        node: Some(map::NodeType::Vlr),
        plmn: None,
        v2: false,
    });
    let t = c.begin(
        "SAI unknown begin",
        vlr(),
        hlr(),
        a,
        op::SEND_AUTHENTICATION_INFO,
        &arg,
    );
    let p = param(&map::UnknownSubscriberParam {
        diagnostic: Some(0),
    });
    c.end(
        "SAI unknownSubscriber",
        hlr(),
        vlr(),
        t,
        Some(a),
        &[error(map::err::UNKNOWN_SUBSCRIBER, &p)],
    );

    let ul = acn(op::UPDATE_LOCATION, 3);
    let arg = param(&map::UlArg {
        imsi: imsi(),
        msc_number: number("447900000001"),
        vlr_number: number("447900000001"),
    });
    let t = c.begin(
        "UL barred begin",
        vlr(),
        hlr(),
        ul,
        op::UPDATE_LOCATION,
        &arg,
    );
    let p = param(&map::RoamingNotAllowedParam {
        cause: map::RoamingNotAllowedParam::PLMN_ROAMING_NOT_ALLOWED,
    });
    c.end(
        "UL roamingNotAllowed",
        hlr(),
        vlr(),
        t,
        Some(ul),
        &[error(map::err::ROAMING_NOT_ALLOWED, &p)],
    );

    let t = c.begin(
        "UL failing begin",
        vlr(),
        hlr(),
        ul,
        op::UPDATE_LOCATION,
        &arg,
    );
    let p = param(&map::SystemFailureParam { resource: 1 });
    c.end(
        "UL systemFailure",
        hlr(),
        vlr(),
        t,
        Some(ul),
        &[error(map::err::SYSTEM_FAILURE, &p)],
    );

    let pa = acn(op::PURGE_MS, 3);
    let arg = param(&map::PurgeArg {
        imsi: imsi(),
        vlr_number: None,
        sgsn_number: None,
    });
    let t = c.begin("purgeMS bare begin", vlr(), hlr(), pa, op::PURGE_MS, &arg);
    c.end(
        "purgeMS dataMissing",
        hlr(),
        vlr(),
        t,
        Some(pa),
        &[error(map::err::DATA_MISSING, &param(&map::Empty))],
    );
}

fn fallback_and_abort(c: &mut Capture) {
    // A v3 SAI refused: the HLR aborts with an AARE naming v2; the VLR retries in v2.
    let a3 = acn(op::SEND_AUTHENTICATION_INFO, 3);
    let a2 = acn(op::SEND_AUTHENTICATION_INFO, 2);
    let arg = param(&map::SaiArg {
        imsi: imsi(),
        vectors: 2,
        resync: None,
        node: None,
        plmn: None,
        v2: false,
    });
    let t = c.begin(
        "SAI v3 begin",
        vlr(),
        hlr(),
        a3,
        op::SEND_AUTHENTICATION_INFO,
        &arg,
    );
    c.push(
        "SAI v3 refused",
        hlr(),
        vlr(),
        &Message {
            kind: Kind::Abort,
            otid: None,
            dtid: Some(t),
            dialogue: Some(Dialogue::Response {
                acn: a2,
                result: AssociateResult::RejectPermanent,
                diagnostic: Diagnostic::ACN_NOT_SUPPORTED,
            }),
            p_abort: None,
            components: Components::NONE,
        },
    );
    let arg2 = param(&map::SaiArg {
        v2: true,
        ..map::SaiArg::parse(&arg).unwrap()
    });
    let t = c.begin(
        "SAI v2 begin",
        vlr(),
        hlr(),
        a2,
        op::SEND_AUTHENTICATION_INFO,
        &arg2,
    );
    let res = param(&map::SaiRes {
        sets: vectors(true),
        v2: true,
    });
    c.end(
        "SAI v2 end",
        hlr(),
        vlr(),
        t,
        Some(a2),
        &[result(op::SEND_AUTHENTICATION_INFO, &res)],
    );

    // A UL the VLR gives up on after the HLR's insertSubscriberData (its timer ran out):
    // TC-U-ABORT with an ABRT, addressed to the HLR's transaction.
    let ul = acn(op::UPDATE_LOCATION, 3);
    let arg = param(&map::UlArg {
        imsi: imsi(),
        msc_number: number("447900000001"),
        vlr_number: number("447900000001"),
    });
    let v = c.begin(
        "UL begin (aborted)",
        vlr(),
        hlr(),
        ul,
        op::UPDATE_LOCATION,
        &arg,
    );
    let h = c.tid();
    let isd = isd_arg(false);
    c.cont(
        "UL ISD (unanswered)",
        hlr(),
        vlr(),
        h,
        v,
        Some(ul),
        &[Component::Invoke {
            invoke_id: 1,
            linked_id: None,
            opcode: op::INSERT_SUBSCRIBER_DATA,
            parameter: Some(&isd),
        }],
    );
    c.push(
        "UL aborted",
        vlr(),
        hlr(),
        &Message {
            kind: Kind::Abort,
            otid: None,
            dtid: Some(h),
            dialogue: Some(Dialogue::Abort { by_provider: false }),
            p_abort: None,
            components: Components::NONE,
        },
    );
}

/// Every dialogue, in capture order.
pub fn all_dialogues() -> Vec<Frame> {
    let mut c = Capture {
        frames: Vec::new(),
        tsn: 0,
        next_tid: 0,
    };
    sai(&mut c, false);
    sai(&mut c, true);
    update_location(&mut c);
    update_gprs_location(&mut c);
    purge(&mut c);
    errors(&mut c);
    fallback_and_abort(&mut c);
    c.frames
}
