//! After a home core loses its state (a PGW restart, TS 23.007 §16.1), the visited side stops
//! using what it no longer has, so that roamers re-attach instead of failing forever:
//!
//! - A changed Recovery value in a Create Session Response means the PGW restarted: every PDN
//!   connection this shard held there is gone. Their roamers are detached locally (the MME would
//!   detach them with "re-attach required") and their SGW-CDRs closed as abnormal releases; the
//!   next arrival of each is an attach.
//! - Context Not Found (64) to a Modify Bearer or Delete Session of a roamer's default PDN
//!   connection says the same about that one connection (a restart whose Recovery the SGW has
//!   not seen yet, or a PGW that lost it otherwise): that roamer is detached locally.

use super::VisitedNetwork;
use crate::model::population::RoamerId;
use crate::model::Micros;

/// How often the visited side found the home core's state gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResyncCounts {
    /// PGW restarts detected from a changed Recovery value.
    pub pgw_restarts: u64,
    /// Roamers detached locally because their PDN connection was gone.
    pub roamers_detached: u64,
}

impl VisitedNetwork {
    /// The PGW's Recovery value from a Create Session Response (`roamer` is the one it
    /// answered, whose new connection is kept).
    pub(super) fn pgw_recovery(&mut self, now: Micros, value: u8, roamer: RoamerId) {
        let last = self.pgw_recovery.replace(value);
        if last.is_none_or(|l| l == value) {
            return;
        }
        self.resync.pgw_restarts += 1;
        let keep = self.local(roamer);
        for local in 0..self.roamers.len() {
            if local != keep && self.roamers[local].pgw_teid != 0 {
                self.lose_session(now, local);
            }
        }
    }

    /// Context Not Found for `roamer`'s default connection: it is gone at the PGW.
    pub(super) fn session_gone(&mut self, now: Micros, roamer: RoamerId) {
        let local = self.local(roamer);
        if self.roamers[local].pgw_teid != 0 {
            self.lose_session(now, local);
        }
    }

    /// Detaches local roamer `local` whose PDN connection the PGW no longer has.
    fn lose_session(&mut self, now: Micros, local: usize) {
        let st = &mut self.roamers[local];
        let teid = std::mem::take(&mut st.pgw_teid);
        if st.attached() && st.mme != u16::MAX {
            self.mmes[st.mme as usize].roamers -= 1;
        }
        st.set_attached(false);
        st.mme = u16::MAX;
        self.resync.roamers_detached += 1;
        self.charging_close(now, teid, false);
    }

    /// What resynchronisation did so far.
    pub fn resync_counts(&self) -> ResyncCounts {
        self.resync
    }
}
