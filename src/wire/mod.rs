//! Wire codecs (docs/ARCHITECTURE.md §2): Diameter base (RFC 6733) with S6a (TS 29.272) and Gy
//! credit control (RFC 4006, TS 32.299), GTPv2-C (TS 29.274), SCTP (RFC 9260) for the user-space
//! transport, and for offline charging BER (X.690), the TS 32.298 PGW-CDR and SGW-CDR with TS
//! 32.297 files, and GTP' (TS 32.295). Zero-copy views over received bytes, validated
//! representations emitted into caller-owned buffers. Depends on nothing else in the crate.

#[doc(hidden)]
pub mod capture;

pub mod ber;
pub mod cdr;
pub mod diameter;
pub mod gtpprime;
pub mod gtpv2;
pub mod gy;
pub mod m3ua;
pub mod map;
pub mod s6a;
pub mod sccp;
pub mod sctp;
pub mod tcap;
