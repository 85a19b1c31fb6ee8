//! One SCTP association (RFC 4960 §4 state diagram): construction as client (INIT, §5.1 A)
//! or from a verified cookie (server, §5.1 D), the application API, timers (T1-init,
//! T1-cookie §5.1, T3-rtx §6.3, T2-shutdown §9.2, delayed SACK §6.2, heartbeat §8.3) and
//! events. Packet input is in [`input`], packet output in [`output`].

use std::collections::VecDeque;

use super::cookie::CookieParams;
use super::rx::Rx;
use super::tx::{Rto, Tx};
use super::{AssocStats, CloseReason, Config, Event, SendError};
use crate::model::rng::Rng;
use crate::model::Micros;
use crate::wire::sctp::{GapBlock, DATA_HEADER_LEN, HEADER_LEN};

mod input;
mod output;

/// Association state (RFC 4960 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// INIT sent, waiting for INIT ACK.
    CookieWait,
    /// COOKIE ECHO sent, waiting for COOKIE ACK.
    CookieEchoed,
    /// Data flows both ways.
    Established,
    /// `shutdown` called; sending what is queued before SHUTDOWN.
    ShutdownPending,
    /// SHUTDOWN sent, waiting for SHUTDOWN ACK.
    ShutdownSent,
    /// SHUTDOWN received; sending what is queued before SHUTDOWN ACK.
    ShutdownReceived,
    /// SHUTDOWN ACK sent, waiting for SHUTDOWN COMPLETE.
    ShutdownAckSent,
    /// Closed; see the [`Event::Closed`] reason.
    Closed,
}

/// Control chunks waiting for `poll_transmit`.
#[derive(Debug, Default)]
struct Pending {
    init: bool,
    cookie_echo: bool,
    cookie_ack: bool,
    shutdown: bool,
    shutdown_ack: bool,
    shutdown_complete: bool,
    abort: bool,
    heartbeat: bool,
    heartbeat_ack: bool,
    invalid_stream: Option<u16>,
}

/// A sans-IO SCTP association.
///
/// Call order: feed every SCTP packet for this association to `handle_packet(now, bytes)`;
/// call `handle_timeout(now)` when `now` reaches `poll_timeout()`; queue messages with
/// `send`; after any of these, drain `poll_transmit(now, buf)` (one SCTP packet per call, for
/// the caller to put in a UDP datagram) and `poll_event()`.
#[derive(Debug)]
pub struct Association {
    cfg: Config,
    state: State,
    local_port: u16,
    peer_port: u16,
    local_tag: u32,
    peer_tag: u32,
    local_tsn: u32,
    tx: Tx,
    rx: Rx,
    rto: Rto,
    error_count: u32,
    init_retries: u32,
    init_sent_at: Micros,
    t1: Option<Micros>,
    t2: Option<Micros>,
    cookie: Vec<u8>,
    hb_next: Option<Micros>,
    hb_outstanding: Option<(u64, Micros)>,
    hb_ack_info: Vec<u8>,
    rng: Rng,
    pending: Pending,
    events: VecDeque<Event>,
    closed: Option<CloseReason>,
    closed_reported: bool,
    gaps: Vec<GapBlock>,
    stats: AssocStats,
}

impl Association {
    fn base(cfg: Config, local_port: u16, peer_port: u16, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let local_tag = (rng.next_u64() as u32).max(1);
        let local_tsn = rng.next_u64() as u32;
        Association {
            tx: Tx::new(local_tsn, 0, cfg.mtu, cfg.outbound_streams),
            rx: Rx::new(0, cfg.inbound_streams, cfg.rx_window),
            rto: Rto::new(cfg.rto_initial_us, cfg.rto_min_us, cfg.rto_max_us),
            cfg,
            state: State::CookieWait,
            local_port,
            peer_port,
            local_tag,
            peer_tag: 0,
            local_tsn,
            error_count: 0,
            init_retries: 0,
            init_sent_at: Micros::ZERO,
            t1: None,
            t2: None,
            cookie: Vec::new(),
            hb_next: None,
            hb_outstanding: None,
            hb_ack_info: Vec::new(),
            rng,
            pending: Pending::default(),
            events: VecDeque::new(),
            closed: None,
            closed_reported: false,
            gaps: Vec::new(),
            stats: AssocStats::default(),
        }
    }

    /// Starts an association from `local_port` to `peer_port` (client side): queues INIT.
    /// `seed` draws the verification tag, initial TSN and heartbeat nonces; take it from a
    /// random source where the peer is not trusted (RFC 4960 §5.3.1).
    pub fn connect(now: Micros, cfg: Config, local_port: u16, peer_port: u16, seed: u64) -> Self {
        let mut a = Association::base(cfg, local_port, peer_port, seed);
        a.pending.init = true;
        a.init_sent_at = now;
        a.t1 = Some(now + a.rto.get());
        a
    }

