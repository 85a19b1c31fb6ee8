//! engine layer (DESIGN.md §3).
//!
//! The standalone link drivers (DESIGN.md §6): [`relay`] (`roamsim link`, a UDP relay) and
//! [`ipx`] (`roamsim ipx`, TUN devices between two network namespaces), with what they share in
//! [`driver`].

pub mod driver;
pub mod ipx;
pub mod relay;
