//! Offline charging in the event loops (docs/charging.md): a gateway's charging data function
//! ([`CdfDriver`]: the sans-IO [`Cdf`] and its dead-letter spool file) and the embedded CGFs
//! with their scheduled outages ([`CgfNode`]). The loops own the sockets; these own the state
//! and turn what happened into the run's [`ChargingStats`].

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::home::charging::{Cgf, CgfConfig, CgfStats};
use crate::io::spool::SpoolFile;
use crate::link::{BiLink, Direction, LinkProfile};
use crate::model::config::{ChargingConfig, Outage};
use crate::model::Micros;
use crate::proto::gtpprime::{
    Cdf, CdfConfig, CdfEvent, CdfStats, Ledger, LedgerConfig, LedgerStats, SpoolOp,
};
use crate::report::recorder::{ChargingCounter, ChargingStats, LedgerCounts};
use crate::wire::cdr::RecordKind;

/// The CDF settings of `[charging]` towards `cgfs` (primary first).
pub fn cdf_config(c: &ChargingConfig, cgfs: Vec<SocketAddr>, seed: u64) -> CdfConfig {
    CdfConfig {
        cgfs,
        max_records_per_packet: c.max_records_per_packet,
        t3: Micros::from_millis(c.t3_ms),
        n3: c.n3,
        backoff_cap: Micros::from_millis(c.backoff_cap_ms),
        echo_interval: Micros::from_millis(c.echo_interval_ms),
        max_unacked_packets: c.max_unacked_packets,
        unknown_fate_limit: Some(Micros((c.unknown_fate_limit_s * 1e6).round() as u64)),
        seed,
        ..CdfConfig::default()
    }
}

/// The record settings of `[charging]` for a gateway of `kind` named `node_id` at `address`;
/// `epoch_unix_us` is the Unix time of the loop's clock zero.
pub fn ledger_config(
    c: &ChargingConfig,
    kind: RecordKind,
    node_id: &str,
    address: IpAddr,
    epoch_unix_us: u64,
) -> LedgerConfig {
    let mut cfg = LedgerConfig::new(kind, node_id, address);
    cfg.time_limit = (c.time_limit_s > 0.0).then(|| Micros((c.time_limit_s * 1e6).round() as u64));
    cfg.volume_limit = (c.volume_limit_octets > 0).then_some(c.volume_limit_octets);
    cfg.epoch_unix_us = epoch_unix_us;
    cfg
}

/// The report layer's copy of a record keeper's counters.
pub fn ledger_counts(s: LedgerStats) -> LedgerCounts {
    LedgerCounts {
        records: s.records,
        partial_time: s.partial_time,
        partial_volume: s.partial_volume,
        octets: s.octets,
    }
}

/// What a gateway's record keeper wrote since the last report.
#[derive(Debug, Default)]
pub struct RecordTally {
    before: LedgerCounts,
    sessions_before: u64,
}

impl RecordTally {
    /// Adds the records of `ledger` (a PGW's when `pgw`) since the last call to `stats`.
    pub fn report(&mut self, pgw: bool, ledger: Option<&Ledger>, stats: &mut ChargingStats) {
        let Some(l) = ledger else { return };
        let now = ledger_counts(l.stats());
        stats.add_records(pgw, &now, &self.before);
        self.before = now;
    }

    /// Adds the PGW's ended sessions since the last call (`ended`: its running total).
    pub fn report_sessions(&mut self, ended: u64, stats: &mut ChargingStats) {
        stats.add(
            ChargingCounter::PgwSessionsEnded,
            ended.saturating_sub(self.sessions_before),
        );
        self.sessions_before = ended;
    }
}

/// Where a CDF keeps its dead-letter records.
enum Spool {
    /// A file (real runs, `serve`, `charging replay`): survives the process.
    File(SpoolFile),
    /// Memory (virtual runs: nothing on disk, deterministic).
    Memory(Vec<u8>),
}

/// A GTP' datagram on the Ga link: its peer (destination uplink, source downlink) and bytes.
type OnLink = (SocketAddr, Vec<u8>);

