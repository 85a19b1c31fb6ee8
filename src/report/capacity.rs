//! Capacity maths (docs/ARCHITECTURE.md §7): what a run says about the size of a VLR/MME pool, and the
//! pool size a population needs (`roamsim plan`).
//!
//! - [`Capacity`] (in `model`), the `capacity` object of `summary.json`, computed here: offered, achieved and completed
//!   rates; mean procedures in flight and mean attached roamers by Little's law (L = λ·W: arrival
//!   rate times mean time in the system); the peak attached roamers of every MME/VLR instance,
//!   sampled at each interval ([`CapacityTracker`]). A run usually goes faster than its
//!   personas' own rates (`--rate` above the population's natural rate), which shortens every
//!   stay by the same factor, `time_scale`; Little's law uses the stay in run time. Next to it,
//!   the time average of the attached roamers sampled at each interval: the two agree once the
//!   run is in steady state, and a short run (all roamers detached at the start) shows its
//!   transient as the gap between them.
//! - [`plan`]: from the personas' rates, each persona's steady-state share of attached roamers
//!   (an attached roamer detaches at rate c = 1/mean_attached_s, a detached one attaches at its
//!   next arrival, rate λ, so P(attached) = λ / (λ + c)), split over the visited PLMNs by weight
//!   and summed per serving pool; instances = ceil(attached / (capacity × (1 − headroom))).

use std::fmt::Write;

use serde::Serialize;

use super::interval::Interval;
use super::model::{Capacity, InstancePeak, Summary, STEADY_STAYS};
use crate::model::persona::PersonaConfig;
use crate::model::population::VisitedPlmnConfig;
use crate::model::Procedure;

/// Follows the attached roamers of every instance over the intervals.
#[derive(Debug, Default)]
pub struct CapacityTracker {
    peaks: Vec<InstancePeak>,
    weighted: f64,
    seconds: f64,
    peak_total: u64,
}

impl CapacityTracker {
    /// Takes one interval's MME loads.
    pub fn push(&mut self, interval: &Interval) {
        let total: u64 = interval.mmes.iter().map(|m| m.roamers).sum();
        self.peak_total = self.peak_total.max(total);
        self.weighted += total as f64 * interval.duration_s();
        self.seconds += interval.duration_s();
        for m in &interval.mmes {
            match self.peaks.iter_mut().find(|p| p.mme == m.host) {
                Some(p) => p.peak_attached = p.peak_attached.max(m.roamers),
                None => self.peaks.push(InstancePeak {
                    mme: m.host.clone(),
                    plmn: m.plmn.clone(),
                    peak_attached: m.roamers,
                }),
            }
        }
    }

    /// The `capacity` object of a finished run.
    /// `natural_rate` is the procedures per second the population makes by its personas' rates.
    pub fn finish(
        self,
        summary: &Summary,
        mean_stay_s: Option<f64>,
        natural_rate: f64,
    ) -> Capacity {
        let run = &summary.run.info;
        let secs = run.duration_s.max(1e-9);
        let (mut ended, mut weighted) = (0u64, 0.0);
        for (_, p) in summary.procedures.iter() {
            ended += p.ended();
            weighted += p.ended() as f64 * p.latency_us.mean;
        }
        let mean_latency_us = if ended > 0 {
            weighted / ended as f64
        } else {
            0.0
        };
        let completed_rate = ended as f64 / secs;
        let attach_rate = summary.procedure(Procedure::Attach).map_or(0, |p| p.ok) as f64 / secs;
        let time_scale = if natural_rate > 0.0 {
            run.offered_rate / natural_rate
        } else {
            1.0
        };
        Capacity {
            offered_rate: run.offered_rate,
            achieved_rate: run.achieved_rate,
            completed_rate,
            mean_latency_us,
            mean_in_flight: completed_rate * mean_latency_us / 1e6,
            attach_rate,
            mean_stay_s,
            time_scale,
            mean_attached: mean_stay_s.map(|w| attach_rate * w / time_scale.max(1e-12)),
            // A warm start begins in steady state; a cold one gets there after a few stays.
            steady_state: summary.run.warm_start.is_some()
                || mean_stay_s.is_some_and(|w| secs >= STEADY_STAYS * w / time_scale.max(1e-12)),
            mean_attached_sampled: if self.seconds > 0.0 {
                self.weighted / self.seconds
            } else {
                0.0
            },
            peak_attached: self.peak_total,
            instances: self.peaks,
        }
    }
}

/// Churn rate c (detaches per attached roamer and second) and arrival rate λ (per roamer and
/// second) of a persona; c is 0 for a roamer that never detaches.
fn rates(p: &PersonaConfig) -> (f64, f64) {
    (p.rates()[0] / 3600.0, p.rate_per_hour() / 3600.0)
}

/// Mean time attached, seconds, over the attaches the personas produce (weighted by
/// `count × attach rate`); `None` when no persona ever detaches.
pub fn mean_stay_s(personas: &[(PersonaConfig, u64)]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for (p, n) in personas {
        let (c, lambda) = rates(p);
        if p.anomaly.is_some() || c <= 0.0 || lambda <= 0.0 {
            continue;
        }
        let attaches = *n as f64 * c * lambda / (lambda + c);
        num += attaches / c;
        den += attaches;
    }
    (den > 0.0).then(|| num / den)
}

