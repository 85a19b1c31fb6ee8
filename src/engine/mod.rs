//! Engine layer (DESIGN.md §3, §5): the event loops that own sockets and clocks and drive the
//! sans-IO layers below.
//!
//! - [`run`]: `roamsim run` / `roamsim load`, one [`shard`] thread per core on real sockets, or
//!   [`virtual_time`] on a simulated clock.
//! - [`serve`]: the simulated home core (`roamsim serve`).
//! - [`echo`]: a raw batched UDP echo on loopback, the I/O ceiling the bench compares with.
//! - [`transport`]: Diameter transports (TCP, kernel SCTP, SCTP over UDP) and `--transport`;
//!   [`sctp_udp`]: Diameter over user-space SCTP in UDP (RFC 6951), client and server.
//! - The standalone link drivers (DESIGN.md §6): [`relay`] (`roamsim link`, a UDP relay) and
//!   [`ipx`] (`roamsim ipx`, TUN devices between two network namespaces), with what they share in
//!   [`driver`].
//! - Interval reporting: each shard's [`interval`] tap sends snapshots to the run thread's
//!   [`collect`]or (intervals.hlog, windowed SLOs, capacity, live observers); [`metrics`] serves
//!   them on `/metrics`.

pub mod collect;
pub(crate) mod diameter_conn;
pub mod driver;
pub mod echo;
pub mod interval;
pub mod ipx;
pub mod linkshim;
pub mod metrics;
pub mod relay;
pub mod run;
pub mod sctp_udp;
pub mod serve;
pub mod shard;
pub mod transport;
pub mod virtual_time;
