//! Protocol conformance of `roamsim serve` under bad input, against a real `serve` on loopback:
//! a Diameter request with an unknown AVP carrying the M bit is answered 5001
//! DIAMETER_AVP_UNSUPPORTED, a repeated single-occurrence AVP 5009
//! DIAMETER_AVP_OCCURS_TOO_MANY_TIMES, a missing one 5005 DIAMETER_MISSING_AVP, each with a
//! Failed-AVP naming the AVP (RFC 6733 §7.1.5, §7.5), for S6a requests and for CER and DWR;
//! a GTPv2-C request missing a mandatory IE gets Cause 70 with the Offending IE (TS 29.274 §7.7,
//! §8.4). Every case is counted in serve's exit report and written to its `--log`. The answers
//! are then written to a pcap and dissected by tshark (skipped with a note where tshark is
//! absent: `scripts/test-deps.sh` installs it): Failed-AVP and the Offending IE must decode, with
//! no malformed packet and no expert error.

mod common;

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use common::Serve;
use roamsim::wire::capture::{tshark_fields, tshark_problems, write_pcap, L4};
use roamsim::wire::diameter::codes::{app, avp, avp_flags, command};
use roamsim::wire::diameter::{
    padded, Emit, EmitFn, ErrorAnswer, FailedAvp, Ids, Packet, VendorSpecificAppId, Writer,
};

const HOST: &str = "mme1.epc.mnc001.mcc208.3gppnetwork.org";
const REALM: &str = "epc.mnc001.mcc208.3gppnetwork.org";
const IMSI: &str = "310410000100000";
/// An AVP code no dictionary of roamsim knows.
const UNKNOWN: u32 = 64_999;

fn ids(hbh: u32) -> Ids {
    Ids {
        hop_by_hop: hbh,
        end_to_end: hbh,
    }
}

/// An S6a request of `code` with the common AVPs, then `body`.
fn s6a_request(code: u32, hbh: u32, body: &dyn Fn(&mut Writer<'_>)) -> Vec<u8> {
    let session = format!("{HOST};1;{hbh}");
    let write = |ids: Ids, w: &mut Writer<'_>| {
        w.header(0xc0, code, app::S6A, ids);
        w.avp_str(avp::SESSION_ID, &session);
        VendorSpecificAppId::S6A.emit(w);
        w.avp_u32(avp::AUTH_SESSION_STATE, 1);
        w.avp_str(avp::ORIGIN_HOST, HOST);
        w.avp_str(avp::ORIGIN_REALM, REALM);
        w.avp_str(avp::DESTINATION_REALM, "epc.mnc410.mcc310.3gppnetwork.org");
        body(w);
    };
    let mut buf = Vec::new();
    EmitFn(write).emit_to(ids(hbh), &mut buf);
    buf
}

fn air_body(w: &mut Writer<'_>, user: Option<&str>) {
    if let Some(u) = user {
        w.avp_str(avp::USER_NAME, u);
    }
    let g = w.begin_group(avp::REQUESTED_EUTRAN_AUTHENTICATION_INFO);
    w.avp_u32(avp::NUMBER_OF_REQUESTED_VECTORS, 1);
    w.end_group(g);
    w.avp_octets(avp::VISITED_PLMN_ID, &[0x02, 0xf8, 0x10]);
}

/// `msg` with one more AVP at its end (code, flags, vendor, data), the length fixed.
fn with_avp(msg: &[u8], code: u32, flags: u8, vendor: u32, data: &[u8]) -> Vec<u8> {
    let mut out = msg.to_vec();
    let header = if vendor != 0 { 12 } else { 8 };
    let len = header + data.len();
    out.extend_from_slice(&code.to_be_bytes());
    out.push(flags | if vendor != 0 { avp_flags::VENDOR } else { 0 });
    out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    if vendor != 0 {
        out.extend_from_slice(&vendor.to_be_bytes());
    }
    out.extend_from_slice(data);
    out.resize(out.len() + padded(len) - len, 0);
    let total = out.len() as u32;
    out[1..4].copy_from_slice(&total.to_be_bytes()[1..]);
    out
}

