//! `[charging]`: offline charging (CDRs over GTP' to a CGF, docs/charging.md). The table's
//! top-level keys set how the gateways write records and how their charging data functions
//! send them; `[charging.cgf]` sets the embedded CGF (billing mediation) of `run` and `serve`.

use serde::{Deserialize, Serialize};

/// `[charging]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChargingConfig {
    /// Write PGW-CDRs and SGW-CDRs and send them to the CGFs (off by default: measured on this
    /// project's 2-core VM it cost the `scripts/bench.sh` knee more than the 15 % a feature may;
    /// see docs/charging.md).
    pub offline: bool,
    /// A partial record after this many seconds since a connection's last record (0: none).
    pub time_limit_s: f64,
    /// A partial record after this many octets since the last record (0: none).
    pub volume_limit_octets: u64,
    /// T3: the first wait for a CGF's answer, in milliseconds.
    pub t3_ms: u64,
    /// N3: repeats before a CGF counts as down.
    pub n3: u32,
    /// Longest wait between two attempts (retransmissions, Echo probes), in milliseconds.
    pub backoff_cap_ms: u64,
    /// First wait between Echo Requests to a CGF that is down, in milliseconds.
    pub echo_interval_ms: u64,
    /// Most CDRs in one Data Record Transfer Request.
    pub max_records_per_packet: usize,
    /// Most packets waiting for an answer; records past it go to the dead-letter spool.
    pub max_unacked_packets: usize,
    /// Seconds a possibly duplicated copy waits for its original's CGF to come back before it
    /// is released (the original taken as never stored).
    pub unknown_fate_limit_s: f64,
    /// The GRX/IPX link the Ga traffic (CDFs ↔ CGFs) crosses: a `netem/*.toml` file, relative
    /// to the profile's folder; absent: none.
    pub link: Option<String>,
    /// The embedded CGF.
    pub cgf: CgfSettings,
    /// `[charging.online]`: Gy credit control between the PGW and the OCS.
    pub online: crate::model::online_charging::OnlineChargingConfig,
}

impl Default for ChargingConfig {
    fn default() -> Self {
        ChargingConfig {
            offline: false,
            time_limit_s: 3600.0,
            volume_limit_octets: 100_000_000,
            t3_ms: 1_000,
            n3: 3,
            backoff_cap_ms: 8_000,
            echo_interval_ms: 1_000,
            max_records_per_packet: 32,
            max_unacked_packets: 256,
            unknown_fate_limit_s: 10.0,
            link: None,
            cgf: CgfSettings::default(),
            online: Default::default(),
        }
    }
}

/// `[charging.cgf]`: the embedded billing mediation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CgfSettings {
    /// When it is down (drops everything, as a dead node would), from the start of the run.
    pub outages: Vec<Outage>,
    /// Run a secondary CGF too; the gateways fail over to it.
    pub secondary: bool,
    /// When the secondary is down.
    pub secondary_outages: Vec<Outage>,
    /// A CDR file closes after this many records.
    pub max_cdrs_per_file: u32,
    /// A CDR file closes after this many seconds.
    pub max_file_age_s: f64,
    /// Write the TS 32.297 CDR files (`results/<run>/cdr/`); false: count what is stored
    /// without keeping it (long soaks write about 250 bytes per record).
    pub files: bool,
}

impl Default for CgfSettings {
    fn default() -> Self {
        CgfSettings {
            outages: Vec::new(),
            secondary: false,
            secondary_outages: Vec::new(),
            max_cdrs_per_file: 10_000,
            max_file_age_s: 60.0,
            files: true,
        }
    }
}

/// A window during which a node is down: from `at_s` seconds after the start, for `for_s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// Start, seconds from the start of the run.
    pub at_s: f64,
    /// Length in seconds.
    pub for_s: f64,
}

impl Outage {
    /// Whether the node is down at `t_s` seconds from the start.
    pub fn covers(&self, t_s: f64) -> bool {
        t_s >= self.at_s && t_s < self.at_s + self.for_s
    }
}

impl ChargingConfig {
    /// Checks the values; the error names the key.
    pub fn check(&self) -> Result<(), (String, String)> {
        let bad = |k: &str, m: String| Err((format!("charging.{k}"), m));
        if !(self.time_limit_s.is_finite() && self.time_limit_s >= 0.0) {
            return bad("time_limit_s", "must be a number of seconds >= 0".into());
        }
        if self.t3_ms == 0 || self.n3 == 0 {
            return bad("t3_ms", "T3 and N3 must be at least 1".into());
        }
        if self.backoff_cap_ms < self.t3_ms {
            return bad(
                "backoff_cap_ms",
                format!("{} is below t3_ms {}", self.backoff_cap_ms, self.t3_ms),
            );
        }
        if !(1..=255).contains(&self.max_records_per_packet) {
            return bad("max_records_per_packet", "must be 1 to 255".into());
        }
        if !(self.unknown_fate_limit_s.is_finite() && self.unknown_fate_limit_s > 0.0) {
            return bad(
                "unknown_fate_limit_s",
                "must be a number of seconds > 0".into(),
            );
        }
        if self.max_unacked_packets == 0 {
            return bad("max_unacked_packets", "must be at least 1".into());
        }
        for (k, list) in [
            ("cgf.outages", &self.cgf.outages),
            ("cgf.secondary_outages", &self.cgf.secondary_outages),
        ] {
            for (i, o) in list.iter().enumerate() {
                let ok = |v: f64| v.is_finite() && v >= 0.0;
                if !ok(o.at_s) || !ok(o.for_s) {
                    return bad(&format!("{k}[{i}]"), "at_s and for_s must be >= 0".into());
                }
            }
        }
        if self.cgf.max_cdrs_per_file == 0
            || !(self.cgf.max_file_age_s.is_finite() && self.cgf.max_file_age_s > 0.0)
        {
            return bad(
                "cgf.max_cdrs_per_file",
                "files need at least 1 record and an age > 0".into(),
            );
        }
        Ok(())
    }
}
