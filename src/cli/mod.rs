//! Command line (docs/ARCHITECTURE.md §7): argument parsing, dispatch to the engine, exit codes.
//!
//! Errors reach this layer as `anyhow::Error`; an error that carries a [`ConfigError`] anywhere in
//! its chain is a usage or configuration problem (exit 2), anything else is a runtime error (exit 1).

use std::net::SocketAddr;
use std::path::PathBuf;

pub mod charging;
mod hints;
pub mod ipx;
pub mod link;
pub mod log;
pub mod progress;
pub mod prune;
pub mod report;
pub mod run;
pub mod scenario;
pub mod state;
pub mod subscribers;
pub mod sweep;

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::engine::diameter::{s6a_address, Transport, TransportChoice};
use crate::engine::serve::ServeConfig;
use crate::model::config::Profile;
use crate::model::subscriber::Directory;

/// Process exit codes (docs/ARCHITECTURE.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything ran and every SLO was met.
    Ok = 0,
    /// A runtime error (I/O, a peer that went away, ...).
    Runtime = 1,
    /// A usage or configuration error: bad flag, malformed profile or subscriber file.
    Usage = 2,
    /// The run completed but an SLO was breached.
    SloBreached = 99,
}

/// Marks an error as a configuration or usage error (exit 2); wrap it with `anyhow` context that
/// names the file, field or flag. Defined in `model` so that every layer can raise it.
pub use crate::model::InvalidInput as ConfigError;

/// roamsim: roaming signaling load generator and simulated home core.
#[derive(Debug, Parser)]
#[command(name = "roamsim", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a roaming load test on the embedded default: home core, links and generator in one
    /// process over loopback sockets; writes `results/<run-id>/` and prints report.md.
    Run(run::RunArgs),
    /// Drive external cores (an HSS and a PGW) with the same load.
    Load(run::LoadArgs),
    /// Run the simulated home core (HSS on S6a, PGW on S8) for external MMEs/SGWs until Ctrl-C.
    Serve(ServeArgs),
    /// The subscriber dataset: export the generated subscribers with their keys, check a file.
    Subscribers(subscribers::SubscribersArgs),
    /// The home core's persistent state (`--state DIR`): import, export, show.
    State(state::StateArgs),
    /// Offline charging: replay the CDRs a run left in its dead-letter spools.
    Charging(charging::ChargingArgs),
    /// UDP relay through the link emulator (GTPv2-C, SCTP over UDP, any UDP protocol).
    Link(link::LinkArgs),
    /// Join namespaces roamsim-visited and roamsim-home through TUN devices and the link emulator (root).
    Ipx(ipx::IpxArgs),
    /// The scenario library: list the scenarios, run them and check their acceptance.
    Scenario(scenario::ScenarioArgs),
    /// Remove results folders past retention (`--older-than 30d`); lists them unless `--yes`.
    Prune(prune::PruneArgs),
    /// Re-render every report of a run folder (summary.json + intervals.hlog).
    Report(report::ReportArgs),
    /// Compare two runs (throughput, latency percentiles per procedure); exit 99 on a regression.
    Compare(report::CompareArgs),
    /// Size the VLR/MME pool of every visited PLMN for a population, arithmetic shown.
    Plan(report::PlanArgs),
    /// Measure a raw batched UDP echo on loopback (open loop), the I/O ceiling for comparisons.
    Echo(EchoArgs),
}

/// Flags of `roamsim echo`.
#[derive(Debug, Clone, Args)]
pub struct EchoArgs {
    /// Offered round trips per second.
    #[arg(long, default_value_t = 50_000.0)]
    pub rate: f64,
    /// How long to send.
    #[arg(long, default_value = "10s", value_parser = parse_duration_arg)]
    pub duration: std::time::Duration,
}