/// One gateway's charging data function with its spool, and the emulated link its Ga traffic
/// crosses (`[charging] link`). See the module docs.
pub struct CdfDriver {
    cdf: Cdf,
    spool: Spool,
    /// The counters already added to a [`ChargingStats`].
    reported: CdfStats,
    /// Uplink: CDF → CGF; downlink: CGF → CDF.
    link: Option<BiLink<OnLink>>,
    scratch: Vec<u8>,
    /// Records closed but not handed to the CDF yet, so that packets carry many (a turn of a
    /// busy loop closes only a few): handed over when a packet's worth is there or the oldest
    /// has waited `pack_wait`.
    batch: Vec<(Vec<u8>, Micros)>,
    batch_since: Micros,
    batch_max: usize,
    pack_wait: Micros,
}

impl CdfDriver {
    /// A CDF spooling to the file at `spool` (created, or resumed when a run left records in
    /// it), or to memory when `None`.
    pub fn new(cfg: CdfConfig, spool: Option<&Path>) -> anyhow::Result<CdfDriver> {
        let cfg_records = cfg.max_records_per_packet.max(1);
        let mut cdf = Cdf::new(cfg);
        let spool = match spool {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("create the spool folder {}", dir.display()))?;
                }
                let (file, len) = SpoolFile::open(path)
                    .with_context(|| format!("open the charging spool {}", path.display()))?;
                if len > 0 {
                    cdf.resume_spool(len);
                }
                Spool::File(file)
            }
            None => Spool::Memory(Vec::new()),
        };
        Ok(CdfDriver {
            batch_max: cfg_records,
            cdf,
            spool,
            reported: CdfStats::default(),
            link: None,
            scratch: Vec::new(),
            batch: Vec::new(),
            batch_since: Micros::ZERO,
            pack_wait: Micros::from_millis(5),
        })
    }

    /// Puts the CDF's GTP' traffic behind an emulated link (both directions; `seed` seeds its
    /// impairments unless the profile has its own).
    pub fn set_link(&mut self, profile: &LinkProfile, seed: u64) -> anyhow::Result<()> {
        let link = BiLink::from_profile(profile, seed)
            .map_err(|e| anyhow::anyhow!("the Ga link ([charging] link): {e}"))?;
        self.link = Some(link);
        Ok(())
    }

    /// The CDF, to hand records to and read.
    pub fn cdf(&mut self) -> &mut Cdf {
        &mut self.cdf
    }

    /// How long a closed record may wait for others to share its packet (default 5 ms; 0:
    /// every record goes at once).
    pub fn set_pack_wait(&mut self, wait: Micros) {
        self.pack_wait = wait;
    }

    /// One closed record (BER) and when it closed; it goes to the CDF with the next packet's
    /// worth or after the pack wait.
    pub fn record(&mut self, now: Micros, cdr: Vec<u8>, closed_at: Micros) {
        if self.batch.is_empty() {
            self.batch_since = now;
        }
        self.batch.push((cdr, closed_at));
        if self.batch.len() >= self.batch_max || self.pack_wait == Micros::ZERO {
            self.hand_over(now);
        }
    }

    fn hand_over(&mut self, now: Micros) {
        for (cdr, closed_at) in self.batch.drain(..) {
            self.cdf.handle_record(now, cdr, closed_at);
        }
    }

    /// A datagram from a CGF (onto the link's downlink when there is one).
    pub fn handle_datagram(&mut self, now: Micros, from: SocketAddr, bytes: &[u8]) {
        match &mut self.link {
            Some(l) => {
                let _ = l.enqueue(Direction::Downlink, now, (from, bytes.to_vec()));
            }
            None => self.cdf.handle_datagram(now, from, bytes),
        }
    }

    /// When [`CdfDriver::handle_timeout`] is next due: the CDF's timers and the link's
    /// releases.
    pub fn poll_timeout(&self) -> Option<Micros> {
        let link = self.link.as_ref().and_then(BiLink::poll_timeout);
        let batch = (!self.batch.is_empty()).then(|| self.batch_since + self.pack_wait);
        [self.cdf.poll_timeout(), link, batch]
            .into_iter()
            .flatten()
            .min()
    }

    /// Delivers what the link's downlink releases by `now`, and runs the CDF's timers if due.
    pub fn handle_timeout(&mut self, now: Micros) {
        if !self.batch.is_empty() && now >= self.batch_since + self.pack_wait {
            self.hand_over(now);
        }
        if let Some(l) = &mut self.link {
            while let Some((from, bytes)) = l.downlink.poll_release(now) {
                self.cdf.handle_datagram(now, from, &bytes);
            }
        }
        if self.cdf.poll_timeout().is_some_and(|t| t <= now) {
            self.cdf.handle_timeout(now);
        }
    }

    /// The next datagram to put on the socket, appended to `buf`, and its destination: the
    /// CDF's own, or, behind a link, what the link's uplink releases by `now`.
    pub fn poll_transmit(&mut self, now: Micros, buf: &mut Vec<u8>) -> Option<SocketAddr> {
        let Some(l) = &mut self.link else {
            return self.cdf.poll_transmit(buf).map(|d| d.dst);
        };
        loop {
            self.scratch.clear();
            let Some(d) = self.cdf.poll_transmit(&mut self.scratch) else {
                break;
            };
            let _ = l.enqueue(Direction::Uplink, now, (d.dst, self.scratch.clone()));
        }
        let (dst, bytes) = l.uplink.poll_release(now)?;
        buf.extend_from_slice(&bytes);
        Some(dst)
    }

    /// The spool file's path, when it has one.
    pub fn spool_path(&self) -> Option<PathBuf> {
        match &self.spool {
            Spool::File(f) => Some(f.path().to_path_buf()),
            Spool::Memory(_) => None,
        }
    }

    /// Applies the spool operations the CDF asked for (in order) and takes its events: each
    /// acknowledged record's close→ack latency goes to `stats`. Call after every input.
    pub fn pump(&mut self, now: Micros, stats: &mut ChargingStats) -> anyhow::Result<()> {
        while let Some(op) = self.cdf.poll_spool() {
            match (&mut self.spool, op) {
                (Spool::File(f), SpoolOp::Append(b)) => f
                    .append_synced(&b)
                    .with_context(|| format!("append to the spool {}", f.path().display()))?,
                (Spool::Memory(m), SpoolOp::Append(b)) => m.extend_from_slice(&b),
                (Spool::File(f), SpoolOp::Read { from }) => {
                    let data = f
                        .read_from(from)
                        .with_context(|| format!("read the spool {}", f.path().display()))?;
                    self.cdf.handle_spool_data(now, &data);
                }
                (Spool::Memory(m), SpoolOp::Read { from }) => {
                    let data = m[(from as usize).min(m.len())..].to_vec();
                    self.cdf.handle_spool_data(now, &data);
                }
                (Spool::File(f), SpoolOp::Truncate { len }) => f
                    .truncate(len)
                    .with_context(|| format!("cut the spool {}", f.path().display()))?,
                (Spool::Memory(m), SpoolOp::Truncate { len }) => m.truncate(len as usize),
                (Spool::File(f), SpoolOp::Clear) => f
                    .clear()
                    .with_context(|| format!("empty the spool {}", f.path().display()))?,
                (Spool::Memory(m), SpoolOp::Clear) => m.clear(),
            }
        }
        while let Some(e) = self.cdf.poll_event() {
            if let CdfEvent::Acked { closed_at } = e {
                stats.record_ack(now.as_u64().saturating_sub(closed_at.as_u64()));
            }
        }
        Ok(())
    }

    /// Adds the counters since the last call to `stats`, and the spool depth and the records
    /// still outstanding now.
    pub fn report(&mut self, stats: &mut ChargingStats) {
        let s = self.cdf.stats();
        let r = self.reported;
        for (counter, now, before) in [
            (ChargingCounter::Generated, s.generated, r.generated),
            (ChargingCounter::PacketsSent, s.packets_sent, r.packets_sent),
            (
                ChargingCounter::PacketsAcked,
                s.packets_acked,
                r.packets_acked,
            ),
            (
                ChargingCounter::Retransmitted,
                s.retransmitted,
                r.retransmitted,
            ),
            (ChargingCounter::Redirected, s.redirected, r.redirected),
            (
                ChargingCounter::SentPossiblyDuplicated,
                s.sent_possibly_duplicated,
                r.sent_possibly_duplicated,
            ),
            (ChargingCounter::Released, s.released, r.released),
            (ChargingCounter::Cancelled, s.cancelled, r.cancelled),
            (ChargingCounter::Spooled, s.spooled, r.spooled),
            (ChargingCounter::Replayed, s.replayed, r.replayed),
        ] {
            stats.add(counter, now.saturating_sub(before));
        }
        self.reported = s;
        stats.spool_depth += self.spool_depth();
        stats.outstanding += self.outstanding();
    }

    /// Records written to the spool and not read back yet.
    pub fn spool_depth(&self) -> u64 {
        let s = self.cdf.stats();
        s.spooled.saturating_sub(s.replayed)
    }

    /// Records not known stored: in memory or in the spool.
    pub fn outstanding(&self) -> u64 {
        (self.batch.len() + self.cdf.outstanding_records()) as u64 + self.spool_depth()
    }

    /// Nothing left to send: every record handed in is stored (or refused), nothing on the
    /// link.
    pub fn drained(&self) -> bool {
        self.batch.is_empty()
            && self.cdf.outstanding_records() == 0
            && !self.cdf.spool_pending()
            && self
                .link
                .as_ref()
                .is_none_or(|l| l.uplink.is_empty() && l.downlink.is_empty())
    }
}

