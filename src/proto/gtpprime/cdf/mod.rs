//! The charging data function's side of GTP' (TS 32.295): what the PGW and the SGW
//! run to hand their CDRs to a CGF exactly once.
//!
//! - Records wait in a queue and are packed into Data Record Transfer Requests, at most
//!   `max_records_per_packet` (and `max_packet_bytes`) each, with a sequence number per CGF.
//! - A request without an answer is sent again, identical, after a wait that starts at T3 and
//!   doubles up to `backoff_cap`, drawn with jitter from a seeded [`Rng`]; after N3 repeats the
//!   CGF counts as down, is probed with Echo Requests on the same kind of backoff, and traffic
//!   fails over to the next CGF of the list (the list's order is the preference; the first that
//!   is up and not redirected away is used, so traffic fails back when the primary returns).
//! - The records of a packet whose fate is unknown go to the next CGF as "send possibly
//!   duplicated" while the original CGF is down. Once it answers again, the CDF sends
//!   it an empty "test" packet, also "send possibly duplicated", with the original sequence
//!   number: "request already
//!   fulfilled" means it stored the packet, so the copy is cancelled (or the waiting records
//!   dropped as done); "request accepted" twice means it never had it (a single "accepted" may
//!   be the late answer to the packet itself, so the probe is repeated), so the copy is
//!   released (or the waiting records sent again as new). Each CDR is stored once, also when
//!   the link reorders and loses datagrams (`tests/charging.rs` runs random outages, loss,
//!   reordering and redirections).
//! - A Redirection Request moves traffic off the CGF that sent it (to the recommended node
//!   when one is named); a Node Alive Request brings a CGF back at once.
//! - Past `max_unacked_packets` in flight, or with no CGF to send to, records go to the
//!   dead-letter spool (records framed by [`append`](super::spool::append)) in batches the
//!   engine appends and syncs; they are read back when a CGF answers again.
//!
//! Sans-IO (CONTRIBUTING.md §2): call `handle_record`, `handle_datagram`, `handle_timeout` and
//! `handle_spool_data` as things happen; after each, drain `poll_transmit` (datagrams),
//! `poll_spool` (spool operations, in order) and `poll_event` (acknowledged records with their
//! closing time, CGF state changes), and sleep until `poll_timeout`.

mod recovery;
mod replay;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use super::spool::SpoolState;
use crate::model::rng::{derive_seed, Rng};
use crate::model::Micros;
use crate::proto::diameter::Backoff;
use crate::wire::gtpprime::{cause, Message, Records, SeqList, MAX_RECORDS};

/// CDF settings.
#[derive(Debug, Clone)]
pub struct CdfConfig {
    /// CGF addresses in order of preference: the primary first, then the secondaries.
    pub cgfs: Vec<SocketAddr>,
    /// Most CDRs in one Data Record Packet (1..=255).
    pub max_records_per_packet: usize,
    /// Most octets of CDRs in one packet (keeps datagrams under the path MTU or 64 KiB).
    pub max_packet_bytes: usize,
    /// T3: the first wait for a response before sending a request again.
    pub t3: Micros,
    /// N3: repeats of a request before its CGF counts as down.
    pub n3: u32,
    /// Longest wait between two attempts (retransmissions and Echo probes).
    pub backoff_cap: Micros,
    /// First wait between Echo Requests to a CGF that is down.
    pub echo_interval: Micros,
    /// How long a CGF that sent a Redirection Request is left alone (unless it sends Node Alive).
    pub redirect_hold: Micros,
    /// Most packets waiting for an answer; records past this bound go to the spool.
    pub max_unacked_packets: usize,
    /// How long a possibly duplicated copy is held for its original's CGF to answer the test
    /// packet when that CGF has never answered this CDF at all (dead since before the first
    /// packet): it cannot have stored the original, so the copy is released. Without this, a
    /// CGF that is down for a whole run keeps its packets' records undecided forever. A CGF that
    /// answered before may have stored the original: its copies stay held until it answers
    /// (TS 32.295). `None`: always hold. Counted as `released_unresolved`.
    pub unknown_fate_limit: Option<Micros>,
    /// Seed of the jitter.
    pub seed: u64,
}

