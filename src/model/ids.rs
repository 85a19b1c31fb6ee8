//! Subscriber and network identities (3GPP TS 23.003): IMSI (§2.1), MSISDN (§3.3), IMEI (§6.2),
//! PLMN identity (MCC/MNC, §2.2) with its 3-octet TBCD form, and the EPC host and realm names of
//! §19.2 / §19.4.2.4 (`epc.mncXXX.mccYYY.3gppnetwork.org`).
//!
//! Digit strings are kept as a `u64` value plus a digit count, so a leading zero survives and a
//! store of millions of identities stays small.

use std::fmt;
use std::str::FromStr;

/// Error from parsing an identity; the message names what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not a string of decimal digits of an allowed length.
    #[error("invalid {kind} `{text}`: expected {expected}")]
    Digits {
        /// Which identity was being parsed (`IMSI`, `MSISDN`, ...).
        kind: &'static str,
        /// The offending text.
        text: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// Not a `MCC-MNC` pair such as `208-01` or `310-410`.
    #[error(
        "invalid PLMN `{0}`: expected MCC-MNC with 3 + 2 or 3 digits, e.g. `208-01` or `310-410`"
    )]
    Plmn(String),
    /// Not a valid 3-octet TBCD PLMN identity.
    #[error("invalid TBCD PLMN identity {0:02x?}")]
    PlmnTbcd([u8; 3]),
}

/// Parses `text` as 1..=`max` decimal digits.
fn parse_digits(text: &str, min: u8, max: u8) -> Option<(u64, u8)> {
    let t = text.trim();
    if t.len() < min as usize || t.len() > max as usize || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((t.parse().ok()?, t.len() as u8))
}

fn pow10(n: u8) -> u64 {
    10u64.pow(n as u32)
}

/// Writes `value` as `digits` decimal digits (zero-padded) in TBCD, filler `F` in the last high
/// nibble when the count is odd (TS 29.274 §8.3, TS 29.272 MSISDN). Returns the octet count.
fn write_tbcd(value: u64, digits: u8, out: &mut [u8]) -> usize {
    let n = digits.div_ceil(2) as usize;
    for (i, octet) in out[..n].iter_mut().enumerate() {
        let d = |pos: u8| -> u8 {
            if pos >= digits {
                0xf
            } else {
                ((value / pow10(digits - 1 - pos)) % 10) as u8
            }
        };
        let lo = d(2 * i as u8);
        let hi = d(2 * i as u8 + 1);
        *octet = (hi << 4) | lo;
    }
    n
}

/// Reads TBCD octets (stopping at a filler `F`) into a value and digit count.
fn read_tbcd(octets: &[u8], max: u8) -> Option<(u64, u8)> {
    let mut value = 0u64;
    let mut digits = 0u8;
    for (i, &o) in octets.iter().enumerate() {
        for (j, nib) in [o & 0xf, o >> 4].into_iter().enumerate() {
            if nib == 0xf && (i + 1 == octets.len()) && j == 1 {
                return Some((value, digits));
            }
            if nib > 9 || digits >= max {
                return None;
            }
            value = value * 10 + nib as u64;
            digits += 1;
        }
    }
    Some((value, digits))
}

