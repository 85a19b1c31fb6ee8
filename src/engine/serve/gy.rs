//! Online charging on real sockets (docs/ONLINE_CHARGING.md): the OCS as a Diameter server on
//! TCP (`serve --ocs ADDR`, and inside every shard's core in `run`), and the PGW's Gy client
//! connected to it (or to an external OCS, `run --ocs ADDR`). The sans-IO parts are the home
//! core's ([`crate::home::ocs::OcsServer`], [`crate::home::gy_client::GyClient`]); this module
//! accepts, connects, reconnects and moves bytes. Gy runs over TCP (RFC 6733 §2.1); kernel
//! SCTP and SCTP over UDP are the HSS's alone for now.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use anyhow::Context;
use mio::net::TcpListener;
use mio::{Interest, Registry, Token};

use crate::engine::diameter::conn::{DiameterConn, ReadEnd, TcpConn};
use crate::home::gy_client::{CcrKind, GyStats};
use crate::home::ocs::{BillShockKind, OcsCounters, OcsEvent};
use crate::home::{GyTarget, HomeCore};
use crate::model::message::MessageKind;
use crate::model::population::Population;
use crate::model::{Micros, Outcome};
use crate::report::online::{
    BillShockSummary, DeleteBearerSummary, OcsSummary, OnlineChargingSummary,
};
use crate::report::Recorder;

/// The OCS's listening socket.
const OCS_LISTENER: Token = Token(usize::MAX - 1);
/// The PGW's connection to the OCS.
const GY_CLIENT: Token = Token(usize::MAX - 2);
/// The OCS's connection `i` is `OCS_CONN + i`.
const OCS_CONN: usize = usize::MAX / 2;
/// How long the PGW waits before connecting again to an OCS that refused or dropped it.
const RECONNECT_US: u64 = 1_000_000;

/// Online charging settings of a core on sockets.
#[derive(Debug, Clone, Default)]
pub struct OnlineServe {
    /// Run the OCS on this TCP address (`serve --ocs`; `run` binds 127.0.0.1:0 in every
    /// shard's core).
    pub ocs: Option<SocketAddr>,
    /// Aim the PGW's Gy client at this external OCS instead of the core's own.
    pub external: Option<SocketAddr>,
    /// Destination-Realm for the external OCS (default: the home realm).
    pub realm: Option<String>,
    /// Destination-Host for the external OCS (default: none).
    pub host: Option<String>,
}

/// The PGW's connection to its OCS.
struct Client {
    addr: SocketAddr,
    conn: Option<TcpConn>,
    connected: bool,
    retry_at: Option<u64>,
}

/// The Gy sockets of one core.
pub(super) struct GySide {
    listener: Option<TcpListener>,
    conns: HashMap<usize, TcpConn>,
    client: Option<Client>,
    /// The OCS's bill-shock events, counted per zone pair.
    bill_shock: BTreeMap<String, BillShockSummary>,
}

/// Whether `t` is one of the Gy side's tokens.
pub(super) fn owns(t: Token) -> bool {
    t.0 >= OCS_CONN
}

