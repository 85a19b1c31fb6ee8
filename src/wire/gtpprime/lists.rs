//! The variable parts of GTP' messages: the CDRs of a Data Record Packet and the lists of 16-bit
//! sequence numbers (Requests Responded, Released, Cancelled), each either a view of received
//! bytes or the caller's values to send.

use super::{FormatVersion, FORMAT_BER};

/// The CDRs of a Data Record Packet IE: a view of received bytes or the caller's records.
#[derive(Clone, Copy, Debug)]
pub enum Records<'a> {
    /// Parsed from a datagram: `count` records, each a 2-octet length and its bytes, in `data`.
    Wire {
        /// Data record format (1 = BER).
        format: u8,
        /// Data record format version.
        version: FormatVersion,
        /// Number of records.
        count: u8,
        /// The length-prefixed records.
        data: &'a [u8],
    },
    /// Records to send, BER-encoded, written with [`FORMAT_BER`] and [`FormatVersion::REL15`].
    List(&'a [Vec<u8>]),
}

impl<'a> Records<'a> {
    /// How many records.
    pub fn len(&self) -> usize {
        match self {
            Records::Wire { count, .. } => *count as usize,
            Records::List(l) => l.len(),
        }
    }

    /// True when there are none (an empty "test" packet, used to probe a CGF).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The records' bytes, in order.
    pub fn iter(&self) -> RecordIter<'a> {
        match *self {
            Records::Wire { data, count, .. } => RecordIter::Wire {
                data,
                left: count as usize,
            },
            Records::List(l) => RecordIter::List(l.iter()),
        }
    }

    /// Data record format and version.
    pub fn format(&self) -> (u8, FormatVersion) {
        match self {
            Records::Wire {
                format, version, ..
            } => (*format, *version),
            Records::List(_) => (FORMAT_BER, FormatVersion::REL15),
        }
    }
}

impl PartialEq for Records<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.format() == other.format() && self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Records<'_> {}

/// Iterator over the records of [`Records`].
#[derive(Clone, Debug)]
pub enum RecordIter<'a> {
    /// Over length-prefixed bytes (already checked by `parse`).
    Wire {
        /// Bytes not yet walked.
        data: &'a [u8],
        /// Records not yet yielded.
        left: usize,
    },
    /// Over the caller's list.
    List(std::slice::Iter<'a, Vec<u8>>),
}

impl<'a> Iterator for RecordIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            RecordIter::Wire { data, left } => {
                if *left == 0 || data.len() < 2 {
                    return None;
                }
                let n = u16::from_be_bytes([data[0], data[1]]) as usize;
                let rec = data.get(2..2 + n)?;
                *data = &data[2 + n..];
                *left -= 1;
                Some(rec)
            }
            RecordIter::List(it) => it.next().map(Vec::as_slice),
        }
    }
}

/// A list of 16-bit sequence numbers (Requests Responded, Released, Cancelled): a view of
/// received bytes or the caller's numbers.
#[derive(Clone, Copy, Debug)]
pub enum SeqList<'a> {
    /// Parsed: 2 octets each.
    Wire(&'a [u8]),
    /// To send.
    List(&'a [u16]),
}

impl<'a> SeqList<'a> {
    /// The sequence numbers, in order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        let (wire, list): (&'a [u8], &'a [u16]) = match *self {
            SeqList::Wire(b) => (b, &[]),
            SeqList::List(l) => (&[], l),
        };
        wire.chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .chain(list.iter().copied())
    }

    /// How many.
    pub fn len(&self) -> usize {
        match self {
            SeqList::Wire(b) => b.len() / 2,
            SeqList::List(l) => l.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for SeqList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for SeqList<'_> {}
