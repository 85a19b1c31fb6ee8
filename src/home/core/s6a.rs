//! The HSS's Diameter side, independent of the transport (CONTRIBUTING.md §6): one
//! [`Peer`] per Diameter connection (a TCP connection, an SCTP association, or a virtual
//! run's simulated connection; RFC 6733 §2.1), S6a requests answered by [`HssService`]
//! (TS 29.272 §7.2), and Cancel-Location routed to the old MME's own connection by its
//! Origin-Host (§5.2.1.2).
//!
//! Call order: whoever owns the connections (`engine::serve`'s listeners, or the virtual run)
//! calls [`S6aCore::open`] for each new connection, feeds it whole messages with
//! [`S6aCore::handle_message`], writes out what [`S6aCore::output`] holds (then
//! [`S6aCore::clear_output`]), runs [`S6aCore::handle_timeout`] when [`S6aCore::poll_timeout`]
//! is due, and closes a connection when [`S6aCore::is_down`] says so or the transport itself
//! closed it ([`S6aCore::close`]). What is worth a line in a log comes out of
//! [`S6aCore::poll_notice`].

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::home::hss::CancelLocation;
use crate::home::s6a::HssService;
use crate::model::config::AllowedPeer;
use crate::model::protocol_errors::ProtocolErrors;
use crate::model::rng::derive_seed;
use crate::model::Micros;
use crate::proto::diameter::{DownReason, Event, Incoming, LocalIdentity, Peer, PeerConfig};

/// Connection counters of the S6a side.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct S6aCounts {
    /// Connections (associations) accepted.
    pub connections: u64,
    /// Connections refused in CER.
    pub refused: u64,
    /// Malformed messages (and framing errors).
    pub malformed: u64,
}

/// Every Diameter connection's peer state plus the HSS.
pub struct S6aCore {
    peers: Vec<Option<Peer>>,
    by_host: HashMap<String, usize>,
    hss: HssService,
    identity: LocalIdentity,
    allowed: Arc<Vec<AllowedPeer>>,
    allow_any: bool,
    seed: u64,
    opened: u64,
    counts: S6aCounts,
    errors_answered: ProtocolErrors,
    notices: VecDeque<String>,
}

impl S6aCore {
    pub fn new(
        hss: HssService,
        identity: LocalIdentity,
        allowed: Vec<AllowedPeer>,
        allow_any: bool,
        seed: u64,
    ) -> S6aCore {
        S6aCore {
            peers: Vec::new(),
            by_host: HashMap::new(),
            hss,
            identity,
            allowed: Arc::new(allowed),
            allow_any,
            seed,
            opened: 0,
            counts: S6aCounts::default(),
            errors_answered: ProtocolErrors::default(),
            notices: VecDeque::new(),
        }
    }

    /// A new connection waiting for CER; returns its id (small, reused after `close`). The
    /// n-th connection's peer draws its random numbers from the n-th seed derived from the
    /// core's, so that a virtual run is the same every time.
    pub fn open(&mut self, now: Micros) -> usize {
        let allowed = self.allowed.clone();
        let any = self.allow_any;
        let admission =
            Box::new(move |h: &str, r: &str| any || allowed.iter().any(|p| p.matches(h, r)));
        let cfg = PeerConfig::s6a(
            self.identity.clone(),
            derive_seed(self.seed, 0x4853_0000 + self.opened),
        );
        self.opened += 1;
        let peer = Peer::accept(now, cfg, admission);
        self.counts.connections += 1;
        crate::home::place_in_slot(&mut self.peers, peer)
    }

    /// Handles one whole Diameter message received on connection `id`.
    pub fn handle_message(&mut self, now: Micros, id: usize, msg: &[u8]) {
        let Some(peer) = self.peers.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        let mut clr = None;
        match peer.handle_message(now, msg) {
            Ok(Incoming::Request(pkt)) => clr = self.hss.handle_request(&pkt, peer),
            Ok(Incoming::Answer { packet, token, .. }) => self.hss.handle_answer(token, &packet),
            Ok(Incoming::Consumed | Incoming::UnmatchedAnswer) => {}
            Err(e) => {
                self.counts.malformed += 1;
                self.notices.push_back(e.to_string());
            }
        }
        self.errors_answered.merge(&peer.take_errors_answered());
        self.events(id);
        if let Some(c) = clr {
            self.send_clr(now, &c);
        }
    }

    /// The transport could not frame what connection `id` sent; it closes the connection.
    pub fn framing_error(&mut self, id: usize, e: &dyn std::fmt::Display) {
        self.notices
            .push_back(format!("Diameter framing error from a peer: {e}"));
        self.counts.malformed += 1;
        self.close(id);
    }

