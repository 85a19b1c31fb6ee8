//! Link profiles: `netem/*.toml` files (and netem-style command-line values) turned into validated
//! per-direction [`Config`]s.
//!
//! A profile has an optional `name`, `description` and `seed`, and two tables, `[uplink]` (visited →
//! home) and `[downlink]` (home → visited), with netem's option names written as strings with units:
//!
//! ```toml
//! [uplink]
//! delay = "60ms"                # netem: delay 60ms 5ms 25% distribution normal
//! jitter = "5ms"
//! delay_correlation = "25%"
//! distribution = "normal"       # uniform (default) | normal | pareto | paretonormal
//! loss = "0.1%"                 # loss random 0.1% [loss_correlation]
//! # or gemodel = { p = "1%", r = "50%", one_minus_h = "100%", one_minus_k = "0%" }
//! # or loss_state = { p13 = "1%", p31 = "50%", p32 = "0%", p23 = "100%", p14 = "0%" }
//! duplicate = "0.1%"            # [duplicate_correlation]
//! corrupt = "0.01%"             # [corrupt_correlation]
//! reorder = "1%"                # [reorder_correlation], reorder_gap = 5
//! rate = "100mbit"              # tc units: bit kbit mbit gbit, bps kbps mbps gbps; rate_overhead = 24
//! limit = 1000                  # packets
//! outage = [{ start = "60s", duration = "30s", period = "300s" }]
//! netem = "delay 60ms ..."      # the equivalent `tc qdisc add dev DEV root netem` options
//! ```
//!
//! Unknown keys are rejected; every error names the file and the field (`uplink.gemodel.r`).

use std::path::Path;

use serde::Deserialize;

use super::config::{Chance, Config, ConfigError, Distribution, LossModel, Outage, Rate, Reorder};
use crate::model::units::{parse_duration, parse_percent};

/// An error loading a profile, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The profile path.
        file: String,
        /// The read error.
        source: std::io::Error,
    },
    /// Not valid TOML, a wrong type, or an unknown field (the message names it, with its line).
    #[error("{file}: {source}")]
    Toml {
        /// The profile path.
        file: String,
        /// The parse error.
        source: toml::de::Error,
    },
    /// A value that parses but is not acceptable.
    #[error("{file}: {source}")]
    Field {
        /// The profile path.
        file: String,
        /// The field and reason.
        source: ConfigError,
    },
}

/// A loaded, validated profile.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkProfile {
    /// Short name (defaults to the file stem).
    pub name: String,
    /// What the profile models.
    pub description: String,
    /// Seed for the link's random streams, if the profile pins one.
    pub seed: Option<u64>,
    /// Visited → home impairments.
    pub uplink: Config,
    /// Home → visited impairments.
    pub downlink: Config,
    /// The `netem` option strings the profile states for `[uplink]` and `[downlink]`, if any.
    pub netem: [Option<String>; 2],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: Option<String>,
    #[serde(default)]
    description: String,
    seed: Option<u64>,
    uplink: DirectionSpec,
    downlink: DirectionSpec,
}

/// One direction as written in a profile: netem options as strings with units.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionSpec {
    /// `"60ms"`.
    pub delay: Option<String>,
    /// `"5ms"`.
    pub jitter: Option<String>,
    /// `"25%"`.
    pub delay_correlation: Option<String>,
    /// `uniform`, `normal`, `pareto`, `paretonormal`.
    pub distribution: Option<String>,
    /// Bernoulli loss, `"0.1%"`.
    pub loss: Option<String>,
    /// netem loss correlation.
    pub loss_correlation: Option<String>,
    /// Gilbert-Elliott loss.
    pub gemodel: Option<GemodelSpec>,
    /// 4-state Markov loss.
    pub loss_state: Option<LossStateSpec>,
    /// Duplication probability.
    pub duplicate: Option<String>,
    /// Duplication correlation.
    pub duplicate_correlation: Option<String>,
    /// Corruption probability.
    pub corrupt: Option<String>,
    /// Corruption correlation.
    pub corrupt_correlation: Option<String>,
    /// Reorder probability.
    pub reorder: Option<String>,
    /// Reorder correlation.
    pub reorder_correlation: Option<String>,
    /// Reorder gap (default 1).
    pub reorder_gap: Option<u32>,
    /// Queue limit, packets (default 1000).
    pub limit: Option<usize>,
    /// Rate with tc units, `"100mbit"`.
    pub rate: Option<String>,
    /// Per-packet overhead in bytes for the rate.
    pub rate_overhead: Option<i32>,
    /// Outage windows.
    #[serde(default)]
    pub outage: Vec<OutageSpec>,
    /// The equivalent netem options, for `scripts/netem-apply.sh`.
    pub netem: Option<String>,
}

/// `loss gemodel p [r [1-h [1-k]]]`, with iproute2's defaults (r = 1 - p, 1-h = 100 %, 1-k = 0).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GemodelSpec {
    /// Good → bad.
    pub p: String,
    /// Bad → good.
    pub r: Option<String>,
    /// Loss in the bad state.
    pub one_minus_h: Option<String>,
    /// Loss in the good state.
    pub one_minus_k: Option<String>,
}

