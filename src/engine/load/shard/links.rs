//! The partner links of a real-socket shard (docs/ARCHITECTURE.md §1, §6): as in a virtual run
//! ([`crate::engine::load::virtual_time`]), each visited PLMN's traffic to and from the home core
//! crosses its GRX/IPX link ([`LinkShim`]) before it reaches a socket or the visited side.
//!
//! - S8 (GTPv2-C over UDP): datagrams, impaired for real ([`Carrier::Datagram`]); a request's
//!   PLMN is that of its procedure, a response's that of its request ([`S8Routes`]). The SGW's
//!   T3/N3 recovers what a link loses.
//! - S6a: each MME's Diameter messages cross its pool's PLMN link as a TCP stream
//!   ([`Carrier::Stream`]): a loss becomes an RTO delay, delivery stays in order. This holds for
//!   every transport, kernel SCTP and SCTP over UDP included: the link sits above the
//!   transport, between the MME and its socket, so for `sctp-udp` the SCTP packets themselves
//!   are not impaired (its own retransmissions never fire because of a link) and reliable
//!   in-order delivery per association is modelled as TCP's.
//!
//! The transports see the visited side through [`MmeSide`], the one seam where S6a enters and
//! leaves the links. Without a link plan a shard has no [`ShardLinks`] and [`MmeSide`] passes
//! straight through to the [`VisitedNetwork`]: no allocation per message.

use std::collections::VecDeque;
use std::net::SocketAddr;

use crate::engine::diameter::messages;
use crate::engine::load::linkshim::{Carrier, LinkPlan, LinkShim, S8Routes};
use crate::link::ConfigError;
use crate::model::Micros;
use crate::report::Recorder;
use crate::visited::VisitedNetwork;

/// What a message on a link is, and where it goes when it comes out.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// A Diameter message of MME `mme`'s connection number `gen` (stale once it reconnects).
    S6a { mme: usize, gen: u32 },
    /// A GTPv2-C datagram to (uplink) or from (downlink) the PGW at `peer`.
    S8 { peer: SocketAddr },
}

/// The links of one shard, with the routing the sockets need around them.
pub(super) struct ShardLinks {
    shim: LinkShim<(Via, Vec<u8>)>,
    /// Visited PLMN (population index) of each MME's pool, when its link impairs it.
    mme_plmn: Vec<Option<usize>>,
    /// Connection number of each MME: bumped on reconnect, so that messages of the old
    /// connection still on the link are dropped when they come out.
    gen: Vec<u32>,
    /// Diameter bytes out of the uplink, per MME, for its transport to write.
    outbox: Vec<Vec<u8>>,
    /// S8 requests out of the uplink, for the SGW's socket.
    s8_up: VecDeque<(SocketAddr, Vec<u8>)>,
    routes: S8Routes,
}

impl ShardLinks {
    /// The links of `plan` for shard `shard` of the visited side `vn`; `None` without links.
    pub(super) fn new(
        plan: &LinkPlan,
        vn: &VisitedNetwork,
        seed: u64,
        shard: u32,
    ) -> Result<Option<ShardLinks>, ConfigError> {
        let Some(shim) = LinkShim::for_shard(plan, vn.population(), seed, shard)? else {
            return Ok(None);
        };
        let mme_plmn = (0..vn.mme_count())
            .map(|i| {
                vn.mme_visited(i)
                    .map(usize::from)
                    .filter(|&p| shim.impairs(p))
            })
            .collect();
        Ok(Some(ShardLinks {
            shim,
            mme_plmn,
            gen: vec![0; vn.mme_count()],
            outbox: vec![Vec::new(); vn.mme_count()],
            s8_up: VecDeque::new(),
            routes: S8Routes::default(),
        }))
    }

    /// The stream number of MME `i`'s current connection (fresh per reconnect).
    fn conn(&self, i: usize) -> u32 {
        (self.gen[i] << 16) | (i as u32 & 0xffff)
    }

    /// When a message comes out of a link next.
    pub(super) fn next_release_at(&self) -> Option<u64> {
        self.shim.next_release_at()
    }

    /// Offers an S8 request the SGW is about to send to `dst`; false if its PLMN has no link
    /// (the caller sends it now).
    pub(super) fn offer_s8(
        &mut self,
        now: u64,
        vn: &VisitedNetwork,
        dst: SocketAddr,
        datagram: &[u8],
    ) -> bool {
        let Some(p) = self
            .routes
            .request(vn, datagram)
            .filter(|&p| self.shim.impairs(p))
        else {
            return false;
        };
        let packet = (Via::S8 { peer: dst }, datagram.to_vec());
        self.shim.up(now, p, Carrier::Datagram, packet);
        true
    }

