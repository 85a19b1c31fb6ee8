//! The AVP rules of a command's ABNF that a receiver enforces before it reads values (RFC 6733
//! §3.2 CCF, §4.1 the M bit): which top-level AVPs the command knows, and which of them may
//! occur once only. An AVP the command does not know that carries the M bit is answered 5001
//! DIAMETER_AVP_UNSUPPORTED (§7.1.5), a second copy of a single-occurrence AVP 5009
//! DIAMETER_AVP_OCCURS_TOO_MANY_TIMES; both name the offending AVP, copied whole, in the
//! Failed-AVP (§7.5, built by [`Error::failed_avp`]). AVPs without the M bit that the command
//! does not know are ignored, as `*[ AVP ]` allows. Missing AVPs (5005) are found by each
//! `Repr`'s `parse`, which knows which of them it needs.
//!
//! Checking walks the AVPs once and allocates nothing: the single-occurrence AVPs seen are bits
//! of one `u64`, so a table holds at most 64 rules.

use super::avp::AvpKey;
use super::codes::avp;
use super::{AvpIter, Error};

/// How often an AVP may occur in a command (`[ X ]`, `{ X }`, `< X >` once; `*[ X ]` any number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occurs {
    /// At most once.
    One,
    /// Any number of times.
    Many,
}

/// One AVP of a command's ABNF.
pub type Rule = (AvpKey, Occurs);

/// The AVPs a command knows at the top level.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// This command's own AVPs.
    pub own: &'static [Rule],
    /// AVPs shared with other commands (e.g. [`S6A_REQUEST_COMMON`]).
    pub shared: &'static [Rule],
}

impl Rules {
    fn find(&self, key: AvpKey) -> Option<(usize, Occurs)> {
        let at = |t: &[Rule]| t.iter().position(|r| r.0 == key);
        if let Some(i) = at(self.own) {
            return Some((i, self.own[i].1));
        }
        at(self.shared).map(|i| (self.own.len() + i, self.shared[i].1))
    }

    /// Checks the top-level AVPs of a request against the rules: the first unknown AVP with
    /// the M bit is [`Error::AvpUnsupported`], the first repeat of a single-occurrence AVP is
    /// [`Error::AvpOccursTooManyTimes`]; an AVP that does not frame is its length error.
    pub fn check(&self, avps: AvpIter<'_>) -> Result<(), Error> {
        debug_assert!(self.own.len() + self.shared.len() <= 64);
        let mut seen = 0u64;
        for a in avps {
            let a = a?;
            match self.find(a.key()) {
                None if a.is_mandatory() => {
                    return Err(Error::AvpUnsupported {
                        code: a.code(),
                        offset: a.offset(),
                    })
                }
                None | Some((_, Occurs::Many)) => {}
                Some((i, Occurs::One)) => {
                    let bit = 1u64 << (i % 64);
                    if seen & bit != 0 {
                        return Err(Error::AvpOccursTooManyTimes {
                            code: a.code(),
                            offset: a.offset(),
                        });
                    }
                    seen |= bit;
                }
            }
        }
        Ok(())
    }
}

use Occurs::{Many, One};

/// DRMP (301, RFC 7944), in every S6a command's ABNF.
const DRMP: AvpKey = AvpKey::new(301, 0);
/// OC-Supported-Features (621, RFC 7683).
const OC_SUPPORTED_FEATURES: AvpKey = AvpKey::new(621, 0);

/// What every S6a request carries besides its own AVPs (TS 29.272 §7.2): the session and
/// routing AVPs, DRMP, OC-Supported-Features, Supported-Features and the relay AVPs.
pub const S6A_REQUEST_COMMON: &[Rule] = &[
    (avp::SESSION_ID, One),
    (DRMP, One),
    (avp::VENDOR_SPECIFIC_APPLICATION_ID, One),
    (avp::AUTH_SESSION_STATE, One),
    (avp::ORIGIN_HOST, One),
    (avp::ORIGIN_REALM, One),
    (avp::DESTINATION_HOST, One),
    (avp::DESTINATION_REALM, One),
    (OC_SUPPORTED_FEATURES, One),
    (avp::SUPPORTED_FEATURES, Many),
    (avp::PROXY_INFO, Many),
    (avp::ROUTE_RECORD, Many),
];

