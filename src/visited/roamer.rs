//! What the visited network remembers per roamer: 8 bytes (docs/ARCHITECTURE.md §4 asks for under
//! 200), so ten million roamers take 80 MB. Identities and keys are recomputed from the population
//! on demand; a procedure's working data lives in its in-flight slot, not here.

/// Per-roamer state of one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoamerState {
    /// PGW S5/S8 control TEID of the default PDN session; 0 when there is none.
    pub pgw_teid: u32,
    /// The serving MME (index into the shard's MME list) while attached.
    pub mme: u16,
    /// Current visited PLMN (index into the population's visited list).
    pub visited: u8,
    flags: u8,
}

const ATTACHED: u8 = 1;
const BUSY: u8 = 2;

impl RoamerState {
    /// A detached roamer in `visited`.
    pub fn new(visited: u8) -> RoamerState {
        RoamerState {
            pgw_teid: 0,
            mme: u16::MAX,
            visited,
            flags: 0,
        }
    }

    /// Registered at an MME.
    pub fn attached(self) -> bool {
        self.flags & ATTACHED != 0
    }

    /// A procedure is in flight.
    pub fn busy(self) -> bool {
        self.flags & BUSY != 0
    }

    pub(super) fn set_attached(&mut self, on: bool) {
        self.set(ATTACHED, on);
    }

    pub(super) fn set_busy(&mut self, on: bool) {
        self.set(BUSY, on);
    }

    fn set(&mut self, bit: u8, on: bool) {
        if on {
            self.flags |= bit;
        } else {
            self.flags &= !bit;
        }
    }
}