impl Default for CdfConfig {
    fn default() -> Self {
        CdfConfig {
            cgfs: Vec::new(),
            max_records_per_packet: 32,
            max_packet_bytes: 60_000,
            t3: Micros::from_secs(3),
            n3: 3,
            backoff_cap: Micros::from_secs(30),
            echo_interval: Micros::from_secs(5),
            redirect_hold: Micros::from_secs(60),
            max_unacked_packets: 256,
            unknown_fate_limit: None,
            seed: 0,
        }
    }
}

/// Something that happened, for the layer above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdfEvent {
    /// A CDR is stored at a CGF (acknowledged, or its possibly duplicated copy resolved); its
    /// closing time, for close→ack latency.
    Acked {
        /// When the record was closed.
        closed_at: Micros,
    },
    /// A CGF stopped answering (N3 repeats without a response).
    CgfDown(SocketAddr),
    /// A CGF answered again.
    CgfUp(SocketAddr),
}

/// What the engine must do to the spool file, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpoolOp {
    /// Append these framed records and sync them to disk before anything else.
    Append(Vec<u8>),
    /// Read the file from this offset to its end and hand the bytes to `handle_spool_data`.
    Read {
        /// Offset in the spool file.
        from: u64,
    },
    /// Cut the file to this length (a torn tail was found).
    Truncate {
        /// New length.
        len: u64,
    },
    /// Every spooled record has been replayed and acknowledged: the file may be emptied.
    Clear,
}

/// CDF counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CdfStats {
    /// CDRs handed in.
    pub generated: u64,
    /// Data Record Transfer Requests sent (first transmissions, all commands).
    pub packets_sent: u64,
    /// Packets of CDRs acknowledged.
    pub packets_acked: u64,
    /// CDRs known stored (acknowledged, released or cancelled as duplicates of a stored copy).
    pub records_acked: u64,
    /// Retransmissions.
    pub retransmitted: u64,
    /// Redirection Requests obeyed.
    pub redirected: u64,
    /// Packets sent as "send possibly duplicated".
    pub sent_possibly_duplicated: u64,
    /// Possibly duplicated packets released (stored by the CGF that held them).
    pub released: u64,
    /// Of those, released because the original's CGF stayed silent past
    /// `unknown_fate_limit`.
    pub released_unresolved: u64,
    /// Possibly duplicated packets cancelled (the original CGF had them).
    pub cancelled: u64,
    /// CDRs written to the spool.
    pub spooled: u64,
    /// CDRs read back from the spool.
    pub replayed: u64,
    /// Packets a CGF refused (a cause other than accepted); their records were queued again.
    pub refused: u64,
    /// Spool bytes cut as a torn tail.
    pub torn_bytes: u64,
}

/// A record the CDF holds.
#[derive(Debug, Clone)]
struct Rec {
    cdr: Vec<u8>,
    closed_at: Micros,
    from_spool: bool,
}

/// What the CDF keeps of a record once its bytes are in a packet.
#[derive(Debug, Clone, Copy)]
struct Meta {
    closed_at: Micros,
    from_spool: bool,
}

fn split(records: Vec<Rec>) -> (Vec<Vec<u8>>, Vec<Meta>) {
    records
        .into_iter()
        .map(|r| {
            (
                r.cdr,
                Meta {
                    closed_at: r.closed_at,
                    from_spool: r.from_spool,
                },
            )
        })
        .unzip()
}

fn join(cdrs: Vec<Vec<u8>>, meta: Vec<Meta>) -> Vec<Rec> {
    cdrs.into_iter()
        .zip(meta)
        .map(|(cdr, m)| Rec {
            cdr,
            closed_at: m.closed_at,
            from_spool: m.from_spool,
        })
        .collect()
}

/// Records sent to CGF `origin` as packet `seq` whose fate is unknown.
#[derive(Debug)]
struct Unknown {
    origin: usize,
    seq: u16,
    records: Vec<Rec>,
}