/// The AVPs of CER (RFC 6733 §5.3.1).
pub const CER: Rules = Rules {
    own: &[
        (avp::HOST_IP_ADDRESS, Many),
        (avp::VENDOR_ID, One),
        (avp::PRODUCT_NAME, One),
        (avp::ORIGIN_STATE_ID, One),
        (avp::SUPPORTED_VENDOR_ID, Many),
        (avp::AUTH_APPLICATION_ID, Many),
        (avp::INBAND_SECURITY_ID, Many),
        (avp::ACCT_APPLICATION_ID, Many),
        (avp::VENDOR_SPECIFIC_APPLICATION_ID, Many),
        (avp::FIRMWARE_REVISION, One),
    ],
    shared: ORIGIN,
};

/// The AVPs of DWR (RFC 6733 §5.5.1).
pub const DWR: Rules = Rules {
    own: &[(avp::ORIGIN_STATE_ID, One)],
    shared: ORIGIN,
};

/// The AVPs of DPR (RFC 6733 §5.4.1).
pub const DPR: Rules = Rules {
    own: &[(avp::DISCONNECT_CAUSE, One)],
    shared: ORIGIN,
};

/// Origin-Host and Origin-Realm, the whole identity of a base peer message.
const ORIGIN: &[Rule] = &[(avp::ORIGIN_HOST, One), (avp::ORIGIN_REALM, One)];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::diameter::codes::avp_flags;
    use crate::wire::diameter::{FailedAvp, Packet, Writer};

    const RULES: Rules = Rules {
        own: &[(avp::USER_NAME, One), (avp::ROUTE_RECORD, Many)],
        shared: ORIGIN,
    };

    fn message(f: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
        let mut buf = vec![0u8; 512];
        let mut w = Writer::new(&mut buf);
        w.header(0x80, 280, 0, Default::default());
        f(&mut w);
        let n = w.finish();
        buf.truncate(n);
        buf
    }

    fn check(msg: &[u8]) -> Result<(), Error> {
        RULES.check(Packet::new_checked(msg).unwrap().avps_ref())
    }

    #[test]
    fn known_avps_repeatable_ones_and_unknown_optional_ones_pass() {
        let m = message(|w| {
            w.avp_str(avp::ORIGIN_HOST, "a");
            w.avp_str(avp::ROUTE_RECORD, "r1");
            w.avp_str(avp::ROUTE_RECORD, "r2");
            w.avp_zeroed(9999, 0, 0, 4);
            w.avp_str(avp::USER_NAME, "u");
        });
        assert_eq!(check(&m), Ok(()));
    }

    #[test]
    fn an_unknown_mandatory_avp_is_5001_and_named_whole() {
        let m = message(|w| {
            w.avp_str(avp::ORIGIN_HOST, "a");
            w.avp_zeroed(9999, avp_flags::VENDOR | avp_flags::MANDATORY, 10415, 6);
        });
        let e = check(&m).unwrap_err();
        assert_eq!(
            e,
            Error::AvpUnsupported {
                code: 9999,
                offset: 32
            }
        );
        assert_eq!(e.result_code(), 5001);
        // The whole AVP, vendor and data included, without the padding.
        assert_eq!(e.failed_avp(&m), Some(FailedAvp::Raw(&m[32..50])));
    }

    #[test]
    fn a_second_single_avp_is_5009_and_the_failed_avp_is_the_repeat() {
        let m = message(|w| {
            w.avp_str(avp::USER_NAME, "first");
            w.avp_str(avp::ORIGIN_HOST, "a");
            w.avp_str(avp::USER_NAME, "again");
        });
        let e = check(&m).unwrap_err();
        assert_eq!(e.result_code(), 5009);
        let Some(FailedAvp::Raw(b)) = e.failed_avp(&m) else {
            panic!("{e:?}")
        };
        assert_eq!(&b[8..], b"again");
    }
}
