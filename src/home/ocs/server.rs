//! The OCS on its Diameter connections, independent of the transport (as the HSS's
//! `S6aCore`): one [`Peer`] per connection from a PGW (CER/CEA with a plain
//! Auth-Application-Id 4, RFC 4006 §2; DWR/DWA; DPR), each Credit-Control request answered by
//! the [`Ocs`] on the connection it came on.
//!
//! Call order: [`OcsServer::open`] for each new connection, [`OcsServer::handle_message`] for
//! each whole message, then write [`OcsServer::output`] and [`OcsServer::clear_output`]; run
//! [`OcsServer::handle_timeout`] when [`OcsServer::poll_timeout`] is due; close a connection
//! when [`OcsServer::is_down`] says so or the transport closed it ([`OcsServer::close`]).
//! Bill-shock events come from [`OcsServer::ocs_mut`]`().poll_event()`.
//!
//! With an answer time (`[charging.online] latency`), everything a connection would send waits
//! that long in a queue before [`OcsServer::output`] shows it (in order per connection), as an
//! overloaded OCS would answer; [`OcsServer::poll_timeout`] says when the next is due.

use std::collections::VecDeque;

use crate::model::online_charging::OcsLatency;
use crate::model::rng::{derive_seed, Rng};
use crate::model::Micros;
use crate::proto::diameter::{Incoming, LocalIdentity, Peer, PeerConfig};

use super::Ocs;

/// The OCS and its connections.
pub struct OcsServer {
    ocs: Ocs,
    peers: Vec<Option<Peer>>,
    identity: LocalIdentity,
    seed: u64,
    opened: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Messages that did not decode as Diameter.
    pub malformed: u64,
    latency: OcsLatency,
    rng: Rng,
    /// Bytes waiting for their release: (when, connection, messages).
    delayed: VecDeque<(Micros, usize, Vec<u8>)>,
    /// Per connection: what is released, for `output`.
    ready: Vec<Vec<u8>>,
}

impl OcsServer {
    /// The OCS `ocs` answering as `identity` (its Origin-Host and Origin-Realm should be the
    /// OCS's own).
    pub fn new(ocs: Ocs, identity: LocalIdentity, seed: u64) -> OcsServer {
        OcsServer {
            ocs,
            peers: Vec::new(),
            identity,
            seed,
            opened: 0,
            connections: 0,
            malformed: 0,
            latency: OcsLatency::default(),
            rng: Rng::new(derive_seed(seed, 0x4f43_4c54)),
            delayed: VecDeque::new(),
            ready: Vec::new(),
        }
    }

    /// Delays every answer by a time drawn from `latency`.
    pub fn set_latency(&mut self, latency: OcsLatency) {
        self.latency = latency;
    }

    /// Moves what connection `id`'s peer queued into the delay queue (when answers wait and
    /// `answers` says it holds Credit-Control answers), or straight to the connection's output
    /// (the base protocol's CEA, DWA, DWR are not slowed down).
    fn hold(&mut self, now: Micros, id: usize, answers: bool) {
        if self.latency.is_zero() {
            return;
        }
        let Some(peer) = self.peers.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        if peer.transmit().is_empty() {
            return;
        }
        let bytes = peer.transmit().to_vec();
        peer.clear_transmit();
        if !answers {
            if self.ready.len() <= id {
                self.ready.resize_with(id + 1, Vec::new);
            }
            self.ready[id].extend_from_slice(&bytes);
            return;
        }
        // Never before what this connection already holds: answers keep their order.
        let last = self
            .delayed
            .iter()
            .rev()
            .find(|d| d.1 == id)
            .map_or(Micros::ZERO, |d| d.0);
        let at = (now + Micros(self.latency.sample_us(&mut self.rng))).max(last);
        let pos = self.delayed.partition_point(|d| d.0 <= at);
        self.delayed.insert(pos, (at, id, bytes));
    }

