//! What the Gy client reads from a Credit-Control-Answer (RFC 4006 §8, TS 32.299 §7.1.9):
//! the Result-Code that counts (the rating group's when the answer's own is 2001), the
//! Credit-Control-Failure-Handling, and the grant of the rating group with its
//! Volume-Quota-Threshold, Validity-Time and Final-Unit-Indication.

use crate::model::Micros;
use crate::wire::gy::{CreditControlAnswer, Mscc};

use super::SUCCESS;

/// The current grant of a session's rating group.
#[derive(Debug, Clone, Copy)]
pub(super) struct Grant {
    /// Octets granted (CC-Total-Octets); `None`: no volume limit.
    pub(super) octets: Option<u64>,
    /// Report when this many octets of the grant are left.
    pub(super) threshold: Option<u64>,
    /// The grant's end (Validity-Time).
    pub(super) valid_until: Option<Micros>,
    /// Final-Unit-Action, when these are the last units.
    pub(super) final_action: Option<u32>,
}

/// What the client reads from a CCA.
#[derive(Debug, Clone)]
pub(super) struct AnswerFacts {
    pub(super) result_code: u32,
    pub(super) failure_handling: Option<u32>,
    pub(super) mscc: Vec<Mscc>,
}

impl AnswerFacts {
    pub(super) fn of(a: &CreditControlAnswer<'_>) -> AnswerFacts {
        AnswerFacts {
            result_code: a.result_code,
            failure_handling: a.failure_handling,
            mscc: a.mscc.iter().collect(),
        }
    }

    pub(super) fn mscc_for(&self, rating_group: u32) -> Option<&Mscc> {
        self.mscc
            .iter()
            .find(|m| m.rating_group == Some(rating_group))
            .or(self.mscc.first())
    }

    /// The answer's Result-Code, or its rating group's when the answer's own is 2001.
    pub(super) fn effective_code(&self, rating_group: u32) -> u32 {
        match self.mscc_for(rating_group).and_then(|m| m.result_code) {
            Some(c) if self.result_code == SUCCESS => c,
            _ => self.result_code,
        }
    }

    /// The grant of the rating group, if the answer holds one.
    pub(super) fn grant(&self, rating_group: u32, now: Micros) -> Option<Grant> {
        let m = self.mscc_for(rating_group)?;
        let granted = m.granted?;
        let octets = granted.total_octets.or_else(|| {
            (granted.input_octets.is_some() || granted.output_octets.is_some())
                .then(|| granted.volume())
        });
        Some(Grant {
            octets,
            threshold: m.volume_quota_threshold.map(u64::from),
            valid_until: m
                .validity_time
                .map(|v| now + Micros::from_secs(u64::from(v))),
            final_action: m.final_unit.map(|f| f.action),
        })
    }
}

/// The Final-Unit-Action of the rating group's grant, if any.
pub(super) fn s_final(a: &AnswerFacts, rating_group: u32) -> Option<u32> {
    a.mscc_for(rating_group)
        .and_then(|m| m.final_unit.map(|f| f.action))
}
