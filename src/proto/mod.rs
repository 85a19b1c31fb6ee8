//! proto layer (DESIGN.md §3).

pub mod gtpv2;
pub mod sctp;
