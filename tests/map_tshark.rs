//! MAP over SIGTRAN as roamsim emits it (TS 29.002 over TCAP Q.773, SCCP Q.713 UDT, M3UA RFC
//! 4666 DATA, roamsim's SCTP over UDP RFC 6951), written to a pcap and dissected by tshark:
//! every frame must decode as `sctp:m3ua:sccp:tcap[:gsm_map]` with no malformed packet and no
//! expert error; each operation (SAI with quintuplets and triplets, UL with ISD inside its
//! dialogue, CL, UGL with ISD, purgeMS) is invoked and answered, the four HLR errors come back as
//! ReturnError, a refused v3 context falls back to v2, a dialogue is aborted, and each
//! dialogue's application context fits its operation. Two captures: one assembled by hand from
//! the wire codecs, one of what the sans-IO HLR (`home::hlr`), VLR/SGSN clients and M3UA ASP
//! (`proto::map`) say when stepped against each other, ASP management included. Skips with a note when tshark is absent (`scripts/test-deps.sh` installs it).

use std::process::Command;

use roamsim::wire::capture::{tshark_problems, write_pcap, L4};

#[path = "map_tshark/dialogues.rs"]
mod common_map;

/// UDP port both ends use for SCTP over UDP in the capture (not 9899, so decode-as is needed as
/// it is for a real run).
const PORT: u16 = 29050;

