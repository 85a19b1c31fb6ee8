//! The home core keeps its state (`serve --state DIR`, `roamsim state`): after a `kill -9` and a
//! restart on the same folder an S6a client gets sequence numbers above every earlier one, a
//! load's location updates and detaches of roamers registered before the kill still succeed,
//! and the store exports, shows and imports what it holds.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use common::roamsim;
use common::sctp_mme::SctpMme;
use roamsim::model::aka::ue_authenticate;
use roamsim::model::config::Profile;
use roamsim::model::subscriber::{Directory, SubscriberId};
use roamsim::wire::diameter::Packet;
use roamsim::wire::s6a::AuthInfoAnswer;
use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-state-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A free local port (UDP and TCP are both free on loopback in practice).
fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `roamsim serve --state` on fixed ports (a restart must come back where the peers look).
fn serve(state: &Path, s6a: u16, s8: u16, extra: &[&str]) -> Child {
    serve_with_output(state, s6a, s8, extra).0
}

/// As [`serve`], with what it prints after its sockets (its report, on SIGTERM).
fn serve_with_output(
    state: &Path,
    s6a: u16,
    s8: u16,
    extra: &[&str],
) -> (Child, std::sync::mpsc::Receiver<Vec<String>>) {
    let mut child = roamsim()
        .args([
            "serve",
            "--state",
            state.to_str().unwrap(),
            "--duration",
            "120s",
        ])
        .args([
            "--s6a",
            &format!("127.0.0.1:{s6a}"),
            "--s8",
            &format!("127.0.0.1:{s8}"),
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn roamsim serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("serve exited early").unwrap();
        if line.starts_with("s8 listening") {
            break;
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(lines.map_while(Result::ok).collect());
    });
    (child, rx)
}

fn sigterm(child: &mut Child) {
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    child.wait().unwrap();
}

fn export(file: &Path, n: u32, seed: u64) {
    let o = roamsim()
        .args(["subscribers", "export", "--population", &n.to_string()])
        .args(["--seed", &seed.to_string(), "--out", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// The SQNs of the vectors in an AIA, as the subscriber's USIM reads them.
fn sqns(aia: &[u8], k: &[u8; 16], opc: &[u8; 16]) -> Vec<u64> {
    let pkt = Packet::new_checked(aia).unwrap();
    let a = AuthInfoAnswer::parse(&pkt).expect("an AIA");
    a.vectors
        .iter()
        .map(|v| {
            ue_authenticate(k, opc, *v.rand, *v.autn)
                .expect("AUTN verifies")
                .sqn
        })
        .collect()
}

/// Three vectors for each subscriber over SCTP over UDP; the SQNs per IMSI.
fn vectors(hss: SocketAddr, subs: &Directory) -> HashMap<String, Vec<u64>> {
    let mut mme = SctpMme::connect(hss);
    let n = subs.len() as u64;
    for i in 0..n {
        let s = subs.get(SubscriberId(i as u32)).unwrap();
        mme.air(100 + i, &s.imsi.to_string(), 3);
    }
    mme.run_until(Duration::from_secs(20), |m| m.answers.len() as u64 == n);
    let mut out = HashMap::new();
    for i in 0..n {
        let s = subs.get(SubscriberId(i as u32)).unwrap();
        out.insert(
            s.imsi.to_string(),
            sqns(&mme.answers[&(100 + i)], &s.k, &s.opc),
        );
    }
    mme.close();
    out
}

#[test]
fn sequence_numbers_stay_fresh_across_kill_9() {
    let d = dir("sqn");
    let subs_file = d.join("subs.csv");
    export(&subs_file, 20, 5);
    let subs = Directory::from_file(&Profile::embedded_default(), &subs_file).unwrap();
    let state = d.join("state");
    let (s6a, s8) = (free_port(), free_port());
    let transport = ["--transport", "sctp-udp", "--allow-any-peer"];
    let mut extra = transport.to_vec();
    extra.extend(["--subscribers", subs_file.to_str().unwrap()]);
    let mut core = serve(&state, s6a, s8, &extra);
    let hss: SocketAddr = format!("127.0.0.1:{s6a}").parse().unwrap();
    let before = vectors(hss, &subs);
    core.kill().unwrap(); // SIGKILL: no shutdown, nothing flushed beyond what was written
    core.wait().unwrap();

    // The store holds the subscribers now: no --subscribers on the restart.
    let mut core = serve(&state, s6a, s8, &transport);
    let after = vectors(hss, &subs);
    for (imsi, old) in &before {
        let new = &after[imsi];
        assert_eq!((old.len(), new.len()), (3, 3));
        let top = old.iter().max().unwrap();
        assert!(new.iter().all(|s| s > top), "{imsi}: {old:?} then {new:?}");
    }
    core.kill().unwrap();
    core.wait().unwrap();

    // What the store says about one of them, and an export with the SQNs that imports again.
    let imsi = subs.get(SubscriberId(0)).unwrap().imsi.to_string();
    let o = roamsim()
        .args(["state", "show", state.to_str().unwrap(), &imsi])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let top = after[&imsi].iter().max().unwrap();
    assert!(
        text(&o.stdout).contains(&format!("SQN: {top} ")),
        "{}",
        text(&o.stdout)
    );
    let out = d.join("export.csv");
    let o = roamsim()
        .args([
            "state",
            "export",
            state.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("imsi,msisdn,k,opc,amf,mnc_digits,sqn\n"));
    assert!(
        csv.contains(&format!("{imsi},")) && csv.contains(&format!(",{top}\n")),
        "{csv}"
    );
    let copy = d.join("copy");
    let o = roamsim()
        .args([
            "state",
            "import",
            copy.to_str().unwrap(),
            "--subscribers",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = roamsim()
        .args(["state", "show", copy.to_str().unwrap(), &imsi])
        .output()
        .unwrap();
    assert!(
        text(&o.stdout).contains(&format!("SQN: {top} ")),
        "{}",
        text(&o.stdout)
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn registrations_and_sessions_survive_kill_9_during_a_load() {
    let d = dir("load");
    let subs = d.join("subs.csv");
    export(&subs, 1000, 8);
    let state = d.join("state");
    let (s6a, s8) = (free_port(), free_port());
    let mut core = serve(&state, s6a, s8, &["--subscribers", subs.to_str().unwrap()]);
    let out = d.join("out");
    let mut load = roamsim()
        .args([
            "load",
            "--s6a",
            &format!("127.0.0.1:{s6a}"),
            "--s8",
            &format!("127.0.0.1:{s8}"),
        ])
        .args([
            "--subscribers",
            subs.to_str().unwrap(),
            "--warm-start",
            "--quiet",
        ])
        .args([
            "--duration",
            "14s",
            "--rate",
            "200",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    core.kill().unwrap();
    core.wait().unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let (mut core, output) = serve_with_output(&state, s6a, s8, &[]);
    let status = load.wait().unwrap();
    sigterm(&mut core);
    assert!(status.code().is_some(), "the load ended by itself");
    // The restarted HSS knew where roamers were: their next location update cancelled the old
    // MME's registration.
    let report = output
        .recv_timeout(Duration::from_secs(10))
        .unwrap()
        .join("\n");
    let clr: u64 = report
        .lines()
        .filter_map(|l| l.strip_prefix("s6a.clr 2001 "))
        .map(|n| n.trim().parse::<u64>().unwrap())
        .sum();
    assert!(clr > 0, "no CLR after the restart: {report}");
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for p in ["location_update", "detach", "plmn_change", "data_session"] {
        let v = &s["procedures"][p];
        let n = |k: &str| v[k].as_u64().unwrap();
        // Without the store, the restarted PGW knew no session: gtp.64 on every Modify Bearer
        // and Delete Session of a roamer attached before the kill.
        let lost = v["reasons"]["failed"]["gtp.64"].as_u64().unwrap_or(0);
        assert_eq!(lost, 0, "{p}: {v}");
        assert!(n("ok") > 0, "{p}: {v}");
        // What failed was in flight at the kill or during the outage, and says why.
        let reasons: u64 = ["failed", "timed_out"]
            .iter()
            .flat_map(|o| v["reasons"][o].as_object().into_iter().flatten())
            .map(|(_, c)| c.as_u64().unwrap())
            .sum();
        assert_eq!(reasons, n("failed") + n("timed_out"), "{p}: {v}");
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn run_state_carries_sqns_from_one_run_to_the_next() {
    let d = dir("run");
    let state = d.join("state");
    let run = |out: &str| {
        roamsim()
            .args([
                "run",
                "--state",
                state.to_str().unwrap(),
                "--duration",
                "3s",
                "--rate",
                "300",
            ])
            .args([
                "--population",
                "2000",
                "--quiet",
                "--out",
                d.join(out).to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let first = run("first");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let second = run("second");
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let err = text(&second.stderr);
    let restored: u64 = err
        .split(", ")
        .find_map(|p| p.strip_suffix(" SQNs")?.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(restored > 100, "{err}");
    let s: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("second").join("summary.json")).unwrap(),
    )
    .unwrap();
    for (p, v) in s["procedures"].as_object().unwrap() {
        assert_eq!(v["failed"].as_u64(), Some(0), "{p}: {v}");
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_damaged_store_is_refused_by_name() {
    let d = dir("damaged");
    let state = d.join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("state.db"), vec![0x42; 4096]).unwrap();
    let o = roamsim()
        .args([
            "serve",
            "--state",
            state.to_str().unwrap(),
            "--duration",
            "1s",
        ])
        .args(["--s6a", "127.0.0.1:0", "--s8", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("state.db"), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(d);
}
