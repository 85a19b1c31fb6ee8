//! The CDR file format of TS 32.297: a file header, then each CDR behind its own CDR
//! header. The CGF writes these files; billing and settlement systems read them.
//!
//! File header, big-endian, [`FileHeader::LEN`] octets as written here:
//! file length (4), header length (4), high and low release/version identifiers (1 + 1: release
//! in bits 8-6, `7` meaning "Rel-10 or later, see the extension octet", version in bits 5-1),
//! file opening and last-append timestamps (4 + 4, [`FileTime`]), number of CDRs (4), file
//! sequence number (4), file closure trigger reason (1), IP address of the node that made the
//! file (20), lost CDR indicator (1), CDR routeing filter length (2, empty here), private
//! extension length (2, empty here), and the high and low release identifier extensions (1 + 1:
//! release less 10).
//!
//! CDR header, [`CdrHeader::LEN`] octets: CDR length (2), release (bits 8-6) and
//! version (bits 5-1) (1), data record format (bits 8-6, 1 = BER) and TS number (bits 5-1,
//! 7 = TS 32.251) (1), release identifier extension (1).

use std::net::IpAddr;

use super::TimeStamp;

/// Why file bytes could not be read or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileError {
    /// Fewer bytes than the header or a CDR header says.
    Truncated,
    /// The header length field is smaller than the fixed header.
    BadHeaderLength,
    /// The file length field disagrees with the bytes given.
    BadFileLength,
    /// The CDR count of the header disagrees with the CDRs found.
    CountMismatch,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl core::fmt::Display for FileError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            FileError::Truncated => "CDR file truncated",
            FileError::BadHeaderLength => "CDR file header length too small",
            FileError::BadFileLength => "CDR file length field disagrees with the file",
            FileError::CountMismatch => "CDR file count disagrees with the CDRs in it",
            FileError::BufferTooSmall => "output buffer too small",
        })
    }
}

impl std::error::Error for FileError {}

/// File closure trigger reasons of the file header.
pub mod closure {
    /// Normal closure.
    pub const NORMAL: u8 = 0;
    /// File size limit reached.
    pub const SIZE_LIMIT: u8 = 1;
    /// File open-time limit reached.
    pub const TIME_LIMIT: u8 = 2;
    /// Maximum number of CDRs in the file reached.
    pub const COUNT_LIMIT: u8 = 3;
    /// Manual intervention.
    pub const MANUAL: u8 = 4;
}

/// The 4-octet timestamp of the file header: month (4 bits), day (5), hour (5), minute (6),
/// sign of the UTC offset (1, set for `+`), offset hours (5) and minutes (6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileTime {
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// Offset from UTC in minutes.
    pub utc_offset_min: i16,
}

impl From<TimeStamp> for FileTime {
    fn from(t: TimeStamp) -> FileTime {
        FileTime {
            month: t.month,
            day: t.day,
            hour: t.hour,
            minute: t.minute,
            utc_offset_min: t.utc_offset_min,
        }
    }
}

impl FileTime {
    fn to_bytes(self) -> [u8; 4] {
        let off = self.utc_offset_min.unsigned_abs() as u32;
        let v: u32 = (u32::from(self.month & 0xf) << 28)
            | (u32::from(self.day & 0x1f) << 23)
            | (u32::from(self.hour & 0x1f) << 18)
            | (u32::from(self.minute & 0x3f) << 12)
            | (u32::from(self.utc_offset_min >= 0) << 11)
            | (((off / 60) & 0x1f) << 6)
            | ((off % 60) & 0x3f);
        v.to_be_bytes()
    }

    fn from_bytes(b: [u8; 4]) -> FileTime {
        let v = u32::from_be_bytes(b);
        let off = (((v >> 6) & 0x1f) * 60 + (v & 0x3f)) as i16;
        FileTime {
            month: (v >> 28) as u8,
            day: ((v >> 23) & 0x1f) as u8,
            hour: ((v >> 18) & 0x1f) as u8,
            minute: ((v >> 12) & 0x3f) as u8,
            utc_offset_min: if v & (1 << 11) != 0 { off } else { -off },
        }
    }
}