#[derive(Debug)]
enum Kind {
    /// Send Data Record Packet.
    Normal,
    /// Send possibly duplicated: a copy of packet `seq` of CGF `origin`.
    Duplicate { origin: usize, seq: u16 },
    /// Empty test packet with the sequence number of a packet whose fate is unknown. The
    /// answer decides every held copy and every waiting group of that packet.
    Probe,
    /// Release or cancel of possibly duplicated packets at this CGF.
    Resolve { release: bool, seqs: Vec<u16> },
}

#[derive(Debug)]
struct Packet {
    cgf: usize,
    seq: u16,
    kind: Kind,
    /// The CDRs, as they go on the wire (no copy per transmission).
    cdrs: Vec<Vec<u8>>,
    meta: Vec<Meta>,
    deadline: Micros,
    attempts: u32,
}

#[derive(Debug)]
struct Cgf {
    addr: SocketAddr,
    up: bool,
    /// It has answered this CDF at least once.
    answered: bool,
    next_seq: u16,
    redirected_until: Micros,
    echo: Backoff,
    echo_at: Option<Micros>,
}

/// A possibly duplicated copy held at a CGF, waiting for its original's fate.
#[derive(Debug)]
struct Held {
    origin: usize,
    seq: u16,
    meta: Vec<Meta>,
    /// The probe answered and a release or cancel is decided.
    decided: bool,
    /// When the holding CGF acknowledged the copy.
    since: Micros,
}

/// Sans-IO GTP' CDF: packs, sends, retransmits, fails over, resolves duplicates, spools. See the
/// [module docs](self) for the protocol and the call order.
#[derive(Debug)]
pub struct Cdf {
    cfg: CdfConfig,
    cgfs: Vec<Cgf>,
    pending: VecDeque<Rec>,
    unknown: VecDeque<Unknown>,
    /// Possibly duplicated copies acknowledged by (held at) a CGF: (CGF, seq) → what it holds.
    held: HashMap<(usize, u16), Held>,
    /// Release/cancel decisions waiting for their CGF: (CGF, release?, seq).
    resolutions: VecDeque<(usize, bool, u16)>,
    inflight: HashMap<(usize, u16), Packet>,
    /// Packets given up on whose fate is not decided yet: (CGF, seq) → "request accepted"
    /// answers seen since. See [`Cdf::verdict`].
    verdicts: HashMap<(usize, u16), u8>,
    to_send: VecDeque<(usize, u16)>,
    extra: VecDeque<(SocketAddr, OwnedMessage)>,
    events: VecDeque<CdfEvent>,
    spool_ops: VecDeque<SpoolOp>,
    spool_batch: Vec<u8>,
    spool_len: u64,
    spool_read: u64,
    spool_reading: bool,
    replay_unacked: u64,
    /// Records were handed in since the last packing: pack before the next output.
    dirty: bool,
    /// `now` of the latest `handle_*` call, for packing at output time.
    last_now: Micros,
    rng: Rng,
    stats: CdfStats,
}

/// A message the CDF answers with (Node Alive, Redirection) or sends unprompted (Echo).
#[derive(Debug, Clone, Copy)]
enum OwnedMessage {
    Echo(u16),
    NodeAliveResponse(u16),
    RedirectionResponse(u16),
}

impl Cdf {
    /// A CDF with empty queues; every CGF starts up.
    pub fn new(cfg: CdfConfig) -> Cdf {
        let mut cfg = cfg;
        cfg.max_records_per_packet = cfg.max_records_per_packet.clamp(1, MAX_RECORDS);
        cfg.max_unacked_packets = cfg.max_unacked_packets.max(1);
        let cgfs = cfg
            .cgfs
            .iter()
            .enumerate()
            .map(|(i, &addr)| Cgf::new(addr, &cfg, i))
            .collect();
        Cdf {
            rng: Rng::new(derive_seed(cfg.seed, 0x6764_6600)),
            cgfs,
            cfg,
            pending: VecDeque::new(),
            unknown: VecDeque::new(),
            held: HashMap::new(),
            resolutions: VecDeque::new(),
            inflight: HashMap::new(),
            verdicts: HashMap::new(),
            to_send: VecDeque::new(),
            extra: VecDeque::new(),
            events: VecDeque::new(),
            spool_ops: VecDeque::new(),
            spool_batch: Vec::new(),
            spool_len: 0,
            spool_read: 0,
            spool_reading: false,
            replay_unacked: 0,
            dirty: false,
            last_now: Micros::ZERO,
            stats: CdfStats::default(),
        }
    }

