//! roamsim: a load generator and packet-level emulator for international roaming signaling.
//!
//! Layers (docs/ARCHITECTURE.md §3), arrows pointing down only:
//! `cli` → `engine` → (`visited`, `home`, `link`, `report`) → `proto` → `wire`; `io` and `model` at the
//! bottom. Only `io` may use `unsafe`.
#![deny(unsafe_code)]

pub mod cli;
pub mod engine;
pub mod home;
pub mod io;
pub mod link;
pub mod model;
pub mod proto;
pub mod report;
pub mod visited;
pub mod wire;
