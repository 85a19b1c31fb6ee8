//! `roamsim run` (the embedded default: home core, links and generator in one process over
//! loopback sockets) and `roamsim load` (the same generator against external cores).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{
    config_error, load_directory, load_profile, parse_transport_arg, resolve_transport, stop_flag,
    Exit,
};
use crate::engine::diameter::{Transport, TransportChoice};
use crate::engine::load::linkshim::LinkPlan;
use crate::engine::load::{RunConfig, Target};
use crate::model::slo::SloSpec;

/// Load flags shared by `run` and `load`.
#[derive(Debug, Clone, Args)]
pub struct LoadFlags {
    /// Profile (TOML): home core, personas, visited networks, SLOs; the embedded
    /// `profiles/default.toml` when absent.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// How long arrivals go on (e.g. `30s`, `5m`).
    #[arg(long, default_value = "30s", value_parser = super::parse_duration_arg)]
    pub duration: Duration,
    /// Offered procedures per second (open loop); the profile's `[load] rate` when absent.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Roamers; the profile's `[load] population` when absent.
    #[arg(long)]
    pub population: Option<u64>,
    /// Worker shards (threads); one per core when absent.
    #[arg(long)]
    pub shards: Option<u32>,
    /// Seed of every random stream; the profile's when absent.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Results folder; `results/<run-id>` when absent.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Subscribers CSV (`imsi,msisdn,k,opc` and optionally `amf,mnc_digits,persona,visited`):
    /// the roamers are drawn from it (the UEs use its keys) and the embedded core serves it,
    /// instead of the profile's IMSI ranges. All of them roam, or the first `--population`.
    #[arg(long, value_name = "FILE")]
    pub subscribers: Option<PathBuf>,
    /// An SLO, e.g. `attach:p99<150ms`, `attach:success>=99.5%`, `s6a.ulr:timeout<0.1%`
    /// (repeatable; added to the profile's).
    #[arg(long = "slo", value_name = "SLO")]
    pub slos: Vec<String>,
    /// GRX/IPX link profile (`netem/*.toml`) between every visited PLMN and the home network,
    /// instead of the profile's per-partner `link` keys; `none` turns every link off.
    #[arg(long, value_name = "FILE|none")]
    pub link: Option<String>,
    /// Also check every SLO without a window of its own on every window of this length (e.g.
    /// `5m`): a soak passes only if every window passed.
    #[arg(long, value_name = "DURATION", value_parser = super::parse_duration_arg)]
    pub slo_window: Option<Duration>,
    /// Interval of intervals.hlog, windowed SLOs, the progress line and /metrics.
    #[arg(long, default_value = "10s", value_parser = super::parse_duration_arg)]
    pub interval: Duration,
    /// No progress line (it is off anyway when stderr is not a terminal).
    #[arg(long, short)]
    pub quiet: bool,
    /// Serve Prometheus metrics on http://ADDR:PORT/metrics while the run lasts.
    #[arg(long, value_name = "ADDR:PORT")]
    pub metrics: Option<SocketAddr>,
    /// Start in steady state: before the measured arrivals, attach each roamer with its
    /// persona's steady-state probability of being attached, over the real signaling, without
    /// measuring it (the profile's `[load] warm_start`). Without it every roamer starts
    /// detached and the first minutes are mostly attaches.
    #[arg(long)]
    pub warm_start: bool,
    /// Transport of S6a: tcp, sctp (the kernel's), sctp-udp (roamsim's SCTP over UDP, RFC 6951),
    /// or auto (kernel SCTP where present, else TCP). Default: the profile's, else tcp. `run`
    /// starts its embedded HSS on the same transport.
    #[arg(long, value_name = "NAME", value_parser = parse_transport_arg)]
    pub transport: Option<TransportChoice>,
    /// Send the gateways' CDRs (GTP', TS 32.295) to these CGFs instead of the embedded one,
    /// primary first (`--cgf 10.0.0.5:3386,10.0.0.6:3386`): `run` sends its PGW's and SGW's,
    /// `load` its SGW's (a PGW under test charges by itself).
    #[arg(long, value_name = "ADDR:PORT[,ADDR:PORT]", value_delimiter = ',')]
    pub cgf: Vec<SocketAddr>,
    /// The structured log.
    #[command(flatten)]
    pub log: super::log::LogFlags,
}