    /// Resumes with a spool file of `len` bytes left by an earlier run: its records are read
    /// back (a torn tail cut) once a CGF answers.
    pub fn resume_spool(&mut self, len: u64) {
        self.spool_len = len;
        self.spool_read = 0;
    }

    /// Hands in one closed CDR (BER) and when it was closed. Records handed in before the next
    /// `poll_transmit` or `poll_spool` are packed together.
    pub fn handle_record(&mut self, now: Micros, cdr: Vec<u8>, closed_at: Micros) {
        self.stats.generated += 1;
        self.pending.push_back(Rec {
            cdr,
            closed_at,
            from_spool: false,
        });
        self.last_now = self.last_now.max(now);
        self.dirty = true;
    }

    /// Packs records handed in since the last output.
    fn pack(&mut self) {
        if self.dirty {
            self.dirty = false;
            self.pump(self.last_now);
        }
    }

    /// The CGF in use for new packets: the first one up and not redirected away.
    fn active(&self, now: Micros) -> Option<usize> {
        self.cgfs
            .iter()
            .position(|c| c.up && c.redirected_until <= now)
            .or_else(|| self.cgfs.iter().position(|c| c.up))
    }

    fn alloc_seq(&mut self, cgf: usize) -> u16 {
        loop {
            let c = &mut self.cgfs[cgf];
            let seq = c.next_seq;
            c.next_seq = seq.wrapping_add(1);
            // Skip numbers still in use: in flight, a held copy, or a packet awaiting its verdict.
            let key = (cgf, seq);
            if !self.inflight.contains_key(&key)
                && !self.held.contains_key(&key)
                && !self.verdicts.contains_key(&key)
            {
                return seq;
            }
        }
    }

    fn retry_delay(&mut self, attempts: u32) -> Micros {
        let base = self
            .cfg
            .t3
            .as_u64()
            .saturating_mul(1u64 << attempts.min(20))
            .min(self.cfg.backoff_cap.as_u64().max(self.cfg.t3.as_u64()))
            .max(1);
        Micros(base / 2 + self.rng.below(base / 2 + 1))
    }

    fn launch(&mut self, now: Micros, cgf: usize, seq: u16, kind: Kind, records: Vec<Rec>) {
        if matches!(kind, Kind::Duplicate { .. }) {
            self.stats.sent_possibly_duplicated += 1;
        }
        let deadline = now + self.retry_delay(0);
        let (cdrs, meta) = split(records);
        self.inflight.insert(
            (cgf, seq),
            Packet {
                cgf,
                seq,
                kind,
                cdrs,
                meta,
                deadline,
                attempts: 0,
            },
        );
        self.to_send.push_back((cgf, seq));
        self.stats.packets_sent += 1;
    }

    fn room(&self) -> bool {
        self.inflight.len() < self.cfg.max_unacked_packets
    }

    /// Takes up to one packet's worth of records off the front of `from`.
    fn take_batch(&self, from: &mut VecDeque<Rec>) -> Vec<Rec> {
        let mut bytes = 0;
        let mut batch = Vec::new();
        while let Some(r) = from.front() {
            if batch.len() == self.cfg.max_records_per_packet
                || (!batch.is_empty() && bytes + 2 + r.cdr.len() > self.cfg.max_packet_bytes)
            {
                break;
            }
            bytes += 2 + r.cdr.len();
            batch.push(from.pop_front().expect("front exists"));
        }
        batch
    }

