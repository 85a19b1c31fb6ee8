//! Type-length-value parameters (RFC 4960 §3.2.1) and error causes (§3.3.10), which share one
//! layout: 16-bit type or code, 16-bit length counting the 4-byte header, value, padding to 4.

use super::{pad4, Error};

/// One parameter or error cause as it sits in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// Parameter type (or cause code).
    pub param_type: u16,
    /// Value, without header or padding.
    pub value: &'a [u8],
}

impl<'a> Param<'a> {
    /// Bytes the parameter takes, padding included.
    pub const fn buffer_len(&self) -> usize {
        pad4(4 + self.value.len())
    }

    /// Writes the parameter (and zero padding) into `buf[..buffer_len()]`; returns that length.
    ///
    /// # Panics
    /// If `buf` is shorter than [`Param::buffer_len`] or the value exceeds 65531 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> usize {
        let len = 4 + self.value.len();
        let total = pad4(len);
        let len16 = u16::try_from(len).expect("SCTP parameter longer than 65535 bytes");
        buf[0..2].copy_from_slice(&self.param_type.to_be_bytes());
        buf[2..4].copy_from_slice(&len16.to_be_bytes());
        buf[4..len].copy_from_slice(self.value);
        buf[len..total].fill(0);
        total
    }

    /// The parameter's action bits for an unrecognized type (RFC 4960 §3.2.1): whether the
    /// receiver skips it and goes on with the following parameters.
    pub const fn skip_if_unknown(&self) -> bool {
        self.param_type & 0x8000 != 0
    }
}

/// Iterator over the parameters (or causes) in a byte range; yields an error once and stops
/// when the layout is broken.
#[derive(Debug, Clone)]
pub struct Params<'a> {
    data: &'a [u8],
    failed: bool,
}

impl<'a> Params<'a> {
    /// Walks the TLVs of `data`.
    pub const fn new(data: &'a [u8]) -> Self {
        Params {
            data,
            failed: false,
        }
    }

    /// Checks every TLV in `data` is well formed.
    pub fn validate(data: &'a [u8]) -> Result<(), Error> {
        Params::new(data).try_for_each(|p| p.map(|_| ()))
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = Result<Param<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.data.is_empty() {
            return None;
        }
        let d = self.data;
        let param_type = if d.len() >= 2 {
            u16::from_be_bytes([d[0], d[1]])
        } else {
            0
        };
        let len = if d.len() >= 4 {
            u16::from_be_bytes([d[2], d[3]]) as usize
        } else {
            0
        };
        if len < 4 || len > d.len() {
            self.failed = true;
            return Some(Err(Error::BadParameter { param_type }));
        }
        let value = &d[4..len];
        // The last parameter's padding may be missing; tolerate it (RFC 9260 §3.2).
        self.data = &d[pad4(len).min(d.len())..];
        Some(Ok(Param { param_type, value }))
    }
}

/// An error cause (RFC 4960 §3.3.10): code and cause-specific information.
pub type Cause<'a> = Param<'a>;

/// Iterator over the error causes of an ABORT or ERROR chunk.
pub type Causes<'a> = Params<'a>;

/// The Supported Address Types parameter of INIT (RFC 4960 §3.3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressTypes {
    /// IPv4 (type 5) listed.
    pub ipv4: bool,
    /// IPv6 (type 6) listed.
    pub ipv6: bool,
}

impl AddressTypes {
    /// Reads the parameter's value (a list of 16-bit parameter types).
    pub fn parse(value: &[u8]) -> AddressTypes {
        let mut t = AddressTypes::default();
        for c in value.chunks_exact(2) {
            match u16::from_be_bytes([c[0], c[1]]) {
                super::param_type::IPV4_ADDRESS => t.ipv4 = true,
                super::param_type::IPV6_ADDRESS => t.ipv6 = true,
                _ => {}
            }
        }
        t
    }

    /// The value bytes (up to two types) and how many of them are used.
    pub fn value(&self) -> ([u8; 4], usize) {
        let mut v = [0u8; 4];
        let mut n = 0;
        for (on, ty) in [
            (self.ipv4, super::param_type::IPV4_ADDRESS),
            (self.ipv6, super::param_type::IPV6_ADDRESS),
        ] {
            if on {
                v[n..n + 2].copy_from_slice(&ty.to_be_bytes());
                n += 2;
            }
        }
        (v, n)
    }
}
