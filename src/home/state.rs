//! What the home core must not forget across a restart (`serve --state DIR`): the last SQN
//! handed out per subscriber, where each subscriber is registered, and the PGW's sessions.
//!
//! The core stays sans-IO: with tracking on ([`HomeCore::track_changes`]) the HSS and the PGW
//! append a [`Change`] for every change of that state, in order, and the integrator writes them
//! to its store *before* it sends the answers of the same turn, so that nothing a peer has seen
//! can be lost by a crash (an SQN that left the process is never issued again). At start the
//! store's content comes back as a [`Restored`] and [`HomeCore::restore`] puts it in place.
//!
//! [`HomeCore::track_changes`]: super::HomeCore::track_changes
//! [`HomeCore::restore`]: super::HomeCore::restore

use super::hss::PeerRef;
use super::pgw::Session;
use crate::model::ids::Imsi;

/// One change of the home core's persistent state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The last SQN handed out for a subscriber (after a vector or a resynchronisation).
    Sqn {
        /// The subscriber.
        imsi: Imsi,
        /// SQN (SEQ ‖ IND, 48 bits).
        sqn: u64,
    },
    /// Where a subscriber is registered; `None` after a purge.
    Registered {
        /// The subscriber.
        imsi: Imsi,
        /// The serving MME.
        mme: Option<PeerRef>,
    },
    /// A PGW session was created or modified: its whole record, under its control TEID.
    Session {
        /// PGW S5/S8-C TEID.
        teid: u32,
        /// The session.
        session: Session,
    },
    /// A PGW session was released.
    SessionGone {
        /// PGW S5/S8-C TEID.
        teid: u32,
    },
}

/// A store's content at start.
#[derive(Debug, Clone, Default)]
pub struct Restored {
    /// Last SQN per subscriber.
    pub sqn: Vec<(Imsi, u64)>,
    /// The MMEs subscribers are registered at.
    pub mmes: Vec<PeerRef>,
    /// Serving MME per subscriber: an index into `mmes`.
    pub registrations: Vec<(Imsi, u32)>,
    /// PGW sessions: the journal writer that held them (`serve`, `shard-N`), control TEID.
    pub sessions: Vec<(String, u32, Session)>,
}

/// What [`HomeCore::restore`](super::HomeCore::restore) put in place and what it had to drop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreCounts {
    /// Subscribers whose SQN was restored.
    pub sqn: u64,
    /// Registrations restored.
    pub registrations: u64,
    /// PGW sessions restored.
    pub sessions: u64,
    /// Entries for subscribers the directory no longer has, or sessions the PGW cannot take
    /// (unknown APN, address outside the pool).
    pub dropped: u64,
}
