//! Sending side of an association: fragmentation (RFC 4960 §6.9), the queue of outstanding
//! DATA chunks, SACK processing (§6.2.1), T3-rtx expiry (§6.3.3), fast retransmit with HTNA
//! miss indications (§7.2.4), congestion control (§7.2.1–§7.2.3) and RTO estimation (§6.3.1).
//!
//! Every chunk gets its TSN when the message is queued, so the queue holds the contiguous TSNs
//! `cum_ack + 1 ..` and a TSN's chunk is found by offset. Chunks to retransmit wait in a FIFO
//! of TSNs (lowest first); entries already acknowledged are skipped when they surface.

use std::collections::VecDeque;

use bytes::Bytes;

use super::{tsn_le, tsn_lt, AssocStats};
use crate::model::Micros;
use crate::wire::sctp::{pad4, ChunkRepr, DataChunk, PacketBuilder, SackChunk, DATA_HEADER_LEN};

/// RTO estimator (RFC 4960 §6.3.1).
#[derive(Debug, Clone)]
pub(super) struct Rto {
    srtt: Option<Micros>,
    rttvar: Micros,
    rto: Micros,
    min: Micros,
    max: Micros,
}

impl Rto {
    pub fn new(initial: Micros, min: Micros, max: Micros) -> Self {
        Rto {
            srtt: None,
            rttvar: Micros::ZERO,
            rto: initial.clamp(min, max),
            min,
            max,
        }
    }

    /// Current RTO.
    pub fn get(&self) -> Micros {
        self.rto
    }

    /// Smoothed RTT, 0 before the first sample.
    pub fn srtt(&self) -> Micros {
        self.srtt.unwrap_or(Micros::ZERO)
    }

    /// Takes a round-trip sample (rules C1–C3, α = 1/8, β = 1/4, G = 1 ms).
    pub fn sample(&mut self, r: Micros) {
        let srtt = match self.srtt {
            None => {
                self.rttvar = r / 2;
                r
            }
            Some(s) => {
                self.rttvar = (self.rttvar * 3 + Micros(s.0.abs_diff(r.0))) / 4;
                (s * 7 + r) / 8
            }
        };
        self.srtt = Some(srtt);
        self.rto = (srtt + (self.rttvar * 4).max(Micros::from_millis(1))).clamp(self.min, self.max);
    }

    /// Doubles the RTO after a timer expiry (rule E2).
    pub fn back_off(&mut self) {
        self.rto = (self.rto * 2).min(self.max);
    }
}

const FLAG_E: u8 = 1;
const FLAG_B: u8 = 2;

#[derive(Debug)]
struct TxChunk {
    tsn: u32,
    stream: u16,
    ssn: u16,
    ppid: u32,
    flags: u8,
    data: Bytes,
    sends: u32,
    last_sent: Micros,
    acked: bool,
    in_flight: bool,
    marked: bool,
    fast_retx: bool,
    missing: u8,
}

/// What a SACK changed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SackOutcome {
    /// The cumulative TSN ack point moved.
    pub cum_advanced: bool,
    /// A round-trip sample was taken.
    pub rtt_sample: Option<Micros>,
}

/// Outstanding data of one association.
#[derive(Debug)]
pub(super) struct Tx {
    queue: VecDeque<TxChunk>,
    next_tsn: u32,
    cum_ack: u32,
    unsent: usize,
    retx: VecDeque<u32>,
    marked: usize,
    flight: usize,
    queued_bytes: usize,
    ssn: Vec<u16>,
    peer_rwnd: usize,
    cwnd: usize,
    ssthresh: usize,
    pba: usize,
    fast_recovery_exit: Option<u32>,
    fast_retx_pending: bool,
    rtt_probe: Option<u32>,
    mtu: usize,
    /// T3-rtx deadline.
    pub t3: Option<Micros>,
}

