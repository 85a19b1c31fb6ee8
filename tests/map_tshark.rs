//! MAP over SIGTRAN as roamsim emits it (TS 29.002 over TCAP Q.773, SCCP Q.713 UDT, M3UA RFC
//! 4666 DATA, roamsim's SCTP over UDP RFC 6951), written to a pcap and dissected by tshark:
//! every frame must decode as `sctp:m3ua:sccp:tcap[:gsm_map]` with no malformed packet and no
//! expert error; each operation (SAI with quintuplets and triplets, UL with ISD inside its
//! dialogue, CL, UGL with ISD, purgeMS) is invoked and answered, the four HLR errors come back as
//! ReturnError, a refused v3 context falls back to v2, a dialogue is aborted, and each
//! dialogue's application context fits its operation. The dialogues are produced by roamsim's
//! own sans-IO HLR and VLR/SGSN client (`home::hlr`, `proto::map`), stepped against each other.
//! Skips with a note when tshark is absent (`scripts/test-deps.sh` installs it).

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

fn write(name: &str) -> (std::path::PathBuf, Vec<common_map::Frame>) {
    let frames = common_map::all_dialogues();
    let path = std::env::temp_dir().join(format!("roamsim-{name}-{}.pcap", std::process::id()));
    let payloads: Vec<&[u8]> = frames.iter().map(|f| f.udp_payload.as_slice()).collect();
    write_pcap(&path, L4::Udp, PORT, PORT, &payloads);
    (path, frames)
}

#[test]
fn map_dialogues_dissect_clean_in_tshark() {
    if Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("skipped: tshark not installed (scripts/test-deps.sh installs it)");
        return;
    }
    let (path, frames) = write("map");
    let decode = format!("udp.port=={PORT},sctp");
    let problems = tshark_problems(&path, &[&decode]).expect("tshark runs");
    assert!(problems.is_empty(), "{}: {problems:?}", path.display());

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

    // Every Begin ends in an End or an Abort, matched by transaction id.
    let mut open = std::collections::HashSet::new();
    for row in &rows {
        let cols: Vec<&str> = row.split('|').collect();
        let (otid, dtid) = (cols[3], cols[4]);
        if !otid.is_empty() && dtid.is_empty() {
            assert!(open.insert(otid.to_string()), "otid {otid} reused");
        }
    }
    let closed: std::collections::HashSet<String> = rows
        .iter()
        .zip(&frames)
        .filter(|(_, f)| f.closes)
        .map(|(row, _)| row.split('|').nth(4).unwrap_or("").to_string())
        .collect();
    for o in &open {
        assert!(closed.contains(o), "dialogue {o} never ended: {rows:#?}");
    }

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
    if std::env::var_os("ROAMSIM_KEEP_PCAP").is_none() {
        let _ = std::fs::remove_file(&path);
    }
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
