//! `roamsim subscribers export` and `roamsim subscribers check`: the subscriber dataset outside
//! a run, to provision a real HSS/HLR with the keys roamsim's UEs use, and to check a file
//! before a run reads it.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{config_error, load_profile, Exit};
use crate::model::population::Population;
use crate::model::subscriber::export::{Export, Format};
use crate::model::subscriber::{file, Directory, SubscriberId};

/// Flags of `roamsim subscribers`.
#[derive(Debug, Clone, Args)]
pub struct SubscribersArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SubscribersCommand,
}

/// Subcommands of `roamsim subscribers`.
#[derive(Debug, Clone, Subcommand)]
pub enum SubscribersCommand {
    /// Write the profile's generated subscribers with their keys (the roamers a `run` or
    /// `load` with the same profile, seed and population plays), plus FILE.sha256.
    Export(ExportArgs),
    /// Check a subscriber file without running anything: every error with its line and field,
    /// and the manifest FILE.sha256 when one lies beside it. Exit 2 when anything is wrong.
    Check(CheckArgs),
}

/// Output format of `subscribers export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// `imsi,msisdn,k,opc,amf,mnc_digits` (what `--subscribers` reads).
    Csv,
    /// A JSON array of objects with the same fields.
    Json,
}

/// Flags of `roamsim subscribers export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Profile (TOML); the embedded default when absent.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Subscribers to write: the first N (the profile's `[load] population` when absent, all
    /// provisioned ones when that is 0).
    #[arg(long)]
    pub population: Option<u64>,
    /// Seed the keys derive from; the profile's when absent.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// The file to write (and FILE.sha256 beside it).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Flags of `roamsim subscribers check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The subscriber file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Profile whose home PLMNs, personas and visited PLMNs the file is checked against; the
    /// embedded default when absent.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

/// `roamsim subscribers ...`.
pub fn run(args: &SubscribersArgs) -> anyhow::Result<Exit> {
    match &args.command {
        SubscribersCommand::Export(a) => export(a),
        SubscribersCommand::Check(a) => check(a),
    }
}

fn export(args: &ExportArgs) -> anyhow::Result<Exit> {
    let mut profile = load_profile(args.profile.as_deref())?;
    if let Some(seed) = args.seed {
        profile.seed = seed;
    }
    if let Some(p) = args.population {
        if p == 0 {
            return Err(config_error("--population must be at least 1".into()));
        }
        profile.load.population = p;
        super::run::grow_provisioning(&mut profile, p);
    }
    // The population decides how many: the same check and default as a run's.
    let name = args
        .profile
        .as_ref()
        .map_or_else(|| "default".to_string(), |p| p.display().to_string());
    let population =
        Population::from_profile(&profile, &name, None).map_err(|e| config_error(e.to_string()))?;
    let directory: &Directory = population.directory();
    let n = population.len().min(directory.len());
    let format = match args.format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
    };
    let out = &args.out;
    let io = |e: std::io::Error| anyhow::anyhow!("{}: {e}", out.display());
    let mut export = Export::create(out, format)
        .map_err(|e| config_error(format!("--out {}: {e}", out.display())))?;
    for i in 0..n {
        let s = directory
            .get(SubscriberId(i as u32))
            .expect("below the directory's length");
        export.write(&s).map_err(io)?;
    }
    let hash = export.finish().map_err(io)?;
    println!(
        "{}: {n} subscribers (seed {}), sha256 {hash} in {}.sha256",
        out.display(),
        profile.seed,
        out.display()
    );
    Ok(Exit::Ok)
}

fn check(args: &CheckArgs) -> anyhow::Result<Exit> {
    let profile = load_profile(args.profile.as_deref())?;
    match file::check(&profile, &args.file) {
        Ok(r) => {
            let homes: Vec<String> = r.home_plmns.iter().map(|p| p.to_string()).collect();
            let manifest = match &r.manifest {
                Some(h) => format!("matches its manifest (sha256 {h})"),
                None => "no manifest beside it".to_string(),
            };
            println!(
                "{}: {} subscribers, home PLMNs {}; {manifest}",
                args.file.display(),
                r.subscribers,
                homes.join(", ")
            );
            Ok(Exit::Ok)
        }
        Err(e) => {
            let n = e.errors.len() + e.omitted;
            eprintln!("{e}");
            Err(config_error(format!(
                "{}: {n} error{} (listed above)",
                args.file.display(),
                if n == 1 { "" } else { "s" }
            )))
        }
    }
}
