//! GTPv2-C (3GPP TS 29.274) as zero-copy views and validated representations.
//!
//! - [`Packet`] is the header view (TS 29.274 §5.1, §5.5); [`peek_header`] reads message type,
//!   TEID and sequence number cheaply for the transaction layer (§7.6).
//! - [`Ie`] and [`IeIter`] walk information elements (§8.2), also inside grouped IEs such as
//!   Bearer Context (§8.28); [`IeWriter`] emits them into a caller-owned buffer.
//! - Typed IE values (IMSI/MSISDN/MEI TBCD, PLMN, F-TEID, Bearer QoS, PAA, AMBR, ULI, Cause, APN)
//!   live in `values`/`digits`; the message representations (Echo §7.1, Create Session §7.2.1/7.2.2,
//!   Modify Bearer §7.2.7/7.2.8, Delete Session §7.2.9, Version Not Supported §7.1.3) in `echo`,
//!   `session` and `modify`, and [`Message`] picks one by message type.
//!
//! Parsing never allocates and never panics. Following the error handling of §7.7, unknown IEs
//! are skipped, repeated IEs keep the first copy, a malformed optional IE is treated as absent,
//! and a missing or malformed mandatory IE is reported as an [`Error`] naming its type and
//! instance, which [`Error::cause`] turns into the Cause value and offending IE of the reply
//! (§8.4).

mod bearer;
pub mod codes;
mod delete_bearer;
mod digits;
mod echo;
mod header;
mod ie;
mod message;
mod modify;
mod session;
mod values;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_prop;

pub use bearer::{
    BearerContext, BearerContexts, BearerIter, FteidIe, FteidList, MAX_BEARER_FTEIDS,
};
pub use delete_bearer::{DeleteBearerRequest, DeleteBearerResponse};
pub use digits::{Apn, ApnBuf, Plmn, Tbcd, TbcdBuf, TbcdDigits, MAX_APN_LEN, MAX_TBCD_OCTETS};
pub use echo::{EchoRequest, EchoResponse, VersionNotSupported};
pub use header::{peek_header, Header, Packet, HEADER_LEN, HEADER_LEN_NO_TEID};
pub use ie::{Ie, IeIter, IeValue, IeWriter, IE_HEADER_LEN};
pub use message::Message;
pub use modify::{
    DeleteSessionRequest, DeleteSessionResponse, ModifyBearerRequest, ModifyBearerResponse,
};
pub use session::{CreateSessionRequest, CreateSessionResponse};
pub use values::{Ambr, BearerQos, Cause, Ecgi, Fteid, Paa, Tai, Uli, MAX_RATE_40};

/// Type and instance of one IE: what TS 29.274 §8.4 calls the offending IE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IeId {
    /// IE type (§8.1, [`codes::ie`]).
    pub ie_type: u8,
    /// Instance, 0..=15 (§8.2).
    pub instance: u8,
}

impl IeId {
    /// The IE of `ie_type` at `instance`.
    pub const fn new(ie_type: u8, instance: u8) -> Self {
        Self { ie_type, instance }
    }
}

/// Where an IE sits: itself, and the top-level grouped IE around it when it is nested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IeRef {
    /// The IE that was bad or missing.
    pub ie: IeId,
    /// The top-level grouped IE that holds it (e.g. a Bearer Context), if any.
    pub parent: Option<IeId>,
}

impl IeRef {
    /// A top-level IE.
    pub const fn top(ie_type: u8, instance: u8) -> Self {
        Self {
            ie: IeId::new(ie_type, instance),
            parent: None,
        }
    }

    /// The IE to name in a Cause IE: the top-level one (the grouped IE for a nested fault).
    pub fn offending(&self) -> IeId {
        self.parent.unwrap_or(self.ie)
    }
}

/// Why a GTPv2-C message could not be parsed or emitted. Small and `Copy`, so the responder can
/// build its error reply from it (see [`Error::cause`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Fewer bytes than the header, or than its Message Length field, needs.
    Truncated,
    /// The Message Length field is too small for the header it describes.
    BadLength,
    /// The version field is not 2; answer with Version Not Supported Indication (§7.7).
    UnsupportedVersion(u8),
    /// A message of another type was handed to a representation's `parse`.
    UnexpectedMessage(u8),
    /// An IE header or length runs past the end of the message or grouped IE that holds it.
    IeOverrun(IeRef),
    /// A known mandatory IE has a value that does not decode (Cause 69).
    MalformedIe(IeRef),
    /// A mandatory IE is absent (Cause 70).
    MissingIe(IeRef),
    /// The output buffer is smaller than `buffer_len()`.
    BufferTooSmall,
    /// A value cannot be encoded (too many digits, bad APN label, length over 65535, ...).
    Unencodable,
}

impl Error {
    /// The Cause value (§8.4, [`codes::cause`]) and offending IE a responder should send for
    /// this error, or `None` where TS 29.274 says to send none (§7.7: Version Not Supported
    /// Indication instead) or for emit-side errors.
    pub fn cause(&self) -> Option<(u8, Option<IeId>)> {
        match self {
            Error::Truncated | Error::BadLength | Error::IeOverrun(_) => {
                Some((codes::cause::INVALID_LENGTH, None))
            }
            Error::MalformedIe(r) => {
                Some((codes::cause::MANDATORY_IE_INCORRECT, Some(r.offending())))
            }
            Error::MissingIe(r) => Some((codes::cause::MANDATORY_IE_MISSING, Some(r.offending()))),
            Error::UnexpectedMessage(_) => Some((codes::cause::INVALID_MESSAGE_FORMAT, None)),
            Error::UnsupportedVersion(_) | Error::BufferTooSmall | Error::Unencodable => None,
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ie = |f: &mut core::fmt::Formatter<'_>, what: &str, r: &IeRef| {
            write!(
                f,
                "{what} IE type {} instance {}",
                r.ie.ie_type, r.ie.instance
            )?;
            if let Some(p) = r.parent {
                write!(f, " in IE type {} instance {}", p.ie_type, p.instance)?;
            }
            Ok(())
        };
        match self {
            Error::Truncated => f.write_str("GTPv2-C message truncated"),
            Error::BadLength => f.write_str("GTPv2-C message length too small for its header"),
            Error::UnsupportedVersion(v) => write!(f, "GTP version {v} not supported"),
            Error::UnexpectedMessage(t) => write!(f, "unexpected GTPv2-C message type {t}"),
            Error::IeOverrun(r) => ie(f, "overlong", r),
            Error::MalformedIe(r) => ie(f, "malformed", r),
            Error::MissingIe(r) => ie(f, "missing", r),
            Error::BufferTooSmall => f.write_str("output buffer too small"),
            Error::Unencodable => f.write_str("value cannot be encoded in GTPv2-C"),
        }
    }
}

impl std::error::Error for Error {}
