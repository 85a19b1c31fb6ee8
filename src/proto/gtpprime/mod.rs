//! GTP' (TS 32.295) transfer of CDRs, sans-IO (CONTRIBUTING.md §2): the sending side, the
//! charging data function ([`Cdf`]) of the PGW and the SGW, and the record format of its
//! dead-letter spool ([`spool`]). The receiving side, the CGF, is a simulated node of the home
//! network (`home::charging`).

pub mod cdf;
pub mod ledger;
pub mod spool;

#[cfg(test)]
mod tests;

/// A datagram `poll_transmit` appended to the caller's buffer (the same type as GTPv2-C's).
pub use crate::proto::gtpv2::Datagram;
pub use cdf::{Cdf, CdfConfig, CdfEvent, CdfStats, SpoolOp};
pub use ledger::{Connection, Ledger, LedgerConfig, LedgerStats};
pub use spool::{SpoolRecord, SpoolState};
