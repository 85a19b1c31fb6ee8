//! `roamsim run --link FILE` on real sockets: every partner's S6a and S8 traffic crosses the link
//! in the shards, as in a virtual run. A fixed 20 ms each way keeps the test short and the
//! figures exact: an attach (AIR, ULR, Create Session) makes three round trips of it more.

mod common;

use std::path::{Path, PathBuf};

use common::roamsim;
use serde_json::Value;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-links-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Runs `roamsim run` for 3 s at 20/s with `link`; returns summary.json.
fn run_with(link: &str, out: &Path) -> Value {
    let o = roamsim()
        .args(["run", "--duration", "3s", "--rate", "20", "--link", link])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .expect("run roamsim");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&s).expect("JSON")
}

fn attach_p50(s: &Value) -> u64 {
    s["procedures"]["attach"]["latency_us"]["p50"]
        .as_u64()
        .unwrap()
}

/// Nothing lost: every started procedure has an outcome, none timed out.
fn check_nothing_lost(s: &Value) {
    for (p, v) in s["procedures"].as_object().unwrap() {
        let n = |k: &str| v[k].as_u64().unwrap();
        let ended = n("ok") + n("rejected_expected") + n("failed") + n("timed_out");
        assert_eq!(n("started"), ended, "{p}: {v}");
        assert_eq!(n("timed_out"), 0, "{p}: {v}");
    }
}

#[test]
fn real_socket_runs_cross_the_link() {
    let dir = temp("run");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("d20.toml");
    std::fs::write(
        &link,
        "name = \"d20\"\n[uplink]\ndelay = \"20ms\"\n[downlink]\ndelay = \"20ms\"\n",
    )
    .unwrap();

    let plain = run_with("none", &dir.join("none"));
    assert!(plain["links"].as_object().is_none_or(|l| l.is_empty()));
    check_nothing_lost(&plain);

    let far = run_with(link.to_str().unwrap(), &dir.join("d20"));
    check_nothing_lost(&far);
    let l = &far["links"]["d20"];
    assert!(l["packets"].as_u64().unwrap() > 0, "{far}");
    assert_eq!(l["dropped"], 0, "{l}");
    let one_way = l["delay_us"]["p50"].as_u64().unwrap();
    assert!((20_000..22_000).contains(&one_way), "{l}");
    // Three round trips of 40 ms, give or take the scheduling of a loaded machine.
    let rise = attach_p50(&far).saturating_sub(attach_p50(&plain));
    assert!((115_000..160_000).contains(&rise), "attach p50 +{rise} µs");
    let _ = std::fs::remove_dir_all(dir);
}
