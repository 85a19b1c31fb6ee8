//! `roamsim link`: the UDP relay driver of the link emulator (docs/ARCHITECTURE.md §6), with a
//! profile file or netem-style flags. Also holds what the standalone drivers' commands share: the
//! usage error type, the mapping of [`DriverError`] to it, and Ctrl-C/SIGTERM handling.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::ConfigError;
use crate::engine::link::relay::{Relay, RelayConfig, DEFAULT_MAX_CLIENTS};
use crate::engine::link::{DriverError, DEFAULT_SEED};
use crate::link::{LinkProfile, NetemFlags};
use crate::model::units::parse_duration;

/// `roamsim link --listen ADDR:PORT --upstream ADDR:PORT [--profile FILE | netem flags]`.
#[derive(Debug, Clone, Args)]
pub struct LinkArgs {
    /// Address clients send to (e.g. 127.0.0.1:2123).
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: String,
    /// Where their datagrams go (e.g. 10.0.0.2:2123 or pgw.example:2123).
    #[arg(long, value_name = "ADDR:PORT")]
    pub upstream: String,
    /// Link profile (netem/*.toml): `[uplink]` client -> upstream, `[downlink]` back.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["delay", "jitter", "distribution", "loss"])]
    pub profile: Option<PathBuf>,
    /// One-way delay, both directions (netem `delay`), e.g. 100ms.
    #[arg(long, value_name = "TIME")]
    pub delay: Option<String>,
    /// Delay jitter (netem's second `delay` value), e.g. 10ms.
    #[arg(long, value_name = "TIME")]
    pub jitter: Option<String>,
    /// Jitter distribution: uniform, normal, pareto, paretonormal.
    #[arg(long, value_name = "NAME")]
    pub distribution: Option<String>,
    /// Random loss per direction (netem `loss random`), e.g. 2%.
    #[arg(long, value_name = "PERCENT")]
    pub loss: Option<String>,
    /// Seed of the impairments' random streams (default: the profile's, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop after this long (e.g. 30s, 5m); otherwise run until Ctrl-C or SIGTERM.
    #[arg(long, value_name = "TIME", value_parser = duration_arg)]
    pub duration: Option<Duration>,
    /// Most clients relayed at once; a new one evicts the least recently active.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CLIENTS)]
    pub max_clients: usize,
}

/// Parses a `--duration` value.
pub(crate) fn duration_arg(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| e.to_string())
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(ConfigError(message.into()))
}

/// Turns a driver error into the command's error: configuration problems become [`ConfigError`].
pub(crate) fn driver_error(e: DriverError) -> anyhow::Error {
    if e.is_config() {
        usage(e.to_string())
    } else {
        anyhow::Error::new(e)
    }
}

/// Loads `--profile`, or builds a symmetric profile from the netem flags.
pub(crate) fn load_profile(
    profile: Option<&PathBuf>,
    flags: &NetemFlags,
) -> anyhow::Result<LinkProfile> {
    let given = [
        &flags.delay,
        &flags.jitter,
        &flags.distribution,
        &flags.loss,
    ];
    match profile {
        Some(_) if given.iter().any(|f| f.is_some()) => Err(usage(
            "give either --profile or netem flags (--delay, --jitter, --distribution, --loss)",
        )),
        Some(path) => LinkProfile::from_file(path).map_err(|e| usage(e.to_string())),
        None => LinkProfile::from_flags(flags)
            .map_err(|e| usage(format!("--{}: {}", e.field, e.reason))),
    }
}

fn resolve(flag: &str, text: &str) -> anyhow::Result<SocketAddr> {
    text.to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| usage(format!("--{flag}: `{text}` is not an ADDR:PORT")))
}

/// Builds the relay configuration the flags describe.
pub fn config(args: &LinkArgs) -> anyhow::Result<RelayConfig> {
    let flags = NetemFlags {
        delay: args.delay.clone(),
        jitter: args.jitter.clone(),
        distribution: args.distribution.clone(),
        loss: args.loss.clone(),
        seed: args.seed,
    };
    let profile = load_profile(args.profile.as_ref(), &flags)?;
    let mut config = RelayConfig::new(
        resolve("listen", &args.listen)?,
        resolve("upstream", &args.upstream)?,
        profile,
    );
    config.seed = args.seed.or(config.profile.seed).unwrap_or(DEFAULT_SEED);
    config.duration = args.duration;
    config.max_clients = args.max_clients;
    Ok(config)
}

/// Ctrl-C and SIGTERM set the returned flag; a second Ctrl-C ends the process at once. The
/// handlers are removed when the guard drops.
pub(crate) struct StopOnSignal {
    pub(crate) flag: Arc<AtomicBool>,
    ids: Vec<signal_hook::SigId>,
}