/// An embedded CGF and its outage schedule.
pub struct CgfNode {
    /// The CGF.
    pub cgf: Cgf,
    outages: Vec<Outage>,
    reported: CgfStats,
}

impl CgfNode {
    /// A CGF at `address` with `[charging.cgf]`'s files, down during `outages`; `epoch_unix_s`
    /// is the Unix time of the loop's clock zero.
    pub fn new(c: &ChargingConfig, address: IpAddr, epoch_unix_s: u64, outages: &[Outage]) -> Self {
        let cgf = Cgf::new(CgfConfig {
            node_address: address,
            epoch_unix_s,
            max_cdrs_per_file: c.cgf.max_cdrs_per_file,
            max_file_age: Micros((c.cgf.max_file_age_s * 1e6).round() as u64),
            ..CgfConfig::default()
        });
        CgfNode {
            cgf,
            outages: outages.to_vec(),
            reported: CgfStats::default(),
        }
    }

    /// Goes down or comes back as the schedule says at `elapsed` from the start of the run.
    pub fn follow_schedule(&mut self, elapsed: Micros) {
        let t = elapsed.as_u64() as f64 / 1e6;
        let down = self.outages.iter().any(|o| o.covers(t));
        if down != self.cgf.is_down() {
            self.cgf.set_down(down);
        }
    }

