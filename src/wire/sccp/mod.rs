//! SCCP connectionless messages (ITU-T Q.713): UDT (§4.10), UDTS (§4.11), XUDT (§4.18) and
//! XUDTS (§4.19), with called and calling party addresses (§3.4) carrying a Global Title of
//! indicator 4 (translation type, numbering plan, encoding scheme, nature of address, BCD digits),
//! a subsystem number and optionally a signalling point code.
//!
//! [`Message::parse`] reads a message borrowing its user data; [`Message::emit`] writes one into a
//! caller-owned buffer of [`Message::buffer_len`] bytes. XUDT's optional part is read (the
//! segmentation and importance parameters are kept, others skipped) and written when set.
//! Reassembly of segmented XUDTs is the caller's business.

#[cfg(test)]
mod tests;

/// Subsystem numbers (Q.713 §3.4.2.2, TS 23.003 §8.1).
pub mod ssn {
    /// HLR (MAP).
    pub const HLR: u8 = 6;
    /// VLR (MAP).
    pub const VLR: u8 = 7;
    /// MSC (MAP).
    pub const MSC: u8 = 8;
    /// SGSN (MAP).
    pub const SGSN: u8 = 149;
}

/// Return causes of UDTS/XUDTS (Q.713 §3.12).
pub mod return_cause {
    /// No translation for an address of such nature.
    pub const NO_TRANSLATION_FOR_NATURE: u8 = 0;
    /// No translation for this specific address.
    pub const NO_TRANSLATION_FOR_ADDRESS: u8 = 1;
    /// Subsystem congestion.
    pub const SUBSYSTEM_CONGESTION: u8 = 2;
    /// Subsystem failure.
    pub const SUBSYSTEM_FAILURE: u8 = 3;
    /// Unequipped user.
    pub const UNEQUIPPED_USER: u8 = 4;
    /// MTP failure.
    pub const MTP_FAILURE: u8 = 5;
    /// Network congestion.
    pub const NETWORK_CONGESTION: u8 = 6;
    /// Unqualified.
    pub const UNQUALIFIED: u8 = 7;
}

/// Message types (Q.713 §2.1).
mod kind {
    pub const UDT: u8 = 0x09;
    pub const UDTS: u8 = 0x0a;
    pub const XUDT: u8 = 0x11;
    pub const XUDTS: u8 = 0x12;
}

/// Optional parameter names (Q.713 §3.1).
mod opt {
    pub const END: u8 = 0x00;
    pub const SEGMENTATION: u8 = 0x10;
    pub const IMPORTANCE: u8 = 0x12;
}

/// Why bytes are not an SCCP message this codec reads, or one could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The message ends inside a field.
    #[error("SCCP {0} truncated")]
    Truncated(&'static str),
    /// A message type this codec does not handle.
    #[error("SCCP message type {0:#04x} not supported")]
    Unsupported(u8),
    /// A pointer or length that points outside the message.
    #[error("SCCP {0} pointer or length out of range")]
    BadPointer(&'static str),
    /// An address whose indicator asks for a global title form other than 4, or whose digits
    /// are not BCD.
    #[error("SCCP {0} address not supported")]
    BadAddress(&'static str),
    /// A protocol class other than 0 or 1.
    #[error("SCCP protocol class {0} not connectionless")]
    BadClass(u8),
    /// More digits than a [`GlobalTitle`] holds, or user data longer than one message.
    #[error("SCCP {0} too long")]
    TooLong(&'static str),
    /// The output buffer is smaller than `buffer_len()`.
    #[error("output buffer too small")]
    BufferTooSmall,
}

/// Most digits a global title holds here (E.164 numbers have 15; E.214 up to 17 or so).
pub const MAX_DIGITS: usize = 24;

/// Numbering plan E.164 (Q.713 §3.4.2.3.3).
pub const NP_E164: u8 = 1;
/// Numbering plan E.214 (mobile global titles derived from the IMSI).
pub const NP_E214: u8 = 7;
/// Nature of address: international number (Q.713 §3.4.2.3.1).
pub const NAI_INTERNATIONAL: u8 = 4;

/// A global title of indicator 4 (Q.713 §3.4.2.3.4): translation type, numbering plan, nature
/// of address and up to [`MAX_DIGITS`] decimal digits (the encoding scheme, BCD odd or even,
/// follows from the number of digits).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalTitle {
    /// Translation type (0: unknown / not used).
    pub tt: u8,
    /// Numbering plan ([`NP_E164`]).
    pub np: u8,
    /// Nature of address indicator ([`NAI_INTERNATIONAL`]).
    pub nai: u8,
    digits: [u8; MAX_DIGITS],
    len: u8,
}

impl core::fmt::Debug for GlobalTitle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "GT({}", self.tt)?;
        write!(f, ",{},{},", self.np, self.nai)?;
        for d in self.digits() {
            write!(f, "{d}")?;
        }
        f.write_str(")")
    }
}