impl Tx {
    /// Empty queue starting at `initial_tsn`, towards a peer advertising `peer_rwnd`.
    pub fn new(initial_tsn: u32, peer_rwnd: u32, mtu: usize, streams: u16) -> Self {
        Tx {
            queue: VecDeque::new(),
            next_tsn: initial_tsn,
            cum_ack: initial_tsn.wrapping_sub(1),
            unsent: 0,
            retx: VecDeque::new(),
            marked: 0,
            flight: 0,
            queued_bytes: 0,
            ssn: vec![0; streams as usize],
            peer_rwnd: peer_rwnd as usize,
            cwnd: (4 * mtu).min((2 * mtu).max(4380)),
            ssthresh: peer_rwnd as usize,
            pba: 0,
            fast_recovery_exit: None,
            fast_retx_pending: false,
            rtt_probe: None,
            mtu,
            t3: None,
        }
    }

    /// Sets the peer's window and stream count once the handshake told us.
    pub fn set_peer(&mut self, peer_rwnd: u32, streams: u16) {
        self.peer_rwnd = peer_rwnd as usize;
        self.ssthresh = peer_rwnd as usize;
        self.ssn = vec![0; streams as usize];
    }

    /// Number of outbound streams.
    pub fn streams(&self) -> u16 {
        self.ssn.len() as u16
    }

    /// Bytes queued and not yet acknowledged.
    pub fn queued_bytes(&self) -> usize {
        self.queued_bytes
    }

    /// Nothing queued or outstanding.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Some chunk waits for its first transmission or a retransmission.
    pub fn has_sendable(&self) -> bool {
        self.marked > 0 || self.unsent < self.queue.len()
    }

    /// Bytes in flight (sent, unacknowledged, not marked for retransmission).
    pub fn flight(&self) -> usize {
        self.flight
    }

    /// Congestion window, bytes.
    pub fn cwnd(&self) -> usize {
        self.cwnd
    }

    /// Queues one ordered message on `stream`, cut into chunks of at most `max_chunk` bytes.
    pub fn enqueue(&mut self, stream: u16, ppid: u32, data: &[u8], max_chunk: usize) {
        let ssn = self.ssn[stream as usize];
        self.ssn[stream as usize] = ssn.wrapping_add(1);
        let whole = Bytes::copy_from_slice(data);
        let n = data.len().div_ceil(max_chunk);
        for i in 0..n {
            let (start, end) = (i * max_chunk, ((i + 1) * max_chunk).min(data.len()));
            let flags = if i == 0 { FLAG_B } else { 0 } | if i + 1 == n { FLAG_E } else { 0 };
            self.queue.push_back(TxChunk {
                tsn: self.next_tsn,
                stream,
                ssn,
                ppid,
                flags,
                data: whole.slice(start..end),
                sends: 0,
                last_sent: Micros::ZERO,
                acked: false,
                in_flight: false,
                marked: false,
                fast_retx: false,
                missing: 0,
            });
            self.next_tsn = self.next_tsn.wrapping_add(1);
        }
        self.queued_bytes += data.len();
    }

    /// TSN of the last chunk sent at least once (TSNs are assigned when queued).
    fn highest_sent(&self) -> u32 {
        self.cum_ack.wrapping_add(self.unsent as u32)
    }

    fn index_of(&self, tsn: u32) -> Option<usize> {
        let off = tsn.wrapping_sub(self.cum_ack.wrapping_add(1)) as usize;
        (off < self.queue.len()).then_some(off)
    }

