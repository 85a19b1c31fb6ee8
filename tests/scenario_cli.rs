//! `roamsim scenario list` and `roamsim scenario run` as a user runs them (docs/scenarios.md):
//! the embedded library lists eight scenarios; the three buildable ones pass in virtual time
//! with one junit testcase each, the five others fail naming their missing capability; each
//! built scenario, broken by a profile variant that includes it, fails with exit 99 and names
//! the check that caught it; an unknown scenario or a malformed check is exit 2.

mod common;

use std::path::{Path, PathBuf};

use common::run_roamsim as run;

fn out_dir(name: &str) -> PathBuf {
    common::fresh_dir("scen", name)
}

fn junit(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("junit.xml")).expect("junit.xml written")
}

fn scenario_file(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("profiles/scenarios")
        .join(format!("{name}.toml"));
    p.display().to_string()
}

#[test]
fn list_names_all_eight_with_their_state() {
    let (code, stdout, _) = run(&["scenario", "list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{stdout}");
    assert!(lines[0].starts_with("happy-path-attach") && lines[0].contains("30s"));
    assert_eq!(stdout.matches("(not runnable yet)").count(), 5, "{stdout}");
}

#[test]
fn the_whole_library_in_virtual_time() {
    let dir = out_dir("all");
    let d = dir.display().to_string();
    let (code, stdout, stderr) = run(&["scenario", "run", "--all", "--virtual", "--out", &d]);
    // Five scenarios need capabilities roamsim lacks: they fail, they are not skipped.
    assert_eq!(code, 99, "{stdout}{stderr}");
    let x = junit(&dir);
    assert_eq!(x.matches("<testcase ").count(), 8, "{x}");
    assert!(x.contains("tests=\"8\" failures=\"5\""), "{x}");
    assert_eq!(x.matches("type=\"missing_capability\"").count(), 5);
    for built in [
        "happy-path-attach",
        "agreement-missing",
        "billing-trigger-drop",
    ] {
        assert!(
            x.contains(&format!("name=\"{built}\" time="))
                && dir.join(built).join("summary.json").exists(),
            "{built}"
        );
        let s = std::fs::read_to_string(dir.join(built).join("summary.json")).unwrap();
        assert!(!s.contains("\"pass\": false"), "{built}: {s}");
    }
    let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(md.contains("**3 of 8 scenarios passed**"), "{md}");
    let alerts = std::fs::read_to_string(dir.join("agreement-missing/report.md")).unwrap();
    assert!(
        alerts.contains("| agreement_missing | warning |")
            && alerts.contains("roamers of 310-410 refused in 001-01"),
        "{alerts}"
    );
    let junit_run = std::fs::read_to_string(dir.join("agreement-missing/junit.xml")).unwrap();
    assert!(junit_run.contains("<property name=\"alert\" value=\"agreement_missing (warning)"));

    // The built ones alone pass.
    let dir = out_dir("built");
    let d = dir.display().to_string();
    let (code, stdout, stderr) = run(&[
        "scenario",
        "run",
        "happy-path-attach",
        "agreement-missing",
        "billing-trigger-drop",
        "--virtual",
        "--out",
        &d,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let x = junit(&dir);
    assert_eq!(x.matches("<testcase ").count(), 3);
    assert!(!x.contains("<failure"), "{x}");
}

/// A scenario file that includes the library's `base` scenario and overrides `extra`.
fn variant(dir: &Path, name: &str, base: &str, extra: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let text = format!("include = {:?}\n{extra}", scenario_file(base));
    std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
}

#[test]
fn each_built_scenario_fails_when_it_should() {
    let src = out_dir("variants-src");
    let link = Path::new(env!("CARGO_MANIFEST_DIR")).join("netem/eu-apac.toml");
    let visited: String = ["208-01", "234-15", "262-01"]
        .iter()
        .map(|p| {
            format!(
                "[[visited]]\nplmn = \"{p}\"\nlink = {:?}\n",
                link.display().to_string()
            )
        })
        .collect::<String>()
        + &format!(
            "[[visited]]\nplmn = \"001-01\"\nweight = 0\nmme_plmn = \"208-01\"\nlink = {:?}\n",
            link.display().to_string()
        );
    // A path to the partners of 250 ms one way: the attach's three round trips miss 150 ms.
    variant(&src, "slow-link", "happy-path-attach", &visited);
    // The home operator signs with 001-01: its roamers are no longer refused.
    variant(
        &src,
        "agreement-signed",
        "agreement-missing",
        "[[home.agreements]]\nhome = \"310-410\"\nvisited = [\"208-01\", \"001-01\"]\n",
    );
    // The CGF never comes back: the spool cannot drain.
    variant(
        &src,
        "cgf-gone",
        "billing-trigger-drop",
        "[charging.cgf]\noutages = [{ at_s = 20, for_s = 100000 }]\n",
    );
    for (name, check) in [
        ("slow-link", "attach:p50 &lt; 150ms"),
        (
            "agreement-signed",
            "attach:rejected_expected[s6a.5004] == attach:started",
        ),
        ("cgf-gone", "charging:stored == charging:generated"),
    ] {
        let dir = out_dir(name);
        let (s, d) = (src.display().to_string(), dir.display().to_string());
        let (code, stdout, stderr) = run(&[
            "scenario",
            "run",
            name,
            "--dir",
            &s,
            "--virtual",
            "--out",
            &d,
        ]);
        assert_eq!(code, 99, "{name}: {stdout}{stderr}");
        let x = junit(&dir);
        assert!(
            x.contains(&format!("message=\"`{check}`: observed ")),
            "{name}: {check} not named in {x}"
        );
    }
}

#[test]
fn unknown_scenarios_and_bad_checks_are_usage_errors() {
    let (code, _, stderr) = run(&["scenario", "run", "no-such-scenario", "--virtual"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown scenario `no-such-scenario`"),
        "{stderr}"
    );
    let src = out_dir("bad-check");
    variant(
        &src,
        "typo",
        "agreement-missing",
        "[expect]\nchecks = [\"atach:ok > 0\"]\n",
    );
    let (s, d) = (
        src.display().to_string(),
        out_dir("bad-check-out").display().to_string(),
    );
    let (code, _, stderr) = run(&["scenario", "run", "typo", "--dir", &s, "--out", &d]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown target `atach`"), "{stderr}");
    variant(
        &src,
        "typo",
        "agreement-missing",
        "[expect]\nchecks = [\"alerts[agreement_gone] > 0\"]\n",
    );
    let (code, _, stderr) = run(&["scenario", "run", "typo", "--dir", &s, "--out", &d]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no [[alerts]] table is named `agreement_gone`"),
        "{stderr}"
    );
}
