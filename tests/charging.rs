//! The GTP' CDF (`proto::gtpprime::Cdf`) against simulated CGFs (`home::charging::Cgf`) over a
//! seeded lossy link in virtual time (CONTRIBUTING.md §3): packing, retransmission, failover
//! and failback, possibly-duplicated packets resolved by release or cancel, Redirection, the
//! dead-letter spool and its replay, a torn spool tail. The check that matters in each: every
//! CDR handed to the CDF ends up in exactly one CGF file, once.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use roamsim::home::charging::{Cgf, CgfConfig};
use roamsim::io::spool::SpoolFile;
use roamsim::model::rng::Rng;
use roamsim::model::Micros;
use roamsim::proto::gtpprime::{spool, Cdf, CdfConfig, CdfEvent, SpoolOp, SpoolState};
use roamsim::wire::cdr::file::parse_file;
use roamsim::wire::cdr::{example, GwRecord, RecordKind};
use roamsim::wire::gtpprime::cause;

const CDF: &str = "10.0.0.9:40000";
const A: &str = "10.0.0.1:3386";
const B: &str = "10.0.0.2:3386";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Both ends, the link between them, the spool file, and what came out.
struct Harness {
    now: Micros,
    cdf: Cdf,
    cgfs: BTreeMap<SocketAddr, Cgf>,
    /// (deliver at, tie-break, src, dst, bytes).
    wire: Vec<(Micros, u64, SocketAddr, SocketAddr, Vec<u8>)>,
    counter: u64,
    delay: Micros,
    /// Extra delay drawn in [0, jitter): datagrams overtake each other.
    jitter: Micros,
    loss: f64,
    rng: Rng,
    spool_file: Vec<u8>,
    /// When set, the spool also goes through a real file (`io::spool::SpoolFile`), which
    /// serves the reads.
    disk: Option<SpoolFile>,
    /// Every datagram sent, when capturing (for tshark).
    capture: Option<Vec<Vec<u8>>>,
    acked: Vec<Micros>,
    downs: Vec<SocketAddr>,
    files: Vec<Vec<u8>>,
    next_n: u32,
}

impl Harness {
    fn new(cfg: CdfConfig, loss: f64, seed: u64) -> Harness {
        let cgfs = cfg
            .cgfs
            .iter()
            .map(|&a| {
                (
                    a,
                    Cgf::new(CgfConfig {
                        node_address: a.ip(),
                        max_cdrs_per_file: 50,
                        ..CgfConfig::default()
                    }),
                )
            })
            .collect();
        Harness {
            now: Micros::ZERO,
            cdf: Cdf::new(cfg),
            cgfs,
            wire: Vec::new(),
            counter: 0,
            delay: Micros::from_millis(20),
            jitter: Micros::ZERO,
            loss,
            rng: Rng::new(seed),
            spool_file: Vec::new(),
            disk: None,
            capture: None,
            acked: Vec::new(),
            downs: Vec::new(),
            files: Vec::new(),
            next_n: 0,
        }
    }

    fn config(cgfs: &[&str]) -> CdfConfig {
        CdfConfig {
            cgfs: cgfs.iter().map(|s| addr(s)).collect(),
            max_records_per_packet: 10,
            t3: Micros::from_millis(200),
            n3: 2,
            backoff_cap: Micros::from_secs(2),
            echo_interval: Micros::from_millis(500),
            redirect_hold: Micros::from_secs(30),
            max_unacked_packets: 8,
            seed: 7,
            ..CdfConfig::default()
        }
    }

    fn put(&mut self, src: SocketAddr, dst: SocketAddr, bytes: Vec<u8>) {
        let lost = self.loss > 0.0 && self.rng.chance(self.loss);
        if let Some(c) = &mut self.capture {
            c.push(bytes.clone());
        }
        // TRACE=1: every datagram, whether the link lost it, and the CDRs it carries.
        if std::env::var_os("TRACE").is_some() {
            if let Ok((seq, m)) = roamsim::wire::gtpprime::Message::parse(&bytes) {
                let ids: Vec<u32> = match m {
                    roamsim::wire::gtpprime::Message::Send { records, .. } => records
                        .iter()
                        .map(|r| GwRecord::parse(r).unwrap().local_sequence_number.unwrap())
                        .collect(),
                    _ => vec![],
                };
                let short = format!("{m:?}");
                eprintln!(
                    "{} {src}->{dst} seq {seq} lost {lost} {} ids {ids:?}",
                    self.now,
                    &short[..short.len().min(60)]
                );
            }
        }
        if lost {
            return;
        }
        self.counter += 1;
        let jitter = match self.jitter.as_u64() {
            0 => Micros::ZERO,
            j => Micros(self.rng.below(j)),
        };
        self.wire.push((
            self.now + self.delay + jitter,
            self.counter,
            src,
            dst,
            bytes,
        ));
    }

