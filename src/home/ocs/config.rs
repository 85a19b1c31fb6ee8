//! Configuration of the simulated OCS, a `[charging.online]` table of plain values. Every field
//! has a default, so an empty table is a working OCS: 10 MB grants valid for an hour, a report at
//! 20 % of the grant left, 1 GB of credit for every subscriber not provisioned otherwise, and no
//! bill-shock caps.

use serde::{Deserialize, Serialize};

use crate::model::Plmn;

/// `[charging.online]`: how the OCS grants credit (TS 32.299 §5.1.2, RFC 4006 §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OnlineChargingConfig {
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
}

impl Default for OnlineChargingConfig {
    fn default() -> Self {
        OnlineChargingConfig {
            quota_octets: 10_000_000,
            validity_time_s: 3600,
            threshold_percent: 20,
            default_balance_octets: 1_000_000_000,
            failure_handling: FailureHandling::RetryAndTerminate,
            bill_shock: BillShockConfig::default(),
        }
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

impl FailureHandling {
    /// The AVP value.
    pub fn code(self) -> u32 {
        use crate::wire::gy::codes::failure_handling as f;
        match self {
            FailureHandling::Terminate => f::TERMINATE,
            FailureHandling::Continue => f::CONTINUE,
            FailureHandling::RetryAndTerminate => f::RETRY_AND_TERMINATE,
        }
    }
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
