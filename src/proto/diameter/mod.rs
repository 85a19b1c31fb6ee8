//! Diameter peer protocol, sans-IO (RFC 6733 §5: capabilities exchange, disconnect, hop-by-hop
//! and end-to-end identifiers; RFC 3539 §3.4: the transport watchdog), plus the reconnect
//! backoff a client uses between connection attempts.
//!
//! One [`Peer`] drives one transport connection (TCP or an SCTP association). The caller frames
//! the byte stream into messages (`wire::diameter::message_len`), feeds each to
//! [`Peer::handle_message`], and writes out what [`Peer::transmit`] holds.

mod backoff;
mod peer;

#[cfg(test)]
mod tests;

pub use backoff::Backoff;
pub use peer::{
    Admission, DownReason, Event, Incoming, LocalIdentity, Peer, PeerConfig, PeerError, PeerStats,
    State,
};