    /// Drains every output of every machine.
    fn drain(&mut self) {
        loop {
            let mut progressed = false;
            let mut buf = Vec::new();
            while let Some(d) = self.cdf.poll_transmit(&mut buf) {
                let b = buf[buf.len() - d.len..].to_vec();
                self.put(addr(CDF), d.dst, b);
                progressed = true;
            }
            while let Some(op) = self.cdf.poll_spool() {
                progressed = true;
                match op {
                    SpoolOp::Append(b) => {
                        if let Some(d) = &mut self.disk {
                            d.append_synced(&b).unwrap();
                        }
                        self.spool_file.extend_from_slice(&b)
                    }
                    SpoolOp::Read { from } => {
                        let data = match &mut self.disk {
                            Some(d) => d.read_from(from).unwrap(),
                            None => self.spool_file[from as usize..].to_vec(),
                        };
                        self.cdf.handle_spool_data(self.now, &data);
                    }
                    SpoolOp::Truncate { len } => {
                        if let Some(d) = &mut self.disk {
                            d.truncate(len).unwrap();
                        }
                        self.spool_file.truncate(len as usize)
                    }
                    SpoolOp::Clear => {
                        if let Some(d) = &mut self.disk {
                            d.clear().unwrap();
                        }
                        self.spool_file.clear()
                    }
                }
            }
            while let Some(e) = self.cdf.poll_event() {
                match e {
                    CdfEvent::Acked { closed_at } => self.acked.push(closed_at),
                    CdfEvent::CgfDown(a) => self.downs.push(a),
                    CdfEvent::CgfUp(_) => {}
                }
            }
            let addrs: Vec<SocketAddr> = self.cgfs.keys().copied().collect();
            for a in addrs {
                let mut buf = Vec::new();
                let mut out = Vec::new();
                let cgf = self.cgfs.get_mut(&a).unwrap();
                while let Some(d) = cgf.poll_transmit(&mut buf) {
                    out.push((d.dst, buf[buf.len() - d.len..].to_vec()));
                }
                while let Some(f) = cgf.poll_file() {
                    self.files.push(f.bytes);
                }
                for (dst, b) in out {
                    progressed = true;
                    self.put(a, dst, b);
                }
            }
            if !progressed {
                return;
            }
        }
    }

    /// Steps to `until`, jumping from one wake-up to the next.
    fn run_until(&mut self, until: Micros) {
        loop {
            self.drain();
            let next_wire = self.wire.iter().map(|w| (w.0, w.1)).min();
            let mut next = next_wire.map(|w| w.0);
            for t in [self.cdf.poll_timeout()]
                .into_iter()
                .chain(self.cgfs.values().map(|c| c.poll_timeout()))
                .flatten()
            {
                next = Some(next.map_or(t, |n: Micros| n.min(t)));
            }
            let Some(t) = next.filter(|&t| t <= until) else {
                self.now = until;
                return;
            };
            self.now = self.now.max(t);
            if let Some(key) = next_wire.filter(|w| w.0 <= self.now) {
                let i = self.wire.iter().position(|w| (w.0, w.1) == key).unwrap();
                let (_, _, src, dst, b) = self.wire.swap_remove(i);
                if dst == addr(CDF) {
                    self.cdf.handle_datagram(self.now, src, &b);
                } else if let Some(c) = self.cgfs.get_mut(&dst) {
                    c.handle_datagram(self.now, src, &b);
                }
            } else {
                self.cdf.handle_timeout(self.now);
                for c in self.cgfs.values_mut() {
                    c.handle_timeout(self.now);
                }
            }
        }
    }

    /// Hands `count` new CDRs to the CDF, numbered by their local sequence number.
    fn generate(&mut self, count: u32) {
        for _ in 0..count {
            let kind = if self.next_n % 2 == 0 {
                RecordKind::Pgw
            } else {
                RecordKind::Sgw
            };
            let cdr = example(kind, self.next_n).to_vec().unwrap();
            self.cdf.handle_record(self.now, cdr, self.now);
            self.next_n += 1;
        }
    }

