//! One subscriber dataset (`--subscribers FILE` on run, load and serve; `roamsim subscribers
//! export` and `check`) as a user runs it: the roamers authenticate with the file's keys
//! against a core provisioned with the same file, an export provisions a core for a plain load,
//! and a bad file is refused with every error named.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{roamsim, Serve};
use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-subs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn roam(args: &[&str]) -> Output {
    roamsim().args(args).output().expect("run roamsim")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `roamsim subscribers export` of `n` subscribers with `seed` into `file`.
fn export(file: &Path, n: u32, seed: u64) {
    let o = roam(&[
        "subscribers",
        "export",
        "--population",
        &n.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// A 5 s load at 300/s of 1,000 roamers against `serve`, plus `extra`, which must exit 0;
/// returns the summary.
fn load(serve: &Serve, out: &Path, extra: &[&str]) -> (Value, Output) {
    load_exiting(serve, out, extra, 0)
}

/// As [`load`], exiting `code`.
fn load_exiting(serve: &Serve, out: &Path, extra: &[&str], code: i32) -> (Value, Output) {
    let (s6a, s8) = (serve.s6a.to_string(), serve.s8.to_string());
    let mut args = vec![
        "load",
        "--s6a",
        &s6a,
        "--s8",
        &s8,
        "--duration",
        "5s",
        "--rate",
        "300",
        "--population",
        "1000",
        "--quiet",
        "--out",
    ];
    args.push(out.to_str().unwrap());
    args.extend(extra);
    let o = roam(&args);
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let s = std::fs::read_to_string(out.join("summary.json")).unwrap();
    (serde_json::from_str(&s).unwrap(), o)
}

fn outcome(s: &Value, procedure: &str, outcome: &str) -> u64 {
    s["procedures"][procedure][outcome].as_u64().unwrap()
}

fn assert_nothing_failed(s: &Value) {
    for (p, v) in s["procedures"].as_object().unwrap() {
        let n = |k: &str| v[k].as_u64().unwrap();
        assert_eq!((n("failed"), n("timed_out")), (0, 0), "{p}: {v}");
        assert_eq!(n("started"), n("ok") + n("rejected_expected"), "{p}: {v}");
    }
    assert!(
        outcome(s, "attach", "ok") > 500,
        "{}",
        s["procedures"]["attach"]
    );
}

#[test]
fn load_and_serve_read_one_file_and_other_keys_fail_authentication() {
    let d = dir("share");
    // Keys from another seed than the load's: only the file can make them agree.
    let (a, b) = (d.join("a.csv"), d.join("b.csv"));
    export(&a, 1000, 4242);
    export(&b, 1000, 777);
    let serve = Serve::start(&["--subscribers", a.to_str().unwrap()]);
    let (s, _) = load(
        &serve,
        &d.join("a"),
        &["--subscribers", a.to_str().unwrap()],
    );
    assert_nothing_failed(&s);
    assert!(
        outcome(&s, "attach", "rejected_expected") > 0,
        "the anomaly personas still run"
    );

    // Same IMSIs, other keys: the UE rejects every AUTN, which breaches the default
    // profile's attach success SLO (exit 99).
    let (s, _) = load_exiting(
        &serve,
        &d.join("b"),
        &["--subscribers", b.to_str().unwrap()],
        99,
    );
    let attach = &s["procedures"]["attach"];
    assert_eq!(outcome(&s, "attach", "ok"), 0, "{attach}");
    assert!(outcome(&s, "attach", "failed") > 500, "{attach}");
    serve.stop();
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn an_export_provisions_serve_for_a_load_of_the_same_profile_and_seed() {
    let d = dir("export");
    let file = d.join("exported.csv");
    export(&file, 1000, 1);
    let sum = std::process::Command::new("sha256sum")
        .args(["-c", "exported.csv.sha256"])
        .current_dir(&d)
        .output()
        .expect("sha256sum");
    assert!(sum.status.success(), "{}", text(&sum.stdout));
    let o = roam(&["subscribers", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o.stdout).contains("1000 subscribers")
            && text(&o.stdout).contains("matches its manifest")
    );

    let serve = Serve::start(&["--subscribers", file.to_str().unwrap()]);
    let (s, _) = load(&serve, &d.join("plain"), &[]);
    assert_nothing_failed(&s);
    serve.stop();
    let _ = std::fs::remove_dir_all(d);
}

const K: &str = "0b77258fd6ba70fa606861522e1667cc";

#[test]
fn check_names_every_bad_line_and_exits_2() {
    let d = dir("check");
    let file = d.join("bad.csv");
    std::fs::write(
        &file,
        format!(
            "imsi,msisdn,k,opc,region\n\
             3104100001000,15550000000,{K},{K},eu\n\
             310410000100001,15550000001,{K},{K},eu\n\
             310410000100001,15550000002,{K},{K},eu\n\
             310410000100003,15550000003,{},{K},eu\n",
            &K[..31]
        ),
    )
    .unwrap();
    let o = roam(&["subscribers", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    let f = file.to_str().unwrap();
    for (line, field) in [(1, "region"), (2, "imsi"), (4, "imsi"), (5, "k")] {
        assert!(
            err.contains(&format!("{f}:{line}: field `{field}`")),
            "line {line}: {err}"
        );
    }
    assert!(err.contains("4 errors"), "{err}");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_run_refuses_a_bad_file_or_population_before_it_starts() {
    let d = dir("refuse");
    let foreign = d.join("foreign.csv");
    std::fs::write(
        &foreign,
        format!("imsi,msisdn,k,opc\n310410000100000,15550000000,{K},{K}\n208010000000001,33600000001,{K},{K}\n"),
    )
    .unwrap();
    let out = d.join("out");
    let run = |file: &Path, extra: &[&str]| {
        let mut args = vec![
            "run",
            "--virtual",
            "--duration",
            "1s",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(["--subscribers", file.to_str().unwrap()]);
        args.extend(extra);
        roam(&args)
    };
    let o = run(&foreign, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("foreign.csv:3: field `imsi`") && err.contains("mnc_digits"),
        "{err}"
    );
    assert!(!out.join("summary.json").exists(), "nothing ran");

    // With its MNC length, 208-01 is a home PLMN of its own; the population is the file.
    let split = d.join("split.csv");
    std::fs::write(
        &split,
        format!("imsi,msisdn,k,opc,mnc_digits\n310410000100000,15550000000,{K},{K},3\n208010000000001,33600000001,{K},{K},2\n"),
    )
    .unwrap();
    let o = run(&split, &["--population", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--population 3"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&split, &["--rate", "20"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(d);
}
