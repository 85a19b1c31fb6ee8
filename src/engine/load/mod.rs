//! `roamsim run` and `roamsim load`: one engine, two targets (CONTRIBUTING.md §6). `run` starts the
//! embedded home core ([`super::serve`]) on loopback in this process and points the shards at
//! it; `load` points them at external cores. `--virtual` runs the same visited and home state
//! machines on a simulated clock instead ([`virtual_time`]).
//!
//! Every shard is a thread with its own population slice, sockets, timers, RNG and
//! [`Recorder`]; they share nothing but interval snapshots, which the run thread merges
//! ([`collect`]) into `intervals.hlog`, windowed SLO checks and live observers. The
//! run's [`Summary`] is the sum of its intervals; then every report is written.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;

pub mod collect;
pub(crate) mod generator;
pub mod interval;
pub mod linkshim;
pub mod shard;
pub mod virtual_time;

use super::diameter::sctp_udp::SctpTotals;
use super::diameter::Transport;
use super::log::LogWriter;
use super::metrics::{Metrics, MetricsServer};
use super::serve::{ServeConfig, ServeReport};
use crate::model::config::Profile;
use crate::model::population::Population;
use crate::model::protocol_errors::ProtocolErrors;
use crate::model::rng::derive_seed;
use crate::model::slo::SloSpec;
use crate::model::subscriber::Directory;
use crate::report::interval::Snapshot;
use crate::report::summary::WarmStartSummary;
use crate::report::{self, Recorder, RunInfo, SctpSummary, Summary, TransportSummary};
use crate::visited::VisitedConfig;
use collect::{Collector, CollectorConfig, Observer};
use interval::IntervalTap;
use linkshim::LinkPlan;
use shard::ShardSpec;

/// Where the load goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// The embedded home core, started on loopback by the run itself.
    Embedded,
    /// External cores (an HSS and a PGW that are not roamsim).
    External {
        /// The HSS (Diameter S6a over TCP).
        s6a: SocketAddr,
        /// The PGW (GTPv2-C S5/S8 over UDP).
        s8: SocketAddr,
        /// The emulated SGW's address (and the MMEs' for SCTP over UDP); `None`: the source
        /// address of the route to the PGW.
        local: Option<std::net::IpAddr>,
    },
}

/// A run, fully resolved from profile and flags.
pub struct RunConfig {
    /// The profile (home core, personas, visited networks, SLOs).
    pub profile: Profile,
    /// Name shown in the summary (file name or `default`).
    pub profile_name: String,
    /// The subscribers: the roamers are drawn from them and the embedded core serves them.
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
    /// Transport of S6a (resolved; the embedded core listens on it too).
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
    /// Interval of `intervals.hlog`, windowed SLOs and live reporting.
    pub interval: Duration,
    /// Window of SLOs that have none of their own (`--slo-window`).
    pub slo_window: Option<Duration>,
    /// Serve `/metrics` here while the run lasts.
    pub metrics: Option<SocketAddr>,
    /// Called at every interval (e.g. the progress line).
    pub observers: Vec<Observer>,
    /// The GRX/IPX link each visited PLMN's traffic crosses (the profile's `link` keys, or
    /// `--link`); empty: unimpaired.
    pub links: LinkPlan,
    /// The embedded cores keep their state in a store (`run --state DIR`); each shard's core
    /// journals as `shard-N`.
    pub state: Option<crate::engine::state::StateHandle>,
    /// CGFs the gateways' CDRs go to instead of the embedded ones (`--cgf`, primary first).
    pub cgf: Vec<SocketAddr>,
    /// The link the Ga traffic crosses (`[charging] link`, loaded).
    pub ga_link: Option<crate::link::LinkProfile>,
    /// The structured log of the procedures' ends (`--log FILE`).
    pub log: Option<crate::engine::log::LogSettings>,
    /// Online charging of the embedded cores (their OCS, or an external one).
    pub online: super::serve::OnlineServe,
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
    /// The embedded cores' S6a addresses, one per shard (for captures: their UDP ports under
    /// `sctp-udp`).
    pub core_s6a: Vec<SocketAddr>,
}

