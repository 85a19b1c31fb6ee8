//! The dead-letter spool's record format: one CDR per record with what the CDF knows of its
//! packet, framed so that a torn tail (a crash in the middle of an append) is found and cut
//! rather than misread.
//!
//! A record is `length (4 octets, big-endian) ‖ CRC-32 of the payload (4) ‖ payload`, the
//! payload being `state (1) ‖ CGF index (1) ‖ sequence number (2) ‖ closing time in µs (8) ‖
//! CDR`. State 0 is a record never sent; state 1 a record sent to CGF `index` in the packet
//! with that sequence number whose fate is unknown (it was neither acknowledged nor refused).
//! The engine appends each batch the CDF hands out and syncs it to disk before the next one.

use crate::model::Micros;

/// Bytes before the CDR in a framed record: length, CRC, state, CGF, sequence, closing time.
pub const FRAME_OVERHEAD: usize = 4 + 4 + 1 + 1 + 2 + 8;

/// What the CDF knew of a spooled record's packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpoolState {
    /// Never sent.
    Fresh,
    /// Sent to CGF `cgf` (its index in the configuration) as packet `seq`, fate unknown.
    Unknown {
        /// Index of the CGF in [`CdfConfig::cgfs`](super::CdfConfig::cgfs).
        cgf: u8,
        /// Sequence number of the packet.
        seq: u16,
    },
}

/// One decoded spool record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolRecord {
    /// What was known of its packet.
    pub state: SpoolState,
    /// When the record was closed (for close→ack latency).
    pub closed_at: Micros,
    /// The BER-encoded CDR.
    pub cdr: Vec<u8>,
}

/// Appends one framed record to `out`.
pub fn append(out: &mut Vec<u8>, state: SpoolState, closed_at: Micros, cdr: &[u8]) {
    let (s, cgf, seq) = match state {
        SpoolState::Fresh => (0u8, 0u8, 0u16),
        SpoolState::Unknown { cgf, seq } => (1, cgf, seq),
    };
    let payload_len = FRAME_OVERHEAD - 8 + cdr.len();
    let start = out.len();
    out.extend_from_slice(&(payload_len as u32).to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.push(s);
    out.push(cgf);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&closed_at.as_u64().to_be_bytes());
    out.extend_from_slice(cdr);
    let crc = crc32fast::hash(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_be_bytes());
}

/// The result of reading spool bytes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Records decoded, in file order.
    pub records: Vec<SpoolRecord>,
    /// Bytes of `data` those records took.
    pub consumed: usize,
    /// True when the bytes after `consumed` are not a whole valid record: a torn tail (when
    /// `data` reached the end of the file) to be cut at `consumed`.
    pub torn: bool,
}

/// Reads at most `max_records` records from the start of `data`. Stops at the first record
/// that is incomplete, fails its CRC or has an unknown state, and says so in [`Scan::torn`].
pub fn scan(data: &[u8], max_records: usize) -> Scan {
    let mut s = Scan::default();
    while s.records.len() < max_records && s.consumed < data.len() {
        let rest = &data[s.consumed..];
        let Some(rec) = frame(rest) else {
            s.torn = true;
            break;
        };
        s.consumed += 8 + (FRAME_OVERHEAD - 8) + rec.cdr.len();
        s.records.push(rec);
    }
    s
}

fn frame(b: &[u8]) -> Option<SpoolRecord> {
    let len = u32::from_be_bytes(b.get(..4)?.try_into().ok()?) as usize;
    let crc = u32::from_be_bytes(b.get(4..8)?.try_into().ok()?);
    if len < FRAME_OVERHEAD - 8 {
        return None;
    }
    let p = b.get(8..8 + len)?;
    if crc32fast::hash(p) != crc {
        return None;
    }
    let state = match p[0] {
        0 => SpoolState::Fresh,
        1 => SpoolState::Unknown {
            cgf: p[1],
            seq: u16::from_be_bytes([p[2], p[3]]),
        },
        _ => return None,
    };
    let closed_at = Micros(u64::from_be_bytes(p[4..12].try_into().ok()?));
    Some(SpoolRecord {
        state,
        closed_at,
        cdr: p[12..].to_vec(),
    })
}
