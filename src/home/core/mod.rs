//! The embedded home core as one sans-IO value (docs/ARCHITECTURE.md §1, §3): the HSS behind
//! its Diameter connections ([`S6aCore`]: peers, S6a answers, Cancel-Location routed to the old
//! MME's connection) and the PGW's GTPv2-C front ([`PgwService`]). `roamsim serve` puts it
//! behind real sockets, `roamsim run` gives every shard one, and a virtual run steps it on the
//! simulated clock: the same type in all three, so that the virtual run proves the real path.
//!
//! Call order: feed Diameter messages per connection through [`HomeCore::s6a`] (see
//! [`S6aCore`]) and S8 datagrams through [`HomeCore::handle_datagram`]; send what
//! [`HomeCore::poll_transmit`] and [`S6aCore::output`] give; run [`HomeCore::handle_timeout`]
//! when [`HomeCore::poll_timeout`] is due; take charging records from
//! [`HomeCore::poll_cdr`] and log lines from [`HomeCore::poll_notice`].

use std::net::{IpAddr, SocketAddr};

use crate::model::config::Profile;
use crate::model::protocol_errors::ProtocolErrors;
use crate::model::subscriber::Directory;
use crate::model::Micros;
use crate::proto::diameter::LocalIdentity;
use crate::proto::gtpv2::Datagram;

use super::hss::Hss;
use super::pgw::{CdrKind, PgwMessage, Session};
use super::s6a::HssService;
use super::s8::{Handled, PgwService, PgwServiceConfig};
use super::state::{Change, RestoreCounts, Restored};
use crate::proto::gtpprime::{Connection, Ledger, LedgerConfig};
use crate::wire::cdr::closing;

mod online;
mod s6a;

pub use online::GyTarget;
pub use s6a::{S6aCore, S6aCounts};

/// What distinguishes one home core from another beyond its profile and subscribers.
#[derive(Debug, Clone)]
pub struct HomeSettings {
    /// The HSS's Host-IP-Address in CEA.
    pub host_ip: IpAddr,
    /// The core's boot instant in seconds (or any number that changes on every restart): the
    /// Origin-State-Id (RFC 6733 §8.16) and the high half of Session-Ids (§8.8).
    pub boot: u32,
    /// The PGW's GTPv2-C restart counter, the Recovery IE (TS 29.274 §8.5).
    pub recovery: u8,
    /// Accept any Diameter peer, not only the profile's allow-list.
    pub allow_any_peer: bool,
    /// Seed of the Diameter peers' random streams (watchdog jitter, identifiers).
    pub seed: u64,
    /// The PGW front's settings (duplicate cache, CDR bound).
    pub pgw: PgwServiceConfig,
    /// The roamers, for their personas' traffic (`model::usage`); `None`: every subscriber
    /// at the share-weighted mean.
    pub population: Option<std::sync::Arc<crate::model::population::Population>>,
}

/// The HSS and the PGW of one home network, without sockets or clock.
pub struct HomeCore {
    s6a: S6aCore,
    pgw: PgwService,
    /// The PGW's charging records (PGW-CDRs), when offline charging is on.
    ledger: Option<Ledger>,
    /// The first home PLMN: the PGW's, in its records.
    home_plmn: Option<crate::model::Plmn>,
    /// Sessions whose records [`HomeCore::close_records`] closed while the PGW still held them.
    closed_at_end: u64,
    /// The embedded OCS (`[charging.online]`), when there is one ([`HomeCore::embed_ocs`]).
    ocs: Option<super::ocs::OcsServer>,
    host_ip: IpAddr,
    boot: u32,
}