    /// Adds DATA chunks to `pb` while they fit in the packet, the congestion window and the
    /// peer's window: marked retransmissions first, then new chunks if `allow_new`. Returns
    /// whether any chunk was added.
    pub fn write_data(
        &mut self,
        now: Micros,
        pb: &mut PacketBuilder<'_>,
        allow_new: bool,
        stats: &mut AssocStats,
    ) -> bool {
        let mut any = false;
        while let Some(&tsn) = self.retx.front() {
            let Some(idx) = self.index_of(tsn).filter(|&i| self.queue[i].marked) else {
                self.retx.pop_front();
                continue;
            };
            let len = self.queue[idx].data.len();
            let cwnd_ok =
                self.fast_retx_pending || self.flight == 0 || self.flight + len <= self.cwnd;
            if !cwnd_ok || !self.emit(idx, now, pb, false) {
                break;
            }
            self.retx.pop_front();
            let c = &mut self.queue[idx];
            c.marked = false;
            self.marked -= 1;
            if self.rtt_probe == Some(tsn) {
                self.rtt_probe = None;
            }
            stats.retransmissions += 1;
            any = true;
        }
        self.fast_retx_pending = false;
        if self.marked > 0 || !allow_new {
            return any;
        }
        while self.unsent < self.queue.len() {
            let len = self.queue[self.unsent].data.len();
            let rwnd = self.peer_rwnd.saturating_sub(self.flight);
            if self.flight > 0 && (self.flight + len > self.cwnd || len > rwnd) {
                break;
            }
            // RFC 7053: the chunk that empties the queue asks for an immediate SACK, so a
            // lone message is not left to the delayed-SACK timer (and a spurious T3).
            let last = self.unsent + 1 == self.queue.len();
            if !self.emit(self.unsent, now, pb, last) {
                break;
            }
            if self.rtt_probe.is_none() {
                self.rtt_probe = Some(self.queue[self.unsent].tsn);
            }
            self.unsent += 1;
            stats.data_chunks_sent += 1;
            any = true;
        }
        any
    }

    /// Emits chunk `idx` if it fits; marks it in flight.
    fn emit(
        &mut self,
        idx: usize,
        now: Micros,
        pb: &mut PacketBuilder<'_>,
        immediate: bool,
    ) -> bool {
        let c = &mut self.queue[idx];
        if pad4(DATA_HEADER_LEN + c.data.len()) > pb.room(self.mtu) {
            return false;
        }
        pb.push(&ChunkRepr::Data(DataChunk {
            tsn: c.tsn,
            stream_id: c.stream,
            ssn: c.ssn,
            ppid: c.ppid,
            unordered: false,
            beginning: c.flags & FLAG_B != 0,
            ending: c.flags & FLAG_E != 0,
            immediate,
            user_data: &c.data,
        }));
        c.sends += 1;
        c.last_sent = now;
        c.in_flight = true;
        self.flight += c.data.len();
        true
    }

    /// Marks a chunk acknowledged (by cum ack or gap block); returns its length if new.
    fn ack_one(&mut self, idx: usize, now: Micros, out: &mut SackOutcome) -> usize {
        let c = &mut self.queue[idx];
        if c.acked {
            return 0;
        }
        c.acked = true;
        if c.in_flight {
            c.in_flight = false;
            self.flight -= c.data.len();
        }
        if c.marked {
            c.marked = false;
            self.marked -= 1;
        }
        if self.rtt_probe == Some(c.tsn) {
            self.rtt_probe = None;
            if c.sends == 1 {
                out.rtt_sample = Some(now.saturating_sub(c.last_sent));
            }
        }
        c.data.len()
    }

    /// Processes a SACK (RFC 4960 §6.2.1, §7.2.1–§7.2.4); restarts or stops T3 with `rto`.
    pub fn handle_sack(
        &mut self,
        now: Micros,
        s: &SackChunk<'_>,
        rto: Micros,
        stats: &mut AssocStats,
    ) -> SackOutcome {
        let mut out = SackOutcome::default();
        let cum = s.cum_tsn_ack;
        if tsn_lt(cum, self.cum_ack) || tsn_lt(self.highest_sent(), cum) {
            return out;
        }
        let flight_before = self.flight;
        let mut newly = 0;
        let mut htna = None;
        while self.queue.front().is_some_and(|c| tsn_le(c.tsn, cum)) {
            if self.unsent == 0 {
                break; // acknowledges a chunk never sent: ignore the rest
            }
            let n = self.ack_one(0, now, &mut out);
            let c = self.queue.pop_front().expect("front checked");
            self.unsent -= 1;
            self.queued_bytes -= c.data.len();
            newly += n;
            self.cum_ack = c.tsn;
            out.cum_advanced = true;
        }
        for g in s.gap_blocks.iter() {
            for off in g.start.max(1)..=g.end {
                let tsn = cum.wrapping_add(off as u32);
                match self.index_of(tsn) {
                    Some(idx) if idx < self.unsent => {
                        let n = self.ack_one(idx, now, &mut out);
                        if n > 0 {
                            newly += n;
                            htna = Some(tsn);
                        }
                    }
                    _ => break,
                }
            }
        }
        if let Some(h) = htna {
            self.count_misses(h, stats);
        }
        if self
            .fast_recovery_exit
            .is_some_and(|e| tsn_le(e, self.cum_ack))
        {
            self.fast_recovery_exit = None;
        }
        if out.cum_advanced && self.fast_recovery_exit.is_none() {
            self.grow_cwnd(newly, flight_before);
        }
        let was_closed = self.peer_rwnd < self.mtu;
        self.peer_rwnd = s.a_rwnd as usize;
        if was_closed && self.peer_rwnd >= self.mtu && !out.cum_advanced && self.flight > 0 {
            // The window reopened and our zero-window probe is still unacknowledged: the
            // receiver dropped it (§6.2), so resend now rather than after a backed-off T3.
            self.mark_outstanding();
        }
        if self.flight == 0 && self.marked == 0 {
            self.t3 = None;
        } else if out.cum_advanced {
            self.t3 = Some(now + rto);
        }
        out
    }