impl GySide {
    /// Binds the OCS (if asked) and starts the PGW's connection (if the profile turns online
    /// charging on and there is an OCS to reach); `instance` (the S8 port) keeps the PGW's
    /// Session-Ids apart from other cores'.
    pub(super) fn bind(
        online: &OnlineServe,
        core: &mut HomeCore,
        profile: &crate::model::config::Profile,
        population: Option<std::sync::Arc<Population>>,
        registry: &Registry,
        instance: u32,
    ) -> anyhow::Result<GySide> {
        let seed = profile.seed ^ 0x4779;
        let mut side = GySide {
            listener: None,
            conns: HashMap::new(),
            client: None,
            bill_shock: BTreeMap::new(),
        };
        if let Some(addr) = online.ocs {
            core.embed_ocs(profile, population, seed)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut l = crate::io::tcp::listen(addr, &crate::io::TcpConfig::default())
                .with_context(|| format!("bind the OCS (Gy, Diameter over TCP) to {addr}"))?;
            registry.register(&mut l, OCS_LISTENER, Interest::READABLE)?;
            side.listener = Some(l);
        }
        let own = side.listener.as_ref().and_then(|l| l.local_addr().ok());
        let target = online.external.or(own);
        if let (true, Some(addr)) = (profile.charging.online.enabled, target) {
            let (host, realm) = HomeCore::ocs_identity(profile);
            let target = match online.external {
                Some(_) => GyTarget {
                    realm: online.realm.clone().unwrap_or(realm),
                    host: online.host.clone(),
                },
                None => GyTarget {
                    realm,
                    host: Some(host),
                },
            };
            core.enable_gy(profile, target, seed, instance);
            if let Some(g) = core.gy_mut() {
                g.measure();
            }
            side.client = Some(Client {
                addr,
                conn: None,
                connected: false,
                retry_at: Some(0),
            });
        }
        Ok(side)
    }

    /// The OCS's address, when it runs here.
    pub(super) fn ocs_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// When the PGW next tries to connect.
    pub(super) fn poll_timeout(&self) -> Option<u64> {
        self.client.as_ref().and_then(|c| c.retry_at)
    }

    /// Readiness of one of the Gy side's sockets.
    pub(super) fn ready(
        &mut self,
        core: &mut HomeCore,
        registry: &Registry,
        now: u64,
        token: Token,
    ) -> anyhow::Result<()> {
        match token {
            OCS_LISTENER => self.accept(core, registry, now),
            GY_CLIENT => {
                self.client_ready(core, registry, now);
                Ok(())
            }
            Token(t) => {
                self.ocs_readable(core, registry, now, t - OCS_CONN);
                Ok(())
            }
        }
    }