impl HomeCore {
    /// A core serving `directory`'s subscribers with `profile`'s agreements, identities and PGW.
    pub fn new(profile: &Profile, directory: Directory, settings: &HomeSettings) -> HomeCore {
        let hss = Hss::new(profile, directory);
        let id = hss.identity().clone();
        let identity = LocalIdentity {
            origin_host: id.host,
            origin_realm: id.realm,
            host_ip: settings.host_ip,
            origin_state_id: settings.boot,
            product_name: "roamsim".to_string(),
        };
        let s6a = S6aCore::new(
            HssService::new(hss, settings.boot),
            identity,
            profile.home.allowed_peers(),
            settings.allow_any_peer || profile.home.peers.allow_any,
            settings.seed,
        );
        let mut pgw = PgwService::new(profile, settings.recovery, settings.pgw.clone());
        pgw.pgw_mut().set_usage(
            crate::model::usage::UsageModel::from_profile(profile),
            settings.population.clone(),
        );
        HomeCore {
            s6a,
            pgw,
            ledger: None,
            home_plmn: profile.home.plmns.first().map(|p| p.plmn),
            closed_at_end: 0,
            ocs: None,
            host_ip: settings.host_ip,
            boot: settings.boot,
        }
    }

    /// Writes PGW-CDRs from now on (`proto::gtpprime::Ledger`): take them from
    /// [`HomeCore::poll_cdr`]. Sessions already held (restored) open their records now.
    pub fn enable_charging(&mut self, cfg: LedgerConfig, now: Micros) {
        let mut ledger = Ledger::new(cfg);
        for (&teid, s) in self.pgw.pgw().sessions() {
            ledger.open(u64::from(teid), connection(s, self.home_plmn, now));
        }
        self.ledger = Some(ledger);
    }

    /// The PGW's record keeper, when charging is on.
    pub fn ledger(&self) -> Option<&Ledger> {
        self.ledger.as_ref()
    }

    /// Moves the PGW's session starts and stops into the ledger.
    fn charge(&mut self) {
        let Some(ledger) = &mut self.ledger else {
            // Without charging the starts and stops are counted and dropped.
            while self.pgw.poll_cdr().is_some() {}
            return;
        };
        while let Some(c) = self.pgw.poll_cdr() {
            let key = u64::from(c.teid);
            match c.kind {
                CdrKind::Start => {
                    let conn = Connection {
                        imsi: c.imsi,
                        msisdn: c.msisdn,
                        apn: c.apn,
                        charging_id: c.charging_id,
                        paa: Some(c.paa),
                        serving_node: c.sgw.into(),
                        serving_plmn: c.serving_network,
                        pgw_plmn: self.home_plmn,
                        pgw_address: None,
                        rat_type: c.rat_type,
                        rates: c.rates,
                        start: c.start_us,
                    };
                    ledger.open(key, conn);
                }
                CdrKind::Stop => {
                    let cause = if c.abnormal {
                        closing::ABNORMAL_RELEASE
                    } else {
                        closing::NORMAL_RELEASE
                    };
                    ledger.close(c.stop_us.unwrap_or(c.start_us), key, cause);
                }
            }
        }
    }

    /// The HSS's side: its Diameter connections.
    pub fn s6a(&mut self) -> &mut S6aCore {
        &mut self.s6a
    }

    /// The HSS's side, to read.
    pub fn s6a_ref(&self) -> &S6aCore {
        &self.s6a
    }

    /// The PGW, to read.
    pub fn pgw(&self) -> &PgwService {
        &self.pgw
    }

    /// Every error answer to bad input so far: the HSS's Diameter ones and the PGW's GTPv2-C
    /// rejections, by code.
    pub fn errors_answered(&self) -> ProtocolErrors {
        let mut e = self.s6a.errors_answered();
        e.merge(&self.pgw.stats().errors_answered);
        e
    }

    /// One S8 datagram from `from` for the PGW.
    pub fn handle_datagram(&mut self, now: Micros, from: SocketAddr, bytes: &[u8]) -> Handled {
        let handled = self.pgw.handle_datagram(now, from, bytes);
        // A peer's restart is counted in the PGW's statistics; nothing else follows from it.
        while self.pgw.poll_event().is_some() {}
        self.charge();
        handled
    }

