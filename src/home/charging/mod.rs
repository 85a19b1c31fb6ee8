//! Offline charging on the home side (TS 32.240, TS 32.251): the charging gateway
//! function that PGW-CDRs and SGW-CDRs are sent to over GTP' ([`Cgf`]). The sending side, the
//! CDF in the gateways, is [`proto::gtpprime::Cdf`](crate::proto::gtpprime::Cdf).

pub mod cgf;

#[cfg(test)]
mod tests;

pub use cgf::{CdrFile, Cgf, CgfConfig, CgfStats};
