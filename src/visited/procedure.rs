//! The procedure state machines (TS 23.401 §5.3.2.1 attach, §5.3.3.1 TAU with MME change,
//! §5.3.8.2 detach; PLMN change as an attach in the new PLMN; data session as a second PDN
//! connection set up and released). A procedure is a sequence of steps, one request each; a
//! step's answer either ends the procedure or issues the next step. Every procedure lives in a
//! slot of the in-flight table until [`VisitedNetwork::finish`] ends it, exactly once.

use std::cmp::Reverse;

use super::{Completion, MessageKind, Reason, RoamerState, StartError, VisitedNetwork};
use crate::model::persona::Wish;
use crate::model::population::RoamerId;
use crate::model::{Micros, Outcome, Procedure};

/// The request a procedure is waiting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Authentication-Information (S6a).
    Air,
    /// Update-Location (S6a).
    Ulr,
    /// Create Session (S8).
    Csr,
    /// Modify Bearer (S8).
    Mbr,
    /// Delete Session of the session being replaced or ended (S8).
    Dsr,
    /// Purge UE (S6a).
    Pur,
}

impl Step {
    /// The request this step sends.
    pub(super) fn kind(self) -> MessageKind {
        match self {
            Step::Air => MessageKind::S6aAir,
            Step::Ulr => MessageKind::S6aUlr,
            Step::Pur => MessageKind::S6aPur,
            Step::Csr => MessageKind::S8CreateSession,
            Step::Mbr => MessageKind::S8ModifyBearer,
            Step::Dsr => MessageKind::S8DeleteSession,
        }
    }
}

/// One procedure in flight.
#[derive(Debug, Clone)]
pub(super) struct Flight {
    pub(super) live: bool,
    pub(super) gen: u32,
    pub(super) roamer: RoamerId,
    pub(super) procedure: Procedure,
    pub(super) step: Step,
    pub(super) intended_us: Micros,
    /// The S6a error an anomaly roamer must get.
    pub(super) expect: Option<u32>,
    /// Where the roamer is going (attach, PLMN change, location update) or is (detach).
    pub(super) visited: u8,
    pub(super) mme: u16,
    /// PGW control TEID of the session to delete, 0 if none.
    pub(super) delete_teid: u32,
    /// The S8 request outstanding, for cancelling on timeout.
    pub(super) gtp_seq: Option<u32>,
    /// Whether an S6a request is outstanding on `mme`.
    pub(super) on_mme: bool,
}

impl Flight {
    fn empty() -> Flight {
        Flight {
            live: false,
            gen: 0,
            roamer: RoamerId(0),
            procedure: Procedure::Attach,
            step: Step::Air,
            intended_us: Micros::ZERO,
            expect: None,
            visited: 0,
            mme: 0,
            delete_teid: 0,
            gtp_seq: None,
            on_mme: false,
        }
    }
}

/// The procedure a wish becomes for a roamer in `state`: a detached roamer attaches first.
pub(super) fn resolve(state: RoamerState, wish: Wish) -> Procedure {
    if !state.attached() {
        return Procedure::Attach;
    }
    match wish {
        Wish::Churn => Procedure::Detach,
        Wish::LocationUpdate => Procedure::LocationUpdate,
        Wish::PlmnChange => Procedure::PlmnChange,
        Wish::DataSession => Procedure::DataSession,
    }
}

/// The token of a slot's current generation, given to the Diameter peer and the S8 requester.
pub(super) fn token(slot: u32, gen: u32) -> u64 {
    (gen as u64) << 32 | slot as u64
}

fn untoken(token: u64) -> (u32, u32) {
    (token as u32, (token >> 32) as u32)
}

