//! Plain types shared across layers: identities, procedures, outcomes, configuration, and the small
//! utilities every layer needs (seeded RNG, unit parsing). Depends on nothing else in the crate.

pub mod aka;
pub mod config;
pub mod hex;
pub mod ids;
pub mod message;
pub mod net;
pub mod persona;
pub mod population;
pub mod procedure;
pub mod rng;
pub mod slo;
pub mod subscriber;
pub mod units;

pub use ids::{Imei, Imsi, Msisdn, Plmn};
pub use procedure::{Outcome, Procedure};
