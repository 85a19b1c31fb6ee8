//! Why a procedure did not succeed, as results carry it (docs/ARCHITECTURE.md §4, §7): the first
//! example of a reason key. The keys themselves are strings made by the visited side
//! (`visited::Reason::key`: the layer, then the code, `s6a.5004`, `timeout.s6a.ulr`); the
//! recorder counts them per procedure and outcome and keeps, for each, the earliest procedure
//! that ended for it.
//!
//! Plain data shared by the report layer (which counts, merges and writes it) and the engine
//! (which fills it in for the first procedure of each key only). The subscriber appears as a
//! keyed hash, never as its IMSI.

use serde::{Deserialize, Serialize};

/// The first procedure that ended for one reason key (per procedure and outcome).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonExample {
    /// When it ended, microseconds from the start of the measured arrivals.
    pub at_us: u64,
    /// The node of the visited side on the failing interface: the MME's Origin-Host (S6a) or
    /// `sgw` (S8).
    pub node: String,
    /// The visited PLMN the roamer was in or going to, `MCC-MNC`.
    pub visited_plmn: String,
    /// The roamer's home PLMN, `MCC-MNC`.
    pub home_plmn: String,
    /// The request whose answer (or lack of one) ended the procedure, e.g. `s6a.ulr`.
    pub message: String,
    /// The Result-Code, Experimental-Result-Code or GTPv2-C Cause of that answer, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    /// The subscriber: the first hex digits of HMAC-SHA256 of the IMSI under a key that lives
    /// only in the running process, so that examples of one run can be told apart and matched
    /// with each other but not with an IMSI.
    pub subscriber: String,
}

impl ReasonExample {
    /// Keeps the earlier of `self` and `other` (the first of a merge on a tie).
    pub fn keep_earliest(&mut self, other: &ReasonExample) {
        if other.at_us < self.at_us {
            self.clone_from(other);
        }
    }
}
