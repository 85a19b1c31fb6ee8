//! Receiving side of an association: TSN tracking and duplicate detection (RFC 4960 §6.2),
//! SACK contents with Gap Ack Blocks and duplicate TSNs (§3.3.4) and their timing (§6.2,
//! delayed SACK; immediate on loss or duplicates, §6.7), reassembly of fragmented messages
//! (§6.9) and ordered delivery per stream (§6.5, §6.6), within a receive window (§6.2.1).
//!
//! TSNs and SSNs are extended to 64 bits relative to the current cumulative point so maps
//! order them without wrap-around arithmetic. Received TSNs above the cumulative point are a
//! ring of flags; fragments wait in a map keyed by extended TSN, complete messages that
//! arrived early in a per-stream map keyed by extended SSN.

use std::collections::{BTreeMap, VecDeque};

use crate::model::Micros;
use crate::wire::sctp::{
    ChunkRepr, DataChunk, DupTsns, GapBlock, GapBlocks, PacketBuilder, SackChunk,
};

/// Furthest a TSN may lie above the cumulative point (Gap Ack Block offsets are 16 bits).
const MAX_AHEAD: u64 = 65_535;
/// Duplicate TSNs reported per SACK.
const MAX_DUPS: usize = 16;

#[derive(Debug)]
struct Frag {
    beginning: bool,
    ending: bool,
    unordered: bool,
    stream: u16,
    ssn: u16,
    ppid: u32,
    data: Vec<u8>,
}

#[derive(Debug, Default)]
struct InStream {
    next: u16,
    next_ext: u64,
    waiting: BTreeMap<u64, (u32, Vec<u8>)>,
}

/// What became of a DATA chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DataOutcome {
    /// New TSN, accepted.
    New,
    /// Already received.
    Duplicate,
    /// No room in the receive window, or too far ahead: not acknowledged.
    Dropped,
    /// New TSN on a stream the association does not have: acknowledged, data discarded.
    InvalidStream,
}

/// Receive state of one association.
#[derive(Debug)]
pub(super) struct Rx {
    cum: u32,
    cum_ext: u64,
    above: VecDeque<bool>,
    highest_ext: u64,
    dups: Vec<u32>,
    frags: BTreeMap<u64, Frag>,
    streams: Vec<InStream>,
    ready: VecDeque<(u16, u32, Vec<u8>)>,
    buffered: usize,
    window: usize,
    advertised: usize,
    data_packets: u32,
    /// A SACK should go out with the next packet.
    pub sack_now: bool,
    /// Delayed-SACK deadline.
    pub sack_at: Option<Micros>,
}

impl Rx {
    /// Expects `peer_initial_tsn` next, on `streams` inbound streams.
    pub fn new(peer_initial_tsn: u32, streams: u16, window: usize) -> Self {
        let cum_ext = 1 << 40;
        Rx {
            cum: peer_initial_tsn.wrapping_sub(1),
            cum_ext,
            above: VecDeque::new(),
            highest_ext: cum_ext,
            dups: Vec::new(),
            frags: BTreeMap::new(),
            streams: (0..streams).map(|_| InStream::default()).collect(),
            ready: VecDeque::new(),
            buffered: 0,
            window,
            advertised: window,
            data_packets: 0,
            sack_now: false,
            sack_at: None,
        }
    }

    /// Cumulative TSN received in sequence.
    pub fn cum_tsn(&self) -> u32 {
        self.cum
    }

    /// Number of inbound streams.
    pub fn streams(&self) -> u16 {
        self.streams.len() as u16
    }

    /// Receive window to advertise.
    pub fn a_rwnd(&self) -> u32 {
        self.window
            .saturating_sub(self.buffered)
            .min(u32::MAX as usize) as u32
    }

    /// Next message ready for the application, in order per stream. When the window we
    /// last advertised was under half and has since opened by a quarter, a SACK goes out as
    /// a window update (RFC 4960 §6.2), so a sender stopped by it need not wait for T3.
    pub fn pop_message(&mut self) -> Option<(u16, u32, Vec<u8>)> {
        let m = self.ready.pop_front()?;
        self.buffered -= m.2.len();
        let open = self.window.saturating_sub(self.buffered);
        if self.advertised < self.window / 2 && open >= self.advertised + self.window / 4 {
            self.sack_now = true;
        }
        Some(m)
    }

    /// Messages ready.
    pub fn has_messages(&self) -> bool {
        !self.ready.is_empty()
    }

    fn ext(&self, tsn: u32) -> u64 {
        (self.cum_ext as i64 + tsn.wrapping_sub(self.cum) as i32 as i64) as u64
    }