/// Flags of `roamsim serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Core profile (TOML); the embedded `profiles/default.toml` when absent.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Subscribers CSV (`imsi,msisdn,k,opc` and optionally `amf,mnc_digits,persona,visited`;
    /// hex keys): the HSS serves exactly these, instead of the profile's IMSI ranges.
    #[arg(long, value_name = "FILE")]
    pub subscribers: Option<PathBuf>,
    /// Address of the HSS (Diameter S6a). Default 127.0.0.1:3868, or 127.0.0.1:9899 (the UDP
    /// port of RFC 6951) with `--transport sctp-udp`. Port 0 picks a free port and prints it.
    #[arg(long, value_name = "ADDR:PORT")]
    pub s6a: Option<SocketAddr>,
    /// Transport of S6a: tcp, sctp (the kernel's), sctp-udp (roamsim's SCTP over UDP, RFC 6951),
    /// or auto (kernel SCTP where present, else TCP). Default: the profile's, else tcp.
    #[arg(long, value_name = "NAME", value_parser = parse_transport_arg)]
    pub transport: Option<TransportChoice>,
    /// Address of the PGW (GTPv2-C S5/S8 over UDP). Port 0 picks a free port and prints it.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:2123")]
    pub s8: SocketAddr,
    /// Accept any Diameter peer, not only the Origin-Hosts/realms configured in the profile.
    #[arg(long)]
    pub allow_any_peer: bool,
    /// Stop by itself after this long (e.g. `30s`); runs until Ctrl-C/SIGTERM when absent.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_arg)]
    pub duration: Option<std::time::Duration>,
    /// Keep subscribers, SQNs, registrations and PGW sessions in this folder across restarts
    /// (SQLite `state.db` and a journal); see `roamsim state`.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Run a CGF (billing mediation) on GTP' (TS 32.295) at this UDP address: a PGW's or SGW's
    /// CDRs are deduplicated, acknowledged and written as TS 32.297 CDR files. The core's own
    /// PGW sends its PGW-CDRs there too (its spool: `DIR/spool/pgw.spool`).
    #[arg(long, value_name = "ADDR:PORT")]
    pub cgf: Option<SocketAddr>,
    /// Folder of the CGF's CDR files.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "cgf-files",
        requires = "cgf"
    )]
    pub cgf_dir: PathBuf,
    /// The structured log of rejected requests and malformed input.
    #[command(flatten)]
    pub log: log::LogFlags,
    /// Run the OCS (online charging, Gy: Diameter Credit-Control over TCP) at this address,
    /// reading the profile's `[charging.online]`; with `enabled = true` there, the PGW asks it
    /// for credit too.
    #[arg(long, value_name = "ADDR:PORT")]
    pub ocs: Option<SocketAddr>,
}

pub(crate) fn parse_transport_arg(s: &str) -> Result<TransportChoice, String> {
    s.parse()
        .map_err(|e: crate::model::transport::TransportParseError| e.to_string())
}

/// Resolves `--transport` (else the profile's `[home.diameter] transport`, else TCP) against
/// this kernel and prints which transport was chosen; `sctp` without kernel SCTP is a usage
/// error (exit 2) that suggests `sctp-udp`.
pub fn resolve_transport(
    flag: Option<TransportChoice>,
    profile: &Profile,
) -> anyhow::Result<Transport> {
    let choice = flag.or(profile.home.diameter.transport).unwrap_or_default();
    let resolved =
        crate::engine::diameter::resolve(choice).map_err(|e| config_error(e.to_string()))?;
    println!("{}", resolved.line);
    Ok(resolved.transport)
}

pub(crate) fn parse_duration_arg(s: &str) -> Result<std::time::Duration, String> {
    crate::model::units::parse_duration(s).map_err(|e| e.to_string())
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
    // Before the loops allocate: huge-page faults stall a turn for milliseconds (io::poll).
    let _ = crate::io::poll::disable_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return code as i32;
        }
    };
    match run(cli) {
        Ok(exit) => exit as i32,
        Err(e) => {
            eprintln!("roamsim: error: {e:#}");
            exit_for(&e) as i32
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Load(args) => run::load(&args),
        Command::Serve(args) => serve(&args),
        Command::Subscribers(args) => subscribers::run(&args),
        Command::State(args) => state::run(&args),
        Command::Charging(args) => charging::run(&args),
        Command::Link(args) => link::run(&args).map(|()| Exit::Ok),
        Command::Ipx(args) => ipx::run(&args).map(|()| Exit::Ok),
        Command::Scenario(args) => scenario::run(&args),
        Command::Prune(args) => prune::run(&args),
        Command::Report(args) => report::report(&args),
        Command::Compare(args) => report::compare_cmd(&args),
        Command::Plan(args) => report::plan_cmd(&args),
        Command::Echo(args) => {
            if !(args.rate > 0.0 && args.rate.is_finite()) {
                return Err(config_error(format!(
                    "--rate must be positive, got {}",
                    args.rate
                )));
            }
            let report =
                crate::engine::bench::echo::run(args.rate, args.duration).context("UDP echo")?;
            println!("{}", report.to_json());
            Ok(Exit::Ok)
        }
    }
}