/// A 3GPP release and the version of TS 32.298 within it (e.g. Rel-15, version 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseVersion {
    /// Release number, 10 or later (written as identifier 7 plus an extension octet).
    pub release: u8,
    /// Version identifier, 0..=31.
    pub version: u8,
}

impl ReleaseVersion {
    /// What roamsim writes: Rel-15, TS 32.298 v15.5 (the ASN.1 its records follow).
    pub const REL15: ReleaseVersion = ReleaseVersion {
        release: 15,
        version: 5,
    };

    fn octet(self) -> u8 {
        (7 << 5) | (self.version & 0x1f)
    }

    fn extension(self) -> u8 {
        self.release.saturating_sub(10)
    }

    fn read(octet: u8, extension: u8) -> ReleaseVersion {
        let id = octet >> 5;
        ReleaseVersion {
            // Identifiers 0..=6 name R99 (0) and Rel-4..=Rel-9; 7 defers to the extension.
            release: match id {
                7 => extension.saturating_add(10),
                0 => 3,
                n => n + 3,
            },
            version: octet & 0x1f,
        }
    }
}

/// The TS 32.297 file header (without the optional routeing filter and private extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileHeader {
    /// Length of the whole file, header included.
    pub file_length: u32,
    /// Highest release/version of the CDRs in the file.
    pub high: ReleaseVersion,
    /// Lowest release/version of the CDRs in the file.
    pub low: ReleaseVersion,
    /// When the file was opened.
    pub opened: FileTime,
    /// When the last CDR was appended.
    pub last_append: FileTime,
    /// Number of CDRs.
    pub cdr_count: u32,
    /// The CGF's running file number.
    pub sequence: u32,
    /// Why the file was closed ([`closure`]).
    pub closure_reason: u8,
    /// Address of the node that made the file.
    pub node_address: IpAddr,
    /// Lost CDR indicator (0: none lost).
    pub lost_cdrs: u8,
}

impl FileHeader {
    /// Bytes of the header as written here (no routeing filter, no private extension).
    pub const LEN: usize = 54;

    /// Writes the header at the start of `buf`; returns [`FileHeader::LEN`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, FileError> {
        let b = buf.get_mut(..Self::LEN).ok_or(FileError::BufferTooSmall)?;
        b[0..4].copy_from_slice(&self.file_length.to_be_bytes());
        b[4..8].copy_from_slice(&(Self::LEN as u32).to_be_bytes());
        b[8] = self.high.octet();
        b[9] = self.low.octet();
        b[10..14].copy_from_slice(&self.opened.to_bytes());
        b[14..18].copy_from_slice(&self.last_append.to_bytes());
        b[18..22].copy_from_slice(&self.cdr_count.to_be_bytes());
        b[22..26].copy_from_slice(&self.sequence.to_be_bytes());
        b[26] = self.closure_reason;
        // IPv4: 16 octets 0xFF then the address; IPv6: 4 octets 0xFF then the address.
        b[27..47].fill(0xff);
        match self.node_address {
            IpAddr::V4(a) => b[43..47].copy_from_slice(&a.octets()),
            IpAddr::V6(a) => b[31..47].copy_from_slice(&a.octets()),
        }
        b[47] = self.lost_cdrs;
        b[48..50].copy_from_slice(&0u16.to_be_bytes());
        b[50..52].copy_from_slice(&0u16.to_be_bytes());
        b[52] = self.high.extension();
        b[53] = self.low.extension();
        Ok(Self::LEN)
    }

    /// Reads a header; returns it and its length (the header length field).
    pub fn parse(data: &[u8]) -> Result<(FileHeader, usize), FileError> {
        let b = data.get(..Self::LEN).ok_or(FileError::Truncated)?;
        let u32_at = |at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let header_len = u32_at(4) as usize;
        if header_len < 52 {
            return Err(FileError::BadHeaderLength);
        }
        let filter = u16::from_be_bytes([b[48], b[49]]) as usize;
        let private_at = 50 + filter;
        let private = data
            .get(private_at..private_at + 2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]) as usize)
            .ok_or(FileError::Truncated)?;
        let ext_at = private_at + 2 + private;
        let ext = |i: usize| data.get(ext_at + i).copied().unwrap_or(0);
        if data.len() < header_len {
            return Err(FileError::Truncated);
        }
        let addr = &b[27..47];
        let node_address = if addr[..16].iter().all(|&o| o == 0xff) {
            IpAddr::from([addr[16], addr[17], addr[18], addr[19]])
        } else {
            let mut v6 = [0u8; 16];
            v6.copy_from_slice(&addr[4..]);
            IpAddr::from(v6)
        };
        Ok((
            FileHeader {
                file_length: u32_at(0),
                high: ReleaseVersion::read(b[8], ext(0)),
                low: ReleaseVersion::read(b[9], ext(1)),
                opened: FileTime::from_bytes([b[10], b[11], b[12], b[13]]),
                last_append: FileTime::from_bytes([b[14], b[15], b[16], b[17]]),
                cdr_count: u32_at(18),
                sequence: u32_at(22),
                closure_reason: b[26],
                node_address,
                lost_cdrs: b[47],
            },
            header_len,
        ))
    }
}

