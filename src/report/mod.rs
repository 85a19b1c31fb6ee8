//! The report layer (DESIGN.md §3, §7): what a run measured, and what it means.
//!
//! - [`Recorder`]: one per shard; counters and HDR histograms (µs) per procedure and message
//!   kind, generator lag, links; merged across shards with [`Recorder::merge`].
//! - [`Summary`]: `summary.json` (`roamsim/summary/v1`) built from the merged recorder and the
//!   caller's [`RunInfo`], with SLOs ([`crate::model::slo::SloSpec`]) evaluated into a [`Verdict`].
//! - [`interval`]: per-shard interval snapshots merged in order; [`hlog`]: `intervals.hlog`
//!   (HdrHistogram interval log, V2 deflate, a tag per procedure and message) written and read;
//!   [`window`]: SLOs checked on every window of a soak.
//! - [`render_markdown`]: `report.md`; [`html`]: `report.html` (inline SVG, [`svg`]);
//!   [`junit`]: `junit.xml`; [`write_results`] / [`write_reports`]: all of them, atomically.
//! - [`capacity`]: Little's law, peak attached roamers, `roamsim plan`; [`sweep`]: the knee.
//!
//! Uses only `model`; reads no clock and touches no socket: times and counts come in as arguments.

pub mod capacity;
pub mod compare;
pub mod format;
pub mod hlog;
pub mod html;
pub mod interval;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod recorder;
pub mod slo;
pub mod summary;
pub mod svg;
pub mod sweep;
pub mod text;
pub mod window;
pub mod write;

pub use crate::model::message::MessageKind;
pub use format::{rfc3339_utc, run_id};
pub use markdown::render_markdown;
pub use model::{
    LatencySummary, LinkSummary, MessageSummary, ProcedureSummary, RunInfo, RunSummary,
    SctpSummary, SloResult, Summary, SummaryError, TransportSummary, Verdict, WarmStartSummary,
    SCHEMA,
};
pub use recorder::{LinkReport, MessageStats, ProcedureStats, Recorder};
pub use slo::{evaluate, verdict};
pub use write::{read_run, write_atomic, write_reports, write_results};

#[cfg(test)]
mod reports_tests;
#[cfg(test)]
mod tests;