    fn set_down(&mut self, a: &str, down: bool) {
        self.cgfs.get_mut(&addr(a)).unwrap().set_down(down);
    }

    /// How many times each local sequence number was stored, over every CGF file.
    fn stored(&mut self) -> HashMap<u32, usize> {
        for c in self.cgfs.values_mut() {
            c.flush();
        }
        self.drain();
        let mut seen = HashMap::new();
        for f in &self.files {
            let (_, cdrs) = parse_file(f).unwrap();
            for (_, c) in cdrs {
                let r = GwRecord::parse(c).unwrap();
                *seen.entry(r.local_sequence_number.unwrap()).or_insert(0) += 1;
            }
        }
        seen
    }

    fn assert_exactly_once(&mut self) {
        let n = self.next_n;
        let seen = self.stored();
        let missing: Vec<u32> = (0..n).filter(|i| !seen.contains_key(i)).collect();
        let twice: Vec<(&u32, &usize)> = seen.iter().filter(|(_, &c)| c > 1).collect();
        assert!(missing.is_empty(), "never stored: {missing:?}");
        assert!(twice.is_empty(), "stored more than once: {twice:?}");
        assert_eq!(seen.len(), n as usize);
        assert_eq!(self.acked.len(), n as usize, "one ack event per CDR");
        assert_eq!(self.cdf.outstanding_records(), 0);
    }
}

#[test]
fn records_are_packed_acknowledged_and_filed_once() {
    let mut h = Harness::new(Harness::config(&[A, B]), 0.0, 1);
    h.generate(100);
    h.run_until(Micros::from_secs(5));
    let s = h.cdf.stats();
    assert_eq!(s.generated, 100);
    assert_eq!(s.packets_sent, 10, "10 records per packet");
    assert_eq!(s.packets_acked, 10);
    assert_eq!(s.retransmitted, 0);
    // The bound of 8 packets in flight sent 20 records to the spool; they came back.
    assert_eq!(s.spooled, 20);
    assert_eq!(s.replayed, 20);
    assert!(
        h.spool_file.is_empty(),
        "spool cleared once replayed and acked"
    );
    // Close→ack latency: one round trip of the 20 ms link for the first packets.
    assert_eq!(h.acked[0], Micros::ZERO);
    assert_eq!(h.cgfs[&addr(B)].stats().stored, 0, "all on the primary");
    h.assert_exactly_once();
}

#[test]
fn retransmissions_back_off_with_jitter_under_a_cap_then_the_cgf_is_down() {
    let mut cfg = Harness::config(&[A]);
    cfg.n3 = 5;
    let mut h = Harness::new(cfg, 0.0, 1);
    h.set_down(A, true);
    h.generate(1);
    let mut sends = Vec::new();
    let mut buf = Vec::new();
    while h.cdf.poll_transmit(&mut buf).is_some() {
        sends.push(Micros::ZERO);
    }
    while h.downs.is_empty() {
        let t = h.cdf.poll_timeout().unwrap();
        h.now = t;
        h.cdf.handle_timeout(t);
        while let Some(d) = h.cdf.poll_transmit(&mut buf) {
            if buf[buf.len() - d.len + 1] == 240 {
                sends.push(t);
            }
        }
        while let Some(e) = h.cdf.poll_event() {
            if let CdfEvent::CgfDown(a) = e {
                h.downs.push(a);
            }
        }
        while h.cdf.poll_spool().is_some() {}
    }
    assert_eq!(sends.len(), 6, "first send and N3 = 5 repeats");
    let gaps: Vec<u64> = sends.windows(2).map(|w| (w[1] - w[0]).as_u64()).collect();
    // Wait k is drawn in [base/2, base] with base = min(T3 * 2^k, cap): 200 ms doubling to 2 s.
    for (k, g) in gaps.iter().enumerate() {
        let base = (200_000u64 << k).min(2_000_000);
        assert!(
            (base / 2..=base).contains(g),
            "gap {k} = {g} µs outside [{}, {base}]",
            base / 2
        );
    }
    assert_eq!(h.cdf.stats().retransmitted, 5);
    assert_eq!(h.downs, vec![addr(A)]);
}