impl GlobalTitle {
    /// An E.164 international GT, translation type 0, from decimal ASCII digits.
    pub fn e164(digits: &str) -> Result<GlobalTitle, Error> {
        let mut gt = GlobalTitle {
            tt: 0,
            np: NP_E164,
            nai: NAI_INTERNATIONAL,
            digits: [0; MAX_DIGITS],
            len: 0,
        };
        if digits.len() > MAX_DIGITS {
            return Err(Error::TooLong("global title"));
        }
        for (i, c) in digits.bytes().enumerate() {
            if !c.is_ascii_digit() {
                return Err(Error::BadAddress("global title"));
            }
            gt.digits[i] = c - b'0';
        }
        gt.len = digits.len() as u8;
        Ok(gt)
    }

    /// An E.214 mobile global title (numbering plan 7, international): the E.164 country code
    /// and network code `cc_nc` standing for the IMSI's MCC and MNC, then the MSIN (the IMSI
    /// without its first `mcc_mnc_len` digits), cut to 15 digits (TS 23.003 §2.1, ITU-T E.214).
    /// What a VLR addresses the HLR by before it knows the HLR's own number.
    pub fn e214(cc_nc: &str, imsi: &str, mcc_mnc_len: usize) -> Result<GlobalTitle, Error> {
        let msin = imsi
            .get(mcc_mnc_len..)
            .ok_or(Error::BadAddress("global title"))?;
        let mut digits = String::with_capacity(15);
        digits.push_str(cc_nc);
        digits.push_str(msin);
        digits.truncate(15);
        let mut gt = GlobalTitle::e164(&digits)?;
        gt.np = NP_E214;
        Ok(gt)
    }

    /// The digits, each 0..=9.
    pub fn digits(&self) -> &[u8] {
        &self.digits[..self.len as usize]
    }

    /// The digits as text.
    pub fn to_digit_string(&self) -> String {
        self.digits().iter().map(|d| (b'0' + d) as char).collect()
    }

    fn encoded_len(&self) -> usize {
        3 + (self.len as usize).div_ceil(2)
    }
}

/// A called or calling party address (Q.713 §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Address {
    /// Routing indicator: route on the global title (false: route on PC + SSN).
    pub route_on_gt: bool,
    /// Signalling point code (14 bits, ITU).
    pub pc: Option<u16>,
    /// Subsystem number.
    pub ssn: Option<u8>,
    /// Global title (indicator 4).
    pub gt: Option<GlobalTitle>,
}

impl Address {
    /// Routed on `gt`, with subsystem `ssn` (the form MAP uses across networks).
    pub fn gt(gt: GlobalTitle, ssn: u8) -> Address {
        Address {
            route_on_gt: true,
            pc: None,
            ssn: Some(ssn),
            gt: Some(gt),
        }
    }

    fn encoded_len(&self) -> usize {
        1 + self.pc.map_or(0, |_| 2)
            + self.ssn.map_or(0, |_| 1)
            + self.gt.as_ref().map_or(0, GlobalTitle::encoded_len)
    }

