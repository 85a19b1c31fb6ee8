//! How the Gy client acts on the outcome of a request (RFC 4006 §5.2-§5.7): an answer books
//! the report and the new grant, or refuses or ends the session by its Result-Code; a failure
//! (Tx expired, no connection, a 3xxx/5xxx) is handled by the session's
//! Credit-Control-Failure-Handling.

use super::answer::{s_final, AnswerFacts};
use super::{
    CcrKind, GyClient, GyEvent, GyMeasurement, GyReason, Outstanding, Phase, MAX_MEASUREMENTS,
    MAX_TERMINATION_TRIES, SUCCESS, UNKNOWN_SESSION_ID,
};
use crate::model::online_charging::FailureHandling;
use crate::model::Micros;
use crate::wire::gy::codes::{final_unit_action, reporting_reason, result};

impl GyClient {
    /// The answer to request `token` arrived.
    pub(super) fn answered(&mut self, now: Micros, token: u64, a: AnswerFacts) {
        let teid = (token >> 32) as u32;
        if !self.is_current(teid, token) {
            self.stats.late_answers += 1;
            return;
        }
        let rating_group = self.cfg.rating_group;
        let s = self.sessions.get_mut(&teid).expect("is_current");
        let o = s.outstanding.take().expect("is_current");
        self.stats.answered[o.kind.index()] += 1;
        *self.stats.result_codes.entry(a.result_code).or_default() += 1;
        let code = a.effective_code(rating_group);
        if let Some(m) = self.measurements.as_mut() {
            if m.len() < MAX_MEASUREMENTS {
                m.push_back(GyMeasurement {
                    kind: o.kind,
                    latency: Some(now - o.sent_at),
                    result_code: Some(code),
                });
            }
        }
        if let Some(fh) = a.failure_handling.and_then(FailureHandling::from_code) {
            s.failure_handling = fh;
        }
        let transient = code != SUCCESS
            && code != UNKNOWN_SESSION_ID
            && code != result::END_USER_SERVICE_DENIED
            && code != result::CREDIT_LIMIT_REACHED
            && !(4000..5000).contains(&code);
        if transient {
            // Put it back so that `failed` sees what was outstanding.
            s.outstanding = Some(o);
            self.failed(now, teid, GyReason::ResultCode(code));
            return;
        }
        // The request counts: its number is used, its report is booked.
        s.number = s.number.wrapping_add(1);
        if o.kind != CcrKind::Initial {
            let used = o.up_to.since(s.reported).total();
            self.stats.reported_octets += used;
            s.reported = o.up_to;
            s.reported_at = o.sent_at;
        }
        match o.kind {
            CcrKind::Termination => {
                self.close(teid);
                self.stats.sessions_closed += 1;
            }
            CcrKind::Initial if code == SUCCESS => {
                self.stats.authorised += 1;
                s.phase = if s.terminate_after.is_some() {
                    Phase::Terminating
                } else {
                    Phase::Open
                };
                s.grant = a.grant(rating_group, now);
                self.count_final_action(s_final(&a, rating_group));
                self.events.push_back(GyEvent::Authorised { teid });
                self.after_answer(now, teid);
            }
            CcrKind::Initial => {
                *self.stats.refused.entry(code).or_default() += 1;
                self.close(teid);
                self.events.push_back(GyEvent::Refused {
                    teid,
                    reason: GyReason::ResultCode(code),
                });
            }
            CcrKind::Update if code == SUCCESS => {
                s.grant = a.grant(rating_group, now);
                self.count_final_action(s_final(&a, rating_group));
                self.after_answer(now, teid);
            }
            CcrKind::Update => {
                *self.stats.terminated.entry(code).or_default() += 1;
                s.grant = None;
                let pending_stop = s.terminate_after.is_some();
                s.phase = Phase::Ending;
                if code == UNKNOWN_SESSION_ID {
                    // The OCS no longer knows it: nothing to terminate there.
                    self.close(teid);
                }
                if !pending_stop {
                    self.events.push_back(GyEvent::Terminate {
                        teid,
                        reason: GyReason::ResultCode(code),
                    });
                } else if self.sessions.contains_key(&teid) {
                    self.after_answer(now, teid);
                }
            }
        }
    }

