//! Which visited PLMN an S8 datagram belongs to, so that it crosses that partner's link: a
//! request by the procedure that sent it ([`VisitedNetwork::s8_visited`]), a PGW response by
//! the request with its sequence number (TS 29.274 §7.6: a response echoes the request's).

use crate::visited::VisitedNetwork;
use crate::wire::gtpv2::peek_header;

/// Sequence numbers remembered (a power of two): a response is routed right unless 2^20
/// requests were sent between its request and it (20 s at 50k requests/s).
const SLOTS: usize = 1 << 20;

/// The visited PLMN of recent S8 requests, by sequence number: 1 MiB per shard, no allocation
/// per datagram.
pub struct S8Routes {
    /// Visited index + 1 by `seq % SLOTS`; 0: unknown.
    by_seq: Vec<u8>,
}

impl Default for S8Routes {
    fn default() -> Self {
        S8Routes {
            by_seq: vec![0; SLOTS],
        }
    }
}

impl S8Routes {
    /// The visited PLMN of an S8 request datagram the SGW of `vn` is about to send (first send
    /// or retransmission), remembered for its response; `None` if it is not an outstanding
    /// request of `vn` (the caller sends it unimpaired).
    pub fn request(&mut self, vn: &VisitedNetwork, datagram: &[u8]) -> Option<usize> {
        let seq = peek_header(datagram).ok()?.seq;
        let plmn = vn.s8_visited(seq)?;
        self.by_seq[seq as usize % SLOTS] = plmn.saturating_add(1);
        Some(usize::from(plmn))
    }

    /// The visited PLMN of a PGW response datagram: that of the request it answers.
    pub fn response(&self, datagram: &[u8]) -> Option<usize> {
        let seq = peek_header(datagram).ok()?.seq;
        match self.by_seq[seq as usize % SLOTS] {
            0 => None,
            p => Some(usize::from(p - 1)),
        }
    }
}