    fn write(&self, out: &mut [u8]) -> usize {
        let mut ai = 0u8;
        if !self.route_on_gt {
            ai |= 0x40;
        }
        if self.gt.is_some() {
            ai |= 4 << 2;
        }
        if self.ssn.is_some() {
            ai |= 0x02;
        }
        if self.pc.is_some() {
            ai |= 0x01;
        }
        out[0] = ai;
        let mut at = 1;
        if let Some(pc) = self.pc {
            out[at..at + 2].copy_from_slice(&(pc & 0x3fff).to_le_bytes());
            at += 2;
        }
        if let Some(ssn) = self.ssn {
            out[at] = ssn;
            at += 1;
        }
        if let Some(gt) = &self.gt {
            let odd = gt.len % 2 == 1;
            out[at] = gt.tt;
            out[at + 1] = (gt.np << 4) | if odd { 1 } else { 2 };
            out[at + 2] = gt.nai & 0x7f;
            at += 3;
            for pair in gt.digits().chunks(2) {
                out[at] = pair[0] | pair.get(1).map_or(0, |d| d << 4);
                at += 1;
            }
        }
        at
    }

    /// Reads an address from its contents (after the length octet).
    pub fn parse(b: &[u8], which: &'static str) -> Result<Address, Error> {
        let ai = *b.first().ok_or(Error::Truncated(which))?;
        let gti = (ai >> 2) & 0x0f;
        let mut at = 1;
        let pc = if ai & 0x01 != 0 {
            let p = b.get(at..at + 2).ok_or(Error::Truncated(which))?;
            at += 2;
            Some(u16::from_le_bytes([p[0], p[1]]) & 0x3fff)
        } else {
            None
        };
        let ssn = if ai & 0x02 != 0 {
            let s = *b.get(at).ok_or(Error::Truncated(which))?;
            at += 1;
            Some(s)
        } else {
            None
        };
        let gt = match gti {
            0 => None,
            4 => {
                let h = b.get(at..at + 3).ok_or(Error::Truncated(which))?;
                let (tt, np, es, nai) = (h[0], h[1] >> 4, h[1] & 0x0f, h[2] & 0x7f);
                let packed = &b[at + 3..];
                let odd = match es {
                    1 => true,
                    2 => false,
                    _ => return Err(Error::BadAddress(which)),
                };
                let n = (packed.len() * 2).saturating_sub(usize::from(odd));
                if n > MAX_DIGITS {
                    return Err(Error::TooLong(which));
                }
                let mut digits = [0u8; MAX_DIGITS];
                for (i, d) in digits[..n].iter_mut().enumerate() {
                    let o = packed[i / 2];
                    *d = if i % 2 == 0 { o & 0x0f } else { o >> 4 };
                    if *d > 9 {
                        return Err(Error::BadAddress(which));
                    }
                }
                Some(GlobalTitle {
                    tt,
                    np,
                    nai,
                    digits,
                    len: n as u8,
                })
            }
            _ => return Err(Error::BadAddress(which)),
        };
        Ok(Address {
            route_on_gt: ai & 0x40 == 0,
            pc,
            ssn,
            gt,
        })
    }
}

/// Protocol class of UDT/XUDT (Q.713 §3.6): class 0 or 1 and the return-on-error option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolClass {
    /// 0 (no sequencing) or 1 (in-sequence delivery by SLS).
    pub class: u8,
    /// Return the message (as a UDTS/XUDTS) when it cannot be delivered.
    pub return_on_error: bool,
}

impl ProtocolClass {
    fn octet(self) -> u8 {
        (self.class & 0x0f) | if self.return_on_error { 0x80 } else { 0 }
    }

    fn from_octet(o: u8) -> Result<ProtocolClass, Error> {
        match o & 0x0f {
            c @ (0 | 1) => Ok(ProtocolClass {
                class: c,
                return_on_error: o & 0x80 != 0,
            }),
            c => Err(Error::BadClass(c)),
        }
    }
}

/// The Segmentation parameter of XUDT (Q.713 §3.17).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segmentation {
    /// First segment of the message.
    pub first: bool,
    /// Class 1 was asked for the whole message.
    pub class1: bool,
    /// Remaining segments after this one (0..=15).
    pub remaining: u8,
    /// Local reference shared by the segments (24 bits).
    pub local_ref: u32,
}

