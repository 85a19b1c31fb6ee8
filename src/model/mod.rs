//! Plain types shared across layers: identities, procedures, outcomes, configuration, and the small
//! utilities every layer needs (seeded RNG, unit parsing). Depends on nothing else in the crate.

pub mod aka;
pub mod config;
pub mod hex;
pub mod ids;
pub mod net;
pub mod procedure;
pub mod rng;
pub mod subscriber;
pub mod transport;
pub mod units;

pub use ids::{Imei, Imsi, Msisdn, Plmn};
pub use procedure::{Outcome, Procedure};
