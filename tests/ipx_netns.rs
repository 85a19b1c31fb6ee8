//! `roamsim ipx` (the TUN/netns driver, docs/ARCHITECTURE.md §6) with real kernel traffic: ping and
//! a TCP transfer between `roamsim-visited` and `roamsim-home` through the emulated link, and the
//! namespaces gone afterwards. Root only: each test prints why it skips elsewhere. The driver
//! runs in-process through `roamsim::engine::link::ipx`; one test runs the built binary when
//! `roamsim ipx` is wired in. Tests share the fixed namespace names, so they take a lock.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use roamsim::engine::link::ipx::{Ipx, IpxConfig, IpxReport, HOME_NS, VISITED_NS};
use roamsim::engine::link::DriverError;
use roamsim::io::netns;
use roamsim::link::LinkProfile;

static NAMESPACES: Mutex<()> = Mutex::new(());

/// The namespace lock, or `None` (with the reason printed) where these tests cannot run.
fn setup() -> Option<MutexGuard<'static, ()>> {
    let reason = if !netns::is_root() {
        "not running as root"
    } else if !netns::have_ip() {
        "`ip` (iproute2) not found"
    } else if !Path::new("/dev/net/tun").exists() {
        "no /dev/net/tun"
    } else {
        return Some(NAMESPACES.lock().unwrap_or_else(|e| e.into_inner()));
    };
    eprintln!("skipped: {reason}");
    None
}

fn gone(name: &str) -> bool {
    !netns::exists(name)
}

/// The driver running on a thread; stopped and joined on [`Running::finish`] or on drop.
struct Running {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<Result<IpxReport, DriverError>>>,
}

impl Running {
    fn start(profile: &str) -> Running {
        let mut config = IpxConfig::new(LinkProfile::from_file(profile).unwrap());
        config.duration = Some(Duration::from_secs(90));
        let ipx = Ipx::setup(&config).unwrap();
        assert_eq!(
            ipx.ready_line(),
            "ipx ready: roamsim-visited 192.0.2.1 <-> roamsim-home 198.51.100.1"
        );
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = thread::spawn(move || ipx.run(&flag));
        Running {
            stop,
            handle: Some(handle),
        }
    }

    fn finish(mut self) -> IpxReport {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take().unwrap().join().unwrap().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// `timeout SECS ip netns exec NS PROGRAM ARGS...`.
fn in_ns(ns: &str, secs: u32, program: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg(secs.to_string())
        .args(["ip", "netns", "exec", ns, program])
        .args(args);
    cmd
}

fn have(program: &str, probe: &str) -> bool {
    Command::new(program)
        .arg(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// An ICMP echo pinger for hosts without `ping`: five echoes, prints `avg MS COUNT`.
const PY_PING: &str = r#"
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(2)
def csum(b):
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
rtts = []
for seq in range(5):
    data = b'roamsim!' * 7
    hdr = struct.pack('!BBHHH', 8, 0, 0, 0x4242, seq)
    pkt = struct.pack('!BBHHH', 8, 0, csum(hdr + data), 0x4242, seq) + data
    t = time.monotonic()
    s.sendto(pkt, ('198.51.100.1', 0))
    while True:
        try:
            r = s.recv(2048)
        except socket.timeout:
            break
        ihl = (r[0] & 15) * 4
        typ, _, _, ident, sq = struct.unpack('!BBHHH', r[ihl:ihl + 8])
        if typ == 0 and ident == 0x4242 and sq == seq:
            rtts.append((time.monotonic() - t) * 1000)
            break
    time.sleep(0.2)
print('avg', sum(rtts) / max(len(rtts), 1), len(rtts))
"#;

/// Average RTT (ms) and replies of 5 pings from visited to home, with `ping` or Python.
fn ping_home() -> Option<(f64, usize)> {
    if have("ping", "-V") {
        let out = in_ns(
            VISITED_NS,
            20,
            "ping",
            &["-c", "5", "-i", "0.2", "198.51.100.1"],
        )
        .output()
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        eprintln!("{text}");
        let replies = text
            .split(", ")
            .find_map(|f| f.strip_suffix(" received")?.parse().ok())?;
        let avg = text.split(" = ").nth(1)?.split('/').nth(1)?.parse().ok()?;
        return Some((avg, replies));
    }
    if have("python3", "-V") {
        let out = in_ns(VISITED_NS, 20, "python3", &["-c", PY_PING])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        eprintln!("python ping: {text}");
        let mut words = text.split_whitespace().skip(1);
        return Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?));
    }
    eprintln!("skipped: neither ping nor python3 found");
    None
}

#[test]
fn ping_through_eu_apac_takes_about_250_ms() {
    let Some(_lock) = setup() else { return };
    let running = Running::start("netem/eu-apac.toml");
    let ping = ping_home();
    let report = running.finish();
    eprintln!("{report}");
    assert!(gone(VISITED_NS) && gone(HOME_NS), "namespaces left behind");
    let Some((avg_ms, replies)) = ping else {
        return;
    };
    eprintln!("ping avg {avg_ms:.1} ms, {replies} replies");
    assert!(replies >= 4, "{replies} replies of 5");
    assert!((avg_ms - 250.0).abs() <= 15.0, "avg RTT {avg_ms} ms");
    assert!(report.uplink.packets >= 5 && report.downlink.packets >= 4);
}

/// Receives one TCP connection on 198.51.100.1:5001, prints `BYTES SHA256`.
const PY_RECV: &str = r#"
import socket, hashlib
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('198.51.100.1', 5001)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.settimeout(60)
h = hashlib.sha256(); n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d); n += len(d)
c.sendall(b'ok'); c.close()
print(n, h.hexdigest())
"#;

/// Sends 1 MiB of seeded bytes to 198.51.100.1:5001, prints `BYTES SHA256 SECONDS`.
const PY_SEND: &str = r#"
import socket, hashlib, random, time
data = random.Random(7).randbytes(1 << 20)
deadline = time.time() + 10
while True:
    try:
        c = socket.create_connection(('198.51.100.1', 5001), timeout=5); break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.1)