#[test]
fn copies_are_released_when_the_primary_never_answered_within_the_limit() {
    let mut cfg = Harness::config(&[A, B]);
    cfg.unknown_fate_limit = Some(Micros::from_secs(5));
    let mut h = Harness::new(cfg, 0.0, 1);
    h.set_down(A, true);
    for _ in 0..10 {
        h.generate(7);
        let t = h.now + Micros::from_millis(300);
        h.run_until(t);
    }
    h.run_until(Micros::from_secs(30));
    let s = h.cdf.stats();
    assert!(s.sent_possibly_duplicated > 0, "{s:?}");
    assert_eq!(s.released, s.sent_possibly_duplicated, "{s:?}");
    assert!(s.released_unresolved > 0, "{s:?}");
    h.assert_exactly_once();
}

#[test]
fn an_outage_of_the_primary_fails_over_and_stores_each_cdr_once() {
    let mut h = Harness::new(Harness::config(&[A, B]), 0.0, 1);
    h.set_down(A, true);
    for _ in 0..10 {
        h.generate(7);
        let t = h.now + Micros::from_millis(300);
        h.run_until(t);
    }
    h.run_until(Micros::from_secs(20));
    assert!(h.downs.contains(&addr(A)));
    let s = h.cdf.stats();
    assert!(s.sent_possibly_duplicated > 0, "{s:?}");
    assert_eq!(s.released, 0, "A has not come back: copies stay held");
    assert!(h.cgfs[&addr(B)].stats().held > 0);
    // A comes back and says so with Node Alive; the CDF probes it and releases the copies.
    h.set_down(A, false);
    h.run_until(Micros::from_secs(60));
    let s = h.cdf.stats();
    assert!(s.released > 0, "{s:?}");
    assert_eq!(s.cancelled, 0, "A never had the originals");
    h.generate(5);
    h.run_until(Micros::from_secs(70));
    assert!(h.cgfs[&addr(A)].stats().stored >= 5, "traffic failed back");
    h.assert_exactly_once();
}

#[test]
fn a_lossy_link_never_stores_a_cdr_twice_or_loses_one() {
    let (mut released, mut cancelled) = (0, 0);
    for seed in 0..12 {
        let mut h = Harness::new(Harness::config(&[A, B]), 0.25, seed);
        for _ in 0..20 {
            h.generate(9);
            let t = h.now + Micros::from_millis(150);
            h.run_until(t);
        }
        h.run_until(Micros::from_secs(600));
        let s = h.cdf.stats();
        assert!(s.retransmitted > 0, "seed {seed}: {s:?}");
        released += s.released;
        cancelled += s.cancelled;
        h.assert_exactly_once();
    }
    // Lost requests lead to releases, lost responses to cancels: both paths ran.
    assert!(
        released > 0 && cancelled > 0,
        "{released} released, {cancelled} cancelled"
    );
}

