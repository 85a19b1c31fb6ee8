//! Bad input to `roamsim serve` (docs/ARCHITECTURE.md §7): a malformed Diameter request is
//! answered with the error RFC 6733 names (5005 with Failed-AVP, 5004 for an unusable value), a
//! malformed GTPv2-C request gets cause 70/69 (TS 29.274 §7.7), garbage is dropped, an unknown
//! peer is refused with 3010 — and the core keeps answering.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use common::Serve;
use roamsim::wire::diameter::codes::{app, avp, command};
use roamsim::wire::diameter::{
    Emit, EmitFn, ErrorAnswer, Ids, Packet, VendorSpecificAppId, Writer,
};

/// An AIR written AVP by AVP, so that the test can leave one out or spoil one.
fn air(hbh: u32, user_name: Option<&str>) -> Vec<u8> {
    let mut buf = Vec::new();
    let write = |ids: Ids, w: &mut Writer<'_>| {
        w.header(0xc0, command::AUTHENTICATION_INFORMATION, app::S6A, ids);
        w.avp_str(avp::SESSION_ID, &format!("mme1.test;1;{hbh}"));
        VendorSpecificAppId::S6A.emit(w);
        w.avp_u32(avp::AUTH_SESSION_STATE, 1);
        w.avp_str(avp::ORIGIN_HOST, "mme1.epc.mnc001.mcc208.3gppnetwork.org");
        w.avp_str(avp::ORIGIN_REALM, "epc.mnc001.mcc208.3gppnetwork.org");
        w.avp_str(avp::DESTINATION_REALM, "epc.mnc410.mcc310.3gppnetwork.org");
        if let Some(u) = user_name {
            w.avp_str(avp::USER_NAME, u);
        }
        let g = w.begin_group(avp::REQUESTED_EUTRAN_AUTHENTICATION_INFO);
        w.avp_u32(avp::NUMBER_OF_REQUESTED_VECTORS, 1);
        w.avp_u32(avp::IMMEDIATE_RESPONSE_PREFERRED, 0);
        w.end_group(g);
        w.avp_octets(avp::VISITED_PLMN_ID, &[0x02, 0xf8, 0x10]);
    };
    let ids = Ids {
        hop_by_hop: hbh,
        end_to_end: hbh,
    };
    EmitFn(write).emit_to(ids, &mut buf);
    buf
}

fn connect(addr: SocketAddr, host: &str, realm: &str) -> (TcpStream, u32) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(&common::cer(host, realm)).unwrap();
    let cea = common::read_diameter(&mut s);
    let pkt = Packet::new_checked(&cea[..]).unwrap();
    let code = ErrorAnswer::parse(&pkt).unwrap().result.code();
    (s, code)
}

fn result_of(msg: &[u8]) -> (u32, Option<u32>) {
    let pkt = Packet::new_checked(msg).unwrap();
    let a = ErrorAnswer::parse(&pkt).unwrap();
    let failed = a.failed_avp.map(|f| match f {
        roamsim::wire::diameter::FailedAvp::Raw(b) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        roamsim::wire::diameter::FailedAvp::Zeroed { code, .. } => code,
    });
    (a.result.code(), failed)
}

