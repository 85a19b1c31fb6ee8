//! Both directions of an emulated link. `Uplink` carries visited → home traffic (MME/SGW requests
//! towards the HSS/PGW), `Downlink` home → visited; each has its own config and random stream, as
//! two netem qdiscs on the two interfaces of a GRX path would.

use super::config::{Config, ConfigError};
use super::pipeline::{Link, Packet, Verdict};
use super::profile::LinkProfile;
use crate::model::rng::derive_seed;
use crate::model::Micros;

/// Which way a packet travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Visited network → home network (`[uplink]` in a profile).
    Uplink,
    /// Home network → visited network (`[downlink]` in a profile).
    Downlink,
}

impl Direction {
    /// The profile section name.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Uplink => "uplink",
            Direction::Downlink => "downlink",
        }
    }
}

/// Two independent [`Link`]s, one per direction.
pub struct BiLink<P> {
    /// Visited → home.
    pub uplink: Link<P>,
    /// Home → visited.
    pub downlink: Link<P>,
}

impl<P: Packet> BiLink<P> {
    /// Builds both directions; their random streams are derived from `seed` so they differ.
    pub fn new(uplink: Config, downlink: Config, seed: u64) -> Result<BiLink<P>, ConfigError> {
        Ok(BiLink {
            uplink: Link::new(uplink, derive_seed(seed, 1))
                .map_err(|e| e.within(Direction::Uplink.name()))?,
            downlink: Link::new(downlink, derive_seed(seed, 2))
                .map_err(|e| e.within(Direction::Downlink.name()))?,
        })
    }

    /// Builds both directions from a profile; the profile's own `seed` wins over `default_seed`.
    pub fn from_profile(
        profile: &LinkProfile,
        default_seed: u64,
    ) -> Result<BiLink<P>, ConfigError> {
        BiLink::new(
            profile.uplink.clone(),
            profile.downlink.clone(),
            profile.seed.unwrap_or(default_seed),
        )
    }

    /// The link of one direction.
    pub fn direction(&mut self, dir: Direction) -> &mut Link<P> {
        match dir {
            Direction::Uplink => &mut self.uplink,
            Direction::Downlink => &mut self.downlink,
        }
    }

    /// Offers `packet` in direction `dir` at `now`.
    pub fn enqueue(&mut self, dir: Direction, now: Micros, packet: P) -> Verdict {
        self.direction(dir).enqueue(now, packet)
    }

    /// The earliest release time of either direction (see [`Link::poll_timeout`]).
    pub fn poll_timeout(&self) -> Option<Micros> {
        match (self.uplink.poll_timeout(), self.downlink.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next due copy of either direction, earliest first (uplink on a tie), with its direction.
    pub fn poll_release(&mut self, now: Micros) -> Option<(Direction, P)> {
        let first = match (self.uplink.poll_timeout(), self.downlink.poll_timeout()) {
            (Some(up), Some(down)) if down < up => Direction::Downlink,
            (None, Some(_)) => Direction::Downlink,
            _ => Direction::Uplink,
        };
        let second = match first {
            Direction::Uplink => Direction::Downlink,
            Direction::Downlink => Direction::Uplink,
        };
        for dir in [first, second] {
            if let Some(p) = self.direction(dir).poll_release(now) {
                return Some((dir, p));
            }
        }
        None
    }
}
