//! proto layer (DESIGN.md §3).
