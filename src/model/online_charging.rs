//! Online charging (Gy) settings, the profile's `[charging.online]` table of plain values: what
//! the simulated OCS grants (`home::ocs`) and how the PGW's credit-control client behaves
//! (`home::gy_client`: on or off, Tx timer). Every field has a default, so an empty table is a
//! working OCS: 10 MB grants valid for an hour, a report at 20 % of the grant left, 1 GB of
//! credit for every subscriber not provisioned otherwise, and no bill-shock caps.

use serde::{Deserialize, Serialize};

use super::Plmn;

/// `[charging.online]`: how the OCS grants credit (TS 32.299 §5.1.2, RFC 4006 §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OnlineChargingConfig {
    /// Whether the PGW asks the OCS for credit at all (`run`, and `serve` with `--ocs`).
    /// Default false: a run without online charging sends no Gy.
    pub enabled: bool,
    /// Tx (RFC 4006 §13): how long the PGW waits for a CCA before it applies the
    /// failure handling, milliseconds. Default 2000.
    pub tx_timer_ms: u64,
    /// The rating group the PGW asks credit for (RFC 4006 §8.29). Default 1.
    pub rating_group: u32,
    /// Credit and bill-shock opt-out per persona (by name); subscribers of other personas get
    /// `default_balance_octets` and no opt-out.
    pub personas: Vec<PersonaCredit>,
    /// Octets granted per rating group per request (the quota). Default 10 000 000.
    pub quota_octets: u64,
    /// Validity-Time of a grant, seconds (RFC 4006 §8.33). Default 3600.
    pub validity_time_s: u32,
    /// Volume-Quota-Threshold as a percentage of the grant (TS 32.299 §7.2.239): the PGW reports
    /// when this much of the grant is left. 0 leaves the AVP out. Default 20.
    pub threshold_percent: u8,
    /// Credit of a subscriber not provisioned otherwise, octets. Default 1 000 000 000.
    pub default_balance_octets: u64,
    /// Credit-Control-Failure-Handling sent in every CCA (RFC 4006 §8.14): what the PGW does
    /// when the OCS does not answer. Default `retry_and_terminate`.
    pub failure_handling: FailureHandling,
    /// Monthly roaming caps that protect subscribers from bill shock.
    pub bill_shock: BillShockConfig,
    /// How long the simulated OCS takes to answer (an overloaded OCS). Default: at once.
    pub latency: OcsLatency,
}

/// The simulated OCS's answer time, `{ base_ms = 2, jitter_ms = 5, distribution =
/// "exponential" }`: `base_ms` plus a random part of scale `jitter_ms` drawn from the
/// distribution (the link emulator's delay shapes: `uniform` in [0, jitter], `normal` |N(0,
/// jitter)|, `exponential` of mean jitter). Answers on one connection keep their order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OcsLatency {
    /// Fixed part, milliseconds.
    pub base_ms: f64,
    /// Scale of the random part, milliseconds.
    pub jitter_ms: f64,
    /// Shape of the random part.
    pub distribution: LatencyShape,
}

impl Default for OcsLatency {
    fn default() -> Self {
        OcsLatency {
            base_ms: 0.0,
            jitter_ms: 0.0,
            distribution: LatencyShape::Exponential,
        }
    }
}

// The values are finite once checked (`OnlineChargingConfig::check`), so equality is total.
impl Eq for OcsLatency {}

/// Shape of the random part of [`OcsLatency`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencyShape {
    /// Uniform in [0, jitter].
    Uniform,
    /// The absolute value of a normal variate of standard deviation jitter.
    Normal,
    /// Exponential of mean jitter.
    Exponential,
}

impl OcsLatency {
    /// Whether answers are delayed at all.
    pub fn is_zero(&self) -> bool {
        self.base_ms <= 0.0 && self.jitter_ms <= 0.0
    }

    /// One answer time, microseconds, drawn with `rng`.
    pub fn sample_us(&self, rng: &mut super::rng::Rng) -> u64 {
        let j = self.jitter_ms.max(0.0);
        let random = match self.distribution {
            LatencyShape::Uniform => rng.next_f64() * j,
            LatencyShape::Normal => (rng.normal() * j).abs(),
            LatencyShape::Exponential => rng.exp(j),
        };
        ((self.base_ms.max(0.0) + random) * 1000.0) as u64
    }
}

