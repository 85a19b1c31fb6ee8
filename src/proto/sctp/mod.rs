//! User-space SCTP (RFC 4960, revised as RFC 9260), sans-IO (CONTRIBUTING.md §2), for Diameter S6a
//! (TS 29.272 §4.1: S6a runs over SCTP; RFC 6733 §2.1: PPID 46) where the kernel has no SCTP.
//! The packets are standard SCTP with CRC32c; the caller carries them in UDP datagrams
//! (RFC 6951 §5, port 9899), which is also what lets roamsim's link emulator drop and delay them.
//!
//! What is implemented:
//! - Handshake with a stateless server (§5.1): the INIT ACK carries a State Cookie sealed with
//!   HMAC-SHA-256 over the association parameters, the peer's IP address and an expiry time
//!   ([`cookie`], §5.1.3, §5.1.5), so an INIT flood costs the server no state; stale cookies
//!   get the "Stale Cookie" error (§5.2.6), forged ones are dropped.
//! - Several streams per association, ordered delivery per stream, fragmentation and
//!   reassembly with the B/E bits (§6.5, §6.6, §6.9), PPID on every DATA chunk.
//! - SACK with Gap Ack Blocks and duplicate TSNs, delayed SACK (§6.2, §6.7), receive window
//!   accounting that includes messages not yet polled by the application (§6.2.1).
//! - Retransmission: RTO per §6.3 (Karn's rule, back-off, configurable bounds and a lower
//!   initial RTO than the RFC's 3 s, for loopback and IPX paths), T3-rtx (§6.3.3), fast
//!   retransmit on three miss indications with HTNA (§7.2.4), congestion control (§7.2).
//!   The chunk that empties the send queue carries the I bit (RFC 7053) so a lone message
//!   is acknowledged at once; a receiver that drains a closed window sends a window update,
//!   and zero-window probes answered by SACKs do not count as failures (RFC 9260 §6.1).
//! - Heartbeats on idle associations and dead-peer detection (§8.1, §8.3).
//! - Graceful SHUTDOWN (§9.2), ABORT (§9.1), out-of-the-blue handling (§8.4), verification
//!   tag rules (§8.5), restart of an association by a new COOKIE ECHO (§5.2.4 case A).
//!
//! Queues are cheap: sent chunks sit in a `VecDeque` indexed by TSN offset (TSNs of
//! outstanding chunks are contiguous), chunks to retransmit in a FIFO of TSNs, received TSNs
//! above the cumulative ack in a ring of flags; nothing is sorted per chunk. A user message is
//! copied once into a shared buffer that its fragments slice.
//!
//! Not implemented: multi-homing (one path per association, as over UDP), unordered sends
//! (received unordered chunks are delivered), PR-SCTP, stream reconfiguration, INIT
//! collision handling (§5.2.1–§5.2.3 beyond a restart), reporting of unrecognized parameters
//! and chunks, Max.Burst, per-association RFC 6951 §5.4 encapsulation port updates.
//!
//! - [`Association`]: one association's state machine.
//! - [`Endpoint`]: demultiplexes packets by (remote address, ports, verification tag),
//!   answers INITs statelessly and creates associations from valid COOKIE ECHOs.

mod assoc;
pub mod cookie;
mod endpoint;
mod rx;
mod tx;

#[cfg(test)]
mod tests;

use crate::model::Micros;
pub use crate::wire::sctp::{PPID_DIAMETER, UDP_ENCAPS_PORT};
pub use assoc::{Association, State};
pub use endpoint::{AssocId, ConnectError, Datagram, Endpoint, EndpointConfig, EndpointStats};

/// Per-association settings (RFC 4960 §15 protocol parameters, with roamsim defaults).
#[derive(Debug, Clone)]
pub struct Config {
    /// RTO.Initial, µs (RFC default 3 s; 500 ms here suits loopback and IPX paths).
    pub rto_initial_us: Micros,
    /// RTO.Min, µs (RFC default 1 s).
    pub rto_min_us: Micros,
    /// RTO.Max, µs (RFC default 60 s).
    pub rto_max_us: Micros,
    /// Max.Init.Retransmits for INIT and COOKIE ECHO.
    pub max_init_retransmits: u32,
    /// Association.Max.Retrans: consecutive T3/T2/heartbeat failures before the peer is
    /// declared unreachable.
    pub max_retrans: u32,
    /// HB.interval, µs; `None` disables heartbeats.
    pub heartbeat_interval_us: Option<Micros>,
    /// Delayed-SACK timer, µs (RFC 4960 §6.2: at most 500 ms; default 200 ms).
    pub sack_delay_us: Micros,
    /// Largest SCTP packet (the UDP payload when encapsulated), bytes.
    pub mtu: usize,
    /// Receive buffer advertised as a_rwnd, bytes: what may arrive before the application
    /// polls it.
    pub rx_window: usize,
    /// Most bytes queued for sending and not yet acknowledged; `send` refuses beyond it.
    pub send_buffer: usize,
    /// Outbound streams we ask for.
    pub outbound_streams: u16,
    /// Inbound streams we accept.
    pub inbound_streams: u16,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rto_initial_us: Micros::from_millis(500),
            rto_min_us: Micros::from_millis(200),
            rto_max_us: Micros::from_secs(10),
            max_init_retransmits: 8,
            max_retrans: 10,
            heartbeat_interval_us: Some(Micros::from_secs(30)),
            sack_delay_us: Micros::from_millis(200),
            mtu: 1452,
            rx_window: 4 << 20,
            send_buffer: 4 << 20,
            outbound_streams: 16,
            inbound_streams: 16,
        }
    }
}

