//! The report layer (DESIGN.md §3, §7): what a run measured, and what it means.
//!
//! - [`Recorder`]: one per shard; counters and HDR histograms (µs) per procedure and message
//!   kind, generator lag, links; merged across shards with [`Recorder::merge`].
//!
//! Uses only `model`; reads no clock and touches no socket: times and counts come in as arguments.

pub mod recorder;

pub use crate::model::message::MessageKind;
pub use recorder::{LinkReport, MessageStats, ProcedureStats, Recorder};
