//! GRX/IPX link emulation (docs/ARCHITECTURE.md §6): a sans-IO impairment pipeline with the
//! semantics of Linux netem (`net/sched/sch_netem.c`, options as iproute2's `tc/q_netem.c` parses
//! them), link profiles (`netem/*.toml`), and — later — the drivers that put it between sockets
//! (in-process, UDP relay, TUN/netns).
//!
//! - [`Config`] — one direction's validated impairments (delay/jitter/distribution/correlation,
//!   loss random/gemodel/state, duplicate, corrupt, reorder+gap, limit, rate, outage windows).
//! - [`Link`] — one direction: `enqueue(now, packet) -> Verdict`, `poll_timeout()`,
//!   `poll_release(now)`, [`LinkStats`] with an HDR histogram of the applied delay.
//! - [`BiLink`] — the two directions of a path, `Uplink` (visited → home) and `Downlink`.
//! - [`LinkProfile`] — a profile file or netem-style flags turned into two `Config`s.
//!
//! Like every layer under `engine`, nothing here reads a clock or touches a socket: time is a
//! [`Micros`](crate::model::Micros) passed in (profile and [`Config`] values stay plain `u64`
//! microseconds, as netem writes them), randomness comes from a seeded
//! [`crate::model::rng::Rng`], so a test of a 250 ms intercontinental link runs in virtual time
//! and gives the same result every time.

mod bilink;
mod config;
mod dist;
mod pipeline;
mod profile;
mod stats;

pub use bilink::{BiLink, Direction};
pub use config::{Chance, Config, ConfigError, Distribution, LossModel, Outage, Rate, Reorder};
pub use pipeline::{Link, Packet, Verdict};
pub use profile::{
    parse_rate, DirectionSpec, GemodelSpec, LinkProfile, LossStateSpec, NetemFlags, OutageSpec,
    ProfileError,
};
pub use stats::{DropCause, LinkStats};

#[cfg(test)]
mod tests;