    /// Offers a datagram the PGW at `from` sent; false if its PLMN has no link (the caller
    /// hands it to the SGW now).
    pub(super) fn offer_s8_response(
        &mut self,
        now: u64,
        from: SocketAddr,
        datagram: &[u8],
    ) -> bool {
        let Some(p) = self
            .routes
            .response(datagram)
            .filter(|&p| self.shim.impairs(p))
        else {
            return false;
        };
        let packet = (Via::S8 { peer: from }, datagram.to_vec());
        self.shim.down(now, p, Carrier::Datagram, packet);
        true
    }

    /// Everything the links release by `now`: towards the visited side into `vn`, towards the
    /// home side into the MMEs' outboxes and the S8 queue ([`ShardLinks::next_s8`]).
    pub(super) fn release(&mut self, now: u64, vn: &mut VisitedNetwork) {
        while let Some((_, (via, bytes))) = self.shim.poll_down(now) {
            match via {
                Via::S8 { peer } => vn.handle_sgw_datagram(Micros(now), peer, &bytes),
                Via::S6a { mme, gen } if gen == self.gen[mme] => {
                    vn.handle_mme_message(Micros(now), mme, &bytes)
                }
                Via::S6a { .. } => {}
            }
        }
        while let Some((_, (via, bytes))) = self.shim.poll_up(now) {
            match via {
                Via::S8 { peer } => self.s8_up.push_back((peer, bytes)),
                Via::S6a { mme, gen } if gen == self.gen[mme] => {
                    self.outbox[mme].extend_from_slice(&bytes)
                }
                Via::S6a { .. } => {}
            }
        }
    }

    /// The next S8 datagram out of the uplink, for the SGW's socket.
    pub(super) fn next_s8(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.s8_up.pop_front()
    }

    /// Adds what the links did since the last call to `rec` (summary.json `links`).
    pub(super) fn record(&mut self, rec: &mut Recorder) {
        self.shim.record(rec);
    }
}

/// The visited side as the MME transports see it: [`VisitedNetwork`]'s S6a inputs and
/// outputs, through the shard's links when its MME's PLMN has one.
pub(super) struct MmeSide<'a> {
    vn: &'a mut VisitedNetwork,
    links: Option<&'a mut ShardLinks>,
}

impl<'a> MmeSide<'a> {
    pub(super) fn new(vn: &'a mut VisitedNetwork, links: Option<&'a mut ShardLinks>) -> Self {
        MmeSide { vn, links }
    }

    /// MME `i`'s link, when its traffic crosses one.
    fn link(&mut self, i: usize) -> Option<(&mut ShardLinks, usize)> {
        let l = self.links.as_deref_mut()?;
        let p = l.mme_plmn.get(i).copied().flatten()?;
        Some((l, p))
    }

    /// MME instances (one connection each).
    pub(super) fn mme_count(&self) -> usize {
        self.vn.mme_count()
    }

    /// A whole Diameter message MME `i`'s connection received at `now`.
    pub(super) fn received(&mut self, now: u64, i: usize, msg: &[u8]) {
        match self.link(i) {
            Some((l, p)) => {
                let conn = l.conn(i);
                let packet = (
                    Via::S6a {
                        mme: i,
                        gen: l.gen[i],
                    },
                    msg.to_vec(),
                );
                l.shim.down(now, p, Carrier::Stream(conn), packet);
            }
            None => self.vn.handle_mme_message(Micros(now), i, msg),
        }
    }

    /// The bytes MME `i`'s connection should write now; [`MmeSide::clear_transmit`] once
    /// taken. Through a link, what MME `i` has to send goes onto it first, and what came out
    /// of it is returned.
    pub(super) fn transmit(&mut self, now: u64, i: usize) -> &[u8] {
        let Some((l, p)) = self.links.as_deref_mut().and_then(|l| {
            let p = l.mme_plmn.get(i).copied().flatten()?;
            Some((l, p))
        }) else {
            return self.vn.mme_transmit(i);
        };
        let (conn, gen) = (l.conn(i), l.gen[i]);
        for m in messages(self.vn.mme_transmit(i)).map(|m| m.unwrap_or_else(|bad| bad)) {
            let packet = (Via::S6a { mme: i, gen }, m.to_vec());
            l.shim.up(now, p, Carrier::Stream(conn), packet);
        }
        self.vn.clear_mme_transmit(i);
        &l.outbox[i]
    }

    /// Forgets what [`MmeSide::transmit`] returned for MME `i`, now written.
    pub(super) fn clear_transmit(&mut self, i: usize) {
        match self.link(i) {
            Some((l, _)) => l.outbox[i].clear(),
            None => self.vn.clear_mme_transmit(i),
        }
    }

    /// MME `i`'s connection is replaced by a fresh one (CER again): what the old one still had
    /// on the link, either way, is dropped when it comes out.
    pub(super) fn reconnect(&mut self, now: u64, i: usize) {
        if let Some((l, _)) = self.link(i) {
            l.gen[i] = l.gen[i].wrapping_add(1) & 0xffff;
            l.outbox[i].clear();
        }
        self.vn.reconnect_mme(Micros(now), i);
    }
}

#[cfg(test)]
#[path = "links_tests.rs"]
mod tests;
