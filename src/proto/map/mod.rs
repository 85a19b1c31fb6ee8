//! MAP over SIGTRAN, sans-IO (docs/ARCHITECTURE.md §3): the TCAP dialogue layer
//! ([`dialogue`], Q.774 as TS 29.002 §15–§16 use it), the visited VLR/SGSN client
//! ([`client`], TS 29.002 §19), the M3UA ASP state machine ([`asp`], RFC 4666 §4.3), the
//! SCCP/M3UA framing between them ([`sigtran`]) and the authentication vectors of
//! sendAuthenticationInfo ([`vectors`], TS 33.102 §6.3, §6.8.2). The home HLR built on the same
//! dialogue layer is `home::hlr`.
//!
//! A node is wired as: association bytes → [`asp::Asp::handle_message`] → DATA →
//! [`sigtran::unwrap`] → `handle_tcap` of the HLR or of a [`client::Visited`]; and back:
//! `poll_transmit` → [`asp::Asp::send`] → [`asp::Asp::poll_transmit`] → the association
//! (stream and PPID 3).

pub mod asp;
pub mod client;
pub mod dialogue;
pub mod sigtran;
pub mod vectors;

#[cfg(test)]
mod tests;