/// Runs the load, writes the results and returns them. `stop` (Ctrl-C) ends the arrivals
/// early; what was measured is still written.
pub fn run(mut cfg: RunConfig, stop: Arc<AtomicBool>) -> anyhow::Result<RunOutcome> {
    let started_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let population = Arc::new(
        Population::new(&cfg.profile, cfg.directory.clone(), &cfg.profile_name, None)
            .map_err(|e| crate::model::InvalidInput(e.to_string()))?,
    );
    let id = report::run_id(started_ms, cfg.seed);
    let dir = cfg
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&id));
    writable_results(&dir)?;
    let mut observers = std::mem::take(&mut cfg.observers);
    let (_server, metrics) = match cfg.metrics {
        Some(addr) => {
            let metrics = Metrics::new(cfg.rate);
            let server = MetricsServer::start(addr, metrics.clone())
                .map_err(|e| crate::model::InvalidInput(format!("--metrics {addr}: {e}")))?;
            eprintln!("metrics: http://{}/metrics", server.addr());
            let m = metrics.clone();
            observers.push(Box::new(move |i, _| m.update(i)));
            (Some(server), Some(metrics))
        }
        None => (None, None),
    };
    let hlog_path = dir.join("intervals.hlog");
    let collector_cfg = CollectorConfig {
        hlog_path: &hlog_path,
        run_id: &id,
        start_unix_ms: started_ms,
        shards: if cfg.virtual_time { 1 } else { cfg.shards },
        every: cfg.interval,
        slos: &cfg.slos,
        slo_window: cfg.slo_window,
        alerts: &cfg.profile.alerts,
    };
    let mut collector = Collector::new(&collector_cfg, observers)
        .with_context(|| format!("create {}", hlog_path.display()))?;
    if let Some(m) = &metrics {
        let m = m.clone();
        collector.add_alert_sink(Box::new(move |name, severity| m.alert(name, severity)));
    }
    let (tx, rx) = mpsc::channel();
    let log = match &cfg.log {
        Some(settings) => {
            // A logger per shard, and one per shard's embedded core.
            let parts = match (cfg.virtual_time, &cfg.target) {
                (true, _) => 1,
                (false, Target::Embedded) => 2 * cfg.shards,
                (false, Target::External { .. }) => cfg.shards,
            };
            Some(LogWriter::open(settings.clone(), parts)?)
        }
        None => None,
    };
    let m = if cfg.virtual_time {
        run_virtual(&cfg, tx, rx, &mut collector, log.as_ref())?
    } else {
        let net = (tx, rx);
        run_sockets(
            &cfg,
            &dir,
            population.clone(),
            &stop,
            net,
            &mut collector,
            log.as_ref(),
        )?
    };
    let log = log.map(LogWriter::finish).transpose()?;
    let collected = collector.finish();
    let mut recorder = collected.total;
    recorder.merge(&m.recorder);
    if let Some(e) = &collected.hlog_error {
        eprintln!("roamsim: warning: {}: {e}", hlog_path.display());
    }
    let info = run_info(&cfg, &recorder, id, started_ms, m.elapsed, m.intended);
    let mut summary = Summary::new(&recorder, info);
    if recorder.charging.active {
        summary.charging = Some(report::model::ChargingSummary::new(
            &recorder.charging,
            collected.charging.clone(),
            collected.charging_outstanding,
        ));
    }
    summary.alerts = collected.alerts.clone();
    summary.evaluate_slos(&cfg.slos);
    if !cfg.virtual_time {
        summary.run.transport = Some(TransportSummary {
            s6a: cfg.transport.name().to_string(),
            mme: m.sctp.as_ref().map(sctp_summary),
            hss: m
                .core
                .as_ref()
                .and_then(|c| c.sctp.as_ref())
                .map(sctp_summary),
        });
    }
    summary.attach_windows(collected.windows);
    summary.run.warm_start = m.warm_start;
    summary.log = log;
    summary.protocol_errors = m.protocol_errors.map(|e| e.iter().collect());
    let online = m
        .online
        .or_else(|| m.core.as_ref().and_then(|c| c.online.clone()));
    if let Some(o) = online {
        summary.charging.get_or_insert_with(Default::default).online = Some(o);
    }
    let personas: Vec<_> = population
        .personas()
        .iter()
        .map(|p| (p.config.clone(), p.count as u64))
        .collect();
    let stay = report::capacity::mean_stay_s(&personas);
    let natural = population.natural_rate();
    summary.capacity = Some(collected.capacity.finish(&summary, stay, natural));
    // After the SLOs, windows and every section a check may read.
    summary.evaluate_expect(&cfg.profile.expect.checks);
    write_all(&dir, &summary)?;
    let markdown = report::render_markdown(&summary);
    Ok(RunOutcome {
        summary,
        dir,
        markdown,
        core: m.core,
        core_s6a: m.core_s6a,
    })
}