c.settimeout(60); t = time.time()
c.sendall(data); c.shutdown(socket.SHUT_WR); c.recv(2)
print(len(data), hashlib.sha256(data).hexdigest(), round(time.time() - t, 3))
"#;

fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn tcp_transfer_survives_bursty_loss_intact() {
    let Some(_lock) = setup() else { return };
    if !have("python3", "-V") {
        eprintln!("skipped: python3 not found");
        return;
    }
    let running = Running::start("netem/degraded-bursty.toml");
    let receiver = in_ns(HOME_NS, 70, "python3", &["-c", PY_RECV])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let sent = in_ns(VISITED_NS, 70, "python3", &["-c", PY_SEND])
        .output()
        .unwrap();
    let received = receiver.wait_with_output().unwrap();
    let report = running.finish();
    eprintln!(
        "sent {}\nreceived {}\n{report}",
        stdout_of(&sent),
        stdout_of(&received)
    );
    assert!(gone(VISITED_NS) && gone(HOME_NS), "namespaces left behind");
    assert!(sent.status.success() && received.status.success());
    let (sent, received) = (stdout_of(&sent), stdout_of(&received));
    assert!(sent.starts_with("1048576 "), "{sent}");
    assert!(
        sent.starts_with(&received),
        "sent {sent}, received {received}"
    );
    assert!(report.uplink.packets > 700, "{report}");
}

#[test]
fn stale_namespaces_are_replaced() {
    let Some(_lock) = setup() else { return };
    netns::ip(&["netns", "add", VISITED_NS]).unwrap();
    let running = Running::start("netem/intra-eu.toml");
    assert!(netns::exists(VISITED_NS) && netns::exists(HOME_NS));
    running.finish();
    assert!(gone(VISITED_NS) && gone(HOME_NS), "namespaces left behind");
}

#[test]
fn the_binary_cleans_up_on_sigint() {
    let Some(_lock) = setup() else { return };
    let help = Command::new(env!("CARGO_BIN_EXE_roamsim"))
        .args(["ipx", "--help"])
        .output()
        .unwrap();
    if !String::from_utf8_lossy(&help.stdout).contains("--profile") {
        eprintln!("skipped: `roamsim ipx` is not wired into src/cli/mod.rs yet");
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_roamsim"))
        .args([
            "ipx",
            "--profile",
            "netem/intra-eu.toml",
            "--duration",
            "20s",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut ready = String::new();
    stdout.read_line(&mut ready).unwrap();
    assert!(ready.starts_with("ipx ready: roamsim-visited"), "{ready}");
    assert!(netns::exists(VISITED_NS) && netns::exists(HOME_NS));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}\n{rest}");
    assert!(rest.contains("uplink:"), "{rest}");
    assert!(gone(VISITED_NS) && gone(HOME_NS), "namespaces left behind");
}