/// Result-Code, the Failed-AVP's AVP code, and whether the answer's E bit is clear.
fn answer_of(msg: &[u8]) -> (u32, Option<u32>) {
    let pkt = Packet::new_checked(msg).unwrap();
    let a = ErrorAnswer::parse(&pkt).unwrap();
    let failed = a.failed_avp.map(|f| match f {
        FailedAvp::Raw(b) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        FailedAvp::Zeroed { code, .. } => code,
    });
    (a.result.code(), failed)
}

fn connect(serve: &Serve, cer: &[u8]) -> (TcpStream, Vec<u8>) {
    let mut s = TcpStream::connect(serve.s6a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(cer).unwrap();
    let cea = common::read_diameter(&mut s);
    (s, cea)
}

/// Sends `req` and returns the answer.
fn exchange(s: &mut TcpStream, req: &[u8]) -> Vec<u8> {
    s.write_all(req).unwrap();
    common::read_diameter(s)
}

/// The Diameter cases: what is sent, what must come back (Result-Code, Failed-AVP code).
fn diameter_cases() -> Vec<(&'static str, Vec<u8>, u32, u32)> {
    let air = |hbh, user| {
        s6a_request(command::AUTHENTICATION_INFORMATION, hbh, &move |w| {
            air_body(w, user)
        })
    };
    let m = avp_flags::MANDATORY;
    let ulr = s6a_request(command::UPDATE_LOCATION, 13, &|w| {
        w.avp_str(avp::USER_NAME, IMSI);
        w.avp_u32(avp::RAT_TYPE, 1004);
        w.avp_u32(avp::ULR_FLAGS, 0x22);
        w.avp_octets(avp::VISITED_PLMN_ID, &[0x02, 0xf8, 0x10]);
    });
    let pur = s6a_request(command::PURGE_UE, 14, &|w| {
        w.avp_str(avp::USER_NAME, IMSI);
        w.avp_u32(avp::PUR_FLAGS, 0);
        w.avp_u32(avp::PUR_FLAGS, 1);
    });
    let dwr = {
        let write = |ids: Ids, w: &mut Writer<'_>| {
            w.header(0x80, command::DEVICE_WATCHDOG, app::COMMON, ids);
            w.avp_str(avp::ORIGIN_HOST, HOST);
            w.avp_str(avp::ORIGIN_REALM, REALM);
        };
        let mut buf = Vec::new();
        EmitFn(write).emit_to(ids(15), &mut buf);
        with_avp(&buf, UNKNOWN, m, 0, &[0; 4])
    };
    vec![
        (
            "AIR with an unknown M-bit AVP",
            with_avp(&air(10, Some(IMSI)), UNKNOWN, m, 10415, &[1, 2, 3, 4]),
            5001,
            UNKNOWN,
        ),
        (
            "AIR with User-Name twice",
            with_avp(
                &air(11, Some(IMSI)),
                avp::USER_NAME.code,
                m,
                0,
                IMSI.as_bytes(),
            ),
            5009,
            avp::USER_NAME.code,
        ),
        (
            "AIR without User-Name",
            air(12, None),
            5005,
            avp::USER_NAME.code,
        ),
        (
            "ULR with an unknown M-bit AVP",
            with_avp(&ulr, UNKNOWN, m, 0, b"x"),
            5001,
            UNKNOWN,
        ),
        ("PUR with PUR-Flags twice", pur, 5009, avp::PUR_FLAGS.code),
        ("DWR with an unknown M-bit AVP", dwr, 5001, UNKNOWN),
    ]
}

/// A GTPv2-C request: header with TEID, `seq`, then `ies`.
fn gtpv2(msg_type: u8, teid: u32, seq: u32, ies: &[u8]) -> Vec<u8> {
    let mut m = vec![0x48, msg_type];
    m.extend_from_slice(&((8 + ies.len()) as u16).to_be_bytes());
    m.extend_from_slice(&teid.to_be_bytes());
    m.extend_from_slice(&(seq << 8).to_be_bytes());
    m.extend_from_slice(ies);
    m
}