    /// When the schedule next changes after `elapsed` (an outage starting or ending).
    pub fn next_change(&self, elapsed: Micros) -> Option<Micros> {
        let t = elapsed.as_u64();
        self.outages
            .iter()
            .flat_map(|o| {
                let at = (o.at_s * 1e6) as u64;
                [at, at + (o.for_s * 1e6) as u64]
            })
            .filter(|&x| x > t)
            .min()
            .map(Micros)
    }

    /// Adds the counters since the last call to `stats`.
    pub fn report(&mut self, stats: &mut ChargingStats) {
        let s = self.cgf.stats();
        let r = self.reported;
        stats.add(ChargingCounter::Stored, s.stored.saturating_sub(r.stored));
        stats.add(
            ChargingCounter::DuplicatesDropped,
            s.duplicates_dropped.saturating_sub(r.duplicates_dropped),
        );
        stats.add(
            ChargingCounter::DroppedWhileDown,
            s.dropped_while_down.saturating_sub(r.dropped_while_down),
        );
        self.reported = s;
    }
}

/// What `roamsim charging replay` did with one spool file.
#[derive(Debug, Clone, Default)]
pub struct Replayed {
    /// The spool file.
    pub file: PathBuf,
    /// Records read back from it.
    pub replayed: u64,
    /// Records a CGF acknowledged.
    pub acknowledged: u64,
    /// Records still in the spool when the time ran out (0: the file is empty now).
    pub left: u64,
}