impl StopOnSignal {
    pub(crate) fn register() -> anyhow::Result<StopOnSignal> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::flag;
        let stop = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        // Only a second Ctrl-C exits at once: `timeout` and service managers follow a SIGINT
        // with a SIGTERM, which must not skip the cleanup.
        ids.push(flag::register_conditional_shutdown(
            SIGINT,
            1,
            Arc::clone(&stop),
        )?);
        for sig in [SIGINT, SIGTERM] {
            ids.push(flag::register(sig, Arc::clone(&stop))?);
        }
        Ok(StopOnSignal { flag: stop, ids })
    }
}

impl Drop for StopOnSignal {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// Runs `roamsim link`: relays until Ctrl-C, SIGTERM or `--duration`, then prints the counters.
pub fn run(args: &LinkArgs) -> anyhow::Result<()> {
    let config = config(args)?;
    let signals = StopOnSignal::register()?;
    let relay = Relay::bind(&config).map_err(driver_error)?;
    println!(
        "link ready: {} -> {} (profile {}, seed {})",
        relay.local_addr(),
        config.upstream,
        config.profile.name,
        config.seed
    );
    let report = relay.run(&signals.flag).map_err(driver_error)?;
    println!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        link: LinkArgs,
    }

    fn parse(args: &[&str]) -> Result<LinkArgs, clap::Error> {
        let argv = ["roamsim-link"].iter().chain(args);
        Cli::try_parse_from(argv).map(|c| c.link)
    }

    const ADDRS: [&str; 4] = ["--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:9"];

    #[test]
    fn netem_flags_make_a_symmetric_profile() {
        let mut argv = ADDRS.to_vec();
        argv.extend([
            "--delay",
            "100ms",
            "--jitter",
            "10ms",
            "--distribution",
            "normal",
        ]);
        argv.extend(["--loss", "2%", "--seed", "7", "--duration", "3s"]);
        let config = config(&parse(&argv).unwrap()).unwrap();
        assert_eq!(config.profile.uplink.delay_us, 100_000);
        assert_eq!(config.profile.downlink.jitter_us, 10_000);
        assert_eq!(config.seed, 7);
        assert_eq!(config.duration, Some(Duration::from_secs(3)));
        assert_eq!(config.max_clients, DEFAULT_MAX_CLIENTS);
    }

    #[test]
    fn a_profile_file_is_read() {
        let mut argv = ADDRS.to_vec();
        argv.extend(["--profile", "netem/eu-apac.toml"]);
        let config = config(&parse(&argv).unwrap()).unwrap();
        assert_eq!(config.profile.name, "eu-apac");
        assert_eq!(config.seed, DEFAULT_SEED);
    }

    #[test]
    fn profile_and_flags_conflict() {
        let mut argv = ADDRS.to_vec();
        argv.extend(["--profile", "netem/eu-apac.toml", "--delay", "5ms"]);
        assert!(parse(&argv).is_err());
        let args = LinkArgs {
            delay: Some("5ms".into()),
            profile: Some("netem/eu-apac.toml".into()),
            ..parse(&ADDRS).unwrap()
        };
        assert!(config(&args).unwrap_err().is::<ConfigError>());
    }

    #[test]
    fn bad_values_are_usage_errors_naming_the_flag() {
        for (flag, value, needle) in [
            ("--loss", "120%", "--loss"),
            ("--delay", "soon", "--delay"),
            ("--distribution", "gaussian", "--distribution"),
        ] {
            let mut argv = ADDRS.to_vec();
            argv.extend([flag, value, "--jitter", "1ms"]);
            let err = config(&parse(&argv).unwrap()).unwrap_err();
            assert!(err.is::<ConfigError>(), "{flag}");
            assert!(err.to_string().contains(needle), "{err}");
        }
        let args = LinkArgs {
            upstream: "nowhere".into(),
            ..parse(&ADDRS).unwrap()
        };
        let err = config(&args).unwrap_err();
        assert!(err.to_string().contains("--upstream"), "{err}");
        assert!(parse(&["--listen", "127.0.0.1:0"]).is_err());
        let mut argv = ADDRS.to_vec();
        argv.extend(["--duration", "forever"]);
        assert!(parse(&argv).is_err());
    }

    #[test]
    fn a_missing_profile_names_the_file() {
        let mut argv = ADDRS.to_vec();
        argv.extend(["--profile", "netem/no-such.toml"]);
        let err = config(&parse(&argv).unwrap()).unwrap_err();
        assert!(err.is::<ConfigError>());
        assert!(err.to_string().contains("netem/no-such.toml"), "{err}");
    }
}
