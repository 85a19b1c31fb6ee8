//! MAP (TS 29.002, v15 and later ASN.1), the operations a home HLR and visited VLR/SGSN exchange for
//! roaming on 2G/3G: sendAuthenticationInfo (56), updateLocation (2), insertSubscriberData (7),
//! cancelLocation (3), updateGprsLocation (23) and purgeMS (67), with the errors
//! unknownSubscriber (1), roamingNotAllowed (8), systemFailure (34) and dataMissing (35), and
//! the application context names of §17.3.2 that go with them.
//!
//! Each argument, result and error parameter is a type implementing [`Param`]: `write` puts its
//! BER encoding (the module is `IMPLICIT TAGS`, so `[n]` replaces a field's tag) through the
//! crate's backwards writer, `parse` reads the complete encoding a TCAP component carries. Only
//! the fields these operations need are modelled; unknown fields, extension containers and
//! anything after the extension markers are skipped on decode, as §17.1.2 allows.

mod auth;
mod ops;
#[cfg(test)]
mod tests;

pub use auth::{AuthSets, NodeType, Quintuplet, SaiArg, SaiRes, Triplet};
pub use ops::{
    CancellationType, ClArg, Empty, IsdArg, NetworkAccessMode, PdpContext, PurgeArg, PurgeRes,
    RoamingNotAllowedParam, SystemFailureParam, UglArg, UglRes, UlArg, UlRes,
    UnknownSubscriberParam,
};

use crate::model::ids::{Imsi, Msisdn};
use crate::wire::ber::{self, RevWriter, Tag, Tlv, TlvIter};
use crate::wire::tcap::Acn;

/// Local operation codes (TS 29.002 §17.5).
pub mod op {
    /// updateLocation.
    pub const UPDATE_LOCATION: u8 = 2;
    /// cancelLocation.
    pub const CANCEL_LOCATION: u8 = 3;
    /// insertSubscriberData.
    pub const INSERT_SUBSCRIBER_DATA: u8 = 7;
    /// updateGprsLocation.
    pub const UPDATE_GPRS_LOCATION: u8 = 23;
    /// sendAuthenticationInfo.
    pub const SEND_AUTHENTICATION_INFO: u8 = 56;
    /// purgeMS.
    pub const PURGE_MS: u8 = 67;
}

/// Local error codes (TS 29.002 §17.6.6).
pub mod err {
    /// unknownSubscriber.
    pub const UNKNOWN_SUBSCRIBER: u8 = 1;
    /// roamingNotAllowed.
    pub const ROAMING_NOT_ALLOWED: u8 = 8;
    /// systemFailure.
    pub const SYSTEM_FAILURE: u8 = 34;
    /// dataMissing.
    pub const DATA_MISSING: u8 = 35;
    /// unexpectedDataValue.
    pub const UNEXPECTED_DATA_VALUE: u8 = 36;
}

/// Application contexts (TS 29.002 §17.3.2): the `X` of `0.4.0.0.1.0.X.V`.
pub mod context {
    /// networkLocUpContext (updateLocation, with insertSubscriberData inside).
    pub const NETWORK_LOC_UP: u8 = 1;
    /// locationCancellationContext.
    pub const LOCATION_CANCELLATION: u8 = 2;
    /// infoRetrievalContext (sendAuthenticationInfo).
    pub const INFO_RETRIEVAL: u8 = 14;
    /// subscriberDataMngtContext (a standalone insertSubscriberData).
    pub const SUBSCRIBER_DATA_MNGT: u8 = 16;
    /// msPurgingContext.
    pub const MS_PURGING: u8 = 27;
    /// gprsLocationUpdateContext.
    pub const GPRS_LOCATION_UPDATE: u8 = 32;
}

/// The application context a dialogue opened by `opcode` uses, in `version`.
pub fn acn_for(opcode: u8, version: u8) -> Option<Acn> {
    let context = match opcode {
        op::UPDATE_LOCATION => context::NETWORK_LOC_UP,
        op::CANCEL_LOCATION => context::LOCATION_CANCELLATION,
        op::INSERT_SUBSCRIBER_DATA => context::SUBSCRIBER_DATA_MNGT,
        op::UPDATE_GPRS_LOCATION => context::GPRS_LOCATION_UPDATE,
        op::SEND_AUTHENTICATION_INFO => context::INFO_RETRIEVAL,
        op::PURGE_MS => context::MS_PURGING,
        _ => return None,
    };
    Some(Acn { context, version })
}

