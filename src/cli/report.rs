//! `roamsim report DIR` (re-render every report of a run folder from `summary.json` and
//! `intervals.hlog`), `roamsim compare BASELINE CURRENT` (the nightly regression gate) and
//! `roamsim plan` (VLR/MME pool sizes for a population, arithmetic shown).

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{config_error, load_profile, Exit};
use crate::model::population::Population;
use crate::model::units::{parse_duration, parse_percent};
use crate::report::capacity::{plan, render_plan};
use crate::report::compare::{compare, render_comparison, Tolerance};
use crate::report::{self, Verdict};

/// Flags of `roamsim report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// A run folder (with summary.json and intervals.hlog).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Flags of `roamsim compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// The baseline run folder (or its summary.json).
    #[arg(value_name = "BASELINE_DIR")]
    pub baseline: PathBuf,
    /// The current run folder (or its summary.json).
    #[arg(value_name = "CURRENT_DIR")]
    pub current: PathBuf,
    /// Largest accepted change for the worse: throughput lower or latency higher by this much.
    #[arg(long, default_value = "5%", value_name = "PERCENT")]
    pub max_regression: String,
    /// Latency differences smaller than this are never regressions (loopback jitter).
    #[arg(long, default_value = "1ms", value_name = "DURATION")]
    pub min_latency_delta: String,
}

/// Flags of `roamsim plan`.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Profile (TOML) with the personas and visited PLMNs; the embedded default when absent.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Roamers to plan for.
    #[arg(long)]
    pub population: u64,
    /// Attached roamers one MME/VLR instance holds.
    #[arg(long, default_value_t = 500_000)]
    pub vlr_capacity: u64,
    /// Spare share kept on every instance (e.g. `30%`).
    #[arg(long, default_value = "30%")]
    pub headroom: String,
    /// JSON instead of text (`pools[].plmn`, `pools[].instances`, ...).
    #[arg(long)]
    pub json: bool,
}

/// `roamsim report DIR`: writes report.md, report.html, junit.xml again and prints report.md;
/// the exit code follows the stored verdict (0 pass, 99 fail).
pub fn report(args: &ReportArgs) -> anyhow::Result<Exit> {
    let (summary, hlog) = report::read_run(&args.dir).map_err(|e| config_error(e.to_string()))?;
    report::write_reports(&args.dir, &summary, &hlog)?;
    println!("{}", report::render_markdown(&summary));
    println!("results: {}", args.dir.display());
    Ok(match summary.verdict {
        Verdict::Pass => Exit::Ok,
        Verdict::Fail => Exit::SloBreached,
    })
}

fn summary_of(path: &std::path::Path) -> anyhow::Result<report::Summary> {
    let dir = if path.is_file() {
        path.parent().map(PathBuf::from).unwrap_or_default()
    } else {
        path.to_path_buf()
    };
    let file = dir.join("summary.json");
    let text = std::fs::read_to_string(&file)
        .map_err(|e| config_error(format!("{}: {e}", file.display())))?;
    report::Summary::from_json(&text).map_err(|e| config_error(format!("{}: {e}", file.display())))
}

/// `roamsim compare`: prints the table; exit 99 on a regression beyond the tolerance.
pub fn compare_cmd(args: &CompareArgs) -> anyhow::Result<Exit> {
    let max_regression = parse_percent(&args.max_regression)
        .map_err(|e| config_error(format!("--max-regression: {e}")))?;
    let min = parse_duration(&args.min_latency_delta)
        .map_err(|e| config_error(format!("--min-latency-delta: {e}")))?;
    let baseline = summary_of(&args.baseline)?;
    let current = summary_of(&args.current)?;
    let tol = Tolerance {
        max_regression,
        min_latency_delta_us: min.as_secs_f64() * 1e6,
    };
    let c = compare(&baseline, &current, tol);
    println!(
        "baseline {} ({}), current {} ({})\n",
        baseline.run.info.id,
        args.baseline.display(),
        current.run.info.id,
        args.current.display()
    );
    print!("{}", render_comparison(&c));
    Ok(if c.regressed() {
        Exit::SloBreached
    } else {
        Exit::Ok
    })
}

/// `roamsim plan`.
pub fn plan_cmd(args: &PlanArgs) -> anyhow::Result<Exit> {
    let headroom =
        parse_percent(&args.headroom).map_err(|e| config_error(format!("--headroom: {e}")))?;
    if headroom >= 1.0 {
        return Err(config_error("--headroom must be below 100%".into()));
    }
    if args.population == 0 || args.vlr_capacity == 0 {
        return Err(config_error(
            "--population and --vlr-capacity must be at least 1".into(),
        ));
    }
    if args.population > u32::MAX as u64 {
        return Err(config_error(format!(
            "--population {} is above {}",
            args.population,
            u32::MAX
        )));
    }
    let mut profile = load_profile(args.profile.as_deref())?;
    profile.load.population = args.population;
    super::run::grow_provisioning(&mut profile, args.population);
    let name = args
        .profile
        .as_ref()
        .map_or("default".to_string(), |p| p.display().to_string());
    let population = Arc::new(
        Population::from_profile(&profile, &name, None).map_err(|e| config_error(e.to_string()))?,
    );
    let personas: Vec<_> = population
        .personas()
        .iter()
        .map(|p| (p.config.clone(), p.count as u64))
        .collect();
    let p = plan(&personas, population.visited(), args.vlr_capacity, headroom);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        print!("{}", render_plan(&p));
    }
    Ok(Exit::Ok)
}
