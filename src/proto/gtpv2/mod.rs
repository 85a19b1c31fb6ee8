//! GTPv2-C transaction layer (3GPP TS 29.274 §7.6 "Reliable delivery of signalling
//! messages", §7.7 error handling of duplicates and late responses; restart detection per
//! §7.1.1/§8.5 and TS 23.007 §18), sans-IO (CONTRIBUTING.md §2).
//!
//! The layer works on whole message bytes plus the header facts the caller has already
//! decoded with the GTPv2-C codec: peer address, message type and the 24-bit sequence number
//! (TS 29.274 §5.5). It never parses or reads a clock: time is `now`, a [`Micros`] count of
//! microseconds from any fixed origin, so the same code runs on the real clock or in virtual
//! time.
//!
//! - [`Requester`]: sequence numbers, T3/N3 retransmission of identical bytes, response
//!   matching by (peer, seq), timeouts.
//! - [`Responder`]: duplicate-request detection with cached responses replayed.
//! - [`RecoveryTracker`]: our Recovery value and peers' restarts.
//! - [`Endpoint`]: the three together behind one `poll_*` surface, for a shard's socket.

use std::net::SocketAddr;

use crate::model::Micros;

pub mod recovery;
pub mod requester;
pub mod responder;

#[cfg(test)]
mod tests;

pub use recovery::{PeerRestarted, RecoveryTracker};
pub use requester::{
    RequestError, Requester, RequesterConfig, RequesterEvent, RequesterStats, Response, Token,
};
pub use responder::{Disposition, Responder, ResponderConfig, ResponderStats};

/// GTPv2-C sequence numbers are 24 bits (TS 29.274 §5.5.1).
pub const SEQ_MASK: u32 = 0x00FF_FFFF;

/// A datagram `poll_transmit` appended to the caller's buffer: its destination and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// Where to send it.
    pub dst: SocketAddr,
    /// Bytes appended to the buffer.
    pub len: usize,
}

/// Settings for an [`Endpoint`].
#[derive(Debug, Clone, Default)]
pub struct EndpointConfig {
    /// Requester timers and limits.
    pub requester: RequesterConfig,
    /// Responder cache.
    pub responder: ResponderConfig,
    /// Our Recovery (restart counter) value.
    pub recovery: u8,
}

/// An event from an [`Endpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A request got no response after N3 retransmissions.
    TimedOut {
        /// The request's token.
        token: Token,
        /// Where it was sent.
        peer: SocketAddr,
        /// Its sequence number.
        seq: u32,
        /// Its message type.
        request_type: u8,
    },
    /// A peer's Recovery value changed.
    PeerRestarted(PeerRestarted),
}

/// Requester, responder and restart tracking for one GTP-C endpoint (one socket of a shard).
///
/// Call order: feed inputs (`requester.send_request`, `requester.handle_response`,
/// `responder.handle_request`/`send_response`, `recovery.handle_recovery`) through the public
/// fields; call `handle_timeout(now)` when `now` reaches `poll_timeout()`; then drain
/// `poll_transmit` into the socket and `poll_event`.
#[derive(Debug)]
pub struct Endpoint {
    /// Outgoing requests.
    pub requester: Requester,
    /// Incoming requests.
    pub responder: Responder,
    /// Restart counters.
    pub recovery: RecoveryTracker,
}

impl Endpoint {
    /// An idle endpoint.
    pub fn new(cfg: EndpointConfig) -> Self {
        Endpoint {
            requester: Requester::new(cfg.requester),
            responder: Responder::new(cfg.responder),
            recovery: RecoveryTracker::new(cfg.recovery),
        }
    }

    /// Runs both sides' timers.
    pub fn handle_timeout(&mut self, now: Micros) {
        self.requester.handle_timeout(now);
        self.responder.handle_timeout(now);
    }

    /// Earliest wake-up either side needs.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        match (self.requester.poll_timeout(), self.responder.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Appends the next datagram to `buf`: responses first, then requests.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        self.responder
            .poll_transmit(buf)
            .or_else(|| self.requester.poll_transmit(buf))
    }

    /// Next event: restarts first, then timeouts.
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(r) = self.recovery.poll_event() {
            return Some(Event::PeerRestarted(r));
        }
        self.requester.poll_event().map(|e| match e {
            RequesterEvent::TimedOut {
                token,
                peer,
                seq,
                request_type,
            } => Event::TimedOut {
                token,
                peer,
                seq,
                request_type,
            },
        })
    }
}
