//! Simulated home core: HSS/HLR, PGW, charging, agreements. Sans-IO and in model terms: the
//! integrator decodes wire messages, calls these, and encodes the results. Nothing here reads a
//! clock; time comes in as `now`, a [`Micros`](crate::model::Micros) instant of the caller's
//! clock, real or virtual.

pub mod charging;
mod core;
pub mod gy_client;
pub mod hlr;
pub mod hss;
pub mod ocs;
pub mod pgw;
pub mod s6a;
pub mod s8;
pub mod state;
pub use self::core::{GyTarget, HomeCore, HomeSettings, S6aCore, S6aCounts};

/// Puts `item` in the first empty slot of `slots` (or a new one at the end) and returns its
/// index: connection ids that stay small and are reused after a close.
pub(crate) fn place_in_slot<T>(slots: &mut Vec<Option<T>>, item: T) -> usize {
    match slots.iter().position(Option::is_none) {
        Some(i) => {
            slots[i] = Some(item);
            i
        }
        None => {
            slots.push(Some(item));
            slots.len() - 1
        }
    }
}

/// Whether the Diameter connection in slot `id` is finished (or the slot is empty).
pub(crate) fn peer_is_down(peers: &[Option<crate::proto::diameter::Peer>], id: usize) -> bool {
    peers
        .get(id)
        .and_then(Option::as_ref)
        .is_none_or(|p| p.state() == crate::proto::diameter::State::Closed)
}