    /// Moves work into packets while there is room and a CGF, spools what cannot go.
    fn pump(&mut self, now: Micros) {
        self.dirty = false;
        self.last_now = self.last_now.max(now);
        for i in 0..self.cgfs.len() {
            if self.cgfs[i].up {
                self.start_probes(now, i);
            }
        }
        // Decisions about held copies go first: they finish records that are otherwise done.
        let mut waiting = VecDeque::new();
        while let Some((cgf, release, seq)) = self.resolutions.pop_front() {
            if self.cgfs[cgf].up && self.room() {
                let s = self.alloc_seq(cgf);
                self.launch(
                    now,
                    cgf,
                    s,
                    Kind::Resolve {
                        release,
                        seqs: vec![seq],
                    },
                    Vec::new(),
                );
            } else {
                waiting.push_back((cgf, release, seq));
            }
        }
        self.resolutions = waiting;
        // Packets of unknown fate: ask the original CGF when it is up (an empty packet with the
        // same number: its answer says whether it has them); else a possibly duplicated copy
        // to another CGF that is up; else the spool.
        let mut stuck = VecDeque::new();
        let mut asking = VecDeque::new();
        while let Some(u) = self.unknown.pop_front() {
            let key = (u.origin, u.seq);
            if self.cgfs[u.origin].up {
                if matches!(self.inflight.get(&key), Some(p) if matches!(p.kind, Kind::Probe)) {
                    asking.push_back(u);
                    continue;
                }
                if !self.inflight.contains_key(&key) && self.room() {
                    self.launch(now, u.origin, u.seq, Kind::Probe, Vec::new());
                    asking.push_back(u);
                    continue;
                }
            }
            let target = (0..self.cgfs.len())
                .find(|&i| i != u.origin && self.cgfs[i].up && self.cgfs[i].redirected_until <= now)
                .or_else(|| (0..self.cgfs.len()).find(|&i| i != u.origin && self.cgfs[i].up));
            match target {
                Some(t) if self.room() => {
                    let s = self.alloc_seq(t);
                    self.launch(
                        now,
                        t,
                        s,
                        Kind::Duplicate {
                            origin: u.origin,
                            seq: u.seq,
                        },
                        u.records,
                    );
                }
                _ => stuck.push_back(u),
            }
        }
        self.unknown = asking;
        // What cannot be sent now and is not already on disk goes to the spool.
        for u in stuck {
            if u.records.iter().all(|r| r.from_spool) {
                self.unknown.push_back(u);
                continue;
            }
            let state = SpoolState::Unknown {
                cgf: u.origin as u8,
                seq: u.seq,
            };
            for r in &u.records {
                if r.from_spool {
                    // Written again below: the copy read earlier no longer waits for its ack.
                    self.replay_unacked -= 1;
                }
                self.spool_one(state, r);
            }
        }
        // Fresh records.
        while !self.pending.is_empty() && self.room() {
            let Some(cgf) = self.active(now) else { break };
            let mut from = std::mem::take(&mut self.pending);
            let batch = self.take_batch(&mut from);
            self.pending = from;
            let seq = self.alloc_seq(cgf);
            self.launch(now, cgf, seq, Kind::Normal, batch);
        }
        // Records read back from the spool stay in memory (a read takes no more than the free
        // packet slots can carry); new ones go to disk.
        let mut keep = VecDeque::new();
        while let Some(r) = self.pending.pop_front() {
            if r.from_spool {
                keep.push_back(r);
            } else {
                self.spool_one(SpoolState::Fresh, &r);
            }
        }
        self.pending = keep;
        self.flush_spool();
        self.maybe_replay();
    }

    fn cgf_of(&self, addr: SocketAddr) -> Option<usize> {
        self.cgfs.iter().position(|c| c.addr == addr)
    }

