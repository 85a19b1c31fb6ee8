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

use crate::model::rng::derive_seed;
use crate::model::Micros;
use crate::proto::diameter::{Incoming, LocalIdentity, Peer, PeerConfig, State};

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
        }
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
        let peer = Some(Peer::accept(now, cfg, Box::new(|_, _| true)));
        match self.peers.iter().position(Option::is_none) {
            Some(i) => {
                self.peers[i] = peer;
                i
            }
            None => {
                self.peers.push(peer);
                self.peers.len() - 1
            }
        }
    }

    /// One whole Diameter message received on connection `id`.
    pub fn handle_message(&mut self, now: Micros, id: usize, msg: &[u8]) {
        let Some(peer) = self.peers.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        match peer.handle_message(now, msg) {
            Ok(Incoming::Request(req)) => {
                let reply = self.ocs.handle_request(now, &req);
                peer.send_answer(req.ids(), &reply);
            }
            Ok(_) => {}
            Err(_) => self.malformed += 1,
        }
        while peer.poll_event().is_some() {}
    }

    /// Messages waiting to go out on connection `id`.
    pub fn output(&self, id: usize) -> &[u8] {
        self.peers
            .get(id)
            .and_then(Option::as_ref)
            .map_or(&[], |p| p.transmit())
    }

    /// Forgets what [`OcsServer::output`] returned.
    pub fn clear_output(&mut self, id: usize) {
        if let Some(p) = self.peers.get_mut(id).and_then(Option::as_mut) {
            p.clear_transmit();
        }
    }

    /// The connection is finished: write its output, then close it.
    pub fn is_down(&self, id: usize) -> bool {
        self.peers
            .get(id)
            .and_then(Option::as_ref)
            .is_none_or(|p| p.state() == State::Closed)
    }

    /// The transport closed connection `id`.
    pub fn close(&mut self, id: usize) {
        if let Some(p) = self.peers.get_mut(id) {
            *p = None;
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

    /// The earliest peer timer (watchdogs).
    pub fn poll_timeout(&self) -> Option<Micros> {
        self.peers
            .iter()
            .flatten()
            .filter_map(Peer::poll_timeout)
            .min()
    }

    /// Runs the peers' timers.
    pub fn handle_timeout(&mut self, now: Micros) {
        for p in self.peers.iter_mut().flatten() {
            if p.poll_timeout().is_some_and(|t| t <= now) {
                p.handle_timeout(now);
                while p.poll_event().is_some() {}
            }
        }
    }
}
