//! The charging records of a gateway's open PDN connections (TS 32.251 §5.2.2, TS 32.298): what
//! the home PGW and the visited SGW keep per connection to write PGW-CDRs and SGW-CDRs, sans-IO.
//!
//! A connection is opened when its Create Session succeeds and closed when it is deleted
//! (`closing::NORMAL_RELEASE`) or ends another way (`ABNORMAL_RELEASE`: a peer's restart, a
//! local release). In between, a partial record closes whenever the connection has been open
//! for the time limit since the last record (`TIME_LIMIT`, 17) or has carried the volume limit
//! since it (`VOLUME_LIMIT`, 16), each with the next `recordSequenceNumber`; the final record of
//! a connection that had partials carries the next number too. The octets come from the
//! connection's [`SessionRates`] (`model::usage`), so every record's containers add up to the
//! connection's volume exactly. Every record gets the node's next `localSequenceNumber`.
//!
//! Closed records come out BER-encoded ([`Ledger::poll_record`]) with their closing instant,
//! ready for [`super::Cdf::handle_record`]. Time is the caller's `Micros` clock; the records'
//! time stamps add `epoch_unix_us` to it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::model::usage::{SessionRates, Volume};
use crate::model::{Imsi, Micros, Msisdn, Plmn};
use crate::wire::cdr::{
    change_condition, closing, service_condition, serving_node, GwRecord, RecordKind, TimeStamp,
    VolumeContainer,
};

/// How a gateway writes its records.
#[derive(Debug, Clone)]
pub struct LedgerConfig {
    /// PGW-CDRs or SGW-CDRs.
    pub kind: RecordKind,
    /// `nodeID`: names the writer; with `localSequenceNumber` it identifies a record.
    pub node_id: String,
    /// The gateway's control plane address (`p-GWAddress` / `s-GWAddress`).
    pub gw_address: IpAddr,
    /// A partial record after this long since the last record; `None`: no time limit.
    pub time_limit: Option<Micros>,
    /// A partial record after this many octets (both directions) since the last record;
    /// `None`: no volume limit.
    pub volume_limit: Option<u64>,
    /// Unix time, in µs, of the caller's clock's zero.
    pub epoch_unix_us: u64,
    /// Rating group of the PGW-CDR's service data container.
    pub rating_group: u32,
    /// QCI of the default bearer.
    pub qci: u8,
    /// Most records waiting for [`Ledger::poll_record`]; beyond, they are counted as dropped
    /// (the caller drains every turn, so this only bounds a stalled caller).
    pub queue_limit: usize,
}

impl LedgerConfig {
    /// A writer of `kind` records named `node_id` at `gw_address`, with no partial records.
    pub fn new(kind: RecordKind, node_id: &str, gw_address: IpAddr) -> LedgerConfig {
        LedgerConfig {
            kind,
            node_id: node_id.chars().take(20).collect(),
            gw_address,
            time_limit: None,
            volume_limit: None,
            epoch_unix_us: 0,
            rating_group: 100,
            qci: 9,
            queue_limit: 1 << 20,
        }
    }
}

/// What a record needs to know about a connection, given when it opens.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The subscriber.
    pub imsi: Imsi,
    /// Its MSISDN, when known.
    pub msisdn: Option<Msisdn>,
    /// The APN network identifier.
    pub apn: Arc<str>,
    /// The PGW's Charging ID.
    pub charging_id: u32,
    /// The UE's address.
    pub paa: Option<Ipv4Addr>,
    /// PGW-CDR: the SGW's address; SGW-CDR: the MME's.
    pub serving_node: IpAddr,
    /// The visited PLMN.
    pub serving_plmn: Plmn,
    /// The PGW's (home) PLMN.
    pub pgw_plmn: Option<Plmn>,
    /// SGW-CDR: the PGW's address.
    pub pgw_address: Option<IpAddr>,
    /// RAT Type.
    pub rat_type: u8,
    /// The traffic it carries.
    pub rates: SessionRates,
    /// When it opened.
    pub start: Micros,
}

