//! Shared pieces of the integration tests: the built binary, `roamsim serve` as a child process,
//! the independent Python peers' interpreter, and tshark captures on loopback.
#![allow(dead_code)]

pub mod sctp_mme;

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
        let (mut s6a, mut s8) = (None, None);
        let mut banner = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while s6a.is_none() || s8.is_none() {
            assert!(
                Instant::now() < deadline,
                "serve did not report its sockets"
            );
            let line = lines.next().expect("serve exited early").expect("read");
            if let Some(a) = line.strip_prefix("s6a listening on ") {
                s6a = Some(a.parse().unwrap());
            } else if let Some(a) = line.strip_prefix("s8 listening on ") {
                s8 = Some(a.parse().unwrap());
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

/// Fields of every frame matching `display_filter`, one line per frame.
pub fn tshark_fields(
    file: &Path,
    decode_as: &[String],
    display_filter: &str,
    fields: &[&str],
) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file);
    for d in decode_as {
        cmd.args(["-d", d]);
    }
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

/// A CER from an S6a MME with this Origin-Host and Origin-Realm (hop-by-hop id 1).
pub fn cer(host: &str, realm: &str) -> Vec<u8> {
    use roamsim::wire::diameter::{
        Capabilities, CapabilitiesRequest, Ids, Repeated, VendorSpecificAppId, Writer,
    };
    let mut buf = Vec::new();
    let ips = ["127.0.0.1".parse().unwrap()];
    let apps = [VendorSpecificAppId::S6A];
    let mut w = Writer::new(&mut buf);
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
    .emit(
        Ids {
            hop_by_hop: 1,
            end_to_end: 1,
        },
        &mut w,
    );
    w.finish();
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