fn ie(ie_type: u8, instance: u8, value: &[u8]) -> Vec<u8> {
    let mut v = vec![ie_type];
    v.extend_from_slice(&(value.len() as u16).to_be_bytes());
    v.push(instance);
    v.extend_from_slice(value);
    v
}

/// `msg` without its top-level IEs of `ie_type`, with sequence number `seq` (the PGW answers a
/// repeated one from its cache, §7.6).
fn without_ie(msg: &[u8], ie_type: u8, seq: u32) -> Vec<u8> {
    let mut out = common::without_ie(msg, ie_type);
    out[8..11].copy_from_slice(&seq.to_be_bytes()[1..]);
    out
}

/// A GTPv2-C case: what, the request, the response type, the offending IE (type, instance).
type GtpCase = (&'static str, Vec<u8>, u8, (u8, u8));

/// The GTPv2-C cases.
fn gtpv2_cases() -> Vec<GtpCase> {
    let csr = roamsim::wire::capture::frame("gtpv2-udp.pcap", 3);
    assert_eq!(
        csr[1], 32,
        "frame 3 of the reference capture is a Create Session Request"
    );
    // A Bearer Context holding an S1-U F-TEID but no EBI (M within the group, Table 7.2.7-2).
    let fteid = ie(87, 1, &[0x80, 0, 0, 0, 1, 127, 0, 0, 1]);
    let mbr = gtpv2(34, 0x1234, 0x77, &ie(93, 0, &fteid));
    vec![
        (
            "Create Session Request without Sender F-TEID",
            without_ie(&csr, 87, 0x71),
            33,
            (87, 0),
        ),
        (
            "Create Session Request without APN",
            without_ie(&csr, 71, 0x72),
            33,
            (71, 0),
        ),
        (
            "Modify Bearer Request with a Bearer Context without EBI",
            mbr,
            35,
            (93, 0),
        ),
    ]
}

/// Cause value and offending IE (type, instance) of a GTPv2-C response.
fn cause_of(resp: &[u8]) -> (u8, Option<(u8, u8)>) {
    let mut at = 12;
    while at + 4 <= resp.len() {
        let len = u16::from_be_bytes([resp[at + 1], resp[at + 2]]) as usize;
        if resp[at] == 2 {
            let v = &resp[at + 4..at + 4 + len];
            return (v[0], (len >= 6).then(|| (v[2], v[5] & 0x0f)));
        }
        at += 4 + len;
    }
    panic!("no Cause IE in {resp:02x?}")
}

#[test]
fn bad_requests_get_their_rfc_and_ts_answers_counted_logged_and_clean_in_tshark() {
    let dir = std::env::temp_dir().join(format!("roamsim-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("serve.jsonl");
    let log_arg = log.to_str().unwrap();
    let serve = Serve::start(&["--allow-any-peer", "--log", log_arg, "--log-format", "json"]);
    let mut diameter_answers: Vec<Vec<u8>> = Vec::new();

    // A CER with an unknown M-bit AVP is refused 5001 with the AVP as Failed-AVP.
    let cer = with_avp(
        &common::cer(HOST, REALM),
        UNKNOWN,
        avp_flags::MANDATORY,
        0,
        &[9; 4],
    );
    let (_refused, cea) = connect(&serve, &cer);
    assert_eq!(
        answer_of(&cea),
        (5001, Some(UNKNOWN)),
        "CER with an unknown M-bit AVP"
    );
    diameter_answers.push(cea);

    let (mut s, cea) = connect(&serve, &common::cer(HOST, REALM));
    assert_eq!(answer_of(&cea).0, 2001);
    for (what, req, code, failed) in diameter_cases() {
        let a = exchange(&mut s, &req);
        assert_eq!(answer_of(&a), (code, Some(failed)), "{what}");
        diameter_answers.push(a);
    }
    // The connection survived all of it.
    let good = s6a_request(command::AUTHENTICATION_INFORMATION, 99, &|w| {
        air_body(w, Some(IMSI))
    });
    assert_eq!(answer_of(&exchange(&mut s, &good)).0, 2001, "a good AIR");

    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut gtp_answers: Vec<Vec<u8>> = Vec::new();
    for (what, req, resp_type, offending) in gtpv2_cases() {
        sock.send_to(&req, serve.s8).unwrap();
        let mut buf = [0u8; 2048];
        let (n, _) = sock.recv_from(&mut buf).expect(what);
        let resp = buf[..n].to_vec();
        assert_eq!(resp[1], resp_type, "{what}");
        assert_eq!(cause_of(&resp), (70, Some(offending)), "{what}");
        gtp_answers.push(resp);
    }

    let report = serve.stop();
    for key in [
        "diameter.5001 4",
        "diameter.5005 1",
        "diameter.5009 2",
        "gtpv2.70 3",
    ] {
        assert!(report.contains(key), "{key} in serve's report:\n{report}");
    }
    // The log has a line for every rejection, subscriber-free, each a JSON object.
    let text = std::fs::read_to_string(&log).unwrap();
    let mut reasons = std::collections::BTreeMap::new();
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert_eq!(v["level"], "warn", "{l}");
        if v["procedure"] == "request_rejected" {
            *reasons
                .entry(v["reason"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
        assert!(!l.contains(IMSI), "{l}");
    }
    assert_eq!(reasons.get("diameter.5001"), Some(&4), "{text}");
    assert_eq!(reasons.get("diameter.5009"), Some(&2), "{text}");
    assert_eq!(reasons.get("diameter.5005"), Some(&1), "{text}");
    assert_eq!(reasons.get("gtpv2.70"), Some(&3), "{text}");

    check_in_tshark(&dir, &diameter_answers, &gtp_answers);
    if std::env::var_os("ROAMSIM_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Writes the answers to pcaps and checks that tshark decodes them with the Failed-AVP and the
/// Offending IE, and no malformed packet or expert error.
fn check_in_tshark(dir: &std::path::Path, diameter: &[Vec<u8>], gtp: &[Vec<u8>]) {
    let d = dir.join("diameter-answers.pcap");
    let slices: Vec<&[u8]> = diameter.iter().map(Vec::as_slice).collect();
    write_pcap(&d, L4::Tcp, 3868, 40000, &slices);
    let Some(problems) = tshark_problems(&d, &[]) else {
        eprintln!("skipped: tshark not installed (scripts/test-deps.sh installs it)");
        return;
    };
    assert!(problems.is_empty(), "Diameter answers: {problems:?}");
    let rows = tshark_fields(
        &d,
        &[
            "diameter.Result-Code",
            "diameter.Failed-AVP",
            "diameter.avp.code",
        ],
    )
    .unwrap();
    assert_eq!(rows.len(), diameter.len(), "{rows:?}");
    for (row, a) in rows.iter().zip(diameter) {
        let (code, failed) = answer_of(a);
        let cols: Vec<&str> = row.split('|').collect();
        assert_eq!(cols[0], code.to_string(), "{row}");
        assert!(!cols[1].is_empty(), "a Failed-AVP in {row}");
        let codes: Vec<&str> = cols[2].split(',').collect();
        // The failed AVP is the one inside Failed-AVP (279): the code right after it.
        let at = codes.iter().position(|c| *c == "279").expect(row);
        assert_eq!(codes[at + 1], failed.unwrap().to_string(), "{row}");
    }

    let g = dir.join("gtpv2-answers.pcap");
    let slices: Vec<&[u8]> = gtp.iter().map(Vec::as_slice).collect();
    write_pcap(&g, L4::Udp, 2123, 40000, &slices);
    let problems = tshark_problems(&g, &[]).unwrap();
    assert!(problems.is_empty(), "GTPv2-C answers: {problems:?}");
    let rows = tshark_fields(&g, &["gtpv2.cause", "gtpv2.cause_off_ie_t"]).unwrap();
    let want: Vec<String> = gtpv2_cases()
        .iter()
        .map(|(_, _, _, (t, _))| format!("70|{t}"))
        .collect();
    assert_eq!(rows, want);
}
