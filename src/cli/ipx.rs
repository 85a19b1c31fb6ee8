//! `roamsim ipx`: the TUN/network-namespace driver of the link emulator (docs/ARCHITECTURE.md §6).
//! Joins `roamsim-visited` (192.0.2.1) and `roamsim-home` (198.51.100.1) through roamsim's link so
//! that any IP traffic between them is impaired; root only.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::link::{driver_error, duration_arg, load_profile, StopOnSignal};
use crate::engine::link::ipx::{Ipx, IpxConfig};
use crate::engine::link::DEFAULT_SEED;
use crate::link::NetemFlags;

/// `roamsim ipx --profile FILE [--seed N] [--duration D]`.
#[derive(Debug, Clone, Args)]
pub struct IpxArgs {
    /// Link profile (netem/*.toml): `[uplink]` visited -> home, `[downlink]` home -> visited.
    #[arg(long, value_name = "FILE")]
    pub profile: PathBuf,
    /// Seed of the impairments' random streams (default: the profile's, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop after this long (e.g. 30s, 5m); otherwise run until Ctrl-C or SIGTERM.
    #[arg(long, value_name = "TIME", value_parser = duration_arg)]
    pub duration: Option<Duration>,
}

/// Builds the driver configuration the flags describe.
pub fn config(args: &IpxArgs) -> anyhow::Result<IpxConfig> {
    let profile = load_profile(Some(&args.profile), &NetemFlags::default())?;
    let mut config = IpxConfig::new(profile);
    config.seed = args.seed.or(config.profile.seed).unwrap_or(DEFAULT_SEED);
    config.duration = args.duration;
    Ok(config)
}

/// Runs `roamsim ipx`: sets up the namespaces, prints the ready line, carries packets until
/// Ctrl-C, SIGTERM or `--duration`, removes the namespaces and prints the counters.
pub fn run(args: &IpxArgs) -> anyhow::Result<()> {
    let config = config(args)?;
    let signals = StopOnSignal::register()?;
    let ipx = Ipx::setup(&config).map_err(driver_error)?;
    println!("{}", ipx.ready_line());
    let report = ipx.run(&signals.flag).map_err(driver_error)?;
    println!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ConfigError;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        ipx: IpxArgs,
    }

    #[test]
    fn parses_a_profile_and_duration() {
        let cli = Cli::try_parse_from([
            "x",
            "--profile",
            "netem/eu-apac.toml",
            "--duration",
            "10s",
            "--seed",
            "3",
        ])
        .unwrap();
        let config = config(&cli.ipx).unwrap();
        assert_eq!(config.profile.name, "eu-apac");
        assert_eq!(config.seed, 3);
        assert_eq!(config.duration, Some(Duration::from_secs(10)));
    }

    #[test]
    fn the_profile_is_required_and_checked() {
        assert!(Cli::try_parse_from(["x"]).is_err());
        let cli = Cli::try_parse_from(["x", "--profile", "netem/none.toml"]).unwrap();
        assert!(config(&cli.ipx).unwrap_err().is::<ConfigError>());
    }
}