/// Whether `opcode` may be invoked in a dialogue of application context `acn` (an
/// insertSubscriberData also runs inside the location updating contexts, §19.1).
pub fn fits(opcode: u8, acn: Acn) -> bool {
    acn_for(opcode, acn.version) == Some(acn)
        || (opcode == op::INSERT_SUBSCRIBER_DATA
            && matches!(
                acn.context,
                context::NETWORK_LOC_UP | context::GPRS_LOCATION_UPDATE
            ))
}

/// A short name for counters and logs (`map.sai`, ...).
pub fn op_name(opcode: u8) -> &'static str {
    match opcode {
        op::UPDATE_LOCATION => "ul",
        op::CANCEL_LOCATION => "cl",
        op::INSERT_SUBSCRIBER_DATA => "isd",
        op::UPDATE_GPRS_LOCATION => "ugl",
        op::SEND_AUTHENTICATION_INFO => "sai",
        op::PURGE_MS => "purge",
        _ => "other",
    }
}

/// Why a parameter does not decode, or could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The BER underneath does not parse; the field names where.
    #[error("MAP {field}: {ber}")]
    Ber {
        /// Field being read.
        field: &'static str,
        /// The BER error.
        ber: ber::Error,
    },
    /// A mandatory field is absent or has the wrong form or size.
    #[error("MAP {0} missing or malformed")]
    Field(&'static str),
    /// The output buffer is smaller than `buffer_len()`.
    #[error("output buffer too small")]
    BufferTooSmall,
}

fn ber_err(field: &'static str) -> impl Fn(ber::Error) -> Error {
    move |ber| Error::Ber { field, ber }
}

/// An operation argument, result or error parameter.
pub trait Param<'a>: Sized {
    /// Writes the complete encoding (backwards, as [`RevWriter`] does).
    fn write(&self, w: &mut RevWriter<'_>);

    /// Reads the complete encoding `b` (one value: identifier, length, contents).
    fn parse(b: &'a [u8]) -> Result<Self, Error>;

    /// Bytes [`emit`](Param::emit) writes.
    fn buffer_len(&self) -> usize {
        let mut w = RevWriter::measuring();
        self.write(&mut w);
        w.mark()
    }

    /// Writes the encoding at the start of `buf`; returns its length.
    fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = self.buffer_len();
        let out = buf.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        let mut w = RevWriter::new(out);
        self.write(&mut w);
        w.finish().map_err(|_| Error::BufferTooSmall)
    }
}

pub(crate) use crate::wire::tcap::{INTEGER, NULL, OCTETS};

/// The fields of the single value in `b`, which must have tag `tag`.
pub(crate) fn fields<'a>(b: &'a [u8], tag: Tag, what: &'static str) -> Result<TlvIter<'a>, Error> {
    let (t, rest) = Tlv::parse(b).map_err(ber_err(what))?;
    if t.tag != tag || !rest.is_empty() {
        return Err(Error::Field(what));
    }
    Ok(t.children())
}

/// Each field of a SEQUENCE, with the BER error named.
pub(crate) fn each<'a>(
    it: TlvIter<'a>,
    what: &'static str,
) -> impl Iterator<Item = Result<Tlv<'a>, Error>> {
    it.map(move |t| t.map_err(ber_err(what)))
}

pub(crate) fn imsi_of(t: &Tlv<'_>) -> Result<Imsi, Error> {
    Imsi::from_tbcd(t.value).ok_or(Error::Field("imsi"))
}

pub(crate) fn write_imsi(w: &mut RevWriter<'_>, tag: Tag, imsi: Imsi) {
    let (b, n) = imsi.to_tbcd();
    w.octets(tag, &b[..n]);
}

/// ISDN-AddressString (TS 29.002 §17.7.8): 0x91 (international number, E.164), then TBCD.
pub(crate) fn write_isdn(w: &mut RevWriter<'_>, tag: Tag, number: Msisdn) {
    let start = w.mark();
    let (b, n) = number.to_tbcd();
    w.bytes(&b[..n]);
    w.byte(0x91);
    w.header(tag, start);
}

pub(crate) fn isdn_of(t: &Tlv<'_>, field: &'static str) -> Result<Msisdn, Error> {
    match t.value.split_first() {
        Some((_, digits)) if !digits.is_empty() => {
            Msisdn::from_tbcd(digits).ok_or(Error::Field(field))
        }
        _ => Err(Error::Field(field)),
    }
}

pub(crate) fn small_of(t: &Tlv<'_>, field: &'static str) -> Result<u8, Error> {
    t.as_u32()
        .ok()
        .and_then(|v| u8::try_from(v).ok())
        .ok_or(Error::Field(field))
}

pub(crate) fn array_of<const N: usize>(t: &Tlv<'_>, field: &'static str) -> Result<[u8; N], Error> {
    t.value.try_into().map_err(|_| Error::Field(field))
}
