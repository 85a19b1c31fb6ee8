//! Parse errors of the Diameter codecs, small and `Copy` (CONTRIBUTING.md §5), each mapped to the
//! Result-Code an answer must carry (RFC 6733 §7.1.5 permanent failures, §7.1.3 protocol errors)
//! and to the AVP a Failed-AVP (§7.5) should echo.

use std::fmt;

use super::codes::{avp, avp_flags, result};
use super::Avp;
use super::AvpIter;
use super::AvpKey;

/// Why a message or an AVP could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Fewer bytes than the 20-octet header, or than the header's message length.
    Truncated,
    /// Version other than 1 (5011 DIAMETER_UNSUPPORTED_VERSION).
    BadVersion(u8),
    /// Message length below 20 or not a multiple of 4 (5015 DIAMETER_INVALID_MESSAGE_LENGTH).
    BadMessageLength(u32),
    /// Header flags that contradict the command, e.g. E on a request (3008 DIAMETER_INVALID_HDR_BITS).
    InvalidHeaderBits,
    /// A command this codec did not expect: wrong code or wrong R bit (3001).
    UnexpectedCommand {
        /// Command code received.
        code: u32,
        /// Its R bit.
        request: bool,
    },
    /// An Application-ID this codec does not handle (3007 DIAMETER_APPLICATION_UNSUPPORTED).
    UnsupportedApplication(u32),
    /// An AVP whose length is below its header, runs past its container, or does not suit its
    /// type (5014 DIAMETER_INVALID_AVP_LENGTH). `code` is 0 when even the code was cut off.
    InvalidAvpLength {
        /// AVP code.
        code: u32,
        /// Offset of the AVP header in the message.
        offset: usize,
    },
    /// An AVP whose value is not allowed, e.g. invalid UTF-8 (5004 DIAMETER_INVALID_AVP_VALUE).
    InvalidAvpValue {
        /// AVP code.
        code: u32,
        /// Offset of the AVP header in the message.
        offset: usize,
    },
    /// An AVP the command does not know, with the M bit set (5001 DIAMETER_AVP_UNSUPPORTED).
    AvpUnsupported {
        /// AVP code.
        code: u32,
        /// Offset of the AVP header in the message.
        offset: usize,
    },
    /// A second copy of an AVP the command allows once (5009
    /// DIAMETER_AVP_OCCURS_TOO_MANY_TIMES); `offset` is the copy that was one too many.
    AvpOccursTooManyTimes {
        /// AVP code.
        code: u32,
        /// Offset of the AVP header in the message.
        offset: usize,
    },
    /// A required AVP is absent (5005 DIAMETER_MISSING_AVP).
    MissingAvp {
        /// AVP code.
        code: u32,
        /// Its vendor, 0 for none.
        vendor_id: u32,
    },
}

impl Error {
    /// The Result-Code an answer to the offending request should carry.
    pub fn result_code(&self) -> u32 {
        match self {
            Error::Truncated | Error::BadMessageLength(_) => result::INVALID_MESSAGE_LENGTH,
            Error::BadVersion(_) => result::UNSUPPORTED_VERSION,
            Error::InvalidHeaderBits => result::INVALID_HDR_BITS,
            Error::UnexpectedCommand { .. } => result::COMMAND_UNSUPPORTED,
            Error::UnsupportedApplication(_) => result::APPLICATION_UNSUPPORTED,
            Error::InvalidAvpLength { .. } => result::INVALID_AVP_LENGTH,
            Error::InvalidAvpValue { .. } => result::INVALID_AVP_VALUE,
            Error::AvpUnsupported { .. } => result::AVP_UNSUPPORTED,
            Error::AvpOccursTooManyTimes { .. } => result::AVP_OCCURS_TOO_MANY_TIMES,
            Error::MissingAvp { .. } => result::MISSING_AVP,
        }
    }

    /// Whether the answer is a protocol error (3xxx: E bit set, RFC 6733 §7.1.3).
    pub fn is_protocol_error(&self) -> bool {
        (3000..4000).contains(&self.result_code())
    }

