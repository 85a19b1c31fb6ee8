//! A simulated charging gateway function (the mediation that receives CDRs over GTP', TS 32.295
//! and writes CDR files, TS 32.297): it acknowledges Data Record Transfer Requests,
//! stores each CDR once, holds "possibly duplicated" packets until the CDF releases or cancels
//! them, answers the empty probe packet, and closes files on a CDR count or an age.
//!
//! Duplicate detection is by (peer, sequence number), over a window of the most recent
//! `dedup_window` numbers per peer: a number whose packet was stored is answered "request
//! already fulfilled" and its records are dropped. An empty packet (the CDF's probe of a number
//! whose fate it does not know) finding the number unused is answered "request accepted" and
//! marks it, so that the packet itself, arriving late, is refused ("request not fulfilled")
//! rather than stored: "already fulfilled" always means stored. The window survives an outage (a CGF that stops
//! answering keeps what it stored, and the sequence numbers that go with it).
//!
//! The outage switch ([`Cgf::set_down`]) makes it drop everything, as a dead node would; when
//! it comes back it sends Node Alive Requests to the CDFs it knows.
//!
//! Sans-IO: `handle_datagram`, `handle_timeout`; drain `poll_transmit` (answers and Node Alive /
//! Redirection requests) and `poll_file` (closed files, for the engine to write atomically);
//! sleep until `poll_timeout`.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::model::Micros;
use crate::proto::gtpprime::Datagram;
use crate::wire::cdr::file::{closure, CdrHeader, FileHeader, FileTime, ReleaseVersion};
use crate::wire::cdr::{GwRecord, TimeStamp};
use crate::wire::gtpprime::{cause, Error, Message, SeqList};

/// CGF settings.
#[derive(Debug, Clone)]
pub struct CgfConfig {
    /// This node's address (in Node Alive Requests and file headers).
    pub node_address: IpAddr,
    /// A file closes when it holds this many CDRs.
    pub max_cdrs_per_file: u32,
    /// A file closes when it has been open this long.
    pub max_file_age: Micros,
    /// Unix time in seconds at `Micros::ZERO` of the caller's clock (for file timestamps).
    pub epoch_unix_s: u64,
    /// Local time offset from UTC for file timestamps, in minutes.
    pub utc_offset_min: i16,
    /// File names are this prefix, the file sequence number (8 digits) and `.cdr`.
    pub file_prefix: String,
    /// Sequence numbers remembered per CDF for duplicate detection.
    pub dedup_window: usize,
}

impl Default for CgfConfig {
    fn default() -> Self {
        CgfConfig {
            node_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            max_cdrs_per_file: 1000,
            max_file_age: Micros::from_secs(300),
            epoch_unix_s: 1_700_000_000,
            utc_offset_min: 0,
            file_prefix: "cgf-".into(),
            dedup_window: 16_384,
        }
    }
}

/// A closed CDR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdrFile {
    /// File name (no directory).
    pub name: String,
    /// The whole file: TS 32.297 header and CDRs.
    pub bytes: Vec<u8>,
    /// CDRs in it.
    pub cdrs: u32,
}

/// CGF counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgfStats {
    /// Data Record Transfer Requests handled (while up).
    pub requests: u64,
    /// CDRs stored (written to a file).
    pub stored: u64,
    /// CDRs dropped as duplicates (a sequence number seen before, or a cancelled copy).
    pub duplicates_dropped: u64,
    /// CDRs held as possibly duplicated, waiting for release or cancel.
    pub held: u64,
    /// Possibly duplicated packets released (stored).
    pub released: u64,
    /// Possibly duplicated packets cancelled (dropped).
    pub cancelled: u64,
    /// Packets refused because a CDR did not decode.
    pub decode_errors: u64,
    /// Datagrams dropped while down.
    pub dropped_while_down: u64,
    /// Files closed.
    pub files: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// The packet's CDRs are stored (or were cancelled as copies of stored ones).
    Stored,
    /// An empty probe packet was answered "accepted": a late original is not stored.
    Probed,
    /// A possibly duplicated packet is held.
    Held,
}

#[derive(Debug, Default)]
struct Peer {
    seen: HashMap<u16, Seen>,
    order: VecDeque<u16>,
    held: HashMap<u16, Vec<Vec<u8>>>,
}

impl Peer {
    fn remember(&mut self, seq: u16, s: Seen, window: usize) {
        if self.seen.insert(seq, s).is_none() {
            self.order.push_back(seq);
            while self.order.len() > window.max(1) {
                if let Some(old) = self.order.pop_front() {
                    self.seen.remove(&old);
                }
            }
        }
    }
}

#[derive(Debug)]
struct OpenFile {
    bytes: Vec<u8>,
    cdrs: u32,
    opened: Micros,
    last: Micros,
}

/// Sans-IO GTP' CGF. See the [module docs](self).
#[derive(Debug)]
pub struct Cgf {
    cfg: CgfConfig,
    down: bool,
    peers: HashMap<SocketAddr, Peer>,
    file: Option<OpenFile>,
    next_file: u32,
    out: VecDeque<(SocketAddr, Vec<u8>)>,
    files: VecDeque<CdrFile>,
    next_seq: u16,
    stats: CgfStats,
}