/// Records written, by why they closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerStats {
    /// Records closed (all kinds).
    pub records: u64,
    /// Partial records on the time limit.
    pub partial_time: u64,
    /// Partial records on the volume limit.
    pub partial_volume: u64,
    /// Final records of normal releases.
    pub normal: u64,
    /// Final records of abnormal releases.
    pub abnormal: u64,
    /// Records that did not encode or found the queue full.
    pub dropped: u64,
    /// Octets in the closed records' containers (both directions).
    pub octets: u64,
}

struct Open {
    conn: Connection,
    /// When the current record opened.
    opened: Micros,
    /// The connection's volume when it opened.
    volume: Volume,
    /// `recordSequenceNumber` of the current record (0 until a partial closes).
    seq: u32,
    /// Bumped when the record's timer changes, so stale heap entries are skipped.
    gen: u32,
}

/// The open connections of one gateway and the records they close. See the module docs.
pub struct Ledger {
    cfg: LedgerConfig,
    open: HashMap<u64, Open>,
    timers: BinaryHeap<Reverse<(Micros, u64, u32)>>,
    out: VecDeque<(Vec<u8>, Micros)>,
    next_local_seq: u32,
    stats: LedgerStats,
}

impl Ledger {
    /// A ledger with nothing open.
    pub fn new(cfg: LedgerConfig) -> Ledger {
        Ledger {
            cfg,
            open: HashMap::new(),
            timers: BinaryHeap::new(),
            out: VecDeque::new(),
            next_local_seq: 1,
            stats: LedgerStats::default(),
        }
    }

    /// Opens connection `key` (the caller's handle, e.g. its control TEID). An open connection
    /// with the same key is closed first as abnormally released.
    pub fn open(&mut self, key: u64, conn: Connection) {
        let start = conn.start;
        if self.open.contains_key(&key) {
            self.close(start, key, closing::ABNORMAL_RELEASE);
        }
        let o = Open {
            conn,
            opened: start,
            volume: Volume::default(),
            seq: 0,
            gen: 0,
        };
        self.open.insert(key, o);
        self.arm(key);
    }

    /// Closes connection `key` at `now` with the final record's `cause`
    /// (`closing::NORMAL_RELEASE` or `ABNORMAL_RELEASE`). Unknown keys are ignored.
    pub fn close(&mut self, now: Micros, key: u64, cause: u32) {
        let Some(mut o) = self.open.remove(&key) else {
            return;
        };
        if o.seq > 0 {
            o.seq += 1;
        }
        self.write(&o, now, cause);
    }

    /// Connection `key` moved to another serving PLMN (a PLMN change keeps the session): the
    /// records from now on name it.
    pub fn set_serving_plmn(&mut self, key: u64, plmn: Plmn) {
        if let Some(o) = self.open.get_mut(&key) {
            o.conn.serving_plmn = plmn;
        }
    }

    /// Closes every open connection abnormally (the gateway's peer restarted or the run
    /// ends with connections open, which a real gateway would close on its way down).
    pub fn close_all(&mut self, now: Micros, cause: u32) {
        let mut keys: Vec<u64> = self.open.keys().copied().collect();
        keys.sort_unstable();
        for k in keys {
            self.close(now, k, cause);
        }
    }

    /// Forgets every open connection without records (a crash writes none).
    pub fn clear(&mut self) {
        self.open.clear();
        self.timers.clear();
    }

