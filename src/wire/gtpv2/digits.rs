//! Digit and name encodings inside IEs: TBCD digit strings for IMSI (§8.3), MEI (§8.10) and
//! MSISDN (§8.11) after TS 29.002; the 3-octet PLMN identity (MCC/MNC) of Serving Network
//! (§8.18) and ULI (§8.21) after TS 24.008 §10.5.1.3; and the APN as DNS labels (§8.6, TS 23.003
//! §9.1). Views borrow the received bytes; the `*Buf` types own a fixed-size stack buffer for
//! values the caller builds.

use core::fmt;

use super::ie::IeValue;
use super::Error;

/// Most TBCD octets roamsim accepts: 16 digits (IMEISV), enough for IMSI and MSISDN (15).
pub const MAX_TBCD_OCTETS: usize = 8;
/// Longest APN in octets (TS 23.003 §9.1).
pub const MAX_APN_LEN: usize = 100;

/// TBCD digits as received: two digits an octet, low nibble first, `0xF` filler in the last high
/// nibble for an odd count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tbcd<'a>(&'a [u8]);

impl<'a> Tbcd<'a> {
    /// Validates `bytes`: 1..=8 octets, decimal digits only, filler only in the last nibble.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        if bytes.is_empty() || bytes.len() > MAX_TBCD_OCTETS {
            return None;
        }
        let last = bytes.len() - 1;
        let ok = bytes.iter().enumerate().all(|(i, b)| {
            let (lo, hi) = (b & 0x0f, b >> 4);
            lo <= 9 && (hi <= 9 || (hi == 0x0f && i == last))
        });
        ok.then_some(Self(bytes))
    }

    /// The raw octets.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The digits, 0..=9 each.
    pub fn digits(&self) -> TbcdDigits<'a> {
        TbcdDigits {
            bytes: self.0,
            at: 0,
        }
    }

    /// Number of digits.
    pub fn len(&self) -> usize {
        self.digits().count()
    }

    /// Always false: a parsed TBCD string has at least one digit.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The digits as a number (at most 16 digits, so it always fits).
    pub fn to_u64(&self) -> u64 {
        self.digits().fold(0, |n, d| n * 10 + u64::from(d))
    }

    /// The digits as ASCII in `buf`, as a `&str` (no allocation).
    pub fn to_str<'b>(&self, buf: &'b mut [u8; 2 * MAX_TBCD_OCTETS]) -> &'b str {
        let mut n = 0;
        for d in self.digits() {
            buf[n] = b'0' + d;
            n += 1;
        }
        core::str::from_utf8(&buf[..n]).unwrap_or_default()
    }

    /// Whether the digits spell `digits` (ASCII decimal).
    pub fn eq_str(&self, digits: &str) -> bool {
        self.digits().map(|d| b'0' + d).eq(digits.bytes())
    }
}

impl fmt::Display for Tbcd<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0; 2 * MAX_TBCD_OCTETS];
        f.write_str(self.to_str(&mut buf))
    }
}

impl IeValue for Tbcd<'_> {
    fn value_len(&self) -> usize {
        self.0.len()
    }
    fn emit_value(&self, out: &mut [u8]) {
        out.copy_from_slice(self.0);
    }
}

/// Iterator over the digits of a [`Tbcd`].
#[derive(Clone, Debug)]
pub struct TbcdDigits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Iterator for TbcdDigits<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at / 2)?;
        let d = if self.at % 2 == 0 { b & 0x0f } else { b >> 4 };
        self.at += 1;
        (d <= 9).then_some(d)
    }
}

/// TBCD digits built from a decimal string, on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TbcdBuf {
    bytes: [u8; MAX_TBCD_OCTETS],
    len: u8,
}

impl TbcdBuf {
    /// Encodes 1..=16 ASCII decimal digits.
    pub fn from_digits(digits: &str) -> Result<Self, Error> {
        let d = digits.as_bytes();
        if d.is_empty() || d.len() > 2 * MAX_TBCD_OCTETS || !d.iter().all(u8::is_ascii_digit) {
            return Err(Error::Unencodable);
        }
        let mut bytes = [0; MAX_TBCD_OCTETS];
        for (i, pair) in d.chunks(2).enumerate() {
            let lo = pair[0] - b'0';
            let hi = pair.get(1).map_or(0x0f, |c| c - b'0');
            bytes[i] = hi << 4 | lo;
        }
        Ok(Self {
            bytes,
            len: d.len().div_ceil(2) as u8,
        })
    }

    /// Encodes `value` as exactly `digits` decimal digits (leading zeros kept), 1..=16.
    pub fn from_u64(value: u64, digits: usize) -> Result<Self, Error> {
        let mut ascii = [b'0'; 2 * MAX_TBCD_OCTETS];
        let out = ascii.get_mut(..digits).ok_or(Error::Unencodable)?;
        let mut v = value;
        for c in out.iter_mut().rev() {
            *c = b'0' + (v % 10) as u8;
            v /= 10;
        }
        if v != 0 {
            return Err(Error::Unencodable);
        }
        Self::from_digits(core::str::from_utf8(out).map_err(|_| Error::Unencodable)?)
    }

    /// The encoded digits as a view.
    pub fn as_tbcd(&self) -> Tbcd<'_> {
        Tbcd(&self.bytes[..usize::from(self.len)])
    }
}

/// A PLMN identity: MCC and a 2- or 3-digit MNC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Plmn {
    mcc: u16,
    mnc: u16,
    mnc_len: u8,
}

