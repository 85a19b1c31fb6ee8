//! Engine layer (DESIGN.md §3, §5): the event loops that own sockets and clocks and drive the
//! sans-IO layers below.
//!
//! - [`serve`]: the simulated home core (`roamsim serve`).
//! - [`transport`]: Diameter transports (TCP, kernel SCTP, SCTP over UDP) and `--transport`;
//!   [`sctp_udp`]: Diameter over user-space SCTP in UDP (RFC 6951), client and server.
//! - The standalone link drivers (DESIGN.md §6): [`relay`] (`roamsim link`, a UDP relay) and
//!   [`ipx`] (`roamsim ipx`, TUN devices between two network namespaces), with what they share in
//!   [`driver`].

pub mod driver;
pub mod ipx;
pub mod relay;
pub mod sctp_udp;
pub mod serve;
pub mod transport;