impl Cgf {
    /// A CGF that is up, with no file open.
    pub fn new(cfg: CgfConfig) -> Cgf {
        Cgf {
            cfg,
            down: false,
            peers: HashMap::new(),
            file: None,
            next_file: 1,
            out: VecDeque::new(),
            files: VecDeque::new(),
            next_seq: 0,
            stats: CgfStats::default(),
        }
    }

    /// The outage switch: while down every datagram is dropped unanswered. Coming back up
    /// sends a Node Alive Request to every CDF seen before.
    pub fn set_down(&mut self, down: bool) {
        if self.down && !down {
            let peers: Vec<SocketAddr> = self.peers.keys().copied().collect();
            for p in peers {
                let node = self.cfg.node_address;
                self.send(
                    p,
                    Message::NodeAliveRequest {
                        node,
                        alternative: None,
                    },
                );
            }
        }
        self.down = down;
    }

    /// True while the outage switch is on.
    pub fn is_down(&self) -> bool {
        self.down
    }

    /// Asks the CDF at `peer` to send elsewhere (to `recommended` when given).
    pub fn redirect(&mut self, peer: SocketAddr, why: u8, recommended: Option<IpAddr>) {
        self.send(
            peer,
            Message::RedirectionRequest {
                cause: why,
                recommended,
            },
        );
    }

    fn send(&mut self, dst: SocketAddr, m: Message<'_>) {
        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        self.reply(dst, seq, m);
    }

    fn reply(&mut self, dst: SocketAddr, seq: u16, m: Message<'_>) {
        let mut b = vec![0u8; m.buffer_len()];
        if m.emit(seq, &mut b).is_ok() {
            self.out.push_back((dst, b));
        }
    }

    /// A datagram from `src`.
    pub fn handle_datagram(&mut self, now: Micros, src: SocketAddr, data: &[u8]) {
        if self.down {
            self.stats.dropped_while_down += 1;
            return;
        }
        let (seq, msg) = match Message::parse(data) {
            Ok(v) => v,
            Err(Error::UnsupportedVersion(_) | Error::LongHeader) if data.len() >= 6 => {
                // Another GTP' version (or the 20-octet header of version 0): say which one
                // this node speaks (TS 32.295 Version Not Supported).
                let seq = u16::from_be_bytes([data[4], data[5]]);
                self.reply(src, seq, Message::VersionNotSupported);
                return;
            }
            Err(e) => {
                // Answer a Data Record Transfer Request we cannot read, so the CDF does not
                // retry it forever; ignore anything else.
                if let Ok(h) = crate::wire::gtpprime::peek_header(data) {
                    if h.msg_type == crate::wire::gtpprime::msg::DATA_RECORD_TRANSFER_REQUEST {
                        let one = [h.seq];
                        self.transfer_response(src, h.seq, e.cause(), &one);
                    }
                }
                return;
            }
        };
        // Every CDF that spoke is told when this CGF comes back from an outage.
        self.peers.entry(src).or_default();
        match msg {
            Message::EchoRequest => self.reply(src, seq, Message::EchoResponse { recovery: 0 }),
            Message::NodeAliveRequest { .. } => self.reply(src, seq, Message::NodeAliveResponse),
            Message::Send {
                possibly_duplicated,
                records,
            } => {
                self.stats.requests += 1;
                let cdrs: Vec<&[u8]> = records.iter().collect();
                let c = self.on_send(now, src, seq, possibly_duplicated, &cdrs);
                self.transfer_response(src, seq, c, &[seq]);
            }
            Message::Release { packets } | Message::Cancel { packets } => {
                self.stats.requests += 1;
                let release = matches!(msg, Message::Release { .. });
                let c = self.on_resolve(now, src, release, packets);
                self.transfer_response(src, seq, c, &[seq]);
            }
            _ => {}
        }
    }

    fn transfer_response(&mut self, dst: SocketAddr, seq: u16, c: u8, responded: &[u16]) {
        self.reply(
            dst,
            seq,
            Message::TransferResponse {
                cause: c,
                responded: SeqList::List(responded),
            },
        );
    }