/// Writes every report, charts read back from the `intervals.hlog` just written.
/// Creates the results folder and proves a file can be written in it, before any load starts:
/// a folder the run cannot write to is the user's to fix (exit 2), named.
fn writable_results(dir: &Path) -> anyhow::Result<()> {
    let probe = dir.join(".roamsim-write-check");
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b"roamsim"))
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| {
            crate::model::InvalidInput(format!(
                "--out {}: the results cannot be written there: {e}",
                dir.display()
            ))
        })?;
    Ok(())
}

fn write_all(dir: &Path, summary: &Summary) -> anyhow::Result<()> {
    let hlog_path = dir.join("intervals.hlog");
    let hlog = std::fs::read(&hlog_path)
        .ok()
        .and_then(|b| report::hlog::read_hlog(&b).ok())
        .unwrap_or_default();
    report::write_reports(dir, summary, &hlog)
        .with_context(|| format!("write results to {}", dir.display()))
}

fn run_info(
    cfg: &RunConfig,
    recorder: &Recorder,
    id: String,
    started_ms: u64,
    elapsed: Duration,
    intended: u64,
) -> RunInfo {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let started: u64 = crate::model::Procedure::ALL
        .iter()
        .map(|&p| recorder.procedure(p).started)
        .sum();
    let lag_p99 = recorder.lag_us().value_at_quantile(0.99);
    RunInfo {
        id,
        seed: cfg.seed,
        profile: cfg.profile_name.clone(),
        started_at: report::rfc3339_utc(started_ms),
        duration_s: secs,
        shards: cfg.shards,
        offered_rate: cfg.rate,
        achieved_rate: started as f64 / secs,
        // Behind schedule by more than 10 ms at p99, or fewer starts than the schedule asked.
        generator_saturated: lag_p99 > 10_000 || (started as f64) < 0.99 * intended as f64,
    }
}

/// What the shards (or the virtual run) measured besides the intervals.
struct Measured {
    /// Whatever the intervals did not carry (e.g. the virtual run's links).
    recorder: Recorder,
    elapsed: Duration,
    intended: u64,
    core: Option<ServeReport>,
    /// The MMEs' SCTP counters over every shard (`sctp-udp`).
    sctp: Option<SctpTotals>,
    core_s6a: Vec<SocketAddr>,
    /// What the warm start did (`--warm-start`).
    warm_start: Option<WarmStartSummary>,
    /// The home cores' error answers to bad input (none for `load`: the cores are external).
    protocol_errors: Option<ProtocolErrors>,
    /// What online charging did (a virtual run's; a socket run's is in `core`).
    online: Option<crate::report::online::OnlineChargingSummary>,
}

/// The address the kernel would send from towards `to` (a UDP socket connected to it: no
/// packet is sent).
fn route_source(to: SocketAddr) -> std::io::Result<std::net::IpAddr> {
    let any: SocketAddr = match to {
        SocketAddr::V4(_) => "0.0.0.0:0".parse().expect("literal"),
        SocketAddr::V6(_) => "[::]:0".parse().expect("literal"),
    };
    let socket = std::net::UdpSocket::bind(any)?;
    socket.connect(to)?;
    Ok(socket.local_addr()?.ip())
}

/// A restart counter for a run that starts now: 1..=255 from the clock (the Recovery IE is one
/// octet), so that two runs a few seconds apart differ.
fn restart_counter_now() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (secs % 255) as u32 + 1
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