    /// Takes a DATA chunk.
    pub fn handle_data(&mut self, d: &DataChunk<'_>) -> DataOutcome {
        let ext = self.ext(d.tsn);
        if ext <= self.cum_ext {
            return self.duplicate(d.tsn);
        }
        let off = (ext - self.cum_ext - 1) as usize;
        if self.above.get(off) == Some(&true) {
            return self.duplicate(d.tsn);
        }
        let len = d.user_data.len();
        let no_room = self.buffered + len > self.window && ext > self.highest_ext;
        if no_room || off as u64 >= MAX_AHEAD {
            self.sack_now = true;
            return DataOutcome::Dropped;
        }
        let out_of_order = off > 0 || !self.above.is_empty();
        if self.above.len() <= off {
            self.above.resize(off + 1, false);
        }
        self.above[off] = true;
        self.highest_ext = self.highest_ext.max(ext);
        while self.above.front() == Some(&true) {
            self.above.pop_front();
            self.cum_ext += 1;
            self.cum = self.cum.wrapping_add(1);
        }
        if out_of_order {
            self.sack_now = true;
        }
        if d.stream_id as usize >= self.streams.len() {
            return DataOutcome::InvalidStream;
        }
        if d.beginning && d.ending {
            self.buffered += len;
            self.complete(
                d.stream_id,
                d.ssn,
                d.ppid,
                d.unordered,
                d.user_data.to_vec(),
            );
        } else {
            self.buffered += len;
            let frag = Frag {
                beginning: d.beginning,
                ending: d.ending,
                unordered: d.unordered,
                stream: d.stream_id,
                ssn: d.ssn,
                ppid: d.ppid,
                data: d.user_data.to_vec(),
            };
            self.frags.insert(ext, frag);
            self.reassemble(ext);
        }
        DataOutcome::New
    }

    fn duplicate(&mut self, tsn: u32) -> DataOutcome {
        if self.dups.len() < MAX_DUPS {
            self.dups.push(tsn);
        }
        self.sack_now = true;
        DataOutcome::Duplicate
    }

    /// Joins the fragments around `ext` once B..E are all present (consecutive TSNs, §6.9).
    fn reassemble(&mut self, ext: u64) {
        let mut first = ext;
        while !self.frags[&first].beginning {
            match self.frags.get(&(first - 1)) {
                Some(f) if !f.ending => first -= 1,
                _ => return,
            }
        }
        let mut last = ext;
        while !self.frags[&last].ending {
            match self.frags.get(&(last + 1)) {
                Some(f) if !f.beginning => last += 1,
                _ => return,
            }
        }
        let total: usize = self
            .frags
            .range(first..=last)
            .map(|(_, f)| f.data.len())
            .sum();
        let mut data = Vec::with_capacity(total);
        let head = self.frags.remove(&first).expect("first fragment present");
        data.extend_from_slice(&head.data);
        for k in first + 1..=last {
            let f = self.frags.remove(&k).expect("fragment present");
            data.extend_from_slice(&f.data);
        }
        self.complete(head.stream, head.ssn, head.ppid, head.unordered, data);
    }

    /// A whole message: deliver it if it is next on its stream, else keep it for later.
    fn complete(&mut self, stream: u16, ssn: u16, ppid: u32, unordered: bool, data: Vec<u8>) {
        if unordered {
            self.ready.push_back((stream, ppid, data));
            return;
        }
        let s = &mut self.streams[stream as usize];
        let ext = s.next_ext + ssn.wrapping_sub(s.next) as u64;
        if ext != s.next_ext {
            s.waiting.insert(ext, (ppid, data));
            return;
        }
        self.ready.push_back((stream, ppid, data));
        s.next = s.next.wrapping_add(1);
        s.next_ext += 1;
        while let Some(e) = s.waiting.first_entry() {
            if *e.key() != s.next_ext {
                break;
            }
            let (ppid, data) = e.remove();
            self.ready.push_back((stream, ppid, data));
            s.next = s.next.wrapping_add(1);
            s.next_ext += 1;
        }
    }

    /// Counts a packet that carried DATA and decides when to SACK (every second packet, or
    /// after `delay`).
    pub fn on_data_packet(&mut self, now: Micros, delay: Micros) {
        self.data_packets += 1;
        if self.data_packets >= 2 {
            self.sack_now = true;
        } else if self.sack_at.is_none() {
            self.sack_at = Some(now + delay);
        }
    }

    /// A SACK is owed (now or when the delayed-SACK timer fires).
    pub fn sack_pending(&self) -> bool {
        self.sack_now || self.sack_at.is_some()
    }

    /// Appends a SACK to `pb` if it fits in `room` bytes; `gaps` is scratch space.
    pub fn write_sack(
        &mut self,
        pb: &mut PacketBuilder<'_>,
        room: usize,
        gaps: &mut Vec<GapBlock>,
    ) -> bool {
        let max_gaps = room.saturating_sub(16 + 4 * self.dups.len()) / 4;
        if room < 16 + 4 * self.dups.len() {
            return false;
        }
        gaps.clear();
        let mut i = 0;
        while i < self.above.len() && gaps.len() < max_gaps {
            if !self.above[i] {
                i += 1;
                continue;
            }
            let start = i;
            while i < self.above.len() && self.above[i] {
                i += 1;
            }
            gaps.push(GapBlock {
                start: (start + 1) as u16,
                end: i as u16,
            });
        }
        let a_rwnd = self.a_rwnd();
        self.advertised = a_rwnd as usize;
        pb.push(&ChunkRepr::Sack(SackChunk {
            cum_tsn_ack: self.cum,
            a_rwnd,
            gap_blocks: GapBlocks::List(gaps),
            dup_tsns: DupTsns::List(&self.dups),
        }));
        self.dups.clear();
        self.sack_now = false;
        self.sack_at = None;
        self.data_packets = 0;
        true
    }
}
