//! engine layer (DESIGN.md §3).
