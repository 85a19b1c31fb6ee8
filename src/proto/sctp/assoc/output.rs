//! Packet output of an association: one SCTP packet per `poll_transmit`, bundling control
//! chunks, a SACK and DATA up to the MTU (RFC 4960 §6.10), with INIT alone under tag 0
//! (§8.5.1) and ABORT alone. DATA follows retransmission-first order and the congestion and
//! receive windows (§6.1, §7.2); sending DATA arms T3-rtx (§6.3.2 R1) and postpones the
//! heartbeat, which only idle associations need (§8.3).

use super::{Association, State};
use crate::model::Micros;
use crate::wire::sctp::{
    cause_code, AddressTypes, ChunkRepr, Header, InitChunk, PacketBuilder, Param,
};

impl Association {
    fn header(&self, verification_tag: u32) -> Header {
        Header {
            src_port: self.local_port,
            dst_port: self.peer_port,
            verification_tag,
        }
    }

    /// Appends the next SCTP packet to `buf`; returns its length, or `None` when nothing is
    /// due.
    pub fn poll_transmit(&mut self, now: Micros, buf: &mut Vec<u8>) -> Option<usize> {
        if self.pending.init {
            self.pending.init = false;
            return Some(self.write_init(buf));
        }
        if self.pending.abort {
            self.pending.abort = false;
            let mut cause = [0u8; 4];
            Param {
                param_type: cause_code::USER_INITIATED_ABORT,
                value: &[],
            }
            .emit(&mut cause);
            let mut pb = PacketBuilder::new(buf, &self.header(self.peer_tag));
            pb.push(&ChunkRepr::Abort {
                tag_reflected: false,
                causes: &cause,
            });
            self.stats.packets_sent += 1;
            return Some(pb.finish());
        }
        if self.state == State::Closed && !self.pending.shutdown_complete {
            return None;
        }
        let header = self.header(self.peer_tag);
        let mut pb = PacketBuilder::new(buf, &header);
        self.write_control(&mut pb);
        let data_ok = matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownReceived
        );
        let want_data = data_ok && self.tx.has_sendable();
        if self.rx.sack_now || (self.rx.sack_pending() && (want_data || !pb.is_empty())) {
            let room = pb.room(self.cfg.mtu);
            if self.rx.write_sack(&mut pb, room, &mut self.gaps) {
                self.stats.sacks_sent += 1;
            }
        }
        if std::mem::take(&mut self.pending.shutdown) {
            pb.push(&ChunkRepr::Shutdown {
                cum_tsn_ack: self.rx.cum_tsn(),
            });
        }
        if std::mem::take(&mut self.pending.shutdown_ack) {
            pb.push(&ChunkRepr::ShutdownAck);
        }
        if want_data && self.tx.write_data(now, &mut pb, true, &mut self.stats) {
            if self.tx.t3.is_none() {
                self.tx.t3 = Some(now + self.rto.get());
            }
            if self.hb_outstanding.is_none() && self.hb_next.is_some() {
                self.schedule_heartbeat(now);
            }
        }
        if pb.is_empty() {
            pb.abandon();
            return None;
        }
        self.stats.packets_sent += 1;
        Some(pb.finish())
    }

    fn write_init(&mut self, buf: &mut Vec<u8>) -> usize {
        let mut pb = PacketBuilder::new(buf, &self.header(0));
        pb.push(&ChunkRepr::Init(InitChunk {
            initiate_tag: self.local_tag,
            a_rwnd: self.cfg.rx_window.min(u32::MAX as usize) as u32,
            outbound_streams: self.cfg.outbound_streams,
            inbound_streams: self.cfg.inbound_streams,
            initial_tsn: self.local_tsn,
            state_cookie: None,
            address_types: Some(AddressTypes {
                ipv4: true,
                ipv6: true,
            }),
        }));
        self.stats.packets_sent += 1;
        pb.finish()
    }

    /// COOKIE ECHO, COOKIE ACK, SHUTDOWN COMPLETE, HEARTBEAT ACK, HEARTBEAT, ERROR.
    fn write_control(&mut self, pb: &mut PacketBuilder<'_>) {
        let p = &mut self.pending;
        if std::mem::take(&mut p.cookie_echo) {
            pb.push(&ChunkRepr::CookieEcho {
                cookie: &self.cookie,
            });
        }
        if std::mem::take(&mut p.cookie_ack) {
            pb.push(&ChunkRepr::CookieAck);
        }
        if std::mem::take(&mut p.shutdown_complete) {
            pb.push(&ChunkRepr::ShutdownComplete {
                tag_reflected: false,
            });
        }
        if std::mem::take(&mut p.heartbeat_ack)
            && self.hb_ack_info.len() + 8 <= pb.room(self.cfg.mtu)
        {
            pb.push(&ChunkRepr::HeartbeatAck {
                info: &self.hb_ack_info,
            });
        }
        if std::mem::take(&mut p.heartbeat) {
            if let Some((nonce, sent)) = self.hb_outstanding {
                let mut info = [0u8; 16];
                info[..8].copy_from_slice(&sent.as_u64().to_be_bytes());
                info[8..].copy_from_slice(&nonce.to_be_bytes());
                pb.push(&ChunkRepr::Heartbeat { info: &info });
            }
        }
        if let Some(stream) = p.invalid_stream.take() {
            let mut cause = [0u8; 8];
            let mut value = [0u8; 4];
            value[..2].copy_from_slice(&stream.to_be_bytes());
            Param {
                param_type: cause_code::INVALID_STREAM,
                value: &value,
            }
            .emit(&mut cause);
            pb.push(&ChunkRepr::Error { causes: &cause });
        }
    }
}