    /// Messages waiting to go out on connection `id`, back to back.
    pub fn output(&self, id: usize) -> &[u8] {
        self.peers
            .get(id)
            .and_then(Option::as_ref)
            .map_or(&[], |p| p.transmit())
    }

    /// Forgets what [`output`](S6aCore::output) returned (the transport took it).
    pub fn clear_output(&mut self, id: usize) {
        if let Some(p) = self.peers.get_mut(id).and_then(Option::as_mut) {
            p.clear_transmit();
        }
    }

    /// The connection is finished (refused, DPA, timed out): write its output, then close.
    pub fn is_down(&self, id: usize) -> bool {
        crate::home::peer_is_down(&self.peers, id)
    }

    /// The transport closed connection `id`.
    pub fn close(&mut self, id: usize) {
        let Some(mut peer) = self.peers.get_mut(id).and_then(Option::take) else {
            return;
        };
        if let Some((host, _)) = peer.remote() {
            let key = host.to_ascii_lowercase();
            if self.by_host.get(&key) == Some(&id) {
                self.by_host.remove(&key);
            }
        }
        while let Some(ev) = peer.poll_event() {
            if let Event::RequestTimedOut { token, .. } = ev {
                self.hss.handle_clr_timeout(token);
            }
        }
    }

    fn events(&mut self, id: usize) {
        let Some(peer) = self.peers.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        while let Some(ev) = peer.poll_event() {
            match ev {
                Event::Up { host, .. } => {
                    self.by_host.insert(host.to_ascii_lowercase(), id);
                }
                Event::Down(DownReason::Refused(_)) => self.counts.refused += 1,
                Event::Down(_) => {}
                Event::RequestTimedOut { token, .. } => self.hss.handle_clr_timeout(token),
            }
        }
    }

    fn send_clr(&mut self, now: Micros, c: &CancelLocation) {
        let target = self.by_host.get(&c.peer.host.to_ascii_lowercase()).copied();
        let peer = target
            .and_then(|i| self.peers.get_mut(i))
            .and_then(Option::as_mut);
        match (target, peer) {
            (Some(i), Some(peer)) if peer.is_open() => {
                let _ = self.hss.send_clr(now, c, peer);
                self.events(i);
            }
            _ => self.hss.clr_undeliverable(),
        }
    }

    /// The earliest peer timer.
    pub fn poll_timeout(&self) -> Option<Micros> {
        self.peers
            .iter()
            .flatten()
            .filter_map(Peer::poll_timeout)
            .min()
    }

    /// Runs the peers' timers due at `now` (watchdogs, CLR timeouts, handshakes).
    pub fn handle_timeout(&mut self, now: Micros) {
        for id in 0..self.peers.len() {
            let due = self.peers[id]
                .as_ref()
                .and_then(Peer::poll_timeout)
                .is_some_and(|t| t <= now);
            if due {
                if let Some(p) = self.peers[id].as_mut() {
                    p.handle_timeout(now);
                }
                self.events(id);
            }
        }
    }

    /// DPR with `cause` on every open connection (RFC 6733 §5.4).
    pub fn disconnect_all(&mut self, now: Micros, cause: u32) {
        for id in 0..self.peers.len() {
            if let Some(p) = self.peers[id].as_mut() {
                p.disconnect(now, cause);
            }
            self.events(id);
        }
    }

    /// The next thing worth a line in the operator's log (a malformed message, a framing
    /// error), oldest first.
    pub fn poll_notice(&mut self) -> Option<String> {
        self.notices.pop_front()
    }

    /// The HSS behind the connections.
    pub fn hss(&self) -> &HssService {
        &self.hss
    }

    /// The HSS behind the connections, to restore or to take its changes.
    pub fn hss_mut(&mut self) -> &mut HssService {
        &mut self.hss
    }

    /// Connection counters.
    pub fn counts(&self) -> S6aCounts {
        self.counts
    }

    /// The error answers sent to bad requests on every connection (RFC 6733 §7), by code.
    pub fn errors_answered(&self) -> ProtocolErrors {
        self.errors_answered
    }

    /// The HSS's per-message counters and the service's, one line each.
    pub fn report_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .hss
            .hss()
            .counters()
            .to_string()
            .lines()
            .map(String::from)
            .collect();
        let s = self.hss.counters();
        lines.push(format!(
            "s6a malformed {} unsupported {} clr_sent {} clr_failed {}",
            s.malformed, s.unsupported, s.clr_sent, s.clr_failed
        ));
        lines
    }
}