/// Flags of `roamsim run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Load flags.
    #[command(flatten)]
    pub load: LoadFlags,
    /// Simulated clock, no sockets: deterministic for a seed, and faster than real time.
    #[arg(long = "virtual")]
    pub virtual_time: bool,
    /// Step the offered rate FROM:TO:STEP (procedures/s), one run each in a subfolder; finds
    /// the knee, the highest rate meeting every SLO.
    #[arg(long, value_name = "FROM:TO:STEP")]
    pub sweep: Option<String>,
    /// Keep the embedded core's state (subscribers, SQNs, registrations, PGW sessions) in this
    /// folder across runs, as `serve --state` does; each shard journals as `shard-N`.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Online charging: the PGW asks this OCS (Gy, Diameter over TCP) for credit instead of
    /// the embedded one (turns `[charging.online] enabled` on).
    #[arg(long, value_name = "ADDR:PORT")]
    pub ocs: Option<SocketAddr>,
    /// Destination-Realm of the PGW's CCRs to `--ocs` (default: the home realm).
    #[arg(long, value_name = "REALM", requires = "ocs")]
    pub ocs_realm: Option<String>,
    /// Destination-Host of the PGW's CCRs to `--ocs` (default: none).
    #[arg(long, value_name = "HOST", requires = "ocs")]
    pub ocs_host: Option<String>,
}

/// Flags of `roamsim load`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// The HSS under test (Diameter S6a over `--transport`; for sctp-udp the UDP address of its
    /// SCTP, e.g. `roamsim serve --transport sctp-udp` or a `roamsim link` relay in front of it).
    #[arg(long, value_name = "ADDR:PORT")]
    pub s6a: SocketAddr,
    /// The PGW under test (GTPv2-C S5/S8 over UDP).
    #[arg(long, value_name = "ADDR:PORT")]
    pub s8: SocketAddr,
    /// Origin-Realm of the emulated MMEs (default: each visited PLMN's TS 23.003 realm).
    #[arg(long, value_name = "REALM")]
    pub origin_realm: Option<String>,
    /// Destination-Realm of S6a requests (default: the home PLMN's TS 23.003 realm).
    #[arg(long, value_name = "REALM")]
    pub dest_realm: Option<String>,
    /// Address of the emulated SGW (its S8 socket and F-TEIDs) and of the MMEs' SCTP-over-UDP
    /// sockets; default: the source address of the route to the PGW. Concurrent loads against
    /// one core need one each: a PGW tracks restarts per SGW address (TS 23.007), and every
    /// load announces a restart counter of its own.
    #[arg(long, value_name = "IP")]
    pub local_ip: Option<std::net::IpAddr>,
    /// Load flags.
    #[command(flatten)]
    pub load: LoadFlags,
}

/// `roamsim run`.
pub fn run(args: &RunArgs) -> anyhow::Result<Exit> {
    if let Some(sweep) = &args.sweep {
        if args.state.is_some() {
            return Err(config_error("--state does not go with --sweep".into()));
        }
        return super::sweep::run(args, sweep);
    }
    let Some(dir) = &args.state else {
        let mut cfg = resolve(&args.load, Target::Embedded, args.virtual_time, None, None)?;
        online(&mut cfg, args)?;
        return execute(cfg, &args.load);
    };
    if args.virtual_time {
        return Err(config_error(
            "--state keeps the state of the embedded core on real sockets; it does not go with --virtual".into(),
        ));
    }
    let mut opened = None;
    let cfg = resolve_with(
        &args.load,
        Target::Embedded,
        false,
        None,
        None,
        &mut |profile| {
            let o = super::state::open_for_core(
                dir,
                profile,
                args.load.subscribers.as_deref(),
                "shard",
            )?;
            let d = o.directory.clone();
            opened = Some(o);
            Ok(d)
        },
    )?;
    let mut cfg = cfg;
    online(&mut cfg, args)?;
    let super::state::Opened { folder, handle, .. } = opened.expect("resolve opened the store");
    cfg.state = Some(handle);
    let exit = execute(cfg, &args.load);
    super::state::close(folder)?;
    exit
}

/// Online charging of `run`: the embedded OCS of every shard's core when the profile turns it
/// on, or `--ocs` (which turns it on) for the PGWs to use instead.
fn online(cfg: &mut RunConfig, args: &RunArgs) -> anyhow::Result<()> {
    if args.ocs.is_some() {
        if args.virtual_time {
            return Err(config_error(
                "--ocs aims the PGW at a real OCS; it does not go with --virtual".into(),
            ));
        }
        cfg.profile.charging.online.enabled = true;
    }
    if cfg.profile.charging.online.enabled {
        cfg.online = crate::engine::serve::OnlineServe {
            ocs: args
                .ocs
                .is_none()
                .then(|| "127.0.0.1:0".parse().expect("literal")),
            external: args.ocs,
            realm: args.ocs_realm.clone(),
            host: args.ocs_host.clone(),
        };
    }
    Ok(())
}

