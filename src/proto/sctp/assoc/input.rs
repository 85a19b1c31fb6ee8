//! Packet input of an association: checksum and verification tag rules (RFC 4960 §6.8,
//! §8.5, §8.5.1), then each chunk in order: INIT ACK and COOKIE ACK (§5.1), DATA (§6.2),
//! SACK (§6.2.1), HEARTBEAT and HEARTBEAT ACK (§8.3), ABORT (§9.1), SHUTDOWN, SHUTDOWN ACK and
//! SHUTDOWN COMPLETE (§9.2), ERROR with Stale Cookie (§5.2.6), unknown chunks (§3.2).

use super::{Association, State};
use crate::model::Micros;
use crate::proto::sctp::rx::{DataOutcome, Rx};
use crate::proto::sctp::CloseReason;
use crate::wire::sctp::{
    cause_code, chunk_type as ct, ChunkRepr, Chunks, DataChunk, InitChunk, Packet, Params,
    HEADER_LEN,
};

impl Association {
    /// Takes one SCTP packet (the UDP payload under RFC 6951) addressed to this association.
    /// Packets with a bad checksum, ports or verification tag are dropped and counted.
    pub fn handle_packet(&mut self, now: Micros, bytes: &[u8]) {
        match Packet::new_checked(bytes) {
            Ok(p) if p.verify_checksum().is_ok() => self.handle_verified(now, bytes),
            _ => self.stats.packets_dropped += 1,
        }
    }

    /// As [`Association::handle_packet`], for a packet whose checksum the caller verified.
    pub(crate) fn handle_verified(&mut self, now: Micros, bytes: &[u8]) {
        let p = Packet::new_unchecked(bytes);
        if p.src_port() != self.peer_port
            || p.dst_port() != self.local_port
            || self.state == State::Closed
            || !self.tag_ok(p.verification_tag(), &bytes[HEADER_LEN..])
        {
            self.stats.packets_dropped += 1;
            return;
        }
        self.stats.packets_received += 1;
        let mut had_data = false;
        for chunk in Chunks::new(&bytes[HEADER_LEN..]) {
            let repr = match chunk.and_then(|c| ChunkRepr::parse(&c)) {
                Ok(r) => r,
                Err(_) => {
                    self.stats.packets_dropped += 1;
                    break;
                }
            };
            if let ChunkRepr::Data(d) = &repr {
                had_data |= self.on_data(d);
                continue;
            }
            if !self.on_control(now, &repr) || self.state == State::Closed {
                break;
            }
        }
        if had_data {
            self.rx.on_data_packet(now, self.cfg.sack_delay_us);
            if self.state == State::ShutdownSent {
                self.pending.shutdown = true;
                self.t2 = Some(now + self.rto.get());
            }
        }
    }

    /// §8.5.1: INIT needs tag 0 (and is not for us: the endpoint answers it); ABORT and
    /// SHUTDOWN COMPLETE may carry the peer's own tag with the T bit; all else carries ours.
    fn tag_ok(&self, vtag: u32, chunks: &[u8]) -> bool {
        let Some(Ok(first)) = Chunks::new(chunks).next() else {
            return false;
        };
        match first.chunk_type {
            ct::INIT => false,
            ct::ABORT | ct::SHUTDOWN_COMPLETE if first.flags & 1 != 0 => {
                self.peer_tag != 0 && vtag == self.peer_tag
            }
            _ => vtag == self.local_tag,
        }
    }