    /// The PGW's next datagram, appended to `buf`.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        self.pgw.poll_transmit(buf)
    }

    /// The earliest timer of the HSS's connections and of the PGW.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        let partial = self.ledger.as_mut().and_then(Ledger::poll_timeout);
        let ocs = self.ocs.as_ref().and_then(|o| o.poll_timeout());
        [
            self.s6a.poll_timeout(),
            self.pgw.poll_timeout(),
            partial,
            ocs,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs every timer due at `now`: the peers' (watchdogs, CLR timeouts), then the PGW's.
    pub fn handle_timeout(&mut self, now: Micros) {
        self.s6a.handle_timeout(now);
        if self.pgw.poll_timeout().is_some_and(|t| t <= now) {
            self.pgw.handle_timeout(now);
        }
        if let Some(l) = &mut self.ledger {
            l.handle_timeout(now);
        }
        if let Some(o) = &mut self.ocs {
            o.handle_timeout(now);
        }
    }

    /// The next PGW-CDR (BER) and when it closed, when charging is on.
    pub fn poll_cdr(&mut self) -> Option<(Vec<u8>, Micros)> {
        self.ledger.as_mut()?.poll_record()
    }

    /// Closes the records of every session still open (abnormal release: the run ends with
    /// them), so that a run's records cover its whole traffic.
    pub fn close_records(&mut self, now: Micros) {
        self.charge();
        if let Some(l) = &mut self.ledger {
            self.closed_at_end += l.open_count() as u64;
            l.close_all(now, closing::ABNORMAL_RELEASE);
        }
    }

    /// PDN connections the PGW ended, by its own counters: Delete Sessions accepted, sessions
    /// released locally (a peer's restart, a collision), and those still held when
    /// [`HomeCore::close_records`] closed their records.
    pub fn sessions_ended(&self) -> u64 {
        let c = self.pgw.pgw().counters();
        c.get(
            PgwMessage::DeleteSession,
            crate::home::pgw::CAUSE_REQUEST_ACCEPTED,
        ) + c.released_on_peer_restart
            + c.replaced_on_collision
            + c.released_locally
            + self.closed_at_end
    }

    /// The next line worth logging (malformed Diameter input).
    pub fn poll_notice(&mut self) -> Option<String> {
        self.s6a.poll_notice()
    }

    /// From now on, record every change of the state a restart must keep (SQNs,
    /// registrations, PGW sessions) for [`HomeCore::take_changes`]; see [`super::state`].
    pub fn track_changes(&mut self) {
        self.s6a.hss_mut().hss_mut().track_changes();
        self.pgw.pgw_mut().track_changes();
    }

    /// Moves the recorded changes to the end of `out`: the HSS's, then the PGW's (each in
    /// order; the two never touch the same entry).
    pub fn take_changes(&mut self, out: &mut Vec<Change>) {
        self.s6a.hss_mut().hss_mut().take_changes(out);
        self.pgw.pgw_mut().take_changes(out);
    }

    /// Puts a store's content in place: every SQN and registration, and the PGW sessions that
    /// `writer` held. SQNs move `sqn_skip` sequence steps ahead (see [`Hss::restore`]).
    pub fn restore(&mut self, restored: &Restored, writer: &str, sqn_skip: u64) -> RestoreCounts {
        let (sqn, registrations, dropped) = self.s6a.hss_mut().hss_mut().restore(
            &restored.sqn,
            &restored.mmes,
            &restored.registrations,
            sqn_skip,
        );
        let mine: Vec<(u32, super::pgw::Session)> = restored
            .sessions
            .iter()
            .filter(|s| s.0 == writer)
            .map(|s| (s.1, s.2.clone()))
            .collect();
        let (sessions, lost) = self.pgw.pgw_mut().restore(&mine);
        RestoreCounts {
            sqn,
            registrations,
            sessions,
            dropped: dropped + lost,
        }
    }

    /// DPR with `cause` on every open Diameter connection (RFC 6733 §5.4).
    pub fn disconnect_all(&mut self, now: Micros, cause: u32) {
        self.s6a.disconnect_all(now, cause);
    }
}

/// A held session as a record keeper's connection, opened at `now` (a restored session's
/// records start over).
fn connection(s: &Session, home: Option<crate::model::Plmn>, now: Micros) -> Connection {
    Connection {
        imsi: s.imsi,
        msisdn: s.msisdn,
        apn: s.apn.clone(),
        charging_id: s.charging_id,
        paa: Some(s.paa),
        serving_node: s.sgw_control.ipv4.into(),
        serving_plmn: s.serving_network,
        pgw_plmn: home,
        pgw_address: None,
        rat_type: s.rat_type,
        rates: s.rates,
        start: now.max(s.start_us),
    }
}