    /// An established association from a verified State Cookie (server side).
    pub fn accept(now: Micros, cfg: Config, c: &CookieParams, seed: u64) -> Self {
        let mut a = Association::base(cfg, c.local_port, c.peer_port, seed);
        a.local_tag = c.local_tag;
        a.peer_tag = c.peer_tag;
        a.local_tsn = c.local_tsn;
        a.tx = Tx::new(c.local_tsn, c.peer_rwnd, a.cfg.mtu, c.outbound_streams);
        a.rx = Rx::new(c.peer_tsn, c.inbound_streams, a.cfg.rx_window);
        // Each INIT ACK carries its own creation time, so INIT ACK -> COOKIE ECHO is a clean
        // round-trip sample even when INITs were retransmitted.
        if now >= c.created_us {
            a.rto.sample(now - c.created_us);
        }
        a.establish(now);
        a
    }

    fn establish(&mut self, now: Micros) {
        self.state = State::Established;
        self.t1 = None;
        self.init_retries = 0;
        self.events.push_back(Event::Connected {
            outbound_streams: self.tx.streams(),
            inbound_streams: self.rx_streams(),
        });
        self.schedule_heartbeat(now);
    }

    fn rx_streams(&self) -> u16 {
        self.rx.streams()
    }

    fn schedule_heartbeat(&mut self, now: Micros) {
        self.hb_next = self
            .cfg
            .heartbeat_interval_us
            .map(|i| now + i + self.rto.get());
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Counters, with the current SRTT and RTO.
    pub fn stats(&self) -> AssocStats {
        AssocStats {
            srtt_us: self.rto.srtt().as_u64(),
            rto_us: self.rto.get().as_u64(),
            ..self.stats
        }
    }

    /// Our verification tag (what the peer puts in its packets).
    pub fn local_tag(&self) -> u32 {
        self.local_tag
    }

    /// The peer's verification tag (0 before the INIT ACK).
    pub fn peer_tag(&self) -> u32 {
        self.peer_tag
    }

    /// (local, peer) SCTP ports.
    pub fn ports(&self) -> (u16, u16) {
        (self.local_port, self.peer_port)
    }

    /// Negotiated outbound streams.
    pub fn outbound_streams(&self) -> u16 {
        self.tx.streams()
    }

    /// Bytes queued and not yet acknowledged by the peer.
    pub fn queued_bytes(&self) -> usize {
        self.tx.queued_bytes()
    }

    /// Congestion window and bytes in flight, for diagnostics.
    pub fn congestion(&self) -> (usize, usize) {
        (self.tx.cwnd(), self.tx.flight())
    }

    /// Closed, its events reported and nothing left to send: the owner may drop it.
    pub fn is_drained(&self) -> bool {
        self.state == State::Closed
            && self.closed_reported
            && self.events.is_empty()
            && !self.rx.has_messages()
            && !self.pending.shutdown_complete
            && !self.pending.abort
    }

    /// Queues one message on `stream` with Payload Protocol Identifier `ppid` (46 for
    /// Diameter), ordered within its stream, fragmented to fit the MTU.
    pub fn send(
        &mut self,
        _now: Micros,
        stream: u16,
        ppid: u32,
        data: &[u8],
    ) -> Result<(), SendError> {
        if self.state != State::Established {
            return Err(SendError::NotEstablished { state: self.state });
        }
        if data.is_empty() {
            return Err(SendError::Empty);
        }
        let streams = self.tx.streams();
        if stream >= streams {
            return Err(SendError::InvalidStream { stream, streams });
        }
        let queued = self.tx.queued_bytes();
        if queued > 0 && queued + data.len() > self.cfg.send_buffer {
            return Err(SendError::BufferFull {
                queued,
                limit: self.cfg.send_buffer,
            });
        }
        let max_chunk = self.cfg.mtu - HEADER_LEN - DATA_HEADER_LEN;
        self.tx.enqueue(stream, ppid, data, max_chunk);
        self.stats.messages_sent += 1;
        Ok(())
    }

    /// Starts a graceful shutdown (§9.2): queued data is delivered first, then SHUTDOWN.
    /// Before the association is up it simply closes.
    pub fn shutdown(&mut self, now: Micros) {
        match self.state {
            State::CookieWait | State::CookieEchoed => {
                self.pending.init = false;
                self.pending.cookie_echo = false;
                self.close(CloseReason::Shutdown);
            }
            State::Established => {
                self.state = State::ShutdownPending;
                self.progress_shutdown(now);
            }
            _ => {}
        }
    }

    /// Aborts the association (§9.1): one ABORT with "User-Initiated Abort", then closed.
    pub fn abort(&mut self, _now: Micros) {
        if self.state == State::Closed {
            return;
        }
        self.pending = Pending {
            abort: self.peer_tag != 0,
            ..Pending::default()
        };
        self.close(CloseReason::LocalAbort);
    }

    /// Sends SHUTDOWN or SHUTDOWN ACK once nothing is outstanding.
    fn progress_shutdown(&mut self, now: Micros) {
        if !self.tx.is_empty() {
            return;
        }
        match self.state {
            State::ShutdownPending => {
                self.state = State::ShutdownSent;
                self.pending.shutdown = true;
            }
            State::ShutdownReceived => {
                self.state = State::ShutdownAckSent;
                self.pending.shutdown_ack = true;
            }
            _ => return,
        }
        self.hb_next = None;
        self.t2 = Some(now + self.rto.get());
    }

    fn close(&mut self, reason: CloseReason) {
        self.state = State::Closed;
        self.t1 = None;
        self.t2 = None;
        self.tx.t3 = None;
        self.rx.sack_at = None;
        self.rx.sack_now = false;
        self.hb_next = None;
        self.closed.get_or_insert(reason);
    }

    /// Counts a failure toward Association.Max.Retrans; closes with `Timeout` past it.
    fn bump_error(&mut self) -> bool {
        self.error_count += 1;
        if self.error_count > self.cfg.max_retrans {
            self.close(CloseReason::Timeout);
            return true;
        }
        false
    }

    /// Next event: connection first, then messages in order, then `Closed` last.
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        if let Some((stream, ppid, data)) = self.rx.pop_message() {
            self.stats.messages_received += 1;
            return Some(Event::Message { stream, ppid, data });
        }
        match self.closed {
            Some(reason) if !self.closed_reported => {
                self.closed_reported = true;
                Some(Event::Closed { reason })
            }
            _ => None,
        }
    }