    /// The offending AVP's code, when the error names one.
    pub fn avp_code(&self) -> Option<u32> {
        match *self {
            Error::InvalidAvpLength { code, .. }
            | Error::InvalidAvpValue { code, .. }
            | Error::AvpUnsupported { code, .. }
            | Error::AvpOccursTooManyTimes { code, .. }
            | Error::MissingAvp { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Offset of the offending AVP in the message, when it is present.
    pub fn avp_offset(&self) -> Option<usize> {
        match *self {
            Error::InvalidAvpLength { offset, .. }
            | Error::InvalidAvpValue { offset, .. }
            | Error::AvpUnsupported { offset, .. }
            | Error::AvpOccursTooManyTimes { offset, .. } => Some(offset),
            _ => None,
        }
    }

    /// Byte range of the offending AVP in `message` (header and data as far as the message
    /// holds them), when it is present.
    pub fn avp_range(&self, message: &[u8]) -> Option<std::ops::Range<usize>> {
        let offset = self.avp_offset()?;
        let declared = message
            .get(offset + 5..offset + 8)
            .map_or(0, |l| u32::from_be_bytes([0, l[0], l[1], l[2]]) as usize);
        Some(offset.min(message.len())..(offset + declared).min(message.len()))
    }

    /// What a Failed-AVP should contain for this error, given the message it came from (RFC
    /// 6733 §7.5): the AVP itself for a bad value, an unsupported AVP or the copy of an AVP
    /// that occurred too often, its header with a zero-filled payload for a bad length, and an
    /// example AVP with a zero-filled payload for a missing one.
    pub fn failed_avp<'a>(&self, message: &'a [u8]) -> Option<FailedAvp<'a>> {
        match *self {
            Error::InvalidAvpValue { offset, .. }
            | Error::AvpUnsupported { offset, .. }
            | Error::AvpOccursTooManyTimes { offset, .. } => {
                let a = AvpIter::with_base(message.get(offset..)?, offset)
                    .next()?
                    .ok()?;
                Some(FailedAvp::Raw(&message[a.range()]))
            }
            Error::InvalidAvpLength { code, offset } => {
                let flags = message
                    .get(offset + 4)
                    .copied()
                    .unwrap_or(avp_flags::MANDATORY);
                let vendor_id = if flags & avp_flags::VENDOR != 0 {
                    message
                        .get(offset + 8..offset + 12)
                        .map_or(0, |v| u32::from_be_bytes([v[0], v[1], v[2], v[3]]))
                } else {
                    0
                };
                Some(FailedAvp::Zeroed {
                    code,
                    vendor_id,
                    flags: flags & (avp_flags::MANDATORY | avp_flags::PROTECTED),
                    len: 4,
                })
            }
            Error::MissingAvp { code, vendor_id } => {
                let key = AvpKey::new(code, vendor_id);
                Some(FailedAvp::Zeroed {
                    code,
                    vendor_id,
                    flags: key.flags() & !avp_flags::VENDOR,
                    len: example_len(key),
                })
            }
            _ => None,
        }
    }
}

/// The data length of a missing AVP's example in a Failed-AVP: "the correct minimum length"
/// of its type (RFC 6733 §7.5): none for strings, identities and grouped AVPs, the fixed size
/// of the fixed-size octet strings of TS 29.272 §7.3, an Address's family and IPv4 address,
/// and 4 octets for the 32-bit types (and any AVP not listed here).
pub fn example_len(key: AvpKey) -> usize {
    const EMPTY: [AvpKey; 24] = [
        avp::SESSION_ID,
        avp::ORIGIN_HOST,
        avp::ORIGIN_REALM,
        avp::DESTINATION_HOST,
        avp::DESTINATION_REALM,
        avp::USER_NAME,
        avp::PRODUCT_NAME,
        avp::ERROR_MESSAGE,
        avp::SERVICE_SELECTION,
        avp::MSISDN,
        avp::XRES,
        avp::VENDOR_SPECIFIC_APPLICATION_ID,
        avp::EXPERIMENTAL_RESULT,
        avp::FAILED_AVP,
        avp::PROXY_INFO,
        avp::ROUTE_RECORD,
        avp::SUBSCRIPTION_DATA,
        avp::TERMINAL_INFORMATION,
        avp::REQUESTED_EUTRAN_AUTHENTICATION_INFO,
        avp::AUTHENTICATION_INFO,
        avp::E_UTRAN_VECTOR,
        avp::APN_CONFIGURATION_PROFILE,
        avp::APN_CONFIGURATION,
        avp::EPS_SUBSCRIBED_QOS_PROFILE,
    ];
    match key {
        k if EMPTY.contains(&k) => 0,
        avp::AMBR | avp::ALLOCATION_RETENTION_PRIORITY => 0,
        avp::VISITED_PLMN_ID => 3,
        avp::HOST_IP_ADDRESS => 6,
        avp::RAND | avp::AUTN => 16,
        avp::KASME => 32,
        _ => 4,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => write!(f, "truncated Diameter message"),
            Error::BadVersion(v) => write!(f, "unsupported Diameter version {v}"),
            Error::BadMessageLength(l) => write!(f, "invalid Diameter message length {l}"),
            Error::InvalidHeaderBits => write!(f, "invalid Diameter header bits"),
            Error::UnexpectedCommand { code, request } => {
                let kind = if *request { "request" } else { "answer" };
                write!(f, "unexpected command {code} ({kind})")
            }
            Error::UnsupportedApplication(id) => write!(f, "unsupported application {id}"),
            Error::InvalidAvpLength { code, offset } => {
                write!(f, "invalid length of AVP {code} at offset {offset}")
            }
            Error::InvalidAvpValue { code, offset } => {
                write!(f, "invalid value of AVP {code} at offset {offset}")
            }
            Error::AvpUnsupported { code, offset } => {
                write!(f, "unsupported mandatory AVP {code} at offset {offset}")
            }
            Error::AvpOccursTooManyTimes { code, offset } => {
                write!(f, "AVP {code} repeated at offset {offset}")
            }
            Error::MissingAvp { code, vendor_id } => {
                write!(f, "missing AVP {code} (vendor {vendor_id})")
            }
        }
    }
}

impl std::error::Error for Error {}

/// The contents of a Failed-AVP (RFC 6733 §7.5), for [`ErrorAnswer`](super::ErrorAnswer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedAvp<'a> {
    /// A complete AVP copied from the request (header and data, no padding).
    Raw(&'a [u8]),
    /// An AVP with this header and `len` zero octets of data.
    Zeroed {
        /// AVP code.
        code: u32,
        /// Vendor-Id, 0 for none (then V is clear).
        vendor_id: u32,
        /// Flags besides V.
        flags: u8,
        /// Data length.
        len: usize,
    },
}

impl<'a> FailedAvp<'a> {
    /// The failed AVP as a view, for a `Raw` one that is well formed.
    pub fn as_avp(&self) -> Option<Avp<'a>> {
        match self {
            FailedAvp::Raw(b) => AvpIter::new(b).next()?.ok(),
            FailedAvp::Zeroed { .. } => None,
        }
    }
}