/// `loss state p13 [p31 [p32 [p23 [p14]]]]`, with iproute2's defaults (p31 = 1 - p13, p32 = 0,
/// p23 = 100 %, p14 = 0).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossStateSpec {
    /// Gap → burst loss.
    pub p13: String,
    /// Burst loss → gap.
    pub p31: Option<String>,
    /// Burst loss → burst reception.
    pub p32: Option<String>,
    /// Burst reception → burst loss.
    pub p23: Option<String>,
    /// Gap → isolated loss.
    pub p14: Option<String>,
}

/// An outage window with durations as strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageSpec {
    /// Offset of the first window from the clock's zero.
    pub start: String,
    /// Window length.
    pub duration: String,
    /// Repeat period, if any.
    pub period: Option<String>,
}

/// Values of the future `roamsim link` flags (`--delay 100ms --jitter 10ms --distribution normal
/// --loss 1% --seed 7`), netem's most used options.
#[derive(Debug, Clone, Default)]
pub struct NetemFlags {
    /// `--delay`.
    pub delay: Option<String>,
    /// `--jitter`.
    pub jitter: Option<String>,
    /// `--distribution`.
    pub distribution: Option<String>,
    /// `--loss` (Bernoulli).
    pub loss: Option<String>,
    /// `--seed`.
    pub seed: Option<u64>,
}

fn micros(field: &str, text: &str) -> Result<u64, ConfigError> {
    parse_duration(text)
        .map(|d| d.as_micros().min(u128::from(u64::MAX)) as u64)
        .map_err(|e| ConfigError::new(field, e.to_string()))
}

fn ratio(field: &str, text: &str) -> Result<f64, ConfigError> {
    parse_percent(text).map_err(|e| ConfigError::new(field, e.to_string()))
}

fn opt_ratio(field: &str, text: &Option<String>, default: f64) -> Result<f64, ConfigError> {
    text.as_deref().map_or(Ok(default), |t| ratio(field, t))
}

/// Parses a tc rate (`100mbit`, `1gbit`, `64kbit`, `12500kbps`, `1000000bit`) into bits per second.
pub fn parse_rate(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let scale = match unit {
        "bit" => 1.0,
        "kbit" => 1e3,
        "mbit" => 1e6,
        "gbit" => 1e9,
        "tbit" => 1e12,
        "kibit" => 1024.0,
        "mibit" => 1024.0 * 1024.0,
        "gibit" => 1024.0 * 1024.0 * 1024.0,
        "bps" => 8.0,
        "kbps" => 8e3,
        "mbps" => 8e6,
        "gbps" => 8e9,
        _ => return None,
    };
    let bits = value * scale;
    (bits.is_finite() && bits >= 1.0).then_some(bits.round() as u64)
}

impl DirectionSpec {
    /// Converts and validates; field names in errors are the keys of this table.
    pub fn to_config(&self) -> Result<Config, ConfigError> {
        let mut c = Config {
            delay_us: self
                .delay
                .as_deref()
                .map_or(Ok(0), |t| micros("delay", t))?,
            jitter_us: self
                .jitter
                .as_deref()
                .map_or(Ok(0), |t| micros("jitter", t))?,
            delay_correlation: opt_ratio("delay_correlation", &self.delay_correlation, 0.0)?,
            loss: self.loss_model()?,
            duplicate: self.chance("duplicate", &self.duplicate, &self.duplicate_correlation)?,
            corrupt: self.chance("corrupt", &self.corrupt, &self.corrupt_correlation)?,
            ..Config::default()
        };
        c.distribution = match self.distribution.as_deref() {
            None => Distribution::Uniform,
            Some(name) => Distribution::parse(name).ok_or_else(|| {
                ConfigError::new(
                    "distribution",
                    format!("unknown `{name}`: expected uniform, normal, pareto or paretonormal"),
                )
            })?,
        };
        if self.distribution.is_some() && c.jitter_us == 0 {
            return Err(ConfigError::new(
                "distribution",
                "needs a `jitter` (as in netem)",
            ));
        }
        c.reorder = self.reorder_config()?;
        if let Some(limit) = self.limit {
            c.limit = limit;
        }
        c.rate = self.rate_config()?;
        c.outages = self.outages()?;
        c.validate()?;
        Ok(c)
    }

    fn chance(
        &self,
        field: &str,
        p: &Option<String>,
        corr: &Option<String>,
    ) -> Result<Chance, ConfigError> {
        Ok(Chance {
            p: opt_ratio(field, p, 0.0)?,
            correlation: opt_ratio(&format!("{field}_correlation"), corr, 0.0)?,
        })
    }

