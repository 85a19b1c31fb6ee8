//! `roamsim prune --older-than AGE [RESULTS_DIR] [--yes]`: lists the run folders past retention
//! (their summary.json or junit.xml written before the limit), removes exactly those with
//! `--yes`, and leaves newer runs and other children alone.

mod common;

use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::run_roamsim as run;

/// A folder holding `file`, written `age_days` ago.
fn folder(root: &Path, name: &str, file: &str, age_days: u64) {
    let d = root.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let f = File::create(d.join(file)).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(age_days * 86_400))
        .unwrap();
}

#[test]
fn lists_first_then_removes_exactly_the_folders_past_the_limit() {
    let root = common::fresh_dir("prune", "results");
    folder(&root, "20260101-run-old", "summary.json", 40);
    folder(&root, "scenarios-old", "junit.xml", 31);
    folder(&root, "20261201-run-new", "summary.json", 2);
    folder(&root, "notes", "readme.txt", 100);
    std::fs::write(root.join("loose.txt"), "x").unwrap();
    let r = root.display().to_string();

    let (code, stdout, _) = run(&["prune", "--older-than", "30d", &r]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("20260101-run-old") && stdout.contains("scenarios-old"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("run-new") && !stdout.contains("notes"),
        "{stdout}"
    );
    assert!(stdout.contains("2 run folders past retention; nothing removed"));
    assert!(
        root.join("20260101-run-old").exists(),
        "listing removes nothing"
    );

    let (code, stdout, _) = run(&["prune", "--older-than", "30d", &r, "--yes"]);
    assert_eq!(code, 0, "{stdout}");
    let mut left: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["20261201-run-new", "loose.txt", "notes"]);

    let (code, _, stderr) = run(&["prune", "--older-than", "a month", &r]);
    assert_eq!(code, 2, "{stderr}");
    let _ = std::fs::remove_dir_all(root);
}