/// The virtual-time run on its own thread, cutting intervals by virtual time, while this
/// thread collects them.
fn run_virtual(
    cfg: &RunConfig,
    tx: Sender<Snapshot>,
    rx: Receiver<Snapshot>,
    collector: &mut Collector,
    log: Option<&LogWriter>,
) -> anyhow::Result<Measured> {
    let profile = cfg.profile.clone();
    let log = log.map(|w| w.logger(0));
    let mut opts = virtual_time::VirtualOptions::new(
        cfg.rate,
        cfg.duration,
        cfg.profile.load.population,
        cfg.seed,
    );
    opts.links = cfg.links.clone();
    opts.ga_link = cfg.ga_link.clone();
    opts.directory = Some(cfg.directory.clone());
    let every = cfg.interval.as_micros() as u64;
    let handle = std::thread::Builder::new()
        .name("virtual".into())
        .spawn(move || {
            let mut run = virtual_time::VirtualRun::new(&profile, &opts)?;
            run.set_intervals(IntervalTap::new(0, every, tx));
            if let Some(log) = log {
                run.set_log(log);
            }
            Ok::<_, crate::model::config::ConfigError>(run.run())
        })
        .context("start the virtual run")?;
    collector.drain(rx);
    let r = handle
        .join()
        .expect("virtual run panicked")
        .map_err(|e| crate::model::InvalidInput(e.to_string()))?;
    // The intervals carried procedures and messages; the links are added once, at the end.
    let mut links = Recorder::new();
    for (name, link) in &r.links.links {
        links.link_mut(name).merge(link);
    }
    Ok(Measured {
        recorder: links,
        elapsed: cfg.duration,
        intended: r.arrivals,
        core: None,
        sctp: None,
        core_s6a: Vec::new(),
        warm_start: r.warm_start,
        protocol_errors: Some(r.protocol_errors),
        online: r.online.as_ref().map(virtual_time::OnlineResult::summary),
    })
}

