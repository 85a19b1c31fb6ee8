//! visited layer (DESIGN.md §3).
