//! The report layer (docs/ARCHITECTURE.md §3, §7): what a run measured, and what it means.
//!
//! - [`Recorder`]: one per shard; counters and HDR histograms (µs) per procedure and message
//!   kind, generator lag, links; merged across shards with [`Recorder::merge`].
//! - [`model`]: the results as data and serde only: [`Summary`] (`summary.json`,
//!   `roamsim/summary/v1`) and all it holds ([`SloResult`], [`Verdict`], window reports, capacity,
//!   sweep), and the read-back `intervals.hlog`.
//! - Computing them: [`summary`] builds a [`Summary`] from the merged recorder and the caller's
//!   [`RunInfo`]; [`slo`] evaluates SLOs ([`crate::model::slo::SloSpec`]) into a [`Verdict`],
//!   applied by the caller (`Summary::new`, then `evaluate_slos`); [`window`]: SLOs checked on
//!   every window of a soak; [`interval`]: per-shard interval snapshots merged in order;
//!   [`hlog`]: `intervals.hlog` (HdrHistogram interval log, V2 deflate, a tag per procedure and
//!   message) written and read; [`capacity`]: Little's law, peak attached roamers, `roamsim plan`;
//!   [`sweep`]: the knee; [`compare`]: the regression gate.
//! - Rendering them: [`render_markdown`]: `report.md`; [`html`]: `report.html` (inline SVG,
//!   [`svg`]); [`junit`]: `junit.xml`; sentences they share in [`text`], numbers and escaping in
//!   [`format`](mod@format); [`write_results`] / [`write_reports`]: all of them, atomically.
//!
//! One way: `format`, `model` and `recorder` import nothing from `report`; computation files use
//! `model` (and `recorder`, `interval`); renderers use `model`, `format` and `text` only (`html`
//! also its chart primitives, `svg`); `write` sits on top. No two files of this folder use each
//! other. Uses only `crate::model` outside itself; reads no clock and touches no socket: times
//! and counts come in as arguments.

pub mod acceptance;
pub mod alerts;
pub mod capacity;
pub mod charging;
pub mod compare;
pub mod expect;
pub mod format;
pub mod histogram;
pub mod hlog;
pub mod html;
pub mod interval;
pub mod junit;
pub mod log;
pub mod markdown;
pub mod model;
pub mod online;
pub mod recorder;
pub mod resources;
pub mod scenarios;
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
mod reasons_tests;
#[cfg(test)]
mod reports_tests;
#[cfg(test)]
mod tests;
