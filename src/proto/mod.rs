//! proto layer (DESIGN.md §3).

pub mod diameter;
pub mod gtpv2;
pub mod sctp;