/// The TS 32.297 CDR header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CdrHeader {
    /// Length of the CDR that follows.
    pub length: u16,
    /// Release and version of the CDR's ASN.1.
    pub release: ReleaseVersion,
    /// Data record format: 1 BER, 2 unaligned PER, 3 aligned PER, 4 XER.
    pub format: u8,
    /// TS number code: 7 for TS 32.251 (PS domain: SGW-CDR, PGW-CDR).
    pub ts_number: u8,
}

impl CdrHeader {
    /// Bytes of a CDR header with the release extension octet (Rel-10 and later).
    pub const LEN: usize = 5;
    /// Data record format code of ASN.1 BER.
    pub const FORMAT_BER: u8 = 1;
    /// TS number code of TS 32.251.
    pub const TS_32_251: u8 = 7;

    /// The header of a BER PS-domain CDR of `length` octets, Rel-15.
    pub fn ber_ps(length: u16) -> CdrHeader {
        CdrHeader {
            length,
            release: ReleaseVersion::REL15,
            format: Self::FORMAT_BER,
            ts_number: Self::TS_32_251,
        }
    }

    /// The 5 octets.
    pub fn to_bytes(&self) -> [u8; 5] {
        let l = self.length.to_be_bytes();
        [
            l[0],
            l[1],
            self.release.octet(),
            (self.format << 5) | (self.ts_number & 0x1f),
            self.release.extension(),
        ]
    }

    /// Reads a CDR header (with its extension octet when the release identifier is 7).
    pub fn parse(data: &[u8]) -> Result<(CdrHeader, usize), FileError> {
        let b = data.get(..4).ok_or(FileError::Truncated)?;
        let extended = b[2] >> 5 == 7;
        let len = if extended { 5 } else { 4 };
        let ext = if extended {
            *data.get(4).ok_or(FileError::Truncated)?
        } else {
            0
        };
        Ok((
            CdrHeader {
                length: u16::from_be_bytes([b[0], b[1]]),
                release: ReleaseVersion::read(b[2], ext),
                format: b[3] >> 5,
                ts_number: b[3] & 0x1f,
            },
            len,
        ))
    }
}

/// The CDRs of a file: each one's header and bytes.
pub type FileCdrs<'a> = Vec<(CdrHeader, &'a [u8])>;

/// Reads a whole CDR file: its header and each CDR's header and bytes. The file length and CDR
/// count of the header must agree with what follows.
pub fn parse_file(data: &[u8]) -> Result<(FileHeader, FileCdrs<'_>), FileError> {
    let (header, mut at) = FileHeader::parse(data)?;
    if header.file_length as usize != data.len() {
        return Err(FileError::BadFileLength);
    }
    let mut cdrs = Vec::new();
    while at < data.len() {
        let (h, n) = CdrHeader::parse(&data[at..])?;
        at += n;
        let end = at + h.length as usize;
        let cdr = data.get(at..end).ok_or(FileError::Truncated)?;
        cdrs.push((h, cdr));
        at = end;
    }
    if cdrs.len() != header.cdr_count as usize {
        return Err(FileError::CountMismatch);
    }
    Ok((header, cdrs))
}