    fn accept(&mut self, core: &mut HomeCore, registry: &Registry, now: u64) -> anyhow::Result<()> {
        let Some(l) = &self.listener else {
            return Ok(());
        };
        loop {
            match l.accept() {
                Ok((stream, _)) => {
                    let Some(ocs) = core.ocs_mut() else {
                        return Ok(());
                    };
                    let id = ocs.open(Micros(now));
                    let mut conn = TcpConn::accepted(stream);
                    registry.register(
                        &mut conn,
                        Token(OCS_CONN + id),
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    self.conns.insert(id, conn);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e).context("accept on the OCS socket"),
            }
        }
    }

    fn ocs_readable(&mut self, core: &mut HomeCore, registry: &Registry, now: u64, id: usize) {
        let (Some(conn), Some(ocs)) = (self.conns.get_mut(&id), core.ocs_mut()) else {
            return;
        };
        let end = conn.read(&mut |m| ocs.handle_message(Micros(now), id, m));
        if !matches!(end, ReadEnd::WouldBlock) {
            ocs.close(id);
            if let Some(mut c) = self.conns.remove(&id) {
                let _ = registry.deregister(&mut c);
            }
        }
    }

    fn client_ready(&mut self, core: &mut HomeCore, registry: &Registry, now: u64) {
        let Some(c) = &mut self.client else { return };
        let Some(conn) = &mut c.conn else { return };
        if !c.connected {
            if conn.established() {
                c.connected = true;
                if let Some(g) = core.gy_mut() {
                    g.connect(Micros(now));
                }
            } else {
                self.client_lost(core, registry, now);
                return;
            }
        }
        let end = conn.read(&mut |m| core.handle_gy_message(Micros(now), m));
        if !matches!(end, ReadEnd::WouldBlock) {
            self.client_lost(core, registry, now);
        }
    }

    fn client_lost(&mut self, core: &mut HomeCore, registry: &Registry, now: u64) {
        let Some(c) = &mut self.client else { return };
        if let Some(mut conn) = c.conn.take() {
            let _ = registry.deregister(&mut conn);
        }
        if c.connected {
            if let Some(g) = core.gy_mut() {
                g.disconnected(Micros(now));
            }
        }
        c.connected = false;
        c.retry_at = Some(now + RECONNECT_US);
    }

    /// Connects when it is time, then writes what the PGW's client and the OCS have queued.
    pub(super) fn flush(
        &mut self,
        core: &mut HomeCore,
        registry: &Registry,
        now: u64,
    ) -> anyhow::Result<()> {
        if let Some(c) = &mut self.client {
            if c.retry_at.is_some_and(|t| t <= now) {
                c.retry_at = None;
                match TcpConn::connect(c.addr) {
                    Ok(mut conn) => {
                        registry.register(
                            &mut conn,
                            GY_CLIENT,
                            Interest::READABLE | Interest::WRITABLE,
                        )?;
                        c.conn = Some(conn);
                    }
                    Err(_) => c.retry_at = Some(now + RECONNECT_US),
                }
            }
        }
        let mut lost = false;
        if let (Some(c), Some(g)) = (&mut self.client, core.gy_mut()) {
            if let (true, Some(conn)) = (c.connected, &mut c.conn) {
                conn.queue(g.transmit());
                g.clear_transmit();
                lost = conn.write().is_err() || g.is_closed();
            }
        }
        if lost {
            self.client_lost(core, registry, now);
        }
        if let Some(ocs) = core.ocs_mut() {
            while let Some(e) = ocs.ocs_mut().poll_event() {
                count_bill_shock(&mut self.bill_shock, &e);
            }
            let mut gone = Vec::new();
            for (&id, conn) in self.conns.iter_mut() {
                conn.queue(ocs.output(id));
                ocs.clear_output(id);
                if conn.write().is_err() || ocs.is_down(id) {
                    gone.push(id);
                }
            }
            for id in gone {
                ocs.close(id);
                if let Some(mut c) = self.conns.remove(&id) {
                    let _ = registry.deregister(&mut c);
                }
            }
        }
        Ok(())
    }

    /// `charging.online` of this core, when online charging ran here.
    pub(super) fn summary(&self, core: &HomeCore) -> Option<OnlineChargingSummary> {
        if core.gy().is_none() && core.ocs().is_none() {
            return None;
        }
        Some(online_summary(
            core.gy().map(|g| (g.stats(), g.open_sessions())),
            core.pgw().delete_bearer_counts(),
            core.ocs()
                .map(|o| (o.ocs().counters(), o.ocs().open_sessions())),
            &self.bill_shock,
        ))
    }

    /// Lines for the exit summary: the PGW's Gy client and the OCS.
    pub(super) fn report_lines(&self, core: &HomeCore) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(g) = core.gy() {
            lines.extend(g.stats().to_string().lines().map(String::from));
            lines.push(format!(
                "gy.delete_bearer sent {} accepted {} refused {}",
                core.pgw().delete_bearer_counts()[0],
                core.pgw().delete_bearer_counts()[1],
                core.pgw().delete_bearer_counts()[2]
            ));
        }
        if let Some(o) = core.ocs() {
            let c = o.ocs().counters();
            lines.push(format!(
                "ocs connections {} ccr initial {} update {} termination {} event {} success {} \
                 4010 {} 4012 {} sessions_open {} bill_shock warnings {} cutoffs {} opted_out {}",
                o.connections,
                c.requests[0],
                c.requests[1],
                c.requests[2],
                c.requests[3],
                c.success,
                c.service_denied,
                c.credit_limit_reached,
                o.ocs().open_sessions(),
                c.bill_shock_warnings,
                c.bill_shock_cutoffs,
                c.bill_shock_opted_out
            ));
        }
        lines
    }
}

