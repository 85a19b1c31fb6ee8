//! The signaling message kinds a run counts (docs/ARCHITECTURE.md §2, §7): S6a requests (TS 29.272
//! §7.2) and GTPv2-C requests on S8 (TS 29.274 §7). Their dotted names (`s6a.ulr`) are the keys of
//! `summary.json` `messages` and the targets of message SLOs.
//!
//! A small `Copy` enum rather than strings, so that the per-shard recorder indexes a dense array on
//! the hot path instead of hashing a name. It lives in `model` because the SLO specs of a profile
//! (also `model`) name message kinds, and the layers that send messages name them too.

use std::fmt;
use std::str::FromStr;

/// Error from parsing a message kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown message `{0}`: expected one of {names}", names = MessageKind::NAMES)]
pub struct MessageNameError(pub String);

/// A request type, counted with its answer (one transaction, retransmissions counted apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    /// S6a Authentication-Information-Request.
    S6aAir,
    /// S6a Update-Location-Request.
    S6aUlr,
    /// S6a Cancel-Location-Request (HSS to the old MME).
    S6aClr,
    /// S6a Purge-UE-Request.
    S6aPur,
    /// GTPv2-C Create Session Request on S8.
    S8CreateSession,
    /// GTPv2-C Modify Bearer Request on S8.
    S8ModifyBearer,
    /// GTPv2-C Delete Session Request on S8.
    S8DeleteSession,
    /// GTPv2-C Echo Request on S8.
    S8Echo,
    /// Gy Credit-Control-Request INITIAL (the home PGW to the OCS).
    GyCcrI,
    /// Gy Credit-Control-Request UPDATE.
    GyCcrU,
    /// Gy Credit-Control-Request TERMINATION.
    GyCcrT,
}

impl MessageKind {
    /// Every kind, in report order; `ALL[k.index()] == k`.
    pub const ALL: &'static [MessageKind] = &[
        MessageKind::S6aAir,
        MessageKind::S6aUlr,
        MessageKind::S6aClr,
        MessageKind::S6aPur,
        MessageKind::S8CreateSession,
        MessageKind::S8ModifyBearer,
        MessageKind::S8DeleteSession,
        MessageKind::S8Echo,
        MessageKind::GyCcrI,
        MessageKind::GyCcrU,
        MessageKind::GyCcrT,
    ];

    /// How many kinds there are (the length of per-kind arrays).
    pub const COUNT: usize = MessageKind::ALL.len();

    /// The accepted names, comma-separated, for error messages.
    pub const NAMES: &'static str = "s6a.air, s6a.ulr, s6a.clr, s6a.pur, s8.create_session, \
                                     s8.modify_bearer, s8.delete_session, s8.echo, gy.ccr_i, \
                                     gy.ccr_u, gy.ccr_t";

    /// The dotted name used in reports and SLOs, e.g. `s6a.ulr`.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::S6aAir => "s6a.air",
            MessageKind::S6aUlr => "s6a.ulr",
            MessageKind::S6aClr => "s6a.clr",
            MessageKind::S6aPur => "s6a.pur",
            MessageKind::S8CreateSession => "s8.create_session",
            MessageKind::S8ModifyBearer => "s8.modify_bearer",
            MessageKind::S8DeleteSession => "s8.delete_session",
            MessageKind::S8Echo => "s8.echo",
            MessageKind::GyCcrI => "gy.ccr_i",
            MessageKind::GyCcrU => "gy.ccr_u",
            MessageKind::GyCcrT => "gy.ccr_t",
        }
    }

    /// Same as [`Self::name`], named like [`super::Procedure::as_str`].
    pub fn as_str(self) -> &'static str {
        self.name()
    }

    /// Position in [`Self::ALL`], for dense per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind at `index` in [`Self::ALL`], if any.
    pub fn from_index(index: usize) -> Option<MessageKind> {
        MessageKind::ALL.get(index).copied()
    }
}

impl FromStr for MessageKind {
    type Err = MessageNameError;
    fn from_str(text: &str) -> Result<Self, MessageNameError> {
        MessageKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == text)
            .ok_or_else(|| MessageNameError(text.to_string()))
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index() {
        for (i, k) in MessageKind::ALL.iter().enumerate() {
            assert_eq!(k.index(), i);
            assert_eq!(MessageKind::from_index(i), Some(*k));
            assert_eq!(k.name().parse::<MessageKind>().unwrap(), *k);
            assert!(MessageKind::NAMES.contains(k.name()));
        }
        assert_eq!(MessageKind::from_index(MessageKind::COUNT), None);
        let e = "s6a.ulx".parse::<MessageKind>().unwrap_err();
        assert!(e.to_string().contains("`s6a.ulx`"), "{e}");
    }
}
