//! proto layer (docs/ARCHITECTURE.md §3).

pub mod diameter;
pub mod gtpprime;
pub mod gtpv2;
pub mod map;
pub mod sctp;
