//! The MME/VLR pools (TS 23.401 §4.3.7.2): per visited PLMN, a configured number of MME
//! instances, each its own Diameter peer towards the HSS with the TS 23.003 §19.4.2.4 style host
//! name `mme<n>.epc.mncXXX.mccYYY.3gppnetwork.org`. A roamer is served by one instance; the pool
//! counts how many roamers each instance holds and sends new ones to the least loaded (a pool's
//! load balancing by weight factor, all weights equal).
//!
//! With several shards, instance `i` (0-based) of a pool belongs to shard `i % shards`; a pool
//! smaller than the shard count is grown to one instance per shard, so every host name is used
//! by exactly one connection and Cancel-Location reaches the shard that holds the roamer.

use std::net::IpAddr;

use crate::model::ids::Plmn;
use crate::model::Micros;
use crate::proto::diameter::{LocalIdentity, Peer, PeerConfig};

/// One MME instance of this shard.
pub struct Mme {
    /// Its Diameter connection state.
    pub(super) peer: Peer,
    /// Origin-Host.
    pub(super) host: Box<str>,
    /// Origin-Realm.
    pub(super) realm: Box<str>,
    /// The PLMN of its pool.
    pub(super) plmn: Plmn,
    /// Roamers registered here.
    pub(super) roamers: u32,
    /// In-flight slots waiting for the connection to open: (slot, generation).
    pub(super) waiting: Vec<(u32, u32)>,
    /// Low half of Session-Ids (RFC 6733 §8.8).
    pub(super) sessions: u32,
}

/// A pool: a range of this shard's MME list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pool {
    pub(super) first: u16,
    pub(super) len: u16,
}

/// Settings an MME's Diameter peer is built with.
pub(super) struct MmeSettings {
    pub(super) host_ip: IpAddr,
    pub(super) origin_state_id: u32,
    pub(super) request_timeout_us: Micros,
    pub(super) seed: u64,
    pub(super) origin_realm: Option<String>,
}

impl Mme {
    /// Instance number `n` (1-based) of `plmn`'s pool, connecting at `now`.
    pub(super) fn new(now: Micros, plmn: Plmn, n: u32, s: &MmeSettings) -> Mme {
        let host = plmn.mme_host(n);
        let realm = s.origin_realm.clone().unwrap_or_else(|| plmn.epc_realm());
        let seed = crate::model::rng::derive_seed(s.seed, plmn.digits_value() << 16 | n as u64);
        let peer = Self::connect(now, &host, &realm, s, seed);
        Mme {
            peer,
            host: host.into(),
            realm: realm.into(),
            plmn,
            roamers: 0,
            waiting: Vec::new(),
            sessions: 0,
        }
    }

    pub(super) fn connect(
        now: Micros,
        host: &str,
        realm: &str,
        s: &MmeSettings,
        seed: u64,
    ) -> Peer {
        let identity = LocalIdentity {
            origin_host: host.to_string(),
            origin_realm: realm.to_string(),
            host_ip: s.host_ip,
            origin_state_id: s.origin_state_id,
            product_name: "roamsim".to_string(),
        };
        let mut cfg = PeerConfig::s6a(identity, seed);
        cfg.request_timeout_us = s.request_timeout_us;
        Peer::initiate(now, cfg)
    }
}

/// Instances of a pool of `configured` instances that shard `shard` of `shards` owns (1-based
/// numbers).
pub(super) fn owned_numbers(configured: u16, shard: u32, shards: u32) -> impl Iterator<Item = u32> {
    let total = (configured as u32).max(shards);
    (0..total)
        .filter(move |i| i % shards == shard)
        .map(|i| i + 1)
}

/// The least loaded instance of `pool` other than `avoid` (or `avoid` itself when alone).
pub(super) fn least_loaded(mmes: &[Mme], pool: Pool, avoid: Option<u16>) -> u16 {
    let range = pool.first..pool.first + pool.len;
    range
        .clone()
        .filter(|&i| Some(i) != avoid || pool.len == 1)
        .min_by_key(|&i| (mmes[i as usize].roamers, i))
        .unwrap_or(pool.first)
}