    /// A datagram from `src` (already known to be GTP'); malformed ones are ignored.
    pub fn handle_datagram(&mut self, now: Micros, src: SocketAddr, data: &[u8]) {
        let Ok((seq, msg)) = Message::parse(data) else {
            return;
        };
        let from = self.cgf_of(src);
        if let Some(i) = from {
            self.cgfs[i].answered = true;
        }
        match msg {
            Message::TransferResponse {
                cause: c,
                responded,
            } => {
                if let Some(i) = from {
                    self.mark_up(now, i);
                    for s in responded.iter() {
                        self.on_response(now, i, s, c);
                    }
                }
            }
            Message::EchoResponse { .. } => {
                if let Some(i) = from {
                    self.mark_up(now, i);
                }
            }
            Message::NodeAliveRequest { .. } => {
                self.extra
                    .push_back((src, OwnedMessage::NodeAliveResponse(seq)));
                if let Some(i) = from {
                    self.cgfs[i].redirected_until = Micros::ZERO;
                    self.mark_up(now, i);
                }
            }
            Message::RedirectionRequest { recommended, .. } => {
                self.extra
                    .push_back((src, OwnedMessage::RedirectionResponse(seq)));
                self.stats.redirected += 1;
                if let Some(i) = from {
                    self.cgfs[i].redirected_until = now + self.cfg.redirect_hold;
                }
                if let Some(addr) = recommended {
                    let port = src.port();
                    let target = SocketAddr::new(addr, port);
                    let j = match self.cgf_of(target) {
                        Some(j) => j,
                        None => {
                            let n = self.cgfs.len();
                            self.cgfs.push(Cgf::new(target, &self.cfg, n));
                            n
                        }
                    };
                    // The recommended node goes first in the preference.
                    self.cgfs[j].redirected_until = Micros::ZERO;
                    self.prefer(now, j);
                }
            }
            _ => {}
        }
        self.pump(now);
    }

    /// Moves CGF `j` to the front of the preference by lowering the others' priority: done by
    /// redirecting away every CGF ahead of it for the hold time.
    fn prefer(&mut self, now: Micros, j: usize) {
        let hold = now + self.cfg.redirect_hold;
        for c in &mut self.cgfs[..j] {
            c.redirected_until = c.redirected_until.max(hold);
        }
    }

