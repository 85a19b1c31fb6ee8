//! Plain types shared across layers: identities, procedures, outcomes, configuration, and the small
//! utilities every layer needs (seeded RNG, unit parsing). Depends on nothing else in the crate.

pub mod rng;
pub mod units;