    /// The next partial record's instant.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        while let Some(Reverse((at, key, gen))) = self.timers.peek().copied() {
            if self.open.get(&key).is_some_and(|o| o.gen == gen) {
                return Some(at);
            }
            self.timers.pop();
        }
        None
    }

    /// Closes the partial records due at `now`.
    pub fn handle_timeout(&mut self, now: Micros) {
        while let Some(Reverse((at, key, gen))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            let Some(o) = self.open.get_mut(&key) else {
                continue;
            };
            if o.gen != gen {
                continue;
            }
            let volume = o.conn.rates.volume(at - o.conn.start);
            let by_time = self
                .cfg
                .time_limit
                .is_some_and(|limit| at >= o.opened + limit);
            let cause = if by_time {
                closing::TIME_LIMIT
            } else {
                closing::VOLUME_LIMIT
            };
            o.seq += 1;
            let o = self.open.remove(&key).expect("present");
            self.write(&o, at, cause);
            let next = Open {
                opened: at,
                volume,
                gen: o.gen.wrapping_add(1),
                ..o
            };
            self.open.insert(key, next);
            self.arm(key);
        }
    }

    /// The next closed record (BER) and its closing instant.
    pub fn poll_record(&mut self) -> Option<(Vec<u8>, Micros)> {
        self.out.pop_front()
    }

    /// Connections open.
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Counters so far.
    pub fn stats(&self) -> LedgerStats {
        self.stats
    }

    /// Puts the timer of connection `key`'s current record on the heap.
    fn arm(&mut self, key: u64) {
        let Some(o) = self.open.get(&key) else { return };
        let by_time = self.cfg.time_limit.map(|l| o.opened + l);
        let by_volume = self.cfg.volume_limit.and_then(|l| {
            let target = o.volume.total().saturating_add(l.max(1));
            o.conn.rates.time_to(target).map(|t| o.conn.start + t)
        });
        let at = [by_time, by_volume].into_iter().flatten().min();
        if let Some(at) = at {
            self.timers.push(Reverse((at, key, o.gen)));
        }
    }

    fn write(&mut self, o: &Open, now: Micros, cause: u32) {
        let volume = o.conn.rates.volume(now - o.conn.start);
        let used = volume.since(o.volume);
        match cause {
            closing::TIME_LIMIT => self.stats.partial_time += 1,
            closing::VOLUME_LIMIT => self.stats.partial_volume += 1,
            closing::NORMAL_RELEASE => self.stats.normal += 1,
            _ => self.stats.abnormal += 1,
        }
        let local_seq = self.next_local_seq;
        self.next_local_seq = self.next_local_seq.wrapping_add(1).max(1);
        let record = self.record(o, now, cause, used, local_seq);
        match record.to_vec() {
            Ok(ber) if self.out.len() < self.cfg.queue_limit => {
                self.stats.records += 1;
                self.stats.octets += used.total();
                self.out.push_back((ber, now));
            }
            _ => self.stats.dropped += 1,
        }
    }

    fn stamp(&self, at: Micros) -> TimeStamp {
        TimeStamp::from_unix((self.cfg.epoch_unix_us + at.as_u64()) / 1_000_000, 0)
    }

    fn record(&self, o: &Open, now: Micros, cause: u32, used: Volume, seq: u32) -> GwRecord {
        let c = &o.conn;
        let pgw = self.cfg.kind == RecordKind::Pgw;
        let (opened, closed) = (self.stamp(o.opened), self.stamp(now));
        let duration_s = ((now - o.opened).as_u64() / 1_000_000) as u32;
        let condition = match (pgw, cause) {
            (true, closing::TIME_LIMIT) => service_condition::TIME_LIMIT,
            (true, closing::VOLUME_LIMIT) => service_condition::VOLUME_LIMIT,
            (true, closing::NORMAL_RELEASE) => service_condition::PDP_CONTEXT_RELEASE,
            (true, _) => service_condition::RECORD_CLOSURE,
            (false, _) => change_condition::RECORD_CLOSURE,
        };
        GwRecord {
            kind: self.cfg.kind,
            served_imsi: Some(c.imsi),
            gw_address: self.cfg.gw_address,
            charging_id: c.charging_id,
            serving_node_address: c.serving_node,
            apn_ni: c.apn.to_string(),
            pdp_pdn_type: Some([0xf1, 0x21]),
            served_pdp_pdn_address: c.paa.map(IpAddr::V4),
            dynamic_address_flag: c.paa.is_some(),
            record_opening_time: opened,
            duration_s,
            cause_for_rec_closing: cause,
            record_sequence_number: (o.seq > 0).then_some(o.seq),
            node_id: self.cfg.node_id.clone(),
            local_sequence_number: Some(seq),
            apn_selection_mode: Some(0),
            served_msisdn: c.msisdn,
            charging_characteristics: [0x08, 0x00],
            // Roaming default (TS 32.251 §5.1.2.2.7): the visited network's own choice.
            ch_ch_selection_mode: Some(4),
            serving_node_plmn: Some(c.serving_plmn),
            rat_type: Some(c.rat_type),
            ms_time_zone: None,
            serving_node_type: if pgw {
                serving_node::GTP_SGW
            } else {
                serving_node::MME
            },
            pgw_address_used: if pgw { None } else { c.pgw_address },
            pgw_plmn: c.pgw_plmn,
            start_time: Some(self.stamp(c.start)),
            stop_time: (cause == closing::NORMAL_RELEASE || cause == closing::ABNORMAL_RELEASE)
                .then_some(closed),
            pdn_connection_charging_id: Some(c.charging_id),
            volumes: vec![VolumeContainer {
                rating_group: if pgw { self.cfg.rating_group } else { 0 },
                local_sequence_number: pgw.then_some(1),
                first_usage: pgw.then_some(opened),
                last_usage: pgw.then_some(closed),
                time_usage_s: pgw.then_some(duration_s),
                uplink: used.uplink,
                downlink: used.downlink,
                condition,
                report_time: closed,
                qci: Some(self.cfg.qci),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::cdr::GwRecord;

    fn conn(start: u64) -> Connection {
        Connection {
            imsi: Imsi::new(310_410_000_100_000, 15).unwrap(),
            msisdn: Msisdn::new(15_550_000_000, 11),
            apn: Arc::from("internet"),
            charging_id: 42,
            paa: Some(Ipv4Addr::new(10, 0, 0, 2)),
            serving_node: IpAddr::V4(Ipv4Addr::LOCALHOST),
            serving_plmn: Plmn::new(208, 1, 2).unwrap(),
            pgw_plmn: Plmn::new(310, 410, 3),
            pgw_address: None,
            rat_type: 6,
            rates: SessionRates {
                uplink: 1_000,
                downlink: 9_000,
            },
            start: Micros::from_secs(start),
        }
    }

    fn drain(l: &mut Ledger) -> Vec<GwRecord> {
        std::iter::from_fn(|| l.poll_record())
            .map(|(b, _)| GwRecord::parse(&b).unwrap())
            .collect()
    }

    #[test]
    fn partials_on_time_and_volume_add_up_to_the_connection() {
        let mut cfg = LedgerConfig::new(RecordKind::Pgw, "pgw-0", Ipv4Addr::LOCALHOST.into());
        cfg.time_limit = Some(Micros::from_secs(60));
        cfg.volume_limit = Some(250_000);
        let mut l = Ledger::new(cfg);
        l.open(7, conn(10));
        let end = Micros::from_secs(10 + 95);
        while let Some(t) = l.poll_timeout().filter(|&t| t <= end) {
            l.handle_timeout(t);
        }
        l.close(end, 7, closing::NORMAL_RELEASE);
        let records = drain(&mut l);
        // 10 kB/s: the volume limit (25 s) comes before the time limit (60 s).
        let causes: Vec<u32> = records.iter().map(|r| r.cause_for_rec_closing).collect();
        assert_eq!(causes, [16, 16, 16, 0]);
        let seqs: Vec<_> = records.iter().map(|r| r.record_sequence_number).collect();
        assert_eq!(seqs, [Some(1), Some(2), Some(3), Some(4)]);
        let octets: u64 = records
            .iter()
            .map(|r| r.volumes[0].uplink + r.volumes[0].downlink)
            .sum();
        assert_eq!(octets, 95 * 10_000);
        let locals: Vec<_> = records.iter().map(|r| r.local_sequence_number).collect();
        assert_eq!(locals, [Some(1), Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn time_limit_and_abnormal_release() {
        let mut cfg = LedgerConfig::new(RecordKind::Sgw, "sgw-0", Ipv4Addr::LOCALHOST.into());
        cfg.time_limit = Some(Micros::from_secs(30));
        let mut l = Ledger::new(cfg);
        l.open(1, conn(0));
        l.open(2, conn(5));
        l.handle_timeout(Micros::from_secs(31));
        l.close_all(Micros::from_secs(40), closing::ABNORMAL_RELEASE);
        let records = drain(&mut l);
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].cause_for_rec_closing, closing::TIME_LIMIT);
        assert!(records[1..]
            .iter()
            .all(|r| r.cause_for_rec_closing == closing::ABNORMAL_RELEASE));
        assert_eq!(records[1].record_sequence_number, Some(2));
        assert_eq!(records[2].record_sequence_number, None);
        assert_eq!(l.open_count(), 0);
        assert_eq!(l.stats().records, 3);
    }
}