    /// Retransmits what is due, declares CGFs down after N3, probes them with Echo.
    pub fn handle_timeout(&mut self, now: Micros) {
        let due: Vec<(usize, u16)> = self
            .inflight
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(k, _)| *k)
            .collect();
        for key in due {
            let attempts = self.inflight[&key].attempts;
            if attempts < self.cfg.n3 {
                let d = self.retry_delay(attempts + 1);
                let p = self.inflight.get_mut(&key).expect("due packet");
                p.attempts += 1;
                p.deadline = now + d;
                self.to_send.push_back(key);
                self.stats.retransmitted += 1;
            } else {
                let p = self.inflight.remove(&key).expect("due packet");
                self.give_up(now, p);
            }
        }
        // Originals whose CGF stayed silent too long: never stored, as far as anyone can tell.
        let mut silent: Vec<(usize, u16)> = self
            .held
            .values()
            .filter(|h| !h.decided && self.unresolved_until(h).is_some_and(|t| t <= now))
            .map(|h| (h.origin, h.seq))
            .collect();
        silent.sort_unstable();
        silent.dedup();
        for (origin, seq) in silent {
            self.stats.released_unresolved += 1;
            self.decide(origin, seq, false);
        }
        for i in 0..self.cgfs.len() {
            if let Some(at) = self.cgfs[i].echo_at {
                if at <= now {
                    self.extra
                        .push_back((self.cgfs[i].addr, OwnedMessage::Echo(0)));
                    let d = self.cgfs[i].echo.next_delay();
                    self.cgfs[i].echo_at = Some(now + d);
                }
            }
        }
        self.pump(now);
    }

    /// The next instant `handle_timeout` wants to run (at once when records wait to be packed).
    pub fn poll_timeout(&self) -> Option<Micros> {
        if self.dirty {
            return Some(self.last_now);
        }
        let packets = self.inflight.values().map(|p| p.deadline);
        let echoes = self.cgfs.iter().filter_map(|c| c.echo_at);
        let held = self.held.values().filter_map(|h| self.unresolved_until(h));
        packets.chain(echoes).chain(held).min()
    }

    /// When a held copy is released for want of an answer from its original's CGF; `None`
    /// once decided or while that CGF is up (its probe decides).
    fn unresolved_until(&self, h: &Held) -> Option<Micros> {
        let c = &self.cgfs[h.origin];
        let limit = self.cfg.unknown_fate_limit?;
        (!h.decided && !c.up && !c.answered).then(|| h.since + limit)
    }

    /// Appends the next datagram to `buf`; returns its destination and length.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<super::Datagram> {
        self.pack();
        if let Some((dst, m)) = self.extra.pop_front() {
            let (msg, seq) = match m {
                OwnedMessage::Echo(s) => (Message::EchoRequest, s),
                OwnedMessage::NodeAliveResponse(s) => (Message::NodeAliveResponse, s),
                OwnedMessage::RedirectionResponse(s) => (
                    Message::RedirectionResponse {
                        cause: cause::REQUEST_ACCEPTED,
                    },
                    s,
                ),
            };
            return Some(append(buf, dst, &msg, seq));
        }
        while let Some(key) = self.to_send.pop_front() {
            let Some(p) = self.inflight.get(&key) else {
                continue;
            };
            let seqs: [u16; 1];
            let msg = match &p.kind {
                Kind::Normal | Kind::Duplicate { .. } => Message::Send {
                    possibly_duplicated: matches!(p.kind, Kind::Duplicate { .. }),
                    records: Records::List(&p.cdrs),
                },
                // The test packet goes as "send possibly duplicated" with no records.
                Kind::Probe => Message::Send {
                    possibly_duplicated: true,
                    records: Records::List(&[]),
                },
                Kind::Resolve { release, seqs: s } => {
                    seqs = [s[0]];
                    let packets = SeqList::List(&seqs);
                    if *release {
                        Message::Release { packets }
                    } else {
                        Message::Cancel { packets }
                    }
                }
            };
            let dst = self.cgfs[p.cgf].addr;
            return Some(append(buf, dst, &msg, p.seq));
        }
        None
    }

    /// Next spool operation, in order.
    pub fn poll_spool(&mut self) -> Option<SpoolOp> {
        self.pack();
        self.spool_ops.pop_front()
    }

    /// Next event.
    pub fn poll_event(&mut self) -> Option<CdfEvent> {
        self.events.pop_front()
    }

    /// Counters so far.
    pub fn stats(&self) -> CdfStats {
        self.stats
    }

    /// Packets waiting for an answer.
    pub fn unacked_packets(&self) -> usize {
        self.inflight.len()
    }

    /// Records in memory not yet known stored: queued, in flight, held as possibly duplicated,
    /// or waiting for the verdict on their packet. Spooled records are not counted (see
    /// [`Cdf::spool_pending`]).
    pub fn outstanding_records(&self) -> usize {
        self.pending.len()
            + self.unknown.iter().map(|u| u.records.len()).sum::<usize>()
            + self.held.values().map(|h| h.meta.len()).sum::<usize>()
            + self.inflight.values().map(|p| p.meta.len()).sum::<usize>()
    }

    /// True when the spool holds records not yet read back.
    pub fn spool_pending(&self) -> bool {
        self.spool_read < self.spool_len
    }
}

impl Cgf {
    fn new(addr: SocketAddr, cfg: &CdfConfig, i: usize) -> Cgf {
        Cgf {
            addr,
            up: true,
            answered: false,
            next_seq: 0,
            redirected_until: Micros::ZERO,
            echo: Backoff::new(
                cfg.echo_interval,
                cfg.backoff_cap,
                derive_seed(cfg.seed, 0x6563_686f + i as u64),
            ),
            echo_at: None,
        }
    }
}

fn append(buf: &mut Vec<u8>, dst: SocketAddr, msg: &Message<'_>, seq: u16) -> super::Datagram {
    let start = buf.len();
    let n = msg.buffer_len();
    buf.resize(start + n, 0);
    let len = msg
        .emit(seq, &mut buf[start..])
        .expect("sized by buffer_len, records bounded by the packer");
    super::Datagram { dst, len }
}