/// The real-socket run: the embedded core (if any) on a thread, then one thread per shard.
fn run_sockets(
    cfg: &RunConfig,
    dir: &Path,
    population: Arc<Population>,
    stop: &Arc<AtomicBool>,
    (tx, rx): (Sender<Snapshot>, Receiver<Snapshot>),
    collector: &mut Collector,
    log: Option<&LogWriter>,
) -> anyhow::Result<Measured> {
    // `run`: every shard binds its own home core (see `ShardSpec::core`); `load`: the
    // external cores' addresses.
    let unbound: SocketAddr = "127.0.0.1:0".parse().expect("literal");
    let (s6a, s8, core) = match &cfg.target {
        Target::External { s6a, s8, .. } => (*s6a, *s8, None),
        Target::Embedded => {
            let core = ServeConfig {
                profile: cfg.profile.clone(),
                directory: cfg.directory.clone(),
                s6a: unbound,
                s8: unbound,
                allow_any_peer: false,
                duration: None,
                transport: cfg.transport,
                // Each procedure makes at most two S8 requests (plmn_change: Delete and
                // Create Session); the default mix makes about 1.1.
                s8_rate_hint: 2.0 * cfg.rate / cfg.shards as f64,
                state: cfg.state.clone(),
                cgf: None,
                charging: None,
                population: Some(population.clone()),
                log: None,
                online: cfg.online.clone(),
            };
            (unbound, unbound, Some(core))
        }
    };
    let per_shard = cfg.rate / cfg.shards as f64;
    let started = Instant::now();
    let epoch_unix_us = crate::engine::serve::unix_now_us();
    let offline = cfg.profile.charging.offline;
    let usage = crate::model::usage::UsageModel::from_profile(&cfg.profile);
    // This run's restart counter, the same on every shard (one SGW/MME node per process):
    // the Recovery IE and Origin-State-Id change from one run to the next, so a long-running
    // core sees each run as a restart of the previous one and releases what it left behind
    // (TS 23.007), instead of holding its sessions forever.
    let restart_counter = restart_counter_now();
    let local = match &cfg.target {
        Target::External {
            local: Some(ip), ..
        } => *ip,
        Target::External { s8, .. } => route_source(*s8)
            .with_context(|| format!("find the local address of the route to the PGW at {s8}"))?,
        Target::Embedded => std::net::Ipv4Addr::LOCALHOST.into(),
    };
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
        visited.restart_counter = restart_counter;
        visited.origin_realm = cfg.origin_realm.clone();
        visited.destination_realm = cfg.dest_realm.clone();
        let spec = ShardSpec {
            index: i,
            visited,
            population: population.clone(),
            s6a,
            transport: cfg.transport,
            sgw_bind: SocketAddr::new(local, 0),
            rate: per_shard,
            arrivals_seed: derive_seed(cfg.seed, 0x4152_5256 + i as u64),
            poisson: cfg.profile.load.arrivals == crate::model::population::ArrivalProcess::Poisson,
            duration: cfg.duration,
            drain: Duration::from_millis(cfg.profile.load.procedure_timeout_ms + 1000),
            tap: IntervalTap::new(i, cfg.interval.as_micros() as u64, tx.clone()),
            links: cfg.links.clone(),
            seed: cfg.seed,
            warm_start: cfg.profile.load.warm_start,
            core: core.clone().map(|mut c| {
                if let Some(st) = &mut c.state {
                    st.writer = format!("shard-{i}");
                }
                if offline {
                    // Each shard's core has its own CGF (files in cdr/shard-N) unless the
                    // records go to the user's (`--cgf`).
                    if cfg.cgf.is_empty() {
                        c.cgf = Some((unbound, dir.join("cdr").join(format!("shard-{i}"))));
                    }
                    c.charging = Some(crate::engine::serve::PgwCharging {
                        link: cfg.ga_link.clone(),
                        cgfs: cfg.cgf.clone(),
                        spool: Some(dir.join("spool").join(format!("pgw-{i}.spool"))),
                        node_id: format!("pgw-{i}"),
                        epoch_unix_us,
                    });
                }
                c
            }),
            charging: (offline && (core.is_some() || !cfg.cgf.is_empty())).then(|| {
                shard::ShardCharging {
                    link: cfg.ga_link.clone(),
                    cgfs: cfg.cgf.clone(),
                    spool: dir.join("spool").join(format!("sgw-{i}.spool")),
                    node_id: format!("sgw-{i}"),
                    epoch_unix_us,
                    config: cfg.profile.charging.clone(),
                    usage: usage.clone(),
                    seed: derive_seed(cfg.seed, 0x5347_4344 + i as u64),
                }
            }),
            log: log.map(|w| w.logger(i)),
            core_log: log
                .filter(|_| core.is_some())
                .map(|w| w.logger(cfg.shards + i)),
        };
        let stop = stop.clone();
        handles.push(
            std::thread::Builder::new()
                .name(format!("shard-{i}"))
                .spawn(move || shard::run(spec, &stop))
                .context("start a shard")?,
        );
    }
    drop(tx);
    collector.drain(rx);
    let mut merged = Recorder::new();
    let mut intended = 0;
    let mut elapsed = Duration::ZERO;
    let mut first_error = None;
    let mut sctp: Option<SctpTotals> = None;
    let mut core_report: Option<ServeReport> = None;
    let mut core_s6a = Vec::new();
    let mut warm_start: Option<WarmStartSummary> = None;
    for h in handles {
        match h.join().expect("shard thread panicked") {
            Ok(r) => {
                merged.merge(&r.recorder);
                if let Some(c) = &r.core {
                    core_report
                        .get_or_insert_with(ServeReport::default)
                        .merge(c);
                }
                core_s6a.extend(r.core_s6a);
                if let Some(t) = &r.sctp {
                    sctp.get_or_insert_with(SctpTotals::default).merge(t);
                }
                intended += r.intended;
                elapsed = elapsed.max(r.elapsed);
                if let Some(w) = &r.warm_start {
                    warm_start.get_or_insert_with(Default::default).merge(w);
                }
            }
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    if let Some(e) = first_error {
        return Err(anyhow::Error::new(e).context("a shard failed"));
    }
    if elapsed.is_zero() {
        elapsed = started.elapsed();
    }
    Ok(Measured {
        recorder: merged,
        elapsed,
        intended,
        protocol_errors: core_report.as_ref().map(|c| c.protocol_errors),
        core: core_report,
        sctp,
        core_s6a,
        warm_start,
        online: None,
    })
}