    /// The OCS, to read.
    pub fn ocs(&self) -> &Ocs {
        &self.ocs
    }

    /// The OCS, to provision or to take its events.
    pub fn ocs_mut(&mut self) -> &mut Ocs {
        &mut self.ocs
    }

    /// A new connection waiting for CER (any PGW is welcome); returns its id.
    pub fn open(&mut self, now: Micros) -> usize {
        let cfg = PeerConfig::gy(
            self.identity.clone(),
            derive_seed(self.seed, 0x4f43_0000 + self.opened),
        );
        self.opened += 1;
        self.connections += 1;
        let peer = Peer::accept(now, cfg, Box::new(|_, _| true));
        crate::home::place_in_slot(&mut self.peers, peer)
    }

    /// One whole Diameter message received on connection `id`.
    pub fn handle_message(&mut self, now: Micros, id: usize, msg: &[u8]) {
        let Some(peer) = self.peers.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        let answered = match peer.handle_message(now, msg) {
            Ok(Incoming::Request(req)) => {
                let reply = self.ocs.handle_request(now, &req);
                peer.send_answer(req.ids(), &reply);
                true
            }
            Ok(_) => false,
            Err(_) => {
                self.malformed += 1;
                false
            }
        };
        while peer.poll_event().is_some() {}
        self.hold(now, id, answered);
    }

    /// Messages waiting to go out on connection `id`: what its peer queued, or, with an
    /// answer time, what the delay queue released.
    pub fn output(&self, id: usize) -> &[u8] {
        if !self.latency.is_zero() {
            return self.ready.get(id).map_or(&[], Vec::as_slice);
        }
        self.peers
            .get(id)
            .and_then(Option::as_ref)
            .map_or(&[], |p| p.transmit())
    }

    /// Forgets what [`OcsServer::output`] returned.
    pub fn clear_output(&mut self, id: usize) {
        if let Some(r) = self.ready.get_mut(id) {
            r.clear();
        }
        if let Some(p) = self.peers.get_mut(id).and_then(Option::as_mut) {
            p.clear_transmit();
        }
    }

    /// The connection is finished: write its output, then close it.
    pub fn is_down(&self, id: usize) -> bool {
        crate::home::peer_is_down(&self.peers, id)
    }

    /// The transport closed connection `id`.
    pub fn close(&mut self, id: usize) {
        if let Some(p) = self.peers.get_mut(id) {
            *p = None;
        }
        self.delayed.retain(|d| d.1 != id);
        if let Some(r) = self.ready.get_mut(id) {
            r.clear();
        }
    }

    /// Ids of the connections open now.
    pub fn connection_ids(&self) -> impl Iterator<Item = usize> + '_ {
        self.peers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_some())
            .map(|(i, _)| i)
    }

    /// The earliest peer timer (watchdogs) or delayed answer.
    pub fn poll_timeout(&self) -> Option<Micros> {
        let peers = self
            .peers
            .iter()
            .flatten()
            .filter_map(Peer::poll_timeout)
            .min();
        peers
            .into_iter()
            .chain(self.delayed.front().map(|d| d.0))
            .min()
    }

    /// Runs the peers' timers and releases the answers that are due.
    pub fn handle_timeout(&mut self, now: Micros) {
        for id in 0..self.peers.len() {
            let Some(p) = self.peers[id].as_mut() else {
                continue;
            };
            if p.poll_timeout().is_some_and(|t| t <= now) {
                p.handle_timeout(now);
                while p.poll_event().is_some() {}
                self.hold(now, id, false);
            }
        }
        while self.delayed.front().is_some_and(|d| d.0 <= now) {
            let (_, id, bytes) = self.delayed.pop_front().expect("peeked");
            if self.ready.len() <= id {
                self.ready.resize_with(id + 1, Vec::new);
            }
            self.ready[id].extend_from_slice(&bytes);
        }
    }
}