/// One pool of `roamsim plan`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pool {
    /// The serving PLMN (its own, or the one whose MMEs serve it).
    pub plmn: String,
    /// Mean attached roamers it serves.
    pub attached: f64,
    /// Procedures per second its roamers produce.
    pub procedures_per_s: f64,
    /// Instances the profile gives it now.
    pub configured_instances: u64,
    /// Instances needed.
    pub instances: u64,
    /// The arithmetic, one step a line.
    pub arithmetic: Vec<String>,
}

/// The result of `roamsim plan`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Roamers planned for.
    pub population: u64,
    /// Attached roamers one instance holds.
    pub vlr_capacity: u64,
    /// Spare share kept on every instance, in [0, 1).
    pub headroom: f64,
    /// One per serving pool, in `[[visited]]` order.
    pub pools: Vec<Pool>,
}

/// The pools `personas` (with their roamer counts) need over `visited`.
pub fn plan(
    personas: &[(PersonaConfig, u64)],
    visited: &[VisitedPlmnConfig],
    vlr_capacity: u64,
    headroom: f64,
) -> Plan {
    let serving = |v: &VisitedPlmnConfig| v.mme_plmn.unwrap_or(v.plmn).to_string();
    let mut pools: Vec<Pool> = Vec::new();
    for v in visited.iter().filter(|v| v.mme_plmn.is_none()) {
        pools.push(Pool {
            plmn: v.plmn.to_string(),
            attached: 0.0,
            procedures_per_s: 0.0,
            configured_instances: v.mme_instances as u64,
            instances: 0,
            arithmetic: Vec::new(),
        });
    }
    for (p, n) in personas {
        let share = p.attached_share();
        let lambda = p.rate_per_hour() / 3600.0;
        for (v, w, total) in weights(p, visited) {
            let Some(pool) = pools.iter_mut().find(|q| q.plmn == serving(v)) else {
                continue;
            };
            let attached = *n as f64 * share * w / total;
            pool.attached += attached;
            pool.procedures_per_s += *n as f64 * lambda * w / total;
            let via = if v.mme_plmn.is_some() {
                format!(" (in {})", v.plmn)
            } else {
                String::new()
            };
            pool.arithmetic.push(format!(
                "{}{via}: {n} roamers × weight {w}/{total} × attached share {share:.4} = {attached:.1}",
                p.name
            ));
        }
    }
    let usable = vlr_capacity as f64 * (1.0 - headroom);
    for pool in &mut pools {
        let exact = pool.attached / usable.max(1e-9);
        pool.instances = (exact - 1e-9).ceil().max(1.0) as u64;
        pool.arithmetic.push(format!(
            "{:.1} attached / ({vlr_capacity} per instance × (1 − {:.0}% headroom) = {usable:.0}) = {exact:.3} → {} instance(s)",
            pool.attached,
            headroom * 100.0,
            pool.instances
        ));
    }
    Plan {
        population: personas.iter().map(|(_, n)| n).sum(),
        vlr_capacity,
        headroom,
        pools,
    }
}

/// The visited PLMNs a persona roams in, with its weight there and the sum of its weights
/// (the population's rule: the persona's own list, weight 0 counting as 1, else every PLMN
/// with a weight above 0).
fn weights<'a>(
    p: &PersonaConfig,
    visited: &'a [VisitedPlmnConfig],
) -> Vec<(&'a VisitedPlmnConfig, f64, f64)> {
    let chosen: Vec<(&VisitedPlmnConfig, f64)> = if p.visited.is_empty() {
        visited
            .iter()
            .filter(|v| v.weight > 0.0)
            .map(|v| (v, v.weight))
            .collect()
    } else {
        p.visited
            .iter()
            .filter_map(|plmn| visited.iter().find(|v| v.plmn == *plmn))
            .map(|v| (v, if v.weight > 0.0 { v.weight } else { 1.0 }))
            .collect()
    };
    let total: f64 = chosen.iter().map(|(_, w)| w).sum();
    chosen.into_iter().map(|(v, w)| (v, w, total)).collect()
}

/// The plan as text, arithmetic shown.
pub fn render_plan(plan: &Plan) -> String {
    let mut out = format!(
        "Pool sizes for {} roamers, {} attached roamers per instance, {:.0}% headroom\n\n",
        plan.population,
        plan.vlr_capacity,
        plan.headroom * 100.0
    );
    let _ = writeln!(
        out,
        "| PLMN | attached | procedures/s | configured | needed |"
    );
    let _ = writeln!(out, "|:--|--:|--:|--:|--:|");
    for p in &plan.pools {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.1} | {} | **{}** |",
            p.plmn, p.attached, p.procedures_per_s, p.configured_instances, p.instances
        );
    }
    out.push_str("\nArithmetic (P(attached) = λ / (λ + c), λ: arrivals per roamer, c: 1 / mean_attached_s):\n");
    for p in &plan.pools {
        let _ = writeln!(out, "\n{}:", p.plmn);
        for line in &p.arithmetic {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}