    /// HTNA miss indications: every unacknowledged chunk below the highest TSN newly
    /// acknowledged gets one; the third marks it for fast retransmission (once per chunk).
    fn count_misses(&mut self, htna: u32, stats: &mut AssocStats) {
        let end = self.index_of(htna).unwrap_or(self.queue.len());
        let mut any = false;
        for c in self.queue.range_mut(..end) {
            if c.acked || c.marked || c.fast_retx || c.sends == 0 {
                continue;
            }
            c.missing += 1;
            if c.missing >= 3 {
                c.fast_retx = true;
                c.marked = true;
                if c.in_flight {
                    c.in_flight = false;
                    self.flight -= c.data.len();
                }
                self.marked += 1;
                self.retx.push_back(c.tsn);
                stats.fast_retransmissions += 1;
                any = true;
            }
        }
        if any {
            self.fast_retx_pending = true;
            if self.fast_recovery_exit.is_none() {
                self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
                self.cwnd = self.ssthresh;
                self.pba = 0;
                self.fast_recovery_exit = Some(self.highest_sent());
            }
        }
    }

    /// Slow start or congestion avoidance after the cumulative ack advanced (§7.2.1, §7.2.2).
    fn grow_cwnd(&mut self, newly: usize, flight_before: usize) {
        let utilized = flight_before + self.mtu >= self.cwnd;
        if self.cwnd <= self.ssthresh {
            if utilized {
                self.cwnd += newly.min(self.mtu);
            }
        } else {
            self.pba += newly;
            if self.pba >= self.cwnd && utilized {
                self.pba -= self.cwnd;
                self.cwnd += self.mtu;
            }
        }
    }

    /// Applies a cumulative ack carried by a SHUTDOWN chunk (no gaps, window unchanged).
    pub fn handle_cum_ack(&mut self, now: Micros, cum: u32, rto: Micros, stats: &mut AssocStats) {
        let sack = SackChunk {
            cum_tsn_ack: cum,
            a_rwnd: self.peer_rwnd as u32,
            gap_blocks: crate::wire::sctp::GapBlocks::List(&[]),
            dup_tsns: crate::wire::sctp::DupTsns::List(&[]),
        };
        self.handle_sack(now, &sack, rto, stats);
    }

    /// T3-rtx expired (§6.3.3, §7.2.3): collapse cwnd to one MTU and mark every outstanding
    /// chunk for retransmission, lowest TSN first.
    pub fn on_t3_expiry(&mut self) {
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.mtu;
        self.pba = 0;
        self.fast_recovery_exit = None;
        self.mark_outstanding();
        self.t3 = None;
    }

    /// Marks every sent, unacknowledged chunk for retransmission, lowest TSN first.
    fn mark_outstanding(&mut self) {
        self.rtt_probe = None;
        self.retx.clear();
        for c in self.queue.range_mut(..self.unsent) {
            if c.acked {
                continue;
            }
            if c.in_flight {
                c.in_flight = false;
                self.flight -= c.data.len();
            }
            if !c.marked {
                c.marked = true;
                self.marked += 1;
            }
            self.retx.push_back(c.tsn);
        }
    }
}