    fn on_send(
        &mut self,
        now: Micros,
        src: SocketAddr,
        seq: u16,
        possibly_duplicated: bool,
        cdrs: &[&[u8]],
    ) -> u8 {
        let window = self.cfg.dedup_window;
        let prior = self.peers.entry(src).or_default().seen.get(&seq).copied();
        match (prior, cdrs.is_empty()) {
            // A probe for a number already answered "accepted" gets the same answer again.
            (Some(Seen::Probed), true) => return cause::REQUEST_ACCEPTED,
            // The packet itself, late, after a probe found its number unused: the CDF has
            // sent or will send its records elsewhere, so they are not stored here, and the
            // answer must not say they were.
            (Some(Seen::Probed), false) => {
                self.stats.duplicates_dropped += cdrs.len() as u64;
                return cause::REQUEST_NOT_FULFILLED;
            }
            (Some(_), _) => {
                self.stats.duplicates_dropped += cdrs.len() as u64;
                return cause::REQUEST_ALREADY_FULFILLED;
            }
            (None, true) => {
                let peer = self.peers.get_mut(&src).expect("entry made above");
                peer.remember(seq, Seen::Probed, window);
                return cause::REQUEST_ACCEPTED;
            }
            (None, false) => {}
        }
        if cdrs.iter().any(|c| GwRecord::parse(c).is_err()) {
            self.stats.decode_errors += 1;
            return cause::CDR_DECODING_ERROR;
        }
        let peer = self.peers.get_mut(&src).expect("entry made above");
        if possibly_duplicated {
            peer.remember(seq, Seen::Held, window);
            peer.held
                .insert(seq, cdrs.iter().map(|c| c.to_vec()).collect());
            self.stats.held += cdrs.len() as u64;
        } else {
            peer.remember(seq, Seen::Stored, window);
            for c in cdrs {
                self.store(now, c);
            }
        }
        cause::REQUEST_ACCEPTED
    }

    fn on_resolve(&mut self, now: Micros, src: SocketAddr, release: bool, seqs: SeqList<'_>) -> u8 {
        let window = self.cfg.dedup_window;
        let mut all_known = true;
        for s in seqs.iter() {
            let peer = self.peers.entry(src).or_default();
            match peer.held.remove(&s) {
                Some(cdrs) => {
                    peer.remember(s, Seen::Stored, window);
                    peer.seen.insert(s, Seen::Stored);
                    if release {
                        self.stats.released += 1;
                        for c in &cdrs {
                            self.store(now, c);
                        }
                    } else {
                        self.stats.cancelled += 1;
                        self.stats.duplicates_dropped += cdrs.len() as u64;
                    }
                }
                None => all_known &= peer.seen.get(&s) == Some(&Seen::Stored),
            }
        }
        if all_known {
            cause::REQUEST_ACCEPTED
        } else {
            cause::SEQUENCE_NUMBERS_INCORRECT
        }
    }

    fn wall(&self, now: Micros) -> FileTime {
        FileTime::from(TimeStamp::from_unix(
            self.cfg.epoch_unix_s + now.as_u64() / 1_000_000,
            self.cfg.utc_offset_min,
        ))
    }

    fn store(&mut self, now: Micros, cdr: &[u8]) {
        let f = self.file.get_or_insert_with(|| OpenFile {
            bytes: vec![0u8; FileHeader::LEN],
            cdrs: 0,
            opened: now,
            last: now,
        });
        f.bytes
            .extend_from_slice(&CdrHeader::ber_ps(cdr.len() as u16).to_bytes());
        f.bytes.extend_from_slice(cdr);
        f.cdrs += 1;
        f.last = now;
        self.stats.stored += 1;
        if f.cdrs >= self.cfg.max_cdrs_per_file {
            self.close(closure::COUNT_LIMIT);
        }
    }

    /// Closes the open file now, if any (a manual closure).
    pub fn flush(&mut self) {
        self.close(closure::MANUAL);
    }

    fn close(&mut self, reason: u8) {
        let Some(mut f) = self.file.take() else {
            return;
        };
        let header = FileHeader {
            file_length: f.bytes.len() as u32,
            high: ReleaseVersion::REL15,
            low: ReleaseVersion::REL15,
            opened: self.wall(f.opened),
            last_append: self.wall(f.last),
            cdr_count: f.cdrs,
            sequence: self.next_file,
            closure_reason: reason,
            node_address: self.cfg.node_address,
            lost_cdrs: 0,
        };
        header
            .emit(&mut f.bytes)
            .expect("the file starts with room for its header");
        self.files.push_back(CdrFile {
            name: format!("{}{:08}.cdr", self.cfg.file_prefix, self.next_file),
            bytes: f.bytes,
            cdrs: f.cdrs,
        });
        self.next_file = self.next_file.wrapping_add(1);
        self.stats.files += 1;
    }

    /// Closes a file that reached its age.
    pub fn handle_timeout(&mut self, now: Micros) {
        if let Some(f) = &self.file {
            if now >= f.opened + self.cfg.max_file_age {
                self.close(closure::TIME_LIMIT);
            }
        }
    }

    /// When the open file reaches its age.
    pub fn poll_timeout(&self) -> Option<Micros> {
        self.file.as_ref().map(|f| f.opened + self.cfg.max_file_age)
    }

    /// Appends the next datagram to `buf`.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        let (dst, b) = self.out.pop_front()?;
        buf.extend_from_slice(&b);
        Some(Datagram { dst, len: b.len() })
    }

    /// Next closed file.
    pub fn poll_file(&mut self) -> Option<CdrFile> {
        self.files.pop_front()
    }

    /// Counters so far.
    pub fn stats(&self) -> CgfStats {
        self.stats
    }
}
