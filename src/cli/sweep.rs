//! `roamsim run --sweep FROM:TO:STEP`: one run per offered rate, each in its own subfolder
//! (`rate-<r>/`), then the sweep's folder: the knee step's summary with the `sweep` object (every
//! step and the knee, the highest offered rate meeting every SLO), its `intervals.hlog`, and every
//! report, with latency against offered load drawn in `report.html`. Exit 0 when some step met
//! every SLO, 99 when none did.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;

use super::run::{resolve, RunArgs};
use super::{config_error, stop_flag, Exit};
use crate::engine::load::Target;
use crate::report::sweep::{parse_sweep, Sweep, SweepPoint};
use crate::report::{self, Summary};

/// Runs the sweep.
pub fn run(args: &RunArgs, sweep: &str) -> anyhow::Result<Exit> {
    let rates = parse_sweep(sweep).map_err(config_error)?;
    let base_cfg = resolve(&args.load, Target::Embedded, args.virtual_time, None, None)?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let base = args.load.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("{}-sweep", report::run_id(now_ms, base_cfg.seed)))
    });
    let stop = stop_flag()?;
    let mut points = Vec::new();
    let mut summaries: Vec<(f64, Summary, PathBuf)> = Vec::new();
    for rate in rates {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let mut cfg = resolve(&args.load, Target::Embedded, args.virtual_time, None, None)?;
        let sub = format!("rate-{rate}");
        cfg.rate = rate;
        cfg.out = Some(base.join(&sub));
        let outcome = crate::engine::load::run(cfg, stop.clone())?;
        let p = SweepPoint::of(&outcome.summary, &sub);
        eprintln!(
            "sweep: offered {rate}/s, achieved {:.1}/s, SLOs {}",
            p.achieved_rate,
            if p.pass { "met" } else { "breached" }
        );
        points.push(p);
        summaries.push((rate, outcome.summary, outcome.dir));
    }
    let sweep = Sweep::new(points);
    let pick = sweep
        .knee
        .unwrap_or_else(|| summaries.last().map_or(0.0, |s| s.0));
    let Some((_, step, step_dir)) = summaries.into_iter().find(|s| s.0 == pick) else {
        return Err(config_error("the sweep ran no step".into()));
    };
    let mut summary = step;
    summary.sweep = Some(sweep);
    let hlog = step_dir.join("intervals.hlog");
    std::fs::copy(&hlog, base.join("intervals.hlog"))
        .with_context(|| format!("copy {}", hlog.display()))?;
    let data = report::hlog::read_hlog(&std::fs::read(base.join("intervals.hlog"))?)?;
    report::write_reports(&base, &summary, &data)
        .with_context(|| format!("write results to {}", base.display()))?;
    println!("{}", report::render_markdown(&summary));
    println!("results: {}", base.display());
    Ok(
        if summary.sweep.as_ref().is_some_and(|s| s.knee.is_some()) {
            Exit::Ok
        } else {
            Exit::SloBreached
        },
    )
}
