//! `include`: tables merge key by key, arrays replace, paths stay relative to the file that
//! names them, and a cycle is an error.

use crate::model::config::{Profile, DEFAULT_PROFILE_TOML};

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-include-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("sub")).unwrap();
    d
}

#[test]
fn tables_merge_arrays_replace_paths_stay_anchored() {
    let d = dir("merge");
    std::fs::write(d.join("base.toml"), DEFAULT_PROFILE_TOML).unwrap();
    std::fs::write(
        d.join("sub/over.toml"),
        "include = \"../base.toml\"\n[load]\nrate = 7\n[[visited]]\nplmn = \"208-01\"\nlink = \"../l.toml\"\n",
    )
    .unwrap();
    let p = Profile::load(&d.join("sub/over.toml")).unwrap();
    let base = Profile::embedded_default();
    assert_eq!(p.load.rate, 7.0);
    // [load] merged: the keys the override does not name are the base's.
    assert_eq!(p.load.population, base.load.population);
    // [[visited]] replaced whole; its link is relative to sub/.
    assert_eq!(p.visited.len(), 1);
    let link = p.visited[0].link.as_deref().unwrap();
    assert_eq!(std::path::Path::new(link), d.join("sub").join("../l.toml"));
    assert_eq!(p.home, base.home);
    assert_eq!(p.slo, base.slo);
}

#[test]
fn a_cycle_and_a_missing_file_are_named() {
    let d = dir("cycle");
    std::fs::write(d.join("a.toml"), "include = \"b.toml\"\n").unwrap();
    std::fs::write(d.join("b.toml"), "include = \"a.toml\"\n").unwrap();
    let e = Profile::load(&d.join("a.toml")).unwrap_err().to_string();
    assert!(e.contains("a.toml") && e.contains("include cycle"), "{e}");
    std::fs::write(d.join("c.toml"), "include = \"nope.toml\"\n").unwrap();
    let e = Profile::load(&d.join("c.toml")).unwrap_err().to_string();
    assert!(e.contains("nope.toml") && e.contains("cannot read"), "{e}");
}