/// Sends the records left in the spool file `spool` (by a run that was killed, or that ended
/// with every CGF down) to `cgfs`, until every one is acknowledged or `limit` passes; the file
/// is emptied once all are stored.
pub fn replay_spool(
    spool: &Path,
    cgfs: &[SocketAddr],
    c: &ChargingConfig,
    limit: std::time::Duration,
) -> anyhow::Result<Replayed> {
    let bind: SocketAddr = match cgfs.first() {
        Some(SocketAddr::V6(_)) => "[::]:0".parse().expect("literal"),
        _ => "0.0.0.0:0".parse().expect("literal"),
    };
    let socket = std::net::UdpSocket::bind(bind).context("bind a UDP socket for GTP'")?;
    socket
        .set_read_timeout(Some(std::time::Duration::from_millis(5)))
        .context("set the socket's read timeout")?;
    let seed = crate::model::rng::derive_seed(0x7265_706c, spool.as_os_str().len() as u64);
    let mut driver = CdfDriver::new(cdf_config(c, cgfs.to_vec(), seed), Some(spool))?;
    let clock = crate::engine::clock::Clock::real();
    let until = std::time::Instant::now() + limit;
    let mut stats = ChargingStats::default();
    let mut buf = Vec::new();
    let mut packet = vec![0u8; 65_536];
    driver.cdf().handle_timeout(clock.now());
    loop {
        let now = clock.now();
        driver.pump(now, &mut stats)?;
        buf.clear();
        while let Some(d) = driver.cdf().poll_transmit(&mut buf) {
            let at = buf.len() - d.len;
            socket
                .send_to(&buf[at..], d.dst)
                .with_context(|| format!("send GTP' to {}", d.dst))?;
        }
        driver.pump(now, &mut stats)?;
        if driver.drained() || std::time::Instant::now() >= until {
            break;
        }
        match socket.recv_from(&mut packet) {
            Ok((n, from)) => driver
                .cdf()
                .handle_datagram(clock.now(), from, &packet[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e).context("receive GTP'"),
        }
        let now = clock.now();
        if driver.cdf().poll_timeout().is_some_and(|t| t <= now) {
            driver.cdf().handle_timeout(now);
        }
    }
    let s = driver.cdf().stats();
    Ok(Replayed {
        file: spool.to_path_buf(),
        replayed: s.replayed,
        acknowledged: stats.ack_latency_us.len(),
        left: driver.outstanding(),
    })
}

/// Writes a CGF's closed CDR files on a thread of its own, so that a loop turn never waits for
/// the disk (a 10,000-record file is about 2.5 MB: written in the shard's thread, it put
/// 10-60 ms stalls into the procedures' p99/p99.9). Each file goes under a temporary name first
/// and is then renamed, so a reader never sees half of one. The first error is kept and
/// reported by the next [`FileWriter::write`] or by [`FileWriter::close`].
pub struct FileWriter {
    tx: Option<std::sync::mpsc::Sender<(PathBuf, Vec<u8>)>>,
    handle: Option<std::thread::JoinHandle<()>>,
    error: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl FileWriter {
    /// A writer thread named `name`.
    pub fn new(name: &str) -> FileWriter {
        let (tx, rx) = std::sync::mpsc::channel::<(PathBuf, Vec<u8>)>();
        let error = std::sync::Arc::new(std::sync::Mutex::new(None));
        let first = error.clone();
        let handle = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                for (path, bytes) in rx {
                    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                    let tmp = path.with_file_name(format!(".{}.partial", name.unwrap_or_default()));
                    let r =
                        std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &path));
                    if let Err(e) = r {
                        let mut slot = first.lock().unwrap_or_else(|p| p.into_inner());
                        slot.get_or_insert_with(|| {
                            format!("write the CDR file {}: {e}", path.display())
                        });
                    }
                }
            })
            .ok();
        FileWriter {
            tx: Some(tx),
            handle,
            error,
        }
    }

    fn failed(&self) -> anyhow::Result<()> {
        match self
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            Some(e) => Err(anyhow::anyhow!("{e}")),
            None => Ok(()),
        }
    }

    /// Queues `bytes` to be written as `path`; fails with the first earlier write's error.
    pub fn write(&self, path: PathBuf, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.failed()?;
        let (path, bytes) = match (&self.tx, &self.handle) {
            (Some(tx), Some(_)) => match tx.send((path, bytes)) {
                Ok(()) => return Ok(()),
                Err(std::sync::mpsc::SendError(back)) => back,
            },
            _ => (path, bytes),
        };
        // No thread (it could not start, or it is gone): write here.
        write_whole(&path, &bytes).with_context(|| format!("write the CDR file {}", path.display()))
    }

    /// Waits for every queued file to be written; the first error if one failed.
    pub fn close(&mut self) -> anyhow::Result<()> {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        self.failed()
    }
}

/// Writes `bytes` as `path` under a temporary name first (`.NAME.partial`), then renames it.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{}.partial", name.unwrap_or_default()));
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path))
}
