//! `[scenario]` of a profile (docs/scenarios.md): what makes a profile one of the scenario
//! library's entries (`profiles/scenarios/<name>.toml`): a one-line description, how long its
//! load runs and at what rate, and, for a scenario whose acceptance needs something roamsim
//! cannot do yet, the capability that is missing, so that `scenario run` fails it with that
//! sentence instead of skipping it silently.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::units::parse_duration;

/// `[scenario]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInfo {
    /// One line for `scenario list`.
    pub description: String,
    /// How long the arrivals go on (`60s`); `run --duration`.
    pub duration: String,
    /// Offered procedures per second; the profile's `[load] rate` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// What roamsim lacks to run this scenario's acceptance; `scenario run` fails it with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

impl ScenarioInfo {
    /// The duration, checked; the error names the key.
    pub fn duration(&self) -> Result<Duration, (&'static str, String)> {
        let d = parse_duration(&self.duration).map_err(|e| ("scenario.duration", e.to_string()))?;
        if d.is_zero() {
            return Err(("scenario.duration", "must be positive".into()));
        }
        if let Some(r) = self.rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
            return Err((
                "scenario.rate",
                format!("must be a positive number, got {r}"),
            ));
        }
        Ok(d)
    }
}
