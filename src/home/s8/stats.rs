//! Counters of the S5/S8 PGW service: what came in per message type, what went out per message
//! type and per Cause value, and why datagrams were dropped. Fixed-size arrays indexed by the
//! one-octet message type and Cause value, so counting never allocates.

use std::fmt;

use crate::model::protocol_errors::ProtocolErrors;
use crate::wire::gtpv2::codes::{cause, msg};

/// Counters of a [`super::PgwService`]. `Display` prints one `name value` line per non-zero
/// figure, for `serve`'s exit summary.
#[derive(Clone, PartialEq, Eq)]
pub struct S8Stats {
    received: [u64; 256],
    answered: [u64; 256],
    causes: [u64; 256],
    /// Retransmitted requests answered from the duplicate cache, byte for byte.
    pub duplicates_replayed: u64,
    /// Retransmitted requests dropped because their answer was not built yet.
    pub duplicates_in_progress: u64,
    /// Requests that failed to parse (answered with Cause 67/69/70 where the type allows).
    pub malformed: u64,
    /// Datagrams too short or inconsistent to answer at all (no usable header).
    pub undecodable: u64,
    /// Messages of another GTP version, answered with Version Not Supported Indication.
    pub version_not_supported: u64,
    /// Version Not Supported Indications not sent because too many were already queued.
    pub version_not_supported_dropped: u64,
    /// Responses (triggered messages) received: a PGW service sends no requests, so these are
    /// stray or late, and are dropped (TS 29.274 §7.7).
    pub unexpected_responses: u64,
    /// Messages of a type this PGW does not serve, silently discarded (§7.7).
    pub unsupported: u64,
    /// Peers whose Recovery value changed (TS 23.007 restart detection).
    pub restarts_detected: u64,
    /// Responses that could not be encoded (a bug: nothing was sent).
    pub encode_errors: u64,
    /// The rejections of requests that failed to parse, by Cause (TS 29.274 §7.7).
    pub errors_answered: ProtocolErrors,
}

impl Default for S8Stats {
    fn default() -> Self {
        S8Stats {
            received: [0; 256],
            answered: [0; 256],
            causes: [0; 256],
            duplicates_replayed: 0,
            duplicates_in_progress: 0,
            malformed: 0,
            undecodable: 0,
            version_not_supported: 0,
            version_not_supported_dropped: 0,
            unexpected_responses: 0,
            unsupported: 0,
            restarts_detected: 0,
            encode_errors: 0,
            errors_answered: ProtocolErrors::default(),
        }
    }
}

impl S8Stats {
    pub(super) fn count_received(&mut self, msg_type: u8) {
        self.received[usize::from(msg_type)] += 1;
    }

    pub(super) fn count_answered(&mut self, msg_type: u8, cause: Option<u8>) {
        self.answered[usize::from(msg_type)] += 1;
        if let Some(c) = cause {
            self.causes[usize::from(c)] += 1;
        }
    }

    /// GTPv2-C messages received of `msg_type`, retransmissions included.
    pub fn received(&self, msg_type: u8) -> u64 {
        self.received[usize::from(msg_type)]
    }

    /// Responses of `msg_type` built and sent (replays not included).
    pub fn answered(&self, msg_type: u8) -> u64 {
        self.answered[usize::from(msg_type)]
    }

    /// Responses sent with Cause `value` (replays not included; Echo carries no Cause).
    pub fn cause_sent(&self, value: u8) -> u64 {
        self.causes[usize::from(value)]
    }

    /// The summary lines, e.g. `s8.rx.create_session_request 12`, `s8.cause.16 12`.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        let rx = (0..=255u8).filter_map(move |t| {
            let n = self.received[usize::from(t)];
            (n > 0).then(|| format!("s8.rx.{} {n}", name_or_type(t)))
        });
        let tx = (0..=255u8).filter_map(move |t| {
            let n = self.answered[usize::from(t)];
            (n > 0).then(|| format!("s8.tx.{} {n}", name_or_type(t)))
        });
        let causes = (0..=255u8).filter_map(move |c| {
            let n = self.causes[usize::from(c)];
            (n > 0).then(|| match cause_name(c) {
                Some(name) => format!("s8.cause.{c} {n} ({name})"),
                None => format!("s8.cause.{c} {n}"),
            })
        });
        let scalars = [
            ("s8.duplicates_replayed", self.duplicates_replayed),
            ("s8.duplicates_in_progress", self.duplicates_in_progress),
            ("s8.malformed", self.malformed),
            ("s8.undecodable", self.undecodable),
            ("s8.version_not_supported", self.version_not_supported),
            (
                "s8.version_not_supported_dropped",
                self.version_not_supported_dropped,
            ),
            ("s8.unexpected_responses", self.unexpected_responses),
            ("s8.unsupported", self.unsupported),
            ("s8.restarts_detected", self.restarts_detected),
            ("s8.encode_errors", self.encode_errors),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {n}"));
        rx.chain(tx).chain(causes).chain(scalars)
    }
}

impl fmt::Display for S8Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.lines() {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for S8Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lines()).finish()
    }
}

fn name_or_type(t: u8) -> String {
    msg_name(t).map_or_else(|| format!("type_{t}"), str::to_string)
}

/// Snake-case name of a message type roamsim speaks.
pub fn msg_name(msg_type: u8) -> Option<&'static str> {
    Some(match msg_type {
        msg::ECHO_REQUEST => "echo_request",
        msg::ECHO_RESPONSE => "echo_response",
        msg::VERSION_NOT_SUPPORTED => "version_not_supported",
        msg::CREATE_SESSION_REQUEST => "create_session_request",
        msg::CREATE_SESSION_RESPONSE => "create_session_response",
        msg::MODIFY_BEARER_REQUEST => "modify_bearer_request",
        msg::MODIFY_BEARER_RESPONSE => "modify_bearer_response",
        msg::DELETE_SESSION_REQUEST => "delete_session_request",
        msg::DELETE_SESSION_RESPONSE => "delete_session_response",
        _ => return None,
    })
}

/// Name of a Cause value this service sends (TS 29.274 Table 8.4-1).
pub fn cause_name(value: u8) -> Option<&'static str> {
    Some(match value {
        cause::REQUEST_ACCEPTED => "request accepted",
        cause::CONTEXT_NOT_FOUND => "context not found",
        cause::INVALID_MESSAGE_FORMAT => "invalid message format",
        cause::INVALID_LENGTH => "invalid length",
        cause::MANDATORY_IE_INCORRECT => "mandatory IE incorrect",
        cause::MANDATORY_IE_MISSING => "mandatory IE missing",
        cause::SYSTEM_FAILURE => "system failure",
        cause::NO_RESOURCES_AVAILABLE => "no resources available",
        cause::MISSING_OR_UNKNOWN_APN => "missing or unknown APN",
        _ => return None,
    })
}
