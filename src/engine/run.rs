//! `roamsim run` and `roamsim load`: one engine, two targets (STYLE.md §6). `run` starts the
//! embedded home core ([`super::serve`]) on loopback in this process and points the shards at
//! it; `load` points them at external cores. `--virtual` runs the same visited and home state
//! machines on a simulated clock instead ([`super::virtual_time`]).
//!
//! Every shard is a thread with its own population slice, sockets, timers, RNG and
//! [`Recorder`]; they share nothing until the end, when their recorders are merged into one
//! [`Summary`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;

use super::sctp_udp::SctpTotals;
use super::serve::{ServeConfig, ServeReport};
use super::shard::{self, ShardSpec};
use super::transport::Transport;
use crate::model::config::Profile;
use crate::model::population::Population;
use crate::model::rng::derive_seed;
use crate::model::slo::SloSpec;
use crate::model::subscriber::Directory;
use crate::report::{self, Recorder, RunInfo, SctpSummary, Summary, TransportSummary};
use crate::visited::VisitedConfig;

/// Where the load goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// The embedded home core, started on loopback by the run itself.
    Embedded,
    /// External cores (an HSS and a PGW that are not roamsim).
    External {
        /// The HSS (Diameter S6a; the UDP address of its SCTP for `sctp-udp`).
        s6a: SocketAddr,
        /// The PGW (GTPv2-C S5/S8 over UDP).
        s8: SocketAddr,
    },
}

/// A run, fully resolved from profile and flags.
pub struct RunConfig {
    /// The profile (home core, personas, visited networks, SLOs).
    pub profile: Profile,
    /// Name shown in the summary (file name or `default`).
    pub profile_name: String,
    /// Subscribers of the embedded core.
    pub directory: Directory,
    /// Offered procedures per second, all shards together.
    pub rate: f64,
    /// How long arrivals go on.
    pub duration: Duration,
    /// Number of shards (threads).
    pub shards: u32,
    /// Seed of everything random.
    pub seed: u64,
    /// Where the load goes.
    pub target: Target,
    /// Transport of S6a (resolved: `auto` is the caller's business); the embedded core
    /// listens on it too.
    pub transport: Transport,
    /// Simulated clock, no sockets.
    pub virtual_time: bool,
    /// SLOs: the profile's and the command line's.
    pub slos: Vec<SloSpec>,
    /// Results folder (`results/<run-id>` when `None`).
    pub out: Option<PathBuf>,
    /// Origin-Realm of the MMEs instead of each visited PLMN's (`load --origin-realm`).
    pub origin_realm: Option<String>,
    /// Destination-Realm of S6a requests instead of the home PLMN's (`load --dest-realm`).
    pub dest_realm: Option<String>,
}

/// What a run produced.
pub struct RunOutcome {
    /// The summary written to summary.json.
    pub summary: Summary,
    /// Where the results are.
    pub dir: PathBuf,
    /// The rendered report.md.
    pub markdown: String,
    /// The embedded core's own counters, when there was one.
    pub core: Option<ServeReport>,
    /// The embedded core's S6a address (for captures: its UDP port under `sctp-udp`).
    pub core_s6a: Option<SocketAddr>,
}

/// What the real-socket shards and the embedded core measured.
struct SocketsResult {
    recorder: Recorder,
    elapsed: Duration,
    intended: u64,
    core: Option<ServeReport>,
    /// The MMEs' SCTP counters over every shard (`sctp-udp`).
    sctp: Option<SctpTotals>,
    core_s6a: Option<SocketAddr>,
}

/// Runs the load, writes the results and returns them. `stop` (Ctrl-C) ends the arrivals
/// early; what was measured is still written.
pub fn run(cfg: RunConfig, stop: Arc<AtomicBool>) -> anyhow::Result<RunOutcome> {
    let started_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let population = Arc::new(
        Population::from_profile(&cfg.profile, &cfg.profile_name, None)
            .map_err(|e| crate::model::InvalidInput(e.to_string()))?,
    );
    let (recorder, elapsed, intended, core, mme_sctp, core_s6a) = if cfg.virtual_time {
        let population = cfg.profile.load.population;
        let r = super::virtual_time::run_virtual(
            &cfg.profile,
            cfg.rate,
            cfg.duration,
            population,
            cfg.seed,
        )
        .map_err(|e| crate::model::InvalidInput(e.to_string()))?;
        (recorder_of(&r), cfg.duration, r.arrivals, None, None, None)
    } else {
        let r = run_sockets(&cfg, population, &stop)?;
        (
            r.recorder, r.elapsed, r.intended, r.core, r.sctp, r.core_s6a,
        )
    };
    let secs = elapsed.as_secs_f64().max(1e-9);
    let started: u64 = crate::model::Procedure::ALL
        .iter()
        .map(|&p| recorder.procedure(p).started)
        .sum();
    let lag_p99 = recorder.lag_us().value_at_quantile(0.99);
    let info = RunInfo {
        id: report::run_id(started_ms, cfg.seed),
        seed: cfg.seed,
        profile: cfg.profile_name.clone(),
        started_at: report::rfc3339_utc(started_ms),
        duration_s: secs,
        shards: cfg.shards,
        offered_rate: cfg.rate,
        achieved_rate: started as f64 / secs,
        // Behind schedule by more than 10 ms at p99, or fewer starts than the schedule asked.
        generator_saturated: lag_p99 > 10_000 || (started as f64) < 0.99 * intended as f64,
    };
    let mut summary = Summary::new(&recorder, info, &cfg.slos);
    if !cfg.virtual_time {
        summary.run.transport = Some(TransportSummary {
            s6a: cfg.transport.name().to_string(),
            mme: mme_sctp.as_ref().map(sctp_summary),
            hss: core
                .as_ref()
                .and_then(|c| c.sctp.as_ref())
                .map(sctp_summary),
        });
    }
    let dir = cfg
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&summary.run.info.id));
    report::write_results(&dir, &summary)
        .with_context(|| format!("write results to {}", dir.display()))?;
    let markdown = report::render_markdown(&summary);
    Ok(RunOutcome {
        summary,
        dir,
        markdown,
        core,
        core_s6a,
    })
}

