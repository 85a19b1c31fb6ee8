//! `summary.json`'s `charging.online` (docs/ONLINE_CHARGING.md §3): what Gy credit control did
//! in a run, summed over the shards' home cores. Data and serde only, like `model`; the engine
//! fills it from the PGW's Gy client and the OCS, and `markdown` renders it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What online charging did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineChargingSummary {
    /// Sessions the OCS authorised (CCA-I 2001).
    pub sessions_authorised: u64,
    /// Sessions refused at Create Session, by reason (`gy.4010`, `gy.4012`, `timeout.gy.ccr`,
    /// `gy.no_connection`).
    pub refused: BTreeMap<String, u64>,
    /// Sessions that credit control ended, by reason (`gy.final_units` for a Final-Unit-
    /// Indication TERMINATE whose units were used, `gy.4010` on update, `timeout.gy.ccr` under
    /// TERMINATE failure handling).
    pub terminated: BTreeMap<String, u64>,
    /// Delete Bearer Requests the PGW sent for those, and how the SGWs answered.
    pub delete_bearer: DeleteBearerSummary,
    /// Failure-handling actions (RFC 4006 §5.7): `retry`, `terminate`, `continue`, and
    /// `uncontrolled` (sessions let through without credit control).
    pub failure_handling: BTreeMap<String, u64>,
    /// Final-Unit-Indications received, by action (`terminate`, `redirect`,
    /// `restrict_access`).
    pub final_unit_indications: BTreeMap<String, u64>,
    /// Bill-shock events per zone pair (`home>visited`).
    pub bill_shock: BTreeMap<String, BillShockSummary>,
    /// Octets reported used in answered CCRs.
    pub reported_octets: u64,
    /// Sessions under credit control at the PGW when the run ended.
    pub sessions_at_end: u64,
    /// The embedded OCS's own figures (absent against an external OCS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocs: Option<OcsSummary>,
}

/// The PGW's Delete Bearer Requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteBearerSummary {
    /// Sent.
    pub sent: u64,
    /// Answered with an acceptance.
    pub accepted: u64,
    /// Answered with a rejection.
    pub refused: u64,
}

/// Bill-shock events of one zone pair.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillShockSummary {
    /// Warnings (use passed the warning percentage of the cap).
    pub warnings: u64,
    /// Cut-offs (use reached the cap).
    pub cutoffs: u64,
    /// Caps passed by subscribers who opted out of the cut-off.
    pub opted_out: u64,
}

/// The OCS's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcsSummary {
    /// CCRs by type: INITIAL, UPDATE, TERMINATION, EVENT.
    pub requests: [u64; 4],
    /// Credit-control sessions opened.
    pub sessions_opened: u64,
    /// Credit-control sessions closed by CCR-T.
    pub sessions_closed: u64,
    /// Credit-control sessions still open when the run ended.
    pub sessions_at_end: u64,
    /// Refusals 4010 END_USER_SERVICE_DENIED.
    pub service_denied: u64,
    /// Refusals 4012 CREDIT_LIMIT_REACHED.
    pub credit_limit_reached: u64,
    /// Octets granted.
    pub granted_octets: u64,
    /// Octets debited.
    pub used_octets: u64,
}

impl OnlineChargingSummary {
    /// Adds another core's figures.
    pub fn merge(&mut self, o: &OnlineChargingSummary) {
        let add = |a: &mut BTreeMap<String, u64>, b: &BTreeMap<String, u64>| {
            for (k, v) in b {
                *a.entry(k.clone()).or_default() += v;
            }
        };
        self.sessions_authorised += o.sessions_authorised;
        add(&mut self.refused, &o.refused);
        add(&mut self.terminated, &o.terminated);
        add(&mut self.failure_handling, &o.failure_handling);
        add(&mut self.final_unit_indications, &o.final_unit_indications);
        self.delete_bearer.sent += o.delete_bearer.sent;
        self.delete_bearer.accepted += o.delete_bearer.accepted;
        self.delete_bearer.refused += o.delete_bearer.refused;
        for (k, v) in &o.bill_shock {
            let e = self.bill_shock.entry(k.clone()).or_default();
            e.warnings += v.warnings;
            e.cutoffs += v.cutoffs;
            e.opted_out += v.opted_out;
        }
        self.reported_octets += o.reported_octets;
        self.sessions_at_end += o.sessions_at_end;
        if let Some(b) = &o.ocs {
            let a = self.ocs.get_or_insert_with(OcsSummary::default);
            for i in 0..4 {
                a.requests[i] += b.requests[i];
            }
            a.sessions_opened += b.sessions_opened;
            a.sessions_closed += b.sessions_closed;
            a.sessions_at_end += b.sessions_at_end;
            a.service_denied += b.service_denied;
            a.credit_limit_reached += b.credit_limit_reached;
            a.granted_octets += b.granted_octets;
            a.used_octets += b.used_octets;
        }
    }

    /// Bill-shock totals over the zone pairs: warnings, cut-offs, opted out.
    pub fn bill_shock_totals(&self) -> BillShockSummary {
        self.bill_shock
            .values()
            .fold(BillShockSummary::default(), |a, b| BillShockSummary {
                warnings: a.warnings + b.warnings,
                cutoffs: a.cutoffs + b.cutoffs,
                opted_out: a.opted_out + b.opted_out,
            })
    }
}