fn tshark_fields(path: &std::path::Path, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(path)
        .args(["-d", &format!("udp.port=={PORT},sctp")])
        .args(["-T", "fields", "-E", "separator=|", "-E", "occurrence=a"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// Writes `payloads` (UDP payloads: SCTP packets) to a pcap and asserts tshark finds nothing
/// malformed and no expert error; `None` (after a note) when tshark is not installed.
fn clean_capture(name: &str, payloads: &[&[u8]]) -> Option<std::path::PathBuf> {
    if Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("skipped: tshark not installed (scripts/test-deps.sh installs it)");
        return None;
    }
    let path = std::env::temp_dir().join(format!("roamsim-{name}-{}.pcap", std::process::id()));
    write_pcap(&path, L4::Udp, PORT, PORT, payloads);
    let decode = format!("udp.port=={PORT},sctp");
    let problems = tshark_problems(&path, &[&decode]).expect("tshark runs");
    assert!(problems.is_empty(), "{}: {problems:?}", path.display());
    Some(path)
}

/// Every Begin ends in an End or an Abort, matched by transaction ids (the opener's otid, or the
/// responder's id paired with it by a Continue; the two sides' ids may coincide, so the side is
/// told by the calling party's SSN).
fn assert_every_begin_closed(path: &std::path::Path) {
    let rows = tshark_fields(
        path,
        &[
            "tcap.begin_element",
            "tcap.end_element",
            "tcap.abort_element",
            "tcap.otid",
            "tcap.dtid",
            "sccp.calling.ssn",
        ],
    );
    let mut open = std::collections::HashSet::new();
    let mut closed = std::collections::HashSet::new();
    // A responder's Continue pairs its own id with the opener's.
    let mut alias = std::collections::HashMap::new();
    for row in &rows {
        let c: Vec<&str> = row.split('|').collect();
        let (begin, end, abort, otid, dtid, ssn) = (c[0], c[1], c[2], c[3], c[4], c[5]);
        // The opener is the HLR (SSN 6) or a visited node.
        let from_hlr = ssn == "6";
        if !begin.is_empty() {
            assert!(
                open.insert((otid.to_string(), from_hlr)),
                "otid {otid} reused"
            );
        }
        if begin.is_empty() && !otid.is_empty() && !dtid.is_empty() {
            alias.insert((otid.to_string(), from_hlr), (dtid.to_string(), !from_hlr));
        }
        if !end.is_empty() || !abort.is_empty() {
            let key = (dtid.to_string(), !from_hlr);
            if let Some(opener) = alias.get(&key) {
                closed.insert(opener.clone());
            }
            closed.insert(key);
        }
    }
    assert!(!open.is_empty());
    for o in &open {
        assert!(closed.contains(o), "dialogue {o:?} never ended: {rows:#?}");
    }
}

/// Removes a capture unless `ROAMSIM_KEEP_PCAP` asks to keep it for a look.
fn done_with(path: &std::path::Path) {
    if std::env::var_os("ROAMSIM_KEEP_PCAP").is_none() {
        let _ = std::fs::remove_file(path);
    }
}

#[test]
fn map_dialogues_dissect_clean_in_tshark() {
    let frames = common_map::all_dialogues();
    let payloads: Vec<&[u8]> = frames.iter().map(|f| f.udp_payload.as_slice()).collect();
    let Some(path) = clean_capture("map", &payloads) else {
        return;
    };
    let decode = format!("udp.port=={PORT},sctp");

    let rows = tshark_fields(
        &path,
        &[
            "frame.protocols",
            "tcap.application_context_name",
            "gsm_old.localValue",
            "tcap.otid",
            "tcap.dtid",
        ],
    );
    assert_eq!(rows.len(), frames.len(), "one row per frame");
    for (row, f) in rows.iter().zip(&frames) {
        let cols: Vec<&str> = row.split('|').collect();
        let protocols = cols[0];
        let want = if f.components {
            "sctp:m3ua:sccp:tcap:gsm_map"
        } else {
            "sctp:m3ua:sccp:tcap"
        };
        assert!(
            protocols.ends_with(want),
            "frame {} ({}): {protocols}",
            f.number,
            f.what
        );
        if let Some(acn) = &f.acn {
            assert_eq!(cols[1], acn, "frame {} ({}) ACN", f.number, f.what);
        }
        let codes: Vec<&str> = cols[2].split(',').filter(|c| !c.is_empty()).collect();
        let want_codes: Vec<String> = f.codes.iter().map(|c| c.to_string()).collect();
        assert_eq!(codes, want_codes, "frame {} ({}) codes", f.number, f.what);
    }

    assert_every_begin_closed(&path);

    // The operation statistics tshark users read.
    let stats = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-d", &decode, "-q", "-z", "gsm_map,operation"])
        .output()
        .expect("run tshark");
    let text = String::from_utf8_lossy(&stats.stdout);
    for op in [
        "sendAuthenticationInfo",
        "updateLocation",
        "insertSubscriberData",
        "cancelLocation",
        "updateGprsLocation",
        "purgeMS",
    ] {
        // Columns: ID, operation, invokes, bytes, average, return results, ...
        let row = text
            .lines()
            .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
            .find(|c| c.len() > 5 && c[1] == op)
            .unwrap_or_else(|| panic!("{op} missing from -z gsm_map,operation:\n{text}"));
        let invokes: u32 = row[2].parse().unwrap();
        let results: u32 = row[5].parse().unwrap();
        assert!(
            invokes > 0 && results > 0,
            "{op}: {invokes} invokes, {results} results"
        );
    }
    done_with(&path);
}

/// Writes the frames' M3UA messages as fuzz seeds when `ROAMSIM_WRITE_FUZZ_SEEDS` is set: how
/// `fuzz/seeds/map` was made.
#[test]
fn fuzz_seeds_on_request() {
    if std::env::var_os("ROAMSIM_WRITE_FUZZ_SEEDS").is_none() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/map");
    std::fs::create_dir_all(&dir).unwrap();
    for f in common_map::all_dialogues() {
        std::fs::write(dir.join(format!("{:02}.m3ua", f.number)), &f.m3ua).unwrap();
    }
}

mod machines {
    //! The same check on what roamsim's state machines say to each other: an M3UA ASP brought up
    //! against a scripted SGP (ASPUP, ASPAC, BEAT, DUNA/DAVA, NTFY, ERR), then the HLR
    //! (`home::hlr`) and VLR/SGSN clients (`proto::map::client`) running every procedure, each
    //! TCAP message carried by the ASP (SCCP UDT in M3UA DATA on the stream its SLS picks).

    use std::net::Ipv4Addr;

    use roamsim::home::hlr::sim::Sim;
    use roamsim::home::hlr::{Hlr, HlrSettings, SqnTable};
    use roamsim::model::config::Profile;
    use roamsim::model::subscriber::Directory;
    use roamsim::model::time::Micros;
    use roamsim::proto::map::asp::{self, Asp};
    use roamsim::proto::map::client::{self, Rat, Request, Visited};
    use roamsim::proto::map::dialogue::MEDIUM_TIMER;
    use roamsim::proto::map::sigtran::Route;
    use roamsim::wire::m3ua::{self, Asptm, Message, PointCodes, Ssnm, Status, TrafficMode};
    use roamsim::wire::map::NodeType;
    use roamsim::wire::sccp::GlobalTitle;

    const CSV: &str = include_str!("../profiles/capture-subscribers.csv");
    const A: &str = "310410000100000";
    const HLR: &str = "13105550000";

    fn emit(m: &Message<'_>) -> Vec<u8> {
        let mut v = vec![0u8; m.buffer_len()];
        m.emit(&mut v).unwrap();
        v
    }

    fn node(kind: NodeType, n: &str, tid: u32) -> Visited {
        Visited::new(client::Config {
            node: kind,
            number: n.parse().unwrap(),
            sgsn_address: Ipv4Addr::new(10, 0, 0, 1),
            hlr: GlobalTitle::e164(HLR).unwrap(),
            first_tid: tid,
            timer: MEDIUM_TIMER,
        })
    }

    /// An HLR and five nodes; `tid_base` keeps two networks' transaction ids apart.
    fn sim(max_version: u8, tid_base: u32) -> Sim<SqnTable> {
        let p = Profile::embedded_default();
        let d = Directory::from_csv_text(&p, "capture-subscribers.csv", CSV).unwrap();
        let mut s = HlrSettings::new(HLR.parse().unwrap());
        s.max_version = max_version;
        s.visited_prefixes = vec![
            ("336".into(), "208-01".parse().unwrap()),
            ("999".into(), "001-01".parse().unwrap()),
        ];
        let sqn = SqnTable::new(&d);
        let mut sim = Sim::new(
            Hlr::new(&p, d, sqn, s),
            vec![
                node(NodeType::Vlr, "33612000001", tid_base + 0x100),
                node(NodeType::Vlr, "33612000002", tid_base + 0x200),
                node(NodeType::Sgsn, "33612000101", tid_base + 0x300),
                node(NodeType::Sgsn, "33612000102", tid_base + 0x400),
                node(NodeType::Vlr, "99912000001", tid_base + 0x500),
            ],
        );
        sim.trace = Some(Vec::new());
        sim
    }

    fn go(sim: &mut Sim<SqnTable>, i: usize, r: Request) {
        let now = sim.now;
        sim.nodes[i].request(now, r);
        sim.settle();
    }

    /// The M3UA messages of the capture, with their streams.
    pub fn messages() -> Vec<(u16, Vec<u8>)> {
        let mut out = Vec::new();
        let mut a = Asp::new(asp::Config {
            asp_id: Some(1),
            mode: TrafficMode::Loadshare,
            route: Route {
                opc: 200,
                dpc: 100,
                ni: 0,
                routing_context: Some(1),
            },
            streams: 4,
            beat: Some(Micros::from_secs(30)),
        });
        let mut buf = vec![0u8; 2048];
        let mut drain = |a: &mut Asp, out: &mut Vec<(u16, Vec<u8>)>| {
            while let Some((s, n)) = a.poll_transmit(&mut buf) {
                out.push((s, buf[..n].to_vec()));
            }
        };
        let sgp = |out: &mut Vec<(u16, Vec<u8>)>, a: &mut Asp, m: Message<'_>| {
            let b = emit(&m);
            a.handle_message(Micros::ZERO, &b).unwrap();
            out.push((0, b));
        };
        a.handle_connected(Micros::ZERO);
        drain(&mut a, &mut out);
        sgp(
            &mut out,
            &mut a,
            Message::AspUpAck {
                asp_id: None,
                info: None,
            },
        );
        drain(&mut a, &mut out);
        let ack = Asptm {
            mode: Some(TrafficMode::Loadshare),
            routing_context: Some(1),
            info: None,
        };
        sgp(&mut out, &mut a, Message::AspActiveAck(ack));
        let status = Message::Notify {
            status: Status::AS_ACTIVE,
            asp_id: None,
            routing_context: Some(1),
            info: None,
        };
        sgp(&mut out, &mut a, status);
        a.handle_timeout(Micros::from_secs(30));
        drain(&mut a, &mut out);
        let pcs = [100u32];
        let ssnm = Ssnm {
            network_appearance: None,
            routing_context: Some(1),
            affected: PointCodes::List(&pcs),
            info: None,
        };
        sgp(&mut out, &mut a, Message::Duna(ssnm));
        sgp(&mut out, &mut a, Message::Dava(ssnm));
        sgp(
            &mut out,
            &mut a,
            Message::Err {
                code: m3ua::error_code::INVALID_ROUTING_CONTEXT,
                routing_context: Some(9),
                affected: None,
                diagnostic: None,
            },
        );
        // An unexpected message draws an ERR from the ASP.
        sgp(
            &mut out,
            &mut a,
            Message::AspUp {
                asp_id: None,
                info: None,
            },
        );
        drain(&mut a, &mut out);

        let a_imsi = A.parse().unwrap();
        let mut s = sim(3, 0);
        go(
            &mut s,
            0,
            Request::Authenticate {
                // Five asked for: the HLR answers with as many as fit one UDT.
                imsi: a_imsi,
                vectors: 5,
                rat: Rat::Utran,
            },
        );
        go(
            &mut s,
            0,
            Request::Authenticate {
                imsi: a_imsi,
                vectors: 1,
                rat: Rat::Geran,
            },
        );
        go(&mut s, 0, Request::UpdateLocation { imsi: a_imsi });
        go(&mut s, 1, Request::UpdateLocation { imsi: a_imsi });
        go(&mut s, 2, Request::UpdateLocation { imsi: a_imsi });
        go(&mut s, 3, Request::UpdateLocation { imsi: a_imsi });
        go(&mut s, 1, Request::Purge { imsi: a_imsi });
        let unknown = "310410999999999".parse().unwrap();
        go(
            &mut s,
            0,
            Request::Authenticate {
                imsi: unknown,
                vectors: 1,
                rat: Rat::Utran,
            },
        );
        go(&mut s, 4, Request::UpdateLocation { imsi: a_imsi });
        let mut v2 = sim(2, 0x1_0000);
        go(
            &mut v2,
            0,
            Request::Authenticate {
                imsi: a_imsi,
                vectors: 1,
                rat: Rat::Geran,
            },
        );
        let trace: Vec<_> = s
            .trace
            .take()
            .unwrap()
            .into_iter()
            .chain(v2.trace.take().unwrap())
            .collect();
        for (i, t) in trace.iter().enumerate() {
            // One SLS per dialogue pair would keep order; here a frame index spreads them.
            a.send((i % 8) as u8, &t.to, &t.from, &t.tcap).unwrap();
            drain(&mut a, &mut out);
        }
        out
    }
}

#[test]
fn state_machine_dialogues_and_asp_management_dissect_clean_in_tshark() {
    let msgs = machines::messages();
    let packets: Vec<Vec<u8>> = msgs
        .iter()
        .enumerate()
        .map(|(i, (stream, m))| common_map::sctp_data(i as u32 + 1, *stream, m))
        .collect();
    let slices: Vec<&[u8]> = packets.iter().map(Vec::as_slice).collect();
    let Some(path) = clean_capture("map-sm", &slices) else {
        return;
    };

    let rows = tshark_fields(
        &path,
        &[
            "frame.protocols",
            "m3ua.message_class",
            "m3ua.message_type",
            "tcap.application_context_name",
            "gsm_old.localValue",
            "tcap.otid",
            "tcap.dtid",
            "tcap.begin_element",
        ],
    );
    assert_eq!(rows.len(), msgs.len());
    // M3UA management: class/type pairs present.
    let mut mgmt = std::collections::BTreeSet::new();
    let mut begins = 0;
    for row in &rows {
        let c: Vec<&str> = row.split('|').collect();
        if c[0].ends_with("sctp:m3ua") {
            mgmt.insert((c[1].to_string(), c[2].to_string()));
            continue;
        }
        assert!(
            c[0].ends_with("sctp:m3ua:sccp:tcap:gsm_map") || c[0].ends_with("sctp:m3ua:sccp:tcap"),
            "{row}"
        );
        if !c[7].is_empty() {
            begins += 1;
            // A Begin's context fits its invoke.
            let op: u8 = c[4].split(',').next().unwrap().parse().unwrap();
            let ctx = match op {
                56 => 14,
                2 => 1,
                23 => 32,
                3 => 2,
                67 => 27,
                other => panic!("unexpected Begin operation {other}"),
            };
            let acn = c[3];
            assert!(
                acn.starts_with(&format!("0.4.0.0.1.0.{ctx}.")),
                "Begin of op {op} in context {acn}"
            );
        }
    }
    // ASPUP, ASPUP ACK, ASPAC, ASPAC ACK, NTFY, BEAT, DUNA, DAVA, ERR.
    for (class, kind) in [
        ("3", "1"),
        ("3", "4"),
        ("4", "1"),
        ("4", "3"),
        ("0", "1"),
        ("3", "3"),
        ("2", "1"),
        ("2", "2"),
        ("0", "0"),
    ] {
        assert!(
            mgmt.contains(&(class.to_string(), kind.to_string())),
            "M3UA class {class} type {kind} missing: {mgmt:?}"
        );
    }
    assert!(begins >= 11, "{begins} Begins");
    assert_every_begin_closed(&path);
    done_with(&path);
}