/// The counters of `summary.json`'s `run.transport` from one side's SCTP totals.
pub fn sctp_summary(t: &SctpTotals) -> SctpSummary {
    let s = &t.stats;
    SctpSummary {
        associations: t.associations,
        packets_sent: s.packets_sent,
        packets_received: s.packets_received,
        data_chunks_sent: s.data_chunks_sent,
        retransmissions: s.retransmissions,
        fast_retransmissions: s.fast_retransmissions,
        t3_expirations: s.t3_expirations,
        duplicate_tsns: s.duplicate_tsns,
    }
}

/// The virtual run's counts in the recorder the reports read (no lag: virtual time never lags).
fn recorder_of(r: &super::virtual_time::VirtualResult) -> Recorder {
    let mut rec = Recorder::new();
    for (p, s) in &r.procedures {
        rec.add_procedure_stats(*p, s.started, s.outcomes, &s.latency_us);
    }
    add_messages(&mut rec, &r.messages);
    rec
}

/// The visited side's message counters in the recorder.
pub(crate) fn add_messages(rec: &mut Recorder, counters: &crate::visited::MessageCounters) {
    for (kind, m) in counters.iter() {
        // A CLR is a request the MME receives: its "sent" is what arrived, "answered" the CLAs.
        let sent = if m.sent == 0 { m.received } else { m.sent };
        rec.add_message_stats(kind, sent, m.answered, m.retransmitted, &m.latency_us);
    }
}

/// The real-socket run: the embedded core (if any) on a thread, then one thread per shard.
fn run_sockets(
    cfg: &RunConfig,
    population: Arc<Population>,
    stop: &Arc<AtomicBool>,
) -> anyhow::Result<SocketsResult> {
    let core_stop = Arc::new(AtomicBool::new(false));
    let (s6a, s8, core) = match &cfg.target {
        Target::External { s6a, s8 } => (*s6a, *s8, None),
        Target::Embedded => {
            let (tx, rx) = std::sync::mpsc::channel();
            let serve_cfg = ServeConfig {
                profile: cfg.profile.clone(),
                directory: cfg.directory.clone(),
                s6a: "127.0.0.1:0".parse().expect("literal"),
                s8: "127.0.0.1:0".parse().expect("literal"),
                allow_any_peer: false,
                cdr: None,
                duration: None,
                transport: cfg.transport,
            };
            let flag = core_stop.clone();
            let handle = std::thread::Builder::new()
                .name("home-core".into())
                .spawn(move || {
                    super::serve::run(serve_cfg, &flag, |a, b| {
                        let _ = tx.send((a, b));
                    })
                })
                .context("start the embedded home core")?;
            let (a, b) = rx
                .recv_timeout(Duration::from_secs(10))
                .context("the embedded home core did not start")?;
            (a, b, Some(handle))
        }
    };
    let per_shard = cfg.rate / cfg.shards as f64;
    let started = Instant::now();
    let mut handles = Vec::new();
    for i in 0..cfg.shards {
        let mut visited = VisitedConfig::new(
            &cfg.profile.load,
            "127.0.0.1:0".parse().expect("literal"),
            s8,
            derive_seed(cfg.seed, 0x5348_4152 + i as u64),
        );
        visited.shard = i;
        visited.shards = cfg.shards;
        visited.origin_realm = cfg.origin_realm.clone();
        visited.destination_realm = cfg.dest_realm.clone();
        let spec = ShardSpec {
            index: i,
            visited,
            population: population.clone(),
            s6a,
            transport: cfg.transport,
            sgw_bind: "127.0.0.1:0".parse().expect("literal"),
            rate: per_shard,
            arrivals_seed: derive_seed(cfg.seed, 0x4152_5256 + i as u64),
            poisson: cfg.profile.load.arrivals == crate::model::population::ArrivalProcess::Poisson,
            duration: cfg.duration,
            drain: Duration::from_millis(cfg.profile.load.procedure_timeout_ms + 1000),
        };
        let stop = stop.clone();
        handles.push(
            std::thread::Builder::new()
                .name(format!("shard-{i}"))
                .spawn(move || shard::run(spec, &stop))
                .context("start a shard")?,
        );
    }
    let mut merged = Recorder::new();
    let mut intended = 0;
    let mut elapsed = Duration::ZERO;
    let mut first_error = None;
    let mut sctp: Option<SctpTotals> = None;
    for h in handles {
        match h.join().expect("shard thread panicked") {
            Ok(r) => {
                merged.merge(&r.recorder);
                if let Some(t) = &r.sctp {
                    sctp.get_or_insert_with(SctpTotals::default).merge(t);
                }
                intended += r.intended;
                elapsed = elapsed.max(r.elapsed);
            }
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    core_stop.store(true, Ordering::Relaxed);
    let core_report = match core {
        Some(h) => Some(h.join().expect("home core thread panicked")?),
        None => None,
    };
    if let Some(e) = first_error {
        return Err(anyhow::Error::new(e).context("a shard failed"));
    }
    if elapsed.is_zero() {
        elapsed = started.elapsed();
    }
    Ok(SocketsResult {
        recorder: merged,
        elapsed,
        intended,
        core: core_report,
        sctp,
        core_s6a: matches!(cfg.target, Target::Embedded).then_some(s6a),
    })
}
