//! Wire codecs (docs/ARCHITECTURE.md §2): Diameter base (RFC 6733) with S6a (TS 29.272) and Gy
//! credit control (RFC 4006, TS 32.299), GTPv2-C (TS 29.274) and SCTP (RFC 9260) for the
//! user-space transport. Zero-copy views over received bytes, validated representations emitted
//! into caller-owned buffers. Depends on nothing else in the crate.

#[doc(hidden)]
pub mod capture;

pub mod diameter;
pub mod gtpv2;
pub mod gy;
pub mod s6a;
pub mod sctp;