fn temp_spool(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("roamsim-charging-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn when_every_cgf_is_down_records_are_spooled_and_replayed() {
    let mut h = Harness::new(Harness::config(&[A, B]), 0.0, 1);
    let path = temp_spool("all-down.spool");
    h.disk = Some(SpoolFile::open(&path).unwrap().0);
    h.set_down(A, true);
    h.set_down(B, true);
    for _ in 0..20 {
        h.generate(10);
        let t = h.now + Micros::from_millis(500);
        h.run_until(t);
    }
    let s = h.cdf.stats();
    assert!(s.spooled >= 100, "{s:?}");
    assert!(!h.spool_file.is_empty());
    // The spool holds some records with the state "sent, fate unknown".
    let scan = spool::scan(&h.spool_file, usize::MAX);
    assert!(!scan.torn);
    assert!(scan
        .records
        .iter()
        .any(|r| matches!(r.state, SpoolState::Unknown { .. })));
    assert!(scan.records.iter().any(|r| r.state == SpoolState::Fresh));
    h.set_down(B, false);
    h.run_until(Micros::from_secs(120));
    h.set_down(A, false);
    h.run_until(Micros::from_secs(300));
    let s = h.cdf.stats();
    assert_eq!(s.replayed, s.spooled, "{s:?}");
    assert!(h.spool_file.is_empty());
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        0,
        "spool file emptied"
    );
    h.assert_exactly_once();
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_redirection_request_moves_traffic_to_the_recommended_cgf() {
    let mut h = Harness::new(Harness::config(&[A, B]), 0.0, 1);
    h.generate(10);
    h.run_until(Micros::from_secs(1));
    assert_eq!(h.cgfs[&addr(A)].stats().stored, 10);
    let cdf = addr(CDF);
    h.cgfs.get_mut(&addr(A)).unwrap().redirect(
        cdf,
        cause::THIS_NODE_GOING_DOWN,
        Some(addr(B).ip()),
    );
    h.run_until(Micros::from_secs(2));
    h.generate(10);
    h.run_until(Micros::from_secs(3));
    assert_eq!(h.cdf.stats().redirected, 1);
    assert_eq!(h.cgfs[&addr(B)].stats().stored, 10);
    h.assert_exactly_once();
}

#[test]
fn a_torn_spool_tail_is_cut_and_the_whole_records_replayed() {
    let mut file = Vec::new();
    for n in 0..5 {
        let cdr = example(RecordKind::Pgw, n).to_vec().unwrap();
        spool::append(&mut file, SpoolState::Fresh, Micros(n.into()), &cdr);
    }
    let whole = file.len();
    let cdr = example(RecordKind::Pgw, 5).to_vec().unwrap();
    spool::append(&mut file, SpoolState::Fresh, Micros(5), &cdr);
    file.truncate(whole + 40); // a crash in the middle of the sixth record
                               // The file an earlier run left on disk.
    let path = temp_spool("torn.spool");
    std::fs::write(&path, &file).unwrap();
    let mut h = Harness::new(Harness::config(&[A]), 0.0, 1);
    let (disk, len) = SpoolFile::open(&path).unwrap();
    h.disk = Some(disk);
    h.spool_file = file;
    h.cdf.resume_spool(len);
    h.generate(1); // a CGF is up: the spool is read back
    h.run_until(Micros::from_secs(5));
    let s = h.cdf.stats();
    assert_eq!(s.replayed, 5);
    assert_eq!(s.torn_bytes, 40);
    let stored = h.stored();
    assert_eq!(
        stored.len(),
        5,
        "records 0..4 from the spool; record 0 also generated"
    );
    assert_eq!(stored[&0], 2, "one from the spool and one handed in");
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        0,
        "cut, replayed, emptied"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_cgf_drops_everything_while_down_and_answers_duplicates_as_fulfilled() {
    let mut h = Harness::new(Harness::config(&[A]), 0.0, 1);
    h.generate(3);
    h.run_until(Micros::from_secs(1));
    // Replay the first datagram the CDF sent: the CGF answers 253 and stores nothing new.
    let cdr = example(RecordKind::Pgw, 0).to_vec().unwrap();
    let list = vec![cdr];
    let m = roamsim::wire::gtpprime::Message::Send {
        possibly_duplicated: false,
        records: roamsim::wire::gtpprime::Records::List(&list),
    };
    let mut b = vec![0u8; m.buffer_len()];
    m.emit(0, &mut b).unwrap();
    let cgf = h.cgfs.get_mut(&addr(A)).unwrap();
    cgf.handle_datagram(Micros(1), addr(CDF), &b);
    let mut out = Vec::new();
    let d = cgf.poll_transmit(&mut out).unwrap();
    let (_, resp) = roamsim::wire::gtpprime::Message::parse(&out[..d.len]).unwrap();
    assert!(matches!(
        resp,
        roamsim::wire::gtpprime::Message::TransferResponse {
            cause: cause::REQUEST_ALREADY_FULFILLED,
            ..
        }
    ));
    assert_eq!(cgf.stats().duplicates_dropped, 1);
    cgf.set_down(true);
    cgf.handle_datagram(Micros(2), addr(CDF), &b);
    assert!(cgf.poll_transmit(&mut out).is_none());
    assert_eq!(cgf.stats().dropped_while_down, 1);
}

#[test]
fn random_outages_loss_reordering_and_redirects_still_store_every_cdr_exactly_once() {
    // SEED=n runs one scenario (with TRACE=1 printing every datagram), SEEDS=n the first n.
    let one = std::env::var("SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let count = std::env::var("SEEDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let seeds = match (one, count) {
        (Some(s), _) => s..s + 1,
        (None, Some(n)) => 0..n,
        (None, None) => 0..40,
    };
    for seed in seeds {
        let mut plan = Rng::new(seed ^ 0x5eed);
        let loss = plan.below(30) as f64 / 100.0;
        let mut cfg = Harness::config(&[A, B]);
        cfg.max_unacked_packets = 1 + plan.below(8) as usize;
        cfg.max_records_per_packet = 1 + plan.below(12) as usize;
        let mut h = Harness::new(cfg, loss, seed);
        h.jitter = Micros::from_millis(plan.below(400));
        for _ in 0..30 {
            match plan.below(8) {
                0 => h.set_down(A, true),
                1 => h.set_down(B, true),
                2 => h.set_down(A, false),
                3 => h.set_down(B, false),
                4 => {
                    let (from, to) = if plan.chance(0.5) { (A, B) } else { (B, A) };
                    let cgf = h.cgfs.get_mut(&addr(from)).unwrap();
                    cgf.redirect(addr(CDF), cause::TRANSMIT_BUFFERS_FULL, Some(addr(to).ip()));
                }
                _ => {}
            }
            h.generate(plan.below(15) as u32);
            let t = h.now + Micros::from_millis(plan.below(3000));
            h.run_until(t);
        }
        h.set_down(A, false);
        h.set_down(B, false);
        h.loss = 0.0;
        h.run_until(h.now + Micros::from_secs(3600));
        let s = h.cdf.stats();
        let seen = h.stored();
        let n = h.next_n;
        let missing = (0..n).filter(|i| !seen.contains_key(i)).count();
        let twice = seen.values().filter(|&&c| c > 1).count();
        if missing + twice > 0 {
            let lost: Vec<u32> = (0..n).filter(|i| !seen.contains_key(i)).collect();
            let dup: Vec<&u32> = seen
                .iter()
                .filter(|(_, &c)| c > 1)
                .map(|(i, _)| i)
                .collect();
            eprintln!("missing {lost:?}, twice {dup:?}");
        }
        assert!(
            missing == 0 && twice == 0,
            "seed {seed} (loss {loss}): {missing} missing, {twice} twice of {n}; {s:?}"
        );
        assert_eq!(h.acked.len(), n as usize, "seed {seed}: {s:?}");
    }
}

/// Everything the CDF and the CGFs send in a failover with possibly duplicated packets, their
/// release, a Redirection and Node Alive, dissected by tshark: no malformed packet, no expert
/// error, every GTP' message type of the exchange present. Skips when tshark is absent.
#[test]
fn the_whole_exchange_dissects_clean_in_tshark() {
    use roamsim::wire::capture::{tshark_problems, write_pcap, L4};
    if std::process::Command::new("tshark")
        .arg("-v")
        .output()
        .is_err()
    {
        eprintln!("skipped: tshark not installed (scripts/test-deps.sh installs it)");
        return;
    }
    let mut h = Harness::new(Harness::config(&[A, B]), 0.0, 3);
    h.capture = Some(Vec::new());
    h.generate(12);
    h.run_until(Micros::from_secs(1));
    h.set_down(A, true);
    h.generate(25);
    h.run_until(Micros::from_secs(20));
    // A's Node Alive is lost: the CDF finds A again with its Echo Requests.
    h.loss = 1.0;
    h.set_down(A, false);
    h.drain();
    h.loss = 0.0;
    h.run_until(Micros::from_secs(40));
    let cdf = addr(CDF);
    h.cgfs
        .get_mut(&addr(A))
        .unwrap()
        .redirect(cdf, cause::TRANSMIT_BUFFERS_FULL, None);
    h.generate(5);
    h.run_until(Micros::from_secs(60));
    // B restarts and announces itself with Node Alive, which the CDF answers.
    h.set_down(B, true);
    h.set_down(B, false);
    h.run_until(Micros::from_secs(70));
    h.assert_exactly_once();
    let s = h.cdf.stats();
    assert!(s.released > 0 && s.redirected == 1, "{s:?}");
    let pkts = h.capture.take().unwrap();
    let types: std::collections::BTreeSet<u8> = pkts.iter().map(|p| p[1]).collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        vec![1, 2, 4, 5, 6, 7, 240, 241],
        "Echo, Node Alive, Redirection, Data Record Transfer"
    );
    let slices: Vec<&[u8]> = pkts.iter().map(Vec::as_slice).collect();
    let path = std::env::temp_dir().join(format!(
        "roamsim-charging-exchange-{}.pcap",
        std::process::id()
    ));
    write_pcap(
        &path,
        L4::Udp,
        40000,
        roamsim::wire::gtpprime::PORT,
        &slices,
    );
    let problems = tshark_problems(&path, &[]).expect("tshark runs");
    assert!(problems.is_empty(), "{problems:?}");
    let _ = std::fs::remove_file(&path);
}