/// Why an association ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// SHUTDOWN / SHUTDOWN ACK / SHUTDOWN COMPLETE finished (§9.2).
    Shutdown,
    /// The peer sent ABORT.
    PeerAborted,
    /// We called [`Association::abort`].
    LocalAbort,
    /// Association.Max.Retrans consecutive failures (T3, T2 or heartbeat): peer unreachable.
    Timeout,
    /// INIT or COOKIE ECHO unanswered after Max.Init.Retransmits.
    HandshakeFailed,
    /// The peer restarted: a new association from the same address and ports replaced it.
    Restarted,
}

/// Something an association reports through `poll_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The association is established (COOKIE ACK received or valid COOKIE ECHO accepted).
    Connected {
        /// Negotiated outbound streams (`send` accepts `0..outbound_streams`).
        outbound_streams: u16,
        /// Negotiated inbound streams.
        inbound_streams: u16,
    },
    /// A whole user message, in order within its stream.
    Message {
        /// Stream identifier.
        stream: u16,
        /// Payload Protocol Identifier.
        ppid: u32,
        /// The message.
        data: Vec<u8>,
    },
    /// The association is closed; no more events follow.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// Why `send` refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The association is not (or no longer) established.
    #[error("SCTP association not established (state {state:?})")]
    NotEstablished {
        /// Its state.
        state: State,
    },
    /// Stream identifier beyond the negotiated outbound streams.
    #[error("SCTP stream {stream} out of range (association has {streams} outbound streams)")]
    InvalidStream {
        /// The stream asked for.
        stream: u16,
        /// Negotiated outbound streams.
        streams: u16,
    },
    /// Empty messages cannot be sent (RFC 4960 §6.2, "No User Data").
    #[error("SCTP cannot send an empty message")]
    Empty,
    /// The send buffer is full.
    #[error("SCTP send buffer full: {queued} of {limit} bytes queued")]
    BufferFull {
        /// Bytes queued now.
        queued: usize,
        /// The configured limit.
        limit: usize,
    },
}

/// Counters of one association.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssocStats {
    /// SCTP packets produced by `poll_transmit`.
    pub packets_sent: u64,
    /// SCTP packets accepted by `handle_packet`.
    pub packets_received: u64,
    /// Packets dropped: bad checksum, ports or verification tag, malformed chunks.
    pub packets_dropped: u64,
    /// User messages accepted by `send`.
    pub messages_sent: u64,
    /// User messages delivered through `poll_event`.
    pub messages_received: u64,
    /// DATA chunks sent for the first time.
    pub data_chunks_sent: u64,
    /// DATA chunks sent again (T3 and fast retransmissions).
    pub retransmissions: u64,
    /// Chunks marked for fast retransmission (three miss indications).
    pub fast_retransmissions: u64,
    /// T3-rtx expirations.
    pub t3_expirations: u64,
    /// SACK chunks sent.
    pub sacks_sent: u64,
    /// SACK chunks received.
    pub sacks_received: u64,
    /// DATA chunks received again (already acknowledged).
    pub duplicate_tsns: u64,
    /// DATA chunks dropped for lack of receive window.
    pub rx_window_drops: u64,
    /// HEARTBEATs sent.
    pub heartbeats_sent: u64,
    /// HEARTBEAT ACKs matching our last HEARTBEAT.
    pub heartbeat_acks: u64,
    /// Smoothed RTT, µs (0 before the first measurement).
    pub srtt_us: u64,
    /// Current RTO, µs.
    pub rto_us: u64,
}

/// `a` precedes `b` in serial number arithmetic (RFC 1982, as RFC 4960 §1.6 asks for TSNs).
pub(crate) fn tsn_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// `a` precedes or equals `b` in serial number arithmetic.
pub(crate) fn tsn_le(a: u32, b: u32) -> bool {
    a == b || tsn_lt(a, b)
}