    fn count_final_action(&mut self, action: Option<u32>) {
        match action {
            Some(final_unit_action::TERMINATE) => self.stats.fui_terminate_grants += 1,
            Some(final_unit_action::REDIRECT) => self.stats.fui_redirect += 1,
            Some(final_unit_action::RESTRICT_ACCESS) => self.stats.fui_restrict_access += 1,
            _ => {}
        }
    }

    /// After an answer: a pending termination or change goes out, else the next report is
    /// scheduled.
    pub(super) fn after_answer(&mut self, now: Micros, teid: u32) {
        let Some(s) = self.sessions.get_mut(&teid) else {
            return;
        };
        if s.terminate_after.is_some() {
            s.phase = Phase::Terminating;
            self.send(now, teid, CcrKind::Termination, None);
        } else if std::mem::take(&mut s.change_pending) && s.phase == Phase::Open {
            self.send(
                now,
                teid,
                CcrKind::Update,
                Some(reporting_reason::RATING_CONDITION_CHANGE),
            );
        } else {
            self.trigger(now, teid);
        }
    }

    /// The request outstanding for `teid` failed: apply the failure handling.
    pub(super) fn failed(&mut self, now: Micros, teid: u32, reason: GyReason) {
        let Some(s) = self.sessions.get_mut(&teid) else {
            return;
        };
        let Some(o) = s.outstanding else {
            return;
        };
        if let Some(m) = self.measurements.as_mut() {
            if m.len() < MAX_MEASUREMENTS {
                m.push_back(GyMeasurement {
                    kind: o.kind,
                    latency: None,
                    result_code: match reason {
                        GyReason::ResultCode(c) => Some(c),
                        _ => None,
                    },
                });
            }
        }
        let fh = s.failure_handling;
        if fh == FailureHandling::RetryAndTerminate && !o.retried && self.is_open() {
            // Once more; the retry keeps the request number.
            let s = self.sessions.get_mut(&teid).expect("present");
            s.outstanding = Some(Outstanding { retried: true, ..o });
            self.send(now, teid, o.kind, None);
            return;
        }
        let s = self.sessions.get_mut(&teid).expect("present");
        s.outstanding = None;
        match (o.kind, fh) {
            (CcrKind::Termination, _) if s.t_tries + 1 < MAX_TERMINATION_TRIES => {
                // The OCS must hear the end of the session, or it holds its reservation: try
                // again after Tx (a CCR-T it did get but whose answer was lost gets 5002).
                s.t_tries += 1;
                self.stats.ccr_t_retries += 1;
                let at = now + self.cfg.tx;
                s.wake = Some(at);
                self.wakes.insert((at, teid));
            }
            (CcrKind::Termination, _) => {
                self.stats.ccr_t_failed += 1;
                self.close(teid);
            }
            (CcrKind::Initial, FailureHandling::Continue) => {
                self.stats.ccfh_continue += 1;
                self.stats.uncontrolled += 1;
                let end = s.terminate_after.is_some();
                self.close(teid);
                if !end {
                    self.events.push_back(GyEvent::Authorised { teid });
                }
            }
            (CcrKind::Initial, _) => {
                self.stats.ccfh_terminate += 1;
                *self
                    .stats
                    .refused_unanswered
                    .entry(reason.key())
                    .or_default() += 1;
                self.close(teid);
                self.events.push_back(GyEvent::Refused { teid, reason });
            }
            (CcrKind::Update, FailureHandling::Continue) => {
                self.stats.ccfh_continue += 1;
                if s.terminate_after.is_some() {
                    self.after_answer(now, teid);
                } else {
                    // Carry on; ask again after Tx.
                    s.grant = None;
                    let at = now + self.cfg.tx;
                    s.wake = Some(at);
                    self.wakes.insert((at, teid));
                }
            }
            (CcrKind::Update, _) => {
                self.stats.ccfh_terminate += 1;
                *self
                    .stats
                    .terminated_unanswered
                    .entry(reason.key())
                    .or_default() += 1;
                if s.terminate_after.is_some() {
                    self.after_answer(now, teid);
                } else {
                    s.phase = Phase::Ending;
                    self.events.push_back(GyEvent::Terminate { teid, reason });
                }
            }
        }
    }
}