/// `roamsim load`.
pub fn load(args: &LoadArgs) -> anyhow::Result<Exit> {
    if let Some(ip) = args.local_ip {
        // A bad --local-ip is the user's to fix (exit 2), before any results folder exists.
        std::net::UdpSocket::bind((ip, 0)).map_err(|e| {
            config_error(format!(
                "--local-ip {ip}: the SGW cannot send from it ({e})"
            ))
        })?;
    }
    let target = Target::External {
        s6a: args.s6a,
        s8: args.s8,
        local: args.local_ip,
    };
    let cfg = resolve(
        &args.load,
        target,
        false,
        args.origin_realm.clone(),
        args.dest_realm.clone(),
    )?;
    execute(cfg, &args.load)
}

pub(crate) fn resolve(
    flags: &LoadFlags,
    target: Target,
    virtual_time: bool,
    origin_realm: Option<String>,
    dest_realm: Option<String>,
) -> anyhow::Result<RunConfig> {
    resolve_with(
        flags,
        target,
        virtual_time,
        origin_realm,
        dest_realm,
        &mut |profile| load_directory(profile, flags.subscribers.as_deref()),
    )
}

/// As [`resolve`], with the subscribers from `subscribers` (given the resolved profile).
fn resolve_with(
    flags: &LoadFlags,
    target: Target,
    virtual_time: bool,
    origin_realm: Option<String>,
    dest_realm: Option<String>,
    subscribers: &mut dyn FnMut(
        &crate::model::config::Profile,
    ) -> anyhow::Result<crate::model::subscriber::Directory>,
) -> anyhow::Result<RunConfig> {
    let mut profile = load_profile(flags.profile.as_deref())?;
    if let Some(p) = flags.population {
        if p == 0 {
            return Err(config_error("--population must be at least 1".into()));
        }
        profile.load.population = p;
        if flags.subscribers.is_none() {
            grow_provisioning(&mut profile, p);
        }
    }
    let rate = flags.rate.unwrap_or(profile.load.rate);
    if !(rate.is_finite() && rate > 0.0) {
        return Err(config_error(format!(
            "--rate must be a positive number, got {rate}"
        )));
    }
    let shards = flags
        .shards
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
    if shards == 0 {
        return Err(config_error("--shards must be at least 1".into()));
    }
    if flags.interval.is_zero() {
        return Err(config_error("--interval must be positive".into()));
    }
    if flags.slo_window.is_some_and(|w| w.is_zero()) {
        return Err(config_error("--slo-window must be positive".into()));
    }
    let seed = flags.seed.unwrap_or(profile.seed);
    profile.seed = seed;
    profile.load.warm_start |= flags.warm_start;
    let mut slos = profile.slo.clone();
    for s in &flags.slos {
        slos.push(SloSpec::parse(s).map_err(|e| config_error(format!("--slo {s:?}: {e}")))?);
    }
    let directory = subscribers(&profile)?;
    if let Some(file) = directory.file_name() {
        // The roamers are the file's subscribers: all of them, or the first --population.
        let rows = directory.len() as u64;
        match flags.population {
            Some(p) if p > rows => {
                return Err(config_error(format!(
                    "--population {p}: {file} has only {rows} subscribers"
                )))
            }
            Some(_) => {}
            None => profile.load.population = rows,
        }
    }
    let links = link_plan(flags, &profile)?;
    // A virtual run has no sockets: the transport does not apply.
    let transport = if virtual_time {
        Transport::Tcp
    } else {
        resolve_transport(flags.transport, &profile)?
    };
    let profile_name = flags
        .profile
        .as_ref()
        .and_then(|p| p.file_stem())
        .map_or_else(
            || "default".to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
    let log = flags.log.settings(&profile_name)?;
    let ga_link = ga_link(flags, &profile)?;
    Ok(RunConfig {
        log,
        profile,
        profile_name,
        directory,
        rate,
        duration: flags.duration,
        shards,
        seed,
        target,
        transport,
        virtual_time,
        slos,
        out: flags.out.clone(),
        origin_realm,
        dest_realm,
        links,
        interval: flags.interval,
        slo_window: flags.slo_window,
        metrics: flags.metrics,
        observers: Vec::new(),
        state: None,
        cgf: flags.cgf.clone(),
        ga_link,
        online: Default::default(),
    })
}

/// `[charging] link`, relative to the profile's folder: the link the Ga traffic crosses.
fn ga_link(
    flags: &LoadFlags,
    profile: &crate::model::config::Profile,
) -> anyhow::Result<Option<crate::link::LinkProfile>> {
    let Some(file) = &profile.charging.link else {
        return Ok(None);
    };
    let base = flags
        .profile
        .as_deref()
        .and_then(std::path::Path::parent)
        .unwrap_or(std::path::Path::new("."));
    let path = base.join(file);
    crate::link::LinkProfile::from_file(&path)
        .map(Some)
        .map_err(|e| config_error(format!("[charging] link {}: {e}", path.display())))
}

/// `--link FILE|none`, else the profile's `[[visited]] link` keys, paths relative to the
/// profile file's folder.
fn link_plan(
    flags: &LoadFlags,
    profile: &crate::model::config::Profile,
) -> anyhow::Result<LinkPlan> {
    let plan = match &flags.link {
        Some(value) => LinkPlan::from_flag(value),
        None => {
            let base = flags
                .profile
                .as_deref()
                .and_then(std::path::Path::parent)
                .unwrap_or(std::path::Path::new("."));
            LinkPlan::from_visited(&profile.visited, base)
        }
    };
    plan.map_err(|e| config_error(e.to_string()))
}

/// Roamer `i` is subscriber `i` of the profile's IMSI ranges: a population larger than what is
/// provisioned grows the last range of the first home PLMN (its MSISDNs follow), so that
/// `--population 10000000` works with any profile.
pub(crate) fn grow_provisioning(profile: &mut crate::model::config::Profile, population: u64) {
    let provisioned: u64 = profile
        .home
        .plmns
        .iter()
        .flat_map(|h| h.ranges.iter())
        .map(|r| r.count)
        .sum();
    if population > provisioned {
        if let Some(r) = profile
            .home
            .plmns
            .first_mut()
            .and_then(|h| h.ranges.last_mut())
        {
            r.count += population - provisioned;
        }
    }
}

/// E.g. `s6a transport: sctp-udp (embedded HSS at 127.0.0.1:40000); mme: 14 associations,
/// 3 retransmissions (fast 2, t3 1); hss: ...`.
fn transport_line(t: &crate::report::TransportSummary, cores: &[SocketAddr]) -> String {
    let mut line = format!("s6a transport: {}", t.s6a);
    if !cores.is_empty() {
        let list: Vec<String> = cores.iter().map(|a| a.to_string()).collect();
        line.push_str(&format!(" (embedded HSS at {})", list.join(", ")));
    }
    for (side, s) in [("mme", &t.mme), ("hss", &t.hss)] {
        if let Some(s) = s {
            line.push_str(&format!(
                "; {side}: {} associations, {} packets sent, {} retransmissions (fast {}, t3 {})",
                s.associations,
                s.packets_sent,
                s.retransmissions,
                s.fast_retransmissions,
                s.t3_expirations
            ));
        }
    }
    line
}

fn execute(mut cfg: RunConfig, flags: &LoadFlags) -> anyhow::Result<Exit> {
    let stop = stop_flag()?;
    let progress = super::progress::Progress::start(flags.quiet);
    if let Some(observer) = progress.observer() {
        cfg.observers.push(observer);
    }
    if cfg.profile.load.warm_start && !flags.quiet {
        // A large population takes a while (10M roamers: millions of attaches) before the
        // progress line has anything to show.
        eprintln!(
            "roamsim: warm start: attaching each persona's steady-state share of the roamers \
             before the arrivals (not measured)"
        );
    }
    let outcome = crate::engine::load::run(cfg, stop);
    progress.end();
    let outcome = outcome?;
    if let Some(w) = outcome
        .summary
        .run
        .warm_start
        .as_ref()
        .filter(|w| w.failed > 0)
    {
        eprintln!(
            "roamsim: warning: {} of {} warm-start attaches failed (first: {})",
            w.failed,
            w.roamers,
            w.first_failure.as_deref().unwrap_or("unknown")
        );
    }
    println!("{}", outcome.markdown);
    if let Some(t) = &outcome.summary.run.transport {
        println!("{}", transport_line(t, &outcome.core_s6a));
    }
    println!("results: {}", outcome.dir.display());
    if let Some(l) = &outcome.summary.log {
        eprintln!("roamsim: {l}");
    }
    super::hints::hints(&outcome.summary)
        .iter()
        .for_each(|h| eprintln!("roamsim: {h}"));
    Ok(match outcome.summary.verdict {
        crate::report::Verdict::Pass => Exit::Ok,
        crate::report::Verdict::Fail => Exit::SloBreached,
    })
}
