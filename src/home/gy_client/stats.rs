//! What the PGW's Gy client counts: requests by CC-Request-Type, answers by Result-Code,
//! refusals and terminations, the failure handling it applied (RFC 4006 §5.7) and the
//! Final-Unit-Indications it got (§5.6); and the per-request measurements the engine's
//! recorder turns into the `gy.ccr_i`, `gy.ccr_u` and `gy.ccr_t` message figures.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::Micros;
use crate::wire::gy::codes::request_type;

/// A Credit-Control-Request by its CC-Request-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CcrKind {
    /// INITIAL_REQUEST.
    Initial,
    /// UPDATE_REQUEST.
    Update,
    /// TERMINATION_REQUEST.
    Termination,
}

impl CcrKind {
    /// The three, in report order.
    pub const ALL: [CcrKind; 3] = [CcrKind::Initial, CcrKind::Update, CcrKind::Termination];

    /// Position in [`CcrKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The CC-Request-Type value (RFC 4006 §8.3).
    pub fn request_type(self) -> u32 {
        match self {
            CcrKind::Initial => request_type::INITIAL,
            CcrKind::Update => request_type::UPDATE,
            CcrKind::Termination => request_type::TERMINATION,
        }
    }

    /// `gy.ccr_i`, `gy.ccr_u`, `gy.ccr_t`.
    pub fn name(self) -> &'static str {
        match self {
            CcrKind::Initial => "gy.ccr_i",
            CcrKind::Update => "gy.ccr_u",
            CcrKind::Termination => "gy.ccr_t",
        }
    }

    /// The Diameter request token of the request `number` of session `teid`.
    pub(super) fn token(self, teid: u32, number: u32) -> u64 {
        (u64::from(teid) << 32) | ((self.index() as u64) << 30) | u64::from(number & 0x3fff_ffff)
    }

    /// The kind a token was made for.
    pub(super) fn of_token(token: u64) -> CcrKind {
        CcrKind::ALL[((token >> 30) & 3).min(2) as usize]
    }
}

/// One request's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GyMeasurement {
    /// Which request.
    pub kind: CcrKind,
    /// From sending to its answer; `None` when it got none (Tx expired, no connection).
    pub latency: Option<Micros>,
    /// The answer's Result-Code (the rating group's when the answer's own was 2001).
    pub result_code: Option<u32>,
}

/// The Gy client's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GyStats {
    /// Requests sent, by kind (retries included).
    pub sent: [u64; 3],
    /// Answers matched, by kind.
    pub answered: [u64; 3],
    /// Requests whose Tx expired, by kind.
    pub timed_out: [u64; 3],
    /// Requests that could not be sent (no open connection), by kind.
    pub not_sent: [u64; 3],
    /// Answers by their Result-Code.
    pub result_codes: BTreeMap<u32, u64>,
    /// Sessions authorised by a CCA-I 2001.
    pub authorised: u64,
    /// CCR-Is refused by the OCS, by Result-Code.
    pub refused: BTreeMap<u32, u64>,
    /// Sessions ended by a CCA-U refusal, by Result-Code.
    pub terminated: BTreeMap<u32, u64>,
    /// CCR-Is refused by the failure handling, by reason (`timeout.gy.ccr`, `gy.5xxx`, ...).
    pub refused_unanswered: BTreeMap<String, u64>,
    /// Sessions ended by the failure handling of an update, by reason.
    pub terminated_unanswered: BTreeMap<String, u64>,
    /// Sessions ended because the final units (FUI TERMINATE) were used.
    pub fui_terminations: u64,
    /// Grants with Final-Unit-Action TERMINATE.
    pub fui_terminate_grants: u64,
    /// Grants with Final-Unit-Action REDIRECT.
    pub fui_redirect: u64,
    /// Grants with Final-Unit-Action RESTRICT_ACCESS.
    pub fui_restrict_access: u64,
    /// Requests sent again under RETRY_AND_TERMINATE.
    pub retries: u64,
    /// Failures handled by CONTINUE.
    pub ccfh_continue: u64,
    /// Failures that ended or refused a session (TERMINATE, or RETRY_AND_TERMINATE after its
    /// retry).
    pub ccfh_terminate: u64,
    /// Sessions let through without credit control (CONTINUE on a failed CCR-I).
    pub uncontrolled: u64,
    /// CCR-Ts sent again after Tx expired without an answer.
    pub ccr_t_retries: u64,
    /// Sessions whose CCR-Ts all went unanswered (forgotten anyway).
    pub ccr_t_failed: u64,
    /// Credit-control sessions closed by a CCA-T.
    pub sessions_closed: u64,
    /// Octets reported used and answered.
    pub reported_octets: u64,
    /// Answers that came after their request had been given up.
    pub late_answers: u64,
    /// Messages from the OCS that did not decode.
    pub malformed_answers: u64,
    /// Times the connection to the OCS went down.
    pub connections_lost: u64,
}

impl GyStats {
    /// Failure-handling actions taken, by name: `continue`, `terminate`, `retry`.
    pub fn failure_actions(&self) -> [(&'static str, u64); 3] {
        [
            ("continue", self.ccfh_continue),
            ("terminate", self.ccfh_terminate),
            ("retry", self.retries),
        ]
    }
}

impl fmt::Display for GyStats {
    /// One line per figure, `serve`'s exit summary style.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for k in CcrKind::ALL {
            let i = k.index();
            writeln!(
                f,
                "{} sent {} answered {} timed_out {} not_sent {}",
                k.name(),
                self.sent[i],
                self.answered[i],
                self.timed_out[i],
                self.not_sent[i]
            )?;
        }
        for (code, n) in &self.result_codes {
            writeln!(f, "gy.result {code} {n}")?;
        }
        writeln!(f, "gy.authorised {}", self.authorised)?;
        for (code, n) in &self.refused {
            writeln!(f, "gy.refused {code} {n}")?;
        }
        for (code, n) in &self.terminated {
            writeln!(f, "gy.terminated {code} {n}")?;
        }
        writeln!(
            f,
            "gy.fui terminate {} redirect {} restrict_access {} ended {}",
            self.fui_terminate_grants,
            self.fui_redirect,
            self.fui_restrict_access,
            self.fui_terminations
        )?;
        writeln!(
            f,
            "gy.failure_handling continue {} terminate {} retry {} uncontrolled {}",
            self.ccfh_continue, self.ccfh_terminate, self.retries, self.uncontrolled
        )
    }
}