/// Moves the outcomes of the PGW's Gy requests into `rec` as the `gy.ccr_i`, `gy.ccr_u` and
/// `gy.ccr_t` messages: latency when answered, a reason by Result-Code (`gy.4012`) when not
/// 2001, `timeout.gy.ccr` when Tx expired.
pub fn record_gy(home: &mut HomeCore, rec: &mut Recorder) {
    while let Some(m) = home.poll_gy_measurement() {
        let kind = match m.kind {
            CcrKind::Initial => MessageKind::GyCcrI,
            CcrKind::Update => MessageKind::GyCcrU,
            CcrKind::Termination => MessageKind::GyCcrT,
        };
        match m.latency {
            Some(l) => rec.record_message(kind, l.as_u64(), 0),
            None => rec.record_unanswered(kind, 0),
        }
        let (outcome, key) = match (m.latency, m.result_code) {
            (_, Some(2001)) | (Some(_), None) => continue,
            (_, Some(code)) => (Outcome::Failed, format!("gy.{code}")),
            (None, None) => (Outcome::TimedOut, "timeout.gy.ccr".to_string()),
        };
        rec.record_message_reason(kind, outcome, &key);
    }
}

/// Counts one bill-shock event under its zone pair (`home>visited`).
pub(crate) fn count_bill_shock(map: &mut BTreeMap<String, BillShockSummary>, e: &OcsEvent) {
    let OcsEvent::BillShock { kind, zones, .. } = e;
    let z = map.entry(format!("{}>{}", zones.0, zones.1)).or_default();
    match kind {
        BillShockKind::Warning => z.warnings += 1,
        BillShockKind::CutOff => z.cutoffs += 1,
        BillShockKind::PassedOptedOut => z.opted_out += 1,
    }
}

/// `charging.online` from a core's Gy client (its counters and sessions open), its Delete
/// Bearer counts, its OCS (counters and sessions open) and the bill-shock events counted.
pub(crate) fn online_summary(
    gy: Option<(&GyStats, usize)>,
    delete_bearer: [u64; 3],
    ocs: Option<(OcsCounters, usize)>,
    bill_shock: &BTreeMap<String, BillShockSummary>,
) -> OnlineChargingSummary {
    let mut s = OnlineChargingSummary {
        delete_bearer: DeleteBearerSummary {
            sent: delete_bearer[0],
            accepted: delete_bearer[1],
            refused: delete_bearer[2],
        },
        bill_shock: bill_shock.clone(),
        ..Default::default()
    };
    if let Some((g, open)) = gy {
        s.sessions_authorised = g.authorised;
        for (code, n) in &g.refused {
            s.refused.insert(format!("gy.{code}"), *n);
        }
        for (code, n) in &g.terminated {
            s.terminated.insert(format!("gy.{code}"), *n);
        }
        // What the failure handling refused or ended has a reason but no Result-Code.
        for (key, n) in &g.refused_unanswered {
            *s.refused.entry(key.clone()).or_default() += n;
        }
        for (key, n) in &g.terminated_unanswered {
            *s.terminated.entry(key.clone()).or_default() += n;
        }
        if g.fui_terminations > 0 {
            s.terminated
                .insert("gy.final_units".to_string(), g.fui_terminations);
        }
        for (name, n) in g.failure_actions() {
            s.failure_handling.insert(name.to_string(), n);
        }
        s.failure_handling
            .insert("uncontrolled".to_string(), g.uncontrolled);
        for (name, n) in [
            ("terminate", g.fui_terminate_grants),
            ("redirect", g.fui_redirect),
            ("restrict_access", g.fui_restrict_access),
        ] {
            s.final_unit_indications.insert(name.to_string(), n);
        }
        s.reported_octets = g.reported_octets;
        s.sessions_at_end = open as u64;
    }
    if let Some((c, open)) = ocs {
        s.ocs = Some(OcsSummary {
            requests: c.requests,
            sessions_opened: c.sessions_opened,
            sessions_closed: c.sessions_closed,
            sessions_at_end: open as u64,
            service_denied: c.service_denied,
            credit_limit_reached: c.credit_limit_reached,
            granted_octets: c.granted_octets,
            used_octets: c.used_octets,
        });
    }
    s
}