impl Plmn {
    /// MCC 0..=999 and an MNC of `mnc_len` (2 or 3) digits.
    pub fn new(mcc: u16, mnc: u16, mnc_len: u8) -> Result<Self, Error> {
        let mnc_max = match mnc_len {
            2 => 99,
            3 => 999,
            _ => return Err(Error::Unencodable),
        };
        if mcc > 999 || mnc > mnc_max {
            return Err(Error::Unencodable);
        }
        Ok(Self { mcc, mnc, mnc_len })
    }

    /// Mobile Country Code.
    pub fn mcc(&self) -> u16 {
        self.mcc
    }

    /// Mobile Network Code.
    pub fn mnc(&self) -> u16 {
        self.mnc
    }

    /// Digits of the MNC: 2 or 3.
    pub fn mnc_len(&self) -> u8 {
        self.mnc_len
    }

    /// Decodes the 3 octets (MCC2 MCC1, MNC3 MCC3, MNC2 MNC1; MNC3 = F for a 2-digit MNC).
    pub fn parse(b: &[u8]) -> Option<Self> {
        let b: &[u8; 3] = b.get(..3)?.try_into().ok()?;
        let nib = [
            b[0] & 15,
            b[0] >> 4,
            b[1] & 15,
            b[1] >> 4,
            b[2] & 15,
            b[2] >> 4,
        ];
        let [m1, m2, m3, n3, n1, n2] = nib.map(u16::from);
        if [m1, m2, m3, n1, n2].iter().any(|&d| d > 9) {
            return None;
        }
        let mcc = m1 * 100 + m2 * 10 + m3;
        match n3 {
            0x0f => Some(Self::new(mcc, n1 * 10 + n2, 2).ok()?),
            0..=9 => Some(Self::new(mcc, n1 * 100 + n2 * 10 + n3, 3).ok()?),
            _ => None,
        }
    }

    /// The 3-octet encoding.
    pub fn to_bytes(&self) -> [u8; 3] {
        let d = |v: u16, p: u16| (v / p % 10) as u8;
        let (n1, n2, n3) = if self.mnc_len == 3 {
            (d(self.mnc, 100), d(self.mnc, 10), d(self.mnc, 1))
        } else {
            (d(self.mnc, 10), d(self.mnc, 1), 0x0f)
        };
        [
            d(self.mcc, 10) << 4 | d(self.mcc, 100),
            n3 << 4 | d(self.mcc, 1),
            n2 << 4 | n1,
        ]
    }
}

impl fmt::Display for Plmn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = usize::from(self.mnc_len);
        write!(f, "{:03}-{:0w$}", self.mcc, self.mnc)
    }
}

impl IeValue for Plmn {
    fn value_len(&self) -> usize {
        3
    }
    fn emit_value(&self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_bytes());
    }
}

/// An APN as received: length-prefixed DNS labels, e.g. `08 "internet"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Apn<'a>(&'a [u8]);

impl<'a> Apn<'a> {
    /// Validates the label structure: 1..=100 octets of labels of 1..=63 octets each.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        if bytes.is_empty() || bytes.len() > MAX_APN_LEN {
            return None;
        }
        let mut rest = bytes;
        while let Some((&n, tail)) = rest.split_first() {
            let n = usize::from(n);
            if n == 0 || n > 63 || n > tail.len() {
                return None;
            }
            rest = &tail[n..];
        }
        Some(Self(bytes))
    }

    /// The encoded octets.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The labels, without their length octets.
    pub fn labels(&self) -> impl Iterator<Item = &'a [u8]> {
        let mut rest = self.0;
        core::iter::from_fn(move || {
            let (&n, tail) = rest.split_first()?;
            let (label, next) = tail.split_at(usize::from(n).min(tail.len()));
            rest = next;
            Some(label)
        })
    }

    /// Whether the APN is `dotted` (e.g. `"internet"`), compared ASCII-case-insensitively.
    pub fn eq_dotted(&self, dotted: &str) -> bool {
        let mut want = dotted.split('.');
        self.labels().all(|l| {
            want.next()
                .is_some_and(|w| w.as_bytes().eq_ignore_ascii_case(l))
        }) && want.next().is_none()
    }
}

impl fmt::Display for Apn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, label) in self.labels().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            for &c in label {
                let c = if c.is_ascii_graphic() { c } else { b'?' };
                fmt::Write::write_char(f, char::from(c))?;
            }
        }
        Ok(())
    }
}

impl IeValue for Apn<'_> {
    fn value_len(&self) -> usize {
        self.0.len()
    }
    fn emit_value(&self, out: &mut [u8]) {
        out.copy_from_slice(self.0);
    }
}

/// An APN encoded from its dotted form, on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApnBuf {
    bytes: [u8; MAX_APN_LEN],
    len: u8,
}

impl ApnBuf {
    /// Encodes `"internet"` or `"internet.mnc001.mcc208.gprs"`: labels of 1..=63 octets, at most
    /// 100 octets in all.
    pub fn from_dotted(dotted: &str) -> Result<Self, Error> {
        let mut bytes = [0; MAX_APN_LEN];
        let mut len = 0;
        for label in dotted.split('.') {
            let n = label.len();
            if n == 0 || n > 63 || len + 1 + n > MAX_APN_LEN {
                return Err(Error::Unencodable);
            }
            bytes[len] = n as u8;
            bytes[len + 1..len + 1 + n].copy_from_slice(label.as_bytes());
            len += 1 + n;
        }
        Ok(Self {
            bytes,
            len: len as u8,
        })
    }

    /// The encoded APN as a view.
    pub fn as_apn(&self) -> Apn<'_> {
        Apn(&self.bytes[..usize::from(self.len)])
    }
}
