//! Plain types shared across layers: identities, procedures, outcomes, configuration, time
//! ([`Micros`]), and the small utilities every layer needs (seeded RNG, unit parsing). Depends on
//! nothing else in the crate.

pub mod aka;
pub mod alert;
pub mod config;
pub mod expect;
pub mod hex;
pub mod ids;
pub mod message;
pub mod net;
pub mod online_charging;
pub mod persona;
pub mod population;
pub mod procedure;
pub mod protocol_errors;
pub mod reason;
pub mod rng;
pub mod scenario;
pub mod slo;
pub mod subscriber;
pub mod time;
pub mod transport;
pub mod units;
pub mod usage;

pub use ids::{Imei, Imsi, Msisdn, Plmn};
pub use procedure::{Outcome, Procedure};
pub use time::Micros;

/// Marks an error as a usage or configuration problem (a bad flag, a malformed profile or
/// subscriber file): the CLI maps it to exit code 2. The message names the file, field or flag.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);
