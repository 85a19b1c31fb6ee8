//! `--log FILE`, `--log-format`, `--log-sample`, `--log-rate`, `--log-burst`, `--log-key` of
//! `run`, `load` and `serve`: the structured log (docs/logging.md; written by
//! [`crate::engine::log`], its lines by [`crate::report::log`]).

use std::path::PathBuf;

use clap::Args;

use super::config_error;
use crate::engine::log::{parse_key, LogSettings};
use crate::report::log::{parse_sample, LogFormat};

/// The structured log's flags.
#[derive(Debug, Clone, Args)]
pub struct LogFlags {
    /// Write a structured log here: every procedure that did not end ok, a sample of those
    /// that did (`serve`: every rejected request and malformed input). Subscribers appear as
    /// a keyed hash, never as IMSI or MSISDN.
    #[arg(long = "log", value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Format of the log: `json` (one object per line) or `text`.
    #[arg(
        long,
        value_name = "json|text",
        default_value = "text",
        requires = "log"
    )]
    pub log_format: String,
    /// Share of successful procedures logged, as 1/N (failures are always logged).
    #[arg(long, value_name = "1/N", default_value = "1/1000", requires = "log")]
    pub log_sample: String,
    /// At most this many lines a second on average (all shards together); lines beyond it are
    /// dropped and counted.
    #[arg(long, value_name = "LINES", default_value_t = 1000.0, requires = "log")]
    pub log_rate: f64,
    /// At most this many lines at once (the token bucket's size).
    #[arg(long, value_name = "LINES", default_value_t = 5000, requires = "log")]
    pub log_burst: u64,
    /// Key (hex, at least 16 octets) of the subscriber hashes, so that the logs of several runs
    /// can be matched; by default a random key per process, written nowhere.
    #[arg(long, value_name = "HEX", requires = "log")]
    pub log_key: Option<String>,
}

impl LogFlags {
    /// The settings, or `None` without `--log`; a bad value is a usage error naming its flag.
    pub fn settings(&self, scenario: &str) -> anyhow::Result<Option<LogSettings>> {
        let Some(path) = &self.log else {
            return Ok(None);
        };
        let format: LogFormat = self
            .log_format
            .parse()
            .map_err(|e| config_error(format!("--log-format: {e}")))?;
        let sample_every = parse_sample(&self.log_sample)
            .map_err(|e| config_error(format!("--log-sample: {e}")))?;
        if !(self.log_rate.is_finite() && self.log_rate > 0.0) {
            return Err(config_error("--log-rate must be a positive number".into()));
        }
        let key = match &self.log_key {
            Some(k) => Some(parse_key(k).map_err(config_error)?),
            None => None,
        };
        Ok(Some(LogSettings {
            path: path.clone(),
            format,
            sample_every,
            rate: self.log_rate,
            burst: self.log_burst.max(1),
            key,
            scenario: scenario.to_string(),
        }))
    }
}
