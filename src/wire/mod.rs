//! Wire codecs (DESIGN.md §2): Diameter base (RFC 6733) with S6a (TS 29.272), and GTPv2-C
//! (TS 29.274). Zero-copy views over received bytes, validated representations emitted into
//! caller-owned buffers. Depends on nothing else in the crate.

pub(crate) mod capture;
pub mod sctp;
