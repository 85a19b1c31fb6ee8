//! Online charging in a virtual run: the home core's embedded OCS and the PGW's Gy client,
//! joined by one simulated Diameter connection inside the home network (no partner link, the
//! run's per-hop delay), so that CER/CEA, DWR/DWA and every CCR/CCA pass as bytes. An OCS
//! outage window drops what the PGW sends to the OCS, so that its Tx timers and failure
//! handling run as they would against an OCS that is down.

use super::links::Hop;
use crate::home::gy_client::GyStats;
use crate::home::ocs::{OcsCounters, OcsEvent};
use crate::home::{GyTarget, HomeCore};
use crate::model::config::{ConfigError, Profile};
use crate::model::population::Population;
use crate::model::Micros;
use crate::report::Recorder;
use crate::wire::diameter::message_len;

/// A hook that sees every message the PGW sends to the OCS, with the time it leaves.
pub type GyTap = Box<dyn FnMut(Micros, &[u8])>;

/// The Gy side of a virtual run.
#[derive(Default)]
pub(super) struct VirtualGy {
    /// Sees what the PGW sends.
    tap: Option<GyTap>,
    /// The OCS's connection id for the PGW's client; `None`: online charging is off.
    conn: Option<usize>,
    /// Messages to the OCS are lost from .0 until .1.
    outage: Option<(Micros, Micros)>,
    /// Messages lost to the outage.
    dropped: u64,
    /// Bill-shock events the OCS reported.
    events: Vec<OcsEvent>,
}

/// What online charging did in a virtual run.
#[derive(Debug, Clone, Default)]
pub struct OnlineResult {
    /// The PGW's Gy client's counters.
    pub gy: GyStats,
    /// The OCS's counters.
    pub ocs: OcsCounters,
    /// Credit-control sessions the OCS holds at the end.
    pub ocs_sessions: usize,
    /// Sessions under credit control at the PGW at the end.
    pub gy_sessions: usize,
    /// PDN connections the PGW holds at the end.
    pub pgw_sessions: usize,
    /// Sessions ended by credit control (a Delete Bearer Request each).
    pub ended_by_credit_control: u64,
    /// Delete Bearer Requests sent, answered 16, answered otherwise.
    pub delete_bearer: [u64; 3],
    /// Bill-shock events, in order.
    pub bill_shock: Vec<OcsEvent>,
    /// Messages to the OCS lost to the outage window.
    pub dropped_in_outage: u64,
}

impl OnlineResult {
    /// As `summary.json`'s `charging.online`.
    pub fn summary(&self) -> crate::report::online::OnlineChargingSummary {
        let mut zones = std::collections::BTreeMap::new();
        for e in &self.bill_shock {
            crate::engine::serve::count_bill_shock(&mut zones, e);
        }
        crate::engine::serve::online_summary(
            Some((&self.gy, self.gy_sessions)),
            self.delete_bearer,
            Some((self.ocs, self.ocs_sessions)),
            &zones,
        )
    }
}

impl VirtualGy {
    /// Embeds the OCS in `home` and aims the PGW at it when `profile` turns online charging
    /// on; the connection opens at time 0.
    pub(super) fn new(
        home: &mut HomeCore,
        profile: &Profile,
        population: Option<std::sync::Arc<Population>>,
        seed: u64,
    ) -> Result<VirtualGy, ConfigError> {
        if !profile.charging.online.enabled {
            return Ok(VirtualGy::default());
        }
        home.embed_ocs(profile, population, seed)
            .map_err(|e| ConfigError {
                file: "profile".to_string(),
                line: None,
                column: None,
                field: Some("charging.online.bill_shock".to_string()),
                message: e.to_string(),
            })?;
        let (host, realm) = HomeCore::ocs_identity(profile);
        home.enable_gy(
            profile,
            GyTarget {
                realm,
                host: Some(host),
            },
            seed,
            0,
        );
        let conn = home.ocs_mut().map(|o| o.open(Micros::ZERO));
        if let Some(g) = home.gy_mut() {
            g.measure();
            g.connect(Micros::ZERO);
        }
        Ok(VirtualGy {
            conn,
            ..VirtualGy::default()
        })
    }
}

impl VirtualGy {
    /// Installs a hook on the messages the PGW sends to the OCS.
    pub(super) fn set_tap(&mut self, tap: GyTap) {
        self.tap = Some(tap);
    }

    /// Loses every message to the OCS from `from` until `until` (virtual time).
    pub(super) fn set_outage(&mut self, from: Micros, until: Micros) {
        self.outage = Some((from, until));
    }

    /// What the PGW's client and the OCS send each other now, to queue with their hops.
    pub(super) fn transmit(&mut self, home: &mut HomeCore, now: Micros) -> Vec<(Hop, Vec<u8>)> {
        let Some(conn) = self.conn else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(g) = home.gy_mut() {
            for m in split(g.transmit()) {
                if let Some(t) = self.tap.as_mut() {
                    t(now, &m);
                }
                out.push((Hop::Ocs(conn), m));
            }
            g.clear_transmit();
        }
        if let Some(o) = home.ocs_mut() {
            out.extend(split(o.output(conn)).into_iter().map(|m| (Hop::Gy, m)));
            o.clear_output(conn);
            while let Some(e) = o.ocs_mut().poll_event() {
                self.events.push(e);
            }
        }
        out
    }

    /// Delivers one Gy message at `now`.
    pub(super) fn deliver(&mut self, home: &mut HomeCore, now: Micros, hop: Hop, bytes: &[u8]) {
        match hop {
            Hop::Ocs(i) => {
                if self.outage.is_some_and(|(a, b)| a <= now && now < b) {
                    self.dropped += 1;
                    return;
                }
                if let Some(o) = home.ocs_mut() {
                    o.handle_message(now, i, bytes);
                }
            }
            _ => home.handle_gy_message(now, bytes),
        }
    }

    /// Moves the Gy requests' outcomes into `rec` as the `gy.*` messages.
    pub(super) fn record(&mut self, home: &mut HomeCore, rec: &mut Recorder) {
        crate::engine::serve::record_gy(home, rec);
    }

    /// What online charging did, at the end of the run.
    pub(super) fn result(&mut self, home: &HomeCore) -> Option<OnlineResult> {
        self.conn?;
        let pgw = home.pgw();
        Some(OnlineResult {
            gy: home.gy().map(|g| g.stats().clone()).unwrap_or_default(),
            ocs: home.ocs().map(|o| o.ocs().counters()).unwrap_or_default(),
            ocs_sessions: home.ocs().map_or(0, |o| o.ocs().open_sessions()),
            gy_sessions: home.gy().map_or(0, |g| g.open_sessions()),
            pgw_sessions: pgw.pgw().session_count(),
            ended_by_credit_control: pgw.ended_by_credit_control(),
            delete_bearer: pgw.delete_bearer_counts(),
            bill_shock: std::mem::take(&mut self.events),
            dropped_in_outage: self.dropped,
        })
    }
}

/// Splits a Diameter byte stream into whole messages.
pub(super) fn split(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < stream.len() {
        let Some(len) = message_len(&stream[at..]).filter(|&l| l > 0 && at + l <= stream.len())
        else {
            break;
        };
        out.push(stream[at..at + len].to_vec());
        at += len;
    }
    out
}