/// Loads `--profile` (or the embedded default); a malformed file is a configuration error.
pub fn load_profile(path: Option<&std::path::Path>) -> anyhow::Result<Profile> {
    match path {
        Some(p) => Profile::load(p).map_err(|e| config_error(e.to_string())),
        None => Ok(Profile::embedded_default()),
    }
}

/// The subscribers of `--subscribers FILE`, or the profile's generated ones without it.
pub fn load_directory(
    profile: &Profile,
    csv: Option<&std::path::Path>,
) -> anyhow::Result<Directory> {
    let Some(path) = csv else {
        return Ok(Directory::from_profile(profile));
    };
    let started = std::time::Instant::now();
    let d = Directory::from_file(profile, path).map_err(|e| config_error(e.to_string()))?;
    eprintln!(
        "roamsim: subscribers: {} from {} in {:.1} s",
        d.len(),
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(d)
}

pub(crate) fn config_error(msg: String) -> anyhow::Error {
    anyhow::Error::new(ConfigError(msg))
}

/// Sets the returned flag on Ctrl-C or SIGTERM, so that a run stops cleanly and still reports.
pub fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("install signal handler")?;
    }
    Ok(stop)
}

fn serve(args: &ServeArgs) -> anyhow::Result<Exit> {
    let profile = load_profile(args.profile.as_deref())?;
    let (directory, opened) = match &args.state {
        Some(dir) => {
            let o = state::open_for_core(dir, &profile, args.subscribers.as_deref(), "serve")?;
            (o.directory.clone(), Some(o))
        }
        None => (load_directory(&profile, args.subscribers.as_deref())?, None),
    };
    let transport = resolve_transport(args.transport, &profile)?;
    let localhost = std::net::Ipv4Addr::LOCALHOST.into();
    // Every subscriber with the persona a `run` of this profile would give it, for the
    // traffic its sessions carry.
    let population = crate::model::population::Population::new(
        &profile,
        directory.clone(),
        "profile",
        Some(directory.len() as u64),
    )
    .map_err(|e| config_error(e.to_string()))?;
    let cfg = ServeConfig {
        profile,
        directory,
        s6a: s6a_address(args.s6a, localhost, transport),
        transport,
        s8: args.s8,
        allow_any_peer: args.allow_any_peer,
        duration: args.duration,
        // Sized for 10k new S8 requests/s (about 10 MB of tables): a `load` up to that rate
        // never waits for the duplicate cache to double; beyond it, it doubles as it must.
        s8_rate_hint: 10_000.0,
        state: opened.as_ref().map(|o| o.handle.clone()),
        cgf: args.cgf.map(|a| (a, args.cgf_dir.clone())),
        charging: args.cgf.map(|_| crate::engine::serve::PgwCharging {
            cgfs: Vec::new(),
            spool: Some(args.cgf_dir.join("spool").join("pgw.spool")),
            node_id: "pgw".into(),
            epoch_unix_us: crate::engine::serve::unix_now_us(),
            link: None,
        }),
        population: Some(Arc::new(population)),
        log: args.log.settings("serve")?,
        online: crate::engine::serve::OnlineServe {
            ocs: args.ocs,
            ..Default::default()
        },
    };
    if cfg.profile.charging.online.enabled && args.ocs.is_none() {
        eprintln!(
            "roamsim serve: [charging.online] is enabled but there is no --ocs: the PGW runs \
             without credit control"
        );
    }
    let stop = stop_flag()?;
    let report = crate::engine::serve::run(cfg, &stop, |s6a, s8, cgf, ocs| {
        println!("s6a listening on {s6a}");
        println!("s8 listening on {s8}");
        if let Some(cgf) = cgf {
            println!("cgf listening on {cgf}");
        }
        if let Some(ocs) = ocs {
            println!("ocs listening on {ocs}");
        }
        let _ = std::io::stdout().flush();
    })?;
    print!("{report}");
    if let Some(state::Opened { folder, handle, .. }) = opened {
        drop(handle);
        state::close(folder)?;
    }
    Ok(Exit::Ok)
}

/// Chooses the exit code for an error: 2 when a [`ConfigError`] is in the chain, else 1.
pub fn exit_for(e: &anyhow::Error) -> Exit {
    if e.chain().any(|c| c.downcast_ref::<ConfigError>().is_some()) {
        Exit::Usage
    } else {
        Exit::Runtime
    }
}
