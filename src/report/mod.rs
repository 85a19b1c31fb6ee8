//! The report layer (DESIGN.md §3, §7): what a run measured, and what it means.
//!
//! - [`Recorder`]: one per shard; counters and HDR histograms (µs) per procedure and message
//!   kind, generator lag, links; merged across shards with [`Recorder::merge`].
//! - [`Summary`]: `summary.json` (`roamsim/summary/v1`) built from the merged recorder and the
//!   caller's [`RunInfo`], with SLOs ([`crate::model::slo::SloSpec`]) evaluated into a [`Verdict`].
//! - [`render_markdown`]: `report.md`; [`write_results`]: both files, atomically.
//!
//! Uses only `model`; reads no clock and touches no socket: times and counts come in as arguments.

pub mod markdown;
pub mod recorder;
pub mod slo;
pub mod summary;
pub mod write;

pub use crate::model::message::MessageKind;
pub use markdown::render_markdown;
pub use recorder::{LinkReport, MessageStats, ProcedureStats, Recorder};
pub use slo::{evaluate, verdict, SloResult, Verdict};
pub use summary::{
    LatencySummary, LinkSummary, MessageSummary, ProcedureSummary, RunInfo, RunSummary,
    SctpSummary, Summary, SummaryError, TransportSummary, SCHEMA,
};
pub use write::{rfc3339_utc, run_id, write_atomic, write_results};

#[cfg(test)]
mod tests;