macro_rules! digit_identity {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $min:literal, $max:literal, $expected:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            value: u64,
            digits: u8,
        }

        impl $name {
            /// Smallest accepted digit count.
            pub const MIN_DIGITS: u8 = $min;
            /// Largest accepted digit count.
            pub const MAX_DIGITS: u8 = $max;

            /// Builds from a numeric value and its digit count (leading zeros count as digits).
            pub fn new(value: u64, digits: u8) -> Option<Self> {
                if !($min..=$max).contains(&digits) || value >= pow10(digits) {
                    return None;
                }
                Some($name { value, digits })
            }

            /// The digits as a number.
            pub fn value(self) -> u64 {
                self.value
            }

            /// How many digits (leading zeros included).
            pub fn digits(self) -> u8 {
                self.digits
            }

            /// The identity `offset` further on with the same digit count, if it still fits.
            pub fn checked_add(self, offset: u64) -> Option<Self> {
                Self::new(self.value.checked_add(offset)?, self.digits)
            }

            /// TBCD encoding (filler `F` when the digit count is odd) into `out`, which must
            /// hold at least 8 octets; returns the octet count.
            pub fn write_tbcd(self, out: &mut [u8]) -> usize {
                write_tbcd(self.value, self.digits, out)
            }

            /// TBCD encoding as a fixed buffer and its length.
            pub fn to_tbcd(self) -> ([u8; 8], usize) {
                let mut buf = [0u8; 8];
                let n = self.write_tbcd(&mut buf);
                (buf, n)
            }

            /// Decodes the TBCD form.
            pub fn from_tbcd(octets: &[u8]) -> Option<Self> {
                let (value, digits) = read_tbcd(octets, $max)?;
                Self::new(value, digits)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                parse_digits(text, $min, $max)
                    .map(|(value, digits)| $name { value, digits })
                    .ok_or_else(|| IdError::Digits {
                        kind: $kind,
                        text: text.to_string(),
                        expected: $expected,
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:0width$}", self.value, width = self.digits as usize)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            /// Accepts a string of digits or, for convenience, a TOML integer.
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expected)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_str(&v.to_string())
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

digit_identity!(
    /// International Mobile Subscriber Identity (TS 23.003 §2.1): MCC ‖ MNC ‖ MSIN, at most 15
    /// digits (6 accepted as a floor so that test identities stay parseable).
    Imsi,
    "IMSI",
    6,
    15,
    "an IMSI of up to 15 digits, e.g. `310410000100000`"
);

digit_identity!(
    /// MSISDN in international format without `+` (TS 23.003 §3.3), at most 15 digits.
    Msisdn,
    "MSISDN",
    1,
    15,
    "an MSISDN of up to 15 digits in international format, e.g. `15550000000`"
);

digit_identity!(
    /// IMEI (14 digits without check digit, 15 with) or IMEISV (16 digits), TS 23.003 §6.2.
    Imei,
    "IMEI",
    14,
    16,
    "an IMEI of 14 to 16 digits"
);

impl Imsi {
    /// The IMSI of MSIN `msin` (written with `msin_digits` digits) in `plmn`.
    pub fn from_parts(plmn: Plmn, msin: u64, msin_digits: u8) -> Option<Imsi> {
        let digits = 3 + plmn.mnc_digits() + msin_digits;
        if msin >= pow10(msin_digits) {
            return None;
        }
        Imsi::new(plmn.digits_value() * pow10(msin_digits) + msin, digits)
    }

    /// The 15-digit IMSI of MSIN `msin` in `plmn` (10 or 9 MSIN digits).
    pub fn from_plmn_msin(plmn: Plmn, msin: u64) -> Option<Imsi> {
        Imsi::from_parts(plmn, msin, 15 - 3 - plmn.mnc_digits())
    }

    /// True when the IMSI begins with the MCC and MNC digits of `plmn`.
    pub fn belongs_to(self, plmn: Plmn) -> bool {
        let prefix = 3 + plmn.mnc_digits();
        self.digits > prefix && self.value / pow10(self.digits - prefix) == plmn.digits_value()
    }

    /// The IMSI as 15 (or fewer) ASCII digits, without allocation.
    pub fn ascii(self) -> ([u8; 16], usize) {
        let mut buf = [0u8; 16];
        let n = self.digits as usize;
        let mut v = self.value;
        for i in (0..n).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        (buf, n)
    }
}

/// A PLMN identity: MCC (3 digits) and MNC (2 or 3 digits; `01` and `001` are different PLMNs).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Plmn {
    mcc: u16,
    mnc: u16,
    mnc_digits: u8,
}

impl Plmn {
    /// Builds from MCC (0..=999), MNC and its digit count (2 or 3).
    pub fn new(mcc: u16, mnc: u16, mnc_digits: u8) -> Option<Plmn> {
        let ok = mcc <= 999 && matches!((mnc_digits, mnc), (2, 0..=99) | (3, 0..=999));
        ok.then_some(Plmn {
            mcc,
            mnc,
            mnc_digits,
        })
    }

    /// Mobile Country Code.
    pub fn mcc(self) -> u16 {
        self.mcc
    }

    /// Mobile Network Code.
    pub fn mnc(self) -> u16 {
        self.mnc
    }

    /// 2 or 3.
    pub fn mnc_digits(self) -> u8 {
        self.mnc_digits
    }

    /// MCC ‖ MNC as one number (`310410`, `20801`): the IMSI prefix.
    pub fn digits_value(self) -> u64 {
        self.mcc as u64 * pow10(self.mnc_digits) + self.mnc as u64
    }

    /// The 3-octet TBCD form of TS 24.008 §10.5.1.3, used by the S6a Visited-PLMN-Id AVP, the
    /// KASME SN id and the GTPv2-C Serving Network IE: `208-01` → `02 f8 10`, `310-410` →
    /// `13 00 14`.
    pub fn to_tbcd(self) -> [u8; 3] {
        let m = |v: u16, i: u32| ((v / 10u16.pow(i)) % 10) as u8;
        let (mcc1, mcc2, mcc3) = (m(self.mcc, 2), m(self.mcc, 1), m(self.mcc, 0));
        let (mnc1, mnc2, mnc3) = if self.mnc_digits == 3 {
            (m(self.mnc, 2), m(self.mnc, 1), m(self.mnc, 0))
        } else {
            (m(self.mnc, 1), m(self.mnc, 0), 0xf)
        };
        [mcc2 << 4 | mcc1, mnc3 << 4 | mcc3, mnc2 << 4 | mnc1]
    }

    /// Decodes the 3-octet TBCD form.
    pub fn from_tbcd(octets: [u8; 3]) -> Result<Plmn, IdError> {
        let err = || IdError::PlmnTbcd(octets);
        let nib = |o: u8, hi: bool| if hi { o >> 4 } else { o & 0xf };
        let mcc_d = [
            nib(octets[0], false),
            nib(octets[0], true),
            nib(octets[1], false),
        ];
        let mnc3 = nib(octets[1], true);
        let mnc_d = [nib(octets[2], false), nib(octets[2], true)];
        if mcc_d.iter().chain(&mnc_d).any(|&d| d > 9) || (mnc3 > 9 && mnc3 != 0xf) {
            return Err(err());
        }
        let mcc = mcc_d.iter().fold(0u16, |a, &d| a * 10 + d as u16);
        let mnc2 = mnc_d[0] as u16 * 10 + mnc_d[1] as u16;
        if mnc3 == 0xf {
            Plmn::new(mcc, mnc2, 2).ok_or_else(err)
        } else {
            Plmn::new(mcc, mnc2 * 10 + mnc3 as u16, 3).ok_or_else(err)
        }
    }

    /// The EPC realm of TS 23.003 §19.4.2.3: `epc.mnc001.mcc208.3gppnetwork.org` (the MNC is
    /// always written with 3 digits).
    pub fn epc_realm(self) -> String {
        format!("epc.mnc{:03}.mcc{:03}.3gppnetwork.org", self.mnc, self.mcc)
    }

    /// A host in the EPC realm: `host("hss")` → `hss.epc.mnc410.mcc310.3gppnetwork.org`.
    pub fn epc_host(self, label: &str) -> String {
        format!("{label}.{}", self.epc_realm())
    }

    /// The HSS's Diameter identity in this PLMN, `hss.epc.mncXXX.mccYYY.3gppnetwork.org`.
    pub fn hss_host(self) -> String {
        self.epc_host("hss")
    }

    /// The Diameter identity of MME number `n`, `mme<n>.epc.mncXXX.mccYYY.3gppnetwork.org` (the
    /// form of the reference capture).
    pub fn mme_host(self, n: u32) -> String {
        self.epc_host(&format!("mme{n}"))
    }
}

impl FromStr for Plmn {
    type Err = IdError;
    /// Parses `MCC-MNC`: `208-01`, `310-410`.
    fn from_str(text: &str) -> Result<Plmn, IdError> {
        let err = || IdError::Plmn(text.to_string());
        let (mcc, mnc) = text.trim().split_once('-').ok_or_else(err)?;
        let (mcc, 3) = parse_digits(mcc, 3, 3).ok_or_else(err)? else {
            return Err(err());
        };
        let (mnc, mnc_digits) = parse_digits(mnc, 2, 3).ok_or_else(err)?;
        Plmn::new(mcc as u16, mnc as u16, mnc_digits).ok_or_else(err)
    }
}

impl fmt::Display for Plmn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:03}-{:0w$}",
            self.mcc,
            self.mnc,
            w = self.mnc_digits as usize
        )
    }
}

impl fmt::Debug for Plmn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plmn({self})")
    }
}

impl<'de> serde::Deserialize<'de> for Plmn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Plmn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests;
