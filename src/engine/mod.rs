//! Engine layer (docs/ARCHITECTURE.md §3, §5): the event loops that own sockets and clocks and
//! drive the sans-IO layers below. One room per command:
//!
//! - [`load`]: `roamsim run` / `roamsim load`. One generator loop (`load::generator`) runs
//!   every shard, on real sockets ([`load::shard`]) or on a simulated clock
//!   ([`load::virtual_time`]); the GRX/IPX links a run crosses ([`load::linkshim`]); interval
//!   reporting ([`load::interval`], [`load::collect`]).
//! - [`serve`]: `roamsim serve`, the home core (`crate::home::HomeCore`) on sockets; also the
//!   per-shard core of `roamsim run`.
//! - [`diameter`]: the Diameter transports (TCP, kernel SCTP, SCTP over UDP) and `--transport`.
//! - [`link`]: the standalone link drivers, `roamsim link` ([`link::relay`]) and `roamsim ipx`
//!   ([`link::ipx`]).
//! - [`metrics`]: `/metrics` for Prometheus.
//! - [`bench`](mod@bench): `roamsim echo`, the raw UDP ceiling the benchmark compares with.
//! - [`clock`]: the one clock (real or virtual microseconds) and the one wait, to the
//!   microsecond, that every loop uses.

pub mod bench;
pub mod charging;
pub mod clock;
pub mod diameter;
pub mod link;
pub mod load;
pub mod log;
pub mod metrics;
pub mod serve;
pub mod state;
