//! GTP' (TS 32.295) datagrams carrying PGW-CDRs and SGW-CDRs (TS 32.298), as roamsim emits them,
//! written to a pcap and dissected by tshark: every message type must decode with no malformed
//! packet and no expert error, the records must dissect as `gprscdr` with recordType 85 and 84,
//! and fields that settlement reads must come out with the values that went in. Skips with a
//! note when tshark is absent (`scripts/test-deps.sh` installs it).

use std::process::Command;

use roamsim::wire::capture::{tshark_problems, write_pcap, L4};
use roamsim::wire::cdr::{closing, example, RecordKind};
use roamsim::wire::gtpprime::{cause, Message, Records, SeqList, PORT};

fn emit(m: Message<'_>, seq: u16) -> Vec<u8> {
    let mut buf = vec![0u8; m.buffer_len()];
    m.emit(seq, &mut buf).unwrap();
    buf
}

fn packets() -> Vec<Vec<u8>> {
    let mut partial = example(RecordKind::Pgw, 3);
    partial.record_sequence_number = Some(1);
    partial.cause_for_rec_closing = closing::TIME_LIMIT;
    let mut abnormal = example(RecordKind::Sgw, 4);
    abnormal.cause_for_rec_closing = closing::ABNORMAL_RELEASE;
    abnormal.served_pdp_pdn_address = Some("2001:db8:1::1".parse().unwrap());
    // The mandatory fields alone, over IPv6.
    let mut bare = example(RecordKind::Pgw, 5);
    bare.served_imsi = None;
    bare.served_msisdn = None;
    bare.apn_ni.clear();
    bare.node_id.clear();
    bare.pdp_pdn_type = None;
    bare.served_pdp_pdn_address = None;
    bare.dynamic_address_flag = false;
    bare.local_sequence_number = None;
    bare.apn_selection_mode = None;
    bare.ch_ch_selection_mode = None;
    bare.serving_node_plmn = None;
    bare.rat_type = None;
    bare.ms_time_zone = None;
    bare.pgw_plmn = None;
    bare.start_time = None;
    bare.stop_time = None;
    bare.pdn_connection_charging_id = None;
    bare.volumes.clear();
    bare.gw_address = "2001:db8::1".parse().unwrap();
    bare.serving_node_address = "2001:db8::2".parse().unwrap();
    let cdrs = vec![
        example(RecordKind::Pgw, 1).to_vec().unwrap(),
        example(RecordKind::Sgw, 2).to_vec().unwrap(),
        partial.to_vec().unwrap(),
        abnormal.to_vec().unwrap(),
        bare.to_vec().unwrap(),
    ];
    vec![
        emit(
            Message::Send {
                possibly_duplicated: false,
                records: Records::List(&cdrs),
            },
            1,
        ),
        emit(
            Message::TransferResponse {
                cause: cause::REQUEST_ACCEPTED,
                responded: SeqList::List(&[1]),
            },
            1,
        ),
        emit(
            Message::Send {
                possibly_duplicated: true,
                records: Records::List(&cdrs[1..2]),
            },
            2,
        ),
        // The empty test packet a CDF sends to learn whether a CGF has an old packet.
        emit(
            Message::Send {
                possibly_duplicated: true,
                records: Records::List(&[]),
            },
            3,
        ),
        emit(
            Message::Release {
                packets: SeqList::List(&[2]),
            },
            4,
        ),
        emit(
            Message::Cancel {
                packets: SeqList::List(&[5, 6]),
            },
            5,
        ),
        emit(Message::EchoRequest, 6),
        emit(Message::EchoResponse { recovery: 1 }, 6),
        emit(
            Message::NodeAliveRequest {
                node: "192.0.2.10".parse().unwrap(),
                alternative: None,
            },
            7,
        ),
        emit(Message::NodeAliveResponse, 7),
        emit(
            Message::RedirectionRequest {
                cause: cause::THIS_NODE_GOING_DOWN,
                recommended: Some("192.0.2.11".parse().unwrap()),
            },
            8,
        ),
        emit(
            Message::RedirectionResponse {
                cause: cause::REQUEST_ACCEPTED,
            },
            8,
        ),
    ]
}

fn tshark_fields(path: &std::path::Path, fields: &[&str]) -> String {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(path).args(["-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes the datagrams (and their CDRs) as fuzz seeds when `ROAMSIM_WRITE_FUZZ_SEEDS` is set:
/// how `fuzz/seeds/gtpprime` and `fuzz/seeds/cdr` were made.
#[test]
fn fuzz_seeds_on_request() {
    if std::env::var_os("ROAMSIM_WRITE_FUZZ_SEEDS").is_none() {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (i, p) in packets().iter().enumerate() {
        let dir = root.join("gtpprime");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("msg-{i:02}-type-{}.bin", p[1])), p).unwrap();
        if let Ok((_, Message::Send { records, .. })) = Message::parse(p) {
            let dir = root.join("cdr");
            std::fs::create_dir_all(&dir).unwrap();
            for (j, r) in records.iter().enumerate() {
                std::fs::write(dir.join(format!("msg-{i:02}-cdr-{j}.bin")), r).unwrap();
            }
        }
    }
}

#[test]
fn gtp_prime_with_pgw_and_sgw_cdrs_dissects_clean_in_tshark() {
    if Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("skipped: tshark not installed (scripts/test-deps.sh installs it)");
        return;
    }
    let pkts = packets();
    let slices: Vec<&[u8]> = pkts.iter().map(Vec::as_slice).collect();
    let path = std::env::temp_dir().join(format!("roamsim-gtpprime-{}.pcap", std::process::id()));
    write_pcap(&path, L4::Udp, 40000, PORT, &slices);
    let problems = tshark_problems(&path, &[]).expect("tshark runs");
    assert!(problems.is_empty(), "{problems:?}");
    // Nor any BER complaint or expert warning (unknown field, wrong tag, trailing bytes).
    let verbose = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .arg("-V")
        .output()
        .expect("run tshark");
    let text = String::from_utf8_lossy(&verbose.stdout);
    let complaints: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("BER Error") || l.contains("Expert Info (Warning"))
        .collect();
    assert!(complaints.is_empty(), "{complaints:?}");
    assert_eq!(
        text.matches("pGWRecord (85)").count(),
        3,
        "recordType shown by name"
    );
    assert_eq!(text.matches("sGWRecord (84)").count(), 3);

    let protos = tshark_fields(&path, &["frame.protocols"]);
    assert_eq!(protos.lines().count(), pkts.len());
    assert!(
        protos.lines().all(|l| l.ends_with("gtpprime")),
        "every frame is GTP': {protos}"
    );

    let types = tshark_fields(&path, &["gprscdr.recordType"]);
    let first_frame: Vec<&str> = types.lines().next().unwrap().split(',').collect();
    assert_eq!(first_frame, ["85", "84", "85", "84", "85"], "{types}");

    let fields = tshark_fields(
        &path,
        &[
            "gprscdr.servingNodePLMNIdentifier",
            "gprscdr.accessPointNameNI",
            "gprscdr.causeForRecClosing",
            "gprscdr.chargingID",
        ],
    );
    let line = fields.lines().next().unwrap();
    assert!(line.contains("internet"), "{line}");
    assert!(line.contains("17") && line.contains("4"), "{line}");
    assert!(line.contains("2147483649"), "chargingID 0x80000001: {line}");
    let _ = std::fs::remove_file(&path);
}