impl VisitedNetwork {
    /// Starts `procedure` for `roamer` at `now`; its latency will count from `intended_us`.
    /// Only `attach` starts for a detached roamer; a busy roamer starts nothing.
    pub fn start(
        &mut self,
        now: Micros,
        intended_us: Micros,
        roamer: RoamerId,
        procedure: Procedure,
    ) -> Result<(), StartError> {
        if !self.owns(roamer) {
            return Err(StartError::NotOwned(roamer));
        }
        let local = self.local(roamer);
        let state = self.roamers[local];
        if state.busy() {
            return Err(StartError::Busy(roamer));
        }
        if !state.attached() && procedure != Procedure::Attach {
            return Err(StartError::NotAttached(roamer));
        }
        let (visited, mme) = self.target(roamer, state, procedure);
        let slot = self.free.pop().unwrap_or_else(|| {
            self.flights.push(Flight::empty());
            (self.flights.len() - 1) as u32
        });
        let f = &mut self.flights[slot as usize];
        f.live = true;
        f.roamer = roamer;
        f.procedure = procedure;
        f.intended_us = intended_us;
        f.expect = self
            .population
            .anomaly_of(roamer)
            .map(|a| a.expected_code());
        f.visited = visited;
        f.mme = mme;
        f.delete_teid = 0;
        f.gtp_seq = None;
        f.on_mme = false;
        f.step = match procedure {
            Procedure::Attach | Procedure::PlmnChange => Step::Air,
            Procedure::LocationUpdate => Step::Ulr,
            Procedure::DataSession => Step::Csr,
            Procedure::Detach if state.pgw_teid != 0 => Step::Dsr,
            Procedure::Detach => Step::Pur,
        };
        if procedure == Procedure::Detach {
            f.delete_teid = state.pgw_teid;
        }
        let gen = f.gen;
        self.deadlines
            .push(Reverse((now + self.cfg.procedure_timeout_us, slot, gen)));
        self.roamers[local].set_busy(true);
        self.in_flight += 1;
        self.procedures.started[procedure.index()] += 1;
        self.issue(now, slot);
        Ok(())
    }

    /// Where a procedure takes the roamer: (visited PLMN, MME).
    fn target(&mut self, roamer: RoamerId, state: RoamerState, p: Procedure) -> (u8, u16) {
        let current = (state.attached() && state.mme != u16::MAX).then_some(state.mme);
        match p {
            Procedure::Attach => {
                let pool = self.pools[self.pool_of[state.visited as usize] as usize];
                (
                    state.visited,
                    super::pool::least_loaded(&self.mmes, pool, None),
                )
            }
            Procedure::PlmnChange => {
                let v = self
                    .population
                    .other_visited(roamer, state.visited, &mut self.rng);
                let pool = self.pools[self.pool_of[v as usize] as usize];
                let avoid = if v == state.visited { current } else { None };
                (v, super::pool::least_loaded(&self.mmes, pool, avoid))
            }
            Procedure::LocationUpdate => {
                let pool = self.pools[self.pool_of[state.visited as usize] as usize];
                (
                    state.visited,
                    super::pool::least_loaded(&self.mmes, pool, current),
                )
            }
            Procedure::Detach | Procedure::DataSession => (state.visited, state.mme),
        }
    }

    /// Sends the request of the flight's current step (or parks it until its MME is open).
    pub(super) fn issue(&mut self, now: Micros, slot: u32) {
        let f = &self.flights[slot as usize];
        match f.step {
            Step::Air | Step::Ulr | Step::Pur => self.send_s6a(now, slot),
            Step::Csr | Step::Mbr | Step::Dsr => self.send_s8(now, slot),
        }
    }

    /// The live flight a token names, if it is still the same procedure.
    pub(super) fn flight_of(&self, token: u64) -> Option<u32> {
        let (slot, gen) = untoken(token);
        let f = self.flights.get(slot as usize)?;
        (f.live && f.gen == gen).then_some(slot)
    }

    /// Moves the flight to `step` and sends its request.
    pub(super) fn next(&mut self, now: Micros, slot: u32, step: Step) {
        self.flights[slot as usize].step = step;
        self.issue(now, slot);
    }

