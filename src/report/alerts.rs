//! Alert evaluation (docs/scenarios.md): every `[[alerts]]` condition ([`AlertConfig`]) read,
//! at each interval the collector merges, on the summary of the last intervals of its window,
//! with the `[expect]` evaluator ([`super::expect`]), so that an alert and a check that name the
//! same value see the same number. [`AlertEvaluator::push`] returns the alerts that fired in
//! the interval (for `/metrics`); [`AlertEvaluator::finish`] the `alerts` of `summary.json`.
//!
//! Memory is one recorder per interval of the longest window; nothing grows with the run.

use std::collections::VecDeque;

use super::expect::{evaluate_check, observe_value};
use super::interval::Interval;
use super::model::{AlertSummary, ChargingSummary, Summary};
use super::recorder::Recorder;
use super::window::blank_info;
use crate::model::alert::AlertConfig;
use crate::model::expect::Value;
use crate::model::slo::SloTarget;

struct Tracked {
    config: AlertConfig,
    window_us: u64,
    fired: Option<AlertSummary>,
}

/// Evaluates alerts as intervals arrive.
pub struct AlertEvaluator {
    alerts: Vec<Tracked>,
    recent: VecDeque<(u64, u64, Recorder)>,
    longest_us: u64,
}

/// An alert that fired in an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its severity label.
    pub severity: &'a str,
}

impl AlertEvaluator {
    /// An evaluator of `alerts` (already validated: every window parses).
    pub fn new(alerts: &[AlertConfig]) -> AlertEvaluator {
        let alerts: Vec<Tracked> = alerts
            .iter()
            .map(|a| Tracked {
                window_us: a
                    .window()
                    .ok()
                    .flatten()
                    .map_or(0, |w| w.as_micros() as u64),
                config: a.clone(),
                fired: None,
            })
            .collect();
        let longest_us = alerts.iter().map(|a| a.window_us).max().unwrap_or(0);
        AlertEvaluator {
            alerts,
            recent: VecDeque::new(),
            longest_us,
        }
    }

    /// Whether there is nothing to evaluate.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }

    /// Adds one interval and evaluates every alert on its window; returns those that fired.
    pub fn push(&mut self, interval: &Interval) -> Vec<Fired<'_>> {
        if self.alerts.is_empty() {
            return Vec::new();
        }
        self.recent.push_back((
            interval.start_us,
            interval.end_us,
            interval.recorder.clone(),
        ));
        while self.recent.len() > 1
            && interval.end_us.saturating_sub(self.recent[1].0) >= self.longest_us.max(1)
        {
            self.recent.pop_front();
        }
        let mut fired = Vec::new();
        for i in 0..self.alerts.len() {
            let window_us = self.alerts[i].window_us;
            let mut merged = Recorder::new();
            for (start, _, r) in self.recent.iter().rev() {
                merged.merge(r);
                if interval.end_us.saturating_sub(*start) >= window_us {
                    break;
                }
            }
            let summary = window_summary(&merged);
            let a = &mut self.alerts[i];
            if !evaluate_check(&summary, &a.config.condition).pass {
                continue;
            }
            let at_s = interval.end_us as f64 / 1e6;
            match &mut a.fired {
                Some(s) => {
                    s.count += 1;
                    s.last_at_s = at_s;
                }
                None => {
                    a.fired = Some(AlertSummary {
                        name: a.config.name.clone(),
                        severity: a.config.severity.as_str().to_string(),
                        runbook: a.config.runbook.clone(),
                        count: 1,
                        first_at_s: at_s,
                        last_at_s: at_s,
                        message: message(&a.config, &summary),
                    })
                }
            }
            fired.push(i);
        }
        fired
            .into_iter()
            .map(|i| Fired {
                name: &self.alerts[i].config.name,
                severity: self.alerts[i].config.severity.as_str(),
            })
            .collect()
    }

    /// The alerts that fired, in the profile's order.
    pub fn finish(self) -> Vec<AlertSummary> {
        self.alerts.into_iter().filter_map(|a| a.fired).collect()
    }
}

/// A summary of a window's recorder, charging included.
fn window_summary(recorder: &Recorder) -> Summary {
    let mut summary = Summary::new(recorder, blank_info());
    if recorder.charging.active {
        let outstanding = recorder.charging.outstanding;
        summary.charging = Some(ChargingSummary::new(
            &recorder.charging,
            Vec::new(),
            outstanding,
        ));
    }
    summary
}

/// The alert's message with its placeholders filled from the window's summary.
fn message(config: &AlertConfig, summary: &Summary) -> String {
    let template = config
        .message
        .clone()
        .unwrap_or_else(|| config.condition.text.clone());
    let value = observe_value(summary, &config.condition.left)
        .map_or_else(|| "none".to_string(), |v| format!("{v}"));
    let example = match &config.condition.left {
        Value::Reasons {
            target: SloTarget::Procedure(p),
            outcome,
            selector,
        } => summary
            .procedure(*p)
            .and_then(|s| s.reason_examples.get(outcome.as_str()))
            .and_then(|examples| examples.iter().find(|(k, _)| selector.matches(k)))
            .map(|(_, e)| e.clone()),
        _ => None,
    };
    let mut text = template
        .replace("{alert}", &config.name)
        .replace("{value}", &value);
    if let Some(e) = example {
        text = text
            .replace("{home_plmn}", &e.home_plmn)
            .replace("{visited_plmn}", &e.visited_plmn)
            .replace("{node}", &e.node)
            .replace(
                "{code}",
                &e.code.map_or_else(String::new, |c| c.to_string()),
            );
    }
    text
}

#[cfg(test)]
mod tests;
