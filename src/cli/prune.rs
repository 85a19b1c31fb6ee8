//! `roamsim prune --older-than 30d [RESULTS_DIR] [--yes]`: retention of results folders. A run
//! folder is a direct child of RESULTS_DIR (default `results`) that holds a `summary.json` (a run)
//! or a `junit.xml` (a `scenario run`); its age is the time since that file was last written.
//! Without `--yes` the folders past the limit are listed and nothing is removed; with it they are
//! removed. Any other child (a file, a folder without results) is left alone.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clap::Args;

use super::{config_error, Exit};

/// Flags of `roamsim prune`.
#[derive(Debug, Clone, Args)]
pub struct PruneArgs {
    /// Remove run folders whose results are older than this (`30d`, `12h`, `90m`).
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub older_than: Duration,
    /// The results folder.
    #[arg(value_name = "RESULTS_DIR", default_value = "results")]
    pub dir: PathBuf,
    /// Remove them; without it they are only listed.
    #[arg(long)]
    pub yes: bool,
}

/// `30d` as well as every duration `--duration` takes.
fn parse_age(s: &str) -> Result<Duration, String> {
    match s.trim().strip_suffix('d') {
        Some(days) => days
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite() && *d >= 0.0)
            .map(|d| Duration::from_secs_f64(d * 86_400.0))
            .ok_or_else(|| format!("invalid age `{s}`: expected e.g. `30d`, `12h`")),
        None => super::parse_duration_arg(s),
    }
}

/// When a run folder's results were written; `None` for a child that is not a run folder.
fn written_at(dir: &Path) -> Option<SystemTime> {
    ["summary.json", "junit.xml"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok()?.modified().ok())
        .max()
}

/// The run folders of `dir` older than `limit` at `now`, in name order.
pub fn past_retention(
    dir: &Path,
    limit: Duration,
    now: SystemTime,
) -> std::io::Result<Vec<PathBuf>> {
    let mut old = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let Some(at) = written_at(&path) else {
            continue;
        };
        if now.duration_since(at).unwrap_or_default() > limit {
            old.push(path);
        }
    }
    old.sort();
    Ok(old)
}

/// `roamsim prune`.
pub fn run(args: &PruneArgs) -> anyhow::Result<Exit> {
    let old = past_retention(&args.dir, args.older_than, SystemTime::now())
        .map_err(|e| config_error(format!("{}: {e}", args.dir.display())))?;
    for p in &old {
        if args.yes {
            std::fs::remove_dir_all(p)
                .map_err(|e| anyhow::anyhow!("remove {}: {e}", p.display()))?;
            println!("removed {}", p.display());
        } else {
            println!("{}", p.display());
        }
    }
    if !args.yes {
        println!(
            "{} run folders past retention; nothing removed (add --yes to remove them)",
            old.len()
        );
    }
    Ok(Exit::Ok)
}
