//! Shared pieces of the integration tests: the built binary, `roamsim serve` as a child process,
//! the independent Python peers' interpreter, and tshark captures on loopback.
#![allow(dead_code)]

pub mod sctp_mme;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The roamsim binary cargo built for these tests.
pub fn roamsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_roamsim"))
}

/// Runs the binary with `args`; returns (exit code, stdout, stderr).
pub fn run_roamsim(args: &[&str]) -> (i32, String, String) {
    let out = roamsim().args(args).output().expect("run roamsim");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A folder in the temporary directory for this test process, removed first if it exists.
pub fn fresh_dir(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The venv interpreter that `scripts/test-deps.sh` sets up, or `None` (with a printed reason)
/// outside CI when it is missing. In CI a missing venv is a failure: the test command installs it.
pub fn python() -> Option<PathBuf> {
    let py = root().join("target/pyenv/bin/python");
    if py.exists() {
        return Some(py);
    }
    if std::env::var_os("CI").is_some() {
        panic!("target/pyenv is missing: scripts/test-deps.sh should have created it");
    }
    eprintln!("skipped: target/pyenv missing (run scripts/test-deps.sh)");
    None
}

/// Whether tshark is installed (required in CI).
pub fn have_tshark() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!("tshark is missing: scripts/test-deps.sh should have installed it");
    }
    ok
}

/// A `roamsim serve` child bound to ephemeral loopback ports; killed on drop.
pub struct Serve {
    pub child: Child,
    pub s6a: SocketAddr,
    pub s8: SocketAddr,
    /// The CGF's address, when `extra` has `--cgf`.
    pub cgf: Option<SocketAddr>,
    /// The OCS's address, when `extra` has `--ocs`.
    pub ocs: Option<SocketAddr>,
    /// What serve printed before its addresses (e.g. the `transport: ...` line).
    pub banner: Vec<String>,
}

impl Serve {
    /// Starts `roamsim serve` with `extra` arguments and waits for both sockets.
    pub fn start(extra: &[&str]) -> Serve {
        let mut child = roamsim()
            .args([
                "serve",
                "--s6a",
                "127.0.0.1:0",
                "--s8",
                "127.0.0.1:0",
                "--duration",
                "120s",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn roamsim serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let (mut s6a, mut s8, mut cgf, mut ocs) = (None, None, None, None);
        let want_cgf = extra.contains(&"--cgf");
        let want_ocs = extra.contains(&"--ocs");
        let mut banner = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while s6a.is_none()
            || s8.is_none()
            || (want_cgf && cgf.is_none())
            || (want_ocs && ocs.is_none())
        {
            assert!(
                Instant::now() < deadline,
                "serve did not report its sockets"
            );
            let line = lines.next().expect("serve exited early").expect("read");
            if let Some(a) = line.strip_prefix("s6a listening on ") {
                s6a = Some(a.parse().unwrap());
            } else if let Some(a) = line.strip_prefix("s8 listening on ") {
                s8 = Some(a.parse().unwrap());
            } else if let Some(a) = line.strip_prefix("cgf listening on ") {
                cgf = Some(a.parse().unwrap());
            } else if let Some(a) = line.strip_prefix("ocs listening on ") {
                ocs = Some(a.parse().unwrap());
            } else {
                banner.push(line);
            }
        }
        // Keep reading stdout in the background so the child never blocks on a full pipe.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rest: Vec<String> = lines.map_while(Result::ok).collect();
            let _ = tx.send(rest);
        });
        SERVE_OUTPUT.with(|o| *o.borrow_mut() = Some(rx));
        Serve {
            child,
            s6a: s6a.unwrap(),
            s8: s8.unwrap(),
            cgf,
            ocs,
            banner,
        }
    }

    /// Stops it with SIGTERM (as Ctrl-C would) and returns what it printed after starting.
    pub fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "serve exited with {status}");
        SERVE_OUTPUT.with(|o| {
            o.borrow_mut()
                .take()
                .and_then(|rx| rx.recv_timeout(Duration::from_secs(10)).ok())
                .unwrap_or_default()
                .join("\n")
        })
    }
}

