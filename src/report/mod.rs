//! report layer (DESIGN.md §3).
