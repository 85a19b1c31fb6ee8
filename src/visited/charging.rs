//! The visited SGW's offline charging: an SGW-CDR per PDN connection it holds towards the home
//! PGW (TS 32.251 §5.2.2.1), kept by a [`Ledger`] keyed by the PGW's control TEID. The traffic
//! of a connection comes from the same model as the PGW's (`model::usage`: the roamer's
//! persona and the Charging ID the PGW gave), so the two gateways' records describe the same
//! octets.

use std::sync::Arc;

use super::VisitedNetwork;
use crate::model::population::RoamerId;
use crate::model::usage::UsageModel;
use crate::model::Micros;
use crate::proto::gtpprime::{Connection, Ledger, LedgerConfig};

/// The SGW's record keeper and what it needs to fill records in.
pub(super) struct SgwCharging {
    pub(super) ledger: Ledger,
    usage: UsageModel,
    apn: Arc<str>,
}

impl VisitedNetwork {
    /// Writes SGW-CDRs from now on; take them from [`VisitedNetwork::poll_cdr`].
    pub fn enable_charging(&mut self, cfg: LedgerConfig, usage: UsageModel) {
        self.charging = Some(Box::new(SgwCharging {
            ledger: Ledger::new(cfg),
            usage,
            apn: Arc::from(self.cfg.apn.as_str()),
        }));
    }

    /// The next SGW-CDR (BER) and when it closed.
    pub fn poll_cdr(&mut self) -> Option<(Vec<u8>, Micros)> {
        self.charging.as_mut()?.ledger.poll_record()
    }

    /// The SGW's record keeper, when charging is on.
    pub fn ledger(&self) -> Option<&Ledger> {
        self.charging.as_ref().map(|c| &c.ledger)
    }

    /// Closes the records of every connection still open (the run ends with them).
    pub fn close_records(&mut self, now: Micros) {
        if let Some(c) = &mut self.charging {
            c.ledger
                .close_all(now, crate::wire::cdr::closing::ABNORMAL_RELEASE);
        }
    }

    /// A Create Session of `roamer` in visited PLMN `visited` was accepted: the PGW's control
    /// TEID `pgw_teid` and Charging ID open a connection.
    pub(super) fn charging_open(
        &mut self,
        now: Micros,
        roamer: RoamerId,
        visited: u8,
        pgw_teid: u32,
        charging_id: Option<u32>,
    ) {
        let Some(c) = &mut self.charging else { return };
        let r = self.population.roamer(roamer);
        let charging_id = charging_id.unwrap_or(pgw_teid);
        let conn = Connection {
            imsi: r.imsi,
            msisdn: r.msisdn,
            apn: c.apn.clone(),
            charging_id,
            paa: None,
            serving_node: self.cfg.mme_ip,
            serving_plmn: self.population.visited()[visited as usize].plmn,
            pgw_plmn: Some(r.home),
            pgw_address: Some(self.cfg.pgw.ip()),
            rat_type: crate::wire::cdr::RAT_EUTRAN,
            rates: c.usage.rates(Some(r.persona), r.imsi, charging_id),
            start: now,
        };
        c.ledger.open(u64::from(pgw_teid), conn);
    }

    /// The connection with PGW control TEID `pgw_teid` is gone: deleted (`normal`), or lost
    /// another way.
    pub(super) fn charging_close(&mut self, now: Micros, pgw_teid: u32, normal: bool) {
        let Some(c) = &mut self.charging else { return };
        let cause = if normal {
            crate::wire::cdr::closing::NORMAL_RELEASE
        } else {
            crate::wire::cdr::closing::ABNORMAL_RELEASE
        };
        c.ledger.close(now, u64::from(pgw_teid), cause);
    }
}