impl Default for OnlineChargingConfig {
    fn default() -> Self {
        OnlineChargingConfig {
            enabled: false,
            tx_timer_ms: 2000,
            rating_group: 1,
            personas: Vec::new(),
            quota_octets: 10_000_000,
            validity_time_s: 3600,
            threshold_percent: 20,
            default_balance_octets: 1_000_000_000,
            failure_handling: FailureHandling::RetryAndTerminate,
            bill_shock: BillShockConfig::default(),
            latency: OcsLatency::default(),
        }
    }
}

impl OnlineChargingConfig {
    /// Checks what serde cannot, given the profile's persona names: a Tx timer, a threshold
    /// within the grant, caps naming declared zones, credits naming declared personas. The
    /// error is (field under `charging.online`, what is wrong).
    pub fn check(&self, personas: &[String]) -> Result<(), (String, String)> {
        if self.tx_timer_ms == 0 {
            return Err(("tx_timer_ms".into(), "must be at least 1".into()));
        }
        if self.threshold_percent > 100 {
            return Err((
                "threshold_percent".into(),
                format!("{} is more than 100", self.threshold_percent),
            ));
        }
        let l = &self.latency;
        for (key, v) in [("base_ms", l.base_ms), ("jitter_ms", l.jitter_ms)] {
            if !(v.is_finite() && (0.0..=60_000.0).contains(&v)) {
                return Err((
                    format!("latency.{key}"),
                    format!("{v} is not a time in milliseconds (0 to 60000)"),
                ));
            }
        }
        let zones = &self.bill_shock.zones;
        for (i, c) in self.bill_shock.caps.iter().enumerate() {
            for (key, name) in [
                ("home_zone", &c.home_zone),
                ("visited_zone", &c.visited_zone),
            ] {
                if !zones.iter().any(|z| &z.name == name) {
                    return Err((
                        format!("bill_shock.caps[{i}].{key}"),
                        format!("no zone named {name:?} in bill_shock.zones"),
                    ));
                }
            }
        }
        for (i, p) in self.personas.iter().enumerate() {
            if !personas.contains(&p.persona) {
                return Err((
                    format!("personas[{i}].persona"),
                    format!(
                        "no persona named {:?} (personas: {})",
                        p.persona,
                        personas.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Credit-Control-Failure-Handling (RFC 4006 §8.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureHandling {
    /// TERMINATE: end the session when credit control fails.
    Terminate,
    /// CONTINUE: carry on without credit control.
    Continue,
    /// RETRY_AND_TERMINATE: try an alternative OCS, then end the session.
    RetryAndTerminate,
}

/// `[charging.online.bill_shock]`: zones of PLMNs and a monthly cap per (home zone, visited
/// zone). A subscriber's home zone is the zone of the PLMN its IMSI starts with; the visited zone
/// is the zone of the 3GPP-SGSN-MCC-MNC in the CCR-I. Use in a pair of zones without a cap is
/// not limited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BillShockConfig {
    /// Percentage of a cap at which the subscriber is warned (counted, with the time). Default 80.
    pub warn_percent: u8,
    /// Named groups of PLMNs.
    pub zones: Vec<Zone>,
    /// Caps per (home zone, visited zone).
    pub caps: Vec<ZoneCap>,
}

impl Default for BillShockConfig {
    fn default() -> Self {
        BillShockConfig {
            warn_percent: 80,
            zones: Vec::new(),
            caps: Vec::new(),
        }
    }
}

/// A named group of PLMNs, e.g. `{ name = "eu", plmns = ["208-01", "262-01"] }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Name the caps refer to.
    pub name: String,
    /// Its PLMNs, `MCC-MNC`.
    pub plmns: Vec<Plmn>,
}

/// A monthly cap on use by subscribers of `home_zone` while in `visited_zone`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneCap {
    /// Zone of the subscribers' home PLMN.
    pub home_zone: String,
    /// Zone of the visited PLMN.
    pub visited_zone: String,
    /// Octets per calendar month (UTC) before the cut-off.
    pub monthly_cap_octets: u64,
}

/// The credit of one persona's subscribers, e.g.
/// `{ persona = "bill-shock", balance_octets = 100000000, opted_out = false }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaCredit {
    /// The persona's name (`[[personas]] name`).
    pub persona: String,
    /// Their balance, octets (default: `default_balance_octets`).
    #[serde(default)]
    pub balance_octets: Option<u64>,
    /// Whether they opted out of the bill-shock cut-off (they are still warned).
    #[serde(default)]
    pub opted_out: bool,
}