/// One connectionless SCCP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// Unitdata.
    Udt {
        /// Protocol class.
        class: ProtocolClass,
        /// Called party.
        called: Address,
        /// Calling party.
        calling: Address,
        /// User data (a TCAP message).
        data: &'a [u8],
    },
    /// Unitdata service: a UDT returned on error.
    Udts {
        /// Return cause ([`return_cause`]).
        cause: u8,
        /// Called party (the original calling party).
        called: Address,
        /// Calling party.
        calling: Address,
        /// The undelivered user data.
        data: &'a [u8],
    },
    /// Extended unitdata.
    Xudt {
        /// Protocol class.
        class: ProtocolClass,
        /// Hop counter (15 at origin).
        hop_counter: u8,
        /// Called party.
        called: Address,
        /// Calling party.
        calling: Address,
        /// User data.
        data: &'a [u8],
        /// Segmentation.
        segmentation: Option<Segmentation>,
        /// Importance (0..=7).
        importance: Option<u8>,
    },
    /// Extended unitdata service.
    Xudts {
        /// Return cause.
        cause: u8,
        /// Hop counter.
        hop_counter: u8,
        /// Called party.
        called: Address,
        /// Calling party.
        calling: Address,
        /// User data.
        data: &'a [u8],
    },
}

/// Reads the variable part a pointer at `at` points to: its length octet, then contents.
fn pointed<'a>(b: &'a [u8], at: usize, which: &'static str) -> Result<&'a [u8], Error> {
    let p = *b.get(at).ok_or(Error::Truncated(which))? as usize;
    if p == 0 {
        return Err(Error::BadPointer(which));
    }
    let start = at + p;
    let len = *b.get(start).ok_or(Error::BadPointer(which))? as usize;
    b.get(start + 1..start + 1 + len)
        .ok_or(Error::BadPointer(which))
}

impl<'a> Message<'a> {
    /// Parses one message occupying all of `b`.
    pub fn parse(b: &'a [u8]) -> Result<Message<'a>, Error> {
        let t = *b.first().ok_or(Error::Truncated("message type"))?;
        let second = *b.get(1).ok_or(Error::Truncated("fixed part"))?;
        let extended = matches!(t, kind::XUDT | kind::XUDTS);
        let hop_counter = if extended {
            *b.get(2).ok_or(Error::Truncated("hop counter"))?
        } else {
            0
        };
        let p0 = if extended { 3 } else { 2 };
        let called = Address::parse(pointed(b, p0, "called party")?, "called party")?;
        let calling = Address::parse(pointed(b, p0 + 1, "calling party")?, "calling party")?;
        let data = pointed(b, p0 + 2, "data")?;
        let m = match t {
            kind::UDT => Message::Udt {
                class: ProtocolClass::from_octet(second)?,
                called,
                calling,
                data,
            },
            kind::UDTS => Message::Udts {
                cause: second,
                called,
                calling,
                data,
            },
            kind::XUDT => {
                let (segmentation, importance) = Self::optional(b, p0 + 3)?;
                Message::Xudt {
                    class: ProtocolClass::from_octet(second)?,
                    hop_counter,
                    called,
                    calling,
                    data,
                    segmentation,
                    importance,
                }
            }
            kind::XUDTS => Message::Xudts {
                cause: second,
                hop_counter,
                called,
                calling,
                data,
            },
            other => return Err(Error::Unsupported(other)),
        };
        Ok(m)
    }

    /// XUDT's optional part: the pointer at `at` (0: none), then parameters up to End.
    fn optional(b: &[u8], at: usize) -> Result<(Option<Segmentation>, Option<u8>), Error> {
        let p = *b.get(at).ok_or(Error::Truncated("optional part pointer"))? as usize;
        let (mut seg, mut imp) = (None, None);
        if p == 0 {
            return Ok((seg, imp));
        }
        let mut i = at + p;
        loop {
            let name = *b.get(i).ok_or(Error::Truncated("optional part"))?;
            if name == opt::END {
                break;
            }
            let len = *b.get(i + 1).ok_or(Error::Truncated("optional part"))? as usize;
            let v = b
                .get(i + 2..i + 2 + len)
                .ok_or(Error::BadPointer("optional parameter"))?;
            match (name, v) {
                (opt::SEGMENTATION, [f, r0, r1, r2]) => {
                    seg = Some(Segmentation {
                        first: f & 0x80 != 0,
                        class1: f & 0x40 != 0,
                        remaining: f & 0x0f,
                        local_ref: u32::from_be_bytes([0, *r0, *r1, *r2]),
                    })
                }
                (opt::SEGMENTATION, _) => return Err(Error::BadPointer("segmentation")),
                (opt::IMPORTANCE, [i]) => imp = Some(i & 0x07),
                _ => {}
            }
            i += 2 + len;
        }
        Ok((seg, imp))
    }

    fn parts(&self) -> (&Address, &Address, &'a [u8]) {
        match self {
            Message::Udt {
                called,
                calling,
                data,
                ..
            }
            | Message::Udts {
                called,
                calling,
                data,
                ..
            }
            | Message::Xudt {
                called,
                calling,
                data,
                ..
            }
            | Message::Xudts {
                called,
                calling,
                data,
                ..
            } => (called, calling, data),
        }
    }

    fn optional_len(&self) -> usize {
        match self {
            Message::Xudt {
                segmentation,
                importance,
                ..
            } if segmentation.is_some() || importance.is_some() => {
                segmentation.map_or(0, |_| 6) + importance.map_or(0, |_| 3) + 1
            }
            _ => 0,
        }
    }

    /// Bytes [`emit`](Message::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let (called, calling, data) = self.parts();
        let fixed = match self {
            Message::Udt { .. } | Message::Udts { .. } => 2 + 3,
            _ => 3 + 4,
        };
        fixed
            + 1
            + called.encoded_len()
            + 1
            + calling.encoded_len()
            + 1
            + data.len()
            + self.optional_len()
    }

