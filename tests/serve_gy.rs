//! `roamsim serve --ocs` checked from outside: the independent Gy peer `tests/py/gy_client.py`
//! (python-diameter's Credit-Control classes, nothing shared with roamsim) opens a connection
//! advertising Auth-Application-Id 4 and runs one credit-control session: CCA-I and CCA-U 2001
//! with a grant for the rating group, CCA-T 2001, then 5002 for a request on the ended session.
//! Skips with a note when the Python venv is missing (`scripts/test-deps.sh` makes it).

mod common;

use common::{python, run_py, Serve};

#[test]
fn an_independent_gy_client_gets_credit_from_serve_ocs() {
    let Some(py) = python() else { return };
    let serve = Serve::start(&["--ocs", "127.0.0.1:0"]);
    let ocs = serve
        .ocs
        .expect("serve printed the OCS's address")
        .to_string();
    let (code, out, err) = run_py(&py, "gy_client.py", &["--ocs", &ocs, "--check"], None);
    assert_eq!(code, 0, "gy_client.py: {out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON from gy_client.py");
    assert_eq!(v["check_errors"], serde_json::json!([]));
    assert_eq!(v["ccr_i"]["mscc"][0]["total_octets"], 10_000_000);
    let served = serve.stop();
    assert!(
        served.contains("ocs connections 1 ccr initial 1 update 2 termination 1"),
        "{served}"
    );
}