thread_local! {
    static SERVE_OUTPUT: std::cell::RefCell<Option<std::sync::mpsc::Receiver<Vec<String>>>> =
        const { std::cell::RefCell::new(None) };
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a Python peer with a time limit; returns (exit code, stdout, stderr).
pub fn run_py(
    py: &Path,
    script: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new("timeout")
        .arg("60")
        .arg(py)
        .arg(root().join("tests/py").join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A tshark capture on the loopback interface, stopped by [`Capture::finish`].
pub struct Capture {
    child: Child,
    pub file: PathBuf,
}

impl Capture {
    /// Starts capturing `filter` (BPF) on `lo` into a temporary file and waits until tshark is
    /// listening.
    pub fn start(name: &str, filter: &str) -> Capture {
        let file = std::env::temp_dir().join(format!("roamsim-{name}-{}.pcap", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let mut child = Command::new("tshark")
            .args(["-i", "lo", "-f", filter, "-F", "pcap", "-w"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tshark");
        // tshark says "Capturing on 'Loopback: lo'" once the capture is running.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("Capturing on") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("tshark did not start capturing");
        Capture { child, file }
    }

    /// Stops the capture (after a moment for the last packets) and returns the file.
    pub fn finish(mut self) -> PathBuf {
        std::thread::sleep(Duration::from_millis(500));
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let _ = self.child.wait();
        self.file.clone()
    }
}

/// Fields of every frame matching `display_filter`, one line per frame; `decode_as` are
/// tshark `-d` rules (`tcp.port==3868,diameter`).
pub fn tshark_fields(
    file: &Path,
    decode_as: &[String],
    display_filter: &str,
    fields: &[&str],
) -> Vec<String> {
    let args: Vec<String> = decode_as
        .iter()
        .flat_map(|d| ["-d".to_string(), d.clone()])
        .collect();
    tshark_fields_args(file, &args, display_filter, fields)
}

/// Like [`tshark_fields`] with any extra tshark arguments (`-d`, `-o`, ...) before the filter.
pub fn tshark_fields_args(
    file: &Path,
    args: &[String],
    display_filter: &str,
    fields: &[&str],
) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file).args(args);
    cmd.args(["-Y", display_filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// Frames of `file` matching `filter`.
pub fn tshark_count(file: &Path, args: &[String], filter: &str) -> usize {
    tshark_fields_args(file, args, filter, &["frame.number"]).len()
}

/// What the DATA chunks of an SCTP capture held ([`check_sctp_udp_capture`]).
pub struct SctpData {
    /// DATA chunks.
    pub chunks: usize,
    /// Stream identifiers used.
    pub streams: HashSet<String>,
    /// Diameter command codes carried.
    pub commands: HashSet<String>,
}

/// Checks the SCTP over UDP (RFC 6951) on `port` in `file`: at least `assocs` of each
/// handshake chunk (INIT, INIT ACK, COOKIE ECHO, COOKIE ACK) and of each graceful-shutdown
/// chunk (SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE); every DATA chunk PPID 46 and exactly one
/// Diameter message; every CRC32c good; nothing malformed or in error.
pub fn check_sctp_udp_capture(file: &Path, port: u16, assocs: usize) -> SctpData {
    let args: Vec<String> = [
        "-d",
        &format!("udp.port=={port},sctp"),
        "-o",
        "sctp.checksum:CRC 32c",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let ours = format!("udp.port == {port}");
    for (chunk, name) in [
        (1, "INIT"),
        (2, "INIT ACK"),
        (10, "COOKIE ECHO"),
        (11, "COOKIE ACK"),
        (7, "SHUTDOWN"),
        (8, "SHUTDOWN ACK"),
        (14, "SHUTDOWN COMPLETE"),
    ] {
        let n = tshark_count(
            file,
            &args,
            &format!("{ours} && sctp.chunk_type == {chunk}"),
        );
        assert!(
            n >= assocs,
            "{n} {name} chunks captured for {assocs} associations on port {port}"
        );
    }
    let data = tshark_fields_args(
        file,
        &args,
        &format!("{ours} && sctp.chunk_type == 0"),
        &[
            "sctp.data_payload_proto_id",
            "sctp.data_sid",
            "diameter.cmd.code",
        ],
    );
    let mut found = SctpData {
        chunks: 0,
        streams: HashSet::new(),
        commands: HashSet::new(),
    };
    let mut diameter = 0;
    for line in &data {
        let cols: Vec<&str> = line.split('\t').collect();
        for ppid in cols[0].split(',') {
            assert_eq!(ppid, "46", "DATA chunk with PPID {ppid}: {line}");
            found.chunks += 1;
        }
        found.streams.extend(cols[1].split(',').map(String::from));
        let codes = cols.get(2).map_or("", |c| c);
        let codes = codes.split(',').filter(|s| !s.is_empty());
        diameter += codes.clone().count();
        found.commands.extend(codes.map(String::from));
    }
    assert_eq!(
        found.chunks, diameter,
        "DATA chunks that are not one Diameter message"
    );
    let sctp = tshark_count(file, &args, &format!("{ours} && sctp"));
    let good = tshark_count(file, &args, &format!("{ours} && sctp.checksum.status == 1"));
    assert!(
        sctp > 0 && good == sctp,
        "{good} of {sctp} packets with a good CRC32c"
    );
    let bad = tshark_fields_args(
        file,
        &args,
        &format!("{ours} && (_ws.malformed || _ws.expert.severity >= \"error\")"),
        &["frame.number", "_ws.expert.message"],
    );
    assert!(bad.is_empty(), "tshark found problems: {bad:?}");
    found
}

/// `roamsim link --loss LOSS` in front of `upstream` for `seconds` at most; returns the child
/// and the address to send to.
pub fn lossy_link(
    upstream: SocketAddr,
    loss: &str,
    seed: u64,
    seconds: u64,
) -> (Child, SocketAddr) {
    let mut child = roamsim()
        .args(["link", "--listen", "127.0.0.1:0", "--upstream"])
        .arg(upstream.to_string())
        .args(["--loss", loss, "--seed", &seed.to_string()])
        .args(["--duration", &format!("{seconds}s")])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn roamsim link");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.next().expect("link output").expect("read");
    let addr = ready
        .split_whitespace()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("ready line: {ready}"));
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}

/// A CER from an S6a MME with this Origin-Host and Origin-Realm (hop-by-hop id 1).
pub fn cer(host: &str, realm: &str) -> Vec<u8> {
    use roamsim::wire::diameter::{
        Capabilities, CapabilitiesRequest, Emit, Ids, Repeated, VendorSpecificAppId,
    };
    let mut buf = Vec::new();
    let ips = ["127.0.0.1".parse().unwrap()];
    let apps = [VendorSpecificAppId::S6A];
    CapabilitiesRequest {
        capabilities: Capabilities {
            origin_host: host,
            origin_realm: realm,
            host_ip_addresses: Repeated::from_slice(&ips),
            vendor_id: 0,
            product_name: "bad-input-test",
            origin_state_id: None,
            supported_vendor_ids: Repeated::from_slice(&[10415]),
            auth_application_ids: Repeated::empty(),
            acct_application_ids: Repeated::empty(),
            vendor_specific_application_ids: Repeated::from_slice(&apps),
            firmware_revision: None,
        },
    }
    .emit_to(
        Ids {
            hop_by_hop: 1,
            end_to_end: 1,
        },
        &mut buf,
    );
    buf
}

/// Reads one whole Diameter message from a blocking stream.
pub fn read_diameter(s: &mut std::net::TcpStream) -> Vec<u8> {
    use std::io::Read;
    let mut head = [0u8; 4];
    s.read_exact(&mut head).expect("read a Diameter header");
    let len = roamsim::wire::diameter::message_len(&head).unwrap();
    let mut msg = head.to_vec();
    msg.resize(len, 0);
    s.read_exact(&mut msg[4..])
        .expect("read a Diameter message");
    msg
}

/// Removes every IE of `ie_type` (top level) from a GTPv2-C message and fixes the length.
pub fn without_ie(msg: &[u8], ie_type: u8) -> Vec<u8> {
    let mut out = msg[..12].to_vec();
    let mut at = 12;
    while at + 4 <= msg.len() {
        let len = u16::from_be_bytes([msg[at + 1], msg[at + 2]]) as usize;
        if msg[at] != ie_type {
            out.extend_from_slice(&msg[at..at + 4 + len]);
        }
        at += 4 + len;
    }
    let l = (out.len() - 4) as u16;
    out[2..4].copy_from_slice(&l.to_be_bytes());
    out
}