    fn loss_model(&self) -> Result<LossModel, ConfigError> {
        let given = [
            self.loss.is_some(),
            self.gemodel.is_some(),
            self.loss_state.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(ConfigError::new(
                "loss",
                "give only one of `loss`, `gemodel` and `loss_state`",
            ));
        }
        if let Some(ge) = &self.gemodel {
            let p = ratio("gemodel.p", &ge.p)?;
            return Ok(LossModel::GilbertElliott {
                p,
                r: opt_ratio("gemodel.r", &ge.r, 1.0 - p)?,
                one_minus_h: opt_ratio("gemodel.one_minus_h", &ge.one_minus_h, 1.0)?,
                one_minus_k: opt_ratio("gemodel.one_minus_k", &ge.one_minus_k, 0.0)?,
            });
        }
        if let Some(s) = &self.loss_state {
            let p13 = ratio("loss_state.p13", &s.p13)?;
            return Ok(LossModel::FourState {
                p13,
                p31: opt_ratio("loss_state.p31", &s.p31, 1.0 - p13)?,
                p32: opt_ratio("loss_state.p32", &s.p32, 0.0)?,
                p23: opt_ratio("loss_state.p23", &s.p23, 1.0)?,
                p14: opt_ratio("loss_state.p14", &s.p14, 0.0)?,
            });
        }
        match &self.loss {
            None => Ok(LossModel::None),
            Some(_) => Ok(LossModel::Random(self.chance(
                "loss",
                &self.loss,
                &self.loss_correlation,
            )?)),
        }
    }

    fn reorder_config(&self) -> Result<Option<Reorder>, ConfigError> {
        let Some(_) = &self.reorder else {
            if self.reorder_gap.is_some() || self.reorder_correlation.is_some() {
                return Err(ConfigError::new(
                    "reorder",
                    "`reorder_gap`/`reorder_correlation` need `reorder`",
                ));
            }
            return Ok(None);
        };
        Ok(Some(Reorder {
            chance: self.chance("reorder", &self.reorder, &self.reorder_correlation)?,
            gap: self.reorder_gap.unwrap_or(1).max(1),
        }))
    }

    fn rate_config(&self) -> Result<Option<Rate>, ConfigError> {
        let Some(text) = &self.rate else {
            if self.rate_overhead.is_some() {
                return Err(ConfigError::new("rate_overhead", "needs a `rate`"));
            }
            return Ok(None);
        };
        let bits_per_sec = parse_rate(text).ok_or_else(|| {
            ConfigError::new(
                "rate",
                format!(
                    "invalid rate `{text}`: expected e.g. `100mbit`, `2gbit`, `512kbit`, `10mbps`"
                ),
            )
        })?;
        Ok(Some(Rate {
            bits_per_sec,
            packet_overhead: self.rate_overhead.unwrap_or(0),
        }))
    }

    fn outages(&self) -> Result<Vec<Outage>, ConfigError> {
        self.outage
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let field = |name: &str| format!("outage[{i}].{name}");
                Ok(Outage {
                    start_us: micros(&field("start"), &o.start)?,
                    duration_us: micros(&field("duration"), &o.duration)?,
                    period_us: match &o.period {
                        Some(p) => Some(micros(&field("period"), p)?),
                        None => None,
                    },
                })
            })
            .collect()
    }
}

impl LinkProfile {
    /// Reads and validates a profile file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<LinkProfile, ProfileError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            file: file.clone(),
            source,
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        LinkProfile::from_toml(&text, &file, &stem)
    }

    /// Parses profile text; `file` names it in errors, `default_name` is used when it has no `name`.
    pub fn from_toml(
        text: &str,
        file: &str,
        default_name: &str,
    ) -> Result<LinkProfile, ProfileError> {
        let raw: ProfileFile = toml::from_str(text).map_err(|source| ProfileError::Toml {
            file: file.to_string(),
            source,
        })?;
        let field_err = |source: ConfigError| ProfileError::Field {
            file: file.to_string(),
            source,
        };
        Ok(LinkProfile {
            name: raw.name.unwrap_or_else(|| default_name.to_string()),
            description: raw.description,
            seed: raw.seed,
            uplink: raw
                .uplink
                .to_config()
                .map_err(|e| field_err(e.within("uplink")))?,
            downlink: raw
                .downlink
                .to_config()
                .map_err(|e| field_err(e.within("downlink")))?,
            netem: [raw.uplink.netem, raw.downlink.netem],
        })
    }

    /// A symmetric profile from netem-style flag values (both directions alike). Errors name the
    /// flag without dashes (`delay`, `loss`).
    pub fn from_flags(flags: &NetemFlags) -> Result<LinkProfile, ConfigError> {
        let spec = DirectionSpec {
            delay: flags.delay.clone(),
            jitter: flags.jitter.clone(),
            distribution: flags.distribution.clone(),
            loss: flags.loss.clone(),
            ..DirectionSpec::default()
        };
        let config = spec.to_config()?;
        Ok(LinkProfile {
            name: "flags".to_string(),
            description: String::new(),
            seed: flags.seed,
            uplink: config.clone(),
            downlink: config,
            netem: [None, None],
        })
    }
}
