//! engine layer (DESIGN.md §3).
pub mod serve;
