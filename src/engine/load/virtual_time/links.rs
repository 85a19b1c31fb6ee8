//! The partner links of a virtual run (docs/ARCHITECTURE.md §1, §6): MME `i`'s S6a connection
//! crosses the link of its pool's visited PLMN (a TCP stream, [`Carrier::Stream`]), and the S8
//! datagrams of a procedure cross the link of the PLMN the roamer is in or moving to
//! ([`Carrier::Datagram`]); the PGW's responses go back over the link their request came by (found
//! by sequence number). Messages of hops with no link keep the plain per-hop delay.

use crate::engine::load::linkshim::{Carrier, LinkPlan, LinkShim, S8Routes, StreamStats};
use crate::model::config::ConfigError;
use crate::report::{LinkReport, Recorder};
use crate::visited::VisitedNetwork;

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hop {
    /// To the HSS, from MME `i`.
    Hss(usize),
    /// To MME `i`, from the HSS.
    Mme(usize),
    /// To the PGW, from the SGW.
    Pgw,
    /// To the SGW, from the PGW.
    Sgw,
    /// To the OCS's connection `i`, from the PGW's Gy client (inside the home network: no
    /// partner link).
    Ocs(usize),
    /// To the PGW's Gy client, from the OCS.
    Gy,
}

/// What crossed the links, for the summary.
#[derive(Debug, Clone, Default)]
pub struct LinkResults {
    /// Per link, as summary.json `links` shows it.
    pub links: Vec<(String, LinkReport)>,
    /// Per link, what TCP did for the S6a messages.
    pub streams: Vec<(String, StreamStats)>,
}

pub(super) struct VirtualLinks {
    shim: LinkShim<(Hop, Vec<u8>)>,
    /// Visited PLMN (population index) of each MME's pool.
    mme_plmn: Vec<Option<usize>>,
    /// Visited PLMN of the S8 requests, for the PGW's responses.
    s8: S8Routes,
}

impl VirtualLinks {
    /// The links of `plan` for the visited side `vn`; `None` when the plan has none.
    pub(super) fn new(
        plan: &LinkPlan,
        vn: &VisitedNetwork,
        seed: u64,
    ) -> Result<Option<VirtualLinks>, ConfigError> {
        let shim =
            LinkShim::for_shard(plan, vn.population(), seed, 0).map_err(|e| ConfigError {
                file: "link profile".into(),
                line: None,
                column: None,
                field: Some(e.field),
                message: e.reason,
            })?;
        let Some(shim) = shim else {
            return Ok(None);
        };
        Ok(Some(VirtualLinks {
            shim,
            mme_plmn: (0..vn.mme_count())
                .map(|i| vn.mme_visited(i).map(usize::from))
                .collect(),
            s8: S8Routes::default(),
        }))
    }

    /// Offers a message leaving one side at `now`; gives it back when its hop crosses no link.
    pub(super) fn offer(
        &mut self,
        now: u64,
        vn: &VisitedNetwork,
        hop: Hop,
        bytes: Vec<u8>,
    ) -> Option<Vec<u8>> {
        let (up, plmn, carrier) = match hop {
            Hop::Hss(i) => (true, self.mme_plmn[i], Carrier::Stream(i as u32)),
            Hop::Mme(i) => (false, self.mme_plmn[i], Carrier::Stream(i as u32)),
            Hop::Pgw => (true, self.s8.request(vn, &bytes), Carrier::Datagram),
            Hop::Sgw => (false, self.s8.response(&bytes), Carrier::Datagram),
            Hop::Ocs(_) | Hop::Gy => return Some(bytes),
        };
        let Some(plmn) = plmn.filter(|&p| self.shim.impairs(p)) else {
            return Some(bytes);
        };
        if up {
            self.shim.up(now, plmn, carrier, (hop, bytes));
        } else {
            self.shim.down(now, plmn, carrier, (hop, bytes));
        }
        None
    }

    /// When a message comes out of a link next.
    pub(super) fn next_release_at(&self) -> Option<u64> {
        self.shim.next_release_at()
    }

    /// The next message out of a link at `now`, either way.
    pub(super) fn poll(&mut self, now: u64) -> Option<(Hop, Vec<u8>)> {
        self.shim
            .poll_up(now)
            .or_else(|| self.shim.poll_down(now))
            .map(|(_, m)| m)
    }

    /// Counters and delays of every link.
    pub(super) fn results(&mut self) -> LinkResults {
        let mut rec = Recorder::new();
        self.shim.record(&mut rec);
        let names: Vec<String> = self.shim.names().map(str::to_string).collect();
        LinkResults {
            links: rec
                .links()
                .map(|(n, l)| (n.to_string(), l.clone()))
                .collect(),
            streams: names
                .into_iter()
                .enumerate()
                .map(|(i, n)| (n, self.shim.stream_stats(i).unwrap_or_default()))
                .collect(),
        }
    }
}