#[test]
fn malformed_diameter_gets_the_rfc_error_and_the_hss_keeps_answering() {
    let serve = Serve::start(&["--allow-any-peer"]);
    let (mut s, code) = connect(
        serve.s6a,
        "mme1.epc.mnc001.mcc208.3gppnetwork.org",
        "epc.mnc001.mcc208.3gppnetwork.org",
    );
    assert_eq!(code, 2001);

    s.write_all(&air(10, None)).unwrap();
    assert_eq!(
        result_of(&common::read_diameter(&mut s)),
        (5005, Some(1)),
        "missing User-Name → 5005 + Failed-AVP"
    );

    s.write_all(&air(11, Some("not-an-imsi"))).unwrap();
    assert_eq!(
        result_of(&common::read_diameter(&mut s)),
        (5004, Some(1)),
        "bad User-Name → 5004 INVALID_AVP_VALUE"
    );

    // An AVP whose length runs past the message: 5014 (or 5015), and the connection survives.
    let mut broken = air(12, Some("310410000100000"));
    let at = broken.len() - 16; // Visited-PLMN-Id: 12-octet header, 3 octets, 1 of padding
    broken[at + 5..at + 8].copy_from_slice(&[0, 0, 200]);
    s.write_all(&broken).unwrap();
    let (code, _) = result_of(&common::read_diameter(&mut s));
    assert!(code == 5014 || code == 5015, "broken AVP length → {code}");

    s.write_all(&air(13, Some("310410000100000"))).unwrap();
    assert_eq!(
        result_of(&common::read_diameter(&mut s)).0,
        2001,
        "a good AIR is still answered"
    );

    // Other connections are unaffected.
    let (_s2, code) = connect(
        serve.s6a,
        "mme2.epc.mnc001.mcc208.3gppnetwork.org",
        "epc.mnc001.mcc208.3gppnetwork.org",
    );
    assert_eq!(code, 2001);
    let report = serve.stop();
    assert!(report.contains("malformed"), "{report}");
}

#[test]
fn unknown_peer_is_refused_with_3010() {
    let serve = Serve::start(&[]);
    // 001-01 (the 3GPP test network) has no roaming agreement, so its MMEs are not configured.
    let (_s, code) = connect(
        serve.s6a,
        "mme1.epc.mnc001.mcc001.3gppnetwork.org",
        "epc.mnc001.mcc001.3gppnetwork.org",
    );
    assert_eq!(code, 3010);
    // A partner's MME is welcome.
    let (_s, code) = connect(
        serve.s6a,
        "mme1.epc.mnc015.mcc234.3gppnetwork.org",
        "epc.mnc015.mcc234.3gppnetwork.org",
    );
    assert_eq!(code, 2001);
}

fn capture_frame(n: usize) -> Vec<u8> {
    // Frame n of the reference GTPv2-C capture (Ethernet + IPv4 + UDP, 42 bytes of headers).
    let data = std::fs::read(common::root().join("tests/data/captures/gtpv2-udp.pcap")).unwrap();
    let mut at = 24;
    for i in 1.. {
        let incl = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
        if i == n {
            return data[at + 16 + 42..at + 16 + incl].to_vec();
        }
        at += 16 + incl;
    }
    unreachable!()
}

#[test]
fn malformed_gtpv2_gets_cause_70_and_the_pgw_keeps_answering() {
    let serve = Serve::start(&[]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut buf = [0u8; 2048];

    // Garbage and a datagram too short for a header: dropped silently.
    sock.send_to(&[0xde, 0xad, 0xbe], serve.s8).unwrap();
    // A Create Session Request without its Sender F-TEID (type 87): cause 70, offending IE 87.
    let csr = capture_frame(3);
    assert_eq!(csr[1], 32);
    sock.send_to(&common::without_ie(&csr, 87), serve.s8)
        .unwrap();
    let (n, _) = sock
        .recv_from(&mut buf)
        .expect("an answer to the broken CSR");
    let resp = &buf[..n];
    assert_eq!(resp[1], 33, "Create Session Response");
    let cause_at = resp[12..].iter().position(|&b| b == 2).unwrap() + 12; // Cause IE
    assert_eq!(
        resp[cause_at + 4],
        70,
        "cause 70 mandatory IE missing: {resp:02x?}"
    );

    // Echo still works.
    let echo = capture_frame(1);
    sock.send_to(&echo, serve.s8).unwrap();
    let (n, _) = sock.recv_from(&mut buf).expect("echo response");
    assert_eq!(buf[1], 2, "Echo Response ({n} bytes)");
    serve.stop();
}