    /// A DATA chunk; returns whether it counts toward SACK timing.
    fn on_data(&mut self, d: &DataChunk<'_>) -> bool {
        if !matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownSent
        ) {
            return false;
        }
        if d.immediate {
            self.rx.sack_now = true;
        }
        match self.rx.handle_data(d) {
            DataOutcome::New => {}
            DataOutcome::Duplicate => self.stats.duplicate_tsns += 1,
            DataOutcome::Dropped => self.stats.rx_window_drops += 1,
            DataOutcome::InvalidStream => self.pending.invalid_stream = Some(d.stream_id),
        }
        true
    }

    /// A control chunk; returns `false` to stop processing the packet.
    fn on_control(&mut self, now: Micros, repr: &ChunkRepr<'_>) -> bool {
        match *repr {
            ChunkRepr::InitAck(i) => self.on_init_ack(now, &i),
            ChunkRepr::CookieEcho { .. } => {
                if !matches!(self.state, State::CookieWait | State::CookieEchoed) {
                    self.pending.cookie_ack = true;
                }
            }
            ChunkRepr::CookieAck => {
                if self.state == State::CookieEchoed {
                    self.establish(now);
                }
            }
            ChunkRepr::Sack(s) => self.on_sack(now, &s),
            ChunkRepr::Heartbeat { info } => {
                self.hb_ack_info.clear();
                self.hb_ack_info.extend_from_slice(info);
                self.pending.heartbeat_ack = true;
            }
            ChunkRepr::HeartbeatAck { info } => self.on_heartbeat_ack(now, info),
            ChunkRepr::Abort { .. } => {
                self.pending = Default::default();
                self.close(CloseReason::PeerAborted);
                return false;
            }
            ChunkRepr::Shutdown { cum_tsn_ack } => self.on_shutdown(now, cum_tsn_ack),
            ChunkRepr::ShutdownAck => {
                if matches!(self.state, State::ShutdownSent | State::ShutdownAckSent) {
                    self.pending.shutdown_complete = true;
                    self.close(CloseReason::Shutdown);
                }
            }
            ChunkRepr::ShutdownComplete { .. } => {
                if self.state == State::ShutdownAckSent {
                    self.close(CloseReason::Shutdown);
                }
            }
            ChunkRepr::Error { causes } => self.on_error(now, causes),
            ChunkRepr::Init(_) | ChunkRepr::Data(_) => {}
            // §3.2: the two high bits 00 or 01 say "stop processing this packet".
            ChunkRepr::Unknown(c) => return c.chunk_type & 0x80 != 0,
        }
        true
    }

    fn on_init_ack(&mut self, now: Micros, i: &InitChunk<'_>) {
        if self.state != State::CookieWait || i.initiate_tag == 0 || i.inbound_streams == 0 {
            return;
        }
        self.peer_tag = i.initiate_tag;
        let outbound = self.cfg.outbound_streams.min(i.inbound_streams);
        let inbound = self.cfg.inbound_streams.min(i.outbound_streams);
        self.tx.set_peer(i.a_rwnd, outbound);
        self.rx = Rx::new(i.initial_tsn, inbound, self.cfg.rx_window);
        self.cookie.clear();
        self.cookie
            .extend_from_slice(i.state_cookie.unwrap_or_default());
        if self.init_retries == 0 {
            self.rto.sample(now.saturating_sub(self.init_sent_at));
        }
        self.state = State::CookieEchoed;
        self.pending.init = false;
        self.pending.cookie_echo = true;
        self.init_retries = 0;
        self.t1 = Some(now + self.rto.get());
    }

    fn on_sack(&mut self, now: Micros, s: &crate::wire::sctp::SackChunk<'_>) {
        if !matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownSent
                | State::ShutdownReceived
        ) {
            return;
        }
        self.stats.sacks_received += 1;
        let out = self.tx.handle_sack(now, s, self.rto.get(), &mut self.stats);
        if let Some(r) = out.rtt_sample {
            self.rto.sample(r);
        }
        // A SACK that closes the window answers our zero-window probe: the peer is alive,
        // only slow, so the probes' T3 expirations must not count toward Max.Retrans
        // (RFC 9260 §6.1 rule A).
        if out.cum_advanced || (s.a_rwnd as usize) < self.cfg.mtu {
            self.error_count = 0;
        }
        self.progress_shutdown(now);
    }

    fn on_heartbeat_ack(&mut self, now: Micros, info: &[u8]) {
        let Some((nonce, sent)) = self.hb_outstanding else {
            return;
        };
        if info.len() != 16 || info[8..] != nonce.to_be_bytes() {
            return;
        }
        self.hb_outstanding = None;
        self.error_count = 0;
        self.stats.heartbeat_acks += 1;
        self.rto.sample(now.saturating_sub(sent));
    }

    fn on_shutdown(&mut self, now: Micros, cum: u32) {
        match self.state {
            State::Established | State::ShutdownPending | State::ShutdownReceived => {
                self.state = State::ShutdownReceived;
                self.tx
                    .handle_cum_ack(now, cum, self.rto.get(), &mut self.stats);
                self.progress_shutdown(now);
            }
            State::ShutdownSent | State::ShutdownAckSent => {
                self.state = State::ShutdownAckSent;
                self.pending.shutdown_ack = true;
                self.t2 = Some(now + self.rto.get());
            }
            _ => {}
        }
    }

    /// A Stale Cookie error while COOKIE-ECHOED restarts the handshake (§5.2.6).
    fn on_error(&mut self, now: Micros, causes: &[u8]) {
        let stale = Params::new(causes)
            .flatten()
            .any(|c| c.param_type == cause_code::STALE_COOKIE);
        if stale && self.state == State::CookieEchoed {
            self.state = State::CookieWait;
            self.pending.cookie_echo = false;
            self.pending.init = true;
            self.init_retries += 1;
            self.init_sent_at = now;
            self.t1 = Some(now + self.rto.get());
        }
    }
}