    /// Writes the message at the start of `buf`; returns its length. User data over 255 octets
    /// does not fit one UDT ([`Error::TooLong`]).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let (called, calling, data) = self.parts();
        if data.len() > 255 {
            return Err(Error::TooLong("user data"));
        }
        let len = self.buffer_len();
        let out = buf.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let (t, second, hop) = match *self {
            Message::Udt { class, .. } => (kind::UDT, class.octet(), None),
            Message::Udts { cause, .. } => (kind::UDTS, cause, None),
            Message::Xudt {
                class, hop_counter, ..
            } => (kind::XUDT, class.octet(), Some(hop_counter)),
            Message::Xudts {
                cause, hop_counter, ..
            } => (kind::XUDTS, cause, Some(hop_counter)),
        };
        out[0] = t;
        out[1] = second;
        let mut p0 = 2;
        if let Some(h) = hop {
            out[2] = h;
            p0 = 3;
        }
        let n_ptr = if hop.is_some() { 4 } else { 3 };
        let mut at = p0 + n_ptr;
        for (i, part) in [Part::Addr(called), Part::Addr(calling), Part::Data(data)]
            .iter()
            .enumerate()
        {
            out[p0 + i] = (at - (p0 + i)) as u8;
            let n = match part {
                Part::Addr(a) => a.write(&mut out[at + 1..]),
                Part::Data(d) => {
                    out[at + 1..at + 1 + d.len()].copy_from_slice(d);
                    d.len()
                }
            };
            out[at] = n as u8;
            at += 1 + n;
        }
        if hop.is_some() {
            let optional = self.optional_len();
            if optional > 0 && at - (p0 + 3) > 255 {
                return Err(Error::TooLong("optional part pointer"));
            }
            out[p0 + 3] = if optional == 0 {
                0
            } else {
                (at - (p0 + 3)) as u8
            };
            if let Message::Xudt {
                segmentation,
                importance,
                ..
            } = self
            {
                if let Some(s) = segmentation {
                    let f = u8::from(s.first) << 7 | u8::from(s.class1) << 6 | (s.remaining & 0x0f);
                    let r = s.local_ref.to_be_bytes();
                    out[at..at + 6].copy_from_slice(&[opt::SEGMENTATION, 4, f, r[1], r[2], r[3]]);
                    at += 6;
                }
                if let Some(i) = importance {
                    out[at..at + 3].copy_from_slice(&[opt::IMPORTANCE, 1, i & 0x07]);
                    at += 3;
                }
                if optional > 0 {
                    out[at] = opt::END;
                    at += 1;
                }
            }
        }
        debug_assert_eq!(at, len);
        Ok(len)
    }

    /// Called party address.
    pub fn called(&self) -> &Address {
        self.parts().0
    }

    /// Calling party address.
    pub fn calling(&self) -> &Address {
        self.parts().1
    }

    /// User data.
    pub fn data(&self) -> &'a [u8] {
        self.parts().2
    }
}

enum Part<'p> {
    Addr(&'p Address),
    Data(&'p [u8]),
}