    /// Earliest timer deadline.
    pub fn poll_timeout(&self) -> Option<Micros> {
        [self.t1, self.t2, self.tx.t3, self.rx.sack_at, self.hb_next]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Micros) {
        let due = |t: Option<Micros>| t.is_some_and(|t| t <= now);
        if due(self.t1) {
            self.on_t1(now);
        }
        if due(self.tx.t3) {
            self.stats.t3_expirations += 1;
            self.tx.on_t3_expiry();
            self.rto.back_off();
            self.bump_error();
        }
        if due(self.t2) {
            self.on_t2(now);
        }
        if due(self.rx.sack_at) {
            self.rx.sack_at = None;
            self.rx.sack_now = true;
        }
        if due(self.hb_next) {
            self.on_heartbeat_timer(now);
        }
    }

    fn on_t1(&mut self, now: Micros) {
        self.init_retries += 1;
        if self.init_retries > self.cfg.max_init_retransmits {
            self.pending.init = false;
            self.pending.cookie_echo = false;
            self.close(CloseReason::HandshakeFailed);
            return;
        }
        self.rto.back_off();
        match self.state {
            State::CookieWait => self.pending.init = true,
            State::CookieEchoed => self.pending.cookie_echo = true,
            _ => {}
        }
        self.t1 = Some(now + self.rto.get());
    }

    fn on_t2(&mut self, now: Micros) {
        self.rto.back_off();
        if self.bump_error() {
            return;
        }
        match self.state {
            State::ShutdownSent => self.pending.shutdown = true,
            State::ShutdownAckSent => self.pending.shutdown_ack = true,
            _ => {}
        }
        self.t2 = Some(now + self.rto.get());
    }

    /// Heartbeat period over (§8.3): an unanswered previous HEARTBEAT counts as a failure
    /// and doubles the RTO; then a new one goes out.
    fn on_heartbeat_timer(&mut self, now: Micros) {
        if self.hb_outstanding.is_some() {
            self.rto.back_off();
            if self.bump_error() {
                return;
            }
        }
        let nonce = self.rng.next_u64();
        self.hb_outstanding = Some((nonce, now));
        self.pending.heartbeat = true;
        self.stats.heartbeats_sent += 1;
        self.schedule_heartbeat(now);
    }
}

impl Association {
    /// The peer restarted and a new association replaces this one (§5.2.4 case A).
    pub(crate) fn restarted(&mut self) {
        self.pending = Pending::default();
        self.close(CloseReason::Restarted);
    }
}
