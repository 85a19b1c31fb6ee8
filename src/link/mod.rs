//! link layer (DESIGN.md §3).