    /// An S6a answer result for the current step: `Some(outcome)` when it ends the procedure.
    pub(super) fn judge_s6a(&self, slot: u32, code: u32) -> Option<(Outcome, Reason)> {
        let f = &self.flights[slot as usize];
        let success = (2000..3000).contains(&code);
        match (f.expect, success) {
            (Some(e), false) if e == code => {
                Some((Outcome::RejectedExpected, Reason::Diameter(code)))
            }
            (Some(_), true) => Some((Outcome::Failed, Reason::UnexpectedSuccess)),
            (_, false) => Some((Outcome::Failed, Reason::Diameter(code))),
            (None, true) => None,
        }
    }

    /// The roamer is registered at the flight's target MME (ULA success).
    pub(super) fn registered(&mut self, slot: u32) {
        let f = &self.flights[slot as usize];
        let (visited, mme, roamer) = (f.visited, f.mme, f.roamer);
        let local = self.local(roamer);
        let st = &mut self.roamers[local];
        if st.attached() && st.mme != u16::MAX {
            self.mmes[st.mme as usize].roamers -= 1;
        }
        self.mmes[mme as usize].roamers += 1;
        st.set_attached(true);
        st.visited = visited;
        st.mme = mme;
    }

    /// Ends a procedure: the completion is queued, the roamer freed, the slot recycled.
    pub(super) fn finish(&mut self, now: Micros, slot: u32, outcome: Outcome, reason: Reason) {
        let f = &mut self.flights[slot as usize];
        debug_assert!(f.live);
        f.live = false;
        f.gen = f.gen.wrapping_add(1);
        let (roamer, procedure, intended_us) = (f.roamer, f.procedure, f.intended_us);
        let (message, mme, visited) = (f.step.kind(), f.mme, f.visited);
        if let Some(seq) = f.gtp_seq.take() {
            self.sgw.cancel(self.cfg.pgw, seq);
        }
        let local = self.local(roamer);
        let st = &mut self.roamers[local];
        st.set_busy(false);
        if procedure == Procedure::Detach {
            // The UE is detached whatever the network answered (TS 23.401 §5.3.8.2).
            if st.attached() && st.mme != u16::MAX {
                self.mmes[st.mme as usize].roamers -= 1;
            }
            st.set_attached(false);
            st.mme = u16::MAX;
            st.pgw_teid = 0;
        }
        self.free.push(slot);
        self.in_flight -= 1;
        self.procedures.ended[procedure.index()][outcome.index()] += 1;
        self.completions.push_back(Completion {
            roamer,
            procedure,
            outcome,
            reason,
            message,
            mme,
            visited,
            intended_us,
            finished_us: now,
        });
    }

    /// The reason of a flight that timed out: no answer to its current step's request.
    pub(super) fn timeout(&self, slot: u32) -> Reason {
        Reason::Timeout(self.flights[slot as usize].step.kind())
    }

    /// Ends every flight waiting on MME `mme` (its connection went down): failed for `reason`,
    /// or, with `None` (no answer at all, to CER or DWR), timed out on each flight's own request.
    pub(super) fn fail_mme(&mut self, now: Micros, mme: usize, reason: Option<Reason>) {
        let why = |vn: &Self, slot: u32| match reason {
            Some(r) => (Outcome::Failed, r),
            None => (Outcome::TimedOut, vn.timeout(slot)),
        };
        let waiting = std::mem::take(&mut self.mmes[mme].waiting);
        for (slot, gen) in waiting {
            if let Some(s) = self.flight_of(super::procedure::token(slot, gen)) {
                let (outcome, reason) = why(self, s);
                self.finish(now, s, outcome, reason);
            }
        }
        for slot in 0..self.flights.len() as u32 {
            let f = &self.flights[slot as usize];
            if f.live && f.on_mme && f.mme as usize == mme {
                let (outcome, reason) = why(self, slot);
                self.finish(now, slot, outcome, reason);
            }
        }
    }
}
