//! Restart detection with the Recovery (Restart Counter) IE, TS 29.274 §7.1.1 and §8.5, and
//! TS 23.007 §18: every GTP-C entity sends its own restart counter (in Echo Request/Response
//! and the first messages towards a peer); a peer whose counter differs from the last value
//! seen has restarted and lost its sessions.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use crate::model::Micros;

/// A peer's Recovery value changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerRestarted {
    /// The peer, as keyed by the caller.
    pub peer: SocketAddr,
    /// The value seen before.
    pub previous: u8,
    /// The new value.
    pub current: u8,
    /// When the change was seen.
    pub at_us: Micros,
}

/// Our own restart counter and the last value seen from each peer.
///
/// Peers are keyed by `SocketAddr`; a caller that wants one entry per node regardless of the
/// source port passes the address with port 0. Call order: `handle_recovery(now, peer, value)`
/// for every Recovery IE received, then drain `poll_event`.
#[derive(Debug)]
pub struct RecoveryTracker {
    own: u8,
    peers: HashMap<SocketAddr, u8>,
    events: VecDeque<PeerRestarted>,
}

impl RecoveryTracker {
    /// Tracker sending `own` as our Recovery value.
    pub fn new(own: u8) -> Self {
        RecoveryTracker {
            own,
            peers: HashMap::new(),
            events: VecDeque::new(),
        }
    }

    /// The Recovery value to put in our messages.
    pub fn own(&self) -> u8 {
        self.own
    }

    /// Simulates our own restart: increments the counter (wrapping) and returns the new value.
    pub fn restart_self(&mut self) -> u8 {
        self.own = self.own.wrapping_add(1);
        self.own
    }

    /// Records a Recovery value from `peer`; the first value is learnt silently, a different
    /// later one queues a [`PeerRestarted`] event and becomes the new reference.
    pub fn handle_recovery(&mut self, now: Micros, peer: SocketAddr, value: u8) {
        if let Some(previous) = self.peers.insert(peer, value) {
            if previous != value {
                self.events.push_back(PeerRestarted {
                    peer,
                    previous,
                    current: value,
                    at_us: now,
                });
            }
        }
    }

    /// Last Recovery value seen from `peer`.
    pub fn last_seen(&self, peer: SocketAddr) -> Option<u8> {
        self.peers.get(&peer).copied()
    }

    /// Forgets `peer` (e.g. after its path was declared down).
    pub fn forget(&mut self, peer: SocketAddr) {
        self.peers.remove(&peer);
    }

    /// Next restart detected.
    pub fn poll_event(&mut self) -> Option<PeerRestarted> {
        self.events.pop_front()
    }
}
