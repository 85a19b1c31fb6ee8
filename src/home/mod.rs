//! Simulated home core: HSS/HLR, PGW, charging, agreements. Sans-IO and in model terms: the
//! integrator decodes wire messages, calls these, and encodes the results. Nothing here reads a
//! clock; time comes in as `now`, a [`Micros`](crate::model::Micros) instant of the caller's
//! clock, real or virtual.

pub mod charging;
mod core;
pub mod gy_client;
pub mod hss;
pub mod ocs;
pub mod pgw;
pub mod s6a;
pub mod s8;
pub mod state;
pub use self::core::{GyTarget, HomeCore, HomeSettings, S6aCore, S6aCounts};
