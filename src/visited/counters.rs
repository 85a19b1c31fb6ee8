//! Per-message-kind counters of one [`super::VisitedNetwork`]: requests sent, answers received,
//! GTPv2-C retransmissions (TS 29.274 §7.6), timeouts, and the request-to-answer latency of each
//! message in an HDR histogram (microseconds, 3 significant digits). Cancel-Location is the one
//! request the MME receives (TS 29.272 §7.2.7): for it, `received` counts CLRs and `answered`
//! the CLAs sent back.

use hdrhistogram::Histogram;

use crate::model::Micros;

pub use crate::model::message::MessageKind;

/// The kind of an S6a command code.
pub fn kind_of_diameter(command: u32) -> Option<MessageKind> {
    use crate::wire::diameter::codes::command;
    Some(match command {
        command::AUTHENTICATION_INFORMATION => MessageKind::S6aAir,
        command::UPDATE_LOCATION => MessageKind::S6aUlr,
        command::CANCEL_LOCATION => MessageKind::S6aClr,
        command::PURGE_UE => MessageKind::S6aPur,
        _ => return None,
    })
}

/// The kind of a GTPv2-C request or response type.
pub fn kind_of_gtp(msg_type: u8) -> Option<MessageKind> {
    use crate::wire::gtpv2::codes::msg;
    Some(match msg_type {
        msg::CREATE_SESSION_REQUEST | msg::CREATE_SESSION_RESPONSE => MessageKind::S8CreateSession,
        msg::MODIFY_BEARER_REQUEST | msg::MODIFY_BEARER_RESPONSE => MessageKind::S8ModifyBearer,
        msg::DELETE_SESSION_REQUEST | msg::DELETE_SESSION_RESPONSE => MessageKind::S8DeleteSession,
        msg::ECHO_REQUEST | msg::ECHO_RESPONSE => MessageKind::S8Echo,
        _ => return None,
    })
}
/// Counters of one message kind.
#[derive(Debug, Clone)]
pub struct MessageStats {
    /// Requests sent (first transmissions).
    pub sent: u64,
    /// Answers received (for CLR: CLAs sent).
    pub answered: u64,
    /// Answers with a non-success Result-Code or a rejecting Cause.
    pub rejected: u64,
    /// GTPv2-C retransmissions (T3 expiries); always 0 for Diameter over TCP.
    pub retransmitted: u64,
    /// Requests that got no answer in time.
    pub timed_out: u64,
    /// Requests received (CLR).
    pub received: u64,
    /// Request-to-answer latency in microseconds.
    pub latency_us: Histogram<u64>,
}

/// Most latency the histograms hold (larger values are clamped): one minute.
pub const MAX_LATENCY_US: u64 = 60_000_000;

/// A latency histogram with the layout every report uses.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("valid bounds")
}

impl Default for MessageStats {
    fn default() -> Self {
        MessageStats {
            sent: 0,
            answered: 0,
            rejected: 0,
            retransmitted: 0,
            timed_out: 0,
            received: 0,
            latency_us: latency_histogram(),
        }
    }
}

/// Counters of every message kind, plus what matched nothing.
#[derive(Debug, Clone, Default)]
pub struct MessageCounters {
    stats: [MessageStats; MessageKind::COUNT],
    /// Messages that failed to decode.
    pub malformed: u64,
    /// Answers to requests whose procedure had already ended (late after a timeout).
    pub late: u64,
    /// Requests other than CLR received by an MME (answered 3001).
    pub unsupported: u64,
    /// PDN connections the PGW deleted (Delete Bearer Requests the SGW accepted, TS 29.274
    /// §7.2.9.2): sessions ended by the network, e.g. by the home OCS's cut-off.
    pub network_deleted: u64,
    /// Delete Bearer Requests for a session the SGW does not know (answered Cause 64).
    pub network_delete_unknown: u64,
}

impl MessageCounters {
    /// The counters of one kind.
    pub fn get(&self, kind: MessageKind) -> &MessageStats {
        &self.stats[kind.index()]
    }

    pub(super) fn get_mut(&mut self, kind: MessageKind) -> &mut MessageStats {
        &mut self.stats[kind.index()]
    }

    /// Every kind with its counters.
    pub fn iter(&self) -> impl Iterator<Item = (MessageKind, &MessageStats)> {
        MessageKind::ALL
            .iter()
            .map(|&k| (k, &self.stats[k.index()]))
    }

    pub(super) fn answered(&mut self, kind: MessageKind, latency: Micros, success: bool) {
        let s = self.get_mut(kind);
        s.answered += 1;
        if !success {
            s.rejected += 1;
        }
        s.latency_us
            .saturating_record(latency.as_u64().clamp(1, MAX_LATENCY_US));
    }

    /// Adds another network's counters (shards merging).
    pub fn add(&mut self, other: &MessageCounters) {
        for (a, b) in self.stats.iter_mut().zip(&other.stats) {
            a.sent += b.sent;
            a.answered += b.answered;
            a.rejected += b.rejected;
            a.retransmitted += b.retransmitted;
            a.timed_out += b.timed_out;
            a.received += b.received;
            let _ = a.latency_us.add(&b.latency_us);
        }
        self.malformed += other.malformed;
        self.late += other.late;
        self.unsupported += other.unsupported;
    }
}
